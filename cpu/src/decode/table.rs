//! The one table from instruction forms to handlers. The interpreter runs the handler; the
//! JIT inlines the common ones and calls the handler for the rest, so both share semantics.

use std::sync::OnceLock;

use iced_x86::{CpuidFeature, Instruction, Mnemonic as M, OpKind};

use super::{Handler, Loc, Op};
use crate::cpu::Cpu;
use crate::descriptor_ops;
use crate::exec::{alu, bcd, control, data, fast, io, muldiv, shift, stack, string, system};
use crate::fpu;
use crate::model::CpuModel;
use crate::msr;

pub const UD: Handler = system::ud;
pub const NOP: Handler = system::nop;
pub const GP: Handler = system::gp;
pub const POP_CS: Handler = stack::pop_cs;

/// Mnemonic -> handler for every instruction whose form the mnemonic decides.
const TABLE: &[(M, Handler)] = &[
    (M::Add, alu::add),
    (M::Adc, alu::adc),
    (M::Sub, alu::sub),
    (M::Sbb, alu::sbb),
    (M::Cmp, alu::cmp),
    (M::And, alu::and),
    (M::Or, alu::or),
    (M::Xor, alu::xor),
    (M::Test, alu::test),
    (M::Inc, alu::inc),
    (M::Dec, alu::dec),
    (M::Neg, alu::neg),
    (M::Not, alu::not),
    (M::Rol, shift::rol),
    (M::Ror, shift::ror),
    (M::Rcl, shift::rcl),
    (M::Rcr, shift::rcr),
    (M::Shl, shift::shl),
    (M::Sal, shift::shl),
    (M::Shr, shift::shr),
    (M::Sar, shift::sar),
    (M::Shld, shift::shld),
    (M::Shrd, shift::shrd),
    (M::Mul, muldiv::mul),
    (M::Div, muldiv::div),
    (M::Idiv, muldiv::idiv),
    (M::Daa, bcd::daa),
    (M::Das, bcd::das),
    (M::Aaa, bcd::aaa),
    (M::Aas, bcd::aas),
    (M::Aam, bcd::aam),
    (M::Aad, bcd::aad),
    (M::Mov, data::mov),
    (M::Movzx, data::movzx),
    (M::Movsx, data::movsx),
    (M::Xchg, data::xchg),
    (M::Xadd, data::xadd),
    (M::Cmpxchg, data::cmpxchg),
    (M::Cmpxchg8b, data::cmpxchg8b),
    (M::Lea, data::lea),
    (M::Lds, data::lds),
    (M::Les, data::les),
    (M::Lfs, data::lfs),
    (M::Lgs, data::lgs),
    (M::Lss, data::lss),
    (M::Bswap, data::bswap),
    (M::Cbw, data::cbw),
    (M::Cwde, data::cbw),
    (M::Cwd, data::cwd),
    (M::Cdq, data::cwd),
    (M::Lahf, data::lahf),
    (M::Sahf, data::sahf),
    (M::Xlatb, data::xlat),
    (M::Salc, data::salc),
    (M::Bt, data::bt),
    (M::Bts, data::bts),
    (M::Btr, data::btr),
    (M::Btc, data::btc),
    (M::Bsf, data::bsf),
    (M::Bsr, data::bsr),
    (M::Push, stack::push),
    (M::Pop, stack::pop),
    (M::Pusha, stack::pusha),
    (M::Pushad, stack::pusha),
    (M::Popa, stack::popa),
    (M::Popad, stack::popa),
    (M::Pushf, stack::pushf),
    (M::Pushfd, stack::pushf),
    (M::Popf, stack::popf),
    (M::Popfd, stack::popf),
    (M::Enter, stack::enter),
    (M::Leave, stack::leave),
    (M::Ret, control::ret_near),
    (M::Retf, control::ret_far),
    (M::Iret, control::iret),
    (M::Iretd, control::iret),
    (M::Jcxz, control::jcxz),
    (M::Jecxz, control::jcxz),
    (M::Loop, control::loop_),
    (M::Loope, control::loope),
    (M::Loopne, control::loopne),
    (M::Int, control::int),
    (M::Int3, control::int3),
    (M::Into, control::into),
    (M::Int1, control::int1),
    (M::Bound, control::bound),
    (M::Hlt, control::hlt),
    (M::Movsb, string::movs),
    (M::Movsw, string::movs),
    (M::Movsd, string::movs),
    (M::Cmpsb, string::cmps),
    (M::Cmpsw, string::cmps),
    (M::Cmpsd, string::cmps),
    (M::Scasb, string::scas),
    (M::Scasw, string::scas),
    (M::Scasd, string::scas),
    (M::Lodsb, string::lods),
    (M::Lodsw, string::lods),
    (M::Lodsd, string::lods),
    (M::Stosb, string::stos),
    (M::Stosw, string::stos),
    (M::Stosd, string::stos),
    (M::Insb, string::ins),
    (M::Insw, string::ins),
    (M::Insd, string::ins),
    (M::Outsb, string::outs),
    (M::Outsw, string::outs),
    (M::Outsd, string::outs),
    (M::In, io::in_),
    (M::Out, io::out),
    (M::Nop, system::nop),
    (M::Pause, system::nop),
    (M::Clc, system::clc),
    (M::Stc, system::stc),
    (M::Cmc, system::cmc),
    (M::Cld, system::cld),
    (M::Std, system::std),
    (M::Cli, system::cli),
    (M::Sti, system::sti),
    (M::Cpuid, system::cpuid),
    (M::Rdtsc, system::rdtsc),
    (M::Wait, system::wait),
    (M::Lgdt, system::lgdt),
    (M::Lidt, system::lidt),
    (M::Sgdt, system::sgdt),
    (M::Sidt, system::sidt),
    (M::Smsw, system::smsw),
    (M::Lmsw, system::lmsw),
    (M::Clts, system::clts),
    (M::Invd, system::cache_control),
    (M::Wbinvd, system::cache_control),
    (M::Ud2, system::ud),
    (M::Invlpg, system::invlpg),
    (M::Ltr, descriptor_ops::ltr),
    (M::Rdmsr, msr::rdmsr),
    (M::Wrmsr, msr::wrmsr),
    (M::Rdpmc, msr::rdpmc),
    (M::Sysenter, msr::sysenter),
    (M::Sysexit, msr::sysexit),
    (M::Lldt, descriptor_ops::lldt),
    (M::Str, descriptor_ops::str_),
    (M::Sldt, descriptor_ops::sldt),
    (M::Lar, descriptor_ops::lar),
    (M::Lsl, descriptor_ops::lsl),
    (M::Verr, descriptor_ops::verr),
    (M::Verw, descriptor_ops::verw),
    (M::Arpl, descriptor_ops::arpl),
];

