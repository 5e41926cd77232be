//! CPU access to video memory through the A0000h-BFFFFh window (IBM VGA Technical Reference,
//! "Graphics Controller Registers" and "Sequencer Registers"; FreeVGA "VGA Memory
//! Organization", "Read Modes", "Write Modes").
//!
//! The 256 KiB of VGA memory are four 64 KiB planes. Plane `p` at offset `o` is stored at
//! `vram[o * 4 + p]`, so a doubleword of VRAM holds the four planes' bytes at one offset (the
//! layout QEMU uses, which lets the Bochs VBE modes share the same memory).
//!
//! A CPU address becomes a plane offset and a set of planes by the addressing mode:
//! chain-4 (sequencer memory mode bit 3) selects the plane with address bits 1-0 and keeps the
//! address as the offset; odd/even (memory mode bit 2 clear for writes, graphics mode bit 4
//! for reads) selects plane 0/2 or 1/3 with bit 0 and clears it in the offset; otherwise the
//! map mask (writes) or read map select (reads) choose planes. Every read loads the four
//! latches; writes go through the write mode logic of the graphics controller.

use super::registers::{
    GC_BIT_MASK, GC_COLOR_COMPARE, GC_DONT_CARE, GC_ENABLE_SET_RESET, GC_MISC, GC_MODE,
    GC_READ_MAP, GC_ROTATE, GC_SET_RESET, SEQ_MAP_MASK, SEQ_MEMORY_MODE,
};
use super::Vga;

/// Size of one plane.
pub(super) const PLANE_SIZE: usize = 0x1_0000;
/// The windows of graphics controller miscellaneous register bits 3-2: (base, size).
const WINDOWS: [(u32, u32); 4] = [
    (0xA0000, 0x20000),
    (0xA0000, 0x10000),
    (0xB0000, 0x8000),
    (0xB8000, 0x8000),
];
/// Sequencer memory mode bits.
const SR04_ODD_EVEN_DISABLE: u8 = 0x04;
const SR04_CHAIN4: u8 = 0x08;
/// Graphics mode register bits.
const GR05_READ_MODE_1: u8 = 0x08;
const GR05_HOST_ODD_EVEN: u8 = 0x10;

/// Where a CPU byte access lands.
enum Target {
    /// Plane memory at this plane offset; `plane` is the chain-4 / odd-even plane, if the
    /// address selects one.
    Planes { offset: usize, plane: Option<usize> },
    /// The VBE bank window: a VRAM byte.
    Linear(usize),
}

impl Vga {
    /// Reads the byte at physical address `addr` (in A0000h-BFFFFh). Addresses outside the
    /// window the graphics controller selects read 0xFF.
    pub fn read_byte(&mut self, addr: u32) -> u8 {
        match self.target(addr) {
            Some(Target::Linear(i)) => self.vram.get(i).copied().unwrap_or(0xFF),
            Some(Target::Planes { offset, plane }) => self.read_planes(offset, plane),
            None => 0xFF,
        }
    }

    /// Writes the byte at physical address `addr`; writes outside the selected window are
    /// dropped.
    pub fn write_byte(&mut self, addr: u32, value: u8) {
        match self.target(addr) {
            Some(Target::Linear(i)) => {
                if let Some(byte) = self.vram.get_mut(i) {
                    *byte = value;
                    self.dirty = true;
                }
            }
            Some(Target::Planes { offset, plane }) => self.write_planes(offset, plane, value),
            None => {}
        }
    }

    /// Reads `size` (1, 2 or 4) bytes at `addr`, little-endian.
    pub fn mem_read(&mut self, addr: u32, size: u8) -> u32 {
        (0..size.min(4)).fold(0, |value, i| {
            value | u32::from(self.read_byte(addr.wrapping_add(u32::from(i)))) << (8 * i)
        })
    }

    /// Writes `size` (1, 2 or 4) bytes of `value` at `addr`, little-endian.
    pub fn mem_write(&mut self, addr: u32, size: u8, value: u32) {
        for i in 0..size.min(4) {
            self.write_byte(addr.wrapping_add(u32::from(i)), (value >> (8 * i)) as u8);
        }
    }

