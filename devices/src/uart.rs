//! National Semiconductor PC16550D UART with 16-byte FIFOs (PC16550D datasheet, sections
//! "Registers" 8.1-8.8, "FIFO Interrupt Mode Operation", Table II "Interrupt Control
//! Functions"), at eight ports from a base: COM1 0x3F8 on IRQ4, COM2 0x2F8 on IRQ3.
//!
//! Transmission is instantaneous: a byte written to THR goes to the backend at once and
//! THR is empty again, which keeps runs deterministic. Input queued by the board stands for
//! bytes still on the wire: the receiver takes them as its buffer (one byte, or the FIFO)
//! has room, so nothing is lost to overruns. The character timeout of FIFO mode is timed on
//! the virtual clock from the divisor and the line format. As on a PC, the UART's interrupt
//! output reaches the IRQ line only while OUT2 is set in MCR; in loopback the output pins
//! are forced inactive, so the line stays low.

use crate::io::{LineOutput, Nanos, PortIo, Timed};
use crate::irq::IrqLine;
use std::collections::VecDeque;
use std::io::Write;

/// Where transmitted bytes go.
pub trait SerialBackend {
    fn write(&mut self, byte: u8);
    /// Pushes out what is buffered (a prompt without a newline, when the guest goes idle).
    fn flush(&mut self) {}
}

/// Discards everything.
pub struct NullBackend;

impl SerialBackend for NullBackend {
    fn write(&mut self, _byte: u8) {}
}

/// Serial output to any `std::io::Write` (stdout, a file), flushed after each newline.
pub type WriterBackend<W> = LineOutput<W>;

impl<W: Write> SerialBackend for LineOutput<W> {
    fn write(&mut self, byte: u8) {
        self.put(byte);
    }

    fn flush(&mut self) {
        LineOutput::flush(self);
    }
}

// Register offsets.
const RBR_THR_DLL: u16 = 0;
const IER_DLM: u16 = 1;
const IIR_FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const MSR: u16 = 6;
const SCR: u16 = 7;

const IER_RX_DATA: u8 = 0x01;
const IER_THRE: u8 = 0x02;
const IER_LINE_STATUS: u8 = 0x04;
const IER_MODEM_STATUS: u8 = 0x08;

const IIR_NONE: u8 = 0x01;
const IIR_LINE_STATUS: u8 = 0x06;
const IIR_RX_DATA: u8 = 0x04;
const IIR_TIMEOUT: u8 = 0x0C;
const IIR_THRE: u8 = 0x02;
const IIR_MODEM_STATUS: u8 = 0x00;
const IIR_FIFOS_ENABLED: u8 = 0xC0;

const FCR_ENABLE: u8 = 0x01;
const FCR_CLEAR_RX: u8 = 0x02;

const LCR_DLAB: u8 = 0x80;

const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT1: u8 = 0x04;
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;

const LSR_DR: u8 = 0x01;
const LSR_OE: u8 = 0x02;
/// Overrun, parity, framing errors and break: the line-status interrupt sources.
const LSR_ERRORS: u8 = 0x1E;
const LSR_THRE: u8 = 0x20;
const LSR_TEMT: u8 = 0x40;

const MSR_DCTS: u8 = 0x01;
const MSR_DDSR: u8 = 0x02;
const MSR_TERI: u8 = 0x04;
const MSR_DDCD: u8 = 0x08;
const MSR_CTS: u8 = 0x10;
const MSR_DSR: u8 = 0x20;
const MSR_RI: u8 = 0x40;
const MSR_DCD: u8 = 0x80;
/// The modem inputs with nothing attached but a willing host: CTS, DSR and DCD active
/// (what QEMU shows).
const MSR_IDLE_LINES: u8 = MSR_CTS | MSR_DSR | MSR_DCD;
/// In loopback each modem input is wired to an MCR output: (input, output).
const LOOPBACK_WIRING: [(u8, u8); 4] = [
    (MSR_CTS, MCR_RTS),
    (MSR_DSR, MCR_DTR),
    (MSR_RI, MCR_OUT1),
    (MSR_DCD, MCR_OUT2),
];

const FIFO_SIZE: usize = 16;
/// Receiver trigger levels for FCR bits 7-6.
const TRIGGER_LEVELS: [usize; 4] = [1, 4, 8, 14];
/// The 1.8432 MHz crystal divided by 16: the rate for divisor 1.
const BAUD_BASE: u128 = 115_200;
/// QEMU's reset divisor: 9600 baud.
const RESET_DIVISOR: u16 = 12;

