//! CD-ROM drives: ATAPI devices, found by POST on the IDE channels by their signature and
//! IDENTIFY PACKET DEVICE, and driven with PACKET commands in PIO (ATA/ATAPI-6, T13/1410D:
//! the PACKET and IDENTIFY PACKET DEVICE commands, the PACKET command protocol, the
//! signatures of PACKET devices) carrying the MMC commands TEST UNIT READY, REQUEST SENSE
//! and READ(10) in 2048-byte blocks. A check condition is followed by REQUEST SENSE; NOT
//! READY and UNIT ATTENTION are retried a bounded number of times.

use crate::platform::Platform;

/// The size of a CD block.
pub const BLOCK: u32 = 2048;

/// A CD-ROM drive POST found: its channel's base port and device number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CdDrive {
    pub base: u16,
    pub unit: u8,
}

impl CdDrive {
    /// The El Torito controller index: 0 for the primary channel, 1 for the secondary.
    pub fn controller(&self) -> u8 {
        u8::from(self.base != PRIMARY)
    }
}

const PRIMARY: u16 = 0x1F0;
const SECONDARY: u16 = 0x170;
const BSY: u8 = 0x80;
const DRQ: u8 = 0x08;
const ERR: u8 = 0x01;
/// The PACKET device signature in the LBA mid and high registers.
const SIGNATURE: (u8, u8) = (0x14, 0xEB);
/// The byte count limit of each DRQ block: 30 CD blocks.
const BYTE_LIMIT: u16 = 0xF000;
/// Blocks moved by one READ(10).
const BLOCKS_PER_READ: u32 = 16;
/// Polls of the status register before a command is given up.
const POLLS: u32 = 100_000;
/// Attempts of a command the device answers with NOT READY or UNIT ATTENTION.
const ATTEMPTS: u32 = 4;
/// Sense keys (SPC-3 table 27) worth another attempt.
const NOT_READY: u8 = 0x02;
const UNIT_ATTENTION: u8 = 0x06;

/// Why a packet command failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Failure {
    /// The device stayed busy or asked for nothing.
    Timeout,
    /// It ended with ERR: a check condition, described by REQUEST SENSE.
    Check,
}

/// The BIOS status of a command the drive refused (after REQUEST SENSE, whatever the sense
/// key): 0Ch, as SeaBIOS gives for every failed ATAPI command.
const REFUSED: u8 = 0x0C;
/// The BIOS status of a drive that stays busy or does not answer: timeout.
const NO_ANSWER: u8 = 0x80;

/// Waits (bounded) for BSY to clear; the status, or None if it never does.
fn wait(p: &mut dyn Platform, base: u16) -> Option<u8> {
    (0..POLLS).map(|_| p.inb(base + 7)).find(|s| s & BSY == 0)
}

/// Selects the drive, once the channel is idle.
fn select(p: &mut dyn Platform, d: &CdDrive) -> Result<(), Failure> {
    wait(p, d.base).ok_or(Failure::Timeout)?;
    p.outb(d.base + 6, 0xA0 | d.unit << 4);
    wait(p, d.base).ok_or(Failure::Timeout)?;
    Ok(())
}

/// Reads `n` bytes from the data port (in dwords, then a word for the rest).
fn read_data(p: &mut dyn Platform, base: u16, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n + 1);
    while out.len() + 4 <= n {
        out.extend_from_slice(&p.port_read(base, 4).to_le_bytes());
    }
    while out.len() < n {
        out.extend_from_slice(&(p.port_read(base, 2) as u16).to_le_bytes());
    }
    out.truncate(n);
    out
}

/// One PACKET command with a data-in phase of at most `want` bytes (more is read and
/// dropped): select, byte count limit, A0h, the 12 command bytes as six words, then one
/// DRQ block after another until the device stops asking.
fn packet(
    p: &mut dyn Platform,
    d: &CdDrive,
    cdb: &[u8; 12],
    want: usize,
) -> Result<Vec<u8>, Failure> {
    let b = d.base;
    select(p, d)?;
    p.outb(b + 1, 0);
    p.outb(b + 4, BYTE_LIMIT as u8);
    p.outb(b + 5, (BYTE_LIMIT >> 8) as u8);
    p.outb(b + 7, 0xA0);
    let s = wait(p, b).ok_or(Failure::Timeout)?;
    if s & ERR != 0 {
        return Err(Failure::Check);
    }
    if s & DRQ == 0 {
        return Err(Failure::Timeout);
    }
    for w in cdb.chunks_exact(2) {
        p.port_write(b, 2, u32::from(u16::from_le_bytes([w[0], w[1]])));
    }
    let mut data = Vec::with_capacity(want);
    // Each DRQ block moves at least two bytes, so this many blocks is always enough.
    for _ in 0..=want / 2 + 1 {
        let s = wait(p, b).ok_or(Failure::Timeout)?;
        if s & ERR != 0 {
            return Err(Failure::Check);
        }
        if s & DRQ == 0 {
            return Ok(data);
        }
        let n = usize::from(p.inb(b + 4)) | usize::from(p.inb(b + 5)) << 8;
        if n == 0 {
            return Err(Failure::Timeout);
        }
        let block = read_data(p, b, n);
        let room = want - data.len().min(want);
        data.extend_from_slice(&block[..n.min(room)]);
    }
    Err(Failure::Timeout)
}

