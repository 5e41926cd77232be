use super::*;

/// Mode 12h with all four planes writable (the IBM table's map mask; modes.c leaves 08h).
fn planar() -> Vga {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_12);
    out_indexed(&mut v, 0x3C4, 2, 0x0F);
    v
}

fn read_plane(v: &mut Vga, p: u8, addr: u32) -> u8 {
    out_indexed(v, 0x3CE, 4, p);
    v.read_byte(addr)
}

fn planes_at(v: &mut Vga, addr: u32) -> [u8; 4] {
    [0, 1, 2, 3].map(|p| read_plane(v, p, addr))
}

/// Fills each plane at `addr` with its own byte, through the map mask.
fn fill_planes(v: &mut Vga, addr: u32, bytes: [u8; 4]) {
    for (p, byte) in bytes.into_iter().enumerate() {
        out_indexed(v, 0x3C4, 2, 1 << p);
        v.write_byte(addr, byte);
    }
    out_indexed(v, 0x3C4, 2, 0x0F);
}

/// Graphics controller misc bits 3-2 select the window (FreeVGA "Miscellaneous Graphics
/// Register": A0000h-BFFFFh, A0000h-AFFFFh, B0000h-B7FFFh, B8000h-BFFFFh).
#[test]
fn memory_map_select_chooses_the_window() {
    let cases: [(u8, [u32; 2], [u32; 2]); 4] = [
        (0x01, [0xA0000, 0xBFFFF], [0x9FFFF, 0xC0000]),
        (0x05, [0xA0000, 0xAFFFF], [0xB0000, 0x9FFFF]),
        (0x09, [0xB0000, 0xB7FFF], [0xAFFFF, 0xB8000]),
        (0x0D, [0xB8000, 0xBFFFF], [0xB7FFF, 0xA0000]),
    ];
    for (misc, inside, outside) in cases {
        let mut v = planar();
        out_indexed(&mut v, 0x3CE, 6, misc);
        for addr in inside {
            v.write_byte(addr, 0x5A);
            assert_eq!(read_plane(&mut v, 0, addr), 0x5A, "{misc:#x} {addr:#x}");
        }
        for addr in outside {
            assert_eq!(v.read_byte(addr), 0xFF, "{misc:#x} {addr:#x}");
            v.write_byte(addr, 0x11);
        }
        assert!(
            v.vram[..4 * 0x10000].iter().all(|&b| b == 0 || b == 0x5A),
            "writes outside the window dropped"
        );
    }
}

#[test]
fn write_mode_0_set_reset_rotate_and_functions() {
    let mut v = planar();
    // Enable set/reset on all planes, set/reset 0101b: planes 0 and 2 all ones.
    out_indexed(&mut v, 0x3CE, 1, 0x0F);
    out_indexed(&mut v, 0x3CE, 0, 0x05);
    v.write_byte(0xA0000, 0x00);
    assert_eq!(planes_at(&mut v, 0xA0000), [0xFF, 0x00, 0xFF, 0x00]);
    // Set/reset enabled only for plane 3: the others take the (rotated) CPU byte.
    out_indexed(&mut v, 0x3CE, 1, 0x08);
    out_indexed(&mut v, 0x3CE, 0, 0x08);
    out_indexed(&mut v, 0x3CE, 3, 0x03);
    v.write_byte(0xA0001, 0x81);
    assert_eq!(
        planes_at(&mut v, 0xA0001),
        [0x30, 0x30, 0x30, 0xFF],
        "81h ror 3"
    );
    out_indexed(&mut v, 0x3CE, 1, 0x00);
    // Functions (rotate register bits 4-3) combine the byte with the latches loaded by the
    // last read: (function, byte in memory, byte written, result).
    let steps = [
        (0x08, 0xCF, 0x0F, 0x0F),
        (0x10, 0x0F, 0xA0, 0xAF),
        (0x18, 0x30, 0xFF, 0xCF),
    ];
    for (function, initial, value, expected) in steps {
        out_indexed(&mut v, 0x3CE, 3, 0x00);
        v.write_byte(0xA0002, initial);
        v.read_byte(0xA0002);
        out_indexed(&mut v, 0x3CE, 3, function);
        v.write_byte(0xA0002, value);
        assert_eq!(
            planes_at(&mut v, 0xA0002),
            [expected; 4],
            "function {function:#x}"
        );
    }
}

#[test]
fn bit_mask_keeps_latched_bits() {
    let mut v = planar();
    v.write_byte(0xA0010, 0xAF);
    v.read_byte(0xA0010);
    out_indexed(&mut v, 0x3CE, 8, 0x0F);
    v.write_byte(0xA0010, 0x50);
    out_indexed(&mut v, 0x3CE, 8, 0xFF);
    assert_eq!(planes_at(&mut v, 0xA0010), [0xA0; 4]);
}

