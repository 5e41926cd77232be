//! Command-line options, shaped so a QEMU user recognises them.

use std::path::PathBuf;
use std::time::Duration;

use amber_cpu::CpuModel;
use amber_devices::disk::WriteMode;
use amber_devices::rtc::RtcStart;
use amber_machine::config::FIXED_EPOCH;
use amber_machine::Sink;
use clap::{Parser, Subcommand, ValueEnum};

/// `amber IMAGE [OPTIONS]` is `amber run IMAGE [OPTIONS]`; `amber` alone runs the demo.
#[derive(Parser)]
#[command(
    name = "amber",
    version,
    about = "A full-system x86 PC emulator",
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

const EXIT_CODES: &str =
    "Exit codes of `amber run`: the guest's isa-debug-exit status ((value << 1) | 1, \
always odd), 2 bad input, 118 guest reset, 120 guest halted with interrupts disabled, \
122 triple fault, 124 timeout.";

#[derive(Subcommand)]
pub enum Command {
    /// Run the built-in demo guest (the default).
    Demo(DemoArgs),
    /// Boot a machine.
    Run(Box<RunArgs>),
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Processor model to emulate.
    #[arg(long, value_enum, default_value_t = Model::P6)]
    pub cpu: Model,
    /// Print the instruction count and guest MIPS when the guest stops.
    #[arg(long)]
    pub stats: bool,
    /// Interpret every instruction. By default hot blocks are compiled to host code (the
    /// JIT) on hosts that support it (x86-64 Unix); elsewhere amber always interprets.
    #[arg(long, overrides_with = "jit")]
    pub no_jit: bool,
    /// Compile hot blocks to host code (the default).
    #[arg(long, overrides_with = "no_jit")]
    pub jit: bool,
    /// No window: the demo's text on the terminal only.
    #[arg(long)]
    pub headless: bool,
    /// Save the demo's last screen as a PNG image when it ends.
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct RunArgs {
    /// A disk image to boot, its kind guessed from its size and contents: an ISO 9660
    /// image goes in the CD-ROM drive, a diskette-sized one in drive A:, anything else is
    /// the first hard disk. The boot order starts with that device unless --boot is given.
    #[arg(value_name = "IMAGE")]
    pub image: Option<PathBuf>,
    /// No window: serial and debug console on the terminal. Without it amber opens a window
    /// when DISPLAY names an X server.
    #[arg(long)]
    pub headless: bool,
    /// Multiboot kernel (ELF, or a.out-kludge image) to boot directly. Without it the
    /// built-in BIOS boots the first hard disk.
    #[arg(long, value_name = "FILE")]
    pub kernel: Option<PathBuf>,
    /// External firmware instead of the built-in BIOS: a 64, 128 or 256 KiB ROM image such
    /// as SeaBIOS's bios-256k.bin (Debian package seabios, /usr/share/seabios).
    #[arg(long, value_name = "FILE", conflicts_with = "kernel")]
    pub bios: Option<PathBuf>,
    /// A VGA BIOS for the external firmware to run (SeaBIOS's vgabios-stdvga.bin). Without
    /// one, SeaBIOS writes its screen to COM1.
    #[arg(long, value_name = "FILE", requires = "bios")]
    pub vga_bios: Option<PathBuf>,
    /// Kernel command line.
    #[arg(long, value_name = "STR", default_value = "")]
    pub append: String,
    /// Multiboot modules, comma-separated; "file args" gives a module a command line.
    #[arg(long, value_name = "FILE[,FILE...]")]
    pub initrd: Option<String>,
    /// RAM size: 128M, 1G, or a number of MiB.
    #[arg(long, short = 'm', value_name = "SIZE", default_value = "128M", value_parser = parse_size)]
    pub memory: u64,
    /// Stop after this much wall-clock time: 30s, 500ms, 2m, or seconds.
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Where COM1 goes: stdio, file:PATH or none.
    #[arg(long, value_name = "DEV", default_value = "stdio", value_parser = Sink::parse)]
    pub serial: Sink,
    /// Where the debug console (port 0xE9) goes: stdio, file:PATH or none.
    #[arg(long, value_name = "DEV", default_value = "none", value_parser = Sink::parse)]
    pub debugcon: Sink,
    /// Processor model to emulate.
    #[arg(long, value_enum, default_value_t = Model::P6)]
    pub cpu: Model,
    /// Real-time clock start: fixed (2000-01-01, deterministic) or host.
    #[arg(long, value_enum, default_value_t = Rtc::Fixed)]
    pub rtc: Rtc,
    /// Print instructions executed, virtual and host time, and guest MIPS at the end.
    #[arg(long)]
    pub stats: bool,
    /// Interpret every instruction. By default hot blocks are compiled to host code (the
    /// JIT) on hosts that support it (x86-64 Unix); elsewhere amber always interprets.
    #[arg(long, overrides_with = "jit")]
    pub no_jit: bool,
    /// Compile hot blocks to host code (the default).
    #[arg(long, overrides_with = "no_jit")]
    pub jit: bool,
    /// Runs of a block before the JIT compiles it (1 compiles every block the first time).
    #[arg(long, value_name = "N", default_value_t = amber_jit::DEFAULT_THRESHOLD,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub jit_threshold: u32,
    /// Check the JIT against the interpreter: run each compiled block, then the same
    /// instructions interpreted from the same state, and stop with status 116 at the first
    /// difference in registers, flags or RAM. Slow; for testing amber itself.
    #[arg(long)]
    pub jit_verify: bool,
    /// Hard disk image on the primary IDE channel, device 0 (raw).
    #[arg(long, value_name = "FILE")]
    pub hda: Option<PathBuf>,
    /// Hard disk image on the primary IDE channel, device 1.
    #[arg(long, value_name = "FILE")]
    pub hdb: Option<PathBuf>,
    /// Hard disk image on the secondary IDE channel, device 0.
    #[arg(long, value_name = "FILE")]
    pub hdc: Option<PathBuf>,
    /// Hard disk image on the secondary IDE channel, device 1.
    #[arg(long, value_name = "FILE")]
    pub hdd: Option<PathBuf>,
    /// Floppy image in drive A: (raw, a PC diskette size: 360K to 2.88M).
    #[arg(long, value_name = "FILE")]
    pub fda: Option<PathBuf>,
    /// Floppy image in drive B:.
    #[arg(long, value_name = "FILE")]
    pub fdb: Option<PathBuf>,
    /// CD image (ISO 9660, read-only) in the ATAPI drive on the secondary IDE channel,
    /// device 0, as QEMU's -cdrom.
    #[arg(long, value_name = "FILE")]
    pub cdrom: Option<PathBuf>,
    /// Boot order, QEMU's letters: a floppy, c hard disk, d CD-ROM [default: cad, or the
    /// guessed IMAGE's device first]. Devices not named are tried after them.
    #[arg(long, value_name = "ORDER")]
    pub boot: Option<String>,
    /// End the run when the guest resets the machine (exit status 118) or the processor
    /// shuts down after a triple fault (122), instead of booting again.
    #[arg(long)]
    pub no_reboot: bool,
    /// Wait for this text on the (text-mode) screen, then type the next --type's keys;
    /// give them in pairs, run in order.
    #[arg(long, value_name = "TEXT")]
    pub on_screen: Vec<String>,
    /// Keys to type on the guest's PS/2 keyboard (US layout) once the matching
    /// --on-screen text shows; \n is Enter, \t Tab, \e Escape, \b Backspace.
    #[arg(long = "type", value_name = "KEYS")]
    pub type_keys: Vec<String>,
    /// End the run (status 0) once this text is on the screen, after the --type steps.
    #[arg(long, value_name = "TEXT")]
    pub until_screen: Option<String>,
    /// Save the guest's screen as a PNG image at the end of the run (or at --screenshot-at).
    #[arg(long, value_name = "PATH")]
    pub screenshot: Option<PathBuf>,
    /// Take the --screenshot when the guest's clock reaches this time (30s, 500ms), not at
    /// the end.
    #[arg(long, value_name = "TIME", value_parser = parse_duration, requires = "screenshot")]
    pub screenshot_at: Option<Duration>,
    /// At the end of the run, save the text of a text-mode screen (UTF-8, code page 437
    /// mapped), one line per row.
    #[arg(long, value_name = "PATH")]
    pub screen_text: Option<PathBuf>,
    /// Let the guest write to the images themselves. Without it the originals are never
    /// changed: writes go to an overlay dropped at exit.
    #[arg(long, conflicts_with = "overlay")]
    pub write: bool,
    /// Keep the guest's writes in this overlay file instead (created if missing, reused by
    /// the next run; one disk or floppy image only).
    #[arg(long, value_name = "FILE")]
    pub overlay: Option<PathBuf>,
}

impl RunArgs {
    /// Whether anything is named to boot: a kernel or an image.
    pub fn has_target(&self) -> bool {
        self.kernel.is_some()
            || self.image.is_some()
            || [
                &self.hda,
                &self.hdb,
                &self.hdc,
                &self.hdd,
                &self.fda,
                &self.fdb,
                &self.cdrom,
            ]
            .iter()
            .any(|d| d.is_some())
    }

