//! The 82077AA command set (datasheet "Command Set Descriptions", "Command Descriptions"):
//! the table of opcodes and parameter counts, the handlers, and the data transfer of READ
//! DATA, WRITE DATA and FORMAT TRACK through the DMA or the FIFO, ending with the result
//! values of "Result Phase Termination Values with no Error" and the status registers of
//! "Status Register Encoding".

use super::drive::{SectorId, ST1_MA};
use super::{Fdc82077, Phase, DMA_CHANNEL};
use crate::disk::SECTOR;
use crate::dma::{Dma8237, DmaMemory, Transfer};

/// ST0 interrupt codes and flags.
const ST0_ABNORMAL: u8 = 0x40;
const ST0_INVALID: u8 = 0x80;
const ST0_POLLING: u8 = 0xC0;
const ST0_SEEK_END: u8 = 0x20;
const ST0_EQUIPMENT_CHECK: u8 = 0x10;
const ST0_NOT_READY: u8 = 0x08;
/// ST1 and ST2 error flags.
const ST1_END_OF_CYLINDER: u8 = 0x80;
const ST1_DATA_ERROR: u8 = 0x20;
const ST1_OVERRUN: u8 = 0x10;
const ST1_NOT_WRITABLE: u8 = 0x02;
const ST2_DATA_ERROR_IN_DATA: u8 = 0x20;
/// ST3 bits 5 and 3 read as 1 on the 82077AA (no READY or TWO SIDE inputs).
const ST3_FIXED: u8 = 0x28;
const ST3_WRITE_PROTECT: u8 = 0x40;
const ST3_TRACK0: u8 = 0x10;
/// VERSION's result: an enhanced controller.
const VERSION_82077: u8 = 0x90;
/// CONFIGURE EIS: implied seek before read/write.
const CONFIG_EIS: u8 = 0x40;
/// SPECIFY ND: non-DMA mode.
const SPECIFY_ND: u8 = 0x01;

/// Command byte bits: MT (multitrack), MFM, and relative seek's DIR (toward higher
/// cylinders).
const CMD_MT: u8 = 0x80;
const CMD_MFM: u8 = 0x40;
const CMD_DIR: u8 = 0x40;

/// One command: the first byte matches `opcode` under `mask` (the MT/MFM/SK bits are free
/// where the command has them); `bytes` counts the command byte and its parameters.
struct CommandSpec {
    opcode: u8,
    mask: u8,
    bytes: usize,
    run: fn(&mut Fdc82077),
}

const fn spec(opcode: u8, mask: u8, bytes: usize, run: fn(&mut Fdc82077)) -> CommandSpec {
    CommandSpec {
        opcode,
        mask,
        bytes,
        run,
    }
}

