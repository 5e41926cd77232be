//! The host CPU as an independent oracle for 32-bit integer instructions: each instruction
//! runs natively (x86_64 executes 8/16/32-bit register forms exactly as a 32-bit processor
//! does) and in amber's 32-bit protected mode from the same registers and flags, over special
//! and random operands. Flags the SDM leaves undefined for an instruction are masked.
//! Skipped on hosts other than x86_64 Linux.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::rc::Rc;

use amber_cpu::state::{cr0, fl};
use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg, SegmentCache};
use iced_x86::code_asm::*;

/// EAX, EBX, ECX, EDX, ESI, EDI, EFLAGS.
type Regs = [u64; 7];
type Emit = fn(&mut CodeAssembler) -> Result<(), IcedError>;
/// Undefined status flags of an instruction for given input registers; `None` skips the case.
type Undefined = fn(&Regs) -> Option<u32>;

const AMBER_REGS: [usize; 6] = [0, 3, 1, 2, 6, 7];

/// Native code that loads `Regs`, runs one instruction, and stores them back.
struct HostCode {
    mem: *mut libc::c_void,
    len: usize,
}

impl HostCode {
    fn new(emit: Emit) -> HostCode {
        let mut a = CodeAssembler::new(64).unwrap();
        a.push(rbx).unwrap();
        a.mov(r8, rdi).unwrap();
        for (i, r) in [eax, ebx, ecx, edx, esi, edi].into_iter().enumerate() {
            a.mov(r, dword_ptr(r8 + 8 * i as i32)).unwrap();
        }
        a.push(qword_ptr(r8 + 48)).unwrap();
        a.popfq().unwrap();
        emit(&mut a).unwrap();
        a.pushfq().unwrap();
        a.pop(qword_ptr(r8 + 48)).unwrap();
        for (i, r) in [eax, ebx, ecx, edx, esi, edi].into_iter().enumerate() {
            a.mov(dword_ptr(r8 + 8 * i as i32), r).unwrap();
        }
        a.pop(rbx).unwrap();
        a.ret().unwrap();
        let code = a.assemble(0).unwrap();
        let len = code.len().max(4096);
        // SAFETY: a fresh private anonymous mapping, written while writable, then made
        // executable and never written again; unmapped in Drop.
        unsafe {
            let mem = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(mem, libc::MAP_FAILED);
            std::ptr::copy_nonoverlapping(code.as_ptr(), mem as *mut u8, code.len());
            assert_eq!(
                libc::mprotect(mem, len, libc::PROT_READ | libc::PROT_EXEC),
                0
            );
            HostCode { mem, len }
        }
    }

    fn run(&self, regs: &mut Regs) {
        // SAFETY: the mapping holds a complete function following the SysV ABI: it saves the
        // one callee-saved register it uses (RBX) and touches only `regs` in memory. Cases
        // that would fault (division) are filtered out before they get here.
        unsafe {
            let f: extern "C" fn(*mut Regs) = std::mem::transmute(self.mem);
            f(regs);
        }
    }
}

impl Drop for HostCode {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping created in `new`.
        unsafe {
            libc::munmap(self.mem, self.len);
        }
    }
}

