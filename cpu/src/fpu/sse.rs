//! The SSE and SSE2 register file and data movement (Intel SDM Vol. 1 ch. 10 and 11, Vol. 2
//! the MOV*, UNPCK*, SHUF*, AND*/OR*/XOR*, LDMXCSR/STMXCSR and fence pages): eight 128-bit
//! registers XMM0-XMM7 and MXCSR, the operand access every SSE instruction shares, and the
//! instructions that move, shuffle or mask bits without floating-point arithmetic.
//!
//! Every SSE instruction first checks CR0.EM (#UD), CR4.OSFXSR (#UD when clear) and CR0.TS
//! (#NM), in that order (SDM Vol. 3 13.1 and 13.2, Vol. 2 the SSE pages' exception lists); unlike
//! the x87 and MMX they ignore a pending x87 exception.

use super::packed::{elem, mask};
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::state::cr0;

/// CR4.OSFXSR (bit 9): the OS supports FXSAVE/FXRSTOR, which enables SSE instructions.
pub const CR4_OSFXSR: u32 = 1 << 9;
/// CR4.OSXMMEXCPT (bit 10): unmasked SIMD floating-point exceptions raise #XM, not #UD.
pub const CR4_OSXMMEXCPT: u32 = 1 << 10;

/// MXCSR fields (SDM Vol. 1 10.2.3).
pub mod mxcsr {
    /// The six exception flags, in x87 status-word order: IE DE ZE OE UE PE.
    pub const FLAGS: u32 = 0x3F;
    pub const DAZ: u32 = 1 << 6;
    /// The six exception masks, `FLAGS << 7`.
    pub const MASKS: u32 = 0x3F << 7;
    pub const RC_SHIFT: u32 = 13;
    pub const FZ: u32 = 1 << 15;
    /// The power-on and FXRSTOR-default value: all exceptions masked, round to nearest.
    pub const DEFAULT: u32 = 0x1F80;
    /// The bits software may set (what FXSAVE reports as MXCSR_MASK): DAZ is supported.
    pub const WRITABLE: u32 = 0xFFFF;
}

/// The SSE state: XMM0-XMM7 (lane 0 in the low bits) and MXCSR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Sse {
    pub xmm: [u128; 8],
    pub mxcsr: u32,
}

impl Default for Sse {
    fn default() -> Sse {
        Sse {
            xmm: [0; 8],
            mxcsr: mxcsr::DEFAULT,
        }
    }
}

impl Cpu {
    /// The checks every SSE instruction on XMM registers starts with.
    pub(crate) fn sse_prologue(&mut self) -> Result<(), Fault> {
        if self.state.cr0 & cr0::EM != 0 || self.state.cr4 & CR4_OSFXSR == 0 {
            return Err(Fault::InvalidOpcode);
        }
        if self.state.cr0 & cr0::TS != 0 {
            return Err(Fault::DeviceNotAvailable);
        }
        Ok(())
    }

    pub(crate) fn xmm(&self, i: u8) -> u128 {
        self.state.sse.xmm[(i & 7) as usize]
    }

    pub(crate) fn set_xmm(&mut self, i: u8, v: u128) {
        self.state.sse.xmm[(i & 7) as usize] = v;
    }

    /// A 16-byte memory operand must be 16-byte aligned in its linear address, else #GP(0)
    /// (the legacy SSE rule; MOVUPS, MOVUPD, MOVDQU and the scalar forms are exempt).
    fn check_aligned(&self, op: &Op) -> Result<(), Fault> {
        let lin = self.state.seg[op.seg as usize]
            .base
            .wrapping_add(self.ea(op));
        if lin & 15 != 0 {
            return Err(Fault::GeneralProtection(0));
        }
        Ok(())
    }

    /// Reads `size` bytes (4, 8 or 16) at the memory operand, zero-extended.
    pub(crate) fn load_vec(&mut self, bus: &mut dyn Bus, op: &Op, size: u8) -> Result<u128, Fault> {
        let ea = self.ea(op);
        let seg = op.seg as usize;
        let mut v = 0u128;
        for i in 0..u32::from(size / 4) {
            let d = self.read(bus, seg, ea.wrapping_add(4 * i), 4)?;
            v |= u128::from(d) << (32 * i);
        }
        Ok(v)
    }

    /// Writes the low `size` bytes (4, 8 or 16) of `v` at the memory operand; nothing is
    /// written if any part faults.
    pub(crate) fn store_vec(&mut self, bus: &mut dyn Bus, op: &Op, v: u128, size: u8) -> Exec {
        let ea = self.ea(op);
        let seg = op.seg as usize;
        self.probe_write(bus, seg, ea, u32::from(size))?;
        for i in 0..u32::from(size / 4) {
            self.write(bus, seg, ea.wrapping_add(4 * i), 4, (v >> (32 * i)) as u32)?;
        }
        Ok(())
    }

