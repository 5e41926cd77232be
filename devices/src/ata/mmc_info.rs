//! The packet commands that describe the disc and the drive (MMC-3): READ TOC/PMA/ATIP,
//! READ DISC INFORMATION, GET CONFIGURATION and MODE SENSE. The disc is a finished CD-ROM
//! with one session holding one data track (track 1) from LBA 0.

use super::mmc::{
    be16, msf, reply, Cdb, Medium, Reply, Sense, BLOCK, INVALID_FIELD, SAVING_NOT_SUPPORTED,
};

/// ADR 1 (Q sub-channel holds the position), control 4 (data track, copy prohibited).
const DATA_TRACK: u8 = 0x14;
const LEAD_OUT: u8 = 0xAA;

/// An address as LBA or, with the MSF bit, as MSF.
fn address(lba: u64, as_msf: bool) -> [u8; 4] {
    if as_msf {
        msf(lba)
    } else {
        (lba.min(u64::from(u32::MAX)) as u32).to_be_bytes()
    }
}

/// READ TOC/PMA/ATIP (MMC-3): format 0 (the TOC: track 1 and the lead-out) and format 1
/// (session information). Old ATAPI hosts put the format in byte 9, bits 7-6 (SFF-8020i).
pub fn read_toc(m: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let as_msf = cdb[1] & 0x02 != 0;
    let format = match cdb[2] & 0x0F {
        0 => cdb[9] >> 6,
        f => f,
    };
    let mut d = vec![0, 0, 1, 1];
    match format {
        0 => {
            let tracks: &[(u8, u64)] = match cdb[6] {
                0 | 1 => &[(1, 0), (LEAD_OUT, m.blocks)],
                LEAD_OUT => &[(LEAD_OUT, m.blocks)],
                _ => return Err(INVALID_FIELD),
            };
            for &(track, lba) in tracks {
                d.extend_from_slice(&[0, DATA_TRACK, track, 0]);
                d.extend_from_slice(&address(lba, as_msf));
            }
        }
        1 => {
            d.extend_from_slice(&[0, DATA_TRACK, 1, 0]);
            d.extend_from_slice(&address(0, as_msf));
        }
        _ => return Err(INVALID_FIELD),
    }
    let len = (d.len() - 2) as u16;
    d[..2].copy_from_slice(&len.to_be_bytes());
    reply(d, be16(cdb, 7))
}

/// READ DISC INFORMATION (MMC-3): a complete disc with a complete last session, one
/// session, track 1 only, disc type 00h (CD-ROM).
pub fn read_disc_information(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let mut d = vec![0u8; 34];
    d[1] = 32; // disc information length
    d[2] = 0x0E; // last session complete (11b), disc complete (10b)
    d[3..7].copy_from_slice(&[1, 1, 1, 1]);
    // Last session lead-in and last possible lead-out start: none on a complete disc.
    d[16..24].fill(0xFF);
    reply(d, be16(cdb, 7))
}

/// The CD-ROM profile (MMC-3 Table "Profile List").
const CD_ROM: u16 = 0x0008;

/// Feature descriptors (MMC-3 "Features"): code, then version/persistent/current byte and
/// the feature-dependent data after the additional length.
const FEATURES: &[(u16, u8, &[u8])] = &[
    // Profile List: one profile descriptor, CD-ROM, current.
    (0x0000, 0x03, &[(CD_ROM >> 8) as u8, CD_ROM as u8, 0x01, 0]),
    // Core: physical interface standard 2 (ATAPI).
    (0x0001, 0x03, &[0, 0, 0, 2]),
    // Removable Medium: tray loading (001b), eject, lock.
    (0x0003, 0x03, &[0x29, 0, 0, 0]),
    // Random Readable: 2048-byte blocks, blocking 1.
    (0x0010, 0x01, &[0, 0, (BLOCK >> 8) as u8, 0, 0, 1, 0, 0]),
    // CD Read.
    (0x001E, 0x01, &[0, 0, 0, 0]),
];

/// GET CONFIGURATION (MMC-3): the feature header with the current profile, then the
/// features the RT field selects from the starting feature number on.
pub fn get_configuration(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let start = be16(cdb, 2);
    let rt = cdb[1] & 0x03;
    if rt == 3 {
        return Err(INVALID_FIELD);
    }
    let mut d = vec![0, 0, 0, 0, 0, 0, (CD_ROM >> 8) as u8, CD_ROM as u8];
    for &(code, flags, data) in FEATURES {
        let code_n = usize::from(code);
        if (rt == 2 && code_n != start) || code_n < start {
            continue;
        }
        d.extend_from_slice(&code.to_be_bytes());
        d.extend_from_slice(&[flags, data.len() as u8]);
        d.extend_from_slice(data);
    }
    let len = (d.len() - 4) as u32;
    d[..4].copy_from_slice(&len.to_be_bytes());
    reply(d, be16(cdb, 7))
}

/// Mode pages (MMC-3 "Mode Pages"): code and current values after the page length.
const MODE_PAGES: &[(u8, &[u8])] = &[
    // Read/Write Error Recovery: read retry count 5, write retry count 5.
    (0x01, &[0, 5, 0, 0, 0, 0, 5, 0, 0, 0]),
    // CD/DVD Capabilities and Mechanical Status (MMC-3): bytes 2-31, up to the number of
    // write speed performance descriptors (none). Reads CD-ROM only; tray (001b), eject,
    // lock; 706 kB/s (4x) maximum and current read speed (bytes 8-9, 14-15).
    (
        0x2A,
        &[
            0, 0, 0, 0, 0x29, 0, 0x02, 0xC2, 0, 0, 0, 0, 0x02, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0,
        ],
    ),
];

const ALL_PAGES: u8 = 0x3F;

/// MODE SENSE(6) (1Ah) and MODE SENSE(10) (5Ah) (SPC-3 6.9, 6.10): the mode parameter
/// header without block descriptors, then the page asked for or all of them. Page control
/// 0 and 2 give the values, 1 the changeable mask (nothing is), 3 (saved) is not supported.
pub fn mode_sense(_: &Medium, cdb: &Cdb) -> Result<Reply, Sense> {
    let six = cdb[0] == 0x1A;
    let control = cdb[2] >> 6;
    let page = cdb[2] & 0x3F;
    if control == 3 {
        return Err(SAVING_NOT_SUPPORTED);
    }
    let header = if six { 4 } else { 8 };
    let mut d = vec![0u8; header];
    for &(code, values) in MODE_PAGES {
        if page != code && page != ALL_PAGES {
            continue;
        }
        d.extend_from_slice(&[code, values.len() as u8]);
        if control == 1 {
            d.resize(d.len() + values.len(), 0);
        } else {
            d.extend_from_slice(values);
        }
    }
    if d.len() == header {
        return Err(INVALID_FIELD);
    }
    if six {
        d[0] = (d.len() - 1).min(255) as u8;
        reply(d, usize::from(cdb[4]))
    } else {
        let len = (d.len() - 2) as u16;
        d[..2].copy_from_slice(&len.to_be_bytes());
        reply(d, be16(cdb, 7))
    }
}
