//! The board as the CPU's `Bus`: the memory map, the port bus and the devices on it, the
//! interrupt lines into the PIC pair, and the virtual clock that stamps every access.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use amber_cpu::bus::ones;
use amber_cpu::{Bus, BusAction, GuestRam, PhysPage};
use amber_devices::a20::A20Gate;
use amber_devices::acpi_pm::AcpiPm;
use amber_devices::ata::{bus_master, AtaChannel, CONTROL_OFFSET};
use amber_devices::debug_exit::DebugExit;
use amber_devices::debugcon::DebugCon;
use amber_devices::disk::{Disk, WriteMode};
use amber_devices::dma::{Dma8237, DmaMemory};
use amber_devices::fdc::Fdc82077;
use amber_devices::ferr::FerrLatch;
use amber_devices::fw_cfg::FwCfg;
use amber_devices::i8042::I8042;
use amber_devices::ioapic::{self, IoApic};
use amber_devices::lapic::{self, LocalApic};
use amber_devices::pci::{PciBus, PciFunction, BAR0, BAR4};
use amber_devices::pic::Pic8259Pair;
use amber_devices::pit::Pit8254;
use amber_devices::post::PostPort;
use amber_devices::rtc::Rtc146818;
use amber_devices::uart::Uart16550;
use amber_devices::vga::{Vga, LEGACY_WINDOW, VRAM_SIZE};
use amber_devices::{IrqLines, Nanos, PortIo, Timed};

use crate::clock::Clock;
use crate::config::{floppy_cmos_type, BootDevice, MachineConfig};
use crate::memory_map::{MemoryMap, PAM_COUNT, PAM_OFFSET};
use crate::ports::{DeviceId, PortMap};

/// The PIIX3 IDE function: bus 0, device 1, function 1.
const IDE_FUNCTION: (u8, u8) = (1, 1);
/// The VGA's PCI device and function (00:02.0, as on QEMU's pc machine).
const VGA_FUNCTION: (u8, u8) = (2, 0);

/// Devices with events on the virtual clock, in `Board::deadlines` order.
const TIMED: [DeviceId; 6] = [
    DeviceId::Pit,
    DeviceId::Rtc,
    DeviceId::Com1,
    DeviceId::Com2,
    DeviceId::Lapic,
    DeviceId::Kbc,
];

pub struct Board {
    pub ram: Rc<GuestRam>,
    pub map: MemoryMap,
    pub clock: Clock,
    ports: PortMap,
    pub lines: Rc<IrqLines>,
    pub pic: Pic8259Pair,
    pub pit: Pit8254,
    pub rtc: Rtc146818,
    pub com1: Uart16550,
    pub com2: Uart16550,
    pub post: PostPort,
    pub a20: A20Gate,
    /// The 8042 keyboard controller with the PS/2 keyboard and mouse.
    pub kbc: I8042,
    /// The standard VGA with the Bochs VBE extension, its framebuffer on PCI 00:02.0 BAR0.
    pub vga: Vga,
    /// Where BAR0 puts the linear framebuffer, if the function decodes it.
    lfb_base: Option<u32>,
    /// Address line A20 as the last of port 0x92 and the 8042's output port to change it
    /// left it (both drive the gate, as on QEMU's pc machine).
    a20_line: bool,
    /// The 8042's A20 output as last seen.
    kbc_a20: bool,
    pub debugcon: DebugCon,
    pub debug_exit: DebugExit,
    pub ferr: FerrLatch,
    pub fw_cfg: FwCfg,
    pub pci: PciBus,
    pub lapic: LocalApic,
    pub ioapic: IoApic,
    /// The ACPI power-management registers (SCI on IRQ 9).
    pub acpi_pm: AcpiPm,
    /// The PIIX3 IDE channels at 0x1F0 (IRQ 14) and 0x170 (IRQ 15), with their bus-master
    /// registers.
    pub ide: [AtaChannel; 2],
    /// Where the IDE function's BAR4 put the bus-master registers, if anywhere.
    bus_master_base: Option<u16>,
    /// The 8237 DMA pair with its page registers.
    pub dma: Dma8237,
    /// The floppy disk controller at 0x3F0 (IRQ 6, DMA channel 2).
    pub fdc: Fdc82077,
    /// Next event of each device in `TIMED`.
    deadlines: [Option<Nanos>; TIMED.len()],
    /// A reset asked for through the PIIX3 reset control register (0xCF9).
    reset_requested: bool,
    /// A built-in BIOS stub wrote its trap port.
    bios_trap: bool,
    /// The PAM registers changed the memory map.
    map_changed: bool,
    /// A DMA transfer wrote guest RAM behind the CPU's back.
    dma_wrote_ram: bool,
}

