use super::*;

#[test]
fn ports_cover_vga_and_dispi() {
    assert_eq!(PORTS, &[(0x3B0, 0x30), (0x1CE, 2)]);
}

#[test]
fn sequencer_index_has_three_bits_and_registers_keep_their_defined_bits() {
    let mut v = Vga::new();
    // FreeVGA "Sequencer Address Register": SAI is bits 2-0.
    out(&mut v, 0x3C4, 0xFA);
    assert_eq!(inb(&mut v, 0x3C4), 0x02);
    out(&mut v, 0x3C5, 0xFF);
    assert_eq!(read_indexed(&mut v, 0x3C4, 2), 0x0F, "map mask: 4 bits");
    // Clocking mode: bits 0, 2, 3, 4, 5 defined (FreeVGA "Clocking Mode Register").
    out_indexed(&mut v, 0x3C4, 1, 0xFF);
    assert_eq!(read_indexed(&mut v, 0x3C4, 1), 0x3D);
    out_indexed(&mut v, 0x3C4, 4, 0xFF);
    assert_eq!(read_indexed(&mut v, 0x3C4, 4), 0x0E, "memory mode bits 3-1");
    for (i, &value) in MODE_13.seq.iter().enumerate() {
        out_indexed(&mut v, 0x3C4, i as u8, value);
        assert_eq!(read_indexed(&mut v, 0x3C4, i as u8), value);
    }
}

#[test]
fn graphics_controller_index_has_four_bits() {
    let mut v = Vga::new();
    // FreeVGA "Graphics Address Register": index bits 3-0.
    out(&mut v, 0x3CE, 0x18);
    assert_eq!(inb(&mut v, 0x3CE), 0x08);
    out(&mut v, 0x3CF, 0x5A);
    assert_eq!(read_indexed(&mut v, 0x3CE, 8), 0x5A, "bit mask");
    for (i, &value) in MODE_12.gc.iter().enumerate() {
        out_indexed(&mut v, 0x3CE, i as u8, value);
        assert_eq!(read_indexed(&mut v, 0x3CE, i as u8), value);
    }
    // Graphics mode bits 7 and 2 are reserved.
    out_indexed(&mut v, 0x3CE, 5, 0xFF);
    assert_eq!(read_indexed(&mut v, 0x3CE, 5), 0x7B);
}

#[test]
fn crtc_round_trip_and_cr0_7_write_protect() {
    let mut v = Vga::new();
    out(&mut v, 0x3C2, 0x67);
    for (i, &value) in MODE_03.crtc.iter().enumerate() {
        out_indexed(&mut v, 0x3D4, i as u8, value);
    }
    for (i, &value) in MODE_03.crtc.iter().enumerate() {
        assert_eq!(read_indexed(&mut v, 0x3D4, i as u8), value, "CR{i:02X}");
    }
    // CR11 = 8Eh has the protect bit: CR00-CR07 ignore writes, but CR07 bit 4 stays
    // writable (FreeVGA "Vertical Retrace End Register").
    out_indexed(&mut v, 0x3D4, 0x00, 0x12);
    assert_eq!(read_indexed(&mut v, 0x3D4, 0x00), 0x5F);
    out_indexed(&mut v, 0x3D4, 0x07, 0x00);
    assert_eq!(
        read_indexed(&mut v, 0x3D4, 0x07),
        0x0F,
        "only bit 4 cleared"
    );
    out_indexed(&mut v, 0x3D4, 0x08, 0x05);
    assert_eq!(
        read_indexed(&mut v, 0x3D4, 0x08),
        0x05,
        "CR08 is not protected"
    );
    out_indexed(&mut v, 0x3D4, 0x11, 0x0E);
    out_indexed(&mut v, 0x3D4, 0x00, 0x12);
    assert_eq!(read_indexed(&mut v, 0x3D4, 0x00), 0x12);
    // Past CR18 there is no register.
    out_indexed(&mut v, 0x3D4, 0x19, 0x33);
    assert_eq!(read_indexed(&mut v, 0x3D4, 0x19), 0xFF);
}

#[test]
fn misc_output_moves_crtc_and_status_between_3dx_and_3bx() {
    let mut v = Vga::new();
    out(&mut v, 0x3C2, 0x67);
    assert_eq!(inb(&mut v, 0x3CC), 0x67);
    out_indexed(&mut v, 0x3D4, 0x0E, 0x12);
    assert_eq!(read_indexed(&mut v, 0x3D4, 0x0E), 0x12);
    assert_eq!(inb(&mut v, 0x3B5), 0xFF, "mono CRTC is off in colour mode");
    // Bit 0 clear: the CRTC answers at 3B4h/3B5h, input status 1 at 3BAh.
    out(&mut v, 0x3C2, 0x66);
    assert_eq!(inb(&mut v, 0x3D5), 0xFF);
    assert_eq!(inb(&mut v, 0x3DA), 0xFF);
    assert_eq!(read_indexed(&mut v, 0x3B4, 0x0E), 0x12);
    out(&mut v, 0x3D4, 0x0F);
    assert_eq!(inb(&mut v, 0x3B4), 0x0E, "3D4h write ignored in mono mode");
    out(&mut v, 0x3C0, 0x10);
    inb(&mut v, 0x3BA);
    out(&mut v, 0x3C0, 0x11);
    out(&mut v, 0x3C0, 0x05);
    assert_eq!(
        inb(&mut v, 0x3C1),
        0x05,
        "3BAh read reset the flip-flop: 11h was an index"
    );
    // Feature control: written at 3BAh (mono) / 3DAh, read at 3CAh.
    out(&mut v, 0x3BA, 0x01);
    assert_eq!(inb(&mut v, 0x3CA), 0x01);
}

