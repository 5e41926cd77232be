//! The PC/AT pair of Intel 8259A Programmable Interrupt Controllers: the master at ports
//! 0x20/0x21 drives the CPU's INTR, the slave at 0xA0/0xA1 is cascaded on the master's IR2.
//! Behaviour follows the Intel 8259A datasheet (order no. 231468): "Interrupt Sequence",
//! "Initialization Command Words", "Operation Command Words", "Fully Nested Mode", "Automatic
//! Rotation", "Special Mask Mode", "Poll Command", "Edge and Level Triggered Modes". The
//! edge/level control registers (ELCR) at 0x4D0/0x4D1 are those of the Intel 82371SB PIIX3
//! ("ELCR1/ELCR2"); the bits of IRQ0, 1, 2, 8 and 13 are reserved and always edge. Where the
//! datasheet leaves a state open (power-on, what ICW1 clears), QEMU's i8259 is followed.

use std::rc::Rc;

use crate::io::{Nanos, PortIo};
use crate::irq::IrqLines;

/// The port ranges the pair decodes: (first port, count).
pub const PORTS: &[(u16, u16)] = &[(0x20, 2), (0xA0, 2), (0x4D0, 2)];

/// The master input the slave's INT output is wired to.
const CASCADE_LINE: u8 = 2;
const CASCADE_BIT: u8 = 1 << CASCADE_LINE;
/// The line reported by a spurious interrupt (no request left at acknowledge time).
const SPURIOUS_LINE: u8 = 7;
/// ELCR bits that may be set (PIIX3: IRQ0, 1, 2 and IRQ8, 13 are edge only).
const MASTER_ELCR_MASK: u8 = 0xF8;
const SLAVE_ELCR_MASK: u8 = 0xDE;

/// Which initialisation command word the data port expects next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Init {
    Ready,
    Icw2,
    Icw3,
    Icw4,
}

/// One 8259A.
#[derive(Clone, Debug)]
struct Pic8259 {
    is_master: bool,
    /// Interrupt request, in-service and mask registers.
    irr: u8,
    isr: u8,
    imr: u8,
    /// ICW2 bits T7-T3: the vector of IR0.
    vector_base: u8,
    /// The line with the highest priority (IR0 until a rotation).
    highest: u8,
    init: Init,
    /// ICW1: IC4 (an ICW4 follows), SNGL (no cascade), LTIM (all inputs level triggered).
    icw4_needed: bool,
    single: bool,
    ltim: bool,
    /// ICW4: AEOI and SFNM.
    auto_eoi: bool,
    special_fully_nested: bool,
    /// OCW2 rotate-in-automatic-EOI mode.
    rotate_on_auto_eoi: bool,
    /// OCW3 state: special mask mode, read ISR (else IRR) on the command port, poll pending.
    special_mask: bool,
    read_isr: bool,
    poll: bool,
    /// PIIX3 ELCR: inputs that are level triggered, and the bits that may be set.
    elcr: u8,
    elcr_mask: u8,
}

impl Pic8259 {
    fn new(is_master: bool) -> Pic8259 {
        Pic8259 {
            is_master,
            irr: 0,
            isr: 0,
            imr: 0,
            vector_base: 0,
            highest: 0,
            init: Init::Ready,
            icw4_needed: false,
            single: false,
            ltim: false,
            auto_eoi: false,
            special_fully_nested: false,
            rotate_on_auto_eoi: false,
            special_mask: false,
            read_isr: false,
            poll: false,
            elcr: 0,
            elcr_mask: if is_master {
                MASTER_ELCR_MASK
            } else {
                SLAVE_ELCR_MASK
            },
        }
    }

    /// Inputs that are level triggered: all with ICW1.LTIM, else those set in the ELCR.
    fn level_triggered(&self) -> u8 {
        if self.ltim {
            0xFF
        } else {
            self.elcr
        }
    }

    /// Updates the IRR bits of the inputs in `which`: edge-triggered ones latch `edges`,
    /// level-triggered ones follow `levels`.
    fn sample(&mut self, which: u8, edges: u8, levels: u8) {
        let level = self.level_triggered() & which;
        let edge = !self.level_triggered() & which;
        self.irr = (self.irr & !level) | (levels & level) | (edges & edge);
    }

    /// Priority rank of `line`: 0 is the highest.
    fn rank(&self, line: u8) -> u8 {
        line.wrapping_sub(self.highest) & 7
    }

    /// The highest-priority line set in `bits`.
    fn best(&self, bits: u8) -> Option<u8> {
        (0..8u8)
            .map(|rank| (rank + self.highest) & 7)
            .find(|&line| bits & (1 << line) != 0)
    }

