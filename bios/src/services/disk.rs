//! Hard disks: found by POST with ATA IDENTIFY, read and written by INT 13h with ATA PIO
//! commands on the IDE ports (ATA/ATAPI-6), the classic CHS functions with an LBA-assisted
//! translation and the EDD 3.0 extensions 41h-48h (Phoenix "BIOS Enhanced Disk Drive
//! Specification"; Ralf Brown's list, INT 13), and INT 19h, which boots from the devices
//! in the CMOS boot order. Floppy drives (DL below 80h) are `floppy.rs`'s.

use super::{bda, eltorito, floppy};
use crate::platform::{linear, Platform, Regs};
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBX, ECX, EDX, ESI};
use amber_cpu::Seg;

const SECTOR: u32 = 512;

/// A disk POST found: its channel's base port, device number and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HardDisk {
    pub base: u16,
    pub unit: u8,
    pub sectors: u64,
}

/// The CHS geometry INT 13h presents: 63 sectors per track and the fewest heads (16, 32,
/// 64, 128, 255) that keep the cylinders at 1024 or below (the LBA-assisted translation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub cylinders: u32,
    pub heads: u32,
    pub sectors: u32,
}

impl HardDisk {
    pub fn geometry(&self) -> Geometry {
        let heads = [16, 32, 64, 128, 255]
            .into_iter()
            .find(|&h| self.sectors <= 1024 * h * 63)
            .unwrap_or(255);
        let cylinders = (self.sectors / (heads * 63)).clamp(1, 1024) as u32;
        Geometry {
            cylinders,
            heads: heads as u32,
            sectors: 63,
        }
    }
}

const BSY: u8 = 0x80;
const DRQ: u8 = 0x08;
const ERR: u8 = 0x01;

/// Waits for BSY to clear (a bounded number of polls) and returns the status.
fn wait(p: &mut dyn Platform, base: u16) -> u8 {
    let mut s = p.inb(base + 7);
    for _ in 0..100_000 {
        if s & BSY == 0 {
            break;
        }
        s = p.inb(base + 7);
    }
    s
}

/// Sends an ATA command addressing `count` (1-256) sectors at `lba`: LBA28 when it fits,
/// else the EXT form.
fn command(p: &mut dyn Platform, d: &HardDisk, lba: u64, count: u32, cmd28: u8, cmd48: u8) {
    let b = d.base;
    let ext = lba + u64::from(count) > 0x0FFF_FFFF;
    let dev = 0xE0 | (d.unit << 4);
    if ext {
        p.outb(b + 6, dev & 0xF0);
        for (reg, shift) in [(2, 8), (3, 24), (4, 32), (5, 40)] {
            let v = if reg == 2 {
                count >> 8
            } else {
                (lba >> shift) as u32
            };
            p.outb(b + reg, v as u8);
        }
    } else {
        p.outb(b + 6, dev | ((lba >> 24) as u8 & 0x0F));
    }
    p.outb(b + 2, count as u8);
    p.outb(b + 3, lba as u8);
    p.outb(b + 4, (lba >> 8) as u8);
    p.outb(b + 5, (lba >> 16) as u8);
    p.outb(b + 7, if ext { cmd48 } else { cmd28 });
}

/// Moves `count` sectors between the disk at `lba` and memory at `addr` (`write` to the
/// disk), or gives the BIOS status of the failure.
fn transfer(
    p: &mut dyn Platform,
    d: &HardDisk,
    lba: u64,
    count: u32,
    addr: u32,
    write: bool,
) -> Result<(), u8> {
    if count == 0 {
        return Ok(());
    }
    if lba + u64::from(count) > d.sectors {
        return Err(0x04);
    }
    let mut done = 0;
    while done < count {
        let n = (count - done).min(256);
        let (c28, c48) = if write { (0x30, 0x34) } else { (0x20, 0x24) };
        command(p, d, lba + u64::from(done), n, c28, c48);
        for _ in 0..n {
            let s = wait(p, d.base);
            if s & ERR != 0 || s & DRQ == 0 {
                return Err(if write { 0xCC } else { 0x10 });
            }
            let at = addr + done * SECTOR;
            let mut buf = [0u8; SECTOR as usize];
            if write {
                p.mem_read(at, &mut buf);
                for w in buf.chunks_exact(4) {
                    let v = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
                    p.port_write(d.base, 4, v);
                }
            } else {
                for w in buf.chunks_exact_mut(4) {
                    w.copy_from_slice(&p.port_read(d.base, 4).to_le_bytes());
                }
                p.mem_write(at, &buf);
            }
            done += 1;
        }
        if wait(p, d.base) & ERR != 0 {
            return Err(0x10);
        }
    }
    Ok(())
}

