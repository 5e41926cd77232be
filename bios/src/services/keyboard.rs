//! The keyboard BIOS: INT 09h, the IRQ 1 handler, and INT 16h, the keyboard services (IBM
//! PC/AT Technical Reference, BIOS listing KB_INT and KEYBOARD_IO, with the 101-key
//! keyboard's additions; Ralf Brown's list, INT 09 and INT 16, and the BIOS data area at
//! 40:17, 40:18, 40:19, 40:1A-40:3D, 40:71, 40:72, 40:80, 40:82, 40:96, 40:97).
//!
//! INT 09h reads a byte of scan code set 1 (the 8042 translates the keyboard's set 2) from
//! port 60h and offers it to the keyboard intercept, INT 15h AH=4Fh, in ROM code
//! (`rom::Stub::Keyboard`); what that leaves reaches `int09`, which keeps the shift and lock
//! state (sending the lock states to the LEDs with command EDh), turns make codes into
//! buffer codes by the tables of `keyboard_tables.rs` and stores them in the 16-word ring at
//! 40:1E. Ctrl+Alt+Del sets the reset flag 40:72 to 1234h (a warm boot) and pulses the
//! reset line through the 8042; Pause, Ctrl+Break, Print Screen and SysReq continue in ROM
//! code (`rom::Routine`), which waits or calls INT 1Bh, INT 05h or INT 15h AH=85h as guest
//! code. Alt with keypad digits types a character code (40:19).
//!
//! INT 16h reads the same buffer. Characters on COM1 are typed into it too (the serial
//! console of a headless run), with the scan code of the key that carries them.

use super::keyboard_tables::{code_for_char, Key, Lock, ALT_DIGITS, GREY_KEYS, KEYS, NONE};
use super::{bda, ps2_port, serial};
use crate::platform::{Platform, Regs, CF, ZF};
use crate::rom::Routine;
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBX, ECX};

// 40:17, the shift flags.
const RIGHT_SHIFT: u8 = 0x01;
const LEFT_SHIFT: u8 = 0x02;
const CTRL: u8 = 0x04;
const ALT: u8 = 0x08;
const INSERT_ON: u8 = 0x80;
// 40:18, the keys held down.
const LEFT_CTRL: u8 = 0x01;
const LEFT_ALT: u8 = 0x02;
const SYSREQ_DOWN: u8 = 0x04;
const PAUSED: u8 = 0x08;
const INSERT_DOWN: u8 = 0x80;
// 40:96, the keyboard mode.
const LAST_E1: u8 = 0x01;
const LAST_E0: u8 = 0x02;
const RIGHT_CTRL: u8 = 0x04;
const RIGHT_ALT: u8 = 0x08;
// 40:97, the LEDs.
const LED_BITS: u8 = 0x07;
const LED_UPDATING: u8 = 0x40;
const LED_ERROR: u8 = 0x80;

const FLAGS: u32 = bda::KBD_FLAGS;
const DOWN: u32 = bda::KBD_FLAGS + 1;

/// A shift or lock key: its make code, whether it is a grey (E0) key, the byte and bit
/// that say it is down, and the 40:17 bit it toggles (lock keys).
struct ShiftKey {
    code: u8,
    e0: bool,
    down: (u32, u8),
    toggles: u8,
}

const fn shift_key(code: u8, e0: bool, down: (u32, u8), toggles: u8) -> ShiftKey {
    ShiftKey {
        code,
        e0,
        down,
        toggles,
    }
}

const SHIFT_KEYS: [ShiftKey; 9] = [
    shift_key(0x2A, false, (FLAGS, LEFT_SHIFT), 0),
    shift_key(0x36, false, (FLAGS, RIGHT_SHIFT), 0),
    shift_key(0x1D, false, (DOWN, LEFT_CTRL), 0),
    shift_key(0x1D, true, (bda::KBD_MODE, RIGHT_CTRL), 0),
    shift_key(0x38, false, (DOWN, LEFT_ALT), 0),
    shift_key(0x38, true, (bda::KBD_MODE, RIGHT_ALT), 0),
    shift_key(0x3A, false, (DOWN, 0x40), 0x40), // Caps Lock
    shift_key(0x45, false, (DOWN, 0x20), 0x20), // Num Lock
    shift_key(0x46, false, (DOWN, 0x10), 0x10), // Scroll Lock
];

