//! Character generator functions, INT 10h AH=11h (IBM VGA Technical Reference, "Character
//! Generator Routines"; Ralf Brown's list, INT 10/11): fonts loaded into plane 2's
//! character blocks, with the CRTC recalculated for the font's height in the 1xh variants;
//! the graphics font vectors (INT 1Fh, 43h); where the ROM's fonts are (AL=30h).

use super::modes::{self, set_indexed, Mode};
use super::rom_font;
use super::text::{Screen, CHAR_HEIGHT};
use crate::fonts::{FONT_8X14, FONT_8X16, FONT_8X8};
use crate::platform::{linear, Platform, Regs};
use crate::rom::SEGMENT;
use crate::services::bda;
use amber_cpu::state::reg::{EBP, EBX, ECX, EDX};
use amber_cpu::Seg;

/// Where character block `block` (0-7) starts in plane 2, in the A0000h window while plane
/// 2 is mapped there (IBM VGA Technical Reference, Character Map Select register).
fn block_offset(block: u8) -> u32 {
    u32::from(block & 3) * 0x4000 + u32::from(block >> 2 & 1) * 0x2000
}

/// Writes `count` glyphs of `height` bytes, from character `first` of block `block`, into
/// plane 2, then restores the text mode's memory mapping.
pub fn load(p: &mut dyn Platform, m: &Mode, block: u8, first: u16, height: u8, glyphs: &[u8]) {
    set_indexed(p, 0x3C4, 2, 0x04);
    set_indexed(p, 0x3C4, 4, 0x07);
    set_indexed(p, 0x3CE, 4, 0x02);
    set_indexed(p, 0x3CE, 5, 0x00);
    set_indexed(p, 0x3CE, 6, 0x04);
    let base = 0xA0000 + block_offset(block);
    let height = usize::from(height).clamp(1, 32);
    for (i, glyph) in glyphs.chunks(height).enumerate() {
        let c = u32::from(first) + i as u32;
        if c > 0xFF {
            break;
        }
        p.mem_write(base + c * 32, glyph);
    }
    set_indexed(p, 0x3C4, 2, m.seq[1]);
    set_indexed(p, 0x3C4, 4, m.seq[3]);
    set_indexed(p, 0x3CE, 4, m.gc[4]);
    set_indexed(p, 0x3CE, 5, m.gc[5]);
    set_indexed(p, 0x3CE, 6, m.gc[6]);
}

/// After a 1xh load: the cell height, the cursor, and the rows that fit the display.
fn recalculate(p: &mut dyn Platform, s: &Screen, height: u8) {
    let crtc = p.read_u16(bda::CRTC_BASE);
    let max_scan = modes::indexed(p, crtc, 0x09);
    set_indexed(p, crtc, 0x09, (max_scan & 0xE0) | (height - 1));
    // The cursor: the cell's last two lines but one (as mode 03h's 0Dh-0Eh on 16 lines),
    // the last two in cells of 8 lines or fewer.
    let (start, end) = if height > 8 {
        (height - 3, height - 2)
    } else {
        (height.saturating_sub(2), height - 1)
    };
    set_indexed(p, crtc, 0x0A, start);
    set_indexed(p, crtc, 0x0B, end);
    if s.mode.misc & 1 == 0 {
        set_indexed(p, crtc, 0x14, height - 1);
    }
    let overflow = modes::indexed(p, crtc, 0x07);
    let display_end = u16::from(modes::indexed(p, crtc, 0x12))
        | u16::from(overflow >> 1 & 1) << 8
        | u16::from(overflow >> 6 & 1) << 9;
    let rows = ((display_end + 1) / u16::from(height)).clamp(1, 255) as u8;
    p.write_u8(bda::ROWS, rows - 1);
    p.write_u16(CHAR_HEIGHT, u16::from(height));
    // The page: the screen's bytes rounded up to 2 KiB, as SeaBIOS's VGA BIOS keeps it.
    let page = (u32::from(rows) * u32::from(s.columns) * 2).next_multiple_of(0x800);
    p.write_u16(bda::PAGE_SIZE, page.min(0xF800) as u16);
    p.write_u16(bda::CURSOR_SHAPE, u16::from(start) << 8 | u16::from(end));
}

