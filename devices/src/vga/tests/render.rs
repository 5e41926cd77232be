use super::*;

const BLACK: u32 = 0xFF00_0000;

fn pixel(frame: &Frame, x: u32, y: u32) -> u32 {
    frame.pixels[(y * frame.width + x) as usize]
}

fn row(frame: &Frame, x: u32, y: u32, n: u32) -> Vec<u32> {
    (x..x + n).map(|x| pixel(frame, x, y)).collect()
}

/// Loads glyph lines into plane 2 the way fonts are loaded (osdev.org "VGA Fonts", FreeVGA
/// "Accessing the Display Memory"): plane 2 only, sequential addressing at A0000h, then the
/// text-mode values back.
fn load_glyph(v: &mut Vga, map_base: u32, ch: u8, lines: &[(usize, u8)]) {
    out_indexed(v, 0x3C4, 2, 0x04);
    out_indexed(v, 0x3C4, 4, 0x06);
    out_indexed(v, 0x3CE, 5, 0x00);
    out_indexed(v, 0x3CE, 6, 0x04);
    for &(line, bits) in lines {
        v.write_byte(0xA0000 + map_base + u32::from(ch) * 32 + line as u32, bits);
    }
    out_indexed(v, 0x3C4, 2, 0x03);
    out_indexed(v, 0x3C4, 4, 0x02);
    out_indexed(v, 0x3CE, 5, 0x10);
    out_indexed(v, 0x3CE, 6, 0x0E);
}

/// Mode 03h with a test glyph for 'A' (line 3: 38h, line 7: FFh), a horizontal line for
/// C4h (line 7: FFh), and DAC entries for blue (1), grey (7) and white (3Fh, palette F).
fn text_screen_with_glyphs() -> Vga {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_03);
    load_glyph(&mut v, 0, b'A', &[(3, 0x38), (7, 0xFF)]);
    load_glyph(&mut v, 0, 0xC4, &[(7, 0xFF)]);
    set_dac(&mut v, 0x01, [0x00, 0x00, 0x2A]);
    set_dac(&mut v, 0x07, [0x2A, 0x2A, 0x2A]);
    set_dac(&mut v, 0x3F, [0x3F, 0x3F, 0x3F]);
    // 'A' white on blue, C4h grey on black, 'A' blinking white on blue.
    v.mem_write(0xB8000, 2, 0x1F41);
    v.mem_write(0xB8002, 2, 0x07C4);
    v.mem_write(0xB8004, 2, 0x9F41);
    v
}

const WHITE: u32 = 0xFFFF_FFFF;
const BLUE: u32 = 0xFF00_00AA;
const GREY: u32 = 0xFFAA_AAAA;
/// Mode 03h frames last 900 x 449 dots at 28.322 MHz: 14.2687 ms.
const TEXT_FRAME_NS: u64 = 14_268_700;

#[test]
fn text_mode_draws_glyphs_from_plane_2_in_9_dot_cells() {
    let mut v = text_screen_with_glyphs();
    let frame = v.render(0).expect("first frame").clone();
    assert_eq!((frame.width, frame.height), (720, 400));
    let (w, b) = (WHITE, BLUE);
    assert_eq!(row(&frame, 0, 3, 9), [b, b, w, w, w, b, b, b, b]);
    assert_eq!(row(&frame, 0, 2, 9), [b; 9]);
    // An ordinary character's ninth column is background...
    assert_eq!(row(&frame, 0, 7, 9), [w, w, w, w, w, w, w, w, b]);
    // ... a line-drawing character's repeats its eighth (attribute mode bit 2 set).
    assert_eq!(row(&frame, 9, 7, 9), [GREY; 9]);
    assert_eq!(pixel(&frame, 9, 6), BLACK);
    // 8-dot cells when clocking mode bit 0 is set: 640 wide, the second cell at x = 8.
    out_indexed(&mut v, 0x3C4, 1, 0x01);
    let frame = v.render(0).expect("changed").clone();
    assert_eq!((frame.width, frame.height), (640, 400));
    assert_eq!(row(&frame, 8, 7, 8), [GREY; 8]);
}

