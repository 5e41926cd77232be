//! Protected-mode segmentation and interrupt delivery at a single privilege level (Intel SDM
//! Vol. 3 ch. 3.4-3.5 descriptors, 5.5-5.8 privilege checks for segment loads and far
//! transfers, 6.10-6.12 IDT gates). Enough for a kernel running at CPL 0 with its own GDT and
//! IDT; call gates, privilege changes, task switches and virtual-8086 mode are issue #4, and
//! reach `unsupported` with a #GP that names them in the log.

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::state::{fl, Seg, SegmentCache};
use crate::task::TaskSource;

/// A segment or gate descriptor as it sits in a table.
#[derive(Clone, Copy, Debug)]
pub struct Descriptor {
    pub raw: u64,
}

impl Descriptor {
    pub fn access(self) -> u8 {
        (self.raw >> 40) as u8
    }
    pub fn present(self) -> bool {
        self.access() & 0x80 != 0
    }
    pub fn dpl(self) -> u8 {
        (self.access() >> 5) & 3
    }
    /// S = 1: a code or data segment (not a system descriptor or gate).
    pub fn is_segment(self) -> bool {
        self.access() & 0x10 != 0
    }
    pub fn is_code(self) -> bool {
        self.is_segment() && self.access() & 0x08 != 0
    }
    pub fn conforming(self) -> bool {
        self.is_code() && self.access() & 0x04 != 0
    }
    /// Data: writable; code: readable.
    pub fn rw(self) -> bool {
        self.access() & 0x02 != 0
    }
    pub fn system_type(self) -> u8 {
        self.access() & 0x0F
    }
    /// The descriptor cache a segment register gets from this descriptor.
    pub fn cache(self, selector: u16) -> SegmentCache {
        let r = self.raw;
        let base = ((r >> 16) & 0xFF_FFFF) as u32 | (((r >> 56) as u32) << 24);
        let raw_limit = (r & 0xFFFF) as u32 | (((r >> 48) & 0xF) as u32) << 16;
        let granular = (r >> 55) & 1 != 0;
        let limit = if granular {
            (raw_limit << 12) | 0xFFF
        } else {
            raw_limit
        };
        let access = self.access() as u16 | ((((r >> 52) & 0xF) as u16) << 12);
        SegmentCache {
            selector,
            access,
            base,
            limit,
            valid: SegmentCache::validity(access),
        }
    }
    /// Gate fields: (selector, offset).
    pub fn gate_target(self) -> (u16, u32) {
        let r = self.raw;
        let offset = (r & 0xFFFF) as u32 | (((r >> 48) & 0xFFFF) as u32) << 16;
        ((r >> 16) as u16, offset)
    }
}

impl Cpu {
    /// Reads the descriptor `selector` names from the GDT or LDT (#GP(selector) past the
    /// table's limit).
    pub(crate) fn descriptor(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
    ) -> Result<Descriptor, Fault> {
        let table = if selector & 4 != 0 {
            (self.state.ldtr.base, self.state.ldtr.limit)
        } else {
            (self.state.gdtr.base, self.state.gdtr.limit)
        };
        let index = (selector & !7) as u32;
        if index + 7 > table.1 {
            return Err(Fault::GeneralProtection(selector & !3));
        }
        let at = table.0.wrapping_add(index);
        let lo = self.read_sys(bus, at, 4)? as u64;
        let hi = self.read_sys(bus, at.wrapping_add(4), 4)? as u64;
        Ok(Descriptor {
            raw: lo | (hi << 32),
        })
    }

    /// Sets the accessed bit of a segment descriptor, as the processor does on a load.
    pub(crate) fn mark_accessed(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
        d: Descriptor,
    ) -> Result<(), Fault> {
        if d.access() & 1 != 0 {
            return Ok(());
        }
        let base = if selector & 4 != 0 {
            self.state.ldtr.base
        } else {
            self.state.gdtr.base
        };
        let at = base.wrapping_add((selector & !7) as u32 + 5);
        self.write_sys(bus, at, 1, (d.access() | 1) as u32)
    }

