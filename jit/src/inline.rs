//! The forms compiled inline (`decode::Form`): MOV between registers, immediates and memory,
//! and the lazily-flagged ALU operations on registers, each with the semantics of its handler
//! in `amber_cpu::exec::fast`. A memory operand takes the interpreter's fast path inline (the
//! segment's cached rights and limit, then the soft TLB, the same entries the interpreter
//! fills); anything else (a TLB miss, MMIO, a page holding code, a page-crossing access, a
//! segment check that needs the full rules) runs the op through the interpreter's handler.

use std::mem::offset_of;

use amber_cpu::decode::{AluOp, Form, Loc, Op, NO_REG};
use amber_cpu::state::SegmentCache;
use amber_cpu::tlb::{TlbEntry, TLB_SIZE};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Endianness, InstBuilder, MemFlagsData, Type, Value};

use crate::context::JitContext;
use crate::emit::{flag_op, mask, seg_off, Emitter};

const PAGE_MASK: i64 = 0xFFF;

fn reg(loc: Loc) -> u8 {
    match loc {
        Loc::Reg(r) => r,
        _ => 0,
    }
}

fn mem_type(size: u8) -> Type {
    match size {
        1 => types::I8,
        2 => types::I16,
        _ => types::I32,
    }
}

/// Guest memory through a host pointer: any alignment, little-endian as the guest's.
fn guest_mem() -> MemFlagsData {
    MemFlagsData::new()
        .with_notrap()
        .with_endianness(Endianness::Little)
}