#[test]
fn text_screen_reports_characters_and_attributes() {
    let v = text_screen_with_glyphs();
    let screen = v.text_screen().expect("text mode");
    assert_eq!((screen.columns, screen.rows), (80, 25));
    assert_eq!(screen.cells.len(), 80 * 25);
    assert_eq!(
        &screen.cells[..3],
        &[(0x41, 0x1F), (0xC4, 0x07), (0x41, 0x9F)]
    );
    // Start address 80 (CR0C/CR0D) scrolls one row.
    let mut v = v;
    out_indexed(&mut v, 0x3D4, 0x0D, 80);
    v.mem_write(0xB8000 + 160, 2, 0x0742);
    assert_eq!(v.text_screen().expect("text").cells[0], (0x42, 0x07));
    set_mode(&mut v, &MODE_13);
    assert!(v.text_screen().is_none());
}

#[test]
fn character_map_select_and_attribute_bit_3_choose_the_font() {
    let mut v = text_screen_with_glyphs();
    // Map A = 1 (bits 5, 3-2 = 001b): plane 2 at 4000h (FreeVGA "Character Map Select").
    out_indexed(&mut v, 0x3C4, 3, 0x04);
    load_glyph(&mut v, 0x4000, b'A', &[(3, 0x81)]);
    let frame = v.render(0).expect("frame").clone();
    let (w, b) = (WHITE, BLUE);
    // Attribute 1Fh has bit 3 set: map A.
    assert_eq!(row(&frame, 0, 3, 9), [w, b, b, b, b, b, b, w, b]);
}

#[test]
fn cursor_shape_position_and_blink() {
    let mut v = text_screen_with_glyphs();
    // The mode table's cursor: scanlines 0Dh-0Eh (CR0A/CR0B), at location 0.
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(row(&frame, 0, 12, 9), [BLUE; 9]);
    assert_eq!(row(&frame, 0, 13, 9), [WHITE; 9]);
    assert_eq!(row(&frame, 0, 14, 9), [WHITE; 9]);
    assert_eq!(row(&frame, 0, 15, 9), [BLUE; 9]);
    // Move it to cell 1 and make it a block from line 2.
    out_indexed(&mut v, 0x3D4, 0x0F, 1);
    out_indexed(&mut v, 0x3D4, 0x0A, 0x02);
    out_indexed(&mut v, 0x3D4, 0x0B, 0x0F);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(row(&frame, 0, 13, 9), [BLUE; 9]);
    assert_eq!(row(&frame, 9, 1, 9), [BLACK; 9]);
    assert_eq!(row(&frame, 9, 2, 9), [GREY; 9]);
    assert_eq!(row(&frame, 9, 15, 9), [GREY; 9]);
    // Frames 8-15 of every 16 hide it; the phase change alone makes a new frame.
    assert!(v.render(TEXT_FRAME_NS * 7 + 1000).is_none());
    let frame = v.render(TEXT_FRAME_NS * 8 + 1000).expect("blink").clone();
    assert_eq!(row(&frame, 9, 2, 9), [BLACK; 9]);
    // CR0A bit 5 turns it off.
    out_indexed(&mut v, 0x3D4, 0x0A, 0x22);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(row(&frame, 9, 2, 9), [BLACK; 9]);
}

#[test]
fn blinking_characters_alternate_with_background() {
    let mut v = text_screen_with_glyphs();
    let (w, b) = (WHITE, BLUE);
    let on = v.render(0).expect("frame").clone();
    assert_eq!(row(&on, 18, 3, 9), [b, b, w, w, w, b, b, b, b]);
    let off = v.render(TEXT_FRAME_NS * 16 + 1000).expect("blink").clone();
    assert_eq!(row(&off, 18, 3, 9), [b; 9]);
    assert_eq!(row(&off, 0, 3, 9), [b, b, w, w, w, b, b, b, b]);
    // Attribute mode bit 3 clear: bit 7 is background intensity (palette 9 = DAC 39h).
    set_dac(&mut v, 0x39, [0x15, 0x15, 0x3F]);
    write_attr(&mut v, 0x10, 0x04);
    out(&mut v, 0x3C0, 0x20);
    let frame = v.render(TEXT_FRAME_NS * 16 + 1000).expect("frame").clone();
    assert_eq!(pixel(&frame, 18, 3), 0xFF55_55FF);
    assert_eq!(pixel(&frame, 20, 3), WHITE);
}

