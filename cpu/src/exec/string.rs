//! String instructions: MOVS, CMPS, SCAS, LODS, STOS, INS, OUTS, with REP/REPE/REPNE
//! (SDM Vol. 2 "REP/REPE/REPZ/REPNE/REPNZ"). The source segment may be overridden, the
//! destination is always ES. A repeated instruction runs at most `REP_CHUNK` iterations per
//! execution and then yields with EIP still on it, so interrupts and device deadlines are
//! taken during long copies, exactly as hardware allows.

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::fault::Fault;
use crate::flags::size_mask;
use crate::state::reg::{EAX, ECX, EDI, EDX, ESI};
use crate::state::{fl, FlagOp, Seg};

const REP_CHUNK: u32 = 4096;

/// What one iteration did: whether a REPE/REPNE condition may stop the loop.
type Step = fn(&mut Cpu, &mut dyn Bus, &Op) -> Result<(), Fault>;

impl Cpu {
    /// Steps index register `r` by the element size in the direction DF says.
    #[inline(always)]
    fn step_index(&mut self, r: usize, op: &Op) {
        let delta = if self.state.eflags & fl::DF != 0 {
            (op.size as u32).wrapping_neg()
        } else {
            op.size as u32
        };
        let v = self.state.reg(r, op.asize).wrapping_add(delta);
        self.state.set_reg(r, op.asize, v & size_mask(op.asize));
    }

    #[inline(always)]
    fn index(&self, r: usize, op: &Op) -> u32 {
        self.state.reg(r, op.asize)
    }

    /// The fault of a string access. On the 286 the microcode has already stepped the index
    /// registers `regs` and, under REP, decremented CX `count_steps` times (SingleStepTests
    /// 80286 6C-6F, A4-AF: once for a read, twice for a store, not for CMPS's first read).
    #[cold]
    fn string_fault(&mut self, f: Fault, regs: &[usize], count_steps: u32, op: &Op) -> Fault {
        if self.quirks.string_overrun_steps_index {
            for &r in regs {
                self.step_index(r, op);
            }
            if op.rep != 0 {
                let c = self.count_reg(op.asize).wrapping_sub(count_steps);
                self.state.set_reg(ECX, op.asize, c);
            }
        }
        f
    }
}

/// Runs `step` once, or as a REP loop; `compares` makes REPE/REPNE test ZF.
fn repeat(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, step: Step, compares: bool) -> Exec {
    if op.rep == 0 {
        step(cpu, bus, op)?;
        return cpu.advance(op);
    }
    for _ in 0..REP_CHUNK {
        let count = cpu.count_reg(op.asize);
        if count == 0 {
            return cpu.advance(op);
        }
        step(cpu, bus, op)?;
        cpu.state.set_reg(ECX, op.asize, count.wrapping_sub(1));
        if cpu.board_stop {
            break;
        }
        if compares && cpu.state.zf() != (op.rep == 1) {
            return cpu.advance(op);
        }
    }
    if cpu.count_reg(op.asize) == 0 {
        return cpu.advance(op);
    }
    cpu.exit_block = true;
    Ok(())
}

fn movs_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu
        .read(bus, op.seg as usize, cpu.index(ESI, op), op.size)
        .map_err(|f| cpu.string_fault(f, &[ESI], 1, op))?;
    cpu.write(bus, Seg::Es as usize, cpu.index(EDI, op), op.size, v)
        .map_err(|f| cpu.string_fault(f, &[ESI, EDI], 2, op))?;
    cpu.step_index(ESI, op);
    cpu.step_index(EDI, op);
    Ok(())
}

fn cmps_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let read_src = |cpu: &mut Cpu, bus: &mut dyn Bus, stepped: &[usize], count: u32| {
        cpu.read(bus, op.seg as usize, cpu.index(ESI, op), op.size)
            .map_err(|f| cpu.string_fault(f, stepped, count, op))
    };
    let read_dst = |cpu: &mut Cpu, bus: &mut dyn Bus, stepped: &[usize], count: u32| {
        cpu.read(bus, Seg::Es as usize, cpu.index(EDI, op), op.size)
            .map_err(|f| cpu.string_fault(f, stepped, count, op))
    };
    // The 286 fetches the ES:DI operand first (SingleStepTests 80286 A7).
    let (a, b) = if cpu.quirks.string_overrun_steps_index {
        let b = read_dst(cpu, bus, &[EDI], 0)?;
        (read_src(cpu, bus, &[EDI, ESI], 1)?, b)
    } else {
        let a = read_src(cpu, bus, &[], 0)?;
        (a, read_dst(cpu, bus, &[], 0)?)
    };
    cpu.step_index(ESI, op);
    cpu.step_index(EDI, op);
    cpu.state.set_lazy(
        FlagOp::Sub,
        op.size,
        a,
        b,
        a.wrapping_sub(b) & size_mask(op.size),
    );
    Ok(())
}

fn scas_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let a = cpu.state.reg(EAX, op.size);
    let b = cpu
        .read(bus, Seg::Es as usize, cpu.index(EDI, op), op.size)
        .map_err(|f| cpu.string_fault(f, &[EDI], 1, op))?;
    cpu.step_index(EDI, op);
    cpu.state.set_lazy(
        FlagOp::Sub,
        op.size,
        a,
        b,
        a.wrapping_sub(b) & size_mask(op.size),
    );
    Ok(())
}

fn lods_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu
        .read(bus, op.seg as usize, cpu.index(ESI, op), op.size)
        .map_err(|f| cpu.string_fault(f, &[ESI], 1, op))?;
    cpu.state.set_reg(EAX, op.size, v);
    cpu.step_index(ESI, op);
    Ok(())
}

fn stos_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.state.reg(EAX, op.size);
    cpu.write(bus, Seg::Es as usize, cpu.index(EDI, op), op.size, v)
        .map_err(|f| cpu.string_fault(f, &[EDI], 2, op))?;
    cpu.step_index(EDI, op);
    Ok(())
}

fn ins_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let port = cpu.state.r16(EDX);
    cpu.check_io(bus, port, op.size)?;
    let di = cpu.index(EDI, op);
    // Probe the destination before the port read, which may have side effects.
    cpu.read(bus, Seg::Es as usize, di, op.size)
        .map_err(|f| cpu.string_fault(f, &[EDI], 2, op))?;
    let v = bus.io_read(port, op.size, cpu.state.icount);
    cpu.write(bus, Seg::Es as usize, di, op.size, v)?;
    cpu.step_index(EDI, op);
    Ok(())
}

fn outs_step(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let port = cpu.state.r16(EDX);
    cpu.check_io(bus, port, op.size)?;
    let v = cpu
        .read(bus, op.seg as usize, cpu.index(ESI, op), op.size)
        .map_err(|f| cpu.string_fault(f, &[ESI], 1, op))?;
    let action = bus.io_write(port, op.size, v, cpu.state.icount);
    cpu.board_action(action);
    cpu.step_index(ESI, op);
    Ok(())
}

pub fn movs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, movs_step, false)
}
pub fn cmps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, cmps_step, true)
}
pub fn scas(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, scas_step, true)
}
pub fn lods(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, lods_step, false)
}
pub fn stos(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, stos_step, false)
}
pub fn ins(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, ins_step, false)
}
pub fn outs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    repeat(cpu, bus, op, outs_step, false)
}
