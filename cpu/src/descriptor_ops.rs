//! The instructions that work on selectors and descriptors: LTR, STR, LLDT, SLDT, LAR, LSL,
//! VERR, VERW, ARPL (Intel SDM Vol. 2; Vol. 3 7.2.4, 3.5.1, 5.10.1).

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::privilege::{TSS16_AVAILABLE, TSS32_AVAILABLE};
use crate::protected::Descriptor;
use crate::state::{fl, SegmentCache};

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
    cpu.write_sys(bus, at, 1, (d.access() | 2) as u32)?;
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

/// The descriptor behind `selector` if LAR/LSL/VERR/VERW may look at it: not null, inside
/// its table, and (unless it is conforming code) visible at CPL and RPL (SDM Vol. 2 LAR).
fn visible_descriptor(cpu: &mut Cpu, bus: &mut dyn Bus, selector: u16) -> Option<Descriptor> {
    if selector & !3 == 0 {
        return None;
    }
    let d = cpu.descriptor(bus, selector).ok()?;
    let privileged = d.dpl() < cpu.state.cpl || d.dpl() < (selector & 3) as u8;
    (d.conforming() || !privileged).then_some(d)
}

/// The selector operand of LAR, LSL, VERR and VERW (a 16-bit register or memory word).
fn selector_operand(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Result<u16, Fault> {
    if !cpu.state.protected() || cpu.state.v86() {
        return Err(Fault::InvalidOpcode);
    }
    Ok(match op.src {
        Loc::Reg(r) => cpu.state.r16(r as usize),
        _ => cpu.read(bus, op.seg as usize, cpu.ea(op), 2)? as u16,
    })
}

/// System descriptor types LAR accepts (TSSs, LDT, call and task gates) and LSL accepts
/// (TSSs and LDT).
const LAR_SYSTEM: [u8; 7] = [0x1, 0x2, 0x3, 0x4, 0x5, 0x9, 0xB];
const LSL_SYSTEM: [u8; 5] = [0x1, 0x2, 0x3, 0x9, 0xB];

pub fn lar(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let sel = selector_operand(cpu, bus, op)?;
    let found = visible_descriptor(cpu, bus, sel)
        .filter(|d| d.is_segment() || LAR_SYSTEM.contains(&d.system_type()));
    if let (Some(d), Loc::Reg(r)) = (found, op.dst) {
        cpu.state
            .set_reg(r as usize, op.size, (d.raw >> 32) as u32 & 0x00F0_FF00);
    }
    cpu.state.set_flag(fl::ZF, found.is_some());
    cpu.advance(op)
}

pub fn lsl(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let sel = selector_operand(cpu, bus, op)?;
    let found = visible_descriptor(cpu, bus, sel)
        .filter(|d| d.is_segment() || LSL_SYSTEM.contains(&d.system_type()));
    if let (Some(d), Loc::Reg(r)) = (found, op.dst) {
        cpu.state.set_reg(r as usize, op.size, d.cache(sel).limit);
    }
    cpu.state.set_flag(fl::ZF, found.is_some());
    cpu.advance(op)
}

/// VERR (`write` false) and VERW: may the segment be read (or written) at CPL?
fn verify(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, write: bool) -> Exec {
    let sel = match op.dst {
        Loc::Reg(r) if cpu.state.protected() && !cpu.state.v86() => cpu.state.r16(r as usize),
        _ => {
            let op2 = Op { src: op.dst, ..*op };
            selector_operand(cpu, bus, &op2)?
        }
    };
    let ok = visible_descriptor(cpu, bus, sel).is_some_and(|d| {
        d.is_segment()
            && if write {
                !d.is_code() && d.rw()
            } else {
                !d.is_code() || d.rw()
            }
    });
    cpu.state.set_flag(fl::ZF, ok);
    cpu.advance(op)
}

pub fn verr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    verify(cpu, bus, op, false)
}

pub fn verw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    verify(cpu, bus, op, true)
}

/// ARPL: raises the destination selector's RPL to the source's (ZF tells whether it did).
pub fn arpl(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    if !cpu.state.protected() || cpu.state.v86() {
        return Err(Fault::InvalidOpcode);
    }
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    let raise = d & 3 < s & 3;
    if raise {
        cpu.set_dst(bus, op, ea, (d & !3) | (s & 3))?;
    }
    cpu.state.set_flag(fl::ZF, raise);
    cpu.advance(op)
}