fn set_bits(p: &mut dyn Platform, at: u32, bits: u8, on: bool) {
    let v = p.read_u8(at);
    p.write_u8(at, if on { v | bits } else { v & !bits });
}

/// Where the tail goes after a store, if the buffer has room.
fn next_tail(p: &mut dyn Platform) -> Option<u16> {
    let (start, end) = (p.read_u16(bda::KBD_START), p.read_u16(bda::KBD_END));
    let mut next = p.read_u16(bda::KBD_TAIL).wrapping_add(2);
    if next >= end {
        next = start;
    }
    (next != p.read_u16(bda::KBD_HEAD)).then_some(next)
}

/// Stores a code in the buffer; false if it is full.
fn enqueue(p: &mut dyn Platform, code: u16) -> bool {
    let Some(next) = next_tail(p) else {
        return false;
    };
    let tail = p.read_u16(bda::KBD_TAIL);
    p.write_u16(bda::BASE + u32::from(tail), code);
    p.write_u16(bda::KBD_TAIL, next);
    true
}

/// The code at the head of the buffer, if any.
fn peek(p: &mut dyn Platform) -> Option<u16> {
    let head = p.read_u16(bda::KBD_HEAD);
    (head != p.read_u16(bda::KBD_TAIL)).then(|| p.read_u16(bda::BASE + u32::from(head)))
}

fn pop(p: &mut dyn Platform) {
    let mut head = p.read_u16(bda::KBD_HEAD).wrapping_add(2);
    if head >= p.read_u16(bda::KBD_END) {
        head = p.read_u16(bda::KBD_START);
    }
    p.write_u16(bda::KBD_HEAD, head);
}

/// INT 09h: the keyboard stub has read the byte and offered it to INT 15h AH=4Fh, which
/// left it in AL to be processed.
pub fn int09(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let routine = scan_code(p, r.al());
    update_leds(p);
    p.outb(0x20, 0x20);
    if let Some(routine) = routine {
        r.continue_at(bios.rom.routine(routine));
    }
}

/// Processes one byte from the keyboard; returns the ROM routine to go on in, if any.
fn scan_code(p: &mut dyn Platform, byte: u8) -> Option<Routine> {
    let mode = p.read_u8(bda::KBD_MODE);
    match byte {
        0xE0 => {
            p.write_u8(bda::KBD_MODE, mode | LAST_E0);
            return None;
        }
        0xE1 => {
            p.write_u8(bda::KBD_MODE, mode | LAST_E1);
            return None;
        }
        // Overrun, acknowledge, resend: not keys.
        0x00 | 0xFA | 0xFE | 0xFF => return None,
        _ => {}
    }
    let (e0, e1) = (mode & LAST_E0 != 0, mode & LAST_E1 != 0);
    let make = byte & 0x80 == 0;
    let code = byte & 0x7F;
    // Pause is E1 1D 45 E1 9D C5: the E1 state lasts through the 1D.
    let keep_e1 = if e1 && code == 0x1D { LAST_E1 } else { 0 };
    p.write_u8(bda::KBD_MODE, mode & !(LAST_E0 | LAST_E1) | keep_e1);
    if e1 {
        if make && code == 0x45 {
            set_bits(p, DOWN, PAUSED, true);
            return Some(Routine::KeyPause);
        }
        return None;
    }
    // The shifts the keyboard adds around grey keys.
    if e0 && (code == 0x2A || code == 0x36) {
        return None;
    }
    let shift = SHIFT_KEYS.iter().find(|k| k.code == code && k.e0 == e0);
    if p.read_u8(DOWN) & PAUSED != 0 && shift.is_none() {
        // Any other key ends the pause, and is not stored.
        if make {
            set_bits(p, DOWN, PAUSED, false);
        }
        return None;
    }
    if let Some(k) = shift {
        shift_key_change(p, k, make);
        return None;
    }
    if code == 0x54 && !e0 {
        return sys_req(p, make);
    }
    if !make {
        if code == 0x52 {
            set_bits(p, DOWN, INSERT_DOWN, false);
        }
        return None;
    }
    key_make(p, code, e0)
}

