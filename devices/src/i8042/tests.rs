use super::*;
use crate::irq::IrqLines;
use crate::ps2::{BUTTON_LEFT, BUTTON_RIGHT};
use std::rc::Rc;

fn controller() -> (I8042, Rc<IrqLines>) {
    let lines = IrqLines::new();
    let c = I8042::new(lines.line(KEYBOARD_IRQ), lines.line(MOUSE_IRQ));
    (c, lines)
}

fn status(c: &mut I8042) -> u8 {
    c.read(0, 0x64, 1) as u8
}

fn command(c: &mut I8042, cmd: u8) {
    c.write(0, 0x64, 1, u32::from(cmd));
}

fn data(c: &mut I8042, value: u8) {
    c.write(0, 0x60, 1, u32::from(value));
}

fn read(c: &mut I8042) -> u8 {
    c.read(0, 0x60, 1) as u8
}

/// Reads the output buffer while OBF says it holds a byte.
fn drain(c: &mut I8042) -> Vec<u8> {
    let mut bytes = Vec::new();
    while status(c) & 0x01 != 0 {
        bytes.push(read(c));
    }
    bytes
}

/// Reads the output buffer, noting which bytes came from the mouse (status bit 5).
fn drain_sources(c: &mut I8042) -> Vec<(u8, bool)> {
    let mut bytes = Vec::new();
    loop {
        let s = status(c);
        if s & 0x01 == 0 {
            return bytes;
        }
        bytes.push((read(c), s & 0x20 != 0));
    }
}

fn set_command_byte(c: &mut I8042, value: u8) {
    command(c, 0x60);
    data(c, value);
}

fn irq1(lines: &IrqLines) -> bool {
    lines.levels() & (1 << 1) != 0
}

fn irq12(lines: &IrqLines) -> bool {
    lines.levels() & (1 << 12) != 0
}

const XLAT: u8 = 0x40;

#[test]
fn power_on_state() {
    let (mut c, lines) = controller();
    // OSDev "8042 PS/2 Controller": bit 4 set means the keyboard is not inhibited; no data
    // yet, no system flag before the self test. QEMU: bit 3 set, command byte 0x03.
    assert_eq!(status(&mut c), 0x18);
    assert!(c.a20());
    command(&mut c, 0x20);
    assert_eq!(status(&mut c) & 0x01, 0x01);
    assert_eq!(read(&mut c), 0x03);
    assert_eq!(lines.levels(), 0);
}

#[test]
fn self_test_and_interface_tests() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x00);
    // OSDev: AA -> 55 (passed); AB and A9 -> 00 (passed).
    command(&mut c, 0xAA);
    assert_eq!(drain(&mut c), [0x55]);
    // IBM: the system flag (status bit 2) is set by a successful self test.
    assert_eq!(status(&mut c) & 0x04, 0x04);
    command(&mut c, 0xAB);
    assert_eq!(drain(&mut c), [0x00]);
    command(&mut c, 0xA9);
    assert_eq!(drain(&mut c), [0x00]);
    // The command byte survives the self test (QEMU).
    command(&mut c, 0x20);
    assert_eq!(drain(&mut c), [0x00]);
}

#[test]
fn command_byte_round_trip_and_system_flag() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x65);
    command(&mut c, 0x20);
    assert_eq!(drain(&mut c), [0x65]);
    // IBM: the status system flag follows command byte bit 2.
    assert_eq!(status(&mut c) & 0x04, 0x04);
    set_command_byte(&mut c, 0x61);
    assert_eq!(status(&mut c) & 0x04, 0x00);
    // Status bit 3 tells whether the last write went to 0x64 or to 0x60.
    command(&mut c, 0xA8);
    assert_eq!(status(&mut c) & 0x08, 0x08);
    data(&mut c, 0xEE);
    assert_eq!(status(&mut c) & 0x08, 0x00);
    assert_eq!(drain(&mut c), [0xEE]);
    // The rest of controller RAM: 61-7F write, 21-3F read.
    command(&mut c, 0x7F);
    data(&mut c, 0x5A);
    command(&mut c, 0x3F);
    assert_eq!(drain(&mut c), [0x5A]);
}

#[test]
fn enable_disable_commands_change_the_command_byte() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x00);
    command(&mut c, 0xAD);
    command(&mut c, 0xA7);
    command(&mut c, 0x20);
    assert_eq!(drain(&mut c), [0x30]);
    command(&mut c, 0xE0);
    assert_eq!(
        drain(&mut c),
        [0x00],
        "disabled interfaces hold their clocks low"
    );
    command(&mut c, 0xAE);
    command(&mut c, 0xA8);
    command(&mut c, 0x20);
    assert_eq!(drain(&mut c), [0x00]);
    command(&mut c, 0xE0);
    assert_eq!(drain(&mut c), [0x03]);
}

