//! Motorola MC146818 real-time clock with CMOS RAM, as wired in the PC/AT: index port 0x70
//! (bit 7 is the board's NMI mask latch), data port 0x71, IRQ8. Sections of the MC146818A
//! datasheet: "Address Map", "Time, Calendar and Alarm Locations", "Registers A-D",
//! "Update Cycle", "Interrupts". Memory-size bytes follow QEMU's `pc_cmos_init`, which
//! SeaBIOS reads.
//!
//! The divider chain runs on the virtual clock from a fixed phase (`origin`): second
//! boundaries fall every 10^9 ns after it, periodic taps every 2^n ticks of the 32.768 kHz
//! time base. The time of day is a second count (Unix seconds) tied to that phase; the time
//! registers are generated from it when read. The flags of register C are accounted lazily
//! for the virtual time that passed, and `Timed::advance` asks to be woken only for an enabled
//! interrupt that is not already signalled (IRQ8 stays high until register C is read).

use crate::io::{Nanos, PortIo, Timed};
use crate::irq::IrqLine;
use std::ops::RangeInclusive;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the clock starts at virtual time 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtcStart {
    /// The host's current UTC time.
    Host,
    /// A fixed instant in Unix seconds (UTC), for deterministic runs.
    Fixed(i64),
}

const SECONDS: usize = 0x00;
const SECONDS_ALARM: usize = 0x01;
const MINUTES: usize = 0x02;
const MINUTES_ALARM: usize = 0x03;
const HOURS: usize = 0x04;
const HOURS_ALARM: usize = 0x05;
const DAY_OF_WEEK: usize = 0x06;
const DAY_OF_MONTH: usize = 0x07;
const MONTH: usize = 0x08;
const YEAR: usize = 0x09;
const REG_A: usize = 0x0A;
const REG_B: usize = 0x0B;
const REG_C: usize = 0x0C;
const REG_D: usize = 0x0D;
const CENTURY: usize = 0x32;

const A_UIP: u8 = 0x80;
const A_RATE: u8 = 0x0F;
const B_SET: u8 = 0x80;
const B_PIE: u8 = 0x40;
const B_AIE: u8 = 0x20;
const B_UIE: u8 = 0x10;
const B_SQWE: u8 = 0x08;
const B_BINARY: u8 = 0x04;
const B_24H: u8 = 0x02;
const C_IRQF: u8 = 0x80;
const C_PF: u8 = 0x40;
const C_AF: u8 = 0x20;
const C_UF: u8 = 0x10;
const D_VRT: u8 = 0x80;
/// Bit 7 of an hours byte in 12-hour mode.
const HOUR_PM: u8 = 0x80;

/// First byte of the battery-backed RAM (0x0E-0x7F).
const NVRAM_FIRST: u8 = 0x0E;
/// The checksummed range and where its big-endian 16-bit sum lives (IBM AT layout).
const CHECKSUMMED: RangeInclusive<usize> = 0x10..=0x2D;
const CHECKSUM_HIGH: usize = 0x2E;
const CHECKSUM_LOW: usize = 0x2F;

const NS_PER_SEC: i128 = 1_000_000_000;
/// The 32.768 kHz time base.
const OSC_HZ: i128 = 32_768;
/// UIP rises this many time-base ticks (244 us) before each update.
const UIP_TICKS: i128 = 8;
/// Periodic interrupt period in time-base ticks for each rate-select value RS3-RS0
/// (datasheet table "Periodic Interrupt Rate"; 0 = none).
const PERIOD_TICKS: [i128; 16] = [
    0, 128, 256, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
];
const SECS_PER_DAY: i64 = 86_400;
/// Years 0000-9999: the range the year and century bytes can show.
const FIRST_SECS: i64 = -62_167_219_200;
const LAST_SECS: i64 = 253_402_300_799;

/// The i440FX board keeps at most this much RAM below 4 GiB when RAM does not fit below
/// 0xE0000000 (QEMU `pc_init1`, gigabyte-aligned split).
const LOWMEM_LIMIT: u64 = 0xE000_0000;
const LOWMEM_SPLIT: u64 = 0xC000_0000;

/// Index and data ports.
pub const PORTS: &[(u16, u16)] = &[(0x70, 2)];

/// The MC146818 RTC with its 128 bytes of CMOS.
pub struct Rtc146818 {
    irq8: IrqLine,
    cmos: [u8; 128],
    index: u8,
    nmi_masked: bool,
    /// Virtual time (ns) of a second boundary of the divider chain.
    origin: i128,
    /// The time of day, in Unix seconds, during the second that starts at `origin`.
    origin_secs: i64,
    /// Register C flags are accounted up to this virtual time.
    checked_to: i128,
}

