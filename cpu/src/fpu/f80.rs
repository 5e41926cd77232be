//! The x87 FPU's double-extended-precision arithmetic (Intel x87 of the P6 family and later),
//! bit for bit: the 80-bit format, rounding control, precision control and the exception
//! flags with their masked responses.
//!
//! Intel SDM Vol. 1: 4.2.2 and 8.2.2 (encodings, unsupported formats), 4.8.3 (NaNs, the real
//! indefinite, Table 4-7 "Rules for Generating QNaNs"), 4.8.4 (rounding), 4.9 (exceptions and
//! their priority, 4.9.2), 8.1.5 (precision and rounding control), 8.5 (x87 exception
//! conditions), and the Vol. 2 pages FADD, FSUB, FMUL, FDIV, FSQRT, FRNDINT, FLD, FST, FIST,
//! FCOM and FUCOM.
//!
//! Every operation returns the masked response and the flags it raised in status-word bit
//! positions; the x87 layer merges them into the status word and decides about traps. Values
//! are computed exactly in u128 and rounded once, with the low bits kept as a sticky bit.

use std::cmp::Ordering;

/// Exception flags in x87 status-word positions, plus C1 ("rounded up in magnitude").
pub type Flags = u16;
pub const IE: Flags = 0x01;
pub const DE: Flags = 0x02;
pub const ZE: Flags = 0x04;
pub const OE: Flags = 0x08;
pub const UE: Flags = 0x10;
pub const PE: Flags = 0x20;
pub const C1: Flags = 0x200;
/// Not an x87 flag: the rounded result is tiny (below the smallest normal, detected after
/// rounding), exact or not. Reported only for the `Ieee32`/`Ieee64` precisions, whose
/// flush-to-zero and unmasked underflow need it.
pub const TINY: Flags = 0x4000;

/// Exponent bias of the extended format (0x3FFF encodes 2^0).
const BIAS: i32 = 0x3FFF;
const EXP_MASK: u16 = 0x7FFF;
const INT_BIT: u64 = 1 << 63;
const QUIET_BIT: u64 = 1 << 62;

/// An 80-bit register value: sign, 15-bit biased exponent, 64-bit significand whose bit 63 is
/// the explicit integer bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct F80 {
    pub sign: bool,
    pub exp: u16,
    pub mant: u64,
}

/// Rounding control (control word RC, bits 11:10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Nearest,
    Down,
    Up,
    Zero,
}

/// Precision control (control word PC, bits 9:8): where FADD, FSUB, FMUL, FDIV and FSQRT
/// round the significand. The exponent range stays the extended one. `Ieee32` and `Ieee64`
/// are SSE's formats: the same significands with the binary32 and binary64 exponent ranges
/// (the result is still returned as an `F80`, which holds every such value exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Single,
    Double,
    Extended,
    Ieee32,
    Ieee64,
}

