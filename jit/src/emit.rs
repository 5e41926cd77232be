//! Translation of a region (`region.rs`) to Cranelift IR. Each block is straight-line code:
//! an op is either inlined (the forms of `exec/fast.rs` and the near branches, with the same
//! semantics) or run through the `step` helper. Guest registers and the lazy flags live in
//! SSA variables inside a block; what changed is written back to `CpuState` before every
//! helper call and at the block's end, and reloaded after a helper (which may change
//! anything). EIP is a constant at every point, since a region is compiled for one entry EIP.
//!
//! Flag liveness falls out of this: an inlined ALU operation records its lazy-flag operands
//! in SSA values, which are stored only when the block hands over to a helper or ends; an
//! operation whose flags the next one overwrites leaves nothing behind, and a branch on
//! flags set in the same block compares the values directly.
//!
//! Between blocks of the region the code goes on without the dispatcher when the dispatcher
//! would: the budget holds the next block whole and, if a helper ran, `between` finds no
//! interrupt, halt, single step or board request to attend to.

use std::mem::offset_of;

use amber_cpu::block::Block;
use amber_cpu::decode::{AluOp, Form, Op};
use amber_cpu::state::{FlagOp, LazyFlags, Seg, SegmentCache};
use amber_cpu::CpuState;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, AbiParam, Block as IrBlock, InstBuilder, MemFlagsData, SigRef, Signature, Type, Value,
};
use cranelift_codegen::isa::{TargetFrontendConfig, TargetIsa};
use cranelift_frontend::{FunctionBuilder, Variable};

use crate::context::{self, JitContext, CONTINUE, LEFT};
use crate::region::{branch_target, next_eip, Region};

/// Guest general registers held in variables.
const GPRS: usize = 8;

/// The signature of a compiled block: `(state, context) -> CONTINUE or LEFT`.
pub fn block_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

/// A register variable, and whether it holds the register's value and whether that value
/// is newer than `CpuState`'s.
#[derive(Clone, Copy)]
struct Cached {
    var: Variable,
    loaded: bool,
    dirty: bool,
}

/// Lazy flags recorded by inlined ops and not yet stored: the operation and size are known
/// when translating, the operands and result are in variables.
#[derive(Clone, Copy)]
struct PendingFlags {
    op: FlagOp,
    size: u8,
}

/// What the translator knows at a point of a block, saved where paths part and restored
/// where they meet.
#[derive(Clone, Copy)]
pub(crate) struct Known {
    regs: [Cached; GPRS],
    flags: Option<PendingFlags>,
    /// Inlined ops ran since EIP and the count were last stored.
    position_dirty: bool,
}

pub struct Emitter<'a> {
    pub(crate) b: FunctionBuilder<'a>,
    pub(crate) ptr: Type,
    pub(crate) state: Value,
    pub(crate) ctx: Value,
    step_sig: SigRef,
    between_sig: SigRef,
    condition_sig: SigRef,
    regs: [Cached; GPRS],
    flags: Option<PendingFlags>,
    flag_vars: [Variable; 3],
    position_dirty: bool,
    /// EIP of the current op.
    eip: u32,
    /// The instruction count at the current block's entry, and ops retired in it since.
    icount0: Value,
    /// The instruction count at a block's entry, carried along the region's edges.
    icount_var: Variable,
    /// The registers the region's inlined ops write (`Region::written`), carried along its
    /// edges in variables; the others are current in `CpuState` at every block's entry.
    carried: u8,
    done: u64,
    frontend: TargetFrontendConfig,
}

pub(crate) fn reg_off(r: usize) -> i32 {
    (offset_of!(CpuState, regs) + r * 8) as i32
}

pub(crate) fn seg_off(seg: u8, field: usize) -> i32 {
    (offset_of!(CpuState, seg) + seg as usize * std::mem::size_of::<SegmentCache>() + field) as i32
}

fn lazy_off(field: usize) -> i32 {
    (offset_of!(CpuState, lazy) + field) as i32
}

pub(crate) fn state_off(field: usize) -> i32 {
    field as i32
}

pub(crate) fn mask(size: u8) -> i64 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

