//! DMA through the bus-master registers. Expected values from the PIIX3 datasheet (82371SB,
//! "Bus Master IDE I/O Registers": BMICOM, BMISTA, BMIDTP and the physical region
//! descriptor format), SFF-8038i (the Interrupt/Active status table), ATA-6 (T13/1410D: the
//! DMA command protocol 9.9, IDENTIFY words 49, 53, 63 and 88, SET FEATURES transfer mode
//! values) and QEMU where they leave room (`ide_dma_cb`, `bmdma_irq`).

use super::atapi_tests::{cd_channel, pattern};
use super::bus_master::{self, ACTIVE, ERROR, INTERRUPT, START, WRITE_TO_MEMORY};
use super::tests::{channel, irq, lba28, rd, read_block, wr, BASE, CTRL};
use super::*;
use crate::dma::DmaMemory;
use crate::IrqLines;

/// 1 MiB of guest memory; addresses past it read FFh and drop writes.
struct Memory(Vec<u8>);

impl Memory {
    fn new() -> Memory {
        Memory(vec![0; 0x10_0000])
    }

    fn put(&mut self, addr: u32, bytes: &[u8]) {
        self.write(addr, bytes);
    }

    fn get(&self, addr: u32, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.read(addr, &mut v);
        v
    }

    /// A descriptor table at `at`: (base, byte count field, EOT).
    fn table(&mut self, at: u32, entries: &[(u32, u16, bool)]) {
        for (i, &(base, count, eot)) in entries.iter().enumerate() {
            let flags = u32::from(count) | if eot { 0x8000_0000 } else { 0 };
            self.put(at + 8 * i as u32, &base.to_le_bytes());
            self.put(at + 8 * i as u32 + 4, &flags.to_le_bytes());
        }
    }
}

impl DmaMemory for Memory {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.0.get(addr as usize + i).copied().unwrap_or(0xFF);
        }
    }

    fn write(&mut self, addr: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            if let Some(m) = self.0.get_mut(addr as usize + i) {
                *m = b;
            }
        }
    }
}

/// Register offsets in the primary channel's bus-master block.
const BMICOM: u16 = 0;
const BMISTA: u16 = 2;
const BMIDTP: u16 = 4;

fn bm_read(ch: &mut AtaChannel, offset: u16, size: u8) -> u32 {
    (0..u16::from(size)).fold(0, |acc, i| {
        acc | u32::from(ch.bus_master.read(offset + i)) << (8 * i)
    })
}

fn bm_write(ch: &mut AtaChannel, offset: u16, size: u8, value: u32) {
    for i in 0..u16::from(size) {
        ch.bus_master.write(offset + i, (value >> (8 * i)) as u8);
    }
}

/// The table address, then the command register with Start (and the direction), as a
/// driver programs the bus master; the board runs waiting transfers after each write.
fn start(ch: &mut AtaChannel, mem: &mut Memory, table: u32, to_memory: bool) -> bool {
    bm_write(ch, BMIDTP, 4, table);
    let direction = if to_memory { WRITE_TO_MEMORY } else { 0 };
    bm_write(ch, BMICOM, 1, u32::from(direction));
    bm_write(ch, BMICOM, 1, u32::from(direction | START));
    ch.service_dma(mem)
}

/// The sector of the test image at `lba` (see `tests::image`).
fn sector(lba: u64) -> Vec<u8> {
    let mut s = vec![lba as u8; SECTOR];
    s[..2].copy_from_slice(&(lba as u16).to_le_bytes());
    s
}