impl Precision {
    fn format(self) -> Format {
        let prec = match self {
            Precision::Single => 24,
            Precision::Double => 53,
            Precision::Extended => 64,
            Precision::Ieee32 => return SINGLE,
            Precision::Ieee64 => return DOUBLE,
        };
        Format {
            bias: BIAS,
            emax: 0x7FFE,
            prec,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Env {
    pub rounding: Rounding,
    pub precision: Precision,
    /// OE and UE when unmasked (x87 only): an overflowing or tiny register result is then
    /// delivered with its exponent biased by 24576 instead of the masked response (SDM Vol. 1
    /// 8.5.4, 8.5.5).
    pub unmasked: Flags,
}

/// Operand classes (SDM Vol. 1 8.2.2). `Denormal` includes pseudo-denormals (exponent 0 with
/// the integer bit set), which the x87 accepts as operands; `Unsupported` is the unnormals,
/// pseudo-infinities and pseudo-NaNs, which raise IE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Zero,
    Denormal,
    Normal,
    Infinity,
    QNaN,
    SNaN,
    Unsupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering3 {
    Less,
    Equal,
    Greater,
    Unordered,
}

impl F80 {
    /// The real indefinite, the masked response to an invalid operation.
    pub const INDEFINITE: F80 = F80 {
        sign: true,
        exp: EXP_MASK,
        mant: INT_BIT | QUIET_BIT,
    };

    /// The memory (little-endian m80fp) layout.
    pub fn from_bytes(b: [u8; 10]) -> F80 {
        let mant = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let se = u16::from_le_bytes([b[8], b[9]]);
        F80 {
            sign: se & 0x8000 != 0,
            exp: se & EXP_MASK,
            mant,
        }
    }

    pub fn to_bytes(self) -> [u8; 10] {
        let m = self.mant.to_le_bytes();
        let se = (self.exp & EXP_MASK) | if self.sign { 0x8000 } else { 0 };
        let [s0, s1] = se.to_le_bytes();
        [m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], s0, s1]
    }

    pub fn class(self) -> Class {
        let int = self.mant & INT_BIT != 0;
        match self.exp & EXP_MASK {
            0 if self.mant == 0 => Class::Zero,
            0 => Class::Denormal,
            _ if !int => Class::Unsupported,
            EXP_MASK if self.mant == INT_BIT => Class::Infinity,
            EXP_MASK if self.mant & QUIET_BIT != 0 => Class::QNaN,
            EXP_MASK => Class::SNaN,
            _ => Class::Normal,
        }
    }

    pub fn zero(sign: bool) -> F80 {
        F80 {
            sign,
            exp: 0,
            mant: 0,
        }
    }

    pub fn one() -> F80 {
        F80 {
            sign: false,
            exp: BIAS as u16,
            mant: INT_BIT,
        }
    }

    pub(super) fn infinity(sign: bool) -> F80 {
        F80 {
            sign,
            exp: EXP_MASK,
            mant: INT_BIT,
        }
    }

    /// FCHS: flips the sign of any encoding, NaNs included, without exceptions.
    #[expect(
        clippy::should_implement_trait,
        reason = "the x87 layer's name for FCHS, callable without importing std::ops::Neg"
    )]
    pub fn neg(self) -> F80 {
        F80 {
            sign: !self.sign,
            ..self
        }
    }

    /// FABS: clears the sign of any encoding, without exceptions.
    pub fn abs(self) -> F80 {
        F80 {
            sign: false,
            ..self
        }
    }

    fn is_nan(self) -> bool {
        matches!(self.class(), Class::QNaN | Class::SNaN)
    }

    fn quiet(self) -> F80 {
        F80 {
            mant: self.mant | QUIET_BIT,
            ..self
        }
    }

    /// DE if this operand is a denormal (SDM Vol. 1 4.9.1.2).
    pub(super) fn denormal_flag(self) -> Flags {
        if self.class() == Class::Denormal {
            DE
        } else {
            0
        }
    }

    /// A finite nonzero value as (unbiased exponent of bit 63, normalized significand).
    /// Denormals and pseudo-denormals have the exponent of the smallest normal.
    pub(super) fn unpack(self) -> (i32, u64) {
        let e = i32::from((self.exp & EXP_MASK).max(1)) - BIAS;
        let lz = self.mant.leading_zeros().min(63);
        (e - lz as i32, self.mant << lz)
    }

    /// The nonzero integer `v` with `sign`.
    fn from_magnitude(sign: bool, v: u64) -> F80 {
        if v == 0 {
            return F80::zero(sign);
        }
        let lz = v.leading_zeros();
        F80 {
            sign,
            exp: (BIAS + 63 - lz as i32) as u16,
            mant: v << lz,
        }
    }
}

/// A destination format for rounding: exponent bias, largest biased exponent of a finite
/// value, and significand precision in bits including the integer bit.
#[derive(Clone, Copy)]
struct Format {
    bias: i32,
    emax: i32,
    prec: u32,
}

const SINGLE: Format = Format {
    bias: 127,
    emax: 254,
    prec: 24,
};
const DOUBLE: Format = Format {
    bias: 1023,
    emax: 2046,
    prec: 53,
};

/// A rounded result: biased exponent (0 for a denormal or zero, emax + 1 for infinity) and the
/// significand left-aligned in 64 bits (bit 63 is the integer bit).
struct Rounded {
    exp: i32,
    mant: u64,
    flags: Flags,
}

/// `x` shifted right by `n` with every bit shifted out ORed into bit 0.
fn shift_right_jam(x: u128, n: u32) -> u128 {
    match n {
        0 => x,
        1..=127 => (x >> n) | u128::from(x & ((1u128 << n) - 1) != 0),
        _ => u128::from(x != 0),
    }
}

