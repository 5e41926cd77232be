//! PCI configuration space access, configuration mechanism #1 (PCI Local Bus Specification
//! 3.0, section 3.2.2.3.2): CONFIG_ADDRESS at 0xCF8 (32-bit accesses only: bit 31 enable,
//! bits 23-16 bus, 15-11 device, 10-8 function, 7-2 register), CONFIG_DATA at 0xCFC-0xCFF in
//! any size and byte offset. Bus 0 holds what QEMU's `-M pc` shows: an Intel 82441FX (i440FX)
//! host bridge at 00:00.0 and an 82371SB PIIX3 PCI-to-ISA bridge at 00:01.0. The PIIX3's
//! Reset Control Register (PIIX3 datasheet 4.1.5, port 0xCF9) sits in the same port range.
//!
//! Each function is 256 bytes of configuration space with a per-byte writable mask and a
//! write-1-to-clear mask (defaults as QEMU's `pci_init_wmask`/`pci_init_w1cmask`).

use crate::io::{Nanos, PortIo};
use std::collections::BTreeMap;

pub const VENDOR_ID: u8 = 0x00;
pub const DEVICE_ID: u8 = 0x02;
pub const COMMAND: u8 = 0x04;
pub const STATUS: u8 = 0x06;
pub const REVISION_ID: u8 = 0x08;
pub const CLASS_CODE: u8 = 0x09;
pub const CACHE_LINE_SIZE: u8 = 0x0C;
pub const HEADER_TYPE: u8 = 0x0E;
pub const SUBSYSTEM_VENDOR_ID: u8 = 0x2C;
pub const SUBSYSTEM_ID: u8 = 0x2E;
pub const INTERRUPT_LINE: u8 = 0x3C;
/// Base address register 4: the PIIX3 IDE function's bus-master I/O block (BMIBA).
pub const BAR0: u8 = 0x10;
pub const BAR4: u8 = 0x20;
/// Start of the device-specific registers after the type 0 header.
const DEVICE_SPECIFIC: usize = 0x40;

/// Header type bit 7: the device has more than one function.
pub const HEADER_MULTIFUNCTION: u8 = 0x80;

/// Command register bits: I/O space enable, bus master enable.
pub const COMMAND_IO: u16 = 0x0001;
pub const COMMAND_MEMORY: u16 = 0x0002;
pub const COMMAND_BUS_MASTER: u16 = 0x0004;
/// Command bits a guest may change: I/O, memory, bus master, SERR#, interrupt disable.
const COMMAND_WRITABLE: u16 = COMMAND_IO | 0x0002 | COMMAND_BUS_MASTER | 0x0100 | 0x0400;
/// A base address register's bit 0: the BAR maps I/O space.
const BAR_IO: u32 = 0x1;
/// A 32-bit memory BAR's prefetchable bit.
const BAR_PREFETCHABLE: u32 = 0x8;
/// The bus-master I/O block's size (PIIX3 datasheet, BMIBA: base address bits 15-4).
const BUS_MASTER_IO_SIZE: u32 = crate::ata::bus_master::PORTS as u32;
/// Status bits cleared by writing 1: master data parity error, signaled/received target
/// abort, received master abort, signaled system error, detected parity error.
const STATUS_WRITE_1_CLEARS: u16 = 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000;

const INTEL: u16 = 0x8086;
/// QEMU's subsystem IDs on its own devices (Red Hat, "QEMU virtual machine").
const QEMU_SUBSYSTEM: (u16, u16) = (0x1AF4, 0x1100);

const CONFIG_ADDRESS: u16 = 0xCF8;
const RESET_CONTROL: u16 = 0xCF9;
const CONFIG_DATA: u16 = 0xCFC;
const ADDRESS_ENABLE: u32 = 0x8000_0000;
/// Bits 30-24 are reserved and bits 1-0 read as 0.
const ADDRESS_WRITABLE: u32 = 0x80FF_FFFC;
/// Reset Control Register: bit 2 resets the system, bit 1 chooses a hard reset.
const RCR_RESET: u8 = 0x04;
const RCR_SYSTEM_RESET: u8 = 0x02;