#[test]
fn read_dma_scatters_sectors_over_the_regions() {
    let (mut ch, lines) = channel("dma-read.img", 64);
    let mut mem = Memory::new();
    // Three regions of 100, 1000 and 436 bytes: the second base's bit 0 and the third
    // count's bit 0 are ignored (the datasheet's descriptor format).
    mem.table(
        0x8000,
        &[
            (0x1_0000, 100, false),
            (0x2_0001, 1001, false),
            (0x3_0000, 437, true),
        ],
    );
    lba28(&mut ch, 5, 3, 0xC8);
    assert_eq!(rd(&mut ch, CTRL), 0x58, "DRDY, DSC, DRQ while waiting");
    assert!(!irq(&lines), "no INTRQ before the data has moved");
    assert!(!ch.service_dma(&mut mem), "nothing moves before Start");
    assert!(start(&mut ch, &mut mem, 0x8000, true));
    let data: Vec<u8> = (5..8).flat_map(sector).collect();
    assert_eq!(mem.get(0x1_0000, 100), data[..100]);
    assert_eq!(mem.get(0x2_0000, 1000), data[100..1100]);
    assert_eq!(mem.get(0x3_0000, 436), data[1100..]);
    assert_eq!(mem.get(0x3_0000 + 436, 2), [0, 0], "nothing past the table");
    assert!(irq(&lines), "INTRQ at the end of the command");
    assert_eq!(
        bm_read(&mut ch, BMISTA, 1) as u8,
        INTERRUPT,
        "SFF-8038i: Interrupt 1, Active 0 is a normal completion"
    );
    assert_eq!(rd(&mut ch, BASE + 7), 0x50, "DRDY and DSC, DRQ clear");
    assert_eq!(rd(&mut ch, BASE + 1), 0);
    // The interrupt bit is write 1 to clear; Start is the driver's to clear.
    bm_write(&mut ch, BMISTA, 1, u32::from(INTERRUPT));
    assert_eq!(bm_read(&mut ch, BMISTA, 1), 0);
    assert_eq!(bm_read(&mut ch, BMICOM, 1) as u8, START | WRITE_TO_MEMORY);
}

#[test]
fn the_bus_master_may_start_before_the_command() {
    let (mut ch, lines) = channel("dma-early.img", 64);
    let mut mem = Memory::new();
    mem.table(0x8000, &[(0x1_0000, 1024, true)]);
    assert!(!start(&mut ch, &mut mem, 0x8000, true), "no command yet");
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, ACTIVE);
    // READ DMA EXT of 2 sectors from LBA 0x20: HOB bytes first.
    for (port, v) in [
        (2, 0),
        (2, 2),
        (3, 0),
        (3, 0x20),
        (4, 0),
        (4, 0),
        (5, 0),
        (5, 0),
    ] {
        wr(&mut ch, BASE + port, v);
    }
    wr(&mut ch, BASE + 6, 0x40);
    wr(&mut ch, BASE + 7, 0x25);
    assert!(ch.service_dma(&mut mem));
    let data: Vec<u8> = (0x20..0x22).flat_map(sector).collect();
    assert_eq!(mem.get(0x1_0000, 1024), data);
    assert!(irq(&lines));
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, INTERRUPT);
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
}

#[test]
fn write_dma_reaches_the_disk() {
    let (mut ch, lines) = channel("dma-write.img", 64);
    let mut mem = Memory::new();
    let data: Vec<u8> = (0..1024).map(|i| (i * 7 + 3) as u8).collect();
    mem.put(0x4_0000, &data[..300]);
    mem.put(0x5_0000, &data[300..]);
    mem.table(0x9000, &[(0x4_0000, 300, false), (0x5_0000, 724, true)]);
    lba28(&mut ch, 10, 2, 0xCA);
    assert_eq!(rd(&mut ch, CTRL), 0x58);
    assert!(
        !start(&mut ch, &mut mem, 0x9000, false),
        "memory is only read"
    );
    assert!(irq(&lines));
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, INTERRUPT);
    // The sectors read back through PIO (READ SECTORS), the ones around them untouched.
    lba28(&mut ch, 9, 4, 0x20);
    assert_eq!(read_block(&mut ch), sector(9));
    assert_eq!(read_block(&mut ch), data[..512]);
    assert_eq!(read_block(&mut ch), data[512..]);
    assert_eq!(read_block(&mut ch), sector(12));
}