#[test]
fn a20_through_the_output_port() {
    let (mut c, _) = controller();
    // QEMU's power-on output port: 0xCF (reset inactive, A20 on).
    command(&mut c, 0xD0);
    assert_eq!(drain(&mut c), [0xCF]);
    // The classic sequence: D1 then DD (A20 off) or DF (A20 on).
    command(&mut c, 0xD1);
    data(&mut c, 0xDD);
    assert!(!c.a20());
    // Bit 4 of the port is the output-buffer-full line: the buffer is empty when D0 runs.
    command(&mut c, 0xD0);
    assert_eq!(drain(&mut c), [0xCD]);
    command(&mut c, 0xD1);
    data(&mut c, 0xDF);
    assert!(c.a20());
    assert!(!c.take_reset_request());
    // DD / DF as commands of their own.
    command(&mut c, 0xDD);
    assert!(!c.a20());
    command(&mut c, 0xDF);
    assert!(c.a20());
}

#[test]
fn reset_through_pulse_and_output_port() {
    let (mut c, _) = controller();
    // FE pulses output port bit 0, the CPU reset line.
    command(&mut c, 0xFE);
    assert!(c.take_reset_request());
    assert!(!c.take_reset_request());
    // FF pulses nothing; F0-FD pulse bit 0 only when their bit 0 is clear.
    command(&mut c, 0xFF);
    command(&mut c, 0xFD);
    assert!(!c.take_reset_request());
    command(&mut c, 0xF0);
    assert!(c.take_reset_request());
    // D1 with bit 0 clear drives the reset line.
    command(&mut c, 0xD1);
    data(&mut c, 0x02);
    assert!(c.take_reset_request());
    c.reset();
    assert!(c.a20());
    command(&mut c, 0xD0);
    assert_eq!(drain(&mut c), [0xCF]);
}

#[test]
fn keyboard_reset_and_identify_without_translation() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x00);
    data(&mut c, 0xFF);
    assert_eq!(drain(&mut c), [0xFA, 0xAA]);
    data(&mut c, 0xF2);
    assert_eq!(drain(&mut c), [0xFA, 0xAB, 0x83]);
    data(&mut c, 0xF0);
    data(&mut c, 0x00);
    assert_eq!(drain(&mut c), [0xFA, 0xFA, 0x02]);
}

#[test]
fn keyboard_reset_and_identify_with_translation() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, XLAT);
    data(&mut c, 0xFF);
    assert_eq!(drain(&mut c), [0xFA, 0xAA]);
    // QEMU ps2.c: with translation the ID reads AB 41 (0x83 through the table)...
    data(&mut c, 0xF2);
    assert_eq!(drain(&mut c), [0xFA, 0xAB, 0x41]);
    // ...and the current set 2 reads 0x41 (translate_table[2]).
    data(&mut c, 0xF0);
    data(&mut c, 0x00);
    assert_eq!(drain(&mut c), [0xFA, 0xFA, 0x41]);
}

/// Presses and releases `key`, returning what the guest reads.
fn tap(c: &mut I8042, key: Key) -> Vec<u8> {
    c.press(0, key);
    c.release(key);
    drain(c)
}

#[test]
fn scancodes_in_set_2_without_translation() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x00);
    // Microsoft "Keyboard Scan Code Specification", set 2.
    let expected: &[(Key, &[u8])] = &[
        (Key::KeyA, &[0x1C, 0xF0, 0x1C]),
        (Key::Enter, &[0x5A, 0xF0, 0x5A]),
        (Key::ControlRight, &[0xE0, 0x14, 0xE0, 0xF0, 0x14]),
        (Key::ArrowLeft, &[0xE0, 0x6B, 0xE0, 0xF0, 0x6B]),
        (Key::Numpad5, &[0x73, 0xF0, 0x73]),
        (Key::NumpadEnter, &[0xE0, 0x5A, 0xE0, 0xF0, 0x5A]),
        (
            Key::Pause,
            &[0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77],
        ),
        (
            Key::PrintScreen,
            &[0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12],
        ),
    ];
    for &(key, bytes) in expected {
        assert_eq!(tap(&mut c, key), bytes, "{key:?}");
    }
}

