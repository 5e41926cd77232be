//! F2XM1, FYL2X, FYL2XP1, FPATAN, FPTAN, FSIN, FCOS and FSINCOS: their arithmetic, evaluated
//! in a 128-bit significand format and rounded once, and their handlers.
//!
//! Intel SDM Vol. 2: the pages of these instructions (results, the special-operand tables,
//! C2 for an operand out of range). Vol. 1: 8.1.5.2 and 8.3.10 (precision control does not
//! apply; results are rounded per the rounding control at 64 bits; argument reduction uses a
//! 66-bit pi), 8.5 (exceptions and masked responses). The x87 computes these to within one
//! unit in the last place; here the series carry about 120 correct bits, so the result is
//! within one ulp of the x87's. Where the host x87 was seen to differ from a correctly
//! rounded result in its flags (every computed result reported inexact, tininess of FPATAN
//! and the trigonometric results before rounding), the functions follow the x87.

use super::f80::{self, Class, Env, Flags, Precision, F80};
use super::sw;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::exec::Exec;

/// An intermediate value `mant * 2^(exp - 127)`: `mant` has bit 127 set, or is 0 for zero.
#[derive(Clone, Copy, Debug)]
struct Wide {
    sign: bool,
    exp: i32,
    mant: u128,
}

/// ln 2, to 128 bits (truncated).
const LN2: Wide = Wide {
    sign: false,
    exp: -1,
    mant: 0xB172_17F7_D1CF_79AB_C9E3_B398_03F2_F6AF,
};

/// log2(e) = 1 / ln 2, to 128 bits (truncated).
const LOG2_E: Wide = Wide {
    sign: false,
    exp: 0,
    mant: 0xB8AA_3B29_5C17_F0BB_BE87_FED0_691D_3E88,
};

/// sqrt(2) * 2^127, rounded up: the significand above which a logarithm's argument is halved.
const SQRT2_MANT: u128 = 0xB504_F333_F9DE_6484_597D_89B3_754A_BE9F;

/// pi, to 128 bits (truncated).
const PI: Wide = Wide {
    sign: false,
    exp: 1,
    mant: 0xC90F_DAA2_2168_C234_C4C6_628B_80DC_1CD1,
};

/// tan(pi/8) * 2^129, rounded down: above it, an arctangent's argument is moved toward 0.
const TAN_PI_8_MANT: u128 = 0xD413_CCCF_E779_9211_65F6_26CD_D52A_FA7C;

/// The unbiased exponent of the smallest normal 80-bit value.
const MIN_NORMAL_EXP: i32 = 1 - 0x3FFF;

/// The series stop when a term drops this many bits below the sum.
const NEGLIGIBLE: i32 = 130;

impl Wide {
    /// `mant * 2^(exp - 127)` normalized.
    fn new(sign: bool, exp: i32, mant: u128) -> Wide {
        let lz = mant.leading_zeros();
        if lz == 128 {
            return Wide {
                sign,
                exp: 0,
                mant: 0,
            };
        }
        Wide {
            sign,
            exp: exp - lz as i32,
            mant: mant << lz,
        }
    }

    /// A finite operand (zero included).
    fn from_f80(a: F80) -> Wide {
        if a.class() == Class::Zero {
            return Wide::new(a.sign, 0, 0);
        }
        let (e, m) = a.unpack();
        Wide::new(a.sign, e, u128::from(m) << 64)
    }

    fn from_int(v: i32) -> Wide {
        Wide::new(v < 0, 127, u128::from(v.unsigned_abs()))
    }

    fn one() -> Wide {
        Wide::from_int(1)
    }

    fn is_zero(self) -> bool {
        self.mant == 0
    }

    fn neg(self) -> Wide {
        Wide {
            sign: !self.sign,
            ..self
        }
    }

