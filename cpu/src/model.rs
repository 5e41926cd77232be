//! Processor generations and the behaviours that differ between them.
//!
//! One table (`CpuModel::quirks`) is the single source of truth for each difference, so a
//! handler asks a question ("does PUSH SP push the old value?") instead of naming a model.
//! Sources: Intel 8086 Family User's Manual, iAPX 286 Programmer's Reference, Intel SDM
//! Vol. 3 ch. 22 ("Architecture Compatibility"), and the SingleStepTests READMEs.

use iced_x86::CpuidFeature;

/// A processor generation. `P6` (Pentium Pro/II) is the default for a PC; `Pentium4` adds
/// SSE, SSE2, FXSAVE/FXRSTOR and CLFLUSH.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum CpuModel {
    I8086,
    I80286,
    I80386,
    I80486,
    Pentium,
    #[default]
    P6,
    Pentium4,
}

/// The generation-specific behaviours.
#[derive(Clone, Copy, Debug)]
pub struct Quirks {
    /// Shift and rotate counts are masked to 5 bits (186 and later).
    pub shift_count_mask: u32,
    /// PUSH SP pushes the value SP had before the push (286 and later).
    pub push_sp_old: bool,
    /// Offsets wrap inside a segment instead of faulting past the limit (8086).
    pub segment_wrap: bool,
    /// Physical address lines (20 on the 8086, 24 on the 286, 32 later).
    pub address_mask: u32,
    /// EFLAGS bits that always read as one.
    pub flags_fixed1: u32,
    /// EFLAGS bits software can change (the reserved ones excluded).
    pub flags_writable: u32,
    /// A divide error pushes the address of the next instruction (8086).
    pub div_error_next_ip: bool,
    /// IDIV's quotient range excludes the most negative value (8086).
    pub idiv_excludes_min: bool,
    /// Opcodes 60-6F alias 70-7F, C0/C1/C8/C9 alias C2/C3/CA/CB, 0F is POP CS (8086).
    pub i8086_opcodes: bool,
    /// Undefined opcodes raise #UD (186 and later; the 8086 executes everything).
    pub has_ud: bool,
    /// An x87 is present (486 and later have it on chip).
    pub fpu: bool,
    /// A real-mode segment overrun is always #GP, even on the stack segment (286: the
    /// "segment overrun" exception, vector 13).
    pub overrun_always_gp: bool,
    /// POP to memory that faults keeps its SP increment (286).
    pub pop_fault_keeps_sp: bool,
    /// A string instruction whose access overruns the segment still steps that access's
    /// index register (and those of the accesses before it) before the fault (286).
    pub string_overrun_steps_index: bool,
    /// Longest instruction, prefixes included; longer ones raise #GP (10 on the 286).
    pub max_insn_len: u8,
}

impl CpuModel {
    pub const ALL: [CpuModel; 7] = [
        CpuModel::I8086,
        CpuModel::I80286,
        CpuModel::I80386,
        CpuModel::I80486,
        CpuModel::Pentium,
        CpuModel::P6,
        CpuModel::Pentium4,
    ];

    pub fn quirks(self) -> Quirks {
        use CpuModel::*;
        let base = Quirks {
            shift_count_mask: 0x1F,
            push_sp_old: true,
            segment_wrap: false,
            address_mask: 0xFFFF_FFFF,
            flags_fixed1: 0x2,
            flags_writable: 0x0000_7FD5 | (1 << 16) | (1 << 17),
            div_error_next_ip: false,
            idiv_excludes_min: false,
            i8086_opcodes: false,
            has_ud: true,
            fpu: true,
            overrun_always_gp: false,
            pop_fault_keeps_sp: false,
            string_overrun_steps_index: false,
            max_insn_len: 15,
        };
        match self {
            I8086 => Quirks {
                shift_count_mask: 0xFF,
                push_sp_old: false,
                segment_wrap: true,
                address_mask: 0xF_FFFF,
                flags_fixed1: 0xF002,
                flags_writable: 0x0FD5,
                div_error_next_ip: true,
                idiv_excludes_min: true,
                i8086_opcodes: true,
                has_ud: false,
                fpu: false,
                ..base
            },
            I80286 => Quirks {
                address_mask: 0xFF_FFFF,
                // In real mode the 286 cannot set IOPL and NT (they read as zero).
                flags_writable: 0x0FD5,
                fpu: false,
                overrun_always_gp: true,
                pop_fault_keeps_sp: true,
                string_overrun_steps_index: true,
                max_insn_len: 10,
                ..base
            },
            I80386 => Quirks { fpu: false, ..base },
            I80486 => Quirks {
                flags_writable: base.flags_writable | (1 << 18),
                ..base
            },
            Pentium | P6 | Pentium4 => Quirks {
                flags_writable: base.flags_writable | (1 << 18) | (7 << 19),
                ..base
            },
        }
    }

    /// Whether this model implements an instruction needing `feature` (as iced-x86 names the
    /// extension an instruction belongs to).
    pub fn supports(self, feature: CpuidFeature) -> bool {
        use CpuModel::*;
        use CpuidFeature as F;
        let gen = match feature {
            F::INTEL8086 | F::INTEL8086_ONLY => return true,
            F::INTEL186 => I80286,
            F::INTEL286 => I80286,
            F::INTEL386 => I80386,
            F::INTEL486 => I80486,
            F::CPUID | F::TSC | F::CX8 | F::MSR => Pentium,
            // P6 models the Pentium II, which has MMX.
            F::CMOV | F::MULTIBYTENOP | F::SEP | F::RDPMC | F::MMX => P6,
            F::SSE | F::SSE2 | F::FXSR | F::CLFSH => Pentium4,
            // PAUSE is REP NOP: every processor runs it as a NOP.
            F::PAUSE => return true,
            F::FPU => return self.quirks().fpu,
            F::FPU287 => I80286,
            F::FPU387 => I80386,
            _ => return false,
        };
        self >= gen
    }

    /// What CPUID leaf 1 reports in EAX (family, model, stepping), EBX (CLFLUSH line size in
    /// quadwords, bits 15:8) and EDX (feature bits).
    pub fn cpuid_signature(self) -> (u32, u32, u32) {
        // EDX bits for what amber implements: FPU(0) DE(2) PSE(3) TSC(4) MSR(5) PAE(6)
        // CX8(8) APIC(9) SEP(11) MTRR(12) PGE(13) CMOV(15) PAT(16) MMX(23, P6 on), and on
        // the Pentium 4 (a Northwood, family 15 model 2) CLFSH(19) FXSR(24) SSE(25) SSE2(26)
        // with a 64-byte line; the 80486 is a DX.
        match self {
            CpuModel::Pentium => (0x0000_0543, 0, 0x0000_013D),
            CpuModel::P6 => (0x0000_0633, 0, 0x0081_BB7D),
            CpuModel::Pentium4 => (0x0000_0F29, 8 << 8, 0x0789_BB7D),
            _ => (0x0000_0433, 0, 0x0000_0001),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CpuModel::I8086 => "8086",
            CpuModel::I80286 => "80286",
            CpuModel::I80386 => "80386",
            CpuModel::I80486 => "80486",
            CpuModel::Pentium => "pentium",
            CpuModel::P6 => "p6",
            CpuModel::Pentium4 => "pentium4",
        }
    }

    /// Parses a model name as `name` spells it.
    pub fn from_name(s: &str) -> Option<CpuModel> {
        CpuModel::ALL.into_iter().find(|m| m.name() == s)
    }
}
