//! amber-bios: built-in firmware and boot protocols (DESIGN.md "Firmware and booting").
//!
//! Today it holds the built-in demo guest that `amber` runs with no arguments. The ROM with
//! its interrupt services and the boot protocols (Multiboot, Linux, El Torito) arrive with
//! issues #3 and #6.

pub mod demo;
