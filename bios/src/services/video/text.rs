//! The screen as INT 10h sees it: the geometry in the BIOS data area, the cursor of each
//! page, characters and attributes in the text modes (dispatching to `graphics` in the
//! others), scrolling and the teletype (IBM VGA Technical Reference, "Video BIOS"; Ralf
//! Brown's list, INT 10/02-0E and 13).

use super::modes::{self, Mode};
use super::{graphics, vbe};
use crate::platform::{linear, Platform};
use crate::services::bda;

/// The current mode and the geometry the BIOS data area holds for it (a font load changes
/// the rows and the character height).
pub struct Screen {
    pub mode: &'static Mode,
    pub columns: u8,
    pub rows: u8,
    pub char_height: u8,
    pub page_size: u16,
}

impl Screen {
    /// The current standard mode, or None while a VBE mode is set (or the BIOS data area
    /// names no standard mode).
    pub fn current(p: &mut dyn Platform) -> Option<Screen> {
        if vbe::enabled(p) {
            return None;
        }
        let mode = modes::find(p.read_u8(bda::VIDEO_MODE) & 0x7F)?;
        let char_height = (p.read_u16(CHAR_HEIGHT) as u8).max(1);
        // The geometry as the BIOS data area gives it, within what the mode can show.
        let columns = (p.read_u16(bda::COLUMNS) as u8).clamp(1, mode.columns);
        let fit = (mode.height / u16::from(char_height)).clamp(1, 255) as u8;
        let rows = p.read_u8(bda::ROWS).saturating_add(1).clamp(1, fit);
        Some(Screen {
            mode,
            columns,
            rows,
            char_height,
            page_size: p.read_u16(bda::PAGE_SIZE),
        })
    }

    /// A page number within the pages that fit the mode's memory window.
    pub fn page(&self, page: u8) -> u8 {
        let window = if self.mode.segment == 0xA000 {
            0x10000
        } else {
            0x8000
        };
        let fit = (window / u32::from(self.page_size).max(1)).clamp(1, 8) as u8;
        page % fit.min(self.mode.pages.max(1))
    }

    /// The address of a text cell.
    fn cell(&self, page: u8, row: u8, col: u8) -> u32 {
        linear(self.mode.segment, 0)
            + u32::from(self.page(page)) * u32::from(self.page_size)
            + (u32::from(row) * u32::from(self.columns) + u32::from(col)) * 2
    }
}

/// Character height (bytes per character), 40:85.
pub const CHAR_HEIGHT: u32 = 0x485;
pub const PAGE_START: u32 = 0x44E;

pub fn cursor(p: &mut dyn Platform, page: u8) -> (u8, u8) {
    let v = p.read_u16(bda::CURSOR_POS + 2 * u32::from(page & 7));
    ((v >> 8) as u8, v as u8)
}

/// AH=02h: the page's cursor in the BIOS data area and, for the active page of a text
/// mode, in the CRTC.
pub fn set_cursor(p: &mut dyn Platform, page: u8, (row, col): (u8, u8)) {
    let page = page & 7;
    p.write_u16(
        bda::CURSOR_POS + 2 * u32::from(page),
        u16::from(row) << 8 | u16::from(col),
    );
    let Some(s) = Screen::current(p) else { return };
    if !s.mode.text() || page != p.read_u8(bda::ACTIVE_PAGE) {
        return;
    }
    let at = u32::from(s.page(page)) * u32::from(s.page_size) / 2
        + u32::from(row) * u32::from(s.columns)
        + u32::from(col);
    let crtc = p.read_u16(bda::CRTC_BASE);
    modes::set_indexed(p, crtc, 0x0E, (at >> 8) as u8);
    modes::set_indexed(p, crtc, 0x0F, at as u8);
}

/// AH=01h: the cursor's start and end lines (CH bit 5: hidden), as given, into the CRTC.
pub fn set_cursor_shape(p: &mut dyn Platform, shape: u16) {
    p.write_u16(bda::CURSOR_SHAPE, shape);
    let crtc = p.read_u16(bda::CRTC_BASE);
    modes::set_indexed(p, crtc, 0x0A, (shape >> 8) as u8 & 0x3F);
    modes::set_indexed(p, crtc, 0x0B, shape as u8 & 0x1F);
}

/// AH=05h: shows `page`.
pub fn set_page(p: &mut dyn Platform, page: u8) {
    let Some(s) = Screen::current(p) else { return };
    let page = s.page(page);
    p.write_u8(bda::ACTIVE_PAGE, page);
    let start = u32::from(page) * u32::from(s.page_size);
    p.write_u16(PAGE_START, start as u16);
    let at = if s.mode.text() { start / 2 } else { start };
    let crtc = p.read_u16(bda::CRTC_BASE);
    modes::set_indexed(p, crtc, 0x0C, (at >> 8) as u8);
    modes::set_indexed(p, crtc, 0x0D, at as u8);
    let pos = cursor(p, page);
    set_cursor(p, page, pos);
}

