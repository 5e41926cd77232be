//! The hook through which a translator (amber-jit) runs hot blocks as compiled code
//! (DESIGN.md "The JIT"). The CPU offers it every block it is about to run whole; the
//! translator either runs the block and says how it ended, or declines and the interpreter
//! runs it. Compiled code executes each op it does not inline through `Cpu::step_op`, the
//! interpreter's own step, so both share one set of semantics.

use crate::block::Block;
use crate::bus::Bus;
use crate::cpu::{Cpu, Exit};

/// How one op, or a whole block, ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Go on with the next op.
    Next,
    /// The block ends here: a fault was delivered, or the op asked to leave the block (a
    /// store into code, a mode change, a REP instruction that yields).
    EndBlock,
    /// The run ends (a triple fault).
    Exit(Exit),
}

/// Runs blocks as compiled code.
pub trait Translator {
    /// Runs all of `block`, which starts at the current CS:EIP, if it is compiled or hot
    /// enough to compile now, and returns how it ended; `None` leaves it to the interpreter.
    /// Compiled code may go on to further blocks (`Cpu::may_chain`) while the instruction
    /// count stays at most `end`.
    fn execute(
        &mut self,
        cpu: &mut Cpu,
        bus: &mut dyn Bus,
        block: &Block,
        end: u64,
    ) -> Option<Step>;

    /// One line on what the translator did, for `--stats`.
    fn summary(&self) -> String;

    /// Where compiled code was found to disagree with the interpreter, once a run ended in
    /// `Exit::Diverged`.
    fn divergence(&self) -> Option<String> {
        None
    }
}
