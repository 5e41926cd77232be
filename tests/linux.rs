//! The Linux acceptance run (issue #6, item 5a): Debian 12's i386 kernel with a busybox
//! initramfs, both built from Debian packages by `testsuites/linux/fetch.sh` (which `.ci/run`
//! calls), boots headless with `console=ttyS0` to a shell; the test types commands on the
//! serial line and checks the answers; `reboot -f` boots it again, and `poweroff -f` ends the
//! run with exit status 0 through ACPI. The same kernel also boots from a syslinux disk
//! through the built-in BIOS and through SeaBIOS (`--bios`), and (item 5c) from an isolinux
//! CD. Without the files it says so and skips, except under CI=true, where that is a failure.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{linux_dir, present, skip, SEABIOS, VGABIOS};

/// A guest on the other end of COM1: what it printed so far, and its keyboard.
struct Console {
    child: Child,
    input: ChildStdin,
    output: Arc<Mutex<String>>,
}

impl Console {
    fn start(args: &[&str]) -> Console {
        let mut child = Command::new(env!("CARGO_BIN_EXE_amber"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("amber starts");
        let input = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let output = Arc::new(Mutex::new(String::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Console {
            child,
            input,
            output,
        }
    }

    /// Waits until the output after `from` contains `text`; returns where it ends.
    fn wait_for(&mut self, text: &str, from: usize, limit: Duration) -> usize {
        let start = Instant::now();
        loop {
            {
                let out = self.output.lock().unwrap();
                if let Some(at) = out.get(from..).and_then(|s| s.find(text)) {
                    return from + at + text.len();
                }
            }
            if start.elapsed() > limit {
                let out = self.output.lock().unwrap().clone();
                let _ = self.child.kill();
                panic!("no {text:?} within {limit:?}; the console said:\n{out}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the initramfs's "shell ready" line after `from`, then its prompt; returns
    /// the seconds since `start`.
    fn wait_for_shell(&mut self, from: usize, start: Instant) -> f64 {
        let ready = self.wait_for("amber-linux: shell ready", from, Duration::from_secs(300));
        self.wait_for("# ", ready, Duration::from_secs(60));
        start.elapsed().as_secs_f64()
    }

    /// Types a command line and waits for `answer` in what follows.
    fn ask(&mut self, command: &str, answer: &str) {
        let from = self.output.lock().unwrap().len();
        self.input
            .write_all(format!("{command}\n").as_bytes())
            .unwrap();
        let t = Instant::now();
        self.wait_for(answer, from, Duration::from_secs(60));
        eprintln!(
            "linux: {command:?} answered in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
}

impl Console {
    /// `poweroff -f`: ACPI soft-off (the DSDT's `\_S5` written to PM1a_CNT) must end the
    /// run with status 0.
    fn power_off(mut self) {
        self.input.write_all(b"poweroff -f\n").unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("poweroff -f did not end the run");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert_eq!(
            status.code(),
            Some(0),
            "poweroff ends the run with status 0"
        );
    }
}

/// The files `testsuites/linux/fetch.sh` builds, or None (skip; a failure under CI).
fn guest_files(names: &[&str]) -> Option<Vec<PathBuf>> {
    let dir = linux_dir();
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    if paths.iter().all(|p| p.exists()) {
        return Some(paths);
    }
    skip(&format!(
        "linux: {} lacks {} (run testsuites/linux/fetch.sh)",
        dir.display(),
        names.join(", ")
    ));
    None
}

/// Item 5b with the built-in BIOS: a raw hard-disk image with an MBR, a FAT partition and
/// syslinux boots the same kernel through the BIOS's INT 13h, the kernel's real-mode setup
/// uses the BIOS services, and the shell answers; the image is not modified.
/// Boots `image` (the syslinux disk or the isolinux CD, attached by `drive`, with
/// `firmware`'s options), checks the shell answers and powers off by ACPI; the image must be
/// unchanged.
fn boot_media(image: &str, drive: &[&str], firmware: &[&str], label: &str) {
    let Some(files) = guest_files(&[image]) else {
        return;
    };
    let before = std::fs::read(&files[0]).unwrap();
    for jit in JIT_AND_NOT {
        let start = Instant::now();
        let mut args = vec!["run", "--headless", "--timeout", "600s", jit];
        args.extend_from_slice(drive);
        args.push(files[0].to_str().unwrap());
        args.extend_from_slice(firmware);
        let mut console = Console::start(&args);
        let secs = console.wait_for_shell(0, start);
        eprintln!("linux: shell prompt from {image} through {label} ({jit}) after {secs:.1} s");
        console.ask("uname -sm", "Linux i686");
        console.power_off();
        assert!(
            std::fs::read(&files[0]).unwrap() == before,
            "the image is unchanged"
        );
    }
}

/// Every boot runs with the JIT and without. Serial input arrives when the host sends it, so
/// the two runs are compared by what the guest answers, not instruction by instruction.
const JIT_AND_NOT: [&str; 2] = ["--jit", "--no-jit"];

#[test]
fn syslinux_disk_boots_through_the_builtin_bios() {
    boot_media("syslinux.img", &["--hda"], &[], "the built-in BIOS");
}

/// SeaBIOS's path, or None (skip; a failure under CI).
fn seabios() -> Option<&'static str> {
    present("linux", &[], &[SEABIOS, VGABIOS]).then_some(SEABIOS)
}

/// Items 4 and 5b with external firmware: SeaBIOS shadows itself through the PAM registers,
/// finds the disk with its own ATA driver, boots syslinux, and hands Linux the ACPI tables it
/// loaded from fw_cfg, so `poweroff -f` ends the run with status 0 here too.
#[test]
fn syslinux_disk_boots_through_seabios() {
    if let Some(bios) = seabios() {
        boot_media("syslinux.img", &["--hda"], &["--bios", bios], "SeaBIOS");
    }
}

/// Item 5c: the isolinux CD boots by El Torito (no emulation) from the ATAPI drive, its
/// kernel and initramfs read through INT 13h's 2048-byte extended reads.
#[test]
fn isolinux_cd_boots_through_the_builtin_bios() {
    boot_media(
        "isolinux.iso",
        &["--cdrom"],
        &["--boot", "d"],
        "the built-in BIOS",
    );
}

#[test]
fn isolinux_cd_boots_through_seabios() {
    if let Some(bios) = seabios() {
        let firmware = ["--bios", bios, "--boot", "d"];
        boot_media("isolinux.iso", &["--cdrom"], &firmware, "SeaBIOS");
    }
}

#[test]
fn debian_kernel_boots_to_a_busybox_shell() {
    let Some(files) = guest_files(&["vmlinuz", "initramfs.cpio"]) else {
        return;
    };
    let (kernel, initrd) = (&files[0], &files[1]);
    for jit in JIT_AND_NOT {
        shell_session(kernel, initrd, jit);
    }
}

/// The Debian kernel's session of `debian_kernel_boots_to_a_busybox_shell`, with `jit`.
fn shell_session(kernel: &Path, initrd: &Path, jit: &str) {
    let start = Instant::now();
    let mut console = Console::start(&[
        "run",
        "--headless",
        jit,
        "--timeout",
        "600s",
        "--kernel",
        kernel.to_str().unwrap(),
        "--initrd",
        initrd.to_str().unwrap(),
        "--append",
        "console=ttyS0 cryptomgr.notests",
    ]);
    let secs = console.wait_for_shell(0, start);
    eprintln!("linux: shell prompt ({jit}) after {secs:.1} s");
    console.ask("uname -sm", "Linux i686");
    console.ask("uname -r", "-686");
    console.ask("grep -c ^processor /proc/cpuinfo", "\n1");
    console.ask("grep -m1 vendor_id /proc/cpuinfo", "GenuineIntel");
    console.ask("ls /proc", "meminfo");
    console.ask("echo ==$(expr 6 \\* 7)==", "==42==");
    console.ask(
        "awk 'BEGIN { for (i = 1; i <= 100; i++) s += i; print \"sum\", s }'",
        "sum 5050",
    );
    // `reboot -f` ends in the processor's shutdown cycle (Linux's last resort without a
    // keyboard controller), which resets the PC: the kernel boots again.
    let from = console.output.lock().unwrap().len();
    console.input.write_all(b"reboot -f\n").unwrap();
    let secs = console.wait_for_shell(from, start);
    eprintln!("linux: rebooted to the shell after {secs:.1} s");
    console.power_off();
}

/// `--jit-verify` over the first 30 seconds of the Debian kernel's boot (the decompressor
/// and early setup, with blocks compiled after 200 runs): every compiled run the verifier can
/// repeat must agree with the interpreter, register for register and byte for byte of RAM.
/// The run ends at its timeout (status 124); a difference would end it with 116.
#[test]
fn linux_boot_passes_jit_verify() {
    let Some(files) = guest_files(&["vmlinuz", "initramfs.cpio"]) else {
        return;
    };
    let out = common::run(
        Command::new(env!("CARGO_BIN_EXE_amber"))
            .args(["run", "--headless", "--serial", "none", "--timeout", "30s"])
            .args([
                "--jit-verify",
                "--jit-threshold",
                "200",
                "--stats",
                "--kernel",
            ])
            .arg(&files[0])
            .arg("--initrd")
            .arg(&files[1])
            .args(["--append", "console=ttyS0 cryptomgr.notests"]),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    let verified = common::runs_verified(&out).unwrap_or(0);
    eprintln!("linux: {verified} compiled runs verified");
    assert_eq!(out.status.code(), Some(124), "{err}");
    assert!(verified > 10_000, "only {verified} runs verified:\n{err}");
}

/// The MD5 of `data`, by the host's md5sum (coreutils).
fn md5(data: &[u8]) -> String {
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum runs");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout)[..32].to_string()
}

/// Linux's own drivers on amber's storage (items 2 and 5d from inside an operating system):
/// libata's ata_piix finds the disk and the ATAPI drive on the PIIX IDE controller, the SCSI
/// CD driver mounts the ISO, and what Linux reads from both matches the host's bytes; a
/// sector Linux writes to the disk (`--write`) is in the image after the run, and nothing
/// else changed.
#[test]
fn linux_reads_the_cd_and_writes_the_disk() {
    let Some(files) = guest_files(&["vmlinuz", "initramfs.cpio", "isolinux.iso"]) else {
        return;
    };
    for jit in JIT_AND_NOT {
        storage_session(&files, jit);
    }
}

/// The session of `linux_reads_the_cd_and_writes_the_disk`, with `jit`.
fn storage_session(files: &[PathBuf], jit: &str) {
    let scratch =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("linux_scratch{jit}.img"));
    let pattern: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 + i / 512) as u8).collect();
    std::fs::write(&scratch, &pattern).unwrap();
    let mut console = Console::start(&[
        "run",
        "--headless",
        jit,
        "--timeout",
        "600s",
        "--kernel",
        files[0].to_str().unwrap(),
        "--initrd",
        files[1].to_str().unwrap(),
        "--append",
        "console=ttyS0 cryptomgr.notests",
        "--hda",
        scratch.to_str().unwrap(),
        "--write",
        "--cdrom",
        files[2].to_str().unwrap(),
    ]);
    console.wait_for_shell(0, Instant::now());
    console.ask("storage-up", "storage-up: done");
    console.ask("cat /sys/block/sr0/device/model", "CD-ROM");
    let kernel = md5(&std::fs::read(&files[0]).unwrap());
    console.ask(
        "mount -t iso9660 -o ro /dev/sr0 /mnt && md5sum /mnt/vmlinuz",
        &format!("{kernel}  /mnt/vmlinuz"),
    );
    console.ask("md5sum /dev/sda", &format!("{}  /dev/sda", md5(&pattern)));
    console.ask(
        "echo amber-was-here | dd of=/dev/sda bs=512 seek=7 conv=sync,fsync && echo written",
        "\nwritten",
    );
    console.power_off();
    let after = std::fs::read(&scratch).unwrap();
    let mut expected = pattern;
    let text = b"amber-was-here\n";
    expected[7 * 512..8 * 512].fill(0);
    expected[7 * 512..7 * 512 + text.len()].copy_from_slice(text);
    assert!(after == expected, "only sector 7 changed, to the text");
}

/// Issue #7 item 6d: Linux's VGA text console (vgacon) on amber's VGA and its PS/2 keyboard
/// driver (atkbd behind i8042, found through the DSDT) on amber's 8042: the initramfs runs a
/// second shell on tty1; keys typed on the PS/2 keyboard reach it and its answer shows on
/// the VGA screen. The firmware (the built-in BIOS, or SeaBIOS's VGA BIOS) sets the text
/// mode the kernel's setup reads back through INT 10h.
fn vga_console_takes_ps2_keys(boot: &[&str], tag: &str) {
    let mut args = boot.to_vec();
    args.extend(["--on-screen", "vga shell ready", "--type", "uname -sm\\n"]);
    args.extend(["--until-screen", "Linux i686"]);
    let screen =
        common::run_to_screen(&format!("linux_vga_{tag}"), &args, Duration::from_secs(300));
    assert!(
        screen.contains("# uname -sm\nLinux i686"),
        "{tag}: {screen}"
    );
}

#[test]
fn linux_vga_console_takes_ps2_keys_with_the_builtin_bios() {
    if let Some(files) = guest_files(&["syslinux.img"]) {
        vga_console_takes_ps2_keys(&["--hda", files[0].to_str().unwrap()], "builtin");
    }
}

#[test]
fn linux_vga_console_takes_ps2_keys_with_seabios() {
    let Some(bios) = seabios() else { return };
    if let Some(files) = guest_files(&["syslinux.img"]) {
        let disk = files[0].to_str().unwrap();
        let boot = ["--bios", bios, "--vga-bios", VGABIOS, "--hda", disk];
        vga_console_takes_ps2_keys(&boot, "seabios");
    }
}

/// A kernel loaded directly: the machine sets the VGA up as the BIOS would and describes it
/// in the zero page's screen_info, where vgacon finds it.
#[test]
fn linux_vga_console_takes_ps2_keys_when_loaded_directly() {
    if let Some(files) = guest_files(&["vmlinuz", "initramfs.cpio"]) {
        let (kernel, initrd) = (files[0].to_str().unwrap(), files[1].to_str().unwrap());
        let append = "console=ttyS0 cryptomgr.notests";
        let boot = ["--kernel", kernel, "--initrd", initrd, "--append", append];
        vga_console_takes_ps2_keys(&boot, "direct");
    }
}

/// Issue #7 item 6d with `vga=`: typed at syslinux's `boot:` prompt, the `vesa` entry boots
/// the kernel with vga=0x317, whose real-mode setup asks the built-in BIOS's VBE for mode
/// 117h (1024x768, 16 bits per pixel, linear framebuffer); vesafb binds to it and fbcon draws
/// the tty1 shell into amber's framebuffer, which the screenshot at the end shows.
#[test]
fn vesafb_runs_on_the_vbe_framebuffer() {
    let Some(files) = guest_files(&["syslinux.img"]) else {
        return;
    };
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("linux_vesafb.png");
    let mut console = Console::start(&[
        "run",
        "--headless",
        "--timeout",
        "600s",
        "--hda",
        files[0].to_str().unwrap(),
        "--on-screen",
        "boot:",
        "--type",
        "vesa\\n",
        "--screenshot",
        shot.to_str().unwrap(),
    ]);
    console.wait_for_shell(0, Instant::now());
    console.ask("cat /proc/fb", "0 VESA VGA");
    console.ask("dmesg | grep 'vesafb: mode'", "mode is 1024x768x16");
    console.power_off();
    let (width, height, rgba) = common::read_png(&shot);
    assert_eq!((width, height), (1024, 768));
    assert!(
        rgba.chunks(4).any(|p| p[..3] != [0, 0, 0]),
        "fbcon drew the shell"
    );
}

/// Issue #7 item 6d with `console=tty0`: typed at syslinux's `boot:` prompt, the `tty0`
/// entry puts the kernel's console on the VGA text screen; init's own shell runs there and
/// answers what is typed on the PS/2 keyboard.
#[test]
fn linux_console_on_tty0_takes_ps2_keys() {
    let Some(files) = guest_files(&["syslinux.img"]) else {
        return;
    };
    let disk = files[0].to_str().unwrap();
    let args = [
        "--hda",
        disk,
        "--on-screen",
        "boot:",
        "--type",
        "tty0\\n",
        "--on-screen",
        "amber-linux: shell ready",
        "--type",
        "uname -sm\\n",
        "--until-screen",
        "Linux i686",
    ];
    let screen = common::run_to_screen("linux_tty0", &args, Duration::from_secs(300));
    assert!(screen.contains("amber-linux: shell ready"), "{screen}");
    assert!(screen.contains("# uname -sm\nLinux i686"), "{screen}");
}
