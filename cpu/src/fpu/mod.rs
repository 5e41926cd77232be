//! The x87 FPU (Intel SDM Vol. 1 ch. 8): eight 80-bit registers used as a stack, the control,
//! status and tag words, the last-instruction pointers, stack overflow and underflow, and
//! the exception flags with their masked responses. Arithmetic is `f80.rs`, a soft float
//! written for amber: no Rust crate gives the x87's precision control and denormal-operand
//! flag, and Berkeley SoftFloat (softfloat-sys) would need `unsafe` FFI and global state.
//!
//! The same module holds MMX (`mmx.rs`, `packed.rs`: packed integers on the x87 registers and
//! on XMM registers), SSE and SSE2 (`sse.rs` for the register file and data movement,
//! `sse_arith.rs` and `simd_float.rs` for the floating point, which uses `f80.rs` at binary32
//! and binary64 precision and exponent range) and FXSAVE/FXRSTOR (`fxsave.rs`).

mod env;
pub mod f80;
mod fxsave;
mod mmx;
mod ops;
mod packed;
mod simd_float;
mod special;
mod sse;
mod sse_arith;
mod transcendental;

pub use env::*;
pub use fxsave::*;
pub use mmx::*;
pub use ops::*;
pub use special::*;
pub use sse::*;
pub use sse_arith::*;
pub use transcendental::*;

use f80::{Env, Precision, Rounding, F80};

/// Status-word bits (SDM Vol. 1 8.1.3).
pub mod sw {
    pub const IE: u16 = 1 << 0;
    pub const DE: u16 = 1 << 1;
    pub const ZE: u16 = 1 << 2;
    pub const OE: u16 = 1 << 3;
    pub const UE: u16 = 1 << 4;
    pub const PE: u16 = 1 << 5;
    pub const SF: u16 = 1 << 6;
    pub const ES: u16 = 1 << 7;
    pub const C0: u16 = 1 << 8;
    pub const C1: u16 = 1 << 9;
    pub const C2: u16 = 1 << 10;
    pub const TOP: u16 = 7 << 11;
    pub const C3: u16 = 1 << 14;
    pub const B: u16 = 1 << 15;
    /// The six exception flags.
    pub const EXCEPTIONS: u16 = 0x3F;
    pub const CONDITION: u16 = C0 | C1 | C2 | C3;
}

/// Tag values (SDM Vol. 1 8.1.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Tag {
    Valid = 0,
    Zero = 1,
    Special = 2,
    Empty = 3,
}

/// The x87 state. Registers are stored by physical number; ST(i) is `(top + i) & 7`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Fpu {
    pub regs: [F80; 8],
    pub cw: u16,
    /// Status word without TOP (kept in `top`).
    pub sw: u16,
    pub top: u8,
    /// Two bits per physical register.
    pub tag: u16,
    /// Last instruction and operand pointers and the last opcode (for FSTENV/FSAVE).
    pub fip: u32,
    pub fcs: u16,
    pub fop: u16,
    pub fdp: u32,
    pub fds: u16,
}

impl Default for Fpu {
    /// The state FNINIT sets (SDM Vol. 1 8.1.1, table 8-3... "FINIT/FNINIT").
    fn default() -> Fpu {
        Fpu {
            regs: [F80::default(); 8],
            cw: 0x037F,
            sw: 0,
            top: 0,
            tag: 0xFFFF,
            fip: 0,
            fcs: 0,
            fop: 0,
            fdp: 0,
            fds: 0,
        }
    }
}

impl Fpu {
    /// The status word with TOP.
    pub fn status(&self) -> u16 {
        (self.sw & !sw::TOP) | ((self.top as u16) << 11)
    }

    pub fn set_status(&mut self, v: u16) {
        self.sw = v & !sw::TOP;
        self.top = ((v >> 11) & 7) as u8;
    }

    /// Rounding and precision from the control word.
    pub fn env(&self) -> Env {
        let rounding = match (self.cw >> 10) & 3 {
            0 => Rounding::Nearest,
            1 => Rounding::Down,
            2 => Rounding::Up,
            _ => Rounding::Zero,
        };
        let precision = match (self.cw >> 8) & 3 {
            0 => Precision::Single,
            2 => Precision::Double,
            _ => Precision::Extended,
        };
        Env {
            rounding,
            precision,
            unmasked: !self.cw & (sw::OE | sw::UE),
        }
    }

