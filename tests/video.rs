//! The built-in BIOS's video services (INT 10h, VBE) on amber's VGA, against an independent
//! video BIOS on the same VGA: SeaBIOS with its VGA BIOS (Debian's bios-256k.bin and
//! vgabios-stdvga.bin, written for QEMU's standard VGA, which amber's VGA models). Each boot
//! program (assembled with `as`, booted from a floppy image) calls INT 10h and reports what
//! it answers on the debug console (port E9h); it runs once under each BIOS, and the reports,
//! the screen text and the screenshots (where no font is drawn) must agree. Where the two
//! BIOSes may differ by design (font pointers, OEM strings, mode lists) the programs do not
//! report. Missing tools or SeaBIOS files skip a test with one line, except under CI=true.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{read_png, SEABIOS, VGABIOS};

/// Whether binutils and SeaBIOS's files are there (a missing one skips the test with one
/// line, and fails it under CI=true).
fn present() -> bool {
    common::present("video", &["as", "ld"], &[SEABIOS, VGABIOS])
}

fn work_dir(name: &str) -> PathBuf {
    common::work_dir("video", name)
}

/// The boot sector every program starts with: it loads the next 16 sectors to 7E00h and
/// jumps to `main` there, with the report routines: `putc` (AL to the report line),
/// `hex8`, `hex16`, `newline` (sends the line), and `SHOW name` (prints "name=" and AX in
/// hex); `exit` ends the run through port F4h.
const PRELUDE: &str = include_str!("video/prelude.S");

/// A 1.44 MB floppy image holding the program `body` after the prelude.
fn floppy(dir: &Path, name: &str, body: &str) -> PathBuf {
    let mut image = common::assemble_boot_program(dir, name, &format!("{PRELUDE}\n{body}"));
    assert!(image.len() <= 17 * 512, "{name} fits the 17 sectors loaded");
    image.resize(1_474_560, 0);
    let path = dir.join(format!("{name}.img"));
    std::fs::write(&path, image).unwrap();
    path
}

/// What one run left: the debug console output, the screen text, the screenshot.
#[derive(PartialEq)]
struct Run {
    report: String,
    screen: String,
    shot: (u32, u32, Vec<u8>),
    serial: String,
}

/// Boots `image` under the built-in BIOS (`seabios` false) or SeaBIOS with its VGA BIOS,
/// with the JIT (compiling blocks after 200 runs) and without: both runs must leave the same
/// report, screen, picture and serial output. Returns the JIT's.
fn boot(dir: &Path, image: &Path, seabios: bool) -> Run {
    let compiled = boot_with(dir, image, seabios, &["--jit", "--jit-threshold", "200"]);
    let interpreted = boot_with(dir, image, seabios, &["--no-jit"]);
    assert!(
        compiled == interpreted,
        "{}: the JIT's run and the interpreter's differ:\n{}\n{}\n--- interpreter\n{}\n{}",
        dir.display(),
        compiled.report,
        compiled.screen,
        interpreted.report,
        interpreted.screen
    );
    compiled
}

