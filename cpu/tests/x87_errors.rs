//! How a pending unmasked x87 exception is reported when the next waiting x87 instruction
//! (not only FWAIT) starts (Intel SDM Vol. 1 8.7, Vol. 3 D.1): #MF (vector 16) with CR0.NE
//! set; with NE clear, FERR# for the board (IRQ 13 on the PC/AT) and the instruction runs.

use std::rc::Rc;

use amber_cpu::state::cr0;
use amber_cpu::state::reg::*;
use amber_cpu::{Bus, BusAction, Cpu, CpuModel, Exit, FlatBus, GuestRam, PhysPage, Seg};
use iced_x86::code_asm::*;

const CODE: u32 = 0x1000;
const MF_HANDLER: u32 = 0x3100;

/// RAM with nothing else, counting FERR# assertions.
struct FerrBus {
    flat: FlatBus,
    ferr: u32,
}

impl Bus for FerrBus {
    fn phys_page(&mut self, paddr: u32) -> PhysPage {
        self.flat.phys_page(paddr)
    }
    fn mmio_read(&mut self, paddr: u32, size: u8, icount: u64) -> u32 {
        self.flat.mmio_read(paddr, size, icount)
    }
    fn mmio_write(&mut self, paddr: u32, size: u8, value: u32, icount: u64) -> BusAction {
        self.flat.mmio_write(paddr, size, value, icount)
    }
    fn io_read(&mut self, port: u16, size: u8, icount: u64) -> u32 {
        self.flat.io_read(port, size, icount)
    }
    fn io_write(&mut self, port: u16, size: u8, value: u32, icount: u64) -> BusAction {
        self.flat.io_write(port, size, value, icount)
    }
    fn floating_point_error(&mut self) {
        self.ferr += 1;
    }
}

/// Leaves an unmasked divide by zero pending, then runs `next` and `mov ax, 1` in real mode
/// with CR0.NE as given. Every vector but 16 points at a HLT at 0000:3000; #MF's at 3100.
/// Returns the CPU, the FERR# count and the address after the program's HLT.
fn run(ne: bool, next: fn(&mut CodeAssembler) -> Result<(), IcedError>) -> (Cpu, u32, u64) {
    let mut a = CodeAssembler::new(16).unwrap();
    a.fninit().unwrap();
    a.fldcw(word_ptr(0x2000)).unwrap();
    a.fld1().unwrap();
    a.fldz().unwrap();
    a.fdivp(st1, st0).unwrap();
    next(&mut a).unwrap();
    a.mov(ax, 1u32).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(u64::from(CODE)).unwrap();
    let ram = Rc::new(GuestRam::new(1 << 20));
    ram.write_slice(CODE as usize, &code);
    ram.write_slice(0x2000, &0x037Bu16.to_le_bytes()); // ZE unmasked
    for v in 0..32 {
        let ip = if v == 16 { MF_HANDLER } else { 0x3000 } as u16;
        ram.write_slice(v * 4, &[ip as u8, (ip >> 8) as u8, 0, 0]);
    }
    ram.set(0x3000, 0xF4);
    ram.set(MF_HANDLER as usize, 0xF4);
    let mut cpu = Cpu::new(CpuModel::P6, ram.clone());
    for s in Seg::ALL {
        cpu.load_real_segment(s, 0);
    }
    cpu.state.eip = u64::from(CODE);
    cpu.state.set_r16(ESP, 0x8000);
    if ne {
        cpu.state.cr0 |= cr0::NE;
    } else {
        cpu.state.cr0 &= !cr0::NE;
    }
    let mut bus = FerrBus {
        flat: FlatBus { ram_len: ram.len() },
        ferr: 0,
    };
    assert_eq!(cpu.run(&mut bus, 1000), Exit::Halted);
    (cpu, bus.ferr, u64::from(CODE) + code.len() as u64)
}

#[test]
fn with_ne_set_the_next_x87_instruction_raises_mf() {
    let (cpu, ferr, _) = run(true, |a| a.fld1());
    assert_eq!(
        cpu.state.eip,
        u64::from(MF_HANDLER) + 1,
        "halted in the #MF handler"
    );
    assert_eq!(ferr, 0);
    assert_eq!(cpu.state.r16(EAX), 0, "the program stopped at FLD1");
    assert_eq!(cpu.state.fpu.top, 7, "FLD1 did not push");
}

#[test]
fn with_ne_clear_ferr_is_asserted_and_the_instruction_runs() {
    let (cpu, ferr, end) = run(false, |a| a.fld1());
    assert_eq!(cpu.state.eip, end, "halted at the program's HLT");
    assert_ne!(ferr, 0);
    assert_eq!(cpu.state.r16(EAX), 1);
    assert_eq!(cpu.state.fpu.top, 6, "FLD1 pushed");
}

#[test]
fn an_mmx_instruction_also_reports_the_pending_exception() {
    // SDM Vol. 1 9.5.2: MMX instructions check for pending x87 exceptions like FWAIT.
    let (cpu, ferr, _) = run(true, |a| a.paddb(mm0, mm1));
    assert_eq!(
        cpu.state.eip,
        u64::from(MF_HANDLER) + 1,
        "halted in the #MF handler"
    );
    assert_eq!(ferr, 0);
    assert_eq!(
        cpu.state.fpu.tag & 3,
        3,
        "PADDB did not run: ST(7)'s register still empty"
    );
    let (cpu, ferr, end) = run(false, |a| a.paddb(mm0, mm1));
    assert_eq!((cpu.state.eip, cpu.state.r16(EAX)), (end, 1));
    assert_ne!(ferr, 0);
    assert_eq!(
        cpu.state.fpu.tag, 0,
        "PADDB ran and marked every register valid"
    );
}
