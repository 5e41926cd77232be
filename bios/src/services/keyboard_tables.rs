//! The keyboard BIOS's key tables: what INT 09h stores in the buffer (scan code in the high
//! byte, character in the low byte) for each make code of scan code set 1 (the set the
//! 8042 translates to), with no shift key, Shift, Ctrl and Alt down. From the IBM BIOS for
//! the 101/102-key keyboard (IBM PC/AT Technical Reference, BIOS listing, and the PS/2 BIOS
//! Interface Technical Reference, "Keyboard Scan Codes"), as Ralf Brown's list tabulates it
//! (INT 16h, table 00006) and SeaBIOS's kbd.c `scan_to_keycode` repeats it for the 83-key
//! subset. Codes only the extended reads (INT 16h AH=10h/11h) return carry the character
//! F0h when their scan code is below 85h (the standard reads drop them, the extended reads
//! turn F0h into 00h); the grey keys of the 101-key keyboard (E0-prefixed) carry E0h.

/// No code: the combination stores nothing.
pub const NONE: u16 = 0;

/// Which lock state turns a key's normal code into its shifted one.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lock {
    None,
    /// Caps Lock (40:17 bit 6): the letters.
    Caps,
    /// Num Lock (40:17 bit 5): the numeric keypad.
    Num,
}

/// A key: its codes with no shift key, with Shift, Ctrl and Alt, and its lock.
#[derive(Clone, Copy, Debug)]
pub struct Key {
    pub normal: u16,
    pub shift: u16,
    pub ctrl: u16,
    pub alt: u16,
    pub lock: Lock,
}

const fn k(normal: u16, shift: u16, ctrl: u16, alt: u16) -> Key {
    Key {
        normal,
        shift,
        ctrl,
        alt,
        lock: Lock::None,
    }
}

/// A letter: scan code and lower-case character; upper case with Shift, the control
/// character with Ctrl, scan code alone with Alt; Caps Lock inverts Shift.
const fn letter(scan: u16, c: u8) -> Key {
    let c = c as u16;
    Key {
        normal: scan << 8 | c,
        shift: scan << 8 | (c - 0x20),
        ctrl: scan << 8 | (c - 0x60),
        alt: scan << 8,
        lock: Lock::Caps,
    }
}

/// A keypad key: its cursor code, digit with Num Lock (or Shift), Ctrl code.
const fn pad(normal: u16, digit: u16, ctrl: u16) -> Key {
    Key {
        normal,
        shift: digit,
        ctrl,
        alt: NONE,
        lock: Lock::Num,
    }
}

