//! Booting from CD-ROM ("El Torito" Bootable CD-ROM Format Specification 1.0, Phoenix/IBM
//! 1995): the Boot Record Volume Descriptor (section 2.0) points at the boot catalog, whose
//! validation entry (2.1) and initial/default entry (2.2) say what to load and how the
//! image appears: without emulation (the CD keeps its own drive number, E0h on, as SeaBIOS
//! numbers it, served by `cd_drive.rs`), as a 1.2M/1.44M/2.88M diskette that becomes drive 00h (the real floppy
//! drives move up one), or as a hard disk that becomes drive 80h (the real hard disks move
//! up one), its geometry that of its first partition's end. Also INT 13h (section 5): the
//! emulated drive's classic functions in 512-byte pieces of CD blocks, and AH=4Bh with its
//! specification packet (5.4).

use super::cdrom::{self, CdDrive, BLOCK};
use super::disk::{self, Geometry};
use super::{bda, cd_drive, floppy};
use crate::platform::{linear, Platform, Regs};
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBX, ECX, EDI, EDX, ESI};
use amber_cpu::Seg;

/// The first drive number of CD-ROMs without emulation (SeaBIOS's EXTSTART_CD).
pub const FIRST_CD_DRIVE: u8 = 0xE0;
/// The Boot Record Volume Descriptor's block (section 2.0: sector 11h of the volume).
const BOOT_RECORD_BLOCK: u32 = 17;
const BOOT_RECORD_ID: &[u8] = b"\0CD001\x01EL TORITO SPECIFICATION";
/// A virtual sector of an emulated disk, four to a CD block.
const SECTOR: u32 = 512;
/// Loads end below the EBDA and video memory.
const LOAD_LIMIT: u32 = 0x9_FC00;
/// The diskette status byte of the BIOS data area.
const FLOPPY_STATUS: u32 = 0x441;

/// The initial/default entry of a boot catalog (section 2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Boot media type (bits 3-0): 0 no emulation, 1-3 diskettes, 4 hard disk.
    pub media: u8,
    /// Where the image is loaded (0 in the catalog means 07C0h).
    pub load_segment: u16,
    /// Virtual (512-byte) sectors loaded.
    pub sectors: u16,
    /// The image's first CD block.
    pub lba: u32,
}

/// The emulated diskettes: media type, sectors per track, and the drive type INT 13h AH=08h
/// gives in BL (Ralf Brown's list, INT 13/08: 02h 1.2M, 04h 1.44M, 06h 2.88M); all have 80
/// cylinders and 2 heads.
const DISKETTES: [(u8, u32, u8); 3] = [(1, 15, 0x02), (2, 18, 0x04), (3, 36, 0x06)];
/// The media type of hard disk emulation.
const HARD_DISK: u8 = 4;
/// Where the first partition's ending head, sector (and cylinder bits 9-8) and cylinder
/// lie in a master boot record.
const PARTITION_END: u32 = 0x1BE + 5;

/// The catalog's block, from a Boot Record Volume Descriptor: boot record indicator 0,
/// "CD001", version 1, the boot system identifier, the catalog pointer at 47h.
pub fn catalog_block(descriptor: &[u8]) -> Option<u32> {
    if !descriptor.starts_with(BOOT_RECORD_ID) {
        return None;
    }
    let p = descriptor.get(0x47..0x4B)?;
    Some(u32::from_le_bytes([p[0], p[1], p[2], p[3]]))
}

/// The initial/default entry, if the validation entry is sound (header 01h, platform 0 =
/// 80x86, key 55h AAh, words summing to 0) and the entry is bootable (88h).
pub fn initial_entry(catalog: &[u8]) -> Option<Entry> {
    let v = catalog.get(..0x20)?;
    let sum = v.chunks_exact(2).fold(0u16, |s, w| {
        s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
    });
    if v[0] != 0x01 || v[1] != 0x00 || v[0x1E..] != [0x55, 0xAA] || sum != 0 {
        return None;
    }
    let e = catalog.get(0x20..0x40)?;
    if e[0] != 0x88 {
        return None;
    }
    let word = |at: usize| u16::from_le_bytes([e[at], e[at + 1]]);
    let segment = word(2);
    Some(Entry {
        media: e[1] & 0x0F,
        load_segment: if segment == 0 { 0x07C0 } else { segment },
        sectors: word(6),
        lba: u32::from_le_bytes([e[8], e[9], e[10], e[11]]),
    })
}

