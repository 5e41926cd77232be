//! Interpreter and JIT speed in guest MIPS (million guest instructions per host second) on fixed
//! integer loops: one in real mode (16-bit), one in 32-bit flat protected mode, and the same
//! 32-bit loop with paging on (the soft TLB should make that cost little more). Each mixes
//! ALU operations, loads and stores, taken branches, and calls and returns. A fourth loop
//! runs x87 arithmetic on f64 data and a fifth the same computation in SSE2 on pairs of
//! f64, where every operation goes through the soft float.
//!
//! The 32-bit loop also runs as a guest kernel, under amber (interpreter and JIT) and under
//! `qemu-system-i386`'s TCG, for the ratio against QEMU (skipped without gcc, ld and QEMU).
//!
//! Run with `cargo bench --bench mips`. Set `AMBER_BENCH_INSNS` to change the instruction
//! count per loop (default 200 million).

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::rc::Rc;
use std::time::Instant;

use amber_cpu::state::cr0;
use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg, SegmentCache};
use iced_x86::code_asm::*;

const LOAD: u64 = 0x1000;

/// The 16-bit loop: data at DS:0x8000, index wraps in 1 KiB.
fn real_mode_loop() -> Result<Vec<u8>, IcedError> {
    let mut a = CodeAssembler::new(16)?;
    let mut top = a.create_label();
    let mut sub = a.create_label();
    a.mov(si, 0u32)?;
    a.mov(di, 0x8800u32)?;
    a.set_label(&mut top)?;
    a.mov(ax, word_ptr(si + 0x8000))?;
    a.add(ax, bx)?;
    a.xor(dx, ax)?;
    a.mov(word_ptr(di), dx)?;
    a.add(si, 2u32)?;
    a.and(si, 0x3FEu32)?;
    a.call(sub)?;
    a.cmp(ax, dx)?;
    a.jne(top)?;
    a.inc(cx)?;
    a.jmp(top)?;
    a.set_label(&mut sub)?;
    a.add(bx, 3u32)?;
    a.shl(bx, 1u32)?;
    a.ret()?;
    a.assemble(LOAD)
}

/// The 32-bit loop: data at 0x100000, index wraps in 4 KiB.
fn flat32_loop() -> Result<Vec<u8>, IcedError> {
    let mut a = CodeAssembler::new(32)?;
    let mut top = a.create_label();
    let mut sub = a.create_label();
    a.mov(esi, 0u32)?;
    a.mov(edi, 0x20_0000u32)?;
    a.set_label(&mut top)?;
    a.mov(eax, dword_ptr(esi * 4 + 0x10_0000))?;
    a.add(eax, ebx)?;
    a.lea(edx, ptr(eax + ecx * 2 + 7))?;
    a.mov(dword_ptr(edi), edx)?;
    a.inc(esi)?;
    a.and(esi, 0x3FFu32)?;
    a.call(sub)?;
    a.test(eax, edx)?;
    a.jne(top)?;
    a.inc(ecx)?;
    a.jmp(top)?;
    a.set_label(&mut sub)?;
    a.imul_3(ebx, ebx, 5)?;
    a.sub(ebx, 11u32)?;
    a.ret()?;
    a.assemble(LOAD)
}

/// The x87 loop: a multiply-add, absolute value and square root per f64 element of a 1 KiB
/// table at 0x100000, stored back at 0x200000; ST(0) holds the multiplier throughout.
fn x87_loop() -> Result<Vec<u8>, IcedError> {
    let mut a = CodeAssembler::new(32)?;
    let mut top = a.create_label();
    a.fninit()?;
    a.fld1()?;
    a.fadd_2(st0, st0)?;
    a.mov(esi, 0u32)?;
    a.mov(edi, 0x20_0000u32)?;
    a.set_label(&mut top)?;
    a.fld(qword_ptr(esi * 8 + 0x10_0000))?;
    a.fmul_2(st0, st1)?;
    a.fadd(qword_ptr(esi * 8 + 0x10_0008))?;
    a.fabs()?;
    a.fsqrt()?;
    a.fstp(qword_ptr(edi + esi * 8))?;
    a.inc(esi)?;
    a.and(esi, 0x7Fu32)?;
    a.jmp(top)?;
    a.assemble(LOAD)
}

