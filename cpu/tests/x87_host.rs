//! The host CPU's x87 as the oracle for amber's x87 instructions: the same instruction
//! sequence runs natively and in amber (32-bit protected mode, P6) over the same data, and
//! the data, the stored stack and the status words must agree bit for bit. Skipped on hosts
//! other than x86_64 Linux.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod flat32;

use flat32::{run_amber, run_native, Seq, CODE};
use iced_x86::code_asm::*;

// The data area the sequences use through EBX: inputs at 0..0x100, results after.

/// Appends the epilogue that dumps the x87 state into the data area: the status and control
/// words, then all eight registers popped as 80-bit values, then the status word again.
fn with_dump(a: &mut CodeAssembler, body: Seq) -> Result<(), IcedError> {
    a.fninit()?;
    body(a)?;
    a.fnstsw(word_ptr(ebx + 0x200))?;
    a.fnstcw(word_ptr(ebx + 0x202))?;
    for i in 0..8 {
        a.fstp(tword_ptr(ebx + 0x210 + 10 * i))?;
    }
    a.fnstsw(word_ptr(ebx + 0x260))
}

fn native(body: Seq, data: &mut [u8]) {
    run_native(|a| with_dump(a, body), data);
}

fn amber(body: Seq, data: &mut [u8]) {
    let mut a = CodeAssembler::new(32).unwrap();
    with_dump(&mut a, body).unwrap();
    a.hlt().unwrap();
    run_amber(&a.assemble(CODE).unwrap(), data, 10_000);
}

