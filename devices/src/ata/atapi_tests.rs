//! The ATAPI CD-ROM through the channel's ports. Expected values from ATA/ATAPI-6
//! (T13/1410D): the PACKET signature (9.12), IDENTIFY PACKET DEVICE (ch. 8), the PACKET
//! PIO protocol and its interrupt reason (9.10, and the PACKET command in ch. 8), and from SPC-3 for INQUIRY.

use std::path::PathBuf;
use std::rc::Rc;

use super::tests::{irq, rd, wr, BASE, CTRL};
use super::*;
use crate::disk::WriteMode;
use crate::IrqLines;

/// Interrupt reason values (ATA-6 9.10): C/D = bit 0, I/O = bit 1.
const REASON_PACKET: u8 = 0x01;
const REASON_DATA_IN: u8 = 0x02;
const REASON_DONE: u8 = 0x03;

/// The byte at `i` of 2048-byte block `b` of the test disc.
pub(super) fn pattern(b: u64, i: usize) -> u8 {
    (b as u8).wrapping_mul(31) ^ (i as u8) ^ ((i >> 8) as u8)
}

/// A disc image of `blocks` 2048-byte blocks plus a trailing 512-byte partial block.
fn iso(name: &str, blocks: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amber-atapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let mut bytes: Vec<u8> = (0..blocks)
        .flat_map(|b| (0..2048).map(move |i| pattern(b, i)))
        .collect();
    bytes.extend_from_slice(&[0xEE; 512]);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A channel with the CD as device `unit` (and nothing else), device selected.
pub(super) fn cd_channel(name: &str, blocks: u64, unit: usize) -> (AtaChannel, Rc<IrqLines>) {
    let lines = IrqLines::new();
    let mut ch = AtaChannel::new(lines.line(14));
    let disk = Disk::open(&iso(name, blocks), WriteMode::Discard).unwrap();
    ch.attach_cdrom(unit, disk, "CD0001");
    wr(&mut ch, BASE + 6, 0xA0 | (unit as u8) << 4);
    (ch, lines)
}

/// PACKET with byte count limit `limit`, then the command packet (padded to 12 bytes) in
/// six words, checking the command-packet phase (ATA-6 9.10: DRQ, C/D=1, I/O=0, no INTRQ).
pub(super) fn send_packet(ch: &mut AtaChannel, lines: &IrqLines, limit: u16, cdb: &[u8]) {
    wr(ch, BASE + 1, 0);
    wr(ch, BASE + 4, limit as u8);
    wr(ch, BASE + 5, (limit >> 8) as u8);
    wr(ch, BASE + 7, 0xA0);
    assert_eq!(rd(ch, CTRL) & (status::DRQ | status::BSY), status::DRQ);
    assert_eq!(rd(ch, BASE + 2) & 3, REASON_PACKET, "C/D=1, I/O=0");
    assert!(!irq(lines), "no INTRQ before the command packet");
    let mut packet = [0u8; 12];
    packet[..cdb.len()].copy_from_slice(cdb);
    for w in packet.chunks(2) {
        ch.write(0, BASE, 2, u32::from(u16::from_le_bytes([w[0], w[1]])));
    }
}

/// The data-in phase to its end: each DRQ block with INTRQ, I/O=1 C/D=0 and its byte count
/// read in words; returns the data and the block sizes, and checks the completion
/// (I/O=1, C/D=1, INTRQ).
pub(super) fn data_in(ch: &mut AtaChannel, lines: &IrqLines) -> (Vec<u8>, Vec<usize>) {
    let mut data = Vec::new();
    let mut sizes = Vec::new();
    while rd(ch, CTRL) & status::DRQ != 0 {
        assert!(irq(lines), "INTRQ for each DRQ block");
        assert_eq!(rd(ch, BASE + 7) & 0xC9, 0x48, "DRDY, DRQ, no BSY or ERR");
        assert!(!irq(lines), "the status read clears INTRQ");
        assert_eq!(rd(ch, BASE + 2) & 3, REASON_DATA_IN);
        let n = usize::from(rd(ch, BASE + 4)) | usize::from(rd(ch, BASE + 5)) << 8;
        sizes.push(n);
        let mut block = Vec::new();
        for _ in 0..n.div_ceil(2) {
            block.extend_from_slice(&(ch.read(0, BASE, 2) as u16).to_le_bytes());
        }
        block.truncate(n);
        data.extend_from_slice(&block);
    }
    assert!(irq(lines), "INTRQ at completion");
    assert_eq!(rd(ch, BASE + 2) & 3, REASON_DONE, "I/O=1, C/D=1");
    (data, sizes)
}

/// A whole command: packet, data, completion; returns the data and the final status.
pub(super) fn run(ch: &mut AtaChannel, lines: &IrqLines, limit: u16, cdb: &[u8]) -> (Vec<u8>, u8) {
    send_packet(ch, lines, limit, cdb);
    let (data, _) = data_in(ch, lines);
    (data, rd(ch, BASE + 7))
}

fn signature(ch: &mut AtaChannel) -> [u8; 4] {
    [2, 3, 4, 5].map(|r| rd(ch, BASE + r))
}

#[test]
fn reset_shows_the_packet_signature_and_identify_device_aborts() {
    let (mut ch, lines) = cd_channel("sig.iso", 4, 0);
    // ATA-6 9.12: PACKET devices: count 01h, LBA low 01h, LBA mid 14h, LBA high EBh.
    assert_eq!(signature(&mut ch), [0x01, 0x01, 0x14, 0xEB]);
    assert_eq!(rd(&mut ch, BASE + 1), 0x01, "diagnostic code 01h");
    assert_eq!(
        rd(&mut ch, BASE + 7),
        0,
        "status 00h, DRDY clear (atapi.rs)"
    );
    // ATA-6 8.15: IDENTIFY DEVICE to a packet device aborts, the signature stays.
    wr(&mut ch, BASE + 4, 0x55);
    wr(&mut ch, BASE + 7, 0xEC);
    assert!(irq(&lines));
    assert_eq!(rd(&mut ch, BASE + 7), status::DRDY | status::ERR);
    assert_eq!(rd(&mut ch, BASE + 1), error::ABRT);
    assert_eq!(signature(&mut ch), [0x01, 0x01, 0x14, 0xEB]);
    // A software reset brings it back too.
    wr(&mut ch, BASE + 4, 0x55);
    wr(&mut ch, CTRL, SRST);
    wr(&mut ch, CTRL, 0);
    assert_eq!(signature(&mut ch), [0x01, 0x01, 0x14, 0xEB]);
    // DEVICE RESET (ATA-6 ch. 8), also while DRQ is set: signature, no INTRQ.
    wr(&mut ch, BASE + 7, 0xA0); // a PACKET waiting for its command packet
    wr(&mut ch, BASE + 7, 0x00); // NOP is not taken while DRQ is set
    assert_eq!(rd(&mut ch, CTRL) & status::DRQ, status::DRQ);
    wr(&mut ch, BASE + 7, 0x08);
    assert!(!irq(&lines), "DEVICE RESET raises no INTRQ");
    assert_eq!(rd(&mut ch, BASE + 7) & status::DRQ, 0);
    assert_eq!(signature(&mut ch), [0x01, 0x01, 0x14, 0xEB]);
    // NOP always aborts (ATA-6, NOP command).
    wr(&mut ch, BASE + 7, 0x00);
    assert_eq!(rd(&mut ch, BASE + 1), error::ABRT);
    // CHECK POWER MODE (ATA-6 ch. 8): count FFh, active or idle.
    wr(&mut ch, BASE + 7, 0xE5);
    assert_eq!((rd(&mut ch, BASE + 7), rd(&mut ch, BASE + 2)), (0x50, 0xFF));
}

#[test]
fn a_failing_image_read_is_a_medium_error() {
    let lines = IrqLines::new();
    let mut ch = AtaChannel::new(lines.line(14));
    let path = iso("shrinks.iso", 8);
    ch.attach_cdrom(0, Disk::open(&path, WriteMode::Discard).unwrap(), "CD");
    wr(&mut ch, BASE + 6, 0xA0);
    // The image loses all but its first block behind the drive's back.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(2048).unwrap();
    let (d, st) = run(&mut ch, &lines, 0x800, &[0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0]);
    assert_eq!(d.len(), 2048, "block 0 still reads");
    assert_eq!(st, status::DRDY | status::ERR);
    // SPC-3 4.5.6: MEDIUM ERROR is sense key 3, in error register bits 7-4.
    assert_eq!(rd(&mut ch, BASE + 1), 0x30);
    assert!(
        ch.last_error.is_some(),
        "the storage error is kept for the board"
    );
    let (s, _) = run(&mut ch, &lines, 0x800, &[0x03, 0, 0, 0, 18, 0]);
    // ASC 11h UNRECOVERED READ ERROR.
    assert_eq!((s[2], s[12]), (0x03, 0x11));
}

#[test]
fn each_device_shows_its_own_signature_after_reset() {
    let lines = IrqLines::new();
    let mut ch = AtaChannel::new(lines.line(14));
    let dir = std::env::temp_dir().join(format!("amber-atapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hd = dir.join("hd.img");
    std::fs::write(&hd, [0u8; 4096]).unwrap();
    ch.attach(0, Disk::open(&hd, WriteMode::Discard).unwrap(), "HD");
    let cd = Disk::open(&iso("slave.iso", 2), WriteMode::Discard).unwrap();
    ch.attach_cdrom(1, cd, "CD");
    // ATA-6 9.12: device 0 an ATA disk (00h, 00h), device 1 a packet device (14h, EBh).
    assert_eq!(signature(&mut ch), [1, 1, 0, 0]);
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    wr(&mut ch, BASE + 6, 0xB0);
    assert_eq!(signature(&mut ch), [1, 1, 0x14, 0xEB]);
    assert_eq!(rd(&mut ch, BASE + 7), 0);
    wr(&mut ch, BASE + 6, 0xA0);
    assert_eq!(signature(&mut ch), [1, 1, 0, 0]);
}

#[test]
fn identify_packet_device_describes_a_cdrom() {
    let (mut ch, lines) = cd_channel("id.iso", 4, 1);
    wr(&mut ch, BASE + 7, 0xA1);
    assert!(irq(&lines));
    assert_eq!(rd(&mut ch, BASE + 7), 0x58, "DRDY, DSC, DRQ");
    let b: Vec<u8> = (0..256)
        .flat_map(|_| (ch.read(0, BASE, 2) as u16).to_le_bytes())
        .collect();
    let w = |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    // ATA-6 IDENTIFY PACKET DEVICE word 0: 15-14 = 10b ATAPI, 12-8 = 05h CD-ROM, 7 removable, 6-5 = 10b
    // DRQ within 50 us, 1-0 = 00b 12-byte packets.
    assert_eq!(w(0), 0b1000_0101_1100_0000);
    assert_ne!(w(49) & (1 << 9), 0, "word 49 bit 9: LBA supported");
    assert_ne!(w(49) & (1 << 8), 0, "word 49 bit 8: DMA supported");
    assert_ne!(w(82) & (1 << 4), 0, "word 82 bit 4: PACKET feature set");
    assert_ne!(w(82) & (1 << 9), 0, "word 82 bit 9: DEVICE RESET");
    assert_eq!(w(83) & 0xC000, 0x4000, "word 83 bits 15-14: 01b");
    let text = |r: std::ops::Range<usize>| -> String {
        r.flat_map(|i| w(i).to_be_bytes()).map(char::from).collect()
    };
    assert_eq!(
        text(10..20).trim_end(),
        "CD0001",
        "serial, first char high byte"
    );
    assert_eq!(text(27..47).trim_end(), "AMBER CD-ROM");
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
}

#[test]
fn inquiry_round_trip_through_the_packet_phases() {
    let (mut ch, lines) = cd_channel("inq.iso", 4, 0);
    let (d, st) = run(&mut ch, &lines, 0x100, &[0x12, 0, 0, 0, 36, 0]);
    assert_eq!(st, 0x50, "DRDY, no CHK");
    assert_eq!(d.len(), 36);
    // SPC-3 6.4.2: peripheral device type 05h, RMB, response data format 2, additional
    // length n - 4 = 31, T10 vendor identification in bytes 8-15.
    assert_eq!(d[0], 0x05);
    assert_eq!(d[1] & 0x80, 0x80);
    assert_eq!(d[3] & 0x0F, 2);
    assert_eq!(d[4], 31);
    assert_eq!(&d[8..16], b"AMBER   ");
    // The allocation length cuts the data, and the byte count tells the host.
    send_packet(&mut ch, &lines, 0x100, &[0x12, 0, 0, 0, 5, 0]);
    assert_eq!((rd(&mut ch, BASE + 4), rd(&mut ch, BASE + 5)), (5, 0));
    let (d, sizes) = data_in(&mut ch, &lines);
    assert_eq!((d.len(), sizes), (5, vec![5]));
}

#[test]
fn read10_moves_blocks_in_drq_blocks_of_the_byte_count_limit() {
    let (mut ch, lines) = cd_channel("read.iso", 8, 0);
    let expected: Vec<u8> = (2..5u64)
        .flat_map(|b| (0..2048).map(move |i| pattern(b, i)))
        .collect();
    // READ(10) (MMC-3): LBA in bytes 2-5, transfer length in blocks in bytes 7-8.
    let read = [0x28, 0, 0, 0, 0, 2, 0, 0, 3, 0];
    // ATA-6 9.10: each DRQ block holds at most the byte count limit; an odd limit gives
    // even blocks.
    for (limit, blocks) in [
        (0x800u16, vec![0x800; 3]),
        (0x200, vec![0x200; 12]),
        (0x201, vec![0x200; 12]),
        (0x1000, vec![0x1000, 0x800]),
        (0x0000, vec![0x1800]),
    ] {
        send_packet(&mut ch, &lines, limit, &read);
        let (d, sizes) = data_in(&mut ch, &lines);
        assert_eq!(sizes, blocks, "limit {limit:#x}");
        assert!(d == expected, "data with limit {limit:#x}");
        assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    }
    // READ(12): transfer length in bytes 6-9; the last block.
    let (d, st) = run(&mut ch, &lines, 0xFFFE, &[0xA8, 0, 0, 0, 0, 7, 0, 0, 0, 1]);
    assert_eq!(st, 0x50);
    assert!(d.iter().enumerate().all(|(i, &v)| v == pattern(7, i)));
    // 32-bit reads take four bytes at a time.
    send_packet(&mut ch, &lines, 0x800, &[0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0]);
    let v = ch.read(0, BASE, 4).to_le_bytes();
    assert_eq!(v, [0, 1, 2, 3].map(|i| pattern(1, i)));
}

#[test]
fn errors_report_the_sense_key_and_nien_masks_intrq() {
    let (mut ch, lines) = cd_channel("err.iso", 8, 0);
    // ATA-6 9.10 and PACKET error outputs: CHK (ERR) in status, sense key in error bits 7-4
    // (no ABRT, as QEMU's ide-cd); I/O and C/D set. ILLEGAL REQUEST is key 5 (SPC-3 4.5.6).
    send_packet(&mut ch, &lines, 0x800, &[0xFF]);
    assert!(irq(&lines));
    assert_eq!(rd(&mut ch, BASE + 7), status::DRDY | status::ERR);
    assert_eq!(rd(&mut ch, BASE + 1), 0x50);
    assert_eq!(rd(&mut ch, BASE + 2) & 3, REASON_DONE);
    // nIEN: the command completes with INTRQ held off the line until nIEN is cleared.
    wr(&mut ch, CTRL, NIEN);
    wr(&mut ch, BASE + 1, 0);
    wr(&mut ch, BASE + 7, 0xA0);
    for _ in 0..6 {
        ch.write(0, BASE, 2, 0); // TEST UNIT READY
    }
    assert!(!irq(&lines));
    assert_eq!(rd(&mut ch, CTRL), 0x50);
    wr(&mut ch, CTRL, 0);
    assert!(
        irq(&lines),
        "the pending interrupt shows once nIEN is cleared"
    );
    assert_eq!(rd(&mut ch, BASE + 2) & 3, REASON_DONE);
}

#[test]
fn arbitrary_guest_io_never_panics() {
    let (mut ch, _) = cd_channel("fuzz.iso", 8, 0);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let opcodes = [
        0x00, 0x03, 0x12, 0x1A, 0x25, 0x28, 0x42, 0x43, 0x46, 0x4A, 0x51,
    ];
    for _ in 0..20_000 {
        let r = next();
        let port = [
            BASE,
            BASE + 1,
            BASE + 2,
            BASE + 3,
            BASE + 4,
            BASE + 5,
            BASE + 7,
            CTRL,
        ][(r % 8) as usize];
        let size = [1u8, 2, 4][(r >> 8) as usize % 3];
        match (r >> 16) % 4 {
            0 => {
                ch.read(0, port, size);
            }
            1 if port == BASE + 7 => wr(
                &mut ch,
                port,
                [0xA0, 0xA1, 0xEC, 0x08][(r >> 24) as usize % 4],
            ),
            1 if port == CTRL => wr(&mut ch, port, (r >> 24) as u8 & NIEN),
            1 => ch.write(0, port, size, (r >> 24) as u32),
            _ => {
                let mut word = (r >> 24) as u32;
                if (r >> 40) % 6 == 0 {
                    word = (word & 0xFF00) | opcodes[(r >> 44) as usize % opcodes.len()];
                }
                ch.write(0, BASE, 2, word);
            }
        }
    }
}
