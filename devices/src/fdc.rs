//! Intel 82077AA floppy disk controller in PC/AT mode at ports 0x3F0-0x3F5 and 0x3F7 (0x3F6
//! belongs to the IDE controller), with two drives, IRQ 6 and DMA channel 2. Behaviour follows
//! the Intel 82077AA datasheet (order no. 290166): "Register Description" (DOR, TDR, MSR,
//! DSR, FIFO, DIR, CCR; PC-AT mode, where SRA/SRB are not decoded and INT/DRQ are gated by
//! the DOR's DMA GATE bit), "Controller Phases" (command, execution, result; the MSR's RQM,
//! DIO, NON-DMA and CMD BUSY bits in each), "Reset" (the four SENSE INTERRUPT STATUS results
//! of the drive polling after a reset), "Command Set Descriptions" and "Status Register
//! Encoding" (ST0-ST3).
//!
//! Data moves at once: when a read or write command's last parameter byte arrives the
//! command either waits for `service_dma` (DMA mode) or offers the FIFO byte by byte (non-DMA
//! mode); seeks complete immediately. The media are raw images (`crate::disk::Disk`) of a PC
//! diskette size; the motor bits are kept but spinning up takes no time.
//!
//! The board routes `PORTS` here, calls `service_dma` with the 8237 pair and memory after
//! every port write to the controller (a DMA-mode command's data moves then, so the guest
//! programs channel 2 before the command, as real drivers do), and inserts or ejects images
//! with `insert`/`eject`.

mod commands;
mod drive;

use crate::disk::{Disk, DiskError};
use crate::dma::{Dma8237, DmaMemory};
use crate::io::{Nanos, PortIo};
use crate::irq::IrqLine;
use std::path::PathBuf;

use commands::Exec;
use drive::{Drive, Geometry, Media, RATE_250K};

/// The port ranges the controller decodes: (first port, count).
pub const PORTS: &[(u16, u16)] = &[(0x3F0, 6), (0x3F7, 1)];

/// The 8237 channel the controller's DRQ/DACK are wired to.
pub const DMA_CHANNEL: usize = 2;

/// Drives the controller serves (drive selects 2 and 3 have nothing attached).
pub const DRIVES: usize = 2;

/// DOR bits.
const DOR_RESET: u8 = 0x04;
const DOR_DMA_GATE: u8 = 0x08;
/// MSR bits.
const MSR_RQM: u8 = 0x80;
const MSR_DIO: u8 = 0x40;
const MSR_NON_DMA: u8 = 0x20;
const MSR_CMD_BUSY: u8 = 0x10;
/// DSR bit 7: software reset, self-clearing.
const DSR_RESET: u8 = 0x80;
/// CONFIGURE's third byte after a reset: implied seeks off, FIFO disabled, polling on,
/// threshold 1 byte.
const CONFIG_DEFAULT: u8 = 0x20;
/// CONFIGURE bits a software reset keeps when LOCK is set: EFIFO and FIFOTHR.
const CONFIG_LOCKED: u8 = 0x2F;
/// PERPENDICULAR MODE's GAP and WGATE bits, which every reset clears.
const PERPENDICULAR_GAP_WGATE: u8 = 0x03;

/// A problem attaching an image, shown as one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum FdcError {
    #[error("{0}: {1} bytes is not a PC diskette size (160K to 2.88M)")]
    NotAFloppy(PathBuf, u64),
    #[error("floppy drive {0} does not exist")]
    NoSuchDrive(usize),
}

/// Where the controller is in a command (datasheet "Controller Phases").
enum Phase {
    /// Waiting for a command's first byte.
    Idle,
    /// Collecting the parameter bytes of the command in `Fdc82077::command`.
    Command,
    /// Transferring data: waiting for the DMA (`service_dma`) or offering the FIFO.
    Execution(Box<Exec>),
    /// The host reads `Fdc82077::result` from `result_pos` on.
    Result,
}

