//! Lazy status flags (SDM Vol. 1 3.4.3.1). An arithmetic instruction records its kind, size,
//! operands and result in `CpuState::lazy`; each flag is computed only when read. Operations
//! whose flags are rare or irregular (shifts, multiply, BCD, ADC/SBB) set them eagerly.

use crate::state::{fl, CpuState, FlagOp};

/// Mask of an operand of `size` bytes.
#[inline(always)]
pub fn size_mask(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

/// Sign bit of an operand of `size` bytes.
#[inline(always)]
pub fn sign_bit(size: u8) -> u32 {
    1u32 << (size as u32 * 8 - 1)
}

/// PF: set when the low byte of `v` has an even number of ones.
#[inline(always)]
pub fn parity(v: u32) -> bool {
    (v as u8).count_ones().is_multiple_of(2)
}

impl CpuState {
    /// Records a lazily evaluated flag-setting operation.
    #[inline(always)]
    pub fn set_lazy(&mut self, op: FlagOp, size: u8, a: u32, b: u32, res: u32) {
        if matches!(op, FlagOp::Inc | FlagOp::Dec) {
            // CF survives INC/DEC: keep its current value in eflags.
            let cf = self.cf();
            self.eflags = (self.eflags & !fl::CF) | cf as u32;
        }
        self.lazy.op = op;
        self.lazy.size = size;
        self.lazy.a = a;
        self.lazy.b = b;
        self.lazy.res = res;
    }

    #[inline(always)]
    pub fn cf(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            FlagOp::None | FlagOp::Inc | FlagOp::Dec => self.eflags & fl::CF != 0,
            FlagOp::Add => (l.res & size_mask(l.size)) < (l.a & size_mask(l.size)),
            FlagOp::Sub => (l.a & size_mask(l.size)) < (l.b & size_mask(l.size)),
            FlagOp::Logic => false,
        }
    }

    #[inline(always)]
    pub fn zf(&self) -> bool {
        match self.lazy.op {
            FlagOp::None => self.eflags & fl::ZF != 0,
            _ => self.lazy.res & size_mask(self.lazy.size) == 0,
        }
    }

    #[inline(always)]
    pub fn sf(&self) -> bool {
        match self.lazy.op {
            FlagOp::None => self.eflags & fl::SF != 0,
            _ => self.lazy.res & sign_bit(self.lazy.size) != 0,
        }
    }

    #[inline(always)]
    pub fn pf(&self) -> bool {
        match self.lazy.op {
            FlagOp::None => self.eflags & fl::PF != 0,
            _ => parity(self.lazy.res),
        }
    }

    #[inline(always)]
    pub fn af(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            FlagOp::None => self.eflags & fl::AF != 0,
            FlagOp::Add | FlagOp::Sub => (l.a ^ l.b ^ l.res) & 0x10 != 0,
            FlagOp::Inc => l.res & 0xF == 0,
            FlagOp::Dec => l.res & 0xF == 0xF,
            FlagOp::Logic => false,
        }
    }

    #[inline(always)]
    pub fn of(&self) -> bool {
        let l = &self.lazy;
        match l.op {
            FlagOp::None => self.eflags & fl::OF != 0,
            FlagOp::Add => (l.a ^ l.res) & (l.b ^ l.res) & sign_bit(l.size) != 0,
            FlagOp::Sub => (l.a ^ l.b) & (l.a ^ l.res) & sign_bit(l.size) != 0,
            FlagOp::Logic => false,
            FlagOp::Inc => l.res & size_mask(l.size) == sign_bit(l.size),
            FlagOp::Dec => l.res & size_mask(l.size) == sign_bit(l.size) - 1,
        }
    }

    /// The whole EFLAGS register with the status flags evaluated.
    pub fn flags(&self) -> u32 {
        if self.lazy.op == FlagOp::None {
            return self.eflags;
        }
        let mut f = self.eflags & !fl::ARITH;
        f |= self.cf() as u32 * fl::CF;
        f |= self.pf() as u32 * fl::PF;
        f |= self.af() as u32 * fl::AF;
        f |= self.zf() as u32 * fl::ZF;
        f |= self.sf() as u32 * fl::SF;
        f |= self.of() as u32 * fl::OF;
        f
    }

    /// Evaluates the lazy flags into `eflags`, so individual bits can be changed.
    #[inline]
    pub fn materialize_flags(&mut self) {
        if self.lazy.op != FlagOp::None {
            self.eflags = self.flags();
            self.lazy.op = FlagOp::None;
        }
    }

    /// Sets or clears the flags in `mask` (after evaluating the lazy ones).
    #[inline]
    pub fn set_flag(&mut self, mask: u32, on: bool) {
        self.materialize_flags();
        if on {
            self.eflags |= mask;
        } else {
            self.eflags &= !mask;
        }
    }

    /// Sets all six status flags at once from explicit values.
    #[inline]
    pub fn set_status(&mut self, cf: bool, pf: bool, af: bool, zf: bool, sf: bool, of: bool) {
        self.lazy.op = FlagOp::None;
        self.eflags = (self.eflags & !fl::ARITH)
            | (cf as u32 * fl::CF)
            | (pf as u32 * fl::PF)
            | (af as u32 * fl::AF)
            | (zf as u32 * fl::ZF)
            | (sf as u32 * fl::SF)
            | (of as u32 * fl::OF);
    }

    /// Sets SF, ZF and PF from `res` and the other three flags explicitly.
    #[inline]
    pub fn set_szp(&mut self, size: u8, res: u32, cf: bool, af: bool, of: bool) {
        let m = size_mask(size);
        self.set_status(
            cf,
            parity(res),
            af,
            res & m == 0,
            res & sign_bit(size) != 0,
            of,
        );
    }

    /// Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc).
    #[inline(always)]
    pub fn condition(&self, cc: u8) -> bool {
        let r = match cc >> 1 {
            0 => self.of(),
            1 => self.cf(),
            2 => self.zf(),
            3 => self.cf() || self.zf(),
            4 => self.sf(),
            5 => self.pf(),
            6 => self.sf() != self.of(),
            _ => self.zf() || (self.sf() != self.of()),
        };
        r != (cc & 1 != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags_after(op: FlagOp, size: u8, a: u32, b: u32, res: u32) -> u32 {
        let mut s = CpuState::default();
        s.set_lazy(op, size, a, b, res);
        s.flags() & fl::ARITH
    }

    #[test]
    fn add_flags_match_the_manual() {
        // 0x7F + 1 = 0x80: OF (positive + positive = negative), SF, AF, no CF (SDM ADD).
        let f = flags_after(FlagOp::Add, 1, 0x7F, 1, 0x80);
        assert_eq!(f, fl::OF | fl::SF | fl::AF);
        // 0xFF + 1 = 0x00: CF, ZF, AF, PF.
        let f = flags_after(FlagOp::Add, 1, 0xFF, 1, 0x100);
        assert_eq!(f, fl::CF | fl::ZF | fl::AF | fl::PF);
    }

    #[test]
    fn sub_flags_match_the_manual() {
        // 0 - 1 = 0xFFFF: borrow (CF), SF, AF, PF (0xFF has eight ones).
        let f = flags_after(FlagOp::Sub, 2, 0, 1, 0xFFFF_FFFF);
        assert_eq!(f, fl::CF | fl::SF | fl::AF | fl::PF);
        // 0x80000000 - 1: OF (negative - positive = positive).
        let f = flags_after(FlagOp::Sub, 4, 0x8000_0000, 1, 0x7FFF_FFFF);
        assert_eq!(f, fl::OF | fl::AF | fl::PF);
    }

    #[test]
    fn inc_keeps_carry() {
        let mut s = CpuState::default();
        s.set_lazy(FlagOp::Add, 1, 0xFF, 1, 0x100); // CF = 1
        s.set_lazy(FlagOp::Inc, 1, 0x7F, 1, 0x80);
        assert!(s.cf());
        assert!(s.of());
    }

    #[test]
    fn conditions() {
        let mut s = CpuState::default();
        s.set_lazy(FlagOp::Sub, 4, 3, 5, 3u32.wrapping_sub(5));
        assert!(s.condition(0xC)); // JL: 3 < 5 signed
        assert!(s.condition(0x2)); // JB: 3 < 5 unsigned
        assert!(!s.condition(0x4)); // JE
        assert!(s.condition(0x5)); // JNE
    }
}
