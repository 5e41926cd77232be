//! The instructions that load and store the task register and the LDT register (LTR, STR,
//! LLDT, SLDT; Intel SDM Vol. 2 and Vol. 3 7.2.4, 3.5.1).

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::privilege::{TSS16_AVAILABLE, TSS32_AVAILABLE};
use crate::state::SegmentCache;

/// LDT descriptor type.
const LDT: u8 = 0x2;

/// Protected mode at CPL 0, or #UD in real and virtual-8086 mode.
fn privileged(cpu: &Cpu) -> Result<(), Fault> {
    if !cpu.state.protected() || cpu.state.v86() {
        return Err(Fault::InvalidOpcode);
    }
    if cpu.state.cpl != 0 {
        return Err(Fault::GeneralProtection(0));
    }
    Ok(())
}

pub fn ltr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    privileged(cpu)?;
    let sel = cpu.dst(bus, op)?.0 as u16;
    let err = sel & !3;
    if err == 0 || sel & 4 != 0 {
        return Err(Fault::GeneralProtection(err));
    }
    let d = cpu.descriptor(bus, sel)?;
    if d.is_segment() || !matches!(d.system_type(), TSS16_AVAILABLE | TSS32_AVAILABLE) {
        return Err(Fault::GeneralProtection(err));
    }
    if !d.present() {
        return Err(Fault::SegmentNotPresent(err));
    }
    // The descriptor becomes busy (type bit 1), in the GDT and in the cache.
    let at = cpu.state.gdtr.base.wrapping_add(err as u32 + 5);
    cpu.write_lin(bus, at, 1, (d.access() | 2) as u32)?;
    let mut cache = d.cache(sel);
    cache.access |= 2;
    cpu.state.tr = cache;
    cpu.advance(op)
}

pub fn lldt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    privileged(cpu)?;
    let sel = cpu.dst(bus, op)?.0 as u16;
    let err = sel & !3;
    if err == 0 {
        cpu.state.ldtr = SegmentCache {
            selector: sel,
            ..SegmentCache::default()
        };
        return cpu.advance(op);
    }
    if sel & 4 != 0 {
        return Err(Fault::GeneralProtection(err));
    }
    let d = cpu.descriptor(bus, sel)?;
    if d.is_segment() || d.system_type() != LDT {
        return Err(Fault::GeneralProtection(err));
    }
    if !d.present() {
        return Err(Fault::SegmentNotPresent(err));
    }
    cpu.state.ldtr = d.cache(sel);
    cpu.advance(op)
}

/// STR and SLDT: a register gets the selector zero-extended, memory gets 16 bits.
fn store_selector(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, selector: u16) -> Exec {
    if !cpu.state.protected() || cpu.state.v86() {
        return Err(Fault::InvalidOpcode);
    }
    let size = if op.dst == Loc::Mem { 2 } else { op.size };
    cpu.put_dst(bus, &Op { size, ..*op }, selector as u32)?;
    cpu.advance(op)
}

pub fn str_(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let s = cpu.state.tr.selector;
    store_selector(cpu, bus, op, s)
}

pub fn sldt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let s = cpu.state.ldtr.selector;
    store_selector(cpu, bus, op, s)
}