impl Board {
    pub fn new(config: MachineConfig, ram: Rc<GuestRam>, map: MemoryMap) -> Result<Board, String> {
        let lines = IrqLines::new();
        let mut rtc = Rtc146818::new(lines.line(8), config.rtc_start);
        rtc.set_memory_size(map.ram_size() as u64);
        let mut fw_cfg = FwCfg::new();
        fw_cfg.set_ram_size(map.ram_size() as u64);
        fw_cfg.set_cpu_count(1);
        // QEMU's etc/e820 (address, length, type): the RAM below 4 GiB as one entry.
        let mut e820 = Vec::new();
        e820.extend_from_slice(&0u64.to_le_bytes());
        e820.extend_from_slice(&(map.ram_size() as u64).to_le_bytes());
        e820.extend_from_slice(&1u32.to_le_bytes());
        fw_cfg.add_file("etc/e820", e820);
        let mut board = Board {
            ram,
            map,
            clock: Clock::new(config.ns_per_insn),
            ports: PortMap::default(),
            pic: Pic8259Pair::new(lines.clone()),
            pit: Pit8254::new(lines.line(0)),
            rtc,
            com1: Uart16550::new(0x3F8, lines.line(4), config.serial.backend()?),
            com2: Uart16550::new(0x2F8, lines.line(3), crate::config::Sink::None.backend()?),
            post: PostPort::default(),
            a20: A20Gate::default(),
            kbc: I8042::new(lines.line(1), lines.line(12)),
            vga: Vga::new(),
            lfb_base: None,
            a20_line: true,
            kbc_a20: true,
            debugcon: DebugCon::new(config.debugcon.writer()?),
            debug_exit: DebugExit::default(),
            ferr: FerrLatch::new(lines.line(13)),
            fw_cfg,
            pci: PciBus::new(),
            lapic: LocalApic::new(0),
            ioapic: IoApic::new(lines.clone()),
            acpi_pm: AcpiPm::new(lines.line(9)),
            ide: [
                AtaChannel::new(lines.line(14)),
                AtaChannel::new(lines.line(15)),
            ],
            bus_master_base: None,
            dma: Dma8237::new(),
            fdc: Fdc82077::new(lines.line(6)),
            lines,
            deadlines: [None; TIMED.len()],
            reset_requested: false,
            bios_trap: false,
            map_changed: false,
            dma_wrote_ram: false,
        };
        board.claim_ports()?;
        if matches!(config.disk_writes, WriteMode::Keep(_))
            && config
                .disks
                .iter()
                .chain(&config.floppies)
                .flatten()
                .count()
                != 1
        {
            return Err("--overlay needs exactly one disk image".into());
        }
        board.attach_disks(&config.disks, &config.disk_writes)?;
        board.attach_floppies(&config.floppies, &config.disk_writes)?;
        board.attach_cdrom(config.cdrom.as_deref(), config.disks[2].is_some())?;
        board.set_boot_order(&config.boot_order);
        let (device, function) = IDE_FUNCTION;
        board
            .pci
            .add_device(device, function, PciFunction::piix3_ide());
        let (device, function) = VGA_FUNCTION;
        board
            .pci
            .add_device(device, function, PciFunction::std_vga(VRAM_SIZE as u32));
        Ok(board)
    }

    /// Opens the hard disk images: `--hda` on the primary channel's device 0 and so on. A
    /// kept overlay names one file, so it needs exactly one image.
    fn attach_disks(
        &mut self,
        disks: &[Option<PathBuf>; 4],
        mode: &WriteMode,
    ) -> Result<(), String> {
        for (i, path) in disks.iter().enumerate() {
            if let Some(p) = path {
                let disk = Disk::open(p, mode.clone()).map_err(|e| e.to_string())?;
                self.ide[i / 2].attach(i % 2, disk, &format!("AMBER-HD{i}"));
            }
        }
        Ok(())
    }

    /// Puts the CD image in the ATAPI drive on the secondary channel's device 0 (the place of
    /// QEMU's `-cdrom`, so `--hdc` cannot be used with it). A CD is read-only: the image is
    /// opened without write access whatever the write mode.
    fn attach_cdrom(&mut self, path: Option<&Path>, hdc: bool) -> Result<(), String> {
        let Some(p) = path else { return Ok(()) };
        if hdc {
            return Err("--cdrom and --hdc both name the secondary master; give one".into());
        }
        let disk = Disk::open(p, WriteMode::Discard).map_err(|e| e.to_string())?;
        self.ide[1].attach_cdrom(0, disk, "AMBER-CD0");
        Ok(())
    }

