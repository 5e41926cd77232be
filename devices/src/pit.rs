//! Intel 8254 Programmable Interval Timer at ports 0x40-0x43, clocked at 1.193182 MHz, and the
//! timer bits of system control port B (0x61). Behaviour follows the Intel 8254 datasheet
//! (order no. 231164): "Control Word Format", "Read Operations" (counter latch, read-back
//! command, status byte), "Mode Definitions" (modes 0-5, gate behaviour, when a new count takes
//! effect), "Null Count". Port 0x61 is the PC/AT port B as in the PIIX3 "NMI Status and Control
//! Register": bit 0 gates counter 2, bit 1 enables the speaker data, bit 4 toggles with every
//! DRAM refresh request (15.085 us) and bit 5 reads counter 2's OUT.
//!
//! Counter 0's OUT drives IRQ0. Nothing ticks: the state of a counter is computed from the
//! clock ticks elapsed since it was loaded, on a fixed grid of ticks since power-on (tick `k`
//! begins at `ceil(k * 1e9 / 1193182)` ns), so runs are deterministic.

use crate::io::{Nanos, PortIo, Timed};
use crate::irq::IrqLine;

/// The port ranges the timer decodes: (first port, count).
pub const PORTS: &[(u16, u16)] = &[(0x40, 4), (0x61, 1)];

/// The counters' input clock.
pub const CLOCK_HZ: u64 = 1_193_182;
const NANOS_PER_SECOND: u128 = 1_000_000_000;
/// Port 0x61 bit 4 flips at every refresh request.
const REFRESH_PERIOD_NS: u64 = 15_085;
/// Port 0x61 bits the guest can write and read back: gate 2, speaker data, SERR#/IOCHK# enables.
const PORT_B_WRITABLE: u8 = 0x0F;
const PORT_B_GATE2: u8 = 0x01;
const PORT_B_SPEAKER: u8 = 0x02;

/// The clock tick in progress at `now`.
fn tick_at(now: Nanos) -> u64 {
    (u128::from(now) * u128::from(CLOCK_HZ) / NANOS_PER_SECOND) as u64
}

/// The first nanosecond of `tick`.
fn tick_start(tick: u64) -> Option<Nanos> {
    u64::try_from((u128::from(tick) * NANOS_PER_SECOND).div_ceil(u128::from(CLOCK_HZ))).ok()
}

/// The mode a control word's M2-M0 bits select (6 and 7 are modes 2 and 3).
const MODE_OF_BITS: [u8; 8] = [0, 1, 2, 3, 4, 5, 2, 3];

/// The RW bits of a control word: which bytes of the count a port access transfers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Lsb = 1,
    Msb = 2,
    LsbThenMsb = 3,
}

/// The byte of `value` a read returns, and whether it completes the value.
fn byte_of(value: u16, access: Access, high_next: bool) -> (u8, bool) {
    let [low, high] = value.to_le_bytes();
    match (access, high_next) {
        (Access::Lsb, _) => (low, true),
        (Access::Msb, _) | (Access::LsbThenMsb, true) => (high, true),
        (Access::LsbThenMsb, false) => (low, false),
    }
}

fn to_bcd(value: u32) -> u16 {
    let v = value % 10_000;
    ((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10)) as u16
}

/// Decimal value of BCD digits; a digit above 9 counts with its binary weight.
fn from_bcd(raw: u16) -> u32 {
    let digit = |i: u16| u32::from(raw >> (4 * i) & 0xF);
    (digit(3) * 1000 + digit(2) * 100 + digit(1) * 10 + digit(0)) % 10_000
}

/// OUT of a loaded counter `pos` clocks after the count `n` was transferred to CE.
fn out_at_pos(mode: u8, n: u32, pos: u64) -> bool {
    let n = u64::from(n);
    match mode {
        // Low until terminal count, then high (mode 1 from the trigger on).
        0 | 1 => pos >= n,
        // Low for the one clock at count 1 of each period.
        2 => pos % n != n - 1,
        // High for the first half (rounded up) of each period.
        3 => pos % n < n.div_ceil(2),
        // Strobes: low for the one clock after terminal count.
        _ => pos != n,
    }
}

