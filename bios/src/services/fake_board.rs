//! A test board for the services' unit tests: 1 MiB of RAM, PCI configuration space behind
//! CF8h/CFCh, CMOS registers behind 70h/71h, COM1's receiver (3F8h, LSR 3FDh), the port
//! writes in order, and an 8042 with a
//! PS/2 keyboard and mouse that answer at once as QEMU's pckbd.c/ps2.c do (IBM PS/2
//! Hardware Interface Technical Reference: controller commands AAh, ABh, 20h, 60h, A7h,
//! A8h, ADh, AEh, D4h, FEh; keyboard commands EDh, F2h, F3h, F4h, F5h, FFh; mouse commands
//! E6h-E9h, F2h-F6h, FFh).

use crate::platform::Platform;
use std::collections::VecDeque;

const ACK: u8 = 0xFA;

/// Where the next byte written to port 60h goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    None,
    CommandByte,
    Aux,
}

pub struct Fake8042 {
    /// Output buffer contents: (byte, from the mouse).
    pub out: VecDeque<(u8, bool)>,
    pub command_byte: u8,
    pending: Pending,
    /// A keyboard or mouse command waiting for its parameter byte.
    kbd_param: Option<u8>,
    aux_param: Option<u8>,
    pub leds: u8,
    pub typematic: u8,
    pub kbd_enabled: bool,
    pub mouse_rate: u8,
    pub mouse_resolution: u8,
    pub mouse_scaling: bool,
    pub mouse_reporting: bool,
    pub reset_pulses: u32,
}

impl Fake8042 {
    fn new() -> Fake8042 {
        Fake8042 {
            out: VecDeque::new(),
            command_byte: 0x00,
            pending: Pending::None,
            kbd_param: None,
            aux_param: None,
            leds: 0,
            typematic: 0,
            kbd_enabled: true,
            mouse_rate: 100,
            mouse_resolution: 2,
            mouse_scaling: false,
            mouse_reporting: false,
            reset_pulses: 0,
        }
    }

    fn status(&self) -> u8 {
        let sys = self.command_byte & 0x04;
        match self.out.front() {
            Some(&(_, aux)) => 0x01 | sys | if aux { 0x20 } else { 0 },
            None => sys,
        }
    }

    fn command(&mut self, c: u8) {
        match c {
            0x20 => self.out.push_back((self.command_byte, false)),
            0x60 => self.pending = Pending::CommandByte,
            0xAA => {
                self.command_byte |= 0x04;
                self.out.push_back((0x55, false));
            }
            0xA9 | 0xAB => self.out.push_back((0x00, false)),
            0xD4 => self.pending = Pending::Aux,
            0xFE => self.reset_pulses += 1,
            _ => {}
        }
    }

    fn data(&mut self, v: u8) {
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::CommandByte => self.command_byte = v,
            Pending::Aux => match self.aux_param.take() {
                Some(0xE8) => {
                    self.mouse_resolution = v;
                    self.reply(&[ACK], true);
                }
                Some(_) => {
                    self.mouse_rate = v;
                    self.reply(&[ACK], true);
                }
                None => self.aux(v),
            },
            Pending::None => match self.kbd_param.take() {
                Some(0xED) => {
                    self.leds = v;
                    self.reply(&[ACK], false);
                }
                Some(_) => {
                    self.typematic = v;
                    self.reply(&[ACK], false);
                }
                None => self.keyboard(v),
            },
        }
    }

    fn keyboard(&mut self, c: u8) {
        match c {
            0xED | 0xF3 => {
                self.kbd_param = Some(c);
                self.reply(&[ACK], false);
            }
            0xF2 => self.reply(&[ACK, 0xAB, 0x41], false),
            0xF4 | 0xF5 => {
                self.kbd_enabled = c == 0xF4;
                self.reply(&[ACK], false);
            }
            0xFF => {
                self.leds = 0;
                self.reply(&[ACK, 0xAA], false);
            }
            _ => self.reply(&[0xFE], false),
        }
    }

    fn aux(&mut self, c: u8) {
        match c {
            0xE6 | 0xE7 => {
                self.mouse_scaling = c == 0xE7;
                self.reply(&[ACK], true);
            }
            0xE8 | 0xF3 => {
                self.aux_param = Some(c);
                self.reply(&[ACK], true);
            }
            0xE9 => {
                let s = u8::from(self.mouse_reporting) << 5 | u8::from(self.mouse_scaling) << 4;
                let (res, rate) = (self.mouse_resolution, self.mouse_rate);
                self.reply(&[ACK, s, res, rate], true);
            }
            0xF2 => self.reply(&[ACK, 0x00], true),
            0xF4 | 0xF5 => {
                self.mouse_reporting = c == 0xF4;
                self.reply(&[ACK], true);
            }
            0xF6 => self.reply(&[ACK], true),
            0xFF => {
                self.mouse_reporting = false;
                self.mouse_rate = 100;
                self.reply(&[ACK, 0xAA, 0x00], true);
            }
            _ => self.reply(&[0xFE], true),
        }
    }

    fn reply(&mut self, bytes: &[u8], aux: bool) {
        self.out.extend(bytes.iter().map(|&b| (b, aux)));
    }
}

