//! The PC/AT's x87 error logic: with CR0.NE clear, an unmasked x87 exception asserts the
//! coprocessor's FERR# output, which the board latches onto IRQ 13; any write to port 0xF0
//! clears the latch (and lets the coprocessor go on), as the AT's handler does before
//! FNCLEX. Reads return all ones, as on QEMU's `pc` machine.

use crate::io::{Nanos, PortIo};
use crate::irq::IrqLine;

pub const PORTS: &[(u16, u16)] = &[(0xF0, 1)];

/// The FERR# latch on IRQ 13, cleared through port 0xF0.
pub struct FerrLatch {
    irq: IrqLine,
}

impl FerrLatch {
    pub fn new(irq: IrqLine) -> FerrLatch {
        FerrLatch { irq }
    }

    /// FERR# asserted by the processor.
    pub fn assert(&mut self) {
        self.irq.set_level(true);
    }

    pub fn reset(&mut self) {
        self.irq.set_level(false);
    }
}

impl PortIo for FerrLatch {
    fn read(&mut self, _now: Nanos, _port: u16, size: u8) -> u32 {
        u32::MAX >> (32 - 8 * u32::from(size))
    }

    fn write(&mut self, _now: Nanos, _port: u16, _size: u8, _value: u32) {
        self.irq.set_level(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::irq::IrqLines;

    #[test]
    fn ferr_raises_irq13_until_port_f0_is_written() {
        let lines = IrqLines::new();
        let mut latch = FerrLatch::new(lines.line(13));
        latch.assert();
        assert_eq!(lines.levels(), 1 << 13);
        assert_eq!(lines.take_edges(), 1 << 13);
        assert_eq!(latch.read(0, 0xF0, 1), 0xFF);
        assert_eq!(lines.levels(), 1 << 13, "a read does not clear the latch");
        latch.write(0, 0xF0, 1, 0);
        assert_eq!(lines.levels(), 0);
    }
}