/// Rounds `sig` to an integer by dropping its low `shift` bits (1..=127): the kept value,
/// whether it was inexact, and whether it was incremented (rounded up in magnitude).
fn round_bits(sig: u128, shift: u32, sign: bool, rc: Rounding) -> (u128, bool, bool) {
    let kept = sig >> shift;
    let rem = sig & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = rem != 0
        && match rc {
            Rounding::Nearest => rem > half || (rem == half && kept & 1 == 1),
            Rounding::Down => sign,
            Rounding::Up => !sign,
            Rounding::Zero => false,
        };
    (kept + u128::from(up), rem != 0, up)
}

/// The masked overflow response (SDM Vol. 1 4.9.1.4): infinity, or the largest finite value
/// when the rounding direction is toward zero for this sign.
fn overflow(sign: bool, fmt: Format, rc: Rounding) -> Rounded {
    let to_infinity = match rc {
        Rounding::Nearest => true,
        Rounding::Down => sign,
        Rounding::Up => !sign,
        Rounding::Zero => false,
    };
    if to_infinity {
        Rounded {
            exp: fmt.emax + 1,
            mant: INT_BIT,
            flags: OE | PE | C1,
        }
    } else {
        Rounded {
            exp: fmt.emax,
            mant: !0u64 << (64 - fmt.prec),
            flags: OE | PE,
        }
    }
}

/// The exponent bias adjustment of an unmasked x87 overflow or underflow (SDM Vol. 1 8.5.4).
const BIAS_ADJUST: i32 = 0x6000;

/// Rounds the nonzero value `sig * 2^(exp - 127)` to `fmt`. Tininess is detected after
/// rounding (rounded to the precision with an unbounded exponent, the result is below the
/// smallest normal); with UE masked the x87 raises UE only for a tiny result that is also
/// inexact, and delivers the denormal (SDM 4.9.1.5). With OE or UE in `unmasked`, an overflow
/// or a tiny result (exact or not) is rounded to the precision and delivered with its
/// exponent decreased or increased by 24576, unless it is still out of range.
fn round(sign: bool, exp: i32, sig: u128, fmt: Format, rc: Rounding, unmasked: Flags) -> Rounded {
    let lz = sig.leading_zeros();
    let sig = sig << lz;
    let e = exp - lz as i32 + fmt.bias;
    let shift = 128 - fmt.prec;
    let to_mant = |kept: u128| (kept << (64 - fmt.prec)) as u64;
    let (kept, inexact, up) = round_bits(sig, shift, sign, rc);
    let (kept, e_rounded) = if kept >> fmt.prec != 0 {
        (kept >> 1, e + 1)
    } else {
        (kept, e)
    };
    let biased = |exp: i32, flag: Flags| Rounded {
        exp,
        mant: to_mant(kept),
        flags: flag | inexact_flags(inexact, up),
    };
    if e >= 1 {
        if e_rounded > fmt.emax {
            let exp = e_rounded - BIAS_ADJUST;
            if unmasked & OE != 0 && (1..=fmt.emax).contains(&exp) {
                return biased(exp, OE);
            }
            return overflow(sign, fmt, rc);
        }
        return biased(e_rounded, 0);
    }
    let tiny = e_rounded < 1;
    if tiny && unmasked & UE != 0 && e_rounded + BIAS_ADJUST >= 1 {
        return biased(e_rounded + BIAS_ADJUST, UE);
    }
    let denormal = shift_right_jam(sig, (1 - e).unsigned_abs());
    let (kept, inexact, up) = round_bits(denormal, shift, sign, rc);
    let exp = i32::from(kept >> (fmt.prec - 1) != 0);
    let ue = match (tiny, inexact) {
        (true, true) => UE | TINY,
        (true, false) => TINY,
        _ => 0,
    };
    Rounded {
        exp,
        mant: to_mant(kept),
        flags: inexact_flags(inexact, up) | ue,
    }
}

