//! What the integration tests share: finding the tools and files a test needs (a missing
//! one skips the test with one line, and fails it under CI=true), running commands, work
//! directories, and reading back PNG screenshots. Each test file uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// Debian's SeaBIOS (package seabios) and its VGA BIOS for QEMU's standard VGA.
pub const SEABIOS: &str = "/usr/share/seabios/bios-256k.bin";
pub const VGABIOS: &str = "/usr/share/seabios/vgabios-stdvga.bin";

/// Whether the shell finds `tool`.
pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Says `msg` and that the test is skipped; under CI=true the test fails instead.
pub fn skip(msg: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{msg} (required under CI)"
    );
    eprintln!("{msg}; skipping");
}

/// True when every tool and file is there; otherwise `skip`s, naming what `what` lacks.
pub fn present(what: &str, tools: &[&str], files: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| !have(t))
        .chain(files.iter().copied().filter(|f| !Path::new(f).exists()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    skip(&format!("{what}: {} missing", missing.join(", ")));
    false
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

/// The instruction count of a run's `--stats` line, from its standard error.
pub fn instruction_count(out: &Output) -> Option<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find(|l| l.contains(" instructions, "))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
}

/// The compiled runs `--jit-verify` repeated and found equal, from a run's `--stats`.
pub fn runs_verified(out: &Output) -> Option<u64> {
    String::from_utf8_lossy(&out.stderr)
        .split("; ")
        .nth(1)
        .and_then(|s| s.split(' ').next()?.parse().ok())
}

/// Runs the amber command `make` builds twice, with the JIT (compiling blocks after 200
/// runs, as `run_to_screen` does) and without, and requires the same exit status, output and
/// instruction count: runs are deterministic. Returns the JIT's run.
pub fn run_both_ways(make: impl Fn() -> Command) -> Output {
    let mut jit = make();
    let jit = run(jit.args(["--jit", "--jit-threshold", "200", "--stats"]));
    let mut interpreted = make();
    let interpreted = run(interpreted.args(["--no-jit", "--stats"]));
    let count = instruction_count;
    let text = |o: &Output| String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        (jit.status.code(), text(&jit), count(&jit)),
        (
            interpreted.status.code(),
            text(&interpreted),
            count(&interpreted)
        ),
        "{:?}: the JIT's run (first) and the interpreter's: exit status, output, instructions",
        make()
    );
    jit
}

/// Runs `cmd` and fails the test if it fails.
pub fn check(cmd: &mut Command) {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A fresh directory for one test's files, under the target's temporary directory.
pub fn work_dir(group: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The Linux guest's files built by testsuites/linux/fetch.sh (`AMBER_LINUX_DIR` overrides).
pub fn linux_dir() -> PathBuf {
    std::env::var_os("AMBER_LINUX_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/linux"))
}

/// Decodes a PNG: width, height and its RGBA bytes.
pub fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Runs amber headless with `args` (a boot and a screen script ending in `--until-screen`)
/// until the script's last text shows, `limit` at the most; the test fails if it never
/// does. Returns the screen's text at the end.
///
/// The run is made twice, with the JIT (compiling blocks after 200 runs, sooner than by
/// default, so more of the guest runs compiled) and without: a scripted run is deterministic,
/// so both must end on the same screen after the same number of instructions.
pub fn run_to_screen(name: &str, args: &[&str], limit: Duration) -> String {
    let (screen, count) = screen_run(name, args, &["--jit", "--jit-threshold", "200"], limit);
    let (interpreted, interpreted_count) = screen_run(name, args, &["--no-jit"], limit);
    assert_eq!(
        screen, interpreted,
        "{name}: the JIT's screen (first) and the interpreter's"
    );
    assert_eq!(
        count, interpreted_count,
        "{name}: instructions to the same screen, JIT and interpreter"
    );
    screen
}

/// One run for `run_to_screen`, with `jit` (`--jit` or `--no-jit`): the screen's text and
/// the instruction count `--stats` reports.
fn screen_run(name: &str, args: &[&str], jit: &[&str], limit: Duration) -> (String, String) {
    let text = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}{}.screen.txt", jit[0]));
    let timeout = format!("{}s", limit.as_secs());
    let out = run(Command::new(env!("CARGO_BIN_EXE_amber"))
        .args([
            "run",
            "--headless",
            "--serial",
            "none",
            "--stats",
            "--timeout",
            &timeout,
        ])
        .args(jit)
        .args(args)
        .arg("--screen-text")
        .arg(&text));
    let screen = std::fs::read_to_string(&text).unwrap_or_default();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name} ({jit:?}): the text never showed: {stderr}\n{screen}"
    );
    let count = instruction_count(&out).unwrap_or_default();
    assert!(!count.is_empty(), "{name} ({jit:?}): no instruction count");
    (screen, count)
}

/// How the guest kernels of `testsuites/guests/` are compiled: freestanding 32-bit code.
const GUEST_CFLAGS: &[&str] = &[
    "-m32",
    "-ffreestanding",
    "-fno-pic",
    "-fno-pie",
    "-O2",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-fno-stack-protector",
    "-mno-sse",
    "-mno-mmx",
    "-c",
];

/// Builds the guest kernel `testsuites/guests/<name>.c` with the shared runtime into `out`
/// (gcc and GNU ld) and returns the Multiboot ELF's path.
pub fn build_guest_kernel(name: &str, out: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testsuites/guests");
    std::fs::create_dir_all(out).unwrap();
    // An object newer than its source is kept (the shared runtime is built once per
    // directory, not once per kernel).
    let object = |source: &str, obj: &str, flags: &[&str]| {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let (source, obj) = (src.join(source), out.join(obj));
        if modified(&obj).is_none() || modified(&obj) < modified(&source) {
            check(
                Command::new("gcc")
                    .args(flags)
                    .arg(&source)
                    .arg("-o")
                    .arg(&obj),
            );
        }
        obj
    };
    let runtime = object("runtime.c", "runtime.o", GUEST_CFLAGS);
    let boot = object("boot.S", "boot.o", &["-m32", "-c"]);
    let main = object(&format!("{name}.c"), &format!("{name}.o"), GUEST_CFLAGS);
    let elf = out.join(format!("{name}.elf"));
    check(
        Command::new("ld")
            .args(["-m", "elf_i386", "--no-warn-rwx-segments", "-T"])
            .arg(src.join("link.ld"))
            .arg("-o")
            .arg(&elf)
            .args([boot, runtime, main]),
    );
    elf
}

/// A real-mode program in GNU as syntax, assembled with `as --32` and linked with `ld` as a
/// flat binary at 0000:7C00 (where a BIOS loads a boot sector), its source and objects kept
/// in `dir` under `name`. Returns the binary.
pub fn assemble_boot_program(dir: &Path, name: &str, source: &str) -> Vec<u8> {
    let (src, obj, bin) = (
        dir.join(format!("{name}.S")),
        dir.join(format!("{name}.o")),
        dir.join(format!("{name}.bin")),
    );
    std::fs::write(&src, source).unwrap();
    check(Command::new("as").args(["--32", "-o"]).arg(&obj).arg(&src));
    check(
        Command::new("ld")
            .args(["-m", "elf_i386", "-Ttext", "0x7c00", "--oformat", "binary"])
            .args(["-e", "_start", "-o"])
            .arg(&bin)
            .arg(&obj),
    );
    std::fs::read(&bin).unwrap()
}
