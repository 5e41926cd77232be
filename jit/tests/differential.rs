//! The JIT against the interpreter, from the same state: random blocks of the forms the JIT
//! inlines (MOV and ALU operations between registers, immediates and memory, in every size,
//! with 16- and 32-bit operand and address sizes), mixed with forms it hands to the
//! interpreter, run once interpreted and once compiled (a threshold of one run), must leave
//! the same registers, flags, EIP, instruction count and RAM. Memory operands land anywhere:
//! inside RAM, across page boundaries, past the end of a real-mode segment (a fault, taken
//! through the interrupt vector table), across a protected-mode segment's limit, onto pages
//! not present, and outside RAM (the bus's open bus).

use std::rc::Rc;

use amber_cpu::state::cr0;
use amber_cpu::{Cpu, CpuModel, FlatBus, GuestRam, Seg, SegmentCache};
use amber_jit::{Jit, JitConfig};

const RAM: usize = 1 << 20;
const CODE: u32 = 0x1000;

/// xorshift64*: a fixed sequence, so a failure names a case that can be run again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// A ModRM byte (and what follows it) for a memory operand: with a 16-bit address size any
/// of the eight base/index forms with no, 8- or 16-bit displacement; with 32 bits a base
/// register, a SIB byte or a bare displacement. Register operands come as mod 11.
fn modrm(rng: &mut Rng, reg: u8, a32: bool, out: &mut Vec<u8>) {
    if rng.below(3) == 0 {
        out.push(0xC0 | reg << 3 | rng.below(8) as u8);
        return;
    }
    // One in four: a bare displacement just below a 64 KiB or 4 GiB boundary, where a
    // segment's limit or the address space ends.
    if rng.below(4) == 0 {
        let (rm, disp) = if a32 {
            (5, (u32::MAX - rng.below(4) as u32).to_le_bytes().to_vec())
        } else {
            (6, (0xFFFF - rng.below(4) as u16).to_le_bytes().to_vec())
        };
        out.push(reg << 3 | rm);
        out.extend(disp);
        return;
    }
    let mode = rng.below(3) as u8;
    let rm = rng.below(8) as u8;
    out.push(mode << 6 | reg << 3 | rm);
    if a32 && rm == 4 {
        out.push(rng.byte());
    }
    let disp = match (mode, a32, rm) {
        (0, false, 6) => 2,
        (0, true, 5) => 4,
        (1, _, _) => 1,
        (2, false, _) => 2,
        (2, true, _) => 4,
        _ => 0,
    };
    for _ in 0..disp {
        out.push(rng.byte());
    }
}

