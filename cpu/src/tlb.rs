//! The software TLB (DESIGN.md "Memory and the MMU"): a direct-mapped cache from linear page
//! to a host pointer into guest RAM, with separate entries for reads, writes and instruction
//! fetches. The CPU keeps one TLB for supervisor and one for user accesses and swaps them
//! when CPL crosses between the two. A hit is a tag compare and a host load or store; a miss,
//! MMIO, a page-crossing access or a write to a page holding decoded code takes the slow
//! path in `mem.rs`.

/// Number of entries (a power of two).
pub const TLB_SIZE: usize = 256;
const INVALID: u32 = u32::MAX;

/// Aligned to 32 bytes, a power of two, so compiled code finds an entry by shifting the
/// page number.
#[derive(Clone, Copy)]
#[repr(C, align(32))]
pub struct TlbEntry {
    /// Linear page number, or `INVALID`.
    pub tag: u32,
    /// Physical page number it maps to (for flushing pages that become code).
    pub phys_page: u32,
    /// Host address of the page's first byte (null for fetch entries).
    pub host: *mut u8,
    /// A global page (CR4.PGE): kept when CR3 is reloaded.
    pub global: bool,
}

const EMPTY: TlbEntry = TlbEntry {
    tag: INVALID,
    phys_page: INVALID,
    host: std::ptr::null_mut(),
    global: false,
};

/// Read, write and fetch parts of the TLB.
pub struct Tlb {
    pub read: Box<[TlbEntry; TLB_SIZE]>,
    pub write: Box<[TlbEntry; TLB_SIZE]>,
    pub fetch: Box<[TlbEntry; TLB_SIZE]>,
}

impl Default for Tlb {
    fn default() -> Self {
        Tlb {
            read: Box::new([EMPTY; TLB_SIZE]),
            write: Box::new([EMPTY; TLB_SIZE]),
            fetch: Box::new([EMPTY; TLB_SIZE]),
        }
    }
}

impl Tlb {
    #[inline(always)]
    pub fn slot(lin: u32) -> usize {
        (lin >> 12) as usize & (TLB_SIZE - 1)
    }

    /// Makes this TLB a copy of `other`, in place.
    pub fn copy_from(&mut self, other: &Tlb) {
        self.read.copy_from_slice(&other.read[..]);
        self.write.copy_from_slice(&other.write[..]);
        self.fetch.copy_from_slice(&other.fetch[..]);
    }

    /// Drops every translation (paging mode changes, A20, a new memory map).
    pub fn flush(&mut self) {
        self.read.fill(EMPTY);
        self.write.fill(EMPTY);
        self.fetch.fill(EMPTY);
    }

    /// Drops the write translations, so every store's first reach of a page takes the slow
    /// path (the write log of `checkpoint.rs`).
    pub fn forget_writes(&mut self) {
        self.write.fill(EMPTY);
    }

    /// Drops the translations of non-global pages (MOV CR3).
    pub fn flush_non_global(&mut self) {
        for e in self
            .read
            .iter_mut()
            .chain(self.write.iter_mut())
            .chain(self.fetch.iter_mut())
        {
            if !e.global {
                *e = EMPTY;
            }
        }
    }

    /// Drops the translation of the page holding `lin` (INVLPG).
    pub fn invalidate(&mut self, lin: u32) {
        let i = Self::slot(lin);
        for part in [&mut self.read, &mut self.write, &mut self.fetch] {
            if part[i].tag == lin >> 12 {
                part[i] = EMPTY;
            }
        }
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