    /// The product, truncated to 128 bits.
    fn mul(self, b: Wide) -> Wide {
        const LOW: u128 = u64::MAX as u128;
        let (a1, a0) = (self.mant >> 64, self.mant & LOW);
        let (b1, b0) = (b.mant >> 64, b.mant & LOW);
        let (p01, p10) = (a0 * b1, a1 * b0);
        let mid = ((a0 * b0) >> 64) + (p01 & LOW) + (p10 & LOW);
        let hi = a1 * b1 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
        Wide::new(self.sign != b.sign, self.exp + b.exp + 1, hi)
    }

    /// The sum, with the smaller operand's bits below 2^-128 of the larger dropped.
    fn add(self, b: Wide) -> Wide {
        if b.is_zero() {
            return self;
        }
        if self.is_zero() {
            return b;
        }
        let (big, small) = if (self.exp, self.mant) >= (b.exp, b.mant) {
            (self, b)
        } else {
            (b, self)
        };
        let shift = (big.exp - small.exp + 1).unsigned_abs();
        let x = big.mant >> 1;
        let y = small.mant.checked_shr(shift).unwrap_or(0);
        let sum = if big.sign == small.sign { x + y } else { x - y };
        Wide::new(big.sign, big.exp + 1, sum)
    }

    fn sub(self, b: Wide) -> Wide {
        self.add(b.neg())
    }

    /// The quotient of nonzero values, truncated to 128 bits (restoring division).
    fn div(self, b: Wide) -> Wide {
        if b.is_zero() || self.is_zero() {
            return Wide::new(self.sign != b.sign, 0, 0);
        }
        let (mut r, mut q, mut carry) = (self.mant, 0u128, false);
        for _ in 0..128 {
            q <<= 1;
            if carry || r >= b.mant {
                r = r.wrapping_sub(b.mant);
                q |= 1;
            }
            carry = r >> 127 != 0;
            r <<= 1;
        }
        Wide::new(self.sign != b.sign, self.exp - b.exp, q)
    }

    /// The quotient by a small positive integer, truncated.
    fn div_small(self, n: u32) -> Wide {
        Wide::new(self.sign, self.exp, self.mant / u128::from(n.max(1)))
    }

    /// The value less 2^-127 of its magnitude. The x87 reports every product of FYL2X and
    /// FYL2XP1 inexact, and rounds an exactly representable one as from just below it (C1 set
    /// under round to nearest, UE for a tiny one) unless the logarithm is +1, when the product
    /// is y itself (UE if that is a denormal). An inexact value rounds the same either way.
    fn below(self) -> Wide {
        Wide::new(self.sign, self.exp, self.mant.saturating_sub(1))
    }

    /// The value with its lowest bit set, so that it rounds as inexact: the x87 takes an
    /// angle whose series it cuts short (a tiny arctangent) as just above its first term.
    fn sticky(self) -> Wide {
        Wide {
            mant: self.mant | 1,
            ..self
        }
    }

    fn scale(self, n: i32) -> Wide {
        Wide {
            exp: self.exp + n,
            ..self
        }
    }

    /// Rounded once per the rounding control at 64 bits, with the masked overflow and
    /// underflow responses.
    fn round(self, env: Env) -> (F80, Flags) {
        let env = Env {
            precision: Precision::Extended,
            ..env
        };
        f80::round_f80(self.sign, self.exp, self.mant, env)
    }
}

/// e^y - 1 for |y| below about 1: the Taylor series, whose terms all shrink, so a tiny `y`
/// keeps its relative precision.
fn expm1(y: Wide) -> Wide {
    let (mut sum, mut term) = (y, y);
    for n in 2..64 {
        term = term.mul(y).div_small(n);
        if term.is_zero() || term.exp < sum.exp - NEGLIGIBLE {
            break;
        }
        sum = sum.add(term);
    }
    sum
}

