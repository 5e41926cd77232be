//! The built-in demo guest: a three-sector floppy the built-in BIOS boots. It greets, lists
//! the primes below 100 and the first Fibonacci numbers, names the processor (the flag tests
//! of Intel's processor identification note AP-485, then CPUID's vendor string), draws
//! colour bars in mode 13h, and echoes typed keys on the screen until Esc, or until no key
//! comes for 30 seconds; then it powers the machine off through ACPI. Text goes to the
//! screen through INT 10h and to the debug console (port E9h), so a headless run prints it.
//! It runs on every CPU model from the 8086 on. Its source is the assembly below, written
//! with iced-x86's code assembler, so no external tools are needed to build amber.

use iced_x86::code_asm::*;

/// Where the BIOS loads the boot sector.
pub const LOAD_ADDRESS: u32 = 0x7C00;
/// The debug-console port the demo writes to.
pub const DEBUG_PORT: u16 = 0xE9;
/// Sectors of the program (the boot sector loads the ones after it).
const SECTORS: usize = 3;
/// A 1.44M diskette.
const FLOPPY_SIZE: usize = 1_474_560;
/// Where the vendor string goes while it is printed.
const VENDOR_BUFFER: u32 = 0x500;
/// 30 seconds of the BIOS's 18.2 Hz tick.
const IDLE_TICKS: u32 = 546;
/// ACPI PM1a control: SLP_EN with SLP_TYP 0, the DSDT's `\_S5` (soft off).
const PM1A_CNT: u32 = 0x604;
const SLEEP_S5: u32 = 0x2000;

/// The demo's diskette image: the program in its first sectors, the boot signature.
pub fn floppy() -> Vec<u8> {
    let mut image = program();
    image.resize(FLOPPY_SIZE, 0);
    image[510] = 0x55;
    image[511] = 0xAA;
    image
}

/// The program as loaded at 0000:7C00 (at most `SECTORS` sectors, the boot signature's two
/// bytes left free).
pub fn program() -> Vec<u8> {
    // The code's length does not depend on where the texts go (MOV SI, imm16 has one
    // encoding), so a first pass finds where the code ends and the texts can follow it.
    let code_len = build(0).expect("the demo guest's assembly is valid").len() - TEXTS_LEN;
    build(LOAD_ADDRESS as usize + code_len).expect("the demo guest's assembly is valid")
}

const TEXTS: [&[u8]; 9] = [
    b"Hello from amber, an x86 PC emulator.\n\0",
    b"Primes below 100: \0",
    b"\nFibonacci: \0",
    b"\nCPU: \0",
    b"8086/8088\0",
    b"80286\0",
    b"80386\0",
    b"80486\0",
    b"\nType keys (Esc ends): \0",
];
const GOODBYE: &[u8] = b"\nBye.\n\0";
const TEXTS_LEN: usize = {
    let mut n = GOODBYE.len();
    let mut i = 0;
    while i < TEXTS.len() {
        n += TEXTS[i].len();
        i += 1;
    }
    n
};

