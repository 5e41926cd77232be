//! The host CPU's SSE unit as the oracle for amber's SSE and SSE2 floating-point
//! instructions (Intel SDM Vol. 1 ch. 10 and 11): each instruction form runs natively and in
//! amber (32-bit flat protected mode, Pentium 4) in a loop over the same records, each with
//! its own MXCSR (all four rounding modes, DAZ and FTZ on and off, every exception masked),
//! and the result, MXCSR, EFLAGS and integer results must agree bit for bit. Operands are
//! special values (zeros, denormals, the normal range's ends, infinities, QNaNs and SNaNs,
//! integer-conversion boundaries) and random values across the whole exponent range.
//! Skipped on hosts other than x86_64 Linux.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod flat32;

use flat32::{run_amber, run_native, Seq, CODE};
use iced_x86::code_asm::*;

/// A record: a (16 bytes), b (16), result (16), MXCSR in, MXCSR out, integer result, flags.
const RECORD: usize = 64;
const RESULT: i32 = 32;
const MXCSR_IN: i32 = 48;
const MXCSR_OUT: i32 = 52;
const GPR: i32 = 56;
const DATA_LEN: usize = 0x2_0000;
const RECORDS: usize = DATA_LEN / RECORD;

/// The loop both sides run: for each record, MXCSR and XMM0 = a, XMM1 = b loaded, the body
/// (which may address b as `[ebx + 16]`), then XMM0 and MXCSR stored. The native side
/// keeps the host's MXCSR on its stack.
fn looped(a: &mut CodeAssembler, body: Seq) -> Result<(), IcedError> {
    let mut top = a.create_label();
    a.mov(ecx, RECORDS as u32)?;
    a.set_label(&mut top)?;
    a.ldmxcsr(dword_ptr(ebx + MXCSR_IN))?;
    a.movaps(xmm0, xmmword_ptr(ebx))?;
    a.movaps(xmm1, xmmword_ptr(ebx + 16))?;
    body(a)?;
    a.movaps(xmmword_ptr(ebx + RESULT), xmm0)?;
    a.stmxcsr(dword_ptr(ebx + MXCSR_OUT))?;
    a.add(ebx, RECORD as i32)?;
    a.dec(ecx)?;
    a.jnz(top)
}

fn native(body: Seq, data: &mut [u8]) {
    run_native(
        |a| {
            a.sub(rsp, 8)?;
            a.stmxcsr(dword_ptr(rsp))?;
            looped(a, body)?;
            a.ldmxcsr(dword_ptr(rsp))?;
            a.add(rsp, 8)
        },
        data,
    );
}

fn amber(body: Seq, data: &mut [u8]) {
    let mut a = CodeAssembler::new(32).unwrap();
    looped(&mut a, body).unwrap();
    a.hlt().unwrap();
    run_amber(&a.assemble(CODE).unwrap(), data, 10_000_000);
}

const SPECIAL32: [u32; 24] = [
    0x0000_0000,
    0x8000_0000,
    0x0000_0001, // smallest denormal
    0x807F_FFFF, // largest denormal
    0x0080_0000, // smallest normal
    0x8080_0001,
    0x3F80_0000, // 1
    0xBFC0_0000, // -1.5
    0x3F00_0000, // 0.5
    0x4020_0000, // 2.5
    0x7F7F_FFFF, // largest normal
    0xFF7F_FFFE,
    0x7F80_0000, // infinity
    0xFF80_0000,
    0x7FC0_0000, // QNaN
    0xFFC1_2345,
    0x7F80_0001, // SNaN
    0xFFA0_0000,
    0x4EFF_FFFF, // just below 2^31
    0x4F00_0000, // 2^31
    0xCF00_0000, // -2^31
    0x0CB5_0000, // squares to a denormal
    0x5F80_0001, // squares past the largest normal
    0x3EAA_AAAB, // 1/3
];