/// 2 atanh(s) = ln((1 + s) / (1 - s)) for |s| up to about 1/3: s + s^3/3 + s^5/5 + ...
fn ln_ratio(s: Wide) -> Wide {
    let s2 = s.mul(s);
    let (mut sum, mut power) = (s, s);
    for k in 1..64 {
        power = power.mul(s2);
        let term = power.div_small(2 * k + 1);
        if term.is_zero() || term.exp < sum.exp - NEGLIGIBLE {
            break;
        }
        sum = sum.add(term);
    }
    sum.scale(1)
}

/// arctan(t) for 0 <= t <= 1: past tan(pi/8), pi/4 + arctan((t - 1)/(t + 1)); then the
/// series u - u^3/3 + u^5/5 - ... with |u| <= tan(pi/8).
fn atan_unit(t: Wide) -> Wide {
    let (base, u) = if t.exp >= -1 || (t.exp == -2 && t.mant > TAN_PI_8_MANT) {
        let u = t.sub(Wide::one()).div(t.add(Wide::one()));
        (PI.scale(-2), u)
    } else {
        (Wide::new(false, 0, 0), t)
    };
    let u2 = u.mul(u);
    let (mut sum, mut power) = (u, u);
    for k in 1..128 {
        power = power.mul(u2).neg();
        let term = power.div_small(2 * k + 1);
        if term.is_zero() || term.exp < sum.exp - NEGLIGIBLE {
            break;
        }
        sum = sum.add(term);
    }
    base.add(sum)
}

/// log2 of a positive value: the exponent plus log2 of a significand in [sqrt(1/2), sqrt(2)),
/// so the two parts never cancel.
fn log2(x: Wide) -> Wide {
    let (e, exp) = if x.mant > SQRT2_MANT {
        (x.exp + 1, -1)
    } else {
        (x.exp, 0)
    };
    let m = Wide {
        sign: false,
        exp,
        mant: x.mant,
    };
    let s = m.sub(Wide::one()).div(m.add(Wide::one()));
    Wide::from_int(e).add(ln_ratio(s).mul(LOG2_E))
}

/// log2(1 + x) for x > -1, through x / (2 + x) for small |x| so that it keeps its precision.
fn log2p1(x: Wide) -> Wide {
    if x.exp < -1 {
        let s = x.div(Wide::from_int(2).add(x));
        ln_ratio(s).mul(LOG2_E)
    } else {
        log2(Wide::one().add(x))
    }
}

/// F2XM1: 2^x - 1. The SDM defines it for -1 <= x <= +1; beyond, this returns the same
/// function computed with the integer part of x split off (saturated far past the exponent
/// range). -infinity gives -1, +infinity and zeros themselves.
pub fn exp2m1(a: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = f80::nan_operand(a) {
        return r;
    }
    match a.class() {
        Class::Zero => return (a, 0),
        Class::Infinity if a.sign => return (F80::one().neg(), 0),
        Class::Infinity => return (a, 0),
        _ => {}
    }
    let (e, m) = a.unpack();
    let x = Wide::from_f80(a);
    let r = match e {
        ..=-1 => expm1(x.mul(LN2)),
        // +1 and -1 give 1 and -1/2, reported inexact as the x87 does.
        0 if m == 1 << 63 => {
            let v = if a.sign { F80::one().neg() } else { F80::one() };
            return (
                F80 {
                    exp: v.exp - u16::from(a.sign),
                    ..v
                },
                f80::PE,
            );
        }
        _ => {
            let magnitude = if e >= 15 {
                1 << 16
            } else {
                (m >> (63 - e)) as i32
            };
            let n = if a.sign { -magnitude } else { magnitude };
            let fraction = if e >= 15 {
                Wide::new(false, 0, 0)
            } else {
                x.sub(Wide::from_int(n))
            };
            expm1(fraction.mul(LN2))
                .add(Wide::one())
                .scale(n)
                .sub(Wide::one())
        }
    };
    let (v, flags) = r.round(env);
    (v, flags | a.denormal_flag())
}

