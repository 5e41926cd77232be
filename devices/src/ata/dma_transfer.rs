//! The DMA data phase (ATA-6 9.9, the DMA command protocol) of READ/WRITE DMA (EXT) on a
//! disk and of PACKET with the DMA feature bit on the CD-ROM. A command with its data ready
//! waits with DRQ set for the bus master (`bus_master.rs`); when both are there, in either
//! order, the whole transfer happens at once and the command completes as its PIO form does:
//! DRDY and DSC without DRQ, and INTRQ.
//!
//! As in QEMU (`ide_dma_cb`), the sector range is checked when the transfer runs, and a
//! range past the end of the disk ends the command with IDNF without moving data.

use super::bus_master::Cursor;
use super::mmc::{Sense, UNRECOVERED_READ_ERROR};
use super::*;
use crate::dma::DmaMemory;

/// What a DMA command moves once the bus master runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmaJob {
    /// `count` sectors from `lba` on: to memory, or to the disk when `to_disk`.
    Disk { lba: u64, count: u64, to_disk: bool },
    /// The data-in phase of a PACKET command: the buffer, then the blocks still to load.
    Packet,
}

impl AtaChannel {
    /// Leaves the command waiting for the bus master, with DRDY, DSC and DRQ (the status
    /// QEMU shows while a DMA command is under way) and no INTRQ.
    pub(super) fn await_dma(&mut self, job: DmaJob) {
        self.dma = Some(job);
        self.transfer = Transfer::Dma;
        self.status = status::DRDY | status::DSC | status::DRQ;
        self.error = 0;
    }

    /// Runs the waiting DMA transfer if the bus master is active, through `mem` (guest
    /// memory as the PCI bus master reaches it). Returns whether guest memory was written.
    pub fn service_dma(&mut self, mem: &mut dyn DmaMemory) -> bool {
        if !self.bus_master.active() {
            return false;
        }
        let Some(job) = self.dma.take() else {
            return false;
        };
        self.transfer = Transfer::None;
        let mut cursor = Cursor::new(self.bus_master.regions(mem));
        let bytes = match job {
            DmaJob::Disk { count, .. } => count * SECTOR as u64,
            DmaJob::Packet => self.packet.left,
        };
        if cursor.capacity() < bytes {
            // SFF-8038i: the device never gets all its data through, so it never
            // interrupts; Active clears when the table runs out.
            self.status = status::DRDY | status::DSC;
            self.bus_master.finish(false);
            return false;
        }
        match job {
            DmaJob::Disk {
                lba,
                count,
                to_disk,
            } => {
                match self.disk_dma(lba, count, to_disk, mem, &mut cursor) {
                    Ok(()) => {
                        self.bus_master.finish(cursor.left_over());
                        self.ok();
                    }
                    Err(err) => {
                        self.bus_master.finish(false);
                        self.abort(err);
                    }
                }
                !to_disk
            }
            DmaJob::Packet => {
                let result = self.packet_dma(mem, &mut cursor);
                self.bus_master.finish(result.is_ok() && cursor.left_over());
                self.packet_done(result);
                true
            }
        }
    }

    /// Moves `count` sectors from `lba` on between the disk and the regions; an error gives
    /// the error register bits, with the address of the failing sector in the task file.
    fn disk_dma(
        &mut self,
        lba: u64,
        count: u64,
        to_disk: bool,
        mem: &mut dyn DmaMemory,
        cursor: &mut Cursor,
    ) -> Result<(), u8> {
        let sectors = self.drive().map_or(0, |d| d.disk.sectors());
        if lba.checked_add(count).is_none_or(|end| end > sectors) {
            self.report_address(lba.max(sectors), self.ext);
            return Err(error::IDNF);
        }
        let mut sector = [0u8; SECTOR];
        for at in lba..lba + count {
            if to_disk {
                cursor.read(mem, &mut sector);
            }
            let Some(d) = self.drive() else {
                return Err(error::ABRT);
            };
            let result = if to_disk {
                d.disk.write_sector(at, &sector)
            } else {
                d.disk.read_sector(at, &mut sector)
            };
            if let Err(e) = result {
                self.last_error = Some(e.to_string());
                self.report_address(at, self.ext);
                return Err(error::UNC);
            }
            if !to_disk {
                cursor.write(mem, &sector);
            }
        }
        Ok(())
    }

    /// Moves the reply of a packet command to the regions: what the buffer holds, then the
    /// disc's blocks one at a time.
    fn packet_dma(&mut self, mem: &mut dyn DmaMemory, cursor: &mut Cursor) -> Result<(), Sense> {
        loop {
            let data = std::mem::take(&mut self.buffer);
            cursor.write(mem, data.get(self.pos..).unwrap_or_default());
            self.pos = 0;
            if self.packet.blocks == 0 {
                self.packet.left = 0;
                return Ok(());
            }
            if !self.load_disc_block() {
                return Err(UNRECOVERED_READ_ERROR);
            }
        }
    }
}
