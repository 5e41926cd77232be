//! Data movement and bit operations: MOV (incl. segment registers), MOVZX, MOVSX, XCHG, XADD,
//! CMPXCHG, CMPXCHG8B, LEA, LDS/LES/LFS/LGS/LSS, BSWAP, CBW/CWDE, CWD/CDQ, LAHF, SAHF, XLAT,
//! SALC, CMOVcc, SETcc, BT/BTS/BTR/BTC, BSF, BSR (SDM Vol. 2).

use super::muldiv::sext;
use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::fault::Fault;
use crate::flags::size_mask;
use crate::state::reg::{EAX, EBX, ECX, EDX};
use crate::state::{fl, FlagOp, Seg};

pub fn mov(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.src(bus, op)?;
    cpu.put_dst(bus, op, v)?;
    cpu.advance(op)
}

pub fn mov_to_sreg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let Loc::Sreg(s) = op.dst else {
        return Err(Fault::InvalidOpcode);
    };
    if s == Seg::Cs as u8 && cpu.quirks.has_ud {
        return Err(Fault::InvalidOpcode);
    }
    let v = cpu.src(bus, op)?;
    cpu.load_segment(bus, Seg::from_index(s as usize), v as u16)?;
    cpu.advance(op)
}

/// MOV from a segment register to a 32-bit register zero-extends; to memory it stores 16 bits.
pub fn mov_from_sreg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.src(bus, op)?;
    let op2 = Op {
        size: if op.dst == Loc::Mem { 2 } else { op.size },
        ..*op
    };
    cpu.put_dst(bus, &op2, v)?;
    cpu.advance(op)
}

pub fn movzx(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.src(bus, op)?;
    cpu.put_dst(bus, op, v)?;
    cpu.advance(op)
}

pub fn movsx(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = sext(cpu.src(bus, op)?, op.ssize) as u32;
    cpu.put_dst(bus, op, v & size_mask(op.size))?;
    cpu.advance(op)
}

pub fn xchg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    cpu.set_dst(bus, op, ea, s)?;
    write_src_reg(cpu, op, d);
    cpu.advance(op)
}

fn write_src_reg(cpu: &mut Cpu, op: &Op, v: u32) {
    if let Loc::Reg(r) = op.src {
        cpu.state.set_reg(r as usize, op.size, v);
    }
}

pub fn xadd(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    let r = d.wrapping_add(s) & size_mask(op.size);
    cpu.set_dst(bus, op, ea, r)?;
    write_src_reg(cpu, op, d);
    cpu.state.set_lazy(FlagOp::Add, op.size, d, s, r);
    cpu.advance(op)
}

pub fn cmpxchg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    let a = cpu.state.reg(EAX, op.size);
    if a == d {
        cpu.set_dst(bus, op, ea, s)?;
    } else {
        // The destination is written back with its own value (a locked cycle always writes).
        cpu.set_dst(bus, op, ea, d)?;
        cpu.state.set_reg(EAX, op.size, d);
    }
    let r = a.wrapping_sub(d) & size_mask(op.size);
    cpu.state.set_lazy(FlagOp::Sub, op.size, a, d, r);
    cpu.advance(op)
}

pub fn cmpxchg8b(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let ea = cpu.ea(op);
    let seg = op.seg as usize;
    let lo = cpu.read(bus, seg, ea, 4)?;
    let hi = cpu.read(bus, seg, ea.wrapping_add(4), 4)?;
    let equal = lo == cpu.state.r32(EAX) && hi == cpu.state.r32(EDX);
    let (wlo, whi) = if equal {
        (cpu.state.r32(EBX), cpu.state.r32(ECX))
    } else {
        (lo, hi)
    };
    cpu.write(bus, seg, ea, 4, wlo)?;
    cpu.write(bus, seg, ea.wrapping_add(4), 4, whi)?;
    if !equal {
        cpu.state.set_r32(EAX, lo);
        cpu.state.set_r32(EDX, hi);
    }
    cpu.state.set_flag(fl::ZF, equal);
    cpu.advance(op)
}

pub fn lea(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let ea = cpu.ea(op);
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_reg(r as usize, op.size, ea);
    }
    cpu.advance(op)
}

/// LDS, LES, LFS, LGS, LSS: a far pointer from memory into a segment register and a register.
fn load_far_pointer(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, seg: Seg) -> Exec {
    let ea = cpu.ea(op);
    let size = op.size;
    let off = cpu.read(bus, op.seg as usize, ea, size)?;
    let sel = cpu.read(
        bus,
        op.seg as usize,
        ea.wrapping_add(size as u32) & addr_mask(op),
        2,
    )?;
    cpu.load_segment(bus, seg, sel as u16)?;
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_reg(r as usize, size, off);
    }
    cpu.advance(op)
}

/// Mask of an offset of the op's address size.
pub(crate) fn addr_mask(op: &Op) -> u32 {
    size_mask(op.asize)
}

