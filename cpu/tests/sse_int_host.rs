//! The host CPU as the oracle for amber's SSE and SSE2 packed-integer instructions (Intel SDM
//! Vol. 1 10.4.4 and 11.4, Vol. 2 the P* pages): each instruction form, on XMM registers and
//! (for the SSE additions to MMX) on MMX registers, runs natively and in amber (32-bit flat
//! protected mode, Pentium 4) in a loop over the same records of two operands, and every
//! result must agree bit for bit. Also the #GP(0) for a misaligned m128 and the #UD with
//! CR4.OSFXSR clear. Skipped on hosts other than x86_64 Linux.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod flat32;

use amber_cpu::fpu::CR4_OSFXSR;
use amber_cpu::state::reg::*;
use std::rc::Rc;

use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg};
use flat32::{run_amber, run_native, Seq, CODE};
use iced_x86::code_asm::*;

/// Records of (a, b, result), 16 bytes each, through EBX; a multiple of 16, so `[ebx + 16]`
/// is an aligned m128 (both sides' data areas are page-aligned).
const RECORD: usize = 48;
const RECORDS: usize = 2048;
const DATA_LEN: usize = RECORD * RECORDS;

/// The loop both sides run: for each record, register 0 = a, register 1 = b (XMM or MMX),
/// the instruction (which may also address b as `[ebx + 16]`), then register 0 stored as the
/// result; EMMS at the end of the MMX loop.
fn looped(a: &mut CodeAssembler, body: Seq, mmx: bool) -> Result<(), IcedError> {
    let mut top = a.create_label();
    a.mov(ecx, RECORDS as u32)?;
    a.set_label(&mut top)?;
    if mmx {
        a.movq(mm0, qword_ptr(ebx))?;
        a.movq(mm1, qword_ptr(ebx + 16))?;
    } else {
        a.movdqu(xmm0, xmmword_ptr(ebx))?;
        a.movdqu(xmm1, xmmword_ptr(ebx + 16))?;
    }
    body(a)?;
    if mmx {
        a.movq(qword_ptr(ebx + 32), mm0)?;
    } else {
        a.movdqu(xmmword_ptr(ebx + 32), xmm0)?;
    }
    a.add(ebx, RECORD as i32)?;
    a.dec(ecx)?;
    a.jnz(top)?;
    if mmx {
        a.emms()?;
    }
    Ok(())
}

/// Lane patterns: zero, ones, and each lane's extremes at 8, 16, 32 and 64 bits.
const SPECIAL: [u64; 14] = [
    0,
    u64::MAX,
    0x8080_8080_8080_8080,
    0x7F7F_7F7F_7F7F_7F7F,
    0x8000_8000_8000_8000,
    0x7FFF_7FFF_7FFF_7FFF,
    0x8000_0000_8000_0000,
    0x7FFF_FFFF_7FFF_FFFF,
    0x8000_0000_0000_0000,
    0x7FFF_FFFF_FFFF_FFFF,
    0x0001_0001_0001_0001,
    0xFF00_00FF_8001_7FFE,
    0x0123_4567_89AB_CDEF,
    0xFFFF_0000_FFFF_0000,
];

/// The 16-byte special value `i`: pattern `i` in the low quadword and a different one in the
/// high quadword for odd `i`.
fn special(i: usize) -> u128 {
    let n = SPECIAL.len();
    let hi = if i.is_multiple_of(2) { i } else { (i + 5) % n };
    u128::from(SPECIAL[i]) | u128::from(SPECIAL[hi]) << 64
}

/// Records: every pair of special values, then xorshift pairs; every third random b is a
/// small shift count in its low quadword. The result fields start random too (MASKMOVDQU
/// keeps the unselected bytes).
fn inputs() -> Vec<u8> {
    let mut d = vec![0u8; DATA_LEN];
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let n = SPECIAL.len();
    for (i, r) in d.chunks_exact_mut(RECORD).enumerate() {
        let mut wide = || u128::from(next()) | u128::from(next()) << 64;
        let (a, b) = if i < n * n {
            (special(i / n), special(i % n))
        } else if i % 3 == 0 {
            let (a, b) = (wide(), wide());
            (a, (b & !u128::from(u64::MAX)) | ((b >> 64) % 140))
        } else {
            (wide(), wide())
        };
        r[..16].copy_from_slice(&a.to_le_bytes());
        r[16..32].copy_from_slice(&b.to_le_bytes());
        r[32..].copy_from_slice(&wide().to_le_bytes());
    }
    d
}

