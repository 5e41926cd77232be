//! One SingleStepTests test case, independent of the file format it came from (the 8086
//! JSON files or the MOO binary files of the 286 and 386 suites): the instruction, the
//! register and memory state before it, and what changed after it.

/// A register as the suites name it. The 16-bit file (`REGS`, the JSON `regs` object) and
/// the 386's 32-bit file (`RG32`) share the segment registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    Ax,
    Bx,
    Cx,
    Dx,
    Cs,
    Ss,
    Ds,
    Es,
    Sp,
    Bp,
    Si,
    Di,
    Ip,
    Flags,
    Cr0,
    Cr3,
    Eax,
    Ebx,
    Ecx,
    Edx,
    Esi,
    Edi,
    Ebp,
    Esp,
    Fs,
    Gs,
    Eip,
    Eflags,
    Dr6,
    Dr7,
}

impl Reg {
    pub const COUNT: usize = 30;

    pub const ALL: [Reg; Reg::COUNT] = [
        Reg::Ax,
        Reg::Bx,
        Reg::Cx,
        Reg::Dx,
        Reg::Cs,
        Reg::Ss,
        Reg::Ds,
        Reg::Es,
        Reg::Sp,
        Reg::Bp,
        Reg::Si,
        Reg::Di,
        Reg::Ip,
        Reg::Flags,
        Reg::Cr0,
        Reg::Cr3,
        Reg::Eax,
        Reg::Ebx,
        Reg::Ecx,
        Reg::Edx,
        Reg::Esi,
        Reg::Edi,
        Reg::Ebp,
        Reg::Esp,
        Reg::Fs,
        Reg::Gs,
        Reg::Eip,
        Reg::Eflags,
        Reg::Dr6,
        Reg::Dr7,
    ];

    /// Bit order of the MOO `REGS`/`RMSK` bitmask (bit 0 = ax).
    pub const REGS16: [Reg; 14] = [
        Reg::Ax,
        Reg::Bx,
        Reg::Cx,
        Reg::Dx,
        Reg::Cs,
        Reg::Ss,
        Reg::Ds,
        Reg::Es,
        Reg::Sp,
        Reg::Bp,
        Reg::Si,
        Reg::Di,
        Reg::Ip,
        Reg::Flags,
    ];

    /// Bit order of the MOO `RG32`/`RM32` bitmask (bit 0 = cr0).
    pub const REGS32: [Reg; 20] = [
        Reg::Cr0,
        Reg::Cr3,
        Reg::Eax,
        Reg::Ebx,
        Reg::Ecx,
        Reg::Edx,
        Reg::Esi,
        Reg::Edi,
        Reg::Ebp,
        Reg::Esp,
        Reg::Cs,
        Reg::Ds,
        Reg::Es,
        Reg::Fs,
        Reg::Gs,
        Reg::Ss,
        Reg::Eip,
        Reg::Eflags,
        Reg::Dr6,
        Reg::Dr7,
    ];

    pub fn name(self) -> &'static str {
        const NAMES: [&str; Reg::COUNT] = [
            "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
            "cr0", "cr3", "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "fs", "gs",
            "eip", "eflags", "dr6", "dr7",
        ];
        NAMES[self as usize]
    }

    /// The bits of the register that hold state: segment selectors are 16 bits even in the
    /// 32-bit register file, whose upper halves the spec says to ignore.
    pub fn width_mask(self) -> u32 {
        match self {
            Reg::Cr0
            | Reg::Cr3
            | Reg::Eax
            | Reg::Ebx
            | Reg::Ecx
            | Reg::Edx
            | Reg::Esi
            | Reg::Edi
            | Reg::Ebp
            | Reg::Esp
            | Reg::Eip
            | Reg::Eflags
            | Reg::Dr6
            | Reg::Dr7 => u32::MAX,
            _ => 0xFFFF,
        }
    }

    pub fn is_flags(self) -> bool {
        matches!(self, Reg::Flags | Reg::Eflags)
    }
}

/// A partial register file: the registers a state lists, each with its value (or, for the
/// MOO `RMSK`/`RM32` chunks, with the mask of its defined bits).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegFile {
    values: [Option<u32>; Reg::COUNT],
}

impl RegFile {
    pub fn get(&self, reg: Reg) -> Option<u32> {
        self.values[reg as usize]
    }

    pub fn set(&mut self, reg: Reg, value: u32) {
        self.values[reg as usize] = Some(value);
    }

    /// The listed registers in `Reg` order.
    pub fn iter(&self) -> impl Iterator<Item = (Reg, u32)> + '_ {
        Reg::ALL
            .iter()
            .filter_map(|&r| self.values[r as usize].map(|v| (r, v)))
    }

    pub fn is_empty(&self) -> bool {
        self.values.iter().all(Option::is_none)
    }
}

/// The effective address a 386 test's ModR/M operand computes (MOO `EA32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EffectiveAddress {
    /// 0 = CS, 1 = SS, 2 = DS, 3 = ES, 4 = FS, 5 = GS.
    pub segment: u8,
    pub selector: u16,
    pub base: u32,
    pub limit: u32,
    pub offset: u32,
    pub linear: u32,
    pub physical: u32,
}

impl EffectiveAddress {
    pub fn segment_name(&self) -> &'static str {
        ["cs", "ss", "ds", "es", "fs", "gs"]
            .get(self.segment as usize)
            .copied()
            .unwrap_or("??")
    }
}

/// A CPU state snapshot. In a final state only what changed is listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    pub regs: RegFile,
    /// Masks of the defined bits of registers this test leaves partly undefined.
    pub masks: RegFile,
    /// Physical `(address, byte)` pairs.
    pub ram: Vec<(u32, u8)>,
    pub ea: Option<EffectiveAddress>,
}

/// An exception or interrupt the instruction raised, and where it pushed FLAGS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exception {
    pub vector: u8,
    /// As recorded: the FLAGS word's address rounded down to even when SP was odd.
    pub flag_address: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    /// 0-based position in its file.
    pub index: u32,
    /// Disassembly of the instruction.
    pub name: String,
    pub bytes: Vec<u8>,
    pub initial: State,
    pub final_state: State,
    pub exception: Option<Exception>,
    /// Lower-case hex hash identifying the test in revocation lists.
    pub hash: Option<String>,
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
