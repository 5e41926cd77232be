//! The host CPU's x87 as the oracle for `fpu::f80`: each operation runs natively (FLDCW with
//! every rounding/precision combination and all exceptions masked, FNCLEX, the instruction,
//! FNSTSW before anything else can touch C1) and in the soft float, over special operands
//! (zeros, infinities, NaNs, the indefinite, denormals, pseudo-denormals, unsupported
//! encodings, format limits, rounding ties) and random ones (xorshift, exponents concentrated
//! near the middle, the extremes and the f32/f64/integer boundaries). The result bits, the six
//! exception flags and C1 must agree exactly.
//! `f80_special_host.rs` checks `fpu::special` the same way. Skipped on hosts other than
//! x86_64.
#![cfg(target_arch = "x86_64")]

#[macro_use]
mod common;

use amber_cpu::fpu::f80::{self, Env, Ordering3, Precision, F80};
use common::*;

host_binary!(host_fadd, "fadd st(0), st(1)");
host_binary!(host_fsub, "fsub st(0), st(1)");
host_binary!(host_fmul, "fmul st(0), st(1)");
host_binary!(host_fdiv, "fdiv st(0), st(1)");
host_unary!(host_fsqrt, "fsqrt");
host_unary!(host_frndint, "frndint");
host_store!(host_fst32, "fstp dword ptr [{p} + 32]");
host_store!(host_fst64, "fstp qword ptr [{p} + 32]");
host_store!(host_fist16, "fistp word ptr [{p} + 32]");
host_store!(host_fist32, "fistp dword ptr [{p} + 32]");
host_store!(host_fist64, "fistp qword ptr [{p} + 32]");
host_load!(host_fld32, "fld dword ptr [{p}]");
host_load!(host_fld64, "fld qword ptr [{p}]");
host_load!(host_fild64, "fild qword ptr [{p}]");
host_compare!(host_fcom, "fcom st(1)");
host_compare!(host_fucom, "fucom st(1)");

#[test]
fn fadd() {
    check_binary("fadd", host_fadd, f80::add, 0x1234_5678_9ABC_DEF1);
}

#[test]
fn fsub() {
    check_binary("fsub", host_fsub, f80::sub, 0x2345_6789_ABCD_EF12);
}

#[test]
fn fmul() {
    check_binary("fmul", host_fmul, f80::mul, 0x3456_789A_BCDE_F123);
}

#[test]
fn fdiv() {
    check_binary("fdiv", host_fdiv, f80::div, 0x4567_89AB_CDEF_1234);
}

#[test]
fn fsqrt() {
    check_unary(
        "fsqrt",
        host_fsqrt,
        f80::sqrt,
        out_f80,
        0x5678_9ABC_DEF1_2345,
    );
}

#[test]
fn frndint() {
    check_unary(
        "frndint",
        host_frndint,
        f80::round_to_int,
        out_f80,
        0x6789_ABCD_EF12_3456,
    );
}

#[test]
fn fst_m32() {
    let decode = |o: [u8; 16]| u32::from_le_bytes([o[0], o[1], o[2], o[3]]);
    check_unary(
        "fst m32",
        host_fst32,
        f80::to_f32,
        decode,
        0x789A_BCDE_F123_4567,
    );
}

#[test]
fn fst_m64() {
    let decode = |o: [u8; 16]| u64::from_le_bytes([o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]]);
    check_unary(
        "fst m64",
        host_fst64,
        f80::to_f64,
        decode,
        0x89AB_CDEF_1234_5678,
    );
}

fn i64_at(o: [u8; 16]) -> i64 {
    i64::from_le_bytes([o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]])
}

#[test]
fn fist_m16() {
    let decode = |o: [u8; 16]| i64::from(i16::from_le_bytes([o[0], o[1]]));
    let soft = |a, env| f80::to_int(a, env, 16);
    check_unary(
        "fistp m16",
        host_fist16,
        soft,
        decode,
        0x9ABC_DEF1_2345_6789,
    );
}

#[test]
fn fist_m32() {
    let decode = |o: [u8; 16]| i64::from(i32::from_le_bytes([o[0], o[1], o[2], o[3]]));
    let soft = |a, env| f80::to_int(a, env, 32);
    check_unary(
        "fistp m32",
        host_fist32,
        soft,
        decode,
        0xABCD_EF12_3456_789A,
    );
}

#[test]
fn fist_m64() {
    let soft = |a, env| f80::to_int(a, env, 64);
    check_unary(
        "fistp m64",
        host_fist64,
        soft,
        i64_at,
        0xBCDE_F123_4567_89AB,
    );
}

