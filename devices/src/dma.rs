//! Intel 8237A DMA controller pair as wired on the PC/AT, with the 74LS612 page registers.
//! Behaviour follows the Intel 8237A datasheet (order no. 231466): "Register Description"
//! (current/base address and word count, command, mode, request, mask and status registers),
//! "Software Commands" (clear byte pointer flip-flop, master clear, clear mask register),
//! "Transfer Types", "Autoinitialize" and "Address Generation".
//!
//! The first controller serves the 8-bit channels 0-3 at ports 0x00-0x0F. The second serves
//! the 16-bit channels 4-7 at ports 0xC0-0xDF: its A0-A3 inputs sit on address lines A1-A4, so
//! each register appears at an even port and the odd port above it, and it counts in words
//! (the address register holds bits 1-16 of the address, the page register bits 17-23).
//! Channel 4 is the cascade input of the first controller: channels 0-3 only transfer while
//! channel 4 is unmasked and the second controller is enabled, as on the AT.
//!
//! A device asks for a transfer with `transfer_to_memory` or `transfer_from_memory`; the
//! transfer happens at once. Single, block and demand modes move the same bytes for a device
//! that is always ready, so they behave alike here; cascade mode never transfers.

use crate::io::{Nanos, PortIo};

/// The port ranges the controllers and page registers decode: (first port, count).
pub const PORTS: &[(u16, u16)] = &[
    (0x00, 0x10),
    (0x81, 3),
    (0x87, 1),
    (0x89, 3),
    (0x8F, 1),
    (0xC0, 0x20),
];

/// The page register port of each channel (PC/AT 74LS612 assignment).
const PAGE_PORTS: [u16; 8] = [0x87, 0x83, 0x81, 0x82, 0x8F, 0x8B, 0x89, 0x8A];

/// Command register bit 2: controller disable.
const COMMAND_DISABLE: u8 = 0x04;
/// Mode register bit 4: autoinitialize; bit 5: address decrement.
const MODE_AUTO_INIT: u8 = 0x10;
const MODE_DECREMENT: u8 = 0x20;
/// Mode register bits 6-7 = 11: cascade mode.
const MODE_CASCADE: u8 = 0xC0;

/// Physical memory as the DMA controllers see it: 24-bit ISA addresses. The implementor
/// bounds-checks (reads of nothing give 0xFF, writes to nothing are dropped).
pub trait DmaMemory {
    fn read(&self, addr: u32, buf: &mut [u8]);
    fn write(&mut self, addr: u32, data: &[u8]);
}

/// The transfer type of a mode register (bits 2-3): "write" writes memory (device to
/// memory), "read" reads memory (memory to device), "verify" generates addresses with no
/// memory access; the illegal fourth value also accesses no memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferType {
    Verify,
    Write,
    Read,
    Illegal,
}

const TRANSFER_TYPES: [TransferType; 4] = [
    TransferType::Verify,
    TransferType::Write,
    TransferType::Read,
    TransferType::Illegal,
];

/// What a transfer request achieved: the bytes moved (a multiple of 2 on channels 4-7) and
/// whether the channel reached terminal count (the EOP the device sees).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub bytes: usize,
    pub terminal_count: bool,
}

#[derive(Clone, Copy, Debug, Default)]
struct Channel {
    base_address: u16,
    current_address: u16,
    base_count: u16,
    current_count: u16,
    mode: u8,
    page: u8,
}

/// One 8237A: four channels and the shared registers.
#[derive(Clone, Debug)]
struct Controller {
    channels: [Channel; 4],
    command: u8,
    /// Status bits 0-3: terminal count reached, cleared by reading the status.
    terminal_count: u8,
    /// Software DREQ bits 0-3 (request register).
    request: u8,
    /// Mask bits 0-3.
    mask: u8,
    /// The byte pointer flip-flop: the next address/count access is the high byte.
    high_byte: bool,
}

impl Controller {
    /// The state after a hardware reset or master clear: command, status, request and
    /// flip-flop cleared, every channel masked. Addresses, counts and modes are kept.
    fn master_clear(&mut self) {
        self.command = 0;
        self.terminal_count = 0;
        self.request = 0;
        self.mask = 0x0F;
        self.high_byte = false;
    }

    fn power_on() -> Controller {
        let mut c = Controller {
            channels: [Channel::default(); 4],
            command: 0,
            terminal_count: 0,
            request: 0,
            mask: 0,
            high_byte: false,
        };
        c.master_clear();
        c
    }

