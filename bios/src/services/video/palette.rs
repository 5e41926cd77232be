//! The DAC's default palettes and INT 10h AH=10h, the palette and DAC functions (IBM VGA
//! Technical Reference, "Video BIOS: Set Palette Registers"; Ralf Brown's list, INT 10/10).

use super::modes::{self, Memory, Mode};
use crate::platform::{linear, Platform, Regs};
use amber_cpu::state::reg::{EBX, ECX, EDX};
use amber_cpu::Seg;

/// The 64 colours of an EGA-compatible palette index `i` (bits: 0 b, 1 g, 2 r, 3 B, 4 G,
/// 5 R; capitals the one-third intensity), in 6-bit DAC units.
fn ega(i: u8) -> [u8; 3] {
    let c = |hi: u8, lo: u8| 0x2A * (i >> hi & 1) + 0x15 * (i >> lo & 1);
    [c(2, 5), c(1, 4), c(0, 3)]
}

/// The CGA-compatible colours of the 200-line modes: bits 0-2 colour, bit 4 intensity,
/// colour 6 without intensity brown.
fn cga(i: u8) -> [u8; 3] {
    let bright = 0x15 * (i >> 4 & 1);
    let [r, mut g, b] = [i >> 2 & 1, i >> 1 & 1, i & 1].map(|c| 0x2A * c + bright);
    if i & 0x17 == 6 {
        g = 0x15;
    }
    [r, g, b]
}

/// The 16 greys of the 256-colour default palette.
const GREYS: [u8; 16] = [
    0x00, 0x05, 0x08, 0x0B, 0x0E, 0x11, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2D, 0x32, 0x38, 0x3F,
];
/// The 3 x 3 (high, low) levels of the colour rings, and the 5 steps between low and high
/// in each (IBM's mode 13h default palette, entries 20h-F7h).
const RINGS: [[u8; 5]; 9] = [
    [0x00, 0x10, 0x1F, 0x2F, 0x3F],
    [0x1F, 0x27, 0x2F, 0x37, 0x3F],
    [0x2D, 0x31, 0x36, 0x3A, 0x3F],
    [0x00, 0x07, 0x0E, 0x15, 0x1C],
    [0x0E, 0x11, 0x15, 0x18, 0x1C],
    [0x14, 0x16, 0x18, 0x1A, 0x1C],
    [0x00, 0x04, 0x08, 0x0C, 0x10],
    [0x08, 0x0A, 0x0C, 0x0E, 0x10],
    [0x0B, 0x0C, 0x0D, 0x0F, 0x10],
];

/// Entry `i` of the 256-colour default palette: the 16 CGA colours, 16 greys, nine rings
/// of 24 hues (blue, magenta, red, yellow, green, cyan, back to blue), then black.
pub fn default_256(i: u8) -> [u8; 3] {
    match i {
        0..=15 => cga((i & 7) | (i & 8) << 1),
        16..=31 => [GREYS[usize::from(i - 16)]; 3],
        32..=247 => {
            let ring = RINGS[usize::from(i - 32) / 24];
            let hue = usize::from(i - 32) % 24;
            let (lo, hi) = (ring[0], ring[4]);
            let (segment, step) = (hue / 4, hue % 4);
            let up = ring[step];
            let down = ring[4 - step];
            match segment {
                0 => [up, lo, hi],
                1 => [hi, lo, down],
                2 => [hi, up, lo],
                3 => [down, hi, lo],
                4 => [lo, hi, up],
                _ => [lo, down, hi],
            }
        }
        _ => [0; 3],
    }
}

/// Loads the DAC as a mode set does: 256 colours for mode 13h, the 64 CGA colours for the
/// 200-line graphics modes, the 64 EGA colours for the others, monochrome greys for modes
/// 07h and 0Fh. The rest of the 256 entries are black.
pub fn load_default(p: &mut dyn Platform, m: &Mode) {
    p.outb(0x3C6, 0xFF);
    p.outb(0x3C8, 0);
    for i in 0..=255u8 {
        let rgb = match m.memory {
            Memory::Linear8 => default_256(i),
            _ if i >= 64 => [0; 3],
            _ if m.misc & 1 == 0 => [mono(i); 3],
            Memory::Cga4 | Memory::Cga2 => cga(i),
            Memory::Planar if m.height == 200 => cga(i),
            _ => ega(i),
        };
        for c in rgb {
            p.outb(0x3C9, c);
        }
    }
}

