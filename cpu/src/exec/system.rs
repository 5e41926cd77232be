//! Flag-control and processor-identification instructions, and the system instructions real
//! mode allows: CLC, STC, CMC, CLD, STD, CLI, STI, NOP, CPUID, RDTSC, WAIT, ESC (x87 opcodes
//! without an FPU), LGDT/LIDT/SGDT/SIDT, SMSW/LMSW, CLTS, INVD/WBINVD, UD (SDM Vol. 2).

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::fault::Fault;
use crate::model::CpuModel;
use crate::state::reg::{EAX, EBX, ECX, EDX};
use crate::state::{cr0, fl};

pub fn nop(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.advance(op)
}

pub fn ud(_cpu: &mut Cpu, _bus: &mut dyn Bus, _op: &Op) -> Exec {
    Err(Fault::InvalidOpcode)
}

/// An instruction longer than the processor's limit raises #GP(0).
pub fn gp(_cpu: &mut Cpu, _bus: &mut dyn Bus, _op: &Op) -> Exec {
    Err(Fault::GeneralProtection(0))
}

fn flag_op(cpu: &mut Cpu, op: &Op, mask: u32, f: impl FnOnce(bool) -> bool) -> Exec {
    cpu.state.materialize_flags();
    let on = f(cpu.state.eflags & mask != 0);
    cpu.state.set_flag(mask, on);
    cpu.advance(op)
}

pub fn clc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    flag_op(cpu, op, fl::CF, |_| false)
}
pub fn stc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    flag_op(cpu, op, fl::CF, |_| true)
}
pub fn cmc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    flag_op(cpu, op, fl::CF, |c| !c)
}
pub fn cld(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    flag_op(cpu, op, fl::DF, |_| false)
}
pub fn std(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    flag_op(cpu, op, fl::DF, |_| true)
}

/// CLI/STI need CPL <= IOPL in protected mode (virtual-interrupt extensions: issue #4).
fn iopl_ok(cpu: &Cpu) -> bool {
    let iopl = (cpu.state.eflags >> 12) & 3;
    !cpu.state.protected() || (cpu.state.cpl as u32 <= iopl && !(cpu.state.v86() && iopl < 3))
}

pub fn cli(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if !iopl_ok(cpu) {
        return Err(Fault::GeneralProtection(0));
    }
    flag_op(cpu, op, fl::IF, |_| false)
}

pub fn sti(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if !iopl_ok(cpu) {
        return Err(Fault::GeneralProtection(0));
    }
    if cpu.state.eflags & fl::IF == 0 {
        // Interrupts stay off until after the next instruction.
        cpu.irq_shadow = cpu.state.icount + 1;
    }
    cpu.exit_block = true;
    flag_op(cpu, op, fl::IF, |_| true)
}

pub fn cpuid(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    let leaf = cpu.state.r32(EAX);
    let (sig, ebx, features) = cpu.model.cpuid_signature();
    let (a, b, c, d) = match leaf {
        // "GenuineIntel", highest leaf 1.
        0 => (1, 0x756E_6547, 0x6C65_746E, 0x4965_6E69),
        1 => (sig, ebx, 0, features),
        _ => (0, 0, 0, 0),
    };
    cpu.state.set_r32(EAX, a);
    cpu.state.set_r32(EBX, b);
    cpu.state.set_r32(ECX, c);
    cpu.state.set_r32(EDX, d);
    cpu.advance(op)
}

/// RDTSC reads the virtual clock: one tick per retired instruction, so runs are
/// deterministic. CR4.TSD restricts it to CPL 0.
pub fn rdtsc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.cr4 & (1 << 2) != 0 && cpu.state.cpl != 0 && cpu.state.protected() {
        return Err(Fault::GeneralProtection(0));
    }
    let t = cpu.state.tsc.wrapping_add(cpu.state.icount);
    cpu.state.set_r32(EAX, t as u32);
    cpu.state.set_r32(EDX, (t >> 32) as u32);
    cpu.advance(op)
}

/// An x87 opcode with no FPU to run it: #NM when CR0.EM or CR0.TS asks for emulation, else
/// the escape does nothing (the 8086 and 286 without a coprocessor). The x87 itself is
/// issue #5.
pub fn esc(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.cr0 & (cr0::EM | cr0::TS) != 0 && cpu.model != CpuModel::I8086 {
        return Err(Fault::DeviceNotAvailable);
    }
    if op.dst == Loc::Mem {
        // The memory operand is still checked against its segment's limit.
        cpu.check_limit(op.seg as usize, cpu.ea(op), op.size as u32)?;
    }
    cpu.advance(op)
}

/// WAIT/FWAIT: #NM when both CR0.MP and CR0.TS are set, #MF when an unmasked x87
/// exception is pending and CR0.NE reports it that way, else FERR# (SDM Vol. 1 8.7.2).
pub fn wait(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.cr0 & (cr0::MP | cr0::TS) == cr0::MP | cr0::TS {
        return Err(Fault::DeviceNotAvailable);
    }
    cpu.pending_fpu_error(bus)?;
    cpu.advance(op)
}

