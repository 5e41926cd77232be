//! The command line's contract (README "Headless test runs"): exit codes for each way a run
//! ends, and one clear line with a non-zero status for bad input. The guests are tiny
//! Multiboot images with a.out load addresses, assembled here.

use std::path::PathBuf;
use std::process::{Command, Output};

use iced_x86::code_asm::*;

const LOAD: u32 = 0x10_0000;

/// A Multiboot image whose code (assembled at the entry point) follows the header.
fn image(name: &str, code: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> PathBuf {
    let mut a = CodeAssembler::new(32).unwrap();
    code(&mut a).unwrap();
    let body = a.assemble(LOAD as u64 + 32).unwrap();
    let flags = 1u32 << 16;
    let magic = 0x1BAD_B002u32;
    let mut img = Vec::new();
    for v in [
        magic,
        flags,
        0u32.wrapping_sub(magic.wrapping_add(flags)),
        LOAD,
        LOAD,
        0,
        0,
        LOAD + 32,
    ] {
        img.extend_from_slice(&v.to_le_bytes());
    }
    img.extend_from_slice(&body);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.img"));
    std::fs::write(&path, img).unwrap();
    path
}

fn amber(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_amber"))
        .args(args)
        .output()
        .expect("amber runs")
}

fn run_image(path: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", "--headless", "--kernel", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    amber(&args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn guest_exit_status_is_value_shifted_plus_one() {
    let img = image("exit", |a| {
        a.mov(eax, 0x15u32)?;
        a.out(0xF4, eax)
    });
    assert_eq!(run_image(&img, &[]).status.code(), Some((0x15 << 1) | 1));
}

#[test]
fn cli_hlt_is_detected_and_reported() {
    let img = image("dead", |a| {
        a.mov(al, 0x42u32)?;
        a.out(0x80, al)?; // a POST code, printed with the message
        a.cli()?;
        a.hlt()
    });
    let out = run_image(&img, &[]);
    assert_eq!(out.status.code(), Some(120));
    assert!(
        stderr(&out).contains("interrupts disabled") && stderr(&out).contains("0x42"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn triple_fault_ends_the_run_naming_the_exception() {
    let img = image("triple", |a| {
        a.xor(eax, eax)?;
        a.lidt(ptr(eax))?; // an IDT with limit 0: every exception escalates
        a.ud2()
    });
    let out = run_image(&img, &["--no-reboot"]);
    assert_eq!(out.status.code(), Some(122));
    assert!(stderr(&out).contains("triple fault"), "{}", stderr(&out));
}

#[test]
fn timeout_stops_a_spinning_guest() {
    let img = image("spin", |a| {
        let mut l = a.create_label();
        a.set_label(&mut l)?;
        a.jmp(l)
    });
    let out = run_image(&img, &["--timeout", "300ms"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(stderr(&out).contains("timeout"), "{}", stderr(&out));
}

#[test]
fn reset_request_ends_the_run_with_no_reboot() {
    let img = image("reset", |a| {
        a.mov(al, 1u32)?;
        a.out(0x92, al)
    });
    assert_eq!(run_image(&img, &["--no-reboot"]).status.code(), Some(118));
}

#[test]
fn a_reset_boots_the_kernel_again() {
    // Each boot prints one character on the debug console, then resets.
    let img = image("reboot", |a| {
        a.mov(al, b'R' as u32)?;
        a.out(0xE9, al)?;
        a.mov(al, 1u32)?;
        a.out(0x92, al)
    });
    let out = run_image(
        &img,
        &[
            "--debugcon",
            "stdio",
            "--serial",
            "none",
            "--timeout",
            "500ms",
        ],
    );
    assert_eq!(out.status.code(), Some(124), "it reboots until the timeout");
    let boots = String::from_utf8_lossy(&out.stdout).matches('R').count();
    assert!(boots > 2, "booted {boots} times");
}

#[test]
fn bad_input_gives_one_line_and_status_2() {
    let missing = amber(&["run", "--headless", "--kernel", "/nonexistent/kernel.elf"]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(stderr(&missing).lines().count(), 1, "{}", stderr(&missing));
    assert!(stderr(&missing).contains("/nonexistent/kernel.elf"));

    let not_multiboot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zeros.bin");
    std::fs::write(&not_multiboot, vec![0u8; 4096]).unwrap();
    let out = run_image(&not_multiboot, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Multiboot header"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);

    let img = image("tiny", |a| a.hlt());
    for bad in [
        ["--memory", "1K"],
        ["--memory", "12X"],
        ["--serial", "tcp:1"],
        ["--timeout", "soon"],
    ] {
        let out = run_image(&img, &bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{bad:?}");
    }
}

/// A boot sector that exits through isa-debug-exit with the high nibble of DL, the drive
/// the BIOS booted it from: status (DL >> 4) << 1 | 1.
fn boot_sector_image(name: &str, size: usize) -> PathBuf {
    let mut a = CodeAssembler::new(16).unwrap();
    a.mov(al, dl).unwrap();
    a.shr(al, 4).unwrap();
    a.out(0xF4, al).unwrap();
    a.hlt().unwrap();
    let mut img = a.assemble(0x7C00).unwrap();
    img.resize(size, 0);
    img[510] = 0x55;
    img[511] = 0xAA;
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.img"));
    std::fs::write(&path, img).unwrap();
    path
}

/// `amber IMAGE`: a diskette-sized image boots from drive A: (DL 00h), another size from the
/// first hard disk (DL 80h), through the built-in BIOS (the BIOS boot protocol's DL values).
#[test]
fn a_lone_image_boots_from_the_drive_its_size_suggests() {
    for (name, size, status) in [("guess_floppy", 1_474_560, 1), ("guess_disk", 1 << 20, 17)] {
        let img = boot_sector_image(name, size);
        let out = amber(&[img.to_str().unwrap(), "--headless", "--timeout", "10s"]);
        assert_eq!(out.status.code(), Some(status), "{name}: {}", stderr(&out));
    }
    let img = boot_sector_image("guess_twice", 1 << 20);
    let path = img.to_str().unwrap();
    let out = amber(&[path, "--headless", "--hda", path]);
    assert_eq!(out.status.code(), Some(2), "one drive, named twice");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    let odd = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("odd.img");
    std::fs::write(&odd, vec![0u8; 1000]).unwrap();
    let out = amber(&[odd.to_str().unwrap(), "--headless"]);
    assert_eq!(out.status.code(), Some(2), "not whole sectors");
    assert!(stderr(&out).contains("odd.img"), "{}", stderr(&out));
}

/// `--bios` takes the ROM sizes of a PC's firmware chip: 64, 128 or 256 KiB.
#[test]
fn a_firmware_image_of_another_size_is_refused() {
    let rom = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("small.rom");
    std::fs::write(&rom, vec![0u8; 1000]).unwrap();
    let out = amber(&["run", "--headless", "--bios", rom.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("small.rom") && err.contains("256 KiB"),
        "{err}"
    );
    let out = amber(&["run", "--vga-bios", rom.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "--vga-bios needs --bios");
}

/// The built-in BIOS boots a floppy on every processor model, the 8086 (20 address lines)
/// and the 286 (24: its reset vector FFFFF0h is the ROM's, as on the PC/AT) included; the
/// boot sector's own exit value comes back.
#[test]
fn the_builtin_bios_boots_on_every_cpu_model() {
    let mut a = CodeAssembler::new(16).unwrap();
    a.mov(al, 0x21u32).unwrap();
    a.out(0xF4, al).unwrap();
    a.hlt().unwrap();
    let mut img = a.assemble(0x7C00).unwrap();
    img.resize(1_474_560, 0);
    img[510] = 0x55;
    img[511] = 0xAA;
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("every_cpu.img");
    std::fs::write(&path, img).unwrap();
    for cpu in [
        "8086", "80286", "80386", "80486", "pentium", "p6", "pentium4",
    ] {
        let out = amber(&[
            "run",
            "--headless",
            "--cpu",
            cpu,
            "--fda",
            path.to_str().unwrap(),
            "--timeout",
            "20s",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0x21 << 1 | 1),
            "{cpu}: {}",
            stderr(&out)
        );
    }
}
