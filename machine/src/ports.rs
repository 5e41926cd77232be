//! The I/O port bus: which device answers each of the 65536 ports. Ranges may not overlap;
//! an unclaimed port reads as all ones and ignores writes, as on an ISA bus.

/// The devices on the port bus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum DeviceId {
    None = 0,
    Pic,
    Pit,
    Rtc,
    Com1,
    Com2,
    Post,
    A20,
    DebugCon,
    DebugExit,
    /// The x87 FERR# latch on IRQ 13, cleared at port 0xF0.
    Ferr,
    FwCfg,
    Pci,
    /// The local APIC is memory-mapped; it appears here only as a timed device.
    Lapic,
    /// The primary and secondary IDE channels.
    Ide0,
    Ide1,
    /// The 8237 DMA controller pair and its page registers.
    Dma,
    /// The 82077 floppy disk controller (0x3F0-0x3F5, 0x3F7).
    Fdc,
    /// The built-in BIOS's trap port.
    BiosTrap,
    /// The ACPI power-management registers.
    AcpiPm,
}

pub struct PortMap {
    owner: Box<[DeviceId]>,
}

impl Default for PortMap {
    fn default() -> Self {
        PortMap {
            owner: vec![DeviceId::None; 0x1_0000].into_boxed_slice(),
        }
    }
}

impl PortMap {
    /// Gives `device` the ports `start..start + count`; fails naming the first taken port.
    pub fn claim(&mut self, device: DeviceId, start: u16, count: u16) -> Result<(), String> {
        let end = start as usize + count as usize;
        if end > self.owner.len() {
            return Err(format!(
                "{device:?}: ports {start:#x}+{count} run past 0xffff"
            ));
        }
        if let Some(p) = (start as usize..end).find(|&p| self.owner[p] != DeviceId::None) {
            return Err(format!(
                "{device:?}: port {p:#x} already belongs to {:?}",
                self.owner[p]
            ));
        }
        self.owner[start as usize..end].fill(device);
        Ok(())
    }

    /// Claims every range in `ranges`.
    pub fn claim_all(&mut self, device: DeviceId, ranges: &[(u16, u16)]) -> Result<(), String> {
        ranges
            .iter()
            .try_for_each(|&(s, n)| self.claim(device, s, n))
    }

    #[inline]
    pub fn owner(&self, port: u16) -> DeviceId {
        self.owner[port as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_ranges_are_refused() {
        let mut m = PortMap::default();
        m.claim(DeviceId::Com1, 0x3F8, 8).unwrap();
        assert!(m.claim(DeviceId::Com2, 0x3FF, 2).is_err());
        assert_eq!(m.owner(0x3FC), DeviceId::Com1);
        assert_eq!(m.owner(0x400), DeviceId::None);
        assert!(m.claim(DeviceId::Pci, 0xFFFF, 2).is_err());
    }
}