pub(crate) fn flag_op(alu: AluOp) -> (FlagOp, bool) {
    match alu {
        AluOp::Add => (FlagOp::Add, true),
        AluOp::Sub => (FlagOp::Sub, true),
        AluOp::Cmp => (FlagOp::Sub, false),
        AluOp::And => (FlagOp::Logic, true),
        AluOp::Or => (FlagOp::Logic, true),
        AluOp::Xor => (FlagOp::Logic, true),
        AluOp::Test => (FlagOp::Logic, false),
    }
}

/// `extern "C" fn(*mut JitContext, second) -> u32`, the shape of every helper.
fn helper_sig(isa: &dyn TargetIsa, second: Type) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(second));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

impl<'a> Emitter<'a> {
    pub fn new(mut b: FunctionBuilder<'a>, isa: &dyn TargetIsa) -> Emitter<'a> {
        let ptr = isa.pointer_type();
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let (state, ctx) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        let step_sig = b.import_signature(helper_sig(isa, ptr));
        let between_sig = b.import_signature(helper_sig(isa, types::I64));
        let condition_sig = b.import_signature(helper_sig(isa, types::I32));
        let regs = std::array::from_fn(|_| Cached {
            var: b.declare_var(types::I64),
            loaded: false,
            dirty: false,
        });
        let flag_vars = std::array::from_fn(|_| b.declare_var(types::I32));
        let icount0 = b.ins().iconst(types::I64, 0);
        let icount_var = b.declare_var(types::I64);
        Emitter {
            b,
            ptr,
            state,
            ctx,
            step_sig,
            between_sig,
            condition_sig,
            regs,
            flags: None,
            flag_vars,
            position_dirty: false,
            eip: 0,
            icount0,
            icount_var,
            carried: 0,
            done: 0,
            frontend: isa.frontend_config(),
        }
    }

    /// Translates every block of `region` and finishes the function.
    pub fn region(mut self, region: &Region) {
        let entries: Vec<IrBlock> = region.eips.iter().map(|_| self.b.create_block()).collect();
        self.carried = region.written();
        let icount = self.b.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            self.state,
            state_off(offset_of!(CpuState, icount)),
        );
        self.carry_state(icount);
        self.b.ins().jump(entries[0], &[]);
        for (i, &entry) in entries.iter().enumerate() {
            self.b.switch_to_block(entry);
            self.block(region, &entries, i);
        }
        self.b.seal_all_blocks();
        self.b.finalize(self.frontend);
    }

    /// The `i`th block of the region, from its entry: the registers and the instruction
    /// count are in variables (`carry_state`), the lazy flags in `CpuState`.
    fn block(&mut self, region: &Region, entries: &[IrBlock], i: usize) {
        let block: &Block = region.block(i);
        // A path here may have changed any register the region writes: each is written back
        // at the exits.
        let carried = self.carried;
        let mut r = 0;
        self.restore(Known {
            regs: self.regs.map(|c| {
                let mine = carried & 1 << r != 0;
                r += 1;
                Cached {
                    loaded: mine,
                    dirty: mine,
                    ..c
                }
            }),
            flags: None,
            // Nor are EIP and the count in `CpuState` current on every path.
            position_dirty: true,
        });
        self.eip = region.eips[i];
        self.done = 0;
        self.icount0 = self.b.use_var(self.icount_var);
        let (last, body) = block.ops.split_last().expect("a block has an op");
        for op in body {
            self.op(op);
        }
        match last.form {
            Form::Jcc => self.jcc(last, region, entries),
            Form::JmpRel => self.jmp(last, region, entries),
            Form::CallRel => self.call(last, region, entries),
            Form::RetNear => self.ret(last, region, entries),
            Form::JmpRm | Form::CallRm => {
                // The helper runs it; EIP in `CpuState` is the target.
                self.op(last);
                let eip = self.b.ins().load(
                    types::I32,
                    MemFlagsData::trusted(),
                    self.state,
                    state_off(offset_of!(CpuState, eip)),
                );
                self.dispatch(eip, region, entries);
                self.leave(CONTINUE);
            }
            _ => {
                // A block ends at an inlined op only where it was cut short (by its length
                // cap): the next op follows. After a helper's op (a control transfer, or an
                // op that may change the mode or the address space) the dispatcher looks.
                if self.op(last) {
                    let next = self.eip;
                    self.edge(next, region, entries);
                } else {
                    self.leave(CONTINUE);
                }
            }
        }
    }

