//! x87 instruction handlers (Intel SDM Vol. 2, the F* pages): data transfer, arithmetic,
//! comparison, constants, and control. Every handler starts with `prologue`, which raises
//! #NM for CR0.EM/TS and #MF for an unmasked exception still pending, and records the
//! last-instruction pointers.

use super::f80::{self, Class, Ordering3, F80};
use super::{sw, Fpu};
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::{Loc, Op};
use crate::exec::Exec;
use crate::fault::Fault;
use crate::state::{cr0, Seg};

/// How a memory operand is encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mem {
    Real,
    Int,
}

impl Cpu {
    /// Checks and bookkeeping every x87 instruction starts with (SDM Vol. 1 8.7, Vol. 3 2.5).
    /// A pending unmasked exception at a waiting instruction: #MF with CR0.NE set, else
    /// FERR# (IRQ 13 on the PC/AT) and the instruction goes on, as when the board's port
    /// 0xF0 logic asserts IGNNE# (SDM Vol. 1 8.7, Vol. 3 D.1).
    pub(crate) fn pending_fpu_error(&mut self, bus: &mut dyn Bus) -> Result<(), Fault> {
        if self.state.fpu.sw & sw::ES != 0 {
            if self.state.cr0 & cr0::NE != 0 {
                return Err(Fault::FloatingPoint);
            }
            bus.floating_point_error();
        }
        Ok(())
    }

    /// Ends an instruction that found an operand register empty: the masked response
    /// writes the indefinite to ST(`dst`) and pops if the instruction pops.
    pub(super) fn stack_underflow(&mut self, op: &Op, dst: u8, pop: bool) -> Exec {
        self.state.fpu.underflow_into(dst, pop);
        self.advance(op)
    }

    pub(super) fn prologue(
        &mut self,
        bus: &mut dyn Bus,
        op: &Op,
        waiting: bool,
    ) -> Result<(), Fault> {
        if self.state.cr0 & (cr0::EM | cr0::TS) != 0 {
            return Err(Fault::DeviceNotAvailable);
        }
        if waiting {
            self.pending_fpu_error(bus)?;
        }
        self.state.fpu.fip = self.state.eip as u32;
        self.state.fpu.fcs = self.state.seg[Seg::Cs as usize].selector;
        if op.dst == Loc::Mem {
            self.state.fpu.fdp = self.ea(op);
            self.state.fpu.fds = self.state.seg[op.seg as usize].selector;
        }
        Ok(())
    }

    /// Reads an `n`-byte memory image (environment or state) at the operand.
    pub(super) fn read_image(
        &mut self,
        bus: &mut dyn Bus,
        op: &Op,
        n: usize,
    ) -> Result<Vec<u8>, Fault> {
        let ea = self.ea(op);
        (0..n as u32)
            .map(|i| Ok(self.read(bus, op.seg as usize, ea.wrapping_add(i), 1)? as u8))
            .collect()
    }

    fn read_bytes(&mut self, bus: &mut dyn Bus, op: &Op, n: usize) -> Result<[u8; 10], Fault> {
        let ea = self.ea(op);
        let mut b = [0u8; 10];
        for (i, chunk) in b[..n].chunks_mut(4).enumerate() {
            let off = ea.wrapping_add(4 * i as u32);
            let v = self.read(bus, op.seg as usize, off, chunk.len() as u8)?;
            chunk.copy_from_slice(&v.to_le_bytes()[..chunk.len()]);
        }
        Ok(b)
    }

    pub(super) fn write_bytes(
        &mut self,
        bus: &mut dyn Bus,
        op: &Op,
        b: &[u8],
    ) -> Result<(), Fault> {
        let ea = self.ea(op);
        self.probe_write(bus, op.seg as usize, ea, b.len() as u32)?;
        for (i, chunk) in b.chunks(4).enumerate() {
            let mut v = [0u8; 4];
            v[..chunk.len()].copy_from_slice(chunk);
            let off = ea.wrapping_add(4 * i as u32);
            let v = u32::from_le_bytes(v);
            self.write(bus, op.seg as usize, off, chunk.len() as u8, v)?;
        }
        Ok(())
    }

