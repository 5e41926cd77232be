//! The forms compiled inline (`decode::Form`), each with the semantics of its handler in
//! `amber_cpu::exec`: MOV between registers, immediates and memory; the lazily-flagged ALU
//! operations on registers and memory; INC and DEC of a register; LEA; PUSH and POP of a
//! register. (The near branches, calls and returns are the emitter's, `emit.rs`.)
//!
//! A memory operand takes the interpreter's fast path inline: the segment's cached rights and
//! limit, then the soft TLB, the same entries the interpreter fills. Anything else (a TLB
//! miss, MMIO, a page holding code, a page-crossing access, a segment check that needs the
//! full rules) runs the whole op through the interpreter's handler, from the state before it.

use std::mem::offset_of;

use amber_cpu::decode::{AluOp, Form, Loc, Op, NO_REG};
use amber_cpu::state::{reg::ESP, FlagOp, Seg, SegmentCache};
use amber_cpu::tlb::{TlbEntry, TLB_SIZE};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    types, Block as IrBlock, Endianness, InstBuilder, MemFlagsData, Type, Value,
};

use crate::context::JitContext;
use crate::context::CONTINUE;
use crate::emit::{flag_op, mask, seg_off, Emitter};

const PAGE_MASK: i64 = 0xFFF;

/// What a memory operand is used for: the segment rights and the TLB half it needs.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Access {
    Read,
    Write,
    /// Read, then written back (an ALU operation on memory): checked as a write, whose TLB
    /// entries exist only for writable RAM.
    Modify,
}

/// A memory operand: `size` bytes at `seg:off`, for `access`.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    pub seg: u8,
    pub off: Value,
    pub size: u8,
    pub access: Access,
}

impl Place {
    /// The memory operand of `op`, at offset `off`.
    pub(crate) fn of(op: &Op, off: Value, access: Access) -> Place {
        Place {
            seg: op.seg,
            off,
            size: op.size,
            access,
        }
    }
}

pub(crate) fn reg(loc: Loc) -> u8 {
    match loc {
        Loc::Reg(r) => r,
        _ => 0,
    }
}

