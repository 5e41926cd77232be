use super::*;

fn make(key: Key, set: u8) -> Vec<u8> {
    sequence(key, true, set, 0)
}

fn brk(key: Key, set: u8) -> Vec<u8> {
    sequence(key, false, set, 0)
}

/// What the 8042 passes on for a set 2 sequence with XLAT set.
fn translate(set2: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut high = 0;
    for &b in set2 {
        if b == BREAK_PREFIX {
            high = 0x80;
        } else {
            out.push(TRANSLATION[usize::from(b)] | high);
            high = 0;
        }
    }
    out
}

#[test]
fn every_key_has_a_table_row_in_order() {
    // 104 keys of the US layout and the ISO key.
    assert_eq!(Key::ALL.len(), 105);
    assert_eq!(CODES.len(), Key::ALL.len());
    for (i, &key) in Key::ALL.iter().enumerate() {
        assert_eq!(key as usize, i);
    }
}

#[test]
fn representative_keys_in_set_2() {
    // Microsoft, "Keyboard Scan Code Specification", scan code table (set 2 column).
    let expected: &[(Key, &[u8], &[u8])] = &[
        (Key::KeyA, &[0x1C], &[0xF0, 0x1C]),
        (Key::Enter, &[0x5A], &[0xF0, 0x5A]),
        (Key::Escape, &[0x76], &[0xF0, 0x76]),
        (Key::F7, &[0x83], &[0xF0, 0x83]),
        (Key::ControlRight, &[0xE0, 0x14], &[0xE0, 0xF0, 0x14]),
        (Key::AltRight, &[0xE0, 0x11], &[0xE0, 0xF0, 0x11]),
        (Key::ArrowUp, &[0xE0, 0x75], &[0xE0, 0xF0, 0x75]),
        (Key::ArrowLeft, &[0xE0, 0x6B], &[0xE0, 0xF0, 0x6B]),
        (Key::Delete, &[0xE0, 0x71], &[0xE0, 0xF0, 0x71]),
        (Key::MetaLeft, &[0xE0, 0x1F], &[0xE0, 0xF0, 0x1F]),
        (Key::ContextMenu, &[0xE0, 0x2F], &[0xE0, 0xF0, 0x2F]),
        (Key::Numpad7, &[0x6C], &[0xF0, 0x6C]),
        (Key::NumpadMultiply, &[0x7C], &[0xF0, 0x7C]),
        (Key::NumpadDivide, &[0xE0, 0x4A], &[0xE0, 0xF0, 0x4A]),
        (Key::NumpadEnter, &[0xE0, 0x5A], &[0xE0, 0xF0, 0x5A]),
        (Key::IntlBackslash, &[0x61], &[0xF0, 0x61]),
    ];
    for &(key, m, b) in expected {
        assert_eq!(make(key, 2), m, "{key:?} make");
        assert_eq!(brk(key, 2), b, "{key:?} break");
    }
}

#[test]
fn representative_keys_in_set_1() {
    // Microsoft, "Keyboard Scan Code Specification", scan code table (set 1 column).
    let expected: &[(Key, &[u8], &[u8])] = &[
        (Key::KeyA, &[0x1E], &[0x9E]),
        (Key::Enter, &[0x1C], &[0x9C]),
        (Key::Escape, &[0x01], &[0x81]),
        (Key::F7, &[0x41], &[0xC1]),
        (Key::ControlRight, &[0xE0, 0x1D], &[0xE0, 0x9D]),
        (Key::ArrowUp, &[0xE0, 0x48], &[0xE0, 0xC8]),
        (Key::ArrowDown, &[0xE0, 0x50], &[0xE0, 0xD0]),
        (Key::MetaRight, &[0xE0, 0x5C], &[0xE0, 0xDC]),
        (Key::Numpad7, &[0x47], &[0xC7]),
        (Key::NumpadDivide, &[0xE0, 0x35], &[0xE0, 0xB5]),
        (Key::NumpadEnter, &[0xE0, 0x1C], &[0xE0, 0x9C]),
    ];
    for &(key, m, b) in expected {
        assert_eq!(make(key, 1), m, "{key:?} make");
        assert_eq!(brk(key, 1), b, "{key:?} break");
    }
}

