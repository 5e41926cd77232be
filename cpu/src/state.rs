//! The architectural register file of an IA-32 processor (Intel SDM Vol. 1 ch. 3.4, Vol. 3
//! ch. 2.1-2.5): general registers, EIP, EFLAGS (kept lazily, see `flags.rs`), segment
//! registers with their hidden descriptor caches, control and debug registers.
//!
//! `CpuState` is `#[repr(C)]` so generated code can address every field by offset. General
//! registers are stored 64 bits wide so long mode can come later without a new layout.

/// Index of a general register in `CpuState::regs`, in the x86 encoding order.
pub mod reg {
    pub const EAX: usize = 0;
    pub const ECX: usize = 1;
    pub const EDX: usize = 2;
    pub const EBX: usize = 3;
    pub const ESP: usize = 4;
    pub const EBP: usize = 5;
    pub const ESI: usize = 6;
    pub const EDI: usize = 7;
}

/// Index of a segment register in `CpuState::seg`, in the x86 encoding order (sreg field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Seg {
    Es = 0,
    Cs = 1,
    Ss = 2,
    Ds = 3,
    Fs = 4,
    Gs = 5,
}

impl Seg {
    pub const ALL: [Seg; 6] = [Seg::Es, Seg::Cs, Seg::Ss, Seg::Ds, Seg::Fs, Seg::Gs];

    pub fn from_index(i: usize) -> Seg {
        Seg::ALL[i % 6]
    }
}

/// EFLAGS bits (SDM Vol. 1 fig. 3-8).
pub mod fl {
    pub const CF: u32 = 1 << 0;
    pub const PF: u32 = 1 << 2;
    pub const AF: u32 = 1 << 4;
    pub const ZF: u32 = 1 << 6;
    pub const SF: u32 = 1 << 7;
    pub const TF: u32 = 1 << 8;
    pub const IF: u32 = 1 << 9;
    pub const DF: u32 = 1 << 10;
    pub const OF: u32 = 1 << 11;
    pub const IOPL: u32 = 3 << 12;
    pub const NT: u32 = 1 << 14;
    pub const RF: u32 = 1 << 16;
    pub const VM: u32 = 1 << 17;
    pub const AC: u32 = 1 << 18;
    pub const VIF: u32 = 1 << 19;
    pub const VIP: u32 = 1 << 20;
    pub const ID: u32 = 1 << 21;
    /// The six arithmetic status flags.
    pub const ARITH: u32 = CF | PF | AF | ZF | SF | OF;
}

/// CR0 bits (SDM Vol. 3 2.5).
pub mod cr0 {
    pub const PE: u32 = 1 << 0;
    pub const MP: u32 = 1 << 1;
    pub const EM: u32 = 1 << 2;
    pub const TS: u32 = 1 << 3;
    pub const ET: u32 = 1 << 4;
    pub const NE: u32 = 1 << 5;
    pub const WP: u32 = 1 << 16;
    pub const AM: u32 = 1 << 18;
    pub const NW: u32 = 1 << 29;
    pub const CD: u32 = 1 << 30;
    pub const PG: u32 = 1 << 31;
}

/// A segment register with its hidden descriptor cache (SDM Vol. 3 3.4.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SegmentCache {
    pub selector: u16,
    /// Access rights as in descriptor bytes 5-6: type, S, DPL, P, AVL, L, D/B, G.
    pub access: u16,
    pub base: u32,
    /// Effective (byte-granular) limit.
    pub limit: u32,
    /// What accesses the segment allows (`SegmentCache::READ` ...), derived from `access`
    /// when the cache is loaded; zero for a null or unusable segment.
    pub valid: u8,
}

impl SegmentCache {
    /// Descriptor D/B bit: 32-bit default operand size (code) or stack (SS).
    pub const DB: u16 = 1 << 14;
    pub const PRESENT: u16 = 1 << 7;
    /// `valid` bits.
    pub const READ: u8 = 1;
    pub const WRITE: u8 = 2;
    pub const EXPAND_DOWN: u8 = 4;

    /// The accesses a segment with these access rights allows (SDM Vol. 3 3.4.5.1).
    pub fn validity(access: u16) -> u8 {
        let (present, segment, code) = (access & 0x80 != 0, access & 0x10 != 0, access & 0x08 != 0);
        match (present && segment, code) {
            (false, _) => 0,
            (true, true) => {
                if access & 2 != 0 {
                    Self::READ
                } else {
                    0
                }
            }
            (true, false) => {
                Self::READ
                    | if access & 2 != 0 { Self::WRITE } else { 0 }
                    | if access & 4 != 0 {
                        Self::EXPAND_DOWN
                    } else {
                        0
                    }
            }
        }
    }

