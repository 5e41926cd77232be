//! The host CPU's x87 as the oracle for the arithmetic of `fpu::special`: FSCALE, FXTRACT,
//! FPREM, FPREM1, FBLD and FBSTP run natively and in the soft float over special and random
//! operands (harness in `common`), and results, flags and condition codes must agree.
//! Skipped on hosts other than x86_64.
#![cfg(target_arch = "x86_64")]

#[macro_use]
mod common;

use amber_cpu::fpu::f80::{self, Env, Precision, Rounding, F80};
use common::*;

host_binary!(host_fscale, "fscale");
/// FTST on the empty stack sets C3, C2 and C0 first, so that bits the instruction leaves
/// alone show.
macro_rules! host_remainder {
    ($name:ident, $insn:literal) => {
        host!(
            $name,
            "ftst",
            "fnclex",
            "fld tbyte ptr [{p} + 16]",
            "fld tbyte ptr [{p}]",
            $insn,
            "fnstsw word ptr [{p} + 52]",
            "fstp tbyte ptr [{p} + 32]",
            "fstp st(0)"
        );
    };
}

host_remainder!(host_fprem, "fprem");
host_remainder!(host_fprem1, "fprem1");
host!(
    host_fxtract,
    "fld tbyte ptr [{p}]",
    "fxtract",
    "fnstsw word ptr [{p} + 52]",
    "fstp tbyte ptr [{p} + 32]",
    "fstp tbyte ptr [{p} + 16]"
);
host_load!(host_fbld, "fbld tbyte ptr [{p}]");
host_store!(host_fbstp, "fbstp tbyte ptr [{p} + 32]");

const DEFAULT_ENV: Env = Env {
    rounding: Rounding::Nearest,
    precision: Precision::Extended,
    unmasked: 0,
};

/// A scale factor: mostly an integer or a fraction within the exponent range, else anything.
fn scale_factor(rng: &mut Rng, sp: &[F80]) -> F80 {
    let n = match rng.below(4) {
        0 => return rng.f80(sp),
        1 => rng.around(70),
        2 => rng.around(0x4000),
        _ => rng.around(0x8000 + 80),
    };
    let whole = f80::from_i64(i64::from(n));
    match rng.below(3) {
        0 => whole,
        1 => f80::add(whole, f(n < 0, 0x3FFE, rng.mant()), DEFAULT_ENV).0,
        _ => f(
            rng.next() & 1 != 0,
            0x3FFF - rng.below(70) as u16,
            rng.mant(),
        ),
    }
}

#[test]
fn fscale() {
    let sp = specials();
    let mut t = Tally::new("fscale");
    let mut one = |a: F80, b: F80, env: Env| {
        let (o, sw) = run(host_fscale, control_word(env), &a.to_bytes(), &b.to_bytes());
        t.check(
            || format!("fscale {a:x?} {b:x?} {env:?}"),
            (out_f80(o), sw),
            amber_cpu::fpu::scale(a, b, env),
        );
    };
    for env in all_envs() {
        for &a in &sp {
            for &b in &sp {
                one(a, b, env);
            }
        }
    }
    let mut rng = Rng(0x0F1E_2D3C_4B5A_6978);
    for _ in 0..RANDOM_CASES {
        let a = rng.f80(&sp);
        let b = scale_factor(&mut rng, &sp);
        one(a, b, rng.env());
    }
    t.finish();
}

#[test]
fn fxtract() {
    let sp = specials();
    let mut t = Tally::new("fxtract");
    let mut one = |a: F80| {
        let mut io = Io {
            cw: DEFAULT_CW,
            ..Io::default()
        };
        io.a[..10].copy_from_slice(&a.to_bytes());
        host_fxtract(&mut io);
        let exponent = out_f80(io.b);
        let (e, s, flags) = amber_cpu::fpu::extract(a);
        t.check(
            || format!("fxtract {a:x?}"),
            ((exponent, out_f80(io.out)), io.sw),
            ((e, s), flags),
        );
    };
    for &a in &sp {
        one(a);
    }
    let mut rng = Rng(0x1E2D_3C4B_5A69_7887);
    for _ in 0..RANDOM_CASES {
        one(rng.f80(&sp));
    }
    t.finish();
}

