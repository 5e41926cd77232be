//! The local APIC of a P6-family processor (Pentium Pro/II/III): a 4 KiB page of 32-bit
//! registers, 16-byte aligned, at 0xFEE00000. Behaviour follows the Intel SDM Vol. 3A chapter
//! 10, "Advanced Programmable Interrupt Controller (APIC)": 10.4 "Local APIC" (register map
//! Table 10-1, ID, version, power-up and software-disabled state), 10.5 "Handling Local
//! Interrupts" (LVT, error handling, APIC timer), 10.6 "Issuing Interprocessor Interrupts"
//! (ICR, destinations), 10.8 "Handling Interrupts" (TPR, PPR, APR, IRR/ISR/TMR, EOI) and
//! 10.9 "Spurious Interrupt". Where the SDM gives a P6 value next to a Pentium 4 (xAPIC) one,
//! the P6 value is used: 4-bit APIC ID, spurious vector bits 0-3 hardwired to 1, five LVT
//! entries, physical broadcast ID 0FH.
//!
//! The timer counts at 1 GHz before the divider (one count per nanosecond per divide unit, as
//! QEMU clocks it). Nothing ticks: the current count is computed from the virtual time of the
//! next expiry.

use crate::io::{Nanos, Timed};

/// The physical address of the register page after reset.
pub const DEFAULT_BASE: u32 = 0xFEE0_0000;

/// The version register (10.4.8): version 11H (an integrated APIC, as P6 parts report) and
/// max LVT entry 4 (five LVT entries: timer, performance counter, LINT0, LINT1, error).
pub const VERSION: u32 = 0x0004_0011;

/// Vectors 0-15 are illegal (10.5.2); the IRR never holds them.
const FIRST_LEGAL_VECTOR: u8 = 16;

/// LVT bits (Figure 10-8).
const LVT_MASKED: u32 = 1 << 16;
const LVT_TIMER_PERIODIC: u32 = 1 << 17;
const LVT_DELIVERY_MODE: u32 = 7 << 8;
const DELIVERY_EXTINT: u32 = 7 << 8;

/// Spurious-interrupt vector register (10.9): vector bits 4-7, APIC software enable,
/// focus processor checking; bits 0-3 read as ones on P6.
const SVR_ENABLE: u32 = 1 << 8;
const SVR_WRITABLE: u32 = 0x3F0;
const SVR_HARDWIRED: u32 = 0x00F;

/// Error status register bits (10.5.3).
const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;
const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
const ESR_ILLEGAL_REGISTER: u32 = 1 << 7;

/// ICR bits (10.6.1): vector, delivery mode, destination mode, level, trigger mode and
/// destination shorthand are writable; the delivery status (bit 12) always reads idle.
const ICR_LOW_WRITABLE: u32 = 0x000C_CFFF;
const ICR_HIGH_WRITABLE: u32 = 0xFF00_0000;
const ICR_LOGICAL: u32 = 1 << 11;
const DELIVERY_FIXED: u32 = 0;
const DELIVERY_LOWEST_PRIORITY: u32 = 1;
/// The physical destination that addresses every P6 local APIC (10.6.2.1).
const PHYSICAL_BROADCAST: u8 = 0x0F;

/// The ID register holds a 4-bit APIC ID in bits 24-27 on P6 (10.4.6).
const ID_MASK: u8 = 0x0F;
/// The logical destination register's logical APIC ID, bits 24-31 (10.6.2.2).
const LDR_WRITABLE: u32 = 0xFF00_0000;
/// The destination format register's model bits 28-31; bits 0-27 read as ones (10.6.2.2).
const DFR_WRITABLE: u32 = 0xF000_0000;
const DFR_FLAT: u32 = 0xF000_0000;
/// Divide configuration bits 0, 1 and 3 (10.5.4).
const DIVIDE_WRITABLE: u32 = 0x0B;

