//! The VGA register file: miscellaneous output, feature control, sequencer, CRT controller,
//! graphics controller and attribute controller (IBM VGA Technical Reference, "Registers";
//! FreeVGA "VGA/SVGA Video Programming", register pages). Each indexed group keeps its index
//! register and its data registers; writable bits follow QEMU's `sr_mask`/`gr_mask` and its
//! attribute-controller write handling (hw/display/vga.c), which match the documented bits.

/// Sequencer registers 0-4 (reset, clocking mode, map mask, character map select, memory
/// mode); the index register has three bits, so indices 5-7 exist but hold nothing.
const SEQ_MASKS: [u8; 8] = [0x03, 0x3D, 0x0F, 0x3F, 0x0E, 0, 0, 0];
/// Graphics controller registers 0-8; four index bits, indices 9-15 hold nothing.
const GC_MASKS: [u8; 16] = [
    0x0F, 0x0F, 0x0F, 0x1F, 0x07, 0x7B, 0x0F, 0x0F, 0xFF, 0, 0, 0, 0, 0, 0, 0,
];
/// Attribute controller registers 00h-14h: 16 palette entries (6 bits), mode control (bit 4
/// reserved), overscan, colour plane enable (4 bits, the video status mux bits 5-4 are not
/// kept), horizontal pel panning and colour select (4 bits each).
const ATTR_MASKS: [u8; ATTR_COUNT] = [
    0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F,
    0xEF, 0xFF, 0x0F, 0x0F, 0x0F,
];
pub(super) const ATTR_COUNT: usize = 21;
/// CRTC registers 00h-18h.
pub(super) const CRTC_COUNT: usize = 25;

// Register indices used by the renderers and the memory path.
pub(super) const SEQ_CLOCKING: usize = 1;
pub(super) const SEQ_MAP_MASK: usize = 2;
pub(super) const SEQ_CHAR_MAP: usize = 3;
pub(super) const SEQ_MEMORY_MODE: usize = 4;
pub(super) const CRTC_H_TOTAL: usize = 0x00;
pub(super) const CRTC_H_DISPLAY_END: usize = 0x01;
pub(super) const CRTC_V_TOTAL: usize = 0x06;
pub(super) const CRTC_OVERFLOW: usize = 0x07;
pub(super) const CRTC_MAX_SCAN: usize = 0x09;
pub(super) const CRTC_CURSOR_START: usize = 0x0A;
pub(super) const CRTC_CURSOR_END: usize = 0x0B;
pub(super) const CRTC_START_HIGH: usize = 0x0C;
pub(super) const CRTC_START_LOW: usize = 0x0D;
pub(super) const CRTC_CURSOR_HIGH: usize = 0x0E;
pub(super) const CRTC_CURSOR_LOW: usize = 0x0F;
pub(super) const CRTC_V_RETRACE_START: usize = 0x10;
pub(super) const CRTC_V_RETRACE_END: usize = 0x11;
pub(super) const CRTC_V_DISPLAY_END: usize = 0x12;
pub(super) const CRTC_OFFSET: usize = 0x13;
pub(super) const CRTC_UNDERLINE: usize = 0x14;
pub(super) const CRTC_MODE: usize = 0x17;
pub(super) const CRTC_LINE_COMPARE: usize = 0x18;
pub(super) const GC_SET_RESET: usize = 0;
pub(super) const GC_ENABLE_SET_RESET: usize = 1;
pub(super) const GC_COLOR_COMPARE: usize = 2;
pub(super) const GC_ROTATE: usize = 3;
pub(super) const GC_READ_MAP: usize = 4;
pub(super) const GC_MODE: usize = 5;
pub(super) const GC_MISC: usize = 6;
pub(super) const GC_DONT_CARE: usize = 7;
pub(super) const GC_BIT_MASK: usize = 8;
pub(super) const ATTR_MODE: usize = 0x10;
pub(super) const ATTR_PLANE_ENABLE: usize = 0x12;
pub(super) const ATTR_PEL_PANNING: usize = 0x13;
pub(super) const ATTR_COLOR_SELECT: usize = 0x14;

