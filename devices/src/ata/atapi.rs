//! The ATAPI CD-ROM device on the channel (ATA/ATAPI-6, T13/1410D, the PACKET command
//! feature set): its ATA commands and the PACKET protocol (9.10) that carries the packet
//! commands of `mmc.rs` in PIO, or with their data phase by DMA (`dma_transfer.rs`).
//!
//! Decisions where the standard leaves room:
//! - After a reset the device shows the PACKET signature (9.12) with status 00h, DRDY clear,
//!   as QEMU's ide-cd does; DRDY is set by the next command's completion.
//! - No UNIT ATTENTION at power-on: the disc is in the drive from the start and cannot be
//!   changed, so every command runs from the first one on.
//! - A byte count limit of 0 (or 1) asks for nothing usable, so it is taken as the largest
//!   even count, FFFEh; an odd limit is rounded down, as every DRQ block but the last must
//!   be even.

use super::dma_transfer::DmaJob;
use super::mmc::{self, Cdb, Medium, Reply, Sense, BLOCK, UNRECOVERED_READ_ERROR};
use super::*;

/// The interrupt reason, in the sector count register (ATA-6 9.10): C/D (a command packet
/// is wanted, or the command completed with I/O) and I/O (to the host).
const COD: u8 = 0x01;
const IO: u8 = 0x02;

/// Bytes of a command packet (word 0 bits 1-0 of IDENTIFY PACKET DEVICE: 00b).
const PACKET_BYTES: usize = 12;

/// The packet-command state of a CD-ROM drive.
#[derive(Default)]
pub struct Cdrom {
    /// The sense data of the last command, for REQUEST SENSE.
    sense: Sense,
}

/// Where the data-in phase of a PACKET command stands. The channel's buffer holds the data
/// not yet read from `pos` on; blocks of a read are loaded into it a DRQ block at a time.
#[derive(Default)]
pub struct PacketTransfer {
    /// The even byte count limit of each DRQ block.
    limit: usize,
    /// Bytes left in the current DRQ block.
    chunk: usize,
    /// Bytes left in the whole transfer, including those in the buffer.
    pub(super) left: u64,
    /// The next block to load, and blocks still to load.
    next_block: u64,
    pub(super) blocks: u64,
    /// The command asked for DMA (features bit 0): the data goes through the bus master.
    dma: bool,
}

/// The ATA commands of the PACKET feature set device (ATA-6 ch. 8, the commands a PACKET device implements).
pub const ATAPI_COMMANDS: &[(u8, u8, Command)] = &[
    (0x08, 0x08, AtaChannel::device_reset),
    (0x90, 0x90, AtaChannel::diagnostic),
    (0xA0, 0xA0, AtaChannel::packet),
    (0xA1, 0xA1, AtaChannel::identify_packet),
    (0xE0, 0xE3, AtaChannel::complete),
    (0xE5, 0xE5, AtaChannel::check_power_mode),
    (0xEC, 0xEC, AtaChannel::identify_aborts),
    (0xEF, 0xEF, AtaChannel::set_features),
];

/// DEVICE RESET, the one command taken while BSY or DRQ is set (ATA-6, DEVICE RESET).
pub const DEVICE_RESET: u8 = 0x08;

impl AtaChannel {
    /// DEVICE RESET (ATA-6 ch. 8): the signature again, diagnostic code 01h, no INTRQ.
    fn device_reset(&mut self, _cmd: u8) {
        self.transfer = Transfer::None;
        self.load_signature();
        self.error = 0x01;
    }

    /// IDENTIFY DEVICE to a packet device aborts and leaves the signature (ATA-6 8.15).
    fn identify_aborts(&mut self, _cmd: u8) {
        self.load_signature();
        self.abort(error::ABRT);
    }

    /// IDENTIFY PACKET DEVICE (ATA-6 ch. 8): 256 words in one PIO data-in block.
    fn identify_packet(&mut self, _cmd: u8) {
        let Some(d) = self.drive() else {
            return self.abort(error::ABRT);
        };
        let words = identify::identify_packet(d.dma_mode, &d.serial);
        self.buffer = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.pos = 0;
        self.remaining = 0;
        self.transfer = Transfer::PioIn;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
        self.interrupt();
    }

    /// PACKET (ATA-6 ch. 8): DRQ for the command packet with C/D set, I/O clear, and no
    /// INTRQ (DRQ within 50 us). Features bit 0 asks for the data phase by DMA.
    fn packet(&mut self, _cmd: u8) {
        self.packet.dma = self.features.cur & 0x01 != 0;
        let raw = usize::from(self.lba[2].cur) << 8 | usize::from(self.lba[1].cur);
        self.packet.limit = match raw & !1 {
            0 => 0xFFFE,
            n => n,
        };
        self.buffer.clear();
        self.buffer.resize(PACKET_BYTES, 0);
        self.pos = 0;
        self.transfer = Transfer::PacketCommand;
        self.count.cur = COD;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
    }