/// The divisor each divide configuration value (bits 3, 1, 0 as a 3-bit number) selects.
const DIVISORS: [u64; 8] = [2, 4, 8, 16, 32, 64, 128, 1];

/// The LVT entries of a P6, in register order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lvt {
    Timer,
    PerformanceCounter,
    Lint0,
    Lint1,
    Error,
}

/// Bits software can write in each LVT entry (Figure 10-8), indexed by `Lvt`: the timer has a
/// mode bit and no delivery mode; LINT0/1 add polarity and trigger mode; the error entry is a
/// vector and a mask. Delivery status and remote IRR are read-only and always read zero here.
const LVT_WRITABLE: [u32; 5] = [0x300FF, 0x107FF, 0x1A7FF, 0x1A7FF, 0x100FF];

/// A register of the page, as decoded from its offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Register {
    Id,
    Version,
    Tpr,
    Apr,
    Ppr,
    Eoi,
    RemoteRead,
    Ldr,
    Dfr,
    Svr,
    Isr(usize),
    Tmr(usize),
    Irr(usize),
    Esr,
    IcrLow,
    IcrHigh,
    Lvt(Lvt),
    InitialCount,
    CurrentCount,
    DivideConfig,
}

/// Register offsets in the page (Table 10-1).
mod reg {
    pub const ID: u32 = 0x20;
    pub const VER: u32 = 0x30;
    pub const TPR: u32 = 0x80;
    pub const APR: u32 = 0x90;
    pub const PPR: u32 = 0xA0;
    pub const EOI: u32 = 0xB0;
    pub const RRD: u32 = 0xC0;
    pub const LDR: u32 = 0xD0;
    pub const DFR: u32 = 0xE0;
    pub const SVR: u32 = 0xF0;
    pub const ISR: u32 = 0x100;
    pub const TMR: u32 = 0x180;
    pub const IRR: u32 = 0x200;
    pub const ESR: u32 = 0x280;
    pub const ICR_LOW: u32 = 0x300;
    pub const ICR_HIGH: u32 = 0x310;
    pub const LVT_TIMER: u32 = 0x320;
    pub const LVT_PERF: u32 = 0x340;
    pub const LVT_LINT0: u32 = 0x350;
    pub const LVT_LINT1: u32 = 0x360;
    pub const LVT_ERROR: u32 = 0x370;
    pub const INITIAL: u32 = 0x380;
    pub const CURRENT: u32 = 0x390;
    pub const DIVIDE: u32 = 0x3E0;
}

/// The register at a 16-byte aligned `offset`; `None` for the reserved ones.
fn decode(offset: u32) -> Option<Register> {
    use reg::*;
    // The 256-bit registers are eight words, 16 bytes apart.
    let word = |base: u32| ((offset - base) >> 4) as usize;
    Some(match offset {
        ID => Register::Id,
        VER => Register::Version,
        TPR => Register::Tpr,
        APR => Register::Apr,
        PPR => Register::Ppr,
        EOI => Register::Eoi,
        RRD => Register::RemoteRead,
        LDR => Register::Ldr,
        DFR => Register::Dfr,
        SVR => Register::Svr,
        ISR..=0x170 => Register::Isr(word(ISR)),
        TMR..=0x1F0 => Register::Tmr(word(TMR)),
        IRR..=0x270 => Register::Irr(word(IRR)),
        ESR => Register::Esr,
        ICR_LOW => Register::IcrLow,
        ICR_HIGH => Register::IcrHigh,
        LVT_TIMER => Register::Lvt(Lvt::Timer),
        LVT_PERF => Register::Lvt(Lvt::PerformanceCounter),
        LVT_LINT0 => Register::Lvt(Lvt::Lint0),
        LVT_LINT1 => Register::Lvt(Lvt::Lint1),
        LVT_ERROR => Register::Lvt(Lvt::Error),
        INITIAL => Register::InitialCount,
        CURRENT => Register::CurrentCount,
        DIVIDE => Register::DivideConfig,
        _ => return None,
    })
}