/// One run for `boot`, with `jit`'s options.
fn boot_with(dir: &Path, image: &Path, seabios: bool, jit: &[&str]) -> Run {
    let tag = format!("{}{}", if seabios { "seabios" } else { "builtin" }, jit[0]);
    let text = dir.join(format!("{tag}.txt"));
    let shot = dir.join(format!("{tag}.png"));
    let serial = dir.join(format!("{tag}.serial"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_amber"));
    cmd.args([
        "run",
        "--headless",
        "--timeout",
        "60s",
        "--debugcon",
        "stdio",
    ])
    .arg("--serial")
    .arg(format!("file:{}", serial.display()))
    .arg("--fda")
    .arg(image)
    .arg("--screen-text")
    .arg(&text)
    .arg("--screenshot")
    .arg(&shot)
    .args(jit);
    if seabios {
        cmd.args(["--bios", SEABIOS, "--vga-bios", VGABIOS]);
    }
    let out: Output = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{tag}: the program exits through port F4h with 0\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Run {
        report: String::from_utf8_lossy(&out.stdout).into_owned(),
        screen: std::fs::read_to_string(&text).unwrap_or_default(),
        shot: read_png(&shot),
        serial: std::fs::read_to_string(&serial).unwrap_or_default(),
    }
}

/// Runs a program under both BIOSes and compares the report lines, except those numbered
/// in `skip` (the caller checks them).
fn both_except(name: &str, body: &str, skip: &[usize]) -> Option<(Run, Run)> {
    if !present() {
        return None;
    }
    let dir = work_dir(name);
    let image = floppy(&dir, name, body);
    let ours = boot(&dir, &image, false);
    let oracle = boot(&dir, &image, true);
    let (a, b) = (report(&ours), report(&oracle));
    let differ: Vec<String> = a
        .iter()
        .zip(&b)
        .enumerate()
        .filter(|(i, (x, y))| x != y && !skip.contains(i))
        .map(|(i, (x, y))| format!("line {i}:\n  built-in {x}\n  SeaBIOS  {y}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{name}: reports differ\n{}",
        differ.join("\n")
    );
    assert_eq!(a.len(), b.len(), "{name}: report lines\n{}", ours.report);
    Some((ours, oracle))
}

fn both(name: &str, body: &str) -> Option<(Run, Run)> {
    both_except(name, body, &[])
}

/// The report lines (without the '@') both BIOSes must agree on: not those checked against
/// other references ("ibm:", "own:").
fn report(run: &Run) -> Vec<&str> {
    run.report
        .lines()
        .filter_map(|l| l.strip_prefix('@'))
        .filter(|l| !l.starts_with("ibm:") && !l.starts_with("own:"))
        .collect()
}

/// The screenshots agree pixel for pixel.
fn same_pixels(name: &str, ours: &Run, oracle: &Run) {
    let ((w, h, a), (w2, h2, b)) = (&ours.shot, &oracle.shot);
    assert_eq!((w, h), (w2, h2), "{name}: screen size");
    let differ = a
        .chunks(4)
        .zip(b.chunks(4))
        .position(|(x, y)| x != y)
        .map(|i| (i as u32 % w, i as u32 / w));
    assert_eq!(differ, None, "{name}: first differing pixel (x, y)");
}

/// The screenshot's size and the distinct colours in it.
fn colours(run: &Run) -> (u32, u32, std::collections::BTreeSet<&[u8]>) {
    let (w, h, rgba) = &run.shot;
    (*w, *h, rgba.chunks(4).collect())
}

/// Mode 03h: the state after the mode set, teletype output with scrolling, BS, BEL, the
/// cursor, AH=09h/0Ah, scrolling windows up and down, AH=13h in its forms, a second page,
/// the font information, the attribute and DAC registers; then every cell's character and
/// attribute read back with AH=08h.
const TEXT: &str = include_str!("video/text.S");

fn text_program(mode: u8, columns: u8) -> String {
    format!(".set MODE, 0x{mode:02x}\n.set COLS, {columns}\n{TEXT}")
}

#[test]
fn text_mode_matches_seabios() {
    let Some((ours, oracle)) = both("text", &text_program(3, 80)) else {
        return;
    };
    // SeaBIOS leaves 40:65 and 40:66 zero; the IBM BIOS keeps the CGA mode control (29h in
    // mode 03h) and palette (30h) values there (Ralf Brown's list, BIOS data area 40:65-66).
    assert!(ours.report.contains("@ibm:2930\n"), "{}", ours.report);
    assert_eq!(ours.screen, oracle.screen, "screen text");
    assert_eq!(ours.screen.lines().count(), 25);
    assert!(ours.screen.contains("write string"), "{}", ours.screen);
    // The glyphs differ (each BIOS has its own font); the colours on screen must not.
    assert_eq!(
        colours(&ours),
        colours(&oracle),
        "text: the colours on screen"
    );
}

/// The other text modes: 40 columns (01h) and monochrome (07h, at B0000h with the CRTC at
/// 3B4h). In mode 07h SeaBIOS's VGA BIOS resets the attribute controller's flip-flop at
/// 3DAh only, which a monochrome CRTC does not decode, so its AH=10h attribute accesses go
/// astray there (report lines 7 and 9); the built-in BIOS's must give the IBM mode 07h
/// palette (IBM VGA Technical Reference, attribute controller values of mode 07h) and
/// read back what AL=00h set.
#[test]
fn text_modes_01h_and_07h_match_seabios() {
    for (mode, columns, skip) in [(1, 40, &[][..]), (7, 80, &[7, 9][..])] {
        let name = format!("text{mode:02x}");
        let Some((ours, oracle)) = both_except(&name, &text_program(mode, columns), skip) else {
            return;
        };
        if mode == 7 {
            // SeaBIOS's stray attribute writes also leave its screen blanked (the palette
            // address source off); the cells it holds agree (the AH=08h dump).
            let lines = report(&ours);
            assert_eq!(lines[7], "0008080808080808101818181818181800");
            assert!(lines[9].contains(" pal1=3A01 "), "{}", lines[9]);
            assert_eq!(ours.screen.lines().count(), 25);
            assert!(ours.screen.contains("write string"), "{}", ours.screen);
        } else {
            assert_eq!(ours.screen, oracle.screen, "{name}: screen text");
            assert_eq!(
                colours(&ours),
                colours(&oracle),
                "{name}: the colours on screen"
            );
        }
    }
}

/// The built-in BIOS mirrors teletype output on COM1 (SeaBIOS does not), so a headless
/// boot can be followed on the serial line.
#[test]
fn teletype_goes_to_com1_too() {
    if !present() {
        return;
    }
    let dir = work_dir("serial");
    let image = floppy(&dir, "serial", &text_program(3, 80));
    let ours = boot(&dir, &image, false);
    assert!(
        ours.serial.starts_with("amber video test\r\nLN\r\nLM\r\n"),
        "{:?}",
        ours.serial
    );
    assert!(ours.serial.contains("write string"), "{:?}", ours.serial);
}

/// A graphics mode (`MODE`, colours masked by `MASK`): the state after the mode set, a row
/// of every colour and a diagonal with AH=0Ch, an XOR pixel, pixels read back with AH=0Dh,
/// a block scrolled up and another down, characters written (AH=09h, teletype) and
/// recognised (AH=08h) and then cleared (AH=06h AL=0), the DAC. The fonts never reach the
/// screenshot, which must agree pixel for pixel.
const GRAPHICS: &str = include_str!("video/graphics.S");

fn graphics_mode(mode: u8, mask: u8) {
    let name = format!("mode{mode:02x}");
    let body = format!(".set MODE, 0x{mode:02x}\n.set MASK, 0x{mask:02x}\n{GRAPHICS}");
    // Mode 0Fh is monochrome graphics. IBM's register table (IBM VGA Technical Reference,
    // mode 0Fh) gives misc output A2h, so the CRTC at 3B4h, which 40:63 must name, and an
    // attribute mode control of 0Bh (monochrome emulation, blinking) with planes 0 and 2
    // enabled (colour plane enable 05h). SeaBIOS's VGA BIOS has the CRTC at 3D4h and 01h,
    // 01h, so the pictures differ too; the memory (the AH=0Dh reads) must not.
    let skip: &[usize] = if mode == 0x0F { &[1, 7] } else { &[] };
    let Some((ours, oracle)) = both_except(&name, &body, skip) else {
        return;
    };
    if mode == 0x0F {
        let lines = report(&ours);
        assert!(lines[1].ends_with("B403"), "{}", ours.report);
        assert_eq!(lines[7], "0B000500");
    } else {
        same_pixels(&name, &ours, &oracle);
    }
}

#[test]
fn mode_04h_matches_seabios() {
    graphics_mode(0x04, 0x03);
}

#[test]
fn mode_06h_matches_seabios() {
    graphics_mode(0x06, 0x01);
}

#[test]
fn mode_0dh_matches_seabios() {
    graphics_mode(0x0D, 0x0F);
}

#[test]
fn mode_0eh_matches_seabios() {
    graphics_mode(0x0E, 0x0F);
}

#[test]
fn mode_0fh_matches_seabios() {
    graphics_mode(0x0F, 0x0F);
}

#[test]
fn mode_10h_matches_seabios() {
    graphics_mode(0x10, 0x0F);
}

#[test]
fn mode_11h_matches_seabios() {
    graphics_mode(0x11, 0x01);
}

#[test]
fn mode_12h_matches_seabios() {
    graphics_mode(0x12, 0x0F);
}

#[test]
fn mode_13h_matches_seabios() {
    graphics_mode(0x13, 0xFF);
}

/// VBE: the controller information (VBE2 request), the mode information of modes both
/// BIOSes list, mode 101h (640x480, 256 colours) filled through the 64 KiB window at
/// A000h bank by bank, the current mode, the window, scan line, display start and DAC width
/// queries, palette data set and read back (VESA BIOS Extension Core Functions Standard
/// 3.0, functions 00h-09h).
const VBE: &str = include_str!("video/vbe.S");

#[test]
fn vbe_matches_seabios() {
    let Some((ours, oracle)) = both("vbe", VBE) else {
        return;
    };
    assert!(
        ours.report.contains("\n@info=004F 564553410003\n"),
        "{}",
        ours.report
    );
    // PhysBasePtr is the VGA function's BAR0 (VBE 3.0, ModeInfoBlock). SeaBIOS's VGA BIOS
    // reports its default E0000000h on amber, which loads it without the PCI ROM
    // handover that tells it the device (under QEMU it reports the BAR).
    let own: Vec<&str> = ours
        .report
        .lines()
        .filter(|l| l.starts_with("@own:"))
        .collect();
    assert_eq!(own.len(), 16, "{}", ours.report);
    assert!(
        own[..15].iter().all(|l| *l == "@own:lfb_is_bar0=0001 "),
        "{own:?}"
    );
    // Function 09h (which SeaBIOS's VGA BIOS does not implement: AX=0100h): entries of
    // blue, green, red and an alignment byte, in the DAC as AH=10h AL=15h reads it
    // (DH red, CH green, CL blue).
    assert_eq!(
        own[15],
        "@own:setpal=004F getpal=004F red=3000 green_blue=2010 \
         00000000102030003F00150001020300"
    );
    same_pixels("vbe", &ours, &oracle);
}

/// AH=11h in mode 03h: the ROM's 8x14 (AL=11h) and 8x8 (AL=12h) fonts with the CRTC
/// recalculated, the geometry AL=30h and the BIOS data area then give, the cursor shape,
/// and teletype output scrolling over the 28 and 50 rows; the screen ends with 50 rows.
const FONTS: &str = include_str!("video/fonts.S");

#[test]
fn rom_fonts_match_seabios() {
    let Some((ours, oracle)) = both("fonts", FONTS) else {
        return;
    };
    assert_eq!(ours.screen, oracle.screen, "screen text");
    assert_eq!(ours.screen.lines().count(), 50, "{}", ours.screen);
    assert_eq!(colours(&ours), colours(&oracle), "the colours on screen");
}

/// AH=11h AL=00h: a font of the program's own (8 x 16 glyphs for 80h-82h) loaded into
/// block 0; rows of them on an otherwise blank screen (the blank glyph is empty in every
/// font) must look the same under both BIOSes, pixel for pixel.
const USER_FONT: &str = include_str!("video/user_font.S");

#[test]
fn user_font_matches_seabios() {
    let Some((ours, oracle)) = both("user_font", USER_FONT) else {
        return;
    };
    same_pixels("user_font", &ours, &oracle);
}

/// VBE with the linear framebuffer: the mode for 800x600 at 32 bits per pixel is looked up
/// through the mode list and function 01h (its number is the BIOS's own), set with bit 14,
/// and filled through PhysBasePtr from big real mode (a 4 GiB data segment in FS). The
/// reports must agree; the picture is checked against what the program wrote.
const LFB: &str = include_str!("video/lfb.S");

#[test]
fn vbe_linear_framebuffer_matches_seabios() {
    let Some((ours, _)) = both("lfb", LFB) else {
        return;
    };
    assert!(
        ours.report.contains("@set=004F lfb_bit=4000 pitch=0C80 \n"),
        "{}",
        ours.report
    );
    // SeaBIOS's VGA BIOS points PhysBasePtr elsewhere on amber (see vbe_matches_seabios),
    // so its picture is no reference here: each pixel must be what the program wrote, red
    // (x ^ y), green y and blue x (low bytes), in the fields function 01h reports.
    let (width, height, rgba) = &ours.shot;
    assert_eq!((*width, *height), (800, 600));
    for (i, px) in rgba.chunks(4).enumerate() {
        let (x, y) = (i as u32 % width, i as u32 / width);
        let expected = [(x ^ y) as u8, y as u8, x as u8, 0xFF];
        assert_eq!(px, expected, "pixel ({x}, {y})");
    }
}
