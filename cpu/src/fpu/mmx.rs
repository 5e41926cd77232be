//! MMX technology (Intel SDM Vol. 1 ch. 9, Vol. 2 the EMMS, MOVD/MOVQ and P* pages): eight
//! 64-bit registers MM0-MM7 aliased onto the significands of the x87 physical registers, and
//! packed integer arithmetic on 8-, 16- and 32-bit lanes.
//!
//! Every MMX instruction but EMMS sets TOP to 0 and tags all registers valid; writing an MMX
//! register also sets bits 79-64 of the x87 register to ones (SDM Vol. 1 9.5).

use super::f80::F80;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Handler, Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::state::cr0;
use iced_x86::Mnemonic;

impl Cpu {
    /// The checks every MMX instruction starts with (SDM Vol. 3 ch. 12, "Intel MMX Technology
    /// System Programming", the EM/MP/TS table; Vol. 2 the MMX pages' exception lists):
    /// CR0.EM gives #UD, CR0.TS #NM, and an unmasked x87 exception still pending #MF (or FERR#).
    fn mmx_prologue(&mut self, bus: &mut dyn Bus) -> Result<(), Fault> {
        if self.state.cr0 & cr0::EM != 0 {
            return Err(Fault::InvalidOpcode);
        }
        if self.state.cr0 & cr0::TS != 0 {
            return Err(Fault::DeviceNotAvailable);
        }
        self.pending_fpu_error(bus)
    }

    /// TOP = 0 and every tag valid, as each MMX instruction but EMMS leaves them.
    fn mmx_enter(&mut self) {
        self.state.fpu.top = 0;
        self.state.fpu.tag = 0;
    }

    fn mm(&self, i: u8) -> u64 {
        self.state.fpu.regs[(i & 7) as usize].mant
    }

    /// Writes MMi: the significand, with sign and exponent all ones (SDM Vol. 1 9.5.1).
    fn set_mm(&mut self, i: u8, v: u64) {
        self.state.fpu.regs[(i & 7) as usize] = F80 {
            sign: true,
            exp: 0x7FFF,
            mant: v,
        };
    }

    /// The source operand as 64 bits: an MMX register, m64, m32 or r32 (zero-extended), or
    /// an immediate.
    fn mmx_src(&mut self, bus: &mut dyn Bus, op: &Op) -> Result<u64, Fault> {
        Ok(match op.src {
            Loc::Mmx(i) => self.mm(i),
            Loc::Reg(r) => u64::from(self.state.reg(r as usize, 4)),
            Loc::Imm => u64::from(op.imm & 0xFF),
            Loc::Mem => {
                let ea = self.ea(op);
                let seg = op.seg as usize;
                let lo = self.read(bus, seg, ea, 4)?;
                let hi = if op.ssize == 8 {
                    self.read(bus, seg, ea.wrapping_add(4), 4)?
                } else {
                    0
                };
                u64::from(lo) | u64::from(hi) << 32
            }
            _ => 0,
        })
    }

    /// Stores the quadword `v` at the memory operand, leaving memory untouched if any part
    /// faults: both ends are checked for writing first (`probe_write`).
    fn store_q(&mut self, bus: &mut dyn Bus, op: &Op, v: u64) -> Exec {
        let ea = self.ea(op);
        let seg = op.seg as usize;
        self.probe_write(bus, seg, ea, 8)?;
        self.write(bus, seg, ea, 4, v as u32)?;
        self.write(bus, seg, ea.wrapping_add(4), 4, (v >> 32) as u32)
    }
}

/// EMMS: empties the x87 tag word (SDM Vol. 2 EMMS).
pub fn emms(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.mmx_prologue(bus)?;
    cpu.state.fpu.tag = 0xFFFF;
    cpu.advance(op)
}

/// MOVD and MOVQ (SDM Vol. 2 MOVD/MOVQ, MOVQ): to an MMX register the source is zero-extended;
/// from one, MOVD stores its low dword.
pub fn mmx_mov(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.mmx_prologue(bus)?;
    match op.dst {
        Loc::Mmx(d) => {
            let v = cpu.mmx_src(bus, op)?;
            cpu.set_mm(d, v);
        }
        Loc::Reg(r) => {
            let v = cpu.mmx_src(bus, op)?;
            cpu.state.set_reg(r as usize, 4, v as u32);
        }
        Loc::Mem => {
            let v = cpu.mmx_src(bus, op)?;
            if op.size == 8 {
                cpu.store_q(bus, op, v)?;
            } else {
                let ea = cpu.ea(op);
                cpu.write(bus, op.seg as usize, ea, 4, v as u32)?;
            }
        }
        _ => {}
    }
    cpu.mmx_enter();
    cpu.advance(op)
}

