//! The `amber` command line (DESIGN.md "Who uses it").
//!
//! `amber` alone runs the built-in demo guest, so a new user sees it work without any files.
//! `amber run --headless --kernel FILE` boots a Multiboot kernel with serial output on stdout
//! and the guest's exit code as amber's, the way test suites run under QEMU.

mod cli;
#[cfg(feature = "window")]
mod display;
#[cfg(feature = "window")]
mod window;

use std::process::ExitCode;
use std::time::Instant;

use amber_devices::disk::{Disk, DiskError, MediaKind, WriteMode};
use amber_machine::config::DEFAULT_BOOT_ORDER;
use amber_machine::typing::ScreenScript;
use amber_machine::{Machine, MachineConfig, Module, Outcome, RunLimits, Sink};
use clap::Parser;

use cli::{Cli, Command, DemoArgs, RunArgs};

/// Exit codes of amber itself; a guest's isa-debug-exit status is always odd, these are even.
mod code {
    pub const HOST_ERROR: u8 = 2;
    pub const JIT_DIVERGED: u8 = 116;
    pub const RESET: u8 = 118;
    pub const DEAD_HALT: u8 = 120;
    pub const TRIPLE_FAULT: u8 = 122;
    pub const TIMEOUT: u8 = 124;
}

/// The demo ends itself (after 30 idle seconds at most); this bounds a run gone wrong.
const DEMO_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

fn main() -> ExitCode {
    env_logger::init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Demo(args)) => demo(args),
        Some(Command::Run(args)) => run(*args),
        None if cli.run.has_target() => run(cli.run),
        None => demo(DemoArgs {
            cpu: cli.run.cpu,
            stats: cli.run.stats,
            no_jit: cli.run.no_jit,
            jit: cli.run.jit,
            headless: cli.run.headless,
            screenshot: cli.run.screenshot,
        }),
    };
    result.unwrap_or_else(|e| {
        eprintln!("amber: {e}");
        ExitCode::from(code::HOST_ERROR)
    })
}

/// Runs the built-in demo: in a window when there is a display (and no `--headless`),
/// else with its text on the terminal.
fn demo(args: DemoArgs) -> Result<ExitCode, String> {
    #[cfg(feature = "window")]
    if !args.headless && std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        return window::run(move |link| run_demo(args, link));
    }
    run_demo(args, None)
}