/// Rounds `sig * 2^(exp - 127)` to the precision of `env`; a zero `sig` is an exact zero.
pub(super) fn round_f80(sign: bool, exp: i32, sig: u128, env: Env) -> (F80, Flags) {
    if sig == 0 {
        return (F80::zero(sign), 0);
    }
    let fmt = env.precision.format();
    let r = round(sign, exp, sig, fmt, env.rounding, env.unmasked);
    let v = if fmt.bias == BIAS {
        F80 {
            sign,
            exp: r.exp as u16,
            mant: r.mant,
        }
    } else if r.exp > fmt.emax {
        F80::infinity(sign)
    } else if r.mant == 0 {
        F80::zero(sign)
    } else {
        let lz = r.mant.leading_zeros();
        F80 {
            sign,
            exp: (r.exp.max(1) - fmt.bias + BIAS - lz as i32) as u16,
            mant: r.mant << lz,
        }
    };
    let flags = if fmt.bias == BIAS {
        r.flags & !TINY
    } else {
        r.flags
    };
    (v, flags)
}

/// A finite nonzero operand rounded to the precision of `env` (x + 0 and 0 + x).
pub(super) fn round_value(a: F80, env: Env) -> (F80, Flags) {
    let (e, m) = a.unpack();
    round_f80(a.sign, e, u128::from(m) << 64, env)
}

/// The NaN an operation on two NaNs returns (SDM Table 4-7): the larger significand, which
/// makes a QNaN win over an SNaN; with equal significands, the positive one.
fn pick_nan(a: F80, b: F80) -> F80 {
    match a.mant.cmp(&b.mant) {
        Ordering::Greater => a,
        Ordering::Less => b,
        Ordering::Equal if a.sign => b,
        Ordering::Equal => a,
    }
}

/// The operand checks that take priority over everything else (SDM 4.9.2, items 1 and 2):
/// an unsupported encoding gives the indefinite, NaNs propagate quieted, an SNaN raises IE.
/// None when both operands are numbers.
pub(super) fn nan_operands(a: F80, b: F80) -> Option<(F80, Flags)> {
    if a.class() == Class::Unsupported || b.class() == Class::Unsupported {
        return Some((F80::INDEFINITE, IE));
    }
    let ie = if a.class() == Class::SNaN || b.class() == Class::SNaN {
        IE
    } else {
        0
    };
    let nan = match (a.is_nan(), b.is_nan()) {
        (false, false) => return None,
        (true, false) => a,
        (false, true) => b,
        (true, true) => pick_nan(a, b),
    };
    Some((nan.quiet(), ie))
}

/// The one-operand form of `nan_operands`.
pub(super) fn nan_operand(a: F80) -> Option<(F80, Flags)> {
    match a.class() {
        Class::Unsupported => Some((F80::INDEFINITE, IE)),
        Class::SNaN => Some((a.quiet(), IE)),
        Class::QNaN => Some((a, 0)),
        _ => None,
    }
}

fn with_flags((v, f): (F80, Flags), more: Flags) -> (F80, Flags) {
    (v, f | more)
}

/// FADD: `a + b`.
pub fn add(a: F80, b: F80, env: Env) -> (F80, Flags) {
    add_signed(a, b, b.sign, env)
}

/// FSUB: `a - b`.
pub fn sub(a: F80, b: F80, env: Env) -> (F80, Flags) {
    add_signed(a, b, !b.sign, env)
}

/// `a + b` with b's sign replaced by `sign_b`.
fn add_signed(a: F80, b: F80, sign_b: bool, env: Env) -> (F80, Flags) {
    if let Some(r) = nan_operands(a, b) {
        return r;
    }
    let de = a.denormal_flag() | b.denormal_flag();
    let b = F80 { sign: sign_b, ..b };
    let exact_zero_sign = env.rounding == Rounding::Down;
    match (a.class(), b.class()) {
        (Class::Infinity, Class::Infinity) if a.sign != b.sign => (F80::INDEFINITE, IE),
        (Class::Infinity, _) => (a, de),
        (_, Class::Infinity) => (b, de),
        (Class::Zero, Class::Zero) => {
            let sign = if a.sign == b.sign {
                a.sign
            } else {
                exact_zero_sign
            };
            (F80::zero(sign), 0)
        }
        (Class::Zero, _) => with_flags(round_value(b, env), de),
        (_, Class::Zero) => with_flags(round_value(a, env), de),
        _ => {
            let (mut hi, mut lo) = ((a.unpack(), a.sign), (b.unpack(), b.sign));
            if hi.0 < lo.0 {
                std::mem::swap(&mut hi, &mut lo);
            }
            let (((eh, mh), sh), ((el, ml), sl)) = (hi, lo);
            let x = u128::from(mh) << 62;
            let y = shift_right_jam(u128::from(ml) << 62, (eh - el).unsigned_abs());
            let r = if sh == sl {
                round_f80(sh, eh + 2, x + y, env)
            } else if x == y {
                (F80::zero(exact_zero_sign), 0)
            } else {
                round_f80(sh, eh + 2, x - y, env)
            };
            with_flags(r, de)
        }
    }
}

