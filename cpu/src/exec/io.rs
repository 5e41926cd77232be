//! Port I/O: IN and OUT (SDM Vol. 1 ch. 19). Ports are reached through the `Bus`; the
//! protected-mode IOPL and I/O-permission-bitmap checks arrive with issue #4.

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::fault::Fault;
use crate::state::reg::{EAX, EDX};

impl Cpu {
    /// May the current privilege level access `size` bytes at `port`?
    pub(crate) fn check_io(
        &mut self,
        _bus: &mut dyn Bus,
        _port: u16,
        _size: u8,
    ) -> Result<(), Fault> {
        let iopl = (self.state.flags() >> 12) & 3;
        if self.state.protected() && (self.state.cpl as u32 > iopl || self.state.v86()) {
            return Err(Fault::GeneralProtection(0));
        }
        Ok(())
    }
}

/// The port of IN/OUT: an immediate or DX.
fn port(cpu: &Cpu, loc: Loc, op: &Op) -> u16 {
    match loc {
        Loc::Imm => op.imm as u16 & 0xFF,
        _ => cpu.state.r16(EDX),
    }
}

pub fn in_(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let p = port(cpu, op.src, op);
    cpu.check_io(bus, p, op.size)?;
    let v = bus.io_read(p, op.size, cpu.state.icount);
    cpu.state.set_reg(EAX, op.size, v);
    cpu.advance(op)
}

pub fn out(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let p = port(cpu, op.dst, op);
    let size = op.ssize;
    cpu.check_io(bus, p, size)?;
    let action = bus.io_write(p, size, cpu.state.reg(EAX, size), cpu.state.icount);
    cpu.board_action(action);
    cpu.advance(op)
}
