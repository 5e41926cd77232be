//! Stack instructions: PUSH, POP (incl. segment registers and POP CS on the 8086), PUSHA,
//! POPA, PUSHF, POPF, ENTER, LEAVE (SDM Vol. 2).

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::fault::Fault;
use crate::flags::size_mask;
use crate::state::reg::{EBP, ESP};
use crate::state::{fl, Seg};

pub fn push(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = match op.dst {
        Loc::Imm => op.imm & size_mask(op.osize),
        Loc::Reg(r) if r as usize == ESP && !cpu.quirks.push_sp_old => {
            // The 8086 pushes SP after the decrement.
            cpu.state.r16(ESP).wrapping_sub(2) as u32
        }
        _ => cpu.dst(bus, op)?.0,
    };
    cpu.push(bus, op.size.max(2), v)?;
    cpu.advance(op)
}

/// PUSH Sreg: with a 32-bit operand size the stack slot is 4 bytes (the selector written
/// zero-extended).
pub fn push_sreg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let Loc::Sreg(s) = op.dst else {
        return Err(Fault::InvalidOpcode);
    };
    let v = cpu.state.seg[s as usize].selector as u32;
    cpu.push(bus, op.osize, v)?;
    cpu.advance(op)
}

pub fn pop(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let size = op.size.max(2);
    let v = cpu.peek(bus, 0, size)?;
    let old = cpu.state.regs[ESP];
    // POP to memory computes the address after incrementing ESP.
    cpu.adjust_sp(size as u32);
    if let Err(f) = cpu.put_dst(bus, op, v) {
        if !cpu.quirks.pop_fault_keeps_sp {
            cpu.state.regs[ESP] = old;
        }
        return Err(f);
    }
    cpu.advance(op)
}

pub fn pop_sreg(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let Loc::Sreg(s) = op.dst else {
        return Err(Fault::InvalidOpcode);
    };
    let v = cpu.peek(bus, 0, 2)?;
    cpu.load_segment(bus, Seg::from_index(s as usize), v as u16)?;
    cpu.adjust_sp(op.osize as u32);
    cpu.advance(op)
}

/// POP CS (8086 opcode 0F).
pub fn pop_cs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let v = cpu.pop(bus, 2)?;
    cpu.load_real_segment(Seg::Cs, v as u16);
    cpu.exit_block = true;
    cpu.advance(op)
}

pub fn pusha(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let size = op.osize;
    let sp = cpu.state.reg(ESP, size);
    let old = cpu.state.regs[ESP];
    for r in 0..8 {
        let v = if r == ESP { sp } else { cpu.state.reg(r, size) };
        if let Err(f) = cpu.push(bus, size, v) {
            cpu.state.regs[ESP] = old;
            return Err(f);
        }
    }
    cpu.advance(op)
}

pub fn popa(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let size = op.osize;
    let mut vals = [0u32; 8];
    for (i, v) in vals.iter_mut().enumerate() {
        *v = cpu.peek(bus, (7 - i as u32) * size as u32, size)?;
    }
    for (r, &v) in vals.iter().enumerate() {
        if r != ESP {
            cpu.state.set_reg(r, size, v);
        }
    }
    cpu.adjust_sp(8 * size as u32);
    cpu.advance(op)
}

pub fn pushf(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.v86_iopl_check()?;
    // The image has VM and RF clear (SDM PUSHF).
    let v = cpu.state.flags() & !(fl::VM | fl::RF);
    cpu.push(bus, op.osize, v)?;
    cpu.advance(op)
}

pub fn popf(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.v86_iopl_check()?;
    let v = cpu.peek(bus, 0, op.osize)?;
    cpu.write_flags(v, op.osize);
    cpu.adjust_sp(op.osize as u32);
    cpu.exit_block = true;
    cpu.advance(op)
}

impl Cpu {
    /// EFLAGS from POPF or IRET of `size` bytes, keeping what the privilege level protects
    /// (SDM POPF: IOPL only at CPL 0, IF only when CPL <= IOPL; VM, RF, VIP, VIF untouched).
    /// EFLAGS from an IRET frame: as POPF, and a 32-bit frame restores RF too.
    pub(crate) fn iret_flags(&mut self, v: u32, size: u8) {
        self.write_flags(v, size);
        if size == 4 {
            self.state.eflags = (self.state.eflags & !fl::RF) | (v & fl::RF);
        }
    }

    pub(crate) fn write_flags(&mut self, v: u32, size: u8) {
        let old = self.state.flags();
        let iopl = (old & fl::IOPL) >> 12;
        let mut keep = fl::VM | fl::RF | fl::VIP | fl::VIF;
        if self.state.protected() && self.state.cpl > 0 || self.state.v86() {
            keep |= fl::IOPL;
        }
        if self.state.protected() && self.state.cpl as u32 > iopl {
            keep |= fl::IF;
        }
        if size == 2 {
            keep |= 0xFFFF_0000;
        }
        let writable = self.quirks.flags_writable & !keep;
        let new = (old & !writable) | (v & writable);
        self.state.lazy.op = crate::state::FlagOp::None;
        self.state.eflags = (new & (self.quirks.flags_writable | keep)) | self.quirks.flags_fixed1;
    }
}

pub fn enter(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let size = op.osize;
    let alloc = op.imm & 0xFFFF;
    let level = op.imm2 & 0x1F;
    let stack32 = cpu.state.seg[Seg::Ss as usize].big();
    let ssize = if stack32 { 4 } else { 2 };
    let old_esp = cpu.state.regs[ESP];
    let result = (|| {
        let bp = cpu.state.reg(EBP, size);
        cpu.push(bus, size, bp)?;
        let frame = cpu.state.reg(ESP, ssize);
        let mut bp_walk = cpu.state.reg(EBP, ssize);
        for _ in 1..level {
            bp_walk = bp_walk.wrapping_sub(size as u32) & size_mask(ssize);
            let v = cpu.read(bus, Seg::Ss as usize, bp_walk, size)?;
            cpu.push(bus, size, v)?;
        }
        if level > 0 {
            cpu.push(bus, size, frame)?;
        }
        let new_sp = cpu.state.reg(ESP, ssize).wrapping_sub(alloc) & size_mask(ssize);
        Ok((frame, new_sp))
    })();
    match result {
        Ok((frame, new_sp)) => {
            cpu.state.set_reg(EBP, size, frame);
            cpu.state.set_reg(ESP, ssize, new_sp);
            cpu.advance(op)
        }
        Err(f) => {
            cpu.state.regs[ESP] = old_esp;
            Err(f)
        }
    }
}

pub fn leave(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let stack32 = cpu.state.seg[Seg::Ss as usize].big();
    let ssize = if stack32 { 4 } else { 2 };
    let bp = cpu.state.reg(EBP, ssize);
    let v = cpu.read(bus, Seg::Ss as usize, bp, op.osize)?;
    cpu.state.set_reg(
        ESP,
        ssize,
        bp.wrapping_add(op.osize as u32) & size_mask(ssize),
    );
    cpu.state.set_reg(EBP, op.osize, v);
    cpu.advance(op)
}