/// A PC16550D UART.
pub struct Uart16550 {
    base: u16,
    irq: IrqLine,
    backend: Box<dyn SerialBackend>,
    /// Bytes on the wire that the receiver has not taken yet.
    input: VecDeque<u8>,
    /// The receiver: the RCVR FIFO, or the one-byte RBR in 16450 mode.
    rx: VecDeque<u8>,
    /// What RBR shows when the receiver is empty: the last byte read.
    rbr: u8,
    divisor: u16,
    ier: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    /// LSR error bits (OE, PE, FE, BI) not yet read.
    lsr_errors: u8,
    /// MSR bits 7-4: the modem inputs as the UART sees them.
    msr_lines: u8,
    /// MSR bits 3-0: changes not yet read.
    msr_deltas: u8,
    fifo_enabled: bool,
    trigger: usize,
    /// The THR-empty interrupt is armed (cleared by an IIR read that reports it or by a THR
    /// write).
    thr_pending: bool,
    timeout_pending: bool,
    /// Last time a byte entered or left the RCVR FIFO.
    rx_activity: Nanos,
    /// Bytes entered the receiver outside a port access; the next access or `advance`
    /// stamps `rx_activity`.
    rx_activity_unstamped: bool,
}

impl Uart16550 {
    pub const COM1: (u16, u8) = (0x3F8, 4);
    pub const COM2: (u16, u8) = (0x2F8, 3);

    pub fn new(base: u16, irq: IrqLine, backend: Box<dyn SerialBackend>) -> Uart16550 {
        let mut uart = Uart16550 {
            base,
            irq,
            backend,
            input: VecDeque::new(),
            rx: VecDeque::with_capacity(FIFO_SIZE),
            rbr: 0,
            divisor: RESET_DIVISOR,
            ier: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            lsr_errors: 0,
            msr_lines: MSR_IDLE_LINES,
            msr_deltas: 0,
            fifo_enabled: false,
            trigger: 1,
            thr_pending: false,
            timeout_pending: false,
            rx_activity: 0,
            rx_activity_unstamped: false,
        };
        uart.reset();
        uart
    }

    /// The eight registers from the base port.
    pub fn ports(&self) -> [(u16, u16); 1] {
        [(self.base, 8)]
    }

    /// Master reset (datasheet Table IV): IER, FCR, LCR, MCR cleared, FIFOs empty, LSR
    /// THRE and TEMT set, interrupt output low. Divisor and scratch are not reset by the
    /// chip; they are set to QEMU's values (9600 baud, 0). Input still on the wire is kept.
    pub fn reset(&mut self) {
        self.rx.clear();
        self.rbr = 0;
        self.divisor = RESET_DIVISOR;
        self.ier = 0;
        self.lcr = 0;
        self.mcr = 0;
        self.scr = 0;
        self.lsr_errors = 0;
        self.msr_lines = MSR_IDLE_LINES;
        self.msr_deltas = 0;
        self.fifo_enabled = false;
        self.trigger = 1;
        self.thr_pending = false;
        self.timeout_pending = false;
        if self.fill_receiver() {
            self.rx_activity_unstamped = true;
        }
        self.update_irq();
    }

    /// Queues bytes arriving on the line (keyboard input, a script). Call `advance` after
    /// it so the character timeout is scheduled from the current time.
    pub fn receive(&mut self, bytes: &[u8]) {
        self.input.extend(bytes);
        if self.fill_receiver() {
            self.rx_activity_unstamped = true;
        }
        self.update_irq();
    }

    /// Moves waiting input into the receiver while it has room; not in loopback, where the
    /// serial input is disconnected. Returns whether a byte moved.
    fn fill_receiver(&mut self) -> bool {
        if self.mcr & MCR_LOOP != 0 {
            return false;
        }
        let room = self.capacity().saturating_sub(self.rx.len());
        let n = room.min(self.input.len());
        self.rx.extend(self.input.drain(..n));
        n > 0
    }

    fn capacity(&self) -> usize {
        if self.fifo_enabled {
            FIFO_SIZE
        } else {
            1
        }
    }

    /// Four character times in ns, the FIFO timeout: a character is a start bit, 5-8 data
    /// bits, parity, 1, 1.5 or 2 stop bits, at 115200 / divisor baud (divisor 0 counts as
    /// 65536).
    fn timeout_span(&self) -> Nanos {
        let data_bits = 5 + u128::from(self.lcr & 0x03);
        let parity = u128::from(self.lcr & 0x08 != 0);
        let stop_half_bits = match (self.lcr & 0x04 != 0, data_bits) {
            (false, _) => 2,
            (true, 5) => 3,
            (true, _) => 4,
        };
        let half_bits = 2 * (1 + data_bits + parity) + stop_half_bits;
        let divisor = match self.divisor {
            0 => 0x1_0000,
            d => u128::from(d),
        };
        let ns = 4 * half_bits * divisor * 1_000_000_000 / (2 * BAUD_BASE);
        Nanos::try_from(ns).unwrap_or(Nanos::MAX)
    }

