//! A region: the hot block and the blocks its direct branches lead to on the same physical
//! page, compiled together into one function so that a loop among them runs without
//! returning to the dispatcher. Branch targets are absolute EIPs: a region is compiled for
//! the EIP its head was entered at, and runs only when entered there again.
//!
//! Only blocks lying wholly on the head's first page are taken in: a store into that page
//! drops the head with every other block decoded from it, so compiled code never outlives
//! the code it was translated from.

use std::rc::Rc;

use amber_cpu::block::Block;
use amber_cpu::decode::{Form, Op};
use amber_cpu::flags::size_mask;
use amber_cpu::{Bus, Cpu};

/// Most blocks in a region, and most instructions.
const MAX_BLOCKS: usize = 16;
const MAX_OPS: usize = 384;

/// The blocks of a region: the head first, each with the EIP it starts at.
pub struct Region<'a> {
    pub head: &'a Block,
    pub blocks: Vec<(u32, Rc<Block>)>,
    pub eips: Vec<u32>,
}

/// EIP after `op` at `eip` (`Cpu::advance`).
pub fn next_eip(op: &Op, eip: u32) -> u32 {
    eip.wrapping_add(op.len as u32) & op.ip_mask
}

/// The target of a relative branch `op` at `eip` (`control::rel_target`, truncated to the
/// operand size as `jump_near` does).
pub fn branch_target(op: &Op, eip: u32) -> u32 {
    eip.wrapping_add(op.len as u32).wrapping_add(op.imm) & size_mask(op.osize)
}

/// Where control may go after `block` at `eip` without the dispatcher: a branch's targets
/// (with a CALL's return site, for the RETs of the region), or the next instruction after a
/// block cut short (by its length cap) at an inlined op. Indirect branches go to whichever
/// block of the region their target is (`Emitter::dispatch`).
pub fn successors(block: &Block, eip: u32) -> Vec<u32> {
    let Some(last) = block.ops.last() else {
        return Vec::new();
    };
    let last_eip = block.ops[..block.ops.len() - 1]
        .iter()
        .fold(eip, |e, op| next_eip(op, e));
    let next = next_eip(last, last_eip);
    match last.form {
        Form::Jcc | Form::CallRel => vec![branch_target(last, last_eip), next],
        Form::JmpRel => vec![branch_target(last, last_eip)],
        Form::RetNear | Form::JmpRm | Form::CallRm | Form::Other => Vec::new(),
        _ => vec![next],
    }
}

/// The general registers (a bit each) compiled code for `op` may change in its variables:
/// the rest it leaves alone or changes only through a helper, which writes `CpuState`. Every
/// inlined form is listed, so a form added later starts out as writing all of them.
pub fn written(op: &Op) -> u8 {
    use amber_cpu::decode::{AluOp, Loc};
    use amber_cpu::state::reg::{EAX, EDI, ESI, ESP};
    let dst = match op.dst {
        Loc::Reg(r) if op.size == 1 && r >= 4 => 1 << (r - 4),
        Loc::Reg(r) => 1 << r,
        _ => 0,
    };
    let esp = 1 << ESP;
    match op.form {
        Form::Other | Form::Jcc | Form::JmpRel | Form::JmpRm | Form::CallRm => 0,
        Form::MovMR | Form::MovMI | Form::AluMR(_) | Form::AluMI(_) | Form::IncM | Form::DecM => 0,
        Form::AluRR(AluOp::Cmp | AluOp::Test)
        | Form::AluRI(AluOp::Cmp | AluOp::Test)
        | Form::AluRM(AluOp::Cmp | AluOp::Test) => 0,
        Form::MovRR
        | Form::MovRI
        | Form::MovRM
        | Form::AluRR(_)
        | Form::AluRI(_)
        | Form::AluRM(_)
        | Form::IncR
        | Form::DecR
        | Form::NotR
        | Form::NegR
        | Form::Adc
        | Form::Sbb
        | Form::Lea
        | Form::Movzx
        | Form::Movsx
        | Form::Setcc
        | Form::Cmov
        | Form::Shl
        | Form::Shr
        | Form::Sar
        | Form::Imul
        | Form::ImulImm => dst,
        Form::PopR => dst | esp,
        Form::PushR | Form::CallRel | Form::RetNear => esp,
        Form::Movs | Form::Cmps | Form::Scas | Form::Lods | Form::Stos => {
            1 << EAX | 1 << ESI | 1 << EDI
        }
    }
}

impl<'a> Region<'a> {
    /// The region of `head`, entered at `eip`: the blocks reached that have run at least
    /// `min_runs` times themselves (or are compiled), so a region holds the paths taken.
    pub fn discover(
        cpu: &mut Cpu,
        bus: &mut dyn Bus,
        head: &'a Block,
        eip: u32,
        min_runs: u32,
    ) -> Region<'a> {
        let mut region = Region {
            head,
            blocks: Vec::new(),
            eips: vec![eip],
        };
        let page = head.phys & !0xFFF;
        let mut ops = head.ops.len();
        let mut i = 0;
        while i < region.eips.len() {
            let from = region.eips[i];
            let block = if i == 0 {
                head
            } else {
                &region.blocks[i - 1].1
            };
            for target in successors(block, from) {
                if region.eips.len() >= MAX_BLOCKS || region.eips.contains(&target) {
                    continue;
                }
                let offset = (head.phys & 0xFFF) as i64 + target as i64 - eip as i64;
                if !(0..0x1000).contains(&offset) {
                    continue;
                }
                let Ok(b) = cpu.block_at(bus, target) else {
                    continue;
                };
                let on_page = b.phys == page + offset as u32 && b.pages == [page >> 12; 2];
                let slot = b.jit.get();
                let hot = slot.runs >= min_runs || slot.code != 0;
                if !on_page || !hot || b.mode != head.mode || ops + b.ops.len() > MAX_OPS {
                    continue;
                }
                ops += b.ops.len();
                region.eips.push(target);
                region.blocks.push((target, b));
            }
            i += 1;
        }
        region
    }

    /// The `i`th block (0 is the head).
    pub fn block(&self, i: usize) -> &Block {
        if i == 0 {
            self.head
        } else {
            &self.blocks[i - 1].1
        }
    }

    /// The registers any op of the region may change in variables (`written`).
    pub fn written(&self) -> u8 {
        (0..self.eips.len())
            .flat_map(|i| self.block(i).ops.iter())
            .fold(0, |w, op| w | written(op))
    }

    pub fn index_of(&self, eip: u32) -> Option<usize> {
        self.eips.iter().position(|&e| e == eip)
    }
}
