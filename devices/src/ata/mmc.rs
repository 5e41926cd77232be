//! The packet commands of the CD-ROM drive: SCSI commands (SPC-3) with the multimedia
//! command set (MMC-3) on a read-only medium of 2048-byte blocks holding one data track.
//! Each command is a handler in `PACKET_COMMANDS`; it answers with the data for the host, a
//! range of blocks to read, or the sense data of its CHECK CONDITION.

use super::mmc_info::{get_configuration, mode_sense, read_disc_information, read_toc};

/// A command descriptor block as the host sends it in the 12-byte packet.
pub type Cdb = [u8; 12];

/// Bytes per logical block of a CD data track.
pub const BLOCK: usize = 2048;

/// Sense data (SPC-3 4.5): the key and the additional sense code and qualifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
}

/// Sense keys (SPC-3 4.5.6, sense key descriptions).
pub mod key {
    pub const NOT_READY: u8 = 0x02;
    pub const MEDIUM_ERROR: u8 = 0x03;
    pub const ILLEGAL_REQUEST: u8 = 0x05;
    pub const DATA_PROTECT: u8 = 0x07;
}

const fn sense(key: u8, asc: u8) -> Sense {
    Sense { key, asc, ascq: 0 }
}

/// The additional sense codes amber reports (SPC-3 4.5.6, ASC and ASCQ assignments).
pub const UNRECOVERED_READ_ERROR: Sense = sense(key::MEDIUM_ERROR, 0x11);
pub const INVALID_OPCODE: Sense = sense(key::ILLEGAL_REQUEST, 0x20);
pub const LBA_OUT_OF_RANGE: Sense = sense(key::ILLEGAL_REQUEST, 0x21);
pub const INVALID_FIELD: Sense = sense(key::ILLEGAL_REQUEST, 0x24);
pub const SAVING_NOT_SUPPORTED: Sense = sense(key::ILLEGAL_REQUEST, 0x39);
const WRITE_PROTECTED: Sense = sense(key::DATA_PROTECT, 0x27);
const MEDIUM_NOT_PRESENT: Sense = sense(key::NOT_READY, 0x3A);
const ILLEGAL_MODE_FOR_TRACK: Sense = sense(key::ILLEGAL_REQUEST, 0x64);

/// What the drive knows when it executes a command.
pub struct Medium {
    /// Whole 2048-byte blocks on the disc.
    pub blocks: u64,
    /// The sense data of the last command, for REQUEST SENSE.
    pub sense: Sense,
}

/// How a command that succeeds moves data.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// No data phase.
    None,
    /// These bytes to the host (already cut to the allocation length).
    Data(Vec<u8>),
    /// `count` blocks of the disc from `lba` on to the host.
    Blocks { lba: u64, count: u64 },
}

type Handler = fn(&Medium, &Cdb) -> Result<Reply, Sense>;

/// Operation codes and their handlers (MMC-3 and SPC-3 command lists).
const PACKET_COMMANDS: &[(u8, Handler)] = &[
    (0x00, test_unit_ready),
    (0x03, request_sense),
    (0x12, inquiry),
    (0x1A, mode_sense),
    (0x1B, accept),
    (0x1E, accept),
    (0x25, read_capacity),
    (0x28, read10),
    (0x2A, write),
    (0x2B, seek),
    (0x42, read_subchannel),
    (0x43, read_toc),
    (0x46, get_configuration),
    (0x4A, get_event_status),
    (0x51, read_disc_information),
    (0x5A, mode_sense),
    (0xA8, read12),
    (0xAA, write),
    (0xBD, mechanism_status),
    (0xBE, read_cd),
];

/// Executes `cdb`; an unknown operation code is INVALID COMMAND OPERATION CODE.
pub fn execute(medium: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let handler = PACKET_COMMANDS
        .iter()
        .find(|&&(op, _)| op == cdb[0])
        .map_or(invalid_opcode as Handler, |&(_, h)| h);
    handler(medium, cdb)
}

pub fn be16(cdb: &Cdb, at: usize) -> usize {
    cdb.get(at..at + 2)
        .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])))
}

fn be32(cdb: &Cdb, at: usize) -> u64 {
    cdb.get(at..at + 4).map_or(0, |b| {
        u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    })
}

/// The data cut to the allocation length the host gave.
pub fn reply(mut data: Vec<u8>, alloc: usize) -> Result<Reply, Sense> {
    data.truncate(alloc);
    Ok(Reply::Data(data))
}

/// A logical block address as minutes, seconds and frames, 2 seconds (150 frames) after
/// the start of the disc (MMC-3 "MSF address format"; 75 frames per second).
pub fn msf(lba: u64) -> [u8; 4] {
    let f = lba + 150;
    [
        0,
        (f / (75 * 60)).min(255) as u8,
        (f / 75 % 60) as u8,
        (f % 75) as u8,
    ]
}

fn invalid_opcode(_: &Medium, _: &Cdb) -> Result<Reply, Sense> {
    Err(INVALID_OPCODE)
}

fn accept(_: &Medium, _: &Cdb) -> Result<Reply, Sense> {
    Ok(Reply::None)
}

