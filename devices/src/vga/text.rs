//! The text-mode renderer (IBM VGA Technical Reference, "Alphanumeric Modes"; FreeVGA "VGA
//! Text Mode Operation"). Character codes come from plane 0 and attributes from plane 1 at the
//! CRTC's addresses; glyphs come from plane 2, where the guest or BIOS loaded its font: 32
//! bytes per glyph, one per scanline, in one of eight 8 KiB character maps chosen by the
//! character map select register and attribute bit 3. Cells are 8 or 9 dots wide; in 9-dot
//! mode the line-drawing characters C0h-DFh repeat their eighth column when attribute mode
//! control bit 2 is set, other characters show background there.

use super::registers::{
    ATTR_MODE, CRTC_CURSOR_END, CRTC_CURSOR_START, CRTC_UNDERLINE, SEQ_CHAR_MAP,
};
use super::{Blink, Frame, TextScreen, Vga};

/// Plane 2 offsets of the eight character maps (FreeVGA "Character Map Select Register").
const CHAR_MAP_BASES: [usize; 8] = [
    0x0000, 0x4000, 0x8000, 0xC000, 0x2000, 0x6000, 0xA000, 0xE000,
];
const GLYPH_BYTES: usize = 32;

impl Vga {
    /// Text geometry: (columns, rows, scanlines shown).
    pub(super) fn text_geometry(&self) -> (u32, u32, u32) {
        let regs = &self.regs;
        let mut lines = regs.vertical_display_end() + 1;
        if regs.double_scan() {
            lines = lines.div_ceil(2);
        }
        let rows = lines.div_ceil(regs.char_height());
        (regs.display_columns(), rows, lines)
    }

    fn plane_byte(&self, plane: usize, offset: usize) -> u8 {
        self.vram[(offset & 0xFFFF) * 4 + plane]
    }

    /// The characters and attributes of the text screen, row by row.
    pub(super) fn text_cells(&self) -> TextScreen {
        let (columns, rows, _) = self.text_geometry();
        let row_lines = self.regs.char_height() * self.regs.scan_repeat();
        let cells = (0..rows)
            .flat_map(|row| {
                let (start, scan) = self.regs.line_start(row * row_lines);
                (0..columns).map(move |col| (start + col, scan))
            })
            .map(|(counter, scan)| {
                let offset = self.regs.plane_offset(counter, scan);
                (self.plane_byte(0, offset), self.plane_byte(1, offset))
            })
            .collect();
        TextScreen {
            columns,
            rows,
            cells,
        }
    }

    /// Plane 2 offsets of the two character maps: (attribute bit 3 clear, set).
    fn char_maps(&self) -> (usize, usize) {
        let select = usize::from(self.regs.seq[SEQ_CHAR_MAP]);
        let map_b = (select >> 2 & 4) | (select & 3);
        let map_a = (select >> 3 & 4) | (select >> 2 & 3);
        (CHAR_MAP_BASES[map_b], CHAR_MAP_BASES[map_a])
    }

    /// Whether the cursor covers scanline `scan` of its cell: CR0A bit 5 disables it, and no
    /// cursor shows when its start scanline (CR0A) comes after its end (CR0B).
    fn cursor_covers(&self, scan: u32, blink: Blink) -> bool {
        let start = self.regs.crtc[CRTC_CURSOR_START];
        let end = u32::from(self.regs.crtc[CRTC_CURSOR_END] & 0x1F);
        blink.cursor_on && start & 0x20 == 0 && (u32::from(start & 0x1F)..=end).contains(&scan)
    }

    /// The glyph bits of one cell's scanline (bit 8 = first column, bit 0 = ninth) and its
    /// foreground and background colours.
    fn cell_line(&self, counter: u32, scan: u32, blink: Blink) -> (u16, u32, u32) {
        let offset = self.regs.plane_offset(counter, scan);
        let ch = self.plane_byte(0, offset);
        let attr = self.plane_byte(1, offset);
        let mode = self.regs.attr[ATTR_MODE];
        let (map_b, map_a) = self.char_maps();
        let map = if attr & 0x08 != 0 { map_a } else { map_b };
        let glyph_offset = map + usize::from(ch) * GLYPH_BYTES + scan as usize % GLYPH_BYTES;
        let mut glyph = u16::from(self.plane_byte(2, glyph_offset)) << 1;
        if mode & 0x04 != 0 && (0xC0..=0xDF).contains(&ch) {
            glyph |= glyph >> 1 & 1;
        }
        let mut fg = attr & 0x0F;
        let mut bg = attr >> 4;
        if mode & 0x08 != 0 {
            bg &= 0x07;
            if attr & 0x80 != 0 && !blink.char_on {
                fg = bg;
            }
        }
        let underline = u32::from(self.regs.crtc[CRTC_UNDERLINE] & 0x1F);
        if (scan == underline && attr & 0x77 == 0x01)
            || (counter == self.regs.cursor_address() && self.cursor_covers(scan, blink))
        {
            glyph = 0x1FF;
        }
        let colour = |v| self.dac.rgb(self.regs.palette_index(v));
        (glyph, colour(fg), colour(bg))
    }

    pub(super) fn render_text(&self, blink: Blink) -> Frame {
        let (cols, _, lines) = self.text_geometry();
        let dots = self.regs.dots_per_char();
        let width = cols * dots;
        let mut frame = Frame::black(width, lines);
        // One cell more than shown, for pel panning.
        let mut line = vec![0; ((cols + 1) * dots) as usize];
        for (y, out) in frame.pixels.chunks_exact_mut(width as usize).enumerate() {
            let physical = y as u32 * self.regs.scan_repeat();
            let (row_start, scan) = self.regs.line_start(physical);
            for (col, cell) in line.chunks_exact_mut(dots as usize).enumerate() {
                let (glyph, fg, bg) = self.cell_line(row_start + col as u32, scan, blink);
                for (x, pixel) in cell.iter_mut().enumerate() {
                    *pixel = if glyph >> (8 - x) & 1 != 0 { fg } else { bg };
                }
            }
            let pan = self.regs.pel_panning(physical, false) as usize;
            out.copy_from_slice(&line[pan..pan + width as usize]);
        }
        frame
    }
}