/// The controller and its two drives.
pub struct Fdc82077 {
    irq: IrqLine,
    drives: [Drive; DRIVES],
    dor: u8,
    tdr: u8,
    /// DSR bits 0-6 (data rate, precompensation, power down); CCR writes the rate bits.
    dsr: u8,
    phase: Phase,
    command: Vec<u8>,
    result: Vec<u8>,
    result_pos: usize,
    /// Whether reading the first result byte clears the interrupt (read/write/format/ID).
    result_clears_interrupt: bool,
    /// The controller's INT output before the DMA GATE.
    interrupt: bool,
    /// SENSE INTERRUPT STATUS results still owed after a reset (drive 4 - n next).
    reset_sense: u8,
    /// Per drive select: the ST0 of a finished SEEK/RECALIBRATE awaiting SENSE INTERRUPT; a
    /// drive with one pending shows as busy in the MSR.
    seek_status: [Option<u8>; 4],
    /// Present cylinder number per drive select: where the controller believes the head is.
    pcn: [u8; 4],
    /// SPECIFY's two parameter bytes (SRT/HUT, HLT/ND).
    specify: [u8; 2],
    /// CONFIGURE's third byte (EIS, EFIFO, POLL, FIFOTHR) and fourth (PRETRK).
    config: u8,
    pretrk: u8,
    lock: bool,
    /// PERPENDICULAR MODE's D3-D0, GAP and WGATE bits.
    perpendicular: u8,
    /// The last EOT of a read/write or SC of a format (DUMPREG's seventh byte).
    last_eot: u8,
}

impl Fdc82077 {
    /// The controller after a hardware reset: DOR 0, so it is held in reset until the host
    /// sets the DOR's RESET bit; both drives empty.
    pub fn new(irq6: IrqLine) -> Fdc82077 {
        let mut fdc = Fdc82077 {
            irq: irq6,
            drives: [Drive::empty(), Drive::empty()],
            dor: 0,
            tdr: 0,
            dsr: 0,
            phase: Phase::Idle,
            command: Vec::new(),
            result: Vec::new(),
            result_pos: 0,
            result_clears_interrupt: false,
            interrupt: false,
            reset_sense: 0,
            seek_status: [None; 4],
            pcn: [0; 4],
            specify: [0; 2],
            config: CONFIG_DEFAULT,
            pretrk: 0,
            lock: false,
            perpendicular: 0,
            last_eot: 0,
        };
        fdc.reset();
        fdc
    }

    /// A hardware reset (the RESET pin): every register to its default, LOCK included, and
    /// the DOR cleared, which holds the controller in reset. Diskettes stay in the drives.
    pub fn reset(&mut self) {
        self.lock = false;
        self.controller_reset();
        self.dor = 0;
        self.tdr = 0;
        self.dsr = RATE_250K;
        self.specify = [0; 2];
        self.perpendicular = 0;
        self.last_eot = 0;
        self.pcn = [0; 4];
        self.update_irq();
    }

    /// Inserts `disk` into `drive` (0 or 1); its size must be a PC diskette format. The drive
    /// reports a disk change until the next step pulse.
    pub fn insert(
        &mut self,
        drive: usize,
        disk: Disk,
        write_protected: bool,
    ) -> Result<(), FdcError> {
        let slot = self
            .drives
            .get_mut(drive)
            .ok_or(FdcError::NoSuchDrive(drive))?;
        let geometry = Geometry::of_image(disk.sectors())
            .ok_or_else(|| FdcError::NotAFloppy(disk.path().to_path_buf(), disk.len()))?;
        slot.media = Some(Media {
            disk,
            geometry,
            write_protected,
        });
        slot.disk_changed = true;
        Ok(())
    }

    /// Removes the diskette from `drive` and hands it back (to flush or reuse).
    pub fn eject(&mut self, drive: usize) -> Option<Disk> {
        let slot = self.drives.get_mut(drive)?;
        slot.disk_changed = true;
        slot.media.take().map(|m| m.disk)
    }