#[test]
fn write_mode_1_copies_the_latches() {
    let mut v = planar();
    fill_planes(&mut v, 0xA0000, [0x11, 0x22, 0x44, 0x88]);
    out_indexed(&mut v, 0x3CE, 5, 0x01);
    v.read_byte(0xA0000);
    v.write_byte(0xA0123, 0x00);
    out_indexed(&mut v, 0x3CE, 5, 0x00);
    assert_eq!(planes_at(&mut v, 0xA0123), [0x11, 0x22, 0x44, 0x88]);
}

#[test]
fn write_mode_2_expands_colour_bits_under_the_bit_mask() {
    let mut v = planar();
    fill_planes(&mut v, 0xA0020, [0x0F, 0x0F, 0x00, 0x00]);
    v.read_byte(0xA0020);
    out_indexed(&mut v, 0x3CE, 5, 0x02);
    out_indexed(&mut v, 0x3CE, 8, 0x80);
    v.write_byte(0xA0020, 0x09);
    out_indexed(&mut v, 0x3CE, 5, 0x00);
    assert_eq!(planes_at(&mut v, 0xA0020), [0x8F, 0x0F, 0x00, 0x80]);
}

#[test]
fn write_mode_3_masks_set_reset_with_the_rotated_byte() {
    let mut v = planar();
    out_indexed(&mut v, 0x3CE, 5, 0x03);
    out_indexed(&mut v, 0x3CE, 0, 0x0C);
    out_indexed(&mut v, 0x3CE, 8, 0x3C);
    v.read_byte(0xA0030);
    v.write_byte(0xA0030, 0xF0);
    out_indexed(&mut v, 0x3CE, 5, 0x00);
    // Bit mask 3Ch AND F0h = 30h: set/reset 1100b sets those bits in planes 2 and 3.
    assert_eq!(planes_at(&mut v, 0xA0030), [0x00, 0x00, 0x30, 0x30]);
}

/// Read mode 1 (FreeVGA "Read Modes"): a bit is 1 where the pixel's colour, over the
/// planes that colour don't care includes, equals colour compare.
#[test]
fn read_mode_1_compares_colours() {
    let mut v = planar();
    // Pixels (bit 7 to 0): colours 7, 3, 5, 1, 6, 2, 4, 0.
    fill_planes(&mut v, 0xA0040, [0xF0, 0xCC, 0xAA, 0x00]);
    out_indexed(&mut v, 0x3CE, 5, 0x08);
    let cases = [
        (0x07, 0x0F, 0x80),
        (0x03, 0x0F, 0x40),
        (0x00, 0x0F, 0x01),
        (0x01, 0x01, 0xF0),
        (0x05, 0x05, 0xA0),
        (0x0F, 0x00, 0xFF),
    ];
    for (compare, care, expected) in cases {
        out_indexed(&mut v, 0x3CE, 2, compare);
        out_indexed(&mut v, 0x3CE, 7, care);
        assert_eq!(v.read_byte(0xA0040), expected, "{compare:#x}/{care:#x}");
    }
}

/// Chain-4 (mode 13h): address bits 1-0 select the plane (FreeVGA "Sequencer Memory Mode
/// Register"); the plane offset is the address, which the CRTC's doubleword mode reads back.
#[test]
fn chain_4_selects_the_plane_with_the_low_address_bits() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_13);
    v.write_byte(0xA0005, 0x77);
    v.write_byte(0xA1234, 0x42);
    v.write_byte(0xAFFFF, 0x99);
    assert_eq!(plane(&v, 1, 4), 0x77);
    assert_eq!(plane(&v, 0, 0x1234), 0x42);
    assert_eq!(plane(&v, 3, 0xFFFC), 0x99);
    assert_eq!(v.read_byte(0xA0005), 0x77);
    assert_eq!(v.mem_read(0xA0004, 4), 0x0000_7700);
    // The map mask still gates chain-4 writes.
    out_indexed(&mut v, 0x3C4, 2, 0x0D);
    v.write_byte(0xA0005, 0x00);
    assert_eq!(v.read_byte(0xA0005), 0x77);
}

/// Odd/even (text modes): even addresses reach plane 0, odd ones plane 1, at the even offset.
#[test]
fn odd_even_addressing_splits_characters_and_attributes() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_03);
    v.mem_write(0xB8000, 4, 0x4E42_1F41);
    assert_eq!(
        [
            plane(&v, 0, 0),
            plane(&v, 1, 0),
            plane(&v, 0, 2),
            plane(&v, 1, 2)
        ],
        [0x41, 0x1F, 0x42, 0x4E]
    );
    assert_eq!(v.mem_read(0xB8000, 2), 0x1F41);
    assert_eq!(v.read_byte(0xB8003), 0x4E);
    assert_eq!(v.read_byte(0xA0000), 0xFF, "mode 03h decodes B8000h-BFFFFh");
}
