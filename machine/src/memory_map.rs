//! The physical memory map of an i440FX PC (as QEMU's `pc` machine lays it out): RAM from 0
//! up to the PCI hole (at most 3.5 GiB), the legacy VGA window at A0000-BFFFF, the expansion
//! ROM area C0000-EFFFF, the firmware ROM at F0000-FFFFF and aliased at the top of 4 GiB.
//! RAM and ROM live in one `GuestRam` allocation: RAM first, the ROM image after it.

use amber_cpu::bus::PAGE_SIZE;
use amber_cpu::PhysPage;

/// Most RAM below the PCI hole.
pub const MAX_RAM: u64 = 0xE000_0000;
/// Size of the firmware ROM image (the top 64 KiB appear at F0000).
pub const ROM_SIZE: u32 = 0x1_0000;
const VGA_WINDOW: (u32, u32) = (0xA_0000, 0xC_0000);
const BIOS_AREA: u32 = 0xF_0000;
const HIGH_ROM: u32 = 0u32.wrapping_sub(ROM_SIZE);

/// Where things are in the physical address space.
#[derive(Clone, Copy, Debug)]
pub struct MemoryMap {
    ram_size: u32,
}

impl MemoryMap {
    /// A map with `ram_size` bytes of RAM (a multiple of 4 KiB, at most `MAX_RAM`).
    pub fn new(ram_size: u32) -> MemoryMap {
        MemoryMap { ram_size }
    }

    pub fn ram_size(&self) -> u32 {
        self.ram_size
    }

    /// Bytes the `GuestRam` allocation needs: the RAM and the ROM image after it.
    pub fn backing_size(&self) -> usize {
        self.ram_size as usize + ROM_SIZE as usize
    }

    /// Offset of the firmware ROM image in the backing allocation.
    pub fn rom_offset(&self) -> u32 {
        self.ram_size
    }

    /// What lives at physical address `paddr`.
    pub fn page(&self, paddr: u32) -> PhysPage {
        let page = paddr & !(PAGE_SIZE - 1);
        let rom = |base: u32| PhysPage::Ram {
            offset: self.ram_size + (page - base),
            writable: false,
        };
        if (VGA_WINDOW.0..VGA_WINDOW.1).contains(&page) {
            PhysPage::Mmio
        } else if (BIOS_AREA..BIOS_AREA + ROM_SIZE).contains(&page) {
            rom(BIOS_AREA)
        } else if page >= HIGH_ROM {
            rom(HIGH_ROM)
        } else if page < self.ram_size {
            PhysPage::Ram {
                offset: page,
                writable: true,
            }
        } else {
            PhysPage::Mmio
        }
    }

    /// Where the ACPI tables go: the top of RAM.
    pub fn acpi_base(&self) -> u32 {
        self.ram_size - amber_bios::acpi::RESERVED
    }

    /// The E820-style map a guest is told about: (base, length, type), type 1 usable RAM, 2
    /// reserved, 3 the ACPI tables (ACPI 6.4 15.1).
    pub fn regions(&self) -> Vec<(u64, u64, u32)> {
        let acpi = u64::from(self.acpi_base());
        vec![
            (0, 0x9_FC00, 1),
            (0x9_FC00, 0x400, 2),
            (0xF_0000, 0x1_0000, 2),
            (0x10_0000, acpi.saturating_sub(0x10_0000), 1),
            (acpi, u64::from(amber_bios::acpi::RESERVED), 3),
            (HIGH_ROM as u64, ROM_SIZE as u64, 2),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pc_layout() {
        let m = MemoryMap::new(128 << 20);
        assert_eq!(
            m.page(0x7C00),
            PhysPage::Ram {
                offset: 0x7000,
                writable: true
            }
        );
        assert_eq!(m.page(0xB8000), PhysPage::Mmio);
        assert_eq!(
            m.page(0xFFFF0),
            PhysPage::Ram {
                offset: (128 << 20) + 0xF000,
                writable: false
            }
        );
        // The reset vector's page at the top of 4 GiB is the same ROM page.
        assert_eq!(m.page(0xFFFF_FFF0), m.page(0xFFFF0));
        assert_eq!(m.page(0x0800_0000), PhysPage::Mmio);
        assert_eq!(
            m.page(0x07FF_F000),
            PhysPage::Ram {
                offset: 0x07FF_F000,
                writable: true
            }
        );
    }
}