    /// A write to the data port while the command packet is wanted.
    pub(super) fn packet_write(&mut self, size: u8, value: u32) {
        for i in 0..usize::from(size) {
            if let Some(b) = self.buffer.get_mut(self.pos + i) {
                *b = (value >> (8 * i)) as u8;
            }
        }
        self.pos += usize::from(size);
        if self.pos >= PACKET_BYTES {
            self.execute_packet();
        }
    }

    fn execute_packet(&mut self) {
        let mut cdb: Cdb = [0; PACKET_BYTES];
        for (c, b) in cdb.iter_mut().zip(&self.buffer) {
            *c = *b;
        }
        let Some(d) = self.drive() else {
            return self.abort(error::ABRT);
        };
        let medium = Medium {
            blocks: d.disk.len() / BLOCK as u64,
            sense: d.atapi.as_ref().map(|c| c.sense).unwrap_or_default(),
        };
        self.buffer.clear();
        self.pos = 0;
        self.packet.blocks = 0;
        self.packet.left = 0;
        match mmc::execute(&medium, &cdb) {
            Ok(Reply::None) => return self.packet_done(Ok(())),
            Ok(Reply::Data(data)) => {
                self.packet.left = data.len() as u64;
                self.buffer = data;
            }
            Ok(Reply::Blocks { lba, count }) => {
                self.packet.next_block = lba;
                self.packet.blocks = count;
                self.packet.left = count.saturating_mul(BLOCK as u64);
            }
            Err(sense) => return self.packet_done(Err(sense)),
        }
        if self.packet.dma && self.packet.left > 0 {
            return self.await_dma(DmaJob::Packet);
        }
        self.transfer = Transfer::PacketIn;
        self.next_chunk();
    }

    /// Opens the next DRQ block of at most the byte count limit, loading blocks of the
    /// disc as needed, with I/O set, C/D clear, the byte count in LBA mid/high and INTRQ;
    /// completes the command when nothing is left.
    fn next_chunk(&mut self) {
        let n = self.packet.left.min(self.packet.limit as u64) as usize;
        if n == 0 {
            return self.packet_done(Ok(()));
        }
        if self.buffer.len().saturating_sub(self.pos) < n {
            self.buffer.drain(..self.pos.min(self.buffer.len()));
            self.pos = 0;
            while self.buffer.len() < n && self.packet.blocks > 0 {
                if !self.load_disc_block() {
                    return self.packet_done(Err(UNRECOVERED_READ_ERROR));
                }
            }
        }
        self.packet.chunk = n;
        self.lba[1].cur = n as u8;
        self.lba[2].cur = (n >> 8) as u8;
        self.count.cur = IO;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
        self.interrupt();
    }

    /// Appends the next 2048-byte block (four image sectors) to the buffer.
    pub(super) fn load_disc_block(&mut self) -> bool {
        let per_block = (BLOCK / SECTOR) as u64;
        let first = self.packet.next_block.saturating_mul(per_block);
        let mut sector = [0u8; SECTOR];
        for lba in first..first.saturating_add(per_block) {
            let Some(d) = self.drive() else {
                return false;
            };
            if let Err(e) = d.disk.read_sector(lba, &mut sector) {
                self.last_error = Some(e.to_string());
                return false;
            }
            self.buffer.extend_from_slice(&sector);
        }
        self.packet.next_block += 1;
        self.packet.blocks -= 1;
        true
    }

    /// A read of the data port in the data-in phase; past the end of a DRQ block the bus
    /// reads as zero.
    pub(super) fn packet_read(&mut self, size: u8) -> u32 {
        let mut v = 0u32;
        for i in 0..u32::from(size) {
            if self.packet.chunk == 0 {
                break;
            }
            v |= u32::from(self.buffer.get(self.pos).copied().unwrap_or(0)) << (8 * i);
            self.pos += 1;
            self.packet.chunk -= 1;
            self.packet.left = self.packet.left.saturating_sub(1);
        }
        if self.packet.chunk == 0 {
            self.next_chunk();
        }
        v
    }

    /// Ends a PACKET command (ATA-6 9.10): I/O and C/D set, INTRQ; a CHECK CONDITION sets
    /// ERR (CHK) and the sense key in error register bits 7-4, and keeps the sense data for
    /// REQUEST SENSE. Success clears it. ABRT stays clear: it reports a PACKET command the
    /// device refused, not a packet that failed (QEMU's ide-cd, compared by the atapi guest
    /// kernel, sets only the sense key too).
    pub(super) fn packet_done(&mut self, result: Result<(), Sense>) {
        let sense = result.err().unwrap_or_default();
        if let Some(c) = self.drive().and_then(|d| d.atapi.as_mut()) {
            c.sense = sense;
        }
        self.transfer = Transfer::None;
        self.count.cur = IO | COD;
        if result.is_ok() {
            self.status = status::DRDY | status::DSC;
            self.error = 0;
        } else {
            self.status = status::DRDY | status::ERR;
            self.error = sense.key << 4;
        }
        self.interrupt();
    }
}