/// One random instruction, mostly of the inlined forms, for 16- or 32-bit code.
fn instruction(rng: &mut Rng, code32: bool, out: &mut Vec<u8>) {
    if rng.below(4) == 0 {
        out.push(0x66);
    }
    // The address-size prefix switches to the other size.
    let switch = rng.below(4) == 0;
    if switch {
        out.push(0x67);
    }
    let a32 = code32 != switch;
    let imm = |rng: &mut Rng, out: &mut Vec<u8>, n: usize| {
        for _ in 0..n {
            out.push(rng.byte());
        }
    };
    match rng.below(8) {
        // ALU r/m, r and r, r/m: add or and sub xor cmp (00-3B without adc/sbb), test.
        0..=2 => {
            let ops = [0x00u8, 0x08, 0x20, 0x28, 0x30, 0x38];
            let op = ops[rng.below(ops.len() as u64) as usize] | rng.below(4) as u8;
            out.push(if rng.below(8) == 0 {
                0x84 | rng.below(2) as u8
            } else {
                op
            });
            let reg = rng.below(8) as u8;
            modrm(rng, reg, a32, out);
        }
        // ALU r/m, imm (80, 81, 83).
        3 => {
            let form = [0x80u8, 0x81, 0x83][rng.below(3) as usize];
            out.push(form);
            let alu = [0u8, 1, 4, 5, 6, 7][rng.below(6) as usize];
            let reg = alu;
            modrm(rng, reg, a32, out);
            imm(rng, out, if form == 0x81 { 2 } else { 1 });
        }
        // MOV r/m, r and r, r/m (88-8B).
        4 | 5 => {
            out.push(0x88 | rng.below(4) as u8);
            let reg = rng.below(8) as u8;
            modrm(rng, reg, a32, out);
        }
        // MOV r, imm (B0-BF).
        6 => {
            let op = 0xB0 + rng.below(16) as u8;
            out.push(op);
            imm(rng, out, if op < 0xB8 { 1 } else { 2 });
        }
        // PUSH and POP of a register, MOV r/m, imm, RET, PUSHF, MOVZX/MOVSX, SETcc, CMOVcc;
        // then forms the interpreter runs:
        // INC/DEC, NOT/NEG, shifts, XCHG, LEA, CLC/STC/CMC.
        _ => match rng.below(21) {
            // ADC, SBB (10-1B, and 80-83 /2 /3); NOT, NEG; INC/DEC of memory; shifts by CL.
            17 => {
                out.push([0x10u8, 0x11, 0x12, 0x13, 0x18, 0x19, 0x1A, 0x1B][rng.below(8) as usize]);
                let reg = rng.below(8) as u8;
                modrm(rng, reg, a32, out);
            }
            18 => {
                let form = [0x80u8, 0x81, 0x83][rng.below(3) as usize];
                out.push(form);
                let reg = 2 + rng.below(2) as u8;
                modrm(rng, reg, a32, out);
                imm(rng, out, if form == 0x81 { 2 } else { 1 });
            }
            19 => {
                out.push(0xF6 | rng.below(2) as u8);
                out.push(0xD0 | (2 + rng.below(2) as u8) << 3 | rng.below(8) as u8);
            }
            20 => {
                // FE/FF /0 /1 (INC, DEC; of memory two times in three), or D2/D3 /4 /5 /7
                // (SHL, SHR, SAR by CL).
                if rng.below(2) == 0 {
                    out.push(0xFE | rng.below(2) as u8);
                    let reg = rng.below(2) as u8;
                    modrm(rng, reg, a32, out);
                } else {
                    out.push(0xD2 | rng.below(2) as u8);
                    let reg = [4u8, 5, 7][rng.below(3) as usize];
                    modrm(rng, reg, a32, out);
                }
            }
            // MOVS, CMPS, STOS, LODS, SCAS, now and then with a segment override; CLD, STD.
            15 => {
                if rng.below(4) == 0 {
                    out.push([0x26u8, 0x2E, 0x36, 0x3E][rng.below(4) as usize]);
                }
                out.push(
                    [0xA4u8, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF]
                        [rng.below(10) as usize],
                );
            }
            16 => out.push(0xFC | rng.below(2) as u8),
            // IMUL r, r/m; IMUL r, r/m, imm8 or imm16/32.
            13 => {
                out.extend([0x0F, 0xAF]);
                let reg = rng.below(8) as u8;
                modrm(rng, reg, a32, out);
            }
            14 => {
                let op = [0x69u8, 0x6B][rng.below(2) as usize];
                out.push(op);
                let reg = rng.below(8) as u8;
                modrm(rng, reg, a32, out);
                let wide = (code32 as usize + 1) * 2;
                imm(rng, out, if op == 0x6B { 1 } else { wide });
            }
            // MOVZX, MOVSX; SETcc; CMOVcc.
            10 => {
                out.extend([0x0F, [0xB6u8, 0xB7, 0xBE, 0xBF][rng.below(4) as usize]]);
                let reg = rng.below(8) as u8;
                modrm(rng, reg, a32, out);
            }
            11 => {
                out.extend([0x0F, 0x90 | rng.below(16) as u8]);
                modrm(rng, 0, a32, out);
            }
            12 => {
                out.extend([0x0F, 0x40 | rng.below(16) as u8]);
                let reg = rng.below(8) as u8;
                modrm(rng, reg, a32, out);
            }
            6 => out.push(0x50 + rng.below(16) as u8),
            7 => {
                let op = 0xC6 | rng.below(2) as u8;
                out.push(op);
                modrm(rng, 0, a32, out);
                let n = if op == 0xC6 {
                    1
                } else if code32 {
                    4
                } else {
                    2
                };
                imm(rng, out, n);
            }
            8 if rng.below(4) == 0 => out.extend([0xC2, rng.below(8) as u8 * 2, 0]),
            8 => out.push(0xC3),
            9 => out.push(0x9C),
            0 => out.push(0x40 + rng.below(16) as u8),
            1 => {
                out.push(0xF6 | rng.below(2) as u8);
                let reg = 2 + rng.below(2) as u8;
                modrm(rng, reg, a32, out);
            }
            2 => {
                // Shifts and rotates by one or, half the time, by an immediate (of which a
                // quarter are 32 or more).
                let by_imm = rng.below(2) == 0;
                out.push(if by_imm { 0xC0 } else { 0xD0 } | rng.below(2) as u8);
                let reg = [0u8, 1, 4, 5, 7][rng.below(5) as usize];
                modrm(rng, reg, a32, out);
                if by_imm {
                    let count = rng.below(32) as u8;
                    out.push(if rng.below(4) == 0 {
                        count | 0x20
                    } else {
                        count
                    });
                }
            }
            3 => {
                out.push(0x86 | rng.below(2) as u8);
                let reg = rng.below(8) as u8;
                modrm(rng, reg, a32, out);
            }
            4 => out.push([0xF8u8, 0xF9, 0xF5][rng.below(3) as usize]),
            _ => {
                out.push(0x8D);
                out.push((rng.below(3) as u8 * 0x40) | ((rng.below(8) as u8) << 3) | 7);
                imm(rng, out, 2);
            }
        },
    }
}

