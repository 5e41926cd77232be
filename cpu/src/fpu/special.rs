//! FSCALE, FXTRACT, FPREM, FPREM1, FBLD and FBSTP: their arithmetic, bit-exact with the x87
//! of the P6 family and later, and their handlers.
//!
//! Intel SDM Vol. 2: the FSCALE, FXTRACT, FPREM, FPREM1, FBLD and FBSTP pages. Vol. 1: 4.7
//! (packed BCD integers and the BCD indefinite), 8.3.5 (FPREM, FPREM1, FXTRACT), 8.3.9
//! (FSCALE), 8.5 (x87 exception conditions and masked responses). FPREM's partial reduction
//! removes 32 + (D mod 32) bits of exponent difference D per step, the choice AMD documents
//! (the "implementation-dependent N" of the SDM pseudo-code) and Intel processors follow.

use super::f80::{self, Class, Env, Flags, Precision, F80};
use super::sw;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::exec::Exec;

/// Rounding an exact result: nothing is dropped, so only the exponent range matters.
const EXACT: Env = Env {
    rounding: f80::Rounding::Nearest,
    precision: Precision::Extended,
    unmasked: 0,
};

/// FSCALE: `a * 2^n` with `n` the integer part of `b` (truncated), rounded per the rounding
/// control at full precision: precision control does not apply (SDM Vol. 1 8.1.5.2).
pub fn scale(a: F80, b: F80, env: Env) -> (F80, Flags) {
    if let Some(r) = f80::nan_operands(a, b) {
        return r;
    }
    let de = a.denormal_flag() | b.denormal_flag();
    match (a.class(), b.class()) {
        (Class::Infinity, Class::Infinity) if b.sign => (F80::INDEFINITE, f80::IE),
        (Class::Zero, Class::Infinity) if !b.sign => (F80::INDEFINITE, f80::IE),
        (Class::Infinity | Class::Zero, _) => (a, de),
        (_, Class::Infinity) if b.sign => (F80::zero(a.sign), de),
        (_, Class::Infinity) => (F80::infinity(a.sign), de),
        _ => {
            let (e, m) = a.unpack();
            let env = Env {
                precision: Precision::Extended,
                ..env
            };
            let (r, flags) = f80::round_f80(a.sign, e + scale_count(b), u128::from(m) << 64, env);
            (r, flags | de)
        }
    }
}

/// The integer part of a finite `b`, limited to a magnitude that takes any operand past both
/// ends of the exponent range.
fn scale_count(b: F80) -> i32 {
    if b.class() == Class::Zero {
        return 0;
    }
    let (e, m) = b.unpack();
    let magnitude = match e {
        ..=-1 => 0,
        0..=19 => (m >> (63 - e)) as i32,
        _ => 1 << 20,
    };
    if b.sign {
        -magnitude
    } else {
        magnitude
    }
}

/// FXTRACT: (exponent, significand). The exponent is the unbiased exponent of the normalized
/// value as a floating-point integer; the significand keeps the sign and has exponent 0. A
/// zero gives -infinity with ZE, an infinity +infinity, a NaN itself twice.
pub fn extract(a: F80) -> (F80, F80, Flags) {
    if let Some((r, flags)) = f80::nan_operand(a) {
        return (r, r, flags);
    }
    match a.class() {
        Class::Zero => (F80::infinity(true), a, f80::ZE),
        Class::Infinity => (F80::infinity(false), a, 0),
        _ => {
            let (e, m) = a.unpack();
            let significand = F80 {
                sign: a.sign,
                exp: 0x3FFF,
                mant: m,
            };
            (f80::from_i64(i64::from(e)), significand, a.denormal_flag())
        }
    }
}

/// The condition codes FPREM and FPREM1 report for a complete remainder: the three low
/// quotient bits Q2, Q1, Q0 in C0, C3, C1.
fn quotient_bits(q: u128) -> Flags {
    let bit = |i: u32, flag: Flags| if q >> i & 1 != 0 { flag } else { 0 };
    bit(2, sw::C0) | bit(1, sw::C3) | bit(0, sw::C1)
}

/// `a` as FPREM returns an operand it leaves alone: a pseudo-denormal comes back normalized.
fn canonical(a: F80) -> F80 {
    if a.exp == 0 && a.mant >> 63 != 0 {
        F80 { exp: 1, ..a }
    } else {
        a
    }
}

