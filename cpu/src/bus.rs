//! The CPU's view of the board: guest RAM, which it reaches directly through the soft TLB,
//! and everything else (MMIO, port I/O, the interrupt controller), which it reaches through
//! the `Bus` trait the machine implements. The CPU knows no PC device.

use std::cell::Cell;

/// Size of a page of the physical map and of the soft TLB.
pub const PAGE_SIZE: u32 = 4096;

/// Guest RAM: one host allocation shared by the CPU (through `Rc`) and the devices that do
/// DMA. Bytes are `Cell`s, so any holder may read and write; the CPU caches raw pointers into
/// it in its TLB, which stay valid as long as the CPU holds its `Rc`.
pub struct GuestRam {
    bytes: Box<[Cell<u8>]>,
}

impl GuestRam {
    /// `size` bytes of zeroed RAM.
    pub fn new(size: usize) -> GuestRam {
        let mut v = Vec::new();
        v.resize_with(size, || Cell::new(0));
        GuestRam {
            bytes: v.into_boxed_slice(),
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The byte at `addr`, or `None` past the end.
    pub fn get(&self, addr: usize) -> Option<u8> {
        self.bytes.get(addr).map(Cell::get)
    }

    /// Writes `v` at `addr`; returns false past the end.
    pub fn set(&self, addr: usize, v: u8) -> bool {
        match self.bytes.get(addr) {
            Some(c) => {
                c.set(v);
                true
            }
            None => false,
        }
    }

    /// Copies `data` to `addr`; returns false (writing nothing) if it does not fit.
    pub fn write_slice(&self, addr: usize, data: &[u8]) -> bool {
        match addr
            .checked_add(data.len())
            .and_then(|end| self.bytes.get(addr..end))
        {
            Some(dst) => {
                for (c, &b) in dst.iter().zip(data) {
                    c.set(b);
                }
                true
            }
            None => false,
        }
    }

    /// Copies bytes from `addr` into `out`; returns false (reading nothing) if out of range.
    pub fn read_slice(&self, addr: usize, out: &mut [u8]) -> bool {
        match addr
            .checked_add(out.len())
            .and_then(|end| self.bytes.get(addr..end))
        {
            Some(src) => {
                for (o, c) in out.iter_mut().zip(src) {
                    *o = c.get();
                }
                true
            }
            None => false,
        }
    }

    /// Sets every byte to zero.
    pub fn clear(&self) {
        for c in self.bytes.iter() {
            c.set(0);
        }
    }

    /// Base pointer of the allocation, with provenance over all of it.
    pub(crate) fn base_ptr(&self) -> *mut u8 {
        // Cell<u8> is repr(transparent) over UnsafeCell<u8>, so writing through this pointer
        // is permitted while shared references to the cells exist.
        self.bytes.as_ptr() as *mut u8
    }
}

/// What lives at a physical page, as the board maps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhysPage {
    /// RAM at this byte offset into `GuestRam` (page aligned); `writable` is false for ROM.
    Ram { offset: u32, writable: bool },
    /// Device memory, or nothing: every access goes through `Bus::mmio_read`/`mmio_write`.
    Mmio,
}

/// What the board wants after a write: go on, or let the CPU stop after the current
/// instruction so the board can act (reset, exit, a new memory map, the A20 gate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusAction {
    Continue,
    Stop,
}

/// The board as the CPU sees it. Every access carries `icount`, the instruction count at
/// which it happens, so devices can tell the virtual time.
pub trait Bus {
    /// What is mapped at the physical page holding `paddr`.
    fn phys_page(&mut self, paddr: u32) -> PhysPage;
    /// A read of `size` bytes (1, 2 or 4) from a physical address that is not RAM.
    fn mmio_read(&mut self, paddr: u32, size: u8, icount: u64) -> u32;
    /// A write to a physical address that is not writable RAM (device memory or ROM).
    fn mmio_write(&mut self, paddr: u32, size: u8, value: u32, icount: u64) -> BusAction;
    /// Port input of `size` bytes.
    fn io_read(&mut self, port: u16, size: u8, icount: u64) -> u32;
    /// Port output of `size` bytes.
    fn io_write(&mut self, port: u16, size: u8, value: u32, icount: u64) -> BusAction;
    /// Whether the interrupt controller is raising INTR.
    fn interrupt_pending(&mut self, _icount: u64) -> bool {
        false
    }
    /// The interrupt acknowledge cycle: the vector of the pending interrupt.
    fn acknowledge_interrupt(&mut self, _icount: u64) -> u8 {
        0
    }
    /// FERR#: an x87 instruction found an unmasked exception pending while CR0.NE is clear
    /// (the PC/AT routes it to IRQ 13 instead of raising #MF).
    fn floating_point_error(&mut self) {}
}

/// A bus with RAM over the whole `GuestRam` and nothing else: port reads return all ones,
/// writes go nowhere. Conformance harnesses and benchmarks use it.
pub struct FlatBus {
    pub ram_len: usize,
}

impl Bus for FlatBus {
    fn phys_page(&mut self, paddr: u32) -> PhysPage {
        let page = paddr & !(PAGE_SIZE - 1);
        if (page as usize) < self.ram_len {
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
    fn io_read(&mut self, _port: u16, size: u8, _icount: u64) -> u32 {
        ones(size)
    }
    fn io_write(&mut self, _port: u16, _size: u8, _value: u32, _icount: u64) -> BusAction {
        BusAction::Continue
    }
}

/// All ones in `size` bytes.
pub fn ones(size: u8) -> u32 {
    if size >= 4 {
        u32::MAX
    } else {
        (1u32 << (size as u32 * 8)) - 1
    }
}
