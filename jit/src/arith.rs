//! Arithmetic forms beyond the lazily flagged ALU operations of `inline.rs`, each with the
//! semantics of its handler in `amber_cpu::exec::alu`: INC and DEC of memory, NOT and NEG of
//! a register, and ADC and SBB of a register with a register or an immediate, whose flags
//! are set eagerly as the interpreter does.

use amber_cpu::decode::{Form, Loc, Op};
use amber_cpu::flags::sign_bit;
use amber_cpu::state::FlagOp;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};

use crate::emit::{mask, Emitter};
use crate::inline::{reg, Access, Place};

impl Emitter<'_> {
    /// `alu::inc` / `alu::dec` of memory: read, changed and written back, the carry kept.
    pub(crate) fn inc_dec_memory(&mut self, op: &Op) {
        let off = self.ea(op);
        self.guarded(op, Place::of(op, off, Access::Modify), true, |e, addr| {
            let d = e.load(addr, op.size);
            let r = e.inc_dec_of(op, d);
            e.store(addr, op.size, r);
        });
    }

    /// `alu::not` (no flags) and `alu::neg` (the lazy flags of 0 - d) of a register.
    pub(crate) fn not_neg(&mut self, op: &Op) {
        let d = self.get(reg(op.dst), op.size);
        let r = if op.form == Form::NotR {
            self.b.ins().bnot(d)
        } else {
            let zero = self.b.ins().iconst(types::I32, 0);
            self.b.ins().isub(zero, d)
        };
        let r = self.b.ins().band_imm_u(r, mask(op.size));
        self.set(reg(op.dst), op.size, r);
        if op.form == Form::NegR {
            let zero = self.b.ins().iconst(types::I32, 0);
            self.set_flags(FlagOp::Sub, op.size, zero, d, r);
        }
    }

    /// `alu::adc` / `alu::sbb` of a register with a register or an immediate (taken as the
    /// handler takes it, unmasked): the carry in from the flags as they stand, the sum or
    /// difference in 64 bits, then CF, AF, OF and SF, ZF, PF set eagerly.
    pub(crate) fn adc_sbb(&mut self, op: &Op) {
        let s = match op.src {
            Loc::Reg(r) => self.get(r, op.ssize),
            _ => self.b.ins().iconst(types::I32, op.imm as i32 as i64),
        };
        let d = self.get(reg(op.dst), op.size);
        let c = self.carry();
        let m = mask(op.size);
        let sign = sign_bit(op.size) as i64;
        let wide = |e: &mut Self, v: Value| e.b.ins().uextend(types::I64, v);
        let (d64, s64, c64) = (wide(self, d), wide(self, s), wide(self, c));
        let (r, cf, of_bits) = if op.form == Form::Adc {
            let sum = self.b.ins().iadd(d64, s64);
            let sum = self.b.ins().iadd(sum, c64);
            let r = self.b.ins().ireduce(types::I32, sum);
            let r = self.b.ins().band_imm_u(r, m);
            let cf = self.b.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, sum, m);
            let dr = self.b.ins().bxor(d, r);
            let sr = self.b.ins().bxor(s, r);
            (r, cf, self.b.ins().band(dr, sr))
        } else {
            let diff = self.b.ins().isub(d, s);
            let c32 = self.b.ins().uextend(types::I32, c);
            let diff = self.b.ins().isub(diff, c32);
            let r = self.b.ins().band_imm_u(diff, m);
            let sub = self.b.ins().iadd(s64, c64);
            let cf = self.b.ins().icmp(IntCC::UnsignedLessThan, d64, sub);
            let ds = self.b.ins().bxor(d, s);
            let dr = self.b.ins().bxor(d, r);
            (r, cf, self.b.ins().band(ds, dr))
        };
        let of = self.b.ins().band_imm_u(of_bits, sign);
        let of = self.b.ins().icmp_imm_u(IntCC::NotEqual, of, 0);
        let dsr = self.b.ins().bxor(d, s);
        let dsr = self.b.ins().bxor(dsr, r);
        let af = self.b.ins().band_imm_u(dsr, 0x10);
        let af = self.b.ins().icmp_imm_u(IntCC::NotEqual, af, 0);
        self.set(reg(op.dst), op.size, r);
        self.set_status_af(op.size, r, cf, af, of);
    }
}
