//! Debug registers (Intel SDM Vol. 3 ch. 17.2-17.3): instruction breakpoints (faults before
//! the instruction at DRn runs, suppressed for one instruction by EFLAGS.RF) and data
//! breakpoints (traps after an instruction wrote, or read or wrote, 1, 2 or 4 bytes at DRn),
//! reported in DR6 together with the single-step bit. While any breakpoint is enabled the
//! CPU runs one instruction per dispatch and keeps the watched pages out of the soft TLB.

use crate::cpu::Cpu;
use crate::state::{fl, Seg};

/// DR6 bits: B0-B3 and BS (single step).
pub const DR6_BS: u32 = 1 << 14;

/// One enabled breakpoint decoded from DR7.
#[derive(Clone, Copy, Debug)]
pub struct Breakpoint {
    pub index: usize,
    pub addr: u32,
    /// 0: instruction, 1: data write, 3: data read or write (2, I/O, needs CR4.DE: unused).
    pub kind: u32,
    pub len: u32,
}

impl Cpu {
    /// Decodes DR7 after a write to DR0-DR3 or DR7.
    pub(crate) fn update_breakpoints(&mut self) {
        let dr7 = self.state.dr[7];
        self.breakpoints = (0..4)
            .filter(|i| dr7 & (3 << (2 * i)) != 0)
            .map(|i| {
                let rw = (dr7 >> (16 + 4 * i)) & 3;
                let len = [1, 2, 8, 4][((dr7 >> (18 + 4 * i)) & 3) as usize];
                Breakpoint {
                    index: i,
                    addr: self.state.dr[i],
                    kind: rw,
                    len,
                }
            })
            .collect();
        // Data breakpoints need every access to their pages on the slow path.
        self.flush_tlb();
    }

    /// An instruction breakpoint matches CS:EIP (and RF does not suppress it): its DR6 bits.
    pub(crate) fn instruction_breakpoint(&self) -> u32 {
        if self.state.eflags & fl::RF != 0 {
            return 0;
        }
        let lin = self.state.seg[Seg::Cs as usize]
            .base
            .wrapping_add(self.state.eip32());
        self.breakpoints
            .iter()
            .filter(|b| b.kind == 0 && b.addr == lin)
            .fold(0, |m, b| m | 1 << b.index)
    }

    /// Whether any data breakpoint watches the page of `lin` (keep it out of the TLB).
    pub(crate) fn watched_page(&self, lin: u32) -> bool {
        self.breakpoints.iter().any(|b| {
            b.kind != 0 && (b.addr >> 12 == lin >> 12 || (b.addr + b.len - 1) >> 12 == lin >> 12)
        })
    }

    /// Records data breakpoints hit by an access of `size` bytes at `lin`.
    pub(crate) fn check_data_breakpoints(&mut self, lin: u32, size: u8, write: bool) {
        for b in &self.breakpoints {
            let watches = b.kind == 3 || (b.kind == 1 && write);
            let overlaps =
                lin < b.addr.wrapping_add(b.len) && b.addr < lin.wrapping_add(size as u32);
            if watches && overlaps {
                self.data_breakpoint_hits |= 1 << b.index;
            }
        }
    }
}