/// The boot the BIOS made from a CD: what AH=4Bh reports, and the emulated drive's
/// whereabouts while `media` is 1-4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdBoot {
    pub cd: CdDrive,
    pub entry: Entry,
    /// The INT 13h number of the booted drive.
    pub drive: u8,
    /// The emulated drive's geometry (none without emulation).
    pub geometry: Option<Geometry>,
}

impl CdBoot {
    /// The emulated drive's geometry while the emulation lasts.
    fn emulation(&self) -> Option<Geometry> {
        self.geometry.filter(|_| self.entry.media != 0)
    }
}

/// An emulated diskette of media type `media`: its geometry and its AH=08h drive type.
fn diskette(media: u8) -> Option<(Geometry, u8)> {
    let &(_, sectors, bl) = DISKETTES.iter().find(|d| d.0 == media)?;
    let geometry = Geometry {
        cylinders: 80,
        heads: 2,
        sectors,
    };
    Some((geometry, bl))
}

/// An emulated hard disk's geometry: where the first partition of its master boot record
/// (loaded at `at`) ends, as SeaBIOS takes it.
fn hard_disk_geometry(p: &mut dyn Platform, at: u32) -> Geometry {
    let mut end = [0u8; 3];
    p.mem_read(at + PARTITION_END, &mut end);
    let [head, sector, cylinder] = end.map(u32::from);
    Geometry {
        cylinders: ((sector & 0xC0) << 2 | cylinder) + 1,
        heads: head + 1,
        sectors: sector & 0x3F,
    }
}

/// Reads `count` virtual sectors from sector `first` of the image on `cd` into memory.
fn read_image(
    p: &mut dyn Platform,
    cd: &CdDrive,
    image: u32,
    first: u32,
    count: u32,
    addr: u32,
) -> Result<(), u8> {
    if count == 0 {
        return Ok(());
    }
    let per_block = BLOCK / SECTOR;
    let block = first / per_block;
    let blocks = (first + count - 1) / per_block - block + 1;
    let data = cdrom::read_blocks(p, cd, image.wrapping_add(block), blocks)?;
    let from = ((first % per_block) * SECTOR) as usize;
    p.mem_write(addr, &data[from..from + (count * SECTOR) as usize]);
    Ok(())
}

/// INT 19h's CD-ROM entry: the first CD with a bootable catalog of a known media type is
/// loaded. Returns where to enter it (the load segment made canonical, 07C0h as 0000:7C00,
/// as SeaBIOS does) and the drive number for DL.
pub fn boot(bios: &mut Bios, p: &mut dyn Platform) -> Option<(u16, u16, u8)> {
    let cds = bios.cdroms.clone();
    let (index, cd, entry) = cds.iter().enumerate().find_map(|(i, cd)| {
        if !cdrom::ready(p, cd) {
            return None;
        }
        let descriptor = cdrom::read_blocks(p, cd, BOOT_RECORD_BLOCK, 1).ok()?;
        let catalog = cdrom::read_blocks(p, cd, catalog_block(&descriptor)?, 1).ok()?;
        let entry = initial_entry(&catalog)?;
        let offered = matches!(entry.media, 0 | HARD_DISK) || diskette(entry.media).is_some();
        offered.then_some((i, *cd, entry))
    })?;
    let drive = match entry.media {
        0 => FIRST_CD_DRIVE + index as u8,
        HARD_DISK => 0x80,
        _ => 0x00,
    };
    let at = u32::from(entry.load_segment) << 4;
    let count = u32::from(entry.sectors);
    if at + count * SECTOR > LOAD_LIMIT || read_image(p, &cd, entry.lba, 0, count, at).is_err() {
        return None;
    }
    let geometry = match drive {
        0x00 => {
            let real = bios.floppies.iter().flatten().count() as u16;
            let equipment = p.read_u16(bda::EQUIPMENT) & !0x00C1;
            p.write_u16(bda::EQUIPMENT, equipment | 1 | real.min(1) << 6);
            diskette(entry.media).map(|(g, _)| g)
        }
        0x80 => {
            p.write_u8(bda::DISK_COUNT, bios.disks.len() as u8 + 1);
            Some(hard_disk_geometry(p, at))
        }
        _ => None,
    };
    bios.cd_boot = Some(CdBoot {
        cd,
        entry,
        drive,
        geometry,
    });
    let segment = entry.load_segment;
    Some((segment & 0xF000, (segment & 0x0FFF) << 4, drive))
}

