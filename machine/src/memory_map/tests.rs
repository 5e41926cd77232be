use super::*;

const MB: u32 = 1 << 20;

fn ram(offset: u32, writable: bool) -> PhysPage {
    PhysPage::Ram { offset, writable }
}

#[test]
fn the_pc_layout() {
    let m = MemoryMap::new(128 * MB);
    assert_eq!(m.page(0x7C00), ram(0x7000, true));
    assert_eq!(m.page(0xB8000), PhysPage::Mmio);
    // A 64 KiB ROM ends where the ROM room ends, seen at F0000 and below 4 GiB.
    let rom_start = 128 * MB + MAX_ROM - 0x1_0000;
    assert_eq!(m.rom_offset(), rom_start);
    assert_eq!(m.bios_area_offset(), rom_start);
    assert_eq!(m.page(0xFFFF0), ram(rom_start + 0xF000, false));
    assert_eq!(m.page(0xFFFF_FFF0), m.page(0xFFFF0));
    assert_eq!(m.page(0xFFFF_0000), m.page(0xF0000));
    // Below the ROM at the top of 4 GiB, and above RAM, nothing.
    assert_eq!(m.page(0xFFFE_F000), PhysPage::Mmio);
    assert_eq!(m.page(0x0800_0000), PhysPage::Mmio);
    assert_eq!(m.page(0x07FF_F000), ram(0x07FF_F000, true));
    // At reset the PAM registers send C0000-EFFFF to the bus, where a 64 KiB ROM is not.
    assert_eq!(m.page(0xC0000), PhysPage::Mmio);
    assert_eq!(m.page(0xEF000), PhysPage::Mmio);
}

/// QEMU's pc machine: a 256 KiB bios-256k.bin at FFFC0000, its last 128 KiB at E0000.
#[test]
fn a_larger_rom_reaches_down_to_e0000() {
    let mut m = MemoryMap::new(64 * MB);
    assert!(m.set_rom_size(0x4_0000));
    let start = 64 * MB;
    assert_eq!(m.rom_offset(), start);
    assert_eq!(m.page(0xFFFC_0000), ram(start, false));
    assert_eq!(m.page(0xFFFE_0000), ram(start + 0x2_0000, false));
    assert_eq!(m.page(0xE0000), m.page(0xFFFE_0000));
    assert_eq!(m.page(0xF0000), m.page(0xFFFF_0000));
    assert_eq!(m.bios_area_offset(), start + 0x3_0000);
    assert_eq!(m.page(0xDF000), PhysPage::Mmio);
    assert!(!m.set_rom_size(0x3_0000), "not a ROM size");
    assert_eq!(m.rom_size(), 0x4_0000);
}

/// 82441FX datasheet 4.1.19: PAM0 (59h) bits 5:4 are F0000-FFFFF; PAM1 (5Ah) to PAM6 (5Fh)
/// hold C0000-EFFFF in 16 KiB pieces, low nibble first; bit 0 RE, bit 1 WE.
#[test]
fn pam_fields_route_each_piece() {
    let mut m = MemoryMap::new(64 * MB);
    assert!(m.set_rom_size(0x2_0000));
    assert!(m.set_pam([0x30, 0x33, 0, 0, 0, 0x10, 0x02]));
    assert!(!m.set_pam([0x30, 0x33, 0, 0, 0, 0x10, 0x02]), "no change");
    assert_eq!(m.shadow(0xF0000), Shadow::Ram);
    assert_eq!(m.page(0xF0000), ram(0xF0000, true));
    assert_eq!(m.shadow(0xC0000), Shadow::Ram);
    assert_eq!(m.shadow(0xC4000), Shadow::Ram);
    assert_eq!(m.shadow(0xC8000), Shadow::Rom);
    assert_eq!(m.page(0xC8000), PhysPage::Mmio, "no ROM below E0000");
    // PAM5 high nibble: E4000-E7FFF read-only DRAM.
    assert_eq!(m.shadow(0xE4000), Shadow::ReadOnly);
    assert_eq!(m.page(0xE4000), ram(0xE4000, false));
    assert_eq!(m.shadow(0xE0000), Shadow::Rom);
    assert_eq!(m.page(0xE0000), ram(64 * MB + MAX_ROM - 0x2_0000, false));
    // PAM6 low nibble: E8000-EBFFF write-only: reads from the ROM, writes to DRAM.
    assert_eq!(m.shadow(0xE8000), Shadow::WriteOnly);
    assert_eq!(m.page(0xE8000), PhysPage::Mmio);
    assert_eq!(
        m.legacy_read(0xE8010),
        Some(64 * MB + MAX_ROM - 0x2_0000 + 0x8010)
    );
    assert_eq!(m.legacy_write(0xE8010), Some(0xE8010));
    assert_eq!(m.legacy_write(0xE0010), None, "ROM side: dropped");
    assert_eq!(m.shadow(0xEC000), Shadow::Rom);
}

/// The PC/AT: a 286's reset vector FFFFF0h (24 address lines) is the ROM's last paragraph,
/// the ROM appearing below 16 MiB as well as at F0000.
#[test]
fn a_286_finds_the_rom_below_16_mib() {
    let mut m = MemoryMap::new(64 * MB);
    assert_eq!(
        m.page(0xFF_FFF0),
        ram(0xFF_F000, true),
        "RAM for 32-bit processors"
    );
    m.set_address_mask(0xFF_FFFF);
    assert_eq!(m.page(0xFF_FFF0), m.page(0xFFFF0));
    assert_eq!(m.page(0xFF_0000), m.page(0xF0000));
    assert_eq!(m.page(0xFE_F000), ram(0xFE_F000, true));
}
