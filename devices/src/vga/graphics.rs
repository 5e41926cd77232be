//! The graphics-mode renderers (IBM VGA Technical Reference, "Graphics Modes"; FreeVGA
//! "Graphics Mode Register" shift register modes). Each character clock the CRTC fetches the
//! four planes' bytes at one offset; the graphics controller's shift mode (graphics mode
//! register bits 6-5) turns them into pixels:
//! - planar (00): eight 4-bit pixels, bit p from plane p (modes 0Dh-12h, and 06h with only
//!   plane 0 enabled);
//! - interleaved (01): eight 2-bit pixels, the first four from planes 0 (low bit pair) and 2
//!   (high pair), the next four from planes 1 and 3 (CGA modes 04h/05h);
//! - 256-colour (1x): four 8-bit pixels, one per plane, each two dots wide (mode 13h). As in
//!   QEMU, the byte is the DAC index; the attribute palette is not applied.
//!
//! Scanlines: double scan (CR09 bit 7) shows each line twice, and rows of CR09 + 1 lines
//! repeat their first line unless CR17 bits 0-1 put the row scan counter on the address (the
//! CGA interleave). The frame has one pixel per distinct line and per pixel, so mode 13h is
//! 320x200, mode 04h 320x200, mode 12h 640x480.

use super::registers::{Registers, CRTC_MODE, GC_MODE};
use super::{Frame, Vga};

/// How a character clock's four plane bytes become pixels.
#[derive(Clone, Copy)]
enum Shift {
    Planar,
    Interleaved,
    Color256,
}

impl Shift {
    fn of(regs: &Registers) -> Shift {
        let mode = regs.gc[GC_MODE];
        if mode & 0x40 != 0 {
            Shift::Color256
        } else if mode & 0x20 != 0 {
            Shift::Interleaved
        } else {
            Shift::Planar
        }
    }

    fn pixels_per_clock(self) -> u32 {
        match self {
            Shift::Color256 => 4,
            Shift::Planar | Shift::Interleaved => 8,
        }
    }
}

impl Vga {
    /// Graphics frame geometry: (width, height) in pixels.
    pub(super) fn graphics_geometry(&self) -> (u32, u32) {
        let regs = &self.regs;
        let width = regs.display_columns() * Shift::of(regs).pixels_per_clock();
        let mut lines = regs.vertical_display_end() + 1;
        if regs.double_scan() {
            lines = lines.div_ceil(2);
        }
        if self.rows_repeat() {
            lines = lines.div_ceil(regs.char_height());
        }
        (width, lines)
    }

    /// Rows repeat one line when neither row scan bit replaces an address bit.
    fn rows_repeat(&self) -> bool {
        self.regs.crtc[CRTC_MODE] & 3 == 3
    }

    pub(super) fn render_graphics(&self) -> Frame {
        let regs = &self.regs;
        let shift = Shift::of(regs);
        let (width, height) = self.graphics_geometry();
        let mut frame = Frame::black(width, height);
        let palette: Vec<u32> = match shift {
            Shift::Color256 => (0..=255).map(|i| self.dac.rgb(i)).collect(),
            Shift::Planar | Shift::Interleaved => (0..16)
                .map(|v| self.dac.rgb(regs.palette_index(v)))
                .collect(),
        };
        let per_clock = shift.pixels_per_clock() as usize;
        let mut lines_per_output = regs.scan_repeat();
        if self.rows_repeat() {
            lines_per_output *= regs.char_height();
        }
        // One character clock more than shown, for pel panning.
        let mut line = vec![0; width as usize + per_clock];
        let color256 = matches!(shift, Shift::Color256);
        for (y, out) in frame.pixels.chunks_exact_mut(width as usize).enumerate() {
            let physical = y as u32 * lines_per_output;
            let (line_start, scan) = regs.line_start(physical);
            for (clock, pixels) in line.chunks_exact_mut(per_clock).enumerate() {
                let offset = regs.plane_offset(line_start + clock as u32, scan) * 4;
                let planes = &self.vram[offset..offset + 4];
                for (x, pixel) in pixels.iter_mut().enumerate() {
                    *pixel = palette[usize::from(pixel_value(shift, planes, x))];
                }
            }
            let pan = regs.pel_panning(physical, color256) as usize;
            out.copy_from_slice(&line[pan..pan + width as usize]);
        }
        frame
    }
}

/// The value of pixel `x` of a character clock whose plane bytes are `planes`.
fn pixel_value(shift: Shift, planes: &[u8], x: usize) -> u8 {
    match shift {
        Shift::Color256 => planes[x],
        Shift::Planar => (0..4).fold(0, |v, p| v | (planes[p] >> (7 - x) & 1) << p),
        Shift::Interleaved => {
            let (low, high) = if x < 4 {
                (planes[0], planes[2])
            } else {
                (planes[1], planes[3])
            };
            let shift = 6 - 2 * (x % 4);
            (low >> shift & 3) | (high >> shift & 3) << 2
        }
    }
}