/// Runs the instruction in amber (32-bit flat protected mode, P6).
fn amber_run(emit: Emit, regs: &Regs) -> Regs {
    let mut a = CodeAssembler::new(32).unwrap();
    emit(&mut a).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(0x1000).unwrap();
    let ram = Rc::new(GuestRam::new(0x10000));
    ram.write_slice(0x1000, &code);
    let mut cpu = Cpu::new(CpuModel::P6, ram.clone());
    cpu.state.cr0 |= cr0::PE;
    for s in Seg::ALL {
        cpu.state.seg[s as usize] = SegmentCache::flat32(8, s == Seg::Cs);
    }
    cpu.state.eip = 0x1000;
    cpu.state.set_r32(4, 0x8000);
    for (i, &r) in AMBER_REGS.iter().enumerate() {
        cpu.state.set_r32(r, regs[i] as u32);
    }
    cpu.set_flags(regs[6] as u32);
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 10), Exit::Halted);
    let mut out = [0u64; 7];
    for (i, &r) in AMBER_REGS.iter().enumerate() {
        out[i] = cpu.state.r32(r) as u64;
    }
    out[6] = cpu.state.flags() as u64;
    out
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) as u32
    }
    /// Operands biased towards the boundaries where flags change.
    fn operand(&mut self) -> u32 {
        const SPECIAL: [u32; 12] = [
            0,
            1,
            2,
            0x7F,
            0x80,
            0xFF,
            0x7FFF,
            0x8000,
            0xFFFF,
            0x7FFF_FFFF,
            0x8000_0000,
            0xFFFF_FFFF,
        ];
        match self.next() % 3 {
            0 => SPECIAL[self.next() as usize % SPECIAL.len()],
            1 => self.next() & 0x1F,
            _ => self.next(),
        }
    }
}

fn check(name: &str, emit: Emit, undefined: Undefined) {
    let host = HostCode::new(emit);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D ^ name.len() as u64);
    for case in 0..400 {
        let mut regs: Regs = [0; 7];
        for r in regs.iter_mut().take(6) {
            *r = rng.operand() as u64;
        }
        regs[6] = 0x202 | (rng.next() & fl::ARITH) as u64;
        let Some(undef) = undefined(&regs) else {
            continue;
        };
        let mut native = regs;
        host.run(&mut native);
        let ours = amber_run(emit, &regs);
        let mask = (fl::ARITH | fl::DF) & !undef;
        let same = native[..6] == ours[..6] && (native[6] as u32 & mask) == (ours[6] as u32 & mask);
        assert!(
            same,
            "{name} case {case}: input {regs:08x?}\n  host  {native:08x?}\n  amber {ours:08x?} (flag mask {mask:#x})"
        );
    }
}

fn defined(_: &Regs) -> Option<u32> {
    Some(0)
}
fn logic(_: &Regs) -> Option<u32> {
    Some(fl::AF)
}
fn mul(_: &Regs) -> Option<u32> {
    Some(fl::SF | fl::ZF | fl::AF | fl::PF)
}
fn bit_test(_: &Regs) -> Option<u32> {
    Some(fl::OF | fl::SF | fl::AF | fl::PF)
}
/// Shifts by CL (ECX): OF is defined only for a count of 1, AF never; CF is undefined when
/// SHL/SHR shift a byte or word by its width or more.
fn shift_cl(bits: u32) -> impl Fn(&Regs) -> Option<u32> {
    move |r| {
        let c = r[2] as u32 & 31;
        let mut u = fl::AF;
        if c != 1 {
            u |= fl::OF;
        }
        if c >= bits {
            u |= fl::CF;
        }
        Some(u)
    }
}
fn rotate_cl(r: &Regs) -> Option<u32> {
    Some(if r[2] as u32 & 31 == 1 { 0 } else { fl::OF })
}
/// SHLD/SHRD on words by more than 16 leave the result undefined.
fn double_shift(bits: u32) -> impl Fn(&Regs) -> Option<u32> {
    move |r| {
        let c = r[2] as u32 & 31;
        if c > bits {
            return None;
        }
        Some(fl::AF | if c == 1 { 0 } else { fl::OF })
    }
}
/// Division: skip the cases that raise #DE; every flag is undefined.
fn divides(bits: u32, signed: bool) -> impl Fn(&Regs) -> Option<u32> {
    move |r| {
        let divisor = r[1] as u32 & mask(bits);
        let (lo, hi) = if bits == 8 {
            (r[0] as u32 & 0xFFFF, 0)
        } else {
            (r[0] as u32 & mask(bits), r[3] as u32 & mask(bits))
        };
        let dividend = if bits == 8 {
            lo as u64
        } else {
            ((hi as u64) << bits) | lo as u64
        };
        if divisor == 0 {
            return None;
        }
        let fits = if signed {
            let w = 2 * bits;
            let n = ((dividend << (64 - w)) as i64) >> (64 - w);
            let d = ((divisor as u64) << (64 - bits)) as i64 >> (64 - bits);
            let q = n.checked_div(d)?;
            q >= -(1i64 << (bits - 1)) && q < (1i64 << (bits - 1))
        } else {
            dividend / divisor as u64 <= mask(bits) as u64
        };
        fits.then_some(fl::ARITH)
    }
}
fn mask(bits: u32) -> u32 {
    if bits == 32 {
        u32::MAX
    } else {
        (1 << bits) - 1
    }
}
/// SHLD/SHRD by an immediate other than 1: AF and OF are undefined.
fn defined_but_af_of(_: &Regs) -> Option<u32> {
    Some(fl::AF | fl::OF)
}
fn bit_scan(r: &Regs) -> Option<u32> {
    // The destination is undefined for a zero source.
    (r[1] != 0).then_some(fl::CF | fl::OF | fl::SF | fl::AF | fl::PF)
}

