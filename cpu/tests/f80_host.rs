//! The host CPU's x87 as the oracle for `fpu::f80`: each operation runs natively (FLDCW with
//! every rounding/precision combination and all exceptions masked, FNCLEX, the instruction,
//! FNSTSW before anything else can touch C1) and in the soft float, over special operands
//! (zeros, infinities, NaNs, the indefinite, denormals, pseudo-denormals, unsupported
//! encodings, format limits, rounding ties) and random ones (xorshift, exponents concentrated
//! near the middle, the extremes and the f32/f64/integer boundaries). The result bits, the six
//! exception flags and C1 must agree exactly. Skipped on hosts other than x86_64.
#![cfg(target_arch = "x86_64")]

use std::arch::asm;

use amber_cpu::fpu::f80::{self, Env, Flags, Ordering3, Precision, Rounding, F80};

/// The memory the native sequences work on, through one pointer register `{p}`.
#[repr(C)]
#[derive(Default)]
struct Io {
    a: [u8; 16],
    b: [u8; 16],
    out: [u8; 16],
    cw: u16,
    saved_cw: u16,
    sw: u16,
}

/// Defines `fn $name(&mut Io)` running the given instructions between loading the test
/// control word (with cleared exception flags) and restoring the caller's control word.
macro_rules! host {
    ($name:ident, $($insn:literal),+) => {
        fn $name(io: &mut Io) {
            // SAFETY: the instructions read and write only `io` (through {p}, within its 54
            // bytes) and the x87 registers, which are declared clobbered; every value pushed
            // is popped again, so the x87 stack is empty on exit as the ABI requires, and the
            // caller's control word is restored.
            unsafe {
                asm!(
                    "fnstcw word ptr [{p} + 50]",
                    "fldcw word ptr [{p} + 48]",
                    "fnclex",
                    $($insn),+,
                    "fnclex",
                    "fldcw word ptr [{p} + 50]",
                    p = in(reg) io as *mut Io,
                    out("st(0)") _, out("st(1)") _, out("st(2)") _, out("st(3)") _,
                    out("st(4)") _, out("st(5)") _, out("st(6)") _, out("st(7)") _,
                    options(nostack),
                );
            }
        }
    };
}

macro_rules! host_binary {
    ($name:ident, $insn:literal) => {
        host!(
            $name,
            "fld tbyte ptr [{p} + 16]",
            "fld tbyte ptr [{p}]",
            $insn,
            "fnstsw word ptr [{p} + 52]",
            "fstp tbyte ptr [{p} + 32]",
            "fstp st(0)"
        );
    };
}

macro_rules! host_unary {
    ($name:ident, $insn:literal) => {
        host!(
            $name,
            "fld tbyte ptr [{p}]",
            $insn,
            "fnstsw word ptr [{p} + 52]",
            "fstp tbyte ptr [{p} + 32]"
        );
    };
}

macro_rules! host_store {
    ($name:ident, $insn:literal) => {
        host!(
            $name,
            "fld tbyte ptr [{p}]",
            $insn,
            "fnstsw word ptr [{p} + 52]"
        );
    };
}

macro_rules! host_load {
    ($name:ident, $insn:literal) => {
        host!(
            $name,
            $insn,
            "fnstsw word ptr [{p} + 52]",
            "fstp tbyte ptr [{p} + 32]"
        );
    };
}

macro_rules! host_compare {
    ($name:ident, $insn:literal) => {
        host!(
            $name,
            "fld tbyte ptr [{p} + 16]",
            "fld tbyte ptr [{p}]",
            $insn,
            "fnstsw word ptr [{p} + 52]",
            "fstp st(0)",
            "fstp st(0)"
        );
    };
}

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

/// The status-word bits compared: the six exception flags and C1.
const CHECKED: u16 = 0x3F | f80::C1;
/// Stack fault: must never be set by these sequences.
const SF: u16 = 0x40;
const C0: u16 = 0x100;
const C2: u16 = 0x400;
const C3: u16 = 0x4000;

