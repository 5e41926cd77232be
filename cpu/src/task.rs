//! Hardware task switching (Intel SDM Vol. 3 ch. 7.3): JMP, CALL and INT to a TSS or through
//! a task gate, and IRET with NT set back along the link. The outgoing state is saved into
//! the current TSS, busy bits and NT/back-link are maintained, and the incoming state (CR3,
//! LDT, registers, segments) is loaded from the new TSS, 32-bit or 16-bit.

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::privilege::{TSS16_AVAILABLE, TSS32_AVAILABLE, TSS32_BUSY};
use crate::protected::Descriptor;
use crate::state::{cr0, fl, Seg, SegmentCache};

/// Why the task switch happens; it decides busy bits and the link (SDM Vol. 3 table 7-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskSource {
    Jump,
    Call,
    Interrupt,
    Return,
}

const BUSY: u8 = 0x2;
/// Offsets of a 32-bit TSS: EIP, EFLAGS, the eight general registers, six selectors, LDT.
const TSS32_EIP: u32 = 0x20;
const TSS32_REGS: u32 = 0x28;
const TSS32_SEGS: u32 = 0x48;
const TSS32_LDT: u32 = 0x60;
/// The same for a 16-bit TSS.
const TSS16_IP: u32 = 0x0E;
const TSS16_REGS: u32 = 0x12;
const TSS16_SEGS: u32 = 0x22;
const TSS16_LDT: u32 = 0x2A;
/// The TSS's selector order is ES, CS, SS, DS, FS, GS: the `Seg` order.
const SEGS: [Seg; 6] = Seg::ALL;

impl Cpu {
    fn set_busy(&mut self, bus: &mut dyn Bus, selector: u16, busy: bool) -> Result<(), Fault> {
        let at = self
            .state
            .gdtr
            .base
            .wrapping_add((selector & !7) as u32 + 5);
        let access = self.read_sys(bus, at, 1)? as u8;
        let new = if busy { access | BUSY } else { access & !BUSY };
        self.write_sys(bus, at, 1, new as u32)
    }

    /// Switches to the task whose TSS `selector` names; `ret` is the EIP saved for the old
    /// task, `error_code` is pushed on the new task's stack for exceptions that have one.
    pub(crate) fn task_switch(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
        source: TaskSource,
        ret: u32,
        error_code: Option<u16>,
    ) -> Result<(), Fault> {
        let err = selector & !3;
        if selector & 4 != 0 || err == 0 {
            return Err(Fault::GeneralProtection(err));
        }
        let d: Descriptor = self.descriptor(bus, selector)?;
        let ty = d.system_type() & !BUSY;
        let busy = d.system_type() & BUSY != 0;
        if d.is_segment()
            || (ty != TSS16_AVAILABLE && ty != TSS32_AVAILABLE)
            || busy != (source == TaskSource::Return)
        {
            return Err(Fault::GeneralProtection(err));
        }
        if !d.present() {
            return Err(Fault::SegmentNotPresent(err));
        }
        let new = d.cache(selector);
        let big = ty == TSS32_AVAILABLE;
        if new.limit < if big { 0x67 } else { 0x2B } {
            return Err(Fault::InvalidTss(err));
        }

        // Save the outgoing task.
        let old = self.state.tr;
        let old_big = old.access as u8 & 0xF & !BUSY == TSS32_AVAILABLE;
        let mut flags = self.state.flags();
        if source == TaskSource::Return {
            flags &= !fl::NT;
        }
        let (eip_at, regs_at, segs_at, width) = if old_big {
            (TSS32_EIP, TSS32_REGS, TSS32_SEGS, 4)
        } else {
            (TSS16_IP, TSS16_REGS, TSS16_SEGS, 2)
        };
        self.write_sys(bus, old.base.wrapping_add(eip_at), width, ret)?;
        self.write_sys(
            bus,
            old.base.wrapping_add(eip_at + width as u32),
            width,
            flags,
        )?;
        for r in 0..8 {
            let v = self.state.r32(r);
            self.write_sys(
                bus,
                old.base.wrapping_add(regs_at + r as u32 * width as u32),
                width,
                v,
            )?;
        }
        for (i, s) in SEGS.iter().enumerate() {
            let sel = self.state.seg[*s as usize].selector as u32;
            self.write_sys(
                bus,
                old.base.wrapping_add(segs_at + i as u32 * width as u32),
                2,
                sel,
            )?;
        }
        if matches!(source, TaskSource::Jump | TaskSource::Return) {
            self.set_busy(bus, old.selector, false)?;
        }
        if matches!(source, TaskSource::Call | TaskSource::Interrupt) {
            self.write_sys(bus, new.base, 2, old.selector as u32)?;
        }
        if source != TaskSource::Return {
            self.set_busy(bus, selector, true)?;
        }

        // Load the incoming task.
        let (eip_at, regs_at, segs_at, ldt_at, width) = if big {
            (TSS32_EIP, TSS32_REGS, TSS32_SEGS, TSS32_LDT, 4)
        } else {
            (TSS16_IP, TSS16_REGS, TSS16_SEGS, TSS16_LDT, 2)
        };
        let b = new.base;
        if big && self.paging() {
            let cr3 = self.read_sys(bus, b.wrapping_add(0x1C), 4)?;
            if cr3 != self.state.cr3 {
                self.state.cr3 = cr3;
                self.flush_tlb_non_global();
            }
        }
        let eip = self.read_sys(bus, b.wrapping_add(eip_at), width)?;
        let mut new_flags = self.read_sys(bus, b.wrapping_add(eip_at + width as u32), width)?;
        let mut regs = [0u32; 8];
        for (r, v) in regs.iter_mut().enumerate() {
            *v = self.read_sys(
                bus,
                b.wrapping_add(regs_at + r as u32 * width as u32),
                width,
            )?;
        }
        let mut sels = [0u16; 6];
        for (i, v) in sels.iter_mut().enumerate() {
            *v = self.read_sys(bus, b.wrapping_add(segs_at + i as u32 * width as u32), 2)? as u16;
        }
        let ldt = self.read_sys(bus, b.wrapping_add(ldt_at), 2)? as u16;

        let mut tr = new;
        tr.access |= BUSY as u16;
        if source == TaskSource::Return {
            tr.access = (tr.access & !0xF) | (if big { TSS32_BUSY } else { 0x3 }) as u16;
        }
        self.state.tr = tr;
        self.state.cr0 |= cr0::TS;
        if matches!(source, TaskSource::Call | TaskSource::Interrupt) {
            new_flags |= fl::NT;
        }
        if !big {
            new_flags = (new_flags & 0xFFFF) | (self.state.eflags & 0xFFFF_0000 & !fl::VM);
        }
        self.state.lazy.op = crate::state::FlagOp::None;
        self.state.eflags =
            (new_flags & (self.quirks.flags_writable | fl::VM)) | self.quirks.flags_fixed1;
        for (r, &v) in regs.iter().enumerate() {
            if big {
                self.state.set_r32(r, v);
            } else {
                self.state.set_r16(r, v as u16);
            }
        }
        self.state.eip = eip as u64;
        self.load_task_segments(bus, &sels, ldt)?;
        if let Some(code) = error_code {
            self.push(bus, if big { 4 } else { 2 }, code as u32)?;
        }
        self.exit_block = true;
        Ok(())
    }

