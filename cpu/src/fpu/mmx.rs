//! MMX technology (Intel SDM Vol. 1 ch. 9, Vol. 2 the EMMS, MOVD/MOVQ and P* pages): eight
//! 64-bit registers MM0-MM7 aliased onto the significands of the x87 physical registers, and
//! packed integer arithmetic on 8-, 16- and 32-bit lanes.
//!
//! Every MMX instruction but EMMS sets TOP to 0 and tags all registers valid; writing an MMX
//! register also sets bits 79-64 of the x87 register to ones (SDM Vol. 1 9.5).

use super::f80::F80;
use super::packed::*;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Handler, Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::flags::size_mask;
use crate::state::cr0;
use crate::state::reg::EDI;
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
    pub(super) fn mmx_enter(&mut self) {
        self.state.fpu.top = 0;
        self.state.fpu.tag = 0;
    }

    pub(super) fn mm(&self, i: u8) -> u64 {
        self.state.fpu.regs[(i & 7) as usize].mant
    }

    /// Writes MMi: the significand, with sign and exponent all ones (SDM Vol. 1 9.5.1).
    pub(super) fn set_mm(&mut self, i: u8, v: u64) {
        self.state.fpu.regs[(i & 7) as usize] = F80 {
            sign: true,
            exp: 0x7FFF,
            mant: v,
        };
    }

    /// The source operand as 128 bits: an MMX or XMM register, r32 (zero-extended), the
    /// imm8, or memory of the operand's size (a word for PINSRW; 16 bytes must be aligned).
    fn packed_src(&mut self, bus: &mut dyn Bus, op: &Op) -> Result<u128, Fault> {
        if op.src == Loc::Mem && op.ssize == 2 {
            let ea = self.ea(op);
            return Ok(u128::from(self.read(bus, op.seg as usize, ea, 2)?));
        }
        self.vec_src(bus, op, false)
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

/// MOVD and MOVQ (SDM Vol. 2 MOVD/MOVQ, MOVQ), and MOVNTQ (SDM Vol. 2 MOVNTQ), a MOVQ store
/// with a non-temporal hint: to an MMX register the source is zero-extended; from one, MOVD
/// stores its low dword.
pub fn mmx_mov(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.mmx_prologue(bus)?;
    match op.dst {
        Loc::Mmx(d) => {
            let v = cpu.packed_src(bus, op)? as u64;
            cpu.set_mm(d, v);
        }
        Loc::Reg(r) => {
            let v = cpu.packed_src(bus, op)?;
            cpu.state.set_reg(r as usize, 4, v as u32);
        }
        Loc::Mem => {
            let v = cpu.packed_src(bus, op)? as u64;
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

/// `dst = f(dst, src, width, imm8)` for an MMX destination (an MMX instruction: x87 checks,
/// then TOP = 0 and all tags valid) or an XMM one (the SSE checks).
fn binary(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, f: fn(u128, u128, u32, u32) -> u128) -> Exec {
    match op.dst {
        Loc::Mmx(d) => {
            cpu.mmx_prologue(bus)?;
            let src = cpu.packed_src(bus, op)?;
            let v = f(u128::from(cpu.mm(d)), src, 64, op.imm);
            cpu.set_mm(d, v as u64);
            cpu.mmx_enter();
        }
        Loc::Xmm(d) => {
            cpu.sse_prologue()?;
            let src = cpu.packed_src(bus, op)?;
            let v = f(cpu.xmm(d), src, 128, op.imm);
            cpu.set_xmm(d, v);
        }
        _ => return Err(Fault::InvalidOpcode),
    }
    cpu.advance(op)
}

/// Handlers of the form `dst = f(dst, src, width, imm8)`, each with its SDM Vol. 2 page name.
macro_rules! packed {
    ($($(#[$doc:meta])* $name:ident = |$a:ident, $b:ident, $w:ident, $i:ident| $e:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
                fn f($a: u128, $b: u128, $w: u32, $i: u32) -> u128 {
                    $e
                }
                binary(cpu, bus, op, f)
            }
        )*
    };
}

packed! {
    /// PACKSSWB (SDM Vol. 2 PACKSSWB/PACKSSDW).
    packsswb = |a, b, w, _i| pack(a, b, 16, w, sat_s);
    /// PACKSSDW.
    packssdw = |a, b, w, _i| pack(a, b, 32, w, sat_s);
    /// PACKUSWB (SDM Vol. 2 PACKUSWB).
    packuswb = |a, b, w, _i| pack(a, b, 16, w, sat_u);
    /// PUNPCKLBW (SDM Vol. 2 PUNPCKLBW/PUNPCKLWD/PUNPCKLDQ/PUNPCKLQDQ).
    punpcklbw = |a, b, w, _i| unpack(a, b, 8, w, false);
    /// PUNPCKLWD.
    punpcklwd = |a, b, w, _i| unpack(a, b, 16, w, false);
    /// PUNPCKLDQ.
    punpckldq = |a, b, w, _i| unpack(a, b, 32, w, false);
    /// PUNPCKLQDQ (XMM only).
    punpcklqdq = |a, b, w, _i| unpack(a, b, 64, w, false);
    /// PUNPCKHBW (SDM Vol. 2 PUNPCKHBW/PUNPCKHWD/PUNPCKHDQ/PUNPCKHQDQ).
    punpckhbw = |a, b, w, _i| unpack(a, b, 8, w, true);
    /// PUNPCKHWD.
    punpckhwd = |a, b, w, _i| unpack(a, b, 16, w, true);
    /// PUNPCKHDQ.
    punpckhdq = |a, b, w, _i| unpack(a, b, 32, w, true);
    /// PUNPCKHQDQ (XMM only).
    punpckhqdq = |a, b, w, _i| unpack(a, b, 64, w, true);
    /// PADDB (SDM Vol. 2 PADDB/PADDW/PADDD/PADDQ).
    paddb = |a, b, w, _i| lanes(a, b, 8, w, u64::wrapping_add);
    /// PADDW.
    paddw = |a, b, w, _i| lanes(a, b, 16, w, u64::wrapping_add);
    /// PADDD.
    paddd = |a, b, w, _i| lanes(a, b, 32, w, u64::wrapping_add);
    /// PADDQ.
    paddq = |a, b, w, _i| lanes(a, b, 64, w, u64::wrapping_add);
    /// PADDSB (SDM Vol. 2 PADDSB/PADDSW).
    paddsb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| sat_s(sx(x, 8) + sx(y, 8), 8));
    /// PADDSW.
    paddsw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| sat_s(sx(x, 16) + sx(y, 16), 16));
    /// PADDUSB (SDM Vol. 2 PADDUSB/PADDUSW).
    paddusb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| sat_u((x + y) as i64, 8));
    /// PADDUSW.
    paddusw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| sat_u((x + y) as i64, 16));
    /// PSUBB (SDM Vol. 2 PSUBB/PSUBW/PSUBD, PSUBQ).
    psubb = |a, b, w, _i| lanes(a, b, 8, w, u64::wrapping_sub);
    /// PSUBW.
    psubw = |a, b, w, _i| lanes(a, b, 16, w, u64::wrapping_sub);
    /// PSUBD.
    psubd = |a, b, w, _i| lanes(a, b, 32, w, u64::wrapping_sub);
    /// PSUBQ.
    psubq = |a, b, w, _i| lanes(a, b, 64, w, u64::wrapping_sub);
    /// PSUBSB (SDM Vol. 2 PSUBSB/PSUBSW).
    psubsb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| sat_s(sx(x, 8) - sx(y, 8), 8));
    /// PSUBSW.
    psubsw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| sat_s(sx(x, 16) - sx(y, 16), 16));
    /// PSUBUSB (SDM Vol. 2 PSUBUSB/PSUBUSW).
    psubusb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| sat_u(x as i64 - y as i64, 8));
    /// PSUBUSW.
    psubusw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| sat_u(x as i64 - y as i64, 16));
    /// PMULHW (SDM Vol. 2 PMULHW): the high words of the signed products.
    pmulhw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| ((sx(x, 16) * sx(y, 16)) >> 16) as u64);
    /// PMULHUW (SDM Vol. 2 PMULHUW): the high words of the unsigned products.
    pmulhuw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| (x * y) >> 16);
    /// PMULLW (SDM Vol. 2 PMULLW): the low words of the products.
    pmullw = |a, b, w, _i| lanes(a, b, 16, w, u64::wrapping_mul);
    /// PMULUDQ (SDM Vol. 2 PMULUDQ): per quadword, the product of the low unsigned dwords.
    pmuludq = |a, b, w, _i| lanes(a, b, 64, w, |x, y| (x & 0xFFFF_FFFF) * (y & 0xFFFF_FFFF));
    /// PMADDWD (SDM Vol. 2 PMADDWD).
    pmaddwd = |a, b, w, _i| lanes(a, b, 32, w, madd);
    /// PAVGB (SDM Vol. 2 PAVGB/PAVGW): the unsigned average, rounded up.
    pavgb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| (x + y + 1) >> 1);
    /// PAVGW.
    pavgw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| (x + y + 1) >> 1);
    /// PMAXSW (SDM Vol. 2 PMAXSW): signed.
    pmaxsw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| if sx(x, 16) >= sx(y, 16) { x } else { y });
    /// PMAXUB (SDM Vol. 2 PMAXUB): unsigned.
    pmaxub = |a, b, w, _i| lanes(a, b, 8, w, u64::max);
    /// PMINSW (SDM Vol. 2 PMINSW): signed.
    pminsw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| if sx(x, 16) <= sx(y, 16) { x } else { y });
    /// PMINUB (SDM Vol. 2 PMINUB): unsigned.
    pminub = |a, b, w, _i| lanes(a, b, 8, w, u64::min);
    /// PSADBW (SDM Vol. 2 PSADBW): per quadword, the sum of absolute byte differences in its
    /// low word, the rest zeroed.
    psadbw = |a, b, w, _i| lanes(a, b, 64, w, sad);
    /// PCMPEQB (SDM Vol. 2 PCMPEQB/PCMPEQW/PCMPEQD).
    pcmpeqb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| all(x == y));
    /// PCMPEQW.
    pcmpeqw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| all(x == y));
    /// PCMPEQD.
    pcmpeqd = |a, b, w, _i| lanes(a, b, 32, w, |x, y| all(x == y));
    /// PCMPGTB (SDM Vol. 2 PCMPGTB/PCMPGTW/PCMPGTD), signed.
    pcmpgtb = |a, b, w, _i| lanes(a, b, 8, w, |x, y| all(sx(x, 8) > sx(y, 8)));
    /// PCMPGTW.
    pcmpgtw = |a, b, w, _i| lanes(a, b, 16, w, |x, y| all(sx(x, 16) > sx(y, 16)));
    /// PCMPGTD.
    pcmpgtd = |a, b, w, _i| lanes(a, b, 32, w, |x, y| all(sx(x, 32) > sx(y, 32)));
    /// PAND (SDM Vol. 2 PAND).
    pand = |a, b, _w, _i| a & b;
    /// PANDN (SDM Vol. 2 PANDN): `!dst & src`.
    pandn = |a, b, _w, _i| !a & b;
    /// POR (SDM Vol. 2 POR).
    por = |a, b, _w, _i| a | b;
    /// PXOR (SDM Vol. 2 PXOR).
    pxor = |a, b, _w, _i| a ^ b;
    /// PSLLW (SDM Vol. 2 PSLLW/PSLLD/PSLLQ): the count is the low quadword of the source
    /// register or memory, or imm8.
    psllw = |a, c, w, _i| shl(a, c, 16, w);
    /// PSLLD.
    pslld = |a, c, w, _i| shl(a, c, 32, w);
    /// PSLLQ.
    psllq = |a, c, w, _i| shl(a, c, 64, w);
    /// PSRLW (SDM Vol. 2 PSRLW/PSRLD/PSRLQ).
    psrlw = |a, c, w, _i| shr(a, c, 16, w);
    /// PSRLD.
    psrld = |a, c, w, _i| shr(a, c, 32, w);
    /// PSRLQ.
    psrlq = |a, c, w, _i| shr(a, c, 64, w);
    /// PSRAW (SDM Vol. 2 PSRAW/PSRAD).
    psraw = |a, c, w, _i| sar(a, c, 16, w);
    /// PSRAD.
    psrad = |a, c, w, _i| sar(a, c, 32, w);
    /// PSLLDQ (SDM Vol. 2 PSLLDQ): XMM only, by imm8 bytes.
    pslldq = |a, _c, _w, i| byte_shl(a, i);
    /// PSRLDQ (SDM Vol. 2 PSRLDQ).
    psrldq = |a, _c, _w, i| byte_shr(a, i);
    /// PSHUFW (SDM Vol. 2 PSHUFW): MMX only, the source's words picked by imm8.
    pshufw = |_a, b, _w, i| shuffle(b, 16, i);
    /// PSHUFD (SDM Vol. 2 PSHUFD): the source's dwords picked by imm8.
    pshufd = |_a, b, _w, i| shuffle(b, 32, i);
    /// PSHUFLW (SDM Vol. 2 PSHUFLW): the low quadword's words picked by imm8, the high one
    /// copied.
    pshuflw = |_a, b, _w, i| shuffle(b & mask(64), 16, i) | (b & !mask(64));
    /// PSHUFHW (SDM Vol. 2 PSHUFHW): the high quadword's words picked by imm8, the low one
    /// copied.
    pshufhw = |_a, b, _w, i| shuffle(b >> 64, 16, i) << 64 | (b & mask(64));
    /// PINSRW (SDM Vol. 2 PINSRW): the low word of r32 or m16 into the word imm8 selects.
    pinsrw = |a, b, w, i| insert_word(a, b, w, i);
}