    fn phys(&self, i: u8) -> usize {
        ((self.top + i) & 7) as usize
    }

    pub fn tag_of(&self, phys: usize) -> Tag {
        match (self.tag >> (2 * phys)) & 3 {
            0 => Tag::Valid,
            1 => Tag::Zero,
            2 => Tag::Special,
            _ => Tag::Empty,
        }
    }

    fn set_tag(&mut self, phys: usize, t: Tag) {
        self.tag = (self.tag & !(3 << (2 * phys))) | ((t as u16) << (2 * phys));
    }

    /// The tag a value gets when written (SDM Vol. 1 8.1.7).
    fn tag_for(v: F80) -> Tag {
        use f80::Class::*;
        match v.class() {
            Zero => Tag::Zero,
            Normal => Tag::Valid,
            _ => Tag::Special,
        }
    }

    pub fn is_empty(&self, i: u8) -> bool {
        self.tag_of(self.phys(i)) == Tag::Empty
    }

    /// ST(i), or None if that register is empty.
    pub fn st(&self, i: u8) -> Option<F80> {
        (!self.is_empty(i)).then(|| self.regs[self.phys(i)])
    }

    /// Writes ST(i) and its tag.
    pub fn set_st(&mut self, i: u8, v: F80) {
        let p = self.phys(i);
        self.regs[p] = v;
        self.set_tag(p, Self::tag_for(v));
    }

    /// Pushes `v`; false (a stack overflow) if ST(7) was not empty.
    pub fn push(&mut self, v: F80) -> bool {
        let free = self.is_empty(7);
        self.top = (self.top + 7) & 7;
        self.set_st(0, v);
        free
    }

    /// Marks ST(0) empty and increments TOP.
    pub fn pop(&mut self) {
        let p = self.phys(0);
        self.set_tag(p, Tag::Empty);
        self.top = (self.top + 1) & 7;
    }

    pub fn free(&mut self, i: u8) {
        let p = self.phys(i);
        self.set_tag(p, Tag::Empty);
    }

    /// Raises exception flags from an operation; an unmasked one sets ES and B so the next
    /// waiting FPU instruction reports it (SDM Vol. 1 8.7).
    pub fn raise(&mut self, flags: u16) {
        self.sw |= flags & (sw::EXCEPTIONS | sw::SF);
        self.sw = (self.sw & !sw::C1) | (flags & sw::C1);
        if self.sw & !self.cw & sw::EXCEPTIONS != 0 {
            self.sw |= sw::ES | sw::B;
        }
    }

    /// The summary bits ES and B follow loaded flags and masks (SDM Vol. 1 8.1.3.1).
    fn sync_summary(&mut self) {
        if self.sw & !self.cw & sw::EXCEPTIONS != 0 {
            self.sw |= sw::ES | sw::B;
        } else {
            self.sw &= !(sw::ES | sw::B);
        }
    }

    /// Whether the invalid-operation exception is unmasked (then the destination is left
    /// unchanged instead of receiving the masked response).
    pub fn ie_unmasked(&self) -> bool {
        self.cw & sw::IE == 0
    }

    /// Whether `flags` include an unmasked invalid-operation, denormal or zero-divide
    /// exception: those leave the destination untouched (SDM vol. 1, 8.5).
    pub fn blocks(&self, flags: u16) -> bool {
        flags & (sw::IE | sw::DE | sw::ZE) & !self.cw != 0
    }

    /// A stack underflow (IE with SF, C1 clear) or overflow (C1 set).
    pub fn stack_fault(&mut self, overflow: bool) {
        self.raise(sw::IE | sw::SF | if overflow { sw::C1 } else { 0 });
    }

    /// A stack underflow where ST(`dst`) receives the result: with IE masked the indefinite
    /// goes there, then the instruction's pop if `pop` (SDM Vol. 1 8.5.1.1).
    pub fn underflow_into(&mut self, dst: u8, pop: bool) {
        self.stack_fault(false);
        if !self.ie_unmasked() {
            self.set_st(dst, F80::INDEFINITE);
            if pop {
                self.pop();
            }
        }
    }
}