/// Assembles the demo with its texts at `texts` (an offset in segment 0).
fn build(texts: usize) -> Result<Vec<u8>, IcedError> {
    let mut at = [0u32; 10];
    let mut next = texts as u32;
    for (slot, t) in at.iter_mut().zip(TEXTS.iter().chain([&GOODBYE])) {
        *slot = next;
        next += t.len() as u32;
    }
    let [greeting, primes_text, fib_text, cpu_text, t8086, t286, t386, t486, keys_text, bye] = at;
    let mut a = CodeAssembler::new(16)?;
    let mut print_string = a.create_label();
    let mut putc = a.create_label();
    let mut print_number = a.create_label();

    // The boot sector, padded to its end (the signature goes in the padding); the rest of
    // the program starts in sector 2, at 7E00h.
    let mut sector = CodeAssembler::new(16)?;
    boot_sector(&mut sector)?;
    let boot_len = sector.assemble(LOAD_ADDRESS as u64)?.len();
    boot_sector(&mut a)?;
    a.db(&vec![0u8; 512 - boot_len])?;

    a.mov(si, greeting)?;
    a.call(print_string)?;

    // Primes below 100 by trial division.
    a.mov(si, primes_text)?;
    a.call(print_string)?;
    a.mov(cx, 2u32)?;
    let mut next_candidate = a.create_label();
    let mut trial = a.create_label();
    let mut is_prime = a.create_label();
    let mut composite = a.create_label();
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
    let mut fib_loop = a.create_label();
    a.set_label(&mut fib_loop)?;
    a.push(ax)?;
    a.call(print_number)?;
    a.pop(ax)?;
    a.xchg(ax, bx)?;
    a.add(bx, ax)?;
    a.jnc(fib_loop)?;
    a.call(print_number)?;

    // The processor, by AP-485's flag tests: FLAGS bits 12-15 stuck at 1 is an 8086, stuck
    // at 0 in real mode a 286; EFLAGS.AC (bit 18) fixed is a 386, EFLAGS.ID (bit 21) fixed a
    // 486 without CPUID; otherwise CPUID leaf 0 names the vendor.
    a.mov(si, cpu_text)?;
    a.call(print_string)?;
    let mut named = a.create_label();
    let mut vendor = a.create_label();
    a.pushf()?;
    a.pop(ax)?;
    a.mov(cx, ax)?;
    a.and(ax, 0x0FFFu32)?;
    a.push(ax)?;
    a.popf()?;
    a.pushf()?;
    a.pop(ax)?;
    a.mov(si, t8086)?;
    a.and(ax, 0xF000u32)?;
    a.cmp(ax, 0xF000u32)?;
    a.je(named)?;
    a.mov(ax, cx)?;
    a.or(ax, 0xF000u32)?;
    a.push(ax)?;
    a.popf()?;
    a.pushf()?;
    a.pop(ax)?;
    a.mov(si, t286)?;
    a.test(ax, 0xF000u32)?;
    a.jz(named)?;
    for (bit, name) in [(1u32 << 18, t386), (1 << 21, t486)] {
        a.pushfd()?;
        a.pop(eax)?;
        a.mov(edx, eax)?;
        a.xor(eax, bit)?;
        a.push(eax)?;
        a.popfd()?;
        a.pushfd()?;
        a.pop(eax)?;
        a.push(edx)?;
        a.popfd()?;
        a.xor(eax, edx)?;
        a.mov(si, name)?;
        a.test(eax, bit)?;
        a.jz(named)?;
    }
    a.jmp(vendor)?;
    a.set_label(&mut named)?;
    a.push(cx)?;
    a.popf()?;
    a.call(print_string)?;
    let mut graphics = a.create_label();
    a.jmp(graphics)?;
    a.set_label(&mut vendor)?;
    a.xor(eax, eax)?;
    a.cpuid()?;
    a.mov(si, VENDOR_BUFFER)?;
    a.mov(dword_ptr(si), ebx)?;
    a.mov(dword_ptr(si + 4), edx)?;
    a.mov(dword_ptr(si + 8), ecx)?;
    a.mov(byte_ptr(si + 12), 0u32)?;
    a.call(print_string)?;

    // Mode 13h: colour bars, 16 across and 8 down (colour 16 * (y / 25) + x / 20).
    a.set_label(&mut graphics)?;
    a.mov(ax, 0x0013u32)?;
    a.int(0x10)?;
    a.push(es)?;
    a.mov(ax, 0xA000u32)?;
    a.mov(es, ax)?;
    a.xor(di, di)?;
    a.xor(dx, dx)?;
    let mut row = a.create_label();
    let mut column = a.create_label();
    a.set_label(&mut row)?;
    a.mov(ax, dx)?;
    a.mov(bl, 25u32)?;
    a.div(bl)?;
    a.mov(cl, 4u32)?;
    a.shl(al, cl)?;
    a.mov(bh, al)?;
    a.xor(si, si)?;
    a.set_label(&mut column)?;
    a.mov(ax, si)?;
    a.mov(bl, 20u32)?;
    a.div(bl)?;
    a.add(al, bh)?;
    a.stosb()?;
    a.inc(si)?;
    a.cmp(si, 320u32)?;
    a.jb(column)?;
    a.inc(dx)?;
    a.cmp(dx, 200u32)?;
    a.jb(row)?;
    a.pop(es)?;

    // Echo keys until Esc or 30 idle seconds.
    a.mov(si, keys_text)?;
    a.call(print_string)?;
    let mut restart = a.create_label();
    let mut wait = a.create_label();
    let mut got = a.create_label();
    let mut done = a.create_label();
    a.set_label(&mut restart)?;
    a.mov(di, word_ptr(0x46C))?;
    a.set_label(&mut wait)?;
    a.mov(ah, 1u32)?;
    a.int(0x16)?;
    a.jnz(got)?;
    a.mov(ax, word_ptr(0x46C))?;
    a.sub(ax, di)?;
    a.cmp(ax, IDLE_TICKS)?;
    a.jae(done)?;
    a.sti()?;
    a.hlt()?;
    a.jmp(wait)?;
    a.set_label(&mut got)?;
    a.mov(ah, 0u32)?;
    a.int(0x16)?;
    a.cmp(al, 27u32)?;
    a.je(done)?;
    a.call(putc)?;
    a.jmp(restart)?;
    a.set_label(&mut done)?;
    a.mov(si, bye)?;
    a.call(print_string)?;
    a.mov(dx, PM1A_CNT)?;
    a.mov(ax, SLEEP_S5)?;
    a.out(dx, ax)?;
    a.cli()?;
    a.hlt()?;

    // print_string: DS:SI until a zero byte.
    a.set_label(&mut print_string)?;
    let mut ps_done = a.create_label();
    a.lodsb()?;
    a.test(al, al)?;
    a.jz(ps_done)?;
    a.call(putc)?;
    a.jmp(print_string)?;
    a.set_label(&mut ps_done)?;
    a.ret()?;

    // putc: AL to the debug console and, as teletype (LF as CR LF), to the screen in white.
    a.set_label(&mut putc)?;
    a.push(ax)?;
    a.push(bx)?;
    a.out(DEBUG_PORT as u32, al)?;
    a.mov(bx, 0x000Fu32)?;
    let mut not_lf = a.create_label();
    a.cmp(al, b'\n' as u32)?;
    a.jne(not_lf)?;
    a.mov(ax, 0x0E0Du32)?;
    a.int(0x10)?;
    a.mov(al, b'\n' as u32)?;
    a.set_label(&mut not_lf)?;
    a.mov(ah, 0x0Eu32)?;
    a.int(0x10)?;
    a.pop(bx)?;
    a.pop(ax)?;
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
    a.call(putc)?;
    a.loop_(pn_out)?;
    a.mov(al, b' ' as u32)?;
    a.call(putc)?;
    a.pop(cx)?;
    a.pop(bx)?;
    a.ret()?;

    for t in TEXTS.iter().chain([&GOODBYE]) {
        a.db(t)?;
    }
    a.assemble(LOAD_ADDRESS as u64)
}

/// Segments at 0, the stack below the program, the program's other sectors read after the
/// boot sector with INT 13h (drive DL, as the BIOS boots it), then on to them.
fn boot_sector(a: &mut CodeAssembler) -> Result<(), IcedError> {
    a.xor(ax, ax)?;
    a.mov(ds, ax)?;
    a.mov(es, ax)?;
    a.mov(ss, ax)?;
    a.mov(sp, LOAD_ADDRESS)?;
    a.cld()?;
    a.sti()?;
    a.mov(ax, 0x0200 | (SECTORS as u32 - 1))?;
    a.mov(cx, 0x0002u32)?;
    a.xor(dh, dh)?;
    a.mov(bx, LOAD_ADDRESS + 512)?;
    a.int(0x13)?;
    a.jmp(u64::from(LOAD_ADDRESS) + 512)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_fits_its_sectors_and_boots() {
        let code = super::program();
        assert!(code.len() <= super::SECTORS * 512, "{} bytes", code.len());
        let floppy = super::floppy();
        assert_eq!(floppy.len(), 1_474_560);
        assert_eq!(&floppy[510..512], &[0x55, 0xAA]);
    }
}
