//! Issue #7 item 6a: GRUB's rescue floppy and CD (Debian package grub-rescue-pc) boot to
//! GRUB's menu; `c` opens its command line, a typed `ls` is answered on screen with the boot
//! device and its partition, read back with `--screen-text`. The keys go through amber's
//! 8042 and PS/2 keyboard (`--on-screen`/`--type`), the screen through its VGA. Each boot
//! runs with amber's built-in BIOS (its INT 10h, 13h and 16h) and with SeaBIOS and its VGA
//! BIOS (Debian's). Missing files skip with one line, except under
//! CI=true.

mod common;

use std::time::Duration;

use common::{present, run_to_screen, SEABIOS, VGABIOS};

const RESCUE: &str = "/usr/lib/grub-rescue";

/// The firmware choices: amber's built-in BIOS, and SeaBIOS with its VGA BIOS.
const FIRMWARE: [(&str, &[&str]); 2] = [
    ("builtin", &[]),
    ("seabios", &["--bios", SEABIOS, "--vga-bios", VGABIOS]),
];

/// Boots `image` (attached by `drive`, booted from `boot`) with `firmware`, opens GRUB's
/// command line, types `ls`, and returns the screen once the answer `device` is on it.
fn grub_ls(
    name: &str,
    firmware: &[&str],
    drive: &str,
    image: &str,
    boot: &str,
    device: &str,
) -> String {
    let mut args = firmware.to_vec();
    args.extend([drive, image, "--boot", boot]);
    args.extend([
        "--on-screen",
        "will be executed automatically",
        "--type",
        "c",
    ]);
    args.extend([
        "--on-screen",
        "grub>",
        "--type",
        "ls\\n",
        "--until-screen",
        device,
    ]);
    run_to_screen(&format!("grub_{name}"), &args, Duration::from_secs(120))
}

#[test]
fn grub_rescue_floppy_answers_ls() {
    let floppy = format!("{RESCUE}/grub-rescue-floppy.img");
    if !present("grub", &[], &[SEABIOS, VGABIOS, &floppy]) {
        return;
    }
    for (tag, firmware) in FIRMWARE {
        let name = format!("floppy_{tag}");
        let screen = grub_ls(&name, firmware, "--fda", &floppy, "a", "(fd0,msdos1)");
        assert!(screen.contains("GNU GRUB  version 2."), "{tag}: {screen}");
        assert!(
            screen.contains("grub> ls\n(fd0) (fd0,msdos1)"),
            "{tag}: {screen}"
        );
    }
}

#[test]
fn grub_rescue_cd_answers_ls() {
    let cd = format!("{RESCUE}/grub-rescue-cdrom.iso");
    if !present("grub", &[], &[SEABIOS, VGABIOS, &cd]) {
        return;
    }
    for (tag, firmware) in FIRMWARE {
        let name = format!("cd_{tag}");
        let screen = grub_ls(&name, firmware, "--cdrom", &cd, "d", "(cd,msdos1)");
        assert!(
            screen.contains("grub> ls\n(cd) (cd,msdos1)"),
            "{tag}: {screen}"
        );
    }
}