    /// One op that is not the block's last branch; whether it was inlined.
    fn op(&mut self, op: &Op) -> bool {
        let inlined = self.inline(op);
        if inlined {
            self.position_dirty = true;
        } else {
            self.call_step(op);
        }
        self.eip = next_eip(op, self.eip);
        self.done += 1;
        inlined
    }

    // ---- control flow ----

    /// Returns `code` from the compiled function.
    pub(crate) fn leave(&mut self, code: u32) {
        let v = self.b.ins().iconst(types::I32, code as i64);
        self.b.ins().return_(&[v]);
    }

    /// What every block of the region starts from, on every path into it: each register in
    /// its variable (loaded from `CpuState` if this path has not), the instruction count
    /// `icount` in `icount_var`, and the lazy flags stored. Registers cross the region's
    /// edges in variables and reach `CpuState` only at its exits and before helpers.
    fn carry_state(&mut self, icount: Value) {
        self.store_flags();
        for r in 0..GPRS {
            if self.carried & 1 << r != 0 {
                self.reg64(r);
            }
        }
        self.b.def_var(self.icount_var, icount);
    }

    /// Goes on at `target` once the current op has retired: to the region's block there if
    /// the dispatcher would run it next, back to the dispatcher otherwise.
    fn edge(&mut self, target: u32, region: &Region, entries: &[IrBlock]) {
        let Some(j) = region.index_of(target) else {
            self.sync();
            self.store_position(target, self.done);
            self.leave(CONTINUE);
            return;
        };
        let icount = self.b.ins().iadd_imm_u(self.icount0, self.done as i64);
        self.carry_state(icount);
        let at = self.known();
        let ops = region.block(j).ops.len() as i64;
        let t = MemFlagsData::trusted();
        let ran = self.b.ins().load(
            types::I32,
            t,
            self.ctx,
            offset_of!(JitContext, helper_ran) as i32,
        );
        let ask = self.b.create_block();
        self.b.set_cold_block(ask);
        let quick = self.b.create_block();
        let out = self.b.create_block();
        self.b.set_cold_block(out);
        self.b.ins().brif(ran, ask, &[], quick, &[]);

        self.b.switch_to_block(ask);
        self.store_position(target, self.done);
        let callee = self
            .b
            .ins()
            .iconst(self.ptr, context::between as *const () as usize as i64);
        let n = self.b.ins().iconst(types::I64, ops);
        let call = self
            .b
            .ins()
            .call_indirect(self.between_sig, callee, &[self.ctx, n]);
        let r = self.b.inst_results(call)[0];
        self.b.ins().brif(r, out, &[], entries[j], &[]);

        self.b.switch_to_block(quick);
        let end = self
            .b
            .ins()
            .load(types::I64, t, self.ctx, offset_of!(JitContext, end) as i32);
        let icount = self
            .b
            .ins()
            .iadd_imm_u(self.icount0, self.done as i64 + ops);
        let fits = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, icount, end);
        self.b.ins().brif(fits, entries[j], &[], out, &[]);