/// A loop of `n` random instructions at `CODE`, closed by a JMP back to its start, so the
/// second time round the compiled block runs with the TLB entries of the first. One in
/// eight is a Jcc (every condition) to the start of a random instruction, forwards or back.
fn program(rng: &mut Rng, n: usize, code32: bool) -> Vec<u8> {
    let rel = if code32 { 4 } else { 2 };
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut branches = Vec::new();
    for i in 0..n {
        let mut part = Vec::new();
        if rng.below(8) == 0 {
            // A Jcc, or one in four times a CALL.
            if rng.below(4) == 0 {
                part.push(0xE8);
            } else {
                part.extend([0x0F, 0x80 | rng.below(16) as u8]);
            }
            part.extend(vec![0; rel]);
            branches.push((i, rng.below(n as u64) as usize));
        } else {
            instruction(rng, code32, &mut part);
        }
        parts.push(part);
    }
    let starts: Vec<usize> = parts
        .iter()
        .scan(0, |at, p| {
            let start = *at;
            *at += p.len();
            Some(start)
        })
        .collect();
    for (i, target) in branches {
        let from = (starts[i] + parts[i].len()) as i64;
        let disp = (starts[target] as i64 - from).to_le_bytes();
        let len = parts[i].len();
        parts[i][len - rel..].copy_from_slice(&disp[..rel]);
    }
    let mut code = parts.concat();
    code.push(0xE9);
    if code32 {
        let back = -(code.len() as i32 + 4);
        code.extend(back.to_le_bytes());
    } else {
        let back = -(code.len() as i16 + 2);
        code.extend(back.to_le_bytes());
    }
    code
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Real,
    /// 32-bit protected mode, flat segments but for a 512 KiB data segment.
    Protected,
    /// The same with paging: the first 64 KiB identity-mapped, the rest of the first 4 MiB
    /// scattered over RAM's pages (so neighbouring linear pages are not neighbours in RAM)
    /// and some pages not present.
    Paged,
}

