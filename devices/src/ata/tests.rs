//! Expected values from ATA/ATAPI-6 (T13/1410D): the reset signature (9.12), the IDENTIFY
//! DEVICE words (8.15), the PIO protocols (9.7, 9.8) and the error bits (7.9.6).

use std::path::PathBuf;
use std::rc::Rc;

use super::*;
use crate::disk::WriteMode;
use crate::IrqLines;

pub(super) const BASE: u16 = 0x1F0;
pub(super) const CTRL: u16 = 0x3F6;

/// A scratch image of `sectors` sectors, each filled with its number's low byte and then a
/// marker in its first two bytes (the LBA, little-endian).
fn image(name: &str, sectors: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amber-ata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let mut bytes = Vec::new();
    for s in 0..sectors {
        let mut sector = [s as u8; SECTOR];
        sector[..2].copy_from_slice(&(s as u16).to_le_bytes());
        bytes.extend_from_slice(&sector);
    }
    std::fs::write(&p, bytes).unwrap();
    p
}

pub(super) fn channel(name: &str, sectors: u64) -> (AtaChannel, Rc<IrqLines>) {
    let lines = IrqLines::new();
    let mut ch = AtaChannel::new(lines.line(14));
    let disk = Disk::open(&image(name, sectors), WriteMode::Discard).unwrap();
    ch.attach(0, disk, "AMBER0001");
    (ch, lines)
}

pub(super) fn rd(ch: &mut AtaChannel, port: u16) -> u8 {
    ch.read(0, port, 1) as u8
}

pub(super) fn wr(ch: &mut AtaChannel, port: u16, v: u8) {
    ch.write(0, port, 1, u32::from(v));
}

pub(super) fn irq(lines: &IrqLines) -> bool {
    lines.levels() & (1 << 14) != 0
}

/// Reads one 512-byte block through the data port in words.
pub(super) fn read_block(ch: &mut AtaChannel) -> Vec<u8> {
    (0..256)
        .flat_map(|_| (ch.read(0, BASE, 2) as u16).to_le_bytes())
        .collect()
}

/// LBA28 task file: device register with LBA set, then the command.
pub(super) fn lba28(ch: &mut AtaChannel, lba: u32, count: u8, cmd: u8) {
    wr(ch, BASE + 6, 0xE0 | (lba >> 24) as u8);
    wr(ch, BASE + 2, count);
    wr(ch, BASE + 3, lba as u8);
    wr(ch, BASE + 4, (lba >> 8) as u8);
    wr(ch, BASE + 5, (lba >> 16) as u8);
    wr(ch, BASE + 7, cmd);
}

#[test]
fn reset_leaves_the_ata_signature() {
    let (mut ch, _) = channel("sig.img", 64);
    assert_eq!(rd(&mut ch, BASE + 2), 1, "sector count");
    assert_eq!(rd(&mut ch, BASE + 3), 1, "LBA low");
    assert_eq!(rd(&mut ch, BASE + 4), 0, "LBA mid (0x14 would be ATAPI)");
    assert_eq!(rd(&mut ch, BASE + 5), 0, "LBA high");
    assert_eq!(rd(&mut ch, BASE + 1), 1, "diagnostic code: device 0 passed");
    assert_eq!(rd(&mut ch, BASE + 7), 0x50, "DRDY and DSC");
    // A software reset: BSY while SRST is set, the signature again after.
    lba28(&mut ch, 9, 1, 0x20);
    wr(&mut ch, CTRL, SRST);
    assert_eq!(rd(&mut ch, CTRL) & status::BSY, status::BSY);
    wr(&mut ch, CTRL, 0);
    assert_eq!(
        (
            rd(&mut ch, BASE + 2),
            rd(&mut ch, BASE + 3),
            rd(&mut ch, BASE + 7)
        ),
        (1, 1, 0x50)
    );
}

