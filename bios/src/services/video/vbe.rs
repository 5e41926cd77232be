//! The VESA BIOS Extension, INT 10h AH=4Fh (VESA BIOS Extension Core Functions Standard
//! 3.0), on the Bochs DISPI registers at 1CEh/1CFh: the controller and mode information,
//! mode setting (banked at A000h with 64 KiB windows, or linear on the VGA function's
//! BAR0), windows, scan line length, display start, DAC width and palette data.

use super::palette;
use crate::platform::{linear, Platform, Regs};
use crate::rom::SEGMENT;
use amber_cpu::state::reg::{EAX, EBX, ECX, EDI, EDX};
use amber_cpu::Seg;

const INDEX: u16 = 0x1CE;
const DATA: u16 = 0x1CF;
const XRES: u16 = 1;
const YRES: u16 = 2;
const BPP: u16 = 3;
const ENABLE: u16 = 4;
const BANK: u16 = 5;
const VIRT_WIDTH: u16 = 6;
const VIRT_HEIGHT: u16 = 7;
const X_OFFSET: u16 = 8;
const Y_OFFSET: u16 = 9;
const ENABLED: u16 = 0x01;
const DAC_8BIT: u16 = 0x20;
const LFB: u16 = 0x40;
const NO_CLEAR: u16 = 0x80;

/// Video memory: 16 MiB, in 64 KiB blocks.
const MEMORY_BLOCKS: u16 = 256;
const MEMORY: u32 = (MEMORY_BLOCKS as u32) << 16;

/// The modes: (number, width, height, bits per pixel). The VESA numbers (VBE 1.2's
/// table), then amber's own for 32 bpp and the wide resolutions.
pub const MODES: &[(u16, u16, u16, u8)] = &[
    (0x100, 640, 400, 8),
    (0x101, 640, 480, 8),
    (0x103, 800, 600, 8),
    (0x105, 1024, 768, 8),
    (0x107, 1280, 1024, 8),
    (0x10D, 320, 200, 15),
    (0x10E, 320, 200, 16),
    (0x10F, 320, 200, 24),
    (0x110, 640, 480, 15),
    (0x111, 640, 480, 16),
    (0x112, 640, 480, 24),
    (0x113, 800, 600, 15),
    (0x114, 800, 600, 16),
    (0x115, 800, 600, 24),
    (0x116, 1024, 768, 15),
    (0x117, 1024, 768, 16),
    (0x118, 1024, 768, 24),
    (0x119, 1280, 1024, 15),
    (0x11A, 1280, 1024, 16),
    (0x11B, 1280, 1024, 24),
    (0x140, 320, 200, 32),
    (0x141, 640, 400, 32),
    (0x142, 640, 480, 32),
    (0x143, 800, 600, 32),
    (0x144, 1024, 768, 32),
    (0x145, 1280, 1024, 32),
    (0x146, 1280, 720, 32),
    (0x147, 1920, 1080, 32),
    (0x148, 1600, 1200, 32),
    (0x149, 1920, 1200, 8),
    (0x14A, 1920, 1200, 16),
    (0x14B, 1920, 1200, 32),
];

/// Where the mode list (ending in FFFFh) and the OEM strings sit in the ROM.
pub const ROM_DATA: u16 = 0xA610;
const OEM: &[u8] = b"amber VGA BIOS\0";
const VENDOR: &[u8] = b"amber\0";
const PRODUCT: &[u8] = b"amber standard VGA\0";
const REVISION: &[u8] = b"1.0\0";

fn list_len() -> u16 {
    2 * MODES.len() as u16 + 2
}

/// The ROM bytes at `ROM_DATA`: the mode list, then the strings.
pub fn rom_data() -> Vec<u8> {
    let mut bytes: Vec<u8> = MODES.iter().flat_map(|m| m.0.to_le_bytes()).collect();
    bytes.extend_from_slice(&[0xFF, 0xFF]);
    for s in [OEM, VENDOR, PRODUCT, REVISION] {
        bytes.extend_from_slice(s);
    }
    bytes
}

/// The ROM offset of string `n` (0 OEM, 1 vendor, 2 product, 3 revision).
fn string_at(n: usize) -> u16 {
    let before: usize = [OEM, VENDOR, PRODUCT, REVISION][..n]
        .iter()
        .map(|s| s.len())
        .sum();
    ROM_DATA + list_len() + before as u16
}

