use super::*;
use crate::irq::IrqLines;
use std::cell::RefCell;
use std::rc::Rc;

const COM1: u16 = 0x3F8;

#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl SerialBackend for Capture {
    fn write(&mut self, byte: u8) {
        self.0.borrow_mut().push(byte);
    }
}

fn uart() -> (Uart16550, Rc<IrqLines>, Capture) {
    let lines = IrqLines::new();
    let out = Capture::default();
    let uart = Uart16550::new(COM1, lines.line(4), Box::new(out.clone()));
    (uart, lines, out)
}

fn rd(u: &mut Uart16550, offset: u16) -> u8 {
    u.read(0, COM1 + offset, 1) as u8
}

fn wr(u: &mut Uart16550, offset: u16, value: u8) {
    u.write(0, COM1 + offset, 1, u32::from(value));
}

fn irq4(lines: &IrqLines) -> bool {
    lines.levels() & (1 << 4) != 0
}

#[test]
fn reset_state() {
    let (mut u, lines, _) = uart();
    assert_eq!(u.ports(), [(0x3F8, 8)]);
    assert_eq!(rd(&mut u, 1), 0x00, "IER");
    assert_eq!(rd(&mut u, 2), 0x01, "IIR: no interrupt");
    assert_eq!(rd(&mut u, 3), 0x00, "LCR");
    assert_eq!(rd(&mut u, 4), 0x00, "MCR");
    assert_eq!(rd(&mut u, 5), 0x60, "LSR: THRE, TEMT");
    assert_eq!(rd(&mut u, 6) & 0xF0, 0xB0, "MSR: DCD, DSR, CTS");
    assert!(!irq4(&lines));
}

#[test]
fn thr_writes_reach_the_backend() {
    let (mut u, _, out) = uart();
    for b in b"hello\n" {
        wr(&mut u, 0, *b);
    }
    assert_eq!(out.0.borrow().as_slice(), b"hello\n");
    assert_eq!(rd(&mut u, 5) & 0x60, 0x60);
}

#[test]
fn write_backend_flushes_on_newline() {
    struct Flushes(Rc<RefCell<(Vec<u8>, usize)>>);
    impl Write for Flushes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.0.borrow_mut().1 += 1;
            Ok(())
        }
    }
    let state = Rc::new(RefCell::new((Vec::new(), 0)));
    let mut backend = WriterBackend::new(Flushes(state.clone()), "serial");
    for b in b"ab\ncd" {
        backend.write(*b);
    }
    assert_eq!(*state.borrow(), (b"ab\ncd".to_vec(), 1));
    NullBackend.write(b'x');
}

#[test]
fn divisor_latch_round_trip() {
    let (mut u, _, out) = uart();
    wr(&mut u, 3, 0x83);
    assert_eq!(
        (rd(&mut u, 0), rd(&mut u, 1)),
        (12, 0),
        "reset divisor 9600 baud"
    );
    wr(&mut u, 0, 0x01);
    wr(&mut u, 1, 0x02);
    assert_eq!((rd(&mut u, 0), rd(&mut u, 1)), (0x01, 0x02));
    assert_eq!(rd(&mut u, 3), 0x83);
    wr(&mut u, 3, 0x03);
    assert_eq!(rd(&mut u, 1), 0x00, "IER again with DLAB clear");
    wr(&mut u, 0, b'A');
    assert_eq!(out.0.borrow().as_slice(), b"A");
    wr(&mut u, 3, 0x83);
    assert_eq!((rd(&mut u, 0), rd(&mut u, 1)), (0x01, 0x02));
}

#[test]
fn thre_interrupt_is_cleared_by_iir_read_and_rearmed_by_thr_write() {
    let (mut u, lines, _) = uart();
    wr(&mut u, 4, MCR_OUT2);
    wr(&mut u, 1, IER_THRE);
    assert!(irq4(&lines));
    assert_eq!(lines.take_edges(), 1 << 4);
    assert_eq!(rd(&mut u, 2), 0x02, "THRE is the source");
    assert!(!irq4(&lines));
    assert_eq!(rd(&mut u, 2), 0x01, "reading IIR cleared it");
    wr(&mut u, 0, b'x');
    assert!(irq4(&lines));
    assert_eq!(
        lines.take_edges(),
        1 << 4,
        "a new edge per transmitted byte"
    );
    wr(&mut u, 0, b'y');
    assert_eq!(lines.take_edges(), 1 << 4);
    // Without OUT2 the interrupt is pending in IIR but does not reach IRQ4.
    wr(&mut u, 4, 0);
    assert!(!irq4(&lines));
    assert_eq!(rd(&mut u, 2), 0x02);
    wr(&mut u, 0, b'z');
    wr(&mut u, 4, MCR_OUT2);
    assert!(irq4(&lines));
    wr(&mut u, 1, 0);
    assert!(!irq4(&lines));
}