pub(crate) fn mem_type(size: u8) -> Type {
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
                let d = self.get(reg(op.dst), op.size);
                self.alu(op, alu, d, s, |e, r| e.set(reg(op.dst), op.size, r));
            }
            Form::AluRI(alu) => {
                let s = self.b.ins().iconst(types::I32, op.imm as i32 as i64);
                let d = self.get(reg(op.dst), op.size);
                self.alu(op, alu, d, s, |e, r| e.set(reg(op.dst), op.size, r));
            }
            Form::MovRM => {
                let off = self.ea(op);
                self.guarded(op, Place::of(op, off, Access::Read), false, |e, addr| {
                    let v = e.load(addr, op.size);
                    e.set(reg(op.dst), op.size, v);
                });
            }
            Form::MovMR | Form::MovMI => {
                let v = match op.form {
                    Form::MovMR => self.get(reg(op.src), op.size),
                    _ => self.b.ins().iconst(types::I32, op.imm as i32 as i64),
                };
                let off = self.ea(op);
                self.guarded(op, Place::of(op, off, Access::Write), false, |e, addr| {
                    e.store(addr, op.size, v);
                });
            }
            Form::AluRM(alu) => {
                let off = self.ea(op);
                self.guarded(op, Place::of(op, off, Access::Read), true, |e, addr| {
                    let s = e.load(addr, op.size);
                    let d = e.get(reg(op.dst), op.size);
                    e.alu(op, alu, d, s, |e, r| e.set(reg(op.dst), op.size, r));
                });
            }
            Form::AluMR(alu) | Form::AluMI(alu) => {
                let s = match op.form {
                    Form::AluMR(_) => self.get(reg(op.src), op.size),
                    _ => self.b.ins().iconst(types::I32, op.imm as i32 as i64),
                };
                let off = self.ea(op);
                let access = if flag_op(alu).1 {
                    Access::Modify
                } else {
                    Access::Read
                };
                self.guarded(op, Place::of(op, off, access), true, |e, addr| {
                    let d = e.load(addr, op.size);
                    e.alu(op, alu, d, s, |e, r| e.store(addr, op.size, r));
                });
            }
            Form::IncR | Form::DecR => self.inc_dec(op),
            Form::Lea => {
                let ea = self.ea(op);
                self.set(reg(op.dst), op.size, ea);
            }
            // The 8086 pushes SP after the decrement, later models before: the helper knows.
            Form::PushR if reg(op.dst) as usize == ESP => return false,
            Form::PushR => {
                let size = op.size.max(2);
                let v = self.get(reg(op.dst), op.size);
                self.push(op, size, v, false);
            }
            Form::PopR => {
                let size = op.size.max(2);
                let (off, big) = self.stack_offset(0);
                let place = Place {
                    seg: Seg::Ss as u8,
                    off,
                    size,
                    access: Access::Read,
                };
                self.guarded(op, place, false, |e, addr| {
                    let v = e.load(addr, size);
                    e.adjust_sp(big, size as i64);
                    e.set(reg(op.dst), op.size, v);
                });
            }
            Form::Movzx | Form::Movsx | Form::Cmov => self.load_and_set(op),
            Form::Setcc => {
                let c = self.condition(op.cc);
                let v = self.b.ins().uextend(types::I32, c);
                self.set(reg(op.dst), 1, v);
            }
            Form::Shl | Form::Shr | Form::Sar => return self.shift(op),
            Form::Imul | Form::ImulImm => self.imul(op),
            Form::IncM | Form::DecM => self.inc_dec_memory(op),
            Form::NotR | Form::NegR => self.not_neg(op),
            Form::Adc | Form::Sbb => self.adc_sbb(op),
            Form::Movs | Form::Cmps | Form::Scas | Form::Lods | Form::Stos => self.string(op),
            Form::Other
            | Form::Jcc
            | Form::JmpRel
            | Form::CallRel
            | Form::RetNear
            | Form::JmpRm
            | Form::CallRm => return false,
        }
        true
    }

    /// MOVZX, MOVSX (`data::movzx`, `data::movsx`) and CMOVcc (`data::cmovcc`): the source
    /// (`ssize` bytes, from a register or memory, read whatever the condition) to the
    /// destination register, zero- or sign-extended, or for CMOVcc only if the condition
    /// holds.
    fn load_and_set(&mut self, op: &Op) {
        let finish = move |e: &mut Self, v: Value| {
            let v = match op.form {
                Form::Movsx if op.ssize < 4 => {
                    let narrow = e.b.ins().ireduce(mem_type(op.ssize), v);
                    let wide = e.b.ins().sextend(types::I32, narrow);
                    e.b.ins().band_imm_u(wide, mask(op.size))
                }
                _ => v,
            };
            if op.form == Form::Cmov {
                let dst = reg(op.dst) as usize;
                let old = e.reg64(dst);
                let c = e.condition(op.cc);
                e.set(reg(op.dst), op.size, v);
                let new = e.reg64(dst);
                let chosen = e.b.ins().select(c, new, old);
                e.set64(dst, chosen);
            } else {
                e.set(reg(op.dst), op.size, v);
            }
        };
        self.with_source(op, op.ssize, false, finish);
    }

    /// Reads `op`'s source of `size` bytes, from a register or from memory through the
    /// guarded fast path (whose helper sets the flags if `sets_flags`), and hands it to
    /// `finish`, which does the rest of the op.
    fn with_source(
        &mut self,
        op: &Op,
        size: u8,
        sets_flags: bool,
        finish: impl FnOnce(&mut Self, Value),
    ) {
        match op.src {
            Loc::Reg(r) => {
                let v = self.get(r, size);
                finish(self, v);
            }
            _ => {
                let off = self.ea(op);
                let place = Place {
                    size,
                    ..Place::of(op, off, Access::Read)
                };
                self.guarded(op, place, sets_flags, |e, addr| {
                    let v = e.load(addr, size);
                    finish(e, v);
                });
            }
        }
    }

    /// IMUL r, r/m and IMUL r, r/m, imm (`muldiv::imul2`, `imul3`): the truncated signed
    /// product to the register; CF and OF set when it does not fit, SF, ZF and PF from it, AF
    /// clear (`mul_flags`). The source is read before anything changes.
    fn imul(&mut self, op: &Op) {
        let finish = move |e: &mut Self, s: Value| {
            let other = match op.form {
                Form::ImulImm => e.b.ins().iconst(types::I32, op.imm as i32 as i64),
                _ => e.get(reg(op.dst), op.size),
            };
            let wide = |e: &mut Self, v: Value| {
                let narrow = e.b.ins().ireduce(mem_type(op.size), v);
                e.b.ins().sextend(types::I64, narrow)
            };
            let (a, b) = (wide(e, s), wide(e, other));
            let p = e.b.ins().imul(a, b);
            let lo = e.b.ins().ireduce(types::I32, p);
            let lo = e.b.ins().band_imm_u(lo, mask(op.size));
            let fits = wide(e, lo);
            let overflow = e.b.ins().icmp(IntCC::NotEqual, p, fits);
            e.set(reg(op.dst), op.size, lo);
            e.set_status(op.size, lo, overflow, overflow);
        };
        self.with_source(op, op.size, true, finish);
    }

    /// One MOVS, CMPS, SCAS, LODS or STOS (`exec::string`, no REP): the source at
    /// seg:(E)SI, the destination at ES:(E)DI, each index stepped by the element size, down
    /// when DF is set. Both accesses are checked before anything changes, so a slow path may
    /// still run the whole instruction through the helper.
    fn string(&mut self, op: &Op) {
        use amber_cpu::state::reg::{EAX, EDI, ESI};
        let es = Seg::Es as u8;
        let (src, dst) = match op.form {
            Form::Movs | Form::Cmps => (Some(op.seg), Some(es)),
            Form::Lods => (Some(op.seg), None),
            _ => (None, Some(es)),
        };
        let place = |e: &mut Self, seg: u8, index: usize, access: Access| Place {
            seg,
            off: e.get(index as u8, op.asize),
            size: op.size,
            access,
        };
        let store = op.form == Form::Movs || op.form == Form::Stos;
        let finish = move |e: &mut Self, a: Option<Value>, b: Option<Value>| {
            let eflags = e.b.ins().load(
                types::I32,
                MemFlagsData::trusted(),
                e.state,
                crate::emit::state_off(offset_of!(amber_cpu::CpuState, eflags)),
            );
            let df =
                e.b.ins()
                    .band_imm_u(eflags, amber_cpu::state::fl::DF as i64);
            let down = e.b.ins().icmp_imm_u(IntCC::NotEqual, df, 0);
            let back = e.b.ins().iconst(types::I32, -(op.size as i64));
            let ahead = e.b.ins().iconst(types::I32, op.size as i64);
            let delta = e.b.ins().select(down, back, ahead);
            let acc = e.get(EAX as u8, op.size);
            match op.form {
                Form::Lods => e.set(EAX as u8, op.size, a.unwrap_or(acc)),
                Form::Cmps | Form::Scas => {
                    let (x, y) = match op.form {
                        Form::Cmps => (a.unwrap_or(acc), b.unwrap_or(acc)),
                        _ => (acc, b.unwrap_or(acc)),
                    };
                    let res = e.b.ins().isub(x, y);
                    let res = e.b.ins().band_imm_u(res, mask(op.size));
                    e.set_flags(FlagOp::Sub, op.size, x, y, res);
                }
                _ => {}
            }
            for (index, used) in [(ESI, src.is_some()), (EDI, dst.is_some())] {
                if used {
                    let v = e.get(index as u8, op.asize);
                    let v = e.b.ins().iadd(v, delta);
                    e.set(index as u8, op.asize, v);
                }
            }
        };
        let second = move |e: &mut Self, a: Option<Value>| match dst {
            Some(seg) => {
                let access = if store { Access::Write } else { Access::Read };
                let p = place(e, seg, EDI, access);
                e.guarded(op, p, !store, |e, addr| {
                    let b = match op.form {
                        Form::Movs => {
                            e.store(addr, op.size, a.expect("MOVS reads first"));
                            None
                        }
                        Form::Stos => {
                            let acc = e.get(EAX as u8, op.size);
                            e.store(addr, op.size, acc);
                            None
                        }
                        _ => Some(e.load(addr, op.size)),
                    };
                    finish(e, a, b);
                });
            }
            None => finish(e, a, None),
        };
        match src {
            Some(seg) => {
                let p = place(self, seg, ESI, Access::Read);
                self.guarded(op, p, !store, |e, addr| {
                    let a = e.load(addr, op.size);
                    second(e, Some(a));
                });
            }
            None => second(self, None),
        }
    }

    /// Pushes `v` (`size` bytes) as `Cpu::push`: the store below ESP, then ESP or SP moved by
    /// the stack's size. `leave` as for `guarded_then`.
    pub(crate) fn push(&mut self, op: &Op, size: u8, v: Value, leave: bool) {
        let (off, big) = self.stack_offset(-(size as i64));
        let ss = Seg::Ss as u8;
        let place = Place {
            seg: ss,
            off,
            size,
            access: Access::Write,
        };
        self.guarded_then(op, place, false, leave, |e, addr| {
            e.store(addr, size, v);
            e.adjust_sp(big, -(size as i64));
        });
    }

    /// The stack offset of ESP + `delta` (SP + `delta` wrapped to 16 bits on a 16-bit
    /// stack), and whether the stack is 32-bit.
    pub(crate) fn stack_offset(&mut self, delta: i64) -> (Value, Value) {
        let access = self.b.ins().load(
            types::I16,
            MemFlagsData::trusted(),
            self.state,
            seg_off(Seg::Ss as u8, offset_of!(SegmentCache, access)),
        );
        let db = self.b.ins().band_imm_u(access, SegmentCache::DB as i64);
        let big = self.b.ins().icmp_imm_u(IntCC::NotEqual, db, 0);
        let esp = self.get(ESP as u8, 4);
        let sp = self.b.ins().iadd_imm_s(esp, delta);
        let low = self.b.ins().band_imm_u(sp, 0xFFFF);
        (self.b.ins().select(big, sp, low), big)
    }

    /// `Cpu::adjust_sp`: ESP + `delta` on a 32-bit stack, SP + `delta` on a 16-bit one.
    pub(crate) fn adjust_sp(&mut self, big: Value, delta: i64) {
        let esp = self.get(ESP as u8, 4);
        let sp = self.b.ins().iadd_imm_s(esp, delta);
        let wide = self.b.ins().uextend(types::I64, sp);
        let old = self.reg64(ESP);
        let kept = self.b.ins().band_imm_s(old, !0xFFFF);
        let low = self.b.ins().band_imm_u(wide, 0xFFFF);
        let narrow = self.b.ins().bor(kept, low);
        let new = self.b.ins().select(big, wide, narrow);
        self.set64(ESP, new);
    }

    /// `alu::inc` / `alu::dec` on a register: the carry of the flags before is kept in
    /// EFLAGS (`CpuState::set_lazy`), then the lazy flags are recorded.
    fn inc_dec(&mut self, op: &Op) {
        let d = self.get(reg(op.dst), op.size);
        let r = self.inc_dec_of(op, d);
        self.set(reg(op.dst), op.size, r);
    }

    /// INC or DEC of `d`: the result, with the carry kept and the lazy flags recorded.
    pub(crate) fn inc_dec_of(&mut self, op: &Op, d: Value) -> Value {
        let (r, flag) = if matches!(op.form, Form::IncR | Form::IncM) {
            (self.b.ins().iadd_imm_u(d, 1), FlagOp::Inc)
        } else {
            (self.b.ins().iadd_imm_s(d, -1), FlagOp::Dec)
        };
        let r = self.b.ins().band_imm_u(r, mask(op.size));
        self.keep_carry();
        let one = self.b.ins().iconst(types::I32, 1);
        self.set_flags(flag, op.size, d, one, r);
        r
    }

    /// `fast::alu_finish` and `alu`'s `lazy_alu!`: the result masked to the size, written
    /// (by `write`) unless CMP or TEST, and the lazy flags recorded.
    fn alu(
        &mut self,
        op: &Op,
        alu: AluOp,
        d: Value,
        s: Value,
        write: impl FnOnce(&mut Self, Value),
    ) {
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
        let (flags, writes) = flag_op(alu);
        if writes {
            write(self, r);
        }
        self.set_flags(flags, op.size, d, s, r);
    }

    /// The effective address (`Cpu::ea`): displacement, base and scaled index, wrapped to
    /// 16 bits with a 16-bit address size.
    pub(crate) fn ea(&mut self, op: &Op) -> Value {
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

    /// A load of `size` bytes at a host address, zero-extended to 32 bits.
    pub(crate) fn load(&mut self, addr: Value, size: u8) -> Value {
        let v = self.b.ins().load(mem_type(size), guest_mem(), addr, 0);
        if size == 4 {
            v
        } else {
            self.b.ins().uextend(types::I32, v)
        }
    }

    /// A store of the low `size` bytes of `v` at a host address.
    pub(crate) fn store(&mut self, addr: Value, size: u8, v: Value) {
        let v = if size == 4 {
            v
        } else {
            self.b.ins().ireduce(mem_type(size), v)
        };
        self.b.ins().store(guest_mem(), v, addr, 0);
    }

    /// An access of `size` bytes at `seg:off` for `op`: `fast` gets the host address when the
    /// inline checks pass; otherwise the whole op runs through the helper, from the state
    /// before it. With `sets_flags` the helper's lazy flags are taken up after it (the fast
    /// path records the same operation's); with `leave` the block leaves after the helper
    /// instead of joining the fast path (for an op that transfers control).
    pub(crate) fn guarded(
        &mut self,
        op: &Op,
        place: Place,
        sets_flags: bool,
        fast: impl FnOnce(&mut Self, Value),
    ) {
        self.guarded_then(op, place, sets_flags, false, fast);
    }

    /// `guarded`, leaving the block after the helper when `leave` is set.
    pub(crate) fn guarded_then(
        &mut self,
        op: &Op,
        place: Place,
        sets_flags: bool,
        leave: bool,
        fast: impl FnOnce(&mut Self, Value),
    ) {
        let before = self.known();
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        let join = self.b.create_block();
        let (entry, lin) = self.probe(place, slow);
        let host = self.b.ins().load(
            self.ptr,
            MemFlagsData::trusted(),
            entry,
            offset_of!(TlbEntry, host) as i32,
        );
        let in_page = self.b.ins().band_imm_u(lin, PAGE_MASK);
        let in_page = self.b.ins().uextend(self.ptr, in_page);
        let addr = self.b.ins().iadd(host, in_page);
        fast(self, addr);
        self.b.ins().jump(join, &[]);
        let after = self.known();

        self.b.switch_to_block(slow);
        self.restore(before);
        self.sync_for_helper();
        let go_on = self.step_and_check(op);
        self.b.switch_to_block(go_on);
        if leave {
            self.leave(CONTINUE);
        } else {
            self.reload(&after, sets_flags);
            self.b.ins().jump(join, &[]);
        }

        self.b.switch_to_block(join);
        self.restore(after);
    }

    /// The checks of the inline fast path for `size` bytes at `seg:off`, each a branch to
    /// `slow` when it fails: the segment allows the access with no special case (`valid` has
    /// the rights without EXPAND_DOWN), its last byte lies inside the limit (compared in 64
    /// bits, so an offset that wraps fails too), and the TLB entry of the access's linear page
    /// is the last byte's page (which an access crossing into the next page never matches:
    /// that page has another slot). Returns the TLB entry and the linear address, in the
    /// block where every check has passed.
    fn probe(&mut self, place: Place, slow: IrBlock) -> (Value, Value) {
        let Place {
            seg,
            off,
            size,
            access,
        } = place;
        let t = MemFlagsData::trusted();
        let field = |f| seg_off(seg, f);
        let check = |e: &mut Self, ok: Value| {
            let next = e.b.create_block();
            e.b.ins().brif(ok, next, &[], slow, &[]);
            e.b.switch_to_block(next);
        };
        let valid = self.b.ins().load(
            types::I8,
            t,
            self.state,
            field(offset_of!(SegmentCache, valid)),
        );
        let right = match access {
            Access::Read => SegmentCache::READ,
            Access::Write => SegmentCache::WRITE,
            Access::Modify => SegmentCache::READ | SegmentCache::WRITE,
        };
        let rights = self
            .b
            .ins()
            .band_imm_u(valid, (right | SegmentCache::EXPAND_DOWN) as i64);
        let seg_ok = self.b.ins().icmp_imm_u(IntCC::Equal, rights, right as i64);
        check(self, seg_ok);
        let limit = self.b.ins().load(
            types::I32,
            t,
            self.state,
            field(offset_of!(SegmentCache, limit)),
        );
        let limit = self.b.ins().uextend(types::I64, limit);
        let wide = self.b.ins().uextend(types::I64, off);
        let last = self.b.ins().iadd_imm_u(wide, size as i64 - 1);
        let in_limit = self
            .b
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, last, limit);
        check(self, in_limit);
        let base = self.b.ins().load(
            types::I32,
            t,
            self.state,
            field(offset_of!(SegmentCache, base)),
        );
        let lin = self.b.ins().iadd(base, off);
        let tlb_field = if access == Access::Read {
            offset_of!(JitContext, tlb_read)
        } else {
            offset_of!(JitContext, tlb_write)
        };
        let tlb = self.b.ins().load(self.ptr, t, self.ctx, tlb_field as i32);
        // The slot's byte offset: the page number's low bits times the entry's size.
        let entry_bits = std::mem::size_of::<TlbEntry>().trailing_zeros() as i64;
        let slot = self.b.ins().ushr_imm_u(lin, 12 - entry_bits);
        let slot = self
            .b
            .ins()
            .band_imm_u(slot, (TLB_SIZE as i64 - 1) << entry_bits);
        let slot = self.b.ins().uextend(self.ptr, slot);
        let entry = self.b.ins().iadd(tlb, slot);
        let tag = self
            .b
            .ins()
            .load(types::I32, t, entry, offset_of!(TlbEntry, tag) as i32);
        let last_lin = self.b.ins().iadd_imm_u(lin, size as i64 - 1);
        let last_page = self.b.ins().ushr_imm_u(last_lin, 12);
        let tag_ok = self.b.ins().icmp(IntCC::Equal, tag, last_page);
        check(self, tag_ok);
        (entry, lin)
    }
}
