//! The host CPU's x87 as the oracle for the arithmetic of `fpu::transcendental`: F2XM1,
//! FYL2X, FYL2XP1, FPATAN, FPTAN, FSIN, FCOS and FSINCOS run natively and in the soft float
//! over special and random operands within the ranges the SDM defines (harness in `common`).
//! The x87 is accurate to one unit in the last place, so a result may differ from the host's
//! by one ulp, and then PE and C1 are not compared; an equal result may differ in C1 (the
//! direction the host rounded its own approximation); all other flags must agree. A last test
//! runs the instructions through amber's decoder for their stack effects. Skipped on hosts
//! other than x86_64.
#![cfg(target_arch = "x86_64")]

#[macro_use]
mod common;

mod flat32;

use amber_cpu::fpu::f80::{self, Class, Env, Flags, F80};
use common::*;
use flat32::{run_amber, CODE};
use iced_x86::code_asm::{ebx, qword_ptr, tword_ptr, word_ptr, CodeAssembler, IcedError};

host_unary!(host_f2xm1, "f2xm1");
host_unary!(host_fsin, "fsin");
host_unary!(host_fcos, "fcos");
host!(
    host_fptan,
    "fld tbyte ptr [{p}]",
    "fptan",
    "fnstsw word ptr [{p} + 52]",
    "fstp tbyte ptr [{p} + 16]",
    "fstp tbyte ptr [{p} + 32]"
);
host!(
    host_fsincos,
    "fld tbyte ptr [{p}]",
    "fsincos",
    "fnstsw word ptr [{p} + 52]",
    "fstp tbyte ptr [{p} + 16]",
    "fstp tbyte ptr [{p} + 32]"
);
host!(
    host_fyl2x,
    "fld tbyte ptr [{p} + 16]",
    "fld tbyte ptr [{p}]",
    "fyl2x",
    "fnstsw word ptr [{p} + 52]",
    "fstp tbyte ptr [{p} + 32]"
);
host!(
    host_fpatan,
    "fld tbyte ptr [{p} + 16]",
    "fld tbyte ptr [{p}]",
    "fpatan",
    "fnstsw word ptr [{p} + 52]",
    "fstp tbyte ptr [{p} + 32]"
);
host!(
    host_fyl2xp1,
    "fld tbyte ptr [{p} + 16]",
    "fld tbyte ptr [{p}]",
    "fyl2xp1",
    "fnstsw word ptr [{p} + 52]",
    "fstp tbyte ptr [{p} + 32]"
);

const CASES: usize = 20_000;

/// A non-NaN value's position in the sequence of 80-bit values of increasing magnitude,
/// signed: adjacent values are one apart.
fn ordinal(v: F80) -> Option<i128> {
    if matches!(v.class(), Class::QNaN | Class::SNaN | Class::Unsupported) {
        return None;
    }
    let magnitude = i128::from(v.exp) << 63 | i128::from(v.mant & !(1 << 63));
    Some(if v.sign { -magnitude } else { magnitude })
}

/// Compares with the host, accepting one ulp of difference; tracks the largest difference.
struct Ulp {
    tally: Tally,
    max: u128,
}

impl Ulp {
    fn new(op: &'static str) -> Ulp {
        Ulp {
            tally: Tally::new(op),
            max: 0,
        }
    }

    fn check(&mut self, what: impl Fn() -> String, host: (F80, u16), soft: (F80, Flags)) {
        let distance = match (ordinal(host.0), ordinal(soft.0)) {
            (Some(h), Some(s)) => h.abs_diff(s),
            _ => u128::MAX,
        };
        let loose = match distance {
            0 => CHECKED & !f80::C1,
            _ => CHECKED & !(f80::PE | f80::C1),
        };
        let soft = if distance <= 1 && host.1 & loose == soft.1 & loose {
            self.max = self.max.max(distance);
            host
        } else {
            soft
        };
        self.tally.check(what, host, soft);
    }

    fn finish(self) {
        println!("largest accepted difference: {} ulp", self.max);
        self.tally.finish();
    }
}

fn run_f80(f: fn(&mut Io), env: Env, a: F80, b: F80) -> (F80, u16) {
    let (o, sw) = run(f, control_word(env), &a.to_bytes(), &b.to_bytes());
    (out_f80(o), sw)
}

/// Whether a finite value is below `limit` (an exponent and significand pair) in magnitude.
fn below(v: F80, exp: u16, mant: u64) -> bool {
    (v.exp, v.mant) < (exp, mant)
}