    fn target(&self, addr: u32) -> Option<Target> {
        if let Some(bank_base) = self.vbe.bank_base() {
            let offset = addr.checked_sub(0xA0000).filter(|&o| o < 0x10000)?;
            return Some(Target::Linear(bank_base + offset as usize));
        }
        let (base, size) = WINDOWS[usize::from(self.regs.gc[GC_MISC] >> 2 & 3)];
        let offset = addr.checked_sub(base).filter(|&o| o < size)? as usize;
        let mode = self.regs.seq[SEQ_MEMORY_MODE];
        Some(if mode & SR04_CHAIN4 != 0 {
            Target::Planes {
                offset: offset & !3 & (PLANE_SIZE - 1),
                plane: Some(offset & 3),
            }
        } else {
            Target::Planes {
                offset: offset & (PLANE_SIZE - 1),
                plane: None,
            }
        })
    }

    fn read_planes(&mut self, offset: usize, chain4_plane: Option<usize>) -> u8 {
        let odd_even = self.regs.gc[GC_MODE] & GR05_HOST_ODD_EVEN != 0;
        let (offset, plane) = match chain4_plane {
            Some(plane) => (offset, plane),
            None if odd_even => (
                offset & !1,
                usize::from(self.regs.gc[GC_READ_MAP] & 2) | (offset & 1),
            ),
            None => (offset, usize::from(self.regs.gc[GC_READ_MAP] & 3)),
        };
        let base = offset * 4;
        self.latch.copy_from_slice(&self.vram[base..base + 4]);
        if self.regs.gc[GC_MODE] & GR05_READ_MODE_1 == 0 {
            return self.latch[plane];
        }
        // Read mode 1: a bit is set where every plane not excluded by colour don't care
        // matches its colour compare bit.
        let compare = self.regs.gc[GC_COLOR_COMPARE];
        let care = self.regs.gc[GC_DONT_CARE];
        (0..4).filter(|p| care >> p & 1 != 0).fold(0xFF, |acc, p| {
            let want = if compare >> p & 1 != 0 { 0xFF } else { 0x00 };
            acc & !(self.latch[p] ^ want)
        })
    }

    fn write_planes(&mut self, offset: usize, chain4_plane: Option<usize>, value: u8) {
        let map_mask = self.regs.seq[SEQ_MAP_MASK] & 0x0F;
        let odd_even = self.regs.seq[SEQ_MEMORY_MODE] & SR04_ODD_EVEN_DISABLE == 0;
        let (offset, planes) = match chain4_plane {
            Some(plane) => (offset, map_mask & 1 << plane),
            None if odd_even => {
                let parity = if offset & 1 != 0 { 0b1010 } else { 0b0101 };
                (offset & !1, map_mask & parity)
            }
            None => (offset, map_mask),
        };
        let data = self.write_mode_data(value);
        let base = offset * 4;
        for (p, byte) in data.into_iter().enumerate() {
            if planes >> p & 1 != 0 {
                self.vram[base + p] = byte;
            }
        }
        self.dirty = true;
    }

    /// The bytes write modes 0-3 produce for the four planes from a CPU byte and the latches
    /// (FreeVGA "Write Modes"): rotate, set/reset, the logical function and the bit mask.
    fn write_mode_data(&self, value: u8) -> [u8; 4] {
        let gc = &self.regs.gc;
        let rotated = value.rotate_right(u32::from(gc[GC_ROTATE] & 7));
        let set_reset = gc[GC_SET_RESET];
        let expand = |bit: u8| if bit & 1 != 0 { 0xFF } else { 0x00 };
        let mut bit_mask = gc[GC_BIT_MASK];
        let mode = gc[GC_MODE] & 3;
        if mode == 1 {
            return self.latch;
        }
        let mut out = [0; 4];
        for (p, out) in out.iter_mut().enumerate() {
            let source = match mode {
                0 if gc[GC_ENABLE_SET_RESET] >> p & 1 != 0 => expand(set_reset >> p),
                0 => rotated,
                2 => expand(value >> p),
                _ => expand(set_reset >> p),
            };
            if mode == 3 {
                bit_mask = gc[GC_BIT_MASK] & rotated;
            }
            let latch = self.latch[p];
            let combined = match gc[GC_ROTATE] >> 3 & 3 {
                0 => source,
                1 => source & latch,
                2 => source | latch,
                _ => source ^ latch,
            };
            *out = (combined & bit_mask) | (latch & !bit_mask);
        }
        out
    }
}
