//! The Bochs VBE "DISPI" interface (Bochs iodev/vga.h and QEMU hw/display/vga.c, which
//! define it; Linux drivers/gpu/drm/tiny/bochs.c uses it): an index register at 1CEh and a
//! 16-bit data register at 1CFh selecting resolution, depth, the 64 KiB bank seen at A0000h,
//! the virtual (scrolling) width and the display offset. The framebuffer is the whole VRAM,
//! which the board maps as the linear framebuffer (`Vga::lfb_read`/`lfb_write`).

use super::dac::Dac;
use super::{Frame, VRAM_SIZE};

pub(super) const INDEX_PORT: u16 = 0x1CE;

const INDEX_ID: u16 = 0;
const INDEX_XRES: u16 = 1;
const INDEX_YRES: u16 = 2;
const INDEX_BPP: u16 = 3;
const INDEX_ENABLE: u16 = 4;
const INDEX_BANK: u16 = 5;
const INDEX_VIRT_WIDTH: u16 = 6;
const INDEX_VIRT_HEIGHT: u16 = 7;
const INDEX_X_OFFSET: u16 = 8;
const INDEX_Y_OFFSET: u16 = 9;
const INDEX_VIDEO_MEMORY_64K: u16 = 10;
const REGISTER_COUNT: usize = 10;

/// Interface versions a guest may select by writing the ID register.
const IDS: std::ops::RangeInclusive<u16> = 0xB0C0..=0xB0C5;
pub(super) const MAX_XRES: u16 = 1920;
pub(super) const MAX_YRES: u16 = 1200;
const MAX_BPP: u16 = 32;
const DEPTHS: [u16; 5] = [8, 15, 16, 24, 32];

pub(super) const ENABLED: u16 = 0x01;
/// While set, XRES, YRES and BPP read back the maximum values.
const GETCAPS: u16 = 0x02;
pub(super) const DAC_8BIT: u16 = 0x20;
pub(super) const NOCLEARMEM: u16 = 0x80;
/// 64 KiB banks in VRAM, minus one: the bank register's mask.
const BANK_MASK: u16 = (VRAM_SIZE >> 16) as u16 - 1;

/// The DISPI registers.
pub(super) struct Vbe {
    index: u16,
    regs: [u16; REGISTER_COUNT],
}

impl Vbe {
    pub fn new() -> Vbe {
        let mut regs = [0; REGISTER_COUNT];
        regs[usize::from(INDEX_ID)] = *IDS.start();
        regs[usize::from(INDEX_BPP)] = 8;
        Vbe { index: 0, regs }
    }

    fn reg(&self, index: u16) -> u16 {
        self.regs[usize::from(index)]
    }

    pub fn enabled(&self) -> bool {
        self.reg(INDEX_ENABLE) & ENABLED != 0
    }

    pub fn dac_8bit(&self) -> bool {
        self.reg(INDEX_ENABLE) & DAC_8BIT != 0
    }

    /// The VRAM offset the A0000h window shows while VBE is enabled.
    pub fn bank_base(&self) -> Option<usize> {
        self.enabled()
            .then(|| usize::from(self.reg(INDEX_BANK)) << 16)
    }

    pub fn index(&self) -> u16 {
        self.index
    }

    pub fn set_index(&mut self, index: u16) {
        self.index = index;
    }

    fn bytes_per_pixel(&self) -> usize {
        usize::from(self.reg(INDEX_BPP)).div_ceil(8)
    }

    fn line_bytes(&self) -> usize {
        usize::from(self.reg(INDEX_VIRT_WIDTH)) * self.bytes_per_pixel()
    }

    pub fn read_data(&self) -> u16 {
        let caps = self.reg(INDEX_ENABLE) & GETCAPS != 0;
        match self.index {
            INDEX_XRES if caps => MAX_XRES,
            INDEX_YRES if caps => MAX_YRES,
            INDEX_BPP if caps => MAX_BPP,
            INDEX_VIDEO_MEMORY_64K => (VRAM_SIZE >> 16) as u16,
            i => self.regs.get(usize::from(i)).copied().unwrap_or(0),
        }
    }

