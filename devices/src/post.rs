//! The POST diagnostic port 0x80 of the PC/AT: firmware writes progress codes there (and
//! software uses it as an I/O delay). Nothing on the board reads it back: as in QEMU
//! (`ioport80_read` in hw/i386/pc.c), reads return all ones.

use crate::io::{Nanos, PortIo};

pub const PORTS: &[(u16, u16)] = &[(0x80, 1)];

/// The POST code latch at port 0x80.
#[derive(Default)]
pub struct PostPort {
    last: Option<u8>,
}

impl PostPort {
    pub fn new() -> PostPort {
        PostPort::default()
    }

    /// The last code written since power-on, if any.
    pub fn last(&self) -> Option<u8> {
        self.last
    }

    /// Keeps the last code: a reset does not clear a POST card's display.
    pub fn reset(&mut self) {}
}

impl PortIo for PostPort {
    fn read(&mut self, _now: Nanos, _port: u16, size: u8) -> u32 {
        all_ones(size)
    }

    fn write(&mut self, _now: Nanos, _port: u16, _size: u8, value: u32) {
        let code = value as u8;
        log::trace!("POST code {code:#04x}");
        self.last = Some(code);
    }
}

fn all_ones(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_code_and_reads_all_ones() {
        let mut post = PostPort::new();
        assert_eq!(post.last(), None);
        post.write(0, 0x80, 1, 0x12);
        post.write(0, 0x80, 1, 0x34);
        assert_eq!(post.last(), Some(0x34));
        assert_eq!(post.read(0, 0x80, 1), 0xFF);
        assert_eq!(post.read(0, 0x80, 2), 0xFFFF);
        post.write(0, 0x80, 2, 0xAB56);
        assert_eq!(post.last(), Some(0x56), "port 0x80 takes the low byte");
        post.reset();
        assert_eq!(post.last(), Some(0x56));
    }
}