    /// MOV/POP/LxS to a data segment register or SS in protected mode (SDM Vol. 3 5.10.4).
    pub(crate) fn load_data_segment_pm(
        &mut self,
        bus: &mut dyn Bus,
        seg: Seg,
        selector: u16,
    ) -> Result<(), Fault> {
        let err = selector & !3;
        let rpl = (selector & 3) as u8;
        let cpl = self.state.cpl;
        if selector & !3 == 0 {
            if seg == Seg::Ss {
                return Err(Fault::GeneralProtection(0));
            }
            // A null selector loads an unusable segment.
            self.state.seg[seg as usize] = SegmentCache {
                selector,
                ..SegmentCache::default()
            };
            return Ok(());
        }
        let d = self.descriptor(bus, selector)?;
        if seg == Seg::Ss {
            if rpl != cpl || d.dpl() != cpl || d.is_code() || !d.is_segment() || !d.rw() {
                return Err(Fault::GeneralProtection(err));
            }
            if !d.present() {
                return Err(Fault::StackFault(err));
            }
        } else {
            let readable = d.is_segment() && (!d.is_code() || d.rw());
            let privileged = !d.conforming() && (rpl > d.dpl() || cpl > d.dpl());
            if !readable || privileged {
                return Err(Fault::GeneralProtection(err));
            }
            if !d.present() {
                return Err(Fault::SegmentNotPresent(err));
            }
        }
        self.mark_accessed(bus, selector, d)?;
        self.state.seg[seg as usize] = d.cache(selector);
        Ok(())
    }

    /// A far JMP or RET to `selector:offset` at the current privilege level.
    pub(crate) fn far_jump_pm(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
        offset: u32,
    ) -> Result<(), Fault> {
        if selector & !3 != 0 && !self.descriptor(bus, selector)?.is_segment() {
            return self.unsupported("a far JMP through a gate or to a TSS", selector & !3);
        }
        let (cache, level) = self.code_segment(bus, selector, offset, false)?;
        self.state.seg[Seg::Cs as usize] = cache;
        self.set_cpl(level);
        self.state.eip = offset as u64;
        self.exit_block = true;
        Ok(())
    }

    /// Checks a code segment for a transfer to `selector:offset` (SDM Vol. 3 5.8.1); `gate`
    /// allows a more privileged non-conforming target (interrupt gates). Returns the cache
    /// and the DPL it runs at.
    pub(crate) fn code_segment(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
        offset: u32,
        gate: bool,
    ) -> Result<(SegmentCache, u8), Fault> {
        let err = selector & !3;
        if err == 0 {
            return Err(Fault::GeneralProtection(0));
        }
        let d = self.descriptor(bus, selector)?;
        let cpl = self.state.cpl;
        let rpl = (selector & 3) as u8;
        let ok = d.is_code()
            && if d.conforming() || gate {
                d.dpl() <= cpl
            } else {
                rpl <= cpl && d.dpl() == cpl
            };
        if !ok {
            return Err(Fault::GeneralProtection(err));
        }
        if !d.present() {
            return Err(Fault::SegmentNotPresent(err));
        }
        let level = if d.conforming() { cpl } else { d.dpl() };
        let cache = d.cache((selector & !3) | level as u16);
        if offset > cache.limit {
            return Err(Fault::GeneralProtection(0));
        }
        self.mark_accessed(bus, selector, d)?;
        Ok((cache, level))
    }