fn lookup(m: M) -> Option<Handler> {
    static MAP: OnceLock<Vec<Option<Handler>>> = OnceLock::new();
    let map = MAP.get_or_init(|| {
        let n = TABLE.iter().map(|&(m, _)| m as usize).max().unwrap_or(0) + 1;
        let mut v = vec![None; n];
        for &(m, h) in TABLE {
            v[m as usize] = Some(h);
        }
        v
    });
    map.get(m as usize).copied().flatten()
}

/// String instructions take their element size from the memory operand.
pub fn is_string(m: M) -> bool {
    matches!(
        m,
        M::Movsb
            | M::Movsw
            | M::Movsd
            | M::Cmpsb
            | M::Cmpsw
            | M::Cmpsd
            | M::Scasb
            | M::Scasw
            | M::Scasd
            | M::Lodsb
            | M::Lodsw
            | M::Lodsd
            | M::Stosb
            | M::Stosw
            | M::Stosd
            | M::Insb
            | M::Insw
            | M::Insd
            | M::Outsb
            | M::Outsw
            | M::Outsd
    )
}

/// Instructions after which the run loop must look at the CPU again (flags that gate
/// interrupts or tracing, halting, a mode change).
pub fn ends_block(m: M) -> bool {
    matches!(m, M::Popf | M::Popfd | M::Sti | M::Hlt | M::Lmsw)
}

/// An op that raises #UD.
pub fn invalid(len: u8) -> Op {
    Op::simple(UD, len, 2)
}