/// Operands other than normal values beyond a magnitude limit: specials, NaNs, unsupported
/// encodings, and numbers inside the limit.
fn within(v: F80, exp: u16, mant: u64) -> bool {
    match v.class() {
        Class::Normal => below(v, exp, mant),
        Class::Infinity => false,
        _ => true,
    }
}

/// A value in (-2^exp, 2^exp) of the given biased exponent cap, mostly near its top, also
/// tiny and denormal.
fn small(rng: &mut Rng, top: u16) -> F80 {
    let exp = match rng.below(8) {
        0 => rng.below(u64::from(top)) as u16,
        1 => 0,
        _ => top - rng.below(70) as u16,
    };
    let mant = if exp == 0 {
        rng.mant() >> (1 + rng.below(63))
    } else {
        rng.mant()
    };
    f(rng.next() & 1 != 0, exp, mant)
}

#[test]
fn f2xm1() {
    let mut t = Ulp::new("f2xm1");
    let mut one = |a: F80, env: Env| {
        let host = run_f80(host_f2xm1, env, a, F80::default());
        t.check(
            || format!("f2xm1 {a:x?} {env:?}"),
            host,
            amber_cpu::fpu::exp2m1(a, env),
        );
    };
    let sp: Vec<F80> = specials()
        .into_iter()
        .filter(|&v| {
            within(v, 0x3FFF, 1 << 63)
                || v.class() == Class::Infinity
                || (v.exp, v.mant) == (0x3FFF, 1 << 63)
        })
        .collect();
    for env in all_envs() {
        for &a in &sp {
            one(a, env);
        }
    }
    let mut rng = Rng(0x2F3E_4D5C_6B7A_8999);
    for _ in 0..CASES {
        let a = match rng.below(8) {
            0 => rng.f80(&sp),
            _ => small(&mut rng, 0x3FFE),
        };
        if within(a, 0x3FFF, 1 << 63) {
            one(a, rng.env());
        }
    }
    t.finish();
}

#[test]
fn fyl2x() {
    let sp = specials();
    let mut t = Ulp::new("fyl2x");
    let mut one = |x: F80, y: F80, env: Env| {
        let host = run_f80(host_fyl2x, env, x, y);
        t.check(
            || format!("fyl2x x {x:x?} y {y:x?} {env:?}"),
            host,
            amber_cpu::fpu::ylog2x(x, y, env),
        );
    };
    for env in all_envs() {
        for &x in &sp {
            for &y in &sp {
                one(x, y, env);
            }
        }
    }
    let mut rng = Rng(0x3E4D_5C6B_7A89_98A7);
    for _ in 0..CASES {
        let mut x = rng.f80(&sp);
        if rng.below(4) != 0 {
            x.sign = false;
        }
        if rng.below(4) == 0 {
            x.exp = 0x3FFF - (rng.below(2) as u16);
        }
        let y = rng.f80(&sp);
        one(x, y, rng.env());
    }
    t.finish();
}

#[test]
fn fyl2xp1() {
    // 0x3FFD with this significand: 0.2890625, inside 1 - sqrt(2)/2 = 0.2928...
    let (limit_exp, limit_mant) = (0x3FFD, 0x9400_0000_0000_0000);
    let sp = specials();
    let xs: Vec<F80> = sp
        .iter()
        .copied()
        .filter(|&v| within(v, limit_exp, limit_mant))
        .collect();
    let mut t = Ulp::new("fyl2xp1");
    let mut one = |x: F80, y: F80, env: Env| {
        let host = run_f80(host_fyl2xp1, env, x, y);
        t.check(
            || format!("fyl2xp1 x {x:x?} y {y:x?} {env:?}"),
            host,
            amber_cpu::fpu::ylog2xp1(x, y, env),
        );
    };
    for env in all_envs() {
        for &x in &xs {
            for &y in &sp {
                one(x, y, env);
            }
        }
    }
    let mut rng = Rng(0x4D5C_6B7A_8998_A7B6);
    for _ in 0..CASES {
        let x = match rng.below(8) {
            0 => rng.f80(&xs),
            _ => small(&mut rng, limit_exp),
        };
        let y = rng.f80(&sp);
        if within(x, limit_exp, limit_mant) {
            one(x, y, rng.env());
        }
    }
    t.finish();
}

#[test]
fn fpatan() {
    let sp = specials();
    let mut t = Ulp::new("fpatan");
    let mut one = |x: F80, y: F80, env: Env| {
        let host = run_f80(host_fpatan, env, x, y);
        t.check(
            || format!("fpatan x {x:x?} y {y:x?} {env:?}"),
            host,
            amber_cpu::fpu::arctan2(x, y, env),
        );
    };
    for env in all_envs() {
        for &x in &sp {
            for &y in &sp {
                one(x, y, env);
            }
        }
    }
    let mut rng = Rng(0x5C6B_7A89_98A7_B6C5);
    for _ in 0..CASES {
        let x = rng.f80(&sp);
        let y = rng.partner(x, &sp);
        one(x, y, rng.env());
    }
    t.finish();
}

