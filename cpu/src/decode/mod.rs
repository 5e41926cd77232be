//! Decoding: instruction bytes are decoded once by `iced-x86` and lowered into a compact,
//! project-owned `Op` (which handler, with operands pre-resolved) through the one table in
//! `table.rs`. Runs of ops form the blocks of `block.rs`.

mod i8086;
mod table;

pub use table::{AluOp, Form};

use std::rc::Rc;

use iced_x86::{
    Code, Decoder, DecoderError, DecoderOptions, EncodingKind, FlowControl, Instruction, Mnemonic,
    OpKind, Register,
};

use crate::block::Block;
use crate::bus::{Bus, PhysPage};
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::flags::size_mask;
use crate::model::CpuModel;
use crate::state::Seg;

/// An instruction handler: executes `op` and advances EIP, or returns the fault with the
/// state untouched at the instruction boundary.
pub type Handler = fn(&mut Cpu, &mut dyn Bus, &Op) -> Result<(), Fault>;

/// Where an operand lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loc {
    None,
    /// A general register by encoding (for byte operands 4-7 are AH, CH, DH, BH).
    Reg(u8),
    /// Memory at the op's effective address.
    Mem,
    /// The op's immediate.
    Imm,
    /// A segment register.
    Sreg(u8),
    /// An x87 stack register ST(i).
    Fpu(u8),
    /// An MMX register MMi (SDM Vol. 1 9.2).
    Mmx(u8),
    /// An SSE register XMMi (SDM Vol. 1 10.2).
    Xmm(u8),
}

/// "No register" in `Op::base` and `Op::index`.
pub const NO_REG: u8 = 0xFF;

/// A lowered instruction.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    pub exec: Handler,
    /// Length in bytes.
    pub len: u8,
    /// Size of the destination (the operation size), 1, 2 or 4 bytes.
    pub size: u8,
    /// Size of the source operand.
    pub ssize: u8,
    /// Operand-size attribute (2 or 4): stack and control-transfer width.
    pub osize: u8,
    /// Address-size attribute (2 or 4).
    pub asize: u8,
    pub dst: Loc,
    pub src: Loc,
    /// Segment of the memory operand (after any override).
    pub seg: u8,
    pub base: u8,
    pub index: u8,
    pub scale: u8,
    pub disp: u32,
    /// Immediate; for near branches the displacement from the next instruction.
    pub imm: u32,
    /// Second immediate (far pointer selector, ENTER nesting level).
    pub imm2: u32,
    /// Condition code (Jcc/SETcc/CMOVcc), or 1 for a shift count held in CL.
    pub cc: u8,
    /// 0: none, 1: REP/REPE, 2: REPNE.
    pub rep: u8,
    /// EIP wraps at 64 KiB in 16-bit code segments.
    pub ip_mask: u32,
    pub code: Code,
    /// The specialised form the op runs, which the JIT inlines.
    pub form: Form,
}

impl Op {
    /// An op with no operands.
    pub fn simple(exec: Handler, len: u8, size: u8) -> Op {
        Op {
            exec,
            len,
            size,
            ssize: size,
            osize: size,
            asize: size,
            dst: Loc::None,
            src: Loc::None,
            seg: Seg::Ds as u8,
            base: NO_REG,
            index: NO_REG,
            scale: 0,
            disp: 0,
            imm: 0,
            imm2: 0,
            cc: 0,
            rep: 0,
            ip_mask: if size == 4 { u32::MAX } else { 0xFFFF },
            code: Code::INVALID,
            form: Form::Other,
        }
    }
}

/// Longest block, in instructions.
const MAX_BLOCK_OPS: usize = 64;

fn gpr(r: Register) -> Option<(u8, u8)> {
    let v = r as u32;
    if r.is_gpr8() {
        Some(((v - Register::AL as u32) as u8, 1))
    } else if r.is_gpr16() {
        Some(((v - Register::AX as u32) as u8, 2))
    } else if r.is_gpr32() {
        Some(((v - Register::EAX as u32) as u8, 4))
    } else {
        None
    }
}

fn sreg(r: Register) -> Option<u8> {
    r.is_segment_register()
        .then(|| (r as u32 - Register::ES as u32) as u8)
}

/// The legacy prefixes in front of the opcode: (operand-size 66, address-size 67, count).
fn prefixes(bytes: &[u8]) -> (bool, bool, usize) {
    let (mut o, mut a, mut n) = (false, false, 0);
    for &b in bytes {
        match b {
            0x66 => o = true,
            0x67 => a = true,
            0x26 | 0x2E | 0x36 | 0x3E | 0x64 | 0x65 | 0xF0 | 0xF2 | 0xF3 => {}
            _ => break,
        }
        n += 1;
    }
    (o, a, n)
}

