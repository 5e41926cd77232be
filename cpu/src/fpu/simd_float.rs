//! The element arithmetic of SSE and SSE2 (Intel SDM Vol. 1 4.8.3.5 and Table 4-7 for NaN
//! results, 10.2.3 for MXCSR, 11.5 for the SIMD floating-point exceptions and their
//! priority; Vol. 2 the ADDPS ... UCOMISD pages): IEEE binary32 and binary64 elements
//! computed exactly and rounded once by the same soft float as the x87 (`f80.rs`, with the
//! `Ieee32`/`Ieee64` precisions), under MXCSR's rounding control, DAZ and FTZ.
//!
//! Each function takes elements as raw bits and returns the result bits with the exception
//! flags it raised (MXCSR bit positions, plus `f80::TINY`); `sse_arith.rs` merges them over
//! the elements of an instruction and decides about #XM.

use super::f80::{self, Env, Ordering3, Precision, Rounding, F80};

pub const IE: u32 = f80::IE as u32;
pub const DE: u32 = f80::DE as u32;
pub const ZE: u32 = f80::ZE as u32;
pub const UE: u32 = f80::UE as u32;
pub const PE: u32 = f80::PE as u32;
const TINY: u32 = f80::TINY as u32;
const FLAGS: u32 = 0x3F;

/// An element's bits and the flags its computation raised.
pub type Lane = (u64, u32);

/// An element format: binary32 (`S`) or binary64 (`D`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fmt {
    S,
    D,
}

impl Fmt {
    pub fn bits(self) -> u32 {
        match self {
            Fmt::S => 32,
            Fmt::D => 64,
        }
    }

    fn frac_bits(self) -> u32 {
        match self {
            Fmt::S => 23,
            Fmt::D => 52,
        }
    }

    fn sign_bit(self) -> u64 {
        1 << (self.bits() - 1)
    }

    fn exp_field(self, v: u64) -> u64 {
        (v & !self.sign_bit()) >> self.frac_bits()
    }

    fn frac(self, v: u64) -> u64 {
        v & ((1 << self.frac_bits()) - 1)
    }

    fn exp_max(self) -> u64 {
        (1 << (self.bits() - 1 - self.frac_bits())) - 1
    }

    pub fn is_nan(self, v: u64) -> bool {
        self.exp_field(v) == self.exp_max() && self.frac(v) != 0
    }

    fn quiet_bit(self) -> u64 {
        1 << (self.frac_bits() - 1)
    }

    fn is_snan(self, v: u64) -> bool {
        self.is_nan(v) && v & self.quiet_bit() == 0
    }

    fn is_denormal(self, v: u64) -> bool {
        self.exp_field(v) == 0 && self.frac(v) != 0
    }

    fn quiet(self, v: u64) -> u64 {
        v | self.quiet_bit()
    }

    /// The QNaN floating-point indefinite.
    pub fn indefinite(self) -> u64 {
        self.sign_bit() | (self.exp_max() << self.frac_bits()) | self.quiet_bit()
    }

    fn precision(self) -> Precision {
        match self {
            Fmt::S => Precision::Ieee32,
            Fmt::D => Precision::Ieee64,
        }
    }

    /// The element widened to an `F80` (exact).
    fn widen(self, v: u64) -> F80 {
        match self {
            Fmt::S => f80::from_f32(v as u32).0,
            Fmt::D => f80::from_f64(v).0,
        }
    }

    /// An `F80` in this format: exact for values the format holds (the results of
    /// arithmetic at this precision); NaNs keep their upper significand bits.
    fn narrow(self, v: F80, rounding: Rounding) -> Lane {
        let env = Env {
            rounding,
            precision: Precision::Extended,
            unmasked: 0,
        };
        let (bits, flags) = match self {
            Fmt::S => {
                let (b, f) = f80::to_f32(v, env);
                (u64::from(b), f)
            }
            Fmt::D => f80::to_f64(v, env),
        };
        (bits, u32::from(flags))
    }
}

/// The MXCSR controls an element operation runs under.
#[derive(Clone, Copy, Debug)]
pub struct Ctl {
    pub rounding: Rounding,
    pub daz: bool,
    pub ftz: bool,
    /// The exception masks, in flag positions.
    pub masks: u32,
}

impl Ctl {
    pub fn from_mxcsr(m: u32) -> Ctl {
        let rounding = match (m >> 13) & 3 {
            0 => Rounding::Nearest,
            1 => Rounding::Down,
            2 => Rounding::Up,
            _ => Rounding::Zero,
        };
        Ctl {
            rounding,
            daz: m & (1 << 6) != 0,
            ftz: m & (1 << 15) != 0,
            masks: (m >> 7) & FLAGS,
        }
    }

    fn env(self, fmt: Fmt) -> Env {
        Env {
            rounding: self.rounding,
            precision: fmt.precision(),
            unmasked: 0,
        }
    }
}

