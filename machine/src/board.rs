//! The board as the CPU's `Bus`: RAM over the whole physical range it covers, and the debug
//! console (QEMU's isa-debugcon at port E9: writes print, reads return E9). Other ports read
//! as all ones and ignore writes, as an ISA bus with nothing on it does.

use std::io::Write;
use std::rc::Rc;

use amber_cpu::bus::{ones, PAGE_SIZE};
use amber_cpu::{Bus, BusAction, GuestRam, PhysPage};

pub const DEBUGCON_PORT: u16 = 0xE9;

pub struct Board {
    ram: Rc<GuestRam>,
    debugcon: Box<dyn Write>,
}

impl Board {
    pub fn new(ram: Rc<GuestRam>, debugcon: Box<dyn Write>) -> Board {
        Board { ram, debugcon }
    }

    /// Flushes the debug console's output.
    pub fn flush(&mut self) {
        if let Err(e) = self.debugcon.flush() {
            log::warn!("debug console: {e}");
        }
    }
}

impl Bus for Board {
    fn phys_page(&mut self, paddr: u32) -> PhysPage {
        let page = paddr & !(PAGE_SIZE - 1);
        if (page as usize) < self.ram.len() {
            PhysPage::Ram {
                offset: page,
                writable: true,
            }
        } else {
            PhysPage::Mmio
        }
    }

    fn mmio_read(&mut self, _paddr: u32, size: u8, _icount: u64) -> u32 {
        ones(size)
    }

    fn mmio_write(&mut self, _paddr: u32, _size: u8, _value: u32, _icount: u64) -> BusAction {
        BusAction::Continue
    }

    fn io_read(&mut self, port: u16, size: u8, _icount: u64) -> u32 {
        if port == DEBUGCON_PORT {
            DEBUGCON_PORT as u32
        } else {
            ones(size)
        }
    }

    fn io_write(&mut self, port: u16, _size: u8, value: u32, _icount: u64) -> BusAction {
        if port == DEBUGCON_PORT {
            if let Err(e) = self.debugcon.write_all(&[value as u8]) {
                log::warn!("debug console: {e}");
            }
        }
        BusAction::Continue
    }
}
