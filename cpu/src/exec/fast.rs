//! Specialised forms of the most frequent instructions (MOV and the lazily-flagged ALU
//! operations with register or immediate operands). Lowering picks them when the operand
//! kinds match (`decode/table.rs::specialise`); their semantics are those of the general
//! handlers in `data.rs` and `alu.rs`, without the operand-kind dispatch.

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::flags::size_mask;
use crate::state::FlagOp;

#[inline(always)]
fn reg(loc: Loc) -> usize {
    match loc {
        Loc::Reg(r) => r as usize,
        _ => 0,
    }
}

pub fn mov_rr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.state.reg(reg(op.src), op.size);
    cpu.state.set_reg(reg(op.dst), op.size, v);
    cpu.advance(op)
}

pub fn mov_ri(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.state.set_reg(reg(op.dst), op.size, op.imm);
    cpu.advance(op)
}

pub fn mov_rm(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.read(bus, op.seg as usize, cpu.ea(op), op.size)?;
    cpu.state.set_reg(reg(op.dst), op.size, v);
    cpu.advance(op)
}

pub fn mov_mr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.state.reg(reg(op.src), op.size);
    cpu.write(bus, op.seg as usize, cpu.ea(op), op.size, v)?;
    cpu.advance(op)
}

/// An ALU operation on a register destination with a register (`_rr`) or immediate (`_ri`)
/// source.
macro_rules! alu_reg {
    ($rr:ident, $ri:ident, $flag:expr, $write:expr, |$d:ident, $s:ident| $e:expr) => {
        pub fn $rr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
            let $s = cpu.state.reg(reg(op.src), op.size);
            alu_finish(cpu, op, $s, $flag, $write, |$d, $s| $e)
        }
        pub fn $ri(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
            alu_finish(cpu, op, op.imm, $flag, $write, |$d, $s| $e)
        }
    };
}

#[inline(always)]
fn alu_finish(
    cpu: &mut Cpu,
    op: &Op,
    s: u32,
    flag: FlagOp,
    write: bool,
    f: impl Fn(u32, u32) -> u32,
) -> Exec {
    let r_dst = reg(op.dst);
    let d = cpu.state.reg(r_dst, op.size);
    let r = f(d, s) & size_mask(op.size);
    if write {
        cpu.state.set_reg(r_dst, op.size, r);
    }
    cpu.state.set_lazy(flag, op.size, d, s, r);
    cpu.advance(op)
}

alu_reg!(add_rr, add_ri, FlagOp::Add, true, |d, s| d.wrapping_add(s));
alu_reg!(sub_rr, sub_ri, FlagOp::Sub, true, |d, s| d.wrapping_sub(s));
alu_reg!(cmp_rr, cmp_ri, FlagOp::Sub, false, |d, s| d.wrapping_sub(s));
alu_reg!(and_rr, and_ri, FlagOp::Logic, true, |d, s| d & s);
alu_reg!(or_rr, or_ri, FlagOp::Logic, true, |d, s| d | s);
alu_reg!(xor_rr, xor_ri, FlagOp::Logic, true, |d, s| d ^ s);
alu_reg!(test_rr, test_ri, FlagOp::Logic, false, |d, s| d & s);
