//! INT 09h and INT 16h against the IBM key tables (Ralf Brown's list, INT 16h table
//! 00006) and the BIOS listing's translation for the standard reads, on the test board's
//! 8042.

use super::*;
use crate::rom::Rom;
use crate::services::fake_board::FakeBoard;
use amber_cpu::state::reg::ESP;
use amber_cpu::CpuState;

fn board() -> (Bios, FakeBoard) {
    let mut b = FakeBoard::new();
    for (at, v) in [
        (bda::KBD_HEAD, 0x1E),
        (bda::KBD_TAIL, 0x1E),
        (bda::KBD_START, 0x1E),
    ] {
        b.write_u16(at, v);
    }
    b.write_u16(bda::KBD_END, 0x3E);
    b.write_u8(bda::KBD_MODE, 0x10);
    (Bios::new(), b)
}

/// The keyboard sends `bytes`, each reaching the trap of INT 09h in AL; returns the routines
/// INT 09h went on in.
fn press(bios: &mut Bios, b: &mut FakeBoard, bytes: &[u8]) -> Vec<u16> {
    let mut routines = Vec::new();
    for &byte in bytes {
        let mut cpu = CpuState::default();
        cpu.set_r16(EAX, 0x4F00 | u16::from(byte));
        cpu.eip = 0xE99B;
        int09(bios, &mut Regs(&mut cpu), b);
        if cpu.eip != 0xE99B {
            routines.push(cpu.eip as u16);
        }
    }
    routines
}

/// INT 16h with AX; returns (AX, BX, live CF, stacked ZF).
fn int16_call(bios: &mut Bios, b: &mut FakeBoard, ax: u16, bx: u16) -> (u16, u16, bool, bool) {
    let mut cpu = CpuState::default();
    cpu.set_r16(ESP, 0x1000);
    cpu.set_r16(EAX, ax);
    cpu.set_r16(EBX, bx);
    b.write_u16(0x1004, 0);
    let mut r = Regs(&mut cpu);
    int16(bios, &mut r, b);
    let (ax, bx, cf) = (r.ax(), r.get(EBX), r.0.flags() & u32::from(CF) != 0);
    (ax, bx, cf, b.read_u16(0x1004) & ZF != 0)
}

fn buffered(b: &mut FakeBoard) -> Vec<u16> {
    let mut codes = Vec::new();
    while let Some(c) = peek(b) {
        codes.push(c);
        pop(b);
    }
    codes
}

#[test]
fn letters_with_shift_caps_ctrl_alt() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0x1E, 0x9E]);
    press(&mut bios, &mut b, &[0x2A, 0x1E, 0x9E, 0xAA]);
    press(&mut bios, &mut b, &[0x3A, 0xBA, 0x1E, 0x9E]);
    press(&mut bios, &mut b, &[0x36, 0x1E, 0x9E, 0xB6, 0x3A, 0xBA]);
    press(&mut bios, &mut b, &[0x1D, 0x2E, 0xAE, 0x9D]);
    press(&mut bios, &mut b, &[0x38, 0x2D, 0xAD, 0xB8]);
    press(&mut bios, &mut b, &[0x1C, 0x9C, 0x02, 0x82]);
    assert_eq!(
        buffered(&mut b),
        [0x1E61, 0x1E41, 0x1E41, 0x1E61, 0x2E03, 0x2D00, 0x1C0D, 0x0231]
    );
    assert_eq!(
        b.read_u8(bda::KBD_FLAGS),
        0,
        "everything released, Caps off"
    );
}

