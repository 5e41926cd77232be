//! amber-jit: translation of hot decoded blocks to host code through Cranelift (DESIGN.md
//! "The JIT"). `Jit` is the CPU's `Translator`: a block that has run `threshold` times is
//! translated (`emit.rs`, `inline.rs`), compiled for the host by `cranelift-codegen` and
//! copied into a code cache of our own (`code_cache.rs`); from then on the CPU runs it as
//! host code, which inlines the common integer forms and calls the interpreter's handler for
//! everything else (`context.rs`).
//!
//! A compiled block is an `extern "C" fn(*mut CpuState, *mut JitContext) -> u32`. It keeps
//! guest registers in SSA values, writes everything back to `CpuState` before it returns or
//! calls a helper, and never unwinds.

mod arith;
mod code_cache;
mod context;
mod emit;
mod inline;
mod region;
mod shift;
mod verify;

use std::rc::Rc;
use std::time::{Duration, Instant};

use amber_cpu::block::{Block, JitSlot};
use amber_cpu::{Bus, Cpu, CpuState, Step, Translator};
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

use code_cache::CodeCache;
use context::JitContext;

/// The signature of a compiled block.
type CompiledBlock = unsafe extern "C" fn(*mut CpuState, *mut JitContext<'_>) -> u32;

/// `JitSlot::code` of a block that cannot be compiled.
const UNCOMPILABLE: usize = usize::MAX;

/// How the JIT is set up.
#[derive(Clone, Copy, Debug)]
pub struct JitConfig {
    /// Runs of a block before it is compiled.
    pub threshold: u32,
    /// Bytes of host code held before the cache is emptied.
    pub cache_size: usize,
    /// Repeat every compiled run through the interpreter and compare (`--jit-verify`).
    pub verify: bool,
}

/// Runs before a block is compiled. Compiling costs about two milliseconds a region, so a
/// block must run often to repay it: booting the Linux guest to its shell took 12.6 s with
/// 1,000, 11.5 s with 2,000, 10.6 s with 5,000, 10.3 s with 10,000, 10.0 s with 20,000 and
/// 10.1 s with 50,000 (21 s interpreted). 10,000 is the low end of that plateau, so code that
/// is hot for a shorter time still gets compiled. A loop that runs long passes any of them in
/// no time.
pub const DEFAULT_THRESHOLD: u32 = 10_000;

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            threshold: DEFAULT_THRESHOLD,
            cache_size: 64 << 20,
            verify: false,
        }
    }
}

/// What the JIT did, for benchmarks and the closing line of a run.
#[derive(Clone, Copy, Debug, Default)]
struct JitStats {
    blocks_compiled: u64,
    /// Guest instructions in the blocks compiled.
    ops_compiled: u64,
    /// Further blocks compiled into the regions of those.
    region_blocks: u64,
    /// Host code bytes produced.
    code_bytes: u64,
    compile_time: Duration,
    /// Times the code cache filled up and was emptied.
    flushes: u64,
    /// Compiled block executions.
    runs: u64,
}

/// The translator.
pub struct Jit {
    isa: OwnedTargetIsa,
    ctx: Context,
    fctx: FunctionBuilderContext,
    cache: CodeCache,
    config: JitConfig,
    stats: JitStats,
    /// The blocks compiled code was translated from beyond each region's head: the code
    /// points at their ops. Dropped with the code when the cache is emptied.
    members: Vec<Rc<Block>>,
    verifier: verify::Verifier,
}

/// Whether amber can compile for this host: Cranelift has a backend for it and the code
/// cache works there (x86-64 hosts running a Unix; others run the interpreter alone).
pub fn host_supported() -> bool {
    cfg!(all(unix, target_arch = "x86_64")) && cranelift_native::builder().is_ok()
}

impl Jit {
    /// A JIT for this host; an error says why there is none.
    pub fn new(config: JitConfig) -> Result<Jit, String> {
        if !host_supported() {
            return Err("the JIT does not support this host".into());
        }
        let mut flags = settings::builder();
        // Compile time matters more than code quality for blocks this small; the verifier
        // is for debugging Cranelift itself.
        for (name, value) in [("opt_level", "none"), ("enable_verifier", "false")] {
            flags.set(name, value).map_err(|e| e.to_string())?;
        }
        let isa = cranelift_native::builder()?
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())?;
        let cache = CodeCache::new(config.cache_size)
            .ok_or_else(|| "cannot reserve memory for the code cache".to_string())?;
        Ok(Jit {
            isa,
            ctx: Context::new(),
            fctx: FunctionBuilderContext::new(),
            cache,
            config,
            stats: JitStats::default(),
            members: Vec::new(),
            verifier: verify::Verifier::default(),
        })
    }

    /// Compiles the region of `block`, entered at `eip`, into the cache; `UNCOMPILABLE` if
    /// Cranelift refuses or the code would need relocating.
    fn compile(&mut self, cpu: &mut Cpu, bus: &mut dyn Bus, block: &Block, eip: u32) -> usize {
        let start = Instant::now();
        let min_runs = self.config.threshold / 4;
        let region = region::Region::discover(cpu, bus, block, eip, min_runs);
        self.ctx.clear();
        self.ctx.func.signature = emit::block_signature(&*self.isa);
        let builder = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        emit::Emitter::new(builder, &*self.isa).region(&region);
        let code = match self.ctx.compile(&*self.isa, &mut ControlPlane::default()) {
            Ok(c) if c.buffer.relocs().is_empty() => c.code_buffer().to_vec(),
            Ok(_) => return UNCOMPILABLE,
            Err(e) => {
                log::warn!(
                    "JIT: block at {:#x} not compiled: {:?}",
                    block.phys,
                    e.inner
                );
                return UNCOMPILABLE;
            }
        };
        let addr = match self.cache.insert(&code) {
            Some(a) => a,
            None => {
                // Full: every compiled block goes, with the decoded blocks that point at them.
                cpu.flush_code();
                self.cache.clear();
                self.members.clear();
                self.stats.flushes += 1;
                match self.cache.insert(&code) {
                    Some(a) => a,
                    None => return UNCOMPILABLE,
                }
            }
        };
        self.stats.blocks_compiled += 1;
        self.stats.ops_compiled += block.ops.len() as u64;
        self.stats.region_blocks += region.blocks.len() as u64;
        self.members
            .extend(region.blocks.into_iter().map(|(_, b)| b));
        self.stats.code_bytes += code.len() as u64;
        self.stats.compile_time += start.elapsed();
        addr as usize
    }
}

