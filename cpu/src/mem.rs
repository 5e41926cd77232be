//! Memory access from instructions: segmentation (limit checks against the descriptor
//! cache), linear-to-physical translation, and the soft-TLB fast path into guest RAM.
//! This module and `tlb.rs` hold the CPU's only `unsafe`: loads and stores through TLB host
//! pointers.

use crate::bus::{Bus, PhysPage, PAGE_SIZE};
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::paging::{Access, Translation};
use crate::state::{Seg, SegmentCache};
use crate::tlb::Tlb;

impl Cpu {
    /// Reads `size` bytes (1, 2 or 4) at `seg:off`.
    #[inline(always)]
    pub fn read(
        &mut self,
        bus: &mut dyn Bus,
        seg: usize,
        off: u32,
        size: u8,
    ) -> Result<u32, Fault> {
        let s = &self.state.seg[seg];
        let last = off.wrapping_add(size as u32 - 1);
        let rights = SegmentCache::READ | SegmentCache::EXPAND_DOWN;
        if s.valid & rights == SegmentCache::READ && last <= s.limit && last >= off {
            return self.read_lin(bus, s.base.wrapping_add(off), size);
        }
        match self.segment_check(seg, off, size, false)? {
            Some(lin) => self.read_lin(bus, lin, size),
            None => {
                let mut v = 0;
                for i in 0..size as u32 {
                    let lin = self.state.seg[seg]
                        .base
                        .wrapping_add(off.wrapping_add(i) & 0xFFFF);
                    v |= self.read_lin(bus, lin, 1)? << (8 * i);
                }
                Ok(v)
            }
        }
    }

    /// Writes `size` bytes (1, 2 or 4) at `seg:off`.
    #[inline(always)]
    pub fn write(
        &mut self,
        bus: &mut dyn Bus,
        seg: usize,
        off: u32,
        size: u8,
        value: u32,
    ) -> Result<(), Fault> {
        let s = &self.state.seg[seg];
        let last = off.wrapping_add(size as u32 - 1);
        let rights = SegmentCache::WRITE | SegmentCache::EXPAND_DOWN;
        if s.valid & rights == SegmentCache::WRITE && last <= s.limit && last >= off {
            return self.write_lin(bus, s.base.wrapping_add(off), size, value);
        }
        match self.segment_check(seg, off, size, true)? {
            Some(lin) => self.write_lin(bus, lin, size, value),
            None => {
                for i in 0..size as u32 {
                    let lin = self.state.seg[seg]
                        .base
                        .wrapping_add(off.wrapping_add(i) & 0xFFFF);
                    self.write_lin(bus, lin, 1, value >> (8 * i))?;
                }
                Ok(())
            }
        }
    }

    /// The fault for a segment violation: #SS for the stack segment, #GP otherwise (the 286
    /// reports every real-mode overrun as #GP).
    #[cold]
    fn limit_fault(&self, seg: usize) -> Fault {
        if seg == Seg::Ss as usize && !self.quirks.overrun_always_gp {
            Fault::StackFault(0)
        } else {
            Fault::GeneralProtection(0)
        }
    }

    /// The full segment check (SDM Vol. 3 5.3, 5.4): the segment's type must allow the
    /// access in protected mode (null and unusable segments allow none), and the offset must
    /// lie inside the limit, above it for expand-down segments. Returns the linear address,
    /// or `None` where the 8086 wraps the offset inside the segment byte by byte.
    #[cold]
    fn segment_check(
        &self,
        seg: usize,
        off: u32,
        size: u8,
        write: bool,
    ) -> Result<Option<u32>, Fault> {
        let s = &self.state.seg[seg];
        let last = off.wrapping_add(size as u32 - 1);
        let typed = !self.state.protected() || self.state.v86();
        let need = if write {
            SegmentCache::WRITE
        } else {
            SegmentCache::READ
        };
        if !typed && s.valid & need == 0 {
            return Err(self.limit_fault(seg));
        }
        let inside = if s.valid & SegmentCache::EXPAND_DOWN != 0 && !typed {
            let upper = if s.big() { u32::MAX } else { 0xFFFF };
            off > s.limit && last <= upper && last >= off
        } else {
            last <= s.limit && last >= off
        };
        if inside {
            return Ok(Some(s.base.wrapping_add(off)));
        }
        if self.quirks.segment_wrap {
            return Ok(None);
        }
        Err(self.limit_fault(seg))
    }

