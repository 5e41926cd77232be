//! Issue #7 item 6a: GRUB's rescue floppy and CD (Debian package grub-rescue-pc) boot to
//! GRUB's menu; `c` opens its command line, a typed `ls` is answered on screen with the boot
//! device and its partition, read back with `--screen-text`. The keys go through amber's
//! 8042 and PS/2 keyboard (`--on-screen`/`--type`), the screen through its VGA. Firmware:
//! SeaBIOS with its VGA BIOS (both Debian's). Missing files skip with one line, except under
//! CI=true.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{present, SEABIOS, VGABIOS};

const RESCUE: &str = "/usr/lib/grub-rescue";

/// Boots `image` (attached by `drive`, booted from `boot`), opens GRUB's command line, types
/// `ls`, and returns the screen once the answer `device` is on it.
fn grub_ls(name: &str, drive: &str, image: &str, boot: &str, device: &str) -> String {
    let text = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("grub_{name}.txt"));
    let out = Command::new(env!("CARGO_BIN_EXE_amber"))
        .args(["run", "--headless", "--serial", "none", "--timeout", "120s"])
        .args([
            "--bios",
            SEABIOS,
            "--vga-bios",
            VGABIOS,
            drive,
            image,
            "--boot",
            boot,
        ])
        .args([
            "--on-screen",
            "will be executed automatically",
            "--type",
            "c",
        ])
        .args(["--on-screen", "grub>", "--type", "ls\\n"])
        .args(["--until-screen", device])
        .arg("--screen-text")
        .arg(&text)
        .output()
        .unwrap();
    let screen = std::fs::read_to_string(&text).unwrap_or_default();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: the answer never showed: {}\n{screen}",
        String::from_utf8_lossy(&out.stderr)
    );
    screen
}

#[test]
fn grub_rescue_floppy_answers_ls() {
    let floppy = format!("{RESCUE}/grub-rescue-floppy.img");
    if !present("grub", &[], &[SEABIOS, VGABIOS, &floppy]) {
        return;
    }
    let screen = grub_ls("floppy", "--fda", &floppy, "a", "(fd0,msdos1)");
    assert!(screen.contains("GNU GRUB  version 2."), "{screen}");
    assert!(screen.contains("grub> ls\n(fd0) (fd0,msdos1)"), "{screen}");
}

#[test]
fn grub_rescue_cd_answers_ls() {
    let cd = format!("{RESCUE}/grub-rescue-cdrom.iso");
    if !present("grub", &[], &[SEABIOS, VGABIOS, &cd]) {
        return;
    }
    let screen = grub_ls("cd", "--cdrom", &cd, "d", "(cd,msdos1)");
    assert!(screen.contains("grub> ls\n(cd) (cd,msdos1)"), "{screen}");
}
