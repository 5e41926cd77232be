//! Bochs VBE DISPI registers: index at 1CEh, data at 1CFh (values from Bochs iodev/vga.h and
//! QEMU include/hw/display/bochs-vbe.h: ID0-ID5 B0C0h-B0C5h, ENABLED 01h, GETCAPS 02h,
//! 8BIT_DAC 20h, LFB_ENABLED 40h, NOCLEARMEM 80h).

use super::*;

const ENABLED_LFB: u16 = 0x41;

fn dispi_write(v: &mut Vga, index: u16, value: u16) {
    v.write(0, 0x1CE, 2, u32::from(index));
    v.write(0, 0x1CF, 2, u32::from(value));
}

fn dispi_read(v: &mut Vga, index: u16) -> u16 {
    v.write(0, 0x1CE, 2, u32::from(index));
    v.read(0, 0x1CF, 2) as u16
}

fn set_vbe_mode(v: &mut Vga, xres: u16, yres: u16, bpp: u16, enable: u16) {
    dispi_write(v, 4, 0);
    dispi_write(v, 1, xres);
    dispi_write(v, 2, yres);
    dispi_write(v, 3, bpp);
    dispi_write(v, 4, enable);
}

#[test]
fn id_and_memory_size() {
    let mut v = Vga::new();
    assert_eq!(dispi_read(&mut v, 0), 0xB0C0);
    dispi_write(&mut v, 0, 0xB0C5);
    assert_eq!(dispi_read(&mut v, 0), 0xB0C5);
    dispi_write(&mut v, 0, 0x1234);
    assert_eq!(dispi_read(&mut v, 0), 0xB0C5, "unknown IDs are ignored");
    assert_eq!(dispi_read(&mut v, 10), 256, "16 MiB in 64 KiB units");
    assert_eq!(v.read(0, 0x1CE, 2), 10);
    assert_eq!(
        v.read(0, 0x1CF, 1),
        0x00,
        "a byte read gives the low byte of 0100h"
    );
    assert_eq!(dispi_read(&mut v, 0x55), 0, "no such register");
}

#[test]
fn getcaps_reports_the_maximum_mode_and_bad_values_are_ignored() {
    let mut v = Vga::new();
    dispi_write(&mut v, 4, 0x02);
    assert_eq!([1, 2, 3].map(|i| dispi_read(&mut v, i)), [1920, 1200, 32]);
    dispi_write(&mut v, 4, 0x00);
    dispi_write(&mut v, 1, 800);
    for bad in [801, 1928, 0xFFFF] {
        dispi_write(&mut v, 1, bad);
    }
    assert_eq!(dispi_read(&mut v, 1), 800);
    dispi_write(&mut v, 2, 1201);
    assert_eq!(dispi_read(&mut v, 2), 0);
    dispi_write(&mut v, 3, 12);
    assert_eq!(dispi_read(&mut v, 3), 8);
    dispi_write(&mut v, 3, 24);
    dispi_write(&mut v, 3, 0);
    assert_eq!(dispi_read(&mut v, 3), 8, "0 means 8");
}

#[test]
fn direct_colour_depths_render_from_the_linear_framebuffer() {
    // (bpp, bytes of one pixel, colour)
    let cases: [(u16, u32, u32); 6] = [
        (32, 0x0012_3456, 0xFF12_3456),
        (24, 0x0012_3456, 0xFF12_3456),
        (16, 0xF800, 0xFFFF_0000),
        (16, 0x07E0, 0xFF00_FF00),
        (15, 0x7C00, 0xFFFF_0000),
        (15, 0x001F, 0xFF00_00FF),
    ];
    for (bpp, bytes, colour) in cases {
        let mut v = Vga::new();
        set_vbe_mode(&mut v, 640, 480, bpp, ENABLED_LFB);
        let size = bpp.div_ceil(8) as u8;
        let at = (479 * 640 + 639) * u32::from(size);
        v.lfb_write(at, size, bytes);
        let frame = v.render(0).expect("frame");
        assert_eq!((frame.width, frame.height), (640, 480));
        assert_eq!(frame.pixels[479 * 640 + 639], colour, "{bpp} bpp");
        assert_eq!(frame.pixels[0], 0xFF00_0000);
    }
}