#[test]
fn attribute_flip_flop_index_data_and_3da_reset() {
    let mut v = Vga::new();
    out(&mut v, 0x3C2, 0x63);
    inb(&mut v, 0x3DA);
    out(&mut v, 0x3C0, 0x12);
    out(&mut v, 0x3C0, 0xFF);
    out(&mut v, 0x3C0, 0x33);
    // While the flip-flop expects data, 3C0h reads 0 (QEMU and Bochs).
    assert_eq!(inb(&mut v, 0x3C0), 0x00);
    out(&mut v, 0x3C0, 0x07);
    assert_eq!(inb(&mut v, 0x3C0), 0x33, "index 13h with PAS set");
    assert_eq!(inb(&mut v, 0x3C1), 0x07, "pel panning");
    inb(&mut v, 0x3DA);
    out(&mut v, 0x3C0, 0x12);
    // Colour plane enable keeps bits 3-0 (QEMU masks the video status mux bits).
    assert_eq!(inb(&mut v, 0x3C1), 0x0F);
    // Mid-pair, 3DAh sends the next write to the index again.
    inb(&mut v, 0x3DA);
    out(&mut v, 0x3C0, 0x01);
    inb(&mut v, 0x3DA);
    out(&mut v, 0x3C0, 0x02);
    out(&mut v, 0x3C0, 0x2A);
    out(&mut v, 0x3C0, 0x01);
    assert_eq!(inb(&mut v, 0x3C1), 0x00, "palette 1 never written");
    out(&mut v, 0x3C0, 0x99);
    out(&mut v, 0x3C0, 0x02);
    assert_eq!(inb(&mut v, 0x3C1), 0x2A);
    // Palette entries are 6 bits; indices past 14h hold nothing.
    write_attr(&mut v, 0x05, 0xFF);
    out(&mut v, 0x3C0, 0x05);
    assert_eq!(inb(&mut v, 0x3C1), 0x3F);
    write_attr(&mut v, 0x1F, 0x12);
    out(&mut v, 0x3C0, 0x1F);
    assert_eq!(inb(&mut v, 0x3C1), 0x00);
}

#[test]
fn dac_auto_increments_through_red_green_blue() {
    let mut v = Vga::new();
    out(&mut v, 0x3C8, 0xFE);
    for c in [0x01, 0x02, 0x03, 0x3F, 0xFF, 0x05, 0x07, 0x08, 0x09] {
        out(&mut v, 0x3C9, c);
    }
    assert_eq!(inb(&mut v, 0x3C8), 0x01, "write index wrapped past FFh");
    assert_eq!(inb(&mut v, 0x3C7) & 3, 0, "DAC state: write");
    out(&mut v, 0x3C7, 0xFE);
    assert_eq!(inb(&mut v, 0x3C7) & 3, 3, "DAC state: read");
    let read: Vec<u8> = (0..9).map(|_| inb(&mut v, 0x3C9)).collect();
    // 6-bit DAC: FFh reads back 3Fh.
    assert_eq!(read, [0x01, 0x02, 0x03, 0x3F, 0x3F, 0x05, 0x07, 0x08, 0x09]);
    // A new read index restarts at red.
    out(&mut v, 0x3C7, 0xFF);
    inb(&mut v, 0x3C9);
    out(&mut v, 0x3C7, 0xFF);
    assert_eq!(inb(&mut v, 0x3C9), 0x3F);
    out(&mut v, 0x3C6, 0x0F);
    assert_eq!(inb(&mut v, 0x3C6), 0x0F);
}

#[test]
fn word_writes_set_index_and_data() {
    let mut v = Vga::new();
    v.write(0, 0x3C4, 2, 0x0F02);
    assert_eq!(read_indexed(&mut v, 0x3C4, 2), 0x0F);
    v.write(0, 0x3CE, 2, 0xFF08);
    assert_eq!(v.read(0, 0x3CE, 2), 0xFF08);
}

/// Input status 1 in mode 03h: 900 dots x 449 lines at 28.322 MHz. Vertical retrace runs
/// from line 19Ch (CR10 = 9Ch, CR07 bit 2) while the line counter's low four bits differ
/// from CR11's (Eh): lines 412 and 413.
#[test]
fn input_status_1_follows_the_beam() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_03);
    let at = |line: u64, dot: u64| (line * 900 + dot) * 1_000_000_000 / 28_322_000 + 1;
    let status = |v: &mut Vga, t: u64| v.read(t, 0x3DA, 1) as u8 & 0x09;
    assert_eq!(status(&mut v, at(0, 10)), 0x00, "active display");
    assert_eq!(status(&mut v, at(0, 720)), 0x01, "horizontal blanking");
    assert_eq!(status(&mut v, at(400, 10)), 0x01, "vertical blanking");
    assert_eq!(status(&mut v, at(412, 10)), 0x09, "vertical retrace");
    assert_eq!(status(&mut v, at(413, 899)), 0x09);
    assert_eq!(status(&mut v, at(414, 10)), 0x01, "retrace over");
    let frame = 900 * 449;
    let next_frame = (frame + 412 * 900 + 10) * 1_000_000_000 / 28_322_000 + 1;
    assert_eq!(status(&mut v, next_frame), 0x09, "the next frame's retrace");
}
