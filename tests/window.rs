//! The desktop window under a real X server (Xvfb, Debian package xvfb; xwd from x11-apps
//! takes the picture): amber opens its window when DISPLAY is set, shows the guest's screen
//! in it at a whole-number scale, and what the X server shows is amber's own frame, pixel for
//! pixel (the frame comes from `--screenshot` of the same run). The guest is GRUB's rescue
//! floppy on the built-in BIOS, sent to its command line, whose screen then stays as it is
//! (but for the cursor's blink). Missing tools skip with one line, except under CI=true.
#![cfg(feature = "window")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{present, read_png, skip};

/// An X server on display `:n`, killed when dropped.
struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_xvfb() -> Option<(Xvfb, String)> {
    for n in 90 + std::process::id() % 50..200 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1600x1000x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let server = Xvfb(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return Some((server, format!(":{n}")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        return None;
    }
    None
}

/// The root window as (width, height, 0xRRGGBB pixels), by `xwd -root` (an X Window Dump:
/// a header of big-endian 32-bit fields, the colour map, then ZPixmap rows).
fn capture(display: &str) -> (usize, usize, Vec<u32>) {
    let out = Command::new("xwd")
        .args(["-root", "-silent", "-display", display])
        .output()
        .expect("xwd runs");
    let d = out.stdout;
    let field = |i: usize| u32::from_be_bytes(d[i * 4..i * 4 + 4].try_into().unwrap()) as usize;
    let (header, width, height) = (field(0), field(4), field(5));
    let (lsb_first, bits, line, colours) = (field(7) == 0, field(11), field(12), field(19));
    assert_eq!(bits, 32, "a 24-bit screen stored in 32-bit pixels");
    let pixels = header + colours * 12;
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        for x in 0..width {
            let at = pixels + y * line + x * 4;
            let b: [u8; 4] = d[at..at + 4].try_into().unwrap();
            let v = if lsb_first {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            };
            out.push(v & 0xFF_FFFF);
        }
    }
    (width, height, out)
}

#[test]
fn the_window_shows_the_guest_screen() {
    let floppy = "/usr/lib/grub-rescue/grub-rescue-floppy.img";
    if !present("window", &["Xvfb", "xwd"], &[floppy]) {
        return;
    }
    let Some((_server, display)) = start_xvfb() else {
        skip("window: Xvfb did not start");
        return;
    };
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("window_frame.png");
    let mut amber = Command::new(env!("CARGO_BIN_EXE_amber"))
        .env("DISPLAY", &display)
        .args([
            "run",
            "--serial",
            "none",
            "--timeout",
            "20s",
            "--fda",
            floppy,
        ])
        .args(["--on-screen", "executed automatically", "--type", "c"])
        .arg("--screenshot")
        .arg(&shot)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // GRUB's command line shows within seconds, and nothing changes after it: wait until
    // two pictures 2 s apart agree, then for the run's end, which saves the frame.
    let start = Instant::now();
    let mut last = capture(&display);
    let (sw, screen) = loop {
        std::thread::sleep(Duration::from_secs(2));
        let now = capture(&display);
        if now == last && now.2.contains(&0xAA_AAAA) {
            break (now.0, now.2);
        }
        assert!(
            start.elapsed() < Duration::from_secs(16),
            "the screen never settled"
        );
        last = now;
    };
    let status = amber.wait().unwrap();
    assert_eq!(status.code(), Some(124), "the run ends at its timeout");
    let (fw, fh, rgba) = read_png(&shot);
    let (fw, fh) = (fw as usize, fh as usize);
    let frame: Vec<u32> = rgba
        .chunks(4)
        .map(|p| u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]))
        .collect();
    assert_eq!((fw, fh), (720, 400));
    // Where the frame's first lit pixel appears on the X screen gives the picture's origin.
    let grey = 0xAA_AAAA;
    let first = frame
        .iter()
        .position(|&p| p == grey)
        .expect("text in the frame");
    let lit = screen
        .iter()
        .position(|&p| p == grey)
        .expect("text on the X screen");
    let (ox, oy) = (lit % sw - 2 * (first % fw), lit / sw - 2 * (first / fw));
    // Every frame pixel appears as a 2x2 block, except that the blinking text cursor (some
    // scan lines of one 9x16 cell) may be on in one picture and off in the other.
    let mut differ = Vec::new();
    for y in 0..fh {
        for x in 0..fw {
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                if screen[(oy + 2 * y + dy) * sw + ox + 2 * x + dx] != frame[y * fw + x] {
                    differ.push((x, y));
                }
            }
        }
    }
    if let Some(&(x0, y0)) = differ.first() {
        let cell = (x0 / 9, y0 / 16);
        assert!(
            differ.iter().all(|&(x, y)| (x / 9, y / 16) == cell),
            "{} pixels differ, beyond the cursor's cell at ({x0}, {y0})",
            differ.len()
        );
    }
}
