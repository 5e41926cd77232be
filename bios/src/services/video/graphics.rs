//! Pixels and characters in the graphics modes: AH=0Ch/0Dh pixels, characters drawn from
//! the font the mode uses (INT 43h; in the CGA modes the ROM's 8x8 font for 00h-7Fh and
//! INT 1Fh for 80h-FFh), and scrolling by character rows (IBM VGA Technical Reference,
//! "Video BIOS"; Ralf Brown's list, INT 10/09, 0C, 0D). Planar modes go through the
//! graphics controller: write mode 2 with the bit mask for pixels and glyphs, write mode 1
//! (latched copies) for scrolling.

use super::modes::{set_indexed, Memory, Mode};
use crate::fonts::FONT_8X8;
use crate::platform::{linear, Platform};

const GC: u16 = 0x3CE;

/// Where pixel row `y` of page `page` starts.
pub fn line_addr(m: &Mode, page: u8, y: u32) -> u32 {
    let base = linear(m.segment, 0);
    match m.memory {
        Memory::Cga4 | Memory::Cga2 => base + (y & 1) * 0x2000 + (y >> 1) * m.line_bytes(),
        _ => base + u32::from(page) * u32::from(m.page_size) + y * m.line_bytes(),
    }
}

/// Bytes of one character cell's pixel row.
fn cell_bytes(m: &Mode) -> u32 {
    match m.memory {
        Memory::Cga4 => 2,
        Memory::Linear8 => 8,
        _ => 1,
    }
}

/// Graphics controller registers 3 (function), 5 (mode), 8 (bit mask) for one access, then
/// back to the BIOS's defaults.
fn with_gc(
    p: &mut dyn Platform,
    function: u8,
    mode: u8,
    mask: u8,
    f: impl FnOnce(&mut dyn Platform),
) {
    set_indexed(p, GC, 3, function);
    set_indexed(p, GC, 5, mode);
    set_indexed(p, GC, 8, mask);
    f(p);
    set_indexed(p, GC, 3, 0);
    set_indexed(p, GC, 5, 0);
    set_indexed(p, GC, 8, 0xFF);
}

/// Writes `colour` (bit 7: XOR, except in mode 13h) at the pixels of `bits` in the byte at
/// `addr` (planar: 8 pixels, bit 7 leftmost).
fn planar_write(p: &mut dyn Platform, addr: u32, bits: u8, colour: u8) {
    let function = if colour & 0x80 != 0 { 0x18 } else { 0 };
    with_gc(p, function, 2, bits, |p| {
        p.read_u8(addr);
        p.write_u8(addr, colour & 0x0F);
    });
}

fn planar_read(p: &mut dyn Platform, addr: u32) -> [u8; 4] {
    let mut planes = [0; 4];
    for (plane, v) in planes.iter_mut().enumerate() {
        set_indexed(p, GC, 4, plane as u8);
        *v = p.read_u8(addr);
    }
    set_indexed(p, GC, 4, 0);
    planes
}

/// AH=0Ch.
pub fn put_pixel(p: &mut dyn Platform, m: &Mode, page: u8, x: u16, y: u16, colour: u8) {
    if x >= m.width || y >= m.height {
        return;
    }
    let (x, line) = (u32::from(x), line_addr(m, page, u32::from(y)));
    match m.memory {
        Memory::Planar => planar_write(p, line + x / 8, 0x80 >> (x & 7), colour),
        Memory::Linear8 => p.write_u8(line + x, colour),
        Memory::Cga4 | Memory::Cga2 => {
            let (per_byte, bits) = if m.memory == Memory::Cga4 {
                (4, 2)
            } else {
                (8, 1)
            };
            let addr = line + x / per_byte;
            let shift = (per_byte - 1 - x % per_byte) * bits;
            let mask = ((1u8 << bits) - 1) << shift;
            let value = (colour << shift) & mask;
            let old = p.read_u8(addr);
            let new = if colour & 0x80 != 0 {
                old ^ value
            } else {
                (old & !mask) | value
            };
            p.write_u8(addr, new);
        }
        Memory::Text => {}
    }
}

