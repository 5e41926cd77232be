//! The packet commands' data through the channel, checked against SPC-3 (fixed format sense
//! data 4.5.3, sense keys and codes 4.5.6, MODE SENSE 6.9/6.10 headers) and MMC-3 (READ
//! CAPACITY, READ TOC/PMA/ATIP formats 0 and 1, GET CONFIGURATION, GET EVENT STATUS
//! NOTIFICATION, READ DISC INFORMATION, mode pages 01h and 2Ah).

use super::atapi_tests::{cd_channel, pattern, run, send_packet};
use super::tests::{rd, BASE};
use super::*;
use crate::IrqLines;

/// REQUEST SENSE with allocation length 18: (sense key, ASC, ASCQ).
fn sense(ch: &mut AtaChannel, lines: &IrqLines) -> (u8, u8, u8) {
    let (d, st) = run(ch, lines, 0x800, &[0x03, 0, 0, 0, 18, 0]);
    assert_eq!(st, 0x50, "REQUEST SENSE itself succeeds");
    // SPC-3 4.5.3: response code 70h (current, fixed), additional sense length 0Ah.
    assert_eq!((d.len(), d[0] & 0x7F, d[7]), (18, 0x70, 10));
    (d[2] & 0x0F, d[12], d[13])
}

/// Runs `cdb` expecting CHECK CONDITION; returns the sense.
fn check(ch: &mut AtaChannel, lines: &IrqLines, cdb: &[u8]) -> (u8, u8, u8) {
    let (d, st) = run(ch, lines, 0x800, cdb);
    assert!(d.is_empty(), "no data with CHECK CONDITION");
    assert_eq!(st, status::DRDY | status::ERR);
    let s = sense(ch, lines);
    assert_eq!(rd(ch, BASE + 1), 0, "a successful command clears the error");
    s
}

const ILLEGAL_REQUEST: u8 = 0x05;

#[test]
fn request_sense_reports_the_last_error_then_no_sense() {
    let (mut ch, lines) = cd_channel("sense.iso", 8, 0);
    // Nothing pending at power-on (no UNIT ATTENTION, see atapi.rs): NO SENSE.
    assert_eq!(sense(&mut ch, &lines), (0, 0, 0));
    // SPC-3: ASC 20h INVALID COMMAND OPERATION CODE.
    assert_eq!(check(&mut ch, &lines, &[0xFF]), (ILLEGAL_REQUEST, 0x20, 0));
    assert_eq!(
        sense(&mut ch, &lines),
        (0, 0, 0),
        "cleared after being reported"
    );
    // ASC 21h LOGICAL BLOCK ADDRESS OUT OF RANGE: blocks 7 and 8 of an 8-block disc (the
    // trailing partial block is not part of it).
    let past = [0x28, 0, 0, 0, 0, 7, 0, 0, 2, 0];
    assert_eq!(check(&mut ch, &lines, &past), (ILLEGAL_REQUEST, 0x21, 0));
    // SEEK(10) to the first LBA past the end.
    let seek = [0x2B, 0, 0, 0, 0, 8, 0, 0, 0, 0];
    assert_eq!(check(&mut ch, &lines, &seek), (ILLEGAL_REQUEST, 0x21, 0));
    // A read-only medium: WRITE(10) is DATA PROTECT (7), WRITE PROTECTED (27h).
    let write = [0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    assert_eq!(check(&mut ch, &lines, &write), (0x07, 0x27, 0));
    // The allocation length cuts the sense data.
    assert_eq!(check(&mut ch, &lines, &[0xFF]).1, 0x20);
    let (d, _) = run(&mut ch, &lines, 0x800, &[0x03, 0, 0, 0, 8, 0]);
    assert_eq!(d.len(), 8);
}

#[test]
fn read_capacity_and_read_cd() {
    let (mut ch, lines) = cd_channel("cap.iso", 8, 0);
    // MMC-3 READ CAPACITY: last LBA, then block length 2048, both big-endian.
    let (d, st) = run(&mut ch, &lines, 0x800, &[0x25]);
    assert_eq!(st, 0x50);
    assert_eq!(d, [0, 0, 0, 7, 0, 0, 0x08, 0x00]);
    // MMC-3 READ CD: any sector type, user data only (byte 9 = 10h), one block from LBA 3.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0xBE, 0, 0, 0, 0, 3, 0, 0, 1, 0x10, 0],
    );
    assert!(d.len() == 2048 && d.iter().enumerate().all(|(i, &v)| v == pattern(3, i)));
    // Sync, headers and EDC/ECC are not kept in an ISO image.
    let raw = [0xBE, 0, 0, 0, 0, 3, 0, 0, 1, 0xF8, 0];
    assert_eq!(check(&mut ch, &lines, &raw), (ILLEGAL_REQUEST, 0x24, 0));
    // TEST UNIT READY with the disc in: GOOD.
    assert_eq!(run(&mut ch, &lines, 0x800, &[0x00]).1, 0x50);
}

