//! What compiled code shares with the dispatcher: the `JitContext` it is handed, and the
//! `extern "C"` helper through which it runs, by the interpreter's own `Cpu::step_op`, every op
//! it does not inline (and an inlined memory access whose fast path missed). Nothing unwinds
//! through generated code: a helper catches a panic, records it and makes the block return,
//! and the dispatcher resumes the panic once it is back in Rust.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use amber_cpu::decode::Op;
use amber_cpu::tlb::TlbEntry;
use amber_cpu::{Bus, Cpu, Exit, Step};

/// Per-call context of a compiled block. Generated code reads the TLB pointers by offset.
#[repr(C)]
pub struct JitContext<'a> {
    /// The read half of the current TLB (`Cpu::tlb_entries`).
    pub tlb_read: *const TlbEntry,
    /// The write half.
    pub tlb_write: *const TlbEntry,
    /// The instruction count the run may reach (`Translator::execute`'s `end`).
    pub end: u64,
    /// Set by a helper that ran an op: before going on to another block, compiled code
    /// asks `between` for the dispatcher's checks, since the op may have changed what they
    /// look at (interrupts, flags, the board).
    pub helper_ran: u32,
    pub(crate) cpu: *mut Cpu,
    pub(crate) bus: *mut (dyn Bus + 'a),
    /// The run ended in the block (a triple fault).
    pub(crate) exit: Option<Exit>,
    /// A helper panicked: resumed by the dispatcher.
    pub(crate) panic: Option<Box<dyn Any + Send>>,
}

/// A helper's answer: go on with the block.
pub const CONTINUE: u32 = 0;
/// A helper's answer, and a block's return value: the block ended before its last op (a
/// fault was delivered, the op asked to leave the block, or the run ends).
pub const LEFT: u32 = 1;

/// Runs `op` through the interpreter (`Cpu::step_op`); `CONTINUE` if the block goes on.
///
/// # Safety
/// `ctx` points at the live context of the block that calls, whose `cpu` and `bus` are
/// valid and not otherwise borrowed while generated code runs; `op` points into that
/// block's ops. Generated code has written back every register it changed.
pub unsafe extern "C" fn step(ctx: *mut JitContext<'_>, op: *const Op) -> u32 {
    // SAFETY: the caller's contract above.
    let ctx = unsafe { &mut *ctx };
    let (cpu, bus, op) = unsafe { (&mut *ctx.cpu, &mut *ctx.bus, &*op) };
    ctx.helper_ran = 1;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let step = cpu.step_op(bus, op);
        (step, cpu.tlb_entries())
    }));
    match result {
        Ok((step, (read, write))) => {
            ctx.tlb_read = read;
            ctx.tlb_write = write;
            match step {
                Step::Next => CONTINUE,
                Step::EndBlock => LEFT,
                Step::Exit(exit) => {
                    ctx.exit = Some(exit);
                    LEFT
                }
            }
        }
        Err(payload) => {
            ctx.panic = Some(payload);
            LEFT
        }
    }
}

/// Between two blocks of a region after a helper ran: `CONTINUE` if the dispatcher would
/// go straight on to a block of `ops` instructions (`Cpu::may_chain`).
///
/// # Safety
/// As for `step`.
pub unsafe extern "C" fn between(ctx: *mut JitContext<'_>, ops: u64) -> u32 {
    // SAFETY: the caller's contract.
    let ctx = unsafe { &mut *ctx };
    let (cpu, bus) = unsafe { (&mut *ctx.cpu, &mut *ctx.bus) };
    ctx.helper_ran = 0;
    match catch_unwind(AssertUnwindSafe(|| cpu.may_chain(bus, ctx.end, ops))) {
        Ok(true) => CONTINUE,
        Ok(false) => LEFT,
        Err(payload) => {
            ctx.panic = Some(payload);
            LEFT
        }
    }
}

/// Condition code `cc` on the flags in `CpuState` (`CpuState::condition`), for a branch
/// whose flags were set outside the compiled code; 1 if it holds.
///
/// # Safety
/// As for `step`; the flags in `CpuState` are current.
pub unsafe extern "C" fn condition(ctx: *mut JitContext<'_>, cc: u32) -> u32 {
    // SAFETY: the caller's contract.
    let cpu = unsafe { &*(*ctx).cpu };
    cpu.state.condition(cc as u8) as u32
}
