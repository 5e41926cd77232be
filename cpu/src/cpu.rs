//! The processor: architectural state plus the interpreter's caches (soft TLB, decoded
//! blocks), and the run loop that executes blocks and takes interrupts between them.

use std::rc::Rc;

use crate::block::{Block, BlockCache};
use crate::bus::{Bus, GuestRam};
use crate::fault::Fault;
use crate::interrupt::Event;
use crate::model::{CpuModel, Quirks};
use crate::state::{fl, CpuState, Seg, SegmentCache};
use crate::tlb::{Tlb, TlbEntry};
use crate::translate::{Step, Translator};

/// Why `Cpu::run` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// The instruction budget is used up.
    Limit,
    /// HLT with no interrupt to wake it.
    Halted,
    /// A fault while delivering a double fault: the processor shuts down.
    TripleFault(Fault),
    /// The board asked to stop (`BusAction::Stop`) after the instruction that wrote to it.
    Board,
    /// The translator found its compiled code disagreeing with the interpreter
    /// (`--jit-verify`); `Translator::divergence` says where.
    Diverged,
}

pub struct Cpu {
    pub state: CpuState,
    pub model: CpuModel,
    pub(crate) quirks: Quirks,
    pub(crate) ram: Rc<GuestRam>,
    /// The TLB of the current privilege class (supervisor or user)...
    pub(crate) tlb: Tlb,
    /// ...and the other one, swapped in when CPL crosses between 0-2 and 3.
    pub(crate) tlb_other: Tlb,
    pub(crate) blocks: BlockCache,
    /// Mask applied to physical addresses: the model's address lines and the A20 gate.
    pub(crate) phys_mask: u32,
    /// Set by a handler to end the current block after it (self-modifying code, a REP
    /// instruction that yields, a mode change).
    pub(crate) exit_block: bool,
    /// The board asked the CPU to stop after the current instruction.
    pub(crate) board_stop: bool,
    /// Interrupts are held off while `icount` is at most this (after STI, MOV SS, POP SS).
    pub(crate) irq_shadow: u64,
    /// The last exception or interrupt delivered, for harnesses and diagnostics.
    pub last_vector: Option<u8>,
    /// Blocks decoded since creation (a loop should be decoded once).
    pub blocks_decoded: u64,
    /// Log every instruction (see `trace.rs`).
    pub trace: bool,
    /// Model-specific registers.
    pub msrs: crate::msr::Msrs,
    /// Breakpoints enabled in DR7.
    pub(crate) breakpoints: Vec<crate::debug::Breakpoint>,
    /// Data breakpoints hit by the current instruction (DR6 B0-B3 bits).
    pub(crate) data_breakpoint_hits: u32,
    /// Nesting of exception delivery, for double and triple faults.
    delivering: Option<Fault>,
    /// Runs hot blocks as compiled code (the JIT), if one is attached.
    translator: Option<Box<dyn Translator>>,
    /// The RAM pages stores reach, while `--jit-verify` checks a run (`checkpoint.rs`).
    pub(crate) write_log: Option<crate::checkpoint::WriteLog>,
}

impl Cpu {
    /// A processor of `model` attached to `ram`, in its reset state.
    pub fn new(model: CpuModel, ram: Rc<GuestRam>) -> Cpu {
        let quirks = model.quirks();
        let mut cpu = Cpu {
            state: CpuState::default(),
            model,
            quirks,
            ram,
            tlb: Tlb::default(),
            tlb_other: Tlb::default(),
            blocks: BlockCache::default(),
            phys_mask: quirks.address_mask,
            exit_block: false,
            board_stop: false,
            irq_shadow: 0,
            last_vector: None,
            blocks_decoded: 0,
            trace: crate::trace::enabled(),
            msrs: crate::msr::Msrs::reset(),
            breakpoints: Vec::new(),
            data_breakpoint_hits: 0,
            delivering: None,
            translator: None,
            write_log: None,
        };
        cpu.reset();
        cpu
    }