#[test]
fn the_largest_mode_fits() {
    let mut v = Vga::new();
    set_vbe_mode(&mut v, 1920, 1200, 32, ENABLED_LFB);
    v.lfb_write((1920 * 1200 - 1) * 4, 4, 0x00AB_CDEF);
    let frame = v.render(0).expect("frame");
    assert_eq!((frame.width, frame.height), (1920, 1200));
    assert_eq!(frame.pixels[1920 * 1200 - 1], 0xFFAB_CDEF);
}

#[test]
fn eight_bpp_uses_the_dac_with_6_or_8_bit_components() {
    let mut v = Vga::new();
    set_vbe_mode(&mut v, 320, 200, 8, ENABLED_LFB);
    set_dac(&mut v, 5, [0x3F, 0x00, 0x10]);
    v.lfb_write(0, 1, 5);
    assert_eq!(v.render(0).expect("frame").pixels[0], 0xFFFF_0041);
    set_vbe_mode(&mut v, 320, 200, 8, ENABLED_LFB | 0x20 | 0x80);
    set_dac(&mut v, 5, [0x80, 0x40, 0xFF]);
    assert_eq!(v.render(0).expect("frame").pixels[0], 0xFF80_40FF);
}

#[test]
fn banked_window_and_linear_framebuffer_share_vram() {
    let mut v = Vga::new();
    set_vbe_mode(&mut v, 1024, 768, 8, 0x01);
    dispi_write(&mut v, 5, 2);
    assert_eq!(dispi_read(&mut v, 5), 2);
    v.write_byte(0xA0010, 0x7F);
    assert_eq!(v.lfb_read(0x2_0010, 1), 0x7F);
    assert_eq!(v.read_byte(0xA0010), 0x7F);
    assert_eq!(
        v.read_byte(0xB0000),
        0xFF,
        "only A0000h-AFFFFh while VBE is on"
    );
    // The bank register holds bank numbers within VRAM.
    dispi_write(&mut v, 5, 0x1FF);
    assert_eq!(dispi_read(&mut v, 5), 0xFF);
    v.write_byte(0xAFFFF, 0x11);
    assert_eq!(v.lfb_read(0xFF_FFFF, 1), 0x11);
    assert_eq!(v.lfb_read(0xFF_FFFF, 4), 0xFFFF_FF11, "past VRAM reads FFh");
    v.lfb_write(0x100_0000, 4, 0);
}

#[test]
fn enabling_clears_the_screen_unless_told_not_to() {
    let mut v = Vga::new();
    v.lfb_write(0, 4, 0xAAAA_AAAA);
    set_vbe_mode(&mut v, 640, 480, 32, ENABLED_LFB | 0x80);
    assert_eq!(v.lfb_read(0, 4), 0xAAAA_AAAA);
    set_vbe_mode(&mut v, 640, 480, 32, ENABLED_LFB);
    assert_eq!(v.lfb_read(0, 4), 0);
}

#[test]
fn virtual_width_and_offsets_pan_the_display() {
    let mut v = Vga::new();
    set_vbe_mode(&mut v, 640, 480, 8, ENABLED_LFB);
    assert_eq!(dispi_read(&mut v, 6), 640);
    assert_eq!(dispi_read(&mut v, 7), 480);
    dispi_write(&mut v, 6, 320);
    assert_eq!(
        dispi_read(&mut v, 6),
        640,
        "narrower than the resolution: ignored"
    );
    dispi_write(&mut v, 6, 1024);
    assert_eq!(dispi_read(&mut v, 7), 16384, "16 MiB / 1024-byte lines");
    dispi_write(&mut v, 8, 8);
    dispi_write(&mut v, 9, 2);
    set_dac(&mut v, 9, [0x3F, 0x3F, 0x3F]);
    v.lfb_write(2 * 1024 + 8, 1, 9);
    assert_eq!(v.render(0).expect("frame").pixels[0], 0xFFFF_FFFF);
}

#[test]
fn disabling_returns_to_vga() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_13);
    set_vbe_mode(&mut v, 800, 600, 32, ENABLED_LFB);
    assert!(v.text_screen().is_none());
    assert_eq!(v.render(0).expect("frame").width, 800);
    dispi_write(&mut v, 4, 0);
    assert_eq!(v.render(0).expect("frame").width, 320);
    v.write_byte(0xA0001, 0x12);
    assert_eq!(plane(&v, 1, 0), 0x12, "chain-4 planes again");
}