/// AH=09h (`attr` Some) and 0Ah (None: attributes stay): `count` characters from the
/// page's cursor, which does not move. In graphics modes `attr` is the colour.
pub fn write_chars(p: &mut dyn Platform, page: u8, c: u8, attr: Option<u8>, count: u16) {
    let Some(s) = Screen::current(p) else { return };
    let (row, col) = cursor(p, page);
    if !s.mode.text() {
        graphics::write_chars(
            p,
            s.mode,
            s.page(page),
            (row, col),
            s.columns,
            s.char_height,
            c,
            attr.unwrap_or(0x0F),
            count,
        );
        return;
    }
    let start = u32::from(row) * u32::from(s.columns) + u32::from(col);
    let end = u32::from(s.rows) * u32::from(s.columns);
    let at = s.cell(page, row, col);
    for i in 0..u32::from(count).min(end.saturating_sub(start)) {
        match attr {
            Some(a) => p.write_u16(at + 2 * i, u16::from(a) << 8 | u16::from(c)),
            None => p.write_u8(at + 2 * i, c),
        }
    }
}

/// AH=08h: the character and attribute at the page's cursor (graphics modes: the
/// character recognised and its colour).
pub fn read_char(p: &mut dyn Platform, page: u8) -> u16 {
    let Some(s) = Screen::current(p) else {
        return 0;
    };
    let pos = cursor(p, page);
    if s.mode.text() {
        p.read_u16(s.cell(page, pos.0, pos.1))
    } else {
        let (c, colour) = graphics::read_char(p, s.mode, s.page(page), pos, s.char_height);
        u16::from(colour) << 8 | u16::from(c)
    }
}

/// AH=06h (up) and 07h (down) on the active page: the window clamped to the screen.
pub fn scroll(p: &mut dyn Platform, window: (u8, u8, u8, u8), lines: u8, attr: u8, up: bool) {
    let Some(s) = Screen::current(p) else { return };
    let (top, left) = (window.0, window.1);
    let bottom = window.2.min(s.rows - 1);
    let right = window.3.min(s.columns - 1);
    if top > bottom || left > right {
        return;
    }
    let page = p.read_u8(bda::ACTIVE_PAGE);
    if !s.mode.text() {
        graphics::scroll(
            p,
            s.mode,
            s.page(page),
            (top, left, bottom, right),
            lines,
            attr,
            up,
            s.char_height,
        );
        return;
    }
    let rows = bottom - top + 1;
    let lines = if lines == 0 || lines > rows {
        rows
    } else {
        lines
    };
    let width = usize::from(right - left + 1) * 2;
    let blank: Vec<u8> = [b' ', attr].repeat(width / 2);
    let mut buf = vec![0; width];
    for i in 0..rows {
        let dst = if up { top + i } else { bottom - i };
        let dst_at = s.cell(page, dst, left);
        if i + lines < rows {
            let src = if up { dst + lines } else { dst - lines };
            p.mem_read(s.cell(page, src, left), &mut buf);
            p.mem_write(dst_at, &buf);
        } else {
            p.mem_write(dst_at, &blank);
        }
    }
}

/// One character of teletype output on `page`: BEL, BS, CR and LF act; others are written
/// at the cursor (with `attr` if given; in graphics modes `colour`), which advances, wraps
/// and scrolls the page up at the bottom.
pub fn teletype(p: &mut dyn Platform, page: u8, c: u8, attr: Option<u8>, colour: u8) {
    let Some(s) = Screen::current(p) else { return };
    let (mut row, mut col) = cursor(p, page);
    match c {
        7 => return,
        8 => col = col.saturating_sub(1),
        b'\r' => col = 0,
        b'\n' => row = row.saturating_add(1),
        _ => {
            if s.mode.text() {
                write_chars(p, page, c, attr, 1);
            } else {
                write_chars(p, page, c, Some(attr.unwrap_or(colour)), 1);
            }
            col = col.saturating_add(1);
        }
    }
    if col >= s.columns {
        col = 0;
        row = row.saturating_add(1);
    }
    if row >= s.rows {
        row = s.rows - 1;
        let blank = if s.mode.text() {
            (p.read_u16(s.cell(page, row, col)) >> 8) as u8
        } else {
            0
        };
        scroll(p, (0, 0, s.rows - 1, s.columns - 1), 1, blank, true);
    }
    set_cursor(p, page, (row, col));
}