    /// Toggles the flip-flop and returns whether this access is the high byte.
    fn toggle(&mut self) -> bool {
        let high = self.high_byte;
        self.high_byte = !high;
        high
    }

    fn read(&mut self, reg: u8) -> u8 {
        match reg {
            0..=7 => {
                let ch = &self.channels[usize::from(reg / 2)];
                let value = if reg & 1 == 0 {
                    ch.current_address
                } else {
                    ch.current_count
                };
                let [low, high] = value.to_le_bytes();
                if self.toggle() {
                    high
                } else {
                    low
                }
            }
            8 => {
                let status = self.request << 4 | self.terminal_count;
                self.terminal_count = 0;
                status
            }
            // The temporary register holds memory-to-memory data, which this model never moves.
            13 => 0,
            // Write-only registers: the bus floats.
            _ => 0xFF,
        }
    }

    fn write(&mut self, reg: u8, value: u8) {
        let channel = usize::from(value & 3);
        let bit = 1u8 << channel;
        match reg {
            0..=7 => {
                let high = self.toggle();
                let ch = &mut self.channels[usize::from(reg / 2)];
                let (base, current) = if reg & 1 == 0 {
                    (&mut ch.base_address, &mut ch.current_address)
                } else {
                    (&mut ch.base_count, &mut ch.current_count)
                };
                *base = if high {
                    *base & 0x00FF | u16::from(value) << 8
                } else {
                    *base & 0xFF00 | u16::from(value)
                };
                *current = *base;
            }
            8 => self.command = value,
            9 if value & 4 != 0 => self.request |= bit,
            9 => self.request &= !bit,
            10 if value & 4 != 0 => self.mask |= bit,
            10 => self.mask &= !bit,
            11 => self.channels[channel].mode = value & !3,
            12 => self.high_byte = false,
            13 => self.master_clear(),
            14 => self.mask = 0,
            15 => self.mask = value & 0x0F,
            _ => {}
        }
    }
}

/// The PC/AT DMA subsystem: two 8237As and the page registers.
#[derive(Clone, Debug)]
pub struct Dma8237 {
    controllers: [Controller; 2],
}

impl Default for Dma8237 {
    fn default() -> Self {
        Self::new()
    }
}

/// The physical address of a channel's current address (8237A "Address Generation", with
/// the AT's page registers and the word shift of channels 4-7).
fn physical(channel: usize, page: u8, address: u16) -> u32 {
    if channel < 4 {
        u32::from(page) << 16 | u32::from(address)
    } else {
        u32::from(page & 0xFE) << 16 | u32::from(address) << 1
    }
}

impl Dma8237 {
    /// Both controllers as after a hardware reset: every channel masked.
    pub fn new() -> Dma8237 {
        Dma8237 {
            controllers: [Controller::power_on(), Controller::power_on()],
        }
    }

    /// A hardware reset (the RESET pin acts as a master clear; page registers are kept).
    pub fn reset(&mut self) {
        for c in &mut self.controllers {
            c.master_clear();
        }
    }

    /// Whether `channel` would move data now: it exists, its controller is enabled, it is
    /// unmasked and not in cascade mode, and for channels 0-3 the cascade channel 4 is open.
    pub fn channel_ready(&self, channel: usize) -> bool {
        let open = |ch: usize| {
            let c = &self.controllers[ch / 4];
            c.command & COMMAND_DISABLE == 0 && c.mask & (1 << (ch % 4)) == 0
        };
        channel < 8
            && open(channel)
            && self.controllers[channel / 4].channels[channel % 4].mode & MODE_CASCADE
                != MODE_CASCADE
            && (channel >= 4 || open(4))
    }

    /// The transfer type `channel` is programmed for.
    pub fn transfer_type(&self, channel: usize) -> TransferType {
        let mode = self.controllers[(channel / 4) & 1].channels[channel % 4].mode;
        TRANSFER_TYPES[usize::from(mode >> 2 & 3)]
    }

    /// A device delivers `data` on `channel` (a device-to-memory transfer). Memory is written
    /// only if the channel is programmed for a "write" transfer; otherwise the addresses and
    /// count advance without a memory access, as the channel's type dictates. Stops at
    /// terminal count.
    pub fn transfer_to_memory(
        &mut self,
        channel: usize,
        mem: &mut dyn DmaMemory,
        data: &[u8],
    ) -> Transfer {
        let kind = self.transfer_type(channel);
        self.transfer(channel, data.len(), |addr, range| {
            if kind == TransferType::Write {
                mem.write(addr, &data[range]);
            }
        })
    }