    /// The memory operand as an 80-bit value, with the flags its conversion raised.
    fn load_mem(&mut self, bus: &mut dyn Bus, op: &Op, kind: Mem) -> Result<(F80, u16), Fault> {
        let b = self.read_bytes(bus, op, op.size as usize)?;
        Ok(match (kind, op.size) {
            (Mem::Real, 4) => f80::from_f32(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            (Mem::Real, 8) => {
                f80::from_f64(u64::from_le_bytes(b[..8].try_into().unwrap_or_default()))
            }
            // Loading an 80-bit value raises nothing, a denormal included (the host x87 agrees).
            (Mem::Real, _) => (F80::from_bytes(b), 0),
            (Mem::Int, 2) => (f80::from_i64(i16::from_le_bytes([b[0], b[1]]) as i64), 0),
            (Mem::Int, 4) => (
                f80::from_i64(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
                0,
            ),
            (Mem::Int, _) => (
                f80::from_i64(i64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
                0,
            ),
        })
    }
}

/// The register number of an ST(i) operand (ST(0) when there is none).
fn st_index(loc: Loc) -> u8 {
    match loc {
        Loc::Fpu(i) => i,
        _ => 0,
    }
}

fn done(cpu: &mut Cpu, op: &Op) -> Exec {
    cpu.state.fpu.sw &= !sw::C1;
    cpu.advance(op)
}

// ---- loads and stores ----

fn load(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, kind: Mem) -> Exec {
    cpu.prologue(bus, op, true)?;
    let v = match op.dst {
        Loc::Mem => Some(cpu.load_mem(bus, op, kind)?),
        _ => cpu.state.fpu.st(st_index(op.dst)).map(|v| (v, 0)),
    };
    let f = &mut cpu.state.fpu;
    let (value, flags) = match v {
        Some(x) => x,
        None => {
            f.stack_fault(false);
            if f.ie_unmasked() {
                return cpu.advance(op);
            }
            (F80::INDEFINITE, 0)
        }
    };
    if !f.is_empty(7) {
        f.stack_fault(true);
        if f.ie_unmasked() {
            return cpu.advance(op);
        }
        f.push(F80::INDEFINITE);
        return cpu.advance(op);
    }
    f.raise(flags);
    if flags & sw::IE != 0 && f.ie_unmasked() {
        return cpu.advance(op);
    }
    f.push(value);
    done(cpu, op)
}

pub fn fld(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load(cpu, bus, op, Mem::Real)
}

pub fn fild(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    load(cpu, bus, op, Mem::Int)
}

/// FST/FSTP/FIST/FISTP: ST(0) to memory or to ST(i).
fn store(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, kind: Mem, pop: bool) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let v = cpu.state.fpu.st(0);
    let (value, mut flags) = match v {
        Some(v) => (v, 0),
        None => (F80::INDEFINITE, sw::IE | sw::SF),
    };
    if flags != 0 && cpu.state.fpu.ie_unmasked() {
        cpu.state.fpu.raise(flags);
        return cpu.advance(op);
    }
    match op.dst {
        Loc::Mem => {
            let bytes: Vec<u8> = match (kind, op.size) {
                (Mem::Real, 4) => {
                    let (b, f) = f80::to_f32(value, env);
                    flags |= f;
                    b.to_le_bytes().to_vec()
                }
                (Mem::Real, 8) => {
                    let (b, f) = f80::to_f64(value, env);
                    flags |= f;
                    b.to_le_bytes().to_vec()
                }
                (Mem::Real, _) => value.to_bytes().to_vec(),
                (Mem::Int, size) => {
                    let (i, f) = f80::to_int(value, env, size as u32 * 8);
                    flags |= f;
                    i.to_le_bytes()[..size as usize].to_vec()
                }
            };
            // An unmasked invalid operation, overflow or underflow leaves memory and the
            // stack unchanged (SDM Vol. 1 8.5.1, 8.5.4, 8.5.5); the latter two report no
            // inexact result then (the host x87 agrees).
            let unmasked = flags & !cpu.state.fpu.cw;
            if unmasked & (sw::IE | sw::OE | sw::UE) != 0 {
                let unstored = if unmasked & (sw::OE | sw::UE) != 0 {
                    flags & !(sw::PE | sw::C1)
                } else {
                    flags
                };
                cpu.state.fpu.raise(unstored);
                return cpu.advance(op);
            }
            cpu.write_bytes(bus, op, &bytes)?;
        }
        loc => cpu.state.fpu.set_st(st_index(loc), value),
    }
    cpu.state.fpu.raise(flags);
    if pop {
        cpu.state.fpu.pop();
    }
    cpu.advance(op)
}

pub fn fst(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    store(cpu, bus, op, Mem::Real, false)
}
pub fn fstp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    store(cpu, bus, op, Mem::Real, true)
}
pub fn fist(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    store(cpu, bus, op, Mem::Int, false)
}
pub fn fistp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    store(cpu, bus, op, Mem::Int, true)
}