#[test]
fn mode_13h_pixels_go_through_the_dac() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_13);
    set_dac(&mut v, 0x20, [0x3F, 0x00, 0x00]);
    set_dac(&mut v, 0x21, [0x00, 0x3F, 0x10]);
    v.write_byte(0xA0000 + 5 * 320 + 10, 0x20);
    v.write_byte(0xA0000 + 199 * 320 + 319, 0x21);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!((frame.width, frame.height), (320, 200));
    assert_eq!(pixel(&frame, 10, 5), 0xFFFF_0000);
    assert_eq!(pixel(&frame, 319, 199), 0xFF00_FF41);
    assert_eq!(pixel(&frame, 11, 5), BLACK);
    // The pel mask applies to the index: 21h & 0Fh = 01h, still black.
    out(&mut v, 0x3C6, 0x0F);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(pixel(&frame, 319, 199), BLACK);
}

#[test]
fn mode_12h_planar_pixels_go_through_palette_and_dac() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_12);
    out_indexed(&mut v, 0x3C4, 2, 0x0F);
    // Palette 9 = 39h and 6 = 14h in the mode table.
    set_dac(&mut v, 0x39, [0x15, 0x15, 0x3F]);
    set_dac(&mut v, 0x14, [0x2A, 0x15, 0x00]);
    out_indexed(&mut v, 0x3CE, 5, 0x02);
    out_indexed(&mut v, 0x3CE, 8, 0x80);
    v.read_byte(0xA0000);
    v.write_byte(0xA0000, 9);
    out_indexed(&mut v, 0x3CE, 8, 0x01);
    let last = 0xA0000 + 479 * 80 + 79;
    v.read_byte(last);
    v.write_byte(last, 6);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!((frame.width, frame.height), (640, 480));
    assert_eq!(pixel(&frame, 0, 0), 0xFF55_55FF);
    assert_eq!(pixel(&frame, 1, 0), BLACK);
    assert_eq!(pixel(&frame, 639, 479), 0xFFAA_5500);
    // Colour plane enable 0001b leaves colour 9 as 1 (palette 1 = DAC 01h, black here).
    write_attr(&mut v, 0x12, 0x01);
    out(&mut v, 0x3C0, 0x20);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(pixel(&frame, 0, 0), BLACK);
}

/// Start address and line compare (FreeVGA "Line Compare Register"): the top shows memory
/// from the start address; after scanline 199 (line 100 of mode 13h's double-height rows)
/// the display restarts at address 0.
#[test]
fn start_address_scrolls_and_line_compare_splits_the_screen() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_13);
    set_dac(&mut v, 0x20, [0x3F, 0x3F, 0x3F]);
    v.write_byte(0xA0000 + 50 * 320, 0x20);
    v.write_byte(0xA0000 + 3, 0x20);
    // 50 rows of 80 character clocks.
    out_indexed(&mut v, 0x3D4, 0x0C, (4000u16 >> 8) as u8);
    out_indexed(&mut v, 0x3D4, 0x0D, 4000u16 as u8);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(pixel(&frame, 0, 0), WHITE);
    assert_eq!(pixel(&frame, 3, 150), BLACK);
    out_indexed(&mut v, 0x3D4, 0x18, 199);
    out_indexed(&mut v, 0x3D4, 0x07, 0x0F);
    out_indexed(&mut v, 0x3D4, 0x09, 0x01);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!((frame.width, frame.height), (320, 200));
    assert_eq!(pixel(&frame, 0, 0), WHITE);
    assert_eq!(pixel(&frame, 3, 99), BLACK);
    assert_eq!(pixel(&frame, 3, 100), WHITE);
}