    /// The source operand as 128 bits: an XMM register, memory of the operand's size
    /// (a 16-byte one aligned unless `unaligned`), a general register (zero-extended), or
    /// the immediate byte.
    pub(crate) fn vec_src(
        &mut self,
        bus: &mut dyn Bus,
        op: &Op,
        unaligned: bool,
    ) -> Result<u128, Fault> {
        match op.src {
            Loc::Xmm(i) => Ok(self.xmm(i)),
            Loc::Mmx(i) => Ok(u128::from(self.mm(i))),
            Loc::Reg(r) => Ok(u128::from(self.state.reg(r as usize, 4))),
            Loc::Imm => Ok(u128::from(op.imm & 0xFF)),
            Loc::Mem => {
                if op.ssize == 16 && !unaligned {
                    self.check_aligned(op)?;
                }
                self.load_vec(bus, op, op.ssize)
            }
            _ => Ok(0),
        }
    }

    /// Stores `v` to the destination: an XMM register whole, or memory of the
    /// destination's size (aligned if 16 bytes, unless `unaligned`).
    pub(crate) fn vec_store(
        &mut self,
        bus: &mut dyn Bus,
        op: &Op,
        v: u128,
        unaligned: bool,
    ) -> Exec {
        match op.dst {
            Loc::Xmm(i) => {
                self.set_xmm(i, v);
                Ok(())
            }
            Loc::Reg(r) => {
                self.state.set_reg(r as usize, 4, v as u32);
                Ok(())
            }
            Loc::Mem => {
                if op.size == 16 && !unaligned {
                    self.check_aligned(op)?;
                }
                self.store_vec(bus, op, v, op.size)
            }
            _ => Ok(()),
        }
    }
}

/// A whole-register move with the alignment rule of `unaligned`.
fn mov_whole(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, unaligned: bool) -> Exec {
    cpu.sse_prologue()?;
    let v = cpu.vec_src(bus, op, unaligned)?;
    cpu.vec_store(bus, op, v, unaligned)?;
    cpu.advance(op)
}

/// MOVAPS, MOVAPD, MOVDQA and the non-temporal MOVNTPS, MOVNTPD, MOVNTDQ: 16 aligned bytes.
pub fn movaps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    mov_whole(cpu, bus, op, false)
}

/// MOVUPS, MOVUPD, MOVDQU: 16 bytes with any alignment.
pub fn movups(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    mov_whole(cpu, bus, op, true)
}

/// MOVSS and MOVSD (SDM Vol. 2 MOVSS, MOVSD): between registers only the low element
/// moves; a load zeroes the rest of the register; a store writes the element.
pub fn mov_scalar(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.sse_prologue()?;
    let bits = if op.code.mnemonic() == iced_x86::Mnemonic::Movss {
        32
    } else {
        64
    };
    let src = cpu.vec_src(bus, op, true)?;
    match (op.dst, op.src) {
        (Loc::Xmm(d), Loc::Xmm(_)) => {
            let v = (cpu.xmm(d) & !mask(bits)) | (src & mask(bits));
            cpu.set_xmm(d, v);
        }
        (Loc::Xmm(d), _) => cpu.set_xmm(d, src & mask(bits)),
        _ => cpu.store_vec(bus, op, src, (bits / 8) as u8)?,
    }
    cpu.advance(op)
}

/// MOVLPS/MOVLPD and MOVHPS/MOVHPD (SDM Vol. 2): a quadword between memory and the low or
/// high half of a register; the other half is kept.
fn mov_half(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, high: bool) -> Exec {
    cpu.sse_prologue()?;
    let shift = if high { 64 } else { 0 };
    match op.dst {
        Loc::Xmm(d) => {
            let q = cpu.vec_src(bus, op, true)? & mask(64);
            let v = (cpu.xmm(d) & !(mask(64) << shift)) | (q << shift);
            cpu.set_xmm(d, v);
        }
        _ => {
            let v = cpu.vec_src(bus, op, true)? >> shift;
            cpu.store_vec(bus, op, v, 8)?;
        }
    }
    cpu.advance(op)
}

/// MOVLPS, MOVLPD.
pub fn movlps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    mov_half(cpu, bus, op, false)
}

/// MOVHPS, MOVHPD.
pub fn movhps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    mov_half(cpu, bus, op, true)
}

/// `dst = f(dst, src)` for an XMM destination, with the aligned 16-byte memory rule.
fn binary(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, f: impl Fn(u128, u128, u32) -> u128) -> Exec {
    cpu.sse_prologue()?;
    let src = cpu.vec_src(bus, op, false)?;
    if let Loc::Xmm(d) = op.dst {
        let v = f(cpu.xmm(d), src, op.imm);
        cpu.set_xmm(d, v);
    }
    cpu.advance(op)
}

/// Defines handlers of the form `dst = f(dst, src, imm8)`, each with its SDM page.
macro_rules! vector_ops {
    ($($(#[$doc:meta])* $name:ident = |$a:ident, $b:ident, $i:ident| $e:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
                #[allow(unused_variables)]
                fn f($a: u128, $b: u128, $i: u32) -> u128 {
                    $e
                }
                binary(cpu, bus, op, f)
            }
        )*
    };
}