/// The configuration space of one PCI function.
#[derive(Clone)]
pub struct PciFunction {
    config: [u8; 256],
    writable: [u8; 256],
    write_1_clears: [u8; 256],
    power_on: [u8; 256],
}

impl PciFunction {
    /// A type 0 header with its identity (read-only) and the standard write masks: command
    /// bits, status error bits (write 1 to clear), cache line size, interrupt line and the
    /// device-specific registers 0x40-0xFF writable.
    pub fn new(vendor: u16, device: u16, class: u32, revision: u8, header_type: u8) -> Self {
        let mut f = PciFunction {
            config: [0; 256],
            writable: [0; 256],
            write_1_clears: [0; 256],
            power_on: [0; 256],
        };
        f.set_config(VENDOR_ID, &vendor.to_le_bytes());
        f.set_config(DEVICE_ID, &device.to_le_bytes());
        f.set_config(REVISION_ID, &[revision]);
        f.set_config(CLASS_CODE, &class.to_le_bytes()[..3]);
        f.set_config(HEADER_TYPE, &[header_type]);
        f.set_write_mask(COMMAND, &COMMAND_WRITABLE.to_le_bytes());
        f.set_write_mask(CACHE_LINE_SIZE, &[0xFF]);
        f.set_write_mask(INTERRUPT_LINE, &[0xFF]);
        f.writable[DEVICE_SPECIFIC..].fill(0xFF);
        f.write_1_clears[usize::from(STATUS)..usize::from(STATUS) + 2]
            .copy_from_slice(&STATUS_WRITE_1_CLEARS.to_le_bytes());
        f
    }

    /// The i440FX host bridge as QEMU presents it: 8086:1237 rev 02, class 060000, SMRAM
    /// control (0x72) 0x02.
    pub fn i440fx_host_bridge() -> Self {
        let mut f = Self::new(INTEL, 0x1237, 0x06_00_00, 0x02, 0x00);
        f.set_qemu_subsystem();
        f.set_config(0x72, &[0x02]);
        f
    }

    /// The PIIX3 PCI-to-ISA bridge as QEMU presents it: 8086:7000 rev 00, class 060100,
    /// multifunction, with the reset values of QEMU's `piix_reset` (PIRQ route control
    /// 0x60-0x63 = 0x80, routing disabled).
    pub fn piix3_isa_bridge() -> Self {
        let mut f = Self::new(INTEL, 0x7000, 0x06_01_00, 0x00, HEADER_MULTIFUNCTION);
        f.set_qemu_subsystem();
        const RESET_VALUES: [(u8, u8); 15] = [
            (0x04, 0x07), // command: I/O, memory, bus master
            (0x07, 0x02), // status: DEVSEL medium
            (0x4C, 0x4D), // ISA I/O recovery timer
            (0x4E, 0x03), // X-bus chip select
            (0x60, 0x80), // PIRQA-D route control: disabled
            (0x61, 0x80),
            (0x62, 0x80),
            (0x63, 0x80),
            (0x69, 0x02), // top of memory
            (0x70, 0x80), // motherboard device IRQ route: disabled
            (0x76, 0x0C), // motherboard DMA control
            (0x77, 0x0C),
            (0x78, 0x02), // programmable chip select
            (0xA0, 0x08), // SMI control
            (0xA8, 0x0F), // SMI enable timer
        ];
        for (offset, value) in RESET_VALUES {
            f.set_config(offset, &[value]);
        }
        f
    }

