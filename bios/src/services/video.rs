//! INT 10h, the video BIOS, on amber's VGA (IBM VGA Technical Reference, "Video BIOS";
//! Ralf Brown's list, INT 10): POST sets mode 03h; mode setting loads a standard register
//! set (`modes`), the DAC (`palette`) and, in text modes, the 8x16 font into plane 2
//! (`fonts_service`); text and graphics output (`text`, `graphics`); the VESA BIOS
//! Extension (`vbe`). Teletype output (AH=0Eh, AH=13h, and `print`) also goes to COM1, so
//! a boot can be followed headless on the serial line.

mod fonts_service;
mod graphics;
mod modes;
mod palette;
mod text;
mod vbe;

use super::{bda, serial};
use crate::fonts::{FONT_8X14, FONT_8X16, FONT_8X8};
use crate::platform::{linear, Platform, Regs};
use crate::rom::SEGMENT;
use crate::Bios;
use amber_cpu::state::reg::{EAX, EBP, EBX, ECX, EDX};
use amber_cpu::Seg;
use modes::Memory;
use text::{Screen, CHAR_HEIGHT, PAGE_START};

/// Where the ROM's fonts start in segment F000, and an empty (zero-terminated) alternate
/// font table for AH=11h AL=30h BH=05h/07h.
const FONT_8X16_AT: u16 = 0x8000;
const FONT_8X14_AT: u16 = 0x9000;
const FONT_8X8_AT: u16 = 0x9E00;
const EMPTY_SUPPLEMENT: u16 = 0xA600;
/// The IBM PC's 8x8 font for characters 00h-7Fh, where software expects it.
const CGA_FONT_AT: u16 = 0xFA6E;

/// BIOS data area video fields beyond those in `bda`: EGA/VGA information and switches
/// (40:87-89), CRTC mode control and CGA palette (40:65-66).
const VIDEO_CONTROL: u32 = 0x487;
const VIDEO_SWITCHES: u32 = 0x488;
const VGA_FLAGS: u32 = 0x489;
const MODE_CONTROL: u32 = 0x465;
const CGA_PALETTE: u32 = 0x466;

/// The ROM offset of the font of `height` rows.
fn rom_font(height: u8) -> u16 {
    match height {
        8 => FONT_8X8_AT,
        14 => FONT_8X14_AT,
        _ => FONT_8X16_AT,
    }
}

/// Puts the fonts and the VBE mode list and strings into the ROM image.
pub fn install_rom_data(image: &mut [u8]) {
    let mut put = |at: u16, bytes: &[u8]| {
        let at = usize::from(at);
        if let Some(dst) = image.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    };
    put(FONT_8X16_AT, &FONT_8X16);
    put(FONT_8X14_AT, &FONT_8X14);
    put(FONT_8X8_AT, &FONT_8X8);
    put(CGA_FONT_AT, &FONT_8X8[..0x400]);
    put(EMPTY_SUPPLEMENT, &[0]);
    put(vbe::ROM_DATA, &vbe::rom_data());
}

/// POST: the VGA function's framebuffer BAR, then mode 03h.
pub fn post(p: &mut dyn Platform) {
    assign_framebuffer(p);
    p.write_u8(VGA_FLAGS, 0x51);
    p.write_u8(VIDEO_SWITCHES, 0xF9);
    set_mode(p, 0x03);
}

/// The VGA's PCI function, 00:02.0, as bus << 8 | device << 3 | function.
pub(super) const VGA_FUNCTION: u16 = 2 << 3;

/// Where POST puts the linear framebuffer when nothing assigned the BAR.
const FRAMEBUFFER: u32 = 0xFD00_0000;

/// Gives the VGA function (PCI 00:02.0) its BAR0 if it has none, and enables its memory
/// and I/O decoding (PCI Local Bus Specification 3.0, 6.2.5).
fn assign_framebuffer(p: &mut dyn Platform) {
    use super::pci_bios::{config_read, config_write};
    if config_read(p, VGA_FUNCTION, 0x00, 2) == 0xFFFF {
        return;
    }
    if config_read(p, VGA_FUNCTION, 0x10, 4) & 0xFFFF_FFF0 == 0 {
        config_write(p, VGA_FUNCTION, 0x10, 4, FRAMEBUFFER);
    }
    let command = config_read(p, VGA_FUNCTION, 0x04, 2);
    config_write(p, VGA_FUNCTION, 0x04, 2, command | 0x0003);
}

