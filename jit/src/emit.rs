//! Translation of one decoded block to Cranelift IR. The block is straight-line code: each op
//! is either inlined (the forms of `exec/fast.rs`, with the same semantics) or run through the
//! `step` helper. Guest registers, EIP, the instruction count and the lazy flags live in SSA
//! variables inside the block; what changed is written back to `CpuState` before every
//! helper call and at the end, and reloaded after a helper (which may change anything).
//!
//! Flag liveness falls out of this: an inlined ALU operation records its lazy-flag operands
//! in SSA values, which are stored only when the block hands over to a helper or returns; an
//! operation whose flags the next one overwrites leaves nothing behind.

use std::mem::offset_of;

use amber_cpu::block::Block;
use amber_cpu::decode::{AluOp, Op};
use amber_cpu::state::{FlagOp, LazyFlags, SegmentCache};
use amber_cpu::CpuState;
use cranelift_codegen::ir::{
    types, AbiParam, Block as IrBlock, InstBuilder, MemFlagsData, SigRef, Signature, Type, Value,
};
use cranelift_codegen::isa::{TargetFrontendConfig, TargetIsa};
use cranelift_frontend::{FunctionBuilder, Variable};

use crate::context::{self, LEFT};

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

pub struct Emitter<'a> {
    pub(crate) b: FunctionBuilder<'a>,
    pub(crate) ptr: Type,
    pub(crate) state: Value,
    pub(crate) ctx: Value,
    step_sig: SigRef,
    regs: [Cached; GPRS],
    flags: Option<PendingFlags>,
    flag_vars: [Variable; 3],
    /// EIP and the instruction count at entry; the current op's are these plus what the ops
    /// before it added.
    eip0: Value,
    icount0: Value,
    eip_delta: u32,
    done: u64,
    /// EIP and the count in `CpuState` lag behind (inlined ops ran since the last store).
    position_dirty: bool,
    /// EIP wraps at 64 KiB in 16-bit code (every op of a block has the same mask).
    ip_mask: u32,
    frontend: TargetFrontendConfig,
}

/// What the translator knows at a point of the block, saved where paths part and restored
/// where they meet.
#[derive(Clone, Copy)]
pub(crate) struct Known {
    regs: [Cached; GPRS],
    flags: Option<PendingFlags>,
    position_dirty: bool,
}

fn state_off(field: usize) -> i32 {
    field as i32
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

impl<'a> Emitter<'a> {
    pub fn new(mut b: FunctionBuilder<'a>, isa: &dyn TargetIsa) -> Emitter<'a> {
        let ptr = isa.pointer_type();
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        b.seal_block(entry);
        let (state, ctx) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        let mut step = Signature::new(isa.default_call_conv());
        step.params.push(AbiParam::new(ptr));
        step.params.push(AbiParam::new(ptr));
        step.returns.push(AbiParam::new(types::I32));
        let step_sig = b.import_signature(step);
        let regs = std::array::from_fn(|_| Cached {
            var: b.declare_var(types::I64),
            loaded: false,
            dirty: false,
        });
        let flag_vars = std::array::from_fn(|_| b.declare_var(types::I32));
        let t = MemFlagsData::trusted();
        let eip0 = b
            .ins()
            .load(types::I32, t, state, state_off(offset_of!(CpuState, eip)));
        let icount0 = b.ins().load(
            types::I64,
            t,
            state,
            state_off(offset_of!(CpuState, icount)),
        );
        Emitter {
            b,
            ptr,
            state,
            ctx,
            step_sig,
            regs,
            flags: None,
            flag_vars,
            eip0,
            icount0,
            eip_delta: 0,
            done: 0,
            position_dirty: false,
            ip_mask: u32::MAX,
            frontend: isa.frontend_config(),
        }
    }

    /// Translates every op of `block` and finishes the function.
    pub fn block(mut self, block: &Block) {
        self.ip_mask = block.ops.first().map_or(u32::MAX, |op| op.ip_mask);
        for op in &block.ops {
            if self.inline(op) {
                self.position_dirty = true;
            } else {
                self.call_step(op);
            }
            self.eip_delta = self.eip_delta.wrapping_add(op.len as u32);
            self.done += 1;
        }
        self.sync();
        let zero = self.b.ins().iconst(types::I32, context::CONTINUE as i64);
        self.b.ins().return_(&[zero]);
        self.b.seal_all_blocks();
        self.b.finalize(self.frontend);
    }

    /// Records an inlined operation's lazy flags (`CpuState::set_lazy` for the operations
    /// that keep no flag of the ones before).
    pub(crate) fn set_flags(&mut self, op: FlagOp, size: u8, a: Value, b: Value, res: Value) {
        for (var, v) in self.flag_vars.into_iter().zip([a, b, res]) {
            self.b.def_var(var, v);
        }
        self.flags = Some(PendingFlags { op, size });
    }

    /// Reloads the registers `after` holds from `CpuState` (where a helper left them).
    pub(crate) fn reload(&mut self, after: &Known) {
        for r in 0..GPRS {
            self.regs[r].loaded = false;
            if after.regs[r].loaded {
                self.reg64(r);
            }
        }
    }

    // ---- registers ----

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
        self.b.def_var(self.regs[idx].var, new);
        self.regs[idx].loaded = true;
        self.regs[idx].dirty = true;
    }

    // ---- write-back ----

    /// Stores everything newer than `CpuState`: registers, lazy flags, EIP and the count of
    /// the current op.
    pub(crate) fn sync(&mut self) {
        let t = MemFlagsData::trusted();
        for r in 0..GPRS {
            if self.regs[r].dirty {
                let v = self.b.use_var(self.regs[r].var);
                self.b.ins().store(t, v, self.state, reg_off(r));
                self.regs[r].dirty = false;
            }
        }
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
        if self.position_dirty {
            let eip = self.eip_now();
            let eip = self.b.ins().uextend(types::I64, eip);
            self.b
                .ins()
                .store(t, eip, self.state, state_off(offset_of!(CpuState, eip)));
            let icount = self.b.ins().iadd_imm_u(self.icount0, self.done as i64);
            self.b.ins().store(
                t,
                icount,
                self.state,
                state_off(offset_of!(CpuState, icount)),
            );
            self.position_dirty = false;
        }
    }

    /// EIP of the current op.
    fn eip_now(&mut self) -> Value {
        // Wrapping at 64 KiB in 16-bit code is the same on the sum as on each step.
        let v = self.b.ins().iadd_imm_u(self.eip0, self.eip_delta as i64);
        self.ip_masked(v)
    }

    fn ip_masked(&mut self, v: Value) -> Value {
        match self.ip_mask {
            u32::MAX => v,
            m => self.b.ins().band_imm_u(v, m as i64),
        }
    }

    /// Forgets every cached value (after a helper, which may change any of them).
    fn forget(&mut self) {
        for r in &mut self.regs {
            r.loaded = false;
        }
    }

    /// Calls `step` for `op`; leaves the block if it says so. A helper that goes on has
    /// retired the op, so EIP and the count in `CpuState` are current; after the block's
    /// last op (a jump, say) EIP is the helper's to set, and the block stores no other.
    fn call_step(&mut self, op: &Op) {
        self.sync();
        let go_on = self.step_and_check(op);
        self.b.switch_to_block(go_on);
        self.forget();
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
        let go_on = self.b.create_block();
        self.b.ins().brif(r, leave, &[], go_on, &[]);
        self.b.switch_to_block(leave);
        let left = self.b.ins().iconst(types::I32, LEFT as i64);
        self.b.ins().return_(&[left]);
        go_on
    }
}
