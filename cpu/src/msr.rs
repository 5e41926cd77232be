//! Model-specific registers of the P6 family (Intel SDM Vol. 4, "MSRs in the P6 family"),
//! RDMSR/WRMSR, SYSENTER/SYSEXIT (Vol. 2), RDPMC and MOV to and from the debug registers.
//! MTRRs, PAT and MISC_ENABLE read back what was written; an unknown MSR raises #GP(0).

use std::collections::BTreeMap;

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::model::CpuModel;
use crate::paging::EFER_NXE;
use crate::state::reg::{EAX, ECX, EDX, ESP};
use crate::state::{fl, Seg, SegmentCache};

pub const TSC: u32 = 0x10;
pub const APIC_BASE: u32 = 0x1B;
pub const SYSENTER_CS: u32 = 0x174;
pub const SYSENTER_ESP: u32 = 0x175;
pub const SYSENTER_EIP: u32 = 0x176;
pub const EFER: u32 = 0xC000_0080;
const MTRR_CAP: u32 = 0xFE;

/// MSRs that only store what software writes, with their reset values.
const STORED: &[(u32, u32, u64)] = &[
    (0x17, 0x17, 0),   // IA32_PLATFORM_ID
    (0x8B, 0x8B, 0),   // IA32_BIOS_SIGN_ID
    (0x1A0, 0x1A0, 1), // IA32_MISC_ENABLE (fast strings)
    (0x200, 0x20F, 0), // variable-range MTRR base/mask pairs
    (0x250, 0x250, 0), // fixed-range MTRRs
    (0x258, 0x259, 0),
    (0x268, 0x26F, 0),
    (0x277, 0x277, 0x0007_0406_0007_0406), // IA32_PAT
    (0x2FF, 0x2FF, 0),                     // IA32_MTRR_DEF_TYPE
];

/// The MSR file.
#[derive(Clone, Debug, Default)]
pub struct Msrs {
    stored: BTreeMap<u32, u64>,
    pub apic_base: u64,
    pub sysenter_cs: u32,
    pub sysenter_esp: u32,
    pub sysenter_eip: u32,
    /// WRMSRs executed, for `--jit-verify` (which cannot repeat a run that wrote one).
    pub writes: u64,
}

impl Msrs {
    pub fn reset() -> Msrs {
        let mut m = Msrs {
            // The bootstrap processor's xAPIC at FEE00000, enabled.
            apic_base: 0xFEE0_0900,
            ..Msrs::default()
        };
        for &(lo, hi, v) in STORED {
            for i in lo..=hi {
                m.stored.insert(i, v);
            }
        }
        m
    }
}

fn msrs_supported(cpu: &Cpu) -> Result<(), Fault> {
    if cpu.model < CpuModel::Pentium {
        return Err(Fault::InvalidOpcode);
    }
    if cpu.state.protected() && (cpu.state.cpl != 0 || cpu.state.v86()) {
        return Err(Fault::GeneralProtection(0));
    }
    Ok(())
}

impl Cpu {
    fn read_msr(&mut self, index: u32) -> Result<u64, Fault> {
        Ok(match index {
            TSC => self.state.tsc.wrapping_add(self.state.icount),
            APIC_BASE => self.msrs.apic_base,
            SYSENTER_CS => self.msrs.sysenter_cs as u64,
            SYSENTER_ESP => self.msrs.sysenter_esp as u64,
            SYSENTER_EIP => self.msrs.sysenter_eip as u64,
            EFER => self.state.efer,
            // Eight variable ranges, fixed ranges and write combining.
            MTRR_CAP => 0x508,
            _ => *self
                .msrs
                .stored
                .get(&index)
                .ok_or(Fault::GeneralProtection(0))?,
        })
    }

    fn write_msr(&mut self, index: u32, v: u64) -> Result<(), Fault> {
        self.msrs.writes += 1;
        match index {
            // Writing the TSC sets its value: keep the offset from the instruction count.
            TSC => self.state.tsc = v.wrapping_sub(self.state.icount),
            APIC_BASE => self.msrs.apic_base = v & 0xFFFF_F900,
            SYSENTER_CS => self.msrs.sysenter_cs = v as u32 & 0xFFFF,
            SYSENTER_ESP => self.msrs.sysenter_esp = v as u32,
            SYSENTER_EIP => self.msrs.sysenter_eip = v as u32,
            EFER => {
                if v & !EFER_NXE != 0 {
                    return Err(Fault::GeneralProtection(0));
                }
                self.state.efer = v;
                self.flush_tlb();
            }
            MTRR_CAP => return Err(Fault::GeneralProtection(0)),
            _ => match self.msrs.stored.get_mut(&index) {
                Some(slot) => *slot = v,
                None => return Err(Fault::GeneralProtection(0)),
            },
        }
        Ok(())
    }
}