/// AH=00h: sets standard mode `al` (bit 7: keep video memory). False for an unknown mode.
fn set_mode(p: &mut dyn Platform, al: u8) -> bool {
    let Some(m) = modes::find(al & 0x7F) else {
        return false;
    };
    vbe::disable(p);
    modes::program(p, m);
    if p.read_u8(VGA_FLAGS) & 0x08 == 0 {
        palette::load_default(p, m);
    }
    if al & 0x80 == 0 {
        clear(p, m);
    }
    if m.text() {
        fonts_service::load(p, m, 0, 0, 16, &FONT_8X16);
    }
    let crtc = m.crtc_base();
    p.write_u8(bda::VIDEO_MODE, m.number);
    p.write_u16(bda::COLUMNS, u16::from(m.columns));
    p.write_u16(bda::PAGE_SIZE, m.page_size);
    p.write_u16(PAGE_START, 0);
    p.mem_write(bda::CURSOR_POS, &[0; 16]);
    // Text modes get the CGA cursor, lines 6-7 (emulated on the 16-line cell, as SeaBIOS's
    // VGA BIOS does in mode 07h too); graphics modes none.
    let shape = if m.text() { 0x0607 } else { 0 };
    p.write_u16(bda::CURSOR_SHAPE, shape);
    p.write_u8(bda::ACTIVE_PAGE, 0);
    p.write_u16(bda::CRTC_BASE, crtc);
    let control = [0x2C, 0x28, 0x2D, 0x29, 0x2A, 0x2E, 0x1E, 0x29];
    p.write_u8(
        MODE_CONTROL,
        control.get(usize::from(m.number)).copied().unwrap_or(0x29),
    );
    p.write_u8(CGA_PALETTE, if m.number == 6 { 0x3F } else { 0x30 });
    p.write_u8(bda::ROWS, m.rows - 1);
    p.write_u16(CHAR_HEIGHT, u16::from(m.char_height));
    p.write_u8(VIDEO_CONTROL, 0x60 | (al & 0x80));
    let equipment = p.read_u16(bda::EQUIPMENT) & !0x30;
    let video = if m.misc & 1 == 0 { 0x30 } else { 0x20 };
    p.write_u16(bda::EQUIPMENT, equipment | video);
    let font = rom_font(m.char_height);
    p.write_u32(0x43 * 4, u32::from(SEGMENT) << 16 | u32::from(font));
    p.write_u32(
        0x1F * 4,
        u32::from(SEGMENT) << 16 | u32::from(FONT_8X8_AT + 0x400),
    );
    true
}

/// Clears a mode's video memory: blanks with attribute 07h in text modes, zeros in
/// graphics modes (all four planes: the mode's map mask enables them).
fn clear(p: &mut dyn Platform, m: &modes::Mode) {
    let base = linear(m.segment, 0);
    match m.memory {
        Memory::Text => p.mem_write(base, &[0x20, 0x07].repeat(0x4000)),
        Memory::Cga4 | Memory::Cga2 => p.mem_write(base, &[0; 0x8000]),
        Memory::Planar | Memory::Linear8 => p.mem_write(base, &vec![0; 0x10000]),
    }
}

/// Writes text through the teletype path.
pub fn print(_: &mut Bios, _: &mut Regs, p: &mut dyn Platform, text: &[u8]) {
    for &c in text {
        teletype(p, c, None, 0x07);
    }
}

/// One teletype character: to COM1, and on the active page at its cursor.
fn teletype(p: &mut dyn Platform, c: u8, attr: Option<u8>, colour: u8) {
    serial::send(p, 0x3F8, c);
    let page = p.read_u8(bda::ACTIVE_PAGE);
    text::teletype(p, page, c, attr, colour);
}