    /// Where the guest's disk writes go.
    pub fn disk_writes(&self) -> WriteMode {
        match (&self.overlay, self.write) {
            (Some(p), _) => WriteMode::Keep(p.clone()),
            (None, true) => WriteMode::Direct,
            (None, false) => WriteMode::Discard,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, Default)]
pub enum Model {
    #[value(name = "8086")]
    I8086,
    #[value(name = "80286")]
    I80286,
    #[value(name = "80386")]
    I80386,
    #[value(name = "80486")]
    I80486,
    Pentium,
    #[default]
    P6,
    Pentium4,
}

impl From<Model> for CpuModel {
    fn from(m: Model) -> CpuModel {
        match m {
            Model::I8086 => CpuModel::I8086,
            Model::I80286 => CpuModel::I80286,
            Model::I80386 => CpuModel::I80386,
            Model::I80486 => CpuModel::I80486,
            Model::Pentium => CpuModel::Pentium,
            Model::P6 => CpuModel::P6,
            Model::Pentium4 => CpuModel::Pentium4,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Rtc {
    Fixed,
    Host,
}

impl Rtc {
    pub fn start(self) -> RtcStart {
        match self {
            Rtc::Fixed => RtcStart::Fixed(FIXED_EPOCH),
            Rtc::Host => RtcStart::Host,
        }
    }
}

/// "128M", "1G", "512K", or a plain number of MiB (as QEMU's -m).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (num, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "M"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size like 128M"))?;
    let shift = match unit.to_ascii_uppercase().as_str() {
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

/// "30s", "500ms", "2m", or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = match s.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a time like 30s"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("'{s}': unknown unit '{unit}' (ms, s, m or h)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("'{s}' is not a valid time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_parse_like_qemu() {
        assert_eq!(parse_size("128M"), Ok(128 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("64"), Ok(64 << 20));
        assert!(parse_size("12X").is_err());
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("-1s").is_err());
    }
}