#[test]
fn received_bytes_set_dr_and_interrupt_at_the_trigger_level() {
    let (mut u, lines, _) = uart();
    wr(&mut u, 4, MCR_OUT2);
    wr(&mut u, 1, IER_RX_DATA);
    wr(&mut u, 2, 0x81); // FIFO on, trigger level 8
    assert_eq!(rd(&mut u, 2), 0xC1);
    u.receive(b"1234567");
    assert_eq!(rd(&mut u, 5) & LSR_DR, LSR_DR);
    assert_eq!(rd(&mut u, 2), 0xC1, "7 bytes are below the trigger level");
    assert!(!irq4(&lines));
    u.receive(b"8");
    assert_eq!(rd(&mut u, 2), 0xC4);
    assert!(irq4(&lines));
    assert_eq!(rd(&mut u, 0), b'1');
    assert_eq!(rd(&mut u, 2), 0xC1, "below the trigger level again");
    assert!(!irq4(&lines));
    for b in b"2345678" {
        assert_eq!(rd(&mut u, 0), *b);
    }
    assert_eq!(rd(&mut u, 5) & LSR_DR, 0);
}

#[test]
fn non_fifo_mode_interrupts_per_byte_and_takes_queued_input_in_turn() {
    let (mut u, lines, _) = uart();
    wr(&mut u, 4, MCR_OUT2);
    wr(&mut u, 1, IER_RX_DATA);
    u.receive(b"ab");
    assert_eq!(rd(&mut u, 2), 0x04);
    lines.take_edges();
    assert_eq!(rd(&mut u, 0), b'a');
    assert_eq!(
        lines.take_edges(),
        1 << 4,
        "the next byte is a new interrupt"
    );
    assert_eq!(rd(&mut u, 0), b'b');
    assert_eq!(rd(&mut u, 2), 0x01);
    assert_eq!(rd(&mut u, 5) & LSR_DR, 0);
}

#[test]
fn fifo_holds_16_and_the_rest_waits_on_the_wire() {
    let (mut u, _, _) = uart();
    wr(&mut u, 2, 0xC7);
    let input: Vec<u8> = (0..40).collect();
    u.receive(&input);
    for expect in 0..40 {
        assert_eq!(rd(&mut u, 0), expect);
    }
    assert_eq!(rd(&mut u, 5), 0x60, "no overrun");
}

#[test]
fn character_timeout_after_four_character_times() {
    let (mut u, lines, _) = uart();
    wr(&mut u, 4, MCR_OUT2);
    wr(&mut u, 1, IER_RX_DATA);
    wr(&mut u, 3, 0x03); // 8N1: 10 bits
    wr(&mut u, 2, 0xC1); // trigger level 14
    u.receive(b"abc");
    // 9600 baud (divisor 12): a character is 10/9600 s, four are 4.1666... ms.
    let deadline = u.advance(1_000).unwrap();
    assert!((1_000 + 4_166_666..=1_000 + 4_166_667).contains(&deadline));
    assert_eq!(u.advance(deadline - 1), Some(deadline));
    assert!(!irq4(&lines));
    assert_eq!(u.advance(deadline), None);
    assert!(irq4(&lines));
    assert_eq!(u.read(deadline, COM1 + 2, 1), 0xCC);
    assert_eq!(u.read(deadline, COM1, 1), u32::from(b'a'));
    assert!(!irq4(&lines), "reading the FIFO clears the timeout");
    assert_eq!(u.advance(deadline), Some(deadline + (deadline - 1_000)));
}

