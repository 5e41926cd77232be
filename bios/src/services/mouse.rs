//! The PS/2 pointing device: INT 15h AH=C2h and its IRQ 12 handler, INT 74h (IBM PS/2 and
//! PC BIOS Interface Technical Reference, "Pointing Device BIOS Interface"; Ralf Brown's
//! list, INT 15/C2 and INT 74). The state lives in the extended BIOS data area as the IBM
//! BIOS keeps it: the handler's far pointer at 22h, flags at 26h (bits 2-0: bytes of the
//! packet so far) and 27h (bit 7: a handler is installed; bits 2-0: packet size - 1), the
//! packet at 28h. Commands reach the mouse through the 8042 (`ps2_port.rs`, command D4h)
//! with both interrupts off in the command byte while the mouse answers. A whole packet
//! goes to the handler from ROM code (`Routine::MouseHandler`): it pushes the status, X
//! and Y bytes as words and a zero word, far-calls the handler with interrupts on, drops
//! the four words and sends the end of interrupt.

use super::{bda, ps2_port};
use crate::platform::{linear, Platform, Regs};
use crate::rom::Routine;
use crate::Bios;
use amber_cpu::state::reg::{EBX, ECX, EDX};
use amber_cpu::Seg;

const HANDLER: u16 = 0x22;
const FLAGS_1: u16 = 0x26;
const FLAGS_2: u16 = 0x27;
const PACKET: u16 = 0x28;
const HANDLER_INSTALLED: u8 = 0x80;

/// The status codes of AH (Ralf Brown's list, INT 15/C2).
const INVALID_FUNCTION: u8 = 0x01;
const INVALID_INPUT: u8 = 0x02;
const RESEND: u8 = 0x04;
const NO_HANDLER: u8 = 0x05;

/// Sample rates of AL=02h, by BH.
const SAMPLE_RATES: [u8; 7] = [10, 20, 40, 60, 80, 100, 200];

/// Mouse commands.
const SET_SCALING_1_1: u8 = 0xE6;
const SET_SCALING_2_1: u8 = 0xE7;
const SET_RESOLUTION: u8 = 0xE8;
const STATUS_REQUEST: u8 = 0xE9;
const READ_ID: u8 = 0xF2;
const SET_SAMPLE_RATE: u8 = 0xF3;
const ENABLE: u8 = 0xF4;
const DISABLE: u8 = 0xF5;
const RESET: u8 = 0xFF;

fn ebda(p: &mut dyn Platform, off: u16) -> u32 {
    linear(p.read_u16(bda::EBDA_SEGMENT), off)
}

/// A mouse command with its parameters and `reply` bytes, with the controller's interrupts
/// off meanwhile and the auxiliary port on; then the command byte has the auxiliary port
/// and its interrupt on or off as `enabled` says.
fn aux_command(
    p: &mut dyn Platform,
    bytes: &[u8],
    reply: &mut [u8],
    enabled: bool,
) -> Result<(), u8> {
    let cb = ps2_port::command_byte(p).ok_or(RESEND)?;
    let quiet = cb & !(ps2_port::CB_KEYBOARD_IRQ | ps2_port::CB_AUX_IRQ);
    let ok = ps2_port::set_command_byte(p, quiet)
        && ps2_port::set_aux(p, true)
        && ps2_port::device_command(p, true, bytes, reply);
    let restored = ps2_port::set_command_byte(p, cb) && ps2_port::set_aux(p, enabled);
    if ok && restored {
        Ok(())
    } else {
        Err(RESEND)
    }
}

/// Whether the mouse reports (the auxiliary port's interrupt is on).
fn enabled(p: &mut dyn Platform) -> bool {
    ps2_port::command_byte(p).is_some_and(|cb| cb & ps2_port::CB_AUX_IRQ != 0)
}