const SPECIAL64: [u64; 24] = [
    0,
    0x8000_0000_0000_0000,
    0x0000_0000_0000_0001,
    0x800F_FFFF_FFFF_FFFF,
    0x0010_0000_0000_0000,
    0x8010_0000_0000_0001,
    0x3FF0_0000_0000_0000,
    0xBFF8_0000_0000_0000,
    0x3FE0_0000_0000_0000,
    0x4004_0000_0000_0000,
    0x7FEF_FFFF_FFFF_FFFF,
    0xFFEF_FFFF_FFFF_FFFE,
    0x7FF0_0000_0000_0000,
    0xFFF0_0000_0000_0000,
    0x7FF8_0000_0000_0000,
    0xFFF8_1234_5678_9ABC,
    0x7FF0_0000_0000_0001,
    0xFFF4_0000_0000_0000,
    0x41DF_FFFF_FFFF_FFFF, // just below 2^31
    0x41E0_0000_0000_0000,
    0xC1E0_0000_0020_0000, // -2^31 - 0.5
    0x1FF0_0000_0000_0001,
    0x5FF0_0000_0000_0001,
    0x3810_0000_0000_0000, // the smallest binary32 normal
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value of `exp_bits`/`frac_bits`: uniform bits, a moderate exponent (the integer
    /// conversions' range), or an exponent at either end of the range.
    fn value(&mut self, exp_bits: u32, frac_bits: u32) -> u64 {
        let bias = (1u64 << (exp_bits - 1)) - 1;
        let emax = (1u64 << exp_bits) - 1;
        let r = self.next();
        let frac = r & ((1 << frac_bits) - 1);
        let sign = (r >> 63) << (exp_bits + frac_bits);
        let pick = self.next();
        let exp = match pick % 4 {
            0 => return self.next() & (u64::MAX >> (63 - exp_bits - frac_bits)),
            1 => bias - 4 + (pick >> 8) % 40,
            2 => (pick >> 8) % 3,
            _ => emax - 1 - (pick >> 8) % 3,
        };
        sign | exp << frac_bits | frac
    }
}

/// Records for elements of `bits` (32 or 64): every pair of special values in every lane,
/// then random lanes, a third of them special; MXCSR cycles through the rounding modes and
/// the DAZ and FTZ combinations.
fn inputs(bits: u32) -> Vec<u8> {
    let mut d = vec![0u8; DATA_LEN];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let n = 24;
    for (i, r) in d.chunks_exact_mut(RECORD).enumerate() {
        for half in 0..2 {
            for lane in 0..(128 / bits) as usize {
                let k = if i < n * n {
                    if half == 0 {
                        i / n
                    } else {
                        (i + lane) % n
                    }
                } else {
                    (rng.next() % (3 * n as u64)) as usize
                };
                let (v, size) = match bits {
                    32 if k < n => (u64::from(SPECIAL32[k]), 4),
                    32 => (rng.value(8, 23), 4),
                    _ if k < n => (SPECIAL64[k], 8),
                    _ => (rng.value(11, 52), 8),
                };
                let at = half * 16 + lane * size;
                r[at..at + size].copy_from_slice(&v.to_le_bytes()[..size]);
            }
        }
        let rc = (i / 3) % 4;
        let daz = if i % 5 == 1 { 0x40 } else { 0 };
        let ftz = if i % 7 == 2 { 0x8000 } else { 0 };
        let mxcsr = 0x1F80 | (rc << 13) as u32 | daz | ftz;
        r[MXCSR_IN as usize..MXCSR_IN as usize + 4].copy_from_slice(&mxcsr.to_le_bytes());
    }
    d
}

fn check(name: &str, bits: u32, body: Seq) {
    let mut host = inputs(bits);
    let mut ours = host.clone();
    native(body, &mut host);
    amber(body, &mut ours);
    for (i, (h, o)) in host
        .chunks_exact(RECORD)
        .zip(ours.chunks_exact(RECORD))
        .enumerate()
    {
        assert_eq!(
            o, h,
            "{name}: record {i} differs (a, b, result, MXCSR in, MXCSR out, integer, flags)"
        );
    }
}

/// Defines a test per instruction form, each checked against the host, with elements of
/// the given width.
macro_rules! oracle {
    ($($name:ident($bits:expr): |$a:ident| $e:expr;)*) => {
        $(
            #[test]
            fn $name() {
                fn body($a: &mut CodeAssembler) -> Result<(), IcedError> {
                    $e
                }
                check(stringify!($name), $bits, body);
            }
        )*
    };
}

/// Stores EAX as the record's integer result.
fn store_eax(a: &mut CodeAssembler) -> Result<(), IcedError> {
    a.mov(dword_ptr(ebx + GPR), eax)
}

/// Stores ZF, PF, CF (and SF, AF through LAHF, OF through SETO) after a comparison.
fn store_flags(a: &mut CodeAssembler) -> Result<(), IcedError> {
    a.lahf()?;
    a.seto(al)?;
    store_eax(a)
}

oracle! {
    addps(32): |a| a.addps(xmm0, xmm1);
    addss(32): |a| a.addss(xmm0, xmm1);
    addpd(64): |a| a.addpd(xmm0, xmm1);
    addsd(64): |a| a.addsd(xmm0, xmm1);
    subps(32): |a| a.subps(xmm0, xmmword_ptr(ebx + 16));
    subss(32): |a| a.subss(xmm0, dword_ptr(ebx + 16));
    subpd(64): |a| a.subpd(xmm0, xmm1);
    subsd(64): |a| a.subsd(xmm0, qword_ptr(ebx + 16));
    mulps(32): |a| a.mulps(xmm0, xmm1);
    mulss(32): |a| a.mulss(xmm0, xmm1);
    mulpd(64): |a| a.mulpd(xmm0, xmmword_ptr(ebx + 16));
    mulsd(64): |a| a.mulsd(xmm0, xmm1);
    divps(32): |a| a.divps(xmm0, xmm1);
    divss(32): |a| a.divss(xmm0, xmm1);
    divpd(64): |a| a.divpd(xmm0, xmm1);
    divsd(64): |a| a.divsd(xmm0, xmm1);
    sqrtps(32): |a| a.sqrtps(xmm0, xmm1);
    sqrtss(32): |a| a.sqrtss(xmm0, dword_ptr(ebx + 16));
    sqrtpd(64): |a| a.sqrtpd(xmm0, xmm1);
    sqrtsd(64): |a| a.sqrtsd(xmm0, xmm1);
    minps(32): |a| a.minps(xmm0, xmm1);
    minss(32): |a| a.minss(xmm0, xmm1);
    minpd(64): |a| a.minpd(xmm0, xmm1);
    minsd(64): |a| a.minsd(xmm0, xmm1);
    maxps(32): |a| a.maxps(xmm0, xmm1);
    maxss(32): |a| a.maxss(xmm0, xmm1);
    maxpd(64): |a| a.maxpd(xmm0, xmmword_ptr(ebx + 16));
    maxsd(64): |a| a.maxsd(xmm0, xmm1);
    cmpps_all(32): |a| {
        for p in 0..8 {
            a.movaps(xmm2, xmm0)?;
            a.cmpps(xmm2, xmm1, p)?;
            a.movd(eax, xmm2)?;
            a.xor(dword_ptr(ebx + GPR), eax)?;
            a.rol(dword_ptr(ebx + GPR), 3)?;
        }
        a.cmpps(xmm0, xmm1, 1)
    };
    cmpss_all(32): |a| {
        for p in 0..8 {
            a.movaps(xmm2, xmm0)?;
            a.cmpss(xmm2, xmm1, p)?;
            a.movd(eax, xmm2)?;
            a.xor(dword_ptr(ebx + GPR), eax)?;
            a.rol(dword_ptr(ebx + GPR), 3)?;
        }
        a.cmpss(xmm0, xmm1, 6)
    };
    cmppd_all(64): |a| {
        for p in 0..8 {
            a.movaps(xmm2, xmm0)?;
            a.cmppd(xmm2, xmm1, p)?;
            a.movmskpd(eax, xmm2)?;
            a.xor(dword_ptr(ebx + GPR), eax)?;
            a.rol(dword_ptr(ebx + GPR), 3)?;
        }
        a.cmppd(xmm0, xmm1, 4)
    };
    cmpsd_all(64): |a| {
        for p in 0..8 {
            a.movaps(xmm2, xmm0)?;
            a.cmpsd_3(xmm2, xmm1, p)?;
            a.movmskpd(eax, xmm2)?;
            a.xor(dword_ptr(ebx + GPR), eax)?;
            a.rol(dword_ptr(ebx + GPR), 3)?;
        }
        a.cmpsd_3(xmm0, xmm1, 2)
    };
    comiss(32): |a| {
        a.xor(eax, eax)?;
        a.comiss(xmm0, xmm1)?;
        store_flags(a)
    };
    ucomiss(32): |a| {
        a.xor(eax, eax)?;
        a.ucomiss(xmm0, dword_ptr(ebx + 16))?;
        store_flags(a)
    };
    comisd(64): |a| {
        a.xor(eax, eax)?;
        a.comisd(xmm0, xmm1)?;
        store_flags(a)
    };
    ucomisd(64): |a| {
        a.xor(eax, eax)?;
        a.ucomisd(xmm0, xmm1)?;
        store_flags(a)
    };
    cvtps2pd(32): |a| a.cvtps2pd(xmm0, xmm1);
    cvtpd2ps(64): |a| a.cvtpd2ps(xmm0, xmm1);
    cvtss2sd(32): |a| a.cvtss2sd(xmm0, xmm1);
    cvtsd2ss(64): |a| a.cvtsd2ss(xmm0, qword_ptr(ebx + 16));
    cvtdq2ps(32): |a| a.cvtdq2ps(xmm0, xmm1);
    cvtps2dq(32): |a| a.cvtps2dq(xmm0, xmm1);
    cvttps2dq(32): |a| a.cvttps2dq(xmm0, xmmword_ptr(ebx + 16));
    cvtdq2pd(32): |a| a.cvtdq2pd(xmm0, xmm1);
    cvtpd2dq(64): |a| a.cvtpd2dq(xmm0, xmm1);
    cvttpd2dq(64): |a| a.cvttpd2dq(xmm0, xmm1);
    cvtsi2ss(32): |a| {
        a.mov(eax, dword_ptr(ebx + 20))?;
        a.cvtsi2ss(xmm0, eax)?;
        a.cvtsi2ss(xmm1, dword_ptr(ebx + 24))?;
        a.unpcklps(xmm0, xmm1)
    };
    cvtsi2sd(32): |a| a.cvtsi2sd(xmm0, dword_ptr(ebx + 16));
    cvtss2si(32): |a| {
        a.cvtss2si(eax, xmm1)?;
        store_eax(a)
    };
    cvttss2si(32): |a| {
        a.cvttss2si(eax, dword_ptr(ebx + 20))?;
        store_eax(a)
    };
    cvtsd2si(64): |a| {
        a.cvtsd2si(eax, xmm1)?;
        store_eax(a)
    };
    cvttsd2si(64): |a| {
        a.cvttsd2si(eax, qword_ptr(ebx + 24))?;
        store_eax(a)
    };
    cvtpi2ps(32): |a| {
        a.movq(mm0, qword_ptr(ebx + 16))?;
        a.cvtpi2ps(xmm0, mm0)?;
        a.emms()
    };
    cvtps2pi(32): |a| {
        a.cvtps2pi(mm1, xmm1)?;
        a.cvttps2pi(mm2, xmm0)?;
        a.movq2dq(xmm0, mm1)?;
        a.movq(qword_ptr(ebx + GPR), mm2)?;
        a.emms()
    };
    cvtpi2pd(32): |a| {
        a.cvtpi2pd(xmm0, qword_ptr(ebx + 16))?;
        a.emms()
    };
    cvtpd2pi(64): |a| {
        a.cvtpd2pi(mm1, xmm1)?;
        a.cvttpd2pi(mm2, xmmword_ptr(ebx))?;
        a.movq2dq(xmm0, mm1)?;
        a.movq(qword_ptr(ebx + GPR), mm2)?;
        a.emms()
    };
    moves(32): |a| {
        a.movss(xmm2, xmm1)?;
        a.movss(xmm3, dword_ptr(ebx + 20))?;
        a.movhlps(xmm2, xmm0)?;
        a.movlhps(xmm3, xmm2)?;
        a.shufps(xmm0, xmm3, 0x9C)?;
        a.unpckhps(xmm0, xmm1)?;
        a.movhps(xmm0, qword_ptr(ebx + 16))?;
        a.movmskps(eax, xmm0)?;
        store_eax(a)
    };
    moves_pd(64): |a| {
        a.movsd_2(xmm2, qword_ptr(ebx + 24))?;
        a.movlpd(xmm0, qword_ptr(ebx + 24))?;
        a.shufpd(xmm0, xmm2, 2)?;
        a.unpcklpd(xmm0, xmm1)?;
        a.andnpd(xmm0, xmm1)?;
        a.movsd_2(qword_ptr(ebx + GPR), xmm2)
    };
}

/// RCPPS and RSQRTPS leave their low bits to the implementation: amber's results must be
/// within the architectural relative error 1.5 * 2^-12 of the host's, and agree exactly in
/// class (zero, infinity, NaN) and sign.
#[test]
fn reciprocal_estimates_are_within_the_architectural_error() {
    for (name, body) in [
        (
            "rcpps",
            (|a: &mut CodeAssembler| a.rcpps(xmm0, xmm1)) as Seq,
        ),
        ("rsqrtps", |a: &mut CodeAssembler| a.rsqrtps(xmm0, xmm1)),
        ("rcpss", |a: &mut CodeAssembler| a.rcpss(xmm0, xmm1)),
        ("rsqrtss", |a: &mut CodeAssembler| a.rsqrtss(xmm0, xmm1)),
    ] {
        let mut host = inputs(32);
        let mut ours = host.clone();
        native(body, &mut host);
        amber(body, &mut ours);
        for (i, (h, o)) in host
            .chunks_exact(RECORD)
            .zip(ours.chunks_exact(RECORD))
            .enumerate()
        {
            for lane in 0..4 {
                let at = RESULT as usize + 4 * lane;
                let hv = f32::from_le_bytes(h[at..at + 4].try_into().unwrap());
                let ov = f32::from_le_bytes(o[at..at + 4].try_into().unwrap());
                let close = if hv.is_finite() && hv != 0.0 {
                    ((ov - hv) / hv).abs() <= 1.5 / 4096.0
                } else {
                    hv.to_bits() == ov.to_bits() || (hv.is_nan() && ov.is_nan())
                };
                assert!(
                    close,
                    "{name}: record {i} lane {lane}: host {hv:e}, amber {ov:e}"
                );
            }
            assert_eq!(
                o[MXCSR_OUT as usize..],
                h[MXCSR_OUT as usize..],
                "{name}: MXCSR"
            );
        }
    }
}