/// REQUEST SENSE: the sense key, or None if the device does not answer.
fn sense_key(p: &mut dyn Platform, d: &CdDrive) -> Option<u8> {
    let mut cdb = [0u8; 12];
    cdb[0] = 0x03;
    cdb[4] = 18;
    let sense = packet(p, d, &cdb, 18).ok()?;
    sense.get(2).map(|k| k & 0x0F)
}

/// A packet command, retried while the drive is becoming ready or reports a media change;
/// the data or the BIOS status of the failure.
fn command(p: &mut dyn Platform, d: &CdDrive, cdb: &[u8; 12], want: usize) -> Result<Vec<u8>, u8> {
    for _ in 0..ATTEMPTS {
        match packet(p, d, cdb, want) {
            Ok(data) => return Ok(data),
            Err(Failure::Timeout) => return Err(NO_ANSWER),
            Err(Failure::Check) if matches!(sense_key(p, d), Some(NOT_READY | UNIT_ATTENTION)) => {}
            Err(Failure::Check) => return Err(REFUSED),
        }
    }
    Err(REFUSED)
}

/// TEST UNIT READY: whether the drive holds a readable disc (after the retries, which
/// also clear a pending UNIT ATTENTION).
pub fn ready(p: &mut dyn Platform, d: &CdDrive) -> bool {
    command(p, d, &[0; 12], 0).is_ok()
}

/// Reads `count` blocks from `lba` into `count * 2048` bytes (READ(10)).
pub fn read_blocks(p: &mut dyn Platform, d: &CdDrive, lba: u32, count: u32) -> Result<Vec<u8>, u8> {
    let mut cdb = [0u8; 12];
    cdb[0] = 0x28;
    cdb[2..6].copy_from_slice(&lba.to_be_bytes());
    cdb[7..9].copy_from_slice(&(count as u16).to_be_bytes());
    let want = (count * BLOCK) as usize;
    let data = command(p, d, &cdb, want)?;
    if data.len() < want {
        return Err(REFUSED);
    }
    Ok(data)
}

/// Reads `count` blocks from `lba` into memory at `addr`, a few at a time; the blocks
/// moved, with the status of the failure if there was one.
pub fn read(
    p: &mut dyn Platform,
    d: &CdDrive,
    lba: u32,
    count: u32,
    addr: u32,
) -> (u32, Result<(), u8>) {
    let mut done = 0;
    while done < count {
        let n = (count - done).min(BLOCKS_PER_READ);
        match read_blocks(p, d, lba.wrapping_add(done), n) {
            Ok(data) => p.mem_write(addr + done * BLOCK, &data),
            Err(e) => return (done, Err(e)),
        }
        done += n;
    }
    (done, Ok(()))
}

/// Whether the selected device shows the PACKET signature.
fn signature(p: &mut dyn Platform, base: u16) -> bool {
    (p.inb(base + 4), p.inb(base + 5)) == SIGNATURE
}

