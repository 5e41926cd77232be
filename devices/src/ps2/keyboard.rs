//! An MF2 PS/2 keyboard (IBM PS/2 Hardware Interface Technical Reference, "Keyboard":
//! "Commands from the System", "Commands to the System"; the command list of the OSDev
//! wiki "PS/2 Keyboard"). It sends the scan codes of the selected set (2 after a reset);
//! translating them to set 1 is the 8042's business, not the keyboard's.
//!
//! Typematic repeat is the keyboard's own, on the virtual clock (IBM "Typematic Rate and
//! Delay"): the last key pressed sends its make code again after the delay set with F3,
//! then at the set rate, until it is released; releasing another key does not stop it, and
//! Pause never repeats. A repeat that falls due while the previous bytes are still unsent
//! is skipped, so a guest that stops reading gets no backlog, and a held key whose repeat
//! time has long passed sends one make code, not one per missed period.

use super::scancodes::{self, Key};
use super::{Ps2Queue, ACK, BAT_OK, RESEND};
use crate::io::Nanos;

const CMD_SET_LEDS: u8 = 0xED;
const CMD_ECHO: u8 = 0xEE;
const CMD_SCANCODE_SET: u8 = 0xF0;
const CMD_IDENTIFY: u8 = 0xF2;
const CMD_TYPEMATIC: u8 = 0xF3;
const CMD_ENABLE: u8 = 0xF4;
const CMD_DEFAULT_DISABLE: u8 = 0xF5;
const CMD_DEFAULT: u8 = 0xF6;
/// F7-FA set every key typematic / make-break / make-only (set 3): acknowledged.
const CMD_SET3_ALL_FIRST: u8 = 0xF7;
const CMD_SET3_ALL_LAST: u8 = 0xFA;
/// FB-FD set one key's type (set 3); the key code follows.
const CMD_SET3_KEY_FIRST: u8 = 0xFB;
const CMD_SET3_KEY_LAST: u8 = 0xFD;
const CMD_RESEND: u8 = 0xFE;
const CMD_RESET: u8 = 0xFF;

/// Identify: an MF2 keyboard (IBM: "AB 83").
const ID: [u8; 2] = [0xAB, 0x83];
/// Typematic byte after a reset: 10.9 characters/s after 500 ms (IBM: "Set Default").
const DEFAULT_TYPEMATIC: u8 = 0x2B;
const DEFAULT_SET: u8 = 2;

/// The typematic unit of IBM's formulas, 4.17 ms.
const TYPEMATIC_UNIT_NS: Nanos = 4_170_000;
/// The typematic delay unit: a delay of (1 + C) x 250 ms.
const DELAY_UNIT_NS: Nanos = 250_000_000;

/// The time from the make code to the first repeat: bits 6-5 of the typematic byte.
fn typematic_delay(byte: u8) -> Nanos {
    (1 + Nanos::from(byte >> 5 & 3)) * DELAY_UNIT_NS
}

/// The time between repeats, (8 + A) x 2^B x 4.17 ms with A in bits 2-0 and B in bits 4-3:
/// 33.3 ms (30 characters/s) for 00h to 500 ms (2 characters/s) for 1Fh.
fn typematic_period(byte: u8) -> Nanos {
    (8 + Nanos::from(byte & 7)) * (1 << (byte >> 3 & 3)) * TYPEMATIC_UNIT_NS
}

/// The key that repeats, and when it next sends its make code.
#[derive(Clone, Copy, Debug)]
struct Repeat {
    key: Key,
    due: Nanos,
}

/// A PS/2 keyboard.
#[derive(Debug)]
pub struct Ps2Keyboard {
    queue: Ps2Queue,
    /// A command that waits for its parameter byte.
    pending: Option<u8>,
    scancode_set: u8,
    scanning: bool,
    leds: u8,
    typematic: u8,
    /// MOD_* bits of the modifier keys held down.
    modifiers: u8,
    /// The last byte sent, for the Resend command.
    last_sent: u8,
    /// The key held down that repeats.
    repeat: Option<Repeat>,
}

impl Default for Ps2Keyboard {
    fn default() -> Self {
        Ps2Keyboard::new()
    }
}

impl Ps2Keyboard {
    pub fn new() -> Ps2Keyboard {
        Ps2Keyboard {
            queue: Ps2Queue::default(),
            pending: None,
            scancode_set: DEFAULT_SET,
            scanning: true,
            leds: 0,
            typematic: DEFAULT_TYPEMATIC,
            modifiers: 0,
            last_sent: 0,
            repeat: None,
        }
    }

    /// Power-on state (QEMU `ps2_kbd_reset`): scanning in set 2, queue empty.
    pub fn reset(&mut self) {
        *self = Ps2Keyboard::new();
    }

    /// LED bits as last set by the guest: 0 Scroll Lock, 1 Num Lock, 2 Caps Lock.
    pub fn leds(&self) -> u8 {
        self.leds
    }