/// CR11 bit 7: CR00-CR07 are write protected, except CR07 bit 4 (line compare bit 8).
const CR11_PROTECT: u8 = 0x80;
const CR07_ALWAYS_WRITABLE: u8 = 0x10;
/// Attribute address register bit 5: palette address source (set: the display reads the
/// palette, the screen is on).
pub(super) const ATTR_PAS: u8 = 0x20;

/// The registers, at their power-on value of zero (the BIOS programs a mode).
#[derive(Default)]
pub(super) struct Registers {
    pub misc: u8,
    pub feature: u8,
    /// Port 3C3h, the VGA subsystem enable register (bit 0), kept for read-back.
    pub vga_enable: u8,
    pub seq_index: u8,
    pub seq: [u8; 8],
    /// The CRTC index is kept whole, as QEMU does; indices past 18h select nothing.
    pub crtc_index: u8,
    pub crtc: [u8; CRTC_COUNT],
    pub gc_index: u8,
    pub gc: [u8; 16],
    /// Attribute address register: index in bits 4-0, palette address source in bit 5.
    pub attr_index: u8,
    pub attr: [u8; ATTR_COUNT],
    /// The attribute flip-flop: set when the next write to 3C0h is data.
    pub attr_data_next: bool,
}

impl Registers {
    pub fn write_seq_index(&mut self, value: u8) {
        self.seq_index = value & 0x07;
    }

    pub fn seq_data(&self) -> u8 {
        self.seq[usize::from(self.seq_index & 0x07)]
    }

    pub fn write_seq_data(&mut self, value: u8) {
        let i = usize::from(self.seq_index & 0x07);
        self.seq[i] = value & SEQ_MASKS[i];
    }

    pub fn write_gc_index(&mut self, value: u8) {
        self.gc_index = value & 0x0F;
    }

    pub fn gc_data(&self) -> u8 {
        self.gc[usize::from(self.gc_index & 0x0F)]
    }

    pub fn write_gc_data(&mut self, value: u8) {
        let i = usize::from(self.gc_index & 0x0F);
        self.gc[i] = value & GC_MASKS[i];
    }

    /// Reads of CRTC indices with no register give 0xFF, as an undriven bus does.
    pub fn crtc_data(&self) -> u8 {
        self.crtc
            .get(usize::from(self.crtc_index))
            .copied()
            .unwrap_or(0xFF)
    }

    pub fn write_crtc_data(&mut self, value: u8) {
        let i = usize::from(self.crtc_index);
        if i >= CRTC_COUNT {
            return;
        }
        if self.crtc[CRTC_V_RETRACE_END] & CR11_PROTECT != 0 && i <= CRTC_OVERFLOW {
            if i == CRTC_OVERFLOW {
                self.crtc[i] =
                    (self.crtc[i] & !CR07_ALWAYS_WRITABLE) | (value & CR07_ALWAYS_WRITABLE);
            }
            return;
        }
        self.crtc[i] = value;
    }

    /// A write to 3C0h: the index (with the palette address source) or the data, as the
    /// flip-flop says; the flip-flop toggles.
    pub fn write_attr(&mut self, value: u8) {
        if self.attr_data_next {
            let i = usize::from(self.attr_index & 0x1F);
            if let (Some(reg), Some(mask)) = (self.attr.get_mut(i), ATTR_MASKS.get(i)) {
                *reg = value & mask;
            }
        } else {
            self.attr_index = value & 0x3F;
        }
        self.attr_data_next = !self.attr_data_next;
    }

    /// 3C0h read: the address register while the flip-flop expects an index, else 0 (QEMU).
    pub fn attr_address(&self) -> u8 {
        if self.attr_data_next {
            0
        } else {
            self.attr_index
        }
    }

    /// 3C1h read: the selected attribute register, 0 past 14h.
    pub fn attr_data(&self) -> u8 {
        self.attr
            .get(usize::from(self.attr_index & 0x1F))
            .copied()
            .unwrap_or(0)
    }