pub fn int10(_: &mut Bios, r: &mut Regs, p: &mut dyn Platform) {
    let (bl, bh) = (r.get(EBX) as u8, (r.get(EBX) >> 8) as u8);
    let (cx, dx) = (r.get(ECX), r.get(EDX));
    let window = ((cx >> 8) as u8, cx as u8, (dx >> 8) as u8, dx as u8);
    match r.ah() {
        // The mode flag Phoenix and AMI BIOSes return (Ralf Brown's list, INT 10/00).
        0x00 if set_mode(p, r.al()) => r.set_al(match r.al() & 0x7F {
            6 => 0x3F,
            0..=7 => 0x30,
            _ => 0x20,
        }),
        0x01 => text::set_cursor_shape(p, cx),
        0x02 => text::set_cursor(p, bh, ((dx >> 8) as u8, dx as u8)),
        0x03 => {
            let (row, col) = text::cursor(p, bh);
            r.set(EDX, u16::from(row) << 8 | u16::from(col));
            r.set(ECX, p.read_u16(bda::CURSOR_SHAPE));
        }
        0x05 => text::set_page(p, r.al()),
        0x06 | 0x07 => text::scroll(p, window, r.al(), bh, r.ah() == 0x06),
        0x08 => r.set(EAX, text::read_char(p, bh)),
        0x09 => text::write_chars(p, bh, r.al(), Some(bl), cx),
        0x0A => {
            let colour = Screen::current(p).filter(|s| !s.mode.text()).map(|_| bl);
            text::write_chars(p, bh, r.al(), colour, cx);
        }
        0x0B => cga_palette(p, bh, bl),
        0x0C | 0x0D => {
            let Some(s) = Screen::current(p).filter(|s| !s.mode.text()) else {
                return;
            };
            let page = s.page(bh);
            if r.ah() == 0x0C {
                graphics::put_pixel(p, s.mode, page, cx, dx, r.al());
            } else {
                let v = graphics::get_pixel(p, s.mode, page, cx, dx);
                r.set_al(v);
            }
        }
        0x0E => teletype(p, r.al(), None, bl),
        0x0F => {
            let cols = p.read_u16(bda::COLUMNS) as u8;
            let mode = p.read_u8(bda::VIDEO_MODE) | p.read_u8(VIDEO_CONTROL) & 0x80;
            r.set(EAX, u16::from_be_bytes([cols, mode]));
            r.set(
                EBX,
                u16::from(p.read_u8(bda::ACTIVE_PAGE)) << 8 | u16::from(bl),
            );
        }
        0x10 => palette::int10_10(r, p),
        0x11 => fonts_service::int10_11(r, p),
        0x12 => alternate_select(r, p, bl),
        0x13 => write_string(r, p),
        0x1A if r.al() <= 1 => {
            if r.al() == 0 {
                r.set(EBX, 0x0008);
            }
            r.set_al(0x1A);
        }
        0x4F => vbe::int10_4f(r, p),
        _ => {}
    }
}

/// AH=0Bh: BH=0 sets the background (graphics) or border (text) colour and the
/// intensity, BH=1 the CGA 4-colour palette (0: green, red, brown; 1: cyan, magenta,
/// white); both kept in 40:66.
fn cga_palette(p: &mut dyn Platform, bh: u8, bl: u8) {
    let mut v = p.read_u8(CGA_PALETTE);
    v = match bh {
        0 => (v & 0xE0) | (bl & 0x1F),
        1 => (v & !0x20) | (bl & 1) << 5,
        _ => return,
    };
    p.write_u8(CGA_PALETTE, v);
    let Some(s) = Screen::current(p) else { return };
    let colour = (v & 7) | (v & 8) << 1;
    if s.mode.text() {
        modes::set_attr(p, 0x11, colour);
        return;
    }
    modes::set_attr(p, 0x00, colour);
    modes::set_attr(p, 0x11, colour);
    if s.mode.memory == Memory::Cga4 {
        for i in 1..4u8 {
            modes::set_attr(p, i, (i * 2 + (v >> 5 & 1)) | (v & 0x10));
        }
    }
}

/// AH=12h, alternate select: BL=10h information, 30h-36h settings (AL=12h when done).
fn alternate_select(r: &mut Regs, p: &mut dyn Platform, bl: u8) {
    let flags = p.read_u8(VGA_FLAGS);
    let al = r.al();
    let set = |p: &mut dyn Platform, addr: u32, bit: u8, on: bool| {
        let v = p.read_u8(addr);
        p.write_u8(addr, if on { v | bit } else { v & !bit });
    };
    match bl {
        0x10 => {
            let mono = u16::from(p.read_u16(bda::CRTC_BASE) == 0x3B4);
            r.set(EBX, mono << 8 | 0x0003);
            // CH: the feature connector's inputs (none attached); CL: the switch settings.
            let switches = p.read_u8(VIDEO_SWITCHES);
            r.set(ECX, u16::from(switches & 0x0F));
            return;
        }
        0x30 if al <= 2 => {
            let lines = [0x80, 0x00, 0x10][usize::from(al)];
            p.write_u8(VGA_FLAGS, (flags & !0x90) | lines);
        }
        0x31 if al <= 1 => set(p, VGA_FLAGS, 0x08, al == 1),
        0x32 if al <= 1 => {
            let misc = p.inb(0x3CC);
            p.outb(0x3C2, if al == 0 { misc | 0x02 } else { misc & !0x02 });
        }
        0x33 if al <= 1 => set(p, VGA_FLAGS, 0x02, al == 0),
        0x34 if al <= 1 => set(p, VIDEO_CONTROL, 0x01, al == 1),
        0x36 if al <= 1 => {
            let clocking = modes::indexed(p, 0x3C4, 1);
            let off = if al == 1 {
                clocking | 0x20
            } else {
                clocking & !0x20
            };
            modes::set_indexed(p, 0x3C4, 1, off);
        }
        _ => return,
    }
    r.set_al(0x12);
}

