//! The host CPU's MMX unit as the oracle for amber's MMX instructions (Intel SDM Vol. 1 ch. 9):
//! each instruction form runs natively and in amber (32-bit flat protected mode, P6) in a
//! loop over the same records of two operands, and every result must agree bit for bit. Also
//! the x87 aliasing (tag word, TOP, exponent bits) and the #UD/#NM checks. Skipped on hosts
//! other than x86_64 Linux.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod flat32;

use amber_cpu::state::cr0;
use amber_cpu::state::reg::*;
use std::rc::Rc;

use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg};
use flat32::{flat32_cpu, run_amber, run_native, Seq, CODE};
use iced_x86::code_asm::*;

/// Records of (a, b, result), 8 bytes each, through EBX.
const RECORD: usize = 24;
/// Bytes of the data area: the records fill it.
const DATA_LEN: usize = 0x1_2000;
const RECORDS: usize = DATA_LEN / RECORD;

/// The loop both sides run: for each record, MM0 = a, MM1 = b, the instruction (which may
/// also address b as `[ebx + 8]`), then MM0 stored as the result; EMMS at the end.
fn looped(a: &mut CodeAssembler, body: Seq) -> Result<(), IcedError> {
    let mut top = a.create_label();
    a.mov(ecx, RECORDS as u32)?;
    a.set_label(&mut top)?;
    a.movq(mm0, qword_ptr(ebx))?;
    a.movq(mm1, qword_ptr(ebx + 8))?;
    body(a)?;
    a.movq(qword_ptr(ebx + 16), mm0)?;
    a.add(ebx, RECORD as i32)?;
    a.dec(ecx)?;
    a.jnz(top)?;
    a.emms()
}

fn native(body: Seq, data: &mut [u8]) {
    run_native(|a| looped(a, body), data);
}

fn amber(body: Seq, data: &mut [u8]) {
    let mut a = CodeAssembler::new(32).unwrap();
    looped(&mut a, body).unwrap();
    a.hlt().unwrap();
    run_amber(&a.assemble(CODE).unwrap(), data, 1_000_000);
}

/// Lane patterns: zero, ones, and each lane's extremes at 8, 16 and 32 bits.
const SPECIAL: [u64; 12] = [
    0,
    u64::MAX,
    0x8080_8080_8080_8080,
    0x7F7F_7F7F_7F7F_7F7F,
    0x8000_8000_8000_8000,
    0x7FFF_7FFF_7FFF_7FFF,
    0x8000_0000_8000_0000,
    0x7FFF_FFFF_7FFF_FFFF,
    0x0001_0001_0001_0001,
    0xFF00_00FF_8001_7FFE,
    0x0123_4567_89AB_CDEF,
    0xFFFF_0000_FFFF_0000,
];

/// Records: every pair of special values, then xorshift pairs; every third random b is a
/// small shift count.
fn inputs() -> Vec<u8> {
    let mut d = vec![0u8; DATA_LEN];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for (i, r) in d.chunks_exact_mut(RECORD).enumerate() {
        let n = SPECIAL.len();
        let (a, b) = if i < n * n {
            (SPECIAL[i / n], SPECIAL[i % n])
        } else if i % 3 == 0 {
            (next(), next() % 70)
        } else {
            (next(), next())
        };
        r[..8].copy_from_slice(&a.to_le_bytes());
        r[8..16].copy_from_slice(&b.to_le_bytes());
    }
    d
}

fn check(name: &str, body: Seq) {
    let mut host = inputs();
    let mut ours = inputs();
    native(body, &mut host);
    amber(body, &mut ours);
    for (i, (h, o)) in host
        .chunks_exact(RECORD)
        .zip(ours.chunks_exact(RECORD))
        .enumerate()
    {
        assert_eq!(o, h, "{name}: record {i} differs (a, b, result)");
    }
}

/// Defines a test per instruction form, each checked against the host.
macro_rules! oracle {
    ($($name:ident: |$a:ident| $e:expr;)*) => {
        $(
            #[test]
            fn $name() {
                fn body($a: &mut CodeAssembler) -> Result<(), IcedError> {
                    $e
                }
                check(stringify!($name), body);
            }
        )*
    };
}

