//! SHL, SHR and SAR of a register (`amber_cpu::exec::shift`), by an immediate or by CL. Only
//! counts from 1 to 31 run inline: every model's count mask (5 bits, or the 8086's 8) leaves
//! them alone. A zero count changes nothing; CL of 32 or more goes to the helper, which
//! applies the model's mask. The flags are those of the last single-bit step, set eagerly.

use amber_cpu::decode::{Form, Loc, Op};
use amber_cpu::state::reg::ECX;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value};

use crate::emit::{mask, Emitter};
use crate::inline::{mem_type, reg};

impl Emitter<'_> {
    /// The shift `op`; false leaves it to the helper.
    pub(crate) fn shift(&mut self, op: &Op) -> bool {
        if let Loc::Reg(_) = op.src {
            self.shift_by_cl(op);
            return true;
        }
        let count = op.imm & 0xFF;
        if count >= 32 {
            return false;
        }
        if count != 0 {
            let d = self.get(reg(op.dst), op.size);
            let c = self.b.ins().iconst(types::I32, count as i64);
            self.shift_by(op, d, c);
        }
        true
    }

    /// By CL: nothing for 0, the helper (which then leaves the block) for 32 or more.
    fn shift_by_cl(&mut self, op: &Op) {
        // Both ways on from here must agree on what is in `CpuState` and in variables.
        self.store_flags();
        let d = self.get(reg(op.dst), op.size);
        let c = self.get(ECX as u8, 1);
        let at = self.known();
        let nonzero = self.b.create_block();
        let join = self.b.create_block();
        self.b.ins().brif(c, nonzero, &[], join, &[]);

        self.b.switch_to_block(nonzero);
        self.restore(at);
        let small = self.b.ins().icmp_imm_u(IntCC::UnsignedLessThan, c, 32);
        self.unless_fault(op, small, at);
        self.shift_by(op, d, c);
        let after = self.known();
        self.b.ins().jump(join, &[]);

        self.b.switch_to_block(join);
        self.restore(after);
    }

    /// Shifts `d` by `c` (1 to 31) into the destination and sets the flags.
    fn shift_by(&mut self, op: &Op, d: Value, c: Value) {
        let n = op.size as i64 * 8;
        let (r, cf, of) = match op.form {
            Form::Shl => {
                let wide = self.b.ins().uextend(types::I64, d);
                let wide = self.b.ins().ishl(wide, c);
                let r = self.b.ins().ireduce(types::I32, wide);
                let r = self.b.ins().band_imm_u(r, mask(op.size));
                // The last bit out: bit n of the 64-bit shift (zero once c passes n).
                let out = self.b.ins().ushr_imm_u(wide, n);
                let out = self.b.ins().band_imm_u(out, 1);
                let cf = self.b.ins().icmp_imm_u(IntCC::NotEqual, out, 0);
                let sign = self.b.ins().band_imm_u(r, 1i64 << (n - 1));
                let msb = self.b.ins().icmp_imm_u(IntCC::NotEqual, sign, 0);
                (r, cf, self.b.ins().bxor(msb, cf))
            }
            Form::Shr => {
                let before = self.b.ins().iadd_imm_s(c, -1);
                let before_last = self.b.ins().ushr(d, before);
                let r = self.b.ins().ushr_imm_u(before_last, 1);
                let sign = self.b.ins().band_imm_u(before_last, 1i64 << (n - 1));
                let of = self.b.ins().icmp_imm_u(IntCC::NotEqual, sign, 0);
                let low = self.b.ins().band_imm_u(before_last, 1);
                (r, self.b.ins().icmp_imm_u(IntCC::NotEqual, low, 0), of)
            }
            _ => {
                let sd = if op.size == 4 {
                    d
                } else {
                    let narrow = self.b.ins().ireduce(mem_type(op.size), d);
                    self.b.ins().sextend(types::I32, narrow)
                };
                let before = self.b.ins().iadd_imm_s(c, -1);
                let before_last = self.b.ins().sshr(sd, before);
                let r = self.b.ins().sshr_imm_u(before_last, 1);
                let r = self.b.ins().band_imm_u(r, mask(op.size));
                let low = self.b.ins().band_imm_u(before_last, 1);
                let cf = self.b.ins().icmp_imm_u(IntCC::NotEqual, low, 0);
                (r, cf, self.b.ins().iconst(types::I8, 0))
            }
        };
        self.set(reg(op.dst), op.size, r);
        self.set_status(op.size, r, cf, of);
    }
}