#[test]
fn read_toc_formats_0_and_1() {
    let (mut ch, lines) = cd_channel("toc.iso", 8, 0);
    // MMC-3 READ TOC/PMA/ATIP format 0: TOC data length (bytes after it) 2 + 2 * 8 = 18,
    // first and last track 1; descriptors: ADR 1 / control 4 (data track) = 14h, track
    // number, start address; the lead-out is track AAh at the capacity.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x43, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0],
    );
    assert_eq!(
        d,
        [
            0, 18, 1, 1, //
            0, 0x14, 1, 0, 0, 0, 0, 0, //
            0, 0x14, 0xAA, 0, 0, 0, 0, 8,
        ]
    );
    // MSF bit: LBA 0 is 00:02:00 and LBA 8 is 158 frames, 00:02:08 (75 frames a second,
    // 150 frames before LBA 0).
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x43, 0x02, 0, 0, 0, 0, 0, 0, 0xFF, 0],
    );
    assert_eq!(&d[8..12], &[0, 0, 2, 0]);
    assert_eq!(&d[16..20], &[0, 0, 2, 8]);
    // Starting track AAh: the lead-out only.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x43, 0, 0, 0, 0, 0, 0xAA, 0, 0xFF, 0],
    );
    assert_eq!((d.len(), d[1], d[6]), (12, 10, 0xAA));
    // Format 1, session information: length 10, first and last session 1, first track
    // of the last session 1 at LBA 0.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x43, 0, 1, 0, 0, 0, 0, 0, 0xFF, 0],
    );
    assert_eq!(d, [0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0]);
    // Allocation length 4: the header only.
    assert_eq!(
        run(&mut ch, &lines, 0x800, &[0x43, 0, 0, 0, 0, 0, 0, 0, 4, 0])
            .0
            .len(),
        4
    );
}

#[test]
fn mode_sense_pages() {
    let (mut ch, lines) = cd_channel("mode.iso", 8, 0);
    // MODE SENSE(10), page 2Ah: 8-byte header (mode data length = bytes after it, block
    // descriptor length 0), then the MMC-3 CD/DVD Capabilities page: bytes 0-31 with no
    // write speed descriptors, so page length (bytes after byte 1) 30 = 1Eh.
    let (d, st) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 0xFF, 0],
    );
    assert_eq!(st, 0x50);
    assert_eq!(d.len(), 8 + 32);
    assert_eq!(u16::from_be_bytes([d[0], d[1]]), 38);
    assert_eq!(&d[6..10], &[0, 0, 0x2A, 0x1E]);
    // Byte 6: loading mechanism 001b (tray) in bits 7-5, eject bit 3, lock bit 0.
    assert_eq!(d[8 + 6], 0b0010_1001);
    // MODE SENSE(6), page 01h: 4-byte header (length = bytes after byte 0), page length
    // 0Ah for the Read/Write Error Recovery page (MMC-3).
    let (d, _) = run(&mut ch, &lines, 0x800, &[0x1A, 0, 0x01, 0, 0xFF, 0]);
    assert_eq!((d.len(), d[0], d[3], d[4], d[5]), (16, 15, 0, 0x01, 0x0A));
    // Page 3Fh: all pages, 01h then 2Ah.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x5A, 0, 0x3F, 0, 0, 0, 0, 0, 0xFF, 0],
    );
    assert_eq!((d.len(), d[8], d[20]), (8 + 12 + 32, 0x01, 0x2A));
    // Page control 3 (saved values): SAVING PARAMETERS NOT SUPPORTED, ASC 39h.
    let saved = [0x5A, 0, 0xEA, 0, 0, 0, 0, 0, 0xFF, 0];
    assert_eq!(check(&mut ch, &lines, &saved), (ILLEGAL_REQUEST, 0x39, 0));
    // An unknown page: INVALID FIELD IN CDB, ASC 24h.
    let unknown = [0x5A, 0, 0x05, 0, 0, 0, 0, 0, 0xFF, 0];
    assert_eq!(check(&mut ch, &lines, &unknown), (ILLEGAL_REQUEST, 0x24, 0));
}