    /// Inserts the floppy images into drives A: and B: and describes the drives in CMOS as
    /// QEMU's PC board does: register 0x10 holds drive A's type in the high nibble and B's
    /// in the low one; the equipment byte 0x14 has bit 0 (diskettes present) and bits 7-6
    /// (drives - 1), besides bit 1 (the x87).
    fn attach_floppies(
        &mut self,
        floppies: &[Option<PathBuf>; 2],
        mode: &WriteMode,
    ) -> Result<(), String> {
        let mut types = [0u8; 2];
        for (i, path) in floppies.iter().enumerate() {
            let Some(p) = path else { continue };
            let disk = Disk::open(p, mode.clone()).map_err(|e| e.to_string())?;
            types[i] = self.insert_floppy(i, disk)?;
        }
        self.rtc.set_nvram(0x10, types[0] << 4 | types[1]);
        self.rtc.set_nvram(0x14, equipment_byte(types));
        Ok(())
    }

    /// Puts `disk` in floppy drive `drive` (0 or 1); its CMOS drive type.
    fn insert_floppy(&mut self, drive: usize, disk: Disk) -> Result<u8, String> {
        let kind = floppy_cmos_type(disk.len()).ok_or_else(|| {
            format!(
                "{}: {} bytes is not a floppy image (whole sectors, at most 2.88M)",
                disk.path().display(),
                disk.len()
            )
        })?;
        self.fdc
            .insert(drive, disk, false)
            .map_err(|e| e.to_string())?;
        Ok(kind)
    }

    /// Puts `disk` in drive A:, the only drive, and boots from it first (the built-in
    /// demo's floppy).
    pub fn boot_from_floppy(&mut self, disk: Disk) -> Result<(), String> {
        let kind = self.insert_floppy(0, disk)?;
        self.rtc.set_nvram(0x10, kind << 4);
        self.rtc.set_nvram(0x14, equipment_byte([kind, 0]));
        self.set_boot_order(&[BootDevice::Floppy]);
        Ok(())
    }

    /// Stores the boot order where QEMU's PC board puts it for SeaBIOS: the first device in
    /// CMOS 0x3D bits 3-0, the second in bits 7-4, the third in 0x38 bits 7-4; 0x38 bit 0
    /// clear asks for the boot signature check on floppies too.
    fn set_boot_order(&mut self, order: &[BootDevice]) {
        let code = |i: usize| order.get(i).map_or(0, |d| d.cmos_code());
        self.rtc.set_nvram(0x3D, code(1) << 4 | code(0));
        self.rtc.set_nvram(0x38, code(2) << 4);
    }

    /// Gives the built-in BIOS its trap port (not claimed with external firmware).
    pub fn claim_bios_trap(&mut self) -> Result<(), String> {
        self.ports
            .claim(DeviceId::BiosTrap, u16::from(amber_bios::TRAP_PORT), 1)
    }

    /// Whether a BIOS stub trapped since the last call.
    pub fn take_bios_trap(&mut self) -> bool {
        std::mem::take(&mut self.bios_trap)
    }

    /// Pushes out the serial ports' and the debug console's buffered output (when the guest
    /// idles or a slice ends, so a prompt without a newline shows at once).
    pub fn flush_output(&mut self) {
        self.com1.flush_output();
        self.com2.flush_output();
        self.debugcon.flush();
    }

    /// Writes what the guest left in the disks' caches to the host (at exit).
    pub fn flush_disks(&mut self) -> Result<(), String> {
        for ch in &mut self.ide {
            ch.flush().map_err(|e| e.to_string())?;
        }
        self.fdc.flush().map_err(|e| e.to_string())
    }

    fn claim_ports(&mut self) -> Result<(), String> {
        let p = &mut self.ports;
        p.claim_all(DeviceId::Pic, amber_devices::pic::PORTS)?;
        p.claim_all(DeviceId::Pit, amber_devices::pit::PORTS)?;
        p.claim_all(DeviceId::Rtc, amber_devices::rtc::PORTS)?;
        p.claim(DeviceId::Com1, 0x3F8, 8)?;
        p.claim(DeviceId::Com2, 0x2F8, 8)?;
        p.claim_all(DeviceId::Post, amber_devices::post::PORTS)?;
        p.claim_all(DeviceId::A20, amber_devices::a20::PORTS)?;
        p.claim_all(DeviceId::Kbc, amber_devices::i8042::PORTS)?;
        p.claim_all(DeviceId::Vga, amber_devices::vga::PORTS)?;
        p.claim_all(DeviceId::DebugCon, amber_devices::debugcon::PORTS)?;
        p.claim_all(DeviceId::DebugExit, amber_devices::debug_exit::PORTS)?;
        p.claim_all(DeviceId::Ferr, amber_devices::ferr::PORTS)?;
        p.claim_all(DeviceId::FwCfg, amber_devices::fw_cfg::PORTS)?;
        p.claim_all(DeviceId::Pci, amber_devices::pci::PORTS)?;
        p.claim_all(DeviceId::AcpiPm, amber_devices::acpi_pm::PORTS)?;
        for (id, base) in [(DeviceId::Ide0, 0x1F0), (DeviceId::Ide1, 0x170)] {
            p.claim(id, base, 8)?;
            p.claim(id, base + CONTROL_OFFSET, 1)?;
        }
        p.claim_all(DeviceId::Dma, amber_devices::dma::PORTS)?;
        p.claim_all(DeviceId::Fdc, amber_devices::fdc::PORTS)?;
        Ok(())
    }

