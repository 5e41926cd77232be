//! Floppy drives: found by POST from the CMOS drive types (register 0x10), driven by INT 13h
//! through the 82077 controller's ports and channel 2 of the 8237 DMA controller, as the
//! IBM PC/AT BIOS does (IBM PC/AT Technical Reference, "Diskette"; Intel 82077AA datasheet,
//! "Command Set Descriptions"; Ralf Brown's list, INT 13 and INT 1E); INT 0Eh (IRQ 6)
//! records the controller's interrupt in the BIOS data area.
//!
//! A service runs to its end before the guest runs again, so it cannot sleep until INT 0Eh
//! arrives: it polls the controller's main status register (bounded) for the result phase
//! instead, which the controller enters when it raises the interrupt.

use crate::platform::{linear, Platform, Regs, CF};
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBX, ECX, EDI, EDX};
use amber_cpu::Seg;

/// Where the diskette parameter table lies in the ROM (F000:EFC7, the PC/AT's address).
pub const PARAMETER_TABLE_OFFSET: u16 = 0xEFC7;

/// The diskette parameter table INT 1Eh points at (PC/AT layout, 1.44M values as SeaBIOS
/// has them): SPECIFY bytes (step rate 12 ms, head unload 240 ms; head load 4 ms, DMA),
/// motor-off delay in ticks, sector size code, sectors per track, gap length, data length,
/// format gap length, format fill byte, head settle time (ms), motor start time (1/8 s).
pub const PARAMETER_TABLE: [u8; 11] = [
    0xAF, 0x02, 0x25, 0x02, 18, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08,
];

/// The BIOS data area's diskette fields (IBM PC/AT Technical Reference).
mod bda {
    /// Bits 0-3: drive recalibrated; bit 7: the controller interrupted.
    pub const RECALIBRATE: u32 = 0x43E;
    /// Bits 0-3: motor on.
    pub const MOTOR: u32 = 0x43F;
    pub const MOTOR_TIMEOUT: u32 = 0x440;
    /// The last operation's status (INT 13h AH=01).
    pub const STATUS: u32 = 0x441;
    /// The controller's last seven result bytes.
    pub const RESULTS: u32 = 0x442;
    /// The last data rate sent to the controller (bits 7-6).
    pub const DATA_RATE: u32 = 0x48B;
    /// Media state per drive, then the present cylinder per drive.
    pub const MEDIA_STATE: u32 = 0x490;
    pub const CYLINDER: u32 = 0x494;
}

const INTERRUPT_OCCURRED: u8 = 0x80;

/// The 82077's registers in PC/AT mode.
const DOR: u16 = 0x3F2;
const MSR: u16 = 0x3F4;
const FIFO: u16 = 0x3F5;
const CCR: u16 = 0x3F7;
const DIR: u16 = 0x3F7;
/// DOR: controller enabled (not in reset), DMA and interrupt gate on.
const DOR_ENABLE: u8 = 0x0C;
const MSR_RQM: u8 = 0x80;
const MSR_DIO: u8 = 0x40;
/// Polls of the main status register before a service gives up with a timeout.
const POLLS: u32 = 10_000;

/// The drive types of CMOS register 0x10 and the format each reads natively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DriveType {
    /// INT 13h AH=08's BL, the same numbers as CMOS.
    pub cmos: u8,
    pub cylinders: u8,
    pub heads: u8,
    pub sectors: u8,
    /// The CCR data rate code (0 = 500 kb/s, 2 = 250 kb/s, 3 = 1 Mb/s).
    pub rate: u8,
}

const DRIVE_TYPES: [DriveType; 5] = [
    drive_type(1, 40, 9, 2),
    drive_type(2, 80, 15, 0),
    drive_type(3, 80, 9, 2),
    drive_type(4, 80, 18, 0),
    drive_type(5, 80, 36, 3),
];

const fn drive_type(cmos: u8, cylinders: u8, sectors: u8, rate: u8) -> DriveType {
    DriveType {
        cmos,
        cylinders,
        heads: 2,
        sectors,
        rate,
    }
}