/// Inputs: doubles at 0x00.., floats at 0x80.., integers at 0xC0...
fn inputs() -> Vec<u8> {
    let mut d = vec![0u8; 0x1000];
    let doubles = [
        1.5f64,
        -2.25,
        3.0e300,
        1.0e-310,
        0.1,
        -0.0,
        f64::INFINITY,
        f64::NAN,
        7.0,
        1.0 / 3.0,
        -16390.0,
    ];
    for (i, v) in doubles.iter().enumerate() {
        d[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
    }
    let floats = [0.5f32, -3.75, 1.0e-40, 16_777_217.0];
    for (i, v) in floats.iter().enumerate() {
        d[0x80 + 4 * i..0x84 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    let ints = [12345i32, -7, i32::MIN, 0];
    for (i, v) in ints.iter().enumerate() {
        d[0xC0 + 4 * i..0xC4 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    d
}

fn check(name: &str, body: Seq) {
    let mut host = inputs();
    let mut ours = inputs();
    native(body, &mut host);
    amber(body, &mut ours);
    for at in (0..0x270).step_by(2) {
        assert_eq!(
            &ours[at..at + 2],
            &host[at..at + 2],
            "{name}: byte {at:#x} differs; from {:#x}:\n  host  {:02x?}\n  amber {:02x?}",
            at & !0x3F,
            &host[at & !0x3F..(at & !0x3F) + 0x62],
            &ours[at & !0x3F..(at & !0x3F) + 0x62]
        );
    }
}

macro_rules! sequences {
    ($($name:ident => |$a:ident| $body:block)*) => {
        $(
            #[test]
            fn $name() {
                fn body($a: &mut CodeAssembler) -> Result<(), IcedError> {
                    $body
                    Ok(())
                }
                check(stringify!($name), body);
            }
        )*
    };
}

/// Saves the x87 state with FNSAVE (which, not waiting, does not report the pending
/// unmasked exception, and then reinitialises the unit) at 0x120, with the instruction and
/// operand pointers, which hold host addresses natively, zeroed.
fn save_pending(a: &mut CodeAssembler) -> Result<(), IcedError> {
    a.fnsave(ptr(ebx + 0x120))?;
    for at in [0x12C, 0x130, 0x134, 0x138] {
        a.mov(dword_ptr(ebx + at), 0u32)?;
    }
    Ok(())
}

/// Squares ST(0) `n` times under control word `cw` (stored at 0x100): 3e300 overflows the
/// extended range on the fifth square and 1e-310 underflows it on the fourth.
fn square(a: &mut CodeAssembler, cw: u32, input: i32, n: usize) -> Result<(), IcedError> {
    a.mov(word_ptr(ebx + 0x100), cw)?;
    a.fldcw(word_ptr(ebx + 0x100))?;
    a.fld(qword_ptr(ebx + input))?;
    for _ in 0..n {
        a.fmul_2(st0, st0)?;
    }
    save_pending(a)
}

sequences! {
    unmasked_overflow_biases_the_exponent => |a| {
        square(a, 0x0377, 0x10, 5)?;
    }
    unmasked_overflow_at_double_precision => |a| {
        square(a, 0x0277, 0x10, 5)?;
    }
    unmasked_underflow_biases_the_exponent => |a| {
        square(a, 0x036F, 0x18, 4)?;
    }
    unmasked_underflow_of_an_exact_result => |a| {
        a.mov(word_ptr(ebx + 0x100), 0x036Fu32)?;
        a.fldcw(word_ptr(ebx + 0x100))?;
        a.fld(qword_ptr(ebx + 0x50))?;
        a.fld1()?;
        a.fscale()?;
        save_pending(a)?;
    }
    unmasked_overflow_on_a_store_to_memory => |a| {
        a.mov(word_ptr(ebx + 0x100), 0x0377u32)?;
        a.fldcw(word_ptr(ebx + 0x100))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fstp(dword_ptr(ebx + 0x108))?;
        save_pending(a)?;
    }
    unmasked_underflow_on_a_store_to_memory => |a| {
        a.mov(word_ptr(ebx + 0x100), 0x036Fu32)?;
        a.fldcw(word_ptr(ebx + 0x100))?;
        a.fld(qword_ptr(ebx + 0x18))?;
        a.fst(dword_ptr(ebx + 0x108))?;
        save_pending(a)?;
    }
    loads_and_constants => |a| {
        a.fld(qword_ptr(ebx))?;
        a.fld(dword_ptr(ebx + 0x84))?;
        a.fild(dword_ptr(ebx + 0xC4))?;
        a.fldpi()?;
        a.fldl2e()?;
        a.fldlg2()?;
        a.fld1()?;
        a.fldz()?;
    }
    arithmetic_forms => |a| {
        a.fld(qword_ptr(ebx))?;
        a.fld(qword_ptr(ebx + 8))?;
        a.fadd_2(st0, st1)?;
        a.fmul(qword_ptr(ebx + 0x20))?;
        a.fsub_2(st1, st0)?;
        a.fdivr(dword_ptr(ebx + 0x80))?;
        a.fiadd(dword_ptr(ebx + 0xC0))?;
        a.fld(qword_ptr(ebx + 0x48))?;
        a.fdivp(st1, st0)?;
        a.fsqrt()?;
        a.fchs()?;
        a.fabs()?;
    }
    rounding_and_precision => |a| {
        for cw in [0x037Fu32, 0x077F, 0x0B7F, 0x0F7F, 0x027F, 0x007F] {
            a.mov(word_ptr(ebx + 0x100), cw)?;
            a.fldcw(word_ptr(ebx + 0x100))?;
            a.fld(qword_ptr(ebx + 0x20))?;
            a.fdiv(qword_ptr(ebx + 0x48))?;
            a.fstp(qword_ptr(ebx + 0x110 + 8 * (cw as i32 >> 10)))?;
        }
        a.fld(qword_ptr(ebx + 0x48))?;
        a.frndint()?;
    }
    stores_and_integers => |a| {
        a.fld(qword_ptr(ebx + 0x20))?;
        a.fst(dword_ptr(ebx + 0x140))?;
        a.fist(dword_ptr(ebx + 0x144))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fist(word_ptr(ebx + 0x148))?;
        a.fistp(qword_ptr(ebx + 0x150))?;
        a.fld(qword_ptr(ebx + 0x40))?;
        a.fistp(dword_ptr(ebx + 0x158))?;
        a.fstp(tword_ptr(ebx + 0x160))?;
    }
    comparisons => |a| {
        a.fld(qword_ptr(ebx))?;
        a.fcom(qword_ptr(ebx + 8))?;
        a.fnstsw(word_ptr(ebx + 0x140))?;
        a.fld(qword_ptr(ebx + 0x38))?;
        a.fucom(st0, st1)?;
        a.fnstsw(word_ptr(ebx + 0x142))?;
        a.fcom_2(st0, st1)?;
        a.fnstsw(word_ptr(ebx + 0x144))?;
        a.ftst()?;
        a.fnstsw(word_ptr(ebx + 0x146))?;
        a.fxam()?;
        a.fnstsw(word_ptr(ebx + 0x148))?;
        a.fcomip(st0, st1)?;
        a.lahf()?;
        a.mov(byte_ptr(ebx + 0x14C), ah)?;
        a.fcompp()?;
    }
    stack_faults => |a| {
        a.fadd_2(st0, st3)?;
        a.fxch(st0, st2)?;
        for _ in 0..9 {
            a.fld1()?;
        }
        a.fincstp()?;
        a.ffree(st0)?;
        a.fdecstp()?;
    }
    ffreep_and_legacy_nops => |a| {
        a.fld1()?;
        a.fldz()?;
        a.fldpi()?;
        a.ffreep(st1)?;
        a.fneni()?;
        a.fndisi()?;
        a.fnsetpm()?;
        a.fadd_2(st0, st1)?;
    }
    environment_round_trip => |a| {
        a.fld(qword_ptr(ebx))?;
        a.fld(qword_ptr(ebx + 0x38))?;
        a.fdiv(qword_ptr(ebx + 0x28))?;
        a.fnstenv(ptr(ebx + 0x300))?;
        // Control, status and tag words (the pointers differ between host and guest).
        for (from, to) in [(0, 0x170), (4, 0x172), (8, 0x174)] {
            a.mov(ax, word_ptr(ebx + 0x300 + from))?;
            a.mov(word_ptr(ebx + to), ax)?;
        }
        a.fnclex()?;
        a.fldenv(ptr(ebx + 0x300))?;
        a.fnsave(ptr(ebx + 0x380))?;
        a.fld1()?;
        a.frstor(ptr(ebx + 0x380))?;
    }
    conditional_moves => |a| {
        a.fld(qword_ptr(ebx))?;
        a.fld(qword_ptr(ebx + 8))?;
        a.stc()?;
        a.fcmovb(st0, st1)?;
        a.fld(qword_ptr(ebx + 0x40))?;
        a.clc()?;
        a.fcmovb(st0, st1)?;
        a.fxch(st0, st1)?;
    }
    scale_and_extract => |a| {
        a.ftst()?;
        a.fnclex()?;
        a.fild(dword_ptr(ebx + 0xC4))?;
        a.fld(qword_ptr(ebx))?;
        a.fscale()?;
        a.fxtract()?;
        a.fnstsw(word_ptr(ebx + 0x100))?;
        a.fild(dword_ptr(ebx + 0xC0))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x102))?;
        a.fstp(tword_ptr(ebx + 0x110))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fscale()?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x106))?;
        a.fstp(tword_ptr(ebx + 0x120))?;
        a.fstp(st0)?;
        a.fild(dword_ptr(ebx + 0xC8))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x108))?;
        a.fstp(tword_ptr(ebx + 0x130))?;
        a.fstp(st0)?;
        a.fld(qword_ptr(ebx + 0x28))?;
        a.fxtract()?;
        a.fnstsw(word_ptr(ebx + 0x104))?;
        a.fld(qword_ptr(ebx + 0x38))?;
        a.fxtract()?;
    }
    scale_extract_stack_faults => |a| {
        a.ftst()?;
        a.fnclex()?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x100))?;
        a.fxtract()?;
        a.fnstsw(word_ptr(ebx + 0x102))?;
        a.fstp(st0)?;
        a.fstp(st0)?;
        for _ in 0..7 {
            a.fld1()?;
        }
        a.fld(qword_ptr(ebx + 0x20))?;
        a.fxtract()?;
    }
    remainders => |a| {
        a.fld(qword_ptr(ebx + 0x40))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        let mut again = a.create_label();
        a.set_label(&mut again)?;
        a.fprem()?;
        a.fnstsw(ax)?;
        a.test(ah, 4)?;
        a.jnz(again)?;
        a.mov(word_ptr(ebx + 0x100), ax)?;
        a.fld(qword_ptr(ebx + 0x08))?;
        a.fld(qword_ptr(ebx + 0x48))?;
        a.fprem1()?;
        a.fnstsw(word_ptr(ebx + 0x102))?;
        a.fld(qword_ptr(ebx + 0x30))?;
        a.fprem()?;
        a.fnstsw(word_ptr(ebx + 0x104))?;
        a.fld(qword_ptr(ebx + 0x38))?;
        a.fld1()?;
        a.fchs()?;
        a.fxam()?;
        a.fstp(st0)?;
        a.fprem1()?;
        a.fnstsw(word_ptr(ebx + 0x106))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fprem1()?;
    }
    remainder_stack_faults => |a| {
        a.ftst()?;
        a.fnstsw(word_ptr(ebx + 0x102))?;
        a.fld1()?;
        a.fprem()?;
        a.fnstsw(word_ptr(ebx + 0x100))?;
        a.fincstp()?;
        a.fprem1()?;
    }
    packed_bcd => |a| {
        a.ftst()?;
        a.fnclex()?;
        a.mov(dword_ptr(ebx + 0x100), 0x1234_5678u32)?;
        a.mov(dword_ptr(ebx + 0x104), 0x9012_3456u32)?;
        a.mov(word_ptr(ebx + 0x108), 0x8078u32)?;
        a.fbld(tword_ptr(ebx + 0x100))?;
        a.fxam()?;
        a.fbld(tword_ptr(ebx + 0x100))?;
        a.fnstsw(word_ptr(ebx + 0x172))?;
        a.fstp(st0)?;
        a.fld(st0)?;
        a.fbstp(tword_ptr(ebx + 0x110))?;
        a.fld(qword_ptr(ebx + 0x08))?;
        a.fbstp(tword_ptr(ebx + 0x120))?;
        a.fnstsw(word_ptr(ebx + 0x10A))?;
        a.fld(qword_ptr(ebx + 0x10))?;
        a.fbstp(tword_ptr(ebx + 0x130))?;
        a.fnstsw(word_ptr(ebx + 0x10C))?;
        a.fld(qword_ptr(ebx + 0x38))?;
        a.fbstp(tword_ptr(ebx + 0x140))?;
        a.mov(word_ptr(ebx + 0x1F0), 0x0B7Fu32)?;
        a.fldcw(word_ptr(ebx + 0x1F0))?;
        a.fld(qword_ptr(ebx))?;
        a.fbstp(tword_ptr(ebx + 0x150))?;
        a.fnstsw(word_ptr(ebx + 0x10E))?;
        a.fstp(st0)?;
        a.fbstp(tword_ptr(ebx + 0x160))?;
        a.fnstsw(word_ptr(ebx + 0x170))?;
        for _ in 0..8 {
            a.fld1()?;
        }
        a.fbld(tword_ptr(ebx + 0x100))?;
    }
    unmasked_invalid_and_zero_divide => |a| {
        a.mov(word_ptr(ebx + 0x1F0), 0x0372u32)?;
        a.mov(word_ptr(ebx + 0x1F2), 0x037Fu32)?;
        a.ftst()?;
        a.fnclex()?;
        a.fldcw(word_ptr(ebx + 0x1F0))?;
        a.fldz()?;
        a.fxtract()?;
        a.fnstsw(word_ptr(ebx + 0x100))?;
        a.fnclex()?;
        a.fld1()?;
        a.fprem()?;
        a.fnstsw(word_ptr(ebx + 0x102))?;
        a.fnclex()?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x104))?;
        a.fnclex()?;
        a.fld(qword_ptr(ebx + 0x30))?;
        a.fbstp(tword_ptr(ebx + 0x110))?;
        a.fnstsw(word_ptr(ebx + 0x106))?;
        a.fnclex()?;
        a.fldz()?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x108))?;
        a.fnclex()?;
        a.fldcw(word_ptr(ebx + 0x1F2))?;
    }
    unmasked_denormal => |a| {
        a.mov(dword_ptr(ebx + 0x1F4), -16400i32)?;
        a.mov(word_ptr(ebx + 0x1F0), 0x037Du32)?;
        a.mov(word_ptr(ebx + 0x1F2), 0x037Fu32)?;
        a.fild(dword_ptr(ebx + 0x1F4))?;
        a.fld1()?;
        a.fscale()?;
        a.fstp(st1)?;
        a.fld1()?;
        a.fld(st1)?;
        a.fldcw(word_ptr(ebx + 0x1F0))?;
        a.fprem()?;
        a.fnstsw(word_ptr(ebx + 0x100))?;
        a.fnclex()?;
        a.fscale()?;
        a.fnstsw(word_ptr(ebx + 0x102))?;
        a.fnclex()?;
        a.fxtract()?;
        a.fnstsw(word_ptr(ebx + 0x104))?;
        a.fnclex()?;
        a.fldcw(word_ptr(ebx + 0x1F2))?;
    }
}
