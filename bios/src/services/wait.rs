//! Timed waits on the RTC's periodic interrupt, the PC/AT way (IBM PC/AT Technical Reference,
//! BIOS listing: WAIT, EVENT_WAIT and RTC_INT; Ralf Brown's list, INT 15/83, INT 15/86 and
//! the BIOS data area at 40:98-40:A0): INT 15h AH=83h arms a wait that sets bit 7 of a
//! caller's byte when it ends, AH=86h waits CX:DX microseconds. The count goes to 40:9C, the
//! flag's address to 40:98 and "wait active" to 40:A0; the RTC interrupts 1024 times a
//! second (register A rate 6, register B bit 6 PIE) and INT 70h takes 976 microseconds off
//! the count each time until it runs out, then sets the flag's bit 7 and turns PIE off.
//! AH=86h waits in ROM code (`Routine::UserWait`) with interrupts on until its flag, 40:A0
//! itself, has bit 7.

use crate::platform::{linear, Platform, Regs};
use crate::rom::Routine;
use crate::Bios;
use amber_cpu::state::reg::{EBX, ECX, EDX};
use amber_cpu::Seg;

/// The caller's flag byte (offset, segment).
const USER_FLAG: u32 = 0x498;
/// Microseconds left.
const USER_COUNT: u32 = 0x49C;
/// Bit 0: a wait is armed; bit 7: AH=86h's wait is over (40:A0 is its flag byte).
const WAIT_ACTIVE: u32 = 0x4A0;
/// One period of the 1024 Hz interrupt, rounded as the AT BIOS subtracts it.
const PERIOD_US: u32 = 976;

const RTC_B: u8 = 0x0B;
const RTC_C: u8 = 0x0C;
const PIE: u8 = 0x40;
const PF: u8 = 0x40;

/// Arms a wait of `us` microseconds that ends by setting bit 7 of `seg:off`; false if one is
/// armed already.
fn arm(p: &mut dyn Platform, seg: u16, off: u16, us: u32) -> bool {
    if p.read_u8(WAIT_ACTIVE) & 1 != 0 {
        return false;
    }
    p.write_u16(USER_FLAG, off);
    p.write_u16(USER_FLAG + 2, seg);
    p.write_u32(USER_COUNT, us);
    p.write_u8(WAIT_ACTIVE, 1);
    // IRQ 8 on the slave controller, then the periodic interrupt.
    let mask = p.inb(0xA1);
    p.outb(0xA1, mask & !0x01);
    let b = p.cmos(RTC_B);
    p.set_cmos(RTC_B, b | PIE);
    true
}

fn disarm(p: &mut dyn Platform) {
    p.write_u8(WAIT_ACTIVE, 0);
    let b = p.cmos(RTC_B);
    p.set_cmos(RTC_B, b & !PIE);
}

/// INT 15h AH=86h: waits CX:DX microseconds; CF set and AH=83h if a wait is armed already.
pub fn wait(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let us = u32::from(r.get(ECX)) << 16 | u32::from(r.get(EDX));
    if !arm(p, 0x40, (WAIT_ACTIVE - 0x400) as u16, us) {
        return r.finish(p, Err(0x83));
    }
    r.finish(p, Ok(()));
    r.continue_at(bios.rom.routine(Routine::UserWait));
}

/// INT 15h AH=83h: AL=00h arms a wait of CX:DX microseconds ending with bit 7 of the byte at
/// ES:BX set (CF set if one is armed already), AL=01h cancels it.
pub fn event_wait(r: &mut Regs, p: &mut dyn Platform) {
    let result = match r.al() {
        0x00 => {
            let us = u32::from(r.get(ECX)) << 16 | u32::from(r.get(EDX));
            let (seg, off) = (r.seg(Seg::Es), r.get(EBX));
            if arm(p, seg, off, us) {
                Ok(())
            } else {
                Err(0x80)
            }
        }
        0x01 => {
            disarm(p);
            Ok(())
        }
        _ => Err(0x86),
    };
    r.finish(p, result);
}

