//! The ACPI tables read back by an independent tool: ACPICA's disassembler (`iasl -d`,
//! Debian package acpica-tools) must parse the DSDT's AML, the RSDT, FADT and MADT, and show
//! what amber meant to write. Without iasl the test says so and skips, except under CI=true.

use std::path::PathBuf;
use std::process::Command;

use amber_bios::acpi::{build, PmConfig};

const PM: PmConfig = PmConfig {
    base: 0x600,
    sci: 9,
    lapic: 0xFEE0_0000,
    ioapic: 0xFEC0_0000,
    pci_memory: 128 << 20,
};

fn have_iasl() -> bool {
    let found = Command::new("iasl").arg("-v").output().is_ok();
    if !found {
        let msg = "acpi: iasl is missing (Debian package acpica-tools)";
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{msg} (required under CI)"
        );
        eprintln!("{msg}; skipping");
    }
    found
}

/// Disassembles the table at `offset` of the tables and returns iasl's listing, each run of
/// white space made one space.
fn disassemble(name: &str, offset: usize) -> String {
    let t = build(128 << 20, PM);
    let len = u32::from_le_bytes(t.bytes[offset + 4..offset + 8].try_into().unwrap()) as usize;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("acpi_iasl");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.dat"));
    std::fs::write(&file, &t.bytes[offset..offset + len]).unwrap();
    let out = Command::new("iasl")
        .current_dir(&dir)
        .args(["-d", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "iasl -d {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = std::fs::read_to_string(dir.join(format!("{name}.dsl"))).unwrap();
    listing.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The table offsets, found by following the RSDP as an OS does.
fn offsets() -> Vec<(String, usize)> {
    let t = build(128 << 20, PM);
    let at = |addr: u32| (addr - t.base) as usize;
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let rsdt = at(u32_at(&t.rsdp, 16));
    let fadt = at(u32_at(&t.bytes, rsdt + 36));
    let madt = at(u32_at(&t.bytes, rsdt + 40));
    let dsdt = at(u32_at(&t.bytes, fadt + 40));
    [
        ("rsdt", rsdt),
        ("fadt", fadt),
        ("madt", madt),
        ("dsdt", dsdt),
    ]
    .into_iter()
    .map(|(n, o)| (n.to_string(), o))
    .collect()
}

#[test]
fn iasl_reads_back_the_dsdt() {
    if !have_iasl() {
        return;
    }
    let dsdt = offsets().into_iter().find(|(n, _)| n == "dsdt").unwrap().1;
    let dsl = disassemble("dsdt", dsdt);
    for expected in [
        "Name (\\_S5, Package (0x04)",
        "Device (PCI0)",
        "Name (_HID, EisaId (\"PNP0A03\")",
        "WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0x0000, \
         // Granularity 0x0000, // Range Minimum 0x00FF, // Range Maximum",
        "IO (Decode16, 0x0CF8, // Range Minimum 0x0CF8, // Range Maximum 0x01, // Alignment \
         0x08, // Length",
        "0x0000, // Range Minimum 0x0CF7, // Range Maximum",
        "0x0D00, // Range Minimum 0xFFFF, // Range Maximum",
        "0x000A0000, // Range Minimum 0x000BFFFF, // Range Maximum",
        "0x08000000, // Range Minimum 0xFEBFFFFF, // Range Maximum",
        "Name (_PRT, Package (0x80)",
        "Device (ISA) { Name (_ADR, 0x00010000)",
        "Device (KBD) { Name (_HID, EisaId (\"PNP0303\")",
        "IO (Decode16, 0x0060, // Range Minimum 0x0060, // Range Maximum 0x01, // Alignment \
         0x01, // Length )",
        "IO (Decode16, 0x0064,",
        "IRQNoFlags () {1}",
        "Device (MOU) { Name (_HID, EisaId (\"PNP0F13\")",
        "IRQNoFlags () {12}",
        // Slot 1's INTA drives PIRQA, GSI 16; slot 2's INTA PIRQB, GSI 17; slot 1's INTD
        // PIRQD, GSI 19.
        "{ 0x0001FFFF, Zero, Zero, 0x10 }",
        "{ 0x0002FFFF, Zero, Zero, 0x11 }",
        "{ 0x0001FFFF, 0x03, Zero, 0x13 }",
    ] {
        assert!(dsl.contains(expected), "{expected:?} not in:\n{dsl}");
    }
}

#[test]
fn iasl_reads_back_the_fixed_tables() {
    if !have_iasl() {
        return;
    }
    let tables = offsets();
    let get = |n: &str| tables.iter().find(|(t, _)| t == n).unwrap().1;
    let fadt = disassemble("fadt", get("fadt"));
    for expected in [
        "SCI Interrupt : 0009",
        "PM1A Event Block Address : 00000600",
        "PM1A Control Block Address : 00000604",
        "PM Timer Block Address : 00000608",
    ] {
        assert!(fadt.contains(expected), "{expected:?} not in:\n{fadt}");
    }
    let madt = disassemble("madt", get("madt"));
    for expected in [
        "Local Apic Address : FEE00000",
        "Address : FEC00000",
        "Source : 09",
        "Interrupt : 00000009",
    ] {
        assert!(madt.contains(expected), "{expected:?} not in:\n{madt}");
    }
    assert!(!disassemble("rsdt", get("rsdt")).contains("Invalid"));
}
