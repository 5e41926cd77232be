//! Expected values come from the Intel 82077AA datasheet (order no. 290166): the MSR in each
//! phase ("Main Status Register", "Controller Phases"), the command and result byte layouts
//! ("Command Set Descriptions"), ST0-ST3 ("Status Register Encoding"), the result C/H/R/N
//! ("Result Phase Termination Values with no Error") and the reset polling sequence
//! ("Reset": ST0 = C0h-C3h). DMA programming follows the Intel 8237A datasheet.

use super::*;
use crate::disk::{WriteMode, SECTOR};
use crate::irq::IrqLines;
use std::path::Path;
use std::rc::Rc;

/// MSR values: idle, command phase, result phase, non-DMA execution (read, write), DMA
/// execution.
const IDLE: u8 = 0x80;
const COMMAND: u8 = 0x90;
const RESULT: u8 = 0xD0;
const PIO_TO_HOST: u8 = 0xF0;
const PIO_FROM_HOST: u8 = 0xB0;

/// 1.44M and 720K images in sectors.
const HD: u64 = 2880;
const DD: u64 = 1440;

/// Data rates as CCR values.
const RATE_500K: u8 = 0;
const RATE_250K: u8 = 2;

/// 8237A mode register values for channel 2: single mode, write (device to memory) or read
/// (memory to device).
const DMA_WRITE: u8 = 0x46;
const DMA_READ: u8 = 0x4A;

/// 16 MiB of ISA memory.
struct Ram(Vec<u8>);

impl DmaMemory for Ram {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        let a = addr as usize;
        buf.copy_from_slice(&self.0[a..a + buf.len()]);
    }

    fn write(&mut self, addr: u32, data: &[u8]) {
        let a = addr as usize;
        self.0[a..a + data.len()].copy_from_slice(data);
    }
}

/// The bytes of image sector `lba`: its number in the first two bytes, then a pattern that
/// differs from sector to sector.
fn pattern(lba: u64) -> Vec<u8> {
    (0..SECTOR as u64)
        .map(|k| match k {
            0 => lba as u8,
            1 => (lba >> 8) as u8,
            _ => (k ^ lba.wrapping_mul(31)) as u8,
        })
        .collect()
}

/// A scratch image of `sectors` pattern-filled sectors, unique to this test and process.
fn image(name: &str, sectors: u64) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amber-fdc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    let bytes: Vec<u8> = (0..sectors).flat_map(pattern).collect();
    std::fs::write(&p, bytes).unwrap();
    p
}

fn open(p: &Path) -> Disk {
    Disk::open(p, WriteMode::Discard).unwrap()
}

struct Bench {
    lines: Rc<IrqLines>,
    fdc: Fdc82077,
    dma: Dma8237,
    ram: Ram,
}

impl Bench {
    /// A controller out of reset (DOR 0x0C) with the four polling results taken, and the DMA
    /// cascade channel 4 open, as a BIOS leaves them.
    fn new() -> Bench {
        let lines = IrqLines::new();
        let mut b = Bench {
            fdc: Fdc82077::new(lines.line(6)),
            lines,
            dma: Dma8237::new(),
            ram: Ram(vec![0; 1 << 24]),
        };
        b.dma.write(0, 0xD4, 1, 0);
        b.outb(0x3F2, 0x0C);
        for _ in 0..4 {
            b.command(&[0x08]);
            b.result();
        }
        b
    }

    /// A bench with an image of `sectors` in drive 0 at data rate `rate`.
    fn with_image(name: &str, sectors: u64, rate: u8) -> (Bench, PathBuf) {
        let mut b = Bench::new();
        let p = image(name, sectors);
        b.fdc.insert(0, open(&p), false).unwrap();
        b.outb(0x3F7, rate);
        (b, p)
    }

    /// A port write, then the DMA service the board performs after each one.
    fn outb(&mut self, port: u16, value: u8) {
        self.fdc.write(0, port, 1, u32::from(value));
        self.fdc.service_dma(&mut self.dma, &mut self.ram);
    }

    fn inb(&mut self, port: u16) -> u8 {
        self.fdc.read(0, port, 1) as u8
    }

    fn msr(&mut self) -> u8 {
        self.inb(0x3F4)
    }

    fn irq(&self) -> bool {
        self.lines.levels() & 1 << 6 != 0
    }

