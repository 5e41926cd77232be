//! MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV (SDM Vol. 2). The 8086 quirks:
//! IDIV faults on the most negative quotient, and a REP prefix negates IDIV's quotient
//! (SingleStepTests 8086 README).

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::fault::Fault;
use crate::flags::{sign_bit, size_mask};
use crate::model::CpuModel;
use crate::state::reg::{EAX, EDX};

/// Sign-extends the low `size` bytes of `v`.
pub fn sext(v: u32, size: u8) -> i64 {
    match size {
        1 => v as u8 as i8 as i64,
        2 => v as u16 as i16 as i64,
        _ => v as i32 as i64,
    }
}

/// The accumulator pair as one value: AX, DX:AX or EDX:EAX.
fn acc_pair(cpu: &Cpu, size: u8) -> u64 {
    match size {
        1 => cpu.state.r16(EAX) as u64,
        2 => ((cpu.state.r16(EDX) as u64) << 16) | cpu.state.r16(EAX) as u64,
        _ => ((cpu.state.r32(EDX) as u64) << 32) | cpu.state.r32(EAX) as u64,
    }
}

/// Stores a double-width product or (quotient, remainder) pair.
fn set_pair(cpu: &mut Cpu, size: u8, lo: u32, hi: u32) {
    if size == 1 {
        cpu.state
            .set_r16(EAX, ((hi as u16 & 0xFF) << 8) | (lo as u16 & 0xFF));
    } else {
        cpu.state.set_reg(EAX, size, lo);
        cpu.state.set_reg(EDX, size, hi);
    }
}

/// Flags after a multiply: CF = OF = `overflow`; SF, ZF, PF from the low half (undefined in
/// the manual), AF cleared.
fn mul_flags(cpu: &mut Cpu, size: u8, lo: u32, overflow: bool) {
    cpu.state.set_szp(size, lo, overflow, false, overflow);
}

pub fn mul(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (s, _) = cpu.dst(bus, op)?;
    let a = cpu.state.reg(EAX, op.size) as u64;
    let p = a * s as u64;
    let n = op.size as u32 * 8;
    let (lo, hi) = (
        p as u32 & size_mask(op.size),
        (p >> n) as u32 & size_mask(op.size),
    );
    set_pair(cpu, op.size, lo, hi);
    mul_flags(cpu, op.size, lo, hi != 0);
    cpu.advance(op)
}

/// IMUL r/m: the accumulator pair gets the full product.
pub fn imul1(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (s, _) = cpu.dst(bus, op)?;
    let p = sext(cpu.state.reg(EAX, op.size), op.size) * sext(s, op.size);
    let n = op.size as u32 * 8;
    let lo = p as u32 & size_mask(op.size);
    let hi = (p >> n) as u32 & size_mask(op.size);
    set_pair(cpu, op.size, lo, hi);
    mul_flags(cpu, op.size, lo, p != sext(lo, op.size));
    cpu.advance(op)
}

/// IMUL r, r/m: the register gets the truncated product.
pub fn imul2(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let b = cpu.src(bus, op)?;
    let (a, _) = cpu.dst(bus, op)?;
    imul_store(cpu, op, a, b)
}

/// IMUL r, r/m, imm.
pub fn imul3(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let a = cpu.src(bus, op)?;
    imul_store(cpu, op, a, op.imm)
}

fn imul_store(cpu: &mut Cpu, op: &Op, a: u32, b: u32) -> Exec {
    let p = sext(a, op.size) * sext(b, op.size);
    let lo = p as u32 & size_mask(op.size);
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_reg(r as usize, op.size, lo);
    }
    mul_flags(cpu, op.size, lo, p != sext(lo, op.size));
    cpu.advance(op)
}

pub fn div(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (s, _) = cpu.dst(bus, op)?;
    if s == 0 {
        return Err(Fault::DivideError);
    }
    let n = op.size as u32 * 8;
    let a = acc_pair(cpu, op.size);
    let q = a / s as u64;
    if q >> n != 0 {
        return Err(Fault::DivideError);
    }
    set_pair(cpu, op.size, q as u32, (a % s as u64) as u32);
    cpu.advance(op)
}

pub fn idiv(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (s, _) = cpu.dst(bus, op)?;
    let d = sext(s, op.size);
    if d == 0 {
        return Err(Fault::DivideError);
    }
    let n = op.size as u32 * 8;
    let a = acc_pair(cpu, op.size);
    let a = ((a << (64 - 2 * n)) as i64) >> (64 - 2 * n);
    let mut q = a.wrapping_div(d);
    let r = a.wrapping_rem(d);
    let max = (sign_bit(op.size) - 1) as i64;
    let min = if cpu.quirks.idiv_excludes_min {
        -max
    } else {
        -max - 1
    };
    if q > max || q < min || (a == i64::MIN && d == -1) {
        return Err(Fault::DivideError);
    }
    if cpu.model == CpuModel::I8086 && op.rep != 0 {
        q = -q;
    }
    set_pair(
        cpu,
        op.size,
        q as u32 & size_mask(op.size),
        r as u32 & size_mask(op.size),
    );
    cpu.advance(op)
}
