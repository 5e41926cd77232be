//! Just enough AML (ACPI 6.4 ch. 20, "ACPI Machine Language Specification") to write the
//! DSDT: names, scopes, devices, packages, buffers and integers, with the package-length
//! encoding of 20.2.4.

/// A piece of AML.
pub type Aml = Vec<u8>;

const ZERO_OP: u8 = 0x00;
const ONE_OP: u8 = 0x01;
const NAME_OP: u8 = 0x08;
const BYTE_PREFIX: u8 = 0x0A;
const WORD_PREFIX: u8 = 0x0B;
const DWORD_PREFIX: u8 = 0x0C;
const SCOPE_OP: u8 = 0x10;
const BUFFER_OP: u8 = 0x11;
const PACKAGE_OP: u8 = 0x12;
const EXT_OP_PREFIX: u8 = 0x5B;
const DEVICE_OP: u8 = 0x82;

/// PkgLength (20.2.4): the length of what follows including the encoding itself; one byte
/// up to 63, else a lead byte with the count of following bytes in bits 7-6 and the low
/// nibble, then the rest 8 bits at a time.
fn pkg_length(body: usize) -> Aml {
    for extra in 0..4usize {
        let total = body + 1 + extra;
        let fits = match extra {
            0 => total < 0x40,
            n => total < 1 << (4 + 8 * n),
        };
        if fits {
            if extra == 0 {
                return vec![total as u8];
            }
            let mut out = vec![(extra << 6) as u8 | (total & 0xF) as u8];
            out.extend((0..extra).map(|i| (total >> (4 + 8 * i)) as u8));
            return out;
        }
    }
    vec![0xFF, 0xFF, 0xFF, 0xFF]
}

/// A NameString: a root or relative path of 4-character segments ("\\_SB_", "PCI0"); a
/// multi-segment path gets the MultiNamePrefix (20.2.2).
fn name_string(path: &str) -> Aml {
    let (root, rest) = match path.strip_prefix('\\') {
        Some(r) => (true, r),
        None => (false, path),
    };
    let segs: Vec<&str> = rest.split('.').filter(|s| !s.is_empty()).collect();
    let mut out = Vec::new();
    if root {
        out.push(b'\\');
    }
    match segs.len() {
        0 => out.push(0x00),
        1 => {}
        2 => out.push(0x2E),
        n => out.extend_from_slice(&[0x2F, n as u8]),
    }
    for s in segs {
        let mut seg = [b'_'; 4];
        seg[..s.len().min(4)].copy_from_slice(&s.as_bytes()[..s.len().min(4)]);
        out.extend_from_slice(&seg);
    }
    out
}

fn with_length(op: &[u8], body: Aml) -> Aml {
    let mut out = op.to_vec();
    out.extend(pkg_length(body.len()));
    out.extend(body);
    out
}

/// An integer in its shortest encoding (20.2.3).
pub fn int(v: u32) -> Aml {
    match v {
        0 => vec![ZERO_OP],
        1 => vec![ONE_OP],
        2..=0xFF => vec![BYTE_PREFIX, v as u8],
        0x100..=0xFFFF => {
            let mut out = vec![WORD_PREFIX];
            out.extend((v as u16).to_le_bytes());
            out
        }
        _ => {
            let mut out = vec![DWORD_PREFIX];
            out.extend(v.to_le_bytes());
            out
        }
    }
}

/// `Name (path, value)`.
pub fn name(path: &str, value: Aml) -> Aml {
    let mut out = vec![NAME_OP];
    out.extend(name_string(path));
    out.extend(value);
    out
}

/// `Scope (path) { body }`.
pub fn scope(path: &str, body: &[Aml]) -> Aml {
    let mut b = name_string(path);
    b.extend(body.concat());
    with_length(&[SCOPE_OP], b)
}

/// `Device (path) { body }`.
pub fn device(path: &str, body: &[Aml]) -> Aml {
    let mut b = name_string(path);
    b.extend(body.concat());
    with_length(&[EXT_OP_PREFIX, DEVICE_OP], b)
}

/// `Package () { elements }` (at most 255 elements).
pub fn package(elements: &[Aml]) -> Aml {
    let mut b = vec![elements.len().min(0xFF) as u8];
    b.extend(elements.concat());
    with_length(&[PACKAGE_OP], b)
}

/// `Buffer () { bytes }`.
pub fn buffer(bytes: &[u8]) -> Aml {
    let mut b = int(bytes.len() as u32);
    b.extend_from_slice(bytes);
    with_length(&[BUFFER_OP], b)
}

/// `EisaId ("PNP0A03")`: three letters in 5 bits each and four hex digits, stored big-endian
/// (ACPI 6.4 19.3.4 "ASL Macros", EISAID).
pub fn eisa_id(id: &str) -> Aml {
    let b = id.as_bytes();
    let letter = |i: usize| u16::from(b.get(i).map_or(0, |c| c.wrapping_sub(0x40)) & 0x1F);
    let vendor = letter(0) << 10 | letter(1) << 5 | letter(2);
    let product = u16::from_str_radix(id.get(3..7).unwrap_or("0"), 16).unwrap_or(0);
    let bytes = [vendor.to_be_bytes(), product.to_be_bytes()].concat();
    int(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodings as iasl emits them (ACPI 6.4 20.2).
    #[test]
    fn encodings_follow_the_grammar() {
        assert_eq!(pkg_length(10), [11]);
        assert_eq!(pkg_length(62), [63]);
        // 63 + 2 = 65 = 0x41: lead byte 0x41 (one more byte, low nibble 1), then 0x04.
        assert_eq!(pkg_length(63), [0x40 | 0x1, 0x04]);
        assert_eq!(pkg_length(0x1000), [0x83, 0x00, 0x01], "0x1003");
        assert_eq!(int(0), [0x00]);
        assert_eq!(int(0x10), [0x0A, 0x10]);
        assert_eq!(int(0xFFFF), [0x0B, 0xFF, 0xFF]);
        assert_eq!(int(0x0001_FFFF), [0x0C, 0xFF, 0xFF, 0x01, 0x00]);
        assert_eq!(name_string("\\_SB.PCI0"), b"\\\x2E_SB_PCI0");
        assert_eq!(name_string("_S5"), b"_S5_");
        // EisaId ("PNP0A03") is 0x030AD041 (the value iasl stores for it).
        assert_eq!(eisa_id("PNP0A03"), int(0x030A_D041));
        assert_eq!(
            name("\\_S5", package(&[int(0), int(0), int(0), int(0)])),
            [0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00]
        );
    }
}