    /// Whether address line A20 is enabled (port 0x92 and the 8042 drive it).
    pub fn a20_enabled(&self) -> bool {
        self.a20_line
    }

    /// Whether the guest asked for a reset (port 0x92 bit 0, or 0xCF9); clears the request.
    pub fn take_reset_request(&mut self) -> bool {
        self.a20.take_reset_request() | std::mem::take(&mut self.reset_requested)
    }

    /// Returns every device to its power-on state.
    pub fn reset(&mut self) {
        self.pic.reset();
        self.pit.reset();
        self.rtc.reset();
        self.com1.reset();
        self.com2.reset();
        self.a20.reset();
        self.kbc.reset();
        self.vga.reset();
        self.a20_line = true;
        self.kbc_a20 = true;
        self.pci.reset();
        self.fw_cfg.reset();
        self.debug_exit.reset();
        self.ferr.reset();
        self.lapic.reset();
        self.ioapic.reset();
        self.acpi_pm.reset();
        self.ide.iter_mut().for_each(AtaChannel::power_on);
        self.dma.reset();
        self.fdc.reset();
        self.deadlines = [None; TIMED.len()];
        self.map_changed |= self.sync_pam();
        self.sync_bus_master();
        self.sync_lfb();
    }

    /// Follows the VGA function's BAR0: where the linear framebuffer answers.
    fn sync_lfb(&mut self) {
        let (device, function) = VGA_FUNCTION;
        self.lfb_base = self
            .pci
            .function(device, function)
            .and_then(|f| f.memory_bar(BAR0, VRAM_SIZE as u32));
    }

    /// The framebuffer offset of physical address `paddr`, if BAR0 maps it there.
    fn lfb_offset(&self, paddr: u32) -> Option<u32> {
        let offset = paddr.checked_sub(self.lfb_base?)?;
        (offset < VRAM_SIZE as u32).then_some(offset)
    }

    /// Follows the IDE function's BAR4: the bus-master registers move to the 16 ports it
    /// names while I/O space is enabled. A range that collides with another device's ports
    /// is not decoded (logged).
    fn sync_bus_master(&mut self) {
        let (device, function) = IDE_FUNCTION;
        let base = self
            .pci
            .function(device, function)
            .and_then(|f| f.io_bar(BAR4, u32::from(bus_master::PORTS)));
        if base == self.bus_master_base {
            return;
        }
        if let Some(old) = self.bus_master_base.take() {
            self.ports
                .release(DeviceId::BusMaster, old, bus_master::PORTS);
        }
        if let Some(new) = base {
            match self
                .ports
                .claim(DeviceId::BusMaster, new, bus_master::PORTS)
            {
                Ok(()) => self.bus_master_base = Some(new),
                Err(e) => log::warn!("ide: bus-master registers not decoded: {e}"),
            }
        }
    }

    /// Runs the IDE DMA transfers that are ready, if the IDE function may master the bus
    /// (until it may, a started transfer waits).
    fn service_ide_dma(&mut self) {
        let (device, function) = IDE_FUNCTION;
        if !self
            .pci
            .function(device, function)
            .is_some_and(PciFunction::bus_master_enabled)
        {
            return;
        }
        let mut mem = RamDma {
            ram: &self.ram,
            map: &self.map,
            wrote: false,
        };
        for ch in &mut self.ide {
            ch.service_dma(&mut mem);
        }
        self.dma_wrote_ram |= mem.wrote;
    }

    /// Takes the host bridge's PAM registers into the memory map; true if that changed it.
    fn sync_pam(&mut self) -> bool {
        let Some(bridge) = self.pci.function(0, 0) else {
            return false;
        };
        let pam = std::array::from_fn(|i| bridge.config(PAM_OFFSET + i as u8));
        self.map.set_pam(pam)
    }

    /// Sets the PAM registers as firmware does (`pam[i]` to register 0x59 + i).
    pub fn set_pam(&mut self, pam: [u8; PAM_COUNT]) {
        if let Some(bridge) = self.pci.function_mut(0, 0) {
            for (i, v) in (PAM_OFFSET..).zip(pam) {
                bridge.write_config(i, v);
            }
        }
        self.map_changed |= self.sync_pam();
    }

    /// Whether the memory map changed, or DMA wrote RAM, since the last call: the CPU must
    /// drop what it cached of memory (translations and decoded code, which a DMA write may
    /// have replaced behind its back).
    pub fn take_map_change(&mut self) -> bool {
        std::mem::take(&mut self.map_changed) | std::mem::take(&mut self.dma_wrote_ram)
    }