/// FPREM (`nearest` false: the quotient truncated) and FPREM1 (`nearest` true: the IEEE
/// remainder, the quotient rounded to nearest even). The flags carry the condition codes: C2
/// set for a partial remainder, else the low quotient bits. The remainder is always exact.
pub fn remainder(a: F80, b: F80, nearest: bool) -> (F80, Flags) {
    if let Some(r) = f80::nan_operands(a, b) {
        return r;
    }
    let de = a.denormal_flag() | b.denormal_flag();
    match (a.class(), b.class()) {
        (Class::Infinity, _) | (_, Class::Zero) => return (F80::INDEFINITE, f80::IE),
        (Class::Zero, _) | (_, Class::Infinity) => return (canonical(a), de),
        _ => {}
    }
    let ((ea, ma), (eb, mb)) = (a.unpack(), b.unpack());
    let d = ea - eb;
    if d >= 64 {
        // Partial: reduce by the multiple of b * 2^(d - n) that truncation gives.
        let n = 32 + d % 32;
        let r = (u128::from(ma) << n) % u128::from(mb);
        let (v, flags) = f80::round_f80(a.sign, ea - n + 64, r, EXACT);
        return (v, flags | de | sw::C2);
    }
    if d < -1 || (d == -1 && !nearest) {
        return (canonical(a), de);
    }
    // In units of half of b's last place, so that d = -1 fits too.
    let num = u128::from(ma) << (d + 1);
    let den = u128::from(mb) << 1;
    let (mut q, mut r, mut sign) = (num / den, num % den, a.sign);
    if nearest && (2 * r > den || (2 * r == den && q & 1 != 0)) {
        r = den - r;
        q += 1;
        sign = !sign;
    }
    let (v, flags) = f80::round_f80(sign, eb + 63, r, EXACT);
    (v, flags | de | quotient_bits(q))
}

/// The packed BCD integer indefinite (SDM Vol. 1 4.7), in memory order.
const BCD_INDEFINITE: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF];
const BCD_MAX: u64 = 999_999_999_999_999_999;

/// FBLD: 18 digits, two a byte with the lower digit in the low nibble, and the sign in bit 7
/// of byte 9. Nibbles above 9 count with their binary value. Always exact.
pub fn from_bcd(b: [u8; 10]) -> F80 {
    let v = b[..9].iter().rev().fold(0u64, |acc, &x| {
        acc * 100 + u64::from(x >> 4) * 10 + u64::from(x & 0xF)
    });
    let magnitude = f80::from_i64(v as i64);
    if b[9] & 0x80 != 0 {
        magnitude.neg()
    } else {
        magnitude
    }
}

/// FBSTP: rounds to an integer per the rounding control; a value beyond 18 digits, a NaN, an
/// infinity or an unsupported encoding gives IE and the BCD indefinite.
pub fn to_bcd(a: F80, env: Env) -> ([u8; 10], Flags) {
    let (v, flags) = f80::to_int(a, env, 64);
    let mut magnitude = v.unsigned_abs();
    if flags & f80::IE != 0 || magnitude > BCD_MAX {
        return (BCD_INDEFINITE, f80::IE);
    }
    let mut b = [0u8; 10];
    for byte in &mut b[..9] {
        *byte = (magnitude % 10) as u8 | ((magnitude / 10 % 10) as u8) << 4;
        magnitude /= 100;
    }
    b[9] = if a.sign { 0x80 } else { 0 };
    (b, flags)
}

// ---- handlers ----

pub fn fscale(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let f = &mut cpu.state.fpu;
    let (Some(a), Some(b)) = (f.st(0), f.st(1)) else {
        return cpu.stack_underflow(op, 0, false);
    };
    let (r, flags) = scale(a, b, env);
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(0, r);
    }
    cpu.advance(op)
}

/// FXTRACT replaces ST(0) and pushes, so it needs ST(0) full and ST(7) empty.
pub fn fxtract(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let f = &mut cpu.state.fpu;
    let source = f.st(0);
    let Some(a) = source.filter(|_| f.is_empty(7)) else {
        f.stack_fault(source.is_some());
        if !f.ie_unmasked() {
            f.set_st(0, F80::INDEFINITE);
            f.push(F80::INDEFINITE);
        }
        return cpu.advance(op);
    };
    let (exponent, significand, flags) = extract(a);
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(0, exponent);
        f.push(significand);
    }
    cpu.advance(op)
}

fn partial_remainder(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, nearest: bool) -> Exec {
    cpu.prologue(bus, op, true)?;
    let f = &mut cpu.state.fpu;
    let (Some(a), Some(b)) = (f.st(0), f.st(1)) else {
        f.sw &= !sw::C2;
        return cpu.stack_underflow(op, 0, false);
    };
    let (r, flags) = remainder(a, b, nearest);
    f.raise(flags);
    // A NaN result (an invalid operation or a NaN operand) clears C2 and leaves C0 and C3,
    // as a stack underflow does.
    let condition = if r.class() == Class::QNaN {
        sw::C2
    } else {
        sw::C0 | sw::C2 | sw::C3
    };
    f.sw = (f.sw & !condition) | (flags & condition);
    if !f.blocks(flags) {
        f.set_st(0, r);
    }
    cpu.advance(op)
}

pub fn fprem(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    partial_remainder(cpu, bus, op, false)
}