pub fn lds(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_far_pointer(cpu, bus, op, Seg::Ds)
}
pub fn les(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_far_pointer(cpu, bus, op, Seg::Es)
}
pub fn lfs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_far_pointer(cpu, bus, op, Seg::Fs)
}
pub fn lgs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_far_pointer(cpu, bus, op, Seg::Gs)
}
pub fn lss(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_far_pointer(cpu, bus, op, Seg::Ss)
}

pub fn bswap(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if let Loc::Reg(r) = op.dst {
        let v = cpu.state.reg(r as usize, op.size);
        // With a 16-bit operand the result is undefined; P6 processors leave zero.
        let r32 = if op.size == 4 { v.swap_bytes() } else { 0 };
        cpu.state.set_reg(r as usize, op.size, r32);
    }
    cpu.advance(op)
}

/// CBW (16-bit) / CWDE (32-bit): sign-extend the accumulator's lower half.
pub fn cbw(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let half = op.osize / 2;
    let v = sext(cpu.state.reg(EAX, half), half) as u32;
    cpu.state.set_reg(EAX, op.osize, v);
    cpu.advance(op)
}

/// CWD / CDQ: fill DX/EDX with the accumulator's sign.
pub fn cwd(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = sext(cpu.state.reg(EAX, op.osize), op.osize);
    cpu.state.set_reg(EDX, op.osize, (v >> 32) as u32);
    cpu.advance(op)
}

pub fn lahf(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let f = cpu.state.flags() as u8;
    cpu.state.set_r8(4, f);
    cpu.advance(op)
}

pub fn sahf(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    const MASK: u32 = fl::SF | fl::ZF | fl::AF | fl::PF | fl::CF;
    let ah = cpu.state.r8(4) as u32;
    cpu.state.materialize_flags();
    cpu.state.eflags = (cpu.state.eflags & !MASK) | (ah & MASK);
    cpu.advance(op)
}

pub fn xlat(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let off = cpu
        .state
        .reg(EBX, op.asize)
        .wrapping_add(cpu.state.r8(0) as u32)
        & addr_mask(op);
    let v = cpu.read(bus, op.seg as usize, off, 1)?;
    cpu.state.set_r8(0, v as u8);
    cpu.advance(op)
}

pub fn salc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = if cpu.state.cf() { 0xFF } else { 0 };
    cpu.state.set_r8(0, v);
    cpu.advance(op)
}

pub fn cmovcc(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    // The source is read (and may fault) whatever the condition.
    let v = cpu.src(bus, op)?;
    if cpu.state.condition(op.cc) {
        cpu.put_dst(bus, op, v)?;
    }
    cpu.advance(op)
}

pub fn setcc(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.state.condition(op.cc) as u32;
    cpu.put_dst(bus, op, v)?;
    cpu.advance(op)
}

/// What BT-family instructions do to the selected bit.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    Test,
    Set,
    Reset,
    Complement,
}

fn bit_op(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, kind: BitOp) -> Exec {
    let bits = op.size as u32 * 8;
    let offset = cpu.src(bus, op)?;
    let (bit, ea) = if op.dst == Loc::Mem && op.src != Loc::Imm {
        // A register bit offset is signed and may address memory outside the operand.
        let signed = sext(offset, op.size);
        let delta = (signed >> (bits.trailing_zeros())) * op.size as i64;
        let ea = cpu.ea(op).wrapping_add(delta as u32) & addr_mask(op);
        (offset & (bits - 1), ea)
    } else {
        (offset & (bits - 1), cpu.ea(op))
    };
    let d = match op.dst {
        Loc::Reg(r) => cpu.state.reg(r as usize, op.size),
        _ => cpu.read(bus, op.seg as usize, ea, op.size)?,
    };
    let mask = 1u32 << bit;
    let r = match kind {
        BitOp::Test => d,
        BitOp::Set => d | mask,
        BitOp::Reset => d & !mask,
        BitOp::Complement => d ^ mask,
    };
    if kind != BitOp::Test {
        cpu.set_dst(bus, op, ea, r)?;
    }
    cpu.state.set_flag(fl::CF, d & mask != 0);
    cpu.advance(op)
}

pub fn bt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    bit_op(cpu, bus, op, BitOp::Test)
}
pub fn bts(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    bit_op(cpu, bus, op, BitOp::Set)
}
pub fn btr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    bit_op(cpu, bus, op, BitOp::Reset)
}
pub fn btc(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    bit_op(cpu, bus, op, BitOp::Complement)
}

/// BSF (`reverse` false) and BSR: a zero source sets ZF and leaves the destination alone.
fn bit_scan(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, reverse: bool) -> Exec {
    let s = cpu.src(bus, op)?;
    if s != 0 {
        let idx = if reverse {
            31 - s.leading_zeros()
        } else {
            s.trailing_zeros()
        };
        cpu.put_dst(bus, op, idx)?;
    }
    cpu.state.set_flag(fl::ZF, s == 0);
    cpu.advance(op)
}

pub fn bsf(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    bit_scan(cpu, bus, op, false)
}
pub fn bsr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    bit_scan(cpu, bus, op, true)
}