/// The SSE2 loop: the x87 loop's computation on two f64 elements at a time (MULPD, ADDPD,
/// ANDPD for the absolute value, SQRTPD), XMM1 holding the multiplier.
fn sse2_loop() -> Result<Vec<u8>, IcedError> {
    let mut a = CodeAssembler::new(32)?;
    let mut top = a.create_label();
    a.movapd(xmm1, xmmword_ptr(0x30_0000))?;
    a.movapd(xmm2, xmmword_ptr(0x30_0010))?;
    a.mov(esi, 0u32)?;
    a.mov(edi, 0x20_0000u32)?;
    a.set_label(&mut top)?;
    a.movapd(xmm0, xmmword_ptr(esi * 8 + 0x10_0000))?;
    a.mulpd(xmm0, xmm1)?;
    a.addpd(xmm0, xmmword_ptr(esi * 8 + 0x10_0010))?;
    a.andpd(xmm0, xmm2)?;
    a.sqrtpd(xmm0, xmm0)?;
    a.movapd(xmmword_ptr(edi + esi * 8), xmm0)?;
    a.add(esi, 2)?;
    a.and(esi, 0x7Eu32)?;
    a.jmp(top)?;
    a.assemble(LOAD)
}

/// Runs the loop `make` sets up once interpreted and once with the JIT, and prints both
/// speeds and their ratio.
fn measure(name: &str, make: impl Fn() -> Cpu, bus: &mut FlatBus, insns: u64) {
    let interpreted = guest_mips(name, &mut make(), bus, insns);
    let mut cpu = make();
    if amber_jit::host_supported() {
        let jit = amber_jit::Jit::new(amber_jit::JitConfig::default()).expect("a JIT");
        cpu.set_translator(Some(Box::new(jit)));
    }
    let compiled = guest_mips(name, &mut cpu, bus, insns);
    println!(
        "{name:<24} interpreter {interpreted:>8.1} MIPS   JIT {compiled:>8.1} MIPS   JIT/interpreter {:>5.2}",
        compiled / interpreted
    );
}

/// Guest MIPS of `cpu` running `insns` instructions, after a warm-up that decodes (and
/// compiles) the loop's blocks.
fn guest_mips(name: &str, cpu: &mut Cpu, bus: &mut FlatBus, insns: u64) -> f64 {
    cpu.run(bus, 100_000);
    let start_count = cpu.state.icount;
    let start = Instant::now();
    let exit = cpu.run(bus, insns);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(exit, Exit::Limit, "{name}: the loop stopped early");
    (cpu.state.icount - start_count) as f64 / secs / 1e6
}