/// x87 mnemonic -> handler for models with an FPU; encodings only other vendors' coprocessors
/// define are `fpu::missing`.
const X87: &[(M, Handler)] = &[
    (M::Fld, fpu::fld),
    (M::Fild, fpu::fild),
    (M::Fst, fpu::fst),
    (M::Fstp, fpu::fstp),
    (M::Fist, fpu::fist),
    (M::Fistp, fpu::fistp),
    (M::Fld1, fpu::fld1),
    (M::Fldz, fpu::fldz),
    (M::Fldpi, fpu::fldpi),
    (M::Fldl2e, fpu::fldl2e),
    (M::Fldl2t, fpu::fldl2t),
    (M::Fldlg2, fpu::fldlg2),
    (M::Fldln2, fpu::fldln2),
    (M::Fadd, fpu::fadd),
    (M::Faddp, fpu::faddp),
    (M::Fiadd, fpu::fiadd),
    (M::Fsub, fpu::fsub),
    (M::Fsubp, fpu::fsubp),
    (M::Fisub, fpu::fisub),
    (M::Fsubr, fpu::fsubr),
    (M::Fsubrp, fpu::fsubrp),
    (M::Fisubr, fpu::fisubr),
    (M::Fmul, fpu::fmul),
    (M::Fmulp, fpu::fmulp),
    (M::Fimul, fpu::fimul),
    (M::Fdiv, fpu::fdiv),
    (M::Fdivp, fpu::fdivp),
    (M::Fidiv, fpu::fidiv),
    (M::Fdivr, fpu::fdivr),
    (M::Fdivrp, fpu::fdivrp),
    (M::Fidivr, fpu::fidivr),
    (M::Fabs, fpu::fabs),
    (M::Fchs, fpu::fchs),
    (M::Fsqrt, fpu::fsqrt),
    (M::Frndint, fpu::frndint),
    (M::Fxch, fpu::fxch),
    (M::Fcom, fpu::fcom),
    (M::Fcomp, fpu::fcomp),
    (M::Fcompp, fpu::fcompp),
    (M::Fucom, fpu::fucom),
    (M::Fucomp, fpu::fucomp),
    (M::Fucompp, fpu::fucompp),
    (M::Ficom, fpu::ficom),
    (M::Ficomp, fpu::ficomp),
    (M::Ftst, fpu::ftst),
    (M::Fcomi, fpu::fcomi),
    (M::Fcomip, fpu::fcomip),
    (M::Fucomi, fpu::fucomi),
    (M::Fucomip, fpu::fucomip),
    (M::Fxam, fpu::fxam),
    (M::Fcmovb, fpu::fcmovb),
    (M::Fcmovnb, fpu::fcmovnb),
    (M::Fcmove, fpu::fcmove),
    (M::Fcmovne, fpu::fcmovne),
    (M::Fcmovbe, fpu::fcmovbe),
    (M::Fcmovnbe, fpu::fcmovnbe),
    (M::Fcmovu, fpu::fcmovu),
    (M::Fcmovnu, fpu::fcmovnu),
    (M::Fninit, fpu::finit),
    (M::Finit, fpu::finit),
    (M::Fnclex, fpu::fclex),
    (M::Fclex, fpu::fclex),
    (M::Fnstsw, fpu::fstsw),
    (M::Fstsw, fpu::fstsw),
    (M::Fnstcw, fpu::fstcw),
    (M::Fstcw, fpu::fstcw),
    (M::Fldcw, fpu::fldcw),
    (M::Ffree, fpu::ffree),
    (M::Ffreep, fpu::ffreep),
    (M::Fneni, fpu::fnop_legacy),
    (M::Feni, fpu::fnop_legacy),
    (M::Fndisi, fpu::fnop_legacy),
    (M::Fdisi, fpu::fnop_legacy),
    (M::Fnsetpm, fpu::fnop_legacy),
    (M::Fsetpm, fpu::fnop_legacy),
    (M::Fincstp, fpu::fincstp),
    (M::Fdecstp, fpu::fdecstp),
    (M::Fnop, fpu::fnop),
    (M::Fnstenv, fpu::fstenv),
    (M::Fstenv, fpu::fstenv),
    (M::Fldenv, fpu::fldenv),
    (M::Fnsave, fpu::fsave),
    (M::Fsave, fpu::fsave),
    (M::Frstor, fpu::frstor),
    (M::Fscale, fpu::fscale),
    (M::Fxtract, fpu::fxtract),
    (M::Fprem, fpu::fprem),
    (M::Fprem1, fpu::fprem1),
    (M::Fbld, fpu::fbld),
    (M::Fbstp, fpu::fbstp),
    (M::F2xm1, fpu::f2xm1),
    (M::Fyl2x, fpu::fyl2x),
    (M::Fyl2xp1, fpu::fyl2xp1),
    (M::Fpatan, fpu::fpatan),
    (M::Fptan, fpu::fptan),
    (M::Fsin, fpu::fsin),
    (M::Fcos, fpu::fcos),
    (M::Fsincos, fpu::fsincos),
];

fn mmx_handler(m: M) -> Handler {
    fpu::PACKED
        .iter()
        .find(|&&(x, _)| x == m)
        .map_or(UD, |&(_, h)| h)
}