fn check(name: &str, body: Seq, mmx: bool) {
    let mut host = inputs();
    let mut ours = inputs();
    run_native(|a| looped(a, body, mmx), &mut host);
    let mut a = CodeAssembler::new(32).unwrap();
    looped(&mut a, body, mmx).unwrap();
    a.hlt().unwrap();
    run_amber(&a.assemble(CODE).unwrap(), &mut ours, 10_000_000);
    for (i, (h, o)) in host
        .chunks_exact(RECORD)
        .zip(ours.chunks_exact(RECORD))
        .enumerate()
    {
        assert_eq!(o, h, "{name}: record {i} differs (a, b, result)");
    }
}

/// Defines a test per instruction form, each checked against the host; `mmx` picks the
/// MMX-register loop.
macro_rules! oracle {
    ($mmx:expr; $($name:ident: |$a:ident| $e:expr;)*) => {
        $(
            #[test]
            fn $name() {
                fn body($a: &mut CodeAssembler) -> Result<(), IcedError> {
                    $e
                }
                check(stringify!($name), body, $mmx);
            }
        )*
    };
}

// XMM forms (SSE2).
oracle! {
    false;
    packsswb_xx: |a| a.packsswb(xmm0, xmm1);
    packssdw_xx: |a| a.packssdw(xmm0, xmm1);
    packuswb_xx: |a| a.packuswb(xmm0, xmm1);
    punpcklbw_xx: |a| a.punpcklbw(xmm0, xmm1);
    punpcklwd_xx: |a| a.punpcklwd(xmm0, xmm1);
    punpckldq_xx: |a| a.punpckldq(xmm0, xmm1);
    punpcklqdq_xx: |a| a.punpcklqdq(xmm0, xmm1);
    punpckhbw_xx: |a| a.punpckhbw(xmm0, xmm1);
    punpckhwd_xx: |a| a.punpckhwd(xmm0, xmm1);
    punpckhdq_xx: |a| a.punpckhdq(xmm0, xmm1);
    punpckhqdq_xx: |a| a.punpckhqdq(xmm0, xmm1);
    paddb_xx: |a| a.paddb(xmm0, xmm1);
    paddw_xx: |a| a.paddw(xmm0, xmm1);
    paddd_xx: |a| a.paddd(xmm0, xmm1);
    paddq_xx: |a| a.paddq(xmm0, xmm1);
    paddsb_xx: |a| a.paddsb(xmm0, xmm1);
    paddsw_xx: |a| a.paddsw(xmm0, xmm1);
    paddusb_xx: |a| a.paddusb(xmm0, xmm1);
    paddusw_xx: |a| a.paddusw(xmm0, xmm1);
    psubb_xx: |a| a.psubb(xmm0, xmm1);
    psubw_xx: |a| a.psubw(xmm0, xmm1);
    psubd_xx: |a| a.psubd(xmm0, xmm1);
    psubq_xx: |a| a.psubq(xmm0, xmm1);
    psubsb_xx: |a| a.psubsb(xmm0, xmm1);
    psubsw_xx: |a| a.psubsw(xmm0, xmm1);
    psubusb_xx: |a| a.psubusb(xmm0, xmm1);
    psubusw_xx: |a| a.psubusw(xmm0, xmm1);
    pmulhw_xx: |a| a.pmulhw(xmm0, xmm1);
    pmulhuw_xx: |a| a.pmulhuw(xmm0, xmm1);
    pmullw_xx: |a| a.pmullw(xmm0, xmm1);
    pmuludq_xx: |a| a.pmuludq(xmm0, xmm1);
    pmaddwd_xx: |a| a.pmaddwd(xmm0, xmm1);
    pavgb_xx: |a| a.pavgb(xmm0, xmm1);
    pavgw_xx: |a| a.pavgw(xmm0, xmm1);
    pmaxsw_xx: |a| a.pmaxsw(xmm0, xmm1);
    pmaxub_xx: |a| a.pmaxub(xmm0, xmm1);
    pminsw_xx: |a| a.pminsw(xmm0, xmm1);
    pminub_xx: |a| a.pminub(xmm0, xmm1);
    psadbw_xx: |a| a.psadbw(xmm0, xmm1);
    pcmpeqb_xx: |a| a.pcmpeqb(xmm0, xmm1);
    pcmpeqw_xx: |a| a.pcmpeqw(xmm0, xmm1);
    pcmpeqd_xx: |a| a.pcmpeqd(xmm0, xmm1);
    pcmpgtb_xx: |a| a.pcmpgtb(xmm0, xmm1);
    pcmpgtw_xx: |a| a.pcmpgtw(xmm0, xmm1);
    pcmpgtd_xx: |a| a.pcmpgtd(xmm0, xmm1);
    pand_xx: |a| a.pand(xmm0, xmm1);
    pandn_xx: |a| a.pandn(xmm0, xmm1);
    por_xx: |a| a.por(xmm0, xmm1);
    pxor_xx: |a| a.pxor(xmm0, xmm1);
    psllw_xx: |a| a.psllw(xmm0, xmm1);
    pslld_xx: |a| a.pslld(xmm0, xmm1);
    psllq_xx: |a| a.psllq(xmm0, xmm1);
    psrlw_xx: |a| a.psrlw(xmm0, xmm1);
    psrld_xx: |a| a.psrld(xmm0, xmm1);
    psrlq_xx: |a| a.psrlq(xmm0, xmm1);
    psraw_xx: |a| a.psraw(xmm0, xmm1);
    psrad_xx: |a| a.psrad(xmm0, xmm1);
    psllw_ximm: |a| {
        a.psllw(xmm0, 3)?;
        a.psllw(xmm1, 16)?;
        a.por(xmm0, xmm1)
    };
    pslld_ximm: |a| {
        a.pslld(xmm0, 31)?;
        a.pslld(xmm1, 32)?;
        a.por(xmm0, xmm1)
    };
    psllq_ximm: |a| {
        a.psllq(xmm0, 40)?;
        a.psllq(xmm1, 1)?;
        a.pxor(xmm0, xmm1)
    };
    psrlw_ximm: |a| {
        a.psrlw(xmm0, 17)?;
        a.psrlw(xmm1, 9)?;
        a.por(xmm0, xmm1)
    };
    psrld_ximm: |a| {
        a.psrld(xmm0, 5)?;
        a.psrld(xmm1, 255)?;
        a.por(xmm0, xmm1)
    };
    psrlq_ximm: |a| {
        a.psrlq(xmm0, 63)?;
        a.psrlq(xmm1, 64)?;
        a.por(xmm0, xmm1)
    };
    psraw_ximm: |a| {
        a.psraw(xmm0, 200)?;
        a.psraw(xmm1, 4)?;
        a.pxor(xmm0, xmm1)
    };
    psrad_ximm: |a| {
        a.psrad(xmm0, 7)?;
        a.psrad(xmm1, 31)?;
        a.pxor(xmm0, xmm1)
    };
    pslldq_0: |a| a.pslldq(xmm0, 0);
    pslldq_1: |a| a.pslldq(xmm0, 1);
    pslldq_7: |a| a.pslldq(xmm0, 7);
    pslldq_15: |a| a.pslldq(xmm0, 15);
    pslldq_16: |a| a.pslldq(xmm0, 16);
    pslldq_200: |a| a.pslldq(xmm0, 200);
    psrldq_0: |a| a.psrldq(xmm0, 0);
    psrldq_3: |a| a.psrldq(xmm0, 3);
    psrldq_8: |a| a.psrldq(xmm0, 8);
    psrldq_15: |a| a.psrldq(xmm0, 15);
    psrldq_16: |a| a.psrldq(xmm0, 16);
    psrldq_255: |a| a.psrldq(xmm0, 255);
    pshufd_1b: |a| a.pshufd(xmm0, xmm1, 0x1B);
    pshufd_00: |a| a.pshufd(xmm0, xmm1, 0x00);
    pshufd_e4: |a| a.pshufd(xmm0, xmm1, 0xE4);
    pshufd_93: |a| a.pshufd(xmm0, xmm1, 0x93);
    pshuflw_1b: |a| a.pshuflw(xmm0, xmm1, 0x1B);
    pshuflw_ff: |a| a.pshuflw(xmm0, xmm1, 0xFF);
    pshuflw_4e: |a| a.pshuflw(xmm0, xmm1, 0x4E);
    pshufhw_1b: |a| a.pshufhw(xmm0, xmm1, 0x1B);
    pshufhw_00: |a| a.pshufhw(xmm0, xmm1, 0x00);
    pshufhw_b1: |a| a.pshufhw(xmm0, xmm1, 0xB1);
    pextrw_x0: |a| {
        a.mov(eax, 0xDEAD_BEEFu32)?;
        a.pextrw(eax, xmm0, 0)?;
        a.movd(xmm0, eax)
    };
    pextrw_x3: |a| {
        a.pextrw(eax, xmm1, 3)?;
        a.movd(xmm0, eax)
    };
    pextrw_x7: |a| {
        a.pextrw(eax, xmm0, 7)?;
        a.movd(xmm0, eax)
    };
    pextrw_x9: |a| {
        a.pextrw(eax, xmm0, 9)?;
        a.movd(xmm0, eax)
    };
    pmovmskb_x: |a| {
        a.mov(eax, 0xDEAD_BEEFu32)?;
        a.pmovmskb(eax, xmm0)?;
        a.movd(xmm0, eax)
    };
    pinsrw_x0: |a| {
        a.mov(eax, dword_ptr(ebx + 16))?;
        a.pinsrw(xmm0, eax, 0)
    };
    pinsrw_x5: |a| {
        a.mov(eax, dword_ptr(ebx + 20))?;
        a.pinsrw(xmm0, eax, 5)
    };
    pinsrw_x10: |a| {
        a.mov(eax, dword_ptr(ebx + 24))?;
        a.pinsrw(xmm0, eax, 10)
    };
    pinsrw_xm7: |a| a.pinsrw(xmm0, word_ptr(ebx + 18), 7);
    maskmovdqu_x: |a| {
        a.lea(edi, ptr(ebx + 32))?;
        a.maskmovdqu(xmm0, xmm1)?;
        a.movdqu(xmm0, xmmword_ptr(ebx + 32))
    };
    movq2dq_x: |a| {
        a.movq(mm3, qword_ptr(ebx + 16))?;
        a.movq2dq(xmm0, mm3)?;
        a.emms()
    };
    movdq2q_x: |a| {
        a.movdq2q(mm2, xmm1)?;
        a.paddb(mm2, mm2)?;
        a.movq2dq(xmm0, mm2)?;
        a.emms()
    };
    paddw_xm: |a| a.paddw(xmm0, xmmword_ptr(ebx + 16));
    psubusb_xm: |a| a.psubusb(xmm0, xmmword_ptr(ebx + 16));
    pmaddwd_xm: |a| a.pmaddwd(xmm0, xmmword_ptr(ebx + 16));
    packsswb_xm: |a| a.packsswb(xmm0, xmmword_ptr(ebx + 16));
    punpcklbw_xm: |a| a.punpcklbw(xmm0, xmmword_ptr(ebx + 16));
    punpckhqdq_xm: |a| a.punpckhqdq(xmm0, xmmword_ptr(ebx + 16));
    psllq_xm: |a| a.psllq(xmm0, xmmword_ptr(ebx + 16));
    psraw_xm: |a| a.psraw(xmm0, xmmword_ptr(ebx + 16));
    pshufd_xm: |a| a.pshufd(xmm0, xmmword_ptr(ebx + 16), 0x6C);
    pshufhw_xm: |a| a.pshufhw(xmm0, xmmword_ptr(ebx + 16), 0x6C);
    psadbw_xm: |a| a.psadbw(xmm0, xmmword_ptr(ebx + 16));
    pmuludq_xm: |a| a.pmuludq(xmm0, xmmword_ptr(ebx + 16));
    pcmpgtd_xm: |a| a.pcmpgtd(xmm0, xmmword_ptr(ebx + 16));
    pavgb_xm: |a| a.pavgb(xmm0, xmmword_ptr(ebx + 16));
    pxor_xm: |a| a.pxor(xmm0, xmmword_ptr(ebx + 16));
}