pub fn fprem1(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    partial_remainder(cpu, bus, op, true)
}

pub fn fbld(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let image = cpu.read_image(bus, op, 10)?;
    let bytes: [u8; 10] = image.try_into().unwrap_or_default();
    let f = &mut cpu.state.fpu;
    if !f.is_empty(7) {
        f.stack_fault(true);
        if !f.ie_unmasked() {
            f.push(F80::INDEFINITE);
        }
        return cpu.advance(op);
    }
    f.push(from_bcd(bytes));
    f.sw &= !sw::C1;
    cpu.advance(op)
}

pub fn fbstp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let (bytes, flags) = match cpu.state.fpu.st(0) {
        Some(a) => to_bcd(a, env),
        None => (BCD_INDEFINITE, sw::IE | sw::SF),
    };
    if flags & sw::IE != 0 && cpu.state.fpu.ie_unmasked() {
        cpu.state.fpu.raise(flags);
        return cpu.advance(op);
    }
    cpu.write_bytes(bus, op, &bytes)?;
    cpu.state.fpu.raise(flags);
    cpu.state.fpu.pop();
    cpu.advance(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEAREST: Env = EXACT;

    fn int(v: i64) -> F80 {
        f80::from_i64(v)
    }

    #[test]
    fn scale_values() {
        let r = scale(int(3), int(-7), NEAREST);
        assert_eq!(r, (f80::div(int(3), int(128), NEAREST).0, 0));
        let max_exp = scale(F80::one(), int(16383), NEAREST).0;
        assert_eq!((max_exp.exp, max_exp.mant), (0x7FFE, 1 << 63));
        assert_eq!(
            scale(F80::one(), int(16384), NEAREST),
            (F80::infinity(false), f80::OE | f80::PE | f80::C1)
        );
        let half = f80::div(int(1), int(2), NEAREST).0;
        assert_eq!(scale(int(5), half.neg(), NEAREST), (int(5), 0));
        assert_eq!(
            scale(F80::zero(false), F80::infinity(false), NEAREST),
            (F80::INDEFINITE, f80::IE)
        );
    }

    #[test]
    fn extract_values() {
        let (e, s, flags) = extract(int(-10));
        assert_eq!((e, flags), (int(3), 0));
        assert_eq!(s, f80::div(int(-10), int(8), NEAREST).0);
        assert_eq!(
            extract(F80::zero(true)),
            (F80::infinity(true), F80::zero(true), f80::ZE)
        );
    }

    #[test]
    fn remainder_values() {
        // 23 = 3 * 7 + 2 (quotient 011: C3, C1); nearest: 23 = 4 * 6 - 1 (quotient 100: C0).
        assert_eq!(remainder(int(23), int(7), false), (int(2), sw::C3 | sw::C1));
        assert_eq!(remainder(int(23), int(6), true), (int(-1), sw::C0));
        // A tie goes to the even quotient: 5 = 2 * 2 + 1.
        assert_eq!(remainder(int(5), int(2), true), (int(1), sw::C3));
        let huge = scale(F80::one(), int(200), NEAREST).0;
        let (r, flags) = remainder(huge, int(3), false);
        assert_eq!(flags, sw::C2);
        assert!(r.exp < huge.exp && r.exp > 0x3FFF);
        assert_eq!(
            remainder(int(1), F80::zero(false), true),
            (F80::INDEFINITE, f80::IE)
        );
    }

    #[test]
    fn packed_bcd() {
        let image = [0x78, 0x56, 0x34, 0x12, 0x90, 0x78, 0x56, 0x34, 0x12, 0x80];
        let v = from_bcd(image);
        assert_eq!(v, int(-123_456_789_012_345_678));
        assert_eq!(to_bcd(v, NEAREST), (image, 0));
        assert_eq!(
            to_bcd(int(1_000_000_000_000_000_000), NEAREST),
            (BCD_INDEFINITE, f80::IE)
        );
        assert_eq!(to_bcd(F80::INDEFINITE, NEAREST), (BCD_INDEFINITE, f80::IE));
    }

    /// Arbitrary register and memory bits never panic.
    #[test]
    fn any_bits() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = F80 {
                sign: x & 1 != 0,
                exp: (x >> 48) as u16,
                mant: x.rotate_left(i % 64),
            };
            let b = F80 {
                sign: x & 2 != 0,
                exp: (x >> 33) as u16 & 0x7FFF,
                mant: x >> (i % 64),
            };
            scale(a, b, NEAREST);
            extract(a);
            remainder(a, b, i & 1 != 0);
            to_bcd(a, NEAREST);
            let mut image = [0u8; 10];
            image[..8].copy_from_slice(&x.to_le_bytes());
            image[8..].copy_from_slice(&(i as u16).to_le_bytes());
            from_bcd(image);
        }
    }
}
