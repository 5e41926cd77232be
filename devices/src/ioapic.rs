//! The Intel 82093AA I/O APIC at 0xFEC00000, with 24 interrupt inputs on the board's IRQ
//! lines. Behaviour follows the 82093AA datasheet (order no. 290566), section 3 "Register
//! Description": 3.1 the memory-mapped IOREGSEL (00h) and IOWIN (10h), 3.2 the registers behind
//! them (IOAPICID, IOAPICVER, IOAPICARB, and the IOREDTBL[23:0] redirection entries with their
//! trigger mode, polarity, mask and remote IRR, which an EOI message for the vector clears).
//!
//! One local APIC listens, so the destination fields are stored but not matched: every
//! unmasked fixed or lowest-priority interrupt goes to it. Entries with the SMI, NMI, INIT or
//! ExtINT delivery modes deliver nothing here.

use std::rc::Rc;

use crate::irq::IrqLines;

/// The physical address of the register window after reset.
pub const DEFAULT_BASE: u32 = 0xFEC0_0000;

/// IOAPICVER: version 11h, maximum redirection entry 17h (24 entries).
pub const VERSION: u32 = 0x0017_0011;

const ENTRIES: usize = IrqLines::COUNT as usize;

/// MMIO offsets of the index and data registers.
const IOREGSEL: u32 = 0x00;
const IOWIN: u32 = 0x10;

/// Indirect register indices.
const REG_ID: u8 = 0x00;
const REG_VERSION: u8 = 0x01;
const REG_ARBITRATION: u8 = 0x02;
const REG_REDIRECTION: u8 = 0x10;

/// IOAPICID bits 24-27.
const ID_BITS: u32 = 0x0F00_0000;

/// Redirection entry fields.
const DELIVERY_MODE_SHIFT: u32 = 8;
const POLARITY_LOW: u64 = 1 << 13;
const REMOTE_IRR: u64 = 1 << 14;
const LEVEL: u64 = 1 << 15;
const MASKED: u64 = 1 << 16;
/// Vector, delivery mode, destination mode, polarity, trigger mode, mask and destination;
/// delivery status (bit 12) and remote IRR (bit 14) are read-only.
const WRITABLE: u64 = 0xFF00_0000_0001_AFFF;

/// Delivery modes that deliver the entry's vector: fixed and lowest priority.
const VECTOR_DELIVERY_MODES: [bool; 8] = [true, true, false, false, false, false, false, false];

/// The 82093AA.
#[derive(Clone, Debug)]
pub struct IoApic {
    lines: Rc<IrqLines>,
    /// IOREGSEL: the register IOWIN reaches.
    select: u8,
    /// IOAPICID bits 24-27, also the arbitration ID.
    id: u32,
    redirection: [u64; ENTRIES],
    /// The line levels at the last poll, to see falling edges for active-low inputs.
    levels: u32,
}

impl IoApic {
    /// The I/O APIC after reset: ID 0, every redirection entry masked.
    pub fn new(lines: Rc<IrqLines>) -> IoApic {
        lines.take_ioapic_edges();
        let levels = lines.levels();
        IoApic {
            lines,
            select: 0,
            id: 0,
            redirection: [MASKED; ENTRIES],
            levels,
        }
    }

    /// A hardware reset; edges latched before it are dropped.
    pub fn reset(&mut self) {
        *self = IoApic::new(self.lines.clone());
    }

    /// A 32-bit read at `offset` in the register window (other offsets read 0).
    pub fn read(&mut self, offset: u32) -> u32 {
        match offset {
            IOREGSEL => u32::from(self.select),
            IOWIN => self.read_register(),
            _ => 0,
        }
    }

    /// A 32-bit write at `offset` in the register window (other offsets are ignored).
    pub fn write(&mut self, offset: u32, value: u32) {
        match offset {
            IOREGSEL => self.select = value as u8,
            IOWIN => self.write_register(value),
            _ => {}
        }
    }

