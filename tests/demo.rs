//! The built-in demo, booted from its built-in diskette through the built-in BIOS: it prints
//! the primes below 100 and the Fibonacci numbers below 65536 (the expected lists are
//! computed here, independently of the emulator), names the processor as Intel's AP-485
//! identification procedure does, and draws colour bars in mode 13h, which its screenshot
//! shows.

mod common;

use std::process::Command;

fn primes_below(n: u32) -> Vec<u32> {
    (2..n).filter(|&k| (2..k).all(|d| k % d != 0)).collect()
}

fn fibonacci_u16() -> Vec<u32> {
    let (mut a, mut b) = (0u32, 1u32);
    let mut v = Vec::new();
    while a < 65536 {
        v.push(a);
        (a, b) = (b, a + b);
    }
    v
}

fn numbers(line: &str) -> Vec<u32> {
    line.split(':')
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .map(|w| w.parse().unwrap())
        .collect()
}

#[test]
fn demo_runs_on_every_cpu_model() {
    // AP-485: the 8086 keeps FLAGS bits 12-15 set, the 286 clear in real mode; the 386
    // cannot set EFLAGS.AC, a 486 without CPUID cannot set EFLAGS.ID; the Pentium and later
    // answer CPUID leaf 0 with Intel's vendor string.
    let models = [
        ("8086", "8086/8088"),
        ("80286", "80286"),
        ("80386", "80386"),
        ("80486", "80486"),
        ("pentium", "GenuineIntel"),
        ("p6", "GenuineIntel"),
        ("pentium4", "GenuineIntel"),
    ];
    for (cpu, name) in models {
        let out = Command::new(env!("CARGO_BIN_EXE_amber"))
            .args(["demo", "--headless", "--cpu", cpu])
            .output()
            .expect("amber runs");
        assert!(out.status.success(), "{cpu}: exit {:?}", out.status);
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Hello from amber, an x86 PC emulator.", "{cpu}");
        assert_eq!(numbers(lines[1]), primes_below(100), "{cpu}");
        assert_eq!(numbers(lines[2]), fibonacci_u16(), "{cpu}");
        assert_eq!(lines[3], format!("CPU: {name}"), "{cpu}");
        assert_eq!(lines.last(), Some(&"Bye."), "{cpu}: powered off when idle");
    }
}

/// Mode 13h's 320x200 screen below the text: 16 x 8 blocks of 20 x 25 pixels, each one
/// colour, the 16 of a band all different (colour 16 * band + column of the 256-colour
/// palette).
#[test]
fn demo_draws_colour_bars() {
    let shot = common::work_dir("demo", "bars").join("demo.png");
    let out = Command::new(env!("CARGO_BIN_EXE_amber"))
        .args(["demo", "--headless", "--screenshot"])
        .arg(&shot)
        .output()
        .expect("amber runs");
    assert!(out.status.success());
    let (width, height, rgba) = common::read_png(&shot);
    assert_eq!((width, height), (320, 200));
    let pixel = |x: u32, y: u32| {
        let i = ((y * width + x) * 4) as usize;
        [rgba[i], rgba[i + 1], rgba[i + 2]]
    };
    // The text takes the first 4 rows of 8 pixels; bands 2 to 7 are whole.
    for band in 2..8 {
        let colours: Vec<[u8; 3]> = (0..16).map(|c| pixel(c * 20, band * 25)).collect();
        for (c, colour) in colours.iter().enumerate() {
            let (x0, y0) = (c as u32 * 20, band * 25);
            for (x, y) in (x0..x0 + 20).flat_map(|x| (y0..y0 + 25).map(move |y| (x, y))) {
                assert_eq!(pixel(x, y), *colour, "block ({c}, {band}) at ({x}, {y})");
            }
        }
        let mut distinct = colours.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 16, "band {band}: {colours:?}");
    }
}

#[test]
fn no_arguments_runs_the_demo() {
    let out = Command::new(env!("CARGO_BIN_EXE_amber"))
        .env_remove("DISPLAY")
        .output()
        .expect("amber runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Hello from amber"));
}