    /// A device takes `buf.len()` bytes on `channel` (a memory-to-device transfer). Memory is
    /// read only for a "read" transfer; for any other type the device sees a floating bus
    /// (0xFF). Stops at terminal count; bytes past it are left as they were.
    pub fn transfer_from_memory(
        &mut self,
        channel: usize,
        mem: &dyn DmaMemory,
        buf: &mut [u8],
    ) -> Transfer {
        let kind = self.transfer_type(channel);
        let len = buf.len();
        self.transfer(channel, len, |addr, range| {
            let part = &mut buf[range];
            if kind == TransferType::Read {
                mem.read(addr, part);
            } else {
                part.fill(0xFF);
            }
        })
    }

    /// Runs up to `len` bytes through `channel`, calling `access` with each physically
    /// contiguous piece (its address and its byte range in the device's buffer). Counts
    /// `current_count + 1` units; the 16-bit address wraps inside its 64 KiB (128 KiB) block
    /// while the page stays; at terminal count the TC status bit is set, the software request
    /// cleared, and the channel either reloads from its base registers (autoinitialize) or
    /// masks itself.
    fn transfer(
        &mut self,
        channel: usize,
        len: usize,
        mut access: impl FnMut(u32, std::ops::Range<usize>),
    ) -> Transfer {
        if !self.channel_ready(channel) {
            return Transfer::default();
        }
        let unit = if channel < 4 { 1 } else { 2 };
        let units = len / unit;
        let controller = &mut self.controllers[channel / 4];
        let index = channel % 4;
        let ch = &mut controller.channels[index];
        let decrement = ch.mode & MODE_DECREMENT != 0;
        let mut done = 0;
        let mut terminal_count = false;
        while done < units && !terminal_count {
            let left = usize::from(ch.current_count) + 1;
            let to_wrap = 0x1_0000 - usize::from(ch.current_address);
            let run = if decrement { 1 } else { left.min(to_wrap) }.min(units - done);
            access(
                physical(channel, ch.page, ch.current_address),
                done * unit..(done + run) * unit,
            );
            // `run` is at most 0x10000, which wraps the 16-bit address back to itself.
            let step = run as u16;
            ch.current_address = if decrement {
                ch.current_address.wrapping_sub(step)
            } else {
                ch.current_address.wrapping_add(step)
            };
            terminal_count = run == left;
            ch.current_count = (left - run).wrapping_sub(1) as u16;
            done += run;
        }
        if terminal_count {
            controller.terminal_count |= 1 << index;
            controller.request &= !(1 << index);
            if ch.mode & MODE_AUTO_INIT != 0 {
                ch.current_address = ch.base_address;
                ch.current_count = ch.base_count;
            } else {
                controller.mask |= 1 << index;
            }
        }
        Transfer {
            bytes: done * unit,
            terminal_count,
        }
    }

    fn read_byte(&mut self, port: u16) -> u8 {
        match port {
            0x00..=0x0F => self.controllers[0].read(port as u8),
            0xC0..=0xDF => self.controllers[1].read(((port - 0xC0) >> 1) as u8),
            _ => match PAGE_PORTS.iter().position(|&p| p == port) {
                Some(ch) => self.controllers[ch / 4].channels[ch % 4].page,
                None => 0xFF,
            },
        }
    }

    fn write_byte(&mut self, port: u16, value: u8) {
        match port {
            0x00..=0x0F => self.controllers[0].write(port as u8, value),
            0xC0..=0xDF => self.controllers[1].write(((port - 0xC0) >> 1) as u8, value),
            _ => {
                if let Some(ch) = PAGE_PORTS.iter().position(|&p| p == port) {
                    self.controllers[ch / 4].channels[ch % 4].page = value;
                }
            }
        }
    }
}

/// Whether `port` is one this device decodes.
fn decodes(port: u16) -> bool {
    PORTS
        .iter()
        .any(|&(start, count)| port.wrapping_sub(start) < count)
}

impl PortIo for Dma8237 {
    /// Wider accesses are split into byte accesses at consecutive ports, as the ISA bus does.
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        (0..size.clamp(1, 4)).fold(0, |acc, i| {
            let p = port.wrapping_add(u16::from(i));
            let byte = if decodes(p) { self.read_byte(p) } else { 0xFF };
            acc | u32::from(byte) << (8 * i)
        })
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
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