/// FPREM and FPREM1: the remainder, C0, C2, C3 (compared with the value) and C1.
fn check_remainder(op: &'static str, host: fn(&mut Io), nearest: bool, seed: u64) {
    let sp = specials();
    let mut t = Tally::new(op);
    let mut one = |a: F80, b: F80| {
        let (o, sw) = run(host, DEFAULT_CW, &a.to_bytes(), &b.to_bytes());
        let (r, flags) = amber_cpu::fpu::remainder(a, b, nearest);
        // FTST left C3, C2 and C0 set; a NaN result keeps C3 and C0 (the handler's rule).
        let condition = if r.class() == f80::Class::QNaN {
            C3 | C0
        } else {
            flags & (C0 | C2 | C3)
        };
        t.check(
            || format!("{op} {a:x?} {b:x?}"),
            ((out_f80(o), sw & (C0 | C2 | C3)), sw),
            ((r, condition), flags),
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
        let mut b = rng.partner(a, &sp);
        if rng.below(3) == 0 && (1..0x7FFF).contains(&b.exp) {
            // Exponent differences around the complete/partial boundary and the step sizes.
            let d = [63, 64, 65, 95, 96, 127, 128, 0, 1, -1][rng.below(10) as usize];
            b.exp = (i32::from(a.exp.max(1)) - d + rng.around(1)).clamp(1, 0x7FFE) as u16;
        }
        if rng.below(2) == 0 {
            one(a, b);
        } else {
            one(b, a);
        }
    }
    t.finish();
}

#[test]
fn fprem() {
    check_remainder("fprem", host_fprem, false, 0x2D3C_4B5A_6978_8796);
}

#[test]
fn fprem1() {
    check_remainder("fprem1", host_fprem1, true, 0x3C4B_5A69_7887_96A5);
}

/// Packed BCD images: valid digits mostly, nibbles A-F and stray sign-byte bits sometimes.
fn bcd_image(rng: &mut Rng) -> [u8; 10] {
    let mut b = [0u8; 10];
    let digits = rng.below(19) as usize;
    for (i, byte) in b[..9].iter_mut().enumerate() {
        let digit = |rng: &mut Rng, k: usize| if k < digits { rng.below(10) as u8 } else { 0 };
        *byte = digit(rng, 2 * i) | digit(rng, 2 * i + 1) << 4;
    }
    match rng.below(6) {
        0 => b[rng.below(9) as usize] = rng.next() as u8,
        1 => b[9] = rng.next() as u8,
        2 => b = [0x99; 10],
        _ => {}
    }
    if rng.below(2) == 0 {
        b[9] |= 0x80;
    }
    b
}

#[test]
fn fbld() {
    let mut t = Tally::new("fbld");
    let mut rng = Rng(0x4B5A_6978_8796_A5B4);
    let mut images = vec![[0u8; 10], BCD_NEG_ZERO, [0xFF; 10], [0x99; 10]];
    images.extend((0..RANDOM_CASES).map(|_| bcd_image(&mut rng)));
    for b in images {
        let (o, sw) = run(host_fbld, DEFAULT_CW, &b, &[]);
        t.check(
            || format!("fbld {b:02x?}"),
            (out_f80(o), sw),
            (amber_cpu::fpu::from_bcd(b), 0),
        );
    }
    t.finish();
}

const BCD_NEG_ZERO: [u8; 10] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];

#[test]
fn fbstp() {
    // Values a few sixteenths around the largest 18-digit integer and 10^18.
    let mut cases = specials();
    for v in [999_999_999_999_999_999, 1_000_000_000_000_000_000].map(f80::from_i64) {
        cases.extend((0..8).map(|d| F80 {
            mant: v.mant + d - 4,
            ..v
        }));
    }
    let negated: Vec<F80> = cases.iter().map(|x| x.neg()).collect();
    cases.extend(negated);
    let mut t = Tally::new("fbstp");
    let mut one = |a: F80, env: Env| {
        let (o, sw) = run(host_fbstp, control_word(env), &a.to_bytes(), &[]);
        let mut b = [0u8; 10];
        b.copy_from_slice(&o[..10]);
        t.check(
            || format!("fbstp {a:x?} {env:?}"),
            (b, sw),
            amber_cpu::fpu::to_bcd(a, env),
        );
    };
    for env in all_envs() {
        for &a in &cases {
            one(a, env);
        }
    }
    let mut rng = Rng(0x5A69_7887_96A5_B4C3);
    for _ in 0..RANDOM_CASES {
        let mut a = rng.f80(&cases);
        if rng.below(2) == 0 && (1..0x7FFF).contains(&a.exp) {
            a.exp = 0x3FFF + rng.below(64) as u16;
        }
        one(a, rng.env());
    }
    t.finish();
}