#[test]
fn a_short_table_moves_nothing_and_gets_no_interrupt() {
    let (mut ch, lines) = channel("dma-short.img", 64);
    let mut mem = Memory::new();
    mem.table(0x8000, &[(0x1_0000, 512, true)]);
    lba28(&mut ch, 0, 2, 0xC8);
    assert!(!start(&mut ch, &mut mem, 0x8000, true));
    assert_eq!(mem.get(0x1_0000, 4), [0; 4], "QEMU moves nothing");
    // SFF-8038i: Interrupt 0, Active 0 and Error 0 - the PRD table was smaller than the
    // transfer. QEMU: READY_STAT | SEEK_STAT and no interrupt.
    assert_eq!(bm_read(&mut ch, BMISTA, 1), 0);
    assert!(!irq(&lines));
    assert_eq!(rd(&mut ch, CTRL), 0x50);
}

#[test]
fn a_zero_count_is_64_kib_and_a_longer_table_stays_active() {
    let (mut ch, lines) = channel("dma-64k.img", 256);
    let mut mem = Memory::new();
    mem.table(0x8000, &[(0x2_0000, 0, true)]);
    // 128 sectors: exactly the one 64 KiB region.
    lba28(&mut ch, 100, 128, 0xC8);
    assert!(start(&mut ch, &mut mem, 0x8000, true));
    assert_eq!(mem.get(0x2_0000, 512), sector(100));
    assert_eq!(mem.get(0x2_FE00, 512), sector(227));
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, INTERRUPT);
    assert!(irq(&lines));
    // One sector into a table of two regions: the controller has not reached the end of
    // the table, so Active stays set with Interrupt (SFF-8038i).
    bm_write(&mut ch, BMICOM, 1, 0);
    bm_write(&mut ch, BMISTA, 1, u32::from(INTERRUPT));
    mem.table(0x8000, &[(0x4_0000, 0x200, false), (0x5_0000, 0x200, true)]);
    lba28(&mut ch, 1, 1, 0xC8);
    assert!(start(&mut ch, &mut mem, 0x8000, true));
    assert_eq!(mem.get(0x4_0000, 512), sector(1));
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, INTERRUPT | ACTIVE);
    bm_write(&mut ch, BMICOM, 1, 0);
    assert_eq!(
        bm_read(&mut ch, BMISTA, 1) as u8,
        INTERRUPT,
        "clearing Start clears Active"
    );
}

#[test]
fn a_range_past_the_end_ends_in_idnf() {
    let (mut ch, lines) = channel("dma-end.img", 16);
    let mut mem = Memory::new();
    mem.table(0x8000, &[(0x1_0000, 0x1000, true)]);
    lba28(&mut ch, 14, 4, 0xC8);
    start(&mut ch, &mut mem, 0x8000, true);
    assert!(irq(&lines));
    assert_eq!(rd(&mut ch, BASE + 7), status::DRDY | status::ERR);
    assert_eq!(rd(&mut ch, BASE + 1), error::IDNF);
    assert_eq!(rd(&mut ch, BASE + 3), 16, "the first missing sector");
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, INTERRUPT);
}

#[test]
fn atapi_read10_by_dma() {
    let (mut ch, lines) = cd_channel("dma.iso", 8, 0);
    let mut mem = Memory::new();
    mem.table(0x8000, &[(0x1_0000, 2048, false), (0x3_0000, 2048, true)]);
    // PACKET with features bit 0 (DMA); the command packet still goes through the data port.
    wr(&mut ch, BASE + 1, 0x01);
    wr(&mut ch, BASE + 7, 0xA0);
    assert_eq!(rd(&mut ch, CTRL), 0x58);
    let cdb = [0x28, 0, 0, 0, 0, 2, 0, 0, 2, 0, 0, 0];
    for w in cdb.chunks(2) {
        ch.write(0, BASE, 2, u32::from(u16::from_le_bytes([w[0], w[1]])));
    }
    assert!(!irq(&lines), "no INTRQ until the data has moved");
    assert_eq!(rd(&mut ch, CTRL) & status::DRQ, status::DRQ);
    assert!(start(&mut ch, &mut mem, 0x8000, true));
    let block = |b: u64| (0..2048).map(|i| pattern(b, i)).collect::<Vec<u8>>();
    assert_eq!(mem.get(0x1_0000, 2048), block(2));
    assert_eq!(mem.get(0x3_0000, 2048), block(3));
    assert!(irq(&lines));
    assert_eq!(rd(&mut ch, BASE + 7), 0x50);
    assert_eq!(
        rd(&mut ch, BASE + 2) & 3,
        3,
        "I/O and C/D: the command is done"
    );
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, INTERRUPT);
}

