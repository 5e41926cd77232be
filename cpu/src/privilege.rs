//! Changes of privilege level (Intel SDM Vol. 3 5.8.5-5.8.6 and 6.12.1): the stack switch
//! through the TSS when an interrupt or a call gate enters a more privileged level, the
//! return to a less privileged level by IRET and far RET, far CALL and JMP through call
//! gates, and the TSS I/O-permission bitmap (Vol. 1 19.5).

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::state::reg::ESP;
use crate::state::{fl, Seg, SegmentCache};
use crate::task::TaskSource;

/// System descriptor types (SDM Vol. 3 table 3-2).
mod types {
    pub const TSS16_AVAILABLE: u8 = 0x1;
    pub const CALL_GATE16: u8 = 0x4;
    pub const TSS32_AVAILABLE: u8 = 0x9;
    pub const TSS32_BUSY: u8 = 0xB;
    pub const CALL_GATE32: u8 = 0xC;
    pub const TASK_GATE: u8 = 0x5;
}
pub(crate) use types::*;

impl Cpu {
    /// Whether TR holds a 32-bit TSS.
    fn tss32(&self) -> bool {
        matches!(
            self.state.tr.access as u8 & 0xF,
            TSS32_AVAILABLE | TSS32_BUSY
        )
    }

    /// SS:ESP for privilege `level` from the current TSS.
    fn tss_stack(&mut self, bus: &mut dyn Bus, level: u8) -> Result<(u16, u32), Fault> {
        let tr = self.state.tr;
        let err = Fault::InvalidTss(tr.selector & !3);
        if tr.access & SegmentCache::PRESENT == 0 {
            return Err(err);
        }
        let (at, size) = if self.tss32() {
            (4 + 8 * level as u32, 4)
        } else {
            (2 + 4 * level as u32, 2)
        };
        if at + size + 1 > tr.limit {
            return Err(err);
        }
        let esp = self.read_sys(bus, tr.base.wrapping_add(at), size as u8)?;
        let ss = self.read_sys(bus, tr.base.wrapping_add(at + size), 2)? as u16;
        Ok((ss, esp))
    }

    /// Checks the stack segment of a privilege change (SDM Vol. 3 6.12.1.1): errors are
    /// #TS on the way in (`inward`) and #GP on the way out, #SS when it is not present.
    fn stack_segment(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
        level: u8,
        inward: bool,
    ) -> Result<SegmentCache, Fault> {
        let err = selector & !3;
        let bad = if inward {
            Fault::InvalidTss(err)
        } else {
            Fault::GeneralProtection(err)
        };
        if err == 0 {
            return Err(bad);
        }
        let d = self.descriptor(bus, selector).map_err(|_| bad)?;
        if (selector & 3) as u8 != level
            || d.dpl() != level
            || !d.is_segment()
            || d.is_code()
            || !d.rw()
        {
            return Err(bad);
        }
        if !d.present() {
            return Err(Fault::StackFault(err));
        }
        self.mark_accessed(bus, selector, d)?;
        Ok(d.cache(selector))
    }

    /// Writes `values` below `esp` on the stack `ss` (first value at the highest address);
    /// returns the new stack pointer.
    fn push_frame(
        &mut self,
        bus: &mut dyn Bus,
        ss: &SegmentCache,
        esp: u32,
        size: u8,
        values: &[u32],
    ) -> Result<u32, Fault> {
        let mask = if ss.big() { u32::MAX } else { 0xFFFF };
        let mut sp = esp;
        for &v in values {
            sp = sp.wrapping_sub(size as u32) & mask;
            if sp.wrapping_add(size as u32 - 1) > ss.limit {
                return Err(Fault::StackFault(ss.selector & !3));
            }
            self.write_lin(bus, ss.base.wrapping_add(sp), size, v)?;
        }
        Ok(sp)
    }