const ROUNDINGS: [Rounding; 4] = [
    Rounding::Nearest,
    Rounding::Down,
    Rounding::Up,
    Rounding::Zero,
];
const PRECISIONS: [Precision; 3] = [Precision::Single, Precision::Double, Precision::Extended];

/// The FNINIT control word: all exceptions masked, round to nearest, extended precision.
const DEFAULT_CW: u16 = 0x037F;

/// All exceptions masked, plus the given precision and rounding control.
fn control_word(env: Env) -> u16 {
    let pc = match env.precision {
        Precision::Single => 0,
        Precision::Double => 2,
        Precision::Extended => 3,
    };
    let rc = match env.rounding {
        Rounding::Nearest => 0,
        Rounding::Down => 1,
        Rounding::Up => 2,
        Rounding::Zero => 3,
    };
    0x7F | (pc << 8) | (rc << 10)
}

fn all_envs() -> impl Iterator<Item = Env> {
    ROUNDINGS.into_iter().flat_map(|rounding| {
        PRECISIONS.into_iter().map(move |precision| Env {
            rounding,
            precision,
        })
    })
}

/// Runs a host sequence with operands `a`, `b` (raw bytes) and returns (output bytes, status).
fn run(f: fn(&mut Io), cw: u16, a: &[u8], b: &[u8]) -> ([u8; 16], u16) {
    let mut io = Io {
        cw,
        ..Io::default()
    };
    io.a[..a.len()].copy_from_slice(a);
    io.b[..b.len()].copy_from_slice(b);
    f(&mut io);
    assert_eq!(io.sw & SF, 0, "unexpected stack fault");
    (io.out, io.sw)
}

fn out_f80(o: [u8; 16]) -> F80 {
    let mut b = [0u8; 10];
    b.copy_from_slice(&o[..10]);
    F80::from_bytes(b)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A signed offset in -n..=n.
    fn around(&mut self, n: i32) -> i32 {
        self.below(2 * n as u64 + 1) as i32 - n
    }

    fn env(&mut self) -> Env {
        Env {
            rounding: ROUNDINGS[self.below(4) as usize],
            precision: PRECISIONS[self.below(3) as usize],
        }
    }

    /// A significand with patterns that land near rounding boundaries at 24, 53 and 64 bits.
    fn mant(&mut self) -> u64 {
        let k = self.below(64) as u32;
        let r = self.next();
        let m = match self.below(8) {
            0 | 1 => r,
            2 => r & !((1u64 << k) - 1),
            3 => r | ((1u64 << k) - 1),
            4 => 1u64 << k | [0, 1, 1 << 39, 1 << 10][self.below(4) as usize],
            5 => !0u64 << k,
            6 => r & [0xFFFF_FF80_0000_0000, 0xFFFF_FFFF_FFFF_FC00][self.below(2) as usize],
            _ => r & (r >> 7) & (r >> 19),
        };
        m | 1 << 63
    }

    /// A biased exponent: mostly near 1.0, the extremes, and the f32/f64/integer limits.
    fn exp(&mut self) -> i32 {
        let bias = 0x3FFF;
        match self.below(10) {
            0..=2 => bias + self.around(70),
            3 => self.below(80) as i32,
            4 => 0x7FFE - self.below(80) as i32,
            5 => self.below(0x7FFF) as i32,
            6 => {
                bias + [127, 126, 150, 149][self.below(4) as usize]
                    * [1, -1][self.below(2) as usize]
                    + self.around(3)
            }
            7 => {
                bias + [1023, 1022, 1075, 1074][self.below(4) as usize]
                    * [1, -1][self.below(2) as usize]
                    + self.around(3)
            }
            _ => bias + self.below(67) as i32,
        }
    }

    fn f80(&mut self, specials: &[F80]) -> F80 {
        match self.below(16) {
            0 => return specials[self.below(specials.len() as u64) as usize],
            1 | 2 => return self.any_encoding(),
            _ => {}
        }
        let sign = self.next() & 1 != 0;
        let exp = self.exp().clamp(0, 0x7FFE) as u16;
        let mant = if exp == 0 {
            self.mant() >> (1 + self.below(63))
        } else {
            self.mant()
        };
        F80 { sign, exp, mant }
    }

    /// Any 80-bit pattern, with exponent fields 0 and 0x7FFF frequent: unnormals,
    /// pseudo-denormals, pseudo-NaNs and pseudo-infinities included.
    fn any_encoding(&mut self) -> F80 {
        let exp = match self.below(3) {
            0 => 0,
            1 => 0x7FFF,
            _ => self.next() as u16 & 0x7FFF,
        };
        let mant = self.next() >> self.below(3);
        F80 {
            sign: self.next() & 1 != 0,
            exp,
            mant,
        }
    }

    /// A second operand related to `a`: close in exponent, or placed so that a product or
    /// quotient lands near the bottom or the top of the exponent range.
    fn partner(&mut self, a: F80, specials: &[F80]) -> F80 {
        let mut b = self.f80(specials);
        if !(1..0x7FFF).contains(&b.exp) {
            return b;
        }
        let ea = i32::from(a.exp.max(1));
        let exp = match self.below(6) {
            0 => return b,
            1 | 2 => ea + self.around(70),
            3 => 0x3FFF - ea + self.around(70),
            4 => 0x7FFE + 0x3FFF - ea + self.around(70),
            _ => ea + 0x3FFF + self.around(70) - [0, 0x7FFE][self.below(2) as usize],
        };
        b.exp = exp.clamp(1, 0x7FFE) as u16;
        b
    }
}