/// `y * l` for a nonzero logarithm `l` of a finite or infinite argument: the signs multiply,
/// and an infinite `y` gives an infinity, a zero `y` a zero.
fn times_log(y: F80, l: Wide, env: Env) -> (F80, Flags) {
    let sign = y.sign != l.sign;
    match y.class() {
        Class::Infinity => (F80::infinity(sign), 0),
        Class::Zero => (F80::zero(sign), 0),
        _ => {
            let product = l.mul(Wide::from_f80(y));
            let (v, flags) = if (l.sign, l.exp, l.mant) == (false, 0, 1 << 127) {
                let (v, flags) = product.round(env);
                (v, flags | if v.exp == 0 { f80::UE } else { 0 })
            } else {
                product.below().round(env)
            };
            (v, flags | f80::PE)
        }
    }
}

/// An invalid operation takes priority over a denormal operand: DE only joins other results.
fn with_denormal(r: F80, flags: Flags, de: Flags) -> (F80, Flags) {
    if flags & f80::IE != 0 {
        (r, flags)
    } else {
        (r, flags | de)
    }
}

/// FYL2X: `y * log2(x)`, x = ST(0), y = ST(1). A negative x, 0 * inf (x zero or infinite
/// with y zero, x = 1 with y infinite) are invalid; x = 0 with a finite nonzero y divides by
/// zero and gives an infinity of the sign opposite to y.
pub fn ylog2x(x: F80, y: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = f80::nan_operands(x, y) {
        return r;
    }
    let de = x.denormal_flag() | y.denormal_flag();
    let (r, flags) = match (x.class(), y.class()) {
        (Class::Zero, Class::Zero) | (Class::Infinity, Class::Zero) => (F80::INDEFINITE, f80::IE),
        (Class::Zero, Class::Infinity) => (F80::infinity(!y.sign), 0),
        // Zero divide takes priority over a denormal y.
        (Class::Zero, _) => return (F80::infinity(!y.sign), f80::ZE),
        _ if x.sign => (F80::INDEFINITE, f80::IE),
        (Class::Infinity, _) => (F80::infinity(y.sign), 0),
        _ => {
            let l = log2(Wide::from_f80(x));
            match y.class() {
                _ if !l.is_zero() => times_log(y, l, env),
                Class::Infinity => (F80::INDEFINITE, f80::IE),
                _ => (F80::zero(y.sign), 0),
            }
        }
    };
    with_denormal(r, flags, de)
}

/// FYL2XP1: `y * log2(x + 1)`, x = ST(0), y = ST(1). The SDM defines it for
/// |x| < 1 - sqrt(2)/2; any x above -1 is computed here, x <= -1 is invalid, as are a zero x
/// with an infinite y and +infinity with a zero y.
pub fn ylog2xp1(x: F80, y: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = f80::nan_operands(x, y) {
        return r;
    }
    let de = x.denormal_flag() | y.denormal_flag();
    let (r, flags) = match (x.class(), y.class()) {
        (Class::Zero, Class::Infinity) | (Class::Infinity, Class::Zero) => {
            (F80::INDEFINITE, f80::IE)
        }
        (Class::Zero, _) => (F80::zero(x.sign != y.sign), 0),
        _ if x.sign && x.unpack().0 >= 0 => (F80::INDEFINITE, f80::IE),
        (Class::Infinity, _) => (F80::infinity(y.sign), 0),
        _ => times_log(y, log2p1(Wide::from_f80(x)), env),
    };
    with_denormal(r, flags, de)
}

