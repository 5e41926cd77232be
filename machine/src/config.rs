//! What a machine is built from: processor model, RAM, where the serial port and the debug
//! console write, how the RTC starts, and the virtual clock's rate.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use amber_cpu::CpuModel;
use amber_devices::disk::WriteMode;
use amber_devices::rtc::RtcStart;
use amber_devices::uart::{NullBackend, SerialBackend, WriterBackend};

/// Where a character device's output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sink {
    Stdout,
    File(PathBuf),
    None,
}

impl Sink {
    /// Parses `stdio`, `file:PATH` or `none`.
    pub fn parse(s: &str) -> Result<Sink, String> {
        match s {
            "stdio" => Ok(Sink::Stdout),
            "none" => Ok(Sink::None),
            _ => match s.strip_prefix("file:") {
                Some(p) if !p.is_empty() => Ok(Sink::File(PathBuf::from(p))),
                _ => Err(format!("'{s}' is not stdio, file:PATH or none")),
            },
        }
    }

    /// A writer for this sink.
    pub fn writer(&self) -> Result<Box<dyn Write>, String> {
        Ok(match self {
            Sink::Stdout => Box::new(std::io::stdout()),
            Sink::File(p) => Box::new(BufWriter::new(
                File::create(p).map_err(|e| format!("{}: {e}", p.display()))?,
            )),
            Sink::None => Box::new(std::io::sink()),
        })
    }

    /// A serial backend for this sink.
    pub fn backend(&self) -> Result<Box<dyn SerialBackend>, String> {
        Ok(match self {
            Sink::None => Box::new(NullBackend),
            other => Box::new(WriterBackend::new(other.writer()?, "serial")),
        })
    }
}

#[derive(Clone, Debug)]
pub struct MachineConfig {
    pub cpu: CpuModel,
    /// RAM in bytes (rounded down to 4 KiB, at most 3.5 GiB).
    pub ram_size: u64,
    pub serial: Sink,
    pub debugcon: Sink,
    pub rtc_start: RtcStart,
    /// Nominal duration of one guest instruction on the virtual clock.
    pub ns_per_insn: u64,
    /// Hard disk images on the IDE channels: primary master, primary slave, secondary
    /// master, secondary slave (`--hda` to `--hdd`).
    pub disks: [Option<PathBuf>; 4],
    /// Where the guest's writes to those images go.
    pub disk_writes: WriteMode,
}

/// 2000-01-01 00:00:00 UTC: the RTC's start in deterministic runs.
pub const FIXED_EPOCH: i64 = 946_684_800;

impl Default for MachineConfig {
    fn default() -> Self {
        MachineConfig {
            cpu: CpuModel::P6,
            ram_size: 128 << 20,
            serial: Sink::Stdout,
            debugcon: Sink::Stdout,
            rtc_start: RtcStart::Fixed(FIXED_EPOCH),
            ns_per_insn: 4,
            disks: Default::default(),
            disk_writes: WriteMode::Discard,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_parse() {
        assert_eq!(Sink::parse("stdio"), Ok(Sink::Stdout));
        assert_eq!(Sink::parse("none"), Ok(Sink::None));
        assert_eq!(Sink::parse("file:/tmp/x"), Ok(Sink::File("/tmp/x".into())));
        assert!(Sink::parse("file:").is_err());
        assert!(Sink::parse("tcp:1234").is_err());
    }
}
