//! The ACPI tables a guest looks for (ACPI 1.0b, and 6.4 ch. 5 for the MADT): the RSDP
//! (placed in the BIOS area, where operating systems search for it), the RSDT pointing at the
//! FADT and the MADT, the FADT naming the power-management registers and the DSDT, the
//! FACS, and a DSDT whose AML defines `\_S5` (soft-off: SLP_TYP 0, the PIIX4's value), so
//! an operating system can power the machine off. Both the BIOS boot and the direct Linux
//! boot install them.

/// Bytes reserved for the tables at the top of RAM (an ACPI region in the E820 map).
pub const RESERVED: u32 = 0x1_0000;

/// The board's power-management registers the FADT names.
#[derive(Clone, Copy, Debug)]
pub struct PmConfig {
    /// PM1a event block (4 bytes), control block (base + 4, 2 bytes), timer (base + 8).
    pub base: u16,
    /// The SCI's ISA interrupt.
    pub sci: u8,
    /// The local APIC and I/O APIC addresses for the MADT.
    pub lapic: u32,
    pub ioapic: u32,
    /// Where the PCI memory window starts (the top of RAM); it ends below the I/O APIC.
    pub pci_memory: u32,
}

/// The tables: `bytes` go at `base` in RAM, `rsdp` in the BIOS area.
pub struct Tables {
    pub base: u32,
    pub bytes: Vec<u8>,
    pub rsdp: [u8; 20],
}

const FACS: usize = 0x000;
const FADT: usize = 0x100;
const MADT: usize = 0x200;
const RSDT: usize = 0x300;
/// The DSDT comes last: its length depends on the routing table.
const DSDT: usize = 0x400;
/// Offsets in `Tables::bytes` of the 32-bit fields that hold other tables' addresses (the
/// FADT's FACS and DSDT, the RSDT's two entries), for firmware that moves the tables.
pub const POINTER_FIELDS: [usize; 4] = [FADT + 36, FADT + 40, RSDT + 36, RSDT + 40];
/// Offsets in `Tables::bytes` of the tables with a header checksum (byte 9).
pub const CHECKSUMMED: [usize; 4] = [DSDT, FADT, MADT, RSDT];
const OEM_ID: &[u8; 6] = b"AMBER ";
const OEM_TABLE: &[u8; 8] = b"AMBERPC ";

fn checksum(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b)))
}

/// A table: the 36-byte header (signature, length, revision, checksum, OEM fields,
/// creator) and the body, with the checksum making the bytes sum to zero.
fn table(signature: &[u8; 4], revision: u8, body: &[u8]) -> Vec<u8> {
    let mut t = Vec::with_capacity(36 + body.len());
    t.extend_from_slice(signature);
    t.extend_from_slice(&(36 + body.len() as u32).to_le_bytes());
    t.push(revision);
    t.push(0);
    t.extend_from_slice(OEM_ID);
    t.extend_from_slice(OEM_TABLE);
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(b"AMBR");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(body);
    t[9] = checksum(&t);
    t
}

/// The board wires PIRQA-D, the PCI interrupt lines, to I/O APIC inputs 16-19; slot `s`'s
/// pin INTx (0 = INTA) drives PIRQ (s + x - 1) mod 4, the i440FX/PIIX3 swizzle.
const PIRQ_GSI: u32 = 16;

/// The PCI root bridge's resources (ACPI 6.4 6.4, "Resource Data Types"): bus numbers 0-FF,
/// the configuration ports, the I/O space around them, the VGA window and the memory above
/// RAM up to the I/O APIC; all producers with fixed ends.
fn root_bridge_resources(pm: PmConfig) -> Vec<u8> {
    let word = |kind: u8, specific: u8, min: u16, max: u16| {
        let mut d = vec![0x88, 0x0D, 0x00, kind, 0x0C, specific, 0, 0];
        for v in [min, max, 0, max.wrapping_sub(min).wrapping_add(1)] {
            d.extend(v.to_le_bytes());
        }
        d
    };
    let dword_memory = |min: u32, max: u32| {
        let mut d = vec![0x87, 0x17, 0x00, 0x00, 0x0C, 0x03, 0, 0, 0, 0];
        for v in [min, max, 0, max - min + 1] {
            d.extend(v.to_le_bytes());
        }
        d
    };
    let mut r = word(2, 0, 0, 0xFF);
    r.extend([0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08]);
    r.extend(word(1, 0x03, 0x0000, 0x0CF7));
    r.extend(word(1, 0x03, 0x0D00, 0xFFFF));
    r.extend(dword_memory(0x000A_0000, 0x000B_FFFF));
    r.extend(dword_memory(pm.pci_memory, pm.ioapic - 1));
    r.extend([0x79, 0x00]);
    r
}

