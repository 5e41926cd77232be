//! The bus-master IDE function of the PIIX3 (82371SB datasheet, "Bus Master IDE I/O
//! Registers", and SFF-8038i, which it implements): per channel a command register (BMICOM),
//! a status register (BMISTA) and the address of a table of physical region descriptors
//! (BMIDTP), 8 bytes per channel in the 16-byte I/O block that the IDE function's BAR4
//! places.
//!
//! A descriptor is two dwords: the physical base of a region (bit 0 ignored), and its byte
//! count in bits 15-1 (0 means 64 KiB) with end of table (EOT) in bit 31. The table may not
//! cross a 64 KiB boundary, so the walk ends there whether or not an entry has EOT: at most
//! 8192 regions per command.
//!
//! Decisions where hardware and QEMU differ or the datasheet is silent:
//! - Registers are bytes; wider accesses are split into byte accesses at consecutive
//!   offsets. The reserved bytes 1 and 3 read as 0 (QEMU reads them as FFh).
//! - The direction comes from the ATA command, as in QEMU; the read/write control bit is
//!   kept but not checked against it.
//! - A table longer than the data leaves Active set and a shorter one moves nothing, clears
//!   Active and gets no interrupt, with the error bit clear: the SFF-8038i status table
//!   (Interrupt 1/Active 1: "the controller has not reached the end of the PRD table";
//!   Interrupt 0/Active 0, Error 0: "the PRD specified a smaller size than the IDE transfer
//!   size"). QEMU agrees for the short table; it clears Active after a long one.
//! - Every transfer starts at the table's first entry.

use super::AtaChannel;
use crate::dma::DmaMemory;

/// BMICOM: start/stop bus master, and read/write control (1: the bus master writes memory).
pub const START: u8 = 0x01;
pub const WRITE_TO_MEMORY: u8 = 0x08;

/// BMISTA: bus master active, DMA error and interrupt (both write 1 to clear), drive 0 and
/// drive 1 DMA capable (read/write).
pub const ACTIVE: u8 = 0x01;
pub const ERROR: u8 = 0x02;
pub const INTERRUPT: u8 = 0x04;
const DMA_CAPABLE: u8 = 0x60;

/// Bytes of I/O space behind BAR4, and the bytes of each channel's block in it.
pub const PORTS: u16 = 16;
const CHANNEL_PORTS: u16 = 8;

/// Descriptor bit 31 of the second dword: the last region of the table.
const EOT: u32 = 0x8000_0000;
/// The table stays inside one 64 KiB block (datasheet, BMIDTP).
const TABLE_BLOCK: u32 = 0x1_0000;
/// Bytes per descriptor.
const DESCRIPTOR: u32 = 8;

/// A channel's bus-master registers.
#[derive(Clone, Copy, Debug, Default)]
pub struct BusMaster {
    command: u8,
    status: u8,
    table: u32,
}

/// One physical region of guest memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub addr: u32,
    pub len: u32,
}

impl BusMaster {
    /// The register byte at `offset` (0-7) of the channel's block.
    pub fn read(&self, offset: u16) -> u8 {
        match offset {
            0 => self.command,
            2 => self.status,
            4..=7 => (self.table >> (8 * (offset - 4))) as u8,
            _ => 0,
        }
    }

    /// A write of the register byte at `offset` (0-7). Setting Start sets Active and clearing
    /// it clears Active; a write that keeps Start as it was changes neither.
    pub fn write(&mut self, offset: u16, value: u8) {
        match offset {
            0 => {
                if (value ^ self.command) & START != 0 {
                    self.status = if value & START != 0 {
                        self.status | ACTIVE
                    } else {
                        self.status & !ACTIVE
                    };
                }
                self.command = value & (START | WRITE_TO_MEMORY);
            }
            2 => {
                self.status = value & DMA_CAPABLE
                    | self.status & ACTIVE
                    | self.status & !value & (ERROR | INTERRUPT);
            }
            4..=7 => {
                let shift = 8 * (offset - 4);
                self.table = (self.table & !(0xFF << shift) | u32::from(value) << shift) & !3;
            }
            _ => {}
        }
    }

    /// Whether the bus master is started and has not finished its table.
    pub fn active(&self) -> bool {
        self.status & ACTIVE != 0
    }

    /// The IDE device asserted INTRQ.
    pub fn interrupt(&mut self) {
        self.status |= INTERRUPT;
    }

