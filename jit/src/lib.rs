//! amber-jit: translation of hot decoded blocks to host code through Cranelift
//! (DESIGN.md "The JIT"). This is the interface the interpreter and the machine build
//! against; the translator itself is issue #8.
//!
//! A compiled block is an `extern "C" fn(*mut CpuState, *mut JitContext) -> BlockExit`. It
//! keeps guest registers in SSA values, writes everything back to `CpuState` before it
//! returns, and never unwinds: a fault in a helper is recorded in the `JitContext` and the
//! block returns `BlockExit::Fault` with the faulting instruction's EIP in `CpuState`.

use amber_cpu::CpuState;

/// Why a compiled block returned to the dispatcher.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockExit {
    /// Ran to its end; EIP holds the next instruction.
    Next = 0,
    /// A helper recorded a fault in `JitContext::fault`; EIP is the faulting instruction.
    Fault = 1,
    /// A store hit a page holding translated code; the blocks on it must be dropped.
    CodeModified = 2,
    /// The instruction budget ran out inside a chained loop.
    Budget = 3,
}

/// Per-run context shared between the dispatcher and generated code.
#[repr(C)]
#[derive(Debug, Default)]
pub struct JitContext {
    /// Instructions the block may still retire before it must return.
    pub budget: u64,
    /// Vector and error code of a fault recorded by a helper (vector 0xFF: none).
    pub fault_vector: u8,
    pub fault_code: u32,
}

/// The signature of a compiled block.
pub type CompiledBlock = extern "C" fn(*mut CpuState, *mut JitContext) -> BlockExit;

/// Whether Cranelift can generate code for this host, so `--jit` can default on where it
/// works and the interpreter runs alone elsewhere.
pub fn host_supported() -> bool {
    cranelift_native::builder().is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn cranelift_knows_this_host() {
        // Every host amber's CI runs on (x86_64, aarch64, riscv64) has a Cranelift backend.
        assert!(super::host_supported());
    }
}