impl Rtc146818 {
    pub fn new(irq8: IrqLine, start: RtcStart) -> Rtc146818 {
        let (secs, subsec_ns) = match start {
            RtcStart::Fixed(secs) => (secs, 0),
            RtcStart::Host => host_time(),
        };
        let mut cmos = [0; 128];
        // Power-on contents as QEMU sets them: 32.768 kHz time base with a 1024 Hz periodic
        // rate, 24-hour BCD, valid RAM.
        cmos[REG_A] = 0x26;
        cmos[REG_B] = B_24H;
        cmos[REG_D] = D_VRT;
        let mut rtc = Rtc146818 {
            irq8,
            cmos,
            index: 0,
            nmi_masked: false,
            origin: -i128::from(subsec_ns),
            origin_secs: secs.clamp(FIRST_SECS, LAST_SECS),
            checked_to: 0,
        };
        rtc.update_checksum();
        rtc
    }

    /// The RESET pin: interrupt enables and flags are cleared (PIE, AIE, UIE, SQWE, and
    /// IRQF, PF, AF, UF); time, alarm and RAM are kept, as the datasheet says.
    pub fn reset(&mut self) {
        self.cmos[REG_B] &= !(B_PIE | B_AIE | B_UIE | B_SQWE);
        self.cmos[REG_C] = 0;
        self.irq8.set_level(false);
    }

    /// Whether the last write to port 0x70 masked NMI (bit 7).
    pub fn nmi_masked(&self) -> bool {
        self.nmi_masked
    }

    /// Stores a byte of the battery-backed RAM (0x0E-0x7F) from the board, keeping the
    /// checksum at 0x2E/0x2F. Other indexes are clock registers and are ignored.
    pub fn set_nvram(&mut self, index: u8, value: u8) {
        if !(NVRAM_FIRST..=0x7F).contains(&index) {
            log::warn!("rtc: CMOS index {index:#04x} is not RAM; ignored");
            return;
        }
        self.cmos[usize::from(index)] = value;
        if CHECKSUMMED.contains(&usize::from(index)) {
            self.update_checksum();
        }
    }

    /// A byte of the battery-backed RAM (0x0E-0x7F); 0 for other indexes.
    pub fn nvram(&self, index: u8) -> u8 {
        if (NVRAM_FIRST..=0x7F).contains(&index) {
            self.cmos[usize::from(index)]
        } else {
            0
        }
    }

    /// Fills the memory-size bytes for `bytes` of RAM as QEMU's i440FX board does for
    /// SeaBIOS: 0x15/0x16 base KiB (at most 640), 0x17/0x18 and 0x30/0x31 KiB above 1 MiB
    /// (at most 65535), 0x34/0x35 64 KiB units above 16 MiB below 4 GiB, 0x5B-0x5D 64 KiB
    /// units above 4 GiB. RAM that does not fit below 0xE0000000 is split at 3 GiB.
    pub fn set_memory_size(&mut self, bytes: u64) {
        const KIB: u64 = 1024;
        const MIB: u64 = 1024 * KIB;
        let (below_4g, above_4g) = if bytes >= LOWMEM_LIMIT {
            (LOWMEM_SPLIT, bytes - LOWMEM_SPLIT)
        } else {
            (bytes, 0)
        };
        let base_kib = (below_4g / KIB).min(640);
        let ext_kib = (below_4g.saturating_sub(MIB) / KIB).min(0xFFFF);
        let ext16_units = (below_4g.saturating_sub(16 * MIB) / (64 * KIB)).min(0xFFFF);
        let high_units = (above_4g / (64 * KIB)).min(0xFF_FFFF);
        let fields: [(u8, u64, usize); 5] = [
            (0x15, base_kib, 2),
            (0x17, ext_kib, 2),
            (0x30, ext_kib, 2),
            (0x34, ext16_units, 2),
            (0x5B, high_units, 3),
        ];
        for (first, value, len) in fields {
            for (i, byte) in value.to_le_bytes().iter().take(len).enumerate() {
                self.cmos[usize::from(first) + i] = *byte;
            }
        }
        self.update_checksum();
    }

    fn update_checksum(&mut self) {
        let sum: u16 = self.cmos[CHECKSUMMED]
            .iter()
            .fold(0u16, |s, &b| s.wrapping_add(u16::from(b)));
        let [high, low] = sum.to_be_bytes();
        self.cmos[CHECKSUM_HIGH] = high;
        self.cmos[CHECKSUM_LOW] = low;
    }