    /// The PIIX3 IDE controller as QEMU presents it: 8086:7010, class 010180 (IDE, both
    /// channels in compatibility mode at the legacy ports, bus-master capable), function 1 of
    /// the PIIX3 device. Per the PIIX3 datasheet only I/O space and bus master enable are
    /// writable in its command register; BAR4 (BMIBA) is a 16-byte I/O BAR, unassigned at
    /// reset (01h), sized as QEMU sizes it (all ones read back FFFFFFF1h, where the datasheet
    /// has bits 31-16 reserved). The IDE timing registers IDETIM (40h-43h) reset to 0 as in
    /// QEMU; the legacy ports decode whatever their decode enable bit says.
    pub fn piix3_ide() -> Self {
        let mut f = Self::new(INTEL, 0x7010, 0x01_01_80, 0x00, 0x00);
        f.set_qemu_subsystem();
        f.set_config(0x04, &[0x01]); // command: I/O space
        f.set_config(0x07, &[0x02]); // status: DEVSEL medium
        f.set_write_mask(COMMAND, &(COMMAND_IO | COMMAND_BUS_MASTER).to_le_bytes());
        f.set_config(BAR4, &BAR_IO.to_le_bytes());
        f.set_write_mask(BAR4, &(!(BUS_MASTER_IO_SIZE - 1)).to_le_bytes());
        f
    }

    /// QEMU's standard VGA (`-vga std`, hw/display/vga-pci.c): 1234:1111 rev 02, class
    /// 030000, BAR0 the linear framebuffer of `lfb_size` bytes (a power of two),
    /// prefetchable 32-bit memory. Linux's bochs DRM driver and vesafb bind by these IDs.
    pub fn std_vga(lfb_size: u32) -> Self {
        let mut f = Self::new(0x1234, 0x1111, 0x03_00_00, 0x02, 0x00);
        f.set_qemu_subsystem();
        f.set_config(0x07, &[0x02]); // status: DEVSEL medium
        f.set_config(BAR0, &BAR_PREFETCHABLE.to_le_bytes());
        f.set_write_mask(BAR0, &(!(lfb_size.max(16) - 1)).to_le_bytes());
        f
    }

    /// The base address the `size`-byte memory BAR at `offset` decodes: none while memory
    /// space is disabled, or while the BAR holds 0 or a range that passes 4 GiB.
    pub fn memory_bar(&self, offset: u8, size: u32) -> Option<u32> {
        let command = u16::from_le_bytes([self.config(COMMAND), self.config(COMMAND + 1)]);
        let bar = u32::from_le_bytes(std::array::from_fn(|i| {
            self.config(offset.wrapping_add(i as u8))
        }));
        let base = bar & !(size.max(16) - 1);
        let end = u64::from(base) + u64::from(size);
        (command & COMMAND_MEMORY != 0 && base != 0 && end <= 1 << 32).then_some(base)
    }

    /// The I/O base that the `size`-byte I/O BAR at `offset` decodes: none while I/O space
    /// is disabled, or while the BAR holds 0 or a range that does not fit below 64 KiB (as
    /// QEMU's `pci_bar_address` leaves such a BAR unmapped).
    pub fn io_bar(&self, offset: u8, size: u32) -> Option<u16> {
        let command = u16::from_le_bytes([self.config(COMMAND), self.config(COMMAND + 1)]);
        let bar = u32::from_le_bytes(std::array::from_fn(|i| {
            self.config(offset.wrapping_add(i as u8))
        }));
        let base = bar & !(size.max(1) - 1) & !BAR_IO;
        let end = u64::from(base) + u64::from(size);
        if command & COMMAND_IO == 0 || base == 0 || end > 0x1_0000 {
            return None;
        }
        u16::try_from(base).ok()
    }

    /// Whether the function may master the bus (command register bit 2).
    pub fn bus_master_enabled(&self) -> bool {
        u16::from(self.config(COMMAND)) & COMMAND_BUS_MASTER != 0
    }

    fn set_qemu_subsystem(&mut self) {
        self.set_config(SUBSYSTEM_VENDOR_ID, &QEMU_SUBSYSTEM.0.to_le_bytes());
        self.set_config(SUBSYSTEM_ID, &QEMU_SUBSYSTEM.1.to_le_bytes());
    }

    /// Sets configuration bytes from `offset`, both now and as the power-on value that
    /// `reset` restores. Bytes past 0xFF are dropped.
    pub fn set_config(&mut self, offset: u8, bytes: &[u8]) {
        for (i, &b) in (usize::from(offset)..256).zip(bytes) {
            self.config[i] = b;
            self.power_on[i] = b;
        }
    }