/// POST: IDENTIFY on each of the four IDE positions; ATA disks answer with their capacity.
pub fn probe(p: &mut dyn Platform) -> Vec<HardDisk> {
    let mut found = Vec::new();
    for base in [0x1F0u16, 0x170] {
        for unit in 0..2u8 {
            p.outb(base + 6, 0xA0 | (unit << 4));
            let s = p.inb(base + 7);
            if s == 0xFF || s & 0x40 == 0 {
                continue;
            }
            p.outb(base + 7, 0xEC);
            let s = wait(p, base);
            if s & ERR != 0 || s & DRQ == 0 {
                continue;
            }
            let w: Vec<u16> = (0..256).map(|_| p.port_read(base, 2) as u16).collect();
            let lba28 = u64::from(w[60]) | u64::from(w[61]) << 16;
            let lba48 = (0..4).fold(0u64, |a, i| a | u64::from(w[100 + i]) << (16 * i));
            let sectors = if w[83] & (1 << 10) != 0 && lba48 != 0 {
                lba48
            } else {
                lba28
            };
            found.push(HardDisk {
                base,
                unit,
                sectors,
            });
        }
    }
    found
}

/// The disk INT 13h number `dl` names.
fn disk(bios: &Bios, dl: u8) -> Option<HardDisk> {
    dl.checked_sub(0x80)
        .and_then(|i| bios.disks.get(usize::from(i)))
        .copied()
}

/// INT 13h: floppy drives below 80h, hard disks from 80h; CD-ROM drives, an emulated
/// diskette and AH=4Bh are `eltorito.rs`'s.
pub fn int13(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    if !eltorito::int13(bios, r, p) {
        drives(bios, r, p);
    }
}

/// INT 13h on the floppy drives and hard disks themselves.
pub fn drives(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let dl = r.get(EDX) as u8;
    let ah = r.ah();
    if dl < 0x80 {
        return floppy::int13(bios, r, p);
    }
    let Some(d) = disk(bios, dl) else {
        let result = if ah == 0x15 {
            r.set(EAX, 0);
            Ok(())
        } else {
            Err(0x01)
        };
        return r.finish(p, result);
    };
    let result = match ah {
        0x00 | 0x04 | 0x0C | 0x0D | 0x10 | 0x11 | 0x44 | 0x47 => Ok(()),
        0x01 => match p.read_u8(bda::DISK_STATUS) {
            0 => Ok(()),
            last => Err(last),
        },
        0x02 | 0x03 => chs_transfer(r, p, &d, ah == 0x03),
        0x08 => {
            // The last cylinder is reserved (for diagnostics, as on the PC/AT): the highest
            // cylinder number reported is two below the count, as SeaBIOS reports it too.
            let g = d.geometry();
            let c = g.cylinders.saturating_sub(2);
            r.set(ECX, ((c & 0xFF) << 8 | (c >> 2) & 0xC0 | g.sectors) as u16);
            r.set(EDX, ((g.heads - 1) << 8) as u16 | bios.disks.len() as u16);
            r.set(EAX, 0);
            Ok(())
        }
        0x15 => {
            r.set_ah(3);
            let n = d.sectors.min(u64::from(u32::MAX)) as u32;
            r.set(ECX, (n >> 16) as u16);
            r.set(EDX, n as u16);
            return r.set_stacked_flag(p, crate::platform::CF, false);
        }
        0x41 if r.get(EBX) == 0x55AA => {
            r.set(EBX, 0xAA55);
            r.set_ah(0x30);
            r.set(ECX, 0x0005);
            return r.set_stacked_flag(p, crate::platform::CF, false);
        }
        0x42 | 0x43 => ext_transfer(r, p, &d, ah == 0x43),
        0x48 => drive_parameters(r, p, &d),
        _ => Err(0x01),
    };
    p.write_u8(bda::DISK_STATUS, result.err().unwrap_or(0));
    if result.is_ok() {
        r.set_ah(0);
    }
    r.finish(p, result);
}

/// AH=02/03: AL sectors at cylinder CH (+ CL bits 7-6), sector CL bits 5-0, head DH, to or
/// from ES:BX; AL returns the sectors moved.
fn chs_transfer(r: &mut Regs, p: &mut dyn Platform, d: &HardDisk, write: bool) -> Result<(), u8> {
    let g = d.geometry();
    let (cx, dx) = (u32::from(r.get(ECX)), u32::from(r.get(EDX)));
    let cyl = (cx >> 8) | (cx & 0xC0) << 2;
    let sector = cx & 0x3F;
    let head = dx >> 8;
    let count = u32::from(r.al());
    if sector == 0 || sector > g.sectors || head >= g.heads || count == 0 {
        return Err(0x01);
    }
    let lba = (u64::from(cyl) * u64::from(g.heads) + u64::from(head)) * u64::from(g.sectors)
        + u64::from(sector - 1);
    let addr = linear(r.seg(Seg::Es), r.get(EBX));
    let result = transfer(p, d, lba, count, addr, write);
    if result.is_err() {
        r.set_al(0);
    }
    result
}

/// AH=42h/43h: the disk address packet at DS:SI: size, count (word at 2), buffer
/// offset:segment (4), 64-bit LBA (8).
fn ext_transfer(r: &mut Regs, p: &mut dyn Platform, d: &HardDisk, write: bool) -> Result<(), u8> {
    let dap = linear(r.seg(Seg::Ds), r.get(ESI));
    let count = u32::from(p.read_u16(dap + 2));
    let addr = linear(p.read_u16(dap + 6), p.read_u16(dap + 4));
    let lba = u64::from(p.read_u32(dap + 8)) | u64::from(p.read_u32(dap + 12)) << 32;
    let result = transfer(p, d, lba, count, addr, write);
    if result.is_err() {
        p.write_u16(dap + 2, 0);
    }
    result
}

