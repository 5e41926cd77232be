//! The timer tick (IRQ 0, INT 08h), the other hardware interrupts' acknowledgement, and
//! INT 1Ah, the time of day: the BDA tick count and the RTC through ports 70h/71h.

use super::bda;
use crate::platform::{Platform, Regs};
use crate::Bios;
use amber_cpu::state::reg::{ECX, EDX};

/// Ticks in a day: 18.2065 Hz for 24 hours (0x1800B0).
pub const TICKS_PER_DAY: u32 = 0x18_00B0;

/// INT 08h: counts the tick and wraps at midnight. The stub then calls INT 1Ch and
/// acknowledges IRQ 0.
pub fn timer_tick(_: &mut Bios, _: &mut Regs, p: &mut dyn Platform) {
    let t = p.read_u32(bda::TICKS) + 1;
    if t >= TICKS_PER_DAY {
        p.write_u32(bda::TICKS, 0);
        p.write_u8(bda::MIDNIGHT, 1);
    } else {
        p.write_u32(bda::TICKS, t);
    }
}

/// Any other hardware interrupt: the end of interrupt to the controllers that raised it.
/// (The keyboard, RTC and mouse interrupts have their own services, which read their
/// device.)
pub fn acknowledge_irq(vector: u8, p: &mut dyn Platform) {
    if (0x70..=0x77).contains(&vector) {
        p.outb(0xA0, 0x20);
    }
    if (0x08..=0x0F).contains(&vector) || (0x70..=0x77).contains(&vector) {
        p.outb(0x20, 0x20);
    }
}

/// The tick count for the RTC's time of day (POST sets it so).
pub fn ticks_now(p: &mut dyn Platform) -> u32 {
    let bcd = |v: u8| u32::from(v >> 4) * 10 + u32::from(v & 15);
    let binary = p.cmos(0x0B) & 0x04 != 0;
    let field = |p: &mut dyn Platform, i| {
        let v = p.cmos(i);
        if binary {
            u32::from(v)
        } else {
            bcd(v)
        }
    };
    let secs = field(p, 4) * 3600 + field(p, 2) * 60 + field(p, 0);
    (u64::from(secs) * u64::from(TICKS_PER_DAY) / 86_400) as u32
}

/// INT 1Ah (Ralf Brown's list, INT 1A): 00/01 the tick count, 02-05 the RTC's time and date
/// (BCD, as the CMOS holds them by default), B1h the PCI BIOS (`pci_bios.rs`). Others are
/// unsupported.
pub fn int1a(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let result = match r.ah() {
        0x00 => {
            let t = p.read_u32(bda::TICKS);
            r.set(ECX, (t >> 16) as u16);
            r.set(EDX, t as u16);
            r.set_al(p.read_u8(bda::MIDNIGHT));
            p.write_u8(bda::MIDNIGHT, 0);
            Ok(())
        }
        0x01 => {
            let t = u32::from(r.get(ECX)) << 16 | u32::from(r.get(EDX));
            p.write_u32(bda::TICKS, t);
            p.write_u8(bda::MIDNIGHT, 0);
            Ok(())
        }
        0x02 => {
            let (h, m, s) = (p.cmos(4), p.cmos(2), p.cmos(0));
            r.set(ECX, u16::from_be_bytes([h, m]));
            r.set(EDX, u16::from_be_bytes([s, p.cmos(0x0B) & 1]));
            Ok(())
        }
        0x03 => {
            let [h, m] = r.get(ECX).to_be_bytes();
            let [s, _] = r.get(EDX).to_be_bytes();
            p.set_cmos(4, h);
            p.set_cmos(2, m);
            p.set_cmos(0, s);
            Ok(())
        }
        0x04 => {
            r.set(ECX, u16::from_be_bytes([p.cmos(0x32), p.cmos(9)]));
            r.set(EDX, u16::from_be_bytes([p.cmos(8), p.cmos(7)]));
            Ok(())
        }
        0x05 => {
            let [c, y] = r.get(ECX).to_be_bytes();
            let [m, d] = r.get(EDX).to_be_bytes();
            for (i, v) in [(0x32, c), (9, y), (8, m), (7, d)] {
                p.set_cmos(i, v);
            }
            Ok(())
        }
        0xB1 => return super::pci_bios::int1a_b1(r, p),
        _ => Err(0x86),
    };
    r.finish(p, result);
}
