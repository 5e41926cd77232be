//! Control transfer: JMP, CALL, RET (near and far), Jcc, JCXZ/JECXZ, LOOP/LOOPE/LOOPNE,
//! INT n, INT3, INTO, IRET, BOUND, HLT (SDM Vol. 2). Near targets are checked against the CS
//! limit before anything changes.

use super::muldiv::sext;
use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::fault::Fault;
use crate::flags::size_mask;
use crate::interrupt::Event;
use crate::state::reg::ECX;
use crate::state::Seg;

impl Cpu {
    /// Jumps to `target` (truncated to the operand size) within CS.
    #[inline(always)]
    pub(crate) fn jump_near(&mut self, target: u32, osize: u8) -> Exec {
        let t = target & size_mask(osize);
        if t > self.state.seg[Seg::Cs as usize].limit && !self.quirks.segment_wrap {
            return Err(Fault::GeneralProtection(0));
        }
        self.state.eip = t as u64;
        Ok(())
    }
}

/// Target of a relative branch.
#[inline(always)]
fn rel_target(cpu: &Cpu, op: &Op) -> u32 {
    cpu.state
        .eip32()
        .wrapping_add(op.len as u32)
        .wrapping_add(op.imm)
}

pub fn jmp_rel(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.jump_near(rel_target(cpu, op), op.osize)
}

pub fn jmp_rm(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let t = cpu.dst(bus, op)?.0;
    cpu.jump_near(t, op.osize)
}

pub fn jcc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.condition(op.cc) {
        cpu.jump_near(rel_target(cpu, op), op.osize)
    } else {
        cpu.advance(op)
    }
}

pub fn jcxz(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.count_reg(op.asize) == 0 {
        cpu.jump_near(rel_target(cpu, op), op.osize)
    } else {
        cpu.advance(op)
    }
}

/// LOOP (`cc` None), LOOPE (ZF must be set), LOOPNE (ZF must be clear).
fn loop_common(cpu: &mut Cpu, op: &Op, zf_needed: Option<bool>) -> Exec {
    let count = cpu.count_reg(op.asize).wrapping_sub(1) & size_mask(op.asize);
    let taken = count != 0 && zf_needed.is_none_or(|z| cpu.state.zf() == z);
    if taken {
        cpu.jump_near(rel_target(cpu, op), op.osize)?;
    } else {
        cpu.advance(op)?;
    }
    cpu.state.set_reg(ECX, op.asize, count);
    Ok(())
}

pub fn loop_(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    loop_common(cpu, op, None)
}
pub fn loope(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    loop_common(cpu, op, Some(true))
}
pub fn loopne(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    loop_common(cpu, op, Some(false))
}

pub fn call_rel(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let ret = cpu.next_ip(op.len);
    let t = rel_target(cpu, op) & size_mask(op.osize);
    call_near(cpu, bus, op, ret, t)
}

pub fn call_rm(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let ret = cpu.next_ip(op.len);
    let t = cpu.dst(bus, op)?.0;
    call_near(cpu, bus, op, ret, t)
}

fn call_near(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, ret: u32, target: u32) -> Exec {
    let t = target & size_mask(op.osize);
    if t > cpu.state.seg[Seg::Cs as usize].limit && !cpu.quirks.segment_wrap {
        return Err(Fault::GeneralProtection(0));
    }
    cpu.push(bus, op.osize, ret)?;
    cpu.state.eip = t as u64;
    Ok(())
}

pub fn ret_near(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let t = cpu.peek(bus, 0, op.osize)?;
    cpu.jump_near(t, op.osize)?;
    cpu.adjust_sp(op.osize as u32 + (op.imm & 0xFFFF));
    Ok(())
}

/// Far JMP or CALL to `sel:off`; in protected mode the selector may name a call gate.
fn far_transfer(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, sel: u16, off: u32, call: bool) -> Exec {
    if cpu.state.protected()
        && !cpu.state.v86()
        && sel & !3 != 0
        && !cpu.descriptor(bus, sel)?.is_segment()
    {
        let next = cpu.next_ip(op.len);
        return cpu.through_call_gate(bus, sel, next, call);
    }
    if call {
        let cs = cpu.state.seg[Seg::Cs as usize].selector as u32;
        let ret = cpu.next_ip(op.len);
        let old_esp = cpu.state.regs[crate::state::reg::ESP];
        let pushed = cpu
            .push(bus, op.osize, cs)
            .and_then(|_| cpu.push(bus, op.osize, ret));
        if let Err(f) = pushed.and_then(|_| cpu.load_cs(bus, sel, off)) {
            cpu.state.regs[crate::state::reg::ESP] = old_esp;
            return Err(f);
        }
        Ok(())
    } else {
        cpu.load_cs(bus, sel, off)
    }
}