/// SSE and SSE2 mnemonic -> handler (SDM Vol. 1 ch. 10 and 11) for what is not packed
/// integer arithmetic.
const SSE: &[(M, Handler)] = &[
    (M::Movaps, fpu::movaps),
    (M::Movapd, fpu::movaps),
    (M::Movdqa, fpu::movaps),
    (M::Movntps, fpu::movaps),
    (M::Movntpd, fpu::movaps),
    (M::Movntdq, fpu::movaps),
    (M::Movups, fpu::movups),
    (M::Movupd, fpu::movups),
    (M::Movdqu, fpu::movups),
    (M::Movss, fpu::mov_scalar),
    (M::Movsd, fpu::mov_scalar),
    (M::Movlps, fpu::movlps),
    (M::Movlpd, fpu::movlps),
    (M::Movhps, fpu::movhps),
    (M::Movhpd, fpu::movhps),
    (M::Movhlps, fpu::movhlps),
    (M::Movlhps, fpu::movlhps),
    (M::Andps, fpu::andps),
    (M::Andpd, fpu::andps),
    (M::Andnps, fpu::andnps),
    (M::Andnpd, fpu::andnps),
    (M::Orps, fpu::orps),
    (M::Orpd, fpu::orps),
    (M::Xorps, fpu::xorps),
    (M::Xorpd, fpu::xorps),
    (M::Unpcklps, fpu::unpcklps),
    (M::Unpckhps, fpu::unpckhps),
    (M::Unpcklpd, fpu::unpcklpd),
    (M::Unpckhpd, fpu::unpckhpd),
    (M::Shufps, fpu::shufps),
    (M::Shufpd, fpu::shufpd),
    (M::Movmskps, fpu::movmskps),
    (M::Movmskpd, fpu::movmskps),
    (M::Movd, fpu::movd_xmm),
    (M::Movq, fpu::movd_xmm),
    (M::Ldmxcsr, fpu::ldmxcsr),
    (M::Stmxcsr, fpu::stmxcsr),
    (M::Sfence, fpu::fence),
    (M::Lfence, fpu::fence),
    (M::Mfence, fpu::fence),
    (M::Prefetchnta, fpu::fence),
    (M::Prefetcht0, fpu::fence),
    (M::Prefetcht1, fpu::fence),
    (M::Prefetcht2, fpu::fence),
    (M::Clflush, fpu::clflush),
    (M::Movnti, fpu::movnti),
    (M::Fxsave, fpu::fxsave),
    (M::Fxrstor, fpu::fxrstor),
    (M::Addps, fpu::addps),
    (M::Addss, fpu::addss),
    (M::Addpd, fpu::addpd),
    (M::Addsd, fpu::addsd),
    (M::Subps, fpu::subps),
    (M::Subss, fpu::subss),
    (M::Subpd, fpu::subpd),
    (M::Subsd, fpu::subsd),
    (M::Mulps, fpu::mulps),
    (M::Mulss, fpu::mulss),
    (M::Mulpd, fpu::mulpd),
    (M::Mulsd, fpu::mulsd),
    (M::Divps, fpu::divps),
    (M::Divss, fpu::divss),
    (M::Divpd, fpu::divpd),
    (M::Divsd, fpu::divsd),
    (M::Sqrtps, fpu::sqrtps),
    (M::Sqrtss, fpu::sqrtss),
    (M::Sqrtpd, fpu::sqrtpd),
    (M::Sqrtsd, fpu::sqrtsd),
    (M::Minps, fpu::minps),
    (M::Minss, fpu::minss),
    (M::Minpd, fpu::minpd),
    (M::Minsd, fpu::minsd),
    (M::Maxps, fpu::maxps),
    (M::Maxss, fpu::maxss),
    (M::Maxpd, fpu::maxpd),
    (M::Maxsd, fpu::maxsd),
    (M::Cmpps, fpu::cmpps),
    (M::Cmpss, fpu::cmpss),
    (M::Cmppd, fpu::cmppd),
    (M::Cmpsd, fpu::cmpsd),
    (M::Rcpps, fpu::rcpps),
    (M::Rcpss, fpu::rcpss),
    (M::Rsqrtps, fpu::rsqrtps),
    (M::Rsqrtss, fpu::rsqrtss),
    (M::Comiss, fpu::comiss),
    (M::Comisd, fpu::comisd),
    (M::Ucomiss, fpu::ucomiss),
    (M::Ucomisd, fpu::ucomisd),
    (M::Cvtps2pd, fpu::cvtps2pd),
    (M::Cvtpd2ps, fpu::cvtpd2ps),
    (M::Cvtss2sd, fpu::cvtss2sd),
    (M::Cvtsd2ss, fpu::cvtsd2ss),
    (M::Cvtdq2ps, fpu::cvtdq2ps),
    (M::Cvtps2dq, fpu::cvtps2dq),
    (M::Cvttps2dq, fpu::cvttps2dq),
    (M::Cvtdq2pd, fpu::cvtdq2pd),
    (M::Cvtpd2dq, fpu::cvtpd2dq),
    (M::Cvttpd2dq, fpu::cvttpd2dq),
    (M::Cvtpi2ps, fpu::cvtpi2ps),
    (M::Cvtps2pi, fpu::cvtps2pi),
    (M::Cvttps2pi, fpu::cvttps2pi),
    (M::Cvtpi2pd, fpu::cvtpi2pd),
    (M::Cvtpd2pi, fpu::cvtpd2pi),
    (M::Cvttpd2pi, fpu::cvttpd2pi),
    (M::Cvtsi2ss, fpu::cvtsi2ss),
    (M::Cvtsi2sd, fpu::cvtsi2sd),
    (M::Cvtss2si, fpu::cvtss2si),
    (M::Cvttss2si, fpu::cvttss2si),
    (M::Cvtsd2si, fpu::cvtsd2si),
    (M::Cvttsd2si, fpu::cvttsd2si),
];

