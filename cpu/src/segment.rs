//! Loading segment registers (SDM Vol. 3 3.4.3). Real and virtual-8086 mode: base = selector
//! * 16, the rest of the cache unchanged; protected mode reads descriptors (`protected.rs`).

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::state::Seg;

impl Cpu {
    /// Loads `seg` with `selector` as MOV, POP, LDS and friends do.
    pub(crate) fn load_segment(
        &mut self,
        bus: &mut dyn Bus,
        seg: Seg,
        selector: u16,
    ) -> Result<(), Fault> {
        if self.state.protected() && !self.state.v86() {
            self.load_data_segment_pm(bus, seg, selector)?;
        } else {
            self.load_real_segment(seg, selector);
        }
        if seg == Seg::Ss {
            // MOV SS and POP SS hold off interrupts for one instruction.
            self.irq_shadow = self.state.icount + 1;
        }
        Ok(())
    }

    /// Far transfer of control to `selector:offset` (JMP/CALL/RET far, IRET).
    pub(crate) fn load_cs(
        &mut self,
        bus: &mut dyn Bus,
        selector: u16,
        offset: u32,
    ) -> Result<(), Fault> {
        if self.state.protected() && !self.state.v86() {
            return self.far_jump_pm(bus, selector, offset);
        }
        let limit = self.state.seg[Seg::Cs as usize].limit;
        if offset > limit && !self.quirks.segment_wrap {
            return Err(Fault::GeneralProtection(0));
        }
        self.load_real_segment(Seg::Cs, selector);
        self.state.eip = offset as u64;
        self.exit_block = true;
        Ok(())
    }
}
