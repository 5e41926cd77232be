//! Port 0x92, "System Control Port A" of the PS/2 and of PC chipsets (Ralf Brown's port
//! list, PORT 0092; QEMU hw/i386/port92.c): bit 1 gates address line A20, writing a 1 to
//! bit 0 (from 0) resets the CPU ("fast reset"). Reads return the last value written.
//!
//! As on QEMU's pc machine, A20 is enabled at power-on and after every reset (the CPU comes
//! out of reset with A20 on) while the port still reads 0 until written.

use crate::io::{Nanos, PortIo};

const FAST_RESET: u8 = 0x01;
const A20_ENABLE: u8 = 0x02;

pub const PORTS: &[(u16, u16)] = &[(0x92, 1)];

/// The fast A20 gate and fast reset at port 0x92.
pub struct A20Gate {
    value: u8,
    a20: bool,
    reset_requested: bool,
}

impl Default for A20Gate {
    fn default() -> Self {
        A20Gate::new()
    }
}

impl A20Gate {
    pub fn new() -> A20Gate {
        A20Gate {
            value: 0,
            a20: true,
            reset_requested: false,
        }
    }

    /// Whether address line A20 is enabled.
    pub fn enabled(&self) -> bool {
        self.a20
    }

    /// Whether the guest asked for a reset since the last call.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.reset_requested)
    }

    /// The fast-reset bit drops (QEMU `port92_reset`) and A20 is on again.
    pub fn reset(&mut self) {
        self.value &= !FAST_RESET;
        self.a20 = true;
    }
}

impl PortIo for A20Gate {
    fn read(&mut self, _now: Nanos, _port: u16, size: u8) -> u32 {
        // Only the byte at 0x92 is ours; the bytes above it float.
        u32::from(self.value) | (u32::MAX << 8 & low_bytes(size))
    }

    fn write(&mut self, _now: Nanos, _port: u16, _size: u8, value: u32) {
        let value = value as u8;
        if value & FAST_RESET != 0 && self.value & FAST_RESET == 0 {
            self.reset_requested = true;
        }
        self.a20 = value & A20_ENABLE != 0;
        self.value = value;
    }
}

fn low_bytes(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a20_is_on_at_power_on_and_follows_bit_1() {
        let mut gate = A20Gate::new();
        assert!(gate.enabled());
        assert_eq!(gate.read(0, 0x92, 1), 0x00);
        gate.write(0, 0x92, 1, 0x00);
        assert!(!gate.enabled());
        gate.write(0, 0x92, 1, 0x02);
        assert!(gate.enabled());
        assert_eq!(gate.read(0, 0x92, 1), 0x02);
        assert_eq!(gate.read(0, 0x92, 2), 0xFF02);
        assert!(!gate.take_reset_request());
    }

    #[test]
    fn fast_reset_on_a_rising_bit_0() {
        let mut gate = A20Gate::new();
        gate.write(0, 0x92, 1, 0x03);
        assert!(gate.take_reset_request());
        assert!(!gate.take_reset_request());
        gate.write(0, 0x92, 1, 0x03);
        assert!(
            !gate.take_reset_request(),
            "bit 0 already set: no new request"
        );
        gate.reset();
        assert_eq!(gate.read(0, 0x92, 1), 0x02, "reset clears bit 0 only");
        gate.write(0, 0x92, 1, 0x01);
        assert!(gate.take_reset_request());
        assert!(!gate.enabled());
        gate.reset();
        assert!(gate.enabled());
    }
}