    fn read_data(&mut self, now: i128) -> u8 {
        let index = usize::from(self.index);
        match index {
            REG_A if self.update_in_progress(now) => self.cmos[REG_A] | A_UIP,
            REG_C => {
                let flags = self.cmos[REG_C];
                self.cmos[REG_C] = 0;
                self.irq8.set_level(false);
                flags
            }
            _ if is_time_register(index) => {
                if self.clock_runs() {
                    self.refresh_registers(now);
                }
                self.cmos[index]
            }
            _ => self.cmos[index],
        }
    }

    fn write_data(&mut self, now: i128, value: u8) {
        let index = usize::from(self.index);
        match index {
            REG_A => self.set_control(now, value & !A_UIP, self.cmos[REG_B]),
            REG_B => self.set_control(now, self.cmos[REG_A], value),
            REG_C | REG_D => {}
            _ if is_time_register(index) => {
                if self.clock_runs() {
                    // A running clock takes the new byte and counts on from it, keeping
                    // the divider phase.
                    self.refresh_registers(now);
                    self.cmos[index] = value;
                    self.origin_secs = self.registers_secs() - self.elapsed_secs(now);
                } else {
                    self.cmos[index] = value;
                }
            }
            _ => self.cmos[index] = value,
        }
    }

    /// Register A or B changed: stopping the clock (SET, divider reset) freezes the time
    /// registers; starting it reads the time back from them. Releasing the divider reset
    /// starts the chain so that the first update comes half a second later.
    fn set_control(&mut self, now: i128, a: u8, mut b: u8) {
        let ran = self.clock_runs();
        if ran {
            self.refresh_registers(now);
        }
        let was_stopped = self.divider_stopped();
        if b & B_SET != 0 {
            b &= !B_UIE;
        }
        self.cmos[REG_A] = a;
        self.cmos[REG_B] = b;
        if was_stopped && !self.divider_stopped() {
            self.origin = now - NS_PER_SEC / 2;
        }
        if !ran && self.clock_runs() {
            self.origin_secs = self.registers_secs() - self.elapsed_secs(now);
        }
        self.update_irq();
    }

    /// The divider chain is held in reset (DV2-DV0 = 11x) or in a test mode (1xx): no
    /// updates and no periodic interrupts.
    fn divider_stopped(&self) -> bool {
        (self.cmos[REG_A] >> 4) & 7 > 2
    }

    /// The time of day counts: dividers running and SET clear.
    fn clock_runs(&self) -> bool {
        !self.divider_stopped() && self.cmos[REG_B] & B_SET == 0
    }

    fn binary(&self) -> bool {
        self.cmos[REG_B] & B_BINARY != 0
    }

    fn hours_24(&self) -> bool {
        self.cmos[REG_B] & B_24H != 0
    }

    /// Time-base ticks since `origin`.
    fn ticks(&self, t: i128) -> i128 {
        ((t - self.origin) * OSC_HZ).div_euclid(NS_PER_SEC)
    }

    /// Whole seconds since `origin`.
    fn elapsed_secs(&self, t: i128) -> i64 {
        clamp_i64((t - self.origin).div_euclid(NS_PER_SEC))
    }

    /// The time of day at virtual time `t`, when the clock runs.
    fn clock_secs(&self, t: i128) -> i64 {
        self.origin_secs.saturating_add(self.elapsed_secs(t))
    }

    /// Virtual time at which the clock reaches `secs`.
    fn boundary(&self, secs: i64) -> i128 {
        self.origin + i128::from(secs - self.origin_secs) * NS_PER_SEC
    }

    fn period_ticks(&self) -> Option<i128> {
        match PERIOD_TICKS[usize::from(self.cmos[REG_A] & A_RATE)] {
            0 => None,
            p => Some(p),
        }
    }

    fn update_in_progress(&self, t: i128) -> bool {
        self.clock_runs() && self.ticks(t).rem_euclid(OSC_HZ) >= OSC_HZ - UIP_TICKS
    }

    fn encode(&self, v: u8) -> u8 {
        if self.binary() {
            v
        } else {
            ((v / 10) << 4) | (v % 10)
        }
    }

    /// A time byte as the clock reads it back (lenient: bad BCD digits still count).
    fn decode(&self, b: u8) -> i64 {
        if self.binary() {
            i64::from(b)
        } else {
            i64::from(b >> 4) * 10 + i64::from(b & 0x0F)
        }
    }

