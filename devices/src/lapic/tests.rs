use super::reg::*;
use super::*;

/// Spurious vector FFH with the APIC software-enabled, as Linux programs it.
const ENABLED: u32 = 0x1FF;
const PERIODIC: u32 = 1 << 17;

fn enabled() -> LocalApic {
    let mut apic = LocalApic::new(0);
    apic.write(0, SVR, ENABLED);
    apic
}

/// Whether `vector` is set in the 256-bit register at `base`.
fn has(apic: &mut LocalApic, base: u32, vector: u8) -> bool {
    let offset = base + u32::from(vector >> 5) * 0x10;
    apic.read(0, offset) & 1 << (vector & 31) != 0
}

/// The ESR as software reads it: write, then read.
fn esr(apic: &mut LocalApic) -> u32 {
    apic.write(0, ESR, 0);
    apic.read(0, ESR)
}

/// What the register at `offset` reads after power-up (10.4.7.1): all 0s except the ID,
/// the version, the DFR (all 1s), the SVR (000000FFH) and the LVT mask bits.
fn power_up_value(offset: u32) -> u32 {
    match offset {
        ID => 0x0300_0000,
        VER => 0x0004_0011,
        DFR => 0xFFFF_FFFF,
        SVR => 0x0000_00FF,
        LVT_TIMER | LVT_PERF..=LVT_ERROR => 0x0001_0000,
        _ => 0,
    }
}

/// Every register of the page: (offset, value).
fn dump(apic: &mut LocalApic, of: fn(&mut LocalApic, u32) -> u32) -> Vec<(u32, u32)> {
    (0..0x400).step_by(0x10).map(|o| (o, of(apic, o))).collect()
}

#[test]
fn power_up_values_follow_the_sdm() {
    let mut apic = LocalApic::new(3);
    let expected = dump(&mut apic, |_, o| power_up_value(o));
    assert_eq!(dump(&mut apic, |a, o| a.read(0, o)), expected);
    // Scribble, then a reset brings it all back, the hardware ID included.
    for offset in (0..0x400).step_by(0x10) {
        apic.write(5, offset, 0xFFFF_FFFF);
    }
    apic.accept(0x40, true);
    apic.reset();
    assert_eq!(dump(&mut apic, |a, o| a.read(0, o)), expected);
}

#[test]
fn writable_bits_of_the_p6_layout() {
    let mut apic = LocalApic::new(0);
    let cases = [
        (ID, 0xFFFF_FFFF, 0x0F00_0000),
        (TPR, 0xFFFF_FFFF, 0xFF),
        (LDR, 0xFFFF_FFFF, 0xFF00_0000),
        (DFR, 0x0000_0000, 0x0FFF_FFFF),
        (SVR, 0xFFFF_FFFF, 0x3FF),
        (SVR, 0x0000_0120, 0x12F),
        (ICR_LOW, 0xFFFF_FFFF, 0x000C_CFFF),
        (ICR_HIGH, 0xFFFF_FFFF, 0xFF00_0000),
        (LVT_TIMER, 0xFFFF_FFFF, 0x0003_00FF),
        (LVT_PERF, 0xFFFF_FFFF, 0x0001_07FF),
        (LVT_LINT0, 0xFFFF_FFFF, 0x0001_A7FF),
        (LVT_LINT1, 0xFFFF_FFFF, 0x0001_A7FF),
        (LVT_ERROR, 0xFFFF_FFFF, 0x0001_00FF),
        (DIVIDE, 0xFFFF_FFFF, 0x0B),
        (VER, 0, 0x0004_0011),
    ];
    for (offset, value, expected) in cases {
        apic.write(0, offset, value);
        assert_eq!(apic.read(0, offset), expected, "register {offset:#x}");
    }
}

#[test]
fn tpr_blocks_its_priority_class_and_below() {
    let mut apic = enabled();
    apic.accept(0x55, false);
    apic.write(0, TPR, 0x50);
    assert_eq!(apic.read(0, PPR), 0x50);
    assert!(!apic.pending(0), "class 5 is not above 5");
    assert_eq!(apic.acknowledge(), 0xFF, "spurious");
    assert!(!has(&mut apic, ISR, 0x55), "no ISR bit");
    apic.write(0, TPR, 0x4F);
    assert!(apic.pending(0));
    assert_eq!(apic.acknowledge(), 0x55);
    // PPR takes the in-service class when it is above the TPR's.
    assert_eq!(apic.read(0, PPR), 0x50);
    apic.write(0, TPR, 0x7A);
    assert_eq!(apic.read(0, PPR), 0x7A);
}