/// `dst = f(dst, src)` for an MMX destination register.
fn binary(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, f: fn(u64, u64) -> u64) -> Exec {
    cpu.mmx_prologue(bus)?;
    let src = cpu.mmx_src(bus, op)?;
    if let Loc::Mmx(d) = op.dst {
        let v = f(cpu.mm(d), src);
        cpu.set_mm(d, v);
    }
    cpu.mmx_enter();
    cpu.advance(op)
}

fn mask(bits: u32) -> u64 {
    u64::MAX >> (64 - bits)
}

/// Lane `v` of `bits` bits, sign-extended.
fn sx(v: u64, bits: u32) -> i64 {
    ((v << (64 - bits)) as i64) >> (64 - bits)
}

/// Signed saturation to `bits` (SDM Vol. 1 4.6.2).
fn sat_s(v: i64, bits: u32) -> u64 {
    let max = (1i64 << (bits - 1)) - 1;
    v.clamp(-max - 1, max) as u64 & mask(bits)
}

/// Unsigned saturation to `bits`.
fn sat_u(v: i64, bits: u32) -> u64 {
    v.clamp(0, mask(bits) as i64) as u64
}

/// Applies `f` to each pair of `bits`-bit lanes of `a` and `b`, lowest lane first.
fn lanes(a: u64, b: u64, bits: u32, f: impl Fn(u64, u64) -> u64) -> u64 {
    let m = mask(bits);
    (0..64 / bits).fold(0, |r, i| {
        let s = i * bits;
        r | (f((a >> s) & m, (b >> s) & m) & m) << s
    })
}

/// PACKSS*/PACKUS*: the `bits`-bit lanes of `a` then of `b`, each saturated to half width.
fn pack(a: u64, b: u64, bits: u32, sat: fn(i64, u32) -> u64) -> u64 {
    let half = bits / 2;
    let n = 64 / bits;
    (0..n).fold(0, |r, i| {
        let lo = sat(sx(a >> (i * bits), bits), half) << (i * half);
        let hi = sat(sx(b >> (i * bits), bits), half) << ((i + n) * half);
        r | lo | hi
    })
}

/// PUNPCKL*/PUNPCKH*: interleaves the `bits`-bit lanes of the low (or high) dwords of `a` and
/// `b`, starting with `a`'s.
fn unpack(a: u64, b: u64, bits: u32, high: bool) -> u64 {
    let (a, b) = if high { (a >> 32, b >> 32) } else { (a, b) };
    let m = mask(bits);
    (0..32 / bits).fold(0, |r, i| {
        let x = (a >> (i * bits)) & m;
        let y = (b >> (i * bits)) & m;
        r | x << (2 * i * bits) | y << ((2 * i + 1) * bits)
    })
}

/// Logical left shift of each lane by the full 64-bit `count`; past the width gives 0.
fn shl(a: u64, count: u64, bits: u32) -> u64 {
    lanes(a, 0, bits, |x, _| {
        if count < u64::from(bits) {
            x << count
        } else {
            0
        }
    })
}

/// Logical right shift of each lane.
fn shr(a: u64, count: u64, bits: u32) -> u64 {
    lanes(a, 0, bits, |x, _| {
        if count < u64::from(bits) {
            x >> count
        } else {
            0
        }
    })
}

/// Arithmetic right shift of each lane; past the width fills with the sign.
fn sar(a: u64, count: u64, bits: u32) -> u64 {
    let c = count.min(u64::from(bits) - 1);
    lanes(a, 0, bits, |x, _| (sx(x, bits) >> c) as u64)
}

/// A lane of ones if `c`, of zeros otherwise.
fn all(c: bool) -> u64 {
    if c {
        u64::MAX
    } else {
        0
    }
}

/// PMADDWD: per dword, the sum of the products of its two signed word pairs; only
/// 0x8000_8000 with itself overflows, to 0x8000_0000 (SDM Vol. 2 PMADDWD).
fn madd(x: u64, y: u64) -> u64 {
    let lo = sx(x, 16) * sx(y, 16);
    let hi = sx(x >> 16, 16) * sx(y >> 16, 16);
    (lo + hi) as u64
}

/// Handlers of the form `dst = f(dst, src)`, each with its SDM Vol. 2 page name.
macro_rules! packed {
    ($($(#[$doc:meta])* $name:ident = |$a:ident, $b:ident| $e:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
                fn f($a: u64, $b: u64) -> u64 {
                    $e
                }
                binary(cpu, bus, op, f)
            }
        )*
    };
}

