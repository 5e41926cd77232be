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
mod tests {
    use super::*;
    use crate::irq::IrqLines;
    use std::rc::Rc;

    const SEC: Nanos = 1_000_000_000;
    /// 2000-02-29 23:59:58 UTC: 10957 days from 1970 to 2000-01-01, plus 31 (January) and
    /// 28 (February 1-28) days, plus 86398 s.
    const LEAP_EVE: i64 = (10_957 + 31 + 28) * 86_400 + 86_398;

    fn rtc_at(secs: i64) -> (Rtc146818, Rc<IrqLines>) {
        let lines = IrqLines::new();
        (Rtc146818::new(lines.line(8), RtcStart::Fixed(secs)), lines)
    }

    fn get(rtc: &mut Rtc146818, now: Nanos, index: u8) -> u8 {
        rtc.write(now, 0x70, 1, u32::from(index));
        rtc.read(now, 0x71, 1) as u8
    }

    fn set(rtc: &mut Rtc146818, now: Nanos, index: u8, value: u8) {
        rtc.write(now, 0x70, 1, u32::from(index));
        rtc.write(now, 0x71, 1, u32::from(value));
    }

    /// Seconds, minutes, hours, day of week, day of month, month, year, century.
    fn clock(rtc: &mut Rtc146818, now: Nanos) -> [u8; 8] {
        [0, 2, 4, 6, 7, 8, 9, 0x32].map(|i| get(rtc, now, i))
    }

    #[test]
    fn bcd_calendar_rolls_over_a_leap_day() {
        let (mut rtc, _) = rtc_at(LEAP_EVE);
        // 2000-02-29 was a Tuesday (3); 2000-03-01 a Wednesday (4).
        assert_eq!(
            clock(&mut rtc, 0),
            [0x58, 0x59, 0x23, 3, 0x29, 0x02, 0x00, 0x20]
        );
        assert_eq!(
            clock(&mut rtc, 3 * SEC),
            [0x01, 0x00, 0x00, 4, 0x01, 0x03, 0x00, 0x20]
        );
    }

    #[test]
    fn binary_and_twelve_hour_formats() {
        let (mut rtc, _) = rtc_at(LEAP_EVE);
        set(&mut rtc, 0, 0x0B, B_24H | B_BINARY);
        assert_eq!(clock(&mut rtc, 3 * SEC), [1, 0, 0, 4, 1, 3, 0, 20]);
        assert_eq!(get(&mut rtc, 0, 0x0B), 0x06);
        // 12-hour mode: 2000-03-01 00:00:01 is 12 AM; 12:00:01 is 12 PM; 13:30:01 is 1 PM.
        set(&mut rtc, 0, 0x0B, 0x00);
        assert_eq!(get(&mut rtc, 3 * SEC, 4), 0x12);
        assert_eq!(get(&mut rtc, (3 + 12 * 3600) * SEC, 4), 0x92);
        assert_eq!(get(&mut rtc, (3 + 13 * 3600 + 1800) * SEC, 4), 0x81);
        set(&mut rtc, 0, 0x0B, B_BINARY);
        assert_eq!(get(&mut rtc, (3 + 23 * 3600) * SEC, 4), 0x8B);
    }

    #[test]
    fn set_bit_freezes_and_written_time_counts_on() {
        let (mut rtc, _) = rtc_at(LEAP_EVE);
        set(&mut rtc, 0, 0x0B, B_SET | B_24H);
        assert_eq!(
            get(&mut rtc, 5 * SEC, 0),
            0x58,
            "updates inhibited while SET"
        );
        // Set 1999-12-31 23:59:59 and release SET half way through a second.
        let written = [0x59, 0x59, 0x23, 0x31, 0x12, 0x99, 0x19];
        for (index, value) in [0, 2, 4, 7, 8, 9, 0x32].into_iter().zip(written) {
            set(&mut rtc, 5 * SEC, index, value);
        }
        set(&mut rtc, 5 * SEC + SEC / 2, 0x0B, B_24H);
        assert_eq!(get(&mut rtc, 5 * SEC + SEC / 2, 0), 0x59);
        // The divider phase is kept: the next update is at 6 s. 2000-01-01 was a Saturday.
        assert_eq!(
            clock(&mut rtc, 6 * SEC),
            [0x00, 0x00, 0x00, 7, 0x01, 0x01, 0x00, 0x20]
        );
    }

    #[test]
    fn uip_is_set_in_the_last_244_us_before_an_update() {
        let (mut rtc, _) = rtc_at(0);
        assert_eq!(get(&mut rtc, SEC - 250_000, 0x0A), 0x26);
        assert_eq!(get(&mut rtc, SEC - 240_000, 0x0A), 0xA6);
        assert_eq!(get(&mut rtc, SEC, 0x0A), 0x26);
        assert_eq!(get(&mut rtc, SEC, 0x0D), 0x80, "VRT");
    }

