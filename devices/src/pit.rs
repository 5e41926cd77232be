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
mod tests;