/// `r32 = f(src, width, imm8)` for a source MMX register (an MMX instruction) or XMM one.
fn to_gpr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, f: fn(u128, u32, u32) -> u32) -> Exec {
    let (v, width) = match op.src {
        Loc::Mmx(s) => {
            cpu.mmx_prologue(bus)?;
            cpu.mmx_enter();
            (u128::from(cpu.mm(s)), 64)
        }
        Loc::Xmm(s) => {
            cpu.sse_prologue()?;
            (cpu.xmm(s), 128)
        }
        _ => return Err(Fault::InvalidOpcode),
    };
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_reg(r as usize, 4, f(v, width, op.imm));
    }
    cpu.advance(op)
}

/// PMOVMSKB (SDM Vol. 2 PMOVMSKB): the top bit of each byte to a general register,
/// zero-extended.
pub fn pmovmskb(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    to_gpr(cpu, bus, op, |v, w, _| byte_signs(v, w))
}

/// PEXTRW (SDM Vol. 2 PEXTRW): the word imm8 selects to a general register, zero-extended.
pub fn pextrw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    to_gpr(cpu, bus, op, extract_word)
}

/// MOVQ2DQ (SDM Vol. 2 MOVQ2DQ) and MOVDQ2Q (SDM Vol. 2 MOVDQ2Q): an MMX register to the low
/// quadword of an XMM one (zeroing the high one), or the low quadword back. SSE2 instructions
/// that are also MMX transitions: the SSE checks, then a pending x87 exception, and TOP = 0
/// with all tags valid.
pub fn movq2dq(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.sse_prologue()?;
    cpu.pending_fpu_error(bus)?;
    match (op.dst, op.src) {
        (Loc::Xmm(d), Loc::Mmx(s)) => cpu.set_xmm(d, u128::from(cpu.mm(s))),
        (Loc::Mmx(d), Loc::Xmm(s)) => cpu.set_mm(d, cpu.xmm(s) as u64),
        _ => return Err(Fault::InvalidOpcode),
    }
    cpu.mmx_enter();
    cpu.advance(op)
}

