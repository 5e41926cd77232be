//! The built-in demo guest: a real-mode program, loaded like a boot sector at 0000:7C00,
//! that greets, lists the primes below 100 and the first Fibonacci numbers on the debug
//! console (port E9), and halts. It runs on every CPU model from the 8086 on. Its source is
//! the assembly below, written with iced-x86's code assembler, so no external tools are
//! needed to build amber.

use iced_x86::code_asm::*;

/// Where the demo is loaded and starts (the boot-sector address).
pub const LOAD_ADDRESS: u32 = 0x7C00;
/// The debug-console port the demo writes to.
pub const DEBUG_PORT: u16 = 0xE9;

/// The demo's machine code.
pub fn program() -> Vec<u8> {
    // The code's length does not depend on where the texts go (MOV SI, imm16 has one
    // encoding), so a first pass finds where the code ends and the texts can follow it.
    let code_len = build(0).expect("the demo guest's assembly is valid").len() - TEXTS_LEN;
    build(LOAD_ADDRESS as usize + code_len).expect("the demo guest's assembly is valid")
}

const GREETING: &[u8] = b"Hello from amber, an x86 PC emulator.\n\0";
const PRIMES: &[u8] = b"Primes below 100: \0";
const FIBONACCI: &[u8] = b"\nFibonacci: \0";
const TEXTS_LEN: usize = GREETING.len() + PRIMES.len() + FIBONACCI.len();

/// Assembles the demo with its texts at `texts` (an offset in segment 0).
fn build(texts: usize) -> Result<Vec<u8>, IcedError> {
    let mut a = CodeAssembler::new(16)?;
    let greeting = texts as u32;
    let primes_text = greeting + GREETING.len() as u32;
    let fib_text = primes_text + PRIMES.len() as u32;
    let mut print_string = a.create_label();
    let mut print_number = a.create_label();
    let mut next_candidate = a.create_label();
    let mut trial = a.create_label();
    let mut is_prime = a.create_label();
    let mut fib_loop = a.create_label();

    // Segments: everything at 0, stack below the program.
    a.xor(ax, ax)?;
    a.mov(ds, ax)?;
    a.mov(es, ax)?;
    a.mov(ss, ax)?;
    a.mov(sp, LOAD_ADDRESS)?;
    a.cld()?;
    a.mov(si, greeting)?;
    a.call(print_string)?;

    // Primes below 100 by trial division.
    a.mov(si, primes_text)?;
    a.call(print_string)?;
    a.mov(cx, 2u32)?;
    a.set_label(&mut next_candidate)?;
    a.mov(bx, 2u32)?;
    a.set_label(&mut trial)?;
    a.cmp(bx, cx)?;
    a.jae(is_prime)?;
    a.mov(ax, cx)?;
    a.xor(dx, dx)?;
    a.div(bx)?;
    a.inc(bx)?;
    a.test(dx, dx)?;
    a.jnz(trial)?;
    let mut composite = a.create_label();
    a.jmp(composite)?;
    a.set_label(&mut is_prime)?;
    a.mov(ax, cx)?;
    a.call(print_number)?;
    a.set_label(&mut composite)?;
    a.inc(cx)?;
    a.cmp(cx, 100u32)?;
    a.jb(next_candidate)?;

    // Fibonacci numbers that fit in 16 bits.
    a.mov(si, fib_text)?;
    a.call(print_string)?;
    a.mov(ax, 0u32)?;
    a.mov(bx, 1u32)?;
    a.set_label(&mut fib_loop)?;
    a.push(ax)?;
    a.call(print_number)?;
    a.pop(ax)?;
    a.xchg(ax, bx)?;
    a.add(bx, ax)?;
    a.jnc(fib_loop)?;
    a.call(print_number)?;
    a.mov(al, b'\n' as u32)?;
    a.out(DEBUG_PORT as u32, al)?;
    a.cli()?;
    a.hlt()?;

    // print_string: DS:SI -> port E9 until a zero byte.
    a.set_label(&mut print_string)?;
    let mut ps_done = a.create_label();
    a.lodsb()?;
    a.test(al, al)?;
    a.jz(ps_done)?;
    a.out(DEBUG_PORT as u32, al)?;
    a.jmp(print_string)?;
    a.set_label(&mut ps_done)?;
    a.ret()?;

    // print_number: AX in decimal and a space; keeps BX, CX.
    a.set_label(&mut print_number)?;
    a.push(bx)?;
    a.push(cx)?;
    a.mov(bx, 10u32)?;
    a.xor(cx, cx)?;
    let mut pn_digits = a.create_label();
    let mut pn_out = a.create_label();
    a.set_label(&mut pn_digits)?;
    a.xor(dx, dx)?;
    a.div(bx)?;
    a.push(dx)?;
    a.inc(cx)?;
    a.test(ax, ax)?;
    a.jnz(pn_digits)?;
    a.set_label(&mut pn_out)?;
    a.pop(ax)?;
    a.add(al, b'0' as u32)?;
    a.out(DEBUG_PORT as u32, al)?;
    a.loop_(pn_out)?;
    a.mov(al, b' ' as u32)?;
    a.out(DEBUG_PORT as u32, al)?;
    a.pop(cx)?;
    a.pop(bx)?;
    a.ret()?;

    a.db(GREETING)?;
    a.db(PRIMES)?;
    a.db(FIBONACCI)?;
    a.assemble(LOAD_ADDRESS as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_assembles_into_a_boot_sector() {
        let code = super::program();
        assert!(
            !code.is_empty() && code.len() <= 510,
            "{} bytes",
            code.len()
        );
    }
}