    /// An alarm byte; `None` when it holds a value no time byte can equal.
    fn decode_exact(&self, b: u8) -> Option<i64> {
        if !self.binary() && (b >> 4 > 9 || b & 0x0F > 9) {
            return None;
        }
        Some(self.decode(b))
    }

    /// An hours byte (time or alarm) as 0-23, given its decoded value without the PM bit.
    fn hour_24(&self, raw: u8, value: i64) -> i64 {
        if self.hours_24() {
            value
        } else {
            value % 12 + if raw & HOUR_PM != 0 { 12 } else { 0 }
        }
    }

    fn refresh_registers(&mut self, now: i128) {
        let secs = self.clock_secs(now);
        let (days, tod) = (secs.div_euclid(SECS_PER_DAY), secs.rem_euclid(SECS_PER_DAY));
        let (year, month, day) = civil_from_days(days);
        let hour = (tod / 3600) as u8;
        // 1970-01-01 was a Thursday; register 6 counts Sunday as 1.
        let weekday = (days + 4).rem_euclid(7) as u8 + 1;
        let fields = [
            (SECONDS, (tod % 60) as u8),
            (MINUTES, (tod / 60 % 60) as u8),
            (DAY_OF_WEEK, weekday),
            (DAY_OF_MONTH, day),
            (MONTH, month),
            (YEAR, year.rem_euclid(100) as u8),
            (CENTURY, year.div_euclid(100).rem_euclid(100) as u8),
        ];
        for (index, value) in fields {
            self.cmos[index] = self.encode(value);
        }
        self.cmos[HOURS] = if self.hours_24() {
            self.encode(hour)
        } else {
            // 12-hour mode counts 12, 1, ..., 11, with PM in bit 7.
            self.encode((hour + 11) % 12 + 1) | if hour >= 12 { HOUR_PM } else { 0 }
        };
    }

    /// The time the registers hold, in Unix seconds. Out-of-range fields are taken
    /// arithmetically (day 0 is the last day of the previous month); the month is clamped.
    fn registers_secs(&self) -> i64 {
        let raw_hours = self.cmos[HOURS];
        let hour = self.hour_24(raw_hours, self.decode(raw_hours & !HOUR_PM));
        let year = self.decode(self.cmos[YEAR]) + 100 * self.decode(self.cmos[CENTURY]);
        let month = self.decode(self.cmos[MONTH]).clamp(1, 12);
        let days = days_from_civil(year, month, 1) + self.decode(self.cmos[DAY_OF_MONTH]) - 1;
        let secs = days * SECS_PER_DAY
            + hour * 3600
            + self.decode(self.cmos[MINUTES]) * 60
            + self.decode(self.cmos[SECONDS]);
        secs.clamp(FIRST_SECS, LAST_SECS)
    }

    /// The alarm's hour, minute and second (`None`: don't care, 0xC0-0xFF), or `None` if
    /// a byte holds a value that never matches.
    fn alarm(&self) -> Option<[Option<i64>; 3]> {
        let field = |index: usize, limit: i64| -> Option<Option<i64>> {
            let b = self.cmos[index];
            if b & 0xC0 == 0xC0 {
                return Some(None);
            }
            let v = if index == HOURS_ALARM && !self.hours_24() {
                let h = self.decode_exact(b & !HOUR_PM)?;
                if !(1..=12).contains(&h) {
                    return None;
                }
                self.hour_24(b, h)
            } else {
                self.decode_exact(b)?
            };
            (v < limit).then_some(Some(v))
        };
        Some([
            field(HOURS_ALARM, 24)?,
            field(MINUTES_ALARM, 60)?,
            field(SECONDS_ALARM, 60)?,
        ])
    }

    /// The first second after `t` (Unix seconds) whose time of day matches the alarm.
    fn next_alarm_after(&self, t: i64) -> Option<i64> {
        let [alarm_hour, alarm_minute, alarm_second] = self.alarm()?;
        let any = |f: Option<i64>, last: i64| f.map_or(0..=last, |v| v..=v);
        let tod = t.rem_euclid(SECS_PER_DAY);
        let midnight = t - tod;
        for hour in any(alarm_hour, 23) {
            for minute in any(alarm_minute, 59) {
                let start = hour * 3600 + minute * 60;
                let hit = match alarm_second {
                    Some(s) => start + s,
                    None => start.max(tod + 1),
                };
                if hit > tod && hit < start + 60 {
                    return Some(midnight + hit);
                }
            }
        }
        let first = [alarm_hour, alarm_minute, alarm_second]
            .iter()
            .fold(0, |acc, f| acc * 60 + f.unwrap_or(0));
        Some(midnight + SECS_PER_DAY + first)
    }

