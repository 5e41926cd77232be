//! Paging (Intel SDM Vol. 3 ch. 4): the two-level walk with 4 KiB and 4 MiB (CR4.PSE) pages,
//! the PAE three-level walk with 2 MiB pages and the execute-disable bit (EFER.NXE), CR0.WP,
//! accessed and dirty bits set during the walk as the hardware sets them, and #PF with its
//! error code and CR2. Translations are cached by the soft TLB (`tlb.rs`), which this module
//! fills and whose flushes follow the architecture (MOV CR3, INVLPG, CR0/CR4 changes).

use crate::bus::{Bus, PhysPage, PAGE_SIZE};
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::state::cr0;

/// What an access does, for permission checks and #PF error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Fetch,
}

const P: u64 = 1;
const RW: u64 = 1 << 1;
const US: u64 = 1 << 2;
const A: u64 = 1 << 5;
const D: u64 = 1 << 6;
const PS: u64 = 1 << 7;
const G: u64 = 1 << 8;
const NX: u64 = 1 << 63;

/// CR4 bits the walk depends on.
pub mod cr4 {
    pub const PSE: u32 = 1 << 4;
    pub const PAE: u32 = 1 << 5;
    pub const PGE: u32 = 1 << 7;
}

/// EFER.NXE.
pub const EFER_NXE: u64 = 1 << 11;

/// A completed translation.
#[derive(Clone, Copy, Debug)]
pub struct Translation {
    pub phys: u32,
    /// The page may be written through this mapping (and its dirty bit is set).
    pub writable: bool,
    /// Global page (CR4.PGE): survives a CR3 reload.
    pub global: bool,
}

impl Cpu {
    fn read_phys(&mut self, bus: &mut dyn Bus, paddr: u32, size: u8) -> u32 {
        let paddr = paddr & self.phys_mask;
        match bus.phys_page(paddr) {
            PhysPage::Ram { offset, .. } => {
                let at = offset as usize + (paddr & (PAGE_SIZE - 1)) as usize;
                (0..size as usize).fold(0, |v, i| {
                    v | (self.ram.get(at + i).unwrap_or(0xFF) as u32) << (8 * i)
                })
            }
            PhysPage::Mmio => bus.mmio_read(paddr, size, self.state.icount),
        }
    }

    fn write_phys_byte(&mut self, bus: &mut dyn Bus, paddr: u32, v: u8) {
        let paddr = paddr & self.phys_mask;
        match bus.phys_page(paddr) {
            PhysPage::Ram {
                offset,
                writable: true,
            } => {
                if self.write_log.is_some() {
                    self.log_page(offset as usize);
                }
                self.ram
                    .set(offset as usize + (paddr & (PAGE_SIZE - 1)) as usize, v);
                let page = paddr >> 12;
                if self.blocks.has_code(page) {
                    self.blocks.invalidate_page(page);
                    self.exit_block = true;
                }
            }
            _ => {
                let action = bus.mmio_write(paddr, 1, v as u32, self.state.icount);
                self.board_action(action);
            }
        }
    }

    /// Reads a page-table entry (4 or 8 bytes).
    fn read_entry(&mut self, bus: &mut dyn Bus, paddr: u32, pae: bool) -> u64 {
        let lo = self.read_phys(bus, paddr, 4) as u64;
        if pae {
            lo | (self.read_phys(bus, paddr + 4, 4) as u64) << 32
        } else {
            lo
        }
    }

    /// Sets bits in the low byte of an entry (A, D), as the processor's locked update does.
    fn set_entry_bits(&mut self, bus: &mut dyn Bus, paddr: u32, entry: u64, bits: u64) {
        if entry & bits != bits {
            self.write_phys_byte(bus, paddr, (entry | bits) as u8);
        }
    }

    /// Walks the page tables for `lin` (SDM Vol. 3 4.3 and 4.4).
    pub(crate) fn page_walk(
        &mut self,
        bus: &mut dyn Bus,
        lin: u32,
        access: Access,
    ) -> Result<Translation, Fault> {
        let user = self.state.cpl == 3;
        let pae = self.state.cr4 & cr4::PAE != 0;
        let nxe = pae && self.state.efer & EFER_NXE != 0;
        let fault = |present: bool, cpu: &mut Cpu| {
            let code = present as u16
                | ((access == Access::Write) as u16) << 1
                | (user as u16) << 2
                | ((access == Access::Fetch && nxe) as u16) << 4;
            cpu.state.cr2 = lin;
            Fault::PageFault { addr: lin, code }
        };
        let addr_mask: u64 = if pae {
            0x000F_FFFF_FFFF_F000
        } else {
            0xFFFF_F000
        };
        // The entries on the path, with their addresses, top level first.
        let mut path: [(u32, u64); 3] = [(0, 0); 3];
        let mut levels = 0;
        let mut table: u64;
        let (mut entry_size, mut index_shift) = (4u32, 22u32);
        if pae {
            let at = (self.state.cr3 & !0x1F) + ((lin >> 30) & 3) * 8;
            let pdpte = self.read_entry(bus, at, true);
            if pdpte & P == 0 {
                return Err(fault(false, self));
            }
            table = pdpte & addr_mask;
            entry_size = 8;
            index_shift = 21;
        } else {
            table = (self.state.cr3 & !0xFFF) as u64;
        }
        let (entry, page_base, page_mask) = loop {
            let index_mask = if pae { 0x1FF } else { 0x3FF };
            let at = table as u32 + ((lin >> index_shift) & index_mask) * entry_size;
            let e = self.read_entry(bus, at, pae);
            if e & P == 0 {
                return Err(fault(false, self));
            }
            path[levels] = (at, e);
            levels += 1;
            let large = index_shift != 12 && e & PS != 0 && (pae || self.state.cr4 & cr4::PSE != 0);
            if large {
                let size = 1u64 << index_shift;
                break (e, e & addr_mask & !(size - 1), size as u32 - 1);
            }
            if index_shift == 12 {
                break (e, e & addr_mask, 0xFFF);
            }
            table = e & addr_mask;
            index_shift = 12;
        };
        let path = &path[..levels];
        let all = |bit: u64| path.iter().all(|&(_, e)| e & bit != 0);
        let writable_entries = all(RW);
        let user_ok = all(US);
        let nx = nxe && path.iter().any(|&(_, e)| e & NX != 0);
        let wp = self.state.cr0 & cr0::WP != 0;
        let denied = match access {
            Access::Read => user && !user_ok,
            Access::Write => (user && !user_ok) || (!writable_entries && (user || wp)),
            Access::Fetch => (user && !user_ok) || nx,
        };
        if denied {
            return Err(fault(true, self));
        }
        for &(at, e) in path {
            self.set_entry_bits(bus, at, e, A);
        }
        let (leaf_at, _) = path[levels - 1];
        if access == Access::Write {
            self.set_entry_bits(bus, leaf_at, entry | A, D);
        }
        let dirty = access == Access::Write || entry & D != 0;
        Ok(Translation {
            phys: page_base as u32 | (lin & page_mask),
            writable: dirty && (writable_entries || !(user || wp)),
            global: entry & G != 0 && self.state.cr4 & cr4::PGE != 0,
        })
    }

    /// Whether paging is on.
    #[inline(always)]
    pub(crate) fn paging(&self) -> bool {
        self.state.cr0 & cr0::PG != 0
    }
}