/// FMUL: `a * b`.
pub fn mul(a: F80, b: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = nan_operands(a, b) {
        return r;
    }
    let de = a.denormal_flag() | b.denormal_flag();
    let sign = a.sign != b.sign;
    match (a.class(), b.class()) {
        (Class::Zero, Class::Infinity) | (Class::Infinity, Class::Zero) => (F80::INDEFINITE, IE),
        (Class::Infinity, _) | (_, Class::Infinity) => (F80::infinity(sign), de),
        (Class::Zero, _) | (_, Class::Zero) => (F80::zero(sign), de),
        _ => {
            let ((ea, ma), (eb, mb)) = (a.unpack(), b.unpack());
            let r = round_f80(sign, ea + eb + 1, u128::from(ma) * u128::from(mb), env);
            with_flags(r, de)
        }
    }
}

/// FDIV: `a / b`.
pub fn div(a: F80, b: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = nan_operands(a, b) {
        return r;
    }
    let de = a.denormal_flag() | b.denormal_flag();
    let sign = a.sign != b.sign;
    match (a.class(), b.class()) {
        (Class::Infinity, Class::Infinity) | (Class::Zero, Class::Zero) => (F80::INDEFINITE, IE),
        (Class::Infinity, _) => (F80::infinity(sign), de),
        (_, Class::Infinity) | (Class::Zero, _) => (F80::zero(sign), de),
        // Zero divide outranks the denormal operand (SDM 4.9.2): a denormal dividend gives ZE alone.
        (_, Class::Zero) => (F80::infinity(sign), ZE),
        _ => {
            let ((ea, ma), (eb, mb)) = (a.unpack(), b.unpack());
            let (ma, mb) = (u128::from(ma), u128::from(mb));
            // ma / mb in [1/2, 2): two long-division steps give 127 quotient bits.
            let (q1, r1) = ((ma << 63) / mb, (ma << 63) % mb);
            let (q2, r2) = ((r1 << 64) / mb, (r1 << 64) % mb);
            let sig = (q1 << 64) | q2 | u128::from(r2 != 0);
            with_flags(round_f80(sign, ea - eb, sig, env), de)
        }
    }
}

/// FSQRT.
pub fn sqrt(a: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = nan_operand(a) {
        return r;
    }
    match a.class() {
        Class::Zero => (a, 0),
        // The invalid operation outranks a denormal operand: no DE for a negative denormal.
        _ if a.sign => (F80::INDEFINITE, IE),
        Class::Infinity => (a, 0),
        _ => {
            let (e, m) = a.unpack();
            // Radicand m * 2^63 or m * 2^64 (odd exponent), i.e. in [1, 4) * 2^126.
            let odd = e & 1 != 0;
            let x = u128::from(m) << (63 + u32::from(odd));
            let mut root = isqrt(x);
            let mut rem = x - root * root;
            // Three more root bits, digit by digit, from radicand digits that are all zero.
            for _ in 0..3 {
                rem <<= 2;
                let trial = (root << 2) | 1;
                root <<= 1;
                if rem >= trial {
                    rem -= trial;
                    root |= 1;
                }
            }
            // root = floor(sqrt(radicand) * 2^66) in [2^66, 2^67).
            let sig = (root << 61) | u128::from(rem != 0);
            let half_exp = (e - i32::from(odd)) / 2;
            with_flags(round_f80(false, half_exp, sig, env), a.denormal_flag())
        }
    }
}

/// floor(sqrt(x)) for x in [2^126, 2^128): the host's f64 square root (correctly rounded
/// everywhere, so the same on every host) gives an estimate within about 2^12, one Newton
/// step brings it within one, and exact integer checks settle the last unit.
fn isqrt(x: u128) -> u128 {
    let mut r = ((x as f64).sqrt() as u128).max(1);
    r = (r + x / r) / 2;
    while r.checked_mul(r).is_none_or(|sq| sq > x) {
        r -= 1;
    }
    while (r + 1).checked_mul(r + 1).is_some_and(|sq| sq <= x) {
        r += 1;
    }
    r
}