    /// Writes a command, checking before each byte that the FIFO wants one (RQM=1, DIO=0)
    /// and, after the first, that the controller is busy in the command phase.
    fn command(&mut self, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            let msr = self.msr();
            assert_eq!(msr & 0xC0, 0x80, "MSR {msr:#04x} before byte {i}");
            if i > 0 {
                assert_eq!(msr & 0xF0, COMMAND, "MSR before byte {i}");
            }
            self.outb(0x3F5, b);
        }
    }

    /// Reads the result phase, checking the MSR shows it before each byte.
    fn result(&mut self) -> Vec<u8> {
        let mut bytes = Vec::new();
        while self.msr() & 0xF0 == RESULT {
            bytes.push(self.inb(0x3F5));
        }
        assert_eq!(self.msr() & 0xF0, IDLE, "idle after the result phase");
        bytes
    }

    /// Seeks drive 0 to `cylinder` and takes the interrupt status.
    fn seek(&mut self, cylinder: u8) {
        self.command(&[0x0F, 0x00, cylinder]);
        self.command(&[0x08]);
        assert_eq!(self.result(), [0x20, cylinder]);
    }

    /// Programs DMA channel 2 (mask, flip-flop, mode, address, count, page, unmask).
    fn dma2(&mut self, mode: u8, addr: u32, count: u16) {
        for (port, value) in [
            (0x0A, 0x06),
            (0x0C, 0),
            (0x0B, mode),
            (0x04, addr as u8),
            (0x04, (addr >> 8) as u8),
            (0x05, count as u8),
            (0x05, (count >> 8) as u8),
            (0x81, (addr >> 16) as u8),
            (0x0A, 0x02),
        ] {
            self.dma.write(0, port, 1, u32::from(value));
        }
    }
}

#[test]
fn a_reset_owes_four_polling_results() {
    let lines = IrqLines::new();
    let mut fdc = Fdc82077::new(lines.line(6));
    // Held in reset by DOR = 0: RQM clear.
    assert_eq!(fdc.read(0, 0x3F4, 1), 0x00);
    fdc.write(0, 0x3F2, 1, 0x0C);
    assert_eq!(lines.levels(), 1 << 6, "IRQ 6 after the reset");
    assert_eq!(fdc.read(0, 0x3F4, 1), u32::from(IDLE));
    let mut b = Bench {
        lines,
        fdc,
        dma: Dma8237::new(),
        ram: Ram(Vec::new()),
    };
    for drive in 0..4 {
        b.command(&[0x08]);
        assert_eq!(b.msr(), RESULT);
        assert_eq!(b.result(), [0xC0 | drive, 0x00]);
        assert!(!b.irq());
    }
    // Nothing left: SENSE INTERRUPT STATUS is then an invalid command.
    b.command(&[0x08]);
    assert_eq!(b.result(), [0x80]);
    // A DSR software reset gives the same sequence.
    b.outb(0x3F4, 0x80);
    assert!(b.irq());
    b.command(&[0x08]);
    assert_eq!(b.result(), [0xC0, 0x00]);
}

#[test]
fn the_msr_follows_the_phases() {
    let mut b = Bench::new();
    assert_eq!(b.msr(), IDLE);
    b.outb(0x3F5, 0x03);
    assert_eq!(b.msr(), COMMAND);
    b.outb(0x3F5, 0xDF);
    assert_eq!(b.msr(), COMMAND);
    b.outb(0x3F5, 0x02);
    assert_eq!(b.msr(), IDLE, "SPECIFY has no result phase");
    b.command(&[0x10]);
    assert_eq!(b.msr(), RESULT);
    assert_eq!(b.result(), [0x90], "VERSION");
    assert!(!b.irq());
}

#[test]
fn invalid_commands_give_st0_80() {
    let mut b = Bench::new();
    for opcode in [0x00, 0x01, 0x18, 0x25, 0xFF] {
        b.command(&[opcode]);
        assert_eq!(b.result(), [0x80], "opcode {opcode:#04x}");
    }
    assert!(!b.irq());
}