    fn timeout_deadline(&self) -> Option<Nanos> {
        if !self.fifo_enabled || self.rx.is_empty() || self.timeout_pending {
            return None;
        }
        Some(self.rx_activity.saturating_add(self.timeout_span()))
    }

    /// Brings receiver timing up to `now`: stamps input that arrived outside a port access,
    /// and raises the character timeout when it is due.
    fn sync(&mut self, now: Nanos) {
        if self.rx_activity_unstamped {
            self.rx_activity = now;
            self.rx_activity_unstamped = false;
        }
        if self.timeout_deadline().is_some_and(|t| now >= t) {
            self.timeout_pending = true;
            self.update_irq();
        }
    }

    /// The highest-priority pending interrupt (IIR bits 3-0), if any.
    fn pending_interrupt(&self) -> Option<u8> {
        let rx_data = if self.fifo_enabled {
            self.rx.len() >= self.trigger
        } else {
            !self.rx.is_empty()
        };
        let sources = [
            (
                IER_LINE_STATUS,
                self.lsr_errors & LSR_ERRORS != 0,
                IIR_LINE_STATUS,
            ),
            (IER_RX_DATA, self.timeout_pending, IIR_TIMEOUT),
            (IER_RX_DATA, rx_data, IIR_RX_DATA),
            (IER_THRE, self.thr_pending, IIR_THRE),
            (IER_MODEM_STATUS, self.msr_deltas != 0, IIR_MODEM_STATUS),
        ];
        sources
            .into_iter()
            .find(|&(enable, active, _)| self.ier & enable != 0 && active)
            .map(|(_, _, id)| id)
    }

    fn update_irq(&mut self) {
        let gate_open = self.mcr & (MCR_OUT2 | MCR_LOOP) == MCR_OUT2;
        self.irq
            .set_level(gate_open && self.pending_interrupt().is_some());
    }

    fn iir(&self) -> u8 {
        let fifo_bits = if self.fifo_enabled {
            IIR_FIFOS_ENABLED
        } else {
            0
        };
        self.pending_interrupt().unwrap_or(IIR_NONE) | fifo_bits
    }

    fn lsr(&self) -> u8 {
        let dr = if self.rx.is_empty() { 0 } else { LSR_DR };
        dr | self.lsr_errors | LSR_THRE | LSR_TEMT
    }

    fn read_rbr(&mut self, now: Nanos) -> u8 {
        if let Some(byte) = self.rx.pop_front() {
            self.rbr = byte;
            self.rx_activity = now;
        }
        self.timeout_pending = false;
        // Let the interrupt output drop before the next byte comes in, so a refill is a new
        // edge.
        self.update_irq();
        if self.fill_receiver() {
            self.rx_activity = now;
            self.update_irq();
        }
        self.rbr
    }

    /// Pushes out what the output has buffered.
    pub fn flush_output(&mut self) {
        self.backend.flush();
    }

    fn write_thr(&mut self, now: Nanos, byte: u8) {
        self.thr_pending = false;
        self.update_irq();
        if self.mcr & MCR_LOOP != 0 {
            self.loop_back(now, byte);
        } else {
            self.backend.write(byte);
        }
        // The byte is sent at once: THR is empty again.
        self.thr_pending = true;
        self.update_irq();
    }

    /// A transmitted byte received through the internal loopback. A full receiver is an
    /// overrun: the FIFO keeps its contents, the one-byte RBR is overwritten.
    fn loop_back(&mut self, now: Nanos, byte: u8) {
        if self.rx.len() < self.capacity() {
            self.rx.push_back(byte);
        } else {
            self.lsr_errors |= LSR_OE;
            if !self.fifo_enabled {
                self.rx.clear();
                self.rx.push_back(byte);
            }
        }
        self.rx_activity = now;
    }