#[test]
fn get_configuration_reports_the_cdrom_profile() {
    let (mut ch, lines) = cd_channel("conf.iso", 8, 0);
    // MMC-3 GET CONFIGURATION: 8-byte feature header (data length = bytes after the field,
    // current profile in bytes 6-7: 0008h CD-ROM), then feature 0000h (Profile List)
    // holding profile 0008h with CurrentP.
    let (d, st) = run(&mut ch, &lines, 0x800, &[0x46, 0, 0, 0, 0, 0, 0, 0x10, 0]);
    assert_eq!(st, 0x50);
    let len = u32::from_be_bytes([d[0], d[1], d[2], d[3]]) as usize;
    assert_eq!(&d[6..8], &[0x00, 0x08]);
    assert_eq!(&d[8..10], &[0x00, 0x00], "first feature: Profile List");
    assert_eq!(&d[12..15], &[0x00, 0x08, 0x01]);
    // RT 2: the one feature named, here 0001h Core with physical interface 2 (ATAPI).
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x46, 0x02, 0, 1, 0, 0, 0, 0x10, 0],
    );
    assert_eq!(&d[..4], &[0, 0, 0, 4 + 8]);
    assert_eq!(&d[8..16], &[0x00, 0x01, 0x03, 4, 0, 0, 0, 2]);
    assert!(len >= 4 + 8, "the full answer is longer: {len}");
}

#[test]
fn event_status_and_disc_information() {
    let (mut ch, lines) = cd_channel("gesn.iso", 8, 0);
    // MMC-3 GET EVENT STATUS NOTIFICATION: only polled operation (byte 1 bit 0).
    let async_req = [0x4A, 0, 0, 0, 0x10, 0, 0, 0, 8, 0];
    assert_eq!(
        check(&mut ch, &lines, &async_req),
        (ILLEGAL_REQUEST, 0x24, 0)
    );
    // Media class (bit 4): header with event data length 6, class code 4, supported
    // classes; event: no change (0), media present (byte 1 bit 1).
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0],
    );
    assert_eq!(&d[..3], &[0, 6, 0x04]);
    assert_ne!(d[3] & 0x10, 0);
    assert_eq!((d[4] & 0x0F, d[5] & 0x02), (0, 0x02));
    // MMC-3 READ DISC INFORMATION: length 32, complete disc and last session (0Eh), first
    // track 1, one session, disc type 00h.
    let (d, _) = run(&mut ch, &lines, 0x800, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]);
    assert_eq!(
        (d.len(), d[1], d[2], d[3], d[4], d[8]),
        (34, 32, 0x0E, 1, 1, 0)
    );
    // MMC-3 READ SUB-CHANNEL, SubQ, format 01h (current position): audio status 15h (no
    // current audio status), sub-channel data length 12, format code 01h, ADR/control 14h.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0x42, 0, 0x40, 1, 0, 0, 0, 0, 16, 0],
    );
    assert_eq!(&d[..6], &[0, 0x15, 0, 12, 0x01, 0x14]);
    assert_eq!(d.len(), 16);
    // MMC-3 MECHANISM STATUS: the 8-byte header.
    let (d, _) = run(
        &mut ch,
        &lines,
        0x800,
        &[0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0],
    );
    assert_eq!(d.len(), 8);
    // START STOP UNIT and PREVENT ALLOW MEDIUM REMOVAL are accepted.
    send_packet(&mut ch, &lines, 0x800, &[0x1B, 0, 0, 0, 0x02, 0]);
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    send_packet(&mut ch, &lines, 0x800, &[0x1E, 0, 0, 0, 1, 0]);
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
}