#[test]
fn identify_reports_geometry_capacity_and_features() {
    let (mut ch, lines) = channel("id.img", 40_960);
    wr(&mut ch, BASE + 6, 0xA0);
    wr(&mut ch, BASE + 7, 0xEC);
    assert!(irq(&lines), "INTRQ when the data is ready");
    assert_eq!(rd(&mut ch, CTRL), 0x58, "DRDY, DSC, DRQ (alternate status)");
    assert!(irq(&lines), "the alternate status leaves INTRQ alone");
    assert_eq!(rd(&mut ch, BASE + 7), 0x58);
    assert!(!irq(&lines), "reading the status clears INTRQ");
    let b = read_block(&mut ch);
    let w = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    assert_eq!(w(0) & 0x8000, 0, "an ATA device");
    // 40960 sectors / (16 heads * 63 sectors) = 40 cylinders.
    assert_eq!((w(1), w(3), w(6)), (40, 16, 63));
    assert_eq!(u32::from(w(60)) | u32::from(w(61)) << 16, 40_960);
    assert_ne!(w(49) & (1 << 9), 0, "LBA supported");
    assert_ne!(w(83) & (1 << 10), 0, "48-bit addressing");
    assert_eq!(w(83) & 0xC000, 0x4000, "word 83 valid");
    assert_eq!(w(100), 40_960);
    // Strings hold two characters per word, the first in the high byte.
    let model: String = (27..47)
        .flat_map(|i| w(i).to_be_bytes())
        .map(char::from)
        .collect();
    assert_eq!(model.trim_end(), "amber hard disk");
    assert_eq!(rd(&mut ch, BASE + 7), 0x50, "DRQ clear after 256 words");
}

#[test]
fn read_sectors_in_lba_and_chs() {
    let (mut ch, lines) = channel("read.img", 2048);
    lba28(&mut ch, 5, 2, 0x20);
    for lba in [5u16, 6] {
        assert!(irq(&lines), "INTRQ for each block");
        assert_eq!(rd(&mut ch, BASE + 7), 0x58);
        let b = read_block(&mut ch);
        assert_eq!(&b[..3], &[lba as u8, 0, lba as u8], "sector {lba}");
    }
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    // CHS through the default translation: C 0, H 1, S 1 is LBA 63.
    wr(&mut ch, BASE + 6, 0xA1);
    wr(&mut ch, BASE + 2, 1);
    wr(&mut ch, BASE + 3, 1);
    wr(&mut ch, BASE + 4, 0);
    wr(&mut ch, BASE + 5, 0);
    wr(&mut ch, BASE + 7, 0x20);
    assert_eq!(read_block(&mut ch)[0], 63);
    // 32-bit data reads take four bytes at a time.
    lba28(&mut ch, 7, 1, 0x20);
    assert_eq!(ch.read(0, BASE, 4), 0x0707_0007);
}

#[test]
fn lba48_takes_the_high_bytes_from_the_previous_writes() {
    let (mut ch, _) = channel("ext.img", 0x200);
    // LBA 0x0000_0000_0123 written as previous = high half, current = low half; count 1.
    wr(&mut ch, BASE + 6, 0x40);
    for (reg, prev, cur) in [(2, 0, 1), (3, 0, 0x23), (4, 0, 0x01), (5, 0, 0)] {
        wr(&mut ch, BASE + reg, prev);
        wr(&mut ch, BASE + reg, cur);
    }
    wr(&mut ch, BASE + 7, 0x24);
    assert_eq!(&read_block(&mut ch)[..2], &[0x23, 0x01]);
    // HOB in device control reads the previous values back.
    wr(&mut ch, BASE + 3, 0x77);
    wr(&mut ch, BASE + 3, 0x88);
    wr(&mut ch, CTRL, HOB);
    assert_eq!(rd(&mut ch, BASE + 3), 0x77);
    wr(&mut ch, CTRL, 0);
    assert_eq!(rd(&mut ch, BASE + 3), 0x88);
}