const COMMANDS: [CommandSpec; 15] = [
    spec(0x06, 0x1F, 9, |f| f.begin_data(DataOp::Read)),
    spec(0x05, 0x3F, 9, |f| f.begin_data(DataOp::Write)),
    spec(0x0D, 0xBF, 6, |f| f.begin_data(DataOp::Format)),
    spec(0x0A, 0xBF, 2, Fdc82077::read_id),
    spec(0x03, 0xFF, 3, Fdc82077::specify),
    spec(0x04, 0xFF, 2, Fdc82077::sense_drive_status),
    spec(0x07, 0xFF, 2, Fdc82077::recalibrate),
    spec(0x08, 0xFF, 1, Fdc82077::sense_interrupt),
    spec(0x0F, 0xFF, 3, Fdc82077::seek),
    spec(0x8F, 0xBF, 3, Fdc82077::seek),
    spec(0x0E, 0xFF, 1, Fdc82077::dumpreg),
    spec(0x10, 0xFF, 1, |f| f.finish(&[VERSION_82077], false)),
    spec(0x12, 0xFF, 2, Fdc82077::perpendicular_mode),
    spec(0x13, 0xFF, 4, Fdc82077::configure),
    spec(0x14, 0x7F, 1, Fdc82077::lock),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DataOp {
    Read,
    Write,
    Format,
}

/// How a data command ends: ST0's interrupt code, ST1, ST2.
type Ending = (u8, u8, u8);

const NORMAL: Ending = (0, 0, 0);
/// The drive has no diskette (none inserted, or ejected during the command).
const NOT_READY: Ending = (ST0_ABNORMAL | ST0_NOT_READY, ST1_MA, 0);

/// A data command in its execution phase.
pub(super) struct Exec {
    op: DataOp,
    drive: usize,
    /// The physical head (HDS), which MT moves to side 1.
    head: u8,
    /// The sector being transferred (FORMAT: the last ID written).
    id: SectorId,
    eot: u8,
    multitrack: bool,
    mfm: bool,
    /// ST0 flags gathered on the way (SE after an implied seek).
    st0: u8,
    /// Non-DMA mode: the host moves the data through the FIFO.
    pub(super) pio: bool,
    /// FORMAT: sector size code, IDs still to come and the fill byte.
    format_n: u8,
    sectors_left: u8,
    fill: u8,
    /// The image sector of `id`, and the non-DMA data buffer with the FIFO's position in it.
    lba: u64,
    buf: [u8; SECTOR],
    pos: usize,
}

impl Exec {
    /// DIO: whether the data flows from the controller to the host.
    pub(super) fn to_host(&self) -> bool {
        self.op == DataOp::Read
    }

    /// Moves to the next sector after a transfer; returns whether the cylinder ended
    /// (datasheet "Result Phase Termination Values": R+1 below EOT; at EOT R=1 and, with MT
    /// on side 0, side 1 next, else C+1 with H's LSB complemented under MT).
    fn advance(&mut self) -> bool {
        if self.id.r != self.eot {
            self.id.r = self.id.r.wrapping_add(1);
            return false;
        }
        self.id.r = 1;
        if self.multitrack {
            self.id.h ^= 1;
            if self.head == 0 {
                self.head = 1;
                return false;
            }
        }
        self.id.c = self.id.c.wrapping_add(1);
        true
    }
}

impl Fdc82077 {
    /// A command byte arrived: run the command once all its bytes are in; an unknown first
    /// byte is an invalid command with the single result ST0 = 0x80.
    pub(super) fn command_byte(&mut self) {
        match COMMANDS
            .iter()
            .find(|c| self.command[0] & c.mask == c.opcode)
        {
            None => self.finish(&[ST0_INVALID], false),
            Some(c) if self.command.len() >= c.bytes => (c.run)(self),
            Some(_) => {}
        }
    }

    /// The drive select and head of a command's second byte (x x x x x HDS DS1 DS0).
    fn unit(&self) -> (usize, u8) {
        let b = self.command[1];
        (usize::from(b & 3), b >> 2 & 1)
    }

    fn specify(&mut self) {
        self.specify = [self.command[1], self.command[2]];
        self.phase = Phase::Idle;
    }

    fn sense_drive_status(&mut self) {
        let (drive, head) = self.unit();
        let mut st3 = ST3_FIXED | head << 2 | drive as u8;
        if let Some(d) = self.drives.get(drive) {
            if d.write_protected() {
                st3 |= ST3_WRITE_PROTECT;
            }
            if self.pcn[drive] == 0 {
                st3 |= ST3_TRACK0;
            }
        }
        self.finish(&[st3], false);
    }

    /// RECALIBRATE steps to track 0; with no drive attached TRK0 never comes and the command
    /// ends with an equipment check.
    fn recalibrate(&mut self) {
        let (drive, _) = self.unit();
        let st0 = match self.drives.get_mut(drive) {
            Some(d) => {
                if self.pcn[drive] != 0 {
                    d.step();
                }
                ST0_SEEK_END
            }
            None => ST0_ABNORMAL | ST0_SEEK_END | ST0_EQUIPMENT_CHECK,
        };
        self.pcn[drive] = 0;
        self.end_seek(drive, st0 | drive as u8);
    }

    /// SEEK to NCN, or RELATIVE SEEK by RCN toward higher (DIR=1) or lower cylinders.
    fn seek(&mut self) {
        let (drive, head) = self.unit();
        let n = self.command[2];
        let target = match self.command[0] {
            0x0F => n,
            c if c & CMD_DIR != 0 => self.pcn[drive].wrapping_add(n),
            _ => self.pcn[drive].wrapping_sub(n),
        };
        if target != self.pcn[drive] {
            if let Some(d) = self.drives.get_mut(drive) {
                d.step();
            }
        }
        self.pcn[drive] = target;
        self.end_seek(drive, ST0_SEEK_END | head << 2 | drive as u8);
    }

    /// A seek or recalibrate has no result phase: the drive stays busy with its ST0 until
    /// SENSE INTERRUPT STATUS, and INT rises.
    fn end_seek(&mut self, drive: usize, st0: u8) {
        self.seek_status[drive] = Some(st0);
        self.phase = Phase::Idle;
        self.raise_interrupt();
    }

    /// SENSE INTERRUPT STATUS: the reset polling results first (ST0 0xC0-0xC3), then a
    /// finished seek's ST0 and PCN; with nothing pending it is an invalid command.
    fn sense_interrupt(&mut self) {
        let (st0, drive) = if self.reset_sense > 0 {
            let drive = 4 - self.reset_sense;
            self.reset_sense -= 1;
            (ST0_POLLING | drive, usize::from(drive))
        } else if let Some(drive) = self.seek_status.iter().position(Option::is_some) {
            (self.seek_status[drive].take().unwrap_or(0), drive)
        } else {
            return self.finish(&[ST0_INVALID], false);
        };
        self.clear_interrupt();
        self.finish(&[st0, self.pcn[drive]], false);
    }

    fn dumpreg(&mut self) {
        let p = self.pcn;
        let regs = [
            p[0],
            p[1],
            p[2],
            p[3],
            self.specify[0],
            self.specify[1],
            self.last_eot,
            u8::from(self.lock) << 7 | self.perpendicular,
            self.config,
            self.pretrk,
        ];
        self.finish(&regs, false);
    }

    /// PERPENDICULAR MODE: OW=1 updates D3-D0; GAP and WGATE are always written.
    fn perpendicular_mode(&mut self) {
        let v = self.command[1];
        let drives = if v & 0x80 != 0 { v } else { self.perpendicular };
        self.perpendicular = drives & 0x3C | v & 0x03;
        self.phase = Phase::Idle;
    }

    fn configure(&mut self) {
        self.config = self.command[2] & 0x7F;
        self.pretrk = self.command[3];
        self.phase = Phase::Idle;
    }

    fn lock(&mut self) {
        self.lock = self.command[0] & 0x80 != 0;
        self.finish(&[u8::from(self.lock) << 4], false);
    }

    /// READ ID: the first ID field under the head (sector 1 here), or MA when the track
    /// holds none the controller can read.
    fn read_id(&mut self) {
        let (drive, head) = self.unit();
        let mfm = self.command[0] & CMD_MFM != 0;
        let pcn = self.pcn[drive];
        let st0 = head << 2 | drive as u8;
        let (st0, st1) = match self.drives.get(drive).and_then(|d| d.media.as_ref()) {
            None => (st0 | ST0_ABNORMAL | ST0_NOT_READY, ST1_MA),
            Some(m) if !m.track_readable(pcn, head, self.dsr & 3, mfm) => {
                (st0 | ST0_ABNORMAL, ST1_MA)
            }
            Some(_) => (st0, 0),
        };
        self.finish(&[st0, st1, 0, pcn, head, 1, 2], true);
    }

    /// The command phase of READ DATA, WRITE DATA or FORMAT TRACK is complete: check the
    /// drive and find the first sector, then wait for the DMA or offer the FIFO.
    fn begin_data(&mut self, op: DataOp) {
        let c = &self.command;
        let (drive, head) = self.unit();
        let format = op == DataOp::Format;
        let mut exec = Exec {
            op,
            drive,
            head,
            id: if format {
                SectorId {
                    c: self.pcn[drive],
                    h: head,
                    r: 0,
                    n: c[2],
                }
            } else {
                SectorId {
                    c: c[2],
                    h: c[3],
                    r: c[4],
                    n: c[5],
                }
            },
            eot: if format { 0 } else { c[6] },
            multitrack: !format && c[0] & CMD_MT != 0,
            mfm: c[0] & CMD_MFM != 0,
            st0: 0,
            pio: self.specify[1] & SPECIFY_ND != 0,
            format_n: c[2],
            sectors_left: if format { c[3] } else { 0 },
            fill: if format { c[5] } else { 0 },
            lba: 0,
            buf: [0; SECTOR],
            pos: 0,
        };
        self.last_eot = if format { c[3] } else { c[6] };
        if !format && self.config & CONFIG_EIS != 0 {
            if exec.id.c != self.pcn[drive] {
                if let Some(d) = self.drives.get_mut(drive) {
                    d.step();
                }
            }
            self.pcn[drive] = exec.id.c;
            exec.st0 |= ST0_SEEK_END;
        }
        let Some(drv) = self.drives.get(drive).filter(|d| d.media.is_some()) else {
            return self.end(&exec, NOT_READY);
        };
        if op != DataOp::Read && drv.write_protected() {
            return self.end(&exec, (ST0_ABNORMAL, ST1_NOT_WRITABLE, 0));
        }
        if let Some(ending) = self.locate(&mut exec) {
            return self.end(&exec, ending);
        }
        if exec.pio {
            if op == DataOp::Read {
                if let Some(ending) = self.load(&mut exec) {
                    return self.end(&exec, ending);
                }
            }
            self.raise_interrupt();
        }
        self.phase = Phase::Execution(Box::new(exec));
    }

    /// Finds `exec.id` on the track under the head and sets `exec.lba` (FORMAT: checks only
    /// that the track is one the image holds).
    fn locate(&self, exec: &mut Exec) -> Option<Ending> {
        let Some(media) = self.drives.get(exec.drive).and_then(|d| d.media.as_ref()) else {
            return Some(NOT_READY);
        };
        let pcn = self.pcn[exec.drive];
        if !media.track_readable(pcn, exec.head, self.dsr & 3, exec.mfm) {
            return Some((ST0_ABNORMAL, ST1_MA, 0));
        }
        if exec.op == DataOp::Format {
            return None;
        }
        match media.find(pcn, exec.head, exec.id) {
            Ok(lba) => {
                exec.lba = lba;
                None
            }
            Err((st1, st2)) => Some((ST0_ABNORMAL, st1, st2)),
        }
    }

    /// Reads sector `exec.lba` into the buffer; a host I/O error is a data error.
    fn load(&mut self, exec: &mut Exec) -> Option<Ending> {
        exec.pos = 0;
        let Some(media) = self
            .drives
            .get_mut(exec.drive)
            .and_then(|d| d.media.as_mut())
        else {
            return Some(NOT_READY);
        };
        media.read(exec.lba, &mut exec.buf).err().map(|e| {
            log::warn!("fdc: {e}");
            (ST0_ABNORMAL, ST1_DATA_ERROR, ST2_DATA_ERROR_IN_DATA)
        })
    }

    /// Writes the buffer to sector `exec.lba`.
    fn store(&mut self, exec: &Exec) -> Option<Ending> {
        let Some(media) = self
            .drives
            .get_mut(exec.drive)
            .and_then(|d| d.media.as_mut())
        else {
            return Some(NOT_READY);
        };
        media.write(exec.lba, &exec.buf).err().map(|e| {
            log::warn!("fdc: {e}");
            (ST0_ABNORMAL, ST1_DATA_ERROR, ST2_DATA_ERROR_IN_DATA)
        })
    }

    /// After a sector: TC ends the command normally, the end of the cylinder without TC ends
    /// it with EN, and otherwise the next sector must be found (and, reading, loaded).
    fn next_sector(&mut self, exec: &mut Exec, terminal_count: bool) -> Option<Ending> {
        let end_of_cylinder = exec.advance();
        if terminal_count {
            return Some(NORMAL);
        }
        if end_of_cylinder {
            return Some((ST0_ABNORMAL, ST1_END_OF_CYLINDER, 0));
        }
        self.locate(exec)
            .or_else(|| (exec.op == DataOp::Read).then(|| self.load(exec)).flatten())
    }

    /// FORMAT: one ID field from the host. The image keeps a sector whose R falls on the
    /// track and whose size is 512 bytes; it is filled with the fill byte.
    fn format_sector(&mut self, exec: &mut Exec, id: [u8; 4]) -> Option<Ending> {
        let [c, h, r, n] = id;
        exec.id = SectorId { c, h, r, n };
        exec.sectors_left = exec.sectors_left.saturating_sub(1);
        let pcn = self.pcn[exec.drive];
        let Some(media) = self.drives.get(exec.drive).and_then(|d| d.media.as_ref()) else {
            return Some(NOT_READY);
        };
        if exec.format_n != 2 || r == 0 || r > media.geometry.sectors {
            return None;
        }
        exec.lba = media.lba(pcn, exec.head, r);
        exec.buf = [exec.fill; SECTOR];
        self.store(exec)
    }

    /// The result phase of a data command: ST0 ST1 ST2 C H R N, with INT.
    fn end(&mut self, exec: &Exec, (ic, st1, st2): Ending) {
        let st0 = ic | exec.st0 | exec.head << 2 | exec.drive as u8;
        let id = exec.id;
        self.finish(&[st0, st1, st2, id.c, id.h, id.r, id.n], true);
    }

    /// The DMA-mode execution phase, sector by sector (FORMAT: ID by ID) through channel 2.
    /// A short transfer without TC is an overrun (the FDC was not serviced in time).
    pub(super) fn run_dma(
        &mut self,
        mut exec: Exec,
        gate: bool,
        dma: &mut Dma8237,
        mem: &mut dyn DmaMemory,
    ) {
        let overrun = (ST0_ABNORMAL, ST1_OVERRUN, 0);
        loop {
            let ending = match exec.op {
                DataOp::Read => match self.load(&mut exec) {
                    Some(e) => Some(e),
                    None => {
                        let t = if gate {
                            dma.transfer_to_memory(DMA_CHANNEL, mem, &exec.buf)
                        } else {
                            Transfer::default()
                        };
                        if t.bytes < SECTOR && !t.terminal_count {
                            Some(overrun)
                        } else {
                            self.next_sector(&mut exec, t.terminal_count)
                        }
                    }
                },
                DataOp::Write => {
                    exec.buf = [0; SECTOR];
                    let t = if gate {
                        dma.transfer_from_memory(DMA_CHANNEL, mem, &mut exec.buf)
                    } else {
                        Transfer::default()
                    };
                    if t.bytes < SECTOR && !t.terminal_count {
                        Some(overrun)
                    } else {
                        self.store(&exec)
                            .or_else(|| self.next_sector(&mut exec, t.terminal_count))
                    }
                }
                DataOp::Format => {
                    let mut id = [0; 4];
                    let t = if gate {
                        dma.transfer_from_memory(DMA_CHANNEL, mem, &mut id)
                    } else {
                        Transfer::default()
                    };
                    if t.bytes < id.len() && !t.terminal_count {
                        Some(overrun)
                    } else {
                        self.format_sector(&mut exec, id)
                            .or((t.terminal_count || exec.sectors_left == 0).then_some(NORMAL))
                    }
                }
            };
            if let Some(ending) = ending {
                return self.end(&exec, ending);
            }
        }
    }

    /// A non-DMA FIFO read in the execution phase. INT falls with each byte taken and rises
    /// again when the next is ready. Without TC the transfer runs to the end of the cylinder.
    pub(super) fn pio_read(&mut self) -> u8 {
        let Phase::Execution(mut exec) = std::mem::replace(&mut self.phase, Phase::Idle) else {
            return 0xFF;
        };
        let byte = exec.buf.get(exec.pos).copied().unwrap_or(0xFF);
        exec.pos += 1;
        self.clear_interrupt();
        let ending = if exec.pos >= SECTOR {
            self.next_sector(&mut exec, false)
        } else {
            None
        };
        self.pio_continue(exec, ending);
        byte
    }

    /// A non-DMA FIFO write in the execution phase (sector data, or FORMAT's ID bytes).
    pub(super) fn pio_write(&mut self, value: u8) {
        let Phase::Execution(mut exec) = std::mem::replace(&mut self.phase, Phase::Idle) else {
            return;
        };
        if let Some(slot) = exec.buf.get_mut(exec.pos) {
            *slot = value;
        }
        exec.pos += 1;
        self.clear_interrupt();
        let ending = match exec.op {
            DataOp::Format if exec.pos >= 4 => {
                let id = [exec.buf[0], exec.buf[1], exec.buf[2], exec.buf[3]];
                exec.pos = 0;
                self.format_sector(&mut exec, id)
                    .or((exec.sectors_left == 0).then_some(NORMAL))
            }
            DataOp::Write if exec.pos >= SECTOR => {
                exec.pos = 0;
                self.store(&exec)
                    .or_else(|| self.next_sector(&mut exec, false))
            }
            _ => None,
        };
        self.pio_continue(exec, ending);
    }

    fn pio_continue(&mut self, exec: Box<Exec>, ending: Option<Ending>) {
        match ending {
            Some(ending) => self.end(&exec, ending),
            None => {
                self.phase = Phase::Execution(exec);
                self.raise_interrupt();
            }
        }
    }
}
