use super::*;

const MASTER_BASE: u8 = 0x08;
const SLAVE_BASE: u8 = 0x70;

fn outb(pic: &mut Pic8259Pair, port: u16, value: u8) {
    pic.write(0, port, 1, u32::from(value));
}

fn inb(pic: &mut Pic8259Pair, port: u16) -> u8 {
    pic.read(0, port, 1) as u8
}

/// The PC BIOS sequence: ICW1 (edge, cascade, ICW4), ICW2 base, ICW3 wiring, ICW4 8086.
fn init_with_icw4(pic: &mut Pic8259Pair, icw4: u8) {
    for (port, base, icw3) in [(0x20, MASTER_BASE, 0x04), (0xA0, SLAVE_BASE, 0x02)] {
        outb(pic, port, 0x11);
        outb(pic, port + 1, base);
        outb(pic, port + 1, icw3);
        outb(pic, port + 1, icw4);
    }
}

fn setup() -> (Rc<IrqLines>, Pic8259Pair) {
    let lines = IrqLines::new();
    let mut pic = Pic8259Pair::new(lines.clone());
    init_with_icw4(&mut pic, 0x01);
    (lines, pic)
}

const NON_SPECIFIC_EOI: u8 = 0x20;
const READ_ISR: u8 = 0x0B;
const READ_IRR: u8 = 0x0A;

fn isr(pic: &mut Pic8259Pair, port: u16) -> u8 {
    outb(pic, port, READ_ISR);
    inb(pic, port)
}

#[test]
fn pulse_on_irq0_gives_base_vector_and_sets_isr_then_eoi_clears() {
    let (lines, mut pic) = setup();
    assert!(!pic.intr());
    lines.line(0).pulse();
    assert!(pic.intr());
    assert_eq!(pic.acknowledge(), MASTER_BASE);
    assert_eq!(isr(&mut pic, 0x20), 0x01);
    assert!(!pic.intr(), "the edge was consumed by the acknowledge");
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    assert_eq!(isr(&mut pic, 0x20), 0x00);
    assert!(!pic.intr());
}

#[test]
fn masked_line_waits_in_irr_until_unmasked() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0x21, 0x02);
    assert_eq!(inb(&mut pic, 0x21), 0x02);
    lines.line(1).pulse();
    assert!(!pic.intr());
    outb(&mut pic, 0x20, READ_IRR);
    assert_eq!(inb(&mut pic, 0x20), 0x02);
    outb(&mut pic, 0x21, 0x00);
    assert!(pic.intr());
    assert_eq!(pic.acknowledge(), MASTER_BASE + 1);
}

#[test]
fn lower_line_number_wins_and_in_service_blocks_lower_priority() {
    let (lines, mut pic) = setup();
    lines.line(4).pulse();
    lines.line(3).pulse();
    assert_eq!(pic.acknowledge(), MASTER_BASE + 3);
    assert!(!pic.intr(), "IR4 is below the in-service IR3");
    lines.line(1).pulse();
    assert!(pic.intr(), "IR1 is above IR3 and nests");
    assert_eq!(pic.acknowledge(), MASTER_BASE + 1);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    assert_eq!(
        isr(&mut pic, 0x20),
        0x08,
        "non-specific EOI ends the highest, IR1"
    );
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    assert_eq!(pic.acknowledge(), MASTER_BASE + 4);
}

#[test]
fn slave_line_goes_through_the_cascade() {
    let (lines, mut pic) = setup();
    lines.line(12).pulse();
    assert!(pic.intr());
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 4);
    assert_eq!(isr(&mut pic, 0xA0), 0x10);
    assert_eq!(isr(&mut pic, 0x20), CASCADE_BIT);
    // A master line below IR2 waits for the cascade's EOI.
    lines.line(5).pulse();
    assert!(!pic.intr());
    outb(&mut pic, 0xA0, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    assert_eq!(pic.acknowledge(), MASTER_BASE + 5);
}

#[test]
fn slave_mask_and_master_cascade_mask_both_hold_slave_lines() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0xA1, 0x02);
    lines.line(9).pulse();
    assert!(!pic.intr());
    outb(&mut pic, 0x20, READ_IRR);
    assert_eq!(
        inb(&mut pic, 0x20),
        0,
        "a masked slave line does not reach IR2"
    );
    outb(&mut pic, 0xA1, 0);
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 1);
    outb(&mut pic, 0xA0, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x21, CASCADE_BIT);
    lines.line(9).pulse();
    assert!(!pic.intr());
    outb(&mut pic, 0x21, 0);
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 1);
}