/// CE of a loaded counter `pos` clocks after the count `n` was transferred to it.
fn ce_at_pos(mode: u8, n: u32, modulus: u32, pos: u64) -> u32 {
    let (n, m) = (u64::from(n), u64::from(modulus));
    let value = match mode {
        2 => n - pos % n,
        // Even counts go down by two for each half period. Odd counts: the first clock of the
        // high half takes one, the first of the low half three, the others two.
        3 => {
            let half = n.div_ceil(2);
            let p = pos % n;
            match (n % 2 == 0, p < half) {
                (true, _) => n - 2 * (p % half),
                (false, true) if p == 0 => n,
                (false, true) => n + 1 - 2 * p,
                (false, false) if p == half => n,
                (false, false) => n - 1 - 2 * (p - half),
            }
        }
        // One-shots and strobes keep counting down, wrapping, after terminal count.
        _ => (n + m - pos % m) % m,
    };
    (value % m) as u32
}

/// `null_until` while a count written to CR waits for a gate trigger to reach CE.
const UNTIL_TRIGGER: u64 = u64::MAX;

/// What the counting element is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    /// After a control word, until a count is written (mode 0: also between the two bytes of
    /// a new count). OUT is static; CE keeps its last value.
    Unloaded { out: bool, ce: u32 },
    /// A count is in CR and waits for a rising gate (modes 1 and 5; modes 2 and 3 with the
    /// gate low). OUT is high.
    Armed { ce: u32 },
    /// CE was loaded at tick `start` at position `pos0` (clocks into the count); OUT was
    /// `out0` until then.
    Counting { start: u64, pos0: u64, out0: bool },
    /// The gate is low: CE holds at position `pos` (modes 2 and 3 force OUT high).
    Paused { pos: u64 },
}

impl Run {
    fn counting(start: u64, pos0: u64, out0: bool) -> Run {
        Run::Counting { start, pos0, out0 }
    }
}

/// A new count written in mode 2 or 3 while counting: loaded at the end of the period (or, in
/// mode 3, of the half period).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reload {
    at: u64,
    half: bool,
}

/// One of the three counters.
#[derive(Clone, Debug)]
struct Counter {
    /// Control word bits M2-M0 as written (6 and 7 act as 2 and 3), RW and BCD.
    mode_bits: u8,
    access: Access,
    bcd: bool,
    gate: bool,
    /// The last count written (CR) and the count in effect in CE, both 1..=modulus.
    cr: u32,
    n: u32,
    write_high_next: bool,
    write_low: u8,
    read_high_next: bool,
    /// A latched count and whether its high byte is read next.
    latch: Option<(u16, bool)>,
    status_latch: Option<u8>,
    /// Null count: CR holds a count not yet transferred to CE before this tick.
    null_until: u64,
    run: Run,
    reload: Option<Reload>,
}

impl Counter {
    /// The power-on state QEMU gives: mode 3, count 65536 loaded at tick 0.
    fn power_on(gate: bool) -> Counter {
        Counter {
            mode_bits: 3,
            access: Access::LsbThenMsb,
            bcd: false,
            gate,
            cr: 0x1_0000,
            n: 0x1_0000,
            write_high_next: false,
            write_low: 0,
            read_high_next: false,
            latch: None,
            status_latch: None,
            null_until: 0,
            run: if gate {
                Run::counting(0, 0, true)
            } else {
                Run::Paused { pos: 0 }
            },
            reload: None,
        }
    }

    fn mode(&self) -> u8 {
        MODE_OF_BITS[usize::from(self.mode_bits)]
    }

    fn modulus(&self) -> u32 {
        [0x1_0000, 10_000][usize::from(self.bcd)]
    }

    /// A written count: 0 is the largest count, 65536 (binary) or 10000 (BCD).
    fn count_of(&self, raw: u16) -> u32 {
        match [u32::from(raw), from_bcd(raw)][usize::from(self.bcd)] {
            0 => self.modulus(),
            value => value,
        }
    }

    fn pos_at(&self, k: u64) -> u64 {
        match self.run {
            Run::Counting { start, pos0, .. } => pos0 + k.saturating_sub(start),
            Run::Paused { pos } => pos,
            Run::Unloaded { .. } | Run::Armed { .. } => 0,
        }
    }

    fn out_at(&self, k: u64) -> bool {
        match self.run {
            Run::Unloaded { out, .. } => out,
            Run::Armed { .. } => true,
            Run::Counting { start, out0, .. } if k < start => out0,
            Run::Paused { .. } if matches!(self.mode(), 2 | 3) => true,
            Run::Counting { .. } | Run::Paused { .. } => {
                out_at_pos(self.mode(), self.n, self.pos_at(k))
            }
        }
    }

