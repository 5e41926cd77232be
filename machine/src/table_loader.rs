//! The ACPI tables for external firmware, handed over as QEMU hands them to SeaBIOS: the
//! tables as fw_cfg files built for address 0, and `etc/table-loader`, a script of 128-byte
//! commands (QEMU's "BIOS linker/loader" interface, hw/acpi/bios-linker-loader.c, which
//! SeaBIOS runs in src/fw/romfile_loader.c) telling the firmware where to put each file, which
//! fields to relocate by the address it chose, and which checksums to fix afterwards.

use amber_bios::acpi::{self, PmConfig, CHECKSUMMED, POINTER_FIELDS};
use amber_devices::fw_cfg::FwCfg;

pub const TABLES_FILE: &str = "etc/acpi/tables";
pub const RSDP_FILE: &str = "etc/acpi/rsdp";
pub const LOADER_FILE: &str = "etc/table-loader";

/// The commands and the allocation zones.
const ALLOCATE: u32 = 1;
const ADD_POINTER: u32 = 2;
const ADD_CHECKSUM: u32 = 3;
/// Anywhere in high memory, or in the F segment (where an OS searches for the RSDP).
const ZONE_HIGH: u8 = 1;
const ZONE_FSEG: u8 = 2;
const ENTRY: usize = 128;
const NAME: usize = 56;

/// Offset of the RSDT address in the RSDP (ACPI 1.0b 5.2.4.3) and of its checksum.
const RSDP_RSDT: u32 = 16;
const RSDP_CHECKSUM: u32 = 8;

/// One command: its number, then its fields packed little-endian, names NUL-padded.
struct Entry(Vec<u8>);

impl Entry {
    fn new(command: u32) -> Entry {
        Entry(command.to_le_bytes().to_vec())
    }
    fn name(mut self, name: &str) -> Entry {
        let mut field = [0u8; NAME];
        field[..name.len()].copy_from_slice(name.as_bytes());
        self.0.extend_from_slice(&field);
        self
    }
    fn u32(mut self, v: u32) -> Entry {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u8(mut self, v: u8) -> Entry {
        self.0.push(v);
        self
    }
    fn finish(mut self) -> Vec<u8> {
        self.0.resize(ENTRY, 0);
        self.0
    }
}

fn allocate(file: &str, align: u32, zone: u8) -> Vec<u8> {
    Entry::new(ALLOCATE).name(file).u32(align).u8(zone).finish()
}

/// Adds the address of `src` to the 4-byte field at `offset` of `dest`.
fn add_pointer(dest: &str, src: &str, offset: u32) -> Vec<u8> {
    Entry::new(ADD_POINTER)
        .name(dest)
        .name(src)
        .u32(offset)
        .u8(4)
        .finish()
}

/// Makes the bytes `start..start + length` of `file` sum to zero by the byte at `offset`.
fn add_checksum(file: &str, offset: u32, start: u32, length: u32) -> Vec<u8> {
    Entry::new(ADD_CHECKSUM)
        .name(file)
        .u32(offset)
        .u32(start)
        .u32(length)
        .finish()
}

/// Adds the tables, the RSDP and the loader script to `fw_cfg`.
pub fn install(fw_cfg: &mut FwCfg, pm: PmConfig) {
    let tables = acpi::build(acpi::RESERVED, pm);
    let length = |at: usize| {
        let b = &tables.bytes[at + 4..at + 8];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    };
    let mut script = vec![
        allocate(RSDP_FILE, 16, ZONE_FSEG),
        allocate(TABLES_FILE, 64, ZONE_HIGH),
    ];
    script.extend(
        POINTER_FIELDS
            .iter()
            .map(|&at| add_pointer(TABLES_FILE, TABLES_FILE, at as u32)),
    );
    script.extend(
        CHECKSUMMED
            .iter()
            .map(|&at| add_checksum(TABLES_FILE, at as u32 + 9, at as u32, length(at))),
    );
    script.push(add_pointer(RSDP_FILE, TABLES_FILE, RSDP_RSDT));
    script.push(add_checksum(
        RSDP_FILE,
        RSDP_CHECKSUM,
        0,
        tables.rsdp.len() as u32,
    ));
    fw_cfg.add_file(TABLES_FILE, tables.bytes);
    fw_cfg.add_file(RSDP_FILE, tables.rsdp.to_vec());
    fw_cfg.add_file(LOADER_FILE, script.concat());
}