/// INT 15h AH=C2h, the function in AL.
pub fn int15_c2(r: &mut Regs, p: &mut dyn Platform) {
    let bh = (r.get(EBX) >> 8) as u8;
    let on = enabled(p);
    let result = match r.al() {
        0x00 => enable(p, bh),
        0x01 => reset(r, p),
        0x02 => match SAMPLE_RATES.get(usize::from(bh)) {
            Some(&rate) => aux_command(p, &[SET_SAMPLE_RATE, rate], &mut [], on),
            None => Err(INVALID_INPUT),
        },
        0x03 if bh < 4 => aux_command(p, &[SET_RESOLUTION, bh], &mut [], on),
        0x03 => Err(INVALID_INPUT),
        0x04 => {
            let mut id = [0u8];
            aux_command(p, &[READ_ID], &mut id, on).map(|()| r.set(EBX, u16::from(id[0]) << 8))
        }
        0x05 if (1..=8).contains(&bh) => {
            let at = ebda(p, FLAGS_2);
            let f = p.read_u8(at);
            p.write_u8(at, (f & !0x07) | (bh - 1));
            reset(r, p)
        }
        0x05 => Err(INVALID_INPUT),
        0x06 => extended(r, p, bh, on),
        0x07 => {
            let (seg, off) = (r.seg(Seg::Es), r.get(EBX));
            let at = ebda(p, HANDLER);
            p.write_u16(at, off);
            p.write_u16(at + 2, seg);
            let flags = ebda(p, FLAGS_2);
            let f = p.read_u8(flags);
            let installed = seg != 0 || off != 0;
            p.write_u8(
                flags,
                if installed {
                    f | HANDLER_INSTALLED
                } else {
                    f & !HANDLER_INSTALLED
                },
            );
            Ok(())
        }
        _ => Err(INVALID_FUNCTION),
    };
    if result.is_ok() {
        r.set_ah(0);
    }
    r.finish(p, result);
}

/// AL=00h: BH=01h starts reporting (a handler must be installed), 00h stops it.
fn enable(p: &mut dyn Platform, bh: u8) -> Result<(), u8> {
    match bh {
        0x00 => aux_command(p, &[DISABLE], &mut [], false),
        0x01 => {
            let (f1, f2) = (ebda(p, FLAGS_1), ebda(p, FLAGS_2));
            if p.read_u8(f2) & HANDLER_INSTALLED == 0 {
                return Err(NO_HANDLER);
            }
            p.write_u8(f1, 0);
            // IRQ 12 on the slave controller, and the cascade.
            let slave = p.inb(0xA1);
            p.outb(0xA1, slave & !0x10);
            let master = p.inb(0x21);
            p.outb(0x21, master & !0x04);
            aux_command(p, &[ENABLE], &mut [], true)
        }
        _ => Err(INVALID_FUNCTION),
    }
}

/// AL=01h: resets the mouse (reporting off); BL is its self-test result (AAh), BH its ID.
fn reset(r: &mut Regs, p: &mut dyn Platform) -> Result<(), u8> {
    let mut reply = [0u8; 2];
    aux_command(p, &[RESET], &mut reply, false)?;
    let f1 = ebda(p, FLAGS_1);
    p.write_u8(f1, 0);
    r.set(EBX, u16::from_le_bytes(reply));
    Ok(())
}

/// AL=06h: BH=00h the status (BL status, CL resolution, DL sample rate), 01h/02h scaling
/// 1:1 or 2:1.
fn extended(r: &mut Regs, p: &mut dyn Platform, bh: u8, on: bool) -> Result<(), u8> {
    match bh {
        0x00 => {
            let mut s = [0u8; 3];
            aux_command(p, &[STATUS_REQUEST], &mut s, on)?;
            r.set(EBX, (r.get(EBX) & 0xFF00) | u16::from(s[0]));
            r.set(ECX, (r.get(ECX) & 0xFF00) | u16::from(s[1]));
            r.set(EDX, (r.get(EDX) & 0xFF00) | u16::from(s[2]));
            Ok(())
        }
        0x01 => aux_command(p, &[SET_SCALING_1_1], &mut [], on),
        0x02 => aux_command(p, &[SET_SCALING_2_1], &mut [], on),
        _ => Err(INVALID_FUNCTION),
    }
}

