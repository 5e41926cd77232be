use super::*;

fn drain(kbd: &mut Ps2Keyboard) -> Vec<u8> {
    std::iter::from_fn(|| kbd.pop()).collect()
}

fn send(kbd: &mut Ps2Keyboard, bytes: &[u8]) -> Vec<u8> {
    for &b in bytes {
        kbd.write(b);
    }
    drain(kbd)
}

#[test]
fn reset_acknowledges_and_passes_its_self_test() {
    // OSDev "PS/2 Keyboard": FF -> FA, then AA (self test passed).
    let mut kbd = Ps2Keyboard::new();
    kbd.press(0, Key::KeyA);
    assert_eq!(send(&mut kbd, &[0xFF]), [0xFA, 0xAA]);
    assert_eq!(kbd.scancode_set(), 2);
}

#[test]
fn identify_echo_and_unknown_commands() {
    let mut kbd = Ps2Keyboard::new();
    // MF2 keyboard: FA AB 83 (IBM "Read ID").
    assert_eq!(send(&mut kbd, &[0xF2]), [0xFA, 0xAB, 0x83]);
    // Echo answers EE without an acknowledge.
    assert_eq!(send(&mut kbd, &[0xEE]), [0xEE]);
    // Not a command: Resend.
    assert_eq!(send(&mut kbd, &[0x01]), [0xFE]);
    assert_eq!(send(&mut kbd, &[0xEC]), [0xFE]);
}

#[test]
fn leds_and_typematic_take_a_parameter() {
    let mut kbd = Ps2Keyboard::new();
    assert_eq!(kbd.typematic(), 0x2B);
    assert_eq!(send(&mut kbd, &[0xED]), [0xFA]);
    assert_eq!(send(&mut kbd, &[0x07]), [0xFA]);
    assert_eq!(kbd.leds(), 0x07);
    assert_eq!(send(&mut kbd, &[0xF3, 0x20]), [0xFA, 0xFA]);
    assert_eq!(kbd.typematic(), 0x20);
    // Defaults (F6) put both back.
    assert_eq!(send(&mut kbd, &[0xF6]), [0xFA]);
    assert_eq!((kbd.leds(), kbd.typematic()), (0, 0x2B));
}

#[test]
fn scancode_set_get_and_set() {
    let mut kbd = Ps2Keyboard::new();
    // F0 00 reports the set; F0 1..3 selects one; anything else is refused.
    assert_eq!(send(&mut kbd, &[0xF0, 0x00]), [0xFA, 0xFA, 0x02]);
    assert_eq!(send(&mut kbd, &[0xF0, 0x01]), [0xFA, 0xFA]);
    assert_eq!(kbd.scancode_set(), 1);
    kbd.press(0, Key::KeyA);
    kbd.release(Key::KeyA);
    assert_eq!(drain(&mut kbd), [0x1E, 0x9E]);
    assert_eq!(send(&mut kbd, &[0xF0, 0x03]), [0xFA, 0xFA]);
    kbd.press(0, Key::ArrowUp);
    assert_eq!(drain(&mut kbd), [0x63]);
    assert_eq!(send(&mut kbd, &[0xF0, 0x04]), [0xFA, 0xFE]);
    assert_eq!(kbd.scancode_set(), 3);
}

#[test]
fn disabled_keyboard_does_not_scan() {
    let mut kbd = Ps2Keyboard::new();
    assert_eq!(send(&mut kbd, &[0xF5]), [0xFA]);
    kbd.press(0, Key::KeyQ);
    assert!(drain(&mut kbd).is_empty());
    assert_eq!(send(&mut kbd, &[0xF4]), [0xFA]);
    kbd.press(0, Key::KeyQ);
    assert_eq!(drain(&mut kbd), [0x15]);
}

#[test]
fn resend_repeats_the_last_byte() {
    let mut kbd = Ps2Keyboard::new();
    kbd.press(0, Key::ControlRight);
    assert_eq!(drain(&mut kbd), [0xE0, 0x14]);
    assert_eq!(send(&mut kbd, &[0xFE]), [0x14]);
}

#[test]
fn modifiers_change_print_screen() {
    let mut kbd = Ps2Keyboard::new();
    kbd.press(0, Key::AltLeft);
    kbd.press(0, Key::PrintScreen);
    kbd.release(Key::PrintScreen);
    kbd.release(Key::AltLeft);
    // Alt 11, SysRq 84, F0 84, F0 11 (Microsoft spec).
    assert_eq!(drain(&mut kbd), [0x11, 0x84, 0xF0, 0x84, 0xF0, 0x11]);
}