/// An input element after DAZ (a denormal becomes a zero of its sign), with the DE a
/// denormal raises when DAZ is off.
fn operand(fmt: Fmt, v: u64, ctl: Ctl) -> (u64, u32) {
    match (fmt.is_denormal(v), ctl.daz) {
        (true, true) => (v & fmt.sign_bit(), 0),
        (true, false) => (v, DE),
        _ => (v, 0),
    }
}

/// NaN operands of a two-operand operation (SDM Table 4-7, the SSE column): the first NaN
/// operand quieted (the destination's if both are NaNs); IE if either is an SNaN.
fn nan_operands(fmt: Fmt, a: u64, b: u64) -> Option<Lane> {
    let ie = if fmt.is_snan(a) || fmt.is_snan(b) {
        IE
    } else {
        0
    };
    match (fmt.is_nan(a), fmt.is_nan(b)) {
        (true, _) => Some((fmt.quiet(a), ie)),
        (false, true) => Some((fmt.quiet(b), ie)),
        _ => None,
    }
}

/// The result of a computation at this format's precision: invalid and zero-divide outrank
/// the denormal operand (their masked responses are final); a tiny result is flushed to a
/// signed zero with UE and PE under FTZ when underflow is masked, and raises UE even when
/// exact when underflow is unmasked (SDM 10.2.3.3, 11.5.2.4).
fn finish(fmt: Fmt, (v, flags): (F80, f80::Flags), de: u32, ctl: Ctl) -> Lane {
    let flags = u32::from(flags) & (FLAGS | TINY);
    if flags & (IE | f80::ZE as u32) != 0 {
        return (fmt.narrow(v, Rounding::Zero).0, flags & FLAGS);
    }
    let mut flags = flags | de;
    if flags & TINY != 0 {
        if ctl.masks & UE == 0 {
            flags |= UE;
        } else if ctl.ftz {
            let zero = if v.sign { fmt.sign_bit() } else { 0 };
            return (zero, (flags & FLAGS) | UE | PE);
        }
    }
    (fmt.narrow(v, Rounding::Zero).0, flags & FLAGS)
}

/// ADD*, SUB*, MUL*, DIV*: `f` is the soft-float operation.
pub fn arith(
    fmt: Fmt,
    a: u64,
    b: u64,
    ctl: Ctl,
    f: fn(F80, F80, Env) -> (F80, f80::Flags),
) -> Lane {
    if let Some(r) = nan_operands(fmt, a, b) {
        return r;
    }
    let (a, da) = operand(fmt, a, ctl);
    let (b, db) = operand(fmt, b, ctl);
    let r = f(fmt.widen(a), fmt.widen(b), ctl.env(fmt));
    finish(fmt, r, da | db, ctl)
}

/// SQRTPS/SS/PD/SD of `b`.
pub fn sqrt(fmt: Fmt, b: u64, ctl: Ctl) -> Lane {
    if fmt.is_nan(b) {
        return (fmt.quiet(b), if fmt.is_snan(b) { IE } else { 0 });
    }
    let (b, db) = operand(fmt, b, ctl);
    let r = f80::sqrt(fmt.widen(b), ctl.env(fmt));
    finish(fmt, r, db, ctl)
}

/// The ordering of two non-NaN elements.
fn order(fmt: Fmt, a: u64, b: u64) -> Ordering3 {
    f80::compare(fmt.widen(a), fmt.widen(b), true).0
}

/// MIN* and MAX* (SDM Vol. 2 MINPS, MAXPS): the second operand whenever either is a NaN
/// (returned as it is, SNaN included, after DAZ) or the two are equal (so +0 and -0 give
/// the second); IE for any NaN.
pub fn min_max(fmt: Fmt, a: u64, b: u64, ctl: Ctl, max: bool) -> Lane {
    let (a, da) = operand(fmt, a, ctl);
    let (b, db) = operand(fmt, b, ctl);
    if fmt.is_nan(a) || fmt.is_nan(b) {
        return (b, IE);
    }
    let wanted = if max {
        Ordering3::Greater
    } else {
        Ordering3::Less
    };
    let r = if order(fmt, a, b) == wanted { a } else { b };
    (r, da | db)
}