/// One of the 256-bit vector registers (IRR, ISR, TMR), as eight 32-bit words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct VectorSet([u32; 8]);

impl VectorSet {
    fn assign(&mut self, vector: u8, on: bool) {
        let (word, bit) = (usize::from(vector >> 5), 1u32 << (vector & 31));
        if on {
            self.0[word] |= bit;
        } else {
            self.0[word] &= !bit;
        }
    }

    fn contains(&self, vector: u8) -> bool {
        self.0[usize::from(vector >> 5)] & (1 << (vector & 31)) != 0
    }

    /// The highest vector in the set: the one of highest priority.
    fn highest(&self) -> Option<u8> {
        let word = self.0.iter().rposition(|&w| w != 0)?;
        Some((word as u8) << 5 | (31 - self.0[word].leading_zeros()) as u8)
    }
}

/// The priority class of a vector or priority value: bits 7-4.
fn class(value: u8) -> u8 {
    value >> 4
}

/// A P6 local APIC. The board maps it at `DEFAULT_BASE`, feeds it interrupts from the IOAPIC
/// (`accept`), asks `pending` before each instruction boundary and runs `acknowledge` as the
/// INTA cycle; level-triggered EOIs go back to the IOAPIC through `take_level_eoi`.
#[derive(Clone, Debug)]
pub struct LocalApic {
    /// The ID the hardware assigns at power-up, and the one software may have written since.
    power_on_id: u8,
    id: u8,
    tpr: u8,
    ldr: u32,
    dfr: u32,
    svr: u32,
    irr: VectorSet,
    isr: VectorSet,
    tmr: VectorSet,
    /// Level-triggered vectors ended by an EOI and not yet taken by the board.
    level_eois: VectorSet,
    /// The error status as last latched by an ESR write, and errors detected since.
    esr: u32,
    esr_pending: u32,
    icr_low: u32,
    icr_high: u32,
    lvt: [u32; 5],
    initial_count: u32,
    divide_config: u32,
    /// When the count next reaches zero, while the timer runs.
    timer_deadline: Option<Nanos>,
}

impl LocalApic {
    /// The APIC in its power-up state (10.4.7.1) with hardware APIC ID `id` (4 bits on P6; the
    /// upper bits are dropped). It starts software-disabled.
    pub fn new(id: u8) -> LocalApic {
        let id = id & ID_MASK;
        LocalApic {
            power_on_id: id,
            id,
            tpr: 0,
            ldr: 0,
            dfr: 0xFFFF_FFFF,
            svr: 0xFF,
            irr: VectorSet::default(),
            isr: VectorSet::default(),
            tmr: VectorSet::default(),
            level_eois: VectorSet::default(),
            esr: 0,
            esr_pending: 0,
            icr_low: 0,
            icr_high: 0,
            lvt: [LVT_MASKED; 5],
            initial_count: 0,
            divide_config: 0,
            timer_deadline: None,
        }
    }

    /// A hardware reset: the power-up state, with the hardware-assigned ID.
    pub fn reset(&mut self) {
        *self = LocalApic::new(self.power_on_id);
    }

    /// A 32-bit read at `offset` in the page. Unaligned and out-of-page offsets read 0; a
    /// reserved register reads 0 and sets the illegal register address error.
    pub fn read(&mut self, now: Nanos, offset: u32) -> u32 {
        self.catch_up(now);
        let Some(register) = self.register_at(offset) else {
            return 0;
        };
        match register {
            Register::Id => u32::from(self.id) << 24,
            Register::Version => VERSION,
            Register::Tpr => u32::from(self.tpr),
            Register::Apr => u32::from(self.apr()),
            Register::Ppr => u32::from(self.ppr()),
            Register::Eoi | Register::RemoteRead => 0,
            Register::Ldr => self.ldr,
            Register::Dfr => self.dfr,
            Register::Svr => self.svr,
            Register::Isr(i) => self.isr.0[i],
            Register::Tmr(i) => self.tmr.0[i],
            Register::Irr(i) => self.irr.0[i],
            Register::Esr => self.esr,
            Register::IcrLow => self.icr_low,
            Register::IcrHigh => self.icr_high,
            Register::Lvt(lvt) => self.lvt[lvt as usize],
            Register::InitialCount => self.initial_count,
            Register::CurrentCount => self.current_count(now),
            Register::DivideConfig => self.divide_config,
        }
    }

