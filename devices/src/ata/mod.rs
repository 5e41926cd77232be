//! An ATA channel of the PIIX IDE controller (ATA/ATAPI-6, T13/1410D): the command block
//! registers at 0x1F0-0x1F7 (0x170-0x177 for the second channel), the control block at 0x3F6
//! (0x376), up to two devices sharing one task file, PIO data transfer, and INTRQ on IRQ 14
//! (15). A device is a disk (`disk_commands.rs`: LBA28, LBA48 and CHS addressing) or an
//! ATAPI CD-ROM (`atapi.rs`: the PACKET protocol; `mmc.rs`, `mmc_info.rs`: its packet
//! commands); each kind has its own command table. Data moves in PIO through the data port,
//! or by DMA through the channel's half of the PIIX3 bus-master function (`bus_master.rs`,
//! `dma_transfer.rs`).
//!
//! Commands complete at once (no BSY period): a PIO-in command has its first DRQ block ready
//! when the command register is written, a PIO-out command waits for its data, a DMA command
//! waits for the bus master.

mod atapi;
pub mod bus_master;
mod disk_commands;
mod dma_transfer;
mod identify;
mod mmc;
mod mmc_info;

use crate::disk::{Disk, DiskError, SECTOR};
use crate::{IrqLine, Nanos, PortIo};
use bus_master::BusMaster;
use dma_transfer::DmaJob;
pub use identify::Chs;

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

/// A device on the channel: a disk, or a CD-ROM when `atapi` is set.
struct Drive {
    disk: Disk,
    /// The CHS translation set by INITIALIZE DEVICE PARAMETERS (disks only).
    chs: Chs,
    /// READ/WRITE MULTIPLE block size (SET MULTIPLE MODE), 0 until set.
    multiple: u16,
    serial: String,
    /// The packet-command state of an ATAPI CD-ROM, None for a disk.
    atapi: Option<atapi::Cdrom>,
    /// The DMA transfer mode selected by SET FEATURES, as its mode value (ATA-6 SET
    /// FEATURES, transfer mode values: 20h + n multiword DMA n, 40h + n Ultra DMA n).
    dma_mode: Option<u8>,
}

