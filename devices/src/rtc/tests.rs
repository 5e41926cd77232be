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