    /// Samples the lines and returns the interrupts to send to the local APIC, as (vector,
    /// level triggered) in pin order: edge-triggered entries whose input was asserted since
    /// the last poll (a rising edge, or a falling one for active-low), and level-triggered
    /// entries whose input is asserted while their remote IRR is clear, which sets it. Masked
    /// entries send nothing and lose their edges.
    pub fn poll(&mut self) -> Vec<(u8, bool)> {
        let rising = self.lines.take_ioapic_edges();
        let levels = self.lines.levels();
        let before = std::mem::replace(&mut self.levels, levels);
        // A latched rise that ended low, or that started from high, came with a fall.
        let falling = before & !levels | rising & (before | !levels);
        let mut sent = Vec::new();
        for (pin, entry) in self.redirection.iter_mut().enumerate() {
            let mode = (*entry >> DELIVERY_MODE_SHIFT & 7) as usize;
            if *entry & MASKED != 0 || !VECTOR_DELIVERY_MODES[mode] {
                continue;
            }
            let active_low = *entry & POLARITY_LOW != 0;
            let level = *entry & LEVEL != 0;
            let fire = if level {
                let asserted = (levels >> pin & 1 != 0) != active_low;
                asserted && *entry & REMOTE_IRR == 0
            } else {
                [rising, falling][usize::from(active_low)] >> pin & 1 != 0
            };
            if fire {
                if level {
                    *entry |= REMOTE_IRR;
                }
                sent.push((*entry as u8, level));
            }
        }
        sent
    }

    /// The EOI message of a local APIC for `vector`: clears the remote IRR of the entries
    /// with that vector, so a level input still asserted interrupts again.
    pub fn eoi(&mut self, vector: u8) {
        for entry in &mut self.redirection {
            if *entry as u8 == vector {
                *entry &= !REMOTE_IRR;
            }
        }
    }

    /// The redirection entry and half (high when true) a register index names, if it does.
    fn entry_of(index: u8) -> Option<(usize, bool)> {
        let offset = usize::from(index.checked_sub(REG_REDIRECTION)?);
        (offset < 2 * ENTRIES).then_some((offset / 2, offset % 2 == 1))
    }

    fn read_register(&self) -> u32 {
        match self.select {
            REG_ID => self.id,
            REG_VERSION => VERSION,
            // Loaded with the ID when that is written (3.2.1); the APIC bus rotation that
            // changes it afterwards has a single agent here and never runs.
            REG_ARBITRATION => self.id,
            index => Self::entry_of(index).map_or(0, |(pin, high)| {
                let entry = self.redirection[pin];
                (if high { entry >> 32 } else { entry }) as u32
            }),
        }
    }