/// Caps Lock and Num Lock reach the LEDs with EDh: caps is bit 2, num bit 1.
#[test]
fn locks_light_the_leds() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0x45, 0xC5]);
    assert_eq!(b.read_u8(bda::KBD_FLAGS), 0x20);
    assert_eq!(b.kbc.as_ref().unwrap().leds, 0x02);
    press(&mut bios, &mut b, &[0x3A, 0x3A, 0xBA]);
    assert_eq!(b.read_u8(bda::KBD_FLAGS), 0x60, "a held key toggles once");
    assert_eq!(b.kbc.as_ref().unwrap().leds, 0x06);
    assert_eq!(b.read_u8(bda::KBD_LEDS), 0x06);
    let eds = b.writes.iter().filter(|&&w| w == (0x60, 0xED)).count();
    assert_eq!(eds, 2, "sent only on a change");
}

/// The keypad: cursor codes, digits with Num Lock, cursor codes again with Shift.
#[test]
fn keypad_with_num_lock() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0x47, 0xC7, 0x45, 0xC5, 0x47, 0xC7]);
    press(
        &mut bios,
        &mut b,
        &[0x2A, 0x47, 0xC7, 0xAA, 0x1D, 0x47, 0xC7, 0x9D],
    );
    assert_eq!(buffered(&mut b), [0x4700, 0x4737, 0x4700, 0x7700]);
}

/// Grey keys store E0h; the standard read gives the 83-key codes, the extended read the
/// stored ones; F11 and Alt+Esc exist only for the extended read.
#[test]
fn grey_and_extended_keys() {
    let (mut bios, mut b) = board();
    let keys = [
        0xE0, 0x48, 0xE0, 0xC8, // Up
        0xE0, 0x1C, 0xE0, 0x9C, // keypad Enter
        0xE0, 0x35, 0xE0, 0xB5, // keypad /
        0x57, 0xD7, // F11
        0x38, 0x01, 0x81, 0xB8, // Alt+Esc
        0x1D, 0xE0, 0x4B, 0xE0, 0xCB, 0x9D, // Ctrl+Left
        0x1E, 0x9E,
    ];
    press(&mut bios, &mut b, &keys);
    let stored = [0x48E0, 0xE00D, 0xE02F, 0x8500, 0x01F0, 0x73E0, 0x1E61];
    let start = 0x41E;
    let raw: Vec<u16> = (0..7).map(|i| b.read_u16(start + 2 * i)).collect();
    assert_eq!(raw, stored);
    let standard: Vec<u16> = (0..6)
        .map(|_| int16_call(&mut bios, &mut b, 0x0000, 0).0)
        .collect();
    assert_eq!(standard[..5], [0x4800, 0x1C0D, 0x352F, 0x7300, 0x1E61]);
    assert!(
        int16_call(&mut bios, &mut b, 0x0000, 0).2,
        "empty: the stub waits"
    );
    press(&mut bios, &mut b, &keys);
    let extended: Vec<u16> = (0..7)
        .map(|_| int16_call(&mut bios, &mut b, 0x1000, 0).0)
        .collect();
    assert_eq!(
        extended,
        [0x48E0, 0xE00D, 0xE02F, 0x8500, 0x0100, 0x73E0, 0x1E61]
    );
}

#[test]
fn right_ctrl_and_alt_and_the_extended_shift_flags() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0xE0, 0x1D, 0xE0, 0x38]);
    assert_eq!(int16_call(&mut bios, &mut b, 0x1200, 0).0, 0x0C0C);
    press(&mut bios, &mut b, &[0xE0, 0x9D, 0x1D]);
    assert_eq!(int16_call(&mut bios, &mut b, 0x1200, 0).0, 0x090C);
    assert_eq!(int16_call(&mut bios, &mut b, 0x0200, 0).0 & 0xFF, 0x0C);
}

/// Alt and keypad digits type a character code, stored when Alt is released.
#[test]
fn alt_keypad_types_a_character() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0x38, 0x4D, 0xCD, 0x4C, 0xCC, 0xB8]);
    assert_eq!(buffered(&mut b), [0x0041]);
}

#[test]
fn ctrl_alt_del_resets_through_the_8042() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0x1D, 0x38, 0xE0, 0x53]);
    assert_eq!(b.read_u16(bda::RESET_FLAG), 0x1234);
    assert_eq!(b.kbc.as_ref().unwrap().reset_pulses, 1);
}

