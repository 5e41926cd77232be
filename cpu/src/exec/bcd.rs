//! Decimal arithmetic: DAA, DAS, AAA, AAS, AAM, AAD (SDM Vol. 2). The 8086 adjusts AL and AH
//! separately in AAA/AAS, later processors adjust AX as a whole.

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::fault::Fault;
use crate::flags::parity;
use crate::model::CpuModel;
use crate::state::reg::EAX;

fn set_al_flags(cpu: &mut Cpu, al: u8, cf: bool, af: bool, of: bool) {
    cpu.state
        .set_status(cf, parity(al as u32), af, al == 0, al & 0x80 != 0, of);
}

pub fn daa(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let old_al = cpu.state.r8(0);
    let old_cf = cpu.state.cf();
    let old_af = cpu.state.af();
    let mut al = old_al;
    let af = al & 0xF > 9 || old_af;
    if af {
        al = al.wrapping_add(6);
    }
    let hi_limit = if cpu.model == CpuModel::I8086 && old_af {
        0x9F
    } else {
        0x99
    };
    let cf = old_al > hi_limit || old_cf;
    if cf {
        al = al.wrapping_add(0x60);
    }
    cpu.state.set_r8(0, al);
    let of = (old_al ^ al) & (al & 0x80) != 0 && old_al & 0x80 == 0;
    set_al_flags(cpu, al, cf, af, of);
    cpu.advance(op)
}

pub fn das(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let old_al = cpu.state.r8(0);
    let old_cf = cpu.state.cf();
    let old_af = cpu.state.af();
    let i8086 = cpu.model == CpuModel::I8086;
    let mut al = old_al;
    let mut cf = false;
    let af = al & 0xF > 9 || old_af;
    if af {
        let (v, borrow) = al.overflowing_sub(6);
        al = v;
        // The 8086 does not carry the low-nibble borrow into CF (SingleStepTests 8086 2F).
        cf = old_cf || (borrow && !i8086);
    }
    let hi_limit = if i8086 && old_af { 0x9F } else { 0x99 };
    if old_al > hi_limit || old_cf {
        al = al.wrapping_sub(0x60);
        cf = true;
    }
    cpu.state.set_r8(0, al);
    let of = old_al & 0x80 != 0 && al & 0x80 == 0;
    set_al_flags(cpu, al, cf, af, of);
    cpu.advance(op)
}

/// AAA (`sub` false) and AAS (`sub` true).
fn ascii_adjust(cpu: &mut Cpu, op: &Op, sub: bool) -> Exec {
    let ax = cpu.state.r16(EAX);
    let (al, ah) = (ax as u8, (ax >> 8) as u8);
    let adjust = al & 0xF > 9 || cpu.state.af();
    let i8086 = cpu.model == CpuModel::I8086;
    let (al, ah) = match (adjust, sub) {
        (false, _) => (al, ah),
        (true, false) if i8086 => (al.wrapping_add(6), ah.wrapping_add(1)),
        (true, true) if i8086 => (al.wrapping_sub(6), ah.wrapping_sub(1)),
        (true, false) => {
            let v = ax.wrapping_add(0x106);
            (v as u8, (v >> 8) as u8)
        }
        (true, true) => {
            let v = ax.wrapping_sub(6);
            (v as u8, ((v >> 8) as u8).wrapping_sub(1))
        }
    };
    cpu.state
        .set_r16(EAX, ((ah as u16) << 8) | (al & 0x0F) as u16);
    cpu.state.set_status(
        adjust,
        parity(al as u32),
        adjust,
        al == 0,
        al & 0x80 != 0,
        false,
    );
    cpu.advance(op)
}

pub fn aaa(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    ascii_adjust(cpu, op, false)
}

pub fn aas(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    ascii_adjust(cpu, op, true)
}

pub fn aam(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let base = op.imm as u8;
    if base == 0 {
        if cpu.model == CpuModel::I80286 {
            // The 286 leaves PF set and the other status flags clear before it faults
            // (SingleStepTests 80286 D4).
            cpu.state
                .set_status(false, true, false, false, false, false);
        }
        return Err(Fault::DivideError);
    }
    let al = cpu.state.r8(0);
    let (ah, al) = (al / base, al % base);
    cpu.state.set_r16(EAX, ((ah as u16) << 8) | al as u16);
    set_al_flags(cpu, al, false, false, false);
    cpu.advance(op)
}

pub fn aad(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let base = op.imm as u8;
    let ax = cpu.state.r16(EAX);
    let (al, ah) = (ax as u8, (ax >> 8) as u8);
    let prod = ah.wrapping_mul(base);
    let (r, cf) = al.overflowing_add(prod);
    cpu.state.set_r16(EAX, r as u16);
    let af = (al ^ prod ^ r) & 0x10 != 0;
    let of = (al ^ r) & (prod ^ r) & 0x80 != 0;
    set_al_flags(cpu, r, cf, af, of);
    cpu.advance(op)
}