impl Emitter<'_> {
    /// Emits `op` inline if its form allows; false leaves it to the helper.
    pub(crate) fn inline(&mut self, op: &Op) -> bool {
        match op.form {
            Form::Other | Form::Jcc | Form::JmpRel => return false,
            Form::MovRR => {
                let v = self.get(reg(op.src), op.size);
                self.set(reg(op.dst), op.size, v);
            }
            Form::MovRI => {
                let v = self.b.ins().iconst(types::I32, op.imm as i32 as i64);
                self.set(reg(op.dst), op.size, v);
            }
            Form::AluRR(alu) => {
                let s = self.get(reg(op.src), op.size);
                self.alu(op, alu, s);
            }
            Form::AluRI(alu) => {
                let s = self.b.ins().iconst(types::I32, op.imm as i32 as i64);
                self.alu(op, alu, s);
            }
            Form::MovRM => self.memory(op, false),
            Form::MovMR => self.memory(op, true),
        }
        true
    }

    /// `fast::alu_finish`: the result masked to the size, written unless CMP or TEST, and
    /// the lazy flags recorded.
    fn alu(&mut self, op: &Op, alu: AluOp, s: Value) {
        let d = self.get(reg(op.dst), op.size);
        let ins = self.b.ins();
        let r = match alu {
            AluOp::Add => ins.iadd(d, s),
            AluOp::Sub | AluOp::Cmp => ins.isub(d, s),
            AluOp::And | AluOp::Test => ins.band(d, s),
            AluOp::Or => ins.bor(d, s),
            AluOp::Xor => ins.bxor(d, s),
        };
        let r = if op.size == 4 {
            r
        } else {
            self.b.ins().band_imm_u(r, mask(op.size))
        };
        let (flags, write) = flag_op(alu);
        if write {
            self.set(reg(op.dst), op.size, r);
        }
        self.set_flags(flags, op.size, d, s, r);
    }

    /// The effective address (`Cpu::ea`): displacement, base and scaled index, wrapped to
    /// 16 bits with a 16-bit address size.
    fn ea(&mut self, op: &Op) -> Value {
        let mut a = self.b.ins().iconst(types::I32, op.disp as i32 as i64);
        if op.base != NO_REG {
            let base = self.get(op.base, 4);
            a = self.b.ins().iadd(a, base);
        }
        if op.index != NO_REG {
            let index = self.get(op.index, 4);
            let index = self.b.ins().ishl_imm_u(index, op.scale as i64);
            a = self.b.ins().iadd(a, index);
        }
        if op.asize == 2 {
            a = self.b.ins().band_imm_u(a, 0xFFFF);
        }
        a
    }

    /// MOV between a register and memory: the fast path of `Cpu::read`/`Cpu::write` and
    /// `read_lin`/`write_lin` inline, the whole op through the helper otherwise.
    fn memory(&mut self, op: &Op, store: bool) {
        let size = op.size;
        let value = store.then(|| self.get(reg(op.src), size));
        let off = self.ea(op);
        let (ok, entry, lin) = self.probe(op.seg, off, size, store);
        let before = self.known();
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(ok, fast, &[], slow, &[]);

        self.b.switch_to_block(fast);
        let host = self.b.ins().load(
            self.ptr,
            MemFlagsData::trusted(),
            entry,
            offset_of!(TlbEntry, host) as i32,
        );
        let in_page = self.b.ins().band_imm_u(lin, PAGE_MASK);
        let in_page = self.b.ins().uextend(self.ptr, in_page);
        let addr = self.b.ins().iadd(host, in_page);
        match value {
            Some(v) => {
                let v = if size == 4 {
                    v
                } else {
                    self.b.ins().ireduce(mem_type(size), v)
                };
                self.b.ins().store(guest_mem(), v, addr, 0);
            }
            None => {
                let v = self.b.ins().load(mem_type(size), guest_mem(), addr, 0);
                let v = if size == 4 {
                    v
                } else {
                    self.b.ins().uextend(types::I32, v)
                };
                self.set(reg(op.dst), size, v);
            }
        }
        self.b.ins().jump(join, &[]);
        let after = self.known();

        // The slow path runs the whole op in the interpreter, from the state before it. MOV
        // leaves the flags alone, so the pending flag values stay valid across it.
        self.b.switch_to_block(slow);
        self.restore(before);
        self.sync_for_helper();
        let go_on = self.step_and_check(op);
        self.b.switch_to_block(go_on);
        self.reload(&after);
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(join);
        self.restore(after);
    }

    /// The checks of the inline fast path for `size` bytes at `seg:off`: the segment allows
    /// the access with no special case (`valid` has the right without EXPAND_DOWN, the last
    /// byte inside the limit without wrapping), the TLB entry of the linear page matches, and
    /// the access stays inside the page. Returns the condition, the TLB entry and the linear
    /// address.
    fn probe(&mut self, seg: u8, off: Value, size: u8, write: bool) -> (Value, Value, Value) {
        let t = MemFlagsData::trusted();
        let valid = self.b.ins().load(
            types::I8,
            t,
            self.state,
            seg_off(seg, offset_of!(SegmentCache, valid)),
        );
        let limit = self.b.ins().load(
            types::I32,
            t,
            self.state,
            seg_off(seg, offset_of!(SegmentCache, limit)),
        );
        let base = self.b.ins().load(
            types::I32,
            t,
            self.state,
            seg_off(seg, offset_of!(SegmentCache, base)),
        );
        let right = if write {
            SegmentCache::WRITE
        } else {
            SegmentCache::READ
        };
        let rights = self
            .b
            .ins()
            .band_imm_u(valid, (right | SegmentCache::EXPAND_DOWN) as i64);
        let seg_ok = self.b.ins().icmp_imm_u(IntCC::Equal, rights, right as i64);
        let last = self.b.ins().iadd_imm_u(off, size as i64 - 1);
        let in_limit = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, last, limit);
        let no_wrap = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, last, off);
        let lin = self.b.ins().iadd(base, off);

        let tlb_field = if write {
            offset_of!(JitContext, tlb_write)
        } else {
            offset_of!(JitContext, tlb_read)
        };
        let tlb = self.b.ins().load(self.ptr, t, self.ctx, tlb_field as i32);
        let page = self.b.ins().ushr_imm_u(lin, 12);
        let slot = self.b.ins().band_imm_u(page, TLB_SIZE as i64 - 1);
        let slot = self.b.ins().uextend(self.ptr, slot);
        let slot = self
            .b
            .ins()
            .imul_imm_u(slot, std::mem::size_of::<TlbEntry>() as i64);
        let entry = self.b.ins().iadd(tlb, slot);
        let tag = self
            .b
            .ins()
            .load(types::I32, t, entry, offset_of!(TlbEntry, tag) as i32);
        let tag_ok = self.b.ins().icmp(IntCC::Equal, tag, page);
        let in_page = self.b.ins().band_imm_u(lin, PAGE_MASK);
        let fits =
            self.b
                .ins()
                .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, in_page, 4096 - size as i64);

        let mut ok = self.b.ins().band(seg_ok, in_limit);
        for c in [no_wrap, tag_ok, fits] {
            ok = self.b.ins().band(ok, c);
        }
        (ok, entry, lin)
    }
}
