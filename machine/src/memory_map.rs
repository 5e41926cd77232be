//! The physical memory map of an i440FX PC (as QEMU's `pc` machine lays it out): RAM from 0
//! up to the PCI hole (at most 3.5 GiB), the legacy VGA window at A0000-BFFFF, the expansion
//! and BIOS areas C0000-FFFFF routed by the host bridge's PAM registers, and the firmware ROM
//! at the top of 4 GiB, its last 128 KiB (or all of a smaller ROM) also below 1 MiB.
//! RAM and ROM live in one `GuestRam` allocation: RAM first, then room for the largest ROM,
//! the image ending where the room ends.

use amber_cpu::bus::PAGE_SIZE;
use amber_cpu::PhysPage;

/// Most RAM below the PCI hole.
pub const MAX_RAM: u64 = 0xE000_0000;
/// The firmware ROM sizes a board takes: 64, 128 or 256 KiB.
pub const ROM_SIZES: [u32; 3] = [0x1_0000, 0x2_0000, 0x4_0000];
const MAX_ROM: u32 = 0x4_0000;
/// The most of the ROM that also appears below 1 MiB (QEMU's "isa-bios").
const MAX_ISA_ROM: u32 = 0x2_0000;
const VGA_WINDOW: (u32, u32) = (0xA_0000, 0xC_0000);
const LEGACY_END: u32 = 0x10_0000;
const BIOS_AREA: u32 = 0xF_0000;
/// The first PAM register in the i440FX's configuration space and their count.
pub const PAM_OFFSET: u8 = 0x59;
pub const PAM_COUNT: usize = 7;

/// Where the processor's access to a page of C0000-FFFFF goes, as one PAM field sets it
/// (82441FX datasheet 4.1.19): bit 0 reads from DRAM, bit 1 writes to DRAM; otherwise the
/// access goes to the PCI/ISA side, where only the firmware ROM answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shadow {
    /// Reads from the ROM side, writes dropped.
    Rom,
    /// Reads from DRAM, writes dropped (a shadowed ROM after POST).
    ReadOnly,
    /// Reads from the ROM side, writes to DRAM (firmware copying itself).
    WriteOnly,
    /// DRAM for both.
    Ram,
}

/// Where things are in the physical address space.
#[derive(Clone, Copy, Debug)]
pub struct MemoryMap {
    ram_size: u32,
    rom_size: u32,
    pam: [u8; PAM_COUNT],
    /// Where the processor's address space ends, if below 4 GiB (16 MiB for a 286): the
    /// ROM also sits just below it, where the reset vector points (as on the PC/AT).
    address_top: Option<u32>,
}

impl MemoryMap {
    /// A map with `ram_size` bytes of RAM (a multiple of 4 KiB, at least 1 MiB, at most
    /// `MAX_RAM`), a 64 KiB ROM, and the PAM registers at their reset value (everything in
    /// C0000-FFFFF on the ROM side).
    pub fn new(ram_size: u32) -> MemoryMap {
        MemoryMap {
            ram_size,
            rom_size: ROM_SIZES[0],
            pam: [0; PAM_COUNT],
            address_top: None,
        }
    }

    /// For a processor whose physical addresses have `mask`'s bits: a 24-bit one (the 286)
    /// finds the ROM just below 16 MiB, over RAM it could not otherwise use there.
    pub fn set_address_mask(&mut self, mask: u32) {
        self.address_top = (mask == 0xFF_FFFF).then_some(0x100_0000);
    }

    pub fn ram_size(&self) -> u32 {
        self.ram_size
    }

    pub fn rom_size(&self) -> u32 {
        self.rom_size
    }

    /// Sets the ROM's size, one of `ROM_SIZES`; false (and no change) for another.
    pub fn set_rom_size(&mut self, bytes: u32) -> bool {
        let ok = ROM_SIZES.contains(&bytes);
        if ok {
            self.rom_size = bytes;
        }
        ok
    }

    /// Takes the host bridge's PAM registers (0x59-0x5F); true if the map changed.
    pub fn set_pam(&mut self, pam: [u8; PAM_COUNT]) -> bool {
        let changed = pam != self.pam;
        self.pam = pam;
        changed
    }

    /// Bytes the `GuestRam` allocation needs: the RAM and the ROM room after it.
    pub fn backing_size(&self) -> usize {
        self.ram_size as usize + MAX_ROM as usize
    }

    /// Offset of the firmware ROM image in the backing allocation.
    pub fn rom_offset(&self) -> u32 {
        self.rom_end() - self.rom_size
    }