fn f(sign: bool, exp: u16, mant: u64) -> F80 {
    F80 { sign, exp, mant }
}

/// Values every operation is tried on, each with both signs.
fn specials() -> Vec<F80> {
    let bias = 0x3FFF;
    let m = 1u64 << 63;
    let mut v = vec![
        f(false, 0, 0),
        f(false, 0x7FFF, m),
        f(false, 0x7FFF, 0xC000_0000_0000_0000),
        f(false, 0x7FFF, 0xC000_0000_0000_0001),
        f(false, 0x7FFF, 0xE123_4567_89AB_CDEF),
        f(false, 0x7FFF, 0x8000_0000_0000_0001),
        f(false, 0x7FFF, 0xA000_0000_0000_0000),
        f(false, 0x7FFF, 0xB123_4567_89AB_CDEF),
        f(false, 0, 1),
        f(false, 0, 0x7FFF_FFFF_FFFF_FFFF),
        f(false, 0, 0x0000_0001_0000_0000),
        f(false, 0, 0x4000_0000_0000_0001),
        f(false, 0, m),
        f(false, 0, 0x8000_0000_0000_0001),
        f(false, bias, 0x4000_0000_0000_0000),
        f(false, 1, 1),
        f(false, 0x7FFF, 0),
        f(false, 0x7FFF, 0x4000_0000_0000_0001),
        f(false, 1, m),
        f(false, 1, !0),
        f(false, 0x7FFE, !0),
        f(false, 0x7FFE, m),
        f(false, bias, m),
        f(false, bias + 1, m),
        f(false, bias + 1, 0xC000_0000_0000_0000),
        f(false, bias, m | 1),
        f(false, bias, !0),
        f(false, bias, m | 1 << 39),
        f(false, bias, m | 3 << 39),
        f(false, bias, m | 1 << 39 | 1),
        f(false, bias, m | 1 << 10),
        f(false, bias, m | 3 << 10),
        f(false, bias - 1, m),
        f(false, bias - 1, 0xC000_0000_0000_0000),
        f(false, bias + 14, 0xFFFF_0000_0000_0000),
        f(false, bias + 15, m),
        f(false, bias + 15, m | 1 << 47),
        f(false, bias + 31, m),
        f(false, bias + 63, m),
        f(false, bias + 62, !0),
        f(false, bias + 127, !0),
        f(false, bias + 128, m),
        f(false, bias - 126, m),
        f(false, bias - 127, !0),
        f(false, bias - 149, m),
        f(false, bias - 150, m | 1),
        f(false, bias + 1023, !0),
        f(false, bias + 1024, m),
        f(false, bias - 1022, m),
        f(false, bias - 1023, !0),
        f(false, bias - 1074, m),
        f(false, bias - 1075, m | 1),
        F80::INDEFINITE,
    ];
    let negated: Vec<F80> = v.iter().map(|x| x.neg()).collect();
    v.extend(negated);
    v
}