/// AH=13h: CX characters from ES:BP at row DH, column DL of page BH; AL bit 1: the string
/// alternates characters and attributes (else all in BL); AL bit 0: the cursor stays after
/// the string. BEL, BS, CR and LF act as in the teletype.
fn write_string(r: &mut Regs, p: &mut dyn Platform) {
    let (al, bl, page) = (r.al(), r.get(EBX) as u8, (r.get(EBX) >> 8) as u8);
    let at = linear(r.seg(Seg::Es), r.get(EBP));
    let step = if al & 2 != 0 { 2 } else { 1 };
    let dx = r.get(EDX);
    let saved = text::cursor(p, page);
    text::set_cursor(p, page, ((dx >> 8) as u8, dx as u8));
    for i in 0..u32::from(r.get(ECX)) {
        let c = p.read_u8(at + i * step);
        let attr = if step == 2 {
            p.read_u8(at + i * 2 + 1)
        } else {
            bl
        };
        serial::send(p, 0x3F8, c);
        let control = matches!(c, 7 | 8 | b'\r' | b'\n');
        text::teletype(p, page, c, (!control).then_some(attr), attr);
    }
    if al & 1 == 0 {
        text::set_cursor(p, page, saved);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rom::Rom;
    use crate::services::fake_board::FakeBoard;
    use amber_cpu::state::reg::{EDI, ESP};
    use amber_cpu::CpuState;

    /// Any registers and any BIOS data area contents: INT 10h must not panic (a xorshift
    /// sequence of calls over every function, with mode sets among them).
    #[test]
    fn any_call_is_safe() {
        let mut b = FakeBoard::new();
        let mut bios = Bios::new();
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let functions: [u8; 21] = [
            0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E,
            0x0F, 0x10, 0x11, 0x12, 0x13, 0x1A, 0x4F,
        ];
        for i in 0..20000 {
            let v = next();
            if i % 97 == 0 {
                let at = bda::VIDEO_MODE + (v >> 32) as u32 % 0x42;
                b.write_u8(at, (v >> 40) as u8);
            }
            let mut cpu = CpuState::default();
            cpu.set_r16(ESP, 0x1000);
            let ah = functions[(v % functions.len() as u64) as usize];
            cpu.set_r16(EAX, u16::from(ah) << 8 | u16::from((v >> 8) as u8));
            for (n, reg) in [EBX, ECX, EDX, EBP, EDI].into_iter().enumerate() {
                cpu.set_r16(reg, (next() >> (8 * n)) as u16);
            }
            let mut r = Regs(&mut cpu);
            r.set_seg(Seg::Es, (v >> 48) as u16);
            int10(&mut bios, &mut r, &mut b);
        }
    }

    /// The fonts, the 8x8 font's first half at F000:FA6E (where the IBM PC keeps it) and
    /// the VBE mode list and strings lie in bytes the ROM's stubs and tables leave free,
    /// apart from each other.
    #[test]
    fn rom_data_in_free_bytes() {
        let bare = Rom::build();
        let mut image = bare.image.clone();
        install_rom_data(&mut image);
        let pieces = [
            (FONT_8X16_AT, FONT_8X16.len()),
            (FONT_8X14_AT, FONT_8X14.len()),
            (FONT_8X8_AT, FONT_8X8.len()),
            (EMPTY_SUPPLEMENT, 1),
            (vbe::ROM_DATA, vbe::rom_data().len()),
            (CGA_FONT_AT, 0x400),
        ];
        for (i, &(at, len)) in pieces.iter().enumerate() {
            let range = usize::from(at)..usize::from(at) + len;
            assert!(
                bare.image[range.clone()].iter().all(|&b| b == 0xFF),
                "{at:#x}"
            );
            for &(other, other_len) in &pieces[i + 1..] {
                let other = usize::from(other);
                assert!(range.end <= other || other + other_len <= range.start);
            }
        }
        assert_eq!(
            image[0x8000 + 0x41 * 16..0x8000 + 0x42 * 16],
            FONT_8X16[0x410..0x420]
        );
        assert_eq!(image[0xFA6E..0xFA6E + 0x400], FONT_8X8[..0x400]);
        assert_eq!(image[usize::from(vbe::ROM_DATA)..][..2], [0x00, 0x01]);
    }
}
