//! What the firmware touches: I/O ports and physical memory, as real firmware does
//! (DESIGN.md: a device never has a second, firmware-only interface), and the CPU's
//! register view when a service runs.

use amber_cpu::state::{reg, FlagOp};
use amber_cpu::{CpuState, Seg};

/// Ports and physical memory as the board presents them to the firmware.
pub trait Platform {
    fn port_read(&mut self, port: u16, size: u8) -> u32;
    fn port_write(&mut self, port: u16, size: u8, value: u32);
    /// Reads physical memory as the processor would: RAM, ROM, or a device's memory (the
    /// VGA window, the linear framebuffer); nothing there reads as 0xFF.
    fn mem_read(&mut self, addr: u32, buf: &mut [u8]);
    /// Writes physical memory as the processor would: RAM and device memory; writes to ROM
    /// are dropped.
    fn mem_write(&mut self, addr: u32, data: &[u8]);

    fn inb(&mut self, port: u16) -> u8 {
        self.port_read(port, 1) as u8
    }
    fn outb(&mut self, port: u16, v: u8) {
        self.port_write(port, 1, u32::from(v));
    }
    /// A CMOS byte, through the RTC's index and data ports 70h/71h.
    fn cmos(&mut self, index: u8) -> u8 {
        self.outb(0x70, index);
        self.inb(0x71)
    }
    fn set_cmos(&mut self, index: u8, v: u8) {
        self.outb(0x70, index);
        self.outb(0x71, v);
    }
    fn read_u8(&mut self, addr: u32) -> u8 {
        let mut b = [0u8; 1];
        self.mem_read(addr, &mut b);
        b[0]
    }
    fn read_u16(&mut self, addr: u32) -> u16 {
        let mut b = [0u8; 2];
        self.mem_read(addr, &mut b);
        u16::from_le_bytes(b)
    }
    fn read_u32(&mut self, addr: u32) -> u32 {
        let mut b = [0u8; 4];
        self.mem_read(addr, &mut b);
        u32::from_le_bytes(b)
    }
    fn write_u8(&mut self, addr: u32, v: u8) {
        self.mem_write(addr, &[v]);
    }
    fn write_u16(&mut self, addr: u32, v: u16) {
        self.mem_write(addr, &v.to_le_bytes());
    }
    fn write_u32(&mut self, addr: u32, v: u32) {
        self.mem_write(addr, &v.to_le_bytes());
    }
}

/// A real-mode address.
pub fn linear(seg: u16, off: u16) -> u32 {
    (u32::from(seg) << 4) + u32::from(off)
}

/// The register view a service works on: the 16-bit registers and segments of real mode.
pub struct Regs<'a>(pub &'a mut CpuState);

impl Regs<'_> {
    pub fn ax(&self) -> u16 {
        self.0.r16(reg::EAX)
    }
    pub fn ah(&self) -> u8 {
        (self.ax() >> 8) as u8
    }
    pub fn al(&self) -> u8 {
        self.ax() as u8
    }
    pub fn get(&self, r: usize) -> u16 {
        self.0.r16(r)
    }
    pub fn get32(&self, r: usize) -> u32 {
        self.0.r32(r)
    }
    pub fn set(&mut self, r: usize, v: u16) {
        self.0.set_r16(r, v);
    }
    pub fn set32(&mut self, r: usize, v: u32) {
        self.0.set_r32(r, v);
    }
    pub fn set_ah(&mut self, v: u8) {
        self.0.set_r8(4, v);
    }
    pub fn set_al(&mut self, v: u8) {
        self.0.set_r8(0, v);
    }
    pub fn seg(&self, s: Seg) -> u16 {
        self.0.seg[s as usize].selector
    }
    /// Loads a segment register as real mode does.
    pub fn set_seg(&mut self, s: Seg, v: u16) {
        let c = &mut self.0.seg[s as usize];
        c.selector = v;
        c.base = u32::from(v) << 4;
    }

    /// The FLAGS image the interrupt pushed (the stub's IRET restores it): services return
    /// CF and ZF there.
    fn frame(&self) -> u32 {
        linear(self.seg(Seg::Ss), self.get(reg::ESP))
    }

    pub fn set_stacked_flag(&mut self, p: &mut dyn Platform, bit: u16, on: bool) {
        let at = self.frame() + 4;
        let f = p.read_u16(at);
        p.write_u16(at, if on { f | bit } else { f & !bit });
    }

    /// Ends a service with CF: clear for success, set with AH = `status` for an error.
    pub fn finish(&mut self, p: &mut dyn Platform, status: Result<(), u8>) {
        match status {
            Ok(()) => self.set_stacked_flag(p, CF, false),
            Err(code) => {
                self.set_ah(code);
                self.set_stacked_flag(p, CF, true);
            }
        }
    }

    /// Makes the stub's IRET return to `seg:off` instead of the caller.
    pub fn return_to(&mut self, p: &mut dyn Platform, seg: u16, off: u16) {
        let at = self.frame();
        p.write_u16(at, off);
        p.write_u16(at + 2, seg);
    }

    /// Makes the CPU continue, after the trap, at `off` in the ROM's segment (a
    /// `rom::Routine`) instead of the rest of the stub.
    pub fn continue_at(&mut self, off: u16) {
        self.0.eip = u64::from(off);
    }

    /// Sets or clears a flag in the live FLAGS (for stubs that branch on it).
    pub fn set_live_flag(&mut self, bit: u16, on: bool) {
        let f = self.0.flags();
        self.0.lazy.op = FlagOp::None;
        self.0.eflags = if on {
            f | u32::from(bit)
        } else {
            f & !u32::from(bit)
        };
    }
}

pub const CF: u16 = 0x0001;
pub const ZF: u16 = 0x0040;
pub const IF: u16 = 0x0200;