    /// The power-on state (SDM Vol. 3 9.1.1): CS selector F000 with base FFFF0000 (FF0000 on
    /// the 286, F0000 on the 8086), IP FFF0, flags 2, real mode.
    pub fn reset(&mut self) {
        let icount = self.state.icount;
        self.state = CpuState::default();
        self.state.icount = icount;
        for s in Seg::ALL {
            self.state.seg[s as usize] = SegmentCache::real_mode(0);
        }
        let cs_base = match self.model {
            CpuModel::I8086 => 0xF_0000,
            CpuModel::I80286 => 0xFF_0000,
            _ => 0xFFFF_0000,
        };
        self.state.seg[Seg::Cs as usize] = SegmentCache {
            base: cs_base,
            ..SegmentCache::real_mode(0xF000)
        };
        self.state.eip = if self.model == CpuModel::I8086 {
            0
        } else {
            0xFFF0
        };
        if self.model == CpuModel::I8086 {
            self.state.seg[Seg::Cs as usize] = SegmentCache::real_mode(0xFFFF);
        }
        self.state.eflags = self.quirks.flags_fixed1;
        self.state.idtr.limit = 0x3FF;
        self.state.gdtr.limit = 0xFFFF;
        self.state.cr0 = if self.model >= CpuModel::I80486 {
            0x6000_0010
        } else {
            0x10
        };
        self.state.regs[crate::state::reg::EDX] = self.model.cpuid_signature().0 as u64 & 0xFFF;
        self.state.seg[Seg::Ss as usize].access = SegmentCache::PRESENT | 0x13;
        self.msrs = crate::msr::Msrs::reset();
        // The x87 after RESET (SDM Vol. 3 table 9-1): control word 0040h, all tags valid zero.
        self.state.fpu = crate::fpu::Fpu {
            cw: 0x0040,
            tag: 0x5555,
            ..crate::fpu::Fpu::default()
        };
        self.breakpoints.clear();
        self.flush_tlb();
        self.exit_block = false;
        self.irq_shadow = 0;
        self.delivering = None;
    }

    /// Attaches a translator that runs hot blocks as compiled code (or detaches it).
    pub fn set_translator(&mut self, translator: Option<Box<dyn Translator>>) {
        self.translator = translator;
    }

    /// The translator's account of its work, if one is attached.
    pub fn translator_summary(&self) -> Option<String> {
        self.translator.as_ref().map(|t| t.summary())
    }

    /// Where the translator's code disagreed with the interpreter (`Exit::Diverged`).
    pub fn translator_divergence(&self) -> Option<String> {
        self.translator.as_ref().and_then(|t| t.divergence())
    }

    /// The read and write halves of the current TLB, for compiled code's inline probes.
    /// They move when CPL crosses between supervisor and user, so a caller takes them
    /// again after anything that may change CPL.
    pub fn tlb_entries(&mut self) -> (*const TlbEntry, *const TlbEntry) {
        (self.tlb.read.as_ptr(), self.tlb.write.as_ptr())
    }

    /// The RAM this processor reaches directly.
    pub fn ram(&self) -> &Rc<GuestRam> {
        &self.ram
    }

    /// Drops all cached translations. The board calls it when its memory map changes.
    pub fn flush_tlb(&mut self) {
        self.tlb.flush();
        self.tlb_other.flush();
    }

    /// Drops the translations of non-global pages (MOV CR3).
    pub(crate) fn flush_tlb_non_global(&mut self) {
        self.tlb.flush_non_global();
        self.tlb_other.flush_non_global();
    }

    /// Drops the translation of one page (INVLPG).
    pub(crate) fn invalidate_page(&mut self, lin: u32) {
        self.tlb.invalidate(lin);
        self.tlb_other.invalidate(lin);
    }

    /// Makes stores to a physical page that now holds code take the slow path.
    pub(crate) fn protect_code_page(&mut self, phys_page: u32) {
        self.tlb.protect_code_page(phys_page);
        self.tlb_other.protect_code_page(phys_page);
    }

    /// Changes the current privilege level, switching TLBs between supervisor and user.
    pub(crate) fn set_cpl(&mut self, cpl: u8) {
        if (cpl == 3) != (self.state.cpl == 3) {
            std::mem::swap(&mut self.tlb, &mut self.tlb_other);
        }
        self.state.cpl = cpl;
    }

    /// Drops all decoded code (for example after the board rewrote RAM behind the CPU's back,
    /// as a test harness does between tests).
    pub fn flush_code(&mut self) {
        self.blocks.flush();
        self.tlb.flush();
    }

    /// Opens or closes the A20 gate (address line 20 forced to zero when closed).
    pub fn set_a20(&mut self, enabled: bool) {
        let mask = if enabled { !0 } else { !(1 << 20) };
        let new = self.quirks.address_mask & mask;
        if new != self.phys_mask {
            self.phys_mask = new;
            self.flush_tlb();
        }
    }

    /// Loads a segment register the way real mode does (base = selector * 16).
    pub fn load_real_segment(&mut self, seg: Seg, selector: u16) {
        let s = &mut self.state.seg[seg as usize];
        s.selector = selector;
        s.base = (selector as u32) << 4;
        // A real-mode load makes the segment usable; limit and attributes stay (SDM Vol. 3
        // 20.1.1), which is what "unreal mode" relies on.
        s.valid |= SegmentCache::READ | SegmentCache::WRITE;
    }

    /// Writes EFLAGS as POPF would in real mode at CPL 0: reserved bits keep their fixed
    /// values for this model.
    pub fn set_flags(&mut self, value: u32) {
        self.state.lazy.op = crate::state::FlagOp::None;
        self.state.eflags = (value & self.quirks.flags_writable) | self.quirks.flags_fixed1;
    }