/// Rounds a finite nonzero value to an integer magnitude per `rc`: None when its exponent puts
/// it at 2^64 or beyond before rounding, else (magnitude, inexact, rounded up).
fn integer_magnitude(a: F80, rc: Rounding) -> Option<(u128, bool, bool)> {
    let (e, m) = a.unpack();
    match e {
        64.. => None,
        63 => Some((u128::from(m), false, false)),
        _ => Some(round_bits(
            u128::from(m),
            (63 - e).min(65) as u32,
            a.sign,
            rc,
        )),
    }
}

fn inexact_flags(inexact: bool, up: bool) -> Flags {
    (if inexact { PE } else { 0 }) | (if up { C1 } else { 0 })
}

/// FRNDINT: rounds to an integral value per the rounding control; precision control does not
/// apply.
pub fn round_to_int(a: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = nan_operand(a) {
        return r;
    }
    if matches!(a.class(), Class::Zero | Class::Infinity) {
        return (a, 0);
    }
    match integer_magnitude(a, env.rounding) {
        Some((v, inexact, up)) if v >> 64 == 0 => {
            let r = F80::from_magnitude(a.sign, v as u64);
            (r, inexact_flags(inexact, up) | a.denormal_flag())
        }
        _ => (a, 0),
    }
}

/// FIST/FISTP to a `bits`-wide integer (16, 32 or 64): an out-of-range value, a NaN, an
/// infinity or an unsupported encoding gives IE alone and the integer indefinite (the most
/// negative value of that width). A denormal source raises no DE, only PE.
pub fn to_int(a: F80, env: Env, bits: u32) -> (i64, Flags) {
    let bits = bits.clamp(1, 64);
    let indefinite = i64::MIN >> (64 - bits);
    match a.class() {
        Class::Zero => return (0, 0),
        Class::Normal | Class::Denormal => {}
        _ => return (indefinite, IE),
    }
    let limit = 1u128 << (bits - 1);
    match integer_magnitude(a, env.rounding) {
        Some((v, inexact, up)) if v < limit || (v == limit && a.sign) => {
            let v = if a.sign {
                (v as i128).wrapping_neg()
            } else {
                v as i128
            };
            (v as i64, inexact_flags(inexact, up))
        }
        _ => (indefinite, IE),
    }
}

/// FILD: every 64-bit integer is exact in the extended format.
pub fn from_i64(v: i64) -> F80 {
    F80::from_magnitude(v < 0, v.unsigned_abs())
}

/// FLD m32fp/m64fp: the IEEE value with `frac` fraction bits and exponent bias `bias`, widened
/// exactly. An SNaN is quieted with IE; a denormal raises DE and is normalized.
fn from_ieee(bits: u64, frac: u32, exp_bits: u32, bias: i32) -> (F80, Flags) {
    let sign = (bits >> (frac + exp_bits)) & 1 != 0;
    let emask = (1u64 << exp_bits) - 1;
    let e = (bits >> frac) & emask;
    let f = bits & ((1u64 << frac) - 1);
    let wide = f << (63 - frac);
    if e == emask {
        let quiet_nan = f >> (frac - 1) != 0;
        return match f {
            0 => (F80::infinity(sign), 0),
            _ => {
                let v = F80 {
                    sign,
                    exp: EXP_MASK,
                    mant: INT_BIT | QUIET_BIT | wide,
                };
                (v, if quiet_nan { 0 } else { IE })
            }
        };
    }
    if e == 0 {
        if f == 0 {
            return (F80::zero(sign), 0);
        }
        let lz = wide.leading_zeros();
        let exp = BIAS + 1 - bias - lz as i32;
        return (
            F80 {
                sign,
                exp: exp as u16,
                mant: wide << lz,
            },
            DE,
        );
    }
    let exp = e as i32 - bias + BIAS;
    (
        F80 {
            sign,
            exp: exp as u16,
            mant: INT_BIT | wide,
        },
        0,
    )
}

pub fn from_f32(bits: u32) -> (F80, Flags) {
    from_ieee(u64::from(bits), 23, 8, 127)
}

pub fn from_f64(bits: u64) -> (F80, Flags) {
    from_ieee(bits, 52, 11, 1023)
}