macro_rules! cases {
    ($($name:ident: $undef:expr => |$a:ident| $body:expr;)*) => {
        $(
            #[test]
            fn $name() {
                fn emit($a: &mut CodeAssembler) -> Result<(), IcedError> {
                    $body
                }
                check(stringify!($name), emit, $undef);
            }
        )*
    };
}

// The closures below cannot capture, so shift-count predicates are wrapped in fn items.
fn shl8(r: &Regs) -> Option<u32> {
    shift_cl(8)(r)
}
fn shl16(r: &Regs) -> Option<u32> {
    shift_cl(16)(r)
}
fn shl32(r: &Regs) -> Option<u32> {
    shift_cl(32)(r)
}
fn shd16(r: &Regs) -> Option<u32> {
    double_shift(16)(r)
}
fn shd32(r: &Regs) -> Option<u32> {
    double_shift(32)(r)
}
fn undef_div8(r: &Regs) -> Option<u32> {
    divides(8, false)(r)
}
fn undef_div16(r: &Regs) -> Option<u32> {
    divides(16, false)(r)
}
fn undef_div32(r: &Regs) -> Option<u32> {
    divides(32, false)(r)
}
fn undef_idiv8(r: &Regs) -> Option<u32> {
    divides(8, true)(r)
}
fn undef_idiv16(r: &Regs) -> Option<u32> {
    divides(16, true)(r)
}
fn undef_idiv32(r: &Regs) -> Option<u32> {
    divides(32, true)(r)
}