pub fn rdmsr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    msrs_supported(cpu)?;
    let v = cpu.read_msr(cpu.state.r32(ECX))?;
    cpu.state.set_r32(EAX, v as u32);
    cpu.state.set_r32(EDX, (v >> 32) as u32);
    cpu.advance(op)
}

pub fn wrmsr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    msrs_supported(cpu)?;
    let v = (cpu.state.r32(EDX) as u64) << 32 | cpu.state.r32(EAX) as u64;
    cpu.write_msr(cpu.state.r32(ECX), v)?;
    cpu.advance(op)
}

/// RDPMC: performance counters are not emulated; #GP as when CR4.PCE forbids it.
pub fn rdpmc(_cpu: &mut Cpu, _bus: &mut dyn Bus, _op: &Op) -> Exec {
    Err(Fault::GeneralProtection(0))
}

/// A flat 4 GiB segment at privilege `dpl` (SYSENTER/SYSEXIT load fixed descriptors).
fn flat(selector: u16, code: bool, dpl: u16) -> SegmentCache {
    let mut c = SegmentCache::flat32(selector, code);
    c.access |= dpl << 5;
    c
}

pub fn sysenter(cpu: &mut Cpu, _bus: &mut dyn Bus, _op: &Op) -> Exec {
    let cs = cpu.msrs.sysenter_cs as u16 & !3;
    if !cpu.state.protected() || cs == 0 {
        return Err(Fault::GeneralProtection(0));
    }
    cpu.state.materialize_flags();
    cpu.state.eflags &= !(fl::VM | fl::IF | fl::RF);
    cpu.state.seg[Seg::Cs as usize] = flat(cs, true, 0);
    cpu.state.seg[Seg::Ss as usize] = flat(cs + 8, false, 0);
    cpu.set_cpl(0);
    cpu.state.set_r32(ESP, cpu.msrs.sysenter_esp);
    cpu.state.eip = cpu.msrs.sysenter_eip as u64;
    cpu.exit_block = true;
    Ok(())
}

pub fn sysexit(cpu: &mut Cpu, _bus: &mut dyn Bus, _op: &Op) -> Exec {
    let cs = cpu.msrs.sysenter_cs as u16 & !3;
    if !cpu.state.protected() || cpu.state.cpl != 0 || cs == 0 {
        return Err(Fault::GeneralProtection(0));
    }
    cpu.state.seg[Seg::Cs as usize] = flat((cs + 16) | 3, true, 3);
    cpu.state.seg[Seg::Ss as usize] = flat((cs + 24) | 3, false, 3);
    cpu.set_cpl(3);
    cpu.state.set_r32(ESP, cpu.state.r32(ECX));
    cpu.state.eip = cpu.state.r32(EDX) as u64;
    cpu.exit_block = true;
    Ok(())
}

/// Debug register number `n` as MOV sees it: DR4/DR5 alias DR6/DR7 unless CR4.DE is set.
fn debug_register(cpu: &Cpu, n: u32) -> Result<usize, Fault> {
    match n {
        0..=3 | 6 | 7 => Ok(n as usize),
        4 | 5 if cpu.state.cr4 & (1 << 3) == 0 => Ok(n as usize + 2),
        _ => Err(Fault::InvalidOpcode),
    }
}

pub fn mov_from_dr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.protected() && (cpu.state.cpl != 0 || cpu.state.v86()) {
        return Err(Fault::GeneralProtection(0));
    }
    let n = debug_register(cpu, op.imm2)?;
    // Reserved bits read as ones in DR6 (bits 4-11, 16-31) and bit 10 of DR7.
    let v = match n {
        6 => cpu.state.dr[6] | 0xFFFF_0FF0,
        7 => cpu.state.dr[7] | 0x400,
        _ => cpu.state.dr[n],
    };
    if let Loc::Reg(r) = op.dst {
        cpu.state.set_r32(r as usize, v);
    }
    cpu.advance(op)
}

pub fn mov_to_dr(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    if cpu.state.protected() && (cpu.state.cpl != 0 || cpu.state.v86()) {
        return Err(Fault::GeneralProtection(0));
    }
    let n = debug_register(cpu, op.imm2)?;
    if let Loc::Reg(r) = op.src {
        cpu.state.dr[n] = cpu.state.r32(r as usize);
    }
    if n != 6 {
        cpu.update_breakpoints();
    }
    cpu.exit_block = true;
    cpu.advance(op)
}
