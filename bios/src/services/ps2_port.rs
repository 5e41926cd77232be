//! The 8042 keyboard controller as the firmware drives it (IBM PS/2 Hardware Interface
//! Technical Reference, "Keyboard and Auxiliary Device Controller"; SeaBIOS ps2port.c for
//! the order of the POST steps): controller commands on port 64h, bytes to the keyboard on
//! port 60h and to the auxiliary device (mouse) through command D4h, replies polled from
//! the output buffer. Every wait is a bounded number of status reads; a board without an
//! 8042 (status reads FFh) makes every call fail at once.

use super::bda;
use crate::platform::Platform;

pub const DATA: u16 = 0x60;
pub const STATUS: u16 = 0x64;
const COMMAND: u16 = 0x64;

pub const OBF: u8 = 0x01;
const IBF: u8 = 0x02;
pub const AUX_DATA: u8 = 0x20;

/// Controller commands.
const READ_COMMAND_BYTE: u8 = 0x20;
const WRITE_COMMAND_BYTE: u8 = 0x60;
const ENABLE_AUX: u8 = 0xA8;
const SELF_TEST: u8 = 0xAA;
const KEYBOARD_TEST: u8 = 0xAB;
const WRITE_AUX: u8 = 0xD4;
pub const PULSE_RESET: u8 = 0xFE;

/// Command byte bits.
pub const CB_KEYBOARD_IRQ: u8 = 0x01;
pub const CB_AUX_IRQ: u8 = 0x02;
const CB_SYSTEM: u8 = 0x04;
pub const CB_AUX_DISABLED: u8 = 0x20;
const CB_TRANSLATE: u8 = 0x40;
/// After POST: translation to scan code set 1, keyboard interrupt on, the system flag, the
/// auxiliary port off until INT 15h AH=C2h turns it on (SeaBIOS's choice plus the flag the
/// self test sets).
const POST_COMMAND_BYTE: u8 = CB_TRANSLATE | CB_AUX_DISABLED | CB_SYSTEM | CB_KEYBOARD_IRQ;

/// Device replies.
pub const ACK: u8 = 0xFA;
const BAT_OK: u8 = 0xAA;

/// Keyboard commands.
const KBD_RESET: u8 = 0xFF;
const KBD_ENABLE: u8 = 0xF4;
const KBD_DISABLE: u8 = 0xF5;

/// Status reads before giving up on a byte.
const POLLS: u32 = 10_000;

/// Whether an 8042 answers: its status register never reads FFh.
pub fn present(p: &mut dyn Platform) -> bool {
    p.inb(STATUS) != 0xFF
}

fn wait_input_empty(p: &mut dyn Platform) -> bool {
    (0..POLLS).any(|_| p.inb(STATUS) & IBF == 0)
}

/// The next byte in the output buffer, from the keyboard (`aux` false) or the mouse; a byte
/// from the other device is dropped, as SeaBIOS does while it waits for a reply.
pub fn read(p: &mut dyn Platform, aux: bool) -> Option<u8> {
    for _ in 0..POLLS {
        let s = p.inb(STATUS);
        if s == 0xFF {
            return None;
        }
        if s & OBF != 0 {
            let byte = p.inb(DATA);
            if (s & AUX_DATA != 0) == aux {
                return Some(byte);
            }
        }
    }
    None
}

/// A controller command, with its parameter byte if it has one.
pub fn command(p: &mut dyn Platform, cmd: u8, param: Option<u8>) -> bool {
    if !present(p) || !wait_input_empty(p) {
        return false;
    }
    p.outb(COMMAND, cmd);
    match param {
        Some(v) if wait_input_empty(p) => {
            p.outb(DATA, v);
            true
        }
        Some(_) => false,
        None => true,
    }
}

/// Sends a byte to the keyboard (or the mouse, through D4h) and waits for its
/// acknowledge.
pub fn send(p: &mut dyn Platform, aux: bool, byte: u8) -> bool {
    let sent = if aux {
        command(p, WRITE_AUX, Some(byte))
    } else {
        present(p) && wait_input_empty(p) && {
            p.outb(DATA, byte);
            true
        }
    };
    sent && read(p, aux) == Some(ACK)
}

/// A device command with its parameter bytes, each acknowledged; then `reply` more bytes.
pub fn device_command(p: &mut dyn Platform, aux: bool, bytes: &[u8], reply: &mut [u8]) -> bool {
    bytes.iter().all(|&b| send(p, aux, b))
        && reply.iter_mut().all(|slot| match read(p, aux) {
            Some(v) => {
                *slot = v;
                true
            }
            None => false,
        })
}