    /// A 32-bit write at `offset` in the page. Reserved bits and read-only registers ignore
    /// what is written; unaligned and out-of-page offsets are ignored.
    pub fn write(&mut self, now: Nanos, offset: u32, value: u32) {
        self.catch_up(now);
        let Some(register) = self.register_at(offset) else {
            return;
        };
        match register {
            Register::Id => self.id = (value >> 24) as u8 & ID_MASK,
            Register::Tpr => self.tpr = value as u8,
            Register::Eoi => self.eoi(),
            Register::Ldr => self.ldr = value & LDR_WRITABLE,
            Register::Dfr => self.dfr = value & DFR_WRITABLE | !DFR_WRITABLE,
            Register::Svr => self.write_svr(value),
            Register::Esr => self.esr = std::mem::take(&mut self.esr_pending),
            Register::IcrLow => {
                self.icr_low = value & ICR_LOW_WRITABLE;
                self.send_ipi();
            }
            Register::IcrHigh => self.icr_high = value & ICR_HIGH_WRITABLE,
            Register::Lvt(lvt) => {
                let forced = if self.software_enabled() {
                    0
                } else {
                    LVT_MASKED
                };
                self.lvt[lvt as usize] = value & LVT_WRITABLE[lvt as usize] | forced;
            }
            Register::InitialCount => {
                self.initial_count = value;
                // A count of 0 stops the timer (10.5.4).
                self.timer_deadline = (value != 0)
                    .then(|| now.checked_add(u64::from(value) * self.divisor()))
                    .flatten();
            }
            Register::DivideConfig => {
                // The count in progress carries on from its current value at the new rate.
                let remaining = u64::from(self.current_count(now));
                self.divide_config = value & DIVIDE_WRITABLE;
                self.timer_deadline = self
                    .timer_deadline
                    .and_then(|_| now.checked_add(remaining * self.divisor()));
            }
            // The read-only registers.
            _ => {}
        }
    }

    /// A fixed interrupt message for `vector` (from the IOAPIC): sets its IRR bit and its TMR
    /// bit to the trigger mode (10.8.4). Vectors 0-15 set the receive illegal vector error.
    pub fn accept(&mut self, vector: u8, level_triggered: bool) {
        if !self.latch(vector, level_triggered) {
            self.error(ESR_RECEIVE_ILLEGAL_VECTOR);
        }
    }

    /// Whether the APIC asserts INTR at `now`: it is software-enabled and the highest IRR
    /// vector's priority class is above the processor priority class (10.8.3.1). Runs the
    /// timer up to `now` first.
    pub fn pending(&mut self, now: Nanos) -> bool {
        self.catch_up(now);
        self.deliverable().is_some()
    }

    /// The INTA cycle: moves the highest deliverable vector from IRR to ISR and returns it;
    /// with nothing deliverable (it was masked by the TPR meanwhile, or the APIC is disabled),
    /// returns the spurious vector and leaves the ISR alone (10.9).
    pub fn acknowledge(&mut self) -> u8 {
        match self.deliverable() {
            Some(vector) => {
                self.irr.assign(vector, false);
                self.isr.assign(vector, true);
                vector
            }
            None => self.svr as u8,
        }
    }