/// INT 74h, IRQ 12: a byte from the mouse joins the packet; a whole packet goes to the
/// handler from ROM code, which then acknowledges the interrupt. Otherwise the end of
/// interrupt goes to both controllers here.
pub fn irq(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let mouse_byte = ps2_port::OBF | ps2_port::AUX_DATA;
    if p.inb(ps2_port::STATUS) & mouse_byte == mouse_byte {
        let byte = p.inb(ps2_port::DATA);
        let (f1, f2) = (ebda(p, FLAGS_1), ebda(p, FLAGS_2));
        let flags = p.read_u8(f2);
        if flags & HANDLER_INSTALLED != 0 {
            let index = p.read_u8(f1) & 0x07;
            let slot = ebda(p, PACKET + u16::from(index));
            p.write_u8(slot, byte);
            if index < flags & 0x07 {
                p.write_u8(f1, index + 1);
            } else {
                p.write_u8(f1, 0);
                return r.continue_at(bios.rom.routine(Routine::MouseHandler));
            }
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

    const EBDA: u32 = 0x9_FC00;

    fn board() -> FakeBoard {
        let mut b = FakeBoard::new();
        b.write_u16(bda::EBDA_SEGMENT, 0x9FC0);
        b
    }

    /// INT 15h AX with BX (and ES); returns (CF, AX, BX, CX, DX).
    fn c2(b: &mut FakeBoard, ax: u16, bx: u16, es: u16) -> (bool, u16, u16, u16, u16) {
        let mut cpu = CpuState::default();
        cpu.set_r16(ESP, 0x1000);
        cpu.set_r16(EAX, ax);
        cpu.set_r16(EBX, bx);
        b.write_u16(0x1004, 0);
        let mut r = Regs(&mut cpu);
        r.set_seg(Seg::Es, es);
        int15_c2(&mut r, b);
        let cf = b.read_u16(0x1004) & 1 != 0;
        (cf, r.ax(), r.get(EBX), r.get(ECX), r.get(EDX))
    }

    #[test]
    fn reset_type_rate_resolution_status() {
        let mut b = board();
        let (cf, ax, bx, ..) = c2(&mut b, 0xC201, 0, 0);
        assert_eq!((cf, ax >> 8, bx), (false, 0, 0x00AA));
        assert_eq!(
            c2(&mut b, 0xC204, 0xFFFF, 0).2 >> 8,
            0x00,
            "a standard mouse"
        );
        assert!(!c2(&mut b, 0xC202, 0x0600, 0).0);
        assert!(!c2(&mut b, 0xC203, 0x0300, 0).0);
        assert!(!c2(&mut b, 0xC206, 0x0200, 0).0);
        let (_, _, bx, cx, dx) = c2(&mut b, 0xC206, 0x0000, 0);
        assert_eq!((bx as u8, cx as u8, dx as u8), (0x10, 3, 200));
        let (cf, ax, ..) = c2(&mut b, 0xC202, 0x0700, 0);
        assert_eq!((cf, (ax >> 8) as u8), (true, INVALID_INPUT));
        let (cf, ax, ..) = c2(&mut b, 0xC2FF, 0, 0);
        assert_eq!((cf, (ax >> 8) as u8), (true, INVALID_FUNCTION));
        let kbc = b.kbc.as_ref().unwrap();
        assert!(kbc.out.is_empty());
        assert_eq!(
            kbc.command_byte & 0x22,
            0x20,
            "the auxiliary port is off again"
        );
    }

    #[test]
    fn enable_needs_a_handler() {
        let mut b = board();
        let (cf, ax, ..) = c2(&mut b, 0xC200, 0x0100, 0);
        assert_eq!((cf, (ax >> 8) as u8), (true, NO_HANDLER));
        assert!(!c2(&mut b, 0xC205, 0x0300, 0).0);
        assert!(!c2(&mut b, 0xC207, 0x0010, 0x2000).0);
        assert_eq!(b.read_u32(EBDA + 0x22), 0x2000_0010);
        assert!(!c2(&mut b, 0xC200, 0x0100, 0).0);
        let kbc = b.kbc.as_ref().unwrap();
        assert!(kbc.mouse_reporting);
        assert_eq!(kbc.command_byte & 0x22, 0x02, "port and IRQ 12 on");
        assert!(b.writes.contains(&(0xA1, 0xEF)), "IRQ 12 unmasked");
        assert!(!c2(&mut b, 0xC200, 0x0000, 0).0);
        assert!(!b.kbc.as_ref().unwrap().mouse_reporting);
    }

    /// Three bytes of a packet: the first two are stored and acknowledged, the third sends
    /// the CPU to the ROM routine that calls the handler (which acknowledges it).
    #[test]
    fn packets_go_to_the_handler() {
        let mut b = board();
        c2(&mut b, 0xC205, 0x0300, 0);
        c2(&mut b, 0xC207, 0x0010, 0x2000);
        let mut bios = Bios::new();
        let mut eips = Vec::new();
        for byte in [0x09, 0x05, 0xFD] {
            b.kbc.as_mut().unwrap().out.push_back((byte, true));
            b.writes.clear();
            let mut cpu = CpuState {
                eip: 0xE126,
                ..CpuState::default()
            };
            irq(&mut bios, &mut Regs(&mut cpu), &mut b);
            eips.push((cpu.eip as u16, b.writes.len()));
        }
        let call = bios.rom.routine(Routine::MouseHandler);
        assert_eq!(eips, [(0xE126u16, 2usize), (0xE126, 2), (call, 0)]);
        assert_eq!(b.ram[EBDA as usize + 0x28..][..3], [0x09, 0x05, 0xFD]);
        assert_eq!(b.read_u8(EBDA + 0x26), 0);
    }
}