/// AH=48h: the result buffer at DS:SI (EDD 3.0 table 2): size 26 or 30, flags (geometry
/// valid), cylinders, heads, sectors per track, total sectors, bytes per sector, and no
/// device parameter table extension (FFFF:FFFF).
fn drive_parameters(r: &mut Regs, p: &mut dyn Platform, d: &HardDisk) -> Result<(), u8> {
    let at = linear(r.seg(Seg::Ds), r.get(ESI));
    let size = p.read_u16(at);
    if size < 26 {
        return Err(0x01);
    }
    let g = d.geometry();
    p.write_u16(at, if size >= 30 { 30 } else { 26 });
    p.write_u16(at + 2, 0x0002);
    p.write_u32(at + 4, g.cylinders);
    p.write_u32(at + 8, g.heads);
    p.write_u32(at + 12, g.sectors);
    p.write_u32(at + 16, d.sectors as u32);
    p.write_u32(at + 20, (d.sectors >> 32) as u32);
    p.write_u16(at + 24, SECTOR as u16);
    if size >= 30 {
        p.write_u32(at + 26, 0xFFFF_FFFF);
    }
    Ok(())
}

/// Boot device codes of the CMOS boot order (QEMU's PC board, read by SeaBIOS too).
const BOOT_FLOPPY: u8 = 1;
const BOOT_HARD_DISK: u8 = 2;
const BOOT_CDROM: u8 = 3;

/// The boot order as QEMU stores it: CMOS 0x3D bits 3-0 first, bits 7-4 second, 0x38 bits
/// 7-4 third; devices not named follow (floppy, hard disk, CD-ROM), as in SeaBIOS, where
/// they keep the default priority. Also whether a floppy's boot signature is checked (0x38
/// bit 0 clear).
pub fn boot_order(p: &mut dyn Platform) -> (Vec<u8>, bool) {
    let (first, third) = (p.cmos(0x3D), p.cmos(0x38));
    let mut order: Vec<u8> = [first & 0x0F, first >> 4, third >> 4]
        .into_iter()
        .filter(|c| (BOOT_FLOPPY..=BOOT_CDROM).contains(c))
        .collect();
    for c in BOOT_FLOPPY..=BOOT_CDROM {
        if !order.contains(&c) {
            order.push(c);
        }
    }
    order.dedup();
    (order, third & 1 == 0)
}

/// INT 19h: tries the boot devices in the CMOS order: a floppy's or the first hard disk's
/// sector 0 is loaded at 0000:7C00 and, if it ends in 55h AAh, entered with DL = 00h or
/// 80h; a CD-ROM boots by El Torito (`eltorito.rs`). If nothing boots it returns, and the
/// POST stub calls INT 18h.
pub fn boot(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let (order, check_floppy_signature) = boot_order(p);
    for device in order {
        let (segment, offset, dl) = match device {
            BOOT_FLOPPY if floppy::load_boot_sector(bios, p, 0, check_floppy_signature) => {
                (0, 0x7C00, 0x00)
            }
            BOOT_HARD_DISK if boot_hard_disk(bios, p) => (0, 0x7C00, 0x80),
            BOOT_CDROM => match eltorito::boot(bios, p) {
                Some(entry) => entry,
                None => continue,
            },
            _ => continue,
        };
        r.set(EDX, u16::from(dl));
        r.return_to(p, segment, offset);
        return;
    }
}

/// Loads the first hard disk's master boot record; whether it carries the signature.
fn boot_hard_disk(bios: &Bios, p: &mut dyn Platform) -> bool {
    let Some(d) = bios.disks.first().copied() else {
        return false;
    };
    transfer(p, &d, 0, 1, 0x7C00, false).is_ok() && p.read_u16(0x7DFE) == 0xAA55
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The LBA-assisted translation (Phoenix EDD 3.0 annex / "Microsoft LBA translation"):
    /// 63 sectors per track, heads doubled from 16 until the cylinders fit in 1024.
    #[test]
    fn lba_assisted_geometry() {
        let g = |sectors| {
            HardDisk {
                base: 0x1F0,
                unit: 0,
                sectors,
            }
            .geometry()
        };
        let chs = |c, h| Geometry {
            cylinders: c,
            heads: h,
            sectors: 63,
        };
        assert_eq!(g(8192), chs(8, 16), "4 MiB");
        assert_eq!(
            g(1_032_192),
            chs(1024, 16),
            "504 MiB, the largest with 16 heads"
        );
        assert_eq!(g(1_032_193), chs(512, 32));
        assert_eq!(g(2_097_152), chs(520, 64), "1 GiB");
        assert_eq!(g(16_450_560), chs(1024, 255), "7.8 GiB, the CHS limit");
        assert_eq!(g(100_000_000), chs(1024, 255), "larger disks are clamped");
    }
}