fn require_cpl0(cpu: &Cpu) -> Result<(), Fault> {
    if cpu.state.protected() && (cpu.state.cpl != 0 || cpu.state.v86()) {
        return Err(Fault::GeneralProtection(0));
    }
    Ok(())
}

/// LGDT (`idt` false) and LIDT: 16-bit operands load a 24-bit base.
fn load_table(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, idt: bool) -> Exec {
    require_cpl0(cpu)?;
    let ea = cpu.ea(op);
    let limit = cpu.read(bus, op.seg as usize, ea, 2)?;
    let mut base = cpu.read(bus, op.seg as usize, ea.wrapping_add(2), 4)?;
    if op.osize == 2 {
        base &= 0x00FF_FFFF;
    }
    let t = if idt {
        &mut cpu.state.idtr
    } else {
        &mut cpu.state.gdtr
    };
    t.base = base;
    t.limit = limit;
    cpu.advance(op)
}

pub fn lgdt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_table(cpu, bus, op, false)
}
pub fn lidt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load_table(cpu, bus, op, true)
}

/// SGDT / SIDT: the 286 stores FF in the base's top byte.
fn store_table(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, idt: bool) -> Exec {
    let t = if idt { cpu.state.idtr } else { cpu.state.gdtr };
    let ea = cpu.ea(op);
    let base = if cpu.model == CpuModel::I80286 {
        t.base | 0xFF00_0000
    } else {
        t.base
    };
    cpu.write(bus, op.seg as usize, ea, 2, t.limit)?;
    cpu.write(bus, op.seg as usize, ea.wrapping_add(2), 4, base)?;
    cpu.advance(op)
}

pub fn sgdt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    store_table(cpu, bus, op, false)
}
pub fn sidt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    store_table(cpu, bus, op, true)
}

/// SMSW: the low word of CR0 (the 286 reads its unused MSW bits as ones).
pub fn smsw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let mut v = cpu.state.cr0;
    if cpu.model == CpuModel::I80286 {
        v |= 0xFFF0;
    }
    let size = if op.dst == Loc::Mem { 2 } else { op.size };
    let op2 = Op { size, ..*op };
    cpu.put_dst(bus, &op2, v)?;
    cpu.advance(op)
}

/// LMSW: loads PE, MP, EM, TS; it cannot clear PE.
pub fn lmsw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    require_cpl0(cpu)?;
    let v = cpu.dst(bus, op)?.0 & 0xF;
    let pe = cpu.state.cr0 & cr0::PE;
    cpu.state.cr0 = (cpu.state.cr0 & !0xF) | v | pe;
    cpu.exit_block = true;
    cpu.flush_tlb();
    cpu.advance(op)
}

pub fn clts(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    require_cpl0(cpu)?;
    cpu.state.cr0 &= !cr0::TS;
    cpu.advance(op)
}

/// INVD, WBINVD: there are no caches to write back.
pub fn cache_control(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    require_cpl0(cpu)?;
    cpu.advance(op)
}

/// MOV from CR0, CR2, CR3 or CR4 (SDM Vol. 3 2.5).
pub fn mov_from_cr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    require_cpl0(cpu)?;
    let v = match op.imm2 {
        0 => cpu.state.cr0,
        2 => cpu.state.cr2,
        3 => cpu.state.cr3,
        4 => cpu.state.cr4,
        _ => return Err(Fault::InvalidOpcode),
    };
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_r32(r as usize, v);
    }
    cpu.advance(op)
}

/// MOV to CR0, CR2, CR3 or CR4, with the TLB flushes the architecture requires (SDM Vol. 3
/// 4.10.4): CR3 drops non-global translations; paging-mode bits of CR0 and CR4 drop all.
pub fn mov_to_cr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    require_cpl0(cpu)?;
    let v = match op.src {
        Loc::Reg(r) => cpu.state.r32(r as usize),
        _ => 0,
    };
    match op.imm2 {
        0 => {
            if v & cr0::PG != 0 && v & cr0::PE == 0 {
                return Err(Fault::GeneralProtection(0));
            }
            cpu.state.cr0 = v | cr0::ET;
            cpu.flush_tlb();
        }
        2 => cpu.state.cr2 = v,
        3 => {
            cpu.state.cr3 = v;
            cpu.flush_tlb_non_global();
        }
        4 => {
            cpu.state.cr4 = v;
            cpu.flush_tlb();
        }
        _ => return Err(Fault::InvalidOpcode),
    }
    cpu.exit_block = true;
    cpu.advance(op)
}

/// INVLPG: drops the translation of the page holding the operand.
pub fn invlpg(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    require_cpl0(cpu)?;
    let lin = cpu.state.seg[op.seg as usize].base.wrapping_add(cpu.ea(op));
    cpu.invalidate_page(lin);
    cpu.exit_block = true;
    cpu.advance(op)
}