/// A shift or lock key pressed or released; the Ctrl and Alt bits of 40:17 follow either
/// side's key, and releasing Alt stores the character code typed on the keypad.
fn shift_key_change(p: &mut dyn Platform, k: &ShiftKey, make: bool) {
    let (at, bit) = k.down;
    let was_down = p.read_u8(at) & bit != 0;
    if k.toggles != 0 && make && !was_down {
        let f = p.read_u8(FLAGS);
        p.write_u8(FLAGS, f ^ k.toggles);
    }
    set_bits(p, at, bit, make);
    let (down, mode) = (p.read_u8(DOWN), p.read_u8(bda::KBD_MODE));
    let ctrl = down & LEFT_CTRL != 0 || mode & RIGHT_CTRL != 0;
    let alt = down & LEFT_ALT != 0 || mode & RIGHT_ALT != 0;
    set_bits(p, FLAGS, CTRL, ctrl);
    set_bits(p, FLAGS, ALT, alt);
    if !make && k.code == 0x38 && !alt {
        let typed = p.read_u8(bda::KBD_ALT_CODE);
        if typed != 0 {
            enqueue(p, u16::from(typed));
            p.write_u8(bda::KBD_ALT_CODE, 0);
        }
    }
}

/// SysReq (Alt+Print Screen) pressed or released: INT 15h AX=8500h or 8501h, once each.
fn sys_req(p: &mut dyn Platform, make: bool) -> Option<Routine> {
    let was_down = p.read_u8(DOWN) & SYSREQ_DOWN != 0;
    set_bits(p, DOWN, SYSREQ_DOWN, make);
    match (make, was_down) {
        (true, false) => Some(Routine::SysReqPressed),
        (false, true) => Some(Routine::SysReqReleased),
        _ => None,
    }
}

/// The code a key stores with the shift state `flags`.
fn code_of(key: &Key, flags: u8) -> u16 {
    if flags & ALT != 0 {
        return key.alt;
    }
    if flags & CTRL != 0 {
        return key.ctrl;
    }
    let lock_on = match key.lock {
        Lock::None => false,
        Lock::Caps => flags & 0x40 != 0,
        Lock::Num => flags & 0x20 != 0,
    };
    if (flags & (LEFT_SHIFT | RIGHT_SHIFT) != 0) != lock_on {
        key.shift
    } else {
        key.normal
    }
}

/// A key other than a shift key pressed.
fn key_make(p: &mut dyn Platform, code: u8, e0: bool) -> Option<Routine> {
    let flags = p.read_u8(FLAGS);
    let (ctrl, alt) = (flags & CTRL != 0, flags & ALT != 0);
    if ctrl && alt && code == 0x53 {
        p.write_u16(bda::RESET_FLAG, 0x1234);
        ps2_port::command(p, ps2_port::PULSE_RESET, None);
        return None;
    }
    if ctrl && code == 0x46 {
        // Ctrl+Break (E0 46 on the 101-key keyboard, Ctrl+Scroll Lock on the 84-key).
        let start = p.read_u16(bda::KBD_START);
        p.write_u16(bda::KBD_HEAD, start);
        p.write_u16(bda::KBD_TAIL, start);
        p.write_u8(bda::BREAK_FLAG, 0x80);
        enqueue(p, 0x0000);
        return Some(Routine::KeyBreak);
    }
    if e0 && code == 0x37 {
        if ctrl {
            enqueue(p, 0x7200);
            return None;
        }
        return Some(Routine::PrintScreen);
    }
    if alt && !ctrl && !e0 {
        if let Some(&(_, digit)) = ALT_DIGITS.iter().find(|&&(c, _)| c == code) {
            let typed = p.read_u8(bda::KBD_ALT_CODE);
            p.write_u8(
                bda::KBD_ALT_CODE,
                typed.wrapping_mul(10).wrapping_add(digit),
            );
            return None;
        }
    }
    let key = if e0 {
        GREY_KEYS.iter().find(|&&(c, _)| c == code).map(|(_, k)| k)
    } else {
        KEYS.get(usize::from(code))
    }?;
    let stored = code_of(key, flags);
    let [ascii, scan] = stored.to_le_bytes();
    if scan == 0x52 && (ascii == 0x00 || ascii == 0xE0) {
        // Insert toggles insert mode, once per press.
        if p.read_u8(DOWN) & INSERT_DOWN != 0 {
            return None;
        }
        set_bits(p, DOWN, INSERT_DOWN, true);
        p.write_u8(FLAGS, flags ^ INSERT_ON);
    }
    if stored != NONE {
        enqueue(p, stored);
    }
    None
}

