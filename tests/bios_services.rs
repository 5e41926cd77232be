//! The built-in BIOS's services side by side with SeaBIOS under `qemu-system-i386`: the PCI
//! BIOS (INT 1Ah AH=B1h), the timed wait (INT 15h AH=86h) and the timer hook (INT 1Ch), the
//! keyboard buffer and keyboard ID (INT 16h), the pointing device (INT 15h AH=C2h), keys and
//! mouse packets put into the 8042's output buffer by the guest (commands D2h/D3h, which
//! reach INT 09h and INT 74h as typed keys and moves would), the keyboard intercept (INT 15h
//! AH=4Fh) and Ctrl+Alt+Del. A boot program assembled with `as` (`bios_services/programs.rs`),
//! on a raw hard-disk image, prints what each BIOS answers on COM1 through INT 14h, and the
//! two outputs must match line for line, except where a test names the lines in which amber
//! follows the IBM BIOS, Ralf Brown's list or the PCI BIOS Specification 2.1 and SeaBIOS does
//! not. The serial console's keys are checked against Ralf Brown's key table. Missing tools
//! skip a test with one line, except under CI=true, where that is a failure.

mod common;
#[path = "bios_services/programs.rs"]
mod programs;

use common::{present, run, work_dir};
use programs::*;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The program assembled with `as` and linked at 0x7C00, on a 1 MiB raw disk image.
fn disk_image(dir: &Path, source: &str) -> PathBuf {
    let mut code = common::assemble_boot_program(dir, "boot", source);
    assert!(
        code.len() <= 4096,
        "the program fits the 8 sectors it loads"
    );
    code.resize(1 << 20, 0);
    let image = dir.join("disk.img");
    std::fs::write(&image, &code).unwrap();
    image
}

/// amber with the disk, with the JIT and without (`common::run_both_ways`).
fn amber(image: &Path) -> Output {
    common::run_both_ways(|| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_amber"));
        cmd.args(["run", "--headless", "--timeout", "60s", "--hda"])
            .arg(image);
        cmd
    })
}

