//! The built-in BIOS on the board: its ROM in the firmware area, the trap port its stubs
//! write to, and the `Platform` through which its services reach ports and memory (the same
//! paths a guest's accesses take).

use amber_bios::Platform;
use amber_cpu::{Bus, PhysPage};

use crate::board::Board;

/// The board as the firmware sees it at one instant of the virtual clock.
pub struct FirmwarePlatform<'a> {
    pub board: &'a mut Board,
    pub icount: u64,
}

impl FirmwarePlatform<'_> {
    /// Runs `f` on each piece of `[addr, addr + len)`: `Some((backing offset, writable))`
    /// for RAM and ROM, `None` for MMIO; with its position in the buffer and length.
    fn each_piece(
        &self,
        addr: u32,
        len: usize,
        mut f: impl FnMut(Option<(usize, bool)>, usize, usize),
    ) {
        let mut done = 0;
        while done < len {
            let a = addr.wrapping_add(done as u32);
            let in_page = (0x1000 - (a & 0xFFF)) as usize;
            let n = in_page.min(len - done);
            match self.board.map.page(a) {
                PhysPage::Ram { offset, writable } => {
                    f(Some(((offset + (a & 0xFFF)) as usize, writable)), done, n)
                }
                PhysPage::Mmio => f(None, done, n),
            }
            done += n;
        }
    }
}

impl Platform for FirmwarePlatform<'_> {
    fn port_read(&mut self, port: u16, size: u8) -> u32 {
        self.board.io_read(port, size, self.icount)
    }

    fn port_write(&mut self, port: u16, size: u8, value: u32) {
        self.board.io_write(port, size, value, self.icount);
    }

    fn mem_read(&mut self, addr: u32, buf: &mut [u8]) {
        let ram = self.board.ram.clone();
        let mut mmio = Vec::new();
        self.each_piece(addr, buf.len(), |piece, at, n| match piece {
            Some((off, _)) => {
                ram.read_slice(off, &mut buf[at..at + n]);
            }
            None => mmio.push((at, n)),
        });
        for (at, n) in mmio {
            for (i, b) in buf.iter_mut().enumerate().skip(at).take(n) {
                *b = self
                    .board
                    .mmio_read(addr.wrapping_add(i as u32), 1, self.icount)
                    as u8;
            }
        }
    }

    fn mem_write(&mut self, addr: u32, data: &[u8]) {
        let ram = self.board.ram.clone();
        let mut mmio = Vec::new();
        self.each_piece(addr, data.len(), |piece, at, n| match piece {
            Some((off, true)) => {
                ram.write_slice(off, &data[at..at + n]);
            }
            Some(_) => {}
            None => mmio.push((at, n)),
        });
        for (at, n) in mmio {
            for (i, &b) in data.iter().enumerate().skip(at).take(n) {
                self.board
                    .mmio_write(addr.wrapping_add(i as u32), 1, u32::from(b), self.icount);
            }
        }
    }
}
