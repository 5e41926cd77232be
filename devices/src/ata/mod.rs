//! An ATA channel of the PIIX IDE controller (ATA/ATAPI-6, T13/1410D): the command block
//! registers at 0x1F0-0x1F7 (0x170-0x177 for the second channel), the control block at 0x3F6
//! (0x376), up to two disks sharing one task file, PIO data transfer, LBA28, LBA48 and CHS
//! addressing, and INTRQ on IRQ 14 (15).
//!
//! Commands complete at once (no BSY period): a PIO-in command has its first DRQ block ready
//! when the command register is written, a PIO-out command waits for its data.

mod identify;

use crate::disk::{Disk, DiskError, SECTOR};
use crate::{IrqLine, Nanos, PortIo};
pub use identify::Chs;
use identify::{identify_disk, MAX_MULTIPLE};

/// Status register bits (ATA-6 7.15.6).
pub mod status {
    pub const ERR: u8 = 0x01;
    pub const DRQ: u8 = 0x08;
    pub const DSC: u8 = 0x10;
    pub const DRDY: u8 = 0x40;
    pub const BSY: u8 = 0x80;
}

/// Error register bits (ATA-6 7.9.6).
pub mod error {
    pub const ABRT: u8 = 0x04;
    pub const IDNF: u8 = 0x10;
    pub const UNC: u8 = 0x40;
}

/// Device control register bits (ATA-6 7.8.6).
const NIEN: u8 = 0x02;
const SRST: u8 = 0x04;
const HOB: u8 = 0x80;
/// Device register: LBA addressing and the device-1 select bit.
const LBA: u8 = 0x40;
const DEV: u8 = 0x10;

/// A disk on the channel.
struct Drive {
    disk: Disk,
    /// The CHS translation set by INITIALIZE DEVICE PARAMETERS.
    chs: Chs,
    /// READ/WRITE MULTIPLE block size (SET MULTIPLE MODE), 0 until set.
    multiple: u16,
    serial: String,
}

/// A register written twice for LBA48: the current value and the one before (HOB).
#[derive(Clone, Copy, Default)]
struct Fifo2 {
    cur: u8,
    prev: u8,
}

impl Fifo2 {
    fn write(&mut self, v: u8) {
        self.prev = self.cur;
        self.cur = v;
    }
    fn wide(self) -> u64 {
        u64::from(self.prev) << 8 | u64::from(self.cur)
    }
}

/// What the data port is doing.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Transfer {
    None,
    /// Sectors to the host: the buffer holds the current DRQ block.
    PioIn,
    /// Sectors from the host, written to `lba` onwards when the buffer fills.
    PioOut,
}

/// The command table: opcode, handler.
type Command = fn(&mut AtaChannel, u8);

pub struct AtaChannel {
    drives: [Option<Drive>; 2],
    irq: IrqLine,
    features: Fifo2,
    count: Fifo2,
    lba: [Fifo2; 3],
    device: u8,
    control: u8,
    status: u8,
    error: u8,
    /// INTRQ asserted and not yet cleared by a status read.
    pending: bool,
    transfer: Transfer,
    buffer: Vec<u8>,
    pos: usize,
    /// Next sector of a multi-sector transfer, sectors still to move, and the DRQ block size.
    next_lba: u64,
    /// The transfer addresses in LBA48.
    ext: bool,
    remaining: u64,
    block: u64,
    /// The last storage error, kept for the board to log.
    pub last_error: Option<String>,
}

impl AtaChannel {
    pub fn new(irq: IrqLine) -> AtaChannel {
        let mut ch = AtaChannel {
            drives: [None, None],
            irq,
            features: Fifo2::default(),
            count: Fifo2::default(),
            lba: [Fifo2::default(); 3],
            device: 0,
            control: 0,
            status: 0,
            error: 0,
            pending: false,
            transfer: Transfer::None,
            buffer: Vec::new(),
            pos: 0,
            next_lba: 0,
            ext: false,
            remaining: 0,
            block: 1,
            last_error: None,
        };
        ch.reset();
        ch
    }