#[test]
fn the_queue_holds_sixteen_bytes_of_keys_and_drops_whole_sequences() {
    let mut kbd = Ps2Keyboard::new();
    for _ in 0..10 {
        kbd.press(0, Key::ArrowUp);
    }
    // Eight two-byte sequences fit; the rest are dropped whole.
    assert_eq!(kbd.queued(), 16);
    // A reply still gets through.
    kbd.write(0xEE);
    assert_eq!(kbd.queued(), 17);
    let bytes = drain(&mut kbd);
    assert_eq!(&bytes[..2], [0xE0, 0x75]);
    assert_eq!(bytes[16], 0xEE);
}

/// IBM "Set Typematic Rate/Delay": after a reset 10.9 characters/s after 500 ms, i.e. a
/// period of (8 + 3) x 2^1 x 4.17 ms = 91.74 ms; in set 2, A's make code is 1C.
#[test]
fn a_held_key_repeats_after_the_default_delay_at_the_default_rate() {
    const MS: u64 = 1_000_000;
    let mut kbd = Ps2Keyboard::new();
    kbd.press(0, Key::KeyA);
    assert_eq!(drain(&mut kbd), [0x1C]);
    assert_eq!(kbd.advance(499 * MS), Some(500 * MS));
    assert_eq!(drain(&mut kbd), [0u8; 0]);
    assert_eq!(kbd.advance(500 * MS), Some(500 * MS + 91_740_000));
    assert_eq!(drain(&mut kbd), [0x1C]);
    assert_eq!(
        kbd.advance(500 * MS + 91_740_000),
        Some(500 * MS + 2 * 91_740_000)
    );
    assert_eq!(drain(&mut kbd), [0x1C]);
    kbd.release(Key::KeyA);
    assert_eq!(drain(&mut kbd), [0xF0, 0x1C]);
    assert_eq!(kbd.advance(10_000 * MS), None);
    assert_eq!(drain(&mut kbd), [0u8; 0]);
}

/// F3 00: 250 ms delay, (8 + 0) x 1 x 4.17 ms = 33.36 ms (30 characters/s); F3 7F: 1 s
/// delay, (8 + 7) x 8 x 4.17 ms = 500.4 ms (2 characters/s).
#[test]
fn the_typematic_byte_sets_delay_and_rate() {
    const MS: u64 = 1_000_000;
    let mut kbd = Ps2Keyboard::new();
    assert_eq!(send(&mut kbd, &[0xF3, 0x00]), [0xFA, 0xFA]);
    kbd.press(0, Key::KeyB);
    drain(&mut kbd);
    assert_eq!(kbd.advance(250 * MS), Some(250 * MS + 33_360_000));
    assert_eq!(drain(&mut kbd), [0x32]);
    kbd.release(Key::KeyB);
    assert_eq!(send(&mut kbd, &[0xF3, 0x7F]), [0xF0, 0x32, 0xFA, 0xFA]);
    kbd.press(0, Key::KeyB);
    drain(&mut kbd);
    assert_eq!(kbd.advance(999 * MS), Some(1000 * MS));
    assert_eq!(kbd.advance(1000 * MS), Some(1000 * MS + 500_400_000));
    assert_eq!(drain(&mut kbd), [0x32]);
}

/// IBM: only the last key pressed repeats; releasing another key held down does not stop it,
/// and Pause has no typematic action.
#[test]
fn only_the_last_key_pressed_repeats_and_pause_never_does() {
    const MS: u64 = 1_000_000;
    let mut kbd = Ps2Keyboard::new();
    kbd.press(0, Key::ShiftLeft);
    kbd.press(100 * MS, Key::KeyA);
    kbd.release(Key::ShiftLeft);
    drain(&mut kbd);
    assert_eq!(kbd.advance(600 * MS), Some(600 * MS + 91_740_000));
    assert_eq!(drain(&mut kbd), [0x1C]);
    kbd.release(Key::KeyA);
    kbd.press(700 * MS, Key::Pause);
    drain(&mut kbd);
    assert_eq!(kbd.advance(5_000 * MS), None);
    assert_eq!(drain(&mut kbd), [0u8; 0]);
}

/// A repeat finding bytes still unsent is skipped, and a repeat long overdue sends one make
/// code and keeps the period's phase.
#[test]
fn repeats_do_not_pile_up() {
    const MS: u64 = 1_000_000;
    let period = 91_740_000;
    let mut kbd = Ps2Keyboard::new();
    kbd.press(0, Key::KeyA);
    assert_eq!(kbd.advance(500 * MS), Some(500 * MS + period));
    assert_eq!(
        drain(&mut kbd),
        [0x1C],
        "the unsent make code is not repeated"
    );
    assert_eq!(
        kbd.advance(500 * MS + 10 * period + 5),
        Some(500 * MS + 11 * period)
    );
    assert_eq!(drain(&mut kbd), [0x1C]);
}