#[test]
fn bus_master_registers() {
    let (mut ch, lines) = channel("dma-regs.img", 16);
    // BMICOM keeps bits 0 and 3; BMISTA bits 5-6 are read/write, 1-2 write 1 to clear,
    // 0 read-only; BMIDTP bits 1-0 read 0; bytes 1 and 3 are reserved.
    bm_write(&mut ch, BMICOM, 1, 0xFF);
    assert_eq!(bm_read(&mut ch, BMICOM, 1), 0x09);
    assert_eq!(
        bm_read(&mut ch, BMISTA, 1) as u8,
        ACTIVE,
        "Start sets Active"
    );
    bm_write(&mut ch, BMISTA, 1, 0xFF);
    assert_eq!(bm_read(&mut ch, BMISTA, 1), 0x61);
    bm_write(&mut ch, BMICOM, 1, 0x08);
    bm_write(&mut ch, BMISTA, 1, 0x20);
    assert_eq!(bm_read(&mut ch, BMISTA, 1), 0x20);
    bm_write(&mut ch, BMIDTP, 4, 0x1234_5677);
    assert_eq!(bm_read(&mut ch, BMIDTP, 4), 0x1234_5674);
    bm_write(&mut ch, BMIDTP + 1, 1, 0xAB);
    assert_eq!(bm_read(&mut ch, BMIDTP, 4), 0x1234_AB74);
    assert_eq!(bm_read(&mut ch, 1, 1), 0);
    // Any INTRQ sets the interrupt bit, a PIO command's too (QEMU's bmdma_irq).
    wr(&mut ch, BASE + 6, 0xA0);
    wr(&mut ch, BASE + 7, 0xEC);
    assert!(irq(&lines));
    assert_eq!(bm_read(&mut ch, BMISTA, 1) as u8, 0x20 | INTERRUPT);
    bm_write(&mut ch, BMISTA, 1, u32::from(ERROR | INTERRUPT) | 0x20);
    assert_eq!(bm_read(&mut ch, BMISTA, 1), 0x20);
    // nIEN keeps INTRQ off the wire, and the bit clear.
    wr(&mut ch, CTRL, 0x02);
    wr(&mut ch, BASE + 7, 0xE5);
    assert_eq!(bm_read(&mut ch, BMISTA, 1), 0x20);
}

#[test]
fn the_block_decodes_both_channels_byte_by_byte() {
    let lines = IrqLines::new();
    let mut channels = [
        AtaChannel::new(lines.line(14)),
        AtaChannel::new(lines.line(15)),
    ];
    bus_master::write(&mut channels, 4, 4, 0x0001_0000);
    bus_master::write(&mut channels, 12, 4, 0x0002_0000);
    bus_master::write(&mut channels, 8, 1, 0x01);
    assert_eq!(
        bus_master::read(&channels, 8, 4),
        0x0001_0001,
        "cmd, 0, status, 0"
    );
    assert_eq!(bus_master::read(&channels, 4, 4), 0x0001_0000);
    assert_eq!(bus_master::read(&channels, 12, 4), 0x0002_0000);
    assert_eq!(
        bus_master::read(&channels, 14, 4),
        0xFFFF_0002,
        "past the block"
    );
    assert_eq!(bus_master::read(&channels, 0, 1), 0, "primary not started");
}