fn write(_: &Medium, _: &Cdb) -> Result<Reply, Sense> {
    Err(WRITE_PROTECTED)
}

fn test_unit_ready(m: &Medium, _: &Cdb) -> Result<Reply, Sense> {
    if m.blocks == 0 {
        return Err(MEDIUM_NOT_PRESENT);
    }
    Ok(Reply::None)
}

/// REQUEST SENSE: fixed format sense data (SPC-3 4.5.3, Table 26), 18 bytes.
fn request_sense(m: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let mut d = vec![0u8; 18];
    d[0] = 0x70; // current error, fixed format
    d[2] = m.sense.key;
    d[7] = 10; // additional sense length
    d[12] = m.sense.asc;
    d[13] = m.sense.ascq;
    reply(d, usize::from(cdb[4]))
}

/// INQUIRY: standard data (SPC-3 6.4.2), 36 bytes; no vital product data pages.
fn inquiry(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    if cdb[1] & 0x01 != 0 {
        return Err(INVALID_FIELD);
    }
    let mut d = vec![b' '; 36];
    // CD-ROM device type 05h, removable (RMB), version 05h (SPC-3), response data format 2,
    // additional length 36 - 5.
    d[..8].copy_from_slice(&[0x05, 0x80, 0x05, 0x02, 31, 0, 0, 0]);
    d[8..13].copy_from_slice(b"AMBER");
    d[16..22].copy_from_slice(b"CD-ROM");
    let revision = env!("CARGO_PKG_VERSION").as_bytes();
    let n = revision.len().min(4);
    d[32..32 + n].copy_from_slice(&revision[..n]);
    reply(d, be16(cdb, 3))
}

/// READ CAPACITY: the last LBA and the block length (MMC-3 READ CAPACITY).
fn read_capacity(m: &Medium, _: &Cdb) -> Result<Reply, Sense> {
    let last = m.blocks.saturating_sub(1).min(u64::from(u32::MAX)) as u32;
    let mut d = last.to_be_bytes().to_vec();
    d.extend_from_slice(&(BLOCK as u32).to_be_bytes());
    Ok(Reply::Data(d))
}

/// Blocks `lba..lba + count`, if they are on the disc.
fn blocks(m: &Medium, lba: u64, count: u64) -> Result<Reply, Sense> {
    if lba.checked_add(count).is_none_or(|end| end > m.blocks) {
        return Err(LBA_OUT_OF_RANGE);
    }
    if count == 0 {
        return Ok(Reply::None);
    }
    Ok(Reply::Blocks { lba, count })
}

fn read10(m: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    blocks(m, be32(cdb, 2), be16(cdb, 7) as u64)
}

fn read12(m: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    blocks(m, be32(cdb, 2), be32(cdb, 6))
}

fn seek(m: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    blocks(m, be32(cdb, 2), 1).map(|_| Reply::None)
}

/// READ CD (MMC-3): user data only (main channel selection 10h, no sub-channel) of
/// any sector type or Mode 1; a request without fields moves nothing.
fn read_cd(m: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    if !matches!((cdb[1] >> 2) & 7, 0 | 2) {
        return Err(ILLEGAL_MODE_FOR_TRACK);
    }
    let count = u64::from(cdb[6]) << 16 | u64::from(cdb[7]) << 8 | u64::from(cdb[8]);
    match (cdb[9] & 0xF8, cdb[10] & 7) {
        (0x10, 0) => blocks(m, be32(cdb, 2), count),
        (0x00, 0) => blocks(m, be32(cdb, 2), 0),
        _ => Err(INVALID_FIELD),
    }
}

/// READ SUB-CHANNEL (MMC-3): no audio play (status 15h), and with SubQ the current
/// position (format 01h) at the start of track 1.
fn read_subchannel(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let mut d = vec![0, 0x15, 0, 0];
    if cdb[2] & 0x40 != 0 {
        if cdb[3] != 0x01 {
            return Err(INVALID_FIELD);
        }
        let address = if cdb[1] & 0x02 != 0 { msf(0) } else { [0; 4] };
        d[3] = 12;
        d.extend_from_slice(&[0x01, 0x14, 1, 1]);
        d.extend_from_slice(&address);
        d.extend_from_slice(&[0; 4]);
    }
    reply(d, be16(cdb, 7))
}

/// GET EVENT STATUS NOTIFICATION (MMC-3): polled only; the media class (4) reports
/// no change and media present, other classes nothing (NEA).
fn get_event_status(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    if cdb[1] & 0x01 == 0 {
        return Err(INVALID_FIELD);
    }
    const MEDIA_CLASS: u8 = 1 << 4;
    let d = if cdb[4] & MEDIA_CLASS != 0 {
        vec![0, 6, 0x04, MEDIA_CLASS, 0x00, 0x02, 0, 0]
    } else {
        vec![0, 2, 0x80, MEDIA_CLASS]
    };
    reply(d, be16(cdb, 7))
}

/// MECHANISM STATUS (MMC-3): the 8-byte header of an idle single-disc tray.
fn mechanism_status(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    reply(vec![0; 8], be16(cdb, 8))
}