fn set_vector(p: &mut dyn Platform, vector: u32, seg: u16, off: u16) {
    p.write_u32(vector * 4, u32::from(seg) << 16 | u32::from(off));
}

/// AH=11h.
pub fn int10_11(r: &mut Regs, p: &mut dyn Platform) {
    let Some(s) = Screen::current(p) else { return };
    let (bl, bh) = (r.get(EBX) as u8, (r.get(EBX) >> 8) as u8);
    let es_bp = (r.seg(Seg::Es), r.get(EBP));
    let al = r.al();
    let rom: Option<(&[u8], u8)> = match al & 0x0F {
        1 => Some((&FONT_8X14, 14)),
        2 => Some((&FONT_8X8, 8)),
        4 => Some((&FONT_8X16, 16)),
        _ => None,
    };
    match al {
        0x00 | 0x10 if s.mode.text() => {
            let height = bh.clamp(1, 32);
            let count = usize::from(r.get(ECX)).min(256);
            let mut glyphs = vec![0; count * usize::from(height)];
            p.mem_read(linear(es_bp.0, es_bp.1), &mut glyphs);
            load(p, s.mode, bl, r.get(EDX), height, &glyphs);
            if al == 0x10 {
                recalculate(p, &s, height);
            }
        }
        0x01 | 0x02 | 0x04 | 0x11 | 0x12 | 0x14 if s.mode.text() => {
            if let Some((font, height)) = rom {
                load(p, s.mode, bl, 0, height, font);
                if al & 0x10 != 0 {
                    recalculate(p, &s, height);
                }
            }
        }
        0x03 => modes::set_indexed(p, 0x3C4, 3, bl),
        0x20 => set_vector(p, 0x1F, es_bp.0, es_bp.1),
        0x21 => {
            set_vector(p, 0x43, es_bp.0, es_bp.1);
            graphics_rows(p, bl, r.get(EDX) as u8, r.get(ECX));
        }
        0x22..=0x24 => {
            let height = [14, 8, 16][usize::from(al - 0x22)];
            set_vector(p, 0x43, SEGMENT, rom_font(height));
            graphics_rows(p, bl, r.get(EDX) as u8, u16::from(height));
        }
        0x30 => {
            let (seg, off) = match bh {
                0 | 1 => {
                    let v = p.read_u32(if bh == 0 { 0x1F * 4 } else { 0x43 * 4 });
                    ((v >> 16) as u16, v as u16)
                }
                2 => (SEGMENT, rom_font(14)),
                3 => (SEGMENT, rom_font(8)),
                4 => (SEGMENT, rom_font(8) + 0x400),
                6 => (SEGMENT, rom_font(16)),
                _ => (SEGMENT, super::EMPTY_SUPPLEMENT),
            };
            r.set_seg(Seg::Es, seg);
            r.set(EBP, off);
            r.set(ECX, p.read_u16(CHAR_HEIGHT));
            r.set(EDX, (r.get(EDX) & 0xFF00) | u16::from(p.read_u8(bda::ROWS)));
        }
        _ => {}
    }
}

/// AH=11h AL=21h-24h: the graphics rows: BL 0 = DL rows, 1 = 14, 2 = 25, 3 = 43.
fn graphics_rows(p: &mut dyn Platform, bl: u8, dl: u8, height: u16) {
    let rows = match bl {
        0 => dl,
        1 => 14,
        2 => 25,
        3 => 43,
        _ => return,
    };
    p.write_u8(bda::ROWS, rows.saturating_sub(1));
    p.write_u16(CHAR_HEIGHT, height);
}
