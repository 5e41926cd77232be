//! Virtual-8086 mode (Intel SDM Vol. 3 ch. 20.2-20.3): entry by IRET with EFLAGS.VM set,
//! real-mode addressing at CPL 3, the IOPL-sensitive instructions (CLI, STI, PUSHF, POPF,
//! INT n, IRET) that fault to the monitor below IOPL 3, port I/O through the TSS bitmap, and
//! the exit to a ring-0 handler on every interrupt and exception.

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::state::reg::ESP;
use crate::state::{fl, Seg, SegmentCache};

/// The segment cache of a virtual-8086 segment register: real-mode base, 64 KiB, DPL 3.
fn v86_segment(selector: u16) -> SegmentCache {
    SegmentCache {
        access: SegmentCache::PRESENT | 0x73,
        ..SegmentCache::real_mode(selector)
    }
}

impl Cpu {
    /// IOPL-sensitive instructions fault in virtual-8086 mode below IOPL 3.
    pub(crate) fn v86_iopl_check(&self) -> Result<(), Fault> {
        if self.state.v86() && self.state.eflags & fl::IOPL != fl::IOPL {
            return Err(Fault::GeneralProtection(0));
        }
        Ok(())
    }

    /// IRET from CPL 0 to a frame with VM set (SDM Vol. 3 20.2.1): pops EIP, CS, EFLAGS,
    /// ESP, SS, ES, DS, FS, GS, all 32-bit.
    pub(crate) fn enter_v86(&mut self, bus: &mut dyn Bus) -> Result<(), Fault> {
        let mut v = [0u32; 9];
        for (i, slot) in v.iter_mut().enumerate() {
            *slot = self.peek(bus, 4 * i as u32, 4)?;
        }
        let [eip, cs, flags, esp, ss, es, ds, fs, gs] = v;
        self.state.lazy.op = crate::state::FlagOp::None;
        self.state.eflags =
            (flags & (self.quirks.flags_writable | fl::VM)) | self.quirks.flags_fixed1;
        for (seg, sel) in [
            (Seg::Cs, cs),
            (Seg::Ss, ss),
            (Seg::Es, es),
            (Seg::Ds, ds),
            (Seg::Fs, fs),
            (Seg::Gs, gs),
        ] {
            self.state.seg[seg as usize] = v86_segment(sel as u16);
        }
        self.set_cpl(3);
        self.state.set_r32(ESP, esp);
        self.state.eip = (eip & 0xFFFF) as u64;
        self.exit_block = true;
        Ok(())
    }

    /// An interrupt or exception in virtual-8086 mode goes to a ring-0 handler through a
    /// 32-bit gate, saving the real-mode segment registers on the ring-0 stack (SDM Vol. 3
    /// 20.3.1.1).
    pub(crate) fn leave_v86(
        &mut self,
        bus: &mut dyn Bus,
        handler: SegmentCache,
        offset: u32,
        frame: &[u32],
        clears_if: bool,
    ) -> Result<(), Fault> {
        let seg = |cpu: &Cpu, s: Seg| cpu.state.seg[s as usize].selector as u32;
        let mut values = vec![
            seg(self, Seg::Gs),
            seg(self, Seg::Fs),
            seg(self, Seg::Ds),
            seg(self, Seg::Es),
        ];
        values.extend_from_slice(frame);
        self.enter_inner_level(bus, 0, 4, &values)?;
        for s in [Seg::Es, Seg::Ds, Seg::Fs, Seg::Gs] {
            self.state.seg[s as usize] = SegmentCache::default();
        }
        self.state.materialize_flags();
        self.state.eflags &= !(fl::TF | fl::NT | fl::RF | fl::VM);
        if clears_if {
            self.state.eflags &= !fl::IF;
        }
        self.state.seg[Seg::Cs as usize] = handler;
        self.state.eip = offset as u64;
        self.exit_block = true;
        Ok(())
    }
}