    /// The device answering at a port, as a `PortIo`.
    fn device(&mut self, id: DeviceId) -> Option<&mut dyn PortIo> {
        Some(match id {
            DeviceId::None | DeviceId::BiosTrap | DeviceId::BusMaster => return None,
            DeviceId::Pic => &mut self.pic,
            DeviceId::Pit => &mut self.pit,
            DeviceId::Rtc => &mut self.rtc,
            DeviceId::Com1 => &mut self.com1,
            DeviceId::Com2 => &mut self.com2,
            DeviceId::Post => &mut self.post,
            DeviceId::A20 => &mut self.a20,
            DeviceId::Kbc => &mut self.kbc,
            DeviceId::Vga => &mut self.vga,
            DeviceId::DebugCon => &mut self.debugcon,
            DeviceId::DebugExit => &mut self.debug_exit,
            DeviceId::Ferr => &mut self.ferr,
            DeviceId::FwCfg => &mut self.fw_cfg,
            DeviceId::Pci => &mut self.pci,
            DeviceId::Ide0 => &mut self.ide[0],
            DeviceId::Ide1 => &mut self.ide[1],
            DeviceId::AcpiPm => &mut self.acpi_pm,
            DeviceId::Dma => &mut self.dma,
            DeviceId::Fdc => &mut self.fdc,
            DeviceId::Lapic => return None,
        })
    }

    fn timed(&mut self, id: DeviceId) -> Option<&mut dyn Timed> {
        Some(match id {
            DeviceId::Pit => &mut self.pit,
            DeviceId::Rtc => &mut self.rtc,
            DeviceId::Com1 => &mut self.com1,
            DeviceId::Com2 => &mut self.com2,
            DeviceId::Lapic => &mut self.lapic,
            DeviceId::Kbc => &mut self.kbc,
            _ => return None,
        })
    }

    /// Runs the timed devices up to `now` and records their next deadlines.
    pub fn advance(&mut self, now: Nanos) {
        for (i, id) in TIMED.into_iter().enumerate() {
            if self.deadlines[i].is_some_and(|d| d <= now) || self.deadlines[i].is_none() {
                self.deadlines[i] = self.timed(id).and_then(|d| d.advance(now));
            }
        }
    }

    /// The earliest device event.
    pub fn next_deadline(&self) -> Option<Nanos> {
        self.deadlines.iter().flatten().copied().min()
    }

    /// A key goes down (`down`) or up on the PS/2 keyboard at `now`; a key held down
    /// repeats on the virtual clock.
    pub fn key(&mut self, now: Nanos, key: amber_devices::ps2::Key, down: bool) {
        if down {
            self.kbc.press(now, key);
        } else {
            self.kbc.release(key);
        }
        self.refresh_deadline(DeviceId::Kbc, now);
    }

    /// After a port access a timed device may have a new deadline.
    fn refresh_deadline(&mut self, id: DeviceId, now: Nanos) {
        if let Some(i) = TIMED.iter().position(|&t| t == id) {
            self.deadlines[i] = self.timed(id).and_then(|d| d.advance(now));
        }
    }

    /// Whether the board needs the run loop's attention after a write to `id`.
    fn wants_stop(&mut self, id: DeviceId) -> bool {
        match id {
            DeviceId::DebugExit => self.debug_exit.exit_code().is_some(),
            DeviceId::AcpiPm => self.acpi_pm.power_off_requested(),
            DeviceId::BiosTrap => {
                self.bios_trap = true;
                true
            }
            DeviceId::A20 => {
                self.a20_line = self.a20.enabled();
                true
            }
            DeviceId::Kbc => {
                let changed = self.kbc.a20() != self.kbc_a20;
                if changed {
                    self.kbc_a20 = self.kbc.a20();
                    self.a20_line = self.kbc_a20;
                }
                let reset = self.kbc.take_reset_request();
                self.reset_requested |= reset;
                changed || reset
            }
            DeviceId::Pci => {
                self.reset_requested |= self.pci.take_reset_request();
                self.map_changed |= self.sync_pam();
                self.sync_bus_master();
                self.sync_lfb();
                self.service_ide_dma();
                self.reset_requested || self.map_changed || self.dma_wrote_ram
            }
            DeviceId::Ide0 | DeviceId::Ide1 | DeviceId::BusMaster => {
                self.service_ide_dma();
                self.dma_wrote_ram
            }
            DeviceId::Fdc => self.dma_wrote_ram,
            _ => false,
        }
    }
}

/// Whether `paddr` is in the legacy VGA window A0000-BFFFF.
fn vga_window(paddr: u32) -> bool {
    let (base, len) = LEGACY_WINDOW;
    (base..base + len).contains(&paddr)
}

impl Bus for Board {
    fn phys_page(&mut self, paddr: u32) -> PhysPage {
        self.map.page(paddr)
    }