pub struct FakeBoard {
    pub ram: Vec<u8>,
    /// Byte writes to ports other than the PCI and CMOS ones, in order.
    pub writes: Vec<(u16, u8)>,
    pci: Vec<(u8, [u8; 256])>,
    pci_address: u32,
    pub cmos: [u8; 128],
    cmos_index: u8,
    pub kbc: Option<Fake8042>,
    /// Bytes waiting in COM1's receiver.
    pub com1: VecDeque<u8>,
}

impl FakeBoard {
    pub fn new() -> FakeBoard {
        FakeBoard {
            ram: vec![0; 0x10_0000],
            writes: Vec::new(),
            pci: Vec::new(),
            pci_address: 0,
            cmos: [0; 128],
            cmos_index: 0,
            kbc: Some(Fake8042::new()),
            com1: VecDeque::new(),
        }
    }

    /// A PCI function on bus 0.
    pub fn add_pci(&mut self, devfn: u8, vendor: u16, device: u16, class: u32, header: u8) {
        let mut space = [0u8; 256];
        space[0..2].copy_from_slice(&vendor.to_le_bytes());
        space[2..4].copy_from_slice(&device.to_le_bytes());
        space[8..12].copy_from_slice(&(class << 8).to_le_bytes());
        space[0x0E] = header;
        self.pci.push((devfn, space));
    }

    fn pci_space(&mut self) -> Option<&mut [u8; 256]> {
        let a = self.pci_address;
        if a & 0x8000_0000 == 0 || (a >> 16) & 0xFF != 0 {
            return None;
        }
        let devfn = (a >> 8) as u8;
        self.pci
            .iter_mut()
            .find(|(d, _)| *d == devfn)
            .map(|(_, s)| s)
    }
}

impl Platform for FakeBoard {
    fn port_read(&mut self, port: u16, size: u8) -> u32 {
        match port {
            0xCF8 => self.pci_address,
            0xCFC..=0xCFF => {
                let at = usize::from((self.pci_address as u8 & 0xFC) + (port as u8 & 3));
                match self.pci_space() {
                    Some(s) => (0..usize::from(size))
                        .map(|i| u32::from(s[(at + i) & 0xFF]) << (8 * i))
                        .sum(),
                    None => u32::MAX >> (32 - 8 * u32::from(size)),
                }
            }
            0x71 => u32::from(self.cmos[usize::from(self.cmos_index & 0x7F)]),
            0x60 => match self.kbc.as_mut() {
                Some(k) => k.out.pop_front().map_or(0, |(b, _)| u32::from(b)),
                None => 0xFF,
            },
            0x64 => self.kbc.as_ref().map_or(0xFF, |k| u32::from(k.status())),
            0x3F8 => u32::from(self.com1.pop_front().unwrap_or(0)),
            0x3FD => 0x60 | u32::from(!self.com1.is_empty()),
            _ => 0xFF,
        }
    }

    fn port_write(&mut self, port: u16, size: u8, value: u32) {
        match port {
            0xCF8 if size == 4 => self.pci_address = value,
            0xCFC..=0xCFF => {
                let at = usize::from((self.pci_address as u8 & 0xFC) + (port as u8 & 3));
                if let Some(s) = self.pci_space() {
                    for i in 0..usize::from(size) {
                        s[(at + i) & 0xFF] = (value >> (8 * i)) as u8;
                    }
                }
            }
            0x70 => self.cmos_index = value as u8,
            0x71 => self.cmos[usize::from(self.cmos_index & 0x7F)] = value as u8,
            _ => {
                self.writes.push((port, value as u8));
                match (port, self.kbc.as_mut()) {
                    (0x64, Some(k)) => k.command(value as u8),
                    (0x60, Some(k)) => k.data(value as u8),
                    _ => {}
                }
            }
        }
    }

    fn mem_read(&mut self, addr: u32, buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = *self.ram.get(addr as usize + i).unwrap_or(&0xFF);
        }
    }

    fn mem_write(&mut self, addr: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            if let Some(m) = self.ram.get_mut(addr as usize + i) {
                *m = b;
            }
        }
    }
}
