//! The built-in demo prints the primes below 100 and the Fibonacci numbers below 65536; the
//! expected lists are computed here, independently of the emulator.

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
    for cpu in ["8086", "80286", "80386", "80486", "pentium", "p6"] {
        let out = Command::new(env!("CARGO_BIN_EXE_amber"))
            .args(["demo", "--cpu", cpu])
            .output()
            .expect("amber runs");
        assert!(out.status.success(), "{cpu}: exit {:?}", out.status);
        let text = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Hello from amber, an x86 PC emulator.", "{cpu}");
        assert_eq!(numbers(lines[1]), primes_below(100), "{cpu}");
        assert_eq!(numbers(lines[2]), fibonacci_u16(), "{cpu}");
    }
}

#[test]
fn no_arguments_runs_the_demo() {
    let out = Command::new(env!("CARGO_BIN_EXE_amber"))
        .output()
        .expect("amber runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Hello from amber"));
}