    fn write_fcr(&mut self, now: Nanos, value: u8) {
        let enable = value & FCR_ENABLE != 0;
        if enable != self.fifo_enabled {
            // Switching between 16450 and FIFO mode empties the receiver.
            self.rx.clear();
            self.timeout_pending = false;
            self.fifo_enabled = enable;
        }
        // The other bits are programmed only together with FCR0.
        if enable {
            if value & FCR_CLEAR_RX != 0 {
                self.rx.clear();
                self.timeout_pending = false;
            }
            // Bit 2 (clear XMIT FIFO) has nothing to clear: bytes leave at once.
            self.trigger = TRIGGER_LEVELS[usize::from(value >> 6)];
        }
        if self.fill_receiver() {
            self.rx_activity = now;
        }
        self.update_irq();
    }

    fn write_mcr(&mut self, value: u8) {
        let left_loop = self.mcr & MCR_LOOP != 0 && value & MCR_LOOP == 0;
        self.mcr = value & 0x1F;
        let lines = if self.mcr & MCR_LOOP != 0 {
            LOOPBACK_WIRING
                .iter()
                .filter(|&&(_, output)| self.mcr & output != 0)
                .fold(0, |acc, &(input, _)| acc | input)
        } else {
            MSR_IDLE_LINES
        };
        self.set_modem_inputs(lines);
        if left_loop && self.fill_receiver() {
            self.rx_activity_unstamped = true;
        }
        self.update_irq();
    }

    /// New levels of CTS, DSR, RI, DCD (MSR bits 7-4); sets the delta bits for the changes
    /// (TERI only for RI going inactive).
    fn set_modem_inputs(&mut self, lines: u8) {
        let changed = self.msr_lines ^ lines;
        let deltas = [
            (changed & MSR_CTS != 0, MSR_DCTS),
            (changed & MSR_DSR != 0, MSR_DDSR),
            (
                self.msr_lines & MSR_RI != 0 && lines & MSR_RI == 0,
                MSR_TERI,
            ),
            (changed & MSR_DCD != 0, MSR_DDCD),
        ];
        for (set, bit) in deltas {
            if set {
                self.msr_deltas |= bit;
            }
        }
        self.msr_lines = lines;
    }

    fn read_register(&mut self, now: Nanos, offset: u16) -> u8 {
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.divisor.to_le_bytes()[0],
            RBR_THR_DLL => self.read_rbr(now),
            IER_DLM if dlab => self.divisor.to_le_bytes()[1],
            IER_DLM => self.ier,
            IIR_FCR => {
                let iir = self.iir();
                if iir & 0x0F == IIR_THRE {
                    self.thr_pending = false;
                    self.update_irq();
                }
                iir
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let lsr = self.lsr();
                self.lsr_errors = 0;
                self.update_irq();
                lsr
            }
            MSR => {
                let msr = self.msr_lines | self.msr_deltas;
                self.msr_deltas = 0;
                self.update_irq();
                msr
            }
            _ => self.scr,
        }
    }

    fn write_register(&mut self, now: Nanos, offset: u16, value: u8) {
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.divisor = (self.divisor & 0xFF00) | u16::from(value),
            RBR_THR_DLL => self.write_thr(now, value),
            IER_DLM if dlab => {
                self.divisor = (self.divisor & 0x00FF) | (u16::from(value) << 8);
            }
            IER_DLM => {
                self.ier = value & 0x0F;
                // Writing IER with THR empty arms the THR-empty interrupt (as QEMU does).
                self.thr_pending = true;
                self.update_irq();
            }
            IIR_FCR => self.write_fcr(now, value),
            LCR => self.lcr = value,
            MCR => self.write_mcr(value),
            // LSR and MSR are read-only here (writing them is a factory test mode).
            LSR | MSR => {}
            SCR => self.scr = value,
            _ => {}
        }
    }
}

impl PortIo for Uart16550 {
    fn read(&mut self, now: Nanos, port: u16, size: u8) -> u32 {
        self.sync(now);
        let mut value = 0;
        for i in 0..size.min(4) {
            let offset = port.wrapping_add(u16::from(i)).wrapping_sub(self.base);
            let byte = if offset < 8 {
                self.read_register(now, offset)
            } else {
                0xFF
            };
            value |= u32::from(byte) << (8 * i);
        }
        value
    }

    fn write(&mut self, now: Nanos, port: u16, size: u8, value: u32) {
        self.sync(now);
        for i in 0..size.min(4) {
            let offset = port.wrapping_add(u16::from(i)).wrapping_sub(self.base);
            if offset < 8 {
                self.write_register(now, offset, (value >> (8 * i)) as u8);
            }
        }
    }
}

impl Timed for Uart16550 {
    fn advance(&mut self, now: Nanos) -> Option<Nanos> {
        self.sync(now);
        self.timeout_deadline()
    }
}

#[cfg(test)]
mod tests;