/// AH=0Dh.
pub fn get_pixel(p: &mut dyn Platform, m: &Mode, page: u8, x: u16, y: u16) -> u8 {
    if x >= m.width || y >= m.height {
        return 0;
    }
    let (x, line) = (u32::from(x), line_addr(m, page, u32::from(y)));
    match m.memory {
        Memory::Planar => {
            let planes = planar_read(p, line + x / 8);
            (0..4).fold(0, |c, i| c | (planes[i] >> (7 - (x & 7)) & 1) << i)
        }
        Memory::Linear8 => p.read_u8(line + x),
        Memory::Cga4 => p.read_u8(line + x / 4) >> ((3 - x % 4) * 2) & 3,
        Memory::Cga2 => p.read_u8(line + x / 8) >> (7 - x % 8) & 1,
        Memory::Text => 0,
    }
}

/// The glyph of `c` in the font the mode draws with.
fn glyph(p: &mut dyn Platform, m: &Mode, c: u8, height: u8) -> Vec<u8> {
    let rows = usize::from(height);
    let cga = matches!(m.memory, Memory::Cga4 | Memory::Cga2);
    if cga && c < 0x80 {
        let at = usize::from(c) * 8;
        return FONT_8X8[at..at + 8].to_vec();
    }
    let (vector, index) = if cga { (0x1F, c - 0x80) } else { (0x43, c) };
    let ptr = p.read_u32(vector * 4);
    let base = linear((ptr >> 16) as u16, ptr as u16);
    let mut bytes = vec![0; rows];
    p.mem_read(base + u32::from(index) * u32::from(height), &mut bytes);
    bytes
}

/// AH=09h/0Ah/0Eh in graphics modes: `count` copies of `c` from (`row`, `col`), in
/// `colour` on black (bit 7: XOR onto what is there, except in mode 13h).
#[allow(clippy::too_many_arguments)]
pub fn write_chars(
    p: &mut dyn Platform,
    m: &Mode,
    page: u8,
    (row, col): (u8, u8),
    columns: u8,
    height: u8,
    c: u8,
    colour: u8,
    count: u16,
) {
    let g = glyph(p, m, c, height);
    let xor = colour & 0x80 != 0 && m.memory != Memory::Linear8;
    for i in 0..count.min(u16::from(columns.saturating_sub(col))) {
        let x = u32::from(col) + u32::from(i);
        for (line, &bits) in g.iter().enumerate() {
            let y = u32::from(row) * u32::from(height) + line as u32;
            if y >= u32::from(m.height) {
                break;
            }
            let addr = line_addr(m, page, y) + x * cell_bytes(m);
            match m.memory {
                Memory::Planar => {
                    planar_write(p, addr, bits, colour);
                    if !xor {
                        planar_write(p, addr, !bits, 0);
                    }
                }
                Memory::Linear8 => {
                    let px: Vec<u8> = (0..8)
                        .map(|b| if bits & 0x80 >> b != 0 { colour } else { 0 })
                        .collect();
                    p.mem_write(addr, &px);
                }
                Memory::Cga4 => {
                    let v = (0..8).fold(0u16, |v, b| {
                        v | (u16::from(bits >> (7 - b) & 1) * u16::from(colour & 3)) << (14 - 2 * b)
                    });
                    let old = p.read_u16(addr).swap_bytes();
                    let new = if xor { old ^ v } else { v };
                    p.write_u16(addr, new.swap_bytes());
                }
                Memory::Cga2 => {
                    let v = if colour & 1 != 0 { bits } else { 0 };
                    let new = if xor { p.read_u8(addr) ^ v } else { v };
                    p.write_u8(addr, new);
                }
                Memory::Text => {}
            }
        }
    }
}

