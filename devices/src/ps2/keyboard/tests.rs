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
    kbd.press(Key::KeyA);
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
    kbd.press(Key::KeyA);
    kbd.release(Key::KeyA);
    assert_eq!(drain(&mut kbd), [0x1E, 0x9E]);
    assert_eq!(send(&mut kbd, &[0xF0, 0x03]), [0xFA, 0xFA]);
    kbd.press(Key::ArrowUp);
    assert_eq!(drain(&mut kbd), [0x63]);
    assert_eq!(send(&mut kbd, &[0xF0, 0x04]), [0xFA, 0xFE]);
    assert_eq!(kbd.scancode_set(), 3);
}

#[test]
fn disabled_keyboard_does_not_scan() {
    let mut kbd = Ps2Keyboard::new();
    assert_eq!(send(&mut kbd, &[0xF5]), [0xFA]);
    kbd.press(Key::KeyQ);
    assert!(drain(&mut kbd).is_empty());
    assert_eq!(send(&mut kbd, &[0xF4]), [0xFA]);
    kbd.press(Key::KeyQ);
    assert_eq!(drain(&mut kbd), [0x15]);
}

#[test]
fn resend_repeats_the_last_byte() {
    let mut kbd = Ps2Keyboard::new();
    kbd.press(Key::ControlRight);
    assert_eq!(drain(&mut kbd), [0xE0, 0x14]);
    assert_eq!(send(&mut kbd, &[0xFE]), [0x14]);
}

#[test]
fn modifiers_change_print_screen() {
    let mut kbd = Ps2Keyboard::new();
    kbd.press(Key::AltLeft);
    kbd.press(Key::PrintScreen);
    kbd.release(Key::PrintScreen);
    kbd.release(Key::AltLeft);
    // Alt 11, SysRq 84, F0 84, F0 11 (Microsoft spec).
    assert_eq!(drain(&mut kbd), [0x11, 0x84, 0xF0, 0x84, 0xF0, 0x11]);
}

#[test]
fn the_queue_holds_sixteen_bytes_of_keys_and_drops_whole_sequences() {
    let mut kbd = Ps2Keyboard::new();
    for _ in 0..10 {
        kbd.press(Key::ArrowUp);
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