/// The constants of FLD1 ... FLDLN2 (SDM Vol. 1 8.3.2): (exponent, significand, whether
/// rounding down or toward zero takes one off the last bit).
const CONSTANTS: [(u16, u64, bool); 7] = [
    (0x3FFF, 0x8000_0000_0000_0000, false), // 1
    (0x0000, 0, false),                     // +0
    (0x4000, 0xC90F_DAA2_2168_C235, true),  // pi
    (0x3FFF, 0xB8AA_3B29_5C17_F0BC, true),  // log2(e)
    (0x4000, 0xD49A_784B_CD1B_8AFE, false), // log2(10): rounding up adds one
    (0x3FFD, 0x9A20_9A84_FBCF_F799, true),  // log10(2)
    (0x3FFE, 0xB172_17F7_D1CF_79AC, true),  // ln(2)
];

fn load_constant(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, index: usize) -> Exec {
    cpu.prologue(bus, op, true)?;
    let (exp, mut mant, down_rounds) = CONSTANTS[index];
    let rounding = cpu.state.fpu.env().rounding;
    use f80::Rounding::*;
    if down_rounds && matches!(rounding, Down | Zero) {
        mant -= 1;
    }
    if index == 4 && rounding == Up {
        mant += 1;
    }
    let f = &mut cpu.state.fpu;
    if !f.is_empty(7) {
        f.stack_fault(true);
        if !f.ie_unmasked() {
            f.push(F80::INDEFINITE);
        }
        return cpu.advance(op);
    }
    f.push(F80 {
        sign: false,
        exp,
        mant,
    });
    done(cpu, op)
}

macro_rules! constants {
    ($($name:ident = $i:expr),*) => {
        $(pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
            load_constant(cpu, bus, op, $i)
        })*
    };
}
constants!(
    fld1 = 0,
    fldz = 1,
    fldpi = 2,
    fldl2e = 3,
    fldl2t = 4,
    fldlg2 = 5,
    fldln2 = 6
);

// ---- arithmetic ----

#[derive(Clone, Copy, PartialEq, Eq)]
enum Arith {
    Add,
    Sub,
    SubR,
    Mul,
    Div,
    DivR,
}