/// Interleaves the `bits`-bit elements of the low (or high) halves of `a` and `b`.
fn interleave(a: u128, b: u128, bits: u32, high: bool) -> u128 {
    let n = 64 / bits;
    let base = if high { n } else { 0 };
    (0..n).fold(0, |r, i| {
        r | u128::from(elem(a, bits, base + i)) << (2 * i * bits)
            | u128::from(elem(b, bits, base + i)) << ((2 * i + 1) * bits)
    })
}

vector_ops! {
    /// MOVHLPS (SDM Vol. 2 MOVHLPS): the source's high quadword to the low one.
    movhlps = |a, b, _i| (a & !mask(64)) | (b >> 64);
    /// MOVLHPS (SDM Vol. 2 MOVLHPS): the source's low quadword to the high one.
    movlhps = |a, b, _i| (a & mask(64)) | (b << 64);
    /// ANDPS, ANDPD (SDM Vol. 2 ANDPS).
    andps = |a, b, _i| a & b;
    /// ANDNPS, ANDNPD: `!dst & src`.
    andnps = |a, b, _i| !a & b;
    /// ORPS, ORPD.
    orps = |a, b, _i| a | b;
    /// XORPS, XORPD.
    xorps = |a, b, _i| a ^ b;
    /// UNPCKLPS (SDM Vol. 2 UNPCKLPS).
    unpcklps = |a, b, _i| interleave(a, b, 32, false);
    /// UNPCKHPS.
    unpckhps = |a, b, _i| interleave(a, b, 32, true);
    /// UNPCKLPD.
    unpcklpd = |a, b, _i| interleave(a, b, 64, false);
    /// UNPCKHPD.
    unpckhpd = |a, b, _i| interleave(a, b, 64, true);
    /// SHUFPS (SDM Vol. 2 SHUFPS): two dwords of dst picked by imm8[3:0], two of src by
    /// imm8[7:4].
    shufps = |a, b, i| {
        let pick = |v: u128, k: u32| u128::from(elem(v, 32, (i >> (2 * k)) & 3)) << (32 * k);
        pick(a, 0) | pick(a, 1) | pick(b, 2) | pick(b, 3)
    };
    /// SHUFPD: quadword imm8[0] of dst, then imm8[1] of src.
    shufpd = |a, b, i| u128::from(elem(a, 64, i & 1)) | u128::from(elem(b, 64, (i >> 1) & 1)) << 64;
}

/// MOVMSKPS and MOVMSKPD (SDM Vol. 2): the sign bits of the elements to a general register.
pub fn movmskps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.sse_prologue()?;
    let bits = if op.code.mnemonic() == iced_x86::Mnemonic::Movmskps {
        32
    } else {
        64
    };
    let v = cpu.vec_src(bus, op, false)?;
    let mask = (0..128 / bits).fold(0u32, |m, i| {
        m | ((elem(v, bits, i) >> (bits - 1)) as u32) << i
    });
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_reg(r as usize, 4, mask);
    }
    cpu.advance(op)
}

/// MOVD and MOVQ with an XMM register (SDM Vol. 2 MOVD/MOVQ, MOVQ): into an XMM register
/// the source is zero-extended; out of one, the low dword or quadword.
pub fn movd_xmm(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.sse_prologue()?;
    let size = if op.code.mnemonic() == iced_x86::Mnemonic::Movd {
        4
    } else {
        8
    };
    let v = cpu.vec_src(bus, op, true)? & mask(8 * u32::from(size));
    match op.dst {
        Loc::Mem => cpu.store_vec(bus, op, v, size)?,
        _ => cpu.vec_store(bus, op, v, true)?,
    }
    cpu.advance(op)
}

/// LDMXCSR (SDM Vol. 2 LDMXCSR): a reserved bit set gives #GP(0).
pub fn ldmxcsr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.sse_prologue()?;
    let v = cpu.load_vec(bus, op, 4)? as u32;
    if v & !mxcsr::WRITABLE != 0 {
        return Err(Fault::GeneralProtection(0));
    }
    cpu.state.sse.mxcsr = v;
    cpu.advance(op)
}

/// STMXCSR.
pub fn stmxcsr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.sse_prologue()?;
    let v = u128::from(cpu.state.sse.mxcsr);
    cpu.store_vec(bus, op, v, 4)?;
    cpu.advance(op)
}

/// SFENCE, LFENCE, MFENCE and the PREFETCH hints: amber executes in order with no caches,
/// so they only retire (they need no CR4.OSFXSR and raise nothing).
pub fn fence(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.advance(op)
}

/// CLFLUSH (SDM Vol. 2 CLFLUSH): no cache to flush, but the operand is checked like a
/// byte read (segment limit, page present).
pub fn clflush(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let ea = cpu.ea(op);
    cpu.read(bus, op.seg as usize, ea, 1)?;
    cpu.advance(op)
}

/// MOVNTI (SDM Vol. 2 MOVNTI): a 32-bit store with a non-temporal hint.
pub fn movnti(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = match op.src {
        Loc::Reg(r) => cpu.state.reg(r as usize, 4),
        _ => 0,
    };
    let ea = cpu.ea(op);
    cpu.write(bus, op.seg as usize, ea, 4, v)?;
    cpu.advance(op)
}
