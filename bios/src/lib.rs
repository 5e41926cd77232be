//! amber-bios: built-in firmware and boot protocols (DESIGN.md "Firmware and booting").
//!
//! - `demo`: the built-in demo guest that `amber` runs with no arguments.
//! - The built-in BIOS: a 64 KiB ROM (`rom.rs`) whose interrupt vectors point at stubs that
//!   trap into Rust services (`services/`). POST, the services and the boot all reach the
//!   hardware through ports and memory (`Platform`), as real firmware does, so the devices
//!   have no firmware-only interface: INT 13h drives the IDE controller with ATA commands
//!   (ATAPI PACKET commands for CD-ROMs, which boot by El Torito),
//!   INT 14h and the serial console program the UART; floppies go through the 82077
//!   controller and DMA channel 2; the keyboard (INT 09h, INT 16h) and the PS/2 mouse
//!   (INT 15h AH=C2h, INT 74h) through the 8042 at ports 60h/64h; the PCI BIOS (INT 1Ah
//!   AH=B1h) through configuration ports CF8h/CFCh; timed waits (INT 15h AH=83h/86h) count
//!   the RTC's periodic interrupt; INT 10h programs the VGA's registers and writes its
//!   memory window (A0000h-BFFFFh), and VBE drives the Bochs DISPI ports 1CEh/1CFh. Work that must run as guest code (waiting with
//!   interrupts on, calling a guest's handler) continues in ROM routines after the trap.

pub mod acpi;
mod aml;
pub mod demo;
mod fonts;
mod platform;
pub mod rom;
mod services;

pub use platform::{linear, Platform, Regs};
pub use rom::{Rom, Service, TRAP_PORT};
pub use services::disk::HardDisk;

/// The chipset set-up of POST (the PAM registers, IDE decoding), through the PCI
/// configuration ports, for the built-in BIOS and for boots that skip it.
pub fn chipset_post(p: &mut dyn Platform) {
    services::post::chipset(p);
}

/// The video part of POST for boots that skip the BIOS (a Linux kernel loaded directly):
/// the VGA's framebuffer BAR, then text mode 03h, cleared, with the cursor at the top left.
pub fn video_post(p: &mut dyn Platform) {
    services::video::post(p);
}

use amber_cpu::CpuState;

/// The built-in BIOS: its ROM and what POST found.
pub struct Bios {
    rom: Rom,
    /// The hard disks POST found, as INT 13h numbers them from 80h.
    disks: Vec<HardDisk>,
    /// The CD-ROM drives POST found, as INT 13h numbers them from E0h, and their lock counts
    /// (INT 13h AH=45h).
    cdroms: Vec<services::cdrom::CdDrive>,
    cd_locks: [u8; 4],
    /// The El Torito boot INT 19h made, if it booted a CD.
    cd_boot: Option<services::eltorito::CdBoot>,
    /// The floppy drives A: and B: as the CMOS describes them.
    floppies: [Option<services::floppy::DriveType>; 2],
}

impl Default for Bios {
    fn default() -> Self {
        Bios::new()
    }
}

impl Bios {
    pub fn new() -> Bios {
        let mut rom = Rom::build();
        let table = usize::from(services::floppy::PARAMETER_TABLE_OFFSET);
        rom.image[table..table + services::floppy::PARAMETER_TABLE.len()]
            .copy_from_slice(&services::floppy::PARAMETER_TABLE);
        services::video::install_rom_data(&mut rom.image);
        Bios {
            rom,
            disks: Vec::new(),
            cdroms: Vec::new(),
            cd_locks: [0; 4],
            cd_boot: None,
            floppies: [None; 2],
        }
    }

    /// The ROM image, for the board to map at F0000 and below 4 GiB.
    pub fn rom_image(&self) -> &[u8] {
        &self.rom.image
    }

    /// The hard disks POST found.
    pub fn disks(&self) -> &[HardDisk] {
        &self.disks
    }

    /// Runs the service whose stub trapped, the CPU stopped right after the trap. Returns
    /// false if the trap did not come from a stub (a guest writing to the port itself).
    pub fn trap(&mut self, cpu: &mut CpuState, p: &mut dyn Platform) -> bool {
        let cs = cpu.seg[amber_cpu::Seg::Cs as usize].selector;
        let ip = cpu.eip as u16;
        let service = match (cs, self.rom.service_at(ip)) {
            (rom::SEGMENT, Some(s)) => s,
            _ => return false,
        };
        let mut r = Regs(cpu);
        match service {
            Service::Post => services::post::run(self, &mut r, p),
            Service::Int(v) => services::dispatch(self, v, &mut r, p),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The diskette parameter table sits at F000:EFC7, in bytes no stub uses.
    #[test]
    fn diskette_parameter_table_in_the_rom() {
        let bare = Rom::build();
        let at = usize::from(services::floppy::PARAMETER_TABLE_OFFSET);
        assert!(bare.image[at..at + 11].iter().all(|&b| b == 0xFF));
        let bios = Bios::new();
        assert_eq!(
            bios.rom_image()[at..at + 11],
            services::floppy::PARAMETER_TABLE
        );
    }
}