fn main() {
    let insns: u64 = std::env::var("AMBER_BENCH_INSNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000_000);
    let ram = Rc::new(GuestRam::new(4 << 20));
    let mut bus = FlatBus { ram_len: ram.len() };

    ram.write_slice(LOAD as usize, &real_mode_loop().expect("assembles"));
    let real_mode = || {
        let mut cpu = Cpu::new(CpuModel::P6, ram.clone());
        for s in Seg::ALL {
            cpu.load_real_segment(s, 0);
        }
        cpu.state.eip = LOAD;
        cpu.state.set_r16(amber_cpu::state::reg::ESP, 0x7000);
        cpu
    };
    measure("real mode, 16-bit", real_mode, &mut bus, insns);

    ram.write_slice(LOAD as usize, &flat32_loop().expect("assembles"));
    measure(
        "protected mode, 32-bit",
        || flat32_cpu(&ram),
        &mut bus,
        insns,
    );

    identity_page_tables(&ram);
    let paged = || {
        let mut cpu = flat32_cpu(&ram);
        cpu.state.cr3 = PAGE_DIR;
        cpu.state.cr0 |= cr0::PG;
        cpu
    };
    measure("32-bit with paging", paged, &mut bus, insns);

    ram.write_slice(LOAD as usize, &x87_loop().expect("assembles"));
    for i in 0..129 {
        let v = f64::from(i) * 1.5 - 40.25;
        ram.write_slice(0x10_0000 + 8 * i as usize, &v.to_le_bytes());
    }
    measure("x87, 32-bit", || flat32_cpu(&ram), &mut bus, insns);

    ram.write_slice(LOAD as usize, &sse2_loop().expect("assembles"));
    for (i, v) in [2.0f64.to_bits(), 2.0f64.to_bits(), !0 >> 1, !0 >> 1]
        .into_iter()
        .enumerate()
    {
        ram.write_slice(0x30_0000 + 8 * i, &v.to_le_bytes());
    }
    let sse = || {
        let mut cpu = flat32_cpu(&ram);
        cpu.state.cr4 |= amber_cpu::fpu::CR4_OSFXSR;
        cpu
    };
    measure("SSE2, 32-bit", sse, &mut bus, insns);

    against_qemu(insns);
}

/// Instructions a round of `testsuites/guests/integer_loop.c`'s loop.
const LOOP_ROUND: u64 = 13;

/// The integer loop as a guest kernel (`testsuites/guests/integer_loop.c`, the 32-bit loop
/// above with a counter), run by amber's interpreter, amber's JIT and `qemu-system-i386`
/// (TCG): guest MIPS from the wall-clock time of a run of `insns` instructions less that of
/// a run of none (boot and exit).
fn against_qemu(insns: u64) {
    let tools = ["gcc", "ld", "qemu-system-i386"];
    if let Some(t) = tools.iter().find(|t| !common::have(t)) {
        println!("integer loop against QEMU: no {t}; skipped");
        return;
    }
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-integer-loop");
    let elf = common::build_guest_kernel("integer_loop", &out);
    let rounds = insns / LOOP_ROUND;
    let seconds = |command: &dyn Fn(u64) -> Command| {
        let time = |n: u64| {
            let start = Instant::now();
            let status = command(n).status().expect("the emulator runs");
            assert_eq!(status.code(), Some(1), "the loop kernel exits with 0");
            start.elapsed().as_secs_f64()
        };
        time(rounds) - time(0)
    };
    let amber = |jit: &'static str| {
        let elf = elf.clone();
        move |n: u64| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_amber"));
            c.args(["run", "--headless", "--serial", "none", jit, "--kernel"])
                .arg(&elf)
                .args(["--append", &format!("rounds={n}")]);
            c
        }
    };
    let qemu = |n: u64| {
        let mut c = Command::new("qemu-system-i386");
        c.args(["-M", "pc", "-accel", "tcg", "-cpu", "pentium2", "-m", "128"])
            .args(["-nodefaults", "-display", "none", "-serial", "none"])
            .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
            .arg("-kernel")
            .arg(&elf)
            .args(["-append", &format!("rounds={n}")]);
        c
    };
    let n = (rounds * LOOP_ROUND) as f64 / 1e6;
    let interpreter = n / seconds(&amber("--no-jit"));
    let jit = n / seconds(&amber("--jit"));
    let tcg = n / seconds(&qemu);
    println!(
        "integer loop guest       interpreter {interpreter:>8.1} MIPS   JIT {jit:>8.1} MIPS   \
         QEMU TCG {tcg:>8.1} MIPS   JIT/QEMU {:>5.2}",
        jit / tcg
    );
}

/// A Pentium 4 in 32-bit protected mode with flat segments, about to run the code at `LOAD`.
fn flat32_cpu(ram: &Rc<GuestRam>) -> Cpu {
    let mut cpu = Cpu::new(CpuModel::Pentium4, ram.clone());
    cpu.state.cr0 |= cr0::PE;
    for s in Seg::ALL {
        cpu.state.seg[s as usize] = SegmentCache::flat32(0x10, s == Seg::Cs);
    }
    cpu.state.eip = LOAD;
    cpu.state.set_r32(amber_cpu::state::reg::ESP, 0x8_0000);
    cpu
}

const PAGE_DIR: u32 = 0x30_0000;

/// Maps the 4 MiB of RAM one to one with 4 KiB pages (SDM Vol. 3 4.3).
fn identity_page_tables(ram: &GuestRam) {
    let table = PAGE_DIR + 0x1000;
    ram.write_slice(PAGE_DIR as usize, &(table | 3).to_le_bytes());
    for i in 0..1024u32 {
        ram.write_slice((table + 4 * i) as usize, &((i << 12) | 3).to_le_bytes());
    }
}
