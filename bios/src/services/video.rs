//! INT 10h as far as a machine without a display adapter goes (the VGA is issue #7): the
//! mode and cursor state kept in the BIOS data area, and text output, which goes to COM1
//! (the serial console) so a boot can be followed headless. Ralf Brown's list, INT 10.

use super::{bda, serial};
use crate::platform::{linear, Platform, Regs};
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBP, EBX, ECX, EDX};
use amber_cpu::Seg;

/// Writes text through the teletype path.
pub fn print(_: &mut Bios, _: &mut Regs, p: &mut dyn Platform, text: &[u8]) {
    for &c in text {
        teletype(p, c);
    }
}

/// One character: to COM1, and the page 0 cursor moved as the screen would move it.
fn teletype(p: &mut dyn Platform, c: u8) {
    serial::send(p, 0x3F8, c);
    let pos = p.read_u16(bda::CURSOR_POS);
    let (mut row, mut col) = (pos >> 8, pos & 0xFF);
    match c {
        b'\r' => col = 0,
        b'\n' => row += 1,
        8 => col = col.saturating_sub(1),
        7 => {}
        _ => col += 1,
    }
    if col >= 80 {
        col = 0;
        row += 1;
    }
    row = row.min(24);
    p.write_u16(bda::CURSOR_POS, row << 8 | col);
}

pub fn int10(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let page = (r.get(EBX) >> 8) as u32 & 7;
    match r.ah() {
        0x00 => {
            p.write_u8(bda::VIDEO_MODE, r.al() & 0x7F);
            p.write_u16(bda::CURSOR_POS, 0);
        }
        0x01 => p.write_u16(bda::CURSOR_SHAPE, r.get(ECX)),
        0x02 => p.write_u16(bda::CURSOR_POS + 2 * page, r.get(EDX)),
        0x03 => {
            r.set(EDX, p.read_u16(bda::CURSOR_POS + 2 * page));
            r.set(ECX, p.read_u16(bda::CURSOR_SHAPE));
        }
        0x05 => p.write_u8(bda::ACTIVE_PAGE, r.al() & 7),
        0x08 => r.set(EAX, 0x0720),
        0x0E => teletype(p, r.al()),
        0x0F => {
            let cols = p.read_u16(bda::COLUMNS) as u8;
            r.set(EAX, u16::from_be_bytes([cols, p.read_u8(bda::VIDEO_MODE)]));
            r.set(
                EBX,
                (r.get(EBX) & 0xFF) | u16::from(p.read_u8(bda::ACTIVE_PAGE)) << 8,
            );
        }
        0x12 if r.get(EBX) as u8 == 0x10 => r.set(EBX, 0x0003),
        0x13 => {
            // ES:BP, CX characters; AL bit 1: the string alternates characters and
            // attributes.
            let at = linear(r.seg(Seg::Es), r.get(EBP));
            let step = if r.al() & 2 != 0 { 2 } else { 1 };
            for i in 0..u32::from(r.get(ECX)) {
                let c = p.read_u8(at + i * step);
                teletype(p, c);
            }
        }
        0x1A if r.al() == 0 => {
            r.set_al(0x1A);
            r.set(EBX, 0x0008);
        }
        _ => {}
    }
}