    fn ce_at(&self, k: u64) -> u32 {
        match self.run {
            Run::Unloaded { ce, .. } | Run::Armed { ce } => ce,
            Run::Counting { .. } | Run::Paused { .. } => {
                ce_at_pos(self.mode(), self.n, self.modulus(), self.pos_at(k))
            }
        }
    }

    /// CE as a read returns it (BCD digits in BCD mode).
    fn count_word(&self, k: u64) -> u16 {
        let ce = self.ce_at(k);
        [ce as u16, to_bcd(ce)][usize::from(self.bcd)]
    }

    fn null_count(&self, k: u64) -> bool {
        k < self.null_until
    }

    /// The read-back status byte: OUT, null count, RW, mode, BCD.
    fn status(&self, k: u64) -> u8 {
        u8::from(self.out_at(k)) << 7
            | u8::from(self.null_count(k)) << 6
            | (self.access as u8) << 4
            | self.mode_bits << 1
            | u8::from(self.bcd)
    }

    /// The first tick after `after` at which OUT rises, if the counter runs into one.
    fn next_rise(&self, after: u64) -> Option<u64> {
        let Run::Counting { start, pos0, out0 } = self.run else {
            return None;
        };
        let mode = self.mode();
        if start > after && !out0 && out_at_pos(mode, self.n, pos0) {
            return Some(start);
        }
        let n = u64::from(self.n);
        let first = pos0 + (after + 1).saturating_sub(start).max(1);
        let rise = match mode {
            0 | 1 => n,
            4 | 5 => n + 1,
            _ if n < 2 => return None,
            _ => first.div_ceil(n) * n,
        };
        (rise >= first).then(|| start + (rise - pos0))
    }

    /// Where a count written at tick `k` takes over in mode 2 or 3: the next reload of CE.
    fn next_reload(&self, start: u64, pos0: u64, k: u64) -> Reload {
        let n = u64::from(self.n);
        let first = pos0 + k.saturating_sub(start) + 1;
        let (rem, half) = (first % n, n.div_ceil(2));
        let (pos, is_half) = match (self.mode(), rem) {
            (2, _) => (first.div_ceil(n) * n, false),
            (_, 0) => (first, false),
            (_, r) if r <= half => (first - r + half, true),
            _ => (first - rem + n, false),
        };
        Reload {
            at: start + (pos - pos0),
            half: is_half,
        }
    }

    /// Applies a pending mode 2/3 reload that is due by tick `k`.
    fn settle(&mut self, k: u64) {
        let Some(reload) = self.reload.filter(|r| r.at <= k) else {
            return;
        };
        self.reload = None;
        self.n = self.cr;
        let pos0 = if reload.half {
            u64::from(self.n.div_ceil(2))
        } else {
            0
        };
        self.run = Run::counting(reload.at, pos0, out_at_pos(self.mode(), self.n, pos0));
    }

    /// A control word selecting this counter's mode. Returns whether OUT rose.
    fn control(&mut self, k: u64, value: u8) -> bool {
        let (out_before, ce) = (self.out_at(k), self.ce_at(k));
        self.mode_bits = value >> 1 & 7;
        self.access = match value >> 4 & 3 {
            1 => Access::Lsb,
            2 => Access::Msb,
            _ => Access::LsbThenMsb,
        };
        self.bcd = value & 1 != 0;
        let out = self.mode() != 0;
        self.run = Run::Unloaded { out, ce };
        self.reload = None;
        self.latch = None;
        self.status_latch = None;
        self.null_until = UNTIL_TRIGGER;
        self.write_high_next = false;
        self.read_high_next = false;
        out && !out_before
    }

    /// The counter latch command (a second one before the count is read is ignored).
    fn latch_count(&mut self, k: u64) {
        let value = self.count_word(k);
        self.latch.get_or_insert((value, false));
    }

    fn read(&mut self, k: u64) -> u8 {
        if let Some(status) = self.status_latch.take() {
            return status;
        }
        if let Some((value, high_next)) = self.latch {
            let (byte, done) = byte_of(value, self.access, high_next);
            self.latch = (!done).then_some((value, true));
            return byte;
        }
        let (byte, done) = byte_of(self.count_word(k), self.access, self.read_high_next);
        self.read_high_next = !done;
        byte
    }