    /// A level-triggered vector whose EOI the IOAPIC must hear of (the EOI broadcast of
    /// 10.8.5), highest first; `None` when there is no more.
    pub fn take_level_eoi(&mut self) -> Option<u8> {
        let vector = self.level_eois.highest()?;
        self.level_eois.assign(vector, false);
        Some(vector)
    }

    /// Whether the 8259's INTR may reach the CPU: LINT0 is programmed for ExtINT and unmasked
    /// (the virtual wire mode of the MP specification), or the APIC is software-disabled, as it
    /// is from power-up until the firmware or OS enables it.
    pub fn lint0_extint(&self) -> bool {
        let lint0 = self.lvt[Lvt::Lint0 as usize];
        !self.software_enabled() || lint0 & (LVT_MASKED | LVT_DELIVERY_MODE) == DELIVERY_EXTINT
    }

    fn software_enabled(&self) -> bool {
        self.svr & SVR_ENABLE != 0
    }

    /// The register at `offset`: `None` for unaligned or out-of-page offsets, and for reserved
    /// slots, which also set the illegal register address error.
    fn register_at(&mut self, offset: u32) -> Option<Register> {
        if offset >= 0x1000 || offset & 0xF != 0 {
            return None;
        }
        let register = decode(offset);
        if register.is_none() {
            self.error(ESR_ILLEGAL_REGISTER);
        }
        register
    }

    /// PPR (10.8.3.1): the TPR, or the class of the highest in-service vector if that is
    /// higher.
    fn ppr(&self) -> u8 {
        let isrv = self.isr.highest().unwrap_or(0);
        if class(self.tpr) >= class(isrv) {
            self.tpr
        } else {
            isrv & 0xF0
        }
    }

    /// APR (10.6.2.4, P6 lowest-priority arbitration), computed as the SDM gives it.
    fn apr(&self) -> u8 {
        let irrv = self.irr.highest().unwrap_or(0);
        let isrv = self.isr.highest().unwrap_or(0);
        if class(self.tpr) >= class(irrv) && class(self.tpr) > class(isrv) {
            self.tpr
        } else {
            (class(self.tpr) & class(isrv)).max(class(irrv)) << 4
        }
    }

    /// The vector the APIC would dispense now, if any.
    fn deliverable(&self) -> Option<u8> {
        let vector = self.irr.highest()?;
        (self.software_enabled() && class(vector) > class(self.ppr())).then_some(vector)
    }

    /// Sets the IRR and TMR bits of a legal vector; returns false for an illegal one.
    fn latch(&mut self, vector: u8, level_triggered: bool) -> bool {
        if vector < FIRST_LEGAL_VECTOR {
            return false;
        }
        self.irr.assign(vector, true);
        self.tmr.assign(vector, level_triggered);
        true
    }

    /// A local interrupt from an LVT entry (edge triggered), unless the entry is masked.
    fn raise_local(&mut self, lvt: Lvt) {
        let entry = self.lvt[lvt as usize];
        if entry & LVT_MASKED == 0 && !self.latch(entry as u8, false) {
            self.error(ESR_RECEIVE_ILLEGAL_VECTOR);
        }
    }

    /// Records errors for the next ESR write and raises the LVT error interrupt (10.5.3). An
    /// illegal vector in the error entry itself is recorded without a further interrupt.
    fn error(&mut self, bits: u32) {
        self.esr_pending |= bits;
        let entry = self.lvt[Lvt::Error as usize];
        if entry & LVT_MASKED == 0 && !self.latch(entry as u8, false) {
            self.esr_pending |= ESR_RECEIVE_ILLEGAL_VECTOR;
        }
    }

    /// An EOI write: ends the highest in-service vector; a level-triggered one is queued for
    /// the IOAPIC.
    fn eoi(&mut self) {
        if let Some(vector) = self.isr.highest() {
            self.isr.assign(vector, false);
            if self.tmr.contains(vector) {
                self.level_eois.assign(vector, true);
            }
        }
    }