impl DriveType {
    /// The drive type of a CMOS nibble (0 or an unknown value: no drive).
    pub fn from_cmos(nibble: u8) -> Option<DriveType> {
        DRIVE_TYPES.iter().find(|t| t.cmos == nibble).copied()
    }

    /// Sectors from side `head`, sector `sector` to the end of the cylinder.
    fn left_in_cylinder(&self, head: u8, sector: u8) -> u32 {
        let rest_of_track = u32::from(self.sectors - sector + 1);
        rest_of_track + u32::from(self.heads - 1 - head) * u32::from(self.sectors)
    }
}

/// The drive INT 13h number `dl` names.
fn drive(bios: &Bios, dl: u8) -> Option<DriveType> {
    bios.floppies.get(usize::from(dl)).copied().flatten()
}

/// POST: the drive types from CMOS, the DMA controllers (the cascade channel 4 open), the
/// floppy controller reset, the equipment word's diskette bits and the INT 1Eh vector.
pub fn init(bios: &mut Bios, p: &mut dyn Platform) {
    let types = p.cmos(0x10);
    bios.floppies = [
        DriveType::from_cmos(types >> 4),
        DriveType::from_cmos(types & 0x0F),
    ];
    // The second 8237: channel 4 in cascade mode and unmasked, so channels 0-3 can run.
    p.outb(0xD6, 0xC0);
    p.outb(0xD4, 0x00);
    reset_controller(p);
    let count = bios.floppies.iter().flatten().count() as u16;
    if count > 0 {
        let equipment = p.read_u16(super::bda::EQUIPMENT) & !0x00C1;
        p.write_u16(super::bda::EQUIPMENT, equipment | 1 | (count - 1) << 6);
    }
    for (i, t) in bios.floppies.iter().enumerate() {
        // Media state: known media, the drive's native rate (bits 7-6), double stepping off.
        let state = t.map_or(0, |t| 0x10 | rate_bits(t.rate));
        p.write_u8(bda::MEDIA_STATE + i as u32, state);
    }
    p.write_u32(
        4 * 0x1E,
        u32::from(crate::rom::SEGMENT) << 16 | u32::from(PARAMETER_TABLE_OFFSET),
    );
}

/// A data rate code in the positions the BDA keeps it (bits 7-6).
fn rate_bits(rate: u8) -> u8 {
    (rate & 3) << 6
}

/// INT 0Eh (IRQ 6): the controller finished something; note it and end the interrupt.
pub fn irq(_bios: &mut Bios, _r: &mut Regs, p: &mut dyn Platform) {
    let v = p.read_u8(bda::RECALIBRATE);
    p.write_u8(bda::RECALIBRATE, v | INTERRUPT_OCCURRED);
    p.outb(0x20, 0x20);
}

/// Waits (bounded) until the controller takes (`to_host` false) or offers a byte.
fn wait_ready(p: &mut dyn Platform, to_host: bool) -> Result<(), u8> {
    let want = MSR_RQM | if to_host { MSR_DIO } else { 0 };
    for _ in 0..POLLS {
        if p.inb(MSR) & (MSR_RQM | MSR_DIO) == want {
            return Ok(());
        }
    }
    Err(0x80)
}

/// Sends a command and its parameters.
fn send(p: &mut dyn Platform, bytes: &[u8]) -> Result<(), u8> {
    for &b in bytes {
        wait_ready(p, false)?;
        p.outb(FIFO, b);
    }
    Ok(())
}

/// Reads `N` result bytes.
fn results<const N: usize>(p: &mut dyn Platform) -> Result<[u8; N], u8> {
    let mut out = [0u8; N];
    for b in &mut out {
        wait_ready(p, true)?;
        *b = p.inb(FIFO);
    }
    Ok(out)
}

/// SENSE INTERRUPT STATUS: ST0 and the present cylinder.
fn sense_interrupt(p: &mut dyn Platform) -> Result<[u8; 2], u8> {
    send(p, &[0x08])?;
    results(p)
}

