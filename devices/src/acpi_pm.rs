//! The ACPI power-management registers of a PIIX4-class chipset, at the I/O block the FADT
//! names (ACPI 1.0b 4.7.3, "PM1 Event Registers", "PM1 Control Registers", "Power
//! Management Timer"): PM1 status and enable, PM1 control with SCI_EN, SLP_TYP and SLP_EN,
//! and the 3.579545 MHz timer. Writing SLP_EN with the soft-off SLP_TYP the DSDT's `\_S5`
//! gives (0) powers the machine off. The SCI is the status bits ANDed with the enables.

use crate::{IrqLine, Nanos, PortIo};

/// The block's base port (QEMU's PIIX4 PM puts it at 0x600 too) and size.
pub const BASE: u16 = 0x600;
pub const PORTS: &[(u16, u16)] = &[(BASE, 12)];
/// The timer's rate (ACPI 1.0b 4.7.3.3).
pub const TIMER_HZ: u64 = 3_579_545;

const TMR_STS: u16 = 1 << 0;
const PWRBTN_STS: u16 = 1 << 8;
/// Status bits software clears by writing ones: TMR, BM, GBL, PWRBTN, SLPBTN, RTC, WAK.
const STATUS_BITS: u16 = 0x8731;
/// Enable bits software may set: TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN.
const ENABLE_BITS: u16 = 0x0721;
const SCI_EN: u16 = 1 << 0;
const SLP_EN: u16 = 1 << 13;
const SLP_TYP_SHIFT: u16 = 10;
/// The SLP_TYP of soft-off, as the DSDT's `\_S5` package says.
pub const SLP_TYP_S5: u16 = 0;

pub struct AcpiPm {
    sci: IrqLine,
    status: u16,
    enable: u16,
    control: u16,
    power_off: bool,
}

impl AcpiPm {
    pub fn new(sci: IrqLine) -> AcpiPm {
        let mut pm = AcpiPm {
            sci,
            status: 0,
            enable: 0,
            control: 0,
            power_off: false,
        };
        pm.reset();
        pm
    }

    /// Power-on state: ACPI mode (SCI_EN) from the start, as the FADT (no SMI command
    /// port) tells the OS.
    pub fn reset(&mut self) {
        self.status = 0;
        self.enable = 0;
        self.control = SCI_EN;
        self.power_off = false;
        self.update_sci();
    }

    /// Whether the guest has asked for soft-off.
    pub fn power_off_requested(&self) -> bool {
        self.power_off
    }

    /// The 24-bit timer value at `now`.
    fn timer(now: Nanos) -> u32 {
        ((u128::from(now) * u128::from(TIMER_HZ) / 1_000_000_000) & 0xFF_FFFF) as u32
    }

    fn update_sci(&mut self) {
        self.sci
            .set_level(self.status & self.enable & (TMR_STS | PWRBTN_STS) != 0);
    }

    /// The 16-bit register at `offset` (0 status, 2 enable, 4 control).
    fn register(&self, offset: u16, now: Nanos) -> u32 {
        match offset {
            0..=1 => u32::from(self.status),
            2..=3 => u32::from(self.enable),
            4..=7 => u32::from(self.control),
            _ => Self::timer(now),
        }
    }

    fn write_register(&mut self, offset: u16, value: u16) {
        match offset {
            // Status bits are cleared by writing ones.
            0 => self.status &= !(value & STATUS_BITS),
            2 => self.enable = value & ENABLE_BITS,
            4 => {
                // SCI_EN is hardware-owned here; SLP_EN is write-only.
                self.control = (value & !SLP_EN) | SCI_EN;
                if value & SLP_EN != 0 && (value >> SLP_TYP_SHIFT) & 7 == SLP_TYP_S5 {
                    self.power_off = true;
                }
            }
            _ => {}
        }
        self.update_sci();
    }
}

impl PortIo for AcpiPm {
    fn read(&mut self, now: Nanos, port: u16, size: u8) -> u32 {
        let offset = port.wrapping_sub(BASE);
        let base = offset & !1;
        let v = if offset >= 8 {
            Self::timer(now) >> (8 * u32::from(offset - 8))
        } else {
            self.register(base, now) >> (8 * u32::from(offset & 1))
        };
        v & (u32::MAX >> (32 - 8 * u32::from(size.clamp(1, 4))))
    }

    fn write(&mut self, now: Nanos, port: u16, size: u8, value: u32) {
        let offset = port.wrapping_sub(BASE);
        if offset >= 8 {
            return;
        }
        // Byte writes update half of a 16-bit register.
        let (reg, v) = match (size, offset & 1) {
            (1, 0) => (
                offset,
                (self.register(offset, now) as u16 & 0xFF00) | value as u16 & 0xFF,
            ),
            (1, _) => (
                offset & !1,
                (self.register(offset & !1, now) as u16 & 0x00FF) | (value as u16 & 0xFF) << 8,
            ),
            _ => (offset, value as u16),
        };
        self.write_register(reg, v);
        if size == 4 && reg == 0 {
            self.write_register(2, (value >> 16) as u16);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IrqLines;

    fn pm() -> (AcpiPm, std::rc::Rc<IrqLines>) {
        let lines = IrqLines::new();
        (AcpiPm::new(lines.line(9)), lines)
    }

    #[test]
    fn soft_off_by_slp_typ_and_slp_en() {
        let (mut p, _) = pm();
        assert_eq!(
            p.read(0, BASE + 4, 2) & 1,
            1,
            "SCI_EN: ACPI mode from power-on"
        );
        p.write(0, BASE + 4, 2, (5 << 10) | SLP_EN as u32);
        assert!(!p.power_off_requested(), "SLP_TYP 5 is not soft-off here");
        p.write(0, BASE + 4, 2, SLP_EN as u32);
        assert!(p.power_off_requested());
        assert_eq!(
            p.read(0, BASE + 4, 2) & u32::from(SLP_EN),
            0,
            "SLP_EN reads as zero"
        );
        p.reset();
        assert!(!p.power_off_requested());
    }

    #[test]
    fn the_timer_counts_at_3_579545_mhz_in_24_bits() {
        let (mut p, _) = pm();
        assert_eq!(p.read(1_000_000_000, BASE + 8, 4), 3_579_545);
        // 2^24 ticks take 4.687 s; the counter wraps.
        let wrap = (1u64 << 24) * 1_000_000_000 / TIMER_HZ + 1;
        assert!(p.read(wrap, BASE + 8, 4) < 10);
    }

    #[test]
    fn status_bits_raise_the_sci_when_enabled_and_clear_by_writing_ones() {
        let (mut p, lines) = pm();
        p.status = PWRBTN_STS;
        p.update_sci();
        assert_eq!(lines.levels() & (1 << 9), 0, "not enabled");
        p.write(0, BASE + 2, 2, u32::from(PWRBTN_STS));
        assert_ne!(lines.levels() & (1 << 9), 0, "enabled: SCI");
        p.write(0, BASE, 2, u32::from(PWRBTN_STS));
        assert_eq!(p.read(0, BASE, 2), 0);
        assert_eq!(lines.levels() & (1 << 9), 0);
    }
}