/// FST/FSTP m32fp/m64fp: rounds per the rounding control to `fmt`, with masked overflow and
/// underflow responses; NaNs keep their upper significand bits and are quieted. A denormal
/// source raises no DE (the FST page lists none; the hardware agrees).
fn to_ieee(a: F80, rc: Rounding, fmt: Format, exp_bits: u32) -> (u64, Flags) {
    let frac = fmt.prec - 1;
    let sign_bit = u64::from(a.sign) << (frac + exp_bits);
    let emask = (1u64 << exp_bits) - 1;
    let fmask = (1u64 << frac) - 1;
    let quiet = 1u64 << (frac - 1);
    let top_frac = (a.mant >> (64 - fmt.prec)) & fmask;
    match a.class() {
        Class::Unsupported => ((1 << (frac + exp_bits)) | (emask << frac) | quiet, IE),
        Class::QNaN => (sign_bit | (emask << frac) | top_frac | quiet, 0),
        Class::SNaN => (sign_bit | (emask << frac) | top_frac | quiet, IE),
        Class::Infinity => (sign_bit | (emask << frac), 0),
        Class::Zero => (sign_bit, 0),
        Class::Normal | Class::Denormal => {
            let (e, m) = a.unpack();
            let r = round(a.sign, e, u128::from(m) << 64, fmt, rc, 0);
            let bits = sign_bit | ((r.exp as u64) << frac) | ((r.mant >> (64 - fmt.prec)) & fmask);
            (bits, r.flags & !TINY)
        }
    }
}

pub fn to_f32(a: F80, env: Env) -> (u32, Flags) {
    let (bits, flags) = to_ieee(a, env.rounding, SINGLE, 8);
    (bits as u32, flags)
}

pub fn to_f64(a: F80, env: Env) -> (u64, Flags) {
    to_ieee(a, env.rounding, DOUBLE, 11)
}