/// Resets the controller through the DOR, takes the four drive polling results, and sends
/// SPECIFY with the parameter table's timings (DMA mode). Every drive needs recalibrating.
fn reset_controller(p: &mut dyn Platform) {
    p.outb(DOR, DOR_ENABLE & !0x04);
    p.outb(DOR, DOR_ENABLE);
    for _ in 0..4 {
        if sense_interrupt(p).is_err() {
            break;
        }
    }
    let _ = send(p, &[0x03, PARAMETER_TABLE[0], PARAMETER_TABLE[1]]);
    p.write_u8(bda::RECALIBRATE, 0);
    p.write_u8(bda::MOTOR, 0);
}

/// Selects `drive` with its motor on and sets the data rate of its native format.
fn select(p: &mut dyn Platform, drive: u8, t: &DriveType) {
    p.outb(DOR, DOR_ENABLE | drive | 0x10 << drive);
    p.write_u8(bda::MOTOR, 1 << drive);
    p.write_u8(bda::MOTOR_TIMEOUT, PARAMETER_TABLE[2]);
    p.outb(CCR, t.rate);
    p.write_u8(bda::DATA_RATE, rate_bits(t.rate));
}

/// Moves the head of `drive` to `cylinder`, recalibrating first if the BIOS has not since
/// the last reset.
fn seek(p: &mut dyn Platform, drive: u8, cylinder: u8) -> Result<(), u8> {
    let recalibrated = p.read_u8(bda::RECALIBRATE);
    if recalibrated & 1 << drive == 0 {
        send(p, &[0x07, drive])?;
        let [st0, _] = sense_interrupt(p)?;
        if st0 & 0xC0 != 0 {
            return Err(0x40);
        }
        p.write_u8(bda::RECALIBRATE, recalibrated | 1 << drive);
        p.write_u8(bda::CYLINDER + u32::from(drive), 0);
    }
    send(p, &[0x0F, drive, cylinder])?;
    let [st0, pcn] = sense_interrupt(p)?;
    if st0 & 0xC0 != 0 || pcn != cylinder {
        return Err(0x40);
    }
    p.write_u8(bda::CYLINDER + u32::from(drive), cylinder);
    Ok(())
}

/// The BIOS status of a data command's ST0-ST2 (0 for success).
fn status_of(st: &[u8; 7]) -> u8 {
    let (st0, st1, st2) = (st[0], st[1], st[2]);
    match () {
        _ if st0 & 0xC0 == 0 => 0,
        _ if st0 & 0x08 != 0 => 0x80,
        _ if st1 & 0x02 != 0 => 0x03,
        _ if st1 & 0x10 != 0 => 0x08,
        _ if st1 & 0x20 != 0 || st2 & 0x20 != 0 => 0x10,
        _ if st1 & 0x01 != 0 => 0x02,
        _ if st1 & 0x84 != 0 => 0x04,
        _ => 0x20,
    }
}

/// What a transfer does with the data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Verify,
}

/// Programs DMA channel 2 for `len` bytes at `addr` (below 16 MiB, not crossing 64 KiB).
fn program_dma(p: &mut dyn Platform, op: Op, addr: u32, len: u32) {
    let mode = match op {
        Op::Read => 0x46,
        Op::Write => 0x4A,
        Op::Verify => 0x42,
    };
    let count = len - 1;
    p.outb(0x0A, 0x06);
    p.outb(0x0C, 0);
    p.outb(0x0B, mode);
    p.outb(0x04, addr as u8);
    p.outb(0x04, (addr >> 8) as u8);
    p.outb(0x81, (addr >> 16) as u8);
    p.outb(0x0C, 0);
    p.outb(0x05, count as u8);
    p.outb(0x05, (count >> 8) as u8);
    p.outb(0x0A, 0x02);
}

/// A transfer's start on the disk and its length.
#[derive(Clone, Copy)]
struct Chs {
    cylinder: u8,
    head: u8,
    sector: u8,
}