#[test]
fn seek_and_recalibrate_end_with_an_interrupt_and_busy_drive() {
    let mut b = Bench::new();
    b.command(&[0x0F, 0x05, 0x07]);
    assert_eq!(b.msr(), IDLE | 0x02, "drive 1 busy until SENSE INTERRUPT");
    assert!(b.irq());
    b.command(&[0x08]);
    assert!(!b.irq());
    // ST0: seek end, head 1, drive 1; PCN 7.
    assert_eq!(b.result(), [0x25, 0x07]);
    assert_eq!(b.msr(), IDLE);
    // Relative seek: 3 toward cylinder 0, then 10 outward.
    b.command(&[0x8F, 0x01, 0x03]);
    b.command(&[0x08]);
    assert_eq!(b.result(), [0x21, 0x04]);
    b.command(&[0xCF, 0x01, 0x0A]);
    b.command(&[0x08]);
    assert_eq!(b.result(), [0x21, 0x0E]);
    b.command(&[0x07, 0x01]);
    b.command(&[0x08]);
    assert_eq!(b.result(), [0x21, 0x00]);
    // No drive 2: TRK0 never comes, abnormal termination with equipment check.
    b.command(&[0x07, 0x02]);
    b.command(&[0x08]);
    assert_eq!(b.result(), [0x72, 0x00]);
}

#[test]
fn sense_drive_status_reports_st3() {
    let (mut b, _) = Bench::with_image("st3.img", HD, RATE_500K);
    // Drive 0: writable, track 0, head 1 asked: bits 5 and 3 always set.
    b.command(&[0x04, 0x04]);
    assert_eq!(b.result(), [0x28 | 0x10 | 0x04]);
    b.seek(3);
    b.command(&[0x04, 0x00]);
    assert_eq!(b.result(), [0x28]);
    // Drive 1 is empty: the write-protect sensor sees no diskette.
    b.command(&[0x04, 0x01]);
    assert_eq!(b.result(), [0x40 | 0x28 | 0x10 | 0x01]);
}

#[test]
fn read_data_by_dma_delivers_the_addressed_sectors() {
    let (mut b, _) = Bench::with_image("read.img", HD, RATE_500K);
    b.seek(1);
    // Two sectors: count 1023 (8237A transfers count + 1 bytes).
    b.dma2(DMA_WRITE, 0x1_0000, 2 * 512 - 1);
    b.command(&[0x46, 0x04, 1, 1, 3, 2, 18, 0x1B, 0xFF]);
    assert!(b.irq(), "IRQ 6 at the end of the execution phase");
    assert_eq!(b.msr(), RESULT);
    // C=1 H=1 R=3 is LBA (1 * 2 + 1) * 18 + 2 = 56; R=4 is 57.
    assert_eq!(b.ram.0[0x1_0000..0x1_0200], pattern(56)[..]);
    assert_eq!(b.ram.0[0x1_0200..0x1_0400], pattern(57)[..]);
    assert_eq!(b.ram.0[0x1_0400], 0);
    let st0 = b.inb(0x3F5);
    assert!(!b.irq(), "reading the first result byte clears INT");
    let rest: Vec<u8> = (0..6).map(|_| b.inb(0x3F5)).collect();
    // Normal termination, head 1; TC after R=4 < EOT: C, H, R+1, N.
    assert_eq!(st0, 0x04);
    assert_eq!(rest, [0x00, 0x00, 1, 1, 5, 2]);
    assert_eq!(b.msr(), IDLE);
}

#[test]
fn the_result_ids_follow_the_termination_table() {
    let (mut b, _) = Bench::with_image("mt.img", HD, RATE_500K);
    // MT=0, last sector = EOT: C+1, H, R=1.
    b.dma2(DMA_WRITE, 0x2_0000, 511);
    b.command(&[0x46, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x00, 0x00, 0x00, 1, 0, 1, 2]);
    // MT=1 from side 0 across EOT: side 1's sector 1 follows (LBA 17 then 18).
    b.dma2(DMA_WRITE, 0x2_0000, 1023);
    b.command(&[0xC6, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x04, 0x00, 0x00, 0, 1, 2, 2]);
    assert_eq!(b.ram.0[0x2_0000..0x2_0200], pattern(17)[..]);
    assert_eq!(b.ram.0[0x2_0200..0x2_0400], pattern(18)[..]);
    // MT=1, last sector = EOT on side 0: C, H=1 (LSB complemented), R=1.
    b.dma2(DMA_WRITE, 0x2_0000, 511);
    b.command(&[0xC6, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x04, 0x00, 0x00, 0, 1, 1, 2]);
    // MT=1, last sector = EOT on side 1: C+1, H=0, R=1.
    b.dma2(DMA_WRITE, 0x2_0000, 511);
    b.command(&[0xC6, 0x04, 0, 1, 18, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x04, 0x00, 0x00, 1, 0, 1, 2]);
}