/// Whether iced files the instruction under an SSE-era extension amber implements.
fn is_sse(instr: &Instruction) -> bool {
    instr.cpuid_features().iter().any(|f| {
        matches!(
            f,
            CpuidFeature::SSE | CpuidFeature::SSE2 | CpuidFeature::FXSR | CpuidFeature::CLFSH
        )
    })
}

/// The handler of an SSE-era instruction: the SSE table, then the packed-integer one shared
/// with MMX.
fn sse_handler(m: M) -> Handler {
    SSE.iter()
        .find(|&&(x, _)| x == m)
        .map_or_else(|| mmx_handler(m), |&(_, h)| h)
}

fn x87_handler(m: M) -> Handler {
    X87.iter()
        .find(|&&(x, _)| x == m)
        .map_or(fpu::missing, |&(_, h)| h)
}

fn is_x87(instr: &Instruction) -> bool {
    instr.cpuid_features().iter().any(|f| {
        matches!(
            f,
            CpuidFeature::FPU | CpuidFeature::FPU287 | CpuidFeature::FPU387
        )
    })
}

/// Whether operand 0 or 1 is a segment register.
fn sreg_operand(instr: &Instruction, i: u32) -> bool {
    i < instr.op_count()
        && instr.op_kind(i) == OpKind::Register
        && instr.op_register(i).is_segment_register()
}

/// A far pointer in memory (JMP/CALL m16:16 or m16:32).
fn far_memory(instr: &Instruction) -> bool {
    instr.op_count() > 0
        && instr.op_kind(0) == OpKind::Memory
        && matches!(
            instr.memory_size(),
            iced_x86::MemorySize::SegPtr16 | iced_x86::MemorySize::SegPtr32
        )
}

/// The handler for a decoded instruction on `cpu`'s model.
pub fn handler(cpu: &Cpu, instr: &Instruction) -> Handler {
    let m = instr.mnemonic();
    if is_x87(instr) {
        return if cpu.quirks.fpu {
            x87_handler(m)
        } else {
            system::esc
        };
    }
    // Before BMI1 and LZCNT, F3 0F BC/BD are BSF/BSR with an ignored REP prefix; software
    // such as Linux's __ffs uses the TZCNT encoding on purpose because of it.
    match m {
        M::Tzcnt if !cpu.model.supports(CpuidFeature::BMI1) => return data::bsf,
        M::Lzcnt if !cpu.model.supports(CpuidFeature::LZCNT) => return data::bsr,
        _ => {}
    }
    if cpu.quirks.has_ud
        && !instr
            .cpuid_features()
            .iter()
            .all(|&f| cpu.model.supports(f))
    {
        return UD;
    }
    if is_sse(instr) {
        return sse_handler(m);
    }
    if instr.cpuid_features().contains(&CpuidFeature::MMX) {
        return if cpu.model.supports(CpuidFeature::MMX) {
            mmx_handler(m)
        } else {
            UD
        };
    }
    let near = || {
        matches!(
            instr.op0_kind(),
            OpKind::NearBranch16 | OpKind::NearBranch32
        )
    };
    let far = || matches!(instr.op0_kind(), OpKind::FarBranch16 | OpKind::FarBranch32);
    let has_control_reg = (0..instr.op_count()).any(|i| {
        instr.op_kind(i) == OpKind::Register && {
            let r = instr.op_register(i);
            r.is_cr() || r.is_dr() || r.is_tr()
        }
    });
    match m {
        M::Mov if instr.op0_register().is_cr() => system::mov_to_cr,
        M::Mov if instr.op1_register().is_cr() => system::mov_from_cr,
        M::Mov if instr.op0_register().is_dr() => msr::mov_to_dr,
        M::Mov if instr.op1_register().is_dr() => msr::mov_from_dr,
        M::Mov if has_control_reg => UD,
        M::Mov if sreg_operand(instr, 0) => data::mov_to_sreg,
        M::Mov if sreg_operand(instr, 1) => data::mov_from_sreg,
        M::Push if sreg_operand(instr, 0) => stack::push_sreg,
        M::Pop if sreg_operand(instr, 0) => stack::pop_sreg,
        M::Jmp if near() => control::jmp_rel,
        M::Jmp if far() => control::jmp_far,
        M::Jmp if far_memory(instr) => control::jmp_far_mem,
        M::Jmp => control::jmp_rm,
        M::Call if near() => control::call_rel,
        M::Call if far() => control::call_far,
        M::Call if far_memory(instr) => control::call_far_mem,
        M::Call => control::call_rm,
        M::Imul => match instr.op_count() {
            1 => muldiv::imul1,
            2 => muldiv::imul2,
            _ => muldiv::imul3,
        },
        M::Sal if cpu.model == CpuModel::I8086 => shift::setmo,
        _ if instr.is_jcc_short_or_near() => control::jcc,
        _ if SETCC.contains(&m) => data::setcc,
        _ if CMOVCC.contains(&m) => data::cmovcc,
        _ => lookup(m).unwrap_or(UD),
    }
}