const PAGE_DIR: u32 = 0xF_0000;

/// Registers, flags and RAM filled from the same seed for both runs.
fn machine(seed: u64, code: &[u8], mode: Mode) -> Cpu {
    let ram = Rc::new(GuestRam::new(RAM));
    let mut rng = Rng(seed ^ 0x9E37_79B9_7F4A_7C15);
    let fill: Vec<u8> = (0..RAM).map(|_| rng.byte()).collect();
    ram.write_slice(0, &fill);
    // The vectors point every fault at a HLT at 0:0800.
    for v in 0..256usize {
        ram.write_slice(v * 4, &[0x00, 0x08, 0x00, 0x00]);
    }
    ram.write_slice(0x800, &[0xF4]);
    ram.write_slice(CODE as usize, code);
    let mut cpu = Cpu::new(CpuModel::Pentium4, ram.clone());
    if mode != Mode::Real {
        cpu.state.cr0 |= cr0::PE;
        for s in Seg::ALL {
            cpu.state.seg[s as usize] = SegmentCache::flat32(0x10, s == Seg::Cs);
        }
        cpu.state.seg[Seg::Ds as usize].limit = 0x7_FFFF;
    } else {
        for s in Seg::ALL {
            cpu.load_real_segment(s, 0);
        }
        // Data segments that do not start on a page, so a limit is not a page's end.
        cpu.load_real_segment(Seg::Ds, 0x0010);
        cpu.load_real_segment(Seg::Es, 0x1234);
    }
    if mode == Mode::Paged {
        let table = PAGE_DIR + 0x1000;
        ram.write_slice(PAGE_DIR as usize, &(table | 3).to_le_bytes());
        for i in 0..1024u32 {
            let frame = if i < 16 { i } else { 16 + (i * 97) % 224 };
            let present = if i >= 16 && i % 13 == 0 { 0 } else { 3 };
            ram.write_slice(
                (table + 4 * i) as usize,
                &(frame << 12 | present).to_le_bytes(),
            );
        }
        cpu.state.cr3 = PAGE_DIR;
        cpu.state.cr0 |= cr0::PG;
    }
    cpu.state.eip = CODE as u64;
    for r in 0..8 {
        let v = rng.next() as u32;
        // Small enough that most addresses land in RAM, near the code and data.
        let v = if rng.below(2) == 0 {
            v & 0x000F_FFFF
        } else {
            v
        };
        cpu.state.set_r32(r, v);
    }
    cpu.state.set_r32(amber_cpu::state::reg::ESP, 0x8000);
    cpu.set_flags(rng.next() as u32 & 0x8D5);
    cpu
}

/// Whether this host runs the JIT; says so in one line when it does not (amber then only
/// interprets, and there is nothing to compare).
fn jit_host() -> bool {
    let yes = amber_jit::host_supported();
    if !yes {
        println!("skipped: the JIT does not support this host");
    }
    yes
}

/// Runs `budget` instructions (or until the CPU halts), interpreted or, with `cache` bytes
/// of code cache, compiling every block the first time it runs; returns the architectural
/// state and all of RAM.
fn execute(cpu: &mut Cpu, cache: Option<usize>, budget: u64) -> (String, Vec<u8>) {
    if let Some(cache_size) = cache {
        let config = JitConfig {
            threshold: 1,
            cache_size,
            verify: false,
        };
        cpu.set_translator(Some(Box::new(Jit::new(config).expect("a JIT"))));
    }
    cpu.run(&mut FlatBus { ram_len: RAM }, budget);
    let mut mem = vec![0; RAM];
    cpu.ram().read_slice(0, &mut mem);
    let s = &cpu.state;
    let regs = format!(
        "regs {:x?} eip {:x} flags {:x} icount {} halted {} last vector {:?}",
        &s.regs[..8],
        s.eip,
        s.flags(),
        s.icount,
        s.halted,
        cpu.last_vector
    );
    (regs, mem)
}

