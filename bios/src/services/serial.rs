//! INT 14h (the serial ports) and INT 17h (no printer), and the UART access the serial
//! console uses (INT 16h types what arrives on COM1: `keyboard.rs`). Ralf Brown's list,
//! INT 14 and 17; the 16550A's registers.

use super::bda;
use crate::platform::{Platform, Regs};
use crate::Bios;
use amber_cpu::state::reg::EDX;

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
pub fn receive(p: &mut dyn Platform, base: u16) -> Option<u8> {
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

/// INT 17h: no parallel port: every call reports a time-out.
pub fn int17(_: &mut Bios, r: &mut Regs, _: &mut dyn Platform) {
    r.set_ah(0x01);
}