        self.b.switch_to_block(out);
        self.restore(at);
        self.sync();
        self.store_position(target, self.done);
        self.leave(CONTINUE);
    }

    /// JMP rel: to the target, through the helper if it lies past CS's limit (the fault).
    fn jmp(&mut self, op: &Op, region: &Region, entries: &[IrBlock]) {
        let target = branch_target(op, self.eip);
        let at = self.known();
        let ok = self.within_cs(target);
        self.unless_fault(op, ok, at);
        self.done += 1;
        self.edge(target, region, entries);
    }

    /// Jcc: the condition on the flags, then the taken or the next edge.
    fn jcc(&mut self, op: &Op, region: &Region, entries: &[IrBlock]) {
        let target = branch_target(op, self.eip);
        let next = next_eip(op, self.eip);
        let cond = self.condition(op.cc);
        let at = self.known();
        let taken = self.b.create_block();
        let not_taken = self.b.create_block();
        self.b.ins().brif(cond, taken, &[], not_taken, &[]);

        self.b.switch_to_block(not_taken);
        self.restore(at);
        self.done += 1;
        self.edge(next, region, entries);
        self.done -= 1;

        self.b.switch_to_block(taken);
        self.restore(at);
        let ok = self.within_cs(target);
        self.unless_fault(op, ok, at);
        self.done += 1;
        self.edge(target, region, entries);
    }

    /// CALL rel (`control::call_near`): the target checked against CS's limit, the return
    /// address pushed, then on to the target.
    fn call(&mut self, op: &Op, region: &Region, entries: &[IrBlock]) {
        let target = branch_target(op, self.eip);
        let ret = next_eip(op, self.eip);
        let at = self.known();
        let ok = self.within_cs(target);
        self.unless_fault(op, ok, at);
        let v = self.b.ins().iconst(types::I32, ret as i64);
        self.push(op, op.osize, v, true);
        self.done += 1;
        self.edge(target, region, entries);
    }

    /// RET near (`control::ret_near`): the return address popped and checked against CS's
    /// limit, ESP moved past it and the immediate; then on to the region's block at that
    /// address if there is one (a return site of a call in the region), else back to the
    /// dispatcher.
    fn ret(&mut self, op: &Op, region: &Region, entries: &[IrBlock]) {
        let target = self.b.declare_var(types::I32);
        let (off, big) = self.stack_offset(0);
        let size = op.osize;
        let place = crate::inline::Place {
            seg: Seg::Ss as u8,
            off,
            size,
            access: crate::inline::Access::Read,
        };
        self.guarded_then(op, place, false, true, |e, addr| {
            let t = e.load(addr, size);
            e.b.def_var(target, t);
        });
        let t = self.b.use_var(target);
        let limit = self.b.ins().load(
            types::I32,
            MemFlagsData::trusted(),
            self.state,
            seg_off(Seg::Cs as u8, offset_of!(SegmentCache, limit)),
        );
        let ok = self.b.ins().icmp(IntCC::UnsignedLessThanOrEqual, t, limit);
        let at = self.known();
        self.unless_fault(op, ok, at);
        self.adjust_sp(big, size as i64 + (op.imm & 0xFFFF) as i64);
        self.done += 1;
        self.dispatch(t, region, entries);
        self.sync();
        let eip = self.b.ins().uextend(types::I64, t);
        self.store_position_value(eip, self.done);
        self.leave(CONTINUE);
    }

    /// The indirect-jump lookup: goes on to the region's block at `target` (a near
    /// branch's destination, computed at run time) if there is one, with an `edge`. Code
    /// after it runs when there is none.
    fn dispatch(&mut self, target: Value, region: &Region, entries: &[IrBlock]) {
        let at = self.known();
        for &eip in &region.eips {
            let here = self.b.ins().icmp_imm_u(IntCC::Equal, target, eip as i64);
            let chain = self.b.create_block();
            let other = self.b.create_block();
            self.b.ins().brif(here, chain, &[], other, &[]);
            self.b.switch_to_block(chain);
            self.restore(at);
            self.edge(eip, region, entries);
            self.b.switch_to_block(other);
            self.restore(at);
        }
    }

    /// Goes on if `ok`, with what was known at `at`; otherwise the helper runs `op` (and
    /// delivers its fault) and the block leaves.
    pub(crate) fn unless_fault(&mut self, op: &Op, ok: Value, at: Known) {
        let go = self.b.create_block();
        let fault = self.b.create_block();
        self.b.set_cold_block(fault);
        self.b.ins().brif(ok, go, &[], fault, &[]);
        self.b.switch_to_block(fault);
        self.restore(at);
        self.step_alone(op);
        self.b.switch_to_block(go);
        self.restore(at);
    }

    /// Whether a near jump to `target` stays within CS's limit (`Cpu::jump_near`).
    fn within_cs(&mut self, target: u32) -> Value {
        let limit = self.b.ins().load(
            types::I32,
            MemFlagsData::trusted(),
            self.state,
            seg_off(Seg::Cs as u8, offset_of!(SegmentCache, limit)),
        );
        self.b
            .ins()
            .icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, limit, target as i64)
    }

    /// Runs `op` through the helper and leaves whatever it says: for a branch whose fast
    /// path does not apply.
    fn step_alone(&mut self, op: &Op) {
        self.sync();
        self.store_position(self.eip, self.done);
        let go_on = self.step_and_check(op);
        self.b.switch_to_block(go_on);
        self.leave(CONTINUE);
    }

    /// Condition code `cc` as a boolean: computed from flags an inlined op of this block
    /// set, or by the `condition` helper on the flags in `CpuState`.
    pub(crate) fn condition(&mut self, cc: u8) -> Value {
        let Some(f) = self.flags else {
            self.sync();
            let callee = self
                .b
                .ins()
                .iconst(self.ptr, context::condition as *const () as usize as i64);
            let code = self.b.ins().iconst(types::I32, cc as i64);
            let call = self
                .b
                .ins()
                .call_indirect(self.condition_sig, callee, &[self.ctx, code]);
            return self.b.inst_results(call)[0];
        };
        let [a, b, res] = self.flag_vars.map(|v| self.b.use_var(v));
        let sign = 1i64 << (f.size as u32 * 8 - 1);
        let m = mask(f.size);
        let zero = {
            let r = self.b.ins().band_imm_u(res, m);
            self.b.ins().icmp_imm_u(IntCC::Equal, r, 0)
        };
        let sf = {
            let r = self.b.ins().band_imm_u(res, sign);
            self.b.ins().icmp_imm_u(IntCC::NotEqual, r, 0)
        };
        let no = self.b.ins().iconst(types::I8, 0);
        let (cf, of) = match f.op {
            FlagOp::Add => {
                let r = self.b.ins().band_imm_u(res, m);
                let am = self.b.ins().band_imm_u(a, m);
                let cf = self.b.ins().icmp(IntCC::UnsignedLessThan, r, am);
                let x = self.b.ins().bxor(a, res);
                let y = self.b.ins().bxor(b, res);
                let o = self.b.ins().band(x, y);
                let o = self.b.ins().band_imm_u(o, sign);
                (cf, self.b.ins().icmp_imm_u(IntCC::NotEqual, o, 0))
            }
            FlagOp::Sub => {
                let am = self.b.ins().band_imm_u(a, m);
                let bm = self.b.ins().band_imm_u(b, m);
                let cf = self.b.ins().icmp(IntCC::UnsignedLessThan, am, bm);
                let x = self.b.ins().bxor(a, b);
                let y = self.b.ins().bxor(a, res);
                let o = self.b.ins().band(x, y);
                let o = self.b.ins().band_imm_u(o, sign);
                (cf, self.b.ins().icmp_imm_u(IntCC::NotEqual, o, 0))
            }
            FlagOp::Inc | FlagOp::Dec => {
                let r = self.b.ins().band_imm_u(res, m);
                let edge = if f.op == FlagOp::Inc { sign } else { sign - 1 };
                let of = self.b.ins().icmp_imm_u(IntCC::Equal, r, edge);
                (self.carry(), of)
            }
            _ => (no, no),
        };
        let r = match cc >> 1 {
            0 => of,
            1 => cf,
            2 => zero,
            3 => self.b.ins().bor(cf, zero),
            4 => sf,
            5 => {
                let low = self.b.ins().band_imm_u(res, 0xFF);
                let ones = self.b.ins().popcnt(low);
                let odd = self.b.ins().band_imm_u(ones, 1);
                self.b.ins().icmp_imm_u(IntCC::Equal, odd, 0)
            }
            6 => self.b.ins().bxor(sf, of),
            _ => {
                let lt = self.b.ins().bxor(sf, of);
                self.b.ins().bor(zero, lt)
            }
        };
        if cc & 1 != 0 {
            self.b.ins().bxor_imm_u(r, 1)
        } else {
            r
        }
    }

    // ---- flags and registers ----

    /// Records an inlined operation's lazy flags (`CpuState::set_lazy` for the operations
    /// that keep no flag of the ones before).
    pub(crate) fn set_flags(&mut self, op: FlagOp, size: u8, a: Value, b: Value, res: Value) {
        for (var, v) in self.flag_vars.into_iter().zip([a, b, res]) {
            self.b.def_var(var, v);
        }
        self.flags = Some(PendingFlags { op, size });
    }

    pub(crate) fn reg64(&mut self, r: usize) -> Value {
        let c = self.regs[r];
        if !c.loaded {
            let v = self
                .b
                .ins()
                .load(types::I64, MemFlagsData::trusted(), self.state, reg_off(r));
            self.b.def_var(c.var, v);
            self.regs[r].loaded = true;
        }
        self.b.use_var(c.var)
    }

    /// A register of `size` bytes, zero-extended to 32 bits (byte registers 4-7 are AH-BH).
    pub(crate) fn get(&mut self, r: u8, size: u8) -> Value {
        let (idx, shift) = if size == 1 && r >= 4 {
            (r as usize - 4, 8)
        } else {
            (r as usize, 0)
        };
        let v = self.reg64(idx);
        let v = if shift != 0 {
            self.b.ins().ushr_imm_u(v, shift)
        } else {
            v
        };
        let v = self.b.ins().ireduce(types::I32, v);
        if size == 4 {
            v
        } else {
            self.b.ins().band_imm_u(v, mask(size))
        }
    }

    /// Writes a register of `size` bytes from the low bits of a 32-bit value, as
    /// `CpuState::set_reg` does (a 32-bit write clears the upper half).
    pub(crate) fn set(&mut self, r: u8, size: u8, v: Value) {
        let (idx, shift, m) = match (size, r) {
            (1, 4..) => (r as usize - 4, 8, 0xFF_i64),
            (1, _) => (r as usize, 0, 0xFF),
            (2, _) => (r as usize, 0, 0xFFFF),
            _ => (r as usize, 0, 0),
        };
        let wide = self.b.ins().uextend(types::I64, v);
        let new = if m == 0 {
            wide
        } else {
            let old = self.reg64(idx);
            let kept = self.b.ins().band_imm_s(old, !(m << shift));
            let part = self.b.ins().band_imm_u(wide, m);
            let part = if shift != 0 {
                self.b.ins().ishl_imm_u(part, shift)
            } else {
                part
            };
            self.b.ins().bor(kept, part)
        };
        self.set64(idx, new);
    }

    // ---- write-back ----

    /// Stores the registers and lazy flags newer than `CpuState`.
    pub(crate) fn sync(&mut self) {
        let t = MemFlagsData::trusted();
        for r in 0..GPRS {
            if self.regs[r].dirty {
                let v = self.b.use_var(self.regs[r].var);
                self.b.ins().store(t, v, self.state, reg_off(r));
                self.regs[r].dirty = false;
            }
        }
        self.store_flags();
    }

    /// `CpuState::set_szp` with AF clear, for an op that sets the status flags eagerly:
    /// SF, ZF and PF from `res` (of `size` bytes), CF and OF given (0/1 bytes), in EFLAGS,
    /// with no lazy operation left.
    pub(crate) fn set_status(&mut self, size: u8, res: Value, cf: Value, of: Value) {
        let af = self.b.ins().iconst(types::I8, 0);
        self.set_status_af(size, res, cf, af, of);
    }

    /// `CpuState::set_szp`: `set_status` with AF given too.
    pub(crate) fn set_status_af(&mut self, size: u8, res: Value, cf: Value, af: Value, of: Value) {
        use amber_cpu::state::fl;
        self.store_flags();
        let t = MemFlagsData::trusted();
        let at = state_off(offset_of!(CpuState, eflags));
        let eflags = self.b.ins().load(types::I32, t, self.state, at);
        let mut f = self.b.ins().band_imm_u(eflags, (!fl::ARITH) as i64);
        let masked = self.b.ins().band_imm_u(res, mask(size));
        let zf = self.b.ins().icmp_imm_u(IntCC::Equal, masked, 0);
        let sign = self.b.ins().band_imm_u(res, 1i64 << (size as u32 * 8 - 1));
        let sf = self.b.ins().icmp_imm_u(IntCC::NotEqual, sign, 0);
        let low = self.b.ins().band_imm_u(res, 0xFF);
        let ones = self.b.ins().popcnt(low);
        let odd = self.b.ins().band_imm_u(ones, 1);
        let pf = self.b.ins().icmp_imm_u(IntCC::Equal, odd, 0);
        for (flag, bit) in [
            (cf, fl::CF),
            (af, fl::AF),
            (pf, fl::PF),
            (zf, fl::ZF),
            (sf, fl::SF),
            (of, fl::OF),
        ] {
            let on = self.b.ins().uextend(types::I32, flag);
            let v = self.b.ins().imul_imm_u(on, bit as i64);
            f = self.b.ins().bor(f, v);
        }
        self.b.ins().store(t, f, self.state, at);
        let none = self.b.ins().iconst(types::I8, FlagOp::None as i64);
        self.b
            .ins()
            .store(t, none, self.state, lazy_off(offset_of!(LazyFlags, op)));
    }

    /// Stores the lazy flags an inlined op recorded and the block has not stored yet.
    pub(crate) fn store_flags(&mut self) {
        let t = MemFlagsData::trusted();
        if let Some(f) = self.flags.take() {
            let op = self.b.ins().iconst(types::I8, f.op as i64);
            let size = self.b.ins().iconst(types::I8, f.size as i64);
            self.b
                .ins()
                .store(t, op, self.state, lazy_off(offset_of!(LazyFlags, op)));
            self.b
                .ins()
                .store(t, size, self.state, lazy_off(offset_of!(LazyFlags, size)));
            let fields = [
                offset_of!(LazyFlags, a),
                offset_of!(LazyFlags, b),
                offset_of!(LazyFlags, res),
            ];
            for (var, field) in self.flag_vars.into_iter().zip(fields) {
                let v = self.b.use_var(var);
                self.b.ins().store(t, v, self.state, lazy_off(field));
            }
        }
    }

    /// Stores EIP and the instruction count (`done` ops of the block retired).
    fn store_position(&mut self, eip: u32, done: u64) {
        let eip = self.b.ins().iconst(types::I64, eip as i64);
        self.store_position_value(eip, done);
    }

    /// `store_position` with EIP a value.
    fn store_position_value(&mut self, eip: Value, done: u64) {
        let t = MemFlagsData::trusted();
        self.b
            .ins()
            .store(t, eip, self.state, state_off(offset_of!(CpuState, eip)));
        let icount = self.b.ins().iadd_imm_u(self.icount0, done as i64);
        self.b.ins().store(
            t,
            icount,
            self.state,
            state_off(offset_of!(CpuState, icount)),
        );
        self.position_dirty = false;
    }

    /// Stores everything, and the position of the current op, before a helper runs it.
    pub(crate) fn sync_for_helper(&mut self) {
        self.sync();
        if self.position_dirty {
            self.store_position(self.eip, self.done);
        }
    }

    /// Calls `step` for `op`; leaves the block if it says so. A helper that goes on has
    /// retired the op, so EIP and the count in `CpuState` are current.
    fn call_step(&mut self, op: &Op) {
        self.sync_for_helper();
        let go_on = self.step_and_check(op);
        self.b.switch_to_block(go_on);
        for r in &mut self.regs {
            r.loaded = false;
        }
    }

    pub(crate) fn known(&self) -> Known {
        Known {
            regs: self.regs,
            flags: self.flags,
            position_dirty: self.position_dirty,
        }
    }

    pub(crate) fn restore(&mut self, k: Known) {
        self.regs = k.regs;
        self.flags = k.flags;
        self.position_dirty = k.position_dirty;
    }

    /// Reloads the registers `after` holds from `CpuState` (where a helper left them), and
    /// with `flags` the lazy flags' operands and result (the helper ran an op that records
    /// the same operation the fast path does).
    pub(crate) fn reload(&mut self, after: &Known, flags: bool) {
        for r in 0..GPRS {
            self.regs[r].loaded = false;
            if after.regs[r].loaded {
                self.reg64(r);
            }
        }
        if flags {
            let fields = [
                offset_of!(LazyFlags, a),
                offset_of!(LazyFlags, b),
                offset_of!(LazyFlags, res),
            ];
            for (var, field) in self.flag_vars.into_iter().zip(fields) {
                let v = self.b.ins().load(
                    types::I32,
                    MemFlagsData::trusted(),
                    self.state,
                    lazy_off(field),
                );
                self.b.def_var(var, v);
            }
        }
    }

    /// Writes a whole 64-bit register.
    pub(crate) fn set64(&mut self, r: usize, v: Value) {
        debug_assert!(
            self.carried & 1 << r != 0,
            "register {r} written but not in the region's written set"
        );
        self.b.def_var(self.regs[r].var, v);
        self.regs[r].loaded = true;
        self.regs[r].dirty = true;
    }

    /// The carry flag as it stands (`CpuState::cf`), as a 0/1 byte.
    pub(crate) fn carry(&mut self) -> Value {
        let t = MemFlagsData::trusted();
        let eflags = self.b.ins().load(
            types::I32,
            t,
            self.state,
            state_off(offset_of!(CpuState, eflags)),
        );
        let kept = self.b.ins().band_imm_u(eflags, 1);
        let kept = self.b.ins().ireduce(types::I8, kept);
        let Some(f) = self.flags else {
            return self.carry_from_state(kept);
        };
        let [a, b, res] = self.flag_vars.map(|v| self.b.use_var(v));
        let m = mask(f.size);
        match f.op {
            FlagOp::Add => {
                let r = self.b.ins().band_imm_u(res, m);
                let am = self.b.ins().band_imm_u(a, m);
                self.b.ins().icmp(IntCC::UnsignedLessThan, r, am)
            }
            FlagOp::Sub => {
                let am = self.b.ins().band_imm_u(a, m);
                let bm = self.b.ins().band_imm_u(b, m);
                self.b.ins().icmp(IntCC::UnsignedLessThan, am, bm)
            }
            FlagOp::Logic => self.b.ins().iconst(types::I8, 0),
            FlagOp::None | FlagOp::Inc | FlagOp::Dec => kept,
        }
    }

    /// The carry from the lazy flags in `CpuState` (`kept` is EFLAGS.CF).
    fn carry_from_state(&mut self, kept: Value) -> Value {
        let t = MemFlagsData::trusted();
        let load = |e: &mut Self, ty, field| e.b.ins().load(ty, t, e.state, lazy_off(field));
        let op = load(self, types::I8, offset_of!(LazyFlags, op));
        let size = load(self, types::I8, offset_of!(LazyFlags, size));
        let a = load(self, types::I32, offset_of!(LazyFlags, a));
        let b = load(self, types::I32, offset_of!(LazyFlags, b));
        let res = load(self, types::I32, offset_of!(LazyFlags, res));
        let m8 = self.b.ins().iconst(types::I32, 0xFF);
        let m16 = self.b.ins().iconst(types::I32, 0xFFFF);
        let m32 = self
            .b
            .ins()
            .iconst(types::I32, 0xFFFF_FFFF_u32 as i32 as i64);
        let is1 = self.b.ins().icmp_imm_u(IntCC::Equal, size, 1);
        let is2 = self.b.ins().icmp_imm_u(IntCC::Equal, size, 2);
        let m = self.b.ins().select(is2, m16, m32);
        let m = self.b.ins().select(is1, m8, m);
        let (am, bm, rm) = (
            self.b.ins().band(a, m),
            self.b.ins().band(b, m),
            self.b.ins().band(res, m),
        );
        let add = self.b.ins().icmp(IntCC::UnsignedLessThan, rm, am);
        let sub = self.b.ins().icmp(IntCC::UnsignedLessThan, am, bm);
        let zero = self.b.ins().iconst(types::I8, 0);
        let is_add = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, op, FlagOp::Add as i64);
        let is_sub = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, op, FlagOp::Sub as i64);
        let is_logic = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, op, FlagOp::Logic as i64);
        let cf = self.b.ins().select(is_logic, zero, kept);
        let cf = self.b.ins().select(is_sub, sub, cf);
        self.b.ins().select(is_add, add, cf)
    }

    /// Before INC or DEC: the carry as it stands goes into EFLAGS, where it stays.
    pub(crate) fn keep_carry(&mut self) {
        let cf = self.carry();
        let t = MemFlagsData::trusted();
        let at = state_off(offset_of!(CpuState, eflags));
        let eflags = self.b.ins().load(types::I32, t, self.state, at);
        let cleared = self.b.ins().band_imm_s(eflags, !1);
        let cf = self.b.ins().uextend(types::I32, cf);
        let eflags = self.b.ins().bor(cleared, cf);
        self.b.ins().store(t, eflags, self.state, at);
    }

    /// Emits the call of `step` for `op` and the return when it leaves; returns the block
    /// where the code goes on.
    pub(crate) fn step_and_check(&mut self, op: &Op) -> IrBlock {
        let callee = self
            .b
            .ins()
            .iconst(self.ptr, context::step as *const () as usize as i64);
        let op_ptr = self.b.ins().iconst(self.ptr, op as *const Op as i64);
        let call = self
            .b
            .ins()
            .call_indirect(self.step_sig, callee, &[self.ctx, op_ptr]);
        let r = self.b.inst_results(call)[0];
        let leave = self.b.create_block();
        self.b.set_cold_block(leave);
        let go_on = self.b.create_block();
        self.b.ins().brif(r, leave, &[], go_on, &[]);
        self.b.switch_to_block(leave);
        self.leave(LEFT);
        go_on
    }
}