    /// Attaches `disk` as device `unit` (0 or 1); `serial` is what IDENTIFY reports.
    pub fn attach(&mut self, unit: usize, disk: Disk, serial: &str) {
        let chs = Chs::for_sectors(disk.sectors());
        if let Some(slot) = self.drives.get_mut(unit) {
            *slot = Some(Drive {
                disk,
                chs,
                multiple: 0,
                serial: serial.to_string(),
            });
        }
        self.reset();
    }

    /// Flushes both disks (at exit); the first failure is returned.
    pub fn flush(&mut self) -> Result<(), DiskError> {
        for d in self.drives.iter_mut().flatten() {
            d.disk.flush()?;
        }
        Ok(())
    }

    fn unit(&self) -> usize {
        usize::from(self.device & DEV != 0)
    }

    fn drive(&mut self) -> Option<&mut Drive> {
        let u = self.unit();
        self.drives[u].as_mut()
    }

    /// The signature and status after a reset or EXECUTE DEVICE DIAGNOSTIC (ATA-6 9.12):
    /// count and LBA low 1, LBA mid and high 0, error 1 (device 0 passed).
    pub fn reset(&mut self) {
        self.count = Fifo2 { cur: 1, prev: 0 };
        self.lba = [
            Fifo2 { cur: 1, prev: 0 },
            Fifo2::default(),
            Fifo2::default(),
        ];
        self.device = 0;
        self.error = 0x01;
        self.status = if self.drives[0].is_some() {
            status::DRDY | status::DSC
        } else {
            0
        };
        self.transfer = Transfer::None;
        self.set_irq(false);
    }

    fn set_irq(&mut self, on: bool) {
        self.pending = on;
        self.irq.set_level(on && self.control & NIEN == 0);
    }

    fn interrupt(&mut self) {
        self.set_irq(true);
    }

    fn ok(&mut self) {
        self.status = status::DRDY | status::DSC;
        self.error = 0;
        self.interrupt();
    }

    fn abort(&mut self, err: u8) {
        self.status = status::DRDY | status::ERR;
        self.error = err;
        self.transfer = Transfer::None;
        self.interrupt();
    }

    /// The LBA the task file addresses: LBA48 from both halves of each register, LBA28 from
    /// the low 28 bits, or CHS through the drive's current translation.
    fn address(&mut self, ext: bool) -> Option<u64> {
        let [lo, mid, hi] = self.lba;
        if ext {
            return Some(
                u64::from(hi.prev) << 40
                    | u64::from(mid.prev) << 32
                    | u64::from(lo.prev) << 24
                    | u64::from(hi.cur) << 16
                    | u64::from(mid.cur) << 8
                    | u64::from(lo.cur),
            );
        }
        if self.device & LBA != 0 {
            return Some(
                u64::from(self.device & 0x0F) << 24
                    | u64::from(hi.cur) << 16
                    | u64::from(mid.cur) << 8
                    | u64::from(lo.cur),
            );
        }
        let head = u64::from(self.device & 0x0F);
        let cyl = u64::from(hi.cur) << 8 | u64::from(mid.cur);
        let sector = u64::from(lo.cur);
        let chs = self.drive()?.chs;
        if sector == 0 || sector > u64::from(chs.sectors) || head >= u64::from(chs.heads) {
            return None;
        }
        Some((cyl * u64::from(chs.heads) + head) * u64::from(chs.sectors) + sector - 1)
    }

    /// The sector count: 0 means 256 (LBA28) or 65536 (LBA48).
    fn sector_count(&self, ext: bool) -> u64 {
        match (ext, self.count.wide() & 0xFFFF, self.count.cur) {
            (true, 0, _) => 65536,
            (true, n, _) => n,
            (false, _, 0) => 256,
            (false, _, n) => u64::from(n),
        }
    }

    /// Writes the address of the last sector moved back into the task file, as a command
    /// that ends in error leaves it (ATA-6 6.3.4 "LBA of the first unrecoverable error").
    fn report_address(&mut self, lba: u64, ext: bool) {
        for (i, r) in self.lba.iter_mut().enumerate() {
            r.cur = (lba >> (8 * i)) as u8;
            if ext {
                r.prev = (lba >> (24 + 8 * i)) as u8;
            }
        }
        if !ext {
            self.device = (self.device & 0xF0) | ((lba >> 24) as u8 & 0x0F);
        }
    }