#[test]
fn running_past_eot_without_tc_ends_with_end_of_cylinder() {
    let (mut b, _) = Bench::with_image("eot.img", HD, RATE_500K);
    b.dma2(DMA_WRITE, 0x3_0000, 4095);
    b.command(&[0x46, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x40, 0x80, 0x00, 1, 0, 1, 2]);
    assert_eq!(b.ram.0[0x3_0200..0x3_0400], pattern(17)[..]);
}

#[test]
fn write_data_round_trips_through_the_overlay() {
    let (mut b, p) = Bench::with_image("write.img", HD, RATE_500K);
    let original = std::fs::read(&p).unwrap();
    b.seek(2);
    let data: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    b.ram.0[0x4_0000..0x4_0400].copy_from_slice(&data);
    b.dma2(DMA_READ, 0x4_0000, 1023);
    b.command(&[0x45, 0x00, 2, 0, 5, 2, 18, 0x1B, 0xFF]);
    assert!(b.irq());
    assert_eq!(b.result(), [0x00, 0x00, 0x00, 2, 0, 7, 2]);
    b.dma2(DMA_WRITE, 0x5_0000, 1023);
    b.command(&[0x46, 0x00, 2, 0, 5, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x00, 0x00, 0x00, 2, 0, 7, 2]);
    assert_eq!(b.ram.0[0x5_0000..0x5_0400], data[..]);
    b.fdc.flush().unwrap();
    assert_eq!(
        std::fs::read(&p).unwrap(),
        original,
        "the image is untouched"
    );
}

#[test]
fn non_dma_reads_go_through_the_fifo() {
    let (mut b, _) = Bench::with_image("pio.img", HD, RATE_500K);
    b.command(&[0x03, 0xDF, 0x03]); // SPECIFY, ND = 1
    b.lines.take_edges();
    b.command(&[0x46, 0x00, 0, 0, 2, 2, 2, 0x1B, 0xFF]);
    assert!(!b.fdc.dma_requested());
    let mut data = Vec::new();
    for i in 0..SECTOR {
        assert_eq!(b.msr(), PIO_TO_HOST, "MSR before data byte {i}");
        assert!(b.irq(), "INT requests byte {i}");
        assert_eq!(b.lines.take_edges(), 1 << 6, "one edge per byte ({i})");
        data.push(b.inb(0x3F5));
    }
    assert_eq!(data, pattern(1));
    // Without a TC the transfer runs to EOT and ends with EN: C+1, R=1.
    assert_eq!(b.msr(), RESULT);
    assert_eq!(b.result(), [0x40, 0x80, 0x00, 1, 0, 1, 2]);
}

#[test]
fn non_dma_writes_go_through_the_fifo() {
    let (mut b, _) = Bench::with_image("piow.img", HD, RATE_500K);
    b.command(&[0x03, 0xDF, 0x03]);
    b.command(&[0x45, 0x00, 0, 0, 9, 2, 9, 0x1B, 0xFF]);
    for i in 0..SECTOR {
        assert_eq!(b.msr(), PIO_FROM_HOST, "MSR before data byte {i}");
        b.outb(0x3F5, i as u8 ^ 0x5A);
    }
    assert_eq!(b.result(), [0x40, 0x80, 0x00, 1, 0, 1, 2]);
    b.command(&[0x46, 0x00, 0, 0, 9, 2, 9, 0x1B, 0xFF]);
    let data: Vec<u8> = (0..SECTOR).map(|_| b.inb(0x3F5)).collect();
    assert!(data.iter().enumerate().all(|(i, &v)| v == i as u8 ^ 0x5A));
    b.result();
}

#[test]
fn format_track_writes_the_fill_byte() {
    let (mut b, _) = Bench::with_image("format.img", DD, RATE_250K);
    b.seek(3);
    // Nine ID fields C H R N for cylinder 3, head 1.
    let ids: Vec<u8> = (1..=9).flat_map(|r| [3, 1, r, 2]).collect();
    b.ram.0[0x6_0000..0x6_0024].copy_from_slice(&ids);
    b.dma2(DMA_READ, 0x6_0000, 35);
    b.command(&[0x4D, 0x04, 2, 9, 0x54, 0xE5]);
    let r = b.result();
    assert_eq!(r[..3], [0x04, 0x00, 0x00]);
    b.dma2(DMA_WRITE, 0x7_0000, 9 * 512 - 1);
    b.command(&[0x46, 0x04, 3, 1, 1, 2, 9, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x04, 0x00, 0x00, 4, 1, 1, 2]);
    assert!(b.ram.0[0x7_0000..0x7_0000 + 9 * 512]
        .iter()
        .all(|&v| v == 0xE5));
    // Side 0 of the cylinder is untouched: LBA (3 * 2 + 0) * 9 = 54.
    b.dma2(DMA_WRITE, 0x7_0000, 511);
    b.command(&[0x46, 0x00, 3, 0, 1, 2, 9, 0x1B, 0xFF]);
    b.result();
    assert_eq!(b.ram.0[0x7_0000..0x7_0200], pattern(54)[..]);
}