/// Moves `count` sectors from `at` on, one cylinder per controller command (MT on, so one
/// command crosses from side 0 to side 1). Returns the sectors moved, with the status of
/// the failure if there was one.
fn transfer(
    p: &mut dyn Platform,
    drive: u8,
    t: &DriveType,
    mut at: Chs,
    count: u32,
    addr: u32,
    op: Op,
) -> (u32, Result<(), u8>) {
    select(p, drive, t);
    let mut done = 0;
    while done < count {
        if at.cylinder >= t.cylinders {
            return (done, Err(0x04));
        }
        if let Err(e) = seek(p, drive, at.cylinder) {
            return (done, Err(e));
        }
        let n = (count - done).min(t.left_in_cylinder(at.head, at.sector));
        let result = command(p, drive, t, at, op, addr + done * 512, n);
        if let Err(e) = result {
            return (done, Err(e));
        }
        done += n;
        at = Chs {
            cylinder: at.cylinder + 1,
            head: 0,
            sector: 1,
        };
    }
    (done, Ok(()))
}

/// One READ DATA or WRITE DATA command of `n` sectors through DMA channel 2.
fn command(
    p: &mut dyn Platform,
    drive: u8,
    t: &DriveType,
    at: Chs,
    op: Op,
    addr: u32,
    n: u32,
) -> Result<(), u8> {
    program_dma(p, op, addr, n * 512);
    let v = p.read_u8(bda::RECALIBRATE);
    p.write_u8(bda::RECALIBRATE, v & !INTERRUPT_OCCURRED);
    let code = if op == Op::Write { 0xC5 } else { 0xE6 };
    send(
        p,
        &[
            code,
            at.head << 2 | drive,
            at.cylinder,
            at.head,
            at.sector,
            PARAMETER_TABLE[3],
            t.sectors,
            PARAMETER_TABLE[5],
            PARAMETER_TABLE[6],
        ],
    )?;
    let st: [u8; 7] = results(p)?;
    p.mem_write(bda::RESULTS, &st);
    match status_of(&st) {
        0 => Ok(()),
        e => Err(e),
    }
}

/// INT 13h for DL below 80h.
pub fn int13(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let dl = r.get(EDX) as u8;
    let ah = r.ah();
    let Some(t) = drive(bios, dl) else {
        let result = if ah == 0x15 {
            r.set(EAX, 0);
            Ok(())
        } else {
            Err(0x01)
        };
        p.write_u8(bda::STATUS, result.err().unwrap_or(0));
        return r.finish(p, result);
    };
    let result = match ah {
        0x00 => {
            reset_controller(p);
            Ok(())
        }
        0x01 => {
            let last = p.read_u8(bda::STATUS);
            r.set_ah(last);
            return r.set_stacked_flag(p, CF, last != 0);
        }
        0x02..=0x04 => chs_transfer(r, p, dl, &t),
        0x08 => {
            let count = bios.floppies.iter().flatten().count() as u16;
            r.set(EAX, 0);
            r.set(EBX, u16::from(t.cmos));
            r.set(ECX, u16::from(t.cylinders - 1) << 8 | u16::from(t.sectors));
            r.set(EDX, u16::from(t.heads - 1) << 8 | count);
            r.set_seg(Seg::Es, crate::rom::SEGMENT);
            r.set(EDI, PARAMETER_TABLE_OFFSET);
            Ok(())
        }
        0x15 => {
            // A diskette drive that reports disk changes.
            r.set_ah(0x02);
            p.write_u8(bda::STATUS, 0);
            return r.set_stacked_flag(p, CF, false);
        }
        0x16 => change_line(p, dl, &t),
        0x17 => Ok(()),
        0x18 => {
            let (cx, max_cyl) = (r.get(ECX), u16::from(t.cylinders - 1));
            let cyl = cx >> 8 | (cx & 0xC0) << 2;
            if cyl == max_cyl && cx & 0x3F == u16::from(t.sectors) {
                r.set_seg(Seg::Es, crate::rom::SEGMENT);
                r.set(EDI, PARAMETER_TABLE_OFFSET);
                Ok(())
            } else {
                Err(0x0C)
            }
        }
        _ => Err(0x01),
    };
    p.write_u8(bda::STATUS, result.err().unwrap_or(0));
    if result.is_ok() {
        r.set_ah(0);
    }
    r.finish(p, result);
}