/// FADD ... FDIVR in all their forms: `op` memory (ST(0) op= m), ST(0) op= ST(i),
/// ST(i) op= ST(0), and the popping forms.
fn arith(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, kind: Arith, mem: Mem, pop: bool) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    // Destination register and the two operands in "dst op src" order.
    let (dst, a, b) = match op.dst {
        Loc::Mem => {
            let (m, flags) = cpu.load_mem(bus, op, mem)?;
            cpu.state.fpu.raise(flags & (sw::IE | sw::DE));
            (0, cpu.state.fpu.st(0), Some(m))
        }
        Loc::Fpu(d) => {
            let s = st_index(op.src);
            (d, cpu.state.fpu.st(d), cpu.state.fpu.st(s))
        }
        _ => (1, cpu.state.fpu.st(1), cpu.state.fpu.st(0)),
    };
    let f = &mut cpu.state.fpu;
    let (Some(a), Some(b)) = (a, b) else {
        return cpu.stack_underflow(op, dst, pop);
    };
    let (r, flags) = match kind {
        Arith::Add => f80::add(a, b, env),
        Arith::Sub => f80::sub(a, b, env),
        Arith::SubR => f80::sub(b, a, env),
        Arith::Mul => f80::mul(a, b, env),
        Arith::Div => f80::div(a, b, env),
        Arith::DivR => f80::div(b, a, env),
    };
    f.raise(flags);
    if !f.blocks(flags) {
        f.set_st(dst, r);
    }
    if pop {
        f.pop();
    }
    cpu.advance(op)
}

macro_rules! arith_ops {
    ($($name:ident = $kind:ident, $mem:ident, $pop:expr);* $(;)?) => {
        $(pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
            arith(cpu, bus, op, Arith::$kind, Mem::$mem, $pop)
        })*
    };
}
arith_ops! {
    fadd = Add, Real, false; faddp = Add, Real, true; fiadd = Add, Int, false;
    fsub = Sub, Real, false; fsubp = Sub, Real, true; fisub = Sub, Int, false;
    fsubr = SubR, Real, false; fsubrp = SubR, Real, true; fisubr = SubR, Int, false;
    fmul = Mul, Real, false; fmulp = Mul, Real, true; fimul = Mul, Int, false;
    fdiv = Div, Real, false; fdivp = Div, Real, true; fidiv = Div, Int, false;
    fdivr = DivR, Real, false; fdivrp = DivR, Real, true; fidivr = DivR, Int, false;
}

/// A one-operand operation on ST(0).
fn unary(
    cpu: &mut Cpu,
    bus: &mut dyn Bus,
    op: &Op,
    f: impl FnOnce(F80, f80::Env) -> (F80, u16),
) -> Exec {
    cpu.prologue(bus, op, true)?;
    let env = cpu.state.fpu.env();
    let fpu = &mut cpu.state.fpu;
    let Some(a) = fpu.st(0) else {
        return cpu.stack_underflow(op, 0, false);
    };
    let (r, flags) = f(a, env);
    fpu.raise(flags);
    if !fpu.blocks(flags) {
        fpu.set_st(0, r);
    }
    cpu.advance(op)
}

pub fn fabs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    unary(cpu, bus, op, |a, _| (a.abs(), 0))
}
pub fn fchs(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    unary(cpu, bus, op, |a, _| (a.neg(), 0))
}
pub fn fsqrt(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    unary(cpu, bus, op, f80::sqrt)
}
pub fn frndint(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    unary(cpu, bus, op, f80::round_to_int)
}

pub fn fxch(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let i = match (op.dst, op.src) {
        (Loc::Fpu(0), Loc::Fpu(i)) | (Loc::Fpu(i), _) => i,
        _ => 1,
    };
    let f = &mut cpu.state.fpu;
    let (a, b) = (f.st(0), f.st(i));
    if a.is_none() || b.is_none() {
        f.stack_fault(false);
        if f.ie_unmasked() {
            return cpu.advance(op);
        }
    }
    f.set_st(0, b.unwrap_or(F80::INDEFINITE));
    f.set_st(i, a.unwrap_or(F80::INDEFINITE));
    done(cpu, op)
}

// ---- comparisons ----

/// C3, C2, C0 for a comparison result (SDM FCOM table).
fn condition_bits(o: Ordering3) -> u16 {
    match o {
        Ordering3::Greater => 0,
        Ordering3::Less => sw::C0,
        Ordering3::Equal => sw::C3,
        Ordering3::Unordered => sw::C3 | sw::C2 | sw::C0,
    }
}

