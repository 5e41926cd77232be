//! Port I/O: IN and OUT (SDM Vol. 1 ch. 19). Ports are reached through the `Bus`; the IOPL
//! and I/O-permission-bitmap checks are in `privilege.rs`.

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::state::reg::{EAX, EDX};

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
