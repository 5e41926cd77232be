//! INT 1Ah AH=B1h, the PCI BIOS in real mode (PCI BIOS Specification 2.1, ch. 2 "PCI BIOS
//! Functions"; Ralf Brown's list, INT 1A/B101-B10D): the installation check, finding a
//! function by its IDs or class code, and configuration reads and writes, all through
//! configuration mechanism #1 at ports CF8h/CFCh (PCI Local Bus Specification 2.1, 3.7.4.1).
//! The machine has one bus, bus 0.

use crate::platform::{Platform, Regs};
use amber_cpu::state::reg::{EBX, ECX, EDI, EDX, ESI};

const CONFIG_ADDRESS: u16 = 0xCF8;
const CONFIG_DATA: u16 = 0xCFC;
/// The highest bus number (B101h returns it in CL).
const LAST_BUS: u8 = 0;

/// The return codes of the specification's table 2-1.
const FUNC_NOT_SUPPORTED: u8 = 0x81;
const BAD_VENDOR_ID: u8 = 0x83;
const DEVICE_NOT_FOUND: u8 = 0x86;
const BAD_REGISTER_NUMBER: u8 = 0x87;

/// "PCI " in EDX from the installation check.
const SIGNATURE: u32 = 0x2049_4350;
/// AL of the installation check: configuration mechanism #1 supported.
const MECHANISM_1: u8 = 0x01;
/// BX of the installation check: interface level 2.10, in BCD.
const VERSION: u16 = 0x0210;

/// A function's address: bus in the high byte, device (bits 7-3) and function (2-0) in the
/// low byte, as BX carries it.
type BusDevFn = u16;

/// A configuration read of `size` bytes (1, 2 or 4) at `reg`, aligned to its size.
pub fn config_read(p: &mut dyn Platform, bdf: BusDevFn, reg: u8, size: u8) -> u32 {
    p.port_write(CONFIG_ADDRESS, 4, address(bdf, reg));
    p.port_read(CONFIG_DATA + u16::from(reg & 3), size)
}

pub fn config_write(p: &mut dyn Platform, bdf: BusDevFn, reg: u8, size: u8, value: u32) {
    p.port_write(CONFIG_ADDRESS, 4, address(bdf, reg));
    p.port_write(CONFIG_DATA + u16::from(reg & 3), size, value);
}

fn address(bdf: BusDevFn, reg: u8) -> u32 {
    0x8000_0000 | u32::from(bdf) << 8 | u32::from(reg & 0xFC)
}

/// Every function present on the buses, in bus/device/function order: function 0 of each
/// device, and functions 1-7 when function 0's header type says multi-function (bit 7).
fn functions(p: &mut dyn Platform) -> Vec<BusDevFn> {
    let mut found = Vec::new();
    for bus in 0..=u16::from(LAST_BUS) {
        for device in 0..32u16 {
            let first = bus << 8 | device << 3;
            if config_read(p, first, 0x00, 2) as u16 == 0xFFFF {
                continue;
            }
            let multi = config_read(p, first, 0x0E, 1) & 0x80 != 0;
            let count = if multi { 8 } else { 1 };
            for f in 0..count {
                if config_read(p, first | f, 0x00, 2) as u16 != 0xFFFF {
                    found.push(first | f);
                }
            }
        }
    }
    found
}

/// The register number in DI for an access of `size` bytes: 87h unless it is below 100h
/// and aligned to the size (specification 2.2.5-2.2.10).
fn register(r: &Regs, size: u16) -> Result<u8, u8> {
    let di = r.get(EDI);
    if di > 0xFF || !di.is_multiple_of(size) {
        return Err(BAD_REGISTER_NUMBER);
    }
    Ok(di as u8)
}