    /// Checks that `len` bytes at `seg:off` lie inside the segment.
    pub(crate) fn check_limit(&self, seg: usize, off: u32, len: u32) -> Result<(), Fault> {
        let last = off.wrapping_add(len.max(1) - 1);
        if last <= self.state.seg[seg].limit && last >= off || self.quirks.segment_wrap {
            Ok(())
        } else {
            Err(self.limit_fault(seg))
        }
    }

    /// Checks, without writing, that the `len` bytes (at most a page) at `seg:off` can be
    /// written: the segment checks at both ends, then both ends' pages. A store done in parts
    /// (x87 and MMX memory images) calls it first, so a fault leaves memory unchanged (SDM
    /// Vol. 3 6.6: a fault is reported before the instruction's state changes).
    pub(crate) fn probe_write(
        &mut self,
        bus: &mut dyn Bus,
        seg: usize,
        off: u32,
        len: u32,
    ) -> Result<(), Fault> {
        let first = self.segment_check(seg, off, 1, true)?;
        let last = self.segment_check(seg, off.wrapping_add(len.max(1) - 1), 1, true)?;
        if let Some(lin) = first {
            self.translate(bus, lin, Access::Write)?;
        }
        // The part on the next page faults at that page's first byte, as the split access
        // would report it in CR2.
        if let (Some(lo), Some(hi)) = (first, last) {
            if hi >> 12 != lo >> 12 {
                self.translate(bus, hi & !0xFFF, Access::Write)?;
            }
        }
        Ok(())
    }

    /// Reads at a linear address.
    #[inline(always)]
    pub fn read_lin(&mut self, bus: &mut dyn Bus, lin: u32, size: u8) -> Result<u32, Fault> {
        let e = &self.tlb.read[Tlb::slot(lin)];
        let off = lin & (PAGE_SIZE - 1);
        if e.tag == lin >> 12 && off + size as u32 <= PAGE_SIZE {
            let p = e.host.wrapping_add(off as usize);
            // SAFETY: `host` points at the start of a 4 KiB page inside `self.ram`, which this
            // CPU keeps alive through its Rc; `off + size` stays inside that page. Guest RAM is
            // made of Cells, so the unaligned read does not alias a Rust reference.
            return Ok(unsafe {
                match size {
                    1 => *p as u32,
                    2 => (p as *const u16).read_unaligned() as u32,
                    _ => (p as *const u32).read_unaligned(),
                }
            });
        }
        self.read_slow(bus, lin, size)
    }

    /// A system access (the GDT, LDT, IDT and TSS): checked as a supervisor access whatever
    /// the CPL, as the processor's implicit accesses are (SDM Vol. 3 4.6.1).
    pub(crate) fn read_sys(&mut self, bus: &mut dyn Bus, lin: u32, size: u8) -> Result<u32, Fault> {
        self.as_supervisor(|cpu| cpu.read_lin(bus, lin, size))
    }

    /// The write form of `read_sys` (accessed and busy bits, a TSS being saved).
    pub(crate) fn write_sys(
        &mut self,
        bus: &mut dyn Bus,
        lin: u32,
        size: u8,
        value: u32,
    ) -> Result<(), Fault> {
        self.as_supervisor(|cpu| cpu.write_lin(bus, lin, size, value))
    }