    fn write(&mut self, k: u64, byte: u8) {
        let raw = match (self.access, self.write_high_next) {
            (Access::Lsb, _) => u16::from(byte),
            (Access::Msb, _) => u16::from(byte) << 8,
            (Access::LsbThenMsb, false) => {
                self.write_low = byte;
                self.write_high_next = true;
                if self.mode() == 0 {
                    // The first byte of a new count stops counting and sets OUT low.
                    self.run = Run::Unloaded {
                        out: false,
                        ce: self.ce_at(k),
                    };
                    self.reload = None;
                }
                return;
            }
            (Access::LsbThenMsb, true) => {
                self.write_high_next = false;
                u16::from_le_bytes([self.write_low, byte])
            }
        };
        self.cr = self.count_of(raw);
        self.load(k);
    }

    /// A complete count was written to CR at tick `k`.
    fn load(&mut self, k: u64) {
        let mode = self.mode();
        match (mode, self.run) {
            // Loaded on the next clock; mode 0 restarts with OUT low, mode 4 keeps OUT.
            (0 | 4, _) => {
                let out_before = mode == 4 && self.out_at(k);
                self.n = self.cr;
                self.run = if self.gate {
                    Run::counting(k + 1, 0, out_before)
                } else {
                    Run::Paused { pos: 0 }
                };
                self.null_until = k + 1;
            }
            // Modes 2 and 3 while counting: loaded at the next reload of CE.
            (2 | 3, Run::Counting { start, pos0, .. }) if k >= start => {
                let reload = self.next_reload(start, pos0, k);
                self.reload = Some(reload);
                self.null_until = reload.at;
            }
            (2 | 3, Run::Counting { .. } | Run::Unloaded { .. }) if self.gate => {
                self.n = self.cr;
                self.run = Run::counting(k + 1, 0, true);
                self.null_until = k + 1;
            }
            // Modes 1 and 5, and 2 and 3 with the gate low: loaded when the gate rises; a
            // one-shot in progress is not disturbed.
            (_, run) => {
                if let Run::Unloaded { ce, .. } = run {
                    self.run = Run::Armed { ce };
                }
                self.null_until = UNTIL_TRIGGER;
            }
        }
    }

    /// The gate input changes at tick `k`.
    fn set_gate(&mut self, k: u64, high: bool) {
        if high == self.gate {
            return;
        }
        self.gate = high;
        let mode = self.mode();
        match (mode, high, self.run) {
            // A low gate holds the count in modes 0 and 4, and stops modes 2 and 3 with OUT high
            // (a count waiting for a reload then waits for the gate).
            (0 | 2 | 3 | 4, false, Run::Counting { .. }) => {
                self.run = Run::Paused {
                    pos: self.pos_at(k),
                };
                if self.reload.take().is_some() {
                    self.null_until = UNTIL_TRIGGER;
                }
            }
            (0 | 4, true, Run::Paused { pos }) => {
                self.run = Run::counting(k, pos, out_at_pos(mode, self.n, pos))
            }
            // A rising gate (re)loads CR into CE on the next clock in modes 1, 2, 3 and 5.
            (1 | 2 | 3 | 5, true, run) if !matches!(run, Run::Unloaded { .. }) => {
                let out_before = self.out_at(k);
                self.n = self.cr;
                self.run = Run::counting(k + 1, 0, out_before);
                if self.null_until > k {
                    self.null_until = k + 1;
                }
            }
            _ => {}
        }
    }
}

/// The 8254 with counter 0 on IRQ0 and counter 2 on port 0x61.
#[derive(Clone, Debug)]
pub struct Pit8254 {
    irq0: IrqLine,
    counters: [Counter; 3],
    /// The latest tick the timer has been brought to (time never runs backwards here).
    tick: u64,
    /// Port 0x61 bits 0-3 as written.
    port_b: u8,
}

impl Pit8254 {
    /// The timer in its power-on state: every counter in mode 3 with count 65536, counters 0
    /// and 1 running (IRQ0 at 18.2 Hz), counter 2 held by its low gate.
    pub fn new(irq0: IrqLine) -> Pit8254 {
        Pit8254 {
            irq0,
            counters: [true, true, false].map(Counter::power_on),
            tick: 0,
            port_b: 0,
        }
    }

    /// A hardware reset: the counters and port 0x61 back to their power-on state.
    pub fn reset(&mut self) {
        *self = Pit8254 {
            tick: self.tick,
            ..Pit8254::new(self.irq0.clone())
        };
    }