/// FPATAN: the angle of the point (x, y) = (ST(0), ST(1)), in [-pi, +pi] with the sign of
/// y (the SDM's special-operand table: zeros and infinities give 0, pi/4, pi/2, 3pi/4 or pi
/// with the signs of the operands; there is no invalid case but NaNs and unsupported
/// encodings).
pub fn arctan2(x: F80, y: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = f80::nan_operands(x, y) {
        return r;
    }
    let de = x.denormal_flag() | y.denormal_flag();
    let angle = match (x.class(), y.class()) {
        (_, Class::Zero) if !x.sign => return (y, de),
        (Class::Infinity, Class::Infinity) if x.sign => PI.add(PI.scale(1)).scale(-2),
        (Class::Infinity, Class::Infinity) => PI.scale(-2),
        (_, Class::Zero) | (Class::Infinity, _) if x.sign => PI,
        (Class::Infinity, _) => return (F80::zero(y.sign), de),
        (Class::Zero, _) | (_, Class::Infinity) => PI.scale(-1),
        _ => {
            let (wx, wy) = (Wide::from_f80(x.abs()), Wide::from_f80(y.abs()));
            let first = if (wy.exp, wy.mant) <= (wx.exp, wx.mant) {
                atan_unit(wy.div(wx))
            } else {
                PI.scale(-1).sub(atan_unit(wx.div(wy)))
            };
            if x.sign {
                PI.sub(first)
            } else {
                first
            }
        }
    };
    let signed = if y.sign { angle.neg() } else { angle };
    // Unlike the basic arithmetic, FPATAN takes a result as tiny (UE) when it is below the
    // smallest normal before rounding, even if it rounds up to it.
    let (v, flags) = signed.sticky().round(env);
    let tiny = signed.exp < MIN_NORMAL_EXP;
    (v, flags | f80::PE | de | if tiny { f80::UE } else { 0 })
}

/// The x87's internal pi for argument reduction, with 66 significant bits: pi is about
/// `PI66 / 2^64` (SDM Vol. 1 8.3.10: reduction uses a 66-bit approximation of pi, so results
/// near the zeros of sine, cosine and tangent follow it rather than the true pi).
const PI66: u128 = 0x3_243F_6A88_85A3_08D3;

/// `x` as `t + q * pi/2` with the x87's pi and |t| <= about pi/4: (t, q mod 4). Exact: the
/// remainder of `|x| * 2^65` modulo `PI66` is an integer below 2^66.
fn reduce(x: Wide) -> (Wide, u32) {
    let shift = x.exp + 2;
    if shift < 0 || x.is_zero() {
        return (x, 0);
    }
    let (mut r, mut q) = (x.mant >> 64, 0u32);
    for _ in 0..shift {
        r <<= 1;
        q <<= 1;
        if r >= PI66 {
            r -= PI66;
            q |= 1;
        }
    }
    let (sign, r) = if 2 * r > PI66 {
        q = q.wrapping_add(1);
        (!x.sign, PI66 - r)
    } else {
        (x.sign, r)
    };
    let q = if x.sign { q.wrapping_neg() } else { q };
    (Wide::new(sign, 62, r), q & 3)
}

/// sin(t) and cos(t) for |t| <= about pi/4: their Taylor series.
fn sin_cos(t: Wide) -> (Wide, Wide) {
    let t2 = t.mul(t);
    let (mut sin, mut cos) = (t, Wide::one());
    let (mut s_term, mut c_term) = (t, Wide::one());
    for k in 1..64u32 {
        s_term = s_term.mul(t2).div_small(2 * k * (2 * k + 1)).neg();
        c_term = c_term.mul(t2).div_small((2 * k - 1) * (2 * k)).neg();
        let s_done = s_term.is_zero() || s_term.exp < sin.exp - NEGLIGIBLE;
        let c_done = c_term.is_zero() || c_term.exp < cos.exp - NEGLIGIBLE;
        if s_done && c_done {
            break;
        }
        sin = sin.add(s_term);
        cos = cos.add(c_term);
    }
    (sin, cos)
}

/// Which trigonometric result to compute.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Trig {
    Sin,
    Cos,
    Tan,
}

