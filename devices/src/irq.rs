//! Interrupt request lines between devices and the interrupt controllers. Each line has a
//! level; a rising edge is latched until the controller takes it, so a short pulse between
//! two samples is not lost (the 8259A latches edges in its IRR the same way).

use std::cell::Cell;
use std::rc::Rc;

/// The board's 24 ISA/PCI interrupt lines (IOAPIC-sized; the PIC pair uses 0-15).
#[derive(Default, Debug)]
pub struct IrqLines {
    level: Cell<u32>,
    /// Rising edges not yet taken by the PIC pair...
    edges: Cell<u32>,
    /// ...and by the IOAPIC, which latches them separately.
    ioapic_edges: Cell<u32>,
}

impl IrqLines {
    pub const COUNT: u8 = 24;

    pub fn new() -> Rc<IrqLines> {
        Rc::new(IrqLines::default())
    }

    /// A handle a device keeps to drive line `n`.
    pub fn line(self: &Rc<Self>, n: u8) -> IrqLine {
        assert!(n < Self::COUNT, "IRQ line {n} does not exist");
        IrqLine {
            lines: self.clone(),
            n,
        }
    }

    /// Current levels, one bit per line.
    pub fn levels(&self) -> u32 {
        self.level.get()
    }

    /// Rising edges since the last call, one bit per line; clears them.
    pub fn take_edges(&self) -> u32 {
        self.edges.replace(0)
    }

    /// Rising edges seen and not yet taken.
    pub fn pending_edges(&self) -> u32 {
        self.edges.get()
    }

    /// Rising edges since the IOAPIC last took them; clears them.
    pub fn take_ioapic_edges(&self) -> u32 {
        self.ioapic_edges.replace(0)
    }

    /// Whether any line is high or has an edge the IOAPIC has not taken.
    pub fn ioapic_attention(&self) -> bool {
        self.level.get() | self.ioapic_edges.get() != 0
    }

    fn set(&self, n: u8, high: bool) {
        let bit = 1u32 << n;
        let old = self.level.get();
        if high {
            if old & bit == 0 {
                self.edges.set(self.edges.get() | bit);
                self.ioapic_edges.set(self.ioapic_edges.get() | bit);
            }
            self.level.set(old | bit);
        } else {
            self.level.set(old & !bit);
        }
    }
}

/// One interrupt line, as a device holds it.
#[derive(Clone, Debug)]
pub struct IrqLine {
    lines: Rc<IrqLines>,
    n: u8,
}

impl IrqLine {
    /// Drives the line high or low.
    pub fn set_level(&self, high: bool) {
        self.lines.set(self.n, high);
    }

    /// A rising edge followed by a return to low (an edge-triggered event).
    pub fn pulse(&self) {
        self.lines.set(self.n, true);
        self.lines.set(self.n, false);
    }

    pub fn number(&self) -> u8 {
        self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pulse_leaves_a_latched_edge_and_a_low_level() {
        let lines = IrqLines::new();
        let l = lines.line(3);
        l.pulse();
        assert_eq!(lines.levels(), 0);
        assert_eq!(lines.take_edges(), 1 << 3);
        assert_eq!(lines.take_edges(), 0);
    }

    #[test]
    fn holding_a_line_high_is_one_edge() {
        let lines = IrqLines::new();
        let l = lines.line(8);
        l.set_level(true);
        l.set_level(true);
        assert_eq!(lines.levels(), 1 << 8);
        assert_eq!(lines.take_edges(), 1 << 8);
        assert_eq!(lines.take_edges(), 0);
    }
}