oracle! {
    packsswb_rr: |a| a.packsswb(mm0, mm1);
    packssdw_rr: |a| a.packssdw(mm0, mm1);
    packuswb_rr: |a| a.packuswb(mm0, mm1);
    punpcklbw_rr: |a| a.punpcklbw(mm0, mm1);
    punpcklwd_rr: |a| a.punpcklwd(mm0, mm1);
    punpckldq_rr: |a| a.punpckldq(mm0, mm1);
    punpckhbw_rr: |a| a.punpckhbw(mm0, mm1);
    punpckhwd_rr: |a| a.punpckhwd(mm0, mm1);
    punpckhdq_rr: |a| a.punpckhdq(mm0, mm1);
    paddb_rr: |a| a.paddb(mm0, mm1);
    paddw_rr: |a| a.paddw(mm0, mm1);
    paddd_rr: |a| a.paddd(mm0, mm1);
    paddsb_rr: |a| a.paddsb(mm0, mm1);
    paddsw_rr: |a| a.paddsw(mm0, mm1);
    paddusb_rr: |a| a.paddusb(mm0, mm1);
    paddusw_rr: |a| a.paddusw(mm0, mm1);
    psubb_rr: |a| a.psubb(mm0, mm1);
    psubw_rr: |a| a.psubw(mm0, mm1);
    psubd_rr: |a| a.psubd(mm0, mm1);
    psubsb_rr: |a| a.psubsb(mm0, mm1);
    psubsw_rr: |a| a.psubsw(mm0, mm1);
    psubusb_rr: |a| a.psubusb(mm0, mm1);
    psubusw_rr: |a| a.psubusw(mm0, mm1);
    pmulhw_rr: |a| a.pmulhw(mm0, mm1);
    pmullw_rr: |a| a.pmullw(mm0, mm1);
    pmaddwd_rr: |a| a.pmaddwd(mm0, mm1);
    pcmpeqb_rr: |a| a.pcmpeqb(mm0, mm1);
    pcmpeqw_rr: |a| a.pcmpeqw(mm0, mm1);
    pcmpeqd_rr: |a| a.pcmpeqd(mm0, mm1);
    pcmpgtb_rr: |a| a.pcmpgtb(mm0, mm1);
    pcmpgtw_rr: |a| a.pcmpgtw(mm0, mm1);
    pcmpgtd_rr: |a| a.pcmpgtd(mm0, mm1);
    pand_rr: |a| a.pand(mm0, mm1);
    pandn_rr: |a| a.pandn(mm0, mm1);
    por_rr: |a| a.por(mm0, mm1);
    pxor_rr: |a| a.pxor(mm0, mm1);
    psllw_rr: |a| a.psllw(mm0, mm1);
    pslld_rr: |a| a.pslld(mm0, mm1);
    psllq_rr: |a| a.psllq(mm0, mm1);
    psrlw_rr: |a| a.psrlw(mm0, mm1);
    psrld_rr: |a| a.psrld(mm0, mm1);
    psrlq_rr: |a| a.psrlq(mm0, mm1);
    psraw_rr: |a| a.psraw(mm0, mm1);
    psrad_rr: |a| a.psrad(mm0, mm1);
    psllw_imm: |a| a.psllw(mm0, 3);
    pslld_imm: |a| a.pslld(mm0, 31);
    psllq_imm: |a| a.psllq(mm0, 40);
    psrlw_imm: |a| a.psrlw(mm0, 17);
    psrld_imm: |a| a.psrld(mm0, 5);
    psrlq_imm: |a| a.psrlq(mm0, 63);
    psraw_imm: |a| a.psraw(mm0, 200);
    psrad_imm: |a| a.psrad(mm0, 7);
    paddsw_rm: |a| a.paddsw(mm0, qword_ptr(ebx + 8));
    pmaddwd_rm: |a| a.pmaddwd(mm0, qword_ptr(ebx + 8));
    packuswb_rm: |a| a.packuswb(mm0, qword_ptr(ebx + 8));
    punpcklbw_rm: |a| a.punpcklbw(mm0, dword_ptr(ebx + 8));
    punpckhdq_rm: |a| a.punpckhdq(mm0, qword_ptr(ebx + 8));
    psrlq_rm: |a| a.psrlq(mm0, qword_ptr(ebx + 8));
    movq_rr: |a| a.movq(mm0, mm1);
    movd_rm: |a| a.movd(mm0, dword_ptr(ebx + 12));
    movd_r32: |a| {
        a.movd(eax, mm1)?;
        a.movd(mm0, eax)
    };
    movd_mr: |a| {
        a.movd(dword_ptr(ebx + 16), mm1)?;
        a.movq(mm0, qword_ptr(ebx + 16))
    };
}