#[test]
fn apr_follows_the_p6_formula() {
    let mut apic = enabled();
    apic.write(0, TPR, 0x20);
    apic.accept(0x55, false);
    // TPR class 2 < IRRV class 5: max(2 AND 0, 5) = 5.
    assert_eq!(apic.read(0, APR), 0x50);
    apic.write(0, TPR, 0x83);
    // TPR class 8 >= 5 and > ISRV class 0: the TPR.
    assert_eq!(apic.read(0, APR), 0x83);
    apic.write(0, TPR, 0x30);
    assert_eq!(apic.acknowledge(), 0x55);
    // IRR empty, ISRV 55H: max(3 AND 5, 0) = 1.
    assert_eq!(apic.read(0, APR), 0x10);
}

#[test]
fn acknowledge_and_eoi_go_by_priority() {
    let mut apic = enabled();
    for vector in [0x31, 0x62, 0x45] {
        apic.accept(vector, false);
    }
    assert!(apic.pending(0));
    assert_eq!(apic.acknowledge(), 0x62);
    assert!(!apic.pending(0), "0x45, 0x31 are below 0x62");
    apic.accept(0x68, false);
    assert!(!apic.pending(0), "same class as 0x62");
    apic.accept(0x80, false);
    assert_eq!(apic.acknowledge(), 0x80, "a higher class nests");
    assert!(has(&mut apic, ISR, 0x80) && has(&mut apic, ISR, 0x62));
    apic.write(0, EOI, 0);
    assert!(!has(&mut apic, ISR, 0x80), "EOI ends the highest");
    assert!(has(&mut apic, ISR, 0x62));
    apic.write(0, EOI, 0);
    let mut order = Vec::new();
    while apic.pending(0) {
        order.push(apic.acknowledge());
        apic.write(0, EOI, 0);
    }
    assert_eq!(order, [0x68, 0x45, 0x31]);
    assert_eq!(apic.take_level_eoi(), None, "all edge triggered");
}

#[test]
fn level_triggered_eoi_is_reported_once() {
    let mut apic = enabled();
    apic.accept(0x61, true);
    apic.accept(0x92, false);
    assert!(has(&mut apic, TMR, 0x61));
    assert!(!has(&mut apic, TMR, 0x92));
    assert_eq!(apic.acknowledge(), 0x92);
    assert_eq!(apic.acknowledge(), 0xFF, "0x61 is below 0x92");
    apic.write(0, EOI, 0);
    assert_eq!(apic.take_level_eoi(), None);
    assert_eq!(apic.acknowledge(), 0x61);
    apic.write(0, EOI, 0);
    assert_eq!(apic.take_level_eoi(), Some(0x61));
    assert_eq!(apic.take_level_eoi(), None);
    apic.write(0, EOI, 0);
    assert_eq!(apic.take_level_eoi(), None, "nothing in service");
}

#[test]
fn disabled_apic_holds_requests_and_answers_spurious() {
    let mut apic = LocalApic::new(0);
    apic.write(0, SVR, 0x1CF);
    apic.write(0, SVR, 0x0CF);
    apic.accept(0x40, false);
    assert!(has(&mut apic, IRR, 0x40));
    assert!(!apic.pending(0));
    assert_eq!(apic.acknowledge(), 0xCF);
    apic.write(0, SVR, 0x1CF);
    assert_eq!(apic.acknowledge(), 0x40);
}

#[test]
fn errors_show_in_the_esr_after_a_write_and_raise_the_error_lvt() {
    let mut apic = enabled();
    apic.accept(0x0E, false);
    assert!(!has(&mut apic, IRR, 0x0E));
    assert_eq!(apic.read(0, ESR), 0, "not latched until written");
    assert_eq!(esr(&mut apic), 0x40, "receive illegal vector");
    assert_eq!(esr(&mut apic), 0, "back-to-back writes clear it");
    apic.write(0, LVT_ERROR, 0xFE);
    assert_eq!(apic.read(0, 0x330), 0, "no thermal LVT on P6");
    assert_eq!(esr(&mut apic), 0x80, "illegal register address");
    assert!(apic.pending(0));
    assert_eq!(apic.acknowledge(), 0xFE);
    // An illegal vector in the error entry itself is recorded, once.
    apic.write(0, LVT_ERROR, 0x03);
    apic.write(0, 0x3F0, 1);
    assert_eq!(esr(&mut apic), 0xC0);
}