    /// The line this chip would present on INT now, if any. In fully nested mode an in-service
    /// line of equal or higher priority blocks a request; in special mask mode only a line's own
    /// in-service bit blocks it; in special fully nested mode the master lets the cascade line
    /// through while it is in service (the slave orders its own requests).
    fn request(&self) -> Option<u8> {
        let pending = self.irr & !self.imr;
        if self.special_mask {
            return self.best(pending & !self.isr);
        }
        let line = self.best(pending)?;
        let mut blocking = self.isr;
        if self.special_fully_nested && self.is_master && line == CASCADE_LINE {
            blocking &= !CASCADE_BIT;
        }
        match self.best(blocking) {
            Some(busy) if self.rank(busy) <= self.rank(line) => None,
            _ => Some(line),
        }
    }

    /// The INTA (or poll) of `line`: IRR to ISR, or straight through in automatic EOI mode.
    fn intack(&mut self, line: u8) {
        let bit = 1 << line;
        if self.auto_eoi {
            if self.rotate_on_auto_eoi {
                self.highest = (line + 1) & 7;
            }
        } else {
            self.isr |= bit;
        }
        // A level-triggered input sets its IRR bit again at the next sample while it stays high.
        self.irr &= !bit;
    }

    /// ICW1: starts the initialisation sequence. The edge sense is reset (an edge input needs
    /// a new low-to-high transition), IMR and ISR are cleared, IR0 gets the highest priority,
    /// special mask mode and ICW4 functions are cleared, and the IRR is selected for reading.
    fn icw1(&mut self, value: u8) {
        let (elcr, irr) = (self.elcr, self.irr);
        *self = Pic8259 {
            elcr,
            irr,
            ..Pic8259::new(self.is_master)
        };
        self.icw4_needed = value & 0x01 != 0;
        self.single = value & 0x02 != 0;
        self.ltim = value & 0x08 != 0;
        self.irr &= self.level_triggered();
        self.init = Init::Icw2;
    }

    /// A write to the data port: the next ICW of the sequence, or OCW1 (the mask).
    fn write_data(&mut self, value: u8) {
        self.init = match self.init {
            Init::Ready => {
                self.imr = value;
                Init::Ready
            }
            Init::Icw2 => {
                self.vector_base = value & 0xF8;
                match (self.single, self.icw4_needed) {
                    (false, _) => Init::Icw3,
                    (true, true) => Init::Icw4,
                    (true, false) => Init::Ready,
                }
            }
            // ICW3 names the cascade wiring, which is fixed on a PC.
            Init::Icw3 if self.icw4_needed => Init::Icw4,
            Init::Icw3 => Init::Ready,
            // ICW4 bit 0 (8086 mode) and bits 2-3 (buffered mode) change nothing visible here.
            Init::Icw4 => {
                self.auto_eoi = value & 0x02 != 0;
                self.special_fully_nested = value & 0x10 != 0;
                Init::Ready
            }
        };
    }

    /// A write to the command port: ICW1, OCW3 or OCW2 by bits 4 and 3.
    fn write_command(&mut self, value: u8) {
        if value & 0x10 != 0 {
            self.icw1(value);
        } else if value & 0x08 != 0 {
            self.ocw3(value);
        } else {
            self.ocw2(value);
        }
    }

    /// OCW2: R, SL, EOI in bits 7-5 select the command, L2-L0 name a line.
    fn ocw2(&mut self, value: u8) {
        let line = value & 7;
        match value >> 5 {
            // Rotate in automatic EOI mode: clear (000) or set (100).
            0b000 | 0b100 => self.rotate_on_auto_eoi = value & 0x80 != 0,
            // Non-specific EOI, without (001) or with (101) rotation.
            0b001 | 0b101 => {
                if let Some(served) = self.best(self.isr) {
                    self.isr &= !(1 << served);
                    if value & 0x80 != 0 {
                        self.highest = (served + 1) & 7;
                    }
                }
            }
            // Specific EOI, without (011) or with (111) rotation.
            0b011 | 0b111 => {
                self.isr &= !(1 << line);
                if value & 0x80 != 0 {
                    self.highest = (line + 1) & 7;
                }
            }
            // Set priority: `line` becomes the lowest.
            0b110 => self.highest = (line + 1) & 7,
            // 010: no operation.
            _ => {}
        }
    }

    /// OCW3: special mask mode (ESMM, SMM), poll (P), register read select (RR, RIS).
    fn ocw3(&mut self, value: u8) {
        if value & 0x40 != 0 {
            self.special_mask = value & 0x20 != 0;
        }
        if value & 0x04 != 0 {
            self.poll = true;
        }
        if value & 0x02 != 0 {
            self.read_isr = value & 0x01 != 0;
        }
    }

    /// A read of either port. After a poll command the read is the poll word (0x80 | line
    /// when a request is pending, which is acknowledged, else 0); otherwise the command port
    /// reads IRR or ISR as OCW3 selected and the data port reads IMR.
    fn read(&mut self, data_port: bool) -> u8 {
        if self.poll {
            self.poll = false;
            return match self.request() {
                Some(line) => {
                    self.intack(line);
                    0x80 | line
                }
                None => 0,
            };
        }
        match (data_port, self.read_isr) {
            (true, _) => self.imr,
            (false, true) => self.isr,
            (false, false) => self.irr,
        }
    }
}