/// MASKMOVQ (SDM Vol. 2 MASKMOVQ) and MASKMOVDQU (SDM Vol. 2 MASKMOVDQU): each byte of the
/// first register whose byte in the second (the mask) has its top bit set is stored at
/// DS:DI/EDI (by the address size; a segment override applies) plus its index; the mask
/// register's number is in `imm2`. Every selected byte is checked for writing before any is
/// stored.
pub fn maskmov(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (s, width) = match op.src {
        Loc::Mmx(s) => {
            cpu.mmx_prologue(bus)?;
            (s, 64)
        }
        Loc::Xmm(s) => {
            cpu.sse_prologue()?;
            (s, 128)
        }
        _ => return Err(Fault::InvalidOpcode),
    };
    let rm = op.imm2 as u8;
    let (data, mask) = if width == 64 {
        cpu.mmx_enter();
        (u128::from(cpu.mm(s)), u128::from(cpu.mm(rm)))
    } else {
        (cpu.xmm(s), cpu.xmm(rm))
    };
    let base = cpu.state.reg(EDI, op.asize);
    let wrap = size_mask(op.asize);
    let seg = op.seg as usize;
    let selected: Vec<u32> = (0..width / 8)
        .filter(|&i| (mask >> (8 * i + 7)) & 1 != 0)
        .collect();
    for &i in &selected {
        cpu.probe_write(bus, seg, base.wrapping_add(i) & wrap, 1)?;
    }
    for &i in &selected {
        let byte = (data >> (8 * i)) as u32 & 0xFF;
        cpu.write(bus, seg, base.wrapping_add(i) & wrap, 1, byte)?;
    }
    cpu.advance(op)
}