    #[test]
    fn periodic_interrupt_at_rate_6_is_1024_hz() {
        let (mut rtc, lines) = rtc_at(0);
        set(&mut rtc, 0, 0x0A, 0x26);
        set(&mut rtc, 0, 0x0B, B_24H | B_PIE);
        // 976.5625 us per period.
        assert_eq!(rtc.advance(0), Some(976_563));
        let mut interrupts = 0;
        let mut now = 0;
        while let Some(next) = rtc.advance(now) {
            if next > SEC {
                break;
            }
            now = next;
            rtc.advance(now);
            assert_eq!(lines.levels(), 1 << 8);
            assert_eq!(lines.take_edges(), 1 << 8);
            let flags = get(&mut rtc, now, 0x0C);
            assert_eq!(flags & (C_IRQF | C_PF), C_IRQF | C_PF);
            assert_eq!(lines.levels(), 0, "reading C lowers IRQ8");
            interrupts += 1;
        }
        assert_eq!(interrupts, 1024);
    }

    #[test]
    fn unacknowledged_interrupt_holds_irq8_and_asks_no_wakeup() {
        let (mut rtc, lines) = rtc_at(0);
        set(&mut rtc, 0, 0x0B, B_24H | B_PIE);
        let first = rtc.advance(0).unwrap();
        assert_eq!(rtc.advance(first), None);
        assert_eq!(lines.levels(), 1 << 8);
        assert_eq!(get(&mut rtc, 10 * SEC, 0x0C), C_IRQF | C_PF | C_UF);
        // Without enables the flags are still set, and nothing is asked of the board.
        set(&mut rtc, 10 * SEC, 0x0B, B_24H);
        lines.take_edges();
        assert_eq!(rtc.advance(10 * SEC), None);
        assert_eq!(get(&mut rtc, 12 * SEC, 0x0C), C_PF | C_UF);
        assert_eq!(get(&mut rtc, 12 * SEC, 0x0C), 0);
        assert_eq!(lines.levels() | lines.take_edges(), 0);
    }

    #[test]
    fn update_ended_interrupt_once_per_second() {
        let (mut rtc, lines) = rtc_at(LEAP_EVE);
        set(&mut rtc, SEC / 4, 0x0B, B_24H | B_UIE);
        assert_eq!(rtc.advance(SEC / 4), Some(SEC));
        assert_eq!(rtc.advance(SEC), None);
        assert_eq!(lines.take_edges(), 1 << 8);
        assert_eq!(get(&mut rtc, SEC, 0x0C), C_IRQF | C_UF | C_PF);
        assert_eq!(get(&mut rtc, SEC, 0), 0x59);
        assert_eq!(rtc.advance(SEC), Some(2 * SEC));
    }

    #[test]
    fn alarm_fires_when_time_matches() {
        let (mut rtc, lines) = rtc_at(LEAP_EVE);
        // Alarm at 00:00:01 (3 s after 23:59:58).
        set(&mut rtc, 0, 0x01, 0x01);
        set(&mut rtc, 0, 0x03, 0x00);
        set(&mut rtc, 0, 0x05, 0x00);
        set(&mut rtc, 0, 0x0B, B_24H | B_AIE);
        assert_eq!(rtc.advance(0), Some(3 * SEC));
        rtc.advance(3 * SEC);
        assert_eq!(lines.levels(), 1 << 8);
        assert_eq!(get(&mut rtc, 3 * SEC, 0x0C), C_IRQF | C_AF | C_UF | C_PF);
        // The next match is a day later.
        assert_eq!(rtc.advance(3 * SEC), Some((3 + 86_400) * SEC));
    }

    #[test]
    fn alarm_dont_care_bytes_match_every_hour_and_minute() {
        let (mut rtc, _) = rtc_at(LEAP_EVE);
        // Hours and minutes don't care, seconds 30: every minute at :30.
        set(&mut rtc, 0, 0x05, 0xC0);
        set(&mut rtc, 0, 0x03, 0xFF);
        set(&mut rtc, 0, 0x01, 0x30);
        set(&mut rtc, 0, 0x0B, B_24H | B_AIE);
        // 23:59:58 -> 00:00:30 is 32 s.
        assert_eq!(rtc.advance(0), Some(32 * SEC));
        assert_eq!(get(&mut rtc, 32 * SEC, 0x0C) & C_AF, C_AF);
        assert_eq!(rtc.advance(32 * SEC), Some(92 * SEC));
        // All three don't care: every second.
        set(&mut rtc, 32 * SEC, 0x01, 0xC0);
        assert_eq!(rtc.advance(32 * SEC), Some(33 * SEC));
    }

    #[test]
    fn alarm_in_twelve_hour_mode_with_pm() {
        let (mut rtc, _) = rtc_at(0);
        // 1970-01-01 00:00:00; alarm 1:00:00 PM = 13:00:00.
        set(&mut rtc, 0, 0x0B, B_AIE);
        set(&mut rtc, 0, 0x05, 0x81);
        assert_eq!(rtc.advance(0), Some(13 * 3600 * SEC));
        // An invalid BCD second (0x5A) never matches.
        set(&mut rtc, 0, 0x01, 0x5A);
        assert_eq!(rtc.advance(0), None);
    }