/// Operands for the trigonometric instructions: specials, and values below 2^`top_exp`
/// (unbiased), many near multiples of pi/4.
fn angle(rng: &mut Rng, sp: &[F80], top_exp: u16) -> F80 {
    match rng.below(4) {
        0 => rng.f80(sp),
        1 => {
            let k = rng.below(64) as i64 - 32;
            let (near, _) = amber_cpu::fpu::f80::mul(
                amber_cpu::fpu::f80::from_i64(k),
                f(false, 0x3FFE, 0xC90F_DAA2_2168_C235),
                Env {
                    rounding: amber_cpu::fpu::f80::Rounding::Nearest,
                    precision: amber_cpu::fpu::f80::Precision::Extended,
                    unmasked: 0,
                },
            );
            F80 {
                mant: near.mant ^ rng.below(1 << 20),
                ..near
            }
        }
        _ => small(rng, 0x3FFF + top_exp),
    }
}

/// The stack-unchanged case: C2 set and the operand left as it was.
const C2_CASES: [F80; 2] = [
    F80 {
        sign: false,
        exp: 0x3FFF + 63,
        mant: 1 << 63,
    },
    F80 {
        sign: true,
        exp: 0x3FFF + 70,
        mant: !0,
    },
];

fn check_trig(op: &'static str, host: fn(&mut Io), soft: fn(F80, Env) -> (F80, Flags), seed: u64) {
    let sp = specials();
    let mut t = Ulp::new(op);
    let mut one = |a: F80, env: Env| {
        let (o, sw) = run(host, control_word(env), &a.to_bytes(), &[]);
        let (v, flags) = soft(a, env);
        t.check(
            || format!("{op} {a:x?} {env:?}"),
            (out_f80(o), sw & (CHECKED | C2)),
            (v, flags & (CHECKED | C2)),
        );
    };
    for env in all_envs() {
        for &a in sp.iter().chain(&C2_CASES) {
            if a.exp < 0x3FFF + 63 || a.exp == 0x7FFF || C2_CASES.contains(&a) {
                one(a, env);
            }
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..CASES {
        let a = angle(&mut rng, &sp, TRIG_EXP);
        if a.exp < 0x3FFF + TRIG_EXP || a.exp == 0x7FFF || a.exp == 0 {
            one(a, rng.env());
        }
    }
    t.finish();
}

/// Random trigonometric operands stay below 2^TRIG_EXP.
const TRIG_EXP: u16 = 63;

#[test]
fn fsin() {
    check_trig(
        "fsin",
        host_fsin,
        amber_cpu::fpu::sine,
        0x6B7A_8998_A7B6_C5D4,
    );
}

#[test]
fn fcos() {
    check_trig(
        "fcos",
        host_fcos,
        amber_cpu::fpu::cosine,
        0x7A89_98A7_B6C5_D4E3,
    );
}

/// FPTAN and FSINCOS: (ST(1), ST(0)) after the instruction, below 2^63 (the C2 case, shared
/// with FSIN and FCOS, would leave one register for the two stores).
fn check_pair(
    op: &'static str,
    host: fn(&mut Io),
    soft: fn(F80, Env) -> (F80, F80, Flags),
    seed: u64,
) {
    let sp = specials();
    let mut first = Ulp::new(op);
    let mut second = Ulp::new(op);
    let mut one = |a: F80, env: Env| {
        let (o, sw) = run(host, control_word(env), &a.to_bytes(), &[]);
        let (below, top, flags) = soft(a, env);
        let what = || format!("{op} {a:x?} {env:?}");
        let ignore_c1 = CHECKED & !f80::C1;
        first.check(
            what,
            (out_f80(o), sw & ignore_c1),
            (below, flags & ignore_c1),
        );
        second.check(what, (host_top(a, env, host), sw), (top, flags));
    };
    for env in all_envs() {
        for &a in &sp {
            if a.exp < 0x3FFF + 63 || a.exp == 0x7FFF {
                one(a, env);
            }
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..CASES {
        let a = angle(&mut rng, &sp, TRIG_EXP);
        if a.exp < 0x3FFF + TRIG_EXP || a.exp == 0x7FFF || a.exp == 0 {
            one(a, rng.env());
        }
    }
    first.finish();
    second.finish();
}

/// The value the host pushed (ST(0) after the instruction).
fn host_top(a: F80, env: Env, host: fn(&mut Io)) -> F80 {
    let mut io = Io {
        cw: control_word(env),
        ..Io::default()
    };
    io.a[..10].copy_from_slice(&a.to_bytes());
    host(&mut io);
    out_f80(io.b)
}

#[test]
fn fptan() {
    check_pair(
        "fptan",
        host_fptan,
        amber_cpu::fpu::partial_tangent,
        0x89A8_B7C6_D5E4_F302,
    );
}

#[test]
fn fsincos() {
    check_pair(
        "fsincos",
        host_fsincos,
        amber_cpu::fpu::sin_and_cos,
        0x98A7_B6C5_D4E3_F210,
    );
}

/// Runs `body` (after FNINIT) in amber in 32-bit protected mode on a P6, with EBX pointing at
/// `inputs`; returns the status word and ST(0), ST(1) after it.
fn amber_run(
    body: fn(&mut CodeAssembler) -> Result<(), IcedError>,
    inputs: &[f64],
) -> (u16, F80, F80) {
    let mut a = CodeAssembler::new(32).unwrap();
    a.fninit().unwrap();
    body(&mut a).unwrap();
    a.fnstsw(word_ptr(ebx + 0x200)).unwrap();
    a.fstp(tword_ptr(ebx + 0x210)).unwrap();
    a.fstp(tword_ptr(ebx + 0x220)).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(CODE).unwrap();
    let mut data = vec![0u8; 0x240];
    for (i, v) in inputs.iter().enumerate() {
        data[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
    }
    run_amber(&code, &mut data, 1_000);
    let value = |at: usize| F80::from_bytes(data[at..at + 10].try_into().unwrap());
    let sw = u16::from_le_bytes([data[0x200], data[0x201]]);
    (sw, value(0x210), value(0x220))
}

const TOP: u16 = 7 << 11;

/// The handlers through the decoder: which registers receive the results, pops and pushes,
/// and C2 for an operand out of range.
#[test]
fn stack_effects() {
    let one = F80::one();
    let int = amber_cpu::fpu::f80::from_i64;
    // FYL2X: 1 * log2(8) = 3 in ST(1), then a pop: one register left.
    let (sw, st0, _) = amber_run(
        |a| {
            a.fld1()?;
            a.fld(qword_ptr(ebx))
        },
        &[8.0],
    );
    assert_eq!((sw & TOP, st0), (6 << 11, int(8)));
    let (sw, st0, _) = amber_run(
        |a| {
            a.fld1()?;
            a.fld(qword_ptr(ebx))?;
            a.fyl2x()
        },
        &[8.0],
    );
    assert_eq!((sw & TOP, st0), (7 << 11, int(3)));
    // FPATAN: atan2(-1, +0) = -pi/2, popped into one register.
    let (sw, st0, _) = amber_run(
        |a| {
            a.fld1()?;
            a.fchs()?;
            a.fldz()?;
            a.fpatan()
        },
        &[],
    );
    assert_eq!(sw & TOP, 7 << 11);
    assert_eq!(st0, f(true, 0x3FFF, 0xC90F_DAA2_2168_C235));
    // F2XM1(1) = 1 in place.
    let (sw, st0, _) = amber_run(
        |a| {
            a.fld1()?;
            a.f2xm1()
        },
        &[],
    );
    assert_eq!((sw & (TOP | C2), st0), (7 << 11, one));
    // FPTAN(0): tan in ST(1), 1.0 pushed.
    let (sw, st0, st1) = amber_run(
        |a| {
            a.fldz()?;
            a.fptan()
        },
        &[],
    );
    assert_eq!(
        (sw & (TOP | C2), st0, st1),
        (6 << 11, one, F80::zero(false))
    );
    // FSINCOS(0): sin in ST(1), cos in ST(0).
    let (sw, st0, st1) = amber_run(
        |a| {
            a.fldz()?;
            a.fsincos()
        },
        &[],
    );
    assert_eq!(
        (sw & (TOP | C2), st0, st1),
        (6 << 11, one, F80::zero(false))
    );
    // FSIN(2^63): C2 set, the operand left in place.
    let (sw, st0, _) = amber_run(
        |a| {
            a.fld(qword_ptr(ebx))?;
            a.fsin()
        },
        &[9_223_372_036_854_775_808.0],
    );
    assert_eq!(
        (sw & (TOP | C2), st0),
        (7 << 11 | C2, f(false, 0x3FFF + 63, 1 << 63))
    );
}