/// FSIN, FCOS and FPTAN's tangent (SDM Vol. 2, their pages). An operand of magnitude 2^63 or
/// more comes back unchanged with C2 set and no exception; otherwise C2 is clear. Infinities
/// are invalid; zeros give themselves (cosine: 1).
fn trig(a: F80, env: Env, which: Trig) -> (F80, Flags) {
    if let Some(r) = f80::nan_operand(a) {
        return r;
    }
    match a.class() {
        Class::Infinity => return (F80::INDEFINITE, f80::IE),
        Class::Zero if which == Trig::Cos => return (F80::one(), 0),
        Class::Zero => return (a, 0),
        _ => {}
    }
    let x = Wide::from_f80(a);
    if x.exp >= 63 {
        return (a, sw::C2);
    }
    let (t, q) = reduce(x);
    let (sin, cos) = sin_cos(t);
    let v = match (which, q) {
        (Trig::Sin, 0) | (Trig::Cos, 3) => sin,
        (Trig::Sin, 1) | (Trig::Cos, 0) => cos,
        (Trig::Sin, 2) | (Trig::Cos, 1) => sin.neg(),
        (Trig::Sin, _) | (Trig::Cos, _) => cos.neg(),
        (Trig::Tan, 0 | 2) => sin.div(cos),
        (Trig::Tan, _) => cos.div(sin).neg(),
    };
    let (r, flags) = v.sticky().round(env);
    let tiny = v.exp < MIN_NORMAL_EXP;
    (
        r,
        flags | f80::PE | a.denormal_flag() | if tiny { f80::UE } else { 0 },
    )
}

/// FSIN: sin(x); the flags may carry C2 (see `trig`).
pub fn sine(a: F80, env: Env) -> (F80, Flags) {
    trig(a, env, Trig::Sin)
}

/// FCOS: cos(x); the flags may carry C2 (see `trig`).
pub fn cosine(a: F80, env: Env) -> (F80, Flags) {
    trig(a, env, Trig::Cos)
}

/// FPTAN's tangent; the flags may carry C2 (see `trig`).
pub fn tangent(a: F80, env: Env) -> (F80, Flags) {
    trig(a, env, Trig::Tan)
}

// ---- handlers ----

pub fn f2xm1(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let f = &mut cpu.state.fpu;
    let Some(a) = f.st(0) else {
        return cpu.stack_underflow(op, 0, false);
    };
    let (r, flags) = exp2m1(a, env);
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(0, r);
    }
    cpu.advance(op)
}

/// FYL2X, FYL2XP1 and FPATAN: ST(1) receives the result and the stack pops.
fn binary_pop(
    cpu: &mut Cpu,
    bus: &mut dyn Bus,
    op: &Op,
    arith: fn(F80, F80, Env) -> (F80, Flags),
) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let f = &mut cpu.state.fpu;
    let (Some(x), Some(y)) = (f.st(0), f.st(1)) else {
        return cpu.stack_underflow(op, 1, true);
    };
    let (r, flags) = arith(x, y, env);
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(1, r);
        f.pop();
    }
    cpu.advance(op)
}

pub fn fyl2x(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    binary_pop(cpu, bus, op, ylog2x)
}

pub fn fyl2xp1(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    binary_pop(cpu, bus, op, ylog2xp1)
}

pub fn fpatan(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    binary_pop(cpu, bus, op, arctan2)
}

/// Sets C2 from `flags` (an operand out of range): true if the instruction stops there.
fn out_of_range(f: &mut super::Fpu, flags: Flags) -> bool {
    f.sw = (f.sw & !sw::C2) | (flags & sw::C2);
    flags & sw::C2 != 0
}

fn unary(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, arith: fn(F80, Env) -> (F80, Flags)) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let f = &mut cpu.state.fpu;
    let Some(a) = f.st(0) else {
        f.sw &= !sw::C2;
        return cpu.stack_underflow(op, 0, false);
    };
    let (r, flags) = arith(a, env);
    if out_of_range(f, flags) {
        return cpu.advance(op);
    }
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(0, r);
    }
    cpu.advance(op)
}

pub fn fsin(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    unary(cpu, bus, op, sine)
}

pub fn fcos(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    unary(cpu, bus, op, cosine)
}