#[test]
fn slave_masked_after_reaching_the_master_is_spurious_irq15() {
    let (lines, mut pic) = setup();
    lines.line(9).pulse();
    assert!(pic.intr());
    outb(&mut pic, 0xA1, 0x02);
    assert!(pic.intr(), "IR2 stays latched in the master");
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 7);
    assert_eq!(isr(&mut pic, 0xA0), 0);
}

#[test]
fn auto_eoi_leaves_isr_clear() {
    let lines = IrqLines::new();
    let mut pic = Pic8259Pair::new(lines.clone());
    init_with_icw4(&mut pic, 0x03);
    lines.line(6).pulse();
    lines.line(10).pulse();
    assert_eq!(
        pic.acknowledge(),
        SLAVE_BASE + 2,
        "IR2 (cascade) is above IR6"
    );
    assert_eq!(isr(&mut pic, 0x20), 0);
    assert_eq!(isr(&mut pic, 0xA0), 0);
    assert_eq!(pic.acknowledge(), MASTER_BASE + 6);
    assert!(!pic.intr());
    // Two slave requests: the second reaches the master after the first is acknowledged.
    lines.line(9).pulse();
    lines.line(12).pulse();
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 1);
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 4);
    assert!(!pic.intr());
}

#[test]
fn rotate_on_non_specific_eoi_makes_the_served_line_lowest() {
    let (lines, mut pic) = setup();
    lines.line(0).pulse();
    assert_eq!(pic.acknowledge(), MASTER_BASE);
    outb(&mut pic, 0x20, 0xA0); // rotate on non-specific EOI
    lines.line(0).pulse();
    lines.line(5).pulse();
    assert_eq!(pic.acknowledge(), MASTER_BASE + 5, "IR0 is now the lowest");
    outb(&mut pic, 0x20, 0xA0); // IR5 served: IR6 highest
    assert_eq!(pic.acknowledge(), MASTER_BASE);
}

#[test]
fn set_priority_and_rotate_on_specific_eoi() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0x20, 0xC0 | 3); // IR3 lowest, IR4 highest
    lines.line(1).pulse();
    lines.line(6).pulse();
    assert_eq!(pic.acknowledge(), MASTER_BASE + 6);
    outb(&mut pic, 0x20, 0xE0 | 6); // specific EOI for IR6 and make it lowest
    assert_eq!(isr(&mut pic, 0x20), 0);
    lines.line(6).pulse();
    assert_eq!(
        pic.acknowledge(),
        MASTER_BASE + 1,
        "IR7 is highest, IR6 lowest"
    );
}

#[test]
fn rotate_in_auto_eoi_mode() {
    let lines = IrqLines::new();
    let mut pic = Pic8259Pair::new(lines.clone());
    init_with_icw4(&mut pic, 0x03);
    outb(&mut pic, 0x20, 0x80); // rotate in AEOI: set
    lines.line(1).pulse();
    assert_eq!(pic.acknowledge(), MASTER_BASE + 1);
    lines.line(0).pulse();
    lines.line(3).pulse();
    assert_eq!(
        pic.acknowledge(),
        MASTER_BASE + 3,
        "IR2 is highest after IR1"
    );
}

#[test]
fn level_triggered_line_reasserts_after_eoi_while_high() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0x4D1, 0x04); // IRQ10 level
    assert_eq!(inb(&mut pic, 0x4D1), 0x04);
    let irq10 = lines.line(10);
    irq10.set_level(true);
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 2);
    outb(&mut pic, 0xA0, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    assert!(pic.intr(), "still high: requested again");
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 2);
    irq10.set_level(false);
    outb(&mut pic, 0xA0, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    assert!(!pic.intr());
}

#[test]
fn elcr_reserved_bits_stay_edge() {
    let (_, mut pic) = setup();
    pic.write(0, 0x4D0, 2, 0xFFFF);
    assert_eq!(pic.read(0, 0x4D0, 2), 0xDEF8);
}

#[test]
fn request_gone_before_acknowledge_is_spurious_irq7() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0x4D0, 0x20); // IRQ5 level
    lines.line(5).set_level(true);
    assert!(pic.intr());
    lines.line(5).set_level(false);
    assert_eq!(pic.acknowledge(), MASTER_BASE + 7);
    assert_eq!(isr(&mut pic, 0x20), 0);
}