    /// Flushes every inserted image (the exit flush of DESIGN.md "Disks").
    pub fn flush(&mut self) -> Result<(), DiskError> {
        for m in self.drives.iter_mut().filter_map(|d| d.media.as_mut()) {
            m.disk.flush()?;
        }
        Ok(())
    }

    /// Whether a DMA-mode command waits for `service_dma` (the controller's DRQ).
    pub fn dma_requested(&self) -> bool {
        matches!(&self.phase, Phase::Execution(e) if !e.pio)
    }

    /// Runs a DMA-mode command's data transfer through `dma` channel 2 and `mem`, if one is
    /// waiting. The board calls it after every port write to the controller. A channel that
    /// cannot transfer (masked, or the DOR's DMA GATE off) ends the command with an overrun.
    pub fn service_dma(&mut self, dma: &mut Dma8237, mem: &mut dyn DmaMemory) {
        if !self.dma_requested() {
            return;
        }
        if let Phase::Execution(exec) = std::mem::replace(&mut self.phase, Phase::Idle) {
            let gate = self.dor & DOR_DMA_GATE != 0;
            self.run_dma(*exec, gate, dma, mem);
        }
    }

    /// A software reset (DOR RESET low, or DSR bit 7): back to the command phase with
    /// nothing pending. CONFIGURE's EFIFO, FIFOTHR and PRETRK survive if LOCK is set;
    /// implied seeks are turned off and polling on.
    fn controller_reset(&mut self) {
        self.phase = Phase::Idle;
        self.command.clear();
        self.result.clear();
        self.result_pos = 0;
        self.interrupt = false;
        self.reset_sense = 0;
        self.seek_status = [None; 4];
        if self.lock {
            self.config &= CONFIG_LOCKED;
        } else {
            self.config = CONFIG_DEFAULT;
            self.pretrk = 0;
        }
        self.perpendicular &= !PERPENDICULAR_GAP_WGATE;
    }

    /// Leaving reset: the polling routine finds the ready state of all four drives changed,
    /// owing four SENSE INTERRUPT STATUS results and raising INT.
    fn release_reset(&mut self) {
        self.raise_interrupt();
        self.reset_sense = 4;
    }

    fn in_reset(&self) -> bool {
        self.dor & DOR_RESET == 0
    }

    /// INT goes high; any reset polling results not yet read are dropped, as a new event
    /// replaces them.
    fn raise_interrupt(&mut self) {
        self.reset_sense = 0;
        self.interrupt = true;
        self.update_irq();
    }

    fn clear_interrupt(&mut self) {
        self.interrupt = false;
        self.update_irq();
    }

    /// In PC-AT mode INT reaches IRQ 6 only while the DOR's DMA GATE bit is set.
    fn update_irq(&self) {
        let gate = self.dor & DOR_DMA_GATE != 0;
        self.irq
            .set_level(self.interrupt && gate && !self.in_reset());
    }

    fn msr(&self) -> u8 {
        if self.in_reset() {
            return 0;
        }
        let busy = self
            .seek_status
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .fold(0, |acc, (i, _)| acc | 1 << i);
        let phase = match &self.phase {
            Phase::Idle => MSR_RQM,
            Phase::Command => MSR_RQM | MSR_CMD_BUSY,
            Phase::Execution(e) if e.pio => {
                let dio = if e.to_host() { MSR_DIO } else { 0 };
                MSR_RQM | MSR_NON_DMA | MSR_CMD_BUSY | dio
            }
            Phase::Execution(_) => MSR_CMD_BUSY,
            Phase::Result => MSR_RQM | MSR_DIO | MSR_CMD_BUSY,
        };
        phase | busy
    }