    #[test]
    fn divider_reset_stops_the_clock_and_release_updates_half_a_second_later() {
        let (mut rtc, _) = rtc_at(LEAP_EVE);
        set(&mut rtc, 0, 0x0A, 0x66);
        assert_eq!(get(&mut rtc, 10 * SEC, 0), 0x58);
        set(&mut rtc, 10 * SEC, 0x0A, 0x26);
        assert_eq!(get(&mut rtc, 10 * SEC + SEC / 2 - 1, 0), 0x58);
        assert_eq!(get(&mut rtc, 10 * SEC + SEC / 2, 0), 0x59);
    }

    #[test]
    fn memory_size_bytes_for_128_mib() {
        let (mut rtc, _) = rtc_at(0);
        rtc.set_memory_size(128 << 20);
        // Base: 640 KiB = 0x0280. Extended: 127 MiB = 130048 KiB, capped at 0xFFFF.
        // Above 16 MiB: 112 MiB / 64 KiB = 1792 = 0x0700. Nothing above 4 GiB.
        let index = [
            0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5B, 0x5C, 0x5D,
        ];
        let expect = [
            0x80, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x07, 0x00, 0x00, 0x00,
        ];
        assert_eq!(index.map(|i| rtc.nvram(i)), expect);
        assert_eq!(index.map(|i| get(&mut rtc, 0, i)), expect);
        // Checksum of 0x10-0x2D: 0x80 + 0x02 + 0xFF + 0xFF = 0x0280.
        assert_eq!((rtc.nvram(0x2E), rtc.nvram(0x2F)), (0x02, 0x80));
        // 6 GiB: split at 3 GiB, as RAM does not fit below 0xE0000000.
        rtc.set_memory_size(6 << 30);
        // 3 GiB above 4 GiB = 0xC0000000 / 0x10000 = 0xC000 units.
        assert_eq!([0x5B, 0x5C, 0x5D].map(|i| rtc.nvram(i)), [0x00, 0xC0, 0x00]);
        // (3 GiB - 16 MiB) / 64 KiB = 0xBF00.
        assert_eq!([0x34, 0x35].map(|i| rtc.nvram(i)), [0x00, 0xBF]);
    }

    #[test]
    fn nvram_checksum_index_port_and_nmi_mask() {
        let (mut rtc, _) = rtc_at(0);
        rtc.set_nvram(0x14, 0x06);
        rtc.set_nvram(0x10, 0x40);
        assert_eq!((rtc.nvram(0x2E), rtc.nvram(0x2F)), (0x00, 0x46));
        rtc.set_nvram(0x0B, 0xFF);
        assert_eq!(get(&mut rtc, 0, 0x0B), B_24H);
        assert_eq!(rtc.nvram(0x80), 0);
        set(&mut rtc, 0, 0x7F, 0xA5);
        assert_eq!(rtc.nvram(0x7F), 0xA5);
        rtc.write(0, 0x70, 1, 0x8F);
        assert!(rtc.nmi_masked());
        assert_eq!(rtc.read(0, 0x70, 1), 0xFF);
        rtc.write(0, 0x71, 1, 0x12);
        assert_eq!(rtc.nvram(0x0F), 0x12, "index 0x8F selects 0x0F");
        // A word write at 0x70 is an index byte then a data byte.
        rtc.write(0, 0x70, 2, 0x3410);
        assert_eq!(rtc.nvram(0x10), 0x34);
        assert!(!rtc.nmi_masked());
    }

    #[test]
    fn reset_clears_enables_and_flags_only() {
        let (mut rtc, lines) = rtc_at(LEAP_EVE);
        set(&mut rtc, 0, 0x0B, B_24H | B_PIE | B_UIE | B_AIE | B_SQWE);
        let t = rtc.advance(0).unwrap();
        rtc.advance(t);
        assert_eq!(lines.levels(), 1 << 8);
        rtc.set_nvram(0x40, 0x77);
        rtc.reset();
        assert_eq!(lines.levels(), 0);
        assert_eq!(get(&mut rtc, t, 0x0B), B_24H);
        assert_eq!(get(&mut rtc, t, 0x0C), 0);
        assert_eq!(rtc.nvram(0x40), 0x77);
        assert_eq!(get(&mut rtc, t, 0), 0x58);
    }

    #[test]
    fn garbage_from_the_guest_never_panics() {
        let (mut rtc, _) = rtc_at(i64::MAX);
        for index in 0..=255u8 {
            for value in [0x00, 0x7F, 0x80, 0x99, 0xAA, 0xC5, 0xFF] {
                set(&mut rtc, u64::from(index), index, value);
                get(&mut rtc, u64::from(index) + 1, index);
                rtc.advance(u64::from(index) + 2);
            }
        }
        set(&mut rtc, 1000, 0x0B, B_24H);
        set(&mut rtc, 1000, 0x0A, 0x26);
        get(&mut rtc, u64::MAX, 0);
        rtc.advance(u64::MAX);
        let mut host = Rtc146818::new(IrqLines::new().line(8), RtcStart::Host);
        assert!(get(&mut host, 0, 0x32) >= 0x20);
    }
}