    /// The end of a transfer: Active stays set only if regions of the table were left over.
    pub fn finish(&mut self, regions_left: bool) {
        if !regions_left {
            self.status &= !ACTIVE;
        }
    }

    /// The regions of the descriptor table, up to the entry with EOT or the end of the
    /// table's 64 KiB block.
    pub fn regions(&self, mem: &dyn DmaMemory) -> Vec<Region> {
        let mut regions = Vec::new();
        let mut at = self.table;
        loop {
            let mut entry = [0u8; DESCRIPTOR as usize];
            mem.read(at, &mut entry);
            let [a0, a1, a2, a3, c0, c1, c2, c3] = entry;
            let flags = u32::from_le_bytes([c0, c1, c2, c3]);
            let len = match flags & 0xFFFE {
                0 => 0x1_0000,
                n => n,
            };
            regions.push(Region {
                addr: u32::from_le_bytes([a0, a1, a2, a3]) & !1,
                len,
            });
            let next = at.wrapping_add(DESCRIPTOR);
            if flags & EOT != 0 || next / TABLE_BLOCK != self.table / TABLE_BLOCK {
                return regions;
            }
            at = next;
        }
    }
}

/// A position in a list of regions, moving data to or from guest memory in order.
pub struct Cursor {
    regions: Vec<Region>,
    index: usize,
    offset: u32,
}

impl Cursor {
    pub fn new(regions: Vec<Region>) -> Cursor {
        Cursor {
            regions,
            index: 0,
            offset: 0,
        }
    }

    /// Bytes the regions hold in all.
    pub fn capacity(&self) -> u64 {
        self.regions.iter().map(|r| u64::from(r.len)).sum()
    }

    /// Whether bytes of the regions are left after the position.
    pub fn left_over(&self) -> bool {
        self.index < self.regions.len()
    }

    /// The next piece of at most `max` bytes: its address, and its length.
    fn next(&mut self, max: usize) -> Option<(u32, usize)> {
        let r = *self.regions.get(self.index)?;
        let n = ((r.len - self.offset) as usize).min(max);
        let addr = r.addr.wrapping_add(self.offset);
        self.offset += n as u32;
        if self.offset == r.len {
            self.index += 1;
            self.offset = 0;
        }
        Some((addr, n))
    }

    /// Writes `data` to memory at the position; what does not fit is dropped.
    pub fn write(&mut self, mem: &mut dyn DmaMemory, data: &[u8]) {
        let mut done = 0;
        while done < data.len() {
            let Some((addr, n)) = self.next(data.len() - done) else {
                return;
            };
            mem.write(addr, &data[done..done + n]);
            done += n;
        }
    }

    /// Fills `buf` from memory at the position; what the regions do not cover is left.
    pub fn read(&mut self, mem: &dyn DmaMemory, buf: &mut [u8]) {
        let mut done = 0;
        while done < buf.len() {
            let Some((addr, n)) = self.next(buf.len() - done) else {
                return;
            };
            mem.read(addr, &mut buf[done..done + n]);
            done += n;
        }
    }
}

/// The channel and register offset of byte `i` of an access at `offset`, if it is inside
/// the block (offsets 0-7 are the primary channel's registers, 8-15 the secondary's).
fn place(offset: u16, i: u16) -> Option<(usize, u16)> {
    let at = offset.checked_add(i).filter(|&a| a < PORTS)?;
    Some((usize::from(at / CHANNEL_PORTS), at % CHANNEL_PORTS))
}

/// Reads `size` bytes of the bus-master block from `offset`; bytes past its end read as
/// FFh, as nothing else answers there.
pub fn read(channels: &[AtaChannel; 2], offset: u16, size: u8) -> u32 {
    (0..u16::from(size.clamp(1, 4))).fold(0, |acc, i| {
        let byte = place(offset, i).map_or(0xFF, |(ch, reg)| channels[ch].bus_master.read(reg));
        acc | u32::from(byte) << (8 * i)
    })
}

/// Writes `size` bytes of `value` to the bus-master block from `offset`.
pub fn write(channels: &mut [AtaChannel; 2], offset: u16, size: u8, value: u32) {
    for i in 0..u16::from(size.clamp(1, 4)) {
        if let Some((ch, reg)) = place(offset, i) {
            channels[ch].bus_master.write(reg, (value >> (8 * i)) as u8);
        }
    }
}