    /// Mode bits a decoded block depends on.
    #[inline(always)]
    fn mode_bits(&self) -> u32 {
        self.state.seg[Seg::Cs as usize].big() as u32
    }

    /// Runs until `budget` instructions have retired, the CPU halts, or it shuts down.
    pub fn run(&mut self, bus: &mut dyn Bus, budget: u64) -> Exit {
        let end = self.state.icount.saturating_add(budget);
        while self.state.icount < end {
            if self.board_stop {
                self.board_stop = false;
                return Exit::Board;
            }
            if self.state.eflags & fl::IF != 0
                && self.state.icount > self.irq_shadow
                && bus.interrupt_pending(self.state.icount)
            {
                self.state.halted = false;
                let vector = bus.acknowledge_interrupt(self.state.icount);
                if let Err(f) = self.interrupt(bus, vector, self.state.eip32(), Event::External) {
                    if let Some(exit) = self.raise(bus, f, 0) {
                        return exit;
                    }
                }
            }
            if self.state.halted {
                return Exit::Halted;
            }
            let block = match self.current_block(bus) {
                Ok(b) => b,
                Err(f) => {
                    if let Some(exit) = self.raise(bus, f, 0) {
                        return exit;
                    }
                    continue;
                }
            };
            let single_step = self.state.eflags & fl::TF != 0;
            if self.one_at_a_time() {
                if let Some(exit) = self.one_instruction(bus, &block, single_step) {
                    return exit;
                }
                continue;
            }
            // No breakpoints are enabled here, so RF has nothing to suppress: it ends now.
            self.state.eflags &= !fl::RF;
            let mut n = (end - self.state.icount).min(block.ops.len() as u64);
            // An interrupt shadow (after STI or a load of SS) covers one instruction: stop
            // after it, so an interrupt pending then is taken before the next one (SeaBIOS
            // polls with `sti; nop; cli`, where the NOP is the only window).
            if self.state.icount <= self.irq_shadow {
                n = n.min(self.irq_shadow + 1 - self.state.icount);
            }
            let n = n as usize;
            if n == block.ops.len() {
                if let Some(mut translator) = self.translator.take() {
                    let step = translator.execute(self, bus, &block, end);
                    self.translator = Some(translator);
                    match step {
                        Some(Step::Exit(exit)) => return exit,
                        Some(_) => continue,
                        None => {}
                    }
                }
            }
            for op in &block.ops[..n] {
                match self.step_op(bus, op) {
                    Step::Next => {}
                    Step::EndBlock => break,
                    Step::Exit(exit) => return exit,
                }
            }
        }
        Exit::Limit
    }

    /// Runs one decoded op as the interpreter does: its handler, then either the fault it
    /// raised delivered, or the instruction retired. Compiled code calls it for every op it
    /// does not inline.
    #[inline(always)]
    pub fn step_op(&mut self, bus: &mut dyn Bus, op: &crate::decode::Op) -> Step {
        if let Err(f) = (op.exec)(self, bus, op) {
            return match self.raise(bus, f, op.len) {
                Some(exit) => Step::Exit(exit),
                None => Step::EndBlock,
            };
        }
        self.state.icount += 1;
        if self.exit_block {
            self.exit_block = false;
            return Step::EndBlock;
        }
        Step::Next
    }

    /// Whether instructions must run one at a time: a single step (TF), a breakpoint in
    /// DR7, or the trace.
    #[inline(always)]
    fn one_at_a_time(&self) -> bool {
        self.state.eflags & fl::TF != 0 || self.trace || !self.breakpoints.is_empty()
    }

    /// Runs the first instruction of `block` alone, for the trace or, with `trap`, as a
    /// single step that ends in the debug trap (SDM Vol. 3 17.3.1.4).
    #[cold]
    fn one_instruction(&mut self, bus: &mut dyn Bus, block: &Block, trap: bool) -> Option<Exit> {
        let hits = self.instruction_breakpoint();
        if hits != 0 {
            // An instruction breakpoint is a fault; its handler sets RF in the saved EFLAGS
            // so the instruction runs after IRET (SDM Vol. 3 17.3.1.1).
            self.state.dr[6] = (self.state.dr[6] & !0xF) | hits;
            let r = self.interrupt(bus, 1, self.state.eip32(), Event::Exception(None));
            return r.err().and_then(|f| self.raise(bus, f, 0));
        }
        // RF is cleared at the start of the instruction, after the breakpoint check.
        self.state.eflags &= !fl::RF;
        if self.trace {
            self.trace_instruction(bus);
        }
        self.data_breakpoint_hits = 0;
        let op = &block.ops[0];
        if let Err(f) = (op.exec)(self, bus, op) {
            return self.raise(bus, f, op.len);
        }
        self.state.icount += 1;
        self.exit_block = false;
        let data_hits = std::mem::take(&mut self.data_breakpoint_hits);
        if !trap && data_hits == 0 {
            return None;
        }
        let status = data_hits | if trap { crate::debug::DR6_BS } else { 0 };
        self.state.dr[6] = (self.state.dr[6] & !0xF) | status;
        match self.interrupt(bus, 1, self.state.eip32(), Event::Exception(None)) {
            Ok(()) => None,
            Err(f) => self.raise(bus, f, 0),
        }
    }