/// The cache of the runs with the JIT.
const CACHE: Option<usize> = Some(64 << 20);

/// Runs 1,000 instructions of the program (or until it halts), interpreted or compiled.
fn run(seed: u64, code: &[u8], mode: Mode, jit: bool) -> (String, Vec<u8>) {
    let mut cpu = machine(seed, code, mode);
    execute(&mut cpu, jit.then_some(CACHE).flatten(), 1000)
}

fn compare(mode: Mode, seeds: std::ops::Range<u64>) {
    if !jit_host() {
        return;
    }
    let mut compiled_any = false;
    for seed in seeds {
        let mut rng = Rng(seed * 2 + 1);
        let n = 1 + rng.below(40) as usize;
        let code = program(&mut rng, n, mode != Mode::Real);
        let (want, want_mem) = run(seed, &code, mode, false);
        let (got, got_mem) = run(seed, &code, mode, true);
        assert_eq!(got, want, "seed {seed}: code {code:02x?}");
        if let Some(i) = (0..RAM).find(|&i| got_mem[i] != want_mem[i]) {
            panic!(
                "seed {seed}: RAM differs at {i:#x} (JIT {:#x}, interpreter {:#x}): code {code:02x?}",
                got_mem[i], want_mem[i]
            );
        }
        compiled_any = true;
    }
    assert!(compiled_any);
}

#[test]
fn real_mode_blocks_match_the_interpreter() {
    compare(Mode::Real, 0..300);
}

#[test]
fn protected_mode_blocks_match_the_interpreter() {
    compare(Mode::Protected, 1000..1300);
}

#[test]
fn paged_blocks_match_the_interpreter() {
    compare(Mode::Paged, 2000..2300);
}

/// Runs `code` (a loop, so its second round has a warm TLB) both ways in `mode`, from the
/// state `setup` leaves, and compares.
fn directed(mode: Mode, code: &[u8], setup: impl Fn(&mut Cpu)) {
    if !jit_host() {
        return;
    }
    let outcome = |jit: bool| {
        let mut cpu = machine(7, code, mode);
        setup(&mut cpu);
        execute(&mut cpu, jit.then_some(CACHE).flatten(), 1000)
    };
    let (want, want_mem) = outcome(false);
    let (got, got_mem) = outcome(true);
    assert_eq!(got, want);
    assert!(got_mem == want_mem, "RAM differs");
}

/// Every string instruction without REP, in bytes, words and doublewords, forwards and
/// (after STD) backwards, with 32- and 16-bit addresses (67h), and a segment override on the
/// source, from indexes the loop moves along a buffer; PUSHF keeps the flags of CMPS and
/// SCAS.
#[test]
fn string_instructions_match_the_interpreter() {
    let once = [
        0xA4u8, 0xA5, 0x66, 0xA5, 0xA6, 0x9C, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0x66, 0xAF, 0x26,
        0xA4, 0x9C, 0x67, 0xA5, 0x67, 0xA6, 0x9C, 0x67, 0xAD,
    ];
    let mut code = once.to_vec();
    code.push(0xFD);
    code.extend(once);
    code.extend([0xFC, 0x47, 0x47, 0x46]);
    let back = -(code.len() as i32 + 5);
    code.push(0xE9);
    code.extend(back.to_le_bytes());
    for mode in [Mode::Protected, Mode::Paged] {
        directed(mode, &code, |cpu| {
            use amber_cpu::state::reg::{EDI, ESI, ESP};
            cpu.state.set_r32(ESI, 0x3_0000);
            cpu.state.set_r32(EDI, 0x3_8000);
            cpu.state.set_r32(ESP, 0x2_0000);
        });
    }
}