    fn as_supervisor<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let cpl = self.state.cpl;
        if cpl != 3 {
            return f(self);
        }
        self.set_cpl(0);
        let r = f(self);
        self.set_cpl(cpl);
        r
    }

    /// Writes at a linear address.
    #[inline(always)]
    pub fn write_lin(
        &mut self,
        bus: &mut dyn Bus,
        lin: u32,
        size: u8,
        value: u32,
    ) -> Result<(), Fault> {
        let e = &self.tlb.write[Tlb::slot(lin)];
        let off = lin & (PAGE_SIZE - 1);
        if e.tag == lin >> 12 && off + size as u32 <= PAGE_SIZE {
            let p = e.host.wrapping_add(off as usize);
            // SAFETY: as in `read_lin`; write entries exist only for writable RAM pages that
            // hold no decoded code.
            unsafe {
                match size {
                    1 => *p = value as u8,
                    2 => (p as *mut u16).write_unaligned(value as u16),
                    _ => (p as *mut u32).write_unaligned(value),
                }
            }
            return Ok(());
        }
        self.write_slow(bus, lin, size, value)
    }

    /// Linear to physical: the identity (masked by the address lines and A20) without
    /// paging, the page walk with it.
    #[inline]
    pub(crate) fn translate(
        &mut self,
        bus: &mut dyn Bus,
        lin: u32,
        access: Access,
    ) -> Result<Translation, Fault> {
        if !self.paging() {
            return Ok(Translation {
                phys: lin & self.phys_mask,
                writable: true,
                global: false,
            });
        }
        let mut t = self.page_walk(bus, lin, access)?;
        t.phys &= self.phys_mask;
        Ok(t)
    }

    /// Host pointer to the RAM page holding physical address `phys`, if it is RAM.
    fn host_page(&self, bus: &mut dyn Bus, phys: u32, write: bool) -> Option<*mut u8> {
        match bus.phys_page(phys) {
            PhysPage::Ram { offset, writable } if writable || !write => {
                let end = offset as usize + PAGE_SIZE as usize;
                (offset % PAGE_SIZE == 0 && end <= self.ram.len())
                    .then(|| self.ram.base_ptr().wrapping_add(offset as usize))
            }
            _ => None,
        }
    }

    #[cold]
    fn read_slow(&mut self, bus: &mut dyn Bus, lin: u32, size: u8) -> Result<u32, Fault> {
        if (lin & (PAGE_SIZE - 1)) + size as u32 > PAGE_SIZE {
            let mut v = 0;
            for i in 0..size as u32 {
                v |= self.read_lin(bus, lin.wrapping_add(i), 1)? << (8 * i);
            }
            return Ok(v);
        }
        let t = self.translate(bus, lin, Access::Read)?;
        let phys = t.phys;
        let Some(host) = self.host_page(bus, phys, false) else {
            return Ok(bus.mmio_read(phys, size, self.state.icount));
        };
        if !self.breakpoints.is_empty() && self.watched_page(lin) {
            self.check_data_breakpoints(lin, size, false);
            let p = host.wrapping_add((phys & (PAGE_SIZE - 1)) as usize);
            // SAFETY: `p + i` is inside the RAM page `host` (the access does not cross it).
            return Ok(
                (0..size as usize).fold(0, |v, i| v | (unsafe { *p.add(i) } as u32) << (8 * i))
            );
        }
        let e = &mut self.tlb.read[Tlb::slot(lin)];
        e.tag = lin >> 12;
        e.phys_page = phys >> 12;
        e.host = host;
        e.global = t.global;
        self.read_lin(bus, lin, size)
    }

    #[cold]
    fn write_slow(
        &mut self,
        bus: &mut dyn Bus,
        lin: u32,
        size: u8,
        value: u32,
    ) -> Result<(), Fault> {
        if (lin & (PAGE_SIZE - 1)) + size as u32 > PAGE_SIZE {
            // Check every byte's translation first so a fault leaves memory untouched.
            for i in [0, size as u32 - 1] {
                self.translate(bus, lin.wrapping_add(i), Access::Write)?;
            }
            for i in 0..size as u32 {
                self.write_lin(bus, lin.wrapping_add(i), 1, value >> (8 * i))?;
            }
            return Ok(());
        }
        let t = self.translate(bus, lin, Access::Write)?;
        let phys = t.phys;
        if !self.breakpoints.is_empty() && self.watched_page(lin) {
            self.check_data_breakpoints(lin, size, true);
        }
        let Some(host) = self.host_page(bus, phys, true) else {
            let action = bus.mmio_write(phys, size, value, self.state.icount);
            self.board_action(action);
            return Ok(());
        };
        if self.write_log.is_some() {
            self.log_page(host as usize - self.ram.base_ptr() as usize);
        }
        let page = phys >> 12;
        if self.blocks.has_code(page) {
            // Self-modifying code: store, drop the blocks decoded from this page, and end the
            // running block so the next instruction is decoded afresh.
            let p = host.wrapping_add((phys & (PAGE_SIZE - 1)) as usize);
            for i in 0..size as usize {
                // SAFETY: `p + i` is inside the RAM page `host` (the access does not cross it).
                unsafe { *p.add(i) = (value >> (8 * i)) as u8 };
            }
            self.blocks.invalidate_page(page);
            self.exit_block = true;
            return Ok(());
        }
        let p = host.wrapping_add((phys & (PAGE_SIZE - 1)) as usize);
        if !t.writable || !self.breakpoints.is_empty() && self.watched_page(lin) {
            // A dirty bit still to be set or a read-only page a supervisor may write (CR0.WP
            // clear): store without caching the translation.
            for i in 0..size as usize {
                // SAFETY: `p + i` is inside the RAM page `host`.
                unsafe { *p.add(i) = (value >> (8 * i)) as u8 };
            }
            return Ok(());
        }
        let e = &mut self.tlb.write[Tlb::slot(lin)];
        e.tag = lin >> 12;
        e.phys_page = page;
        e.host = host;
        e.global = t.global;
        self.write_lin(bus, lin, size, value)
    }

    /// Physical address of the instruction byte at CS:`eip`, checking the CS limit and the
    /// page's execute permission.
    #[inline]
    pub(crate) fn fetch_phys(&mut self, bus: &mut dyn Bus, eip: u32) -> Result<u32, Fault> {
        let cs = &self.state.seg[Seg::Cs as usize];
        if eip > cs.limit && !self.quirks.segment_wrap {
            return Err(Fault::GeneralProtection(0));
        }
        let lin = cs.base.wrapping_add(eip);
        let e = &self.tlb.fetch[Tlb::slot(lin)];
        if e.tag == lin >> 12 {
            return Ok((e.phys_page << 12) | (lin & (PAGE_SIZE - 1)));
        }
        let t = self.translate(bus, lin, Access::Fetch)?;
        let e = &mut self.tlb.fetch[Tlb::slot(lin)];
        e.tag = lin >> 12;
        e.phys_page = t.phys >> 12;
        e.global = t.global;
        Ok(t.phys)
    }

    /// Reads one instruction byte at CS:`eip` for the decoder: instruction fetches need
    /// only the CS limit, not a readable code segment.
    pub(crate) fn fetch_byte(&mut self, bus: &mut dyn Bus, eip: u32) -> Result<u8, Fault> {
        let cs = &self.state.seg[Seg::Cs as usize];
        let off = if self.quirks.segment_wrap {
            eip & 0xFFFF
        } else {
            eip
        };
        if off > cs.limit {
            return Err(Fault::GeneralProtection(0));
        }
        Ok(self.read_lin(bus, cs.base.wrapping_add(off), 1)? as u8)
    }

    /// Pushes `value` of `size` bytes onto the stack (SS:SP or SS:ESP as SS.B says).
    #[inline]
    pub(crate) fn push(&mut self, bus: &mut dyn Bus, size: u8, value: u32) -> Result<(), Fault> {
        let sp = self
            .state
            .r32(crate::state::reg::ESP)
            .wrapping_sub(size as u32);
        if self.state.seg[Seg::Ss as usize].big() {
            self.write(bus, Seg::Ss as usize, sp, size, value)?;
            self.state.set_r32(crate::state::reg::ESP, sp);
        } else {
            self.write(bus, Seg::Ss as usize, sp & 0xFFFF, size, value)?;
            self.state.set_r16(crate::state::reg::ESP, sp as u16);
        }
        Ok(())
    }

    /// Pops `size` bytes from the stack.
    #[inline]
    pub(crate) fn pop(&mut self, bus: &mut dyn Bus, size: u8) -> Result<u32, Fault> {
        let v = self.peek(bus, 0, size)?;
        self.adjust_sp(size as u32);
        Ok(v)
    }

    /// Reads `size` bytes at stack offset SP + `delta` without popping.
    #[inline]
    pub(crate) fn peek(&mut self, bus: &mut dyn Bus, delta: u32, size: u8) -> Result<u32, Fault> {
        let sp = self.state.r32(crate::state::reg::ESP).wrapping_add(delta);
        let off = if self.state.seg[Seg::Ss as usize].big() {
            sp
        } else {
            sp & 0xFFFF
        };
        self.read(bus, Seg::Ss as usize, off, size)
    }

    /// Adds `delta` to SP or ESP as the stack size says.
    #[inline]
    pub(crate) fn adjust_sp(&mut self, delta: u32) {
        let esp = crate::state::reg::ESP;
        let sp = self.state.r32(esp).wrapping_add(delta);
        if self.state.seg[Seg::Ss as usize].big() {
            self.state.set_r32(esp, sp);
        } else {
            self.state.set_r16(esp, sp as u16);
        }
    }
}