/// POST: the CD-ROM drives among the four IDE positions. A device with the PACKET
/// signature (left by reset, or by IDENTIFY DEVICE, which a PACKET device aborts) answers
/// IDENTIFY PACKET DEVICE with word 0 saying ATAPI (bits 15-14 = 10b) and CD-ROM (bits
/// 12-8 = 05h).
pub fn probe(p: &mut dyn Platform) -> Vec<CdDrive> {
    let mut found = Vec::new();
    for base in [PRIMARY, SECONDARY] {
        for unit in 0..2u8 {
            let d = CdDrive { base, unit };
            if p.inb(base + 7) == 0xFF || select(p, &d).is_err() {
                continue;
            }
            if !signature(p, base) {
                p.outb(base + 7, 0xEC);
                let Some(s) = wait(p, base) else { continue };
                if s & DRQ != 0 {
                    read_data(p, base, 512);
                    continue;
                }
                if s & ERR == 0 || !signature(p, base) {
                    continue;
                }
            }
            p.outb(base + 7, 0xA1);
            let Some(s) = wait(p, base) else { continue };
            if s & (ERR | DRQ) != DRQ {
                continue;
            }
            let id = read_data(p, base, 512);
            let word0 = u16::from_le_bytes([id[0], id[1]]);
            if word0 >> 14 == 0b10 && (word0 >> 8) & 0x1F == 0x05 {
                found.push(d);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    #[test]
    fn secondary_channel_is_controller_one() {
        let cd = |base, unit| CdDrive { base, unit };
        assert_eq!(cd(0x1F0, 1).controller(), 0);
        assert_eq!(cd(0x170, 0).controller(), 1);
    }

    /// A PACKET device on the secondary channel as ATA/ATAPI-6 describes its PIO data-in
    /// protocol, with `blocks` blocks whose bytes are their block number, and a pending
    /// UNIT ATTENTION (a disc was inserted).
    struct FakeCd {
        blocks: u32,
        status: u8,
        packet: Vec<u8>,
        data: VecDeque<u8>,
        limit: usize,
        drq_left: usize,
        sense_key: u8,
        unit_attention: bool,
        commands: Vec<u8>,
    }

    const DRDY: u8 = 0x40;

    impl FakeCd {
        fn new(blocks: u32) -> FakeCd {
            FakeCd {
                blocks,
                status: DRDY,
                packet: Vec::new(),
                data: VecDeque::new(),
                limit: 0,
                drq_left: 0,
                sense_key: 0,
                unit_attention: true,
                commands: Vec::new(),
            }
        }

        fn check(&mut self, key: u8) {
            self.sense_key = key;
            self.status = DRDY | ERR;
        }

        fn execute(&mut self) {
            let c = std::mem::take(&mut self.packet);
            self.commands.push(c[0]);
            match c[0] {
                0x03 => {
                    let mut sense = [0u8; 18];
                    sense[0] = 0x70;
                    sense[2] = std::mem::take(&mut self.sense_key);
                    self.data.extend(sense);
                }
                _ if self.unit_attention => {
                    self.unit_attention = false;
                    return self.check(6);
                }
                0x00 => {}
                0x28 => {
                    let lba = u32::from_be_bytes([c[2], c[3], c[4], c[5]]);
                    let count = u32::from(u16::from_be_bytes([c[7], c[8]]));
                    if lba + count > self.blocks {
                        return self.check(5);
                    }
                    for b in lba..lba + count {
                        self.data.extend([b as u8; BLOCK as usize]);
                    }
                }
                _ => return self.check(5),
            }
            self.next_block();
        }

        fn next_block(&mut self) {
            self.drq_left = self.data.len().min(self.limit);
            self.status = if self.drq_left > 0 { DRDY | DRQ } else { DRDY };
        }
    }

    impl Platform for FakeCd {
        fn port_read(&mut self, port: u16, size: u8) -> u32 {
            match port {
                0x170 => {
                    let n = usize::from(size).min(self.drq_left);
                    let v = (0..n).fold(0u32, |v, i| {
                        v | u32::from(self.data.pop_front().unwrap_or(0)) << (8 * i)
                    });
                    self.drq_left -= n;
                    if self.drq_left == 0 {
                        self.next_block();
                    }
                    v
                }
                0x174 => self.drq_left as u32 & 0xFF,
                0x175 => (self.drq_left >> 8) as u32,
                0x177 => u32::from(self.status),
                _ => 0xFF,
            }
        }
        fn port_write(&mut self, port: u16, _size: u8, value: u32) {
            match port {
                0x170 => {
                    self.packet.extend_from_slice(&(value as u16).to_le_bytes());
                    if self.packet.len() == 12 {
                        self.execute();
                    }
                }
                0x174 => self.limit = self.limit & 0xFF00 | value as usize & 0xFF,
                0x175 => self.limit = self.limit & 0xFF | (value as usize & 0xFF) << 8,
                0x177 if value == 0xA0 => {
                    self.packet.clear();
                    self.status = DRDY | DRQ;
                }
                _ => {}
            }
        }
        fn mem_read(&mut self, _addr: u32, buf: &mut [u8]) {
            buf.fill(0);
        }
        fn mem_write(&mut self, _addr: u32, _data: &[u8]) {}
    }

    const CD: CdDrive = CdDrive {
        base: 0x170,
        unit: 0,
    };

    /// A check condition is followed by REQUEST SENSE; UNIT ATTENTION is tried again.
    #[test]
    fn unit_attention_is_retried() {
        let mut p = FakeCd::new(100);
        assert!(ready(&mut p, &CD));
        assert_eq!(p.commands, [0x00, 0x03, 0x00]);
    }

    /// READ(10) across several DRQ blocks (the byte count limit is 30 blocks).
    #[test]
    fn reads_blocks_in_drq_pieces() {
        let mut p = FakeCd::new(100);
        p.unit_attention = false;
        let data = read_blocks(&mut p, &CD, 60, 33).unwrap();
        assert_eq!(data.len(), 33 * BLOCK as usize);
        assert_eq!(
            (data[0], data[30 * BLOCK as usize], data[data.len() - 1]),
            (60, 90, 92)
        );
        assert_eq!(
            read_blocks(&mut p, &CD, 99, 2),
            Err(REFUSED),
            "past the end"
        );
        assert_eq!(p.commands, [0x28, 0x28, 0x03]);
    }
}