#[test]
fn odd_offsets_read_zero_and_ignore_writes() {
    let mut apic = enabled();
    for offset in [0x84, 0x81, 0x8F, 0x1000, 0xFFFF_FFF0] {
        apic.write(0, offset, 0xFF);
        assert_eq!(apic.read(0, offset), 0);
    }
    assert_eq!(apic.read(0, TPR), 0);
    assert_eq!(esr(&mut apic), 0, "no register, no error");
}

#[test]
fn one_shot_timer_fires_once_after_count_times_divisor() {
    let mut apic = enabled();
    apic.write(0, LVT_TIMER, 0x40);
    apic.write(100, INITIAL, 1000);
    // Divide by 2 after reset: 2000 ns.
    assert_eq!(apic.advance(100), Some(2100));
    assert_eq!(apic.read(600, CURRENT), 750);
    assert_eq!(apic.read(2099, CURRENT), 1);
    assert!(!apic.pending(2099));
    assert_eq!(apic.advance(2100), None);
    assert!(apic.pending(2100));
    assert_eq!(apic.read(2100, CURRENT), 0);
    assert_eq!(apic.read(50_000, CURRENT), 0, "stays at zero");
    assert_eq!(apic.acknowledge(), 0x40);
    assert_eq!(apic.read(2100, INITIAL), 1000);
}

#[test]
fn periodic_timer_reloads_with_the_divide_configuration() {
    let mut apic = enabled();
    apic.write(0, DIVIDE, 0b0011); // divide by 16
    apic.write(0, LVT_TIMER, PERIODIC | 0x50);
    apic.write(1000, INITIAL, 100);
    let period = 1600;
    assert_eq!(apic.advance(1000), Some(1000 + period));
    for k in 1..=5 {
        let at = 1000 + k * period;
        assert!(!apic.pending(at - 1), "period {k}");
        assert_eq!(apic.advance(at), Some(at + period), "period {k}");
        assert_eq!(apic.read(at, CURRENT), 100, "reloaded");
        assert_eq!(apic.acknowledge(), 0x50);
        apic.write(at, EOI, 0);
    }
    assert_eq!(apic.read(1000 + 5 * period + 16 * 30, CURRENT), 70);
    // A late call: one interrupt for the periods missed, and the next one on the grid.
    let late = 1000 + 9 * period + 5;
    assert_eq!(apic.advance(late), Some(1000 + 10 * period));
    assert_eq!(apic.acknowledge(), 0x50);
    assert_eq!(apic.acknowledge(), 0xFF);
    // Writing 0 stops it.
    apic.write(late, INITIAL, 0);
    assert_eq!(apic.advance(late), None);
    assert_eq!(apic.read(late + 5000, CURRENT), 0);
}

#[test]
fn every_divide_configuration_value() {
    // 10.5.4: divide value bits 3, 1, 0.
    let configs = [
        0b0000, 0b0001, 0b0010, 0b0011, 0b1000, 0b1001, 0b1010, 0b1011,
    ];
    let divisors = [2, 4, 8, 16, 32, 64, 128, 1];
    for (config, divisor) in configs.into_iter().zip(divisors) {
        let mut apic = enabled();
        apic.write(0, DIVIDE, config);
        apic.write(0, LVT_TIMER, 0x40);
        apic.write(0, INITIAL, 10);
        assert_eq!(apic.advance(0), Some(10 * divisor), "config {config:#06b}");
    }
}

#[test]
fn current_count_decreases_one_per_divided_clock() {
    let mut apic = enabled();
    apic.write(0, DIVIDE, 0b1011); // divide by 1
    apic.write(0, INITIAL, 0xFFFF_FFFF);
    for k in [0, 1, 2, 1000, 123_456] {
        assert_eq!(apic.read(k, CURRENT), 0xFFFF_FFFF - k as u32);
    }
    // A new divisor continues from the current count at the new rate.
    apic.write(123_456, DIVIDE, 0b0001); // divide by 4
    let left = 0xFFFF_FFFF - 123_456;
    assert_eq!(apic.read(123_456 + 4 * 10, CURRENT), left - 10);
    assert_eq!(apic.advance(123_456), Some(123_456 + 4 * u64::from(left)));
}

#[test]
fn masked_timer_counts_but_does_not_interrupt() {
    let mut apic = enabled();
    apic.write(0, LVT_TIMER, LVT_MASKED | PERIODIC | 0x40);
    apic.write(0, INITIAL, 10);
    assert_eq!(apic.advance(20), Some(40));
    assert!(!apic.pending(20));
    assert!(!has(&mut apic, IRR, 0x40));
    apic.write(25, LVT_TIMER, PERIODIC | 0x40);
    assert_eq!(apic.advance(40), Some(60));
    assert!(apic.pending(40));
}