/// The master/slave 8259A pair with the PIIX3 ELCR, sampling the board's IRQ lines 0-15.
#[derive(Clone, Debug)]
pub struct Pic8259Pair {
    lines: Rc<IrqLines>,
    master: Pic8259,
    slave: Pic8259,
    /// The slave's INT output as the master's IR2 input last saw it (for its edge sense).
    slave_int: bool,
}

impl Pic8259Pair {
    /// The pair in its power-on state: not initialised, nothing masked, vector base 0, all
    /// inputs edge triggered (as QEMU leaves it before the firmware runs ICW1-ICW4).
    pub fn new(lines: Rc<IrqLines>) -> Pic8259Pair {
        Pic8259Pair {
            lines,
            master: Pic8259::new(true),
            slave: Pic8259::new(false),
            slave_int: false,
        }
    }

    /// A hardware reset: back to the power-on state, ELCR included; edges latched on the
    /// lines before the reset are dropped.
    pub fn reset(&mut self) {
        self.lines.take_edges();
        self.master = Pic8259::new(true);
        self.slave = Pic8259::new(false);
        self.slave_int = false;
    }

    /// Samples the lines, resolves priorities and says whether INTR to the CPU is asserted.
    pub fn intr(&mut self) -> bool {
        self.sync();
        self.master.request().is_some()
    }

    /// The interrupt acknowledge cycle: returns the vector and moves the request to in
    /// service. A request through IR2 is answered by the slave; a request that went away
    /// before the acknowledge gives the spurious IR7 vector of the chip that lost it, with no
    /// in-service bit set on that chip.
    pub fn acknowledge(&mut self) -> u8 {
        self.sync();
        let Some(line) = self.master.request() else {
            return self.master.vector_base | SPURIOUS_LINE;
        };
        self.master.intack(line);
        if line != CASCADE_LINE || self.master.single {
            return self.master.vector_base | line;
        }
        let slave_line = self.slave.request();
        if let Some(slave_line) = slave_line {
            self.slave.intack(slave_line);
        }
        self.recascade();
        self.slave.vector_base | slave_line.unwrap_or(SPURIOUS_LINE)
    }

    /// Takes the lines' edges and levels into both IRRs, then the slave's INT into IR2.
    fn sync(&mut self) {
        let edges = self.lines.take_edges();
        let levels = self.lines.levels();
        let master_inputs = if self.master.single {
            0xFF
        } else {
            !CASCADE_BIT
        };
        self.master.sample(master_inputs, edges as u8, levels as u8);
        self.slave
            .sample(0xFF, (edges >> 8) as u8, (levels >> 8) as u8);
        self.cascade();
    }

    /// Feeds the slave's INT output to the master's IR2 (unless the master is single).
    fn cascade(&mut self) {
        if self.master.single {
            return;
        }
        let int = self.slave.request().is_some();
        let rose = int && !self.slave_int;
        self.slave_int = int;
        self.master.sample(
            CASCADE_BIT,
            if rose { CASCADE_BIT } else { 0 },
            if int { CASCADE_BIT } else { 0 },
        );
    }

    /// After an acknowledge of the slave, its INT is evaluated afresh, so a further pending
    /// slave request reaches the master as a new edge (as with automatic EOI).
    fn recascade(&mut self) {
        self.slave_int = false;
        self.cascade();
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        match port {
            0x20 | 0x21 => self.master.read(port & 1 != 0),
            0xA0 | 0xA1 => {
                let polled = self.slave.poll;
                let value = self.slave.read(port & 1 != 0);
                if polled {
                    self.recascade();
                }
                value
            }
            0x4D0 => self.master.elcr,
            0x4D1 => self.slave.elcr,
            _ => 0xFF,
        }
    }

    fn write_byte(&mut self, port: u16, value: u8) {
        match port {
            0x20 => self.master.write_command(value),
            0x21 => self.master.write_data(value),
            0xA0 => self.slave.write_command(value),
            0xA1 => self.slave.write_data(value),
            0x4D0 => self.master.elcr = value & self.master.elcr_mask,
            0x4D1 => self.slave.elcr = value & self.slave.elcr_mask,
            _ => {}
        }
        self.cascade();
    }
}

/// Whether `port` is one this device decodes.
fn decodes(port: u16) -> bool {
    PORTS
        .iter()
        .any(|&(start, count)| port.wrapping_sub(start) < count)
}

impl PortIo for Pic8259Pair {
    /// Wider accesses are split into byte accesses at consecutive ports, as the ISA bus does.
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        self.sync();
        (0..size.clamp(1, 4)).fold(0, |acc, i| {
            let p = port.wrapping_add(u16::from(i));
            let byte = if decodes(p) { self.read_byte(p) } else { 0xFF };
            acc | u32::from(byte) << (8 * i)
        })
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
        self.sync();
        for i in 0..size.clamp(1, 4) {
            let p = port.wrapping_add(u16::from(i));
            if decodes(p) {
                self.write_byte(p, (value >> (8 * i)) as u8);
            }
        }
    }
}

#[cfg(test)]
mod tests;
