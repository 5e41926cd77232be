//! QEMU's isa-debug-exit (hw/misc/debugexit.c), as configured with `iobase=0xf4,iosize=4`:
//! writing a value v to the port asks the emulator to exit with status (v << 1) | 1, so a
//! guest test can report success or failure as the process exit code (which keeps the low 8
//! bits). Accesses of 1 to 4 bytes anywhere in the range count.

use crate::io::{Nanos, PortIo};

pub const PORTS: &[(u16, u16)] = &[(0xF4, 4)];

/// The debug-exit device at ports 0xF4-0xF7.
#[derive(Default)]
pub struct DebugExit {
    exit_code: Option<i32>,
}

impl DebugExit {
    pub fn new() -> DebugExit {
        DebugExit::default()
    }

    /// The exit status the guest asked for, if it wrote the port. The first request wins,
    /// as QEMU exits at once.
    pub fn exit_code(&self) -> Option<i32> {
        self.exit_code
    }

    /// Forgets a request the board has not acted on.
    pub fn reset(&mut self) {
        self.exit_code = None;
    }
}

impl PortIo for DebugExit {
    /// The device has no read side; the port floats.
    fn read(&mut self, _now: Nanos, _port: u16, size: u8) -> u32 {
        match size {
            1 => 0xFF,
            2 => 0xFFFF,
            _ => 0xFFFF_FFFF,
        }
    }

    fn write(&mut self, _now: Nanos, _port: u16, size: u8, value: u32) {
        let value = match size {
            1 => value & 0xFF,
            2 => value & 0xFFFF,
            _ => value,
        };
        // C's exit() takes an int: the status is (v << 1) | 1 truncated to 32 bits.
        let status = ((u64::from(value) << 1) | 1) as u32 as i32;
        self.exit_code.get_or_insert(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_requests_exit_with_value_shifted_left_plus_one() {
        let mut dev = DebugExit::new();
        assert_eq!(dev.exit_code(), None);
        dev.write(0, 0xF4, 1, 0x00);
        assert_eq!(dev.exit_code(), Some(1));
        dev.write(0, 0xF4, 1, 0x10);
        assert_eq!(dev.exit_code(), Some(1), "the first request stands");
        dev.reset();
        assert_eq!(dev.exit_code(), None);
    }

    #[test]
    fn sizes_and_offsets() {
        let cases = [
            (0xF4, 1, 0x10, 0x21),
            (0xF4, 1, 0x1FF, 0x1FF),
            (0xF5, 2, 0x1234, 0x2469),
            (0xF4, 4, 0x7FFF_FFFF, -1),
            (0xF4, 4, 0x8000_0000, 1),
        ];
        for (port, size, value, status) in cases {
            let mut dev = DebugExit::new();
            dev.write(0, port, size, value);
            assert_eq!(
                dev.exit_code(),
                Some(status),
                "{size}-byte write of {value:#x}"
            );
        }
        assert_eq!(DebugExit::new().read(0, 0xF4, 4), 0xFFFF_FFFF);
    }
}
