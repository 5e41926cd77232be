use super::*;
use crate::irq::IrqLines;
use std::rc::Rc;

/// The first nanosecond of clock tick `k`.
fn at(k: u64) -> Nanos {
    tick_start(k).unwrap()
}

/// A timer on IRQ line 0, driven at whole clock ticks.
struct Bench {
    lines: Rc<IrqLines>,
    pit: Pit8254,
}

impl Bench {
    fn new() -> Bench {
        let lines = IrqLines::new();
        let pit = Pit8254::new(lines.line(0));
        Bench { lines, pit }
    }

    fn outb(&mut self, k: u64, port: u16, value: u8) {
        self.pit.write(at(k), port, 1, u32::from(value));
    }

    fn inb(&mut self, k: u64, port: u16) -> u8 {
        self.pit.read(at(k), port, 1) as u8
    }

    /// A control word and a two-byte count at tick `k`.
    fn program(&mut self, k: u64, control: u8, count: u16) {
        self.outb(k, 0x43, control);
        self.count(k, 0x40 + u16::from(control >> 6), count);
    }

    fn count(&mut self, k: u64, port: u16, count: u16) {
        let [low, high] = count.to_le_bytes();
        self.outb(k, port, low);
        self.outb(k, port, high);
    }

    fn word(&mut self, k: u64, port: u16) -> u16 {
        u16::from_le_bytes([self.inb(k, port), self.inb(k, port)])
    }

    fn status(&mut self, k: u64, counter: u8) -> u8 {
        self.outb(k, 0x43, 0xE0 | 2 << counter);
        self.inb(k, 0x40 + u16::from(counter))
    }

    fn out2(&mut self, k: u64) -> bool {
        self.inb(k, 0x61) & 0x20 != 0
    }

    /// Advances to tick `k`: the IRQ0 edges raised and the next deadline's tick.
    fn advance(&mut self, k: u64) -> (u32, Option<u64>) {
        let deadline = self.pit.advance(at(k));
        if let Some(d) = deadline {
            assert_eq!(d, at(tick_at(d)), "a deadline is the start of a tick");
        }
        (self.lines.take_edges(), deadline.map(tick_at))
    }
}

const CH0_MODE0: u8 = 0x30;
const CH0_MODE2: u8 = 0x34;
const CH0_MODE2_BCD: u8 = 0x35;
const CH0_MODE4: u8 = 0x38;
const CH2_MODE0: u8 = 0xB0;
const CH2_MODE1: u8 = 0xB2;
const CH2_MODE3: u8 = 0xB6;

#[test]
fn power_on_counter0_runs_mode3_at_18_2_hz() {
    let mut b = Bench::new();
    assert_eq!(b.advance(0), (0, Some(65_536)));
    assert_eq!(b.advance(65_536), (1, Some(131_072)));
}

#[test]
fn mode2_fires_every_n_clocks_with_exact_deadlines() {
    let mut b = Bench::new();
    const N: u64 = 11_932; // 100 Hz
    b.program(0, CH0_MODE2, N as u16);
    // The count is loaded on the first clock, then OUT pulses at the end of each period.
    assert_eq!(b.pit.advance(0), Some(at(1 + N)));
    assert_eq!(b.pit.advance(at(1 + N) - 1), Some(at(1 + N)));
    assert_eq!(b.lines.take_edges(), 0);
    for j in 1..=200 {
        assert_eq!(
            b.advance(1 + j * N),
            (1, Some(1 + (j + 1) * N)),
            "period {j}"
        );
    }
    // N / 1193182 s, to the nanosecond, on a grid of ticks that keeps whole seconds.
    assert_eq!(at(CLOCK_HZ), 1_000_000_000);
    let spacing = at(1 + 201 * N) - at(1 + 200 * N);
    let exact = N * 1_000_000_000 / CLOCK_HZ;
    assert!((exact..=exact + 1).contains(&spacing));
    // A late call raises the (single, latched) edge and returns the next period.
    assert_eq!(b.pit.advance(at(1 + 205 * N) + 7), Some(at(1 + 206 * N)));
    assert_eq!(b.lines.take_edges(), 1);
}

#[test]
fn counter_read_counts_down_from_elapsed_time() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE2, 10_000);
    assert_eq!(b.word(1 + 1234, 0x40), 10_000 - 1234);
    assert_eq!(b.word(1 + 9999, 0x40), 1);
    assert_eq!(b.word(1 + 10_000, 0x40), 10_000);
    assert_eq!(b.word(1 + 10_001, 0x40), 9999);
}

