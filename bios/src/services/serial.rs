//! INT 14h (the serial ports), INT 16h (the keyboard, read from COM1 until the PS/2
//! keyboard arrives: the serial console), INT 17h (no printer). Ralf Brown's list, INT 14,
//! 16, 17; the 16550A's registers.

use super::bda;
use crate::platform::{Platform, Regs, ZF};
use crate::Bios;
use amber_cpu::state::reg::{EAX, EDX};

const LSR_DATA: u8 = 0x01;
const LSR_THRE: u8 = 0x20;

/// Sends a byte on the UART at `base`, after at most a bounded wait for room.
pub fn send(p: &mut dyn Platform, base: u16, byte: u8) {
    for _ in 0..10_000 {
        if p.inb(base + 5) & LSR_THRE != 0 {
            break;
        }
    }
    p.outb(base, byte);
}

/// A received byte on the UART at `base`, if one is waiting.
fn receive(p: &mut dyn Platform, base: u16) -> Option<u8> {
    (p.inb(base + 5) & LSR_DATA != 0).then(|| p.inb(base))
}

/// INT 14h on the port DX (0-3) names in the BIOS data area.
pub fn int14(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let index = u32::from(r.get(EDX)).min(3);
    let base = p.read_u16(bda::COM_PORTS + 2 * index);
    if base == 0 {
        r.set_ah(0x80);
        return;
    }
    let function = r.ah();
    match function {
        0x00 => {
            // AL: baud (bits 7-5), parity (4-3), stop bits (2), word length (1-0).
            const DIVISORS: [u16; 8] = [1047, 768, 384, 192, 96, 48, 24, 12];
            let al = r.al();
            let div = DIVISORS[usize::from(al >> 5)];
            p.outb(base + 3, 0x80);
            p.outb(base, div as u8);
            p.outb(base + 1, (div >> 8) as u8);
            p.outb(base + 3, al & 0x1F);
        }
        0x01 => send(p, base, r.al()),
        0x02 => match receive(p, base) {
            Some(b) => r.set_al(b),
            None => {
                r.set_ah(0x80);
                return;
            }
        },
        _ => {}
    }
    let lsr = p.inb(base + 5);
    let msr = p.inb(base + 6);
    r.set_ah(lsr);
    if function != 0x01 && function != 0x02 {
        r.set_al(msr);
    }
}

/// INT 16h: 00h/10h wait for a key (the stub halts until an interrupt while CF is set),
/// 01h/11h test for one (ZF set if none), 02h the shift flags in AL and 12h the extended
/// ones in AH too (the BIOS data area's keyboard flags at 417h/418h), 05h push a key.
/// Keys are the characters arriving on COM1, with scan code 0.
pub fn int16(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let pending = bios.key_ahead.or_else(|| receive(p, 0x3F8));
    match r.ah() {
        0x00 | 0x10 => match pending {
            Some(c) => {
                bios.key_ahead = None;
                r.set(EAX, u16::from(c));
                r.set_live_flag(crate::platform::CF, false);
            }
            None => r.set_live_flag(crate::platform::CF, true),
        },
        0x01 | 0x11 => {
            bios.key_ahead = pending;
            if let Some(c) = pending {
                r.set(EAX, u16::from(c));
            }
            r.set_stacked_flag(p, ZF, pending.is_none());
            r.set_live_flag(crate::platform::CF, false);
        }
        0x02 | 0x12 => {
            bios.key_ahead = pending;
            let flags = p.read_u8(bda::KBD_FLAGS);
            if r.ah() == 0x12 {
                let extended = p.read_u8(bda::KBD_FLAGS + 1);
                r.set(EAX, u16::from_le_bytes([flags, extended]));
            } else {
                r.set_al(flags);
            }
            r.set_live_flag(crate::platform::CF, false);
        }
        0x05 => {
            bios.key_ahead = Some(r.get(amber_cpu::state::reg::ECX) as u8);
            r.set_al(0);
            r.set_live_flag(crate::platform::CF, false);
        }
        _ => {
            bios.key_ahead = pending;
            r.set_al(0);
            r.set_live_flag(crate::platform::CF, false);
        }
    }
}

/// INT 17h: no parallel port: every call reports a time-out.
pub fn int17(_: &mut Bios, r: &mut Regs, _: &mut dyn Platform) {
    r.set_ah(0x01);
}