/// Near jumps and calls through registers, whose targets the region looks up among its
/// blocks at run time: a loop whose odd rounds branch to its third block and whose even
/// rounds get there by JMP EAX; that block calls through EBX a function that returns to a
/// JMP EDI back to the start.
#[test]
fn indirect_jumps_and_calls_match_the_interpreter() {
    let mut code = vec![
        0x41, // 1000: inc ecx
        0xF6, 0xC1, 0x01, // test cl,1
        0x75, 0x0A, // jnz 1010h
        0xFF, 0xE0, // jmp eax
    ];
    code.resize(0x10, 0x90);
    code.extend([0x01, 0xCA, 0xFF, 0xD3, 0xFF, 0xE7]); // 1010: add edx,ecx; call ebx; jmp edi
    code.resize(0x20, 0x90);
    code.extend([0x83, 0xC6, 0x03, 0xC3]); // 1020: add esi,3; ret
    for mode in [Mode::Protected, Mode::Paged] {
        directed(mode, &code, |cpu| {
            use amber_cpu::state::reg::{EAX, EBX, EDI, ESP};
            cpu.state.set_r32(EAX, CODE + 0x10);
            cpu.state.set_r32(EDI, CODE);
            cpu.state.set_r32(EBX, CODE + 0x20);
            cpu.state.set_r32(ESP, 0x2_0000);
        });
    }
}

/// ADC and SBB where the carry in decides CF (a sum of exactly all ones, a difference of
/// exactly zero) and AF, each kept by PUSHF.
#[test]
fn adc_and_sbb_carry_edges_match_the_interpreter() {
    // stc; mov al,10h; sbb al,0Fh; pushf; stc; mov al,FEh; adc al,0; pushf;
    // clc; mov al,8; adc al,8; pushf; stc; mov ax,1; sbb ax,0; pushf; inc cx; jmp back.
    let mut code = vec![
        0xF9, 0xB0, 0x10, 0x1C, 0x0F, 0x9C, 0xF9, 0xB0, 0xFE, 0x14, 0x00, 0x9C, 0xF8, 0xB0, 0x08,
        0x14, 0x08, 0x9C, 0xF9, 0xB8, 0x01, 0x00, 0x1D, 0x00, 0x00, 0x9C, 0x41,
    ];
    let back = -(code.len() as i8 + 2);
    code.extend([0xEB, back as u8]);
    directed(Mode::Real, &code, |cpu| {
        cpu.state.set_r32(amber_cpu::state::reg::ESP, 0x8000);
    });
}

/// Flags and stack cases random programs rarely reach: OF after INC of 7Fh and DEC of 80h,
/// read by a JO in the same block (the inline condition), and RET imm16 after a CALL.
#[test]
fn inc_dec_overflow_and_ret_imm16_match_the_interpreter() {
    // mov al,7F; inc al; jo +2; mov bl,1; mov al,80; dec al; jo +2; mov bh,1; inc cx; jmp.
    directed(
        Mode::Real,
        &[
            0xB0, 0x7F, 0xFE, 0xC0, 0x70, 0x02, 0xB3, 0x01, 0xB0, 0x80, 0xFE, 0xC8, 0x70, 0x02,
            0xB7, 0x01, 0x41, 0xE9, 0xEC, 0xFF,
        ],
        |cpu| cpu.state.set_r32(amber_cpu::state::reg::EBX, 0),
    );
    // push ax; push ax; call sub; inc cx; jmp back; sub: ret 4.
    directed(
        Mode::Real,
        &[
            0x50, 0x50, 0xE8, 0x04, 0x00, 0x41, 0xE9, 0xF7, 0xFF, 0xC2, 0x04, 0x00,
        ],
        |_| {},
    );
}

