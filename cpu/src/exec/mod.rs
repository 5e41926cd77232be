//! Instruction handlers, grouped by family as Bochs groups them. Every handler follows one
//! rule: read operands, compute, and only then write results and advance EIP, so a fault
//! leaves the state of the instruction boundary.

pub mod alu;
pub mod bcd;
pub mod control;
pub mod data;
pub mod fast;
pub mod io;
pub mod muldiv;
pub mod shift;
pub mod stack;
pub mod string;
pub mod system;

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op, NO_REG};
use crate::fault::Fault;
use crate::flags::size_mask;

/// Result of a handler.
pub type Exec = Result<(), Fault>;

impl Cpu {
    /// Effective address (offset within the segment) of the op's memory operand.
    #[inline(always)]
    pub(crate) fn ea(&self, op: &Op) -> u32 {
        let mut a = op.disp;
        if op.base != NO_REG {
            a = a.wrapping_add(self.state.regs[op.base as usize] as u32);
        }
        if op.index != NO_REG {
            a = a.wrapping_add((self.state.regs[op.index as usize] as u32) << op.scale);
        }
        if op.asize == 2 {
            a & 0xFFFF
        } else {
            a
        }
    }

    /// Reads operand `loc` of `size` bytes; `ea` is the memory operand's offset.
    #[inline(always)]
    pub(crate) fn read_loc(
        &mut self,
        bus: &mut dyn Bus,
        op: &Op,
        loc: Loc,
        size: u8,
        ea: u32,
    ) -> Result<u32, Fault> {
        Ok(match loc {
            Loc::Reg(r) => self.state.reg(r as usize, size),
            Loc::Mem => self.read(bus, op.seg as usize, ea, size)?,
            Loc::Imm => op.imm & size_mask(size),
            Loc::Sreg(s) => self.state.seg[s as usize].selector as u32,
            Loc::None | Loc::Fpu(_) | Loc::Mmx(_) | Loc::Xmm(_) => 0,
        })
    }

    /// Reads the source operand.
    #[inline(always)]
    pub(crate) fn src(&mut self, bus: &mut dyn Bus, op: &Op) -> Result<u32, Fault> {
        match op.src {
            Loc::Reg(r) => Ok(self.state.reg(r as usize, op.ssize)),
            Loc::Imm => Ok(op.imm),
            loc => {
                let ea = self.ea(op);
                self.read_loc(bus, op, loc, op.ssize, ea)
            }
        }
    }

    /// Reads the destination operand; returns it with its effective address.
    #[inline(always)]
    pub(crate) fn dst(&mut self, bus: &mut dyn Bus, op: &Op) -> Result<(u32, u32), Fault> {
        match op.dst {
            Loc::Reg(r) => Ok((self.state.reg(r as usize, op.size), 0)),
            loc => {
                let ea = self.ea(op);
                Ok((self.read_loc(bus, op, loc, op.size, ea)?, ea))
            }
        }
    }

    /// Writes the destination operand at the effective address `dst` returned.
    #[inline(always)]
    pub(crate) fn set_dst(&mut self, bus: &mut dyn Bus, op: &Op, ea: u32, v: u32) -> Exec {
        match op.dst {
            Loc::Reg(r) => {
                self.state.set_reg(r as usize, op.size, v);
                Ok(())
            }
            Loc::Mem => self.write(bus, op.seg as usize, ea, op.size, v),
            _ => Ok(()),
        }
    }

    /// Writes the destination without reading it first.
    #[inline(always)]
    pub(crate) fn put_dst(&mut self, bus: &mut dyn Bus, op: &Op, v: u32) -> Exec {
        let ea = if op.dst == Loc::Mem { self.ea(op) } else { 0 };
        self.set_dst(bus, op, ea, v)
    }

    /// Advances EIP past `op`.
    #[inline(always)]
    pub(crate) fn advance(&mut self, op: &Op) -> Exec {
        self.state.eip = (self.state.eip32().wrapping_add(op.len as u32) & op.ip_mask) as u64;
        Ok(())
    }

    /// The count register (CX or ECX) of the address size.
    #[inline(always)]
    pub(crate) fn count_reg(&self, asize: u8) -> u32 {
        self.state.reg(crate::state::reg::ECX, asize)
    }
}