#[test]
fn latch_freezes_the_count_until_read() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE2, 10_000);
    b.outb(1 + 100, 0x43, 0x00);
    b.outb(1 + 200, 0x43, 0x00); // ignored: already latched
    assert_eq!(b.inb(1 + 5000, 0x40), 9900u16.to_le_bytes()[0]);
    assert_eq!(b.inb(1 + 5500, 0x40), 9900u16.to_le_bytes()[1]);
    assert_eq!(b.word(1 + 6000, 0x40), 4000);
}

#[test]
fn read_back_status_reports_output_null_count_access_mode_and_bcd() {
    let mut b = Bench::new();
    b.outb(0, 0x43, CH2_MODE1);
    // OUT high, null count, RW = LSB then MSB, mode 1, binary.
    assert_eq!(b.status(0, 2), 0xF2);
    b.count(0, 0x42, 100);
    assert_eq!(b.status(5, 2), 0xF2, "waits for a trigger");
    b.outb(10, 0x61, 0x01);
    assert_eq!(b.status(11, 2), 0x32, "triggered: OUT low, count loaded");
    assert_eq!(b.status(111, 2), 0xB2, "terminal count");

    b.outb(111, 0x43, CH0_MODE0 | 1);
    assert_eq!(b.status(111, 0), 0x71);
    b.count(111, 0x40, 0x0050);
    // Status and count latched together: status first, then the count.
    b.outb(122, 0x43, 0xC2);
    assert_eq!(b.inb(130, 0x40), 0x31);
    assert_eq!(b.word(140, 0x40), 0x0040);
}

#[test]
fn mode0_output_rises_once_at_terminal_count() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE0, 100);
    // OUT goes high N + 1 clocks after the count is written.
    assert_eq!(b.advance(0), (0, Some(101)));
    assert_eq!(b.status(100, 0) & 0x80, 0);
    assert_eq!(b.advance(101), (1, None));
    assert_eq!(b.status(101, 0) & 0x80, 0x80);
    assert_eq!(b.word(106, 0x40), 65_531, "CE wraps on");
    assert_eq!(b.advance(500_000), (0, None));
}

#[test]
fn mode4_strobes_once_after_n_plus_one_clocks() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE4, 100);
    assert_eq!(b.advance(0), (0, Some(102)));
    assert_eq!(b.status(101, 0) & 0x80, 0);
    assert_eq!(b.advance(102), (1, None));
}

#[test]
fn mode3_square_wave_shows_on_port_61_bit5() {
    let mut b = Bench::new();
    b.outb(0, 0x61, 0x03);
    assert!(b.pit.speaker_enabled());
    b.program(0, CH2_MODE3, 1000);
    assert_eq!(b.word(1 + 100, 0x42), 800, "two per clock");
    for (p, high) in [(499, true), (500, false), (999, false), (1000, true)] {
        assert_eq!(b.out2(1 + p), high, "clock {p}");
    }
    // Gate low while OUT is low: OUT high at once and counting stops.
    b.outb(1 + 1700, 0x61, 0x02);
    assert!(!b.pit.speaker_enabled());
    assert!(b.out2(1 + 1700));
    assert!(b.out2(1 + 2200));
    // Gate high: reloaded on the next clock.
    b.outb(3000, 0x61, 0x03);
    assert!(b.out2(3001 + 499));
    assert!(!b.out2(3001 + 500));
}

#[test]
fn mode3_odd_count_high_half_is_longer() {
    let mut b = Bench::new();
    b.outb(0, 0x61, 0x01);
    b.program(0, CH2_MODE3, 5);
    let outs: Vec<bool> = (0..5).map(|p| b.out2(1 + p)).collect();
    assert_eq!(outs, [true, true, true, false, false]);
    let counts: Vec<u16> = (5..10).map(|p| b.word(1 + p, 0x42)).collect();
    assert_eq!(counts, [5, 4, 2, 5, 2]);
}

#[test]
fn bcd_counting_and_count_zero_as_the_largest_count() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE2_BCD, 0x1234);
    assert_eq!(b.word(1 + 34, 0x40), 0x1200);
    b.program(100, CH0_MODE2_BCD, 0x0000);
    assert_eq!(b.advance(100), (0, Some(101 + 10_000)), "0 is 10000 in BCD");
    assert_eq!((b.word(101, 0x40), b.word(102, 0x40)), (0, 0x9999));
    b.program(200, CH0_MODE2, 0x0000);
    assert_eq!(
        b.advance(200),
        (0, Some(201 + 65_536)),
        "0 is 65536 in binary"
    );
    assert_eq!((b.word(201, 0x40), b.word(202, 0x40)), (0, 0xFFFF));
}

