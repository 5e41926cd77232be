//! INT 11h (equipment), INT 12h (base memory), INT 15h (system services: the memory map
//! E820h, E801h and 88h from the CMOS memory size, A20 through port 92h, the configuration
//! table, the extended BIOS data area, block moves; the waits of AH=83h/86h are
//! `wait.rs`'s, the pointing device of AH=C2h `mouse.rs`'s) and INT 18h (no bootable device).
//! Ralf Brown's list, INT 11, 12, 15 and 18; ACPI 6.4 ch. 15 for E820h.

use super::{bda, mouse, video, wait};
use crate::platform::{linear, Platform, Regs, CF};
use crate::rom::{CONFIG_TABLE, SEGMENT};
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBX, ECX, EDI, EDX, ESI};
use amber_cpu::Seg;

pub fn equipment(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    r.set(EAX, p.read_u16(bda::EQUIPMENT));
}

pub fn memory_size(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    r.set(EAX, p.read_u16(bda::MEMORY_KB));
}

/// RAM above 1 MiB in bytes, from the CMOS: KiB between 1 and 16 MiB (30h/31h) and 64 KiB
/// blocks above 16 MiB (34h/35h), as QEMU's and amber's RTC report them.
fn extended_memory(p: &mut dyn Platform) -> u64 {
    let low_kb = u64::from(u16::from_le_bytes([p.cmos(0x30), p.cmos(0x31)]));
    let high_blocks = u64::from(u16::from_le_bytes([p.cmos(0x34), p.cmos(0x35)]));
    if high_blocks > 0 {
        (15 << 20) + (high_blocks << 16)
    } else {
        low_kb << 10
    }
}

/// The memory map: (base, length, type 1 usable, 2 reserved, 3 the ACPI tables at the top
/// of RAM).
fn e820_map(p: &mut dyn Platform) -> Vec<(u64, u64, u32)> {
    let acpi_size = u64::from(crate::acpi::RESERVED);
    let acpi = (1 << 20) + extended_memory(p) - acpi_size;
    vec![
        (0, 0x9_FC00, 1),
        (0x9_FC00, 0x400, 2),
        (0xE_0000, 0x2_0000, 2),
        (0x10_0000, acpi - 0x10_0000, 1),
        (acpi, acpi_size, 3),
        (0xFFFC_0000, 0x4_0000, 2),
    ]
}

/// INT 15h.
pub fn int15(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let ax = r.ax();
    let result = match r.ah() {
        0x24 => a20(r, p, ax as u8),
        0x4F => {
            // Keyboard intercept: CF set means "process the scan code".
            return r.set_stacked_flag(p, CF, true);
        }
        0x83 => return wait::event_wait(r, p),
        0x86 => return wait::wait(bios, r, p),
        0x87 => block_move(r, p),
        0x88 => {
            let kb = (extended_memory(p) >> 10).min(0xFC00);
            r.set(EAX, kb as u16);
            Ok(())
        }
        0xC0 => {
            r.set_seg(Seg::Es, SEGMENT);
            r.set(EBX, CONFIG_TABLE);
            r.set_ah(0);
            Ok(())
        }
        0xC2 => return mouse::int15_c2(r, p),
        0xC1 => {
            let ebda = p.read_u16(bda::EBDA_SEGMENT);
            r.set_seg(Seg::Es, ebda);
            Ok(())
        }
        0xE8 if ax == 0xE801 => {
            let ext = extended_memory(p);
            let below16 = ((ext.min(15 << 20)) >> 10) as u16;
            let above16 = (ext.saturating_sub(15 << 20) >> 16).min(0xFFFF) as u16;
            for (reg, v) in [
                (EAX, below16),
                (ECX, below16),
                (EBX, above16),
                (EDX, above16),
            ] {
                r.set(reg, v);
            }
            Ok(())
        }
        0xE8 if ax == 0xE820 && r.get32(EDX) == 0x534D_4150 && r.get32(ECX) >= 20 => e820(r, p),
        _ => Err(0x86),
    };
    r.finish(p, result);
}

/// E820h: entry EBX to ES:DI; EBX becomes the next index, 0 after the last.
fn e820(r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let map = e820_map(p);
    let i = r.get32(EBX) as usize;
    let Some(&(base, len, kind)) = map.get(i) else {
        return Err(0x86);
    };
    let at = linear(r.seg(Seg::Es), r.get(EDI));
    p.write_u32(at, base as u32);
    p.write_u32(at + 4, (base >> 32) as u32);
    p.write_u32(at + 8, len as u32);
    p.write_u32(at + 12, (len >> 32) as u32);
    p.write_u32(at + 16, kind);
    r.set32(EAX, 0x534D_4150);
    r.set32(ECX, 20);
    r.set32(EBX, if i + 1 < map.len() { i as u32 + 1 } else { 0 });
    Ok(())
}

/// AH=24h: A20 through the fast gate at port 92h (bit 1).
fn a20(r: &mut Regs, p: &mut dyn Platform, al: u8) -> Result<(), u8> {
    let v = p.inb(0x92);
    match al {
        0 => p.outb(0x92, v & !0x02 & !0x01),
        1 => p.outb(0x92, (v | 0x02) & !0x01),
        2 => r.set_al((v >> 1) & 1),
        3 => r.set(EBX, 0x0002),
        _ => return Err(0x86),
    }
    r.set_ah(0);
    Ok(())
}

/// AH=87h: copies CX words between the 24-bit addresses of the source and destination
/// descriptors of the table at ES:SI (entries 2 and 3).
fn block_move(r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let table = linear(r.seg(Seg::Es), r.get(ESI));
    let base = |p: &mut dyn Platform, d: u32| {
        let lo = p.read_u32(table + d + 2) & 0x00FF_FFFF;
        lo | u32::from(p.read_u8(table + d + 7)) << 24
    };
    let (src, dst) = (base(p, 0x10), base(p, 0x18));
    let mut buf = vec![0u8; usize::from(r.get(ECX)) * 2];
    p.mem_read(src, &mut buf);
    p.mem_write(dst, &buf);
    r.set_ah(0);
    Ok(())
}

/// INT 18h: no bootable device. The POST stub halts after it.
pub fn boot_failed(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    video::print(bios, r, p, b"amber BIOS: no bootable disk\r\n");
}