    /// Records the board's answer to a write.
    #[inline]
    pub(crate) fn board_action(&mut self, action: crate::bus::BusAction) {
        if action == crate::bus::BusAction::Stop {
            self.board_stop = true;
            self.exit_block = true;
        }
    }

    /// Executes one instruction (or delivers one pending interrupt or fault).
    pub fn step(&mut self, bus: &mut dyn Bus) -> Exit {
        self.run(bus, 1)
    }

    /// Delivers `fault` raised by an instruction of `len` bytes at the current EIP. Returns
    /// an exit if the processor shut down.
    pub(crate) fn raise(&mut self, bus: &mut dyn Bus, fault: Fault, len: u8) -> Option<Exit> {
        self.exit_block = false;
        if self.delivering.is_none() {
            // A delivered exception takes the place of the instruction on the clock, so a
            // one-instruction step stops at the handler's first instruction.
            self.state.icount += 1;
        }
        let mut ret = self.state.eip32();
        if fault == Fault::DivideError && self.quirks.div_error_next_ip {
            ret = self.next_ip(len);
        }
        log::debug!(
            "{fault} at {:04x}:{:08x}",
            self.state.seg[Seg::Cs as usize].selector,
            self.state.eip
        );
        let mut fault = fault;
        if let Some(prev) = self.delivering {
            // A fault while delivering a fault (SDM Vol. 3 table 6-5).
            if prev == Fault::DoubleFault {
                self.delivering = None;
                self.state.halted = true;
                return Some(Exit::TripleFault(fault));
            }
            if prev.is_contributory() && fault.is_contributory()
                || matches!(prev, Fault::PageFault { .. })
                    && (fault.is_contributory() || matches!(fault, Fault::PageFault { .. }))
                || !self.state.protected()
            {
                fault = Fault::DoubleFault;
            }
        }
        self.delivering = Some(fault);
        let event = match fault {
            Fault::SoftwareInterrupt(_) => Event::Software,
            f => Event::Exception(f.error_code()),
        };
        let r = self.interrupt(bus, fault.vector(), ret, event);
        let r = match r {
            Ok(()) => None,
            Err(f2) => self.raise(bus, f2, 0),
        };
        self.delivering = None;
        r
    }

    /// EIP after an instruction of `len` bytes, wrapped to the code segment's size.
    #[inline(always)]
    pub(crate) fn next_ip(&self, len: u8) -> u32 {
        let next = self.state.eip32().wrapping_add(len as u32);
        if self.state.seg[Seg::Cs as usize].big() {
            next
        } else {
            next & 0xFFFF
        }
    }

    /// The decoded block at CS:EIP, decoding it on a miss.
    fn current_block(&mut self, bus: &mut dyn Bus) -> Result<Rc<Block>, Fault> {
        self.block_at(bus, self.state.eip32())
    }

    /// The decoded block at CS:`eip`, decoding it on a miss (the translator looks ahead at
    /// the blocks a branch leads to).
    pub fn block_at(&mut self, bus: &mut dyn Bus, eip: u32) -> Result<Rc<Block>, Fault> {
        let phys = self.fetch_phys(bus, eip)?;
        let mode = self.mode_bits();
        if let Some(b) = self.blocks.get(phys, mode) {
            return Ok(b.clone());
        }
        self.decode_block(bus, eip, phys, mode)
    }

    /// Whether compiled code may go straight on to a block of `ops` instructions: `run`'s
    /// checks between blocks find nothing to do (the budget ending at `end` holds the whole
    /// block, the board has not asked to stop, no interrupt is to be taken, no halt, no single
    /// step, breakpoint or trace, no interrupt shadow). Clears RF, as `run` does before a
    /// block it runs whole.
    pub fn may_chain(&mut self, bus: &mut dyn Bus, end: u64, ops: u64) -> bool {
        let s = &self.state;
        if s.icount.saturating_add(ops) > end
            || self.board_stop
            || s.halted
            || self.one_at_a_time()
            || s.icount <= self.irq_shadow
            || s.eflags & fl::IF != 0 && bus.interrupt_pending(s.icount)
        {
            return false;
        }
        self.state.eflags &= !fl::RF;
        true
    }
}
