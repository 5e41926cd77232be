//! Display timing from the CRTC, on the virtual clock: where the beam is at a given time,
//! for input status 1 (display enable and vertical retrace), and the frame count that drives
//! cursor and character blink.
//!
//! The dot clock is 25.175 or 28.322 MHz by misc output bits 3-2 (IBM VGA Technical
//! Reference, "Miscellaneous Output Register"), halved by clocking mode bit 3. A line is
//! CR00 + 5 character clocks of 8 or 9 dots; a frame is the vertical total (CR06 with its
//! overflow bits) + 2 lines. Mode 03h gives 900 x 449 dots at 28.322 MHz, a 70.1 Hz frame;
//! mode 12h gives 800 x 525 at 25.175 MHz, 59.9 Hz. Vertical retrace starts at CR10 (with
//! overflow bits) and ends when the line counter's low four bits reach CR11 bits 3-0.

use super::registers::{Registers, CRTC_H_TOTAL, CRTC_V_RETRACE_END, SEQ_CLOCKING};
use crate::io::Nanos;

/// Input status 1 bit 0: display disabled (the beam is in a blanking interval).
const IS1_DISPLAY_DISABLED: u8 = 0x01;
/// Input status 1 bit 3: vertical retrace.
const IS1_VERTICAL_RETRACE: u8 = 0x08;
/// Dot clocks selected by misc output bits 3-2 (2 and 3 are external clocks; they run at
/// the standard rates here).
const DOT_CLOCKS_HZ: [u128; 4] = [25_175_000, 28_322_000, 25_175_000, 28_322_000];
const NANOS_PER_SECOND: u128 = 1_000_000_000;

/// The frame geometry in dots and lines.
struct Geometry {
    clock_hz: u128,
    line_dots: u128,
    frame_lines: u128,
    display_dots: u128,
    display_lines: u128,
}

fn geometry(regs: &Registers) -> Geometry {
    let mut clock_hz = DOT_CLOCKS_HZ[usize::from(regs.misc >> 2 & 3)];
    if regs.seq[SEQ_CLOCKING] & 0x08 != 0 {
        clock_hz /= 2;
    }
    let dots = u128::from(regs.dots_per_char());
    let line_dots = (u128::from(regs.crtc[CRTC_H_TOTAL]) + 5) * dots;
    let frame_lines = u128::from(regs.vertical_total()) + 2;
    Geometry {
        clock_hz,
        line_dots,
        frame_lines,
        display_dots: u128::from(regs.display_columns()) * dots,
        display_lines: u128::from(regs.vertical_display_end()) + 1,
    }
}

/// Dots since power-on at `now`.
fn dots_at(g: &Geometry, now: Nanos) -> u128 {
    u128::from(now) * g.clock_hz / NANOS_PER_SECOND
}

/// Input status 1 at `now`.
pub(super) fn input_status_1(regs: &Registers, now: Nanos) -> u8 {
    let g = geometry(regs);
    let in_frame = dots_at(&g, now) % (g.line_dots * g.frame_lines);
    let line = in_frame / g.line_dots;
    let column = in_frame % g.line_dots;
    let start = u128::from(regs.vertical_retrace_start());
    let end_low = u128::from(regs.crtc[CRTC_V_RETRACE_END] & 0x0F);
    let length = match end_low.wrapping_sub(start) & 0x0F {
        0 => 16,
        n => n,
    };
    let mut status = 0;
    if line >= start && line < start + length {
        status |= IS1_VERTICAL_RETRACE;
    }
    if line >= g.display_lines || column >= g.display_dots {
        status |= IS1_DISPLAY_DISABLED;
    }
    status
}

/// Frames completed at `now`.
pub(super) fn frame_count(regs: &Registers, now: Nanos) -> u128 {
    let g = geometry(regs);
    dots_at(&g, now) / (g.line_dots * g.frame_lines)
}