/// FCOM (`quiet` false: any NaN raises IE) and FUCOM (`quiet` true: only an SNaN does).
/// Unsupported encodings raise IE in both; a denormal operand raises DE.
pub fn compare(a: F80, b: F80, quiet: bool) -> (Ordering3, Flags) {
    let (ca, cb) = (a.class(), b.class());
    if ca == Class::Unsupported || cb == Class::Unsupported {
        return (Ordering3::Unordered, IE);
    }
    if a.is_nan() || b.is_nan() {
        let signaling = ca == Class::SNaN || cb == Class::SNaN;
        return (
            Ordering3::Unordered,
            if signaling || !quiet { IE } else { 0 },
        );
    }
    let de = a.denormal_flag() | b.denormal_flag();
    let magnitude = |v: F80, c: Class| match c {
        Class::Zero => (i32::MIN, 0),
        Class::Infinity => (i32::MAX, 0),
        _ => v.unpack(),
    };
    let by_magnitude = magnitude(a, ca).cmp(&magnitude(b, cb));
    let order = if ca == Class::Zero && cb == Class::Zero {
        Ordering::Equal
    } else if a.sign != b.sign {
        b.sign.cmp(&a.sign)
    } else if a.sign {
        by_magnitude.reverse()
    } else {
        by_magnitude
    };
    let o = match order {
        Ordering::Less => Ordering3::Less,
        Ordering::Equal => Ordering3::Equal,
        Ordering::Greater => Ordering3::Greater,
    };
    (o, de)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEAREST: Env = Env {
        rounding: Rounding::Nearest,
        precision: Precision::Extended,
        unmasked: 0,
    };

    fn f(sign: bool, exp: u16, mant: u64) -> F80 {
        F80 { sign, exp, mant }
    }

    #[test]
    fn memory_layout() {
        let b = F80::INDEFINITE.to_bytes();
        assert_eq!(b, [0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF]);
        assert_eq!(F80::from_bytes(b), F80::INDEFINITE);
        assert_eq!(F80::one().to_bytes()[8..], [0xFF, 0x3F]);
    }

    #[test]
    fn classes() {
        assert_eq!(F80::zero(true).class(), Class::Zero);
        assert_eq!(f(false, 0, 1).class(), Class::Denormal);
        assert_eq!(f(false, 0, INT_BIT).class(), Class::Denormal);
        assert_eq!(f(false, 0x3FFF, 1).class(), Class::Unsupported);
        assert_eq!(f(false, 0x7FFF, 0).class(), Class::Unsupported);
        assert_eq!(f(false, 0x7FFF, INT_BIT).class(), Class::Infinity);
        assert_eq!(f(false, 0x7FFF, INT_BIT | 1).class(), Class::SNaN);
        assert_eq!(F80::INDEFINITE.class(), Class::QNaN);
    }

    /// 1/3 under each precision control setting, as a Xeon computes it.
    #[test]
    fn precision_control() {
        let three = f(false, 0x4000, 0xC000_0000_0000_0000);
        let cases = [
            (Precision::Single, 0xAAAA_AB00_0000_0000, PE | C1),
            (Precision::Double, 0xAAAA_AAAA_AAAA_A800, PE),
            (Precision::Extended, 0xAAAA_AAAA_AAAA_AAAB, PE | C1),
        ];
        for (precision, mant, flags) in cases {
            let env = Env {
                rounding: Rounding::Nearest,
                precision,
                unmasked: 0,
            };
            assert_eq!(div(F80::one(), three, env), (f(false, 0x3FFD, mant), flags));
        }
    }

    #[test]
    fn invalid_and_zero_divide() {
        let inf = F80::infinity(false);
        assert_eq!(sub(inf, inf, NEAREST), (F80::INDEFINITE, IE));
        assert_eq!(mul(F80::zero(true), inf, NEAREST), (F80::INDEFINITE, IE));
        assert_eq!(sqrt(F80::one().neg(), NEAREST), (F80::INDEFINITE, IE));
        assert_eq!(
            div(F80::one().neg(), F80::zero(false), NEAREST),
            (inf.neg(), ZE)
        );
        let snan = f(false, 0x7FFF, INT_BIT | 5);
        assert_eq!(
            add(snan, F80::one(), NEAREST),
            (f(false, 0x7FFF, INT_BIT | QUIET_BIT | 5), IE)
        );
    }

    #[test]
    fn overflow_and_underflow() {
        let max = f(false, 0x7FFE, !0);
        let two = f(false, 0x4000, INT_BIT);
        assert_eq!(mul(max, two, NEAREST), (F80::infinity(false), OE | PE | C1));
        let chop = Env {
            rounding: Rounding::Zero,
            ..NEAREST
        };
        assert_eq!(mul(max, two, chop), (max, OE | PE));
        let min = f(false, 1, INT_BIT | 1);
        assert_eq!(
            div(min, two, NEAREST),
            (f(false, 0, 0x4000_0000_0000_0000), UE | PE)
        );
        assert_eq!(
            div(f(false, 1, INT_BIT), two, NEAREST),
            (f(false, 0, QUIET_BIT), 0)
        );
    }

    #[test]
    fn conversions() {
        let two_and_half = f(true, 0x4000, 0xA000_0000_0000_0000);
        assert_eq!(to_int(two_and_half, NEAREST, 32), (-2, PE));
        assert_eq!(to_int(from_i64(32768), NEAREST, 16), (-32768, IE));
        assert_eq!(to_int(from_i64(i64::MIN), NEAREST, 64), (i64::MIN, 0));
        assert_eq!(
            from_f32(0x7F80_0001),
            (f(false, 0x7FFF, 0xC000_0100_0000_0000), IE)
        );
        assert_eq!(to_f32(F80::one(), NEAREST), (0x3F80_0000, 0));
        assert_eq!(to_f64(F80::INDEFINITE, NEAREST), (0xFFF8_0000_0000_0000, 0));
        assert_eq!(
            round_to_int(two_and_half, NEAREST),
            (f(true, 0x4000, INT_BIT), PE)
        );
    }

    /// Arbitrary register bits, including out-of-range exponent fields, never panic.
    #[test]
    fn any_bits() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = f(x & 1 != 0, (x >> 48) as u16, x.rotate_left(i % 64));
            let b = f(x & 2 != 0, (x >> 33) as u16 & 0x7FFF, x >> (i % 64));
            let env = Env {
                rounding: Rounding::Up,
                precision: Precision::Single,
                unmasked: 0,
            };
            for g in [add, sub, mul, div] {
                g(a, b, env);
            }
            sqrt(a, env);
            round_to_int(a, env);
            to_f32(a, env);
            to_f64(b, env);
            to_int(a, env, i % 70);
            compare(a, b, i & 1 != 0);
            from_f32(x as u32);
            from_f64(x);
        }
    }
}