impl Cpu {
    /// Decodes the block starting at CS:`start` (physical address `phys`) and caches it.
    pub(crate) fn decode_block(
        &mut self,
        bus: &mut dyn Bus,
        start: u32,
        phys: u32,
        mode: u32,
    ) -> Result<Rc<Block>, Fault> {
        self.blocks_decoded += 1;
        let cacheable = matches!(bus.phys_page(phys), PhysPage::Ram { .. });
        let first_page = phys >> 12;
        let mut pages = [first_page; 2];
        let mut ops = Vec::new();
        let mut eip = start;
        let mut lin_page = self.state.seg[Seg::Cs as usize].base.wrapping_add(eip) >> 12;
        loop {
            let (op, ends) = match self.decode_one(bus, eip) {
                Ok(x) => x,
                Err(f) if ops.is_empty() => return Err(f),
                Err(_) => break,
            };
            let last_phys = self
                .fetch_phys(bus, self.ip_add(eip, op.len as u32 - 1))
                .unwrap_or(phys);
            if last_phys >> 12 != first_page {
                pages[1] = last_phys >> 12;
            }
            ops.push(op);
            eip = self.ip_add(eip, op.len as u32);
            let next_lin_page = self.state.seg[Seg::Cs as usize].base.wrapping_add(eip) >> 12;
            if ends
                || ops.len() >= MAX_BLOCK_OPS
                || next_lin_page != lin_page
                || pages[1] != first_page
            {
                break;
            }
            lin_page = next_lin_page;
        }
        if !cacheable {
            return Ok(Rc::new(Block {
                phys,
                mode,
                epoch: u32::MAX,
                pages,
                ops,
                jit: Default::default(),
            }));
        }
        for p in pages {
            if self.blocks.mark_code(p) {
                self.protect_code_page(p);
            }
        }
        Ok(self.blocks.insert(Block {
            phys,
            mode,
            epoch: 0,
            pages,
            ops,
            jit: Default::default(),
        }))
    }

    /// `eip + delta` wrapped to the code segment's size.
    fn ip_add(&self, eip: u32, delta: u32) -> u32 {
        let v = eip.wrapping_add(delta);
        if self.state.seg[Seg::Cs as usize].big() {
            v
        } else {
            v & 0xFFFF
        }
    }

    /// Decodes and lowers the instruction at CS:`eip`; true if it ends a block.
    fn decode_one(&mut self, bus: &mut dyn Bus, eip: u32) -> Result<(Op, bool), Fault> {
        let mut bytes = [0u8; 15];
        let mut n = 0;
        let mut fetch_fault = None;
        // The 8086 wraps IP inside an instruction; later processors fault past the CS limit.
        let wrap = self.quirks.segment_wrap || self.state.seg[Seg::Cs as usize].big();
        for (i, b) in bytes.iter_mut().enumerate() {
            let at = if wrap {
                self.ip_add(eip, i as u32)
            } else {
                eip + i as u32
            };
            match self.fetch_byte(bus, at) {
                Ok(v) => {
                    *b = v;
                    n += 1;
                }
                Err(f) => {
                    fetch_fault = Some(f);
                    break;
                }
            }
        }
        let bytes = &mut bytes[..n];
        if self.quirks.i8086_opcodes {
            if let Some(op) = i8086::special(bytes) {
                return Ok(op);
            }
            i8086::remap(bytes);
        }
        let code32 = self.state.seg[Seg::Cs as usize].big();
        let options = if self.model < CpuModel::I80386 {
            DecoderOptions::NO_INVALID_CHECK
        } else {
            DecoderOptions::NONE
        };
        let mut decoder = Decoder::with_ip(if code32 { 32 } else { 16 }, bytes, 0, options);
        let instr = decoder.decode();
        if instr.is_invalid() {
            if decoder.last_error() == DecoderError::NoMoreBytes {
                if let Some(f) = fetch_fault {
                    return Err(f);
                }
            }
            return Ok((table::invalid(instr.len().max(1) as u8), true));
        }
        if instr.encoding() != EncodingKind::Legacy {
            // No model up to the P6 has VEX, EVEX or XOP: C4/C5/62/8F with these bytes are
            // LES/LDS/BOUND/POP with a register operand, which are invalid.
            return Ok((table::invalid(instr.len() as u8), true));
        }
        if instr.len() > self.quirks.max_insn_len as usize {
            return Ok((Op::simple(table::GP, instr.len() as u8, 2), true));
        }
        let (o66, a67, npfx) = prefixes(bytes);
        if self.model < CpuModel::I80386 && bytes[..npfx].iter().any(|b| (0x64..=0x67).contains(b))
        {
            return Ok((table::invalid(instr.len() as u8), true));
        }
        let op = self.lower(&instr, code32, code32 ^ o66, code32 ^ a67);
        let ends = op.exec as usize == table::UD as usize
            || instr.flow_control() != FlowControl::Next
            || table::ends_block(instr.mnemonic());
        Ok((op, ends))
    }