    /// Writes the selected register; invalid values are ignored, as QEMU does.
    pub fn write_data(&mut self, value: u16, vram: &mut [u8]) {
        let index = self.index;
        let slot = usize::from(index);
        match index {
            INDEX_ID if IDS.contains(&value) => self.regs[slot] = value,
            INDEX_XRES if value <= MAX_XRES && value.is_multiple_of(8) => self.regs[slot] = value,
            INDEX_YRES if value <= MAX_YRES => self.regs[slot] = value,
            INDEX_BPP => {
                let value = if value == 0 { 8 } else { value };
                if DEPTHS.contains(&value) {
                    self.regs[slot] = value;
                }
            }
            INDEX_BANK => self.regs[slot] = value & BANK_MASK,
            INDEX_ENABLE => self.write_enable(value, vram),
            INDEX_VIRT_WIDTH => self.write_virtual_width(value),
            INDEX_X_OFFSET | INDEX_Y_OFFSET => self.regs[slot] = value,
            _ => {}
        }
    }

    /// Enabling resets the virtual size to the resolution and the offsets to 0, and clears
    /// the visible framebuffer unless NOCLEARMEM is set.
    fn write_enable(&mut self, value: u16, vram: &mut [u8]) {
        if value & ENABLED != 0 && !self.enabled() {
            self.regs[usize::from(INDEX_VIRT_WIDTH)] = self.reg(INDEX_XRES);
            self.regs[usize::from(INDEX_VIRT_HEIGHT)] = self.reg(INDEX_YRES);
            self.regs[usize::from(INDEX_X_OFFSET)] = 0;
            self.regs[usize::from(INDEX_Y_OFFSET)] = 0;
            if value & NOCLEARMEM == 0 {
                let visible = usize::from(self.reg(INDEX_YRES)) * self.line_bytes();
                vram[..visible.min(VRAM_SIZE)].fill(0);
            }
        }
        if value & ENABLED == 0 {
            self.regs[usize::from(INDEX_BANK)] = 0;
        }
        self.regs[usize::from(INDEX_ENABLE)] = value;
    }

    /// A virtual width below the resolution, or one whose lines leave VRAM too short for
    /// the resolution's height, is ignored; otherwise the virtual height becomes what fits.
    fn write_virtual_width(&mut self, value: u16) {
        let line = usize::from(value) * self.bytes_per_pixel();
        if value < self.reg(INDEX_XRES) || line == 0 {
            return;
        }
        let height = VRAM_SIZE / line;
        if height < usize::from(self.reg(INDEX_YRES)) {
            return;
        }
        self.regs[usize::from(INDEX_VIRT_WIDTH)] = value;
        self.regs[usize::from(INDEX_VIRT_HEIGHT)] = height.min(usize::from(u16::MAX)) as u16;
    }

    /// Renders the framebuffer: 8 bpp through the DAC, 15/16 bpp as 5:5:5 / 5:6:5, 24 and
    /// 32 bpp as little-endian blue, green, red (and an unused byte). Bytes past VRAM read 0.
    pub fn render(&self, vram: &[u8], dac: &Dac) -> Frame {
        let width = u32::from(self.reg(INDEX_XRES));
        let height = u32::from(self.reg(INDEX_YRES));
        let bpp = self.bytes_per_pixel();
        let line = self.line_bytes();
        let start = usize::from(self.reg(INDEX_Y_OFFSET)) * line
            + usize::from(self.reg(INDEX_X_OFFSET)) * bpp;
        let depth = self.reg(INDEX_BPP);
        let mut frame = Frame::black(width, height);
        for (y, row) in frame
            .pixels
            .chunks_exact_mut(width.max(1) as usize)
            .enumerate()
        {
            for (x, pixel) in row.iter_mut().enumerate() {
                let at = start + y * line + x * bpp;
                let byte = |i: usize| u32::from(vram.get(at + i).copied().unwrap_or(0));
                let word = byte(0) | byte(1) << 8;
                *pixel = match depth {
                    8 => dac.rgb(byte(0) as u8),
                    15 => rgb(word >> 10, 5, word >> 5, 5, word, 5),
                    16 => rgb(word >> 11, 5, word >> 5, 6, word, 5),
                    _ => 0xFF00_0000 | byte(2) << 16 | byte(1) << 8 | byte(0),
                };
            }
        }
        frame
    }
}

/// Widens components of the given bit counts to 8 bits (top bits repeated) into 0xFFRRGGBB.
fn rgb(r: u32, r_bits: u32, g: u32, g_bits: u32, b: u32, b_bits: u32) -> u32 {
    let widen = |c: u32, bits: u32| {
        let c = c & ((1 << bits) - 1);
        (c << (8 - bits)) | (c >> (2 * bits - 8))
    };
    0xFF00_0000 | widen(r, r_bits) << 16 | widen(g, g_bits) << 8 | widen(b, b_bits)
}
