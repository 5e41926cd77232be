//! The software TLB (DESIGN.md "Memory and the MMU"): a direct-mapped cache from linear page
//! to a host pointer into guest RAM, with separate entries for reads and writes. A hit is a
//! tag compare and a host load or store; a miss, MMIO, a page-crossing access or a write to a
//! page holding decoded code takes the slow path in `mem.rs`.

/// Number of entries (a power of two).
pub const TLB_SIZE: usize = 256;
const INVALID: u32 = u32::MAX;

#[derive(Clone, Copy)]
pub struct TlbEntry {
    /// Linear page number, or `INVALID`.
    pub tag: u32,
    /// Physical page number it maps to (for flushing pages that become code).
    pub phys_page: u32,
    /// Host address of the page's first byte.
    pub host: *mut u8,
}

const EMPTY: TlbEntry = TlbEntry {
    tag: INVALID,
    phys_page: INVALID,
    host: std::ptr::null_mut(),
};

/// Read and write halves of the TLB.
pub struct Tlb {
    pub read: Box<[TlbEntry; TLB_SIZE]>,
    pub write: Box<[TlbEntry; TLB_SIZE]>,
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb {
            read: Box::new([EMPTY; TLB_SIZE]),
            write: Box::new([EMPTY; TLB_SIZE]),
        }
    }
}

impl Tlb {
    #[inline(always)]
    pub fn slot(lin: u32) -> usize {
        (lin >> 12) as usize & (TLB_SIZE - 1)
    }

    /// Drops every translation (MOV CR3, mode changes, A20, a new memory map).
    pub fn flush(&mut self) {
        self.read.fill(EMPTY);
        self.write.fill(EMPTY);
    }

    /// Drops the write translations of physical page `phys_page`, so stores to it reach the
    /// slow path, which invalidates the decoded code on it.
    pub fn protect_code_page(&mut self, phys_page: u32) {
        for e in self.write.iter_mut() {
            if e.phys_page == phys_page {
                *e = EMPTY;
            }
        }
    }
}