    /// The CRTC, input status 1 and feature control write sit at 3Dxh when misc output
    /// bit 0 (I/O address select) is set, else at 3Bxh.
    pub fn crtc_base(&self) -> u16 {
        if self.misc & 0x01 != 0 {
            0x3D0
        } else {
            0x3B0
        }
    }

    /// Vertical display end (CR12 with bits 8 and 9 in CR07 bits 1 and 6), in scanlines
    /// minus one.
    pub fn vertical_display_end(&self) -> u32 {
        let overflow = self.crtc[CRTC_OVERFLOW];
        u32::from(self.crtc[CRTC_V_DISPLAY_END])
            | (u32::from(overflow >> 1) & 1) << 8
            | (u32::from(overflow >> 6) & 1) << 9
    }

    /// Vertical total (CR06, bits 8 and 9 in CR07 bits 0 and 5), in scanlines minus two.
    pub fn vertical_total(&self) -> u32 {
        let overflow = self.crtc[CRTC_OVERFLOW];
        u32::from(self.crtc[CRTC_V_TOTAL])
            | (u32::from(overflow) & 1) << 8
            | (u32::from(overflow >> 5) & 1) << 9
    }

    /// Vertical retrace start (CR10, bits 8 and 9 in CR07 bits 2 and 7).
    pub fn vertical_retrace_start(&self) -> u32 {
        let overflow = self.crtc[CRTC_OVERFLOW];
        u32::from(self.crtc[CRTC_V_RETRACE_START])
            | (u32::from(overflow >> 2) & 1) << 8
            | (u32::from(overflow >> 7) & 1) << 9
    }

    /// The CRTC start address (CR0C high, CR0D low), in character clocks.
    pub fn start_address(&self) -> u32 {
        u32::from(self.crtc[CRTC_START_HIGH]) << 8 | u32::from(self.crtc[CRTC_START_LOW])
    }

    /// The cursor location (CR0E high, CR0F low), in character clocks.
    pub fn cursor_address(&self) -> u32 {
        u32::from(self.crtc[CRTC_CURSOR_HIGH]) << 8 | u32::from(self.crtc[CRTC_CURSOR_LOW])
    }

    /// Scanlines per character row: CR09 bits 4-0 plus one.
    pub fn char_height(&self) -> u32 {
        u32::from(self.crtc[CRTC_MAX_SCAN] & 0x1F) + 1
    }

    /// CR09 bit 7: each scanline is shown twice.
    pub fn double_scan(&self) -> bool {
        self.crtc[CRTC_MAX_SCAN] & 0x80 != 0
    }

    /// Scanlines per displayed line: 2 with double scan, else 1.
    pub fn scan_repeat(&self) -> u32 {
        if self.double_scan() {
            2
        } else {
            1
        }
    }

    /// The line compare value (CR18, bit 8 in CR07 bit 4, bit 9 in CR09 bit 6).
    pub fn line_compare(&self) -> u32 {
        u32::from(self.crtc[CRTC_LINE_COMPARE])
            | (u32::from(self.crtc[CRTC_OVERFLOW] >> 4) & 1) << 8
            | (u32::from(self.crtc[CRTC_MAX_SCAN] >> 6) & 1) << 9
    }

    /// Where scanline `line` (counted from the top of the display) fetches from: the
    /// character clock its row starts at, and its row scan. The row scan advances every
    /// scanline (every second one with double scan) and the row address by the offset after
    /// the last row scan; after the line compare scanline both restart from 0, the split
    /// screen (FreeVGA "Line Compare Register").
    pub fn line_start(&self, line: u32) -> (u32, u32) {
        let compare = self.line_compare();
        let (base, since) = if line > compare {
            (0, line - compare - 1)
        } else {
            (self.start_address(), line)
        };
        let scan_index = since / self.scan_repeat();
        let height = self.char_height();
        (
            base + scan_index / height * self.row_offset(),
            scan_index % height,
        )
    }