/// The monochrome modes' levels: black, 2Ah with bit 3 (video) or bit 4 (intensity),
/// 3Fh with both (the palette SeaBIOS's VGA BIOS loads for modes 07h and 0Fh).
fn mono(i: u8) -> u8 {
    match i >> 3 & 3 {
        0 => 0,
        3 => 0x3F,
        _ => 0x2A,
    }
}

fn set_dac(p: &mut dyn Platform, index: u8, rgb: [u8; 3]) {
    p.outb(0x3C8, index);
    for c in rgb {
        p.outb(0x3C9, c);
    }
}

fn dac(p: &mut dyn Platform, index: u8) -> [u8; 3] {
    p.outb(0x3C7, index);
    [p.inb(0x3C9), p.inb(0x3C9), p.inb(0x3C9)]
}

/// AH=10h.
pub fn int10_10(r: &mut Regs, p: &mut dyn Platform) {
    let (bl, bh) = (r.get(EBX) as u8, (r.get(EBX) >> 8) as u8);
    let es_dx = linear(r.seg(Seg::Es), r.get(EDX));
    match r.al() {
        0x00 if bl < 0x14 => modes::set_attr(p, bl, bh),
        0x01 => modes::set_attr(p, 0x11, bh),
        0x02 => {
            for i in 0..17u8 {
                let v = p.read_u8(es_dx + u32::from(i));
                modes::set_attr(p, if i == 16 { 0x11 } else { i }, v);
            }
        }
        0x03 => {
            let control = modes::attr(p, 0x10);
            modes::set_attr(p, 0x10, (control & !0x08) | (bl & 1) << 3);
        }
        0x07 if bl < 0x14 => r.set(EBX, u16::from(modes::attr(p, bl)) << 8 | u16::from(bl)),
        0x08 => r.set(EBX, u16::from(modes::attr(p, 0x11)) << 8 | u16::from(bl)),
        0x09 => {
            for i in 0..16u8 {
                let v = modes::attr(p, i);
                p.write_u8(es_dx + u32::from(i), v);
            }
            let overscan = modes::attr(p, 0x11);
            p.write_u8(es_dx + 16, overscan);
        }
        0x10 => set_dac(
            p,
            bl,
            [
                (r.get(EDX) >> 8) as u8,
                (r.get(ECX) >> 8) as u8,
                r.get(ECX) as u8,
            ],
        ),
        0x12 => {
            for i in 0..r.get(ECX).min(256) {
                let at = es_dx + 3 * u32::from(i);
                let rgb = [p.read_u8(at), p.read_u8(at + 1), p.read_u8(at + 2)];
                set_dac(p, (u16::from(bl) + i) as u8, rgb);
            }
        }
        0x13 => {
            let control = modes::attr(p, 0x10);
            if bl == 0 {
                modes::set_attr(p, 0x10, (control & !0x80) | (bh & 1) << 7);
            } else {
                modes::set_attr(p, 0x14, bh);
            }
        }
        0x15 => {
            let [red, green, blue] = dac(p, bl);
            r.set(EDX, u16::from(red) << 8 | (r.get(EDX) & 0xFF));
            r.set(ECX, u16::from(green) << 8 | u16::from(blue));
        }
        0x17 => {
            for i in 0..r.get(ECX).min(256) {
                let rgb = dac(p, (u16::from(bl) + i) as u8);
                p.mem_write(es_dx + 3 * u32::from(i), &rgb);
            }
        }
        0x18 => p.outb(0x3C6, bl),
        0x19 => r.set(EBX, u16::from(bh) << 8 | u16::from(p.inb(0x3C6))),
        0x1A => {
            let control = modes::attr(p, 0x10);
            let select = modes::attr(p, 0x14);
            r.set(EBX, u16::from(select) << 8 | u16::from(control >> 7));
        }
        0x1B => {
            for i in 0..r.get(ECX).min(256) {
                let index = (u16::from(bl) + i) as u8;
                let [red, green, blue] = dac(p, index);
                let grey =
                    (30 * u16::from(red) + 59 * u16::from(green) + 11 * u16::from(blue) + 50) / 100;
                set_dac(p, index, [grey as u8; 3]);
            }
        }
        _ => {}
    }
}
