//! The host CPU as the oracle for FXSAVE and FXRSTOR (Intel SDM Vol. 2 FXSAVE, FXRSTOR):
//! the same x87, MMX and SSE state is built natively and in amber, saved, restored from a
//! crafted image, and the images, the tag word FXRSTOR rebuilds (read back with FNSTENV),
//! and the registers must agree. The instruction and operand pointers (FIP, FCS, FOP, FDP,
//! FDS) hold host addresses natively, MXCSR_MASK is the host model's, and bytes 288-511
//! hold the host's XMM8-XMM15 in 64-bit mode, so those are left out of the comparison. Skipped on hosts other than x86_64 Linux.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

mod flat32;

use flat32::{run_amber, run_native, Seq, CODE};
use iced_x86::code_asm::*;

const SAVED: i32 = 0;
const CRAFTED: i32 = 512;
const RESAVED: i32 = 1024;
const ENV: i32 = 1536;
const INPUT: i32 = 2048;

/// Bytes of an image that both sides define: the first 288 but FOP, FIP, FCS, FDP, FDS
/// (6..24) and MXCSR_MASK (28..32).
fn comparable(image: &[u8]) -> Vec<u8> {
    image[..288]
        .iter()
        .enumerate()
        .filter(|&(i, _)| !(6..24).contains(&i) && !(28..32).contains(&i))
        .map(|(_, &b)| b)
        .collect()
}

/// Builds x87 and SSE state, FXSAVEs it, FXRSTORs the crafted image, stores the
/// environment, FXSAVEs again, stores XMM0 and XMM7, and empties the x87 stack.
fn program(a: &mut CodeAssembler) -> Result<(), IcedError> {
    a.fninit()?;
    a.fldcw(word_ptr(ebx + INPUT))?;
    a.fld(tword_ptr(ebx + INPUT + 16))?;
    a.fldpi()?;
    a.fldz()?;
    a.fld(dword_ptr(ebx + INPUT + 4))?;
    a.fdiv_2(st0, st1)?;
    a.ldmxcsr(dword_ptr(ebx + INPUT + 8))?;
    let regs = [xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7];
    for (i, r) in regs.into_iter().enumerate() {
        a.movups(r, xmmword_ptr(ebx + INPUT + 32 + 16 * i as i32))?;
    }
    a.addps(xmm1, xmm2)?;
    a.fxsave(ptr(ebx + SAVED))?;
    a.fxrstor(ptr(ebx + CRAFTED))?;
    a.fnstenv(ptr(ebx + ENV))?;
    a.fxsave(ptr(ebx + RESAVED))?;
    a.movups(xmmword_ptr(ebx + ENV + 32), xmm0)?;
    a.movups(xmmword_ptr(ebx + ENV + 48), xmm7)?;
    a.fninit()
}

/// The data: a pattern where FXSAVE writes (to show which bytes it leaves alone), the
/// crafted image, and the inputs.
fn data() -> Vec<u8> {
    let mut d: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 0xA5) as u8).collect();
    let put = |d: &mut Vec<u8>, at: i32, b: &[u8]| {
        d[at as usize..at as usize + b.len()].copy_from_slice(b);
    };
    put(&mut d, INPUT, &0x0B7Fu16.to_le_bytes()); // round up, double precision
    put(&mut d, INPUT + 4, &0x0000_0003u32.to_le_bytes()); // a binary32 denormal
    put(&mut d, INPUT + 8, &0x7F80u32.to_le_bytes()); // round to zero, masked
    put(&mut d, INPUT + 16, &[1, 2, 3, 4, 5, 6, 7, 0x80, 0xFF, 0x3F]);
    // The crafted image: control, status with TOP = 5 and flags, abridged tags for
    // physical registers 0, 2, 3, 5, 6 and 7, holding a zero, a denormal, an unnormal, a
    // NaN, a normal and an infinity.
    put(&mut d, CRAFTED, &0x027Fu16.to_le_bytes());
    put(&mut d, CRAFTED + 2, &(0x2800u16 | 0x21).to_le_bytes());
    put(&mut d, CRAFTED + 4, &[0b1110_1101, 0]);
    put(&mut d, CRAFTED + 24, &0x1F80u32.to_le_bytes());
    let regs: [[u8; 10]; 8] = [
        [0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0x3F], // ST(0) = phys 5: 1.0
        [0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0x7F], // phys 6: QNaN
        [0, 0, 0, 0, 0, 0, 0, 0x80, 0xFF, 0xFF], // phys 7: -infinity
        [0; 10],                                 // phys 0: zero
        [9; 10],                                 // phys 1: empty
        [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],          // phys 2: denormal
        [0, 0, 0, 0, 0, 0, 0, 0x40, 0x00, 0x40], // phys 3: unnormal
        [0, 0, 0, 0, 0, 0, 0, 0x80, 0xFE, 0x3F], // phys 4 (empty): 0.5
    ];
    for (i, r) in regs.iter().enumerate() {
        put(&mut d, CRAFTED + 32 + 16 * i as i32, r);
    }
    for i in 0..128 {
        d[(CRAFTED + 160) as usize + i] = (i as u8).wrapping_mul(37);
        d[INPUT as usize + 32 + i] = (i as u8).wrapping_mul(91) ^ 0x3C;
    }
    d
}

#[test]
fn fxsave_and_fxrstor_match_the_host() {
    let body: Seq = program;
    let mut host = data();
    let mut ours = host.clone();
    run_native(
        |a| {
            a.sub(rsp, 8)?;
            a.stmxcsr(dword_ptr(rsp))?;
            body(a)?;
            a.ldmxcsr(dword_ptr(rsp))?;
            a.add(rsp, 8)
        },
        &mut host,
    );
    let mut a = CodeAssembler::new(32).unwrap();
    body(&mut a).unwrap();
    a.hlt().unwrap();
    run_amber(&a.assemble(CODE).unwrap(), &mut ours, 1000);
    for (name, at) in [("FXSAVE image", SAVED), ("image after FXRSTOR", RESAVED)] {
        let at = at as usize;
        assert_eq!(
            comparable(&ours[at..at + 512]),
            comparable(&host[at..at + 512]),
            "{name}"
        );
    }
    let env = ENV as usize;
    assert_eq!(
        ours[env..env + 12],
        host[env..env + 12],
        "FNSTENV's control, status and tag words"
    );
    assert_eq!(
        ours[env + 32..env + 64],
        host[env + 32..env + 64],
        "XMM0 and XMM7 after FXRSTOR"
    );
}
