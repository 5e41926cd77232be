//! A standard VGA adapter with the Bochs VBE extension, as QEMU's `-vga std` (IBM VGA
//! Technical Reference; FreeVGA; Bochs/QEMU for the DISPI interface and where the manuals are
//! silent).
//!
//! Ports: the VGA registers at 3B0h-3DFh (`PORTS`), with the CRTC, input status 1 and the
//! feature control write at 3Bxh or 3Dxh as misc output bit 0 selects (the other set reads
//! 0xFF and ignores writes), and the DISPI index/data pair at 1CEh/1CFh. Multi-byte accesses
//! to the VGA ports are consecutive byte accesses (`out dx, ax` to 3C4h writes index and
//! data); the DISPI ports are 16 bits wide.
//!
//! Memory: `read_byte`/`write_byte` (and `mem_read`/`mem_write`) take physical addresses in
//! A0000h-BFFFFh; `lfb_read`/`lfb_write` take offsets into the linear framebuffer, the whole
//! 16 MiB VRAM, which the board maps on a PCI BAR.
//!
//! Display: `render` returns a new `Frame` when something changed since the last one (memory
//! or register writes, or the blink phase of a text screen), and `text_screen` gives the
//! characters and attributes of a text mode. Input status 1's retrace and display-enable bits
//! and the blink phases come from the CRTC timing on the virtual clock (`timing`).

mod dac;
mod graphics;
mod memory;
mod registers;
mod text;
mod timing;
mod vbe;

#[cfg(test)]
mod tests;

use crate::io::{Nanos, PortIo};
use dac::Dac;
use registers::Registers;
use vbe::Vbe;

/// The port ranges the adapter decodes: (first port, count).
pub const PORTS: &[(u16, u16)] = &[(0x3B0, 0x30), (vbe::INDEX_PORT, 2)];
/// Video memory: the linear framebuffer; its first 256 KiB hold the four VGA planes.
pub const VRAM_SIZE: usize = 16 << 20;
/// The legacy memory window the adapter decodes: (base, size).
pub const LEGACY_WINDOW: (u32, u32) = (0xA0000, 0x20000);
/// The largest VBE mode.
pub const VBE_MAX_RESOLUTION: (u16, u16) = (vbe::MAX_XRES, vbe::MAX_YRES);

/// A rendered screen: `width` x `height` pixels, row by row, each `0xAARRGGBB` with alpha
/// 0xFF (the 0RGB word minifb takes, with an opaque alpha).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u32>,
}

impl Frame {
    fn black(width: u32, height: u32) -> Frame {
        Frame {
            width,
            height,
            pixels: vec![0xFF00_0000; width as usize * height as usize],
        }
    }
}

/// The text on a text-mode screen: `cells` holds `columns` x `rows` (character,
/// attribute) pairs, row by row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextScreen {
    pub columns: u32,
    pub rows: u32,
    pub cells: Vec<(u8, u8)>,
}

/// The blink phases of a text screen: the cursor shows for 8 frames of every 16, blinking
/// characters show their foreground for 16 frames of every 32 (IBM VGA Technical Reference:
/// cursor blink at 1/16 and character blink at 1/32 of the vertical rate).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Blink {
    cursor_on: bool,
    char_on: bool,
}

/// The VGA adapter.
pub struct Vga {
    regs: Registers,
    dac: Dac,
    vbe: Vbe,
    /// VRAM_SIZE bytes; plane p at offset o is `vram[o * 4 + p]`.
    vram: Vec<u8>,
    latch: [u8; 4],
    /// Something that affects the picture changed since the last frame.
    dirty: bool,
    /// The blink phases the last frame was drawn with.
    drawn_blink: Blink,
    frame: Frame,
}

impl Default for Vga {
    fn default() -> Vga {
        Vga::new()
    }
}

impl Vga {
    /// A VGA at power-on: every register zero (the BIOS sets a mode), DAC black, VRAM clear.
    pub fn new() -> Vga {
        Vga {
            regs: Registers::default(),
            dac: Dac::new(),
            vbe: Vbe::new(),
            vram: vec![0; VRAM_SIZE],
            latch: [0; 4],
            dirty: true,
            drawn_blink: Blink {
                cursor_on: true,
                char_on: true,
            },
            frame: Frame::black(0, 0),
        }
    }

    /// Hardware reset: registers, DAC and DISPI state return to power-on; VRAM keeps its
    /// contents, as on the real card.
    pub fn reset(&mut self) {
        self.regs = Registers::default();
        self.dac = Dac::new();
        self.vbe = Vbe::new();
        self.latch = [0; 4];
        self.dirty = true;
    }

    /// Reads `size` bytes at `offset` in the linear framebuffer, little-endian; bytes past
    /// VRAM read 0xFF.
    pub fn lfb_read(&self, offset: u32, size: u8) -> u32 {
        (0..size.min(4)).fold(0, |value, i| {
            let at = (offset as usize).wrapping_add(usize::from(i));
            value | u32::from(self.vram.get(at).copied().unwrap_or(0xFF)) << (8 * i)
        })
    }

