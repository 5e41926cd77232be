//! The power-on self test, as far as a virtual PC needs one: the interrupt vector table, the
//! BIOS data area and the extended BIOS data area, the interrupt controllers, the timer, the
//! serial port, the RTC's periodic rate, the keyboard controller and keyboard, the VGA
//! (mode 03h, which also sets the font vectors 1Fh and 43h), the hard disks and CD-ROM
//! drives, the DMA controllers and the floppy drives, the tick count from
//! the RTC; then the stub boots (INT 19h).

use super::{bda, cdrom, clock, disk, floppy, ps2_port, video};
use crate::platform::{Platform, Regs, IF};
use crate::rom::SEGMENT;
use crate::Bios;
use amber_cpu::state::reg::ESP;
use amber_cpu::Seg;

/// Base memory below the 1 KiB extended BIOS data area at 9FC00.
const BASE_MEMORY_KB: u16 = 639;
const EBDA_SEGMENT: u16 = 0x9FC0;

pub fn run(bios: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    // The vector table: every vector to the dummy IRET, then the services; the pointer
    // vectors (1Dh video parameters, 1Eh diskette parameters, 1Fh graphics font, 41h/46h
    // hard disk parameters) and the user vectors 60h-67h stay zero until their services
    // set them (the video POST sets 1Fh and 43h).
    let dummy = (u32::from(SEGMENT) << 16) | u32::from(bios.rom.dummy_iret());
    for v in 0..256u32 {
        let zero = matches!(v, 0x1D..=0x1F | 0x41 | 0x46 | 0x60..=0x67 | 0x78..);
        p.write_u32(4 * v, if zero { 0 } else { dummy });
    }
    for &(v, off) in &bios.rom.vectors {
        p.write_u32(
            4 * u32::from(v),
            (u32::from(SEGMENT) << 16) | u32::from(off),
        );
    }
    p.mem_write(bda::BASE, &[0u8; 0x100]);
    p.write_u16(bda::COM_PORTS, 0x3F8);
    p.write_u16(bda::COM_PORTS + 2, 0x2F8);
    // Equipment: an x87, 80x25 colour video, two serial ports.
    p.write_u16(bda::EQUIPMENT, 0x0002 | 0x0020 | (2 << 9));
    p.write_u16(bda::MEMORY_KB, BASE_MEMORY_KB);
    p.write_u16(bda::EBDA_SEGMENT, EBDA_SEGMENT);
    p.mem_write(u32::from(EBDA_SEGMENT) << 4, &[0u8; 0x400]);
    p.write_u8(u32::from(EBDA_SEGMENT) << 4, 1);
    p.write_u16(bda::KBD_HEAD, 0x1E);
    p.write_u16(bda::KBD_TAIL, 0x1E);
    p.write_u16(bda::KBD_START, 0x1E);
    p.write_u16(bda::KBD_END, 0x3E);
    p.write_u8(bda::VIDEO_MODE, 3);
    p.write_u16(bda::COLUMNS, 80);
    p.write_u16(bda::PAGE_SIZE, 0x1000);
    p.write_u16(bda::CURSOR_SHAPE, 0x0607);
    p.write_u16(bda::CRTC_BASE, 0x3D4);
    p.write_u8(bda::ROWS, 24);

    init_pic(p);
    // PIT channel 0: mode 3, divisor 65536 (18.2 Hz).
    p.outb(0x43, 0x36);
    p.outb(0x40, 0);
    p.outb(0x40, 0);
    // COM1: 9600 baud (divisor 12), 8N1, FIFO on, DTR and RTS.
    for (reg, v) in [
        (3, 0x80),
        (0, 12),
        (1, 0),
        (3, 0x03),
        (2, 0x07),
        (4, 0x03),
        (1, 0),
    ] {
        p.outb(0x3F8 + reg, v);
    }

    // The RTC's periodic interrupt at 1024 Hz (INT 15h AH=83h/86h count it), as the AT
    // BIOS and SeaBIOS leave register A.
    p.set_cmos(0x0A, 0x26);
    ps2_port::post(p);
    video::post(p);

    bios.disks = disk::probe(p);
    p.write_u8(bda::DISK_COUNT, bios.disks.len() as u8);
    bios.cdroms = cdrom::probe(p);
    bios.cd_locks = [0; 4];
    bios.cd_boot = None;
    floppy::init(bios, p);
    let ticks = clock::ticks_now(p);
    p.write_u32(bda::TICKS, ticks);

    // The boot runs on a stack below the boot sector, with interrupts on.
    r.set_seg(Seg::Ss, 0);
    r.set(ESP, 0x7C00);
    for s in [Seg::Ds, Seg::Es] {
        r.set_seg(s, 0);
    }
    r.set_live_flag(IF, true);
}

/// The 8259A pair as the PC/AT BIOS leaves it: vectors 08h and 70h, cascade on IRQ 2, the
/// timer, keyboard, cascade and diskette (IRQ 6) unmasked.
/// What amber's firmware leaves in the chipset, as SeaBIOS does on QEMU, through PCI
/// configuration mechanism #1: the i440FX's PAM registers (59h-5Fh of 00:00.0) make
/// C0000-EFFFF read-write RAM for option ROMs and upper memory and leave F0000-FFFFF on the
/// ROM (this firmware runs from ROM and needs no shadow), and the IDE timing registers'
/// decode enable (IDETIM bit 15, 40h/42h of 00:01.1) is set, which Linux's ata_piix checks
/// before it probes a channel.
pub fn chipset(p: &mut dyn Platform) {
    use super::pci_bios::config_write;
    const HOST_BRIDGE: u16 = 0;
    const IDE: u16 = 1 << 3 | 1;
    const PAM: [u8; 7] = [0x00, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33];
    for (reg, value) in (0x59u8..).zip(PAM) {
        config_write(p, HOST_BRIDGE, reg, 1, u32::from(value));
    }
    for reg in [0x41, 0x43] {
        config_write(p, IDE, reg, 1, 0x80);
    }
}

fn init_pic(p: &mut dyn Platform) {
    for (port, v) in [
        (0x20, 0x11),
        (0xA0, 0x11),
        (0x21, 0x08),
        (0xA1, 0x70),
        (0x21, 0x04),
        (0xA1, 0x02),
        (0x21, 0x01),
        (0xA1, 0x01),
        (0x21, 0xB8),
        (0xA1, 0xFF),
    ] {
        p.outb(port, v);
    }
}