fn far(off: u16) -> u32 {
    u32::from(SEGMENT) << 16 | u32::from(off)
}

pub fn dispi(p: &mut dyn Platform, index: u16) -> u16 {
    p.port_write(INDEX, 2, u32::from(index));
    p.port_read(DATA, 2) as u16
}

pub fn set_dispi(p: &mut dyn Platform, index: u16, v: u16) {
    p.port_write(INDEX, 2, u32::from(index));
    p.port_write(DATA, 2, u32::from(v));
}

pub fn enabled(p: &mut dyn Platform) -> bool {
    dispi(p, ENABLE) & ENABLED != 0
}

/// Turns VBE off (before a standard VGA mode), the DAC back to 6 bits.
pub fn disable(p: &mut dyn Platform) {
    set_dispi(p, ENABLE, 0);
}

/// The linear framebuffer: the VGA function's BAR0 (PCI 00:02.0, offset 10h), read through
/// configuration mechanism 1.
fn framebuffer(p: &mut dyn Platform) -> u32 {
    crate::services::pci_bios::config_read(p, super::VGA_FUNCTION, 0x10, 4) & 0xFFFF_FFF0
}

fn bytes_per_pixel(bpp: u8) -> u16 {
    u16::from(bpp).div_ceil(8)
}

/// The 256-byte ModeInfoBlock of a mode (VBE 3.0, Function 01h).
fn mode_info(p: &mut dyn Platform, &(_, width, height, bpp): &(u16, u16, u16, u8)) -> [u8; 256] {
    let mut b = [0u8; 256];
    let pitch = width * bytes_per_pixel(bpp);
    let pages = (MEMORY / (u32::from(pitch) * u32::from(height))).clamp(1, 256) - 1;
    // Supported, optional information, colour, graphics, not VGA-compatible (the DISPI
    // registers, not the VGA's, describe the mode), linear framebuffer.
    b[0..2].copy_from_slice(&0x00BBu16.to_le_bytes());
    b[2] = 0x07;
    b[4..6].copy_from_slice(&64u16.to_le_bytes());
    b[6..8].copy_from_slice(&64u16.to_le_bytes());
    b[8..10].copy_from_slice(&0xA000u16.to_le_bytes());
    b[16..18].copy_from_slice(&pitch.to_le_bytes());
    b[18..20].copy_from_slice(&width.to_le_bytes());
    b[20..22].copy_from_slice(&height.to_le_bytes());
    b[22] = 8;
    b[23] = 16;
    b[24] = 1;
    b[25] = bpp;
    b[26] = 1;
    // Memory model: 4 packed pixel, 6 direct colour.
    b[27] = if bpp == 8 { 4 } else { 6 };
    b[29] = pages as u8;
    b[30] = 1;
    // Red, green, blue, reserved: (size, position).
    let masks: [u8; 8] = match bpp {
        15 => [5, 10, 5, 5, 5, 0, 1, 15],
        16 => [5, 11, 6, 5, 5, 0, 0, 0],
        24 => [8, 16, 8, 8, 8, 0, 0, 0],
        32 => [8, 16, 8, 8, 8, 0, 8, 24],
        _ => [0; 8],
    };
    b[31..39].copy_from_slice(&masks);
    let base = framebuffer(p);
    b[40..44].copy_from_slice(&base.to_le_bytes());
    b[50..52].copy_from_slice(&pitch.to_le_bytes());
    b[52] = pages as u8;
    b[53] = pages as u8;
    b[54..62].copy_from_slice(&masks);
    b
}

fn find(number: u16) -> Option<&'static (u16, u16, u16, u8)> {
    MODES.iter().find(|m| m.0 == number & 0x1FF)
}

/// The VBE mode the DISPI registers show, with the linear framebuffer bit.
fn current(p: &mut dyn Platform) -> Option<u16> {
    let enable = dispi(p, ENABLE);
    if enable & ENABLED == 0 {
        return None;
    }
    let (w, h, bpp) = (dispi(p, XRES), dispi(p, YRES), dispi(p, BPP) as u8);
    let m = MODES.iter().find(|m| (m.1, m.2, m.3) == (w, h, bpp))?;
    Some(m.0 | if enable & LFB != 0 { 0x4000 } else { 0 })
}