    fn mmio_read(&mut self, paddr: u32, size: u8, icount: u64) -> u32 {
        let now = self.clock.now(icount);
        if let Some(off) = self.map.legacy_read(paddr) {
            let mut b = [0u8; 4];
            let n = usize::from(size).min(4);
            self.ram.read_slice(off as usize, &mut b[..n]);
            return u32::from_le_bytes(b);
        }
        if vga_window(paddr) {
            return self.vga.mem_read(paddr, size);
        }
        if let Some(offset) = self.lfb_offset(paddr) {
            return self.vga.lfb_read(offset, size);
        }
        match paddr & !0xFFF {
            lapic::DEFAULT_BASE => self.lapic.read(now, paddr & 0xFFF),
            ioapic::DEFAULT_BASE => self.ioapic.read(paddr & 0xFFF),
            _ => ones(size),
        }
    }

    fn mmio_write(&mut self, paddr: u32, size: u8, value: u32, icount: u64) -> BusAction {
        let now = self.clock.now(icount);
        if let Some(off) = self.map.legacy_write(paddr) {
            let n = usize::from(size).min(4);
            self.ram
                .write_slice(off as usize, &value.to_le_bytes()[..n]);
            return BusAction::Continue;
        }
        if vga_window(paddr) {
            self.vga.mem_write(paddr, size, value);
            return BusAction::Continue;
        }
        if let Some(offset) = self.lfb_offset(paddr) {
            self.vga.lfb_write(offset, size, value);
            return BusAction::Continue;
        }
        match paddr & !0xFFF {
            lapic::DEFAULT_BASE => {
                self.lapic.write(now, paddr & 0xFFF, value);
                while let Some(v) = self.lapic.take_level_eoi() {
                    self.ioapic.eoi(v);
                }
                self.refresh_deadline(DeviceId::Lapic, now);
            }
            ioapic::DEFAULT_BASE => self.ioapic.write(paddr & 0xFFF, value),
            _ => {}
        }
        BusAction::Continue
    }

    fn io_read(&mut self, port: u16, size: u8, icount: u64) -> u32 {
        let now = self.clock.now(icount);
        let id = self.ports.owner(port);
        let base = self.bus_master_base;
        let v = match (self.device(id), base) {
            (Some(d), _) => d.read(now, port, size),
            (None, Some(base)) if id == DeviceId::BusMaster => {
                bus_master::read(&self.ide, port.wrapping_sub(base), size)
            }
            (None, _) => ones(size),
        };
        self.refresh_deadline(id, now);
        v
    }

    fn io_write(&mut self, port: u16, size: u8, value: u32, icount: u64) -> BusAction {
        let now = self.clock.now(icount);
        let id = self.ports.owner(port);
        let base = self.bus_master_base;
        match (self.device(id), base) {
            (Some(d), _) => d.write(now, port, size, value),
            (None, Some(base)) if id == DeviceId::BusMaster => {
                bus_master::write(&mut self.ide, port.wrapping_sub(base), size, value)
            }
            (None, _) => {}
        }
        if id == DeviceId::Fdc {
            let mut mem = RamDma {
                ram: &self.ram,
                map: &self.map,
                wrote: false,
            };
            self.fdc.service_dma(&mut self.dma, &mut mem);
            self.dma_wrote_ram |= mem.wrote;
        }
        self.refresh_deadline(id, now);
        if self.wants_stop(id) {
            BusAction::Stop
        } else {
            BusAction::Continue
        }
    }

    /// The local APIC's fixed interrupts (from the IOAPIC, its timer, self-IPIs), and the
    /// 8259A's INTR while LINT0 passes it through (virtual-wire mode, or APIC disabled).
    fn interrupt_pending(&mut self, icount: u64) -> bool {
        if self.lines.ioapic_attention() {
            for (vector, level) in self.ioapic.poll() {
                self.lapic.accept(vector, level);
            }
        }
        self.lapic.pending(self.clock.now(icount)) || self.lapic.lint0_extint() && self.pic.intr()
    }

    fn floating_point_error(&mut self) {
        self.ferr.assert();
    }

    fn acknowledge_interrupt(&mut self, icount: u64) -> u8 {
        if self.lapic.pending(self.clock.now(icount)) {
            self.lapic.acknowledge()
        } else {
            self.pic.acknowledge()
        }
    }
}

/// The CMOS equipment byte (0x14) for floppy drive types `types` (0 = none): bit 1 the x87,
/// bit 0 diskette drives present, bits 7-6 their count - 1 (QEMU `pc_cmos_init_floppy`).
pub fn equipment_byte(types: [u8; 2]) -> u8 {
    let drives = types.iter().filter(|&&t| t != 0).count() as u8;
    let floppy = match drives {
        0 => 0,
        n => 0x01 | (n - 1) << 6,
    };
    0x02 | floppy
}