    /// Whether the speaker sounds counter 2's output: gate 2 and speaker data both enabled.
    pub fn speaker_enabled(&self) -> bool {
        self.port_b & (PORT_B_GATE2 | PORT_B_SPEAKER) == PORT_B_GATE2 | PORT_B_SPEAKER
    }

    /// Brings the counters to `now`, pulsing IRQ0 if counter 0's OUT rose since the last
    /// time (the PIC latches one edge however many there were). Returns the current tick.
    fn catch_up(&mut self, now: Nanos) -> u64 {
        let k = tick_at(now).max(self.tick);
        let counter0 = &mut self.counters[0];
        let mut after = self.tick;
        let mut rose = false;
        if let Some(reload) = counter0.reload.filter(|r| r.at <= k) {
            rose |= counter0.next_rise(after).is_some_and(|t| t <= reload.at);
            counter0.settle(k);
            after = reload.at;
        }
        rose |= counter0.next_rise(after).is_some_and(|t| t <= k);
        if rose {
            self.irq0.pulse();
        }
        for counter in &mut self.counters[1..] {
            counter.settle(k);
        }
        self.tick = k;
        k
    }

    fn read_byte(&mut self, now: Nanos, k: u64, port: u16) -> u8 {
        match port {
            0x40..=0x42 => self.counters[usize::from(port - 0x40)].read(k),
            0x61 => {
                let refresh = (now / REFRESH_PERIOD_NS) & 1 != 0;
                self.port_b | u8::from(refresh) << 4 | u8::from(self.counters[2].out_at(k)) << 5
            }
            // The control word register cannot be read (the bus floats).
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, k: u64, port: u16, value: u8) {
        match port {
            0x40..=0x42 => self.counters[usize::from(port - 0x40)].write(k, value),
            0x43 => self.control(k, value),
            0x61 => {
                self.port_b = value & PORT_B_WRITABLE;
                self.counters[2].set_gate(k, value & PORT_B_GATE2 != 0);
            }
            _ => {}
        }
    }

    /// A write to the control word register: a mode, a counter latch or a read-back command.
    fn control(&mut self, k: u64, value: u8) {
        let select = usize::from(value >> 6);
        if select == 3 {
            for (i, counter) in self.counters.iter_mut().enumerate() {
                if value & (2 << i) != 0 {
                    if value & 0x20 == 0 {
                        counter.latch_count(k);
                    }
                    if value & 0x10 == 0 && counter.status_latch.is_none() {
                        counter.status_latch = Some(counter.status(k));
                    }
                }
            }
        } else if value & 0x30 == 0 {
            self.counters[select].latch_count(k);
        } else if self.counters[select].control(k, value) && select == 0 {
            self.irq0.pulse();
        }
    }
}

/// Whether `port` is one this device decodes.
fn decodes(port: u16) -> bool {
    PORTS
        .iter()
        .any(|&(start, count)| port.wrapping_sub(start) < count)
}

impl PortIo for Pit8254 {
    /// Wider accesses are split into byte accesses at consecutive ports, as the ISA bus does.
    fn read(&mut self, now: Nanos, port: u16, size: u8) -> u32 {
        let k = self.catch_up(now);
        (0..size.clamp(1, 4)).fold(0, |acc, i| {
            let p = port.wrapping_add(u16::from(i));
            let byte = decodes(p).then(|| self.read_byte(now, k, p));
            acc | u32::from(byte.unwrap_or(0xFF)) << (8 * i)
        })
    }

    fn write(&mut self, now: Nanos, port: u16, size: u8, value: u32) {
        let k = self.catch_up(now);
        for i in 0..size.clamp(1, 4) {
            let p = port.wrapping_add(u16::from(i));
            if decodes(p) {
                self.write_byte(k, p, (value >> (8 * i)) as u8);
            }
        }
    }
}

impl Timed for Pit8254 {
    /// Raises IRQ0 for counter 0's OUT rising edges due by `now` and returns the time of its
    /// next rising edge (or of a pending reload that changes its period).
    fn advance(&mut self, now: Nanos) -> Option<Nanos> {
        let k = self.catch_up(now);
        let counter0 = &self.counters[0];
        let rise = counter0.next_rise(k);
        let event = match counter0.reload {
            Some(reload) => Some(rise.map_or(reload.at, |t| t.min(reload.at))),
            None => rise,
        };
        event.and_then(tick_start)
    }
}

#[cfg(test)]
mod tests {
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
}
