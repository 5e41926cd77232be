//! The BIOS services, one file per group, and the table from interrupt vector to service.

mod cd_drive;
pub mod cdrom;
pub mod clock;
pub mod disk;
pub mod eltorito;
#[cfg(test)]
mod fake_board;
pub mod floppy;
mod keyboard;
mod keyboard_tables;
mod mouse;
mod pci_bios;
pub mod post;
mod ps2_port;
mod serial;
mod system;
pub mod video;
mod wait;

use crate::platform::{Platform, Regs};
use crate::Bios;

/// A service: the BIOS state, the caller's registers, the platform.
type Handler = fn(&mut Bios, &mut Regs, &mut dyn Platform);

/// Interrupt vector -> service.
const SERVICES: &[(u8, Handler)] = &[
    (0x08, clock::timer_tick),
    (0x09, keyboard::int09),
    (0x0E, floppy::irq),
    (0x10, video::int10),
    (0x11, system::equipment),
    (0x12, system::memory_size),
    (0x13, disk::int13),
    (0x14, serial::int14),
    (0x15, system::int15),
    (0x16, keyboard::int16),
    (0x17, serial::int17),
    (0x18, system::boot_failed),
    (0x19, disk::boot),
    (0x1A, clock::int1a),
    (0x70, wait::rtc_irq),
    (0x74, mouse::irq),
];

pub fn dispatch(bios: &mut Bios, vector: u8, r: &mut Regs, p: &mut dyn Platform) {
    match SERVICES.iter().find(|&&(v, _)| v == vector) {
        Some(&(_, h)) => h(bios, r, p),
        None => clock::acknowledge_irq(vector, p),
    }
}

/// The BIOS data area (segment 40h) fields the services use (IBM PC/AT Technical Reference;
/// Ralf Brown's "BIOS Data Area" table).
pub mod bda {
    pub const BASE: u32 = 0x400;
    pub const COM_PORTS: u32 = 0x400;
    pub const EBDA_SEGMENT: u32 = 0x40E;
    pub const EQUIPMENT: u32 = 0x410;
    pub const MEMORY_KB: u32 = 0x413;
    pub const KBD_FLAGS: u32 = 0x417;
    pub const KBD_HEAD: u32 = 0x41A;
    pub const KBD_TAIL: u32 = 0x41C;
    pub const VIDEO_MODE: u32 = 0x449;
    pub const COLUMNS: u32 = 0x44A;
    pub const PAGE_SIZE: u32 = 0x44C;
    pub const CURSOR_POS: u32 = 0x450;
    pub const CURSOR_SHAPE: u32 = 0x460;
    pub const ACTIVE_PAGE: u32 = 0x462;
    pub const CRTC_BASE: u32 = 0x463;
    pub const TICKS: u32 = 0x46C;
    pub const MIDNIGHT: u32 = 0x470;
    pub const DISK_STATUS: u32 = 0x474;
    pub const DISK_COUNT: u32 = 0x475;
    pub const KBD_ALT_CODE: u32 = 0x419;
    pub const BREAK_FLAG: u32 = 0x471;
    pub const RESET_FLAG: u32 = 0x472;
    pub const KBD_START: u32 = 0x480;
    pub const KBD_END: u32 = 0x482;
    pub const ROWS: u32 = 0x484;
    pub const KBD_MODE: u32 = 0x496;
    pub const KBD_LEDS: u32 = 0x497;
}