    /// Writes `size` bytes of `value` at `offset` in the linear framebuffer; bytes past VRAM
    /// are dropped.
    pub fn lfb_write(&mut self, offset: u32, size: u8, value: u32) {
        for i in 0..size.min(4) {
            let at = (offset as usize).wrapping_add(usize::from(i));
            if let Some(byte) = self.vram.get_mut(at) {
                *byte = (value >> (8 * i)) as u8;
                self.dirty = true;
            }
        }
    }

    fn blink(&self, now: Nanos) -> Blink {
        let frames = timing::frame_count(&self.regs, now);
        Blink {
            cursor_on: frames % 16 < 8,
            char_on: frames % 32 < 16,
        }
    }

    fn shows_text(&self) -> bool {
        !self.vbe.enabled() && !self.regs.graphics_mode()
    }

    /// Renders the screen at virtual time `now` if it changed since the last frame;
    /// otherwise returns `None` (the last frame is still `frame()`).
    pub fn render(&mut self, now: Nanos) -> Option<&Frame> {
        let blink = self.blink(now);
        if !(self.dirty || self.shows_text() && blink != self.drawn_blink) {
            return None;
        }
        self.dirty = false;
        self.drawn_blink = blink;
        self.frame = if self.vbe.enabled() {
            self.vbe.render(&self.vram, &self.dac)
        } else if self.regs.graphics_mode() {
            let frame = self.render_graphics();
            self.blank_if_off(frame)
        } else {
            let frame = self.render_text(blink);
            self.blank_if_off(frame)
        };
        Some(&self.frame)
    }

    fn blank_if_off(&self, frame: Frame) -> Frame {
        if self.regs.blanked() {
            Frame::black(frame.width, frame.height)
        } else {
            frame
        }
    }

    /// The last rendered frame.
    pub fn frame(&self) -> &Frame {
        &self.frame
    }

    /// In a text mode, the characters and attributes on screen.
    pub fn text_screen(&self) -> Option<TextScreen> {
        self.shows_text().then(|| self.text_cells())
    }

    fn read_register(&mut self, now: Nanos, port: u16) -> u8 {
        let crtc_base = self.regs.crtc_base();
        match port {
            0x3C0 => self.regs.attr_address(),
            0x3C1 => self.regs.attr_data(),
            // Input status 0: no switch sense or CRT interrupt (QEMU's st00).
            0x3C2 => 0x00,
            0x3C3 => self.regs.vga_enable,
            0x3C4 => self.regs.seq_index,
            0x3C5 => self.regs.seq_data(),
            0x3C6 => self.dac.mask,
            0x3C7 => self.dac.state(),
            0x3C8 => self.dac.write_index(),
            0x3C9 => self.dac.read_data(),
            0x3CA => self.regs.feature,
            0x3CC => self.regs.misc,
            0x3CE => self.regs.gc_index,
            0x3CF => self.regs.gc_data(),
            p if p == crtc_base + 4 => self.regs.crtc_index,
            p if p == crtc_base + 5 => self.regs.crtc_data(),
            p if p == crtc_base + 0xA => {
                self.regs.attr_data_next = false;
                timing::input_status_1(&self.regs, now)
            }
            _ => 0xFF,
        }
    }

    fn write_register(&mut self, port: u16, value: u8) {
        let crtc_base = self.regs.crtc_base();
        match port {
            0x3C0 => self.regs.write_attr(value),
            // Misc output bit 4 is reserved (QEMU masks it).
            0x3C2 => self.regs.misc = value & !0x10,
            0x3C3 => self.regs.vga_enable = value & 0x01,
            0x3C4 => self.regs.write_seq_index(value),
            0x3C5 => self.regs.write_seq_data(value),
            0x3C6 => self.dac.mask = value,
            0x3C7 => self.dac.set_read_index(value),
            0x3C8 => self.dac.set_write_index(value),
            0x3C9 => self.dac.write_data(value),
            0x3CE => self.regs.write_gc_index(value),
            0x3CF => self.regs.write_gc_data(value),
            p if p == crtc_base + 4 => self.regs.crtc_index = value,
            p if p == crtc_base + 5 => self.regs.write_crtc_data(value),
            p if p == crtc_base + 0xA => self.regs.feature = value,
            _ => return,
        }
        self.dirty = true;
    }
}

/// The bits a `size`-byte access returns.
fn size_mask(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

impl PortIo for Vga {
    fn read(&mut self, now: Nanos, port: u16, size: u8) -> u32 {
        match port {
            vbe::INDEX_PORT => u32::from(self.vbe.index()) & size_mask(size),
            p if p == vbe::INDEX_PORT + 1 => u32::from(self.vbe.read_data()) & size_mask(size),
            _ => (0..size.min(4)).fold(0, |value, i| {
                let byte = self.read_register(now, port.wrapping_add(u16::from(i)));
                value | u32::from(byte) << (8 * i)
            }),
        }
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
        match port {
            vbe::INDEX_PORT => self.vbe.set_index(value as u16),
            p if p == vbe::INDEX_PORT + 1 => {
                self.vbe.write_data(value as u16, &mut self.vram);
                self.dac.eight_bit = self.vbe.dac_8bit();
                self.dirty = true;
            }
            _ => {
                for i in 0..size.min(4) {
                    let byte = (value >> (8 * i)) as u8;
                    self.write_register(port.wrapping_add(u16::from(i)), byte);
                }
            }
        }
    }
}