/// The DMA mode a device starts in: Ultra DMA mode 5, as QEMU's IDENTIFY data shows.
const POWER_ON_DMA_MODE: Option<u8> = Some(0x45);

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
    /// The command packet of a PACKET command from the host.
    PacketCommand,
    /// The data of a packet command to the host, in DRQ blocks of the byte count.
    PacketIn,
    /// A DMA command waits for the bus master; the data port is idle.
    Dma,
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
    /// The data-in phase of a PACKET command.
    packet: atapi::PacketTransfer,
    /// The task file still holds the reset signature: selecting the other device shows its
    /// own (each device keeps its registers on a real channel).
    signature: bool,
    /// The channel's bus-master registers.
    bus_master: BusMaster,
    /// The data phase of a DMA command, until the bus master runs it.
    dma: Option<DmaJob>,
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
            packet: atapi::PacketTransfer::default(),
            signature: false,
            bus_master: BusMaster::default(),
            dma: None,
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
                atapi: None,
                dma_mode: POWER_ON_DMA_MODE,
            });
        }
        self.reset();
    }

    /// Attaches a read-only CD-ROM (an ISO image) as ATAPI device `unit` (0 or 1); `serial`
    /// is what IDENTIFY PACKET DEVICE reports. A trailing partial 2048-byte block is not part
    /// of the medium.
    pub fn attach_cdrom(&mut self, unit: usize, disk: Disk, serial: &str) {
        let chs = Chs::for_sectors(disk.sectors());
        if let Some(slot) = self.drives.get_mut(unit) {
            *slot = Some(Drive {
                disk,
                chs,
                multiple: 0,
                serial: serial.to_string(),
                atapi: Some(atapi::Cdrom::default()),
                dma_mode: POWER_ON_DMA_MODE,
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
    /// error 1 (device 0 passed) and the selected device's signature.
    pub fn reset(&mut self) {
        self.device = 0;
        self.load_signature();
        self.error = 0x01;
        self.transfer = Transfer::None;
        self.dma = None;
        self.set_irq(false);
    }

    /// A hardware reset of the channel and its bus-master registers: besides `reset`, the
    /// devices return to their power-on transfer modes.
    pub fn power_on(&mut self) {
        self.bus_master = BusMaster::default();
        for d in self.drives.iter_mut().flatten() {
            d.dma_mode = POWER_ON_DMA_MODE;
        }
        self.reset();
    }

    /// The selected device's signature (ATA-6 9.12): count and LBA low 1, LBA mid and high
    /// 0 for a disk (status DRDY), 14h and EBh for a packet device (status 0, see atapi.rs).
    fn load_signature(&mut self) {
        let (mid, high, status) = match self.drive().map(|d| d.atapi.is_some()) {
            Some(false) => (0, 0, status::DRDY | status::DSC),
            Some(true) => (0x14, 0xEB, 0),
            None => (0, 0, 0),
        };
        self.count = Fifo2 { cur: 1, prev: 0 };
        self.lba = [
            Fifo2 { cur: 1, prev: 0 },
            Fifo2 { cur: mid, prev: 0 },
            Fifo2 { cur: high, prev: 0 },
        ];
        self.status = status;
        self.signature = true;
    }

    /// INTRQ; asserting it also sets the bus master's interrupt bit (PIIX3 datasheet,
    /// BMISTA bit 2: set by the IDE device's interrupt, whatever the command's protocol).
    fn set_irq(&mut self, on: bool) {
        self.pending = on;
        let asserted = on && self.control & NIEN == 0;
        if asserted {
            self.bus_master.interrupt();
        }
        self.irq.set_level(asserted);
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

    fn data_read(&mut self, size: u8) -> u32 {
        match self.transfer {
            Transfer::PioIn => {}
            Transfer::PacketIn => return self.packet_read(size),
            _ => return 0xFFFF_FFFF >> (32 - 8 * u32::from(size)),
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
        match self.transfer {
            Transfer::PioOut => {}
            Transfer::PacketCommand => return self.packet_write(size, value),
            _ => return,
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
    /// one with BSY or DRQ set (the host may not write the register then, 7.4), but for
    /// DEVICE RESET to a packet device. Disks and packet devices have command tables of
    /// their own.
    fn command(&mut self, cmd: u8) {
        let Some(atapi) = self.drive().map(|d| d.atapi.is_some()) else {
            return;
        };
        let busy = self.status & (status::BSY | status::DRQ) != 0;
        if busy && !(atapi && cmd == atapi::DEVICE_RESET) {
            return;
        }
        self.set_irq(false);
        self.transfer = Transfer::None;
        self.dma = None;
        self.signature = false;
        let table = if atapi {
            atapi::ATAPI_COMMANDS
        } else {
            disk_commands::COMMANDS
        };
        let handler = table
            .iter()
            .find(|&&(lo, hi, _)| (lo..=hi).contains(&cmd))
            .map_or(AtaChannel::unsupported as Command, |&(_, _, h)| h);
        handler(self, cmd);
    }

    /// The device register; selecting the other device right after a reset shows its
    /// signature.
    fn select(&mut self, v: u8) {
        let other = (v ^ self.device) & DEV != 0;
        self.device = v;
        if self.signature && other {
            self.load_signature();
        }
    }

    fn unsupported(&mut self, _cmd: u8) {
        self.abort(error::ABRT);
    }

    /// SET FEATURES: the transfer mode (03h) is recorded for IDENTIFY; write cache and read
    /// look-ahead settings are accepted (none changes how amber moves data); others abort.
    fn set_features(&mut self, _cmd: u8) {
        match self.features.cur {
            0x03 => self.set_transfer_mode(),
            0x02 | 0x55 | 0x66 | 0x82 | 0xAA | 0xCC => self.ok(),
            _ => self.abort(error::ABRT),
        }
    }

    /// SET FEATURES 03h with the mode value in the sector count (ATA-6, transfer mode
    /// values): 00h/01h PIO default, 08h + n PIO flow control mode n (0-4), 20h + n
    /// multiword DMA mode n (0-2), 40h + n Ultra DMA mode n (0-5). Selecting a PIO mode
    /// leaves no DMA mode selected (as QEMU's words 63 and 88 show it). A mode the device
    /// does not report in IDENTIFY aborts, single word DMA (retired in ATA-6) among them.
    fn set_transfer_mode(&mut self) {
        let mode = self.count.cur;
        let dma_mode = match (mode >> 3, mode & 7) {
            (0, 0 | 1) | (1, 0..=4) => None,
            (4, 0..=2) | (8, 0..=5) => Some(mode),
            _ => return self.abort(error::ABRT),
        };
        if let Some(d) = self.drive() {
            d.dma_mode = dma_mode;
        }
        self.ok();
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
        if matches!(reg, 1..=5) {
            self.signature = false;
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
            6 => self.select(v),
            _ => self.command(v),
        }
    }
}

#[cfg(test)]
mod atapi_tests;
#[cfg(test)]
mod dma_tests;
#[cfg(test)]
mod mmc_tests;
#[cfg(test)]
mod tests;