// MMX-register forms of the SSE and SSE2 additions.
oracle! {
    true;
    pavgb_mm: |a| a.pavgb(mm0, mm1);
    pavgw_mm: |a| a.pavgw(mm0, mm1);
    pmaxsw_mm: |a| a.pmaxsw(mm0, mm1);
    pmaxub_mm: |a| a.pmaxub(mm0, mm1);
    pminsw_mm: |a| a.pminsw(mm0, mm1);
    pminub_mm: |a| a.pminub(mm0, mm1);
    pmulhuw_mm: |a| a.pmulhuw(mm0, mm1);
    psadbw_mm: |a| a.psadbw(mm0, mm1);
    paddq_mm: |a| a.paddq(mm0, mm1);
    psubq_mm: |a| a.psubq(mm0, mm1);
    pmuludq_mm: |a| a.pmuludq(mm0, mm1);
    pshufw_1b: |a| a.pshufw(mm0, mm1, 0x1B);
    pshufw_00: |a| a.pshufw(mm0, mm1, 0x00);
    pshufw_e4: |a| a.pshufw(mm0, mm1, 0xE4);
    pshufw_9c: |a| a.pshufw(mm0, mm1, 0x9C);
    pextrw_m0: |a| {
        a.mov(eax, 0xDEAD_BEEFu32)?;
        a.pextrw(eax, mm0, 0)?;
        a.movd(mm0, eax)
    };
    pextrw_m3: |a| {
        a.pextrw(eax, mm1, 3)?;
        a.movd(mm0, eax)
    };
    pextrw_m5: |a| {
        a.pextrw(eax, mm0, 5)?;
        a.movd(mm0, eax)
    };
    pmovmskb_m: |a| {
        a.mov(eax, 0xDEAD_BEEFu32)?;
        a.pmovmskb(eax, mm0)?;
        a.movd(mm0, eax)
    };
    pinsrw_m1: |a| {
        a.mov(eax, dword_ptr(ebx + 16))?;
        a.pinsrw(mm0, eax, 1)
    };
    pinsrw_m6: |a| {
        a.mov(eax, dword_ptr(ebx + 20))?;
        a.pinsrw(mm0, eax, 6)
    };
    pinsrw_mm3: |a| a.pinsrw(mm0, word_ptr(ebx + 22), 3);
    maskmovq_m: |a| {
        a.lea(edi, ptr(ebx + 32))?;
        a.maskmovq(mm0, mm1)?;
        a.movq(mm0, qword_ptr(ebx + 32))
    };
    movntq_m: |a| {
        a.movntq(qword_ptr(ebx + 40), mm1)?;
        a.movq(mm0, qword_ptr(ebx + 40))
    };
    pavgw_mm_m: |a| a.pavgw(mm0, qword_ptr(ebx + 16));
    pminub_mm_m: |a| a.pminub(mm0, qword_ptr(ebx + 16));
    psadbw_mm_m: |a| a.psadbw(mm0, qword_ptr(ebx + 16));
    pmuludq_mm_m: |a| a.pmuludq(mm0, qword_ptr(ebx + 16));
    paddq_mm_m: |a| a.paddq(mm0, qword_ptr(ebx + 16));
    pshufw_mm_m: |a| a.pshufw(mm0, qword_ptr(ebx + 16), 0x72);
}