/// Boots the demo's diskette (built into amber) through the built-in BIOS; the demo powers
/// the machine off when it is done.
fn run_demo(
    args: DemoArgs,
    frontend: Option<amber_machine::frontend::Link>,
) -> Result<ExitCode, String> {
    let config = MachineConfig {
        cpu: args.cpu.into(),
        serial: Sink::None,
        jit: !args.no_jit,
        ..MachineConfig::default()
    };
    let mut m = Machine::new(config)?;
    let floppy = Disk::in_memory("the built-in demo", &amber_bios::demo::floppy());
    m.board.boot_from_floppy(floppy)?;
    m.boot_bios()?;
    if let Some(link) = frontend {
        m.attach_frontend(link);
    }
    let start = Instant::now();
    let outcome = m.run(RunLimits {
        timeout: Some(DEMO_TIMEOUT),
    });
    m.board.debugcon.flush();
    if let Some(path) = &args.screenshot {
        amber_machine::screen::write_png(m.screen(), path)?;
    }
    if args.stats {
        print_stats(&m, start);
    }
    Ok(match outcome {
        Outcome::PowerOff | Outcome::Quit => ExitCode::SUCCESS,
        other => {
            eprintln!("amber: the demo stopped early: {other:?}");
            ExitCode::from(code::HOST_ERROR)
        }
    })
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Puts a positional IMAGE where its kind says (`disk::guess_kind`) and returns the boot
/// order: `--boot`'s, else the default with the image's device first.
fn place_image(args: &mut RunArgs) -> Result<String, String> {
    let mut boot = DEFAULT_BOOT_ORDER.to_string();
    if let Some(path) = args.image.take() {
        let kind = Disk::open(&path, WriteMode::Discard)
            .and_then(|mut d| d.kind())
            .map_err(|e| e.to_string())?;
        let (slot, first) = match kind {
            Some(MediaKind::Cdrom) => (&mut args.cdrom, "dca"),
            Some(MediaKind::Floppy) => (&mut args.fda, "acd"),
            Some(MediaKind::HardDisk) => (&mut args.hda, "cad"),
            None => return Err(DiskError::Unknown(path).to_string()),
        };
        if slot.is_some() {
            return Err(format!(
                "{}: the image's drive is also given by an option; name it once",
                path.display()
            ));
        }
        *slot = Some(path);
        boot = first.to_string();
    }
    Ok(args.boot.clone().unwrap_or(boot))
}

/// The `--on-screen TEXT --type KEYS` pairs, with the escapes of `--type` resolved.
fn screen_script(args: &RunArgs) -> Result<ScreenScript, String> {
    if args.on_screen.len() != args.type_keys.len() {
        return Err(format!(
            "--on-screen and --type come in pairs: {} --on-screen, {} --type",
            args.on_screen.len(),
            args.type_keys.len()
        ));
    }
    let unescape = |keys: &str| {
        [
            ("\\n", "\n"),
            ("\\t", "\t"),
            ("\\e", "\u{1b}"),
            ("\\b", "\u{8}"),
        ]
        .iter()
        .fold(keys.to_string(), |k, (from, to)| k.replace(from, to))
    };
    let steps = args
        .on_screen
        .iter()
        .zip(&args.type_keys)
        .map(|(text, keys)| (text.clone(), unescape(keys)))
        .collect();
    Ok(ScreenScript::new(steps)?.until(args.until_screen.clone()))
}

/// Saves what `--screenshot` and `--screen-text` ask for. A graphics screen has no text:
/// the text file is then empty.
fn save_screen(m: &mut Machine, args: &RunArgs) -> Result<(), String> {
    if let Some(path) = args
        .screenshot
        .as_ref()
        .filter(|_| args.screenshot_at.is_none())
    {
        amber_machine::screen::write_png(m.screen(), path)?;
    }
    if let Some(path) = &args.screen_text {
        let text = m.screen_text().unwrap_or_default();
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Runs the machine in a window when there is a display to open it on and `--headless`
/// is not given, else headless.
fn run(args: RunArgs) -> Result<ExitCode, String> {
    #[cfg(feature = "window")]
    if !args.headless && std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        return window::run(move |link| run_machine(args, link));
    }
    run_machine(args, None)
}

/// Builds and runs the machine `args` describe, shown by `frontend` if one is given.
fn run_machine(
    mut args: RunArgs,
    frontend: Option<amber_machine::frontend::Link>,
) -> Result<ExitCode, String> {
    let boot = place_image(&mut args)?;
    let config = MachineConfig {
        cpu: args.cpu.into(),
        ram_size: args.memory,
        serial: args.serial.clone(),
        debugcon: args.debugcon.clone(),
        rtc_start: args.rtc.start(),
        disks: [
            args.hda.clone(),
            args.hdb.clone(),
            args.hdc.clone(),
            args.hdd.clone(),
        ],
        floppies: [args.fda.clone(), args.fdb.clone()],
        cdrom: args.cdrom.clone(),
        disk_writes: args.disk_writes(),
        boot_order: amber_machine::config::parse_boot_order(&boot)
            .map_err(|e| format!("--boot {e}"))?,
        jit: !args.no_jit,
        jit_threshold: args.jit_threshold,
        jit_verify: args.jit_verify,
        ..MachineConfig::default()
    };
    let mut m = Machine::new(config)?;
    match &args.kernel {
        Some(kernel) => boot_kernel(&mut m, &args, kernel)?,
        None if let Some(bios) = &args.bios => {
            let vga = args.vga_bios.as_deref().map(read).transpose()?;
            m.boot_rom(&read(bios)?, vga.as_deref())
                .map_err(|e| format!("{}: {e}", bios.display()))?
        }
        None if args.has_target() => m.boot_bios()?,
        None => {
            return Err(
                "nothing to boot: give a disk image (IMAGE, --hda, --fda, --cdrom FILE) \
                 or --kernel FILE"
                    .into(),
            )
        }
    }
    if args.serial == Sink::Stdout {
        m.attach_serial_input(stdin_reader());
    }
    if let Some(link) = frontend {
        m.attach_frontend(link);
    }
    m.set_screen_script(screen_script(&args)?);
    if let (Some(at), Some(path)) = (args.screenshot_at, &args.screenshot) {
        m.screenshot_at(at, path.clone());
    }
    let start = Instant::now();
    let limits = RunLimits {
        timeout: args.timeout,
    };
    let mut outcome = m.run(limits);
    // A reset request, or a triple fault (the processor's shutdown cycle, which resets a
    // PC), boots the machine again unless --no-reboot asks to end the run.
    while matches!(outcome, Outcome::Reset | Outcome::TripleFault(_)) && !args.no_reboot {
        m.reboot()?;
        let spent = start.elapsed();
        outcome = m.run(RunLimits {
            timeout: limits.timeout.map(|t| t.saturating_sub(spent)),
        });
    }
    m.board.debugcon.flush();
    if let Err(e) = m.board.flush_disks() {
        eprintln!("amber: {e}");
    }
    save_screen(&mut m, &args)?;
    if args.stats {
        print_stats(&m, start);
    }
    let post = m
        .last_post_code()
        .map(|c| format!(" (last POST code {c:#04x})"))
        .unwrap_or_default();
    Ok(match outcome {
        Outcome::GuestExit(status) => ExitCode::from(status as u8),
        Outcome::Timeout => {
            eprintln!(
                "amber: timeout: the guest ran for {:?}{post}",
                args.timeout.unwrap_or_default()
            );
            ExitCode::from(code::TIMEOUT)
        }
        Outcome::TripleFault(f) => {
            eprintln!("amber: triple fault: the processor shut down after {f}{post}");
            ExitCode::from(code::TRIPLE_FAULT)
        }
        Outcome::DeadHalt => {
            eprintln!("amber: the guest halted with interrupts disabled{post}");
            ExitCode::from(code::DEAD_HALT)
        }
        Outcome::Reset => {
            eprintln!("amber: the guest asked for a reset{post}");
            ExitCode::from(code::RESET)
        }
        Outcome::Diverged(why) => {
            eprintln!("amber: --jit-verify: {why}");
            ExitCode::from(code::JIT_DIVERGED)
        }
        Outcome::PowerOff | Outcome::Quit | Outcome::ScreenMatched => ExitCode::SUCCESS,
    })
}

/// Loads a Linux bzImage (its initrd files concatenated, as Linux accepts several cpio
/// archives in one) or a Multiboot kernel and its modules, with the command line.
fn boot_kernel(m: &mut Machine, args: &RunArgs, path: &std::path::Path) -> Result<(), String> {
    let kernel = read(path)?;
    if amber_machine::linux::is_linux(&kernel) {
        let mut initrd = Vec::new();
        for file in args
            .initrd
            .iter()
            .flat_map(|s| s.split(','))
            .filter(|s| !s.is_empty())
        {
            initrd.extend(read(file.as_ref())?);
        }
        let initrd = (!initrd.is_empty()).then_some(initrd.as_slice());
        return m
            .boot_linux(&kernel, &args.append, initrd)
            .map_err(|e| format!("{}: {e}", path.display()));
    }
    let mut modules = Vec::new();
    for spec in args
        .initrd
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.is_empty())
    {
        // QEMU's syntax: "file arguments", the arguments becoming the module's command line.
        let file = spec.split(' ').next().unwrap_or(spec);
        modules.push(Module {
            data: read(file.as_ref())?,
            cmdline: spec.to_string(),
        });
    }
    // Like QEMU and GRUB, the command line starts with the kernel's own name.
    let cmdline = format!("{} {}", path.display(), args.append);
    m.boot_multiboot(&kernel, &cmdline, &modules)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads stdin on a thread of its own, so typing reaches the guest's COM1 while it runs.
fn stdin_reader() -> std::sync::mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while let Ok(n) = std::io::Read::read(&mut stdin, &mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

fn print_stats(m: &Machine, start: Instant) {
    let secs = start.elapsed().as_secs_f64();
    let n = m.cpu.state.icount;
    eprintln!(
        "amber: {n} instructions, {:.3} s virtual, {secs:.3} s host, {:.1} MIPS",
        m.now() as f64 / 1e9,
        n as f64 / secs / 1e6
    );
    if let Some(summary) = m.cpu.translator_summary() {
        eprintln!("amber: {summary}");
    }
}
