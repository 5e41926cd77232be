//! One program, two machines: the x86_64 host running it natively and amber running it in
//! 32-bit flat protected mode on a Pentium 4 (CR4.OSFXSR and OSXMMEXCPT set), both with EBX pointing at the same data. The x87 and
//! MMX host-oracle tests share it.
#![allow(dead_code)]

use std::rc::Rc;

use amber_cpu::fpu::{CR4_OSFXSR, CR4_OSXMMEXCPT};
use amber_cpu::state::cr0;
use amber_cpu::state::reg::EBX;
use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg, SegmentCache};
use iced_x86::code_asm::{rbx, rdi, CodeAssembler, IcedError};

/// Where amber's copy of the data lives (EBX), and its code.
pub const DATA: usize = 0x1000;
pub const CODE: u64 = 0x10_0000;

/// Emits a program body that addresses its data through EBX.
pub type Seq = fn(&mut CodeAssembler) -> Result<(), IcedError>;

/// A Pentium 4 in 32-bit flat protected mode (CR0.NE, CR4.OSFXSR and CR4.OSXMMEXCPT set) with `code` at CODE, `data` at DATA and
/// EBX = DATA.
pub fn flat32_cpu(code: &[u8], data: &[u8]) -> (Cpu, Rc<GuestRam>) {
    let ram = Rc::new(GuestRam::new(2 << 20));
    ram.write_slice(CODE as usize, code);
    ram.write_slice(DATA, data);
    let mut cpu = Cpu::new(CpuModel::Pentium4, ram.clone());
    cpu.state.cr0 |= cr0::PE | cr0::NE;
    cpu.state.cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    for s in Seg::ALL {
        cpu.state.seg[s as usize] = SegmentCache::flat32(8, s == Seg::Cs);
    }
    cpu.state.eip = CODE;
    cpu.state.set_r32(EBX, DATA as u32);
    (cpu, ram)
}

/// Runs `code` (assembled at CODE, ending in HLT) in amber over `data`, within `limit`
/// instructions, and copies the data back.
pub fn run_amber(code: &[u8], data: &mut [u8], limit: u64) {
    let (mut cpu, ram) = flat32_cpu(code, data);
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(
        cpu.run(&mut bus, limit),
        Exit::Halted,
        "the program ran to its HLT"
    );
    ram.read_slice(DATA, data);
}

/// Runs what `emit` assembles natively, as a function called with RBX pointing at a copy of
/// `data` below 4 GiB, and copies the data back. The emitted code must leave the x87 stack
/// empty (pop what it pushes, or end in EMMS), as the ABI requires. Linux only (MAP_32BIT).
#[cfg(target_os = "linux")]
pub fn run_native(emit: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>, data: &mut [u8]) {
    let mut a = CodeAssembler::new(64).unwrap();
    a.push(rbx).unwrap();
    a.mov(rbx, rdi).unwrap();
    emit(&mut a).unwrap();
    a.pop(rbx).unwrap();
    a.ret().unwrap();
    let code = a.assemble(0).unwrap();
    let data_len = data.len().next_multiple_of(0x1000);
    let code_len = code.len().next_multiple_of(0x1000);
    // SAFETY: two private anonymous mappings below 4 GiB (MAP_32BIT, so EBX-based operands
    // reach them): one for the data, copied in and out; one for the code, made executable
    // before it is called and unmapped after. The code follows the SysV ABI (RBX saved, the
    // x87 stack left empty) and touches only the data mapping and the x87/MMX registers.
    unsafe {
        let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT;
        let rw = libc::PROT_READ | libc::PROT_WRITE;
        let d = libc::mmap(std::ptr::null_mut(), data_len, rw, flags, -1, 0);
        let c = libc::mmap(std::ptr::null_mut(), code_len, rw, flags, -1, 0);
        assert!(d != libc::MAP_FAILED && c != libc::MAP_FAILED);
        std::ptr::copy_nonoverlapping(data.as_ptr(), d as *mut u8, data.len());
        std::ptr::copy_nonoverlapping(code.as_ptr(), c as *mut u8, code.len());
        assert_eq!(
            libc::mprotect(c, code_len, libc::PROT_READ | libc::PROT_EXEC),
            0
        );
        let f: extern "sysv64" fn(*mut u8) = std::mem::transmute(c);
        f(d as *mut u8);
        std::ptr::copy_nonoverlapping(d as *const u8, data.as_mut_ptr(), data.len());
        libc::munmap(d, data_len);
        libc::munmap(c, code_len);
    }
}