#[test]
fn loopback_feeds_tx_to_rx_and_mcr_to_msr() {
    let (mut u, lines, out) = uart();
    wr(&mut u, 1, IER_RX_DATA);
    wr(&mut u, 4, MCR_LOOP | MCR_OUT2);
    // CTS, DSR, DCD fell (only OUT2 -> DCD is active): DCTS and DDSR.
    assert_eq!(rd(&mut u, 6), MSR_DCD | MSR_DCTS | MSR_DDSR);
    assert_eq!(rd(&mut u, 6), MSR_DCD);
    wr(&mut u, 4, MCR_LOOP | 0x0F);
    assert_eq!(rd(&mut u, 6), 0xF0 | MSR_DCTS | MSR_DDSR);
    wr(&mut u, 4, MCR_LOOP | MCR_OUT2);
    assert_eq!(rd(&mut u, 6), MSR_DCD | MSR_DCTS | MSR_DDSR | MSR_TERI);
    u.receive(b"z");
    wr(&mut u, 0, 0x55);
    assert!(out.0.borrow().is_empty(), "nothing leaves in loopback");
    assert_eq!(rd(&mut u, 5) & LSR_DR, LSR_DR);
    assert_eq!(
        rd(&mut u, 2),
        0x04,
        "the receiver interrupt works internally"
    );
    assert!(!irq4(&lines), "but the OUT2 pin is inactive in loopback");
    assert_eq!(rd(&mut u, 0), 0x55);
    // A second byte into a full one-byte RBR overruns.
    wr(&mut u, 0, 1);
    wr(&mut u, 0, 2);
    assert_eq!(rd(&mut u, 5), 0x60 | LSR_OE | LSR_DR);
    assert_eq!(rd(&mut u, 5), 0x60 | LSR_DR, "reading LSR clears OE");
    assert_eq!(rd(&mut u, 0), 2);
    // Leaving loopback connects the line again.
    wr(&mut u, 4, MCR_OUT2);
    assert_eq!(rd(&mut u, 0), b'z');
}

#[test]
fn line_status_interrupt_has_priority() {
    let (mut u, _, _) = uart();
    wr(&mut u, 1, IER_RX_DATA | IER_LINE_STATUS | IER_THRE);
    wr(&mut u, 4, MCR_LOOP);
    wr(&mut u, 0, 1);
    wr(&mut u, 0, 2);
    assert_eq!(rd(&mut u, 2), 0x06);
    rd(&mut u, 5);
    assert_eq!(rd(&mut u, 2), 0x04);
    rd(&mut u, 0);
    assert_eq!(rd(&mut u, 2), 0x02);
}

#[test]
fn modem_status_interrupt_until_msr_read() {
    let (mut u, lines, _) = uart();
    wr(&mut u, 1, IER_MODEM_STATUS);
    wr(&mut u, 4, MCR_OUT2);
    assert_eq!(rd(&mut u, 2), 0x01);
    wr(&mut u, 4, MCR_LOOP | MCR_OUT2);
    assert_eq!(rd(&mut u, 2), 0x00);
    rd(&mut u, 6);
    assert_eq!(rd(&mut u, 2), 0x01);
    assert!(!irq4(&lines));
}

#[test]
fn fcr_clears_the_receiver_and_mode_bits_need_fcr0() {
    let (mut u, _, _) = uart();
    wr(&mut u, 4, MCR_LOOP);
    wr(&mut u, 2, 0x01);
    wr(&mut u, 0, 7);
    wr(&mut u, 2, 0x03);
    assert_eq!(rd(&mut u, 5) & LSR_DR, 0);
    wr(&mut u, 2, 0xC0);
    assert_eq!(rd(&mut u, 2) & 0xC0, 0, "FIFOs off");
}

#[test]
fn scratch_register_word_access_and_any_value() {
    let (mut u, _, _) = uart();
    wr(&mut u, 7, 0x5A);
    assert_eq!(rd(&mut u, 7), 0x5A);
    u.write(0, COM1 + 7, 4, 0xFFFF_FF42);
    assert_eq!(u.read(0, COM1 + 7, 2), 0xFF42);
    for offset in 0..8 {
        for value in [0x00, 0x55, 0x80, 0xFF] {
            wr(&mut u, offset, value);
            rd(&mut u, offset);
        }
    }
    wr(&mut u, 3, 0x80);
    wr(&mut u, 0, 0);
    wr(&mut u, 1, 0);
    wr(&mut u, 3, 0x0F);
    wr(&mut u, 2, 0x01);
    wr(&mut u, 4, 0);
    u.receive(b"q");
    assert_eq!(u.advance(u64::MAX - 1), Some(u64::MAX));
}
