//! amber-devices: one file per PC device, and the traits they implement (DESIGN.md
//! "Devices"). A device knows nothing of the CPU: it sees port and memory accesses, the
//! virtual time they happen at, and raises interrupt lines.

pub mod io;
pub mod irq;

pub mod a20;
pub mod acpi_pm;
pub mod ata;
pub mod debug_exit;
pub mod debugcon;
pub mod disk;
pub mod dma;
pub mod fdc;
pub mod ferr;
pub mod fw_cfg;
pub mod i8042;
pub mod ioapic;
pub mod lapic;
pub mod pci;
pub mod pic;
pub mod pit;
pub mod post;
pub mod ps2;
pub mod rtc;
pub mod uart;
pub mod vga;

pub use io::{LineOutput, Nanos, PortIo, Timed};
pub use irq::{IrqLine, IrqLines};