    /// Sets which bits of the bytes from `offset` a guest may write. Bytes past 0xFF are
    /// dropped.
    pub fn set_write_mask(&mut self, offset: u8, masks: &[u8]) {
        for (i, &m) in (usize::from(offset)..256).zip(masks) {
            self.writable[i] = m;
        }
    }

    /// A configuration byte as the guest sees it.
    pub fn config(&self, offset: u8) -> u8 {
        self.config[usize::from(offset)]
    }

    /// A configuration write of one byte, as a guest's (masks apply).
    pub fn write_config(&mut self, offset: u8, value: u8) {
        let i = usize::from(offset);
        let kept = self.config[i] & !self.writable[i];
        self.config[i] = (kept | (value & self.writable[i])) & !(value & self.write_1_clears[i]);
    }

    fn reset(&mut self) {
        self.config = self.power_on;
    }
}

/// CONFIG_ADDRESS, the reset control register and CONFIG_DATA.
pub const PORTS: &[(u16, u16)] = &[(CONFIG_ADDRESS, 8)];

/// PCI bus 0 behind configuration mechanism #1.
pub struct PciBus {
    address: u32,
    /// By device number << 3 | function number.
    functions: BTreeMap<u8, PciFunction>,
    reset_control: u8,
    reset_requested: bool,
}

impl Default for PciBus {
    fn default() -> Self {
        Self::new()
    }
}

impl PciBus {
    /// Bus 0 with the i440FX at 00:00.0 and the PIIX3 ISA bridge at 00:01.0.
    pub fn new() -> PciBus {
        let mut bus = PciBus {
            address: 0,
            functions: BTreeMap::new(),
            reset_control: 0,
            reset_requested: false,
        };
        bus.add_device(0, 0, PciFunction::i440fx_host_bridge());
        bus.add_device(1, 0, PciFunction::piix3_isa_bridge());
        bus
    }

    /// Places a function at bus 0, `device` 0-31, `function` 0-7, replacing what was there.
    /// Other numbers are ignored.
    pub fn add_device(&mut self, device: u8, function: u8, f: PciFunction) {
        match devfn(device, function) {
            Some(devfn) => {
                self.functions.insert(devfn, f);
            }
            None => log::warn!("pci: no slot {device:#x}.{function}; function not added"),
        }
    }

    /// The function at bus 0 `device`.`function`, if there is one (for the board: PIRQ
    /// routing, BARs).
    pub fn function(&self, device: u8, function: u8) -> Option<&PciFunction> {
        self.functions.get(&devfn(device, function)?)
    }

    pub fn function_mut(&mut self, device: u8, function: u8) -> Option<&mut PciFunction> {
        self.functions.get_mut(&devfn(device, function)?)
    }

    /// Every function back to its power-on configuration; CONFIG_ADDRESS and the reset
    /// control register cleared.
    pub fn reset(&mut self) {
        self.address = 0;
        self.reset_control = 0;
        self.reset_requested = false;
        self.functions.values_mut().for_each(PciFunction::reset);
    }

    /// Whether the guest asked for a system reset through port 0xCF9 since the last call.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.reset_requested)
    }

    /// The function and register byte that CONFIG_ADDRESS and data port `port` select, if a
    /// configuration cycle is enabled and a function answers.
    fn target(&mut self, port: u16) -> Option<(&mut PciFunction, u8)> {
        let a = self.address;
        if a & ADDRESS_ENABLE == 0 || (a >> 16) & 0xFF != 0 {
            return None;
        }
        let devfn = (a >> 8) as u8;
        let offset = (a as u8 & 0xFC) | (port - CONFIG_DATA) as u8;
        self.functions.get_mut(&devfn).map(|f| (f, offset))
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        match port {
            RESET_CONTROL => self.reset_control,
            CONFIG_DATA..=0xCFF => self.target(port).map_or(0xFF, |(f, off)| f.config(off)),
            // Byte and word cycles to CONFIG_ADDRESS go out to the bus and nobody answers.
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, value: u8) {
        match port {
            RESET_CONTROL => {
                if value & RCR_RESET != 0 {
                    self.reset_requested = true;
                }
                self.reset_control = value & RCR_SYSTEM_RESET;
            }
            CONFIG_DATA..=0xCFF => {
                if let Some((f, off)) = self.target(port) {
                    f.write_config(off, value);
                }
            }
            _ => {}
        }
    }
}

