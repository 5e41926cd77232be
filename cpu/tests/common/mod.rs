//! The harness shared by the host-oracle tests of `fpu::f80`: the memory block the native
//! x87 sequences work on, macros that wrap them in FLDCW/FNCLEX, the operand generators
//! (special values and a seeded xorshift) and the tally that compares host and soft results.
#![allow(dead_code, unused_macros)]

use amber_cpu::fpu::f80::{self, Env, Flags, Precision, Rounding, F80};

/// The memory the native sequences work on, through one pointer register `{p}`.
#[repr(C)]
#[derive(Default)]
pub struct Io {
    pub a: [u8; 16],
    pub b: [u8; 16],
    pub out: [u8; 16],
    pub cw: u16,
    pub saved_cw: u16,
    pub sw: u16,
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
                ::std::arch::asm!(
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

/// The status-word bits compared: the six exception flags and C1.
pub const CHECKED: u16 = 0x3F | f80::C1;
/// Stack fault: must never be set by these sequences.
pub const SF: u16 = 0x40;
pub const C0: u16 = 0x100;
pub const C2: u16 = 0x400;
pub const C3: u16 = 0x4000;

pub const ROUNDINGS: [Rounding; 4] = [
    Rounding::Nearest,
    Rounding::Down,
    Rounding::Up,
    Rounding::Zero,
];
pub const PRECISIONS: [Precision; 3] = [Precision::Single, Precision::Double, Precision::Extended];

/// The FNINIT control word: all exceptions masked, round to nearest, extended precision.
pub const DEFAULT_CW: u16 = 0x037F;

/// All exceptions masked, plus the given precision and rounding control.
pub fn control_word(env: Env) -> u16 {
    let pc = match env.precision {
        Precision::Single => 0,
        Precision::Double => 2,
        Precision::Extended => 3,
        Precision::Ieee32 | Precision::Ieee64 => panic!("not an x87 precision"),
    };
    let rc = match env.rounding {
        Rounding::Nearest => 0,
        Rounding::Down => 1,
        Rounding::Up => 2,
        Rounding::Zero => 3,
    };
    0x7F | (pc << 8) | (rc << 10)
}

pub fn all_envs() -> impl Iterator<Item = Env> {
    ROUNDINGS.into_iter().flat_map(|rounding| {
        PRECISIONS.into_iter().map(move |precision| Env {
            rounding,
            precision,
            unmasked: 0,
        })
    })
}

/// Runs a host sequence with operands `a`, `b` (raw bytes) and returns (output bytes, status).
pub fn run(f: fn(&mut Io), cw: u16, a: &[u8], b: &[u8]) -> ([u8; 16], u16) {
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

pub fn out_f80(o: [u8; 16]) -> F80 {
    let mut b = [0u8; 10];
    b.copy_from_slice(&o[..10]);
    F80::from_bytes(b)
}

pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A signed offset in -n..=n.
    pub fn around(&mut self, n: i32) -> i32 {
        self.below(2 * n as u64 + 1) as i32 - n
    }

    pub fn env(&mut self) -> Env {
        Env {
            rounding: ROUNDINGS[self.below(4) as usize],
            precision: PRECISIONS[self.below(3) as usize],
            unmasked: 0,
        }
    }

    /// A significand with patterns that land near rounding boundaries at 24, 53 and 64 bits.
    pub fn mant(&mut self) -> u64 {
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
    pub fn exp(&mut self) -> i32 {
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

    pub fn f80(&mut self, specials: &[F80]) -> F80 {
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
    pub fn any_encoding(&mut self) -> F80 {
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
    pub fn partner(&mut self, a: F80, specials: &[F80]) -> F80 {
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

pub fn f(sign: bool, exp: u16, mant: u64) -> F80 {
    F80 { sign, exp, mant }
}

/// Values every operation is tried on, each with both signs.
pub fn specials() -> Vec<F80> {
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
pub struct Tally {
    op: &'static str,
    total: usize,
    failures: Vec<String>,
    failed: usize,
}

impl Tally {
    pub fn new(op: &'static str) -> Tally {
        Tally {
            op,
            total: 0,
            failures: Vec::new(),
            failed: 0,
        }
    }

    pub fn check<T: PartialEq + std::fmt::Debug>(
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

    pub fn finish(self) {
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

pub const RANDOM_CASES: usize = 60_000;

pub type SoftBinary = fn(F80, F80, Env) -> (F80, Flags);

pub fn check_binary(op: &'static str, host: fn(&mut Io), soft: SoftBinary, seed: u64) {
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
pub fn check_unary<T: PartialEq + std::fmt::Debug>(
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