    /// Lowers a decoded instruction into an `Op`.
    fn lower(&self, instr: &Instruction, code32: bool, o32: bool, a32: bool) -> Op {
        let osize = if o32 { 4 } else { 2 };
        let mut op = Op {
            exec: table::UD,
            len: instr.len() as u8,
            size: osize,
            ssize: osize,
            osize,
            asize: if a32 { 4 } else { 2 },
            dst: Loc::None,
            src: Loc::None,
            seg: Seg::Ds as u8,
            base: NO_REG,
            index: NO_REG,
            scale: 0,
            disp: 0,
            imm: 0,
            imm2: 0,
            cc: instr.condition_code() as u8,
            rep: if instr.has_repne_prefix() {
                2
            } else {
                (instr.has_rep_prefix() || instr.has_repe_prefix()) as u8
            },
            ip_mask: 0xFFFF,
            code: instr.code(),
            form: Form::Other,
        };
        if instr.memory_segment() != Register::None {
            op.seg = sreg(instr.memory_segment()).unwrap_or(Seg::Ds as u8);
        }
        // iced numbers condition codes from 1 (o) to 16 (g); Intel's cc nibble is one less.
        op.cc = op.cc.wrapping_sub(1);
        let mut imm_seen = false;
        for i in 0..instr.op_count().min(3) {
            let (loc, size) = match instr.op_kind(i) {
                OpKind::Register => {
                    let r = instr.op_register(i);
                    if let Some((idx, size)) = gpr(r) {
                        (Loc::Reg(idx), size)
                    } else if let Some(s) = sreg(r) {
                        if self.model < CpuModel::I80386 && s >= 4 {
                            return table::invalid(op.len);
                        }
                        (Loc::Sreg(s), 2)
                    } else if r.is_cr() {
                        op.imm2 = r as u32 - Register::CR0 as u32;
                        (Loc::None, 4)
                    } else if r.is_st() {
                        (Loc::Fpu((r as u32 - Register::ST0 as u32) as u8), 10)
                    } else if r.is_mm() {
                        (Loc::Mmx((r as u32 - Register::MM0 as u32) as u8), 8)
                    } else if r.is_xmm() {
                        (Loc::Xmm((r as u32 - Register::XMM0 as u32) as u8), 16)
                    } else if r.is_dr() {
                        op.imm2 = r as u32 - Register::DR0 as u32;
                        (Loc::None, 4)
                    } else {
                        (Loc::None, 0)
                    }
                }
                OpKind::Memory => {
                    op.base = gpr(instr.memory_base()).map_or(NO_REG, |r| r.0);
                    op.index = gpr(instr.memory_index()).map_or(NO_REG, |r| r.0);
                    op.scale = instr.memory_index_scale().trailing_zeros() as u8;
                    op.disp = instr.memory_displacement32();
                    (Loc::Mem, instr.memory_size().size() as u8)
                }
                OpKind::NearBranch16 | OpKind::NearBranch32 => {
                    op.imm = (instr.near_branch_target() as u32).wrapping_sub(op.len as u32);
                    (Loc::Imm, osize)
                }
                OpKind::FarBranch16 | OpKind::FarBranch32 => {
                    op.imm = if instr.op_kind(i) == OpKind::FarBranch16 {
                        instr.far_branch16() as u32
                    } else {
                        instr.far_branch32()
                    };
                    op.imm2 = instr.far_branch_selector() as u32;
                    (Loc::Imm, osize)
                }
                OpKind::Immediate8
                | OpKind::Immediate16
                | OpKind::Immediate32
                | OpKind::Immediate8to16
                | OpKind::Immediate8to32
                | OpKind::Immediate8_2nd => {
                    let v = instr.immediate(i) as u32;
                    if imm_seen {
                        op.imm2 = v;
                    } else {
                        op.imm = v;
                        imm_seen = true;
                    }
                    (Loc::Imm, 0)
                }
                _ => (Loc::None, 0),
            };
            let size = if table::is_string(instr.mnemonic()) {
                instr.memory_size().size() as u8
            } else {
                size
            };
            match i {
                0 => {
                    op.dst = loc;
                    if size != 0 {
                        op.size = size;
                        op.ssize = size;
                    }
                }
                1 => {
                    op.src = loc;
                    op.ssize = if size != 0 { size } else { op.size };
                }
                // A third register operand (MASKMOVQ's mask) by number.
                _ => {
                    if let Loc::Mmx(r) | Loc::Xmm(r) = loc {
                        op.imm2 = u32::from(r);
                    }
                }
            }
        }
        if instr.op_count() > 0 && op.src == Loc::Imm && op.dst != Loc::Imm {
            op.imm &= size_mask(op.size);
        }
        if matches!(instr.mnemonic(), Mnemonic::Shld | Mnemonic::Shrd) {
            op.cc = (instr.op_register(2) == Register::CL) as u8;
        }
        if code32 {
            op.ip_mask = u32::MAX;
        }
        op.exec = table::handler(self, instr);
        (op.exec, op.form) = table::specialise(&op);
        op
    }
}