/// Make codes 00h-58h.
pub const KEYS: [Key; 0x59] = [
    k(NONE, NONE, NONE, NONE),
    k(0x011B, 0x011B, 0x011B, 0x01F0), // Esc
    k(0x0231, 0x0221, NONE, 0x7800),   // 1 !
    k(0x0332, 0x0340, 0x0300, 0x7900), // 2 @
    k(0x0433, 0x0423, NONE, 0x7A00),   // 3 #
    k(0x0534, 0x0524, NONE, 0x7B00),   // 4 $
    k(0x0635, 0x0625, NONE, 0x7C00),   // 5 %
    k(0x0736, 0x075E, 0x071E, 0x7D00), // 6 ^
    k(0x0837, 0x0826, NONE, 0x7E00),   // 7 &
    k(0x0938, 0x092A, NONE, 0x7F00),   // 8 *
    k(0x0A39, 0x0A28, NONE, 0x8000),   // 9 (
    k(0x0B30, 0x0B29, NONE, 0x8100),   // 0 )
    k(0x0C2D, 0x0C5F, 0x0C1F, 0x8200), // - _
    k(0x0D3D, 0x0D2B, NONE, 0x8300),   // = +
    k(0x0E08, 0x0E08, 0x0E7F, 0x0EF0), // Backspace
    k(0x0F09, 0x0F00, 0x9400, 0xA500), // Tab
    letter(0x10, b'q'),
    letter(0x11, b'w'),
    letter(0x12, b'e'),
    letter(0x13, b'r'),
    letter(0x14, b't'),
    letter(0x15, b'y'),
    letter(0x16, b'u'),
    letter(0x17, b'i'),
    letter(0x18, b'o'),
    letter(0x19, b'p'),
    k(0x1A5B, 0x1A7B, 0x1A1B, 0x1AF0), // [ {
    k(0x1B5D, 0x1B7D, 0x1B1D, 0x1BF0), // ] }
    k(0x1C0D, 0x1C0D, 0x1C0A, 0x1CF0), // Enter
    k(NONE, NONE, NONE, NONE),         // Ctrl
    letter(0x1E, b'a'),
    letter(0x1F, b's'),
    letter(0x20, b'd'),
    letter(0x21, b'f'),
    letter(0x22, b'g'),
    letter(0x23, b'h'),
    letter(0x24, b'j'),
    letter(0x25, b'k'),
    letter(0x26, b'l'),
    k(0x273B, 0x273A, NONE, 0x27F0),   // ; :
    k(0x2827, 0x2822, NONE, 0x28F0),   // ' "
    k(0x2960, 0x297E, NONE, 0x29F0),   // ` ~
    k(NONE, NONE, NONE, NONE),         // left Shift
    k(0x2B5C, 0x2B7C, 0x2B1C, 0x2BF0), // \ |
    letter(0x2C, b'z'),
    letter(0x2D, b'x'),
    letter(0x2E, b'c'),
    letter(0x2F, b'v'),
    letter(0x30, b'b'),
    letter(0x31, b'n'),
    letter(0x32, b'm'),
    k(0x332C, 0x333C, NONE, 0x33F0),   // , <
    k(0x342E, 0x343E, NONE, 0x34F0),   // . >
    k(0x352F, 0x353F, NONE, 0x35F0),   // / ?
    k(NONE, NONE, NONE, NONE),         // right Shift
    k(0x372A, 0x372A, 0x9600, 0x37F0), // keypad *
    k(NONE, NONE, NONE, NONE),         // Alt
    k(0x3920, 0x3920, 0x3920, 0x3920), // Space
    k(NONE, NONE, NONE, NONE),         // Caps Lock
    k(0x3B00, 0x5400, 0x5E00, 0x6800), // F1
    k(0x3C00, 0x5500, 0x5F00, 0x6900), // F2
    k(0x3D00, 0x5600, 0x6000, 0x6A00), // F3
    k(0x3E00, 0x5700, 0x6100, 0x6B00), // F4
    k(0x3F00, 0x5800, 0x6200, 0x6C00), // F5
    k(0x4000, 0x5900, 0x6300, 0x6D00), // F6
    k(0x4100, 0x5A00, 0x6400, 0x6E00), // F7
    k(0x4200, 0x5B00, 0x6500, 0x6F00), // F8
    k(0x4300, 0x5C00, 0x6600, 0x7000), // F9
    k(0x4400, 0x5D00, 0x6700, 0x7100), // F10
    k(NONE, NONE, NONE, NONE),         // Num Lock
    k(NONE, NONE, NONE, NONE),         // Scroll Lock
    pad(0x4700, 0x4737, 0x7700),       // 7 Home
    pad(0x4800, 0x4838, 0x8D00),       // 8 Up
    pad(0x4900, 0x4939, 0x8400),       // 9 PgUp
    k(0x4A2D, 0x4A2D, 0x8E00, 0x4AF0), // keypad -
    pad(0x4B00, 0x4B34, 0x7300),       // 4 Left
    pad(0x4CF0, 0x4C35, 0x8F00),       // 5
    pad(0x4D00, 0x4D36, 0x7400),       // 6 Right
    k(0x4E2B, 0x4E2B, 0x9000, 0x4EF0), // keypad +
    pad(0x4F00, 0x4F31, 0x7500),       // 1 End
    pad(0x5000, 0x5032, 0x9100),       // 2 Down
    pad(0x5100, 0x5133, 0x7600),       // 3 PgDn
    pad(0x5200, 0x5230, 0x9200),       // 0 Ins
    pad(0x5300, 0x532E, 0x9300),       // . Del
    k(NONE, NONE, NONE, NONE),         // SysReq (Alt+Print Screen)
    k(NONE, NONE, NONE, NONE),
    k(0x565C, 0x567C, NONE, NONE),     // the 102nd key, \ |
    k(0x8500, 0x8700, 0x8900, 0x8B00), // F11
    k(0x8600, 0x8800, 0x8A00, 0x8C00), // F12
];