/// Pause waits in ROM; the next key ends it and is dropped. Ctrl+Break empties the
/// buffer, sets 40:71 bit 7, stores 0000h and calls INT 1Bh; Print Screen calls INT 05h.
#[test]
fn pause_break_print_screen() {
    let (mut bios, mut b) = board();
    let rom = Rom::build();
    let go = press(&mut bios, &mut b, &[0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5]);
    assert_eq!(go, [rom.routine(Routine::KeyPause)]);
    assert_eq!(b.read_u8(DOWN) & PAUSED, PAUSED);
    press(&mut bios, &mut b, &[0x1E, 0x9E]);
    assert_eq!(b.read_u8(DOWN) & PAUSED, 0);
    press(&mut bios, &mut b, &[0x1F, 0x9F]);
    let go = press(&mut bios, &mut b, &[0x1D, 0xE0, 0x46, 0xE0, 0xC6, 0x9D]);
    assert_eq!(go, [rom.routine(Routine::KeyBreak)]);
    assert_eq!(b.read_u8(bda::BREAK_FLAG), 0x80);
    assert_eq!(buffered(&mut b), [0x0000], "the S typed before is gone");
    let go = press(
        &mut bios,
        &mut b,
        &[0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA],
    );
    assert_eq!(go, [rom.routine(Routine::PrintScreen)]);
    assert_eq!(b.read_u8(bda::KBD_FLAGS), 0, "the fake shifts are ignored");
}

#[test]
fn insert_toggles_once_per_press() {
    let (mut bios, mut b) = board();
    press(&mut bios, &mut b, &[0xE0, 0x52, 0xE0, 0x52, 0xE0, 0xD2]);
    assert_eq!(b.read_u8(bda::KBD_FLAGS), INSERT_ON);
    assert_eq!(buffered(&mut b), [0x52E0]);
}

#[test]
fn int16_peek_store_and_serial_console() {
    let (mut bios, mut b) = board();
    let (_, _, cf, zf) = int16_call(&mut bios, &mut b, 0x0100, 0);
    assert!(zf && !cf, "nothing: ZF set");
    b.com1.extend(b"a\r");
    let mut cpu = CpuState::default();
    cpu.set_r16(ESP, 0x1000);
    cpu.set_r16(ECX, 0x3062);
    cpu.set_r16(EAX, 0x0500);
    int16(&mut bios, &mut Regs(&mut cpu), &mut b);
    assert_eq!(cpu.r16(EAX) & 0xFF, 0, "stored");
    let (ax, _, _, zf) = int16_call(&mut bios, &mut b, 0x0100, 0);
    assert_eq!(
        (ax, zf),
        (0x1E61, false),
        "COM1 came first, the keystroke after"
    );
    let keys: Vec<u16> = (0..3)
        .map(|_| int16_call(&mut bios, &mut b, 0x0000, 0).0)
        .collect();
    assert_eq!(keys, [0x1E61, 0x1C0D, 0x3062]);
    for i in 0..20 {
        let full = int16_call(&mut bios, &mut b, 0x0500, 0).0 & 0xFF;
        assert_eq!(full, u16::from(i >= 15), "15 codes fit in 16 words");
    }
}

#[test]
fn int16_keyboard_commands() {
    let (mut bios, mut b) = board();
    assert_eq!(int16_call(&mut bios, &mut b, 0x0A00, 0).1, 0x41AB);
    int16_call(&mut bios, &mut b, 0x0305, 0x010C);
    assert_eq!(b.kbc.as_ref().unwrap().typematic, 0x2C);
    assert_eq!(int16_call(&mut bios, &mut b, 0x0900, 0).0 & 0xFF, 0x34);
    b.kbc = None;
    assert_eq!(
        int16_call(&mut bios, &mut b, 0x0A00, 0x1234).1,
        0,
        "no keyboard"
    );
}