/// INT 70h, IRQ 8: reads register C (which acknowledges the RTC), counts a periodic
/// interrupt off an armed wait, and sends the end of interrupt to both controllers.
pub fn rtc_irq(_: &mut Bios, _: &mut Regs, p: &mut dyn Platform) {
    let b = p.cmos(RTC_B);
    let c = p.cmos(RTC_C);
    if b & PIE != 0 && c & PF != 0 && p.read_u8(WAIT_ACTIVE) & 1 != 0 {
        let left = p.read_u32(USER_COUNT);
        if left < PERIOD_US {
            disarm(p);
            let flag = linear(p.read_u16(USER_FLAG + 2), p.read_u16(USER_FLAG));
            let v = p.read_u8(flag);
            p.write_u8(flag, v | 0x80);
        } else {
            p.write_u32(USER_COUNT, left - PERIOD_US);
        }
    }
    p.outb(0xA0, 0x20);
    p.outb(0x20, 0x20);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::fake_board::FakeBoard;
    use amber_cpu::state::reg::{EAX, ESP};
    use amber_cpu::CpuState;

    fn cpu(ax: u16, cx: u16, dx: u16) -> CpuState {
        let mut cpu = CpuState::default();
        cpu.set_r16(ESP, 0x1000);
        cpu.set_r16(EAX, ax);
        cpu.set_r16(ECX, cx);
        cpu.set_r16(EDX, dx);
        cpu
    }

    /// A periodic interrupt as the RTC raises it: PF (and IRQF) in register C.
    fn tick(bios: &mut Bios, b: &mut FakeBoard) {
        b.cmos[0x0C] = 0xC0;
        let mut c = CpuState::default();
        rtc_irq(bios, &mut Regs(&mut c), b);
    }

    /// 2000 us is three periods of 976 us: the third interrupt ends it (the count is then
    /// below one period), sets 40:A0 bit 7, turns PIE off and disarms; the ROM routine
    /// clears the byte after seeing bit 7.
    #[test]
    fn wait_counts_periodic_interrupts() {
        let (mut bios, mut b) = (Bios::new(), FakeBoard::new());
        b.cmos[0x0B] = 0x02;
        let mut c = cpu(0x8600, 0, 2000);
        wait(&mut bios, &mut Regs(&mut c), &mut b);
        assert_eq!(c.eip, u64::from(bios.rom.routine(Routine::UserWait)));
        assert_eq!(b.read_u16(0x1004) & 1, 0, "CF clear");
        assert_eq!(b.cmos[0x0B], 0x42, "PIE on");
        assert!(b.writes.contains(&(0xA1, 0xFE)), "IRQ 8 unmasked");
        assert_eq!(b.read_u32(USER_FLAG), 0x0040_00A0);
        tick(&mut bios, &mut b);
        assert_eq!(b.read_u32(USER_COUNT), 2000 - 976);
        tick(&mut bios, &mut b);
        assert_eq!(b.read_u8(WAIT_ACTIVE), 1);
        tick(&mut bios, &mut b);
        assert_eq!(b.read_u8(WAIT_ACTIVE), 0x80, "over");
        assert_eq!(b.cmos[0x0B], 0x02, "PIE off");
        let eoi = b.writes.iter().filter(|&&w| w == (0xA0, 0x20)).count();
        assert_eq!(eoi, 3, "every interrupt acknowledged on the slave");
    }

    /// AH=83h sets bit 7 of the caller's byte; a second wait while one is armed fails (86h
    /// with AH=83h, 83h with CF); AL=01h cancels.
    #[test]
    fn event_wait_and_busy() {
        let (mut bios, mut b) = (Bios::new(), FakeBoard::new());
        let mut c = cpu(0x8300, 0, 100);
        c.set_r16(EBX, 0x0500);
        event_wait(&mut Regs(&mut c), &mut b);
        assert_eq!(b.read_u16(0x1004) & 1, 0);
        let mut busy = cpu(0x8600, 0, 10);
        wait(&mut bios, &mut Regs(&mut busy), &mut b);
        assert_eq!((busy.r16(EAX) >> 8, b.read_u16(0x1004) & 1), (0x83, 1));
        tick(&mut bios, &mut b);
        assert_eq!(b.ram[0x500], 0x80);
        let mut again = cpu(0x8300, 0, 5000);
        event_wait(&mut Regs(&mut again), &mut b);
        let mut cancel = cpu(0x8301, 0, 0);
        event_wait(&mut Regs(&mut cancel), &mut b);
        assert_eq!((b.read_u8(WAIT_ACTIVE), b.cmos[0x0B] & PIE), (0, 0));
    }

    /// A spurious INT 70h (no periodic flag) leaves the count alone but is acknowledged.
    #[test]
    fn other_rtc_interrupts_only_acknowledged() {
        let (mut bios, mut b) = (Bios::new(), FakeBoard::new());
        let mut c = cpu(0x8300, 0, 5000);
        event_wait(&mut Regs(&mut c), &mut b);
        b.cmos[0x0C] = 0x90;
        rtc_irq(&mut bios, &mut Regs(&mut CpuState::default()), &mut b);
        assert_eq!(b.read_u32(USER_COUNT), 5000);
        assert_eq!(b.writes[b.writes.len() - 2..], [(0xA0, 0x20), (0x20, 0x20)]);
    }
}