/// qemu-system-i386 (SeaBIOS) under coreutils' `timeout`, so a hung guest fails its test in
/// a minute.
fn qemu(image: &Path, extra: &[&str]) -> Output {
    let drive = format!(
        "file={},format=raw,if=ide,index=0,snapshot=on",
        image.display()
    );
    run(Command::new("timeout")
        .args(["60", "qemu-system-i386"])
        .args(["-M", "pc", "-m", "128", "-nodefaults", "-vga", "none"])
        .args(["-display", "none", "-serial", "stdio"])
        .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
        .args(["-cpu", "pentium2", "-drive", &drive])
        .args(extra))
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts that amber's run printed what SeaBIOS's did, line for line, except for the
/// `differ` lines (amber's, SeaBIOS's), where each printed its own.
fn assert_like_seabios_except(ours: &Output, theirs: &Output, differ: &[(&str, &str)]) {
    let (a, q) = (text(ours), text(theirs));
    let mut expected = q.clone();
    for (amber_line, seabios_line) in differ {
        let from = format!("{seabios_line}\n");
        assert!(q.contains(&from), "SeaBIOS printed {seabios_line}:\n{q}");
        expected = expected.replacen(&from, &format!("{amber_line}\n"), 1);
    }
    assert_eq!(
        a,
        expected,
        "amber's BIOS and SeaBIOS\n{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(ours.status.code(), theirs.status.code());
}

#[test]
fn wait_and_timer_hook_like_seabios() {
    if !present("BIOS services", &["as", "ld", "qemu-system-i386"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "wait");
    let image = disk_image(&dir, &format!("{START}{WAIT}"));
    let (ours, theirs) = (amber(&image), qemu(&image, &["-no-reboot"]));
    let q = text(&theirs);
    assert_eq!(q.matches("ticks=600D").count(), 3, "SeaBIOS waited:\n{q}");
    assert_like_seabios_except(&ours, &theirs, &[]);
}

/// SeaBIOS answers a find-device call for vendor FFFFh with 86h (device not found); the PCI
/// BIOS Specification 2.1, 2.2.3, has 83h (bad vendor ID), which amber returns. SeaBIOS
/// reads a word at an odd register (register 1 gives the word at 0, its port I/O
/// ignoring bit 0); the specification (2.2.8) has 87h (bad register number).
#[test]
fn pci_bios_answers_like_seabios() {
    if !present("BIOS services", &["as", "ld", "qemu-system-i386"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "pci");
    let image = disk_image(&dir, &format!("{START}{PCI}"));
    let (ours, theirs) = (amber(&image), qemu(&image, &["-no-reboot"]));
    let q = text(&theirs);
    assert!(q.contains("dx=20494350\n"), "SeaBIOS ran the program:\n{q}");
    assert_like_seabios_except(
        &ours,
        &theirs,
        &[
            ("cf1 vendor=8302", "cf1 vendor=8602"),
            ("cf1 ax=8709", "cf0 cx=8086"),
        ],
    );
}

/// Where amber follows IBM and Ralf Brown's list rather than SeaBIOS (amber's line,
/// SeaBIOS's line):
/// - INT 16h AH=09h: bit 2 (AX=0305h, set typematic rate, is supported) as well as SeaBIOS's
///   bits 4 and 5.
/// - A code the 83-key keyboard never had (F11, 8500h) is dropped by AH=01h/00h (IBM,
///   KIO_S_XLAT); SeaBIOS returns it.
/// - INT 15h AX=C205h with a packet size of 9: AH=02h, invalid input (Ralf Brown's list,
///   INT 15/C2 status table); SeaBIOS has 03h, interface error.
const KEYBOARD_DIFFERENCES: &[(&str, &str)] = &[
    ("caps=0934", "caps=0930"),
    (
        "f=0100 cf0 ax=0100 bx=7E00 cx=8500 dx=0080 ",
        "f=0100 cf0 ax=8500 bx=7E00 cx=8500 dx=0080 ",
    ),
    (
        "cf1 ax=0205 bx=0900 cx=0000 dx=0000 ",
        "cf1 ax=0305 bx=0900 cx=0000 dx=0000 ",
    ),
];

#[test]
fn keyboard_and_mouse_services_like_seabios() {
    if !present("BIOS services", &["as", "ld", "qemu-system-i386"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "keyboard");
    let image = disk_image(&dir, &format!("{START}{KEYBOARD_AND_MOUSE}"));
    let (ours, theirs) = (amber(&image), qemu(&image, &["-no-reboot"]));
    assert!(text(&theirs).contains("bx=41AB"), "SeaBIOS ran the program");
    assert_like_seabios_except(&ours, &theirs, KEYBOARD_DIFFERENCES);
}

/// Where amber follows the IBM BIOS rather than SeaBIOS (amber's lines, SeaBIOS's): Alt
/// with keypad digits 6, 5 types the character 65 when Alt is released (KB_INT, "ALT-NUMPAD"
/// handling; Ralf Brown's list, 40:19), which SeaBIOS does not do; Insert toggles insert
/// mode, 40:17 bit 7, which SeaBIOS leaves clear.
const TYPING_DIFFERENCES: &[(&str, &str)] = &[("28=0041\nflags=008C", "flags=000C")];

#[test]
fn typed_keys_like_seabios() {
    if !present("BIOS services", &["as", "ld", "qemu-system-i386"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "typing");
    let image = disk_image(&dir, &format!("{START}{TYPING}"));
    let (ours, theirs) = (amber(&image), qemu(&image, &["-no-reboot"]));
    assert!(
        text(&theirs).contains("breaks=0001"),
        "SeaBIOS ran the program"
    );
    assert_like_seabios_except(&ours, &theirs, TYPING_DIFFERENCES);
}

#[test]
fn mouse_packets_reach_the_handler_like_seabios() {
    if !present("BIOS services", &["as", "ld", "qemu-system-i386"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "mouse");
    let image = disk_image(&dir, &format!("{START}{MOUSE_PACKETS}"));
    let (ours, theirs) = (amber(&image), qemu(&image, &["-no-reboot"]));
    assert!(
        text(&theirs).contains("calls=0003"),
        "SeaBIOS ran the program"
    );
    assert_like_seabios_except(&ours, &theirs, &[]);
}

#[test]
fn ctrl_alt_del_resets_like_seabios() {
    if !present("BIOS services", &["as", "ld", "qemu-system-i386"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "ctrl_alt_del");
    let image = disk_image(&dir, &format!("{START}{CTRL_ALT_DEL}"));
    let (ours, theirs) = (amber(&image), qemu(&image, &[]));
    assert_eq!(text(&theirs), "started again\n", "SeaBIOS reset");
    assert_like_seabios_except(&ours, &theirs, &[]);
}

/// Expected codes from Ralf Brown's list, INT 16h table 00006: a 1E61h, A 1E41h, Enter
/// 1C0Dh, Ctrl+C 2E03h.
#[test]
fn serial_console_types_into_int16() {
    if !present("BIOS services", &["as", "ld"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "serial");
    let image = disk_image(&dir, &format!("{START}{SERIAL_KEYS}"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_amber"))
        .args(["run", "--headless", "--timeout", "60s", "--hda"])
        .arg(&image)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    child
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"aA\r\x03")
        .unwrap();
    let mut rest = String::new();
    for _ in 0..4 {
        out.read_line(&mut rest).unwrap();
    }
    assert_eq!(rest, "ax=1E61\nax=1E41\nax=1C0D\nax=2E03\n");
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

/// The IBM BIOS's Pause (BIOS listing, KB_INT "PAUSE KEY"; Ralf Brown's list, 40:18 bit 3):
/// the machine waits in INT 09h until another key, which is dropped. SeaBIOS has no pause,
/// so this is checked against the listing alone.
#[test]
fn pause_waits_for_a_key() {
    if !present("BIOS services", &["as", "ld"], &[]) {
        return;
    }
    let dir = work_dir("bios_services", "pause");
    let image = disk_image(&dir, &format!("{START}{PAUSE}"));
    let ours = amber(&image);
    assert_eq!(text(&ours), "ticks=600D\nax=3062\n");
    assert_eq!(ours.status.code(), Some(1));
}