#[test]
fn read_id_reports_the_track_under_the_head() {
    let (mut b, _) = Bench::with_image("readid.img", HD, RATE_500K);
    b.seek(2);
    b.command(&[0x4A, 0x04]);
    assert!(b.irq());
    assert_eq!(b.result(), [0x04, 0x00, 0x00, 2, 1, 1, 2]);
    // At the wrong data rate no ID address mark is found.
    b.outb(0x3F7, RATE_250K);
    b.command(&[0x4A, 0x00]);
    assert_eq!(b.result(), [0x40, 0x01, 0x00, 2, 0, 1, 2]);
}

#[test]
fn read_errors_set_the_documented_status_bits() {
    let (mut b, _) = Bench::with_image("errors.img", HD, RATE_500K);
    b.dma2(DMA_WRITE, 0x8_0000, 511);
    // Sector 19 is not on an 18-sector track: ND.
    b.command(&[0x46, 0x00, 0, 0, 19, 2, 19, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x40, 0x04, 0x00, 0, 0, 19, 2]);
    // C differs from the cylinder under the head: ND with wrong cylinder.
    b.command(&[0x46, 0x00, 4, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x40, 0x04, 0x10, 4, 0, 1, 2]);
    // Beyond the last cylinder there are no address marks: MA.
    b.seek(85);
    b.command(&[0x46, 0x00, 85, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x40, 0x01, 0x00, 85, 0, 1, 2]);
    // FM (MFM = 0) cannot read MFM media: MA.
    b.seek(0);
    b.command(&[0x06, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x40, 0x01, 0x00, 0, 0, 1, 2]);
    // No diskette in drive 1: not ready.
    b.command(&[0x46, 0x01, 0, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x49, 0x01, 0x00, 0, 0, 1, 2]);
    // The DMA channel is masked: nobody services the FIFO, an overrun.
    b.dma.write(0, 0x0A, 1, 0x06);
    b.command(&[0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x40, 0x10, 0x00, 0, 0, 1, 2]);
}

#[test]
fn a_single_sided_diskette_has_no_side_one() {
    let mut b = Bench::new();
    let p = image("ss.img", 360);
    b.fdc.insert(1, open(&p), false).unwrap();
    b.outb(0x3F7, RATE_250K);
    b.dma2(DMA_WRITE, 0x9_0000, 511);
    b.command(&[0x46, 0x05, 0, 1, 1, 2, 9, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x45, 0x01, 0x00, 0, 1, 1, 2]);
    b.command(&[0x46, 0x01, 0, 0, 9, 2, 9, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x01, 0x00, 0x00, 1, 0, 1, 2]);
    assert_eq!(b.ram.0[0x9_0000..0x9_0200], pattern(8)[..]);
}