/// Physical memory as the ISA DMA controllers and the IDE bus master reach it: RAM only,
/// bounds-checked. Reads of anything else give 0xFF; writes to anything else are dropped.
/// `wrote` records that RAM was written (the CPU's decoded code may be stale).
struct RamDma<'a> {
    ram: &'a GuestRam,
    map: &'a MemoryMap,
    wrote: bool,
}

impl RamDma<'_> {
    /// Runs `f` on each piece of `[addr, addr + len)` in writable RAM, with its backing
    /// offset and its range in the buffer.
    fn each_ram_piece(
        &self,
        addr: u32,
        len: usize,
        mut f: impl FnMut(usize, std::ops::Range<usize>),
    ) {
        let mut done = 0;
        while done < len {
            let Some(a) = addr.checked_add(done as u32) else {
                break;
            };
            let n = ((0x1000 - (a & 0xFFF)) as usize).min(len - done);
            if let PhysPage::Ram {
                offset,
                writable: true,
            } = self.map.page(a)
            {
                if a < self.map.ram_size() {
                    f((offset + (a & 0xFFF)) as usize, done..done + n);
                }
            }
            done += n;
        }
    }
}

impl DmaMemory for RamDma<'_> {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        buf.fill(0xFF);
        self.each_ram_piece(addr, buf.len(), |off, range| {
            self.ram.read_slice(off, &mut buf[range]);
        });
    }

    fn write(&mut self, addr: u32, data: &[u8]) {
        let mut wrote = false;
        self.each_ram_piece(addr, data.len(), |off, range| {
            wrote |= self.ram.write_slice(off, &data[range]);
        });
        self.wrote |= wrote;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equipment_byte_counts_the_floppy_drives() {
        assert_eq!(equipment_byte([0, 0]), 0x02);
        assert_eq!(equipment_byte([4, 0]), 0x03);
        assert_eq!(equipment_byte([4, 3]), 0x43);
    }

    /// A board with 2 MiB of RAM and its serial and debug outputs going nowhere.
    fn quiet_board() -> Board {
        let map = MemoryMap::new(0x20_0000);
        let ram = Rc::new(GuestRam::new(map.backing_size()));
        let config = MachineConfig {
            serial: crate::config::Sink::None,
            debugcon: crate::config::Sink::None,
            ..MachineConfig::default()
        };
        Board::new(config, ram, map).unwrap()
    }

    /// The controller decodes 0x3F0-0x3F5 and 0x3F7; 0x3F6 stays the IDE control port.
    #[test]
    fn the_floppy_controller_shares_its_block_with_ide() {
        let board = quiet_board();
        for port in (0x3F0..=0x3F5).chain([0x3F7]) {
            assert_eq!(board.ports.owner(port), DeviceId::Fdc, "{port:#x}");
        }
        assert_eq!(board.ports.owner(0x3F6), DeviceId::Ide0);
        assert_eq!(board.ports.owner(0x81), DeviceId::Dma, "channel 2's page");
        assert_eq!(board.rtc.nvram(0x10), 0, "no floppy drives");
        assert_eq!(board.rtc.nvram(0x14) & 0xC1, 0);
        assert_eq!(board.rtc.nvram(0x3D), 0x12, "c, then a");
        assert_eq!(board.rtc.nvram(0x38), 0x30, "then d; signature checked");
    }

    /// A held key is a timed event of the board: its first repeat is the board's next
    /// deadline (500 ms after the press, IBM's default delay), the board's advance to it
    /// puts the make code in the 8042's output buffer again (1Eh, A in set 1, under the
    /// translation the firmware's command byte 65h turns on), and a release ends it.
    #[test]
    fn a_held_key_repeats_on_the_boards_clock() {
        use amber_devices::ps2::Key;
        const MS: Nanos = 1_000_000;
        let mut board = quiet_board();
        // Port accesses at instruction 0: the 8042 does not depend on their time.
        board.io_write(0x64, 1, 0x60, 0);
        board.io_write(0x60, 1, 0x65, 0);
        board.advance(0);
        let before = board.next_deadline();
        board.key(10 * MS, Key::KeyA, true);
        assert_eq!(board.io_read(0x60, 1, 0), 0x1E);
        assert_eq!(board.next_deadline(), before.min(Some(510 * MS)));
        board.advance(510 * MS);
        assert_eq!(board.io_read(0x64, 1, 0) & 1, 1);
        assert_eq!(board.io_read(0x60, 1, 0), 0x1E);
        board.key(550 * MS, Key::KeyA, false);
        assert_eq!(board.io_read(0x60, 1, 0), 0x9E);
        board.advance(2000 * MS);
        assert_eq!(board.io_read(0x64, 1, 0) & 1, 0, "no repeat after release");
    }

    /// A configuration write to the PIIX3 IDE function (00:01.1) through 0xCF8/0xCFC.
    fn ide_config(board: &mut Board, reg: u8, size: u8, value: u32) -> BusAction {
        board.io_write(0xCF8, 4, 0x8000_0900 | u32::from(reg), 0);
        board.io_write(0xCFC, size, value, 0)
    }

    /// BAR4 places the bus-master registers (PIIX3 datasheet, BMIBA); a READ DMA through
    /// them fills RAM once the function may master the bus, and the CPU is told to drop its
    /// decoded code.
    #[test]
    fn bar4_places_the_bus_master_and_dma_fills_ram() {
        let dir = std::env::temp_dir().join(format!("amber-board-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let image = dir.join("bmide.img");
        let bytes: Vec<u8> = (0..64u8).flat_map(|s| [s; 512]).collect();
        std::fs::write(&image, bytes).unwrap();
        let map = MemoryMap::new(0x20_0000);
        let ram = Rc::new(GuestRam::new(map.backing_size()));
        let mut config = MachineConfig {
            serial: crate::config::Sink::None,
            debugcon: crate::config::Sink::None,
            ..MachineConfig::default()
        };
        config.disks[0] = Some(image);
        let mut board = Board::new(config, ram.clone(), map).unwrap();
        ide_config(&mut board, BAR4, 4, 0xC040);
        assert_eq!(board.ports.owner(0xC040), DeviceId::BusMaster);
        assert_eq!(board.ports.owner(0xC04F), DeviceId::BusMaster);
        ide_config(&mut board, BAR4, 4, 0xC080);
        assert_eq!(
            board.ports.owner(0xC040),
            DeviceId::None,
            "the old range is freed"
        );
        assert_eq!(board.ports.owner(0xC080), DeviceId::BusMaster);
        ide_config(&mut board, BAR4, 4, 0x3F0);
        assert_eq!(
            board.ports.owner(0x3F0),
            DeviceId::Fdc,
            "a collision is refused"
        );
        assert_eq!(board.ports.owner(0xC080), DeviceId::None);
        ide_config(&mut board, BAR4, 4, 0xC040);
        assert_eq!(board.ports.owner(0xC040), DeviceId::BusMaster);
        // One region of 1024 bytes at 0x10000, the table at 0x8000.
        ram.write_slice(0x8000, &[0x00, 0x00, 0x01, 0x00, 0x00, 0x04, 0x00, 0x80]);
        board.io_write(0xC044, 4, 0x8000, 0);
        for (port, v) in [
            (0x1F6, 0xE0),
            (0x1F2, 2),
            (0x1F3, 3),
            (0x1F4, 0),
            (0x1F5, 0),
        ] {
            board.io_write(port, 1, v, 0);
        }
        board.io_write(0x1F7, 1, 0xC8, 0);
        assert_eq!(
            board.io_read(0x1F7, 1, 0),
            0x58,
            "waiting for the bus master"
        );
        board.io_write(0xC040, 1, 0x09, 0);
        let mut sector = [0u8; 4];
        ram.read_slice(0x10000, &mut sector);
        assert_eq!(sector, [0; 4], "bus master enable is still clear");
        assert!(!board.take_map_change());
        assert_eq!(ide_config(&mut board, 0x04, 2, 0x0005), BusAction::Stop);
        ram.read_slice(0x10000, &mut sector);
        assert_eq!(sector, [3; 4]);
        ram.read_slice(0x10200, &mut sector);
        assert_eq!(sector, [4; 4]);
        assert!(board.take_map_change(), "decoded code must be dropped");
        assert_eq!(board.io_read(0xC042, 1, 0), 0x04, "interrupt, not active");
        assert_eq!(board.io_read(0x1F7, 1, 0), 0x50);
        board.reset();
        assert_eq!(
            board.ports.owner(0xC040),
            DeviceId::None,
            "BAR4 unassigned again"
        );
    }

    #[test]
    fn dma_reaches_ram_only() {
        let map = MemoryMap::new(0x10_0000);
        let ram = GuestRam::new(map.backing_size());
        let mut dma = RamDma {
            ram: &ram,
            map: &map,
            wrote: false,
        };
        dma.write(0x0FFE, &[1, 2, 3, 4]);
        let mut buf = [0u8; 4];
        dma.read(0x0FFE, &mut buf);
        assert_eq!(buf, [1, 2, 3, 4], "across a page boundary");
        dma.write(0xF_0000, &[9]);
        dma.read(0xF_0000, &mut buf[..1]);
        assert_eq!(buf[0], 0xFF, "the ROM is neither written nor read");
        dma.write(0xF_FFFE, &[7, 7, 7, 7]);
        dma.read(0x10_0000, &mut buf);
        assert_eq!(buf, [0xFF; 4], "past the end of RAM");
        dma.read(0xFFFF_FFFE, &mut buf);
        assert_eq!(buf, [0xFF; 4], "at the top of the address space");
        dma.read(0xA_0000, &mut buf);
        assert_eq!(buf, [0xFF; 4], "the VGA window");
    }
}