/// An ISA I/O port descriptor (ACPI 6.4 6.4.2.5): 16-bit decode, one fixed range.
fn io_port(port: u16, len: u8) -> [u8; 8] {
    let [lo, hi] = port.to_le_bytes();
    [0x47, 0x01, lo, hi, lo, hi, 0x01, len]
}

/// An IRQ descriptor without flags (6.4.2.1): edge triggered, active high, one IRQ.
fn irq(n: u8) -> [u8; 3] {
    let [lo, hi] = (1u16 << n).to_le_bytes();
    [0x22, lo, hi]
}

/// The PIIX3's ISA bridge (00:01.0) and the ISA devices behind it that operating systems
/// and firmware look for in the namespace before they probe (Linux's i8042 driver and
/// SeaBIOS's PS/2 set-up both skip a controller the DSDT does not list): the keyboard
/// controller (PNP0303: ports 60h and 64h, IRQ 1) and its mouse port (PNP0F13, IRQ 12).
fn isa_bridge() -> Vec<u8> {
    use crate::aml::{buffer, device, eisa_id, int, name};
    let template = |parts: &[&[u8]]| {
        let mut t = parts.concat();
        t.extend([0x79, 0x00]);
        buffer(&t)
    };
    let keyboard = device(
        "KBD",
        &[
            name("_HID", eisa_id("PNP0303")),
            name(
                "_CRS",
                template(&[&io_port(0x60, 1), &io_port(0x64, 1), &irq(1)]),
            ),
        ],
    );
    let mouse = device(
        "MOU",
        &[
            name("_HID", eisa_id("PNP0F13")),
            name("_CRS", template(&[&irq(12)])),
        ],
    );
    device("ISA", &[name("_ADR", int(0x0001_0000)), keyboard, mouse])
}

/// The DSDT's AML: `\_S5` (soft-off: SLP_TYP 0, the PIIX4's value) and the PCI root bridge
/// `\_SB.PCI0` with its resources and its interrupt routing table, one entry per slot and
/// pin (ACPI 6.4 6.2.13: address slot << 16 | FFFF, pin, source 0 = a global interrupt,
/// the GSI).
fn dsdt(pm: PmConfig) -> Vec<u8> {
    use crate::aml::{buffer, device, eisa_id, int, name, package, scope};
    let routes: Vec<_> = (0..32u32)
        .flat_map(|slot| (0..4u32).map(move |pin| (slot, pin)))
        .map(|(slot, pin)| {
            let gsi = PIRQ_GSI + (slot + pin + 3) % 4;
            package(&[int(slot << 16 | 0xFFFF), int(pin), int(0), int(gsi)])
        })
        .collect();
    let pci0 = device(
        "PCI0",
        &[
            name("_HID", eisa_id("PNP0A03")),
            name("_ADR", int(0)),
            name("_CRS", buffer(&root_bridge_resources(pm))),
            name("_PRT", package(&routes)),
            isa_bridge(),
        ],
    );
    [
        name("\\_S5", package(&[int(0), int(0), int(0), int(0)])),
        scope("\\_SB", &[pci0]),
    ]
    .concat()
}

/// The FADT body of ACPI 1.0b 5.2.5 (80 bytes after the header).
fn fadt(base: u32, pm: PmConfig) -> Vec<u8> {
    let mut b = vec![0u8; 80];
    let put32 =
        |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put32(&mut b, 0, base + FACS as u32);
    put32(&mut b, 4, base + DSDT as u32);
    b[9] = 0; // preferred PM profile: unspecified
    b[10..12].copy_from_slice(&u16::from(pm.sci).to_le_bytes());
    // SMI_CMD 0: the hardware is in ACPI mode from power-on (SCI_EN reads as set).
    put32(&mut b, 20, u32::from(pm.base));
    put32(&mut b, 28, u32::from(pm.base) + 4);
    put32(&mut b, 40, u32::from(pm.base) + 8);
    b[52] = 4; // PM1_EVT_LEN
    b[53] = 2; // PM1_CNT_LEN
    b[55] = 4; // PM_TMR_LEN
    b[60..62].copy_from_slice(&0x0FFFu16.to_le_bytes()); // P_LVL2_LAT: no C2
    b[62..64].copy_from_slice(&0x0FFFu16.to_le_bytes()); // P_LVL3_LAT: no C3
    b[72] = 0x32; // CENTURY: the CMOS byte
                  // Flags: WBINVD, PROC_C1, no power or sleep button.
    put32(&mut b, 76, 0x01 | 0x04 | 0x10 | 0x20);
    b
}