/// The grey keys of the 101-key keyboard, which send E0h before their make code: the
/// keypad's Enter and / and the separate cursor block.
pub const GREY_KEYS: [(u8, Key); 12] = [
    (0x1C, k(0xE00D, 0xE00D, 0xE00A, 0xA600)), // keypad Enter
    (0x35, k(0xE02F, 0xE02F, 0x9500, 0xA400)), // keypad /
    (0x47, k(0x47E0, 0x47E0, 0x77E0, 0x9700)), // Home
    (0x48, k(0x48E0, 0x48E0, 0x8DE0, 0x9800)), // Up
    (0x49, k(0x49E0, 0x49E0, 0x84E0, 0x9900)), // Page Up
    (0x4B, k(0x4BE0, 0x4BE0, 0x73E0, 0x9B00)), // Left
    (0x4D, k(0x4DE0, 0x4DE0, 0x74E0, 0x9D00)), // Right
    (0x4F, k(0x4FE0, 0x4FE0, 0x75E0, 0x9F00)), // End
    (0x50, k(0x50E0, 0x50E0, 0x91E0, 0xA000)), // Down
    (0x51, k(0x51E0, 0x51E0, 0x76E0, 0xA100)), // Page Down
    (0x52, k(0x52E0, 0x52E0, 0x92E0, 0xA200)), // Insert
    (0x53, k(0x53E0, 0x53E0, 0x93E0, 0xA300)), // Delete
];

/// The keypad's digits under Alt (typing a character code): make code -> digit.
pub const ALT_DIGITS: [(u8, u8); 10] = [
    (0x52, 0),
    (0x4F, 1),
    (0x50, 2),
    (0x51, 3),
    (0x4B, 4),
    (0x4C, 5),
    (0x4D, 6),
    (0x47, 7),
    (0x48, 8),
    (0x49, 9),
];

/// The code a character typed on the serial console stands for: the first key whose
/// normal, shifted or control code carries it (so Enter is 1C0Dh and 'A' 1E41h), or the
/// character alone with scan code 0.
pub fn code_for_char(c: u8) -> u16 {
    let carries = |code: u16| code != NONE && code as u8 == c && code >> 8 != 0;
    KEYS.iter()
        .flat_map(|key| [key.normal, key.shift, key.ctrl])
        .find(|&code| carries(code))
        .unwrap_or(u16::from(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spot checks against SeaBIOS's kbd.c `scan_to_keycode` for the 83-key codes it shares
    /// (normal, shift, control, alt columns).
    #[test]
    fn codes_agree_with_seabios() {
        let row = |i: usize| {
            let key = KEYS[i];
            [key.normal, key.shift, key.ctrl, key.alt]
        };
        assert_eq!(row(0x02), [0x0231, 0x0221, NONE, 0x7800]);
        assert_eq!(row(0x03), [0x0332, 0x0340, 0x0300, 0x7900]);
        assert_eq!(row(0x10), [0x1071, 0x1051, 0x1011, 0x1000]);
        assert_eq!(row(0x1E), [0x1E61, 0x1E41, 0x1E01, 0x1E00]);
        assert_eq!(row(0x26), [0x266C, 0x264C, 0x260C, 0x2600]);
        assert_eq!(row(0x2C), [0x2C7A, 0x2C5A, 0x2C1A, 0x2C00]);
        assert_eq!(row(0x32), [0x326D, 0x324D, 0x320D, 0x3200]);
        assert_eq!(row(0x39), [0x3920; 4]);
        assert_eq!(row(0x3B), [0x3B00, 0x5400, 0x5E00, 0x6800]);
        assert_eq!(row(0x44), [0x4400, 0x5D00, 0x6700, 0x7100]);
        assert_eq!(row(0x47)[..3], [0x4700, 0x4737, 0x7700]);
        assert_eq!(row(0x53)[..2], [0x5300, 0x532E]);
        assert_eq!(row(0x57), [0x8500, 0x8700, 0x8900, 0x8B00]);
        assert_eq!(row(0x58), [0x8600, 0x8800, 0x8A00, 0x8C00]);
        let letters = KEYS.iter().filter(|k| k.lock == Lock::Caps).count();
        assert_eq!(letters, 26);
    }

    #[test]
    fn serial_characters_find_their_keys() {
        assert_eq!(code_for_char(b'\r'), 0x1C0D);
        assert_eq!(code_for_char(b'a'), 0x1E61);
        assert_eq!(code_for_char(b'A'), 0x1E41);
        assert_eq!(code_for_char(b'1'), 0x0231);
        assert_eq!(code_for_char(0x1B), 0x011B);
        assert_eq!(code_for_char(0x03), 0x2E03, "Ctrl+C");
        assert_eq!(code_for_char(0x08), 0x0E08);
        assert_eq!(code_for_char(0xE9), 0x00E9, "no key: scan code 0");
    }
}