/// Runs `build` in real mode from 0000:1000 on a Pentium 4 with CR4.OSFXSR as given until
/// HLT; every exception vector points at a HLT.
fn run16(osfxsr: bool, build: Seq) -> (Cpu, Rc<GuestRam>) {
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
    let mut cpu = Cpu::new(CpuModel::Pentium4, ram.clone());
    for s in Seg::ALL {
        cpu.load_real_segment(s, 0);
    }
    cpu.state.eip = 0x1000;
    cpu.state.set_r16(ESP, 0x8000);
    if osfxsr {
        cpu.state.cr4 |= CR4_OSFXSR;
    }
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted);
    (cpu, ram)
}

#[test]
fn misaligned_m128_raises_gp0() {
    let (cpu, _) = run16(true, |a| a.paddb(xmm0, xmmword_ptr(0x2000)));
    assert_eq!(cpu.last_vector, None, "an aligned m128 runs");
    let (cpu, _) = run16(true, |a| a.paddb(xmm0, xmmword_ptr(0x2008)));
    assert_eq!(cpu.last_vector, Some(13), "#GP for a misaligned m128");
    let (cpu, _) = run16(true, |a| a.pshufd(xmm0, xmmword_ptr(0x2001), 0));
    assert_eq!(cpu.last_vector, Some(13));
}

