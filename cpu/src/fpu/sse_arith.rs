//! The SSE and SSE2 floating-point instructions (Intel SDM Vol. 2, the ADDPS ... UCOMISD
//! and CVT* pages): packed forms work on every element, scalar forms on the lowest and keep
//! the rest of the destination. The element arithmetic is `simd_float.rs`.
//!
//! Exceptions follow SDM Vol. 1 11.5.2: the flags of all elements are merged; if an unmasked
//! pre-computation exception (IE, DE, ZE) occurred only those flags are set, else the
//! post-computation ones (OE, UE, PE) are added too; an unmasked exception leaves the
//! destination untouched and raises #XM, or #UD when CR4.OSXMMEXCPT is clear.

use super::f80::{self, Ordering3};
use super::packed::{elem, with_elem as put};
use super::simd_float::{self as sf, Ctl, Fmt, Lane};
use super::sse::CR4_OSXMMEXCPT;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;

const PRE: u32 = sf::IE | sf::DE | sf::ZE;

impl Cpu {
    fn simd_ctl(&self) -> Ctl {
        Ctl::from_mxcsr(self.state.sse.mxcsr)
    }

    /// Records the flags an instruction's elements raised in MXCSR and faults for an
    /// unmasked one.
    fn simd_exceptions(&mut self, flags: u32) -> Result<(), Fault> {
        let unmasked = !self.simd_ctl().masks & 0x3F;
        let raised = if flags & PRE & unmasked != 0 {
            flags & PRE
        } else {
            flags
        };
        self.state.sse.mxcsr |= raised & 0x3F;
        if raised & unmasked == 0 {
            return Ok(());
        }
        Err(if self.state.cr4 & CR4_OSXMMEXCPT != 0 {
            Fault::SimdFloatingPoint
        } else {
            Fault::InvalidOpcode
        })
    }
}

/// An element operation: format, destination element, source element, MXCSR, imm8.
type ElementFn = fn(Fmt, u64, u64, Ctl, u32) -> Lane;

/// Runs `f` over all elements (packed) or the lowest one (scalar).
fn elementwise(
    cpu: &mut Cpu,
    bus: &mut dyn Bus,
    op: &Op,
    fmt: Fmt,
    scalar: bool,
    f: ElementFn,
) -> Exec {
    cpu.sse_prologue()?;
    let b = cpu.vec_src(bus, op, false)?;
    let Loc::Xmm(d) = op.dst else {
        return cpu.advance(op);
    };
    let a = cpu.xmm(d);
    let ctl = cpu.simd_ctl();
    let bits = fmt.bits();
    let n = if scalar { 1 } else { 128 / bits };
    let (mut r, mut flags) = (a, 0);
    for i in 0..n {
        let (v, fl) = f(fmt, elem(a, bits, i), elem(b, bits, i), ctl, op.imm);
        r = put(r, bits, i, v);
        flags |= fl;
    }
    cpu.simd_exceptions(flags)?;
    cpu.set_xmm(d, r);
    cpu.advance(op)
}