#[test]
fn lsb_only_msb_only_and_interleaved_word_access() {
    let mut b = Bench::new();
    b.outb(0, 0x43, 0x14); // counter 0, LSB only, mode 2
    b.outb(0, 0x40, 0x80);
    assert_eq!(b.advance(0), (0, Some(1 + 0x80)));
    assert_eq!(b.inb(1 + 8, 0x40), 0x78);
    assert_eq!(b.inb(1 + 8, 0x40), 0x78);

    b.outb(100, 0x43, 0x24); // MSB only
    b.outb(100, 0x40, 0x02);
    assert_eq!(b.advance(100), (0, Some(101 + 0x200)));
    assert_eq!(b.inb(101 + 0x100, 0x40), 0x01);

    // Reads and writes keep separate byte pointers.
    b.program(1000, CH0_MODE2, 0x3000);
    assert_eq!(b.inb(1001 + 0x10, 0x40), 0xF0);
    b.outb(1001 + 0x10, 0x40, 0x00);
    assert_eq!(b.inb(1001 + 0x10, 0x40), 0x2F);
    b.outb(1001 + 0x10, 0x40, 0x20);
    assert_eq!(b.word(1001 + 0x20, 0x40), 0x2FE0);
}

#[test]
fn mode2_new_count_takes_effect_at_the_end_of_the_period() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE2, 1000);
    b.count(1 + 300, 0x40, 500);
    assert_eq!(b.status(1 + 301, 0) & 0x40, 0x40, "null count");
    assert_eq!(b.word(1 + 301, 0x40), 1000 - 301);
    assert_eq!(b.advance(1 + 301), (0, Some(1 + 1000)));
    assert_eq!(b.advance(1 + 1000), (1, Some(1 + 1500)));
    assert_eq!(b.status(1 + 1000, 0) & 0x40, 0);
    assert_eq!(b.advance(1 + 1500), (1, Some(1 + 2000)));
}

#[test]
fn mode1_one_shot_retriggers_on_rising_gate() {
    let mut b = Bench::new();
    b.program(0, CH2_MODE1, 100);
    assert!(b.out2(5));
    b.outb(10, 0x61, 0x01);
    assert!(!b.out2(11));
    b.outb(40, 0x61, 0x00);
    b.outb(50, 0x61, 0x01);
    assert!(!b.out2(120), "retriggered at clock 51");
    assert!(!b.out2(150));
    assert!(b.out2(151));
}

#[test]
fn mode0_gate_low_holds_the_count() {
    let mut b = Bench::new();
    b.outb(0, 0x61, 0x01);
    b.program(0, CH2_MODE0, 100);
    b.outb(51, 0x61, 0x00);
    assert_eq!(b.word(51, 0x42), 50);
    assert_eq!(b.word(80, 0x42), 50);
    b.outb(90, 0x61, 0x01);
    assert_eq!(b.word(100, 0x42), 40);
    assert!(!b.out2(139));
    assert!(b.out2(140));
}

#[test]
fn control_word_raising_out0_is_an_irq0_edge() {
    let mut b = Bench::new();
    b.program(0, CH0_MODE0, 1000);
    b.outb(10, 0x43, CH0_MODE2);
    assert_eq!(b.advance(10), (1, None), "OUT high at once, no count yet");
}

#[test]
fn refresh_bit_toggles_every_15_085_us() {
    let mut b = Bench::new();
    let refresh = |b: &mut Bench, now| b.pit.read(now, 0x61, 1) & 0x10;
    assert_eq!(refresh(&mut b, 0), 0);
    assert_eq!(refresh(&mut b, 15_085), 0x10);
    assert_eq!(refresh(&mut b, 30_170), 0);
    b.outb(0, 0x61, 0xFF);
    assert_eq!(b.inb(0, 0x61) & 0xCF, 0x0F);
}

#[test]
fn any_guest_byte_sequence_is_harmless() {
    let mut b = Bench::new();
    let (mut x, mut now): (u64, Nanos) = (99, 0);
    for _ in 0..50_000 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        now += (x >> 40) % 5000;
        let port = [0x40, 0x41, 0x42, 0x43, 0x61][(x >> 20) as usize % 5];
        let size = 1 + (x >> 10) as u8 % 4;
        if x & 1 == 0 {
            b.pit.write(now, port, size, (x >> 32) as u32);
        } else {
            b.pit.read(now, port, size);
        }
        assert!(b.pit.advance(now).is_none_or(|deadline| deadline > now));
    }
    b.pit.reset();
    assert!(b.pit.advance(now).is_some());
}