/// Horizontal pel panning (attribute register 13h) shifts the picture left: by the value in
/// planar modes, by value + 1 (8 meaning none) in 9-dot text (FreeVGA "Horizontal Pixel
/// Panning Register").
#[test]
fn pel_panning_shifts_lines_left() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_12);
    out_indexed(&mut v, 0x3C4, 2, 0x0F);
    set_dac(&mut v, 0x3F, [0x3F, 0x3F, 0x3F]);
    v.write_byte(0xA0000, 0x10);
    v.write_byte(0xA0050, 0x80);
    write_attr(&mut v, 0x13, 3);
    out(&mut v, 0x3C0, 0x20);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!(pixel(&frame, 0, 0), WHITE, "x = 3 moved to 0");
    assert_eq!(pixel(&frame, 3, 0), BLACK);
    assert_eq!(
        pixel(&frame, 637, 0),
        WHITE,
        "the 81st character clock scrolls in at the right"
    );

    let mut v = text_screen_with_glyphs();
    write_attr(&mut v, 0x13, 0);
    out(&mut v, 0x3C0, 0x20);
    let frame = v.render(0).expect("frame").clone();
    let (w, b) = (WHITE, BLUE);
    assert_eq!(row(&frame, 0, 3, 8), [b, w, w, w, b, b, b, b]);
}

/// Mode 04h: 2-bit pixels, four per byte, even lines at B8000h and odd lines at BA000h
/// (the CGA layout, IBM PC Technical Reference "Color/Graphics Monitor Adapter").
#[test]
fn mode_04h_interleaves_cga_lines_and_pixel_pairs() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_04);
    // Palette 1, 2, 3 = 13h, 15h, 17h.
    set_dac(&mut v, 0x13, [0x00, 0x2A, 0x2A]);
    set_dac(&mut v, 0x15, [0x2A, 0x00, 0x2A]);
    set_dac(&mut v, 0x17, [0x2A, 0x2A, 0x2A]);
    v.write_byte(0xB8000, 0x1B);
    v.write_byte(0xB8001, 0xE4);
    v.write_byte(0xBA000, 0xC0);
    v.write_byte(0xB8000 + 80, 0x10);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!((frame.width, frame.height), (320, 200));
    let (c1, c2, c3) = (0xFF00_AAAA, 0xFFAA_00AA, GREY);
    assert_eq!(row(&frame, 0, 0, 8), [BLACK, c1, c2, c3, c3, c2, c1, BLACK]);
    assert_eq!(pixel(&frame, 0, 1), c3);
    assert_eq!(pixel(&frame, 1, 2), c1);
}

/// Mode 06h: one bit per pixel in plane 0, even lines at B8000h, odd lines at BA000h.
#[test]
fn mode_06h_draws_two_colours_from_plane_0() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_06);
    set_dac(&mut v, 0x17, [0x2A, 0x2A, 0x2A]);
    v.write_byte(0xB8000, 0x81);
    v.write_byte(0xBA000 + 79, 0x01);
    let frame = v.render(0).expect("frame").clone();
    assert_eq!((frame.width, frame.height), (640, 200));
    assert_eq!(
        row(&frame, 0, 0, 8),
        [GREY, BLACK, BLACK, BLACK, BLACK, BLACK, BLACK, GREY]
    );
    assert_eq!(pixel(&frame, 639, 1), GREY);
    assert_eq!(pixel(&frame, 639, 0), BLACK);
}

#[test]
fn frames_are_rendered_only_after_changes() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_13);
    assert!(v.render(0).is_some());
    assert!(v.render(0).is_none());
    assert!(
        v.render(1_000_000_000).is_none(),
        "no blink in graphics modes"
    );
    v.read_byte(0xA0000);
    inb(&mut v, 0x3DA);
    assert!(v.render(0).is_none(), "reads change nothing");
    v.write_byte(0xA0000, 1);
    assert!(v.render(0).is_some());
    set_dac(&mut v, 1, [1, 2, 3]);
    assert!(v.render(0).is_some());
    assert_eq!(v.frame().pixels[0], 0xFF04_080C);
    v.write_byte(0xC0000, 1);
    assert!(v.render(0).is_none(), "outside the window");
}

#[test]
fn palette_address_source_clear_blanks_the_screen() {
    let mut v = Vga::new();
    set_mode(&mut v, &MODE_13);
    set_dac(&mut v, 0x20, [0x3F, 0x3F, 0x3F]);
    v.write_byte(0xA0000, 0x20);
    assert_eq!(v.render(0).expect("frame").pixels[0], WHITE);
    inb(&mut v, 0x3DA);
    out(&mut v, 0x3C0, 0x00);
    let frame = v.render(0).expect("frame");
    assert_eq!((frame.width, frame.height), (320, 200));
    assert!(frame.pixels.iter().all(|&p| p == BLACK));
}