/// The MADT body: the local APIC address and PCAT_COMPAT, processor 0's local APIC (ID 0),
/// the I/O APIC (ID 1) with GSI base 0, its inputs wired one to one to the ISA IRQs (the
/// board drives line n of both controllers), and the SCI's override: level triggered,
/// active high.
fn madt(pm: PmConfig) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&pm.lapic.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&[0, 8, 0, 0, 1, 0, 0, 0]);
    b.extend_from_slice(&[1, 12, 1, 0]);
    b.extend_from_slice(&pm.ioapic.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&[2, 10, 0, pm.sci]);
    b.extend_from_slice(&u32::from(pm.sci).to_le_bytes());
    b.extend_from_slice(&0x000Du16.to_le_bytes());
    b
}

/// Builds the tables for a machine whose RAM ends at `ram_top`.
pub fn build(ram_top: u32, pm: PmConfig) -> Tables {
    let base = ram_top - RESERVED;
    let dsdt = table(b"DSDT", 1, &dsdt(pm));
    let mut bytes = vec![0u8; DSDT + dsdt.len()];
    let mut facs = vec![0u8; 64];
    facs[..4].copy_from_slice(b"FACS");
    facs[4..8].copy_from_slice(&64u32.to_le_bytes());
    bytes[FACS..FACS + 64].copy_from_slice(&facs);
    let place =
        |bytes: &mut Vec<u8>, at: usize, t: &[u8]| bytes[at..at + t.len()].copy_from_slice(t);
    place(&mut bytes, DSDT, &dsdt);
    place(&mut bytes, FADT, &table(b"FACP", 1, &fadt(base, pm)));
    place(&mut bytes, MADT, &table(b"APIC", 1, &madt(pm)));
    let rsdt_body: Vec<u8> = [FADT, MADT]
        .iter()
        .flat_map(|&at| (base + at as u32).to_le_bytes())
        .collect();
    place(&mut bytes, RSDT, &table(b"RSDT", 1, &rsdt_body));
    let mut rsdp = [0u8; 20];
    rsdp[..8].copy_from_slice(b"RSD PTR ");
    rsdp[9..15].copy_from_slice(OEM_ID);
    rsdp[16..20].copy_from_slice(&(base + RSDT as u32).to_le_bytes());
    rsdp[8] = checksum(&rsdp);
    Tables { base, bytes, rsdp }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PM: PmConfig = PmConfig {
        base: 0x600,
        sci: 9,
        lapic: 0xFEE0_0000,
        ioapic: 0xFEC0_0000,
        pci_memory: 128 << 20,
    };

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    /// Every table sums to zero over its length, and the pointers lead from the RSDP to
    /// each table (ACPI 1.0b 5.2).
    #[test]
    fn tables_are_linked_and_checksummed() {
        let t = build(128 << 20, PM);
        assert_eq!(t.base, (128 << 20) - RESERVED);
        assert_eq!(&t.rsdp[..8], b"RSD PTR ");
        assert_eq!(t.rsdp.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        let at = |addr: u32| (addr - t.base) as usize;
        let rsdt = at(u32_at(&t.rsdp, 16));
        let table = |off: usize| {
            let len = u32_at(&t.bytes, off + 4) as usize;
            let bytes = &t.bytes[off..off + len];
            assert_eq!(bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
            (&t.bytes[off..off + 4], bytes)
        };
        let (sig, rsdt_bytes) = table(rsdt);
        assert_eq!(sig, b"RSDT");
        let fadt = at(u32_at(rsdt_bytes, 36));
        let madt = at(u32_at(rsdt_bytes, 40));
        let (sig, f) = table(fadt);
        assert_eq!((sig, f.len()), (&b"FACP"[..], 116), "an ACPI 1.0 FADT");
        assert_eq!(u32_at(f, 56), 0x600, "PM1a_EVT_BLK");
        assert_eq!(u32_at(f, 64), 0x604, "PM1a_CNT_BLK");
        assert_eq!(u32_at(f, 76), 0x608, "PM_TMR_BLK");
        assert_eq!(u16::from_le_bytes([f[46], f[47]]), 9, "SCI_INT");
        let (sig, d) = table(at(u32_at(f, 40)));
        assert_eq!(sig, b"DSDT");
        assert_eq!(&d[36..41], b"\x08\\_S5", "Name (\\_S5, ...)");
        assert_eq!(&t.bytes[at(u32_at(f, 36))..][..4], b"FACS");
        let (sig, m) = table(madt);
        assert_eq!(sig, b"APIC");
        assert_eq!(u32_at(m, 36), 0xFEE0_0000);
        assert_eq!(&m[44..48], &[0, 8, 0, 0], "processor 0's local APIC");
    }
}