#[test]
fn scancodes_translated_to_set_1() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, XLAT);
    // Microsoft "Keyboard Scan Code Specification", set 1: the controller folds each F0
    // into bit 7 of the following byte.
    let expected: &[(Key, &[u8])] = &[
        (Key::KeyA, &[0x1E, 0x9E]),
        (Key::Enter, &[0x1C, 0x9C]),
        (Key::ControlRight, &[0xE0, 0x1D, 0xE0, 0x9D]),
        (Key::ArrowLeft, &[0xE0, 0x4B, 0xE0, 0xCB]),
        (Key::Numpad5, &[0x4C, 0xCC]),
        (Key::NumpadEnter, &[0xE0, 0x1C, 0xE0, 0x9C]),
        (Key::Pause, &[0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]),
        (
            Key::PrintScreen,
            &[0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA],
        ),
    ];
    for &(key, bytes) in expected {
        assert_eq!(tap(&mut c, key), bytes, "{key:?}");
    }
}

#[test]
fn keyboard_irq_follows_the_command_byte() {
    let (mut c, lines) = controller();
    set_command_byte(&mut c, 0x01 | XLAT);
    c.press(0, Key::Escape);
    assert!(irq1(&lines));
    assert_eq!(status(&mut c) & 0x21, 0x01, "OBF, not from the mouse");
    assert_eq!(lines.take_edges(), 1 << 1);
    c.release(Key::Escape);
    assert_eq!(read(&mut c), 0x01);
    // The next byte is a new edge.
    assert_eq!(lines.take_edges(), 1 << 1);
    assert!(irq1(&lines));
    assert_eq!(read(&mut c), 0x81);
    assert!(!irq1(&lines));
    // Keyboard interrupt disabled: data, but no IRQ1.
    set_command_byte(&mut c, XLAT);
    c.press(0, Key::Escape);
    assert_eq!(status(&mut c) & 0x01, 0x01);
    assert!(!irq1(&lines));
    // Enabling it with data waiting raises the line at once.
    set_command_byte(&mut c, 0x01 | XLAT);
    assert!(irq1(&lines));
    assert_eq!(read(&mut c), 0x01);
    assert!(!irq1(&lines));
    assert_eq!(lines.levels(), 0);
}

#[test]
fn a_disabled_keyboard_interface_holds_its_data() {
    let (mut c, lines) = controller();
    set_command_byte(&mut c, 0x01);
    command(&mut c, 0xAD);
    c.press(0, Key::KeyB);
    assert_eq!(status(&mut c) & 0x01, 0);
    assert!(!irq1(&lines));
    command(&mut c, 0xAE);
    assert!(irq1(&lines));
    assert_eq!(drain(&mut c), [0x32]);
}

#[test]
fn reading_an_empty_buffer_repeats_the_last_byte() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x00);
    c.press(0, Key::KeyC);
    assert_eq!(read(&mut c), 0x21);
    assert_eq!(status(&mut c) & 0x01, 0);
    assert_eq!(read(&mut c), 0x21);
}

#[test]
fn d2_and_d3_write_the_output_buffer() {
    let (mut c, lines) = controller();
    set_command_byte(&mut c, 0x03 | XLAT);
    lines.take_edges();
    // D2: as if from the keyboard, not translated.
    command(&mut c, 0xD2);
    data(&mut c, 0x1C);
    assert_eq!(status(&mut c) & 0x21, 0x01);
    assert!(irq1(&lines) && !irq12(&lines));
    assert_eq!(read(&mut c), 0x1C);
    // D3: as if from the mouse: AUXB set, IRQ12.
    command(&mut c, 0xD3);
    data(&mut c, 0x99);
    assert_eq!(status(&mut c) & 0x21, 0x21);
    assert!(irq12(&lines) && !irq1(&lines));
    assert_eq!(read(&mut c), 0x99);
    assert_eq!(lines.levels(), 0);
    assert_eq!(lines.take_edges(), 1 << 1 | 1 << 12);
}

#[test]
fn output_port_shows_the_buffer_flags() {
    let (mut c, _) = controller();
    command(&mut c, 0xD3);
    data(&mut c, 0x42);
    // D0 while a mouse byte waits: its reply queues behind it; bit 5 is set.
    command(&mut c, 0xD0);
    assert_eq!(drain(&mut c), [0x42, 0xEF]);
}