/// AH=16h: whether the diskette was changed (the drive's DSKCHG line, DIR bit 7). A change
/// is reported once: stepping the head clears the line, as the PC/AT BIOS does.
fn change_line(p: &mut dyn Platform, drive: u8, t: &DriveType) -> Result<(), u8> {
    select(p, drive, t);
    if p.inb(DIR) & 0x80 == 0 {
        return Ok(());
    }
    seek(p, drive, 1)?;
    seek(p, drive, 0)?;
    Err(0x06)
}

/// AH=02 (read), 03 (write), 04 (verify): AL sectors from cylinder CH (+ CL bits 7-6),
/// sector CL bits 5-0, head DH, to or from ES:BX; AL returns the sectors moved. The buffer
/// may not cross a 64 KiB boundary (the DMA page), status 09h, as on the PC/AT.
fn chs_transfer(r: &mut Regs, p: &mut dyn Platform, drive: u8, t: &DriveType) -> Result<(), u8> {
    let (cx, dx) = (r.get(ECX), r.get(EDX));
    let cylinder = cx >> 8 | (cx & 0xC0) << 2;
    let sector = (cx & 0x3F) as u8;
    let head = (dx >> 8) as u8;
    let count = u32::from(r.al());
    let bad = count == 0
        || count > 128
        || sector == 0
        || sector > t.sectors
        || head >= t.heads
        || cylinder >= u16::from(t.cylinders);
    if bad {
        r.set_al(0);
        return Err(0x01);
    }
    let addr = linear(r.seg(Seg::Es), r.get(EBX));
    if addr >> 16 != (addr + count * 512 - 1) >> 16 {
        r.set_al(0);
        return Err(0x09);
    }
    let op = match r.ah() {
        0x02 => Op::Read,
        0x03 => Op::Write,
        _ => Op::Verify,
    };
    let at = Chs {
        cylinder: cylinder as u8,
        head,
        sector,
    };
    let (done, result) = transfer(p, drive, t, at, count, addr, op);
    r.set_al(done as u8);
    result
}

/// Loads the boot sector of drive `drive` at 0000:7C00. With `check_signature` it must end
/// in 55h AAh.
pub fn load_boot_sector(
    bios: &Bios,
    p: &mut dyn Platform,
    drive: u8,
    check_signature: bool,
) -> bool {
    let Some(t) = self::drive(bios, drive) else {
        return false;
    };
    let at = Chs {
        cylinder: 0,
        head: 0,
        sector: 1,
    };
    let (_, result) = transfer(p, drive, &t, at, 1, 0x7C00, Op::Read);
    result.is_ok() && (!check_signature || p.read_u16(0x7DFE) == 0xAA55)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_types_and_cylinder_arithmetic() {
        let t = DriveType::from_cmos(4).unwrap();
        assert_eq!((t.cylinders, t.heads, t.sectors, t.rate), (80, 2, 18, 0));
        assert_eq!(DriveType::from_cmos(3).unwrap().sectors, 9);
        assert_eq!(DriveType::from_cmos(0), None);
        assert_eq!(DriveType::from_cmos(6), None);
        assert_eq!(t.left_in_cylinder(0, 1), 36);
        assert_eq!(t.left_in_cylinder(0, 17), 20);
        assert_eq!(t.left_in_cylinder(1, 18), 1);
    }

    #[test]
    fn controller_results_map_to_bios_statuses() {
        let st = |st0, st1, st2| [st0, st1, st2, 0, 0, 1, 2];
        assert_eq!(status_of(&st(0x00, 0, 0)), 0);
        assert_eq!(status_of(&st(0x40, 0x02, 0)), 0x03, "write protected");
        assert_eq!(status_of(&st(0x40, 0x04, 0)), 0x04, "sector not found");
        assert_eq!(status_of(&st(0x40, 0x01, 0)), 0x02, "no address mark");
        assert_eq!(status_of(&st(0x40, 0x10, 0)), 0x08, "DMA overrun");
        assert_eq!(status_of(&st(0x48, 0x01, 0)), 0x80, "not ready");
        assert_eq!(status_of(&st(0x40, 0x20, 0x20)), 0x10, "CRC error");
    }
}