/// Compares two operand registers' contents, raising the comparison's flags, or a stack
/// underflow (unordered) if either register is empty.
fn compare_operands(f: &mut Fpu, a: Option<F80>, b: Option<F80>, quiet: bool) -> Ordering3 {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (o, flags) = f80::compare(a, b, quiet);
            f.raise(flags);
            o
        }
        _ => {
            f.stack_fault(false);
            Ordering3::Unordered
        }
    }
}

/// FCOM/FUCOM/FICOM and their popping forms: ST(0) against the source.
fn compare(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, mem: Mem, quiet: bool, pops: u8) -> Exec {
    cpu.prologue(bus, op, true)?;
    let src = match (op.dst, op.src) {
        (Loc::Mem, _) => Some(cpu.load_mem(bus, op, mem)?.0),
        (_, Loc::Fpu(i)) => cpu.state.fpu.st(i),
        (Loc::Fpu(i), _) if i != 0 => cpu.state.fpu.st(i),
        _ => cpu.state.fpu.st(1),
    };
    let f = &mut cpu.state.fpu;
    let result = compare_operands(f, f.st(0), src, quiet);
    f.sw = (f.sw & !sw::CONDITION) | condition_bits(result);
    for _ in 0..pops {
        f.pop();
    }
    cpu.advance(op)
}

pub fn fcom(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Real, false, 0)
}
pub fn fcomp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Real, false, 1)
}
pub fn fcompp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Real, false, 2)
}
pub fn fucom(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Real, true, 0)
}
pub fn fucomp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Real, true, 1)
}
pub fn fucompp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Real, true, 2)
}
pub fn ficom(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Int, false, 0)
}
pub fn ficomp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare(cpu, bus, op, Mem::Int, false, 1)
}

pub fn ftst(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let f = &mut cpu.state.fpu;
    let result = compare_operands(f, f.st(0), Some(F80::zero(false)), false);
    f.sw = (f.sw & !sw::CONDITION) | condition_bits(result);
    cpu.advance(op)
}

/// FCOMI/FUCOMI and the popping forms: the result goes to ZF, PF, CF (SDM FCOMI).
fn compare_eflags(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op, quiet: bool, pop: bool) -> Exec {
    cpu.prologue(bus, op, true)?;
    let i = st_index(op.src);
    let f = &mut cpu.state.fpu;
    let result = compare_operands(f, f.st(0), f.st(i), quiet);
    f.sw &= !sw::C1;
    if pop {
        f.pop();
    }
    let (zf, pf, cf) = match result {
        Ordering3::Greater => (false, false, false),
        Ordering3::Less => (false, false, true),
        Ordering3::Equal => (true, false, false),
        Ordering3::Unordered => (true, true, true),
    };
    cpu.state.set_status(cf, pf, false, zf, false, false);
    cpu.advance(op)
}

pub fn fcomi(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare_eflags(cpu, bus, op, false, false)
}
pub fn fcomip(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare_eflags(cpu, bus, op, false, true)
}
pub fn fucomi(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare_eflags(cpu, bus, op, true, false)
}
pub fn fucomip(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    compare_eflags(cpu, bus, op, true, true)
}

/// FXAM: the class of ST(0) in C3, C2, C0 and its sign in C1 (SDM FXAM table).
pub fn fxam(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let f = &mut cpu.state.fpu;
    let p = ((f.top) & 7) as usize;
    let v = f.regs[p];
    let bits = if f.is_empty(0) {
        sw::C3 | sw::C0
    } else {
        match v.class() {
            Class::Unsupported => 0,
            Class::QNaN | Class::SNaN => sw::C0,
            Class::Normal => sw::C2,
            Class::Infinity => sw::C2 | sw::C0,
            Class::Zero => sw::C3,
            Class::Denormal => sw::C3 | sw::C2,
        }
    };
    let sign = if v.sign { sw::C1 } else { 0 };
    f.sw = (f.sw & !sw::CONDITION) | bits | sign;
    cpu.advance(op)
}