packed! {
    /// PACKSSWB (SDM Vol. 2 PACKSSWB/PACKSSDW).
    packsswb = |a, b| pack(a, b, 16, sat_s);
    /// PACKSSDW.
    packssdw = |a, b| pack(a, b, 32, sat_s);
    /// PACKUSWB (SDM Vol. 2 PACKUSWB).
    packuswb = |a, b| pack(a, b, 16, sat_u);
    /// PUNPCKLBW (SDM Vol. 2 PUNPCKLBW/PUNPCKLWD/PUNPCKLDQ).
    punpcklbw = |a, b| unpack(a, b, 8, false);
    /// PUNPCKLWD.
    punpcklwd = |a, b| unpack(a, b, 16, false);
    /// PUNPCKLDQ.
    punpckldq = |a, b| unpack(a, b, 32, false);
    /// PUNPCKHBW (SDM Vol. 2 PUNPCKHBW/PUNPCKHWD/PUNPCKHDQ).
    punpckhbw = |a, b| unpack(a, b, 8, true);
    /// PUNPCKHWD.
    punpckhwd = |a, b| unpack(a, b, 16, true);
    /// PUNPCKHDQ.
    punpckhdq = |a, b| unpack(a, b, 32, true);
    /// PADDB (SDM Vol. 2 PADDB/PADDW/PADDD).
    paddb = |a, b| lanes(a, b, 8, u64::wrapping_add);
    /// PADDW.
    paddw = |a, b| lanes(a, b, 16, u64::wrapping_add);
    /// PADDD.
    paddd = |a, b| lanes(a, b, 32, u64::wrapping_add);
    /// PADDSB (SDM Vol. 2 PADDSB/PADDSW).
    paddsb = |a, b| lanes(a, b, 8, |x, y| sat_s(sx(x, 8) + sx(y, 8), 8));
    /// PADDSW.
    paddsw = |a, b| lanes(a, b, 16, |x, y| sat_s(sx(x, 16) + sx(y, 16), 16));
    /// PADDUSB (SDM Vol. 2 PADDUSB/PADDUSW).
    paddusb = |a, b| lanes(a, b, 8, |x, y| sat_u((x + y) as i64, 8));
    /// PADDUSW.
    paddusw = |a, b| lanes(a, b, 16, |x, y| sat_u((x + y) as i64, 16));
    /// PSUBB (SDM Vol. 2 PSUBB/PSUBW/PSUBD).
    psubb = |a, b| lanes(a, b, 8, u64::wrapping_sub);
    /// PSUBW.
    psubw = |a, b| lanes(a, b, 16, u64::wrapping_sub);
    /// PSUBD.
    psubd = |a, b| lanes(a, b, 32, u64::wrapping_sub);
    /// PSUBSB (SDM Vol. 2 PSUBSB/PSUBSW).
    psubsb = |a, b| lanes(a, b, 8, |x, y| sat_s(sx(x, 8) - sx(y, 8), 8));
    /// PSUBSW.
    psubsw = |a, b| lanes(a, b, 16, |x, y| sat_s(sx(x, 16) - sx(y, 16), 16));
    /// PSUBUSB (SDM Vol. 2 PSUBUSB/PSUBUSW).
    psubusb = |a, b| lanes(a, b, 8, |x, y| sat_u(x as i64 - y as i64, 8));
    /// PSUBUSW.
    psubusw = |a, b| lanes(a, b, 16, |x, y| sat_u(x as i64 - y as i64, 16));
    /// PMULHW (SDM Vol. 2 PMULHW): the high words of the signed products.
    pmulhw = |a, b| lanes(a, b, 16, |x, y| ((sx(x, 16) * sx(y, 16)) >> 16) as u64);
    /// PMULLW (SDM Vol. 2 PMULLW): the low words of the products.
    pmullw = |a, b| lanes(a, b, 16, u64::wrapping_mul);
    /// PMADDWD (SDM Vol. 2 PMADDWD).
    pmaddwd = |a, b| lanes(a, b, 32, madd);
    /// PCMPEQB (SDM Vol. 2 PCMPEQB/PCMPEQW/PCMPEQD).
    pcmpeqb = |a, b| lanes(a, b, 8, |x, y| all(x == y));
    /// PCMPEQW.
    pcmpeqw = |a, b| lanes(a, b, 16, |x, y| all(x == y));
    /// PCMPEQD.
    pcmpeqd = |a, b| lanes(a, b, 32, |x, y| all(x == y));
    /// PCMPGTB (SDM Vol. 2 PCMPGTB/PCMPGTW/PCMPGTD), signed.
    pcmpgtb = |a, b| lanes(a, b, 8, |x, y| all(sx(x, 8) > sx(y, 8)));
    /// PCMPGTW.
    pcmpgtw = |a, b| lanes(a, b, 16, |x, y| all(sx(x, 16) > sx(y, 16)));
    /// PCMPGTD.
    pcmpgtd = |a, b| lanes(a, b, 32, |x, y| all(sx(x, 32) > sx(y, 32)));
    /// PAND (SDM Vol. 2 PAND).
    pand = |a, b| a & b;
    /// PANDN (SDM Vol. 2 PANDN): `!dst & src`.
    pandn = |a, b| !a & b;
    /// POR (SDM Vol. 2 POR).
    por = |a, b| a | b;
    /// PXOR (SDM Vol. 2 PXOR).
    pxor = |a, b| a ^ b;
    /// PSLLW (SDM Vol. 2 PSLLW/PSLLD/PSLLQ): the count is mm/m64 or imm8.
    psllw = |a, c| shl(a, c, 16);
    /// PSLLD.
    pslld = |a, c| shl(a, c, 32);
    /// PSLLQ.
    psllq = |a, c| shl(a, c, 64);
    /// PSRLW (SDM Vol. 2 PSRLW/PSRLD/PSRLQ).
    psrlw = |a, c| shr(a, c, 16);
    /// PSRLD.
    psrld = |a, c| shr(a, c, 32);
    /// PSRLQ.
    psrlq = |a, c| shr(a, c, 64);
    /// PSRAW (SDM Vol. 2 PSRAW/PSRAD).
    psraw = |a, c| sar(a, c, 16);
    /// PSRAD.
    psrad = |a, c| sar(a, c, 32);
}

