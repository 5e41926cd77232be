//! Running the same code twice from one state (DESIGN.md "The JIT"): `--jit-verify` runs a
//! compiled block, puts the processor and the RAM it wrote back as they were, runs the same
//! instructions through the interpreter, and compares. A `Checkpoint` holds the processor's
//! side; the write log holds the RAM pages a run stored to, as they were before.
//!
//! Decoded code and the MSRs are not put back: a run that drops blocks (a store into code) or
//! writes an MSR cannot be repeated from the checkpoint, which `cannot_repeat_since` tells.
//!
//! The log needs no check on the fast path: starting it forgets every write translation, so
//! the first store to each page in the run takes the slow path (`mem.rs`), which copies the
//! page before it changes and only then caches the translation again. The page walk's
//! accessed and dirty bits are logged the same way. The board's own writes (DMA) are not:
//! a run that reaches the board cannot be repeated, and the verifier leaves it alone.

use std::rc::Rc;

use crate::block::Block;
use crate::bus::{Bus, PAGE_SIZE};
use crate::cpu::Cpu;
use crate::state::CpuState;
use crate::tlb::Tlb;
use crate::translate::Step;

/// Everything of the processor a run can change, besides RAM, decoded code and MSRs. Taken
/// again into the same `Checkpoint`, it allocates nothing.
#[derive(Default)]
pub struct Checkpoint {
    state: CpuState,
    tlb: Tlb,
    tlb_other: Tlb,
    drops: u64,
    msr_writes: u64,
    phys_mask: u32,
    exit_block: bool,
    board_stop: bool,
    irq_shadow: u64,
    last_vector: Option<u8>,
}

impl Checkpoint {
    /// The architectural state it holds.
    pub fn state(&self) -> &CpuState {
        &self.state
    }
}

/// The RAM pages stores reached since the log started: byte offset into `GuestRam`, and
/// the page's contents before the first of them.
#[derive(Default)]
pub struct WriteLog {
    pub pages: Vec<(usize, Box<[u8]>)>,
}

impl WriteLog {
    /// The page at RAM offset `offset` as it was before the logged run, if it was written.
    pub fn before(&self, offset: usize) -> Option<&[u8]> {
        self.pages
            .iter()
            .find(|(o, _)| *o == offset)
            .map(|(_, b)| &b[..])
    }
}

impl Cpu {
    /// Saves the processor's state now into `c`, to return to with `restore`.
    pub fn save(&self, c: &mut Checkpoint) {
        c.state.clone_from(&self.state);
        c.tlb.copy_from(&self.tlb);
        c.tlb_other.copy_from(&self.tlb_other);
        c.drops = self.blocks.drops;
        c.msr_writes = self.msrs.writes;
        c.phys_mask = self.phys_mask;
        c.exit_block = self.exit_block;
        c.board_stop = self.board_stop;
        c.irq_shadow = self.irq_shadow;
        c.last_vector = self.last_vector;
    }

    /// Puts the processor back as `checkpoint` found it. RAM is the caller's (`WriteLog`).
    pub fn restore(&mut self, checkpoint: &Checkpoint) {
        let c = checkpoint;
        self.state.clone_from(&c.state);
        self.tlb.copy_from(&c.tlb);
        self.tlb_other.copy_from(&c.tlb_other);
        self.phys_mask = c.phys_mask;
        self.exit_block = c.exit_block;
        self.board_stop = c.board_stop;
        self.irq_shadow = c.irq_shadow;
        self.last_vector = c.last_vector;
    }

    /// Whether a run since `checkpoint` dropped decoded blocks or wrote an MSR, which
    /// `restore` cannot bring back: then it cannot be repeated from there.
    pub fn cannot_repeat_since(&self, checkpoint: &Checkpoint) -> bool {
        self.blocks.drops != checkpoint.drops || self.msrs.writes != checkpoint.msr_writes
    }

    /// Starts logging the RAM pages stores reach (see the module's comment).
    pub fn start_write_log(&mut self) {
        self.tlb.forget_writes();
        self.tlb_other.forget_writes();
        self.write_log = Some(WriteLog::default());
    }

    /// Stops the log and returns it.
    pub fn take_write_log(&mut self) -> WriteLog {
        self.write_log.take().unwrap_or_default()
    }

    /// Copies the RAM page at byte offset `offset` into the log, unless it is there already.
    #[cold]
    pub(crate) fn log_page(&mut self, offset: usize) {
        let offset = offset & !(PAGE_SIZE as usize - 1);
        let Some(log) = &mut self.write_log else {
            return;
        };
        if log.before(offset).is_none() {
            let mut page = vec![0; PAGE_SIZE as usize].into_boxed_slice();
            if self.ram.read_slice(offset, &mut page) {
                log.pages.push((offset, page));
            }
        }
    }

    /// Writes the logged pages back as they were before the logged run.
    pub fn undo_writes(&self, log: &WriteLog) {
        for (offset, page) in &log.pages {
            self.ram.write_slice(*offset, page);
        }
    }

    /// Interprets whole blocks from CS:EIP, without looking for interrupts between them,
    /// until the instruction count reaches `icount` or an op ends its block: what compiled
    /// code chained from block to block did, done by the interpreter.
    pub fn interpret_to(&mut self, bus: &mut dyn Bus, icount: u64) -> Step {
        loop {
            let block: Rc<Block> = match self.block_at(bus, self.state.eip32()) {
                Ok(b) => b,
                Err(f) => {
                    return match self.raise(bus, f, 0) {
                        Some(exit) => Step::Exit(exit),
                        None => Step::EndBlock,
                    }
                }
            };
            self.state.eflags &= !crate::state::fl::RF;
            for op in &block.ops {
                match self.step_op(bus, op) {
                    Step::Next => {}
                    end => return end,
                }
            }
            if self.state.icount >= icount {
                return Step::Next;
            }
        }
    }
}