    /// Offset of the ROM byte seen at F0000 (the BIOS area's start).
    pub fn bios_area_offset(&self) -> u32 {
        self.rom_end() - (LEGACY_END - BIOS_AREA)
    }

    fn rom_end(&self) -> u32 {
        self.ram_size + MAX_ROM
    }

    /// The ROM page at `page` below 1 MiB, if the ROM reaches down there.
    fn isa_rom(&self, page: u32) -> Option<u32> {
        let isa = self.rom_size.min(MAX_ISA_ROM);
        (page >= LEGACY_END - isa).then(|| self.rom_end() - (LEGACY_END - page))
    }

    /// How the PAM registers route the page at `page` in C0000-FFFFF: 0x59 bits 5:4 hold
    /// F0000-FFFFF, then each nibble of 0x5A-0x5F one 16 KiB piece from C0000 up.
    pub fn shadow(&self, page: u32) -> Shadow {
        let (reg, high) = if page >= BIOS_AREA {
            (0, true)
        } else {
            let piece = ((page - 0xC_0000) / 0x4000) as usize;
            (1 + piece / 2, piece % 2 == 1)
        };
        let field = self
            .pam
            .get(reg)
            .map_or(0, |&v| if high { v >> 4 } else { v });
        match field & 3 {
            0 => Shadow::Rom,
            1 => Shadow::ReadOnly,
            2 => Shadow::WriteOnly,
            _ => Shadow::Ram,
        }
    }

    /// What lives at physical address `paddr`.
    pub fn page(&self, paddr: u32) -> PhysPage {
        let page = paddr & !(PAGE_SIZE - 1);
        let ram = |writable| PhysPage::Ram {
            offset: page,
            writable,
        };
        let rom = |offset| PhysPage::Ram {
            offset,
            writable: false,
        };
        if (VGA_WINDOW.0..VGA_WINDOW.1).contains(&page) {
            PhysPage::Mmio
        } else if (VGA_WINDOW.1..LEGACY_END).contains(&page) {
            match self.shadow(page) {
                Shadow::Ram => ram(true),
                Shadow::ReadOnly => ram(false),
                Shadow::WriteOnly => PhysPage::Mmio,
                Shadow::Rom => self.isa_rom(page).map_or(PhysPage::Mmio, rom),
            }
        } else if page >= self.rom_size.wrapping_neg() {
            rom(self.rom_end() - page.wrapping_neg())
        } else if let Some(top) = self
            .address_top
            .filter(|&t| (t - self.rom_size..t).contains(&page))
        {
            rom(self.rom_end() - (top - page))
        } else if page < self.ram_size {
            ram(true)
        } else {
            PhysPage::Mmio
        }
    }

    /// A read of the legacy area that `page` sends to the bus (a write-only shadow page
    /// reads the ROM side): the backing offset of the ROM byte, if the ROM is there.
    pub fn legacy_read(&self, paddr: u32) -> Option<u32> {
        let in_legacy = (VGA_WINDOW.1..LEGACY_END).contains(&paddr);
        let page = paddr & !(PAGE_SIZE - 1);
        in_legacy
            .then(|| self.isa_rom(page))
            .flatten()
            .map(|o| o + (paddr & (PAGE_SIZE - 1)))
    }

    /// A write of the legacy area sent to the bus: the RAM offset, if the page's PAM field
    /// sends writes to DRAM.
    pub fn legacy_write(&self, paddr: u32) -> Option<u32> {
        let in_legacy = (VGA_WINDOW.1..LEGACY_END).contains(&paddr);
        (in_legacy && matches!(self.shadow(paddr & !(PAGE_SIZE - 1)), Shadow::WriteOnly))
            .then_some(paddr)
    }

    /// Where the ACPI tables go: the top of RAM.
    pub fn acpi_base(&self) -> u32 {
        self.ram_size - amber_bios::acpi::RESERVED
    }

    /// The E820-style map a guest is told about: (base, length, type), type 1 usable RAM, 2
    /// reserved, 3 the ACPI tables (ACPI 6.4 15.1).
    pub fn regions(&self) -> Vec<(u64, u64, u32)> {
        let acpi = u64::from(self.acpi_base());
        let rom = u64::from(self.rom_size);
        vec![
            (0, 0x9_FC00, 1),
            (0x9_FC00, 0x400, 2),
            (0xF_0000, 0x1_0000, 2),
            (0x10_0000, acpi.saturating_sub(0x10_0000), 1),
            (acpi, u64::from(amber_bios::acpi::RESERVED), 3),
            ((1 << 32) - rom, rom, 2),
        ]
    }
}

#[cfg(test)]
mod tests;