pub fn command_byte(p: &mut dyn Platform) -> Option<u8> {
    command(p, READ_COMMAND_BYTE, None)
        .then(|| read(p, false))
        .flatten()
}

pub fn set_command_byte(p: &mut dyn Platform, v: u8) -> bool {
    command(p, WRITE_COMMAND_BYTE, Some(v))
}

/// Turns the auxiliary port and its interrupt on or off (INT 15h AH=C2h AL=00h, 05h).
pub fn set_aux(p: &mut dyn Platform, on: bool) -> bool {
    let Some(cb) = command_byte(p) else {
        return false;
    };
    let cb = if on {
        command(p, ENABLE_AUX, None);
        (cb | CB_AUX_IRQ) & !CB_AUX_DISABLED
    } else {
        (cb & !CB_AUX_IRQ) | CB_AUX_DISABLED
    };
    set_command_byte(p, cb)
}

/// POST: the controller's self test (AAh -> 55h) and keyboard interface test (ABh -> 00h),
/// the keyboard's reset (FFh -> FAh AAh), scanning off while the command byte is set, then
/// on; the keyboard fields of the BIOS data area. Returns whether a keyboard answered; with
/// no controller nothing is waited for.
pub fn post(p: &mut dyn Platform) -> bool {
    p.write_u8(bda::KBD_FLAGS, 0);
    p.write_u8(bda::KBD_FLAGS + 1, 0);
    p.write_u8(bda::KBD_MODE, MODE_101_KEYS);
    p.write_u8(bda::KBD_LEDS, 0);
    if !present(p) {
        return false;
    }
    for _ in 0..16 {
        if p.inb(STATUS) & OBF == 0 {
            break;
        }
        p.inb(DATA);
    }
    let tested = command(p, SELF_TEST, None)
        && read(p, false) == Some(0x55)
        && command(p, KEYBOARD_TEST, None)
        && read(p, false) == Some(0x00);
    if !tested {
        return false;
    }
    let mut bat = [0u8];
    device_command(p, false, &[KBD_RESET], &mut bat)
        && bat[0] == BAT_OK
        && send(p, false, KBD_DISABLE)
        && set_command_byte(p, POST_COMMAND_BYTE)
        && send(p, false, KBD_ENABLE)
}

/// 40:96 bit 4: a 101/102-key keyboard is installed.
const MODE_101_KEYS: u8 = 0x10;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::fake_board::FakeBoard;

    #[test]
    fn post_tests_and_resets_the_keyboard() {
        let mut b = FakeBoard::new();
        assert!(post(&mut b));
        let kbc = b.kbc.as_ref().unwrap();
        assert_eq!(kbc.command_byte, 0x65);
        assert!(kbc.kbd_enabled);
        assert!(kbc.out.is_empty(), "every reply taken");
        let sent: Vec<_> = b
            .writes
            .iter()
            .filter(|w| w.0 == 0x60 || w.0 == 0x64)
            .collect();
        assert_eq!(
            sent,
            [
                &(0x64, 0xAA),
                &(0x64, 0xAB),
                &(0x60, 0xFF),
                &(0x60, 0xF5),
                &(0x64, 0x60),
                &(0x60, 0x65),
                &(0x60, 0xF4)
            ]
        );
        assert_eq!(b.read_u8(bda::KBD_MODE), 0x10);
    }

    /// No 8042 on the board: port 64h floats at FFh; POST goes on at once.
    #[test]
    fn post_without_a_controller() {
        let mut b = FakeBoard::new();
        b.kbc = None;
        assert!(!post(&mut b));
        assert!(!b.writes.iter().any(|w| w.0 == 0x60 || w.0 == 0x64));
        assert!(!send(&mut b, true, 0xF4));
    }

    #[test]
    fn aux_commands_go_through_d4() {
        let mut b = FakeBoard::new();
        assert!(set_aux(&mut b, true));
        assert_eq!(b.kbc.as_ref().unwrap().command_byte & 0x22, 0x02);
        let mut reply = [0u8; 3];
        assert!(device_command(&mut b, true, &[0xE9], &mut reply));
        assert_eq!(reply, [0x00, 0x02, 100]);
        assert!(b.writes.ends_with(&[(0x64, 0xD4), (0x60, 0xE9)]));
    }
}
