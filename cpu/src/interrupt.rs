//! Interrupt and exception delivery at an instruction boundary: real-mode vectoring through
//! the IVT (SDM Vol. 3 20.1.4) here, protected-mode delivery through the IDT in
//! `protected.rs`.

use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::fault::Fault;
use crate::state::{fl, Seg};

/// What is being delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// INT n, INT3, INTO: checked against the gate's DPL.
    Software,
    /// A hardware interrupt from the interrupt controller.
    External,
    /// An exception, with its error code if it has one.
    Exception(Option<u16>),
}

impl Cpu {
    /// Vectors through `vector` with `ret` as the return EIP.
    pub(crate) fn interrupt(
        &mut self,
        bus: &mut dyn Bus,
        vector: u8,
        ret: u32,
        event: Event,
    ) -> Result<(), Fault> {
        self.last_vector = Some(vector);
        self.state.halted = false;
        if self.state.protected() {
            let code = match event {
                Event::Exception(code) => code,
                _ => None,
            };
            return self.interrupt_pm(bus, vector, ret, code, event == Event::Software);
        }
        let entry = vector as u32 * 4;
        if entry + 3 > self.state.idtr.limit && self.model != crate::model::CpuModel::I8086 {
            return Err(Fault::GeneralProtection(((vector as u16) << 3) | 2));
        }
        let table = self.state.idtr.base.wrapping_add(entry);
        let new_ip = self.read_lin(bus, table, 2)?;
        let new_cs = self.read_lin(bus, table.wrapping_add(2), 2)? as u16;
        let flags = self.state.flags();
        let cs = self.state.seg[Seg::Cs as usize].selector;
        self.push(bus, 2, flags)?;
        self.push(bus, 2, cs as u32)?;
        self.push(bus, 2, ret)?;
        self.state.eflags &= !(fl::IF | fl::TF | fl::AC | fl::RF);
        self.load_real_segment(Seg::Cs, new_cs);
        self.state.eip = new_ip as u64;
        self.exit_block = true;
        Ok(())
    }
}
