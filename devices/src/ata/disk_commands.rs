//! The ATA disk's commands (ATA/ATAPI-6, T13/1410D, ch. 8): IDENTIFY DEVICE, the sector
//! reads and writes in PIO (single sectors and READ/WRITE MULTIPLE blocks) and by DMA
//! (READ/WRITE DMA, their data phase in `dma_transfer.rs`), verification,
//! cache flush and the CHS translation, with the addressing of the task file (LBA28, LBA48,
//! CHS) they share.

use super::dma_transfer::DmaJob;
use super::identify::{identify_disk, MAX_MULTIPLE};
use super::*;

impl AtaChannel {
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
    pub(super) fn report_address(&mut self, lba: u64, ext: bool) {
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
    pub(super) fn load_block(&mut self) {
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
    pub(super) fn store_block(&mut self) {
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

    fn identify(&mut self, _cmd: u8) {
        let Some(d) = self.drive() else {
            return self.abort(error::ABRT);
        };
        let words = identify_disk(d.disk.sectors(), d.chs, d.multiple, d.dma_mode, &d.serial);
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

    /// READ DMA (C8h, and C9h without retries), READ DMA EXT (25h), WRITE DMA (CAh, CBh),
    /// WRITE DMA EXT (35h): the data phase waits for the bus master.
    fn dma(&mut self, cmd: u8) {
        let ext = matches!(cmd, 0x25 | 0x35);
        let Some(lba) = self.address(ext) else {
            return self.abort(error::IDNF);
        };
        let count = self.sector_count(ext);
        self.ext = ext;
        self.await_dma(DmaJob::Disk {
            lba,
            count,
            to_disk: matches!(cmd, 0x35 | 0xCA | 0xCB),
        });
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
}

/// Opcode ranges and their handlers (ATA-6 Table 19).
pub const COMMANDS: &[(u8, u8, Command)] = &[
    (0x10, 0x1F, AtaChannel::complete),
    (0x20, 0x21, AtaChannel::read_sectors),
    (0x24, 0x24, AtaChannel::read_sectors),
    (0x25, 0x25, AtaChannel::dma),
    (0x29, 0x29, AtaChannel::multiple),
    (0x30, 0x31, AtaChannel::write_sectors),
    (0x34, 0x34, AtaChannel::write_sectors),
    (0x35, 0x35, AtaChannel::dma),
    (0x39, 0x39, AtaChannel::multiple),
    (0x40, 0x42, AtaChannel::verify),
    (0x70, 0x7F, AtaChannel::complete),
    (0x90, 0x90, AtaChannel::diagnostic),
    (0x91, 0x91, AtaChannel::initialize_parameters),
    (0xC4, 0xC5, AtaChannel::multiple),
    (0xC6, 0xC6, AtaChannel::set_multiple),
    (0xC8, 0xCB, AtaChannel::dma),
    (0xE0, 0xE3, AtaChannel::complete),
    (0xE5, 0xE5, AtaChannel::check_power_mode),
    (0xE7, 0xE7, AtaChannel::flush_cache),
    (0xEA, 0xEA, AtaChannel::flush_cache),
    (0xEC, 0xEC, AtaChannel::identify),
    (0xEF, 0xEF, AtaChannel::set_features),
];