#[test]
fn mouse_through_the_controller() {
    let (mut c, lines) = controller();
    set_command_byte(&mut c, 0x03 | XLAT);
    let to_mouse = |c: &mut I8042, b: u8| {
        command(c, 0xD4);
        data(c, b);
    };
    to_mouse(&mut c, 0xFF);
    assert!(irq12(&lines) && !irq1(&lines));
    // Mouse bytes carry AUXB and are never translated.
    assert_eq!(
        drain_sources(&mut c),
        [(0xFA, true), (0xAA, true), (0x00, true)]
    );
    for rate in [200, 100, 80] {
        to_mouse(&mut c, 0xF3);
        to_mouse(&mut c, rate);
    }
    assert_eq!(drain(&mut c), [0xFA; 6]);
    to_mouse(&mut c, 0xF2);
    assert_eq!(drain(&mut c), [0xFA, 0x03]);
    to_mouse(&mut c, 0xF4);
    assert_eq!(drain(&mut c), [0xFA]);
    c.mouse_move(-3, 2, 1, BUTTON_LEFT | BUTTON_RIGHT);
    assert!(irq12(&lines));
    assert_eq!(drain(&mut c), [0x1B, 0xFD, 0x02, 0x01]);
    assert_eq!(lines.levels(), 0);
}

#[test]
fn mouse_irq_needs_the_aux_interrupt_bit() {
    let (mut c, lines) = controller();
    set_command_byte(&mut c, 0x01);
    command(&mut c, 0xD4);
    data(&mut c, 0xF2);
    assert_eq!(status(&mut c) & 0x21, 0x21);
    assert!(!irq12(&lines));
    set_command_byte(&mut c, 0x03);
    assert!(irq12(&lines));
    assert_eq!(drain(&mut c), [0xFA, 0x00]);
    // A disabled aux interface holds the mouse's data.
    command(&mut c, 0xD4);
    data(&mut c, 0xF4);
    assert_eq!(drain(&mut c), [0xFA]);
    command(&mut c, 0xA7);
    c.mouse_move(1, 1, 0, 0);
    assert_eq!(status(&mut c) & 0x01, 0);
    command(&mut c, 0xA8);
    assert_eq!(drain(&mut c), [0x08, 0x01, 0x01]);
}

#[test]
fn keyboard_and_mouse_take_turns() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x00);
    command(&mut c, 0xD4);
    data(&mut c, 0xF4);
    assert_eq!(drain(&mut c), [0xFA]);
    c.press(0, Key::ArrowUp);
    c.mouse_move(1, 2, 0, 0);
    c.press(0, Key::KeyA);
    // The keyboard's first byte was already in the buffer; then turns alternate.
    assert_eq!(
        drain_sources(&mut c),
        [
            (0xE0, false),
            (0x08, true),
            (0x75, false),
            (0x01, true),
            (0x1C, false),
            (0x02, true),
        ]
    );
}

#[test]
fn writing_to_the_keyboard_enables_its_interface() {
    let (mut c, _) = controller();
    set_command_byte(&mut c, 0x10);
    data(&mut c, 0xEE);
    assert_eq!(drain(&mut c), [0xEE]);
    command(&mut c, 0x20);
    assert_eq!(drain(&mut c), [0x00]);
}

#[test]
fn wide_accesses_float_the_upper_bytes() {
    let (mut c, _) = controller();
    assert_eq!(c.read(0, 0x64, 2), 0xFF18);
    assert_eq!(PORTS, &[(0x60, 1), (0x64, 1)]);
}

/// xorshift64: a fixed pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_guest_and_host_input_never_panics() {
    let (mut c, lines) = controller();
    let mut rng = Rng(0x8042_8042_8042_8042);
    for _ in 0..200_000 {
        let r = rng.next();
        let byte = (r >> 8) as u8;
        let size = [1, 2, 4][(r >> 16) as usize % 3];
        match r % 8 {
            0 => c.write(0, 0x64, size, u32::from(byte)),
            1 | 2 => c.write(0, 0x60, size, u32::from(byte)),
            3 => {
                c.read(0, 0x60, size);
            }
            4 => {
                c.read(0, 0x64, size);
            }
            5 => {
                let key = Key::ALL[usize::from(byte) % Key::ALL.len()];
                if r & 0x1_0000_0000 != 0 {
                    c.press(0, key);
                } else {
                    c.release(key);
                }
            }
            6 => {
                let d = |shift: u32| ((r >> shift) as i16 as i32) * 4;
                c.mouse_move(d(20), d(36), d(52) / 1000, (r >> 60) as u8);
            }
            _ => {
                c.take_reset_request();
            }
        }
        assert!(c.keyboard().queued() <= 24);
        assert!(c.mouse().queued() <= 24);
        // An IRQ line is only ever high with a byte in the buffer.
        if lines.levels() != 0 {
            assert_eq!(status(&mut c) & 0x01, 0x01);
        }
    }
}
