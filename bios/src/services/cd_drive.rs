//! INT 13h on a CD-ROM drive without emulation (drive numbers from E0h, El Torito
//! section 5), as SeaBIOS answers on its CD drives: the EDD 3.0 functions (Phoenix "BIOS
//! Enhanced Disk Drive Specification") in 2048-byte blocks through the ATAPI transport of
//! `cdrom.rs`; the CHS functions have no geometry to work with, the disc cannot be written,
//! and the removable-media functions 45h, 46h and 49h work on a lock count.

use super::bda;
use super::cdrom::{self, CdDrive, BLOCK};
use crate::platform::{linear, Platform, Regs};
use crate::Bios;
use amber_cpu::state::reg::{EBX, ECX, ESI};
use amber_cpu::Seg;

/// Functions whose success leaves an answer in AH.
const KEEP_AH: [u8; 3] = [0x01, 0x15, 0x41];

/// INT 13h on the CD drive `index` (E0h + `index`): the status in the BIOS data area and
/// CF, AH = 0 on success but for the functions that answer in AH.
pub fn int13(bios: &mut Bios, index: usize, r: &mut Regs, p: &mut dyn Platform) {
    let ah = r.ah();
    let result = function(bios, index, r, p);
    p.write_u8(bda::DISK_STATUS, result.err().unwrap_or(0));
    if result.is_ok() && !KEEP_AH.contains(&ah) {
        r.set_ah(0);
    }
    r.finish(p, result);
}

/// The function AH asks for.
fn function(bios: &mut Bios, i: usize, r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let Some(&cd) = bios.cdroms.get(i) else {
        return Err(0x01);
    };
    match r.ah() {
        0x00 | 0x09 | 0x0C | 0x0D | 0x10 | 0x11 | 0x14 | 0x44 | 0x47 => Ok(()),
        0x01 => {
            let last = p.read_u8(bda::DISK_STATUS);
            r.set_ah(last);
            if last == 0 {
                Ok(())
            } else {
                Err(last)
            }
        }
        0x15 => {
            r.set_ah(0x01);
            Ok(())
        }
        0x41 if r.get(EBX) == 0x55AA => {
            r.set(EBX, 0xAA55);
            r.set(ECX, 0x0007);
            r.set_ah(0x30);
            Ok(())
        }
        0x42 => extended_read(r, p, &cd),
        0x43 => Err(0x03),
        0x45 => match bios.cd_locks.get_mut(i) {
            Some(locks) => lock(locks, r),
            None => Err(0x01),
        },
        0x46 if bios.cd_locks.get(i).is_some_and(|&l| l != 0) => Err(0xB1),
        0x46 => Ok(()),
        0x48 => parameters(r, p),
        0x49 => Err(0x06),
        0x4E if matches!(r.al(), 0x01 | 0x03 | 0x04 | 0x06) => Ok(()),
        _ => Err(0x01),
    }
}

/// AH=45h: AL=00h lock, 01h unlock, 02h status; AL returns whether the drive is locked.
fn lock(locks: &mut u8, r: &mut Regs) -> Result<(), u8> {
    let result = match r.al() {
        0x00 if *locks == 0xFF => Err(0xB4),
        0x00 => {
            *locks += 1;
            Ok(())
        }
        0x01 if *locks == 0 => Err(0xB0),
        0x01 => {
            *locks -= 1;
            Ok(())
        }
        0x02 => Ok(()),
        _ => return Err(0x01),
    };
    r.set_al(u8::from(*locks != 0));
    result
}

/// AH=42h: the disk address packet at DS:SI: count of blocks (word at 2), buffer
/// offset:segment (4), 64-bit block number (8). On a failure the count is the blocks read.
fn extended_read(r: &mut Regs, p: &mut dyn Platform, cd: &CdDrive) -> Result<(), u8> {
    let dap = linear(r.seg(Seg::Ds), r.get(ESI));
    let count = u32::from(p.read_u16(dap + 2));
    let addr = linear(p.read_u16(dap + 6), p.read_u16(dap + 4));
    let lba = u64::from(p.read_u32(dap + 8)) | u64::from(p.read_u32(dap + 12)) << 32;
    let Ok(lba) = u32::try_from(lba) else {
        p.write_u16(dap + 2, 0);
        return Err(0x04);
    };
    let (done, result) = cdrom::read(p, cd, lba, count, addr);
    if result.is_err() {
        p.write_u16(dap + 2, done as u16);
    }
    result
}

/// AH=48h: the result buffer at DS:SI (EDD 3.0 table 2), as SeaBIOS fills it for a drive
/// with removable media: flags 74h (removable, change line, lockable, maximum values),
/// the geometry and sector count all ones, 2048 bytes per sector; 30-byte buffers get no
/// device parameter table extension (FFFF:FFFF).
fn parameters(r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let at = linear(r.seg(Seg::Ds), r.get(ESI));
    let size = p.read_u16(at);
    if size < 26 {
        return Err(0x01);
    }
    p.write_u16(at, if size >= 30 { 30 } else { 26 });
    p.write_u16(at + 2, 0x0074);
    p.mem_write(at + 4, &[0xFF; 20]);
    p.write_u16(at + 24, BLOCK as u16);
    if size >= 30 {
        p.write_u32(at + 26, 0xFFFF_FFFF);
    }
    Ok(())
}