/// INT 13h for what El Torito adds: AH=4Bh on any drive, the emulated drive, the real
/// drives of its kind behind it, and the CD drives. Returns false for calls it leaves to the
/// disk and floppy services.
pub fn int13(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) -> bool {
    let dl = r.get(EDX) as u8;
    if r.ah() == 0x4B {
        terminate(bios, r, p);
        return true;
    }
    let emulated = bios.cd_boot.and_then(|b| Some((b, b.emulation()?)));
    if let Some((b, g)) = emulated {
        if dl == b.drive {
            let result = emulated_drive(bios, &b, g, r, p);
            let status = if dl < 0x80 {
                FLOPPY_STATUS
            } else {
                bda::DISK_STATUS
            };
            p.write_u8(status, result.err().unwrap_or(0));
            r.finish(p, result);
            return true;
        }
        if (dl ^ b.drive) & 0x80 == 0 && dl < FIRST_CD_DRIVE {
            shifted(bios, r, p);
            return true;
        }
    }
    let index = usize::from(dl.wrapping_sub(FIRST_CD_DRIVE));
    if dl < FIRST_CD_DRIVE || index >= bios.cdroms.len() {
        return false;
    }
    cd_drive::int13(bios, index, r, p);
    true
}

/// A real drive of the kind emulated: its number is one higher, and AH=08h counts the
/// emulated drive too (diskettes: at most two).
fn shifted(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let (ah, dx) = (r.ah(), r.get(EDX));
    r.set(EDX, dx - 1);
    if dx & 0x80 == 0 {
        floppy::int13(bios, r, p);
    } else {
        disk::drives(bios, r, p);
    }
    if ah == 0x08 && r.get(EAX) == 0 {
        let limit = if dx & 0x80 == 0 { 2 } else { 0xFF };
        let count = (r.get(EDX) & 0xFF) + 1;
        r.set(EDX, r.get(EDX) & 0xFF00 | count.min(limit));
    } else {
        r.set(EDX, r.get(EDX) & 0xFF00 | dx & 0xFF);
    }
}

/// AH=08h's CX and DH for the emulated drive: CH the highest cylinder's low bits (a hard
/// disk's last cylinder is reserved, as for the real ones), CL the sectors per track and
/// the cylinder's bits 9-8, DH the highest head.
fn chs_registers(b: &CdBoot, g: &Geometry) -> (u16, u8) {
    let max = g
        .cylinders
        .saturating_sub(if b.drive < 0x80 { 1 } else { 2 });
    let cx = (max & 0xFF) << 8 | (max >> 2) & 0xC0 | g.sectors & 0x3F;
    (cx as u16, g.heads.saturating_sub(1) as u8)
}

