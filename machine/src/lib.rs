//! amber-machine: the PC board (DESIGN.md "Time, interrupts and determinism").
//!
//! Today the board is RAM and the debug console at port E9, enough to run the built-in demo
//! and bare real-mode programs. The memory map, port bus, IRQ wiring, virtual clock and
//! devices arrive with issue #3.

mod board;

pub use board::Board;

use std::io::Write;
use std::rc::Rc;

use amber_cpu::{Cpu, CpuModel, Exit, GuestRam, Seg};

/// A PC: a processor on a board.
pub struct Machine {
    pub cpu: Cpu,
    pub board: Board,
}

impl Machine {
    /// A machine with `ram_size` bytes of RAM whose debug console writes to `debugcon`.
    pub fn new(model: CpuModel, ram_size: usize, debugcon: Box<dyn Write>) -> Machine {
        let ram = Rc::new(GuestRam::new(ram_size));
        Machine {
            cpu: Cpu::new(model, ram.clone()),
            board: Board::new(ram, debugcon),
        }
    }

    /// Copies `image` into RAM at `addr`; false if it does not fit.
    pub fn load(&mut self, addr: u32, image: &[u8]) -> bool {
        let ok = self.cpu.ram().write_slice(addr as usize, image);
        self.cpu.flush_code();
        ok
    }

    /// Starts the processor in real mode at 0000:`ip`, as a BIOS hands over to a boot sector.
    pub fn start_real_mode(&mut self, ip: u16) {
        self.cpu.reset();
        for s in Seg::ALL {
            self.cpu.load_real_segment(s, 0);
        }
        self.cpu.state.eip = ip as u64;
    }

    /// Runs at most `budget` instructions.
    pub fn run(&mut self, budget: u64) -> Exit {
        let exit = self.cpu.run(&mut self.board, budget);
        self.board.flush();
        exit
    }
}