/// The SETcc mnemonics, one per condition.
const SETCC: [M; 16] = [
    M::Seto,
    M::Setno,
    M::Setb,
    M::Setae,
    M::Sete,
    M::Setne,
    M::Setbe,
    M::Seta,
    M::Sets,
    M::Setns,
    M::Setp,
    M::Setnp,
    M::Setl,
    M::Setge,
    M::Setle,
    M::Setg,
];

/// The CMOVcc mnemonics.
const CMOVCC: [M; 16] = [
    M::Cmovo,
    M::Cmovno,
    M::Cmovb,
    M::Cmovae,
    M::Cmove,
    M::Cmovne,
    M::Cmovbe,
    M::Cmova,
    M::Cmovs,
    M::Cmovns,
    M::Cmovp,
    M::Cmovnp,
    M::Cmovl,
    M::Cmovge,
    M::Cmovle,
    M::Cmovg,
];

/// The ALU operations with specialised forms, for the JIT to inline (`Form::Alu`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AluOp {
    Add,
    Sub,
    Cmp,
    And,
    Or,
    Xor,
    Test,
}

/// Which specialised form an op has: the handler in `exec/fast.rs` it runs, which the JIT
/// inlines with the same semantics. `Other` ops run their general handler (and the JIT
/// calls it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Other,
    /// MOV register, register.
    MovRR,
    /// MOV register, immediate.
    MovRI,
    /// MOV register, memory.
    MovRM,
    /// MOV memory, register.
    MovMR,
    /// An ALU operation on a register with a register source.
    AluRR(AluOp),
    /// An ALU operation on a register with an immediate source.
    AluRI(AluOp),
    /// An ALU operation on a register with a memory source.
    AluRM(AluOp),
    /// An ALU operation on memory with a register source.
    AluMR(AluOp),
    /// An ALU operation on memory with an immediate source.
    AluMI(AluOp),
    /// MOV memory, immediate.
    MovMI,
    /// INC and DEC of a register, and of memory.
    IncR,
    DecR,
    IncM,
    DecM,
    /// NOT and NEG of a register.
    NotR,
    NegR,
    /// ADC and SBB of a register with a register or immediate source.
    Adc,
    Sbb,
    /// LEA.
    Lea,
    /// PUSH and POP of a general register.
    PushR,
    PopR,
    /// MOVZX and MOVSX to a register from a register or memory.
    Movzx,
    Movsx,
    /// SETcc of a byte register.
    Setcc,
    /// CMOVcc to a register from a register or memory.
    Cmov,
    /// SHL, SHR and SAR of a register by an immediate count or by CL.
    Shl,
    Shr,
    Sar,
    /// IMUL of a register by a register or memory (`muldiv::imul2`), and of a register or
    /// memory by an immediate into a register (`muldiv::imul3`).
    Imul,
    ImulImm,
    /// MOVS, CMPS, SCAS, LODS and STOS without a REP prefix (`exec::string`).
    Movs,
    Cmps,
    Scas,
    Lods,
    Stos,
    /// A conditional near jump (`control::jcc`).
    Jcc,
    /// A relative near jump, call, and the near return.
    JmpRel,
    CallRel,
    RetNear,
    /// A near jump or call through a register or memory (`control::jmp_rm`, `call_rm`),
    /// which the JIT runs through the helper and follows to a block of its region.
    JmpRm,
    CallRm,
}