    /// A real-mode segment: base = selector * 16, 64 KiB limit, present, writable data.
    pub fn real_mode(selector: u16) -> Self {
        SegmentCache {
            selector,
            access: Self::PRESENT | 0x13,
            base: (selector as u32) << 4,
            limit: 0xFFFF,
            valid: Self::READ | Self::WRITE,
        }
    }

    /// A flat 4 GiB segment with 32-bit default size (used by tests and boot protocols that
    /// enter protected mode with flat segments, such as Multiboot).
    pub fn flat32(selector: u16, code: bool) -> Self {
        let ty = if code { 0x1B } else { 0x13 };
        let access = Self::PRESENT | ty | Self::DB | (1 << 15);
        SegmentCache {
            selector,
            access,
            base: 0,
            limit: 0xFFFF_FFFF,
            valid: Self::validity(access),
        }
    }

    pub fn big(&self) -> bool {
        self.access & Self::DB != 0
    }
}

/// A descriptor-table register (GDTR, IDTR).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct TableRegister {
    pub base: u32,
    pub limit: u32,
}

/// Which arithmetic operation last set the status flags (see `flags.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum FlagOp {
    /// The status flags are up to date in `CpuState::eflags`.
    #[default]
    None = 0,
    Add,
    Sub,
    Logic,
    /// INC and DEC leave CF alone: it is kept in `eflags`.
    Inc,
    Dec,
}

/// The whole architectural state.
#[derive(Clone, Debug, Default)]
#[repr(C)]
pub struct CpuState {
    pub regs: [u64; 16],
    pub eip: u64,
    /// EFLAGS; the six status flags are only current while `lazy.op == FlagOp::None`.
    pub eflags: u32,
    pub lazy: LazyFlags,
    pub seg: [SegmentCache; 6],
    pub ldtr: SegmentCache,
    pub tr: SegmentCache,
    pub gdtr: TableRegister,
    pub idtr: TableRegister,
    pub cr0: u32,
    pub cr2: u32,
    pub cr3: u32,
    pub cr4: u32,
    pub dr: [u32; 8],
    pub efer: u64,
    pub tsc: u64,
    /// Instructions retired plus exceptions delivered since reset: the virtual clock's source.
    pub icount: u64,
    /// The x87 FPU.
    pub fpu: crate::fpu::Fpu,
    /// The SSE registers and MXCSR.
    pub sse: crate::fpu::Sse,
    /// Current privilege level.
    pub cpl: u8,
    /// Halted by HLT until the next interrupt.
    pub halted: bool,
}

/// The operands and result of the last flag-setting operation.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct LazyFlags {
    pub op: FlagOp,
    /// Operand size in bytes: 1, 2 or 4.
    pub size: u8,
    pub a: u32,
    pub b: u32,
    pub res: u32,
}

impl CpuState {
    #[inline(always)]
    pub fn r32(&self, r: usize) -> u32 {
        self.regs[r] as u32
    }
    #[inline(always)]
    pub fn set_r32(&mut self, r: usize, v: u32) {
        // Writes to a 32-bit register clear the upper half, as in long mode.
        self.regs[r] = v as u64;
    }
    #[inline(always)]
    pub fn r16(&self, r: usize) -> u16 {
        self.regs[r] as u16
    }
    #[inline(always)]
    pub fn set_r16(&mut self, r: usize, v: u16) {
        self.regs[r] = (self.regs[r] & !0xFFFF) | v as u64;
    }
    /// 8-bit register by encoding: 0-3 = AL,CL,DL,BL; 4-7 = AH,CH,DH,BH.
    #[inline(always)]
    pub fn r8(&self, r: usize) -> u8 {
        if r < 4 {
            self.regs[r] as u8
        } else {
            (self.regs[r - 4] >> 8) as u8
        }
    }
    #[inline(always)]
    pub fn set_r8(&mut self, r: usize, v: u8) {
        if r < 4 {
            self.regs[r] = (self.regs[r] & !0xFF) | v as u64;
        } else {
            self.regs[r - 4] = (self.regs[r - 4] & !0xFF00) | ((v as u64) << 8);
        }
    }
    /// A register of `size` bytes (1, 2 or 4), zero-extended.
    #[inline(always)]
    pub fn reg(&self, r: usize, size: u8) -> u32 {
        match size {
            1 => self.r8(r) as u32,
            2 => self.r16(r) as u32,
            _ => self.r32(r),
        }
    }
    #[inline(always)]
    pub fn set_reg(&mut self, r: usize, size: u8, v: u32) {
        match size {
            1 => self.set_r8(r, v as u8),
            2 => self.set_r16(r, v as u16),
            _ => self.set_r32(r, v),
        }
    }
    pub fn eip32(&self) -> u32 {
        self.eip as u32
    }
    pub fn protected(&self) -> bool {
        self.cr0 & cr0::PE != 0
    }
    pub fn v86(&self) -> bool {
        self.eflags & fl::VM != 0
    }
}