    /// Sets the flags of register C for the periodic taps, updates and alarms between the
    /// last accounting and `now`.
    fn catch_up(&mut self, now: i128) {
        if now <= self.checked_to {
            return;
        }
        let from = std::mem::replace(&mut self.checked_to, now);
        if self.divider_stopped() {
            return;
        }
        let mut flags = 0;
        if let Some(p) = self.period_ticks() {
            if self.ticks(now).div_euclid(p) > self.ticks(from).div_euclid(p) {
                flags |= C_PF;
            }
        }
        if self.cmos[REG_B] & B_SET == 0 {
            let (first, last) = (self.clock_secs(from), self.clock_secs(now));
            if last > first {
                flags |= C_UF;
                if self.next_alarm_after(first).is_some_and(|a| a <= last) {
                    flags |= C_AF;
                }
            }
        }
        if flags != 0 {
            self.cmos[REG_C] |= flags;
            self.update_irq();
        }
    }

    /// IRQF = PF.PIE + AF.AIE + UF.UIE, and IRQ8 follows it.
    fn update_irq(&mut self) {
        let active = self.cmos[REG_C] & self.cmos[REG_B] & (C_PF | C_AF | C_UF) != 0;
        if active {
            self.cmos[REG_C] |= C_IRQF;
        } else {
            self.cmos[REG_C] &= !C_IRQF;
        }
        self.irq8.set_level(active);
    }

    /// When an enabled interrupt next fires; none while IRQF is already set.
    fn next_event(&self, now: i128) -> Option<i128> {
        if self.cmos[REG_C] & C_IRQF != 0 || self.divider_stopped() {
            return None;
        }
        let b = self.cmos[REG_B];
        let mut candidates = [None; 3];
        if b & B_PIE != 0 {
            candidates[0] = self.period_ticks().map(|p| {
                let tick = (self.ticks(now).div_euclid(p) + 1) * p;
                self.origin + ceil_div(tick * NS_PER_SEC, OSC_HZ)
            });
        }
        if b & B_SET == 0 {
            let secs = self.clock_secs(now);
            if b & B_UIE != 0 {
                candidates[1] = Some(self.boundary(secs + 1));
            }
            if b & B_AIE != 0 {
                candidates[2] = self.next_alarm_after(secs).map(|a| self.boundary(a));
            }
        }
        candidates.into_iter().flatten().min()
    }
}

impl PortIo for Rtc146818 {
    fn read(&mut self, now: Nanos, port: u16, size: u8) -> u32 {
        let now = i128::from(now);
        self.catch_up(now);
        let mut value = 0;
        for i in 0..size.min(4) {
            let byte = match port.wrapping_add(u16::from(i)) {
                0x71 => self.read_data(now),
                _ => 0xFF,
            };
            value |= u32::from(byte) << (8 * i);
        }
        value
    }

    fn write(&mut self, now: Nanos, port: u16, size: u8, value: u32) {
        let now = i128::from(now);
        self.catch_up(now);
        for i in 0..size.min(4) {
            let byte = (value >> (8 * i)) as u8;
            match port.wrapping_add(u16::from(i)) {
                0x70 => {
                    self.index = byte & 0x7F;
                    self.nmi_masked = byte & 0x80 != 0;
                }
                0x71 => self.write_data(now, byte),
                _ => {}
            }
        }
    }
}

impl Timed for Rtc146818 {
    fn advance(&mut self, now: Nanos) -> Option<Nanos> {
        let now = i128::from(now);
        self.catch_up(now);
        self.next_event(now).and_then(|t| Nanos::try_from(t).ok())
    }
}

fn is_time_register(index: usize) -> bool {
    matches!(
        index,
        SECONDS | MINUTES | HOURS | DAY_OF_WEEK | DAY_OF_MONTH | MONTH | YEAR | CENTURY
    )
}

/// Days from 1970-01-01 to year/month/day (month 1-12; any day count), after H. Hinnant's
/// `days_from_civil`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let march_month = (month + 9) % 12;
    let day_of_year = (153 * march_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of `days_from_civil`: (year, month 1-12, day 1-31).
fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let march_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * march_month + 2) / 5 + 1) as u8;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    } as u8;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn host_time() -> (i64, u32) {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => (clamp_i64(i128::from(d.as_secs())), d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            (-clamp_i64(i128::from(d.as_secs())), 0)
        }
    }
}

fn clamp_i64(v: i128) -> i64 {
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

fn ceil_div(a: i128, b: i128) -> i128 {
    -(-a).div_euclid(b)
}

#[cfg(test)]
mod tests;
