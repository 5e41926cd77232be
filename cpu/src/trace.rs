//! The instruction trace for debugging guests: with `RUST_LOG=amber::trace=trace` every
//! executed instruction is logged with its address and iced-x86's Intel-syntax disassembly.
//! Tracing runs one instruction per dispatch, so it costs nothing when it is off.

use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::state::Seg;

/// The log target of the trace.
pub const TARGET: &str = "amber::trace";

/// Whether the trace is switched on in the logger.
pub fn enabled() -> bool {
    log::log_enabled!(target: TARGET, log::Level::Trace)
}

impl Cpu {
    /// Logs the instruction at CS:EIP.
    pub(crate) fn trace_instruction(&mut self, bus: &mut dyn Bus) {
        let eip = self.state.eip32();
        let mut bytes = Vec::with_capacity(15);
        for i in 0..15 {
            match self.fetch_byte(bus, eip.wrapping_add(i)) {
                Ok(b) => bytes.push(b),
                Err(_) => break,
            }
        }
        let cs = self.state.seg[Seg::Cs as usize];
        let bitness = if cs.big() { 32 } else { 16 };
        let instr = Decoder::with_ip(bitness, &bytes, eip as u64, DecoderOptions::NONE).decode();
        let mut text = String::new();
        IntelFormatter::new().format(&instr, &mut text);
        let hex: String = bytes
            .iter()
            .take(instr.len())
            .map(|b| format!("{b:02x}"))
            .collect();
        log::trace!(target: TARGET, "{:04x}:{eip:08x} {hex:<24} {text}", cs.selector);
    }
}