/// INT 1Ah AH=B1h: the function in AL; CF and AH report the result.
pub fn int1a_b1(r: &mut Regs, p: &mut dyn Platform) {
    let bdf = r.get(EBX);
    let result = match r.al() {
        0x01 => {
            r.set32(EDX, SIGNATURE);
            r.set_al(MECHANISM_1);
            r.set(EBX, VERSION);
            r.set(ECX, u16::from(LAST_BUS));
            Ok(())
        }
        0x02 => find_device(r, p),
        0x03 => find_class(r, p),
        0x08 => register(r, 1).map(|reg| {
            let v = config_read(p, bdf, reg, 1);
            r.set(ECX, (r.get(ECX) & 0xFF00) | v as u16);
        }),
        0x09 => register(r, 2).map(|reg| r.set(ECX, config_read(p, bdf, reg, 2) as u16)),
        0x0A => register(r, 4).map(|reg| r.set32(ECX, config_read(p, bdf, reg, 4))),
        0x0B => register(r, 1).map(|reg| config_write(p, bdf, reg, 1, r.get32(ECX) & 0xFF)),
        0x0C => register(r, 2).map(|reg| config_write(p, bdf, reg, 2, r.get32(ECX) & 0xFFFF)),
        0x0D => register(r, 4).map(|reg| config_write(p, bdf, reg, 4, r.get32(ECX))),
        _ => Err(FUNC_NOT_SUPPORTED),
    };
    if result.is_ok() {
        r.set_ah(0);
    }
    r.finish(p, result);
}

/// B102h: the SI-th function (from 0) with device ID CX and vendor ID DX, into BX.
fn find_device(r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let (device, vendor) = (r.get(ECX), r.get(EDX));
    if vendor == 0xFFFF {
        return Err(BAD_VENDOR_ID);
    }
    let id = u32::from(device) << 16 | u32::from(vendor);
    let wanted = |p: &mut dyn Platform, bdf| config_read(p, bdf, 0x00, 4) == id;
    nth(r, p, wanted)
}

/// B103h: the SI-th function (from 0) whose class code (base class, subclass, programming
/// interface) is ECX bits 23-0, into BX.
fn find_class(r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let class = r.get32(ECX) & 0x00FF_FFFF;
    let wanted = |p: &mut dyn Platform, bdf| config_read(p, bdf, 0x08, 4) >> 8 == class;
    nth(r, p, wanted)
}