/// FCMOVcc: ST(0) = ST(i) when the EFLAGS condition holds.
fn fcmov(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let take = cpu.state.condition(op.cc);
    let i = st_index(op.src);
    let f = &mut cpu.state.fpu;
    match (f.st(0), f.st(i)) {
        (Some(_), Some(v)) => {
            if take {
                f.set_st(0, v);
            }
        }
        _ => f.underflow_into(0, false),
    }
    done(cpu, op)
}

// ---- control ----

pub fn finit(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let regs = cpu.state.fpu.regs;
    cpu.state.fpu = super::Fpu {
        regs,
        ..super::Fpu::default()
    };
    cpu.advance(op)
}

pub fn fclex(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    cpu.state.fpu.sw &= !(sw::EXCEPTIONS | sw::SF | sw::ES | sw::B);
    cpu.advance(op)
}

pub fn fstsw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let v = cpu.state.fpu.status() as u32;
    match op.dst {
        Loc::Reg(r) => cpu.state.set_r16(r as usize, v as u16),
        _ => {
            let ea = cpu.ea(op);
            cpu.write(bus, op.seg as usize, ea, 2, v)?;
        }
    }
    cpu.advance(op)
}

pub fn fstcw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let ea = cpu.ea(op);
    cpu.write(bus, op.seg as usize, ea, 2, cpu.state.fpu.cw as u32)?;
    cpu.advance(op)
}

pub fn fldcw(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let ea = cpu.ea(op);
    let v = cpu.read(bus, op.seg as usize, ea, 2)? as u16;
    let f = &mut cpu.state.fpu;
    f.cw = (v & 0x1F7F) | 0x0040;
    // A newly unmasked pending exception makes the status summary bits follow.
    if f.sw & !f.cw & sw::EXCEPTIONS != 0 {
        f.sw |= sw::ES | sw::B;
    } else {
        f.sw &= !(sw::ES | sw::B);
    }
    cpu.advance(op)
}

pub fn ffree(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    cpu.state.fpu.free(st_index(op.dst));
    cpu.advance(op)
}

/// FFREEP ST(i): FFREE, then pop (DF C0+i; every Intel x87 from the 80287 on runs it).
pub fn ffreep(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    cpu.state.fpu.free(st_index(op.dst));
    cpu.state.fpu.pop();
    cpu.advance(op)
}

/// FNENI, FNDISI (8087 interrupt mask) and FNSETPM (80287 protected mode): no-ops from the
/// 80387 on (SDM Vol. 1 8.1.1, and the 80387 Programmer's Reference).
pub fn fnop_legacy(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    cpu.advance(op)
}

pub fn fincstp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let f = &mut cpu.state.fpu;
    f.top = (f.top + 1) & 7;
    done(cpu, op)
}

pub fn fdecstp(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    let f = &mut cpu.state.fpu;
    f.top = (f.top + 7) & 7;
    done(cpu, op)
}

pub fn fnop(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, true)?;
    cpu.advance(op)
}

/// An x87 encoding only other coprocessors define (the 387SL's FSTDW/FSTSG, the 287XL's
/// FRSTPM, Cyrix's FRICHOP family): logged, and #UD.
pub fn missing(cpu: &mut Cpu, _bus: &mut dyn Bus, op: &Op) -> Exec {
    log::warn!("x87 instruction {:?} of another coprocessor: #UD", op.code);
    let _ = cpu;
    Err(Fault::InvalidOpcode)
}

/// FCMOVcc with its EFLAGS condition (B, E, BE, U and their negations).
macro_rules! fcmovs {
    ($($name:ident = $cc:expr),*) => {
        $(pub fn $name(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
            fcmov(cpu, bus, &Op { cc: $cc, ..*op })
        })*
    };
}
fcmovs!(
    fcmovb = 0x2,
    fcmovnb = 0x3,
    fcmove = 0x4,
    fcmovne = 0x5,
    fcmovbe = 0x6,
    fcmovnbe = 0x7,
    fcmovu = 0xA,
    fcmovnu = 0xB
);
