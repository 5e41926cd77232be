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
    /// The PIIX3 IDE function's bus-master registers, wherever its BAR4 puts them.
    BusMaster,
    /// The 8042 keyboard controller (0x60, 0x64) with the PS/2 keyboard and mouse.
    Kbc,
    /// The VGA (0x3B0-0x3DF) and its Bochs VBE registers (0x1CE, 0x1CF).
    Vga,
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

    /// Gives back the ports of `start..start + count` that `device` owns (for a range that a
    /// PCI BAR moves).
    pub fn release(&mut self, device: DeviceId, start: u16, count: u16) {
        let end = (start as usize + count as usize).min(self.owner.len());
        for owner in &mut self.owner[start as usize..end] {
            if *owner == device {
                *owner = DeviceId::None;
            }
        }
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

    #[test]
    fn release_frees_only_the_devices_own_ports() {
        let mut m = PortMap::default();
        m.claim(DeviceId::Com1, 0x3F8, 8).unwrap();
        m.claim(DeviceId::BusMaster, 0xC000, 16).unwrap();
        m.release(DeviceId::BusMaster, 0x3F0, 16);
        assert_eq!(m.owner(0x3F8), DeviceId::Com1);
        m.release(DeviceId::BusMaster, 0xC000, 16);
        assert_eq!(m.owner(0xC00F), DeviceId::None);
        m.claim(DeviceId::BusMaster, 0xC010, 16).unwrap();
        m.release(DeviceId::BusMaster, 0xFFF8, 16);
        assert_eq!(m.owner(0xC010), DeviceId::BusMaster);
    }
}