/// Self-modifying code: each round stores CL into the immediate of the MOV that follows,
/// which must then load the new value (the store leaves the compiled block, whose page is
/// dropped and decoded again).
#[test]
fn code_that_patches_its_next_instruction_matches_the_interpreter() {
    // mov [1007h],cl; mov al,0; add bl,al; inc ecx; jmp back.
    directed(
        Mode::Protected,
        &[
            0x88, 0x0D, 0x07, 0x10, 0, 0, 0xB0, 0x00, 0x00, 0xC3, 0x41, 0xE9, 0xF0, 0xFF, 0xFF,
            0xFF,
        ],
        |cpu| cpu.state.set_r32(amber_cpu::state::reg::EBX, 0),
    );
}

/// `--jit-verify` repeats every compiled run of the paged random loops (stores, page walks
/// setting accessed and dirty bits) through the interpreter from the same state and finds
/// them equal; with its checkpoints put back and taken again, the run still ends exactly as
/// the interpreted one.
#[test]
fn the_verifier_repeats_compiled_runs_and_finds_them_equal() {
    if !jit_host() {
        return;
    }
    let mut verified = 0;
    for seed in 2000..2100 {
        let mut rng = Rng(seed * 2 + 1);
        let n = 1 + rng.below(40) as usize;
        let code = program(&mut rng, n, true);
        let (want, want_mem) = run(seed, &code, Mode::Paged, false);
        let mut cpu = machine(seed, &code, Mode::Paged);
        let config = JitConfig {
            threshold: 1,
            verify: true,
            ..JitConfig::default()
        };
        cpu.set_translator(Some(Box::new(Jit::new(config).expect("a JIT"))));
        let (got, got_mem) = execute(&mut cpu, None, 1000);
        assert_eq!(got, want, "seed {seed}: code {code:02x?}");
        assert!(got_mem == want_mem, "seed {seed}: RAM differs");
        verified += cpu
            .translator_summary()
            .and_then(|t| t.split("; ").nth(1)?.split(' ').next()?.parse::<u64>().ok())
            .expect("the JIT's summary counts verified runs");
    }
    assert!(verified > 1000, "only {verified} runs verified");
}

/// A code cache too small for the program's blocks: it fills and is emptied again and again,
/// and the run still matches the interpreter.
#[test]
fn a_full_code_cache_is_emptied_and_refilled() {
    if !jit_host() {
        return;
    }
    let mut flushes = 0;
    for seed in 0..20 {
        let mut rng = Rng(seed * 2 + 1);
        let code = program(&mut rng, 40, false);
        let (want, _) = run(seed, &code, Mode::Real, false);
        let mut cpu = machine(seed, &code, Mode::Real);
        let (got, _) = execute(&mut cpu, Some(16 << 10), 1000);
        assert_eq!(got, want, "seed {seed}");
        flushes += cpu
            .translator_summary()
            .and_then(|t| t.split(", ").last()?.split(' ').next()?.parse::<u64>().ok())
            .expect("the JIT's summary counts flushes");
    }
    assert!(flushes > 0, "the cache never filled");
}

/// SHL, SHR and SAR of AL, AX and EAX by the counts where their flags change behaviour
/// (1, around the operand's width, 31), each followed by PUSHF so every flag is compared in
/// RAM; by an immediate, and by CL (with 0, 32 and 33 too, which CL leaves to the helper or
/// to nothing).
#[test]
fn shifts_by_every_edge_count_match_the_interpreter() {
    for by_cl in [false, true] {
        let mut code = Vec::new();
        let mut counts = vec![1u8, 2, 7, 8, 9, 15, 16, 17, 31];
        if by_cl {
            counts.extend([0, 32, 33]);
        }
        for (prefix, value) in [(None, 0xB5u32), (Some(0x66u8), 0xC3A5), (None, 0x8123_4567)] {
            for ext in [4u8, 5, 7] {
                for &count in &counts {
                    // mov eax, value; (66) shl/shr/sar eax|ax, count; or al form; pushf.
                    // By CL: mov cl, count first, and D2/D3 for C0/C1.
                    code.push(0xB8);
                    code.extend(value.to_le_bytes());
                    if by_cl {
                        code.extend([0xB1, count]);
                    }
                    let (byte, word) = if by_cl { (0xD2, 0xD3) } else { (0xC0, 0xC1) };
                    match (prefix, value) {
                        (_, 0xB5) => code.extend([byte, 0xC0 | ext << 3]),
                        (Some(p), _) => code.extend([p, word, 0xC0 | ext << 3]),
                        (None, _) => code.extend([word, 0xC0 | ext << 3]),
                    }
                    if !by_cl {
                        code.push(count);
                    }
                    code.push(0x9C);
                }
            }
        }
        let back = -(code.len() as i32 + 5);
        code.push(0xE9);
        code.extend(back.to_le_bytes());
        directed(Mode::Protected, &code, |_| {});
    }
}

