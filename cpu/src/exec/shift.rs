//! Shifts and rotates: ROL, ROR, RCL, RCR, SHL/SAL, SHR, SAR, SHLD, SHRD, and the 8086's
//! undocumented SETMO/SETMOC (D0-D3 /6). Counts are masked as the model says (5 bits from
//! the 186 on); a zero count changes nothing. Flags follow the last single-bit step, which is
//! what the hardware's microcode loop leaves (SDM Vol. 2 "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR").

use super::Exec;
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::flags::{sign_bit, size_mask};
use crate::state::fl;

/// The masked shift count, and the destination with its address.
#[inline(always)]
fn operands(
    cpu: &mut Cpu,
    bus: &mut dyn Bus,
    op: &Op,
) -> Result<(u32, u32, u32), crate::fault::Fault> {
    let count = cpu.src(bus, op)? & cpu.quirks.shift_count_mask;
    let (d, ea) = cpu.dst(bus, op)?;
    Ok((count, d, ea))
}

/// Sets CF and OF only (rotates leave SF, ZF, AF, PF alone).
fn set_cf_of(cpu: &mut Cpu, cf: bool, of: bool) {
    cpu.state.materialize_flags();
    let f = &mut cpu.state.eflags;
    *f = (*f & !(fl::CF | fl::OF)) | (cf as u32 * fl::CF) | (of as u32 * fl::OF);
}

fn bits(size: u8) -> u32 {
    size as u32 * 8
}

pub fn rol(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count != 0 {
        let n = bits(op.size);
        let c = count % n;
        let r = if c == 0 {
            d
        } else {
            ((d << c) | (d >> (n - c))) & size_mask(op.size)
        };
        cpu.set_dst(bus, op, ea, r)?;
        let cf = r & 1 != 0;
        set_cf_of(cpu, cf, (r & sign_bit(op.size) != 0) != cf);
    }
    cpu.advance(op)
}

pub fn ror(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count != 0 {
        let n = bits(op.size);
        let c = count % n;
        let r = if c == 0 {
            d
        } else {
            ((d >> c) | (d << (n - c))) & size_mask(op.size)
        };
        cpu.set_dst(bus, op, ea, r)?;
        let msb = r & sign_bit(op.size) != 0;
        let msb1 = r & (sign_bit(op.size) >> 1) != 0;
        set_cf_of(cpu, msb, msb != msb1);
    }
    cpu.advance(op)
}

pub fn rcl(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count != 0 {
        let n = bits(op.size);
        let c = count % (n + 1);
        // Rotate the (n+1)-bit value CF:dst.
        let v = ((cpu.state.cf() as u64) << n) | d as u64;
        let w = (1u64 << (n + 1)) - 1;
        let r = if c == 0 {
            v
        } else {
            ((v << c) | (v >> (n + 1 - c))) & w
        };
        let res = r as u32 & size_mask(op.size);
        cpu.set_dst(bus, op, ea, res)?;
        let cf = (r >> n) & 1 != 0;
        set_cf_of(cpu, cf, (res & sign_bit(op.size) != 0) != cf);
    }
    cpu.advance(op)
}

pub fn rcr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count != 0 {
        let n = bits(op.size);
        let c = count % (n + 1);
        let v = ((cpu.state.cf() as u64) << n) | d as u64;
        let w = (1u64 << (n + 1)) - 1;
        let r = if c == 0 {
            v
        } else {
            ((v >> c) | (v << (n + 1 - c))) & w
        };
        let res = r as u32 & size_mask(op.size);
        cpu.set_dst(bus, op, ea, res)?;
        let msb = res & sign_bit(op.size) != 0;
        let msb1 = res & (sign_bit(op.size) >> 1) != 0;
        set_cf_of(cpu, (r >> n) & 1 != 0, msb != msb1);
    }
    cpu.advance(op)
}

/// Stores a shift result with SF, ZF, PF from it and AF cleared.
fn shift_result(
    cpu: &mut Cpu,
    bus: &mut dyn Bus,
    op: &Op,
    ea: u32,
    r: u32,
    cf: bool,
    of: bool,
) -> Exec {
    cpu.set_dst(bus, op, ea, r)?;
    cpu.state.set_szp(op.size, r, cf, false, of);
    cpu.advance(op)
}

pub fn shl(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count == 0 {
        return cpu.advance(op);
    }
    let n = bits(op.size);
    let wide = if count < 64 { (d as u64) << count } else { 0 };
    let r = wide as u32 & size_mask(op.size);
    let cf = count <= n && (wide >> n) & 1 != 0;
    shift_result(cpu, bus, op, ea, r, cf, (r & sign_bit(op.size) != 0) != cf)
}

pub fn shr(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count == 0 {
        return cpu.advance(op);
    }
    let before_last = if count - 1 < 32 { d >> (count - 1) } else { 0 };
    let r = before_last >> 1;
    let of = before_last & sign_bit(op.size) != 0;
    shift_result(cpu, bus, op, ea, r, before_last & 1 != 0, of)
}

pub fn sar(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, d, ea) = operands(cpu, bus, op)?;
    if count == 0 {
        return cpu.advance(op);
    }
    let n = bits(op.size);
    let sd = ((d << (32 - n)) as i32) >> (32 - n);
    let before_last = sd >> (count - 1).min(31);
    let r = (before_last >> 1) as u32 & size_mask(op.size);
    shift_result(cpu, bus, op, ea, r, before_last & 1 != 0, false)
}

/// SETMO/SETMOC (8086 D0-D3 /6): the destination becomes all ones when the count is not zero.
pub fn setmo(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let (count, _, ea) = operands(cpu, bus, op)?;
    if count == 0 {
        return cpu.advance(op);
    }
    let r = size_mask(op.size);
    cpu.set_dst(bus, op, ea, r)?;
    cpu.state.set_szp(op.size, r, false, false, false);
    cpu.advance(op)
}

/// Count of SHLD/SHRD: CL or the immediate, masked to 5 bits.
fn double_count(cpu: &Cpu, op: &Op) -> u32 {
    let c = if op.cc == 1 {
        cpu.state.r8(1) as u32
    } else {
        op.imm
    };
    c & 0x1F
}

pub fn shld(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let count = double_count(cpu, op);
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    if count == 0 {
        return cpu.advance(op);
    }
    let n = bits(op.size);
    // Shift the 64-bit d:s (or 32-bit for words, then repeated s for counts past 16).
    let v = ((d as u64) << n) | s as u64 | if n == 16 { (d as u64) << 32 } else { 0 };
    let wide = v << count;
    let r = (wide >> n) as u32 & size_mask(op.size);
    let cf = (v >> (2 * n - count)) & 1 != 0;
    let of = (r ^ d) & sign_bit(op.size) != 0;
    shift_result(cpu, bus, op, ea, r, cf, of)
}

pub fn shrd(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    let count = double_count(cpu, op);
    let (d, ea) = cpu.dst(bus, op)?;
    let s = cpu.src(bus, op)?;
    if count == 0 {
        return cpu.advance(op);
    }
    let n = bits(op.size);
    let v = ((s as u64) << n) | d as u64 | if n == 16 { (s as u64) << 32 } else { 0 };
    let r = (v >> count) as u32 & size_mask(op.size);
    let cf = (v >> (count - 1)) & 1 != 0;
    let of = (r ^ d) & sign_bit(op.size) != 0;
    shift_result(cpu, bus, op, ea, r, cf, of)
}