#[test]
fn pause_is_make_only() {
    // Microsoft spec: Pause E1 1D 45 E1 9D C5 / E1 14 77 E1 F0 14 F0 77, no break.
    assert_eq!(make(Key::Pause, 1), [0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]);
    assert_eq!(
        make(Key::Pause, 2),
        [0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77]
    );
    assert!(brk(Key::Pause, 1).is_empty());
    assert!(brk(Key::Pause, 2).is_empty());
    // With Ctrl it is Break: E0 46 E0 C6 / E0 7E E0 F0 7E.
    assert_eq!(
        sequence(Key::Pause, true, 1, MOD_CTRL),
        [0xE0, 0x46, 0xE0, 0xC6]
    );
    assert_eq!(
        sequence(Key::Pause, true, 2, MOD_CTRL),
        [0xE0, 0x7E, 0xE0, 0xF0, 0x7E]
    );
}

#[test]
fn print_screen_sequences() {
    // Microsoft spec: E0 2A E0 37 / E0 B7 E0 AA in set 1, E0 12 E0 7C / E0 F0 7C E0 F0 12
    // in set 2; E0 37 alone with Shift or Ctrl; SysRq 54 / 84 with Alt.
    assert_eq!(make(Key::PrintScreen, 1), [0xE0, 0x2A, 0xE0, 0x37]);
    assert_eq!(brk(Key::PrintScreen, 1), [0xE0, 0xB7, 0xE0, 0xAA]);
    assert_eq!(make(Key::PrintScreen, 2), [0xE0, 0x12, 0xE0, 0x7C]);
    assert_eq!(
        brk(Key::PrintScreen, 2),
        [0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12]
    );
    assert_eq!(sequence(Key::PrintScreen, true, 1, MOD_SHIFT), [0xE0, 0x37]);
    assert_eq!(
        sequence(Key::PrintScreen, false, 2, MOD_CTRL),
        [0xE0, 0xF0, 0x7C]
    );
    assert_eq!(sequence(Key::PrintScreen, true, 1, MOD_ALT), [0x54]);
    assert_eq!(sequence(Key::PrintScreen, false, 2, MOD_ALT), [0xF0, 0x84]);
}

#[test]
fn translated_set_2_is_set_1_for_every_key() {
    // The controller's translation table and the set 1 column are independent sources:
    // they must agree on every key, in every modifier state.
    for &key in Key::ALL {
        for modifiers in [0, MOD_CTRL, MOD_SHIFT, MOD_ALT] {
            for pressed in [true, false] {
                assert_eq!(
                    translate(&sequence(key, pressed, 2, modifiers)),
                    sequence(key, pressed, 1, modifiers),
                    "{key:?} pressed={pressed} modifiers={modifiers:#x}"
                );
            }
        }
    }
}

#[test]
fn make_codes_are_distinct() {
    for set in 1..=3 {
        let mut seen: Vec<Vec<u8>> = Vec::new();
        for &key in Key::ALL {
            let m = make(key, set);
            assert!(!seen.contains(&m), "{key:?} repeats {m:02x?} in set {set}");
            seen.push(m);
        }
    }
}

#[test]
fn set_3_is_one_byte_with_f0_break() {
    // IBM set 3: one code per key, break F0 code. Codes from Linux drivers/input/keyboard/
    // atkbd.c `atkbd_set3_keycode` (the index of each Linux key code).
    assert_eq!(make(Key::KeyA, 3), [0x1C]);
    assert_eq!(brk(Key::KeyA, 3), [0xF0, 0x1C]);
    let expected = [
        (Key::Escape, 0x08),
        (Key::F1, 0x07),
        (Key::F12, 0x5E),
        (Key::ControlLeft, 0x11),
        (Key::ControlRight, 0x58),
        (Key::AltRight, 0x39),
        (Key::CapsLock, 0x14),
        (Key::Backslash, 0x5C),
        (Key::IntlBackslash, 0x13),
        (Key::ArrowUp, 0x63),
        (Key::Insert, 0x67),
        (Key::Pause, 0x62),
        (Key::PrintScreen, 0x57),
        (Key::NumpadDivide, 0x77),
        (Key::NumpadEnter, 0x79),
        (Key::MetaLeft, 0x8B),
        (Key::ContextMenu, 0x8D),
    ];
    for (key, code) in expected {
        assert_eq!(make(key, 3), [code], "{key:?}");
    }
}

#[test]
fn modifiers_are_tracked_for_ctrl_shift_alt_only() {
    assert_eq!(Key::ControlRight.modifier(), MOD_CTRL);
    assert_eq!(Key::ShiftLeft.modifier(), MOD_SHIFT);
    assert_eq!(Key::AltRight.modifier(), MOD_ALT);
    assert_eq!(Key::MetaLeft.modifier(), 0);
    assert_eq!(Key::KeyA.modifier(), 0);
}