/// IEEE bit patterns for FLD m32/m64: every class, and random exponent fields.
fn ieee_patterns(frac: u32, exp_bits: u32, seed: u64) -> Vec<u64> {
    let emask = (1u64 << exp_bits) - 1;
    let fmask = (1u64 << frac) - 1;
    let mut v = Vec::new();
    for e in [0, 1, 2, emask / 2, emask - 1, emask] {
        for m in [
            0,
            1,
            2,
            fmask,
            fmask >> 1,
            1 << (frac - 1),
            (1 << (frac - 1)) | 1,
            fmask - 1,
        ] {
            for s in [0, 1] {
                v.push((s << (frac + exp_bits)) | (e << frac) | m);
            }
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..RANDOM_CASES {
        let e = match rng.below(4) {
            0 => 0,
            1 => emask,
            _ => rng.below(emask + 1),
        };
        let m = rng.mant() >> (64 - frac);
        v.push((rng.below(2) << (frac + exp_bits)) | (e << frac) | m);
    }
    v
}

#[test]
fn fld_m32() {
    let mut t = Tally::new("fld m32");
    for bits in ieee_patterns(23, 8, 0xCDEF_1234_5678_9ABC) {
        let bits = bits as u32;
        let (o, sw) = run(host_fld32, DEFAULT_CW, &bits.to_le_bytes(), &[]);
        t.check(
            || format!("fld m32 {bits:#x}"),
            (out_f80(o), sw),
            f80::from_f32(bits),
        );
    }
    t.finish();
}

#[test]
fn fld_m64() {
    let mut t = Tally::new("fld m64");
    for bits in ieee_patterns(52, 11, 0xDEF1_2345_6789_ABCD) {
        let (o, sw) = run(host_fld64, DEFAULT_CW, &bits.to_le_bytes(), &[]);
        t.check(
            || format!("fld m64 {bits:#x}"),
            (out_f80(o), sw),
            f80::from_f64(bits),
        );
    }
    t.finish();
}

#[test]
fn fild_m64() {
    let mut t = Tally::new("fild m64");
    let mut rng = Rng(0xEF12_3456_789A_BCDE);
    let edges = [
        0,
        1,
        -1,
        i64::MIN,
        i64::MAX,
        i64::MIN + 1,
        1 << 62,
        -(1 << 53) - 1,
    ];
    let randoms: Vec<i64> = (0..RANDOM_CASES)
        .map(|_| (rng.next() >> rng.below(64)) as i64 * [1, -1][rng.below(2) as usize])
        .collect();
    for v in edges.into_iter().chain(randoms) {
        let (o, sw) = run(host_fild64, DEFAULT_CW, &v.to_le_bytes(), &[]);
        t.check(
            || format!("fild {v}"),
            (out_f80(o), sw),
            (f80::from_i64(v), 0),
        );
    }
    t.finish();
}

fn check_compare(op: &'static str, host: fn(&mut Io), quiet: bool, seed: u64) {
    let sp = specials();
    let mut t = Tally::new(op);
    let mut one = |a: F80, b: F80| {
        let (_, sw) = run(host, DEFAULT_CW, &a.to_bytes(), &b.to_bytes());
        let order = match sw & (C3 | C2 | C0) {
            0 => Some(Ordering3::Greater),
            C0 => Some(Ordering3::Less),
            C3 => Some(Ordering3::Equal),
            x if x == C3 | C2 | C0 => Some(Ordering3::Unordered),
            _ => None,
        };
        let (o, flags) = f80::compare(a, b, quiet);
        t.check(
            || format!("{op} {a:x?} {b:x?}"),
            (order, sw),
            (Some(o), flags),
        );
    };
    for &a in &sp {
        for &b in &sp {
            one(a, b);
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..RANDOM_CASES {
        let a = rng.f80(&sp);
        let b = if rng.below(4) == 0 {
            F80 {
                mant: a.mant ^ (1 << rng.below(64)),
                ..a
            }
        } else {
            rng.partner(a, &sp)
        };
        one(a, b);
    }
    t.finish();
}

#[test]
fn fcom() {
    check_compare("fcom", host_fcom, false, 0xF123_4567_89AB_CDEF);
}

#[test]
fn fucom() {
    check_compare("fucom", host_fucom, true, 0x0123_4567_89AB_CDEF);
}

/// PC = 01 is reserved (SDM Vol. 1 Table 8-2); the host rounds as with PC = 11, so the x87
/// layer maps it to `Precision::Extended`.
#[test]
fn reserved_precision_control() {
    let sp = specials();
    let mut t = Tally::new("fdiv, PC = 01");
    let mut rng = Rng(0x1357_9BDF_2468_ACE0);
    for _ in 0..RANDOM_CASES / 10 {
        let (a, b) = (rng.f80(&sp), rng.f80(&sp));
        let env = Env {
            precision: Precision::Extended,
            ..rng.env()
        };
        let cw = (control_word(env) & !0x300) | 0x100;
        let (o, sw) = run(host_fdiv, cw, &a.to_bytes(), &b.to_bytes());
        t.check(
            || format!("{a:x?} / {b:x?} {env:?}"),
            (out_f80(o), sw),
            f80::div(a, b, env),
        );
    }
    t.finish();
}