fn set_mode(p: &mut dyn Platform, bx: u16) -> bool {
    if bx & 0x1FF < 0x100 {
        return super::set_mode(
            p,
            (bx as u8 & 0x7F) | if bx & 0x8000 != 0 { 0x80 } else { 0 },
        );
    }
    let Some(&(_, width, height, bpp)) = find(bx) else {
        return false;
    };
    let dac = dispi(p, ENABLE) & DAC_8BIT;
    set_dispi(p, ENABLE, dac);
    if bpp == 8 {
        for i in 0..=255u8 {
            p.outb(0x3C8, i);
            for c in palette::default_256(i) {
                p.outb(0x3C9, if dac != 0 { c << 2 | c >> 4 } else { c });
            }
        }
    }
    set_dispi(p, BPP, u16::from(bpp));
    set_dispi(p, XRES, width);
    set_dispi(p, YRES, height);
    set_dispi(p, BANK, 0);
    let mut enable = ENABLED | dac;
    if bx & 0x4000 != 0 {
        enable |= LFB;
    }
    if bx & 0x8000 != 0 {
        enable |= NO_CLEAR;
    }
    set_dispi(p, ENABLE, enable);
    true
}

/// AH=4Fh: AX=004Fh on success, 014Fh on failure, 034Fh when the function does not apply
/// to the current mode.
pub fn int10_4f(r: &mut Regs, p: &mut dyn Platform) {
    let es_di = linear(r.seg(Seg::Es), r.get(EDI));
    let (bl, bh) = (r.get(EBX) as u8, (r.get(EBX) >> 8) as u8);
    let status: u16 = match r.al() {
        0x00 => {
            let vbe2 = p.read_u32(es_di) == u32::from_le_bytes(*b"VBE2");
            let mut b = vec![0u8; if vbe2 { 512 } else { 256 }];
            b[0..4].copy_from_slice(b"VESA");
            b[4..6].copy_from_slice(&0x0300u16.to_le_bytes());
            b[6..10].copy_from_slice(&far(string_at(0)).to_le_bytes());
            // Capabilities: the DAC switches to 8 bits.
            b[10..14].copy_from_slice(&1u32.to_le_bytes());
            b[14..18].copy_from_slice(&far(ROM_DATA).to_le_bytes());
            b[18..20].copy_from_slice(&MEMORY_BLOCKS.to_le_bytes());
            b[20..22].copy_from_slice(&0x0100u16.to_le_bytes());
            b[22..26].copy_from_slice(&far(string_at(1)).to_le_bytes());
            b[26..30].copy_from_slice(&far(string_at(2)).to_le_bytes());
            b[30..34].copy_from_slice(&far(string_at(3)).to_le_bytes());
            p.mem_write(es_di, &b);
            0x004F
        }
        0x01 => match find(r.get(ECX)) {
            Some(m) => {
                let info = mode_info(p, m);
                p.mem_write(es_di, &info);
                0x004F
            }
            None => 0x014F,
        },
        0x02 if set_mode(p, r.get(EBX)) => 0x004F,
        0x02 => 0x014F,
        0x03 => {
            let mode = current(p).unwrap_or_else(|| u16::from(p.read_u8(0x449)));
            r.set(EBX, mode);
            0x004F
        }
        0x04 => save_restore(r, p, es_di),
        0x05 if !enabled(p) => 0x034F,
        0x05 if bl != 0 => 0x014F,
        0x05 => {
            if bh == 0 {
                set_dispi(p, BANK, r.get(EDX));
            } else {
                r.set(EDX, dispi(p, BANK));
            }
            0x004F
        }
        0x06 if !enabled(p) => 0x034F,
        0x06 => scan_line(r, p, bl),
        0x07 if !enabled(p) => 0x034F,
        0x07 => match bl & 0x7F {
            0 => {
                set_dispi(p, X_OFFSET, r.get(ECX));
                set_dispi(p, Y_OFFSET, r.get(EDX));
                0x004F
            }
            1 => {
                r.set(EBX, 0);
                r.set(ECX, dispi(p, X_OFFSET));
                r.set(EDX, dispi(p, Y_OFFSET));
                0x004F
            }
            _ => 0x014F,
        },
        0x08 => {
            let enable = dispi(p, ENABLE);
            if bl == 0 {
                let eight = bh >= 8;
                set_dispi(
                    p,
                    ENABLE,
                    if eight {
                        enable | DAC_8BIT
                    } else {
                        enable & !DAC_8BIT
                    },
                );
            }
            let width = if dispi(p, ENABLE) & DAC_8BIT != 0 {
                8
            } else {
                6
            };
            r.set(EBX, width << 8 | u16::from(bl));
            0x004F
        }
        0x09 => palette_data(r, p, bl, es_di),
        _ => 0x014F,
    };
    r.set(EAX, status);
}

