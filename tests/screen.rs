//! What a headless run shows on the VGA (`--screenshot`, `--screen-text`), read back: SeaBIOS
//! with its own VGA BIOS (Debian's vgabios-stdvga.bin, written for QEMU's standard VGA)
//! programs amber's VGA and prints through it, and syslinux prints after it; the screen's
//! text and pixels must show what they printed. Missing SeaBIOS or the Linux images skip the
//! test with one line, except under CI=true.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{present, read_png, SEABIOS, VGABIOS};

#[test]
fn seabios_and_syslinux_show_on_the_vga() {
    let disk = common::linux_dir().join("syslinux.img");
    let files = [SEABIOS, VGABIOS, disk.to_str().unwrap()];
    if !present("screen", &[], &files) {
        return;
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let (text, shot) = (dir.join("vga_screen.txt"), dir.join("vga_screen.png"));
    let out = Command::new(env!("CARGO_BIN_EXE_amber"))
        .args(["run", "--headless", "--serial", "none", "--timeout", "15s"])
        .args(["--bios", SEABIOS, "--vga-bios", VGABIOS, "--hda"])
        .arg(&disk)
        .arg("--screen-text")
        .arg(&text)
        .arg("--screenshot")
        .arg(&shot)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(124), "runs until the timeout");
    let screen = std::fs::read_to_string(&text).unwrap();
    let lines: Vec<&str> = screen.lines().collect();
    assert_eq!(lines.len(), 25, "mode 03h: 25 rows\n{screen}");
    assert!(lines[0].starts_with("SeaBIOS (version "), "{screen}");
    assert_eq!(lines[1], "Booting from Hard Disk...", "{screen}");
    assert!(
        lines.iter().any(|l| l.starts_with("SYSLINUX 6.04")),
        "{screen}"
    );
    // Mode 03h on a VGA: 80 x 25 cells of 9 x 16 dots. The text is light grey (attribute
    // 07h: DAC entry 7, 2Ah/2Ah/2Ah of 3Fh, AAh in 8 bits) on black.
    let (width, height, rgba) = read_png(&shot);
    assert_eq!((width, height), (720, 400));
    let pixel = |x: u32, y: u32| {
        let i = (y * width + x) as usize * 4;
        [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
    };
    let row = |cell_row: u32| -> Vec<[u8; 4]> {
        (cell_row * 16..cell_row * 16 + 16)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| pixel(x, y))
            .collect()
    };
    let first = row(0);
    assert!(
        first.contains(&[0xAA, 0xAA, 0xAA, 0xFF]),
        "grey text in row 0"
    );
    assert!(first
        .iter()
        .all(|p| *p == [0xAA, 0xAA, 0xAA, 0xFF] || *p == [0, 0, 0, 0xFF]));
    assert!(
        row(24).iter().all(|p| *p == [0, 0, 0, 0xFF]),
        "the last row is blank"
    );
}

/// amber's code page 437 table against Python's cp437 codec for bytes 80h-FFh.
#[test]
fn code_page_437_matches_python() {
    if !present("screen", &["python3"], &[]) {
        return;
    }
    let out = common::run(Command::new("python3").args([
        "-c",
        "import sys; sys.stdout.write(bytes(range(128, 256)).decode('cp437'))",
    ]));
    let python: Vec<char> = String::from_utf8(out.stdout).unwrap().chars().collect();
    let ours: Vec<char> = (0x80..=0xFFu8).map(amber_machine::screen::cp437).collect();
    assert_eq!(ours, python);
}

/// `--screenshot-at` takes the picture when the guest's clock reaches the time, so it is the
/// same in every run, and it is not the end's: GRUB's rescue floppy on the built-in BIOS,
/// 0.2 s into the run (before GRUB draws) and at the end (its menu).
#[test]
fn screenshot_at_a_virtual_time_is_deterministic() {
    let floppy = "/usr/lib/grub-rescue/grub-rescue-floppy.img";
    if !present("screen", &[], &[floppy]) {
        return;
    }
    let dir = common::work_dir("screen", "at");
    let shoot = |name: &str, at: Option<&str>| {
        let path = dir.join(name);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_amber"));
        cmd.args(["run", "--headless", "--serial", "none", "--timeout", "60s"])
            .args(["--fda", floppy, "--until-screen", "executed automatically"])
            .arg("--screenshot")
            .arg(&path);
        if let Some(t) = at {
            cmd.args(["--screenshot-at", t]);
        }
        let out = common::run(&mut cmd);
        assert_eq!(out.status.code(), Some(0), "{name}: the menu showed");
        std::fs::read(&path).unwrap()
    };
    let early = shoot("early1.png", Some("200ms"));
    assert_eq!(
        early,
        shoot("early2.png", Some("200ms")),
        "the same picture"
    );
    assert_ne!(early, shoot("end.png", None), "not the end's");
}