    /// Interrupt or exception delivery through an IDT interrupt or trap gate.
    pub(crate) fn interrupt_pm(
        &mut self,
        bus: &mut dyn Bus,
        vector: u8,
        ret: u32,
        error_code: Option<u16>,
        software: bool,
    ) -> Result<(), Fault> {
        // Error code naming the IDT entry (IDT bit set; EXT is set for external events).
        let idt_err = ((vector as u16) << 3) | 2 | (!software) as u16;
        let entry = vector as u32 * 8;
        if entry + 7 > self.state.idtr.limit {
            return Err(Fault::GeneralProtection(idt_err));
        }
        let at = self.state.idtr.base.wrapping_add(entry);
        let lo = self.read_sys(bus, at, 4)? as u64;
        let hi = self.read_sys(bus, at.wrapping_add(4), 4)? as u64;
        let gate = Descriptor {
            raw: lo | (hi << 32),
        };
        let (size, clears_if) = match gate.system_type() {
            0x6 => (2, true),
            0x7 => (2, false),
            0xE => (4, true),
            0xF => (4, false),
            0x5 => {
                if software && gate.dpl() < self.state.cpl {
                    return Err(Fault::GeneralProtection(idt_err));
                }
                if !gate.present() {
                    return Err(Fault::SegmentNotPresent(idt_err));
                }
                let tss = gate.gate_target().0;
                return self.task_switch(bus, tss, TaskSource::Interrupt, ret, error_code);
            }
            _ => return Err(Fault::GeneralProtection(idt_err)),
        };
        if software && gate.dpl() < self.state.cpl {
            return Err(Fault::GeneralProtection(idt_err));
        }
        if !gate.present() {
            return Err(Fault::SegmentNotPresent(idt_err));
        }
        let (selector, offset) = gate.gate_target();
        let offset = if size == 2 { offset & 0xFFFF } else { offset };
        let (cache, level) = self.code_segment(bus, selector, offset, true)?;
        if self.state.v86() {
            // Only a 32-bit gate to a ring-0 non-conforming segment can take it (SDM 20.3.1.1).
            if size != 4 || level != 0 || cache.access & 0x04 != 0 {
                return Err(Fault::GeneralProtection(selector & !3));
            }
            let mut frame = vec![
                self.state.seg[Seg::Ss as usize].selector as u32,
                self.state.r32(crate::state::reg::ESP),
            ];
            frame.extend([
                self.state.flags(),
                self.state.seg[Seg::Cs as usize].selector as u32,
                ret,
            ]);
            frame.extend(error_code.map(u32::from));
            return self.leave_v86(bus, cache, offset, &frame, clears_if);
        }
        if level < self.state.cpl {
            let mut frame = vec![
                self.state.flags(),
                self.state.seg[Seg::Cs as usize].selector as u32,
                ret,
            ];
            frame.extend(error_code.map(u32::from));
            self.enter_inner_level(bus, level, size, &frame)?;
            self.finish_interrupt(cache, level, offset, clears_if);
            return Ok(());
        }
        let flags = self.state.flags();
        let cs = self.state.seg[Seg::Cs as usize].selector as u32;
        let old_esp = self.state.regs[crate::state::reg::ESP];
        let pushed = (|| {
            self.push(bus, size, flags)?;
            self.push(bus, size, cs)?;
            self.push(bus, size, ret)?;
            if let Some(code) = error_code {
                self.push(bus, size, code as u32)?;
            }
            Ok(())
        })();
        if let Err(f) = pushed {
            self.state.regs[crate::state::reg::ESP] = old_esp;
            return Err(f);
        }
        self.finish_interrupt(cache, level, offset, clears_if);
        Ok(())
    }

    /// The last steps of an interrupt: flags, CS:EIP and the privilege level of the handler.
    fn finish_interrupt(&mut self, cache: SegmentCache, level: u8, offset: u32, clears_if: bool) {
        self.state.materialize_flags();
        self.state.eflags &= !(fl::TF | fl::NT | fl::RF | fl::VM);
        if clears_if {
            self.state.eflags &= !fl::IF;
        }
        self.state.seg[Seg::Cs as usize] = cache;
        self.set_cpl(level);
        self.state.eip = offset as u64;
        self.exit_block = true;
    }

    /// IRET in protected mode back to the same privilege level.
    pub(crate) fn iret_pm(&mut self, bus: &mut dyn Bus, size: u8, next: u32) -> Result<(), Fault> {
        if self.state.eflags & fl::NT != 0 {
            // A nested task returns along the TSS back link (SDM Vol. 3 7.3).
            let link = self.read_sys(bus, self.state.tr.base, 2)? as u16;
            return self.task_switch(bus, link, TaskSource::Return, next, None);
        }

        let off = self.peek(bus, 0, size)?;
        let sel = self.peek(bus, size as u32, 2)? as u16;
        let flags = self.peek(bus, 2 * size as u32, size)?;
        if size == 4 && flags & fl::VM != 0 && self.state.cpl == 0 {
            return self.enter_v86(bus);
        }
        if ((sel & 3) as u8) < self.state.cpl {
            return Err(Fault::GeneralProtection(sel & !3));
        }
        if (sel & 3) as u8 > self.state.cpl {
            return self.return_to_outer_level(bus, size, off, sel, Some(flags), 0);
        }
        self.far_jump_pm(bus, sel, off)?;
        self.adjust_sp(3 * size as u32);
        self.iret_flags(flags, size);
        Ok(())
    }

    /// A protected-mode operation that issue #4 brings: log it and raise #GP.
    #[cold]
    pub(crate) fn unsupported<T>(&self, what: &str, code: u16) -> Result<T, Fault> {
        log::warn!("{what} is not emulated yet (issue #4)");
        Err(Fault::GeneralProtection(code))
    }
}