/// Defines the packed-single, scalar-single, packed-double and scalar-double handlers of
/// one element operation.
macro_rules! families {
    ($($(#[$doc:meta])* [$ps:ident, $ss:ident, $pd:ident, $sd:ident] = |$f:ident, $a:ident, $b:ident, $c:ident, $i:ident| $e:expr;)*) => {
        $(
            families!(@one $(#[$doc])* $ps, S, false, |$f, $a, $b, $c, $i| $e);
            families!(@one $(#[$doc])* $ss, S, true, |$f, $a, $b, $c, $i| $e);
            families!(@one $(#[$doc])* $pd, D, false, |$f, $a, $b, $c, $i| $e);
            families!(@one $(#[$doc])* $sd, D, true, |$f, $a, $b, $c, $i| $e);
        )*
    };
    (@one $(#[$doc:meta])* $name:ident, $fmt:ident, $scalar:expr, |$f:ident, $a:ident, $b:ident, $c:ident, $i:ident| $e:expr) => {
        $(#[$doc])*
        pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
            #[allow(unused_variables)]
            fn lane($f: Fmt, $a: u64, $b: u64, $c: Ctl, $i: u32) -> Lane {
                $e
            }
            elementwise(cpu, bus, op, Fmt::$fmt, $scalar, lane)
        }
    };
}

families! {
    /// ADDPS, ADDSS, ADDPD, ADDSD.
    [addps, addss, addpd, addsd] = |f, a, b, c, i| sf::arith(f, a, b, c, f80::add);
    /// SUBPS, SUBSS, SUBPD, SUBSD.
    [subps, subss, subpd, subsd] = |f, a, b, c, i| sf::arith(f, a, b, c, f80::sub);
    /// MULPS, MULSS, MULPD, MULSD.
    [mulps, mulss, mulpd, mulsd] = |f, a, b, c, i| sf::arith(f, a, b, c, f80::mul);
    /// DIVPS, DIVSS, DIVPD, DIVSD.
    [divps, divss, divpd, divsd] = |f, a, b, c, i| sf::arith(f, a, b, c, f80::div);
    /// SQRTPS, SQRTSS, SQRTPD, SQRTSD: the square root of the source.
    [sqrtps, sqrtss, sqrtpd, sqrtsd] = |f, a, b, c, i| sf::sqrt(f, b, c);
    /// MINPS, MINSS, MINPD, MINSD.
    [minps, minss, minpd, minsd] = |f, a, b, c, i| sf::min_max(f, a, b, c, false);
    /// MAXPS, MAXSS, MAXPD, MAXSD.
    [maxps, maxss, maxpd, maxsd] = |f, a, b, c, i| sf::min_max(f, a, b, c, true);
    /// CMPPS, CMPSS, CMPPD, CMPSD with the predicate in imm8.
    [cmpps, cmpss, cmppd, cmpsd] = |f, a, b, c, i| sf::compare(f, a, b, c, i);
}

/// RCPPS (SDM Vol. 2 RCPPS).
pub fn rcpps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    elementwise(cpu, bus, op, Fmt::S, false, |_, _, b, _, _| {
        (u64::from(sf::reciprocal(b as u32, false)), 0)
    })
}

/// RCPSS.
pub fn rcpss(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    elementwise(cpu, bus, op, Fmt::S, true, |_, _, b, _, _| {
        (u64::from(sf::reciprocal(b as u32, false)), 0)
    })
}

/// RSQRTPS (SDM Vol. 2 RSQRTPS).
pub fn rsqrtps(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    elementwise(cpu, bus, op, Fmt::S, false, |_, _, b, _, _| {
        (u64::from(sf::reciprocal(b as u32, true)), 0)
    })
}

/// RSQRTSS.
pub fn rsqrtss(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    elementwise(cpu, bus, op, Fmt::S, true, |_, _, b, _, _| {
        (u64::from(sf::reciprocal(b as u32, true)), 0)
    })
}

/// COMIS* and UCOMIS*: ZF, PF, CF from the ordering (unordered 111, less 001, equal 100,
/// greater 000); OF, SF and AF cleared.
fn ordered(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, fmt: Fmt, quiet: bool) -> Exec {
    cpu.sse_prologue()?;
    let b = cpu.vec_src(bus, op, false)?;
    let a = match op.dst {
        Loc::Xmm(d) => cpu.xmm(d),
        _ => 0,
    };
    let bits = fmt.bits();
    let ctl = cpu.simd_ctl();
    let (o, flags) = sf::ordered_compare(fmt, elem(a, bits, 0), elem(b, bits, 0), ctl, quiet);
    cpu.simd_exceptions(flags)?;
    let (zf, pf, cf) = match o {
        Ordering3::Greater => (false, false, false),
        Ordering3::Less => (false, false, true),
        Ordering3::Equal => (true, false, false),
        Ordering3::Unordered => (true, true, true),
    };
    cpu.state.set_status(cf, pf, false, zf, false, false);
    cpu.advance(op)
}

/// COMISS (SDM Vol. 2 COMISS).
pub fn comiss(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    ordered(cpu, bus, op, Fmt::S, false)
}

/// COMISD.
pub fn comisd(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    ordered(cpu, bus, op, Fmt::D, false)
}

/// UCOMISS (SDM Vol. 2 UCOMISS).
pub fn ucomiss(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    ordered(cpu, bus, op, Fmt::S, true)
}

/// UCOMISD.
pub fn ucomisd(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    ordered(cpu, bus, op, Fmt::D, true)
}

/// An element kind of a conversion.
#[derive(Clone, Copy)]
enum Kind {
    F(Fmt),
    I32,
}

impl Kind {
    fn bits(self) -> u32 {
        match self {
            Kind::F(f) => f.bits(),
            Kind::I32 => 32,
        }
    }
}

/// A conversion: `n` elements from `from` to `to`, truncating (CVTT*) or rounding per
/// MXCSR; `keep` keeps the destination's bits above the results (scalar forms and
/// CVTPI2PS), else they are zeroed.
#[derive(Clone, Copy)]
struct Cvt {
    n: u32,
    from: Kind,
    to: Kind,
    truncate: bool,
    keep: bool,
}

fn convert_lane(c: Cvt, v: u64, ctl: Ctl) -> Lane {
    match (c.from, c.to) {
        (Kind::I32, Kind::F(f)) => sf::from_int(f, v, ctl),
        (Kind::F(f), Kind::I32) => sf::to_int(f, v, ctl, c.truncate),
        (Kind::F(a), Kind::F(b)) => sf::convert(a, b, v, ctl),
        (Kind::I32, Kind::I32) => (v, 0),
    }
}

/// Runs conversion `c`. With an MMX register as either operand the instruction is also an
/// MMX one: a pending x87 exception is reported first, and it ends with TOP = 0 and every
/// tag valid (SDM Vol. 2 CVTPI2PS, CVTPS2PI, ...).
fn convert(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, c: Cvt) -> Exec {
    cpu.sse_prologue()?;
    let mmx = matches!(op.src, Loc::Mmx(_)) || matches!(op.dst, Loc::Mmx(_));
    if mmx {
        cpu.pending_fpu_error(bus)?;
    }
    let src = cpu.vec_src(bus, op, false)?;
    let ctl = cpu.simd_ctl();
    let (fb, tb) = (c.from.bits(), c.to.bits());
    let mut r = match op.dst {
        Loc::Xmm(d) if c.keep => cpu.xmm(d),
        _ => 0,
    };
    let mut flags = 0;
    for i in 0..c.n {
        let (v, fl) = convert_lane(c, elem(src, fb, i), ctl);
        r = put(r, tb, i, v);
        flags |= fl;
    }
    cpu.simd_exceptions(flags)?;
    match op.dst {
        Loc::Xmm(d) => cpu.set_xmm(d, r),
        Loc::Reg(g) => cpu.state.set_reg(g as usize, 4, r as u32),
        Loc::Mmx(m) => cpu.set_mm(m, r as u64),
        _ => {}
    }
    if mmx {
        cpu.mmx_enter();
    }
    cpu.advance(op)
}

/// Defines conversion handlers: `name = n, from, to, truncate, keep`.
macro_rules! conversions {
    ($($(#[$doc:meta])* $name:ident = $n:expr, $from:expr, $to:expr, $trunc:expr, $keep:expr;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
                const C: Cvt = Cvt { n: $n, from: $from, to: $to, truncate: $trunc, keep: $keep };
                convert(cpu, bus, op, C)
            }
        )*
    };
}

const S: Kind = Kind::F(Fmt::S);
const D: Kind = Kind::F(Fmt::D);
const I: Kind = Kind::I32;

conversions! {
    /// CVTPS2PD (SDM Vol. 2 CVTPS2PD).
    cvtps2pd = 2, S, D, false, false;
    /// CVTPD2PS: the upper quadword is zeroed.
    cvtpd2ps = 2, D, S, false, false;
    /// CVTSS2SD.
    cvtss2sd = 1, S, D, false, true;
    /// CVTSD2SS.
    cvtsd2ss = 1, D, S, false, true;
    /// CVTDQ2PS.
    cvtdq2ps = 4, I, S, false, false;
    /// CVTPS2DQ.
    cvtps2dq = 4, S, I, false, false;
    /// CVTTPS2DQ.
    cvttps2dq = 4, S, I, true, false;
    /// CVTDQ2PD.
    cvtdq2pd = 2, I, D, false, false;
    /// CVTPD2DQ: the upper quadword is zeroed.
    cvtpd2dq = 2, D, I, false, false;
    /// CVTTPD2DQ.
    cvttpd2dq = 2, D, I, true, false;
    /// CVTPI2PS: the upper quadword is kept.
    cvtpi2ps = 2, I, S, false, true;
    /// CVTPS2PI.
    cvtps2pi = 2, S, I, false, false;
    /// CVTTPS2PI.
    cvttps2pi = 2, S, I, true, false;
    /// CVTPI2PD.
    cvtpi2pd = 2, I, D, false, false;
    /// CVTPD2PI.
    cvtpd2pi = 2, D, I, false, false;
    /// CVTTPD2PI.
    cvttpd2pi = 2, D, I, true, false;
    /// CVTSI2SS.
    cvtsi2ss = 1, I, S, false, true;
    /// CVTSI2SD.
    cvtsi2sd = 1, I, D, false, true;
    /// CVTSS2SI.
    cvtss2si = 1, S, I, false, false;
    /// CVTTSS2SI.
    cvttss2si = 1, S, I, true, false;
    /// CVTSD2SI.
    cvtsd2si = 1, D, I, false, false;
    /// CVTTSD2SI.
    cvttsd2si = 1, D, I, true, false;
}
