//! Boot time of the Linux acceptance guest (Debian 12's i386 kernel and the busybox
//! initramfs that `testsuites/linux/fetch.sh` builds): wall-clock seconds from start to the
//! shell's "ready" line on the serial console, for amber's interpreter, amber's JIT and
//! `qemu-system-i386` (TCG) in the same run, and their ratios. Both get the same kernel, initramfs, command line,
//! RAM and a Pentium II-class CPU.
//!
//! Run with `cargo bench --bench boot` after `testsuites/linux/fetch.sh`.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const READY: &str = "amber-linux: shell ready";
const APPEND: &str = "console=ttyS0 cryptomgr.notests";

/// Seconds until `cmd` prints READY on stdout, or None if it never does within `limit`.
fn time_to_ready(cmd: &mut Command, limit: Duration) -> Option<f64> {
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = out.read(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            if seen.contains(READY) {
                let _ = tx.send(());
                return;
            }
        }
    });
    let ready = rx
        .recv_timeout(limit)
        .ok()
        .map(|()| start.elapsed().as_secs_f64());
    let _ = child.kill();
    let _ = child.wait();
    ready
}

fn main() {
    let dir = std::env::var_os("AMBER_LINUX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/linux"));
    let (kernel, initrd) = (dir.join("vmlinuz"), dir.join("initramfs.cpio"));
    if !kernel.exists() || !initrd.exists() {
        println!(
            "boot: no kernel in {}; run testsuites/linux/fetch.sh",
            dir.display()
        );
        return;
    }
    let limit = Duration::from_secs(300);
    let amber = |jit: &str| {
        time_to_ready(
            Command::new(env!("CARGO_BIN_EXE_amber"))
                .args(["run", "--headless", jit, "--timeout", "300s", "--kernel"])
                .arg(&kernel)
                .arg("--initrd")
                .arg(&initrd)
                .args(["--append", APPEND]),
            limit,
        )
    };
    let interpreter = amber("--no-jit");
    let jit = amber("--jit");
    let qemu = time_to_ready(
        Command::new("qemu-system-i386")
            .args(["-M", "pc", "-accel", "tcg", "-cpu", "pentium2", "-m", "128"])
            .args([
                "-nodefaults",
                "-display",
                "none",
                "-serial",
                "stdio",
                "-no-reboot",
            ])
            .arg("-kernel")
            .arg(&kernel)
            .arg("-initrd")
            .arg(&initrd)
            .args(["-append", APPEND]),
        limit,
    );
    let show = |t: Option<f64>| {
        t.map_or("did not reach the shell".to_string(), |s| {
            format!("{s:.2} s")
        })
    };
    println!("boot to shell, amber interpreter    {}", show(interpreter));
    println!("boot to shell, amber JIT            {}", show(jit));
    println!("boot to shell, qemu-system-i386 TCG {}", show(qemu));
    for (name, time) in [("interpreter", interpreter), ("JIT", jit)] {
        if let (Some(a), Some(q)) = (time, qemu) {
            println!("ratio amber {name:<11} / qemu     {:.2}", a / q);
        }
    }
}