/// The cases the inline fast path must hand back to the interpreter on a page the TLB
/// already holds: a word at DS:FFFF past the real-mode limit (#GP), a dword across a page
/// boundary whose next linear page is elsewhere in RAM, a dword at 4 GiB - 2 that wraps the
/// offset, a store into a read-only segment, and an access to an expand-down segment.
#[test]
fn the_fast_path_hands_special_cases_to_the_interpreter() {
    // mov al,[FF00]; mov ax,[FFFF]; inc bx; jmp back. DS base 100h: both on linear page 10h.
    directed(
        Mode::Real,
        &[0xA0, 0x00, 0xFF, 0xA1, 0xFF, 0xFF, 0x43, 0xE9, 0xF6, 0xFF],
        |_| {},
    );
    // mov al,[2FF0h]; mov eax,[2FFEh]; inc ebx; jmp back: page 2 is identity-mapped, page 3
    // is frame 113.
    directed(
        Mode::Paged,
        &[
            0xA0, 0xF0, 0x2F, 0, 0, 0xA1, 0xFE, 0x2F, 0, 0, 0x43, 0xE9, 0xF0, 0xFF, 0xFF, 0xFF,
        ],
        |cpu| {
            let pte = PAGE_DIR as usize + 0x1000 + 3 * 4;
            cpu.ram()
                .write_slice(pte, &(113 << 12 | 3u32).to_le_bytes());
        },
    );
    // mov al,[ss:FFFFFF00]; mov eax,[ss:FFFFFFFE]: SS based at 10100h with a 4 GiB limit,
    // both on linear page 10h; the second offset wraps past 4 GiB (#SS).
    directed(
        Mode::Protected,
        &[
            0x36, 0xA0, 0, 0xFF, 0xFF, 0xFF, 0x36, 0xA1, 0xFE, 0xFF, 0xFF, 0xFF, 0x43, 0xE9, 0xEE,
            0xFF, 0xFF, 0xFF,
        ],
        |cpu| cpu.state.seg[Seg::Ss as usize].base = 0x1_0100,
    );
    // mov al,[20]; mov [20],al (through DS, warming page 0 both ways); mov al,[es:4];
    // mov [es:4],al: with ES read-only data the store faults, with ES expand-down above 8
    // the load does.
    let code = [
        0xA0, 0x20, 0, 0, 0, 0xA2, 0x20, 0, 0, 0, 0x26, 0xA0, 0x04, 0, 0, 0, 0x26, 0xA2, 0x04, 0,
        0, 0, 0x43, 0xE9, 0xE4, 0xFF, 0xFF, 0xFF,
    ];
    directed(Mode::Protected, &code, |cpu| {
        let es = &mut cpu.state.seg[Seg::Es as usize];
        es.access = (es.access & !0xF) | 0x1;
        es.valid = SegmentCache::validity(es.access);
    });
    directed(Mode::Protected, &code, |cpu| {
        let es = &mut cpu.state.seg[Seg::Es as usize];
        es.access = (es.access & !0xF) | 0x7;
        es.limit = 0x8;
        es.valid = SegmentCache::validity(es.access);
    });
}