fn nth(
    r: &mut Regs,
    p: &mut dyn Platform,
    mut wanted: impl FnMut(&mut dyn Platform, BusDevFn) -> bool,
) -> Result<(), u8> {
    let index = usize::from(r.get(ESI));
    let all = functions(p);
    let found = all.into_iter().filter(|&bdf| wanted(p, bdf)).nth(index);
    let bdf = found.ok_or(DEVICE_NOT_FOUND)?;
    r.set(EBX, bdf);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::fake_board::FakeBoard;
    use amber_cpu::state::reg::EAX;
    use amber_cpu::CpuState;

    /// The functions of QEMU's `-M pc` that matter here: the i440FX at 00:00.0, the PIIX3
    /// at 00:01.0 (multi-function) and its IDE at 00:01.1 (8086:7010, class 010180).
    fn board() -> FakeBoard {
        let mut b = FakeBoard::new();
        b.add_pci(0x00, 0x8086, 0x1237, 0x06_00_00, 0x00);
        b.add_pci(0x08, 0x8086, 0x7000, 0x06_01_00, 0x80);
        b.add_pci(0x09, 0x8086, 0x7010, 0x01_01_80, 0x00);
        b
    }

    /// Runs B1xxh with the given registers; returns (CF, AX, BX, ECX, EDX).
    fn call(b: &mut FakeBoard, regs: &[(usize, u32)]) -> (bool, u16, u16, u32, u32) {
        let mut cpu = CpuState::default();
        cpu.set_r16(amber_cpu::state::reg::ESP, 0x1000);
        for &(reg, v) in regs {
            cpu.set_r32(reg, v);
        }
        let mut r = Regs(&mut cpu);
        int1a_b1(&mut r, b);
        let cf = b.read_u16(0x1004) & 1 != 0;
        (cf, r.ax(), r.get(EBX), r.get32(ECX), r.get32(EDX))
    }

    #[test]
    fn installation_check() {
        let mut b = board();
        let (cf, ax, bx, ecx, edx) = call(&mut b, &[(EAX, 0xB101)]);
        assert!(!cf);
        assert_eq!((ax, bx, ecx as u8, edx), (0x0001, 0x0210, 0, 0x2049_4350));
    }

    #[test]
    fn find_device_and_class() {
        let mut b = board();
        let ide = [(EAX, 0xB102), (ECX, 0x7010), (EDX, 0x8086), (ESI, 0)];
        let (cf, ax, bx, ..) = call(&mut b, &ide);
        assert_eq!((cf, ax >> 8, bx), (false, 0, 0x0009));
        let second = [(EAX, 0xB102), (ECX, 0x7010), (EDX, 0x8086), (ESI, 1)];
        assert_eq!(call(&mut b, &second).1, 0x8602, "no second one: 86h");
        let bad = [(EAX, 0xB102), (ECX, 0x7010), (EDX, 0xFFFF), (ESI, 0)];
        let (cf, ax, ..) = call(&mut b, &bad);
        assert_eq!((cf, ax >> 8), (true, 0x83));
        let class = [(EAX, 0xB103), (ECX, 0x06_01_00), (ESI, 0)];
        assert_eq!(call(&mut b, &class).2, 0x0008);
        let bridges = [(EAX, 0xB103), (ECX, 0x06_00_00), (ESI, 0)];
        assert_eq!(call(&mut b, &bridges).2, 0x0000);
    }

    #[test]
    fn configuration_reads_and_writes() {
        let mut b = board();
        let at = |reg: u32| [(EBX, 0x0009), (EDI, reg)];
        let byte = call(
            &mut b,
            &[(EAX, 0xB108), at(0x0B)[0], at(0x0B)[1], (ECX, 0xAB00)],
        );
        assert_eq!(byte.3 as u16, 0xAB01, "class 01 in CL, CH kept");
        let word = call(&mut b, &[(EAX, 0xB109), at(2)[0], at(2)[1]]);
        assert_eq!(word.3 as u16, 0x7010);
        let dword = call(&mut b, &[(EAX, 0xB10A), at(0)[0], at(0)[1]]);
        assert_eq!(dword.3, 0x7010_8086);
        call(
            &mut b,
            &[(EAX, 0xB10B), at(0x3C)[0], at(0x3C)[1], (ECX, 0x0E)],
        );
        let back = call(&mut b, &[(EAX, 0xB108), at(0x3C)[0], at(0x3C)[1]]);
        assert_eq!(back.3 as u8, 0x0E);
        call(
            &mut b,
            &[(EAX, 0xB10D), at(0x40)[0], at(0x40)[1], (ECX, 0x1234_5678)],
        );
        call(
            &mut b,
            &[(EAX, 0xB10C), at(0x42)[0], at(0x42)[1], (ECX, 0xBEEF)],
        );
        let back = call(&mut b, &[(EAX, 0xB10A), at(0x40)[0], at(0x40)[1]]);
        assert_eq!(back.3, 0xBEEF_5678);
        let odd = call(&mut b, &[(EAX, 0xB109), at(1)[0], at(1)[1]]);
        assert_eq!((odd.0, odd.1 >> 8), (true, 0x87));
        let unaligned = call(&mut b, &[(EAX, 0xB10A), at(2)[0], at(2)[1]]);
        assert_eq!(unaligned.1 >> 8, 0x87);
        let unknown = call(&mut b, &[(EAX, 0xB1FF)]);
        assert_eq!((unknown.0, unknown.1 >> 8), (true, 0x81));
    }
}