/// Counts agreements with the host and keeps the first disagreements for the report.
struct Tally {
    op: &'static str,
    total: usize,
    failures: Vec<String>,
    failed: usize,
}

impl Tally {
    fn new(op: &'static str) -> Tally {
        Tally {
            op,
            total: 0,
            failures: Vec::new(),
            failed: 0,
        }
    }

    fn check<T: PartialEq + std::fmt::Debug>(
        &mut self,
        what: impl Fn() -> String,
        host: (T, u16),
        soft: (T, Flags),
    ) {
        self.total += 1;
        let host = (host.0, host.1 & CHECKED);
        let soft = (soft.0, soft.1 & CHECKED);
        if host != soft {
            self.failed += 1;
            if self.failures.len() < 25 {
                self.failures
                    .push(format!("{}: host {:x?} soft {:x?}", what(), host, soft));
            }
        }
    }

    fn finish(self) {
        println!(
            "{}: {}/{} agree with the host",
            self.op,
            self.total - self.failed,
            self.total
        );
        for line in &self.failures {
            println!("  {line}");
        }
        assert_eq!(
            self.failed, 0,
            "{}: {} disagreements with the host x87",
            self.op, self.failed
        );
    }
}

const RANDOM_CASES: usize = 60_000;

type SoftBinary = fn(F80, F80, Env) -> (F80, Flags);

fn check_binary(op: &'static str, host: fn(&mut Io), soft: SoftBinary, seed: u64) {
    let sp = specials();
    let mut t = Tally::new(op);
    let mut one = |a: F80, b: F80, env: Env| {
        let (o, sw) = run(host, control_word(env), &a.to_bytes(), &b.to_bytes());
        t.check(
            || format!("{a:x?} {op} {b:x?} {env:?}"),
            (out_f80(o), sw),
            soft(a, b, env),
        );
    };
    for env in all_envs() {
        for &a in &sp {
            for &b in &sp {
                one(a, b, env);
            }
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..RANDOM_CASES {
        let a = rng.f80(&sp);
        let b = rng.partner(a, &sp);
        let env = rng.env();
        if rng.below(2) == 0 {
            one(a, b, env);
        } else {
            one(b, a, env);
        }
    }
    t.finish();
}

/// One-operand operations: `decode` turns the host's output bytes into the soft result type.
fn check_unary<T: PartialEq + std::fmt::Debug>(
    op: &'static str,
    host: fn(&mut Io),
    soft: impl Fn(F80, Env) -> (T, Flags),
    decode: fn([u8; 16]) -> T,
    seed: u64,
) {
    let sp = specials();
    let mut t = Tally::new(op);
    let mut one = |a: F80, env: Env| {
        let (o, sw) = run(host, control_word(env), &a.to_bytes(), &[]);
        t.check(
            || format!("{op} {a:x?} {env:?}"),
            (decode(o), sw),
            soft(a, env),
        );
    };
    for env in all_envs() {
        for &a in &sp {
            one(a, env);
        }
    }
    let mut rng = Rng(seed);
    for _ in 0..RANDOM_CASES {
        let a = rng.f80(&sp);
        one(a, rng.env());
    }
    t.finish();
}

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