    /// Starts a PIO transfer of `count` sectors from `lba` in DRQ blocks of `block` sectors.
    /// A range that runs past the end moves the sectors before it, then ends with IDNF and
    /// the first missing sector's address, as a drive finds the sector missing only when it
    /// gets there.
    fn start(&mut self, ext: bool, block: u64, out: bool) {
        let Some(lba) = self.address(ext) else {
            return self.abort(error::IDNF);
        };
        let count = self.sector_count(ext);
        self.ext = ext;
        self.next_lba = lba;
        self.remaining = count;
        self.block = block.max(1);
        if out {
            self.transfer = Transfer::PioOut;
            self.prepare_out();
        } else {
            self.transfer = Transfer::PioIn;
            self.load_block();
        }
    }

    /// Sectors of the current block that exist, or None (after ending the command with
    /// IDNF) if the block starts past the end of the disk.
    fn block_sectors(&mut self) -> Option<u64> {
        let sectors = self.drive().map_or(0, |d| d.disk.sectors());
        if self.next_lba >= sectors {
            self.report_address(self.next_lba, self.ext);
            self.abort(error::IDNF);
            return None;
        }
        Some(self.block.min(self.remaining).min(sectors - self.next_lba))
    }

    /// Reads the next DRQ block into the buffer and raises INTRQ; the transfer ends with
    /// the last block read by the host.
    fn load_block(&mut self) {
        let Some(n) = self.block_sectors() else {
            return;
        };
        self.buffer.clear();
        let mut sector = [0u8; SECTOR];
        for i in 0..n {
            let lba = self.next_lba + i;
            let Some(d) = self.drive() else {
                return self.abort(error::ABRT);
            };
            if let Err(e) = d.disk.read_sector(lba, &mut sector) {
                self.last_error = Some(e.to_string());
                self.report_address(lba, self.ext);
                return self.abort(error::UNC);
            }
            self.buffer.extend_from_slice(&sector);
        }
        self.next_lba += n;
        self.remaining -= n;
        self.pos = 0;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
        self.interrupt();
    }

    /// Opens the buffer for the next block from the host (no INTRQ before the first block).
    fn prepare_out(&mut self) {
        let Some(n) = self.block_sectors() else {
            return;
        };
        let n = n as usize;
        self.buffer.clear();
        self.buffer.resize(n * SECTOR, 0);
        self.pos = 0;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
    }

    /// Writes a full block from the host, then opens the next one or completes.
    fn store_block(&mut self) {
        let n = (self.buffer.len() / SECTOR) as u64;
        for i in 0..n {
            let lba = self.next_lba + i;
            let at = i as usize * SECTOR;
            let mut sector = [0u8; SECTOR];
            sector.copy_from_slice(&self.buffer[at..at + SECTOR]);
            let Some(d) = self.drive() else {
                return self.abort(error::ABRT);
            };
            if let Err(e) = d.disk.write_sector(lba, &sector) {
                self.last_error = Some(e.to_string());
                self.report_address(lba, self.ext);
                return self.abort(error::UNC);
            }
        }
        self.next_lba += n;
        self.remaining -= n;
        if self.remaining == 0 {
            self.transfer = Transfer::None;
            self.ok();
        } else {
            self.prepare_out();
            self.interrupt();
        }
    }

    fn data_read(&mut self, size: u8) -> u32 {
        if self.transfer != Transfer::PioIn {
            return 0xFFFF_FFFF >> (32 - 8 * u32::from(size));
        }
        let mut v = 0u32;
        for i in 0..usize::from(size) {
            v |= u32::from(self.buffer.get(self.pos + i).copied().unwrap_or(0)) << (8 * i);
        }
        self.pos += usize::from(size);
        if self.pos >= self.buffer.len() {
            if self.remaining == 0 {
                self.transfer = Transfer::None;
                self.status = status::DRDY | status::DSC;
            } else {
                self.load_block();
            }
        }
        v
    }

    fn data_write(&mut self, size: u8, value: u32) {
        if self.transfer != Transfer::PioOut {
            return;
        }
        for i in 0..usize::from(size) {
            if let Some(b) = self.buffer.get_mut(self.pos + i) {
                *b = (value >> (8 * i)) as u8;
            }
        }
        self.pos += usize::from(size);
        if self.pos >= self.buffer.len() {
            self.store_block();
        }
    }

