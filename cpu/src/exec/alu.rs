//! Integer arithmetic and logic: ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST, INC, DEC, NEG,
//! NOT (SDM Vol. 2 instruction pages).

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::flags::{sign_bit, size_mask};
use crate::state::FlagOp;

/// An operation recorded lazily: computes the result from (dst, src).
macro_rules! lazy_alu {
    ($name:ident, $flag:expr, $write:expr, |$d:ident, $s:ident| $e:expr) => {
        pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
            let ($d, ea) = cpu.dst(bus, op)?;
            let $s = cpu.src(bus, op)?;
            let r = ($e) & size_mask(op.size);
            if $write {
                cpu.set_dst(bus, op, ea, r)?;
            }
            cpu.state.set_lazy($flag, op.size, $d, $s, r);
            cpu.advance(op)
        }
    };
}

lazy_alu!(add, FlagOp::Add, true, |d, s| d.wrapping_add(s));
lazy_alu!(sub, FlagOp::Sub, true, |d, s| d.wrapping_sub(s));
lazy_alu!(cmp, FlagOp::Sub, false, |d, s| d.wrapping_sub(s));
lazy_alu!(and, FlagOp::Logic, true, |d, s| d & s);
lazy_alu!(or, FlagOp::Logic, true, |d, s| d | s);
lazy_alu!(xor, FlagOp::Logic, true, |d, s| d ^ s);
lazy_alu!(test, FlagOp::Logic, false, |d, s| d & s);

pub fn adc(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    let c = cpu.state.cf() as u32;
    let m = size_mask(op.size);
    let wide = d as u64 + s as u64 + c as u64;
    let r = wide as u32 & m;
    cpu.set_dst(bus, op, ea, r)?;
    let of = (d ^ r) & (s ^ r) & sign_bit(op.size) != 0;
    cpu.state
        .set_szp(op.size, r, wide > m as u64, (d ^ s ^ r) & 0x10 != 0, of);
    cpu.advance(op)
}

pub fn sbb(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    let c = cpu.state.cf() as u32;
    let r = d.wrapping_sub(s).wrapping_sub(c) & size_mask(op.size);
    cpu.set_dst(bus, op, ea, r)?;
    let cf = (d as u64) < s as u64 + c as u64;
    let of = (d ^ s) & (d ^ r) & sign_bit(op.size) != 0;
    cpu.state
        .set_szp(op.size, r, cf, (d ^ s ^ r) & 0x10 != 0, of);
    cpu.advance(op)
}

pub fn inc(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let r = d.wrapping_add(1) & size_mask(op.size);
    cpu.set_dst(bus, op, ea, r)?;
    cpu.state.set_lazy(FlagOp::Inc, op.size, d, 1, r);
    cpu.advance(op)
}

pub fn dec(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let r = d.wrapping_sub(1) & size_mask(op.size);
    cpu.set_dst(bus, op, ea, r)?;
    cpu.state.set_lazy(FlagOp::Dec, op.size, d, 1, r);
    cpu.advance(op)
}

pub fn neg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    let r = 0u32.wrapping_sub(d) & size_mask(op.size);
    cpu.set_dst(bus, op, ea, r)?;
    cpu.state.set_lazy(FlagOp::Sub, op.size, 0, d, r);
    cpu.advance(op)
}

pub fn not(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (d, ea) = cpu.dst(bus, op)?;
    cpu.set_dst(bus, op, ea, !d & size_mask(op.size))?;
    cpu.advance(op)
}