/// Which operands a row of `INLINED` takes.
#[derive(Clone, Copy, PartialEq)]
enum Operands {
    Any,
    /// A general register destination.
    Reg,
    /// A string instruction without a REP prefix.
    Once,
    /// A memory destination.
    Mem,
    /// A general register destination and a register or immediate source.
    RegRegImm,
}

/// Which instructions a row of the JIT's tables is for: a handler alone does not say, since
/// the compiler may fold handlers with the same body (MOV's and MOVZX's) into one function.
#[derive(Clone, Copy)]
enum Family {
    One(M),
    Jcc,
    Setcc,
    Cmovcc,
    /// The byte, word and doubleword forms of a string instruction.
    Sizes([M; 3]),
}

impl Family {
    fn has(self, op: &Op) -> bool {
        let m = op.code.mnemonic();
        match self {
            Family::One(one) => m == one,
            Family::Jcc => op.code.is_jcc_short_or_near(),
            Family::Setcc => SETCC.contains(&m),
            Family::Cmovcc => CMOVCC.contains(&m),
            Family::Sizes(ms) => ms.contains(&m),
        }
    }
}

/// Handlers the JIT inlines as they are (they have no specialised handler), with the
/// instructions and operands it inlines them for.
const INLINED: &[(Family, Handler, Operands, Form)] = &[
    (Family::Jcc, control::jcc, Operands::Any, Form::Jcc),
    (
        Family::One(M::Jmp),
        control::jmp_rel,
        Operands::Any,
        Form::JmpRel,
    ),
    (
        Family::One(M::Call),
        control::call_rel,
        Operands::Any,
        Form::CallRel,
    ),
    (
        Family::One(M::Ret),
        control::ret_near,
        Operands::Any,
        Form::RetNear,
    ),
    (
        Family::One(M::Jmp),
        control::jmp_rm,
        Operands::Any,
        Form::JmpRm,
    ),
    (
        Family::One(M::Call),
        control::call_rm,
        Operands::Any,
        Form::CallRm,
    ),
    (Family::One(M::Lea), data::lea, Operands::Reg, Form::Lea),
    (Family::One(M::Inc), alu::inc, Operands::Reg, Form::IncR),
    (Family::One(M::Dec), alu::dec, Operands::Reg, Form::DecR),
    (Family::One(M::Inc), alu::inc, Operands::Mem, Form::IncM),
    (Family::One(M::Dec), alu::dec, Operands::Mem, Form::DecM),
    (Family::One(M::Not), alu::not, Operands::Reg, Form::NotR),
    (Family::One(M::Neg), alu::neg, Operands::Reg, Form::NegR),
    (
        Family::One(M::Adc),
        alu::adc,
        Operands::RegRegImm,
        Form::Adc,
    ),
    (
        Family::One(M::Sbb),
        alu::sbb,
        Operands::RegRegImm,
        Form::Sbb,
    ),
    (
        Family::One(M::Push),
        stack::push,
        Operands::Reg,
        Form::PushR,
    ),
    (Family::One(M::Pop), stack::pop, Operands::Reg, Form::PopR),
    (
        Family::One(M::Movzx),
        data::movzx,
        Operands::Reg,
        Form::Movzx,
    ),
    (
        Family::One(M::Movsx),
        data::movsx,
        Operands::Reg,
        Form::Movsx,
    ),
    (Family::Setcc, data::setcc, Operands::Reg, Form::Setcc),
    (Family::Cmovcc, data::cmovcc, Operands::Reg, Form::Cmov),
    (
        Family::One(M::Imul),
        muldiv::imul2,
        Operands::Reg,
        Form::Imul,
    ),
    (
        Family::One(M::Imul),
        muldiv::imul3,
        Operands::Reg,
        Form::ImulImm,
    ),
    (
        Family::Sizes([M::Movsb, M::Movsw, M::Movsd]),
        string::movs,
        Operands::Once,
        Form::Movs,
    ),
    (
        Family::Sizes([M::Cmpsb, M::Cmpsw, M::Cmpsd]),
        string::cmps,
        Operands::Once,
        Form::Cmps,
    ),
    (
        Family::Sizes([M::Scasb, M::Scasw, M::Scasd]),
        string::scas,
        Operands::Once,
        Form::Scas,
    ),
    (
        Family::Sizes([M::Lodsb, M::Lodsw, M::Lodsd]),
        string::lods,
        Operands::Once,
        Form::Lods,
    ),
    (
        Family::Sizes([M::Stosb, M::Stosw, M::Stosd]),
        string::stos,
        Operands::Once,
        Form::Stos,
    ),
    (
        Family::One(M::Shl),
        shift::shl,
        Operands::RegRegImm,
        Form::Shl,
    ),
    (
        Family::One(M::Sal),
        shift::shl,
        Operands::RegRegImm,
        Form::Shl,
    ),
    (
        Family::One(M::Shr),
        shift::shr,
        Operands::RegRegImm,
        Form::Shr,
    ),
    (
        Family::One(M::Sar),
        shift::sar,
        Operands::RegRegImm,
        Form::Sar,
    ),
];