/// The classic functions on the emulated drive, as SeaBIOS answers them on its emulated
/// drive: reads in 512-byte pieces of CD blocks, writes and formats refused (write
/// protected), the rest without effect; AH=08h and 15h as for a diskette or a hard disk
/// (whose last cylinder is reserved, as for the real ones).
fn emulated_drive(
    bios: &Bios,
    b: &CdBoot,
    g: Geometry,
    r: &mut Regs,
    p: &mut dyn Platform,
) -> Result<(), u8> {
    let ah = r.ah();
    let floppy = b.drive < 0x80;
    let result = match ah {
        0x00 | 0x09 | 0x0C | 0x0D | 0x10 | 0x11 | 0x14 => Ok(()),
        0x01 => {
            let last = p.read_u8(if floppy {
                FLOPPY_STATUS
            } else {
                bda::DISK_STATUS
            });
            r.set_ah(last);
            return if last == 0 { Ok(()) } else { Err(last) };
        }
        0x02..=0x05 => chs_access(b, &g, r, p),
        0x08 if floppy => {
            let real = bios.floppies.iter().flatten().count() as u16;
            let (cx, dh) = chs_registers(b, &g);
            r.set(EAX, 0);
            r.set(
                EBX,
                u16::from(diskette(b.entry.media).map_or(0, |(_, bl)| bl)),
            );
            r.set(ECX, cx);
            r.set(EDX, u16::from(dh) << 8 | (real + 1).min(2));
            r.set_seg(Seg::Es, crate::rom::SEGMENT);
            r.set(EDI, floppy::PARAMETER_TABLE_OFFSET);
            Ok(())
        }
        0x08 => {
            let (cx, dh) = chs_registers(b, &g);
            r.set(EAX, 0);
            r.set(ECX, cx);
            r.set(EDX, u16::from(dh) << 8 | (bios.disks.len() as u16 + 1));
            Ok(())
        }
        0x15 if floppy => {
            r.set_ah(0x01);
            return Ok(());
        }
        0x15 => {
            let n = (g.cylinders - 1) * g.heads * g.sectors;
            r.set_ah(0x03);
            r.set(ECX, (n >> 16) as u16);
            r.set(EDX, n as u16);
            return Ok(());
        }
        0x16 if floppy => Err(0x06),
        _ => Err(0x01),
    };
    if result.is_ok() && ah != 0x08 {
        r.set_ah(0);
    }
    result
}

/// AH=02h-05h on the emulated drive: AL sectors at CH/CL/DH to ES:BX. The request is
/// checked against the geometry first; then reads move data, verifies succeed, and writes
/// and formats are refused.
fn chs_access(b: &CdBoot, g: &Geometry, r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let (cx, dx) = (u32::from(r.get(ECX)), u32::from(r.get(EDX)));
    let count = u32::from(r.al());
    let cylinder = cx >> 8 | (cx & 0xC0) << 2;
    let sector = cx & 0x3F;
    let head = dx >> 8;
    if count == 0 || count > 128 || sector == 0 {
        return Err(0x01);
    }
    if cylinder >= g.cylinders || head >= g.heads || sector > g.sectors {
        return Err(0x01);
    }
    let first = (cylinder * g.heads + head) * g.sectors + sector - 1;
    match r.ah() {
        0x02 => {
            let addr = linear(r.seg(Seg::Es), r.get(EBX));
            read_image(p, &b.cd, b.entry.lba, first, count, addr).inspect_err(|_| r.set_al(0))
        }
        0x04 => Ok(()),
        _ => {
            r.set_al(0);
            Err(0x03)
        }
    }
}

/// AH=4Bh AL=00h (terminate emulation) or 01h (status): the 13h-byte specification packet
/// at DS:SI (section 5.4). Terminating ends the diskette emulation: drive 00h is the real
/// drive A: again, and later packets say media type 0, as SeaBIOS's do.
fn terminate(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let al = r.al();
    let result = match bios.cd_boot.as_mut() {
        Some(b) if al <= 0x01 => {
            let at = linear(r.seg(Seg::Ds), r.get(ESI));
            p.mem_write(at, &packet(b));
            if al == 0x00 {
                b.entry.media = 0;
            }
            Ok(())
        }
        _ => Err(0x01),
    };
    if result.is_ok() {
        r.set_ah(0);
    }
    r.finish(p, result);
}