/// Sends `vector` through the ICR and says whether it reached the IRR.
fn sent(apic: &mut LocalApic, high: u32, low: u32, vector: u8) -> bool {
    apic.write(0, ICR_HIGH, high);
    apic.write(0, ICR_LOW, low | u32::from(vector));
    assert_eq!(apic.read(0, ICR_LOW) & 1 << 12, 0, "delivery status idle");
    let got = has(apic, IRR, vector);
    while apic.pending(0) {
        apic.acknowledge();
        apic.write(0, EOI, 0);
    }
    got
}

#[test]
fn self_ipis_by_shorthand_and_destination() {
    let mut apic = LocalApic::new(2);
    apic.write(0, SVR, ENABLED);
    assert!(sent(&mut apic, 0, 0x0004_0000, 0x41), "self");
    assert!(sent(&mut apic, 0, 0x0008_0000, 0x42), "all incl. self");
    assert!(!sent(&mut apic, 0, 0x000C_0000, 0x43), "all excl. self");
    assert!(sent(&mut apic, 0x0200_0000, 0, 0x44), "physical ID 2");
    assert!(!sent(&mut apic, 0x0300_0000, 0, 0x45), "physical ID 3");
    assert!(sent(&mut apic, 0x0F00_0000, 0, 0x46), "broadcast");
    assert!(!sent(&mut apic, 0, 0x0004_0400, 0x47), "NMI");
    assert!(!sent(&mut apic, 0, 0x0004_0100, 0x48), "self, lowest");
    apic.write(0, LDR, 0x0400_0000);
    assert!(sent(&mut apic, 0x0600_0000, 0x800, 0x49), "flat");
    assert!(!sent(&mut apic, 0x0300_0000, 0x800, 0x4A), "flat");
    assert!(sent(&mut apic, 0x0600_0000, 0x900, 0x4B), "lowest");
    apic.write(0, DFR, 0x0FFF_FFFF);
    apic.write(0, LDR, 0x3200_0000);
    assert!(sent(&mut apic, 0x3300_0000, 0x800, 0x4C), "cluster 3");
    assert!(!sent(&mut apic, 0x2300_0000, 0x800, 0x4D), "cluster 2");
    assert!(!sent(&mut apic, 0, 0x0004_0000, 0x05), "illegal");
    assert_eq!(esr(&mut apic), 0x20, "send illegal vector");
}

#[test]
fn lint0_extint_and_software_disable() {
    let mut apic = LocalApic::new(0);
    assert!(apic.lint0_extint(), "software-disabled after reset");
    apic.write(0, SVR, ENABLED);
    assert!(!apic.lint0_extint(), "LINT0 masked");
    apic.write(0, LVT_LINT0, 0x700);
    assert!(apic.lint0_extint());
    apic.write(0, LVT_LINT0, 0x400);
    assert!(!apic.lint0_extint(), "NMI is not ExtINT");
    // Software disable masks every LVT entry and keeps them masked.
    apic.write(0, LVT_LINT0, 0x700);
    apic.write(0, SVR, 0x0FF);
    assert_eq!(apic.read(0, LVT_LINT0), 0x0001_0700);
    assert!(apic.lint0_extint(), "disabled");
    apic.write(0, LVT_ERROR, 0x00FE);
    assert_eq!(apic.read(0, LVT_ERROR), 0x0001_00FE, "unmask ignored");
    apic.write(0, SVR, ENABLED);
    assert_eq!(apic.read(0, LVT_LINT0), 0x0001_0700, "still masked");
    assert!(!apic.lint0_extint());
}

#[test]
fn any_guest_write_sequence_is_harmless() {
    let mut apic = LocalApic::new(0);
    let (mut x, mut now): (u64, Nanos) = (7, 0);
    for _ in 0..50_000 {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        now += (x >> 40) % 3000;
        let offset = ((x >> 20) as u32 % 0x41) << 4 | [0, 0, 0, 4][(x >> 8) as usize % 4];
        if x & 1 == 0 {
            apic.write(now, offset, (x >> 32) as u32);
        } else {
            apic.read(now, offset);
        }
        if x & 6 == 0 {
            apic.accept((x >> 12) as u8, x & 8 != 0);
        }
        if apic.pending(now) {
            apic.acknowledge();
        }
        apic.take_level_eoi();
        assert!(apic.advance(now).is_none_or(|deadline| deadline > now));
    }
    apic.write(u64::MAX - 1, INITIAL, 0xFFFF_FFFF);
    assert_eq!(apic.advance(u64::MAX), None, "past the end of time");
}