#[test]
fn xmm_forms_need_osfxsr() {
    let (cpu, _) = run16(false, |a| a.paddd(xmm0, xmm1));
    assert_eq!(cpu.last_vector, Some(6), "#UD with CR4.OSFXSR clear");
    let (cpu, _) = run16(false, |a| a.pmovmskb(eax, xmm1));
    assert_eq!(cpu.last_vector, Some(6));
    let (cpu, _) = run16(true, |a| a.paddd(xmm0, xmm1));
    assert_eq!(cpu.last_vector, None);
}

#[test]
fn maskmovdqu_uses_di_with_16_bit_addressing() {
    // EDI's high half is ignored with a 16-bit address size, and ES overrides DS.
    let (cpu, ram) = run16(true, |a| {
        a.mov(eax, 0x0010)?;
        a.mov(es, ax)?;
        a.mov(edi, 0x1234_0200u32)?;
        a.pcmpeqb(xmm1, xmm1)?;
        a.psrldq(xmm1, 14)?;
        a.mov(eax, 0xBBAAu32)?;
        a.movd(xmm0, eax)?;
        a.db(&[0x26, 0x66, 0x0F, 0xF7, 0xC1])
    });
    assert_eq!(cpu.last_vector, None);
    assert_eq!(ram.get(0x300), Some(0xAA), "ES:DI, byte 0 selected");
    assert_eq!(ram.get(0x301), Some(0xBB));
    assert_eq!(ram.get(0x302), Some(0), "byte 2 not selected");
    assert_eq!(ram.get(0x200), Some(0), "not DS:DI");
}