#[test]
fn writes_reach_the_overlay_and_read_back() {
    let (mut ch, lines) = channel("write.img", 64);
    lba28(&mut ch, 10, 2, 0x30);
    assert!(
        !irq(&lines),
        "no INTRQ before the first block of a PIO-out command"
    );
    assert_eq!(rd(&mut ch, BASE + 7), 0x58);
    for i in 0..512u32 {
        ch.write(0, BASE, 2, 0xAB00 | (i & 0xFF));
    }
    assert!(irq(&lines), "INTRQ after the last block");
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    lba28(&mut ch, 11, 1, 0x20);
    let b = read_block(&mut ch);
    assert_eq!(&b[..4], &[0x00, 0xAB, 0x01, 0xAB]);
}

#[test]
fn multiple_mode_moves_blocks_of_several_sectors() {
    let (mut ch, lines) = channel("multi.img", 64);
    lba28(&mut ch, 0, 8, 0xC4);
    assert_eq!(
        rd(&mut ch, BASE + 7),
        0x41,
        "READ MULTIPLE aborts until enabled"
    );
    assert_eq!(rd(&mut ch, BASE + 1), error::ABRT);
    wr(&mut ch, BASE + 2, 3);
    wr(&mut ch, BASE + 7, 0xC6);
    assert_eq!(rd(&mut ch, BASE + 7), 0x41, "3 is not a power of two");
    wr(&mut ch, BASE + 2, 4);
    wr(&mut ch, BASE + 7, 0xC6);
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    lba28(&mut ch, 16, 8, 0xC4);
    let mut interrupts = 0;
    for lba in 16..24u8 {
        if irq(&lines) {
            interrupts += 1;
            rd(&mut ch, BASE + 7);
        }
        assert_eq!(read_block(&mut ch)[0], lba);
    }
    assert_eq!(interrupts, 2, "one INTRQ per 4-sector block");
}

#[test]
fn errors_set_err_and_the_error_register() {
    let (mut ch, lines) = channel("err.img", 64);
    // Sector 63 exists and is transferred; the missing 64 ends the command.
    lba28(&mut ch, 63, 2, 0x20);
    assert_eq!(rd(&mut ch, BASE + 7), 0x58);
    assert_eq!(read_block(&mut ch)[0], 63);
    assert_eq!(rd(&mut ch, BASE + 1), error::IDNF);
    assert_eq!(
        rd(&mut ch, BASE + 3),
        64,
        "the address of the missing sector"
    );
    lba28(&mut ch, 64, 1, 0x20);
    assert_eq!(
        rd(&mut ch, BASE + 7),
        0x41,
        "ERR with DRDY (DSC is command-specific in ATA-6; QEMU also clears it)"
    );
    assert_eq!(rd(&mut ch, BASE + 1), error::IDNF, "past the end");
    wr(&mut ch, BASE + 7, 0xFF);
    assert_eq!(rd(&mut ch, BASE + 1), error::ABRT, "unknown command");
    // nIEN keeps INTRQ from the line.
    wr(&mut ch, CTRL, NIEN);
    lba28(&mut ch, 1, 1, 0x20);
    assert!(!irq(&lines));
    wr(&mut ch, CTRL, 0);
    assert!(
        irq(&lines),
        "the pending interrupt shows once nIEN is cleared"
    );
}

#[test]
fn absent_devices() {
    let lines = IrqLines::new();
    let mut empty = AtaChannel::new(lines.line(15));
    assert_eq!(rd(&mut empty, 0x177), 0xFF, "no device: the bus floats");
    let (mut ch, _) = channel("one.img", 64);
    wr(&mut ch, BASE + 6, 0xB0);
    assert_eq!(rd(&mut ch, BASE + 7), 0, "device 1 absent");
    wr(&mut ch, BASE + 7, 0xEC);
    assert_eq!(rd(&mut ch, BASE + 7), 0, "commands to it are ignored");
}