/// FPTAN and FSINCOS replace ST(0) and push a second result, so they need ST(0) full and
/// ST(7) empty; `arith` gives (new ST(1), new ST(0), flags).
fn replace_and_push(
    cpu: &mut Cpu,
    bus: &mut dyn Bus,
    op: &Op,
    arith: fn(F80, Env) -> (F80, F80, Flags),
) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let f = &mut cpu.state.fpu;
    let source = f.st(0);
    let Some(a) = source.filter(|_| f.is_empty(7)) else {
        f.sw &= !sw::C2;
        f.stack_fault(source.is_some());
        if !f.ie_unmasked() {
            f.set_st(0, F80::INDEFINITE);
            f.push(F80::INDEFINITE);
        }
        return cpu.advance(op);
    };
    let (below, top, flags) = arith(a, env);
    if out_of_range(f, flags) {
        return cpu.advance(op);
    }
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(0, below);
        f.push(top);
    }
    cpu.advance(op)
}

/// FPTAN: tan(x), then 1.0 pushed (a NaN result pushes the NaN again, as the SDM's table has
/// it for an invalid operand).
pub fn partial_tangent(a: F80, env: Env) -> (F80, F80, Flags) {
    let (t, flags) = tangent(a, env);
    let second = if matches!(t.class(), Class::QNaN) {
        t
    } else {
        F80::one()
    };
    (t, second, flags)
}

/// FSINCOS: sin(x) into ST(1), cos(x) into ST(0); the flags of both, C1 from the cosine.
pub fn sin_and_cos(a: F80, env: Env) -> (F80, F80, Flags) {
    let (s, s_flags) = sine(a, env);
    let (c, c_flags) = cosine(a, env);
    (s, c, (s_flags & !f80::C1) | c_flags)
}

pub fn fptan(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    replace_and_push(cpu, bus, op, partial_tangent)
}

pub fn fsincos(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    replace_and_push(cpu, bus, op, sin_and_cos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEAREST: Env = Env {
        rounding: f80::Rounding::Nearest,
        precision: Precision::Extended,
        unmasked: 0,
    };

    fn int(v: i64) -> F80 {
        f80::from_i64(v)
    }

    #[test]
    fn exact_and_special_values() {
        assert_eq!(exp2m1(F80::one(), NEAREST), (F80::one(), f80::PE));
        assert_eq!(exp2m1(F80::infinity(true), NEAREST), (int(-1), 0));
        let (v, _) = ylog2x(int(8), int(3), NEAREST);
        assert_eq!(v, int(9));
        assert_eq!(
            ylog2x(F80::zero(false), int(2), NEAREST),
            (F80::infinity(true), f80::ZE)
        );
        assert_eq!(ylog2x(int(-2), int(1), NEAREST), (F80::INDEFINITE, f80::IE));
        assert_eq!(
            ylog2xp1(int(-1), int(1), NEAREST),
            (F80::INDEFINITE, f80::IE)
        );
        let (quarter_pi, _) = arctan2(int(1), int(1), NEAREST);
        let (pi, _) = arctan2(int(-1), F80::zero(false), NEAREST);
        assert_eq!((pi.exp, quarter_pi.exp), (0x4000, 0x3FFE));
        assert_eq!(pi.mant, quarter_pi.mant);
    }

    /// Arbitrary register bits never panic, out-of-range operands included.
    #[test]
    fn any_bits() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = F80 {
                sign: x & 1 != 0,
                exp: (x >> 48) as u16 & 0x7FFF,
                mant: x.rotate_left(i % 64),
            };
            let b = F80 {
                sign: x & 2 != 0,
                exp: (x >> 33) as u16 & 0x7FFF,
                mant: x >> (i % 64),
            };
            exp2m1(a, NEAREST);
            ylog2x(a, b, NEAREST);
            ylog2xp1(a, b, NEAREST);
            arctan2(a, b, NEAREST);
            partial_tangent(a, NEAREST);
            sin_and_cos(b, NEAREST);
        }
    }
}