cases! {
    add32: defined => |a| a.add(eax, ebx);
    add16: defined => |a| a.add(ax, bx);
    add8: defined => |a| a.add(al, bh);
    add_imm8: defined => |a| a.add(esi, -3);
    adc32: defined => |a| a.adc(eax, ebx);
    adc8: defined => |a| a.adc(ch, dl);
    sub32: defined => |a| a.sub(eax, ebx);
    sub16: defined => |a| a.sub(cx, di);
    sbb32: defined => |a| a.sbb(eax, ebx);
    sbb16: defined => |a| a.sbb(dx, si);
    cmp32: defined => |a| a.cmp(eax, ebx);
    cmp8_imm: defined => |a| a.cmp(bl, 0x80);
    and32: logic => |a| a.and(eax, ebx);
    or16: logic => |a| a.or(ax, bx);
    xor8: logic => |a| a.xor(al, bh);
    test32: logic => |a| a.test(eax, ebx);
    inc32: defined => |a| a.inc(eax);
    inc8: defined => |a| a.inc(ah);
    dec16: defined => |a| a.dec(bx);
    neg32: defined => |a| a.neg(eax);
    neg8: defined => |a| a.neg(cl);
    not32: defined => |a| a.not(edx);
    shl32_cl: shl32 => |a| a.shl(eax, cl);
    shl16_cl: shl16 => |a| a.shl(bx, cl);
    shl8_cl: shl8 => |a| a.shl(dl, cl);
    shr32_cl: shl32 => |a| a.shr(eax, cl);
    shr8_cl: shl8 => |a| a.shr(bh, cl);
    sar32_cl: shl32 => |a| a.sar(eax, cl);
    sar16_cl: shl16 => |a| a.sar(si, cl);
    shl32_1: defined => |a| a.shl(eax, 1);
    sar8_1: defined => |a| a.sar(al, 1);
    rol32_cl: rotate_cl => |a| a.rol(eax, cl);
    rol8_cl: rotate_cl => |a| a.rol(bl, cl);
    ror16_cl: rotate_cl => |a| a.ror(dx, cl);
    rcl32_cl: rotate_cl => |a| a.rcl(eax, cl);
    rcl8_cl: rotate_cl => |a| a.rcl(al, cl);
    rcr16_cl: rotate_cl => |a| a.rcr(bx, cl);
    rcr32_1: defined => |a| a.rcr(esi, 1);
    shld32_cl: shd32 => |a| a.shld(eax, ebx, cl);
    shld16_cl: shd16 => |a| a.shld(ax, bx, cl);
    shrd32_cl: shd32 => |a| a.shrd(eax, ebx, cl);
    shrd16_cl: shd16 => |a| a.shrd(dx, si, cl);
    shld32_imm: defined_but_af_of => |a| a.shld(eax, ebx, 16);
    shrd32_imm: defined_but_af_of => |a| a.shrd(ecx, edx, 7);
    shld16_imm: defined_but_af_of => |a| a.shld(si, di, 9);
    mul32: mul => |a| a.mul(ebx);
    mul8: mul => |a| a.mul(bl);
    imul16: mul => |a| a.imul(bx);
    imul32_2: mul => |a| a.imul_2(eax, ebx);
    imul32_3: mul => |a| a.imul_3(ecx, ebx, 1000);
    imul16_3: mul => |a| a.imul_3(cx, si, -7);
    div32: undef_div32 => |a| a.div(ebx);
    div16: undef_div16 => |a| a.div(bx);
    div8: undef_div8 => |a| a.div(bl);
    idiv32: undef_idiv32 => |a| a.idiv(ebx);
    idiv16: undef_idiv16 => |a| a.idiv(bx);
    idiv8: undef_idiv8 => |a| a.idiv(bl);
    bt32: bit_test => |a| a.bt(eax, ebx);
    bts16: bit_test => |a| a.bts(ax, bx);
    btr32_imm: bit_test => |a| a.btr(ecx, 37);
    btc32: bit_test => |a| a.btc(edx, esi);
    bsf32: bit_scan => |a| a.bsf(eax, ebx);
    bsr16: bit_scan => |a| a.bsr(ax, bx);
    bswap32: defined => |a| a.bswap(ecx);
    xadd32: defined => |a| a.xadd(eax, ebx);
    xadd8: defined => |a| a.xadd(cl, dh);
    cmpxchg32: defined => |a| a.cmpxchg(ecx, ebx);
    cmpxchg16: defined => |a| a.cmpxchg(si, di);
    xchg16: defined => |a| a.xchg(ax, bx);
    movzx8: defined => |a| a.movzx(eax, bh);
    movsx16: defined => |a| a.movsx(eax, bx);
    movsx8_16: defined => |a| a.movsx(cx, dl);
    cwde: defined => |a| a.cwde();
    cdq: defined => |a| a.cdq();
    cbw: defined => |a| a.cbw();
    cwd: defined => |a| a.cwd();
    lea: defined => |a| a.lea(eax, ptr(ebx + ecx * 4 + 0x1234));
    seto: defined => |a| a.seto(al);
    setb: defined => |a| a.setb(al);
    setbe: defined => |a| a.setbe(bl);
    setl: defined => |a| a.setl(cl);
    setle: defined => |a| a.setle(dh);
    setp: defined => |a| a.setp(al);
    setns: defined => |a| a.setns(ah);
    cmova: defined => |a| a.cmova(eax, ebx);
    cmovge: defined => |a| a.cmovge(ecx, edx);
    cmovg: defined => |a| a.cmovg(si, di);
    cmc: defined => |a| a.cmc();
    sahf: defined => |a| a.sahf();
    lahf: defined => |a| a.lahf();
}