    /// How many dots scanline `line` starts to the right of its first character clock:
    /// horizontal pel panning (FreeVGA "Horizontal Pixel Panning Register"): 8, 0-7 give
    /// 0-8 dots in 9-dot text, 0-7 dots otherwise, in 256-colour mode half as many pixels.
    /// Attribute mode bit 5 makes it 0 below the line compare.
    pub fn pel_panning(&self, line: u32, color256: bool) -> u32 {
        let value = u32::from(self.attr[ATTR_PEL_PANNING] & 0x0F);
        if self.attr[ATTR_MODE] & 0x20 != 0 && line > self.line_compare() {
            return 0;
        }
        if color256 {
            value >> 1 & 3
        } else if !self.graphics_mode() && self.dots_per_char() == 9 {
            if value >= 8 {
                0
            } else {
                value + 1
            }
        } else {
            value & 7
        }
    }

    /// Character clocks displayed per line (CR01 plus one).
    pub fn display_columns(&self) -> u32 {
        u32::from(self.crtc[CRTC_H_DISPLAY_END]) + 1
    }

    /// Dots per character clock: 8 when clocking mode bit 0 is set, else 9.
    pub fn dots_per_char(&self) -> u32 {
        if self.seq[SEQ_CLOCKING] & 0x01 != 0 {
            8
        } else {
            9
        }
    }

    /// Character clocks from one row to the next: twice the offset register (CR13).
    pub fn row_offset(&self) -> u32 {
        u32::from(self.crtc[CRTC_OFFSET]) * 2
    }

    /// Attribute mode control bit 0: graphics (set) or text.
    pub fn graphics_mode(&self) -> bool {
        self.attr[ATTR_MODE] & 0x01 != 0
    }

    /// The screen shows nothing: the palette address source is clear (the CPU owns the
    /// palette) or clocking mode bit 5 (screen off) is set.
    pub fn blanked(&self) -> bool {
        self.attr_index & ATTR_PAS == 0 || self.seq[SEQ_CLOCKING] & 0x20 != 0
    }

    /// Maps a 4-bit pixel value through colour plane enable and the attribute palette to a
    /// DAC index: bits 5-4 from the palette or colour select bits 1-0 (mode control bit 7),
    /// bits 7-6 from colour select bits 3-2.
    pub fn palette_index(&self, value: u8) -> u8 {
        let entry = self.attr[usize::from(value & self.attr[ATTR_PLANE_ENABLE] & 0x0F)];
        let select = self.attr[ATTR_COLOR_SELECT];
        let low = if self.attr[ATTR_MODE] & 0x80 != 0 {
            (entry & 0x0F) | (select & 0x03) << 4
        } else {
            entry & 0x3F
        };
        low | (select & 0x0C) << 4
    }

    /// Maps a CRTC character-clock address to a plane offset: doubleword mode (CR14 bit 6)
    /// rotates it left by two, word mode (CR17 bit 6 clear) by one with bit 13 or 15 (CR17
    /// bit 5) into bit 0; then CR17 bits 0 and 1 clear put row scan bits 0 and 1 on address
    /// bits 13 and 14 (the CGA and Hercules interleave).
    pub fn plane_offset(&self, counter: u32, row_scan: u32) -> usize {
        let mode = self.crtc[CRTC_MODE];
        let mut addr = if self.crtc[CRTC_UNDERLINE] & 0x40 != 0 {
            counter << 2 | (counter >> 14 & 3)
        } else if mode & 0x40 == 0 {
            let wrap_bit = if mode & 0x20 != 0 { 15 } else { 13 };
            counter << 1 | (counter >> wrap_bit & 1)
        } else {
            counter
        };
        if mode & 0x01 == 0 {
            addr = (addr & !(1 << 13)) | (row_scan & 1) << 13;
        }
        if mode & 0x02 == 0 {
            addr = (addr & !(1 << 14)) | (row_scan >> 1 & 1) << 14;
        }
        (addr & 0xFFFF) as usize
    }
}