/// Packed-integer mnemonic -> handler (SDM Vol. 1 ch. 9), for the MMX instructions and the
/// SSE and SSE2 packed-integer ones.
pub const PACKED: &[(Mnemonic, Handler)] = &[
    (Mnemonic::Emms, emms),
    (Mnemonic::Movd, mmx_mov),
    (Mnemonic::Movq, mmx_mov),
    (Mnemonic::Packsswb, packsswb),
    (Mnemonic::Packssdw, packssdw),
    (Mnemonic::Packuswb, packuswb),
    (Mnemonic::Punpcklbw, punpcklbw),
    (Mnemonic::Punpcklwd, punpcklwd),
    (Mnemonic::Punpckldq, punpckldq),
    (Mnemonic::Punpckhbw, punpckhbw),
    (Mnemonic::Punpckhwd, punpckhwd),
    (Mnemonic::Punpckhdq, punpckhdq),
    (Mnemonic::Paddb, paddb),
    (Mnemonic::Paddw, paddw),
    (Mnemonic::Paddd, paddd),
    (Mnemonic::Paddsb, paddsb),
    (Mnemonic::Paddsw, paddsw),
    (Mnemonic::Paddusb, paddusb),
    (Mnemonic::Paddusw, paddusw),
    (Mnemonic::Psubb, psubb),
    (Mnemonic::Psubw, psubw),
    (Mnemonic::Psubd, psubd),
    (Mnemonic::Psubsb, psubsb),
    (Mnemonic::Psubsw, psubsw),
    (Mnemonic::Psubusb, psubusb),
    (Mnemonic::Psubusw, psubusw),
    (Mnemonic::Pmulhw, pmulhw),
    (Mnemonic::Pmullw, pmullw),
    (Mnemonic::Pmaddwd, pmaddwd),
    (Mnemonic::Pcmpeqb, pcmpeqb),
    (Mnemonic::Pcmpeqw, pcmpeqw),
    (Mnemonic::Pcmpeqd, pcmpeqd),
    (Mnemonic::Pcmpgtb, pcmpgtb),
    (Mnemonic::Pcmpgtw, pcmpgtw),
    (Mnemonic::Pcmpgtd, pcmpgtd),
    (Mnemonic::Pand, pand),
    (Mnemonic::Pandn, pandn),
    (Mnemonic::Por, por),
    (Mnemonic::Pxor, pxor),
    (Mnemonic::Psllw, psllw),
    (Mnemonic::Pslld, pslld),
    (Mnemonic::Psllq, psllq),
    (Mnemonic::Psrlw, psrlw),
    (Mnemonic::Psrld, psrld),
    (Mnemonic::Psrlq, psrlq),
    (Mnemonic::Psraw, psraw),
    (Mnemonic::Psrad, psrad),
];