/// Packed-integer mnemonic -> handler (SDM Vol. 1 ch. 9 and 11.4), for the MMX instructions
/// and the SSE and SSE2 packed-integer ones, on MMX and XMM registers alike.
pub const PACKED: &[(Mnemonic, Handler)] = &[
    (Mnemonic::Emms, emms),
    (Mnemonic::Movd, mmx_mov),
    (Mnemonic::Movq, mmx_mov),
    (Mnemonic::Movntq, mmx_mov),
    (Mnemonic::Movq2dq, movq2dq),
    (Mnemonic::Movdq2q, movq2dq),
    (Mnemonic::Maskmovq, maskmov),
    (Mnemonic::Maskmovdqu, maskmov),
    (Mnemonic::Packsswb, packsswb),
    (Mnemonic::Packssdw, packssdw),
    (Mnemonic::Packuswb, packuswb),
    (Mnemonic::Punpcklbw, punpcklbw),
    (Mnemonic::Punpcklwd, punpcklwd),
    (Mnemonic::Punpckldq, punpckldq),
    (Mnemonic::Punpcklqdq, punpcklqdq),
    (Mnemonic::Punpckhbw, punpckhbw),
    (Mnemonic::Punpckhwd, punpckhwd),
    (Mnemonic::Punpckhdq, punpckhdq),
    (Mnemonic::Punpckhqdq, punpckhqdq),
    (Mnemonic::Paddb, paddb),
    (Mnemonic::Paddw, paddw),
    (Mnemonic::Paddd, paddd),
    (Mnemonic::Paddq, paddq),
    (Mnemonic::Paddsb, paddsb),
    (Mnemonic::Paddsw, paddsw),
    (Mnemonic::Paddusb, paddusb),
    (Mnemonic::Paddusw, paddusw),
    (Mnemonic::Psubb, psubb),
    (Mnemonic::Psubw, psubw),
    (Mnemonic::Psubd, psubd),
    (Mnemonic::Psubq, psubq),
    (Mnemonic::Psubsb, psubsb),
    (Mnemonic::Psubsw, psubsw),
    (Mnemonic::Psubusb, psubusb),
    (Mnemonic::Psubusw, psubusw),
    (Mnemonic::Pmulhw, pmulhw),
    (Mnemonic::Pmulhuw, pmulhuw),
    (Mnemonic::Pmullw, pmullw),
    (Mnemonic::Pmuludq, pmuludq),
    (Mnemonic::Pmaddwd, pmaddwd),
    (Mnemonic::Pavgb, pavgb),
    (Mnemonic::Pavgw, pavgw),
    (Mnemonic::Pmaxsw, pmaxsw),
    (Mnemonic::Pmaxub, pmaxub),
    (Mnemonic::Pminsw, pminsw),
    (Mnemonic::Pminub, pminub),
    (Mnemonic::Psadbw, psadbw),
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
    (Mnemonic::Pslldq, pslldq),
    (Mnemonic::Psrldq, psrldq),
    (Mnemonic::Pshufw, pshufw),
    (Mnemonic::Pshufd, pshufd),
    (Mnemonic::Pshuflw, pshuflw),
    (Mnemonic::Pshufhw, pshufhw),
    (Mnemonic::Pinsrw, pinsrw),
    (Mnemonic::Pextrw, pextrw),
    (Mnemonic::Pmovmskb, pmovmskb),
];