/// CMPPS/CMPSS/CMPPD/CMPSD with predicate `pred` (imm8 bits 2:0: EQ, LT, LE, UNORD, NEQ,
/// NLT, NLE, ORD): all ones if true. LT, LE, NLT and NLE signal IE on any NaN, the others
/// only on an SNaN (SDM Vol. 2 CMPPS, Table 3-7).
pub fn compare(fmt: Fmt, a: u64, b: u64, ctl: Ctl, pred: u32) -> Lane {
    let unordered = fmt.is_nan(a) || fmt.is_nan(b);
    let signals_qnan = matches!(pred & 7, 1 | 2 | 5 | 6);
    let ie = if fmt.is_snan(a) || fmt.is_snan(b) || (unordered && signals_qnan) {
        IE
    } else {
        0
    };
    let (a, da) = operand(fmt, a, ctl);
    let (b, db) = operand(fmt, b, ctl);
    let o = if unordered {
        Ordering3::Unordered
    } else {
        order(fmt, a, b)
    };
    let truth = match pred & 7 {
        0 => o == Ordering3::Equal,
        1 => o == Ordering3::Less,
        2 => matches!(o, Ordering3::Less | Ordering3::Equal),
        3 => unordered,
        4 => o != Ordering3::Equal,
        5 => o != Ordering3::Less,
        6 => !matches!(o, Ordering3::Less | Ordering3::Equal),
        _ => !unordered,
    };
    let bits = if truth {
        u64::MAX >> (64 - fmt.bits())
    } else {
        0
    };
    let de = if unordered { 0 } else { da | db };
    (bits, ie | de)
}

/// COMISS/COMISD (`quiet` false: IE on any NaN) and UCOMISS/UCOMISD (IE on an SNaN only):
/// the ordering and the flags.
pub fn ordered_compare(fmt: Fmt, a: u64, b: u64, ctl: Ctl, quiet: bool) -> (Ordering3, u32) {
    if fmt.is_nan(a) || fmt.is_nan(b) {
        let signaling = fmt.is_snan(a) || fmt.is_snan(b);
        return (
            Ordering3::Unordered,
            if signaling || !quiet { IE } else { 0 },
        );
    }
    let (a, da) = operand(fmt, a, ctl);
    let (b, db) = operand(fmt, b, ctl);
    (order(fmt, a, b), da | db)
}

/// A 32-bit integer element (sign-extended from `v`) converted to `fmt`, rounded per MXCSR.
pub fn from_int(fmt: Fmt, v: u64, ctl: Ctl) -> Lane {
    let x = f80::from_i64(i64::from(v as u32 as i32));
    let r = if x.class() == f80::Class::Zero {
        (x, 0)
    } else {
        f80::round_value(x, ctl.env(fmt))
    };
    finish(fmt, r, 0, ctl)
}

/// An element converted to a 32-bit integer, rounded per MXCSR or truncated; NaNs and
/// out-of-range values give the integer indefinite 0x8000_0000 with IE.
pub fn to_int(fmt: Fmt, v: u64, ctl: Ctl, truncate: bool) -> Lane {
    let (v, _) = operand(fmt, v, ctl);
    let env = Env {
        rounding: if truncate {
            Rounding::Zero
        } else {
            ctl.rounding
        },
        precision: Precision::Extended,
        unmasked: 0,
    };
    let (i, flags) = f80::to_int(fmt.widen(v), env, 32);
    (u64::from(i as u32), u32::from(flags) & FLAGS)
}

/// CVTSS2SD/CVTPS2PD (`to` D) and CVTSD2SS/CVTPD2PS (`to` S): NaNs keep their upper
/// significand bits, quieted, with IE for an SNaN; a narrowing rounds per MXCSR.
pub fn convert(from: Fmt, to: Fmt, v: u64, ctl: Ctl) -> Lane {
    if from.is_nan(v) {
        let ie = if from.is_snan(v) { IE } else { 0 };
        return (to.narrow(from.widen(v), Rounding::Zero).0, ie);
    }
    let (v, de) = operand(from, v, ctl);
    let x = from.widen(v);
    let r = match x.class() {
        f80::Class::Normal | f80::Class::Denormal => f80::round_value(x, ctl.env(to)),
        _ => (x, 0),
    };
    finish(to, r, de, ctl)
}

/// RCPPS/RCPSS (`root` false) and RSQRTPS/RSQRTSS: Intel specifies a relative error of at
/// most 1.5 * 2^-12 and leaves the bits to the implementation; amber computes it in
/// binary32 (within 2^-23). Denormal inputs count as zeros and tiny results flush to zero, as on Intel
/// processors; MXCSR is neither read nor written.
pub fn reciprocal(b: u32, root: bool) -> u32 {
    let fmt = Fmt::S;
    let v = u64::from(b);
    let sign = v & fmt.sign_bit();
    if fmt.is_nan(v) {
        return fmt.quiet(v) as u32;
    }
    let env = Env {
        rounding: Rounding::Nearest,
        precision: Precision::Ieee32,
        unmasked: 0,
    };
    let x = if fmt.is_denormal(v) {
        F80::zero(sign != 0)
    } else {
        fmt.widen(v)
    };
    if root && sign != 0 && x.class() != f80::Class::Zero {
        return fmt.indefinite() as u32;
    }
    let d = if root { f80::sqrt(x, env).0 } else { x };
    let (r, _) = f80::div(F80::one(), d, env);
    let bits = fmt.narrow(r, Rounding::Zero).0;
    let bits = if fmt.is_denormal(bits) {
        bits & fmt.sign_bit()
    } else {
        bits
    };
    bits as u32
}