    /// Enters the result phase with `bytes`; `interrupt` for the commands that end with INT.
    fn finish(&mut self, bytes: &[u8], interrupt: bool) {
        self.result.clear();
        self.result.extend_from_slice(bytes);
        self.result_pos = 0;
        self.result_clears_interrupt = interrupt;
        self.phase = Phase::Result;
        if interrupt {
            self.raise_interrupt();
        }
    }

    /// A FIFO read: a result byte, a non-DMA data byte, or a floating bus.
    fn read_fifo(&mut self) -> u8 {
        match &mut self.phase {
            Phase::Result => {
                let byte = self.result.get(self.result_pos).copied().unwrap_or(0xFF);
                if self.result_pos == 0 && self.result_clears_interrupt {
                    self.clear_interrupt();
                }
                self.result_pos += 1;
                if self.result_pos >= self.result.len() {
                    self.phase = Phase::Idle;
                }
                byte
            }
            Phase::Execution(e) if e.pio && e.to_host() => self.pio_read(),
            _ => 0xFF,
        }
    }

    /// A FIFO write: a command or parameter byte, or a non-DMA data byte.
    fn write_fifo(&mut self, value: u8) {
        match &self.phase {
            Phase::Idle => {
                self.command.clear();
                self.command.push(value);
                self.phase = Phase::Command;
                self.command_byte();
            }
            Phase::Command => {
                self.command.push(value);
                self.command_byte();
            }
            Phase::Execution(e) if e.pio && !e.to_host() => self.pio_write(value),
            _ => log::debug!("fdc: FIFO write {value:#04x} outside the command phase ignored"),
        }
    }

    fn write_dor(&mut self, value: u8) {
        let was_reset = self.in_reset();
        self.dor = value;
        match (was_reset, self.in_reset()) {
            (false, true) => self.controller_reset(),
            (true, false) => self.release_reset(),
            _ => {}
        }
        self.update_irq();
    }

    fn write_dsr(&mut self, value: u8) {
        self.dsr = value & !DSR_RESET;
        if value & DSR_RESET != 0 && !self.in_reset() {
            self.controller_reset();
            self.release_reset();
        }
    }

    /// DIR bit 7: the DSKCHG line of the drive the DOR selects; bits 0-6 are not driven.
    fn dir(&self) -> u8 {
        let changed = self
            .drives
            .get(usize::from(self.dor & 3))
            .is_some_and(|d| d.disk_changed);
        0x7F | u8::from(changed) << 7
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        match port {
            0x3F2 => self.dor,
            0x3F3 => 0xFC | self.tdr,
            0x3F4 => self.msr(),
            0x3F5 if !self.in_reset() => self.read_fifo(),
            0x3F7 => self.dir(),
            // SRA/SRB exist only in PS/2 mode; in PC-AT mode the bus floats.
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, value: u8) {
        match port {
            0x3F2 => self.write_dor(value),
            0x3F3 => self.tdr = value & 3,
            0x3F4 => self.write_dsr(value),
            0x3F5 if !self.in_reset() => self.write_fifo(value),
            0x3F7 => self.dsr = self.dsr & !3 | value & 3,
            _ => {}
        }
    }
}

/// Whether `port` is one this device decodes.
fn decodes(port: u16) -> bool {
    PORTS
        .iter()
        .any(|&(start, count)| port.wrapping_sub(start) < count)
}

impl PortIo for Fdc82077 {
    /// Wider accesses are split into byte accesses at consecutive ports, as the ISA bus does.
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        (0..size.clamp(1, 4)).fold(0, |acc, i| {
            let p = port.wrapping_add(u16::from(i));
            let byte = if decodes(p) { self.read_byte(p) } else { 0xFF };
            acc | u32::from(byte) << (8 * i)
        })
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
        for i in 0..size.clamp(1, 4) {
            let p = port.wrapping_add(u16::from(i));
            if decodes(p) {
                self.write_byte(p, (value >> (8 * i)) as u8);
            }
        }
    }
}

#[cfg(test)]
mod tests;