/// AH=08h in graphics modes: the character whose glyph matches the cell's lit pixels (or
/// 0) and, as SeaBIOS's VGA BIOS answers in AH, the colour of its first lit pixel.
pub fn read_char(
    p: &mut dyn Platform,
    m: &Mode,
    page: u8,
    (row, col): (u8, u8),
    height: u8,
) -> (u8, u8) {
    let mut cell = Vec::with_capacity(usize::from(height));
    for line in 0..u32::from(height) {
        let y = u32::from(row) * u32::from(height) + line;
        let addr = line_addr(m, page, y) + u32::from(col) * cell_bytes(m);
        let bits = match m.memory {
            Memory::Planar => planar_read(p, addr).iter().fold(0, |a, b| a | b),
            Memory::Linear8 => {
                let mut px = [0u8; 8];
                p.mem_read(addr, &mut px);
                px.iter().fold(0, |a, &b| a << 1 | u8::from(b != 0))
            }
            Memory::Cga4 => {
                let v = p.read_u16(addr).swap_bytes();
                (0..8).fold(0, |a, b| a << 1 | u8::from(v >> (14 - 2 * b) & 3 != 0))
            }
            _ => p.read_u8(addr),
        };
        cell.push(bits);
    }
    let c = (0..=255u8)
        .find(|&c| glyph(p, m, c, height) == cell)
        .unwrap_or(0);
    let lit = cell
        .iter()
        .enumerate()
        .find(|(_, &bits)| bits != 0)
        .map(|(line, &bits)| (line as u16, bits.leading_zeros() as u16));
    let colour = lit.map_or(0, |(line, bit)| {
        let (x, y) = (
            u16::from(col) * 8 + bit,
            u16::from(row) * u16::from(height) + line,
        );
        get_pixel(p, m, page, x, y)
    });
    (c, colour)
}

/// AH=06h/07h and teletype scrolling in graphics modes: the window of character cells
/// (`top`, `left`)-(`bottom`, `right`) moves `lines` character rows up (or down), the rows
/// it uncovers filled with `colour`; `lines` 0 clears the window.
#[allow(clippy::too_many_arguments)]
pub fn scroll(
    p: &mut dyn Platform,
    m: &Mode,
    page: u8,
    (top, left, bottom, right): (u8, u8, u8, u8),
    lines: u8,
    colour: u8,
    up: bool,
    height: u8,
) {
    let rows = bottom - top + 1;
    let lines = if lines == 0 || lines > rows {
        rows
    } else {
        lines
    };
    let (x0, width) = (
        u32::from(left) * cell_bytes(m),
        u32::from(right - left + 1) * cell_bytes(m),
    );
    let h = u32::from(height);
    for i in 0..rows {
        let dst_row = if up { top + i } else { bottom - i };
        let src = if up {
            u16::from(dst_row) + u16::from(lines)
        } else {
            u16::from(dst_row).wrapping_sub(u16::from(lines))
        };
        let from = (i + lines < rows).then_some(src);
        for line in (0..h).filter(|&l| u32::from(dst_row) * h + l < u32::from(m.height)) {
            let dst = line_addr(m, page, u32::from(dst_row) * h + line) + x0;
            match from {
                Some(src) => {
                    let src = line_addr(m, page, u32::from(src) * h + line) + x0;
                    copy_span(p, m, src, dst, width);
                }
                None => fill_span(p, m, dst, width, colour),
            }
        }
    }
}

fn copy_span(p: &mut dyn Platform, m: &Mode, src: u32, dst: u32, len: u32) {
    if m.memory == Memory::Planar {
        with_gc(p, 0, 1, 0xFF, |p| {
            for i in 0..len {
                p.read_u8(src + i);
                p.write_u8(dst + i, 0);
            }
        });
    } else {
        let mut buf = vec![0; len as usize];
        p.mem_read(src, &mut buf);
        p.mem_write(dst, &buf);
    }
}

fn fill_span(p: &mut dyn Platform, m: &Mode, dst: u32, len: u32, colour: u8) {
    let byte = match m.memory {
        Memory::Planar => {
            with_gc(p, 0, 2, 0xFF, |p| {
                p.mem_write(dst, &vec![colour; len as usize])
            });
            return;
        }
        Memory::Cga4 => (colour & 3) * 0x55,
        Memory::Cga2 => (colour & 1) * 0xFF,
        _ => colour,
    };
    p.mem_write(dst, &vec![byte; len as usize]);
}