#[test]
fn slave_request_gone_before_acknowledge_is_spurious_irq15() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0x4D1, 0x08); // IRQ11 level
    lines.line(11).set_level(true);
    assert!(pic.intr());
    lines.line(11).set_level(false);
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 7);
    assert_eq!(isr(&mut pic, 0xA0), 0);
    assert_eq!(
        isr(&mut pic, 0x20),
        CASCADE_BIT,
        "the master still needs its EOI"
    );
}

#[test]
fn poll_command_reads_and_acknowledges_the_highest_request() {
    let (lines, mut pic) = setup();
    lines.line(3).pulse();
    lines.line(6).pulse();
    outb(&mut pic, 0x20, 0x0C); // OCW3 poll
    assert_eq!(inb(&mut pic, 0x20), 0x83);
    assert_eq!(isr(&mut pic, 0x20), 0x08);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x20, 0x0C);
    assert_eq!(inb(&mut pic, 0x21), 0x86);
    outb(&mut pic, 0x20, NON_SPECIFIC_EOI);
    outb(&mut pic, 0x20, 0x0C);
    assert_eq!(inb(&mut pic, 0x20), 0x00);
    assert_eq!(
        inb(&mut pic, 0x21),
        0x00,
        "the poll applies to one read only"
    );
}

#[test]
fn ocw3_selects_irr_or_isr() {
    let (lines, mut pic) = setup();
    lines.line(2 + 8).pulse();
    lines.line(7).pulse();
    outb(&mut pic, 0x20, READ_IRR);
    assert_eq!(inb(&mut pic, 0x20), 0x80 | CASCADE_BIT);
    assert_eq!(pic.acknowledge(), SLAVE_BASE + 2);
    assert_eq!(inb(&mut pic, 0x20), 0x80, "IRR stays selected");
    outb(&mut pic, 0x20, READ_ISR);
    assert_eq!(inb(&mut pic, 0x20), CASCADE_BIT);
    outb(&mut pic, 0xA0, READ_ISR);
    assert_eq!(inb(&mut pic, 0xA0), 0x04);
}

#[test]
fn special_mask_mode_lets_lower_lines_through() {
    let (lines, mut pic) = setup();
    lines.line(1).pulse();
    assert_eq!(pic.acknowledge(), MASTER_BASE + 1);
    lines.line(4).pulse();
    assert!(!pic.intr());
    outb(&mut pic, 0x21, 0x02);
    outb(&mut pic, 0x20, 0x68); // OCW3: set special mask mode
    assert!(pic.intr());
    assert_eq!(pic.acknowledge(), MASTER_BASE + 4);
    outb(&mut pic, 0x20, 0x48); // reset special mask mode
    lines.line(3).pulse();
    assert!(!pic.intr(), "IR1 in service blocks again");
}

#[test]
fn icw1_resets_edge_sense_mask_and_priority() {
    let (lines, mut pic) = setup();
    outb(&mut pic, 0x21, 0xFF);
    lines.line(4).pulse();
    outb(&mut pic, 0x20, 0x11);
    outb(&mut pic, 0x21, 0x20);
    outb(&mut pic, 0x21, 0x04);
    outb(&mut pic, 0x21, 0x01);
    assert_eq!(inb(&mut pic, 0x21), 0x00);
    assert!(!pic.intr(), "the edge before ICW1 is forgotten");
    lines.line(4).pulse();
    assert_eq!(pic.acknowledge(), 0x24);
}

#[test]
fn power_on_and_reset_state() {
    let lines = IrqLines::new();
    let mut pic = Pic8259Pair::new(lines.clone());
    assert_eq!(inb(&mut pic, 0x21), 0);
    lines.line(0).pulse();
    assert_eq!(pic.acknowledge(), 0x00);
    outb(&mut pic, 0x4D0, 0x20);
    lines.line(3).pulse();
    pic.reset();
    assert_eq!(inb(&mut pic, 0x4D0), 0);
    assert_eq!(isr(&mut pic, 0x20), 0);
    assert!(!pic.intr());
}

#[test]
fn any_guest_byte_sequence_is_harmless() {
    let lines = IrqLines::new();
    let mut pic = Pic8259Pair::new(lines.clone());
    let mut x: u32 = 12345;
    for _ in 0..20_000 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let port = [0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1][(x >> 8) as usize % 6];
        if x & 1 == 0 {
            pic.write(0, port, 1 + (x >> 4) as u8 % 4, x >> 16);
        } else {
            pic.read(0, port, 1 + (x >> 4) as u8 % 4);
        }
        lines.line((x >> 20) as u8 % 16).set_level(x & 2 != 0);
        if pic.intr() {
            pic.acknowledge();
        }
    }
}