    fn write_register(&mut self, value: u32) {
        if self.select == REG_ID {
            self.id = value & ID_BITS;
            return;
        }
        let Some((pin, high)) = Self::entry_of(self.select) else {
            return;
        };
        let entry = &mut self.redirection[pin];
        let (keep, new) = if high {
            (0xFFFF_FFFF, u64::from(value) << 32)
        } else {
            (0xFFFF_FFFF_0000_0000 | REMOTE_IRR, u64::from(value))
        };
        *entry = *entry & keep | new & WRITABLE;
        // Remote IRR has no meaning for an edge entry; switching an entry to edge clears it
        // (QEMU does the same, and Linux relies on it to unstick pre-IOxAPIC parts).
        if *entry & LEVEL == 0 {
            *entry &= !REMOTE_IRR;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDGE: u32 = 0;
    const LEVEL_TRIGGERED: u32 = 1 << 15;
    const ACTIVE_LOW: u32 = 1 << 13;
    const MASK: u32 = 1 << 16;

    fn setup() -> (Rc<IrqLines>, IoApic) {
        let lines = IrqLines::new();
        let ioapic = IoApic::new(lines.clone());
        (lines, ioapic)
    }

    fn register(ioapic: &mut IoApic, index: u8) -> u32 {
        ioapic.write(IOREGSEL, u32::from(index));
        ioapic.read(IOWIN)
    }

    fn set_register(ioapic: &mut IoApic, index: u8, value: u32) {
        ioapic.write(IOREGSEL, u32::from(index));
        ioapic.write(IOWIN, value);
    }

    fn program(ioapic: &mut IoApic, pin: u8, low: u32) {
        set_register(ioapic, 0x11 + 2 * pin, 0);
        set_register(ioapic, 0x10 + 2 * pin, low);
    }

    #[test]
    fn identification_registers() {
        let (_, mut ioapic) = setup();
        assert_eq!(register(&mut ioapic, 0x01), 0x0017_0011);
        assert_eq!(register(&mut ioapic, 0x00), 0);
        assert_eq!(register(&mut ioapic, 0x02), 0);
        set_register(&mut ioapic, 0x00, 0xFFFF_FFFF);
        assert_eq!(register(&mut ioapic, 0x00), 0x0F00_0000, "ID bits 24-27");
        set_register(&mut ioapic, 0x01, 0);
        assert_eq!(register(&mut ioapic, 0x01), 0x0017_0011, "read-only");
        assert_eq!(
            register(&mut ioapic, 0x02),
            0x0F00_0000,
            "ARB follows the ID"
        );
        assert_eq!(ioapic.read(IOREGSEL), 0x02, "IOREGSEL reads back");
        for index in [0x03, 0x0F, 0x40, 0xFF] {
            set_register(&mut ioapic, index, 0xFFFF_FFFF);
            assert_eq!(register(&mut ioapic, index), 0, "index {index:#x}");
        }
        for offset in [0x04, 0x08, 0x14, 0x20, 0x40] {
            ioapic.write(offset, 0x01);
            assert_eq!(ioapic.read(offset), 0, "offset {offset:#x}");
        }
    }

    #[test]
    fn redirection_entries_reset_masked_and_keep_read_only_bits() {
        let (_, mut ioapic) = setup();
        for pin in 0..24 {
            assert_eq!(register(&mut ioapic, 0x10 + 2 * pin), 0x0001_0000);
            assert_eq!(register(&mut ioapic, 0x11 + 2 * pin), 0);
        }
        set_register(&mut ioapic, 0x10, 0xFFFF_FFFF);
        set_register(&mut ioapic, 0x11, 0xFFFF_FFFF);
        assert_eq!(register(&mut ioapic, 0x10), 0x0001_AFFF);
        assert_eq!(register(&mut ioapic, 0x11), 0xFF00_0000);
        set_register(&mut ioapic, 0x3E, 0x0000_8931);
        set_register(&mut ioapic, 0x3F, 0x0100_0000);
        assert_eq!(register(&mut ioapic, 0x3E), 0x0000_8931);
        assert_eq!(register(&mut ioapic, 0x3F), 0x0100_0000);
        ioapic.reset();
        assert_eq!(register(&mut ioapic, 0x3E), 0x0001_0000);
        assert_eq!(register(&mut ioapic, 0x3F), 0);
    }

    #[test]
    fn edge_entry_delivers_once_per_pulse() {
        let (lines, mut ioapic) = setup();
        program(&mut ioapic, 1, EDGE | 0x31);
        assert_eq!(ioapic.poll(), []);
        lines.line(1).pulse();
        assert_eq!(ioapic.poll(), [(0x31, false)]);
        assert_eq!(ioapic.poll(), []);
        lines.line(1).set_level(true);
        assert_eq!(ioapic.poll(), [(0x31, false)]);
        assert_eq!(ioapic.poll(), [], "a held line is one edge");
        lines.line(1).set_level(false);
        assert_eq!(ioapic.poll(), []);
    }

    #[test]
    fn level_entry_redelivers_only_after_eoi() {
        let (lines, mut ioapic) = setup();
        program(&mut ioapic, 10, LEVEL_TRIGGERED | 0x3A);
        lines.line(10).set_level(true);
        assert_eq!(ioapic.poll(), [(0x3A, true)]);
        assert_eq!(register(&mut ioapic, 0x24) & 1 << 14, 1 << 14, "remote IRR");
        assert_eq!(ioapic.poll(), []);
        ioapic.eoi(0x3B);
        assert_eq!(ioapic.poll(), [], "another vector's EOI");
        ioapic.eoi(0x3A);
        assert_eq!(register(&mut ioapic, 0x24) & 1 << 14, 0);
        assert_eq!(ioapic.poll(), [(0x3A, true)], "still asserted");
        lines.line(10).set_level(false);
        ioapic.eoi(0x3A);
        assert_eq!(ioapic.poll(), []);
        // Rewriting the entry keeps remote IRR; switching it to edge clears it.
        lines.line(10).set_level(true);
        assert_eq!(ioapic.poll(), [(0x3A, true)]);
        set_register(&mut ioapic, 0x24, LEVEL_TRIGGERED | 0x3A);
        assert_eq!(register(&mut ioapic, 0x24), 0x0000_C03A);
        set_register(&mut ioapic, 0x24, EDGE | 0x3A);
        assert_eq!(register(&mut ioapic, 0x24), 0x0000_003A);
    }

    #[test]
    fn masked_entries_deliver_nothing_and_drop_edges() {
        let (lines, mut ioapic) = setup();
        program(&mut ioapic, 4, MASK | 0x34);
        program(&mut ioapic, 11, MASK | LEVEL_TRIGGERED | 0x3B);
        lines.line(4).pulse();
        lines.line(11).set_level(true);
        assert_eq!(ioapic.poll(), []);
        assert_eq!(register(&mut ioapic, 0x26) & 1 << 14, 0, "no remote IRR");
        program(&mut ioapic, 4, 0x34);
        program(&mut ioapic, 11, LEVEL_TRIGGERED | 0x3B);
        assert_eq!(
            ioapic.poll(),
            [(0x3B, true)],
            "the edge is lost, the level is still there"
        );
    }

    #[test]
    fn active_low_inputs_are_inverted() {
        let (lines, mut ioapic) = setup();
        lines.line(5).set_level(true);
        lines.line(9).set_level(true);
        assert_eq!(ioapic.poll(), []);
        program(&mut ioapic, 5, ACTIVE_LOW | 0x45);
        program(&mut ioapic, 9, ACTIVE_LOW | LEVEL_TRIGGERED | 0x49);
        assert_eq!(ioapic.poll(), [], "both inputs high: deasserted");
        lines.line(5).set_level(false);
        lines.line(9).set_level(false);
        assert_eq!(ioapic.poll(), [(0x45, false), (0x49, true)]);
        lines.line(5).set_level(true);
        ioapic.eoi(0x49);
        assert_eq!(
            ioapic.poll(),
            [(0x49, true)],
            "rising is no edge; low stays asserted"
        );
        lines.line(9).set_level(true);
        ioapic.eoi(0x49);
        assert_eq!(ioapic.poll(), []);
        // A short low pulse between two polls is still seen.
        lines.line(5).set_level(false);
        lines.line(5).set_level(true);
        assert_eq!(ioapic.poll(), [(0x45, false)]);
    }

    #[test]
    fn only_fixed_and_lowest_priority_entries_deliver_vectors() {
        let (lines, mut ioapic) = setup();
        for (pin, mode) in (0..8).zip(0..8u32) {
            program(&mut ioapic, pin, mode << 8 | 0x50 | u32::from(pin));
            lines.line(pin).pulse();
        }
        assert_eq!(ioapic.poll(), [(0x50, false), (0x51, false)]);
    }

    #[test]
    fn any_guest_write_sequence_is_harmless() {
        let (lines, mut ioapic) = setup();
        let mut x: u64 = 3;
        for _ in 0..50_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let offset = [0x00, 0x10, 0x04, 0x20][(x >> 10) as usize % 4];
            if x & 1 == 0 {
                ioapic.write(offset, (x >> 32) as u32);
            } else {
                ioapic.read(offset);
            }
            lines.line((x >> 20) as u8 % 24).set_level(x & 2 != 0);
            for (vector, _) in ioapic.poll() {
                ioapic.eoi(vector);
            }
        }
    }
}