    /// The command register (ATA-6 ch. 8): an absent device ignores commands, and so does
    /// one with BSY or DRQ set (the host may not write the register then, 7.4).
    fn command(&mut self, cmd: u8) {
        if self.drive().is_none() || self.status & (status::BSY | status::DRQ) != 0 {
            return;
        }
        self.set_irq(false);
        self.transfer = Transfer::None;
        let handler = COMMANDS
            .iter()
            .find(|&&(lo, hi, _)| (lo..=hi).contains(&cmd))
            .map_or(AtaChannel::unsupported as Command, |&(_, _, h)| h);
        handler(self, cmd);
    }

    fn unsupported(&mut self, _cmd: u8) {
        self.abort(error::ABRT);
    }

    fn identify(&mut self, _cmd: u8) {
        let Some(d) = self.drive() else {
            return self.abort(error::ABRT);
        };
        let words = identify_disk(d.disk.sectors(), d.chs, d.multiple, &d.serial);
        self.buffer = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.pos = 0;
        self.remaining = 0;
        self.transfer = Transfer::PioIn;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
        self.interrupt();
    }

    fn read_sectors(&mut self, cmd: u8) {
        self.start(cmd == 0x24, 1, false);
    }

    fn write_sectors(&mut self, cmd: u8) {
        self.start(cmd == 0x34, 1, true);
    }

    /// READ/WRITE MULTIPLE (EXT): abort until SET MULTIPLE MODE has enabled them.
    fn multiple(&mut self, cmd: u8) {
        let block = self.drive().map_or(0, |d| d.multiple);
        if block == 0 {
            return self.abort(error::ABRT);
        }
        let (ext, out) = match cmd {
            0xC4 => (false, false),
            0xC5 => (false, true),
            0x29 => (true, false),
            _ => (true, true),
        };
        self.start(ext, u64::from(block), out);
    }

    /// SET MULTIPLE MODE: a power of two up to the maximum, or 0 to disable.
    fn set_multiple(&mut self, _cmd: u8) {
        let n = u16::from(self.count.cur);
        if n > MAX_MULTIPLE || (n != 0 && !n.is_power_of_two()) {
            return self.abort(error::ABRT);
        }
        if let Some(d) = self.drive() {
            d.multiple = n;
        }
        self.ok();
    }

    /// READ VERIFY SECTORS (EXT): checks the range without moving data.
    fn verify(&mut self, cmd: u8) {
        let ext = cmd == 0x42;
        let Some(lba) = self.address(ext) else {
            return self.abort(error::IDNF);
        };
        let count = self.sector_count(ext);
        let sectors = self.drive().map_or(0, |d| d.disk.sectors());
        if lba.checked_add(count).is_none_or(|end| end > sectors) {
            return self.abort(error::IDNF);
        }
        self.ok();
    }

    fn flush_cache(&mut self, _cmd: u8) {
        let result = self.drive().map(|d| d.disk.flush());
        match result {
            Some(Ok(())) => self.ok(),
            Some(Err(e)) => {
                self.last_error = Some(e.to_string());
                self.abort(error::ABRT)
            }
            None => self.abort(error::ABRT),
        }
    }

    /// INITIALIZE DEVICE PARAMETERS: the CHS translation's heads (device register + 1) and
    /// sectors per track (count).
    fn initialize_parameters(&mut self, _cmd: u8) {
        let heads = u32::from(self.device & 0x0F) + 1;
        let sectors = u32::from(self.count.cur);
        let Some(d) = self.drive() else {
            return self.abort(error::ABRT);
        };
        if sectors == 0 {
            return self.abort(error::ABRT);
        }
        let per_cylinder = u64::from(heads * sectors);
        d.chs = Chs {
            cylinders: (d.disk.sectors() / per_cylinder).min(65535) as u32,
            heads,
            sectors,
        };
        self.ok();
    }

    /// SET FEATURES: transfer modes, write cache and read look-ahead settings are accepted
    /// (none changes how amber moves data); others abort.
    fn set_features(&mut self, _cmd: u8) {
        match self.features.cur {
            0x02 | 0x03 | 0x55 | 0x66 | 0x82 | 0xAA | 0xCC => self.ok(),
            _ => self.abort(error::ABRT),
        }
    }