/// Runs `build` in amber on the P6 from CODE until HLT.
fn run32(build: Seq) -> Cpu {
    let mut a = CodeAssembler::new(32).unwrap();
    build(&mut a).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(CODE).unwrap();
    let data = inputs();
    let (mut cpu, ram) = flat32_cpu(&code, &data[..0x100]);
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 10_000), Exit::Halted);
    cpu
}

#[test]
fn mmx_aliases_the_x87_registers() {
    let cpu = run32(|a| {
        a.fninit()?;
        a.fld1()?;
        a.fld1()?;
        a.movq(mm3, qword_ptr(ebx))?;
        a.paddb(mm3, mm3)
    });
    let fpu = &cpu.state.fpu;
    assert_eq!(fpu.tag, 0, "every register valid (SDM Vol. 1 9.5.1)");
    assert_eq!(fpu.top, 0);
    let r = fpu.regs[3];
    assert_eq!((r.sign, r.exp), (true, 0x7FFF), "bits 79-64 all ones");
    assert_eq!(r.mant, 0, "0 + 0");
    let cpu = run32(|a| {
        a.movd(mm2, eax)?;
        a.emms()
    });
    assert_eq!(cpu.state.fpu.tag, 0xFFFF, "EMMS empties every register");
    assert_eq!(cpu.state.fpu.top, 0);
}

#[test]
fn movd_to_r32_takes_the_low_dword() {
    let cpu = run32(|a| {
        a.mov(eax, 0x1234_5678u32)?;
        a.movd(mm5, eax)?;
        a.psllq(mm5, 32)?;
        a.mov(eax, 0x9ABC_DEF0u32)?;
        a.movd(mm6, eax)?;
        a.por(mm5, mm6)?;
        a.movd(ecx, mm5)?;
        a.psrlq(mm5, 32)?;
        a.movd(edx, mm5)
    });
    assert_eq!(cpu.state.r32(ECX), 0x9ABC_DEF0);
    assert_eq!(cpu.state.r32(EDX), 0x1234_5678);
}

/// Runs `build` in real mode from 0000:1000 on `model` with the CR0 bits added until HLT;
/// every exception vector points at a HLT.
fn run16(model: CpuModel, cr0_bits: u32, build: Seq) -> (Cpu, Rc<GuestRam>) {
    let mut a = CodeAssembler::new(16).unwrap();
    build(&mut a).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(0x1000).unwrap();
    let ram = Rc::new(GuestRam::new(1 << 20));
    ram.write_slice(0x1000, &code);
    for v in 0..32 {
        ram.write_slice(v * 4, &[0x00, 0x30, 0x00, 0x00]);
    }
    ram.set(0x3000, 0xF4);
    let mut cpu = Cpu::new(model, ram.clone());
    for s in Seg::ALL {
        cpu.load_real_segment(s, 0);
    }
    cpu.state.eip = 0x1000;
    cpu.state.set_r16(ESP, 0x8000);
    cpu.state.cr0 |= cr0_bits;
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted);
    (cpu, ram)
}

/// The vector `paddb mm0, mm1` takes with the given model and CR0 bits, or None if it ran.
fn fault_vector(model: CpuModel, cr0_bits: u32) -> Option<u8> {
    run16(model, cr0_bits, |a| a.paddb(mm0, mm1)).0.last_vector
}

#[test]
fn a_faulting_store_changes_nothing() {
    // MOVQ [0xFFFC], mm0 runs past the 64 KiB real-mode limit: #GP before any byte is
    // written, and the x87 state keeps its tags.
    let (cpu, ram) = run16(CpuModel::P6, 0, |a| {
        a.fninit()?;
        a.mov(word_ptr(0xFFFC), 0x1111)?;
        a.movq(qword_ptr(0xFFFC), mm0)
    });
    assert_eq!(cpu.last_vector, Some(13));
    assert_eq!((ram.get(0xFFFC), ram.get(0xFFFD)), (Some(0x11), Some(0x11)));
    assert_eq!(cpu.state.fpu.tag, 0xFFFF);
}

#[test]
fn mmx_faults() {
    assert_eq!(fault_vector(CpuModel::P6, 0), None);
    assert_eq!(
        fault_vector(CpuModel::P6, cr0::EM),
        Some(6),
        "#UD with CR0.EM"
    );
    assert_eq!(
        fault_vector(CpuModel::P6, cr0::TS),
        Some(7),
        "#NM with CR0.TS"
    );
    assert_eq!(
        fault_vector(CpuModel::P6, cr0::EM | cr0::TS),
        Some(6),
        "EM before TS"
    );
    assert_eq!(fault_vector(CpuModel::Pentium, 0), Some(6), "no MMX");
}