    /// Switches to the stack of the more privileged `level` and pushes the old SS:ESP and
    /// `frame` (SDM Vol. 3 6.12.1 "Stack switching"). The CPL is `level` afterwards; on a
    /// fault everything is as it was.
    pub(crate) fn enter_inner_level(
        &mut self,
        bus: &mut dyn Bus,
        level: u8,
        size: u8,
        frame: &[u32],
    ) -> Result<(), Fault> {
        let (ss_sel, esp) = self.tss_stack(bus, level)?;
        let ss = self.stack_segment(bus, ss_sel, level, true)?;
        let old_ss = self.state.seg[Seg::Ss as usize];
        let old_esp = self.state.r32(ESP);
        let old_cpl = self.state.cpl;
        // Leaving virtual-8086 mode the caller supplies the whole frame, old SS:ESP included.
        let values = if self.state.v86() {
            frame.to_vec()
        } else {
            let mut v = vec![old_ss.selector as u32, old_esp];
            v.extend_from_slice(frame);
            v
        };
        // The new stack is written with the new privilege level's access rights.
        self.set_cpl(level);
        match self.push_frame(bus, &ss, esp, size, &values) {
            Ok(sp) => {
                self.state.seg[Seg::Ss as usize] = ss;
                self.state
                    .set_r32(ESP, if ss.big() { sp } else { (esp & !0xFFFF) | sp });
                Ok(())
            }
            Err(f) => {
                self.set_cpl(old_cpl);
                Err(f)
            }
        }
    }

    /// IRET (with `flags`) or far RET (with `flags` None and `release` bytes of parameters)
    /// to a less privileged level: CS:EIP and SS:ESP come from the stack (SDM Vol. 3 5.8.6).
    pub(crate) fn return_to_outer_level(
        &mut self,
        bus: &mut dyn Bus,
        size: u8,
        offset: u32,
        selector: u16,
        flags: Option<u32>,
        release: u32,
    ) -> Result<(), Fault> {
        let level = (selector & 3) as u8;
        let at = if flags.is_some() { 3 } else { 2 } * size as u32 + release;
        let esp = self.peek(bus, at, size)?;
        let ss_sel = self.peek(bus, at + size as u32, 2)? as u16;
        let d = self.descriptor(bus, selector)?;
        let err = selector & !3;
        let ok = d.is_code()
            && if d.conforming() {
                d.dpl() <= level
            } else {
                d.dpl() == level
            };
        if !ok {
            return Err(Fault::GeneralProtection(err));
        }
        if !d.present() {
            return Err(Fault::SegmentNotPresent(err));
        }
        let cs = d.cache(selector);
        if offset > cs.limit {
            return Err(Fault::GeneralProtection(0));
        }
        let ss = self.stack_segment(bus, ss_sel, level, false)?;
        self.mark_accessed(bus, selector, d)?;
        if let Some(f) = flags {
            // Flags are written with the privilege of the level being left (SDM IRET).
            self.iret_flags(f, size);
        }
        self.state.seg[Seg::Cs as usize] = cs;
        self.set_cpl(level);
        self.state.eip = offset as u64;
        self.state.seg[Seg::Ss as usize] = ss;
        let esp = esp.wrapping_add(release);
        if ss.big() {
            self.state.set_r32(ESP, esp);
        } else {
            self.state.set_r16(ESP, esp as u16);
        }
        // Data segments the new level may not use become null (SDM Vol. 3 5.8.6 step 8).
        for s in [Seg::Es, Seg::Ds, Seg::Fs, Seg::Gs] {
            let c = self.state.seg[s as usize];
            let dpl = ((c.access >> 5) & 3) as u8;
            let conforming_code = c.access & 0x1C == 0x1C;
            if c.access & SegmentCache::PRESENT != 0 && dpl < level && !conforming_code {
                self.state.seg[s as usize] = SegmentCache {
                    selector: 0,
                    ..SegmentCache::default()
                };
            }
        }
        self.exit_block = true;
        Ok(())
    }

