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
    /// Floppy images in drives A: and B: (`--fda`, `--fdb`).
    pub floppies: [Option<PathBuf>; 2],
    /// A CD image (ISO 9660) in the ATAPI drive on the secondary channel's device 0, where
    /// QEMU's `-cdrom` puts it (`--cdrom`). Never written.
    pub cdrom: Option<PathBuf>,
    /// Where the guest's writes to the hard disk and floppy images go.
    pub disk_writes: WriteMode,
    /// The order in which the BIOS tries boot devices (`--boot`), first to last.
    pub boot_order: Vec<BootDevice>,
    /// Compile hot blocks to host code (`--jit`, the default where the host supports it;
    /// `--no-jit` interprets everything).
    pub jit: bool,
    /// Runs of a block before the JIT compiles it (`--jit-threshold`).
    pub jit_threshold: u32,
    /// Run every compiled block interpreted too and compare (`--jit-verify`).
    pub jit_verify: bool,
}

/// A kind of boot device, as QEMU's `-boot order=` letters name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootDevice {
    /// `a` (or `b`): the first floppy drive.
    Floppy,
    /// `c`: the first hard disk.
    HardDisk,
    /// `d`: the first CD-ROM drive.
    Cdrom,
}

impl BootDevice {
    /// The nibble QEMU's PC board stores for the device in CMOS 0x3D/0x38 and SeaBIOS
    /// reads back (1 floppy, 2 hard disk, 3 CD-ROM).
    pub fn cmos_code(self) -> u8 {
        match self {
            BootDevice::Floppy => 1,
            BootDevice::HardDisk => 2,
            BootDevice::Cdrom => 3,
        }
    }
}

/// QEMU's default boot order, "cad": hard disk, floppy, CD-ROM.
pub const DEFAULT_BOOT_ORDER: &str = "cad";

/// Parses a boot order of QEMU letters (`a`/`b` floppy, `c` hard disk, `d` CD-ROM), each at
/// most once and at most three, as QEMU's PC board accepts them.
pub fn parse_boot_order(s: &str) -> Result<Vec<BootDevice>, String> {
    let mut order = Vec::new();
    for c in s.chars() {
        let device = match c {
            'a' | 'b' => BootDevice::Floppy,
            'c' => BootDevice::HardDisk,
            'd' => BootDevice::Cdrom,
            _ => {
                return Err(format!(
                    "'{s}': boot device '{c}' is not a (floppy), c (hard disk) or d (CD-ROM)"
                ))
            }
        };
        if order.contains(&device) {
            return Err(format!("'{s}': boot device '{c}' is given twice"));
        }
        order.push(device);
    }
    match order.len() {
        0 => Err("the boot order is empty: give letters like 'cad'".into()),
        1..=3 => Ok(order),
        _ => Err(format!("'{s}': at most three boot devices")),
    }
}

/// The CMOS drive type (register 0x10, one nibble per drive) of a floppy image of `bytes`
/// bytes, as the drive that reads that format natively: 1 = 360K 5.25", 2 = 1.2M 5.25",
/// 3 = 720K 3.5", 4 = 1.44M 3.5" (also 1.68M DMF), 5 = 2.88M 3.5". An image shorter than a
/// format (GRUB's 1.2 MiB rescue floppy) gets the drive of the smallest format it fits in,
/// as the controller reads it. `None` past 2.88M or for a part sector.
pub fn floppy_cmos_type(bytes: u64) -> Option<u8> {
    const DRIVES: [(u64, u8); 9] = [
        (160, 1),
        (180, 1),
        (320, 1),
        (360, 1),
        (720, 3),
        (1200, 2),
        (1440, 4),
        (1680, 4),
        (2880, 5),
    ];
    let kib = bytes.div_ceil(1024);
    let exact = DRIVES.iter().find(|&&(size, _)| size * 1024 == bytes);
    exact
        .or_else(|| DRIVES.iter().find(|&&(size, _)| size >= kib))
        .map(|&(_, drive)| drive)
        .filter(|_| bytes > 0 && bytes.is_multiple_of(512))
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
            floppies: Default::default(),
            cdrom: None,
            disk_writes: WriteMode::Discard,
            boot_order: parse_boot_order(DEFAULT_BOOT_ORDER).unwrap_or_default(),
            jit: true,
            jit_threshold: amber_jit::DEFAULT_THRESHOLD,
            jit_verify: false,
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

    #[test]
    fn floppy_drive_types_follow_the_image_size() {
        let k = |n: u64| n * 1024;
        assert_eq!(floppy_cmos_type(k(1440)), Some(4), "1.44M");
        assert_eq!(floppy_cmos_type(k(720)), Some(3), "720K");
        assert_eq!(floppy_cmos_type(k(2880)), Some(5), "2.88M");
        assert_eq!(floppy_cmos_type(k(1200)), Some(2), "1.2M");
        assert_eq!(floppy_cmos_type(k(360)), Some(1), "360K");
        assert_eq!(floppy_cmos_type(k(160)), Some(1), "160K in a 360K drive");
        assert_eq!(floppy_cmos_type(k(1680)), Some(4), "DMF in a 1.44M drive");
        // Shorter images take the smallest format they fit in: GRUB's 1,296,384-byte rescue
        // floppy goes in a 1.44M drive.
        assert_eq!(floppy_cmos_type(1_296_384), Some(4));
        assert_eq!(
            floppy_cmos_type(k(1440) + 512),
            Some(4),
            "fits in DMF's 1.68M"
        );
        assert_eq!(floppy_cmos_type(k(1000)), Some(2));
        assert_eq!(floppy_cmos_type(k(4096)), None);
        assert_eq!(floppy_cmos_type(k(1440) + 100), None, "a part sector");
        assert_eq!(floppy_cmos_type(0), None);
    }

    #[test]
    fn boot_orders_parse_like_qemu() {
        use BootDevice::*;
        assert_eq!(parse_boot_order("cad"), Ok(vec![HardDisk, Floppy, Cdrom]));
        assert_eq!(parse_boot_order("a"), Ok(vec![Floppy]));
        assert_eq!(parse_boot_order("dc"), Ok(vec![Cdrom, HardDisk]));
        assert!(parse_boot_order("").is_err());
        assert!(parse_boot_order("cc").is_err(), "twice");
        assert!(parse_boot_order("ab").is_err(), "both name the floppy");
        assert!(parse_boot_order("x").is_err());
        assert!(parse_boot_order("n").is_err(), "no network boot");
        assert_eq!(
            [Floppy, HardDisk, Cdrom].map(BootDevice::cmos_code),
            [1, 2, 3]
        );
    }
}