/// A general handler and its specialised forms by operand kinds.
struct Forms {
    mnemonic: M,
    general: Handler,
    reg_reg: Option<(Handler, Form)>,
    reg_imm: Option<(Handler, Form)>,
    reg_mem: Option<(Handler, Form)>,
    mem_reg: Option<(Handler, Form)>,
    mem_imm: Option<(Handler, Form)>,
}

/// An ALU operation's forms: specialised handlers with register destinations, the general
/// one (which the JIT inlines) with memory operands.
const fn alu(
    mnemonic: M,
    general: Handler,
    reg_reg: Handler,
    reg_imm: Handler,
    op: AluOp,
) -> Forms {
    Forms {
        mnemonic,
        general,
        reg_reg: Some((reg_reg, Form::AluRR(op))),
        reg_imm: Some((reg_imm, Form::AluRI(op))),
        reg_mem: Some((general, Form::AluRM(op))),
        mem_reg: Some((general, Form::AluMR(op))),
        mem_imm: Some((general, Form::AluMI(op))),
    }
}

const SPECIALISED: &[Forms] = &[
    Forms {
        mnemonic: M::Mov,
        general: data::mov,
        reg_reg: Some((fast::mov_rr, Form::MovRR)),
        reg_imm: Some((fast::mov_ri, Form::MovRI)),
        reg_mem: Some((fast::mov_rm, Form::MovRM)),
        mem_reg: Some((fast::mov_mr, Form::MovMR)),
        mem_imm: Some((data::mov, Form::MovMI)),
    },
    alu(M::Add, alu::add, fast::add_rr, fast::add_ri, AluOp::Add),
    alu(M::Sub, alu::sub, fast::sub_rr, fast::sub_ri, AluOp::Sub),
    alu(M::Cmp, alu::cmp, fast::cmp_rr, fast::cmp_ri, AluOp::Cmp),
    alu(M::And, alu::and, fast::and_rr, fast::and_ri, AluOp::And),
    alu(M::Or, alu::or, fast::or_rr, fast::or_ri, AluOp::Or),
    alu(M::Xor, alu::xor, fast::xor_rr, fast::xor_ri, AluOp::Xor),
    alu(
        M::Test,
        alu::test,
        fast::test_rr,
        fast::test_ri,
        AluOp::Test,
    ),
];

/// The specialised form of `op`'s handler for its operand kinds, if there is one, and
/// which form it is.
pub fn specialise(op: &Op) -> (Handler, Form) {
    let general = op.exec as usize;
    let fits = |operands| match operands {
        Operands::Any => true,
        Operands::Reg => matches!(op.dst, Loc::Reg(_)),
        Operands::Once => op.rep == 0,
        Operands::Mem => matches!(op.dst, Loc::Mem),
        Operands::RegRegImm => matches!((op.dst, op.src), (Loc::Reg(_), Loc::Reg(_) | Loc::Imm)),
    };
    let mut rows = INLINED
        .iter()
        .filter(|&&(family, h, _, _)| h as usize == general && family.has(op))
        .peekable();
    if rows.peek().is_some() {
        let form = rows
            .find(|row| fits(row.2))
            .map_or(Form::Other, |row| row.3);
        return (op.exec, form);
    }
    let mnemonic = op.code.mnemonic();
    let row = SPECIALISED
        .iter()
        .find(|r| r.general as usize == general && r.mnemonic == mnemonic);
    let Some(row) = row else {
        return (op.exec, Form::Other);
    };
    // Specialised forms handle operands of one size only (MOVZX-like size changes excluded).
    if op.size != op.ssize {
        return (op.exec, Form::Other);
    }
    let form = match (op.dst, op.src) {
        (Loc::Reg(_), Loc::Reg(_)) => row.reg_reg,
        (Loc::Reg(_), Loc::Imm) => row.reg_imm,
        (Loc::Reg(_), Loc::Mem) => row.reg_mem,
        (Loc::Mem, Loc::Reg(_)) => row.mem_reg,
        (Loc::Mem, Loc::Imm) => row.mem_imm,
        _ => None,
    };
    form.unwrap_or((op.exec, Form::Other))
}