/// Sends the lock states of 40:17 to the keyboard's LEDs (command EDh) when they differ
/// from what 40:97 says they show.
fn update_leds(p: &mut dyn Platform) {
    let want = (p.read_u8(FLAGS) >> 4) & LED_BITS;
    let leds = p.read_u8(bda::KBD_LEDS);
    if leds & LED_BITS == want || leds & LED_UPDATING != 0 {
        return;
    }
    p.write_u8(bda::KBD_LEDS, leds | LED_UPDATING);
    let sent = ps2_port::device_command(p, false, &[0xED, want], &mut []);
    let error = if sent { 0 } else { LED_ERROR };
    p.write_u8(
        bda::KBD_LEDS,
        (leds & !(LED_BITS | LED_ERROR)) | want | error,
    );
}

/// Types the characters waiting on COM1 into the buffer, while there is room.
fn take_serial(p: &mut dyn Platform) {
    for _ in 0..16 {
        if next_tail(p).is_none() {
            return;
        }
        match serial::receive(p, 0x3F8) {
            Some(c) => {
                enqueue(p, code_for_char(c));
            }
            None => return,
        }
    }
}

/// What a read returns for a buffered code: the extended reads (AH=10h/11h) turn the F0h
/// fill-in character into 00h; the standard reads (AH=00h/01h) give the grey keypad keys
/// their 83-key scan codes, E0h characters 00h, and drop the codes the 83-key keyboard
/// never had (None). IBM BIOS listing, KIO_E_XLAT and KIO_S_XLAT.
fn translate(code: u16, extended: bool) -> Option<u16> {
    let [ascii, scan] = code.to_le_bytes();
    if extended {
        return Some(if ascii == 0xF0 && scan != 0 {
            code & 0xFF00
        } else {
            code
        });
    }
    if scan == 0xE0 {
        let scan = if ascii == 0x0D || ascii == 0x0A {
            0x1C
        } else {
            0x35
        };
        return Some(u16::from_le_bytes([ascii, scan]));
    }
    if scan > 0x84 || (ascii == 0xF0 && scan != 0) {
        return None;
    }
    Some(if ascii == 0xE0 && scan != 0 {
        code & 0xFF00
    } else {
        code
    })
}

/// The first code a read would return, dropping the ones it never returns.
fn next_key(p: &mut dyn Platform, extended: bool) -> Option<u16> {
    for _ in 0..32 {
        let code = peek(p)?;
        match translate(code, extended) {
            Some(v) => return Some(v),
            None => pop(p),
        }
    }
    None
}

/// INT 16h (the stub halts and calls again while the live CF is set).
pub fn int16(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    take_serial(p);
    update_leds(p);
    r.set_live_flag(CF, false);
    let ah = r.ah();
    let extended = ah & 0x10 != 0;
    match ah {
        0x00 | 0x10 => match next_key(p, extended) {
            Some(v) => {
                pop(p);
                r.set(EAX, v);
            }
            None => r.set_live_flag(CF, true),
        },
        0x01 | 0x11 => {
            let key = next_key(p, extended);
            if let Some(v) = key {
                r.set(EAX, v);
            }
            r.set_stacked_flag(p, ZF, key.is_none());
        }
        0x02 => r.set_al(p.read_u8(FLAGS)),
        0x12 => {
            let (down, mode) = (p.read_u8(DOWN), p.read_u8(bda::KBD_MODE));
            let held =
                (down & 0x73) | (mode & (RIGHT_CTRL | RIGHT_ALT)) | (down & SYSREQ_DOWN) << 5;
            r.set(EAX, u16::from_le_bytes([p.read_u8(FLAGS), held]));
        }
        0x03 if r.al() == 0x05 => {
            let [rate, delay] = r.get(EBX).to_le_bytes();
            let typematic = (delay & 0x03) << 5 | (rate & 0x1F);
            ps2_port::device_command(p, false, &[0xF3, typematic], &mut []);
        }
        0x05 => {
            let stored = enqueue(p, r.get(ECX));
            r.set_al(u8::from(!stored));
        }
        // Capabilities: AX=0305h, AH=0Ah and AH=10h-12h.
        0x09 => r.set_al(0x34),
        0x0A => {
            let mut id = [0u8; 2];
            let ok = ps2_port::device_command(p, false, &[0xF2], &mut id);
            r.set(EBX, if ok { u16::from_le_bytes(id) } else { 0 });
        }
        // DOS KEYB's check for AH=10h-12h.
        0x92 => r.set_ah(0x80),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