#[test]
fn writes_to_a_protected_diskette_fail() {
    let mut b = Bench::new();
    let p = image("wp.img", HD);
    b.fdc.insert(0, open(&p), true).unwrap();
    b.outb(0x3F7, RATE_500K);
    b.dma2(DMA_READ, 0xA_0000, 511);
    b.command(&[0x45, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert!(b.irq());
    assert_eq!(b.result(), [0x40, 0x02, 0x00, 0, 0, 1, 2]);
    b.command(&[0x4D, 0x00, 2, 18, 0x54, 0xF6]);
    assert_eq!(b.result()[..2], [0x40, 0x02]);
}

#[test]
fn configure_lock_perpendicular_and_dumpreg() {
    let mut b = Bench::new();
    b.command(&[0x13, 0x00, 0x57, 0x05]);
    b.command(&[0x03, 0xAF, 0x02]);
    b.command(&[0x12, 0x84]);
    b.command(&[0x94]);
    assert_eq!(b.result(), [0x10], "LOCK result");
    b.command(&[0x0E]);
    // PCN0-3, SRT/HUT, HLT/ND, SC/EOT, LOCK|D3-D0|GAP|WGATE, EIS|EFIFO|POLL|FIFOTHR, PRETRK.
    assert_eq!(b.result(), [0, 0, 0, 0, 0xAF, 0x02, 0, 0x84, 0x57, 0x05]);
    // A software reset while locked keeps EFIFO, FIFOTHR and PRETRK; EIS and POLL go.
    b.outb(0x3F4, 0x80);
    for _ in 0..4 {
        b.command(&[0x08]);
        b.result();
    }
    b.command(&[0x0E]);
    assert_eq!(b.result(), [0, 0, 0, 0, 0xAF, 0x02, 0, 0x84, 0x07, 0x05]);
    b.command(&[0x14]);
    assert_eq!(b.result(), [0x00], "UNLOCK result");
}

#[test]
fn the_disk_change_line_and_the_dma_gate() {
    let mut b = Bench::new();
    assert_eq!(b.inb(0x3F7) & 0x80, 0x80, "no diskette");
    let p = image("change.img", HD);
    b.fdc.insert(0, open(&p), false).unwrap();
    assert_eq!(b.inb(0x3F7) & 0x80, 0x80, "inserted, not yet stepped");
    b.seek(1);
    assert_eq!(b.inb(0x3F7) & 0x80, 0x00, "a step pulse clears DSKCHG");
    assert!(b.fdc.eject(0).is_some());
    assert_eq!(b.inb(0x3F7) & 0x80, 0x80);
    // DMA GATE off: INT does not reach IRQ 6 until it is set again.
    b.outb(0x3F2, 0x04);
    b.command(&[0x07, 0x00]);
    assert!(!b.irq());
    b.outb(0x3F2, 0x0C);
    assert!(b.irq());
    assert_eq!(b.inb(0x3F2), 0x0C);
}

#[test]
fn images_larger_than_a_diskette_are_refused() {
    let mut b = Bench::new();
    let p = image("odd.img", 6000);
    assert!(matches!(
        b.fdc.insert(0, open(&p), false),
        Err(FdcError::NotAFloppy(_, 3_072_000))
    ));
    assert!(matches!(
        b.fdc.insert(2, open(&p), false),
        Err(FdcError::NoSuchDrive(2))
    ));
}

#[test]
fn ejecting_during_a_transfer_ends_it_not_ready() {
    let (mut b, _) = Bench::with_image("eject.img", HD, RATE_500K);
    b.command(&[0x03, 0xDF, 0x03]);
    b.command(&[0x46, 0x00, 0, 0, 1, 2, 2, 0x1B, 0xFF]);
    for _ in 0..100 {
        b.inb(0x3F5);
    }
    b.fdc.eject(0);
    let rest: Vec<u8> = (100..SECTOR).map(|_| b.inb(0x3F5)).collect();
    assert_eq!(rest, pattern(0)[100..]);
    assert_eq!(b.result(), [0x48, 0x01, 0x00, 0, 0, 2, 2]);
}

#[test]
fn random_port_traffic_never_panics() {
    let (mut b, _) = Bench::with_image("fuzz.img", HD, RATE_500K);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..200_000 {
        let r = next();
        let value = (r >> 8) as u8;
        match r % 8 {
            0 => b.outb(0x3F0 + (r >> 16) as u16 % 8, value),
            1 => {
                b.inb(0x3F0 + (r >> 16) as u16 % 8);
            }
            2 => {
                let port = [0x00, 0x81, 0x87, 0xC0][(r >> 16) as usize % 4] + (r >> 20) as u16 % 16;
                b.dma.write(0, port, 1, u32::from(value));
            }
            // Mostly FIFO traffic, so commands get through.
            3..=5 => b.outb(0x3F5, value),
            _ => {
                b.inb(0x3F5);
            }
        }
    }
}

#[test]
fn an_implied_seek_reaches_the_cylinder_and_sets_seek_end() {
    let (mut b, _) = Bench::with_image("eis.img", HD, RATE_500K);
    b.command(&[0x13, 0x00, 0x60, 0x00]); // CONFIGURE: EIS, FIFO disabled, polling on
    b.dma2(DMA_WRITE, 0xB_0000, 511);
    b.command(&[0x46, 0x00, 5, 0, 1, 2, 18, 0x1B, 0xFF]);
    assert_eq!(b.result(), [0x20, 0x00, 0x00, 5, 0, 2, 2]);
    // C=5 H=0 R=1 is LBA 5 * 2 * 18 = 180.
    assert_eq!(b.ram.0[0xB_0000..0xB_0200], pattern(180)[..]);
    b.command(&[0x0E]);
    assert_eq!(b.result()[0], 5, "PCN0 after the implied seek");
}