    /// A far CALL (`call`) or JMP through a call gate (SDM Vol. 3 5.8.4), or to a TSS or
    /// through a task gate (a task switch); `next` is the address after the instruction.
    pub(crate) fn through_call_gate(
        &mut self,
        bus: &mut dyn Bus,
        gate_sel: u16,
        next: u32,
        call: bool,
    ) -> Result<(), Fault> {
        let ret = call.then_some(next);
        let gate = self.descriptor(bus, gate_sel)?;
        let err = gate_sel & !3;
        let size = match gate.system_type() {
            CALL_GATE16 => 2,
            CALL_GATE32 => 4,
            TSS16_AVAILABLE | TSS32_AVAILABLE => {
                let source = if call {
                    TaskSource::Call
                } else {
                    TaskSource::Jump
                };
                return self.task_switch(bus, gate_sel, source, next, None);
            }
            TASK_GATE => {
                if gate.dpl() < self.state.cpl || gate.dpl() < (gate_sel & 3) as u8 {
                    return Err(Fault::GeneralProtection(err));
                }
                if !gate.present() {
                    return Err(Fault::SegmentNotPresent(err));
                }
                let source = if call {
                    TaskSource::Call
                } else {
                    TaskSource::Jump
                };
                return self.task_switch(bus, gate.gate_target().0, source, next, None);
            }
            _ => return Err(Fault::GeneralProtection(err)),
        };
        let cpl = self.state.cpl;
        if gate.dpl() < cpl || gate.dpl() < (gate_sel & 3) as u8 {
            return Err(Fault::GeneralProtection(err));
        }
        if !gate.present() {
            return Err(Fault::SegmentNotPresent(err));
        }
        let (target_sel, offset) = gate.gate_target();
        let offset = if size == 2 { offset & 0xFFFF } else { offset };
        let (cache, level) = self.code_segment(bus, target_sel & !3, offset, true)?;
        let old_cs = self.state.seg[Seg::Cs as usize].selector as u32;
        match ret {
            None if level != cpl => return Err(Fault::GeneralProtection(target_sel & !3)),
            None => {}
            Some(ret) if level < cpl => {
                // Copy the gate's parameter count of stack items to the new stack.
                let count = (gate.raw >> 32) as u32 & 0x1F;
                let mut frame = Vec::with_capacity(count as usize + 2);
                for i in (0..count).rev() {
                    frame.push(self.peek(bus, i * size as u32, size)?);
                }
                frame.extend([old_cs, ret]);
                self.enter_inner_level(bus, level, size, &frame)?;
            }
            Some(ret) => {
                let old_esp = self.state.regs[ESP];
                let pushed = self
                    .push(bus, size, old_cs)
                    .and_then(|_| self.push(bus, size, ret));
                if let Err(f) = pushed {
                    self.state.regs[ESP] = old_esp;
                    return Err(f);
                }
            }
        }
        self.state.seg[Seg::Cs as usize] = cache;
        self.set_cpl(level);
        self.state.eip = offset as u64;
        self.exit_block = true;
        Ok(())
    }

    /// May the current privilege level access `size` bytes at `port`? Above IOPL (and always
    /// in virtual-8086 mode) the TSS I/O-permission bitmap decides (SDM Vol. 1 19.5.2).
    pub(crate) fn check_io(&mut self, bus: &mut dyn Bus, port: u16, size: u8) -> Result<(), Fault> {
        if !self.state.protected() {
            return Ok(());
        }
        let iopl = (self.state.flags() & fl::IOPL) >> 12;
        if self.state.cpl as u32 <= iopl && !self.state.v86() {
            return Ok(());
        }
        let tr = self.state.tr;
        if !self.tss32() || tr.limit < 0x67 {
            return Err(Fault::GeneralProtection(0));
        }
        let map = self.read_sys(bus, tr.base.wrapping_add(0x66), 2)?;
        let at = map + port as u32 / 8;
        if at + 1 > tr.limit {
            return Err(Fault::GeneralProtection(0));
        }
        let bits = self.read_sys(bus, tr.base.wrapping_add(at), 2)?;
        let mask = ((1u32 << size) - 1) << (port % 8);
        if bits & mask != 0 {
            return Err(Fault::GeneralProtection(0));
        }
        Ok(())
    }
}