/// Function 06h: BL 0 sets CX pixels, 2 sets CX bytes, 1 gets, 3 gets the maximum; returns
/// BX bytes, CX pixels and DX lines per screen of memory.
fn scan_line(r: &mut Regs, p: &mut dyn Platform, bl: u8) -> u16 {
    let bytes = bytes_per_pixel(dispi(p, BPP) as u8);
    match bl {
        0 => set_dispi(p, VIRT_WIDTH, r.get(ECX)),
        2 => set_dispi(p, VIRT_WIDTH, r.get(ECX) / bytes),
        1 | 3 => {}
        _ => return 0x014F,
    }
    let pixels = if bl == 3 {
        (MEMORY / u32::from(dispi(p, YRES)).max(1) / u32::from(bytes)).min(0x7FFF) as u16 & !7
    } else {
        dispi(p, VIRT_WIDTH)
    };
    r.set(
        EBX,
        (u32::from(pixels) * u32::from(bytes)).min(0xFFFF) as u16,
    );
    r.set(ECX, pixels);
    r.set(EDX, dispi(p, VIRT_HEIGHT));
    0x004F
}

/// Function 09h: BL 0/80h sets, 1 gets CX entries from DX at ES:DI (blue, green, red,
/// alignment).
fn palette_data(r: &mut Regs, p: &mut dyn Platform, bl: u8, at: u32) -> u16 {
    let (count, first) = (r.get(ECX).min(256), r.get(EDX));
    if u32::from(first) + u32::from(count) > 256 {
        return 0x014F;
    }
    for i in 0..count {
        let entry = at + 4 * u32::from(i);
        let index = (first + i) as u8;
        match bl & 0x7F {
            0 => {
                let [b, g, red, _] = p.read_u32(entry).to_le_bytes();
                p.outb(0x3C8, index);
                for c in [red, g, b] {
                    p.outb(0x3C9, c);
                }
            }
            1 => {
                p.outb(0x3C7, index);
                let (red, g, b) = (p.inb(0x3C9), p.inb(0x3C9), p.inb(0x3C9));
                p.write_u32(entry, u32::from_le_bytes([b, g, red, 0]));
            }
            _ => return 0x014F,
        }
    }
    0x004F
}

/// DISPI registers a state buffer holds (CX bit 3, the SVGA state).
const SAVED: [u16; 8] = [
    BPP, XRES, YRES, BANK, VIRT_WIDTH, X_OFFSET, Y_OFFSET, ENABLE,
];

/// Function 04h: DL 0 gives the buffer size (one 64-byte block), 1 saves, 2 restores the
/// DISPI registers (the standard VGA state is left to INT 10h AH=1Ch).
fn save_restore(r: &mut Regs, p: &mut dyn Platform, at: u32) -> u16 {
    let dl = r.get(EDX) as u8;
    match dl {
        0 => r.set(EBX, 1),
        1 => {
            for (i, &index) in SAVED.iter().enumerate() {
                let v = dispi(p, index);
                p.write_u16(at + 2 * i as u32, v);
            }
        }
        2 => {
            set_dispi(p, ENABLE, 0);
            for (i, &index) in SAVED.iter().enumerate() {
                let v = p.read_u16(at + 2 * i as u32);
                set_dispi(p, index, if index == ENABLE { v | NO_CLEAR } else { v });
            }
        }
        _ => return 0x014F,
    }
    0x004F
}