/// The far pointer (selector, offset) an indirect far JMP/CALL reads from memory.
fn far_pointer(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Result<(u16, u32), Fault> {
    let ea = cpu.ea(op);
    let off = cpu.read(bus, op.seg as usize, ea, op.osize)?;
    let sel_at = ea.wrapping_add(op.osize as u32) & size_mask(op.asize);
    let sel = cpu.read(bus, op.seg as usize, sel_at, 2)?;
    Ok((sel as u16, off))
}

pub fn jmp_far(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    far_transfer(cpu, bus, op, op.imm2 as u16, op.imm, false)
}
pub fn jmp_far_mem(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (sel, off) = far_pointer(cpu, bus, op)?;
    far_transfer(cpu, bus, op, sel, off, false)
}
pub fn call_far(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    far_transfer(cpu, bus, op, op.imm2 as u16, op.imm, true)
}
pub fn call_far_mem(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (sel, off) = far_pointer(cpu, bus, op)?;
    far_transfer(cpu, bus, op, sel, off, true)
}

pub fn ret_far(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let s = op.osize;
    let off = cpu.peek(bus, 0, s)? & size_mask(s);
    let sel = cpu.peek(bus, s as u32, 2)? as u16;
    let release = op.imm & 0xFFFF;
    if cpu.state.protected() && !cpu.state.v86() && (sel & 3) as u8 > cpu.state.cpl {
        return cpu.return_to_outer_level(bus, s, off, sel, None, release);
    }
    cpu.load_cs(bus, sel, off)?;
    cpu.adjust_sp(2 * s as u32 + release);
    Ok(())
}

pub fn iret(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.v86_iopl_check()?;
    let s = op.osize;
    if cpu.state.protected() && !cpu.state.v86() {
        return cpu.iret_pm(bus, s, cpu.next_ip(op.len));
    }
    let off = cpu.peek(bus, 0, s)?;
    let sel = cpu.peek(bus, s as u32, 2)?;
    let flags = cpu.peek(bus, 2 * s as u32, s)?;
    cpu.load_cs(bus, sel as u16, off & size_mask(s))?;
    cpu.adjust_sp(3 * s as u32);
    cpu.iret_flags(flags, s);
    Ok(())
}

pub fn int(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.v86_iopl_check()?;
    let ret = cpu.next_ip(op.len);
    cpu.interrupt(bus, op.imm as u8, ret, Event::Software)
}

pub fn int3(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let ret = cpu.next_ip(op.len);
    cpu.interrupt(bus, 3, ret, Event::Software)
}

pub fn into(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.of() {
        let ret = cpu.next_ip(op.len);
        cpu.interrupt(bus, 4, ret, Event::Software)
    } else {
        cpu.advance(op)
    }
}

/// ICEBP / INT1 (F1 on 386 and later): a debug trap.
pub fn int1(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let ret = cpu.next_ip(op.len);
    cpu.interrupt(bus, 1, ret, Event::Exception(None))
}

pub fn bound(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let s = op.size;
    let idx = sext(cpu.state.reg(dst_reg(op), s), s);
    let ea = cpu.ea(op);
    let lo = sext(cpu.read(bus, op.seg as usize, ea, s)?, s);
    let hi_at = ea.wrapping_add(s as u32) & size_mask(op.asize);
    let hi = sext(cpu.read(bus, op.seg as usize, hi_at, s)?, s);
    if idx < lo || idx > hi {
        return Err(Fault::BoundRange);
    }
    cpu.advance(op)
}

fn dst_reg(op: &Op) -> usize {
    match op.dst {
        crate::decode::Loc::Reg(r) => r as usize,
        _ => 0,
    }
}

pub fn hlt(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.protected() && cpu.state.cpl != 0 {
        return Err(Fault::GeneralProtection(0));
    }
    cpu.state.halted = true;
    cpu.exit_block = true;
    cpu.advance(op)
}