impl Translator for Jit {
    fn execute(
        &mut self,
        cpu: &mut Cpu,
        bus: &mut dyn Bus,
        block: &Block,
        end: u64,
    ) -> Option<Step> {
        let mut slot: JitSlot = block.jit.get();
        let eip = cpu.state.eip32();
        if slot.code == 0 {
            slot.runs += 1;
            if slot.runs >= self.config.threshold {
                slot.code = self.compile(cpu, bus, block, eip);
                slot.eip = eip;
            }
            block.jit.set(slot);
        }
        // Compiled for another entry EIP (the same code reached through another CS base):
        // its branch targets would be wrong here.
        if slot.code == 0 || slot.code == UNCOMPILABLE || slot.eip != eip {
            return None;
        }
        self.stats.runs += 1;
        // SAFETY: `slot.code` is the address where `compile` copied a function of the
        // `CompiledBlock` signature, translated from this very block; the cache still holds
        // it, since emptying the cache drops every block (and `block` is a live one of them
        // compiled after the last emptying, or was compiled just now).
        let code: CompiledBlock = unsafe { std::mem::transmute::<usize, CompiledBlock>(slot.code) };
        if self.config.verify {
            let run = |cpu: &mut Cpu, bus: &mut dyn Bus| run_compiled(code, cpu, bus, end);
            return Some(self.verifier.check(cpu, bus, run));
        }
        Some(run_compiled(code, cpu, bus, end))
    }

    fn divergence(&self) -> Option<String> {
        self.verifier.divergence.clone()
    }

    fn summary(&self) -> String {
        let s = &self.stats;
        let per_block = s.compile_time.as_secs_f64() * 1e6 / s.blocks_compiled.max(1) as f64;
        format!(
            "JIT: {} blocks compiled with {} more in their regions ({} instructions, {} KiB of \
             code, {per_block:.0} us each), {} KiB of the code cache in use, {} compiled runs, \
             {} cache flushes",
            s.blocks_compiled,
            s.region_blocks,
            s.ops_compiled,
            s.code_bytes / 1024,
            self.cache.used() / 1024,
            s.runs,
            s.flushes
        ) + &self.verified()
    }
}

impl Jit {
    /// The verifier's part of the summary, under `--jit-verify`.
    fn verified(&self) -> String {
        if !self.config.verify {
            return String::new();
        }
        let v = &self.verifier;
        format!(
            "; {} runs verified against the interpreter, {} not (they reached a device or \
             modified code)",
            v.verified, v.unrepeatable
        )
    }
}

/// Runs the compiled block `code` from CS:EIP; the instruction count may reach `end`.
fn run_compiled(code: CompiledBlock, cpu: &mut Cpu, bus: &mut dyn Bus, end: u64) -> Step {
    let (tlb_read, tlb_write) = cpu.tlb_entries();
    let cpu: *mut Cpu = cpu;
    let mut ctx = JitContext {
        tlb_read,
        tlb_write,
        end,
        helper_ran: 0,
        cpu,
        bus,
        exit: None,
        panic: None,
    };
    // SAFETY: `code` is a compiled block (the caller's transmute), `cpu` comes from a live
    // `&mut Cpu` that is not used while the block runs; the block reaches the CPU only
    // through `state` and the helpers through `ctx`, which outlives the call.
    let ret = unsafe { code(std::ptr::addr_of_mut!((*cpu).state), &mut ctx) };
    if let Some(payload) = ctx.panic.take() {
        std::panic::resume_unwind(payload);
    }
    match ctx.exit {
        Some(exit) => Step::Exit(exit),
        None if ret == context::CONTINUE => Step::Next,
        None => Step::EndBlock,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cranelift_knows_this_host() {
        // amber's CI runs on x86-64 Linux, where the JIT works.
        assert!(super::host_supported());
    }
}