    /// Clearing the software enable bit masks every LVT entry (10.4.7.2).
    fn write_svr(&mut self, value: u32) {
        self.svr = value & SVR_WRITABLE | SVR_HARDWIRED;
        if !self.software_enabled() {
            for entry in &mut self.lvt {
                *entry |= LVT_MASKED;
            }
        }
    }

    /// An ICR low write sends the IPI at once (the delivery status never reads pending). Fixed
    /// and lowest-priority interrupts whose destination includes this APIC land in its IRR:
    /// with one processor, those are the IPIs that can arrive. Other delivery modes (NMI,
    /// INIT, SIPI...) are not modelled.
    fn send_ipi(&mut self) {
        let icr = self.icr_low;
        let mode = icr >> 8 & 7;
        let shorthand = icr >> 18 & 3;
        let to_self = match shorthand {
            0 => self.is_destination((self.icr_high >> 24) as u8, icr & ICR_LOGICAL != 0),
            1 | 2 => true,
            _ => false,
        };
        let delivered = mode == DELIVERY_FIXED
            // Self with lowest priority is not a valid combination for the P6 (10.6.1).
            || mode == DELIVERY_LOWEST_PRIORITY && shorthand != 1;
        if !delivered {
            return;
        }
        let vector = icr as u8;
        if vector < FIRST_LEGAL_VECTOR {
            self.error(ESR_SEND_ILLEGAL_VECTOR);
        } else if to_self {
            self.latch(vector, false);
        }
    }

    /// Whether a message for destination `dest` addresses this APIC (10.6.2.1, 10.6.2.2):
    /// physically by its 4-bit ID or the broadcast ID, logically through the LDR in the flat
    /// or cluster model the DFR selects.
    fn is_destination(&self, dest: u8, logical: bool) -> bool {
        let logical_id = (self.ldr >> 24) as u8;
        match (logical, self.dfr & DFR_WRITABLE == DFR_FLAT) {
            (false, _) => {
                let id = dest & ID_MASK;
                id == self.id || id == PHYSICAL_BROADCAST
            }
            (true, true) => dest & logical_id != 0,
            (true, false) => dest >> 4 == logical_id >> 4 && dest & logical_id & 0x0F != 0,
        }
    }

    fn divisor(&self) -> u64 {
        let bits = self.divide_config & 3 | self.divide_config >> 1 & 4;
        DIVISORS[bits as usize]
    }

    /// The current count register: the counts left until the next expiry, 0 when stopped.
    fn current_count(&self, now: Nanos) -> u32 {
        // After `catch_up(now)` the deadline lies at most one initial count ahead, so the
        // value fits.
        self.timer_deadline.map_or(0, |deadline| {
            deadline.saturating_sub(now).div_ceil(self.divisor()) as u32
        })
    }

    /// Runs the timer up to `now`: an expiry due raises the LVT timer interrupt (one, however
    /// many periods passed, as the IRR holds one) and a periodic timer reloads (10.5.4).
    fn catch_up(&mut self, now: Nanos) {
        let Some(deadline) = self.timer_deadline.filter(|&d| d <= now) else {
            return;
        };
        let periodic = self.lvt[Lvt::Timer as usize] & LVT_TIMER_PERIODIC != 0;
        let period = u64::from(self.initial_count) * self.divisor();
        self.timer_deadline = match (now - deadline).checked_div(period) {
            Some(missed) if periodic => missed
                .saturating_add(1)
                .checked_mul(period)
                .and_then(|elapsed| deadline.checked_add(elapsed)),
            _ => None,
        };
        self.raise_local(Lvt::Timer);
    }
}

impl Timed for LocalApic {
    /// Raises the timer interrupt if it fell due and returns the next expiry.
    fn advance(&mut self, now: Nanos) -> Option<Nanos> {
        self.catch_up(now);
        self.timer_deadline
    }
}

#[cfg(test)]
mod tests;