    /// The scan code set the keyboard sends (1, 2 or 3).
    pub fn scancode_set(&self) -> u8 {
        self.scancode_set
    }

    /// The typematic byte: bits 4-0 rate, bits 6-5 delay (IBM "Set Typematic Rate/Delay").
    pub fn typematic(&self) -> u8 {
        self.typematic
    }

    /// A key goes down at virtual time `now`; it repeats until released.
    pub fn press(&mut self, now: Nanos, key: Key) {
        self.key_event(key, true);
        self.repeat = (key != Key::Pause).then(|| Repeat {
            key,
            due: now + typematic_delay(self.typematic),
        });
    }

    /// A key comes up.
    pub fn release(&mut self, key: Key) {
        self.key_event(key, false);
        if self.repeat.is_some_and(|r| r.key == key) {
            self.repeat = None;
        }
    }

    /// Sends the held key's make code again if its repeat time has come; returns when the
    /// next repeat is due.
    pub fn advance(&mut self, now: Nanos) -> Option<Nanos> {
        let mut repeat = self.repeat?;
        if now >= repeat.due {
            if self.queue.is_empty() {
                self.key_event(repeat.key, true);
            }
            let period = typematic_period(self.typematic);
            repeat.due += (now - repeat.due) / period * period + period;
            self.repeat = Some(repeat);
        }
        Some(repeat.due)
    }

    fn key_event(&mut self, key: Key, make: bool) {
        let modifier = key.modifier();
        if make {
            self.modifiers |= modifier;
        } else {
            self.modifiers &= !modifier;
        }
        // A disabled keyboard does not scan (QEMU drops the event likewise).
        if !self.scanning {
            return;
        }
        let bytes = scancodes::sequence(key, make, self.scancode_set, self.modifiers);
        self.queue.push_input(&bytes);
    }

    pub(crate) fn has_data(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The next byte towards the controller.
    pub(crate) fn pop(&mut self) -> Option<u8> {
        let byte = self.queue.pop()?;
        self.last_sent = byte;
        Some(byte)
    }

    /// Bytes waiting in the queue.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// A byte from the controller: a command, or the parameter of the previous one.
    pub(crate) fn write(&mut self, byte: u8) {
        match self.pending.take() {
            Some(command) => self.parameter(command, byte),
            None => self.command(byte),
        }
    }

    fn parameter(&mut self, command: u8, value: u8) {
        match command {
            CMD_SET_LEDS => {
                self.leds = value & 0x07;
                self.queue.push_reply(&[ACK]);
            }
            CMD_TYPEMATIC => {
                self.typematic = value & 0x7F;
                self.queue.push_reply(&[ACK]);
            }
            CMD_SCANCODE_SET => match value {
                0 => self.queue.push_reply(&[ACK, self.scancode_set]),
                1..=3 => {
                    self.scancode_set = value;
                    self.queue.push_reply(&[ACK]);
                }
                _ => self.queue.push_reply(&[RESEND]),
            },
            // FB-FD: the key whose type is set (set 3 key types are not modelled).
            _ => self.queue.push_reply(&[ACK]),
        }
    }

    fn command(&mut self, command: u8) {
        match command {
            CMD_SET_LEDS
            | CMD_TYPEMATIC
            | CMD_SCANCODE_SET
            | CMD_SET3_KEY_FIRST..=CMD_SET3_KEY_LAST => {
                self.pending = Some(command);
                self.queue.push_reply(&[ACK]);
            }
            CMD_ECHO => self.queue.push_reply(&[CMD_ECHO]),
            CMD_IDENTIFY => self.queue.push_reply(&[ACK, ID[0], ID[1]]),
            // IBM: Enable clears the output buffer and starts scanning.
            CMD_ENABLE => {
                self.queue.clear();
                self.scanning = true;
                self.queue.push_reply(&[ACK]);
            }
            CMD_DEFAULT_DISABLE | CMD_DEFAULT => {
                self.set_defaults();
                self.scanning = command == CMD_DEFAULT;
                self.queue.push_reply(&[ACK]);
            }
            CMD_SET3_ALL_FIRST..=CMD_SET3_ALL_LAST => self.queue.push_reply(&[ACK]),
            CMD_RESEND => self.queue.push_reply(&[self.last_sent]),
            CMD_RESET => {
                self.set_defaults();
                self.scanning = true;
                self.queue.push_reply(&[ACK, BAT_OK]);
            }
            _ => self.queue.push_reply(&[RESEND]),
        }
    }

    /// IBM "Set Default": typematic rate, LEDs off, scan code set 2, output buffer
    /// cleared; the keys held down stay down.
    fn set_defaults(&mut self) {
        self.queue.clear();
        self.scancode_set = DEFAULT_SET;
        self.leds = 0;
        self.typematic = DEFAULT_TYPEMATIC;
    }
}

#[cfg(test)]
mod tests;