    /// Loads LDTR and the segment registers of the incoming task; faults are #TS naming the
    /// selector (SDM Vol. 3 7.3 step 14).
    fn load_task_segments(
        &mut self,
        bus: &mut dyn Bus,
        sels: &[u16; 6],
        ldt: u16,
    ) -> Result<(), Fault> {
        let ts = |s: u16| Fault::InvalidTss(s & !3);
        if ldt & !3 == 0 {
            self.state.ldtr = SegmentCache {
                selector: ldt,
                ..SegmentCache::default()
            };
        } else {
            let d = self.descriptor(bus, ldt).map_err(|_| ts(ldt))?;
            if ldt & 4 != 0 || d.is_segment() || d.system_type() != 0x2 || !d.present() {
                return Err(ts(ldt));
            }
            self.state.ldtr = d.cache(ldt);
        }
        if self.state.v86() {
            for (s, &sel) in SEGS.iter().zip(sels) {
                self.load_real_segment(*s, sel);
            }
            self.set_cpl(3);
            return Ok(());
        }
        let cs = sels[Seg::Cs as usize];
        let level = (cs & 3) as u8;
        let d = self.descriptor(bus, cs).map_err(|_| ts(cs))?;
        if !d.is_code()
            || (d.conforming() && d.dpl() > level)
            || (!d.conforming() && d.dpl() != level)
        {
            return Err(ts(cs));
        }
        if !d.present() {
            return Err(Fault::SegmentNotPresent(cs & !3));
        }
        self.state.seg[Seg::Cs as usize] = d.cache(cs);
        self.set_cpl(level);
        for s in [Seg::Ss, Seg::Es, Seg::Ds, Seg::Fs, Seg::Gs] {
            let sel = sels[s as usize];
            self.load_data_segment_pm(bus, s, sel)
                .map_err(|f| match f {
                    Fault::GeneralProtection(c) | Fault::StackFault(c) if s == Seg::Ss => {
                        Fault::InvalidTss(c)
                    }
                    Fault::GeneralProtection(c) => Fault::InvalidTss(c),
                    other => other,
                })?;
        }
        Ok(())
    }
}