    /// CHECK POWER MODE: always active (count 0xFF).
    fn check_power_mode(&mut self, _cmd: u8) {
        self.count.write(0xFF);
        self.ok();
    }

    /// Commands that only need a successful completion here: RECALIBRATE, SEEK, NOP-like
    /// power management (STANDBY/IDLE IMMEDIATE, STANDBY, IDLE, SLEEP is not among them).
    fn complete(&mut self, _cmd: u8) {
        self.ok();
    }

    /// EXECUTE DEVICE DIAGNOSTIC: the reset signature, error 1 (passed), INTRQ.
    fn diagnostic(&mut self, _cmd: u8) {
        self.reset();
        self.interrupt();
    }
}

/// Opcode ranges and their handlers (ATA-6 Table 19).
const COMMANDS: &[(u8, u8, Command)] = &[
    (0x10, 0x1F, AtaChannel::complete),
    (0x20, 0x21, AtaChannel::read_sectors),
    (0x24, 0x24, AtaChannel::read_sectors),
    (0x29, 0x29, AtaChannel::multiple),
    (0x30, 0x31, AtaChannel::write_sectors),
    (0x34, 0x34, AtaChannel::write_sectors),
    (0x39, 0x39, AtaChannel::multiple),
    (0x40, 0x42, AtaChannel::verify),
    (0x70, 0x7F, AtaChannel::complete),
    (0x90, 0x90, AtaChannel::diagnostic),
    (0x91, 0x91, AtaChannel::initialize_parameters),
    (0xC4, 0xC5, AtaChannel::multiple),
    (0xC6, 0xC6, AtaChannel::set_multiple),
    (0xE0, 0xE3, AtaChannel::complete),
    (0xE5, 0xE5, AtaChannel::check_power_mode),
    (0xE7, 0xE7, AtaChannel::flush_cache),
    (0xEA, 0xEA, AtaChannel::flush_cache),
    (0xEC, 0xEC, AtaChannel::identify),
    (0xEF, 0xEF, AtaChannel::set_features),
];

/// The command block: offsets 0-7 from the channel's base port; the control block register
/// is offset 0x206 (0x3F6 for the base 0x1F0).
pub const CONTROL_OFFSET: u16 = 0x206;

impl PortIo for AtaChannel {
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        let reg = port & 0x207;
        if self.drives.iter().all(Option::is_none) {
            return 0xFFFF_FFFF >> (32 - 8 * u32::from(size));
        }
        let hob = self.control & HOB != 0;
        let pick = |f: Fifo2| u32::from(if hob { f.prev } else { f.cur });
        let present = self.drive().is_some();
        match reg & 7 {
            _ if reg == CONTROL_OFFSET => {
                if present {
                    u32::from(self.status)
                } else {
                    0
                }
            }
            0 => self.data_read(size),
            1 => u32::from(self.error),
            2 => pick(self.count),
            3 => pick(self.lba[0]),
            4 => pick(self.lba[1]),
            5 => pick(self.lba[2]),
            6 => u32::from(self.device | 0xA0),
            _ => {
                if !present {
                    return 0;
                }
                self.set_irq(false);
                u32::from(self.status)
            }
        }
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
        let reg = port & 0x207;
        let v = value as u8;
        if reg != 0 {
            // Any write but data clears HOB (ATA-6 7.8).
            self.control &= !HOB;
        }
        match reg & 7 {
            _ if reg == CONTROL_OFFSET => {
                let was_reset = self.control & SRST != 0;
                self.control = v;
                if v & SRST != 0 && !was_reset {
                    self.status = status::BSY;
                } else if v & SRST == 0 && was_reset {
                    self.reset();
                }
                self.irq.set_level(self.pending && v & NIEN == 0);
            }
            0 => self.data_write(size, value),
            1 => self.features.write(v),
            2 => self.count.write(v),
            3 => self.lba[0].write(v),
            4 => self.lba[1].write(v),
            5 => self.lba[2].write(v),
            6 => self.device = v,
            _ => self.command(v),
        }
    }
}

#[cfg(test)]
mod tests;