/// The specification packet: size, media type, drive number, controller index, image
/// block, device specification (master 0, slave 1), cache buffer segment (none), load
/// segment, sector count, then the emulated drive's geometry as INT 13h AH=08h on a
/// diskette gives it in CH, CL and DH (zero without emulation).
pub fn packet(b: &CdBoot) -> [u8; 0x13] {
    let mut out = [0u8; 0x13];
    out[0] = 0x13;
    out[1] = b.entry.media;
    out[2] = b.drive;
    out[3] = b.cd.controller();
    out[4..8].copy_from_slice(&b.entry.lba.to_le_bytes());
    out[8] = b.cd.unit;
    out[0x0C..0x0E].copy_from_slice(&b.entry.load_segment.to_le_bytes());
    out[0x0E..0x10].copy_from_slice(&b.entry.sectors.to_le_bytes());
    if let Some(g) = b.emulation() {
        let (cx, dh) = chs_registers(b, &g);
        out[0x10..0x13].copy_from_slice(&[(cx >> 8) as u8, cx as u8, dh]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A catalog as section 2 lays it out: validation entry with its checksum, then the
    /// initial/default entry.
    fn catalog(media: u8, segment: u16, sectors: u16, lba: u32) -> Vec<u8> {
        let mut c = vec![0u8; 2048];
        c[0] = 0x01;
        c[4..8].copy_from_slice(b"test");
        c[0x1E] = 0x55;
        c[0x1F] = 0xAA;
        let sum = c[..0x20].chunks_exact(2).fold(0u16, |s, w| {
            s.wrapping_add(u16::from_le_bytes([w[0], w[1]]))
        });
        c[0x1C..0x1E].copy_from_slice(&0u16.wrapping_sub(sum).to_le_bytes());
        c[0x20] = 0x88;
        c[0x21] = media;
        c[0x22..0x24].copy_from_slice(&segment.to_le_bytes());
        c[0x26..0x28].copy_from_slice(&sectors.to_le_bytes());
        c[0x28..0x2C].copy_from_slice(&lba.to_le_bytes());
        c
    }

    #[test]
    fn boot_record_points_at_the_catalog() {
        let mut d = vec![0u8; 2048];
        d[..BOOT_RECORD_ID.len()].copy_from_slice(BOOT_RECORD_ID);
        d[0x47..0x4B].copy_from_slice(&29u32.to_le_bytes());
        assert_eq!(catalog_block(&d), Some(29));
        d[1] = b'X';
        assert_eq!(catalog_block(&d), None);
    }

    #[test]
    fn initial_entry_of_a_sound_catalog() {
        let c = catalog(0, 0, 4, 30);
        let e = initial_entry(&c).unwrap();
        assert_eq!(
            e,
            Entry {
                media: 0,
                load_segment: 0x07C0,
                sectors: 4,
                lba: 30
            }
        );
        assert_eq!(
            initial_entry(&catalog(2, 0x1000, 1, 40))
                .unwrap()
                .load_segment,
            0x1000
        );
        let mut bad_sum = c.clone();
        bad_sum[0x1C] ^= 1;
        assert_eq!(initial_entry(&bad_sum), None, "checksum");
        let mut not_bootable = c.clone();
        not_bootable[0x20] = 0x00;
        assert_eq!(initial_entry(&not_bootable), None);
        assert_eq!(initial_entry(&c[..0x30]), None, "short");
    }

    /// Section 5.4's packet for a 1.44M diskette image: CH = 79, CL = 18, DH = 1.
    #[test]
    fn specification_packet() {
        let b = CdBoot {
            cd: CdDrive {
                base: 0x170,
                unit: 0,
            },
            entry: Entry {
                media: 2,
                load_segment: 0x07C0,
                sectors: 1,
                lba: 0x1234,
            },
            drive: 0,
            geometry: diskette(2).map(|(g, _)| g),
        };
        assert_eq!(
            packet(&b),
            [0x13, 2, 0, 1, 0x34, 0x12, 0, 0, 0, 0, 0, 0, 0xC0, 0x07, 1, 0, 79, 18, 1]
        );
    }
}