/// The device/function byte of CONFIG_ADDRESS bits 15-8, for device 0-31 and function 0-7.
fn devfn(device: u8, function: u8) -> Option<u8> {
    (device < 32 && function < 8).then_some(device << 3 | function)
}

impl PortIo for PciBus {
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        if (port, size) == (CONFIG_ADDRESS, 4) {
            return self.address;
        }
        let mut value = 0;
        for i in 0..size.min(4) {
            value |= u32::from(self.read_byte(port.wrapping_add(u16::from(i)))) << (8 * i);
        }
        value
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
        if (port, size) == (CONFIG_ADDRESS, 4) {
            self.address = value & ADDRESS_WRITABLE;
            return;
        }
        for i in 0..size.min(4) {
            self.write_byte(port.wrapping_add(u16::from(i)), (value >> (8 * i)) as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(bus: u8, dev: u8, func: u8, reg: u8) -> u32 {
        ADDRESS_ENABLE
            | u32::from(bus) << 16
            | u32::from(dev) << 11
            | u32::from(func) << 8
            | u32::from(reg)
    }

    fn cfg_read(pci: &mut PciBus, addr: u32, port: u16, size: u8) -> u32 {
        pci.write(0, 0xCF8, 4, addr);
        pci.read(0, port, size)
    }

    fn cfg_write(pci: &mut PciBus, addr: u32, port: u16, size: u8, value: u32) {
        pci.write(0, 0xCF8, 4, addr);
        pci.write(0, port, size, value);
    }

    #[test]
    fn host_and_isa_bridge_identities() {
        let mut pci = PciBus::new();
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x00), 0xCFC, 4),
            0x1237_8086
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x08), 0xCFC, 4),
            0x0600_0002
        );
        assert_eq!(cfg_read(&mut pci, address(0, 0, 0, 0x0C), 0xCFE, 1), 0x00);
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x2C), 0xCFC, 4),
            0x1100_1AF4
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 0, 0x00), 0xCFC, 4),
            0x7000_8086
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 0, 0x08), 0xCFC, 4),
            0x0601_0000
        );
        assert_eq!(cfg_read(&mut pci, address(0, 1, 0, 0x0C), 0xCFE, 1), 0x80);
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 0, 0x04), 0xCFC, 4),
            0x0200_0007
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 0, 0x60), 0xCFC, 4),
            0x8080_8080
        );
    }

    #[test]
    fn absent_functions_and_disabled_cycles_read_all_ones() {
        let mut pci = PciBus::new();
        assert_eq!(
            cfg_read(&mut pci, address(0, 5, 0, 0), 0xCFC, 4),
            0xFFFF_FFFF
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 1, 0), 0xCFC, 4),
            0xFFFF_FFFF
        );
        assert_eq!(
            cfg_read(&mut pci, address(1, 0, 0, 0), 0xCFC, 4),
            0xFFFF_FFFF
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0) & !ADDRESS_ENABLE, 0xCFC, 4),
            u32::MAX
        );
        cfg_write(&mut pci, address(0, 5, 0, 0x3C), 0xCFC, 1, 0x0A);
        assert_eq!(cfg_read(&mut pci, address(0, 5, 0, 0x3C), 0xCFC, 1), 0xFF);
    }

    #[test]
    fn byte_and_word_accesses_at_any_data_offset() {
        let mut pci = PciBus::new();
        let isa = address(0, 1, 0, 0x00);
        assert_eq!(cfg_read(&mut pci, isa, 0xCFE, 2), 0x7000);
        assert_eq!(cfg_read(&mut pci, isa, 0xCFF, 1), 0x70);
        assert_eq!(cfg_read(&mut pci, isa, 0xCFE, 1), 0x00);
        assert_eq!(cfg_read(&mut pci, isa, 0xCFD, 1), 0x80);
        assert_eq!(cfg_read(&mut pci, isa, 0xCFC, 2), 0x8086);
        // PIRQC route control is byte 2 of register 0x60.
        cfg_write(&mut pci, address(0, 1, 0, 0x60), 0xCFE, 1, 0x0B);
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 0, 0x60), 0xCFC, 4),
            0x800B_8080
        );
        cfg_write(&mut pci, address(0, 1, 0, 0x60), 0xCFE, 2, 0x0A0B);
        assert_eq!(pci.function(1, 0).unwrap().config(0x63), 0x0A);
        // A dword at 0xCFE runs past CONFIG_DATA: the bytes beyond read as nobody's.
        assert_eq!(cfg_read(&mut pci, isa, 0xCFE, 4), 0xFFFF_7000);
    }

    #[test]
    fn read_only_fields_stay_and_masks_apply() {
        let mut pci = PciBus::new();
        for reg in [0x00, 0x08, 0x0C, 0x2C] {
            cfg_write(&mut pci, address(0, 0, 0, reg), 0xCFC, 4, 0xFFFF_FFFF);
        }
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x00), 0xCFC, 4),
            0x1237_8086
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x08), 0xCFC, 4),
            0x0600_0002
        );
        // Only the cache line size of register 0x0C is writable.
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x0C), 0xCFC, 4),
            0x0000_00FF
        );
        assert_eq!(
            cfg_read(&mut pci, address(0, 0, 0, 0x2C), 0xCFC, 4),
            0x1100_1AF4
        );
        // Command: I/O, memory, master, SERR#, interrupt disable; status bits are read-only
        // or write-1-to-clear.
        cfg_write(&mut pci, address(0, 1, 0, 0x04), 0xCFC, 4, 0xFFFF_FFFF);
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 0, 0x04), 0xCFC, 4),
            0x0200_0507
        );
        cfg_write(&mut pci, address(0, 1, 0, 0x04), 0xCFC, 2, 0x0000);
        assert_eq!(cfg_read(&mut pci, address(0, 1, 0, 0x04), 0xCFC, 2), 0x0000);
    }

    /// BMIBA (PIIX3 datasheet, IDE function offset 20h): a 16-byte I/O BAR, bit 0 fixed at
    /// 1; sized as QEMU does (all ones read back FFFFFFF1h). Command: only I/O space and bus
    /// master enable are writable. IDETIM (40h-43h) resets to 0 as in QEMU.
    #[test]
    fn piix3_ide_bar4_command_and_timing_registers() {
        let mut pci = PciBus::new();
        pci.add_device(1, 1, PciFunction::piix3_ide());
        let bar4 = address(0, 1, 1, BAR4);
        let ide = |pci: &PciBus| pci.function(1, 1).unwrap().io_bar(BAR4, 16);
        assert_eq!(cfg_read(&mut pci, bar4, 0xCFC, 4), 0x0000_0001);
        assert_eq!(ide(&pci), None, "unassigned");
        cfg_write(&mut pci, bar4, 0xCFC, 4, 0xFFFF_FFFF);
        assert_eq!(cfg_read(&mut pci, bar4, 0xCFC, 4), 0xFFFF_FFF1);
        assert_eq!(ide(&pci), None, "beyond the 64 KiB I/O space");
        cfg_write(&mut pci, bar4, 0xCFC, 4, 0x0000_C04F);
        assert_eq!(cfg_read(&mut pci, bar4, 0xCFC, 4), 0x0000_C041);
        assert_eq!(ide(&pci), Some(0xC040));
        let command = address(0, 1, 1, COMMAND);
        cfg_write(&mut pci, command, 0xCFC, 2, 0xFFFF);
        assert_eq!(cfg_read(&mut pci, command, 0xCFC, 2), 0x0005);
        assert!(pci.function(1, 1).unwrap().bus_master_enabled());
        cfg_write(&mut pci, command, 0xCFC, 2, 0x0004);
        assert_eq!(ide(&pci), None, "I/O space disabled");
        assert_eq!(cfg_read(&mut pci, address(0, 1, 1, 0x40), 0xCFC, 4), 0);
        cfg_write(&mut pci, address(0, 1, 1, 0x40), 0xCFC, 4, 0x8000_8000);
        assert_eq!(
            cfg_read(&mut pci, address(0, 1, 1, 0x40), 0xCFC, 4),
            0x8000_8000,
            "IDETIM decode enable bits set"
        );
        pci.reset();
        assert_eq!(cfg_read(&mut pci, bar4, 0xCFC, 4), 0x0000_0001);
        assert_eq!(cfg_read(&mut pci, command, 0xCFC, 2), 0x0001);
        assert!(!pci.function(1, 1).unwrap().bus_master_enabled());
    }

    #[test]
    fn config_address_is_dword_only_and_keeps_reserved_bits_zero() {
        let mut pci = PciBus::new();
        pci.write(0, 0xCF8, 4, 0xFFFF_FFFF);
        assert_eq!(pci.read(0, 0xCF8, 4), 0x80FF_FFFC);
        pci.write(0, 0xCF8, 4, 0x8000_0000);
        pci.write(0, 0xCFB, 1, 0x01);
        pci.write(0, 0xCF8, 2, 0x1234);
        assert_eq!(pci.read(0, 0xCF8, 4), 0x8000_0000);
        // The word's high byte went to the reset control register at 0xCF9 (bit 1 kept).
        assert_eq!(pci.read(0, 0xCF8, 2), 0x02FF);
        assert_eq!(pci.read(0, 0xCFA, 1), 0xFF);
    }

    #[test]
    fn reset_control_register() {
        let mut pci = PciBus::new();
        pci.write(0, 0xCF9, 1, 0x02);
        assert_eq!(pci.read(0, 0xCF9, 1), 0x02);
        assert!(!pci.take_reset_request());
        pci.write(0, 0xCF9, 1, 0x06);
        assert!(pci.take_reset_request());
        assert!(!pci.take_reset_request());
    }

    #[test]
    fn added_functions_answer_and_reset_restores_power_on_values() {
        let mut pci = PciBus::new();
        // A 16 MiB prefetchable memory BAR: the low 24 bits of the address are fixed (PCI
        // Local Bus Specification 2.1, 6.2.5.1: all ones written read back as the size mask).
        pci.add_device(2, 0, PciFunction::std_vga(16 << 20));
        pci.add_device(32, 0, PciFunction::new(1, 2, 0, 0, 0));
        assert_eq!(
            cfg_read(&mut pci, address(0, 2, 0, 0), 0xCFC, 4),
            0x1111_1234
        );
        cfg_write(&mut pci, address(0, 2, 0, 0x10), 0xCFC, 4, 0xFFFF_FFFF);
        assert_eq!(
            cfg_read(&mut pci, address(0, 2, 0, 0x10), 0xCFC, 4),
            0xFF00_0008
        );
        let lfb = |pci: &PciBus| pci.function(2, 0).unwrap().memory_bar(BAR0, 16 << 20);
        cfg_write(&mut pci, address(0, 2, 0, 0x10), 0xCFC, 4, 0xFD12_3456);
        assert_eq!(lfb(&pci), None, "memory space disabled");
        cfg_write(&mut pci, address(0, 2, 0, 0x04), 0xCFC, 2, 0x0002);
        assert_eq!(lfb(&pci), Some(0xFD00_0000));
        cfg_write(&mut pci, address(0, 1, 0, 0x60), 0xCFC, 1, 0x05);
        pci.reset();
        assert_eq!(pci.read(0, 0xCF8, 4), 0);
        assert_eq!(
            cfg_read(&mut pci, address(0, 2, 0, 0x10), 0xCFC, 4),
            0x0000_0008
        );
        assert_eq!(cfg_read(&mut pci, address(0, 1, 0, 0x60), 0xCFC, 1), 0x80);
        assert!(pci.function(31, 7).is_none());
        assert!(pci.function(200, 0).is_none());
        assert!(pci.function(1, 8).is_none());
        assert!(pci.function_mut(1, 0).is_some());
    }
}