#[test]
fn identify_reports_the_dma_modes_set_features_selects() {
    let (mut ch, _) = channel("dma-id.img", 64);
    let words = |ch: &mut AtaChannel| {
        wr(ch, BASE + 7, 0xEC);
        let b = read_block(ch);
        move |i: usize| u16::from_le_bytes([b[2 * i], b[2 * i + 1]])
    };
    let w = words(&mut ch);
    assert_ne!(w(49) & (1 << 8), 0, "word 49 bit 8: DMA supported");
    assert_ne!(w(53) & (1 << 2), 0, "word 53 bit 2: word 88 valid");
    assert_eq!(w(63), 0x0007, "multiword DMA 0-2 supported, none selected");
    assert_eq!(w(88), 0x203F, "Ultra DMA 0-5 supported, 5 selected (QEMU)");
    let set_mode = |ch: &mut AtaChannel, mode: u8| {
        wr(ch, BASE + 1, 0x03);
        wr(ch, BASE + 2, mode);
        wr(ch, BASE + 7, 0xEF);
        rd(ch, BASE + 7)
    };
    assert_eq!(set_mode(&mut ch, 0x22), 0x50, "multiword DMA mode 2");
    let w = words(&mut ch);
    assert_eq!((w(63), w(88)), (0x0407, 0x003F));
    assert_eq!(set_mode(&mut ch, 0x42), 0x50, "Ultra DMA mode 2");
    let w = words(&mut ch);
    assert_eq!((w(63), w(88)), (0x0007, 0x043F));
    for mode in [0x23, 0x46, 0x10, 0x80] {
        assert_eq!(
            set_mode(&mut ch, mode),
            status::DRDY | status::ERR,
            "mode {mode:#x} is not supported"
        );
        assert_eq!(rd(&mut ch, BASE + 1), error::ABRT);
    }
    assert_eq!(set_mode(&mut ch, 0x0C), 0x50, "PIO flow control mode 4");
    let w = words(&mut ch);
    assert_eq!((w(63), w(88)), (0x0007, 0x003F), "no DMA mode selected");
    ch.power_on();
    let w = words(&mut ch);
    assert_eq!(w(88), 0x203F);
}

#[test]
fn table_walk_ends_at_eot_or_the_64_kib_block() {
    let mut mem = Memory::new();
    let mut bm = bus_master::BusMaster::default();
    // No EOT anywhere (zeroed memory: every entry is 64 KiB at address 0): the walk stops
    // at the end of the table's 64 KiB block.
    bm.write(4, 0x00);
    bm.write(5, 0x80);
    bm.write(6, 0x01);
    assert_eq!(bm.regions(&mem).len(), 0x8000 / 8);
    mem.table(
        0x1_8000,
        &[(0x100, 2, false), (0x200, 0, true), (0x300, 2, true)],
    );
    let regions = bm.regions(&mem);
    assert_eq!(regions.len(), 2);
    assert_eq!(regions[1].len, 0x1_0000);
    // The last entry of a block without EOT is the table's last.
    bm.write(4, 0xF8);
    bm.write(5, 0xFF);
    bm.write(6, 0x0F);
    assert_eq!(bm.regions(&mem).len(), 1);
}

#[test]
fn hostile_tables_never_panic() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut ch, _) = channel("dma-fuzz.img", 64);
    let (mut cd, _) = cd_channel("dma-fuzz.iso", 8, 0);
    let mut mem = Memory::new();
    for round in 0..300 {
        let r = next();
        let table = (r as u32) & 0xFFFF_FFFC;
        let entries: Vec<(u32, u16, bool)> = (0..(r >> 32) % 6)
            .map(|_| {
                let e = next();
                (e as u32, (e >> 32) as u16, (e >> 48) % 3 == 0)
            })
            .collect();
        mem.table(table & 0xF_FFFC, &entries);
        let target = if round % 2 == 0 { &mut ch } else { &mut cd };
        if round % 2 == 0 {
            let cmd = [0xC8, 0xCA, 0x25, 0x35][(r >> 40) as usize % 4];
            lba28(target, (r >> 44) as u32 % 80, (r >> 52) as u8, cmd);
        } else {
            wr(target, BASE + 1, 0x01);
            wr(target, BASE + 7, 0xA0);
            let cdb = [
                0x28,
                0,
                0,
                0,
                0,
                (r >> 40) as u8 % 10,
                0,
                0,
                (r >> 48) as u8 % 4,
                0,
                0,
                0,
            ];
            for w in cdb.chunks(2) {
                target.write(0, BASE, 2, u32::from(u16::from_le_bytes([w[0], w[1]])));
            }
        }
        bm_write(target, BMICOM, 1, 0);
        start(target, &mut mem, table, (r >> 60) % 2 == 0);
        wr(target, CTRL, 0x04);
        wr(target, CTRL, 0);
    }
}
