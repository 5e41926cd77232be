//! The IDENTIFY DEVICE data of an ATA disk (ATA/ATAPI-6, T13/1410D, 8.15, Table 27): 256
//! words describing the geometry, capacity, supported commands and transfer modes.

/// The logical geometry a disk reports for CHS addressing: 16 heads and 63 sectors per
/// track, and as many cylinders as fit, at most 16383 (ATA-6 6.2.1 and Annex B).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chs {
    pub cylinders: u32,
    pub heads: u32,
    pub sectors: u32,
}

impl Chs {
    pub fn for_sectors(total: u64) -> Chs {
        let cylinders = (total / (16 * 63)).clamp(1, 16383) as u32;
        Chs {
            cylinders,
            heads: 16,
            sectors: 63,
        }
    }

    /// Sectors this geometry addresses.
    pub fn capacity(self) -> u64 {
        u64::from(self.cylinders) * u64::from(self.heads) * u64::from(self.sectors)
    }
}

/// The most sectors per DRQ block of READ/WRITE MULTIPLE (word 47).
pub const MAX_MULTIPLE: u16 = 16;

/// Word 49 bit 8: DMA supported.
const DMA: u16 = 1 << 8;
/// Word 63: multiword DMA modes 0-2 supported; word 88: Ultra DMA modes 0-5 supported (the
/// modes QEMU's ide-hd and ide-cd report). The selected mode is bit 8 + n of its word.
const MULTIWORD_DMA_MODES: u16 = 0x0007;
const ULTRA_DMA_MODES: u16 = 0x003F;

/// Words 63 and 88 for the selected DMA mode (a SET FEATURES transfer mode value).
fn dma_words(selected: Option<u8>) -> (u16, u16) {
    let bit = |mode: u8| 1u16 << (8 + (mode & 7));
    match selected.map(|m| (m >> 3, m)) {
        Some((4, m)) => (MULTIWORD_DMA_MODES | bit(m), ULTRA_DMA_MODES),
        Some((8, m)) => (MULTIWORD_DMA_MODES, ULTRA_DMA_MODES | bit(m)),
        _ => (MULTIWORD_DMA_MODES, ULTRA_DMA_MODES),
    }
}

/// Writes `text` into `words` as ATA strings are stored: two characters per word, the first
/// in the high byte, padded with spaces (ATA-6 3.2.9).
fn put_string(words: &mut [u16], text: &str) {
    let mut bytes = text.bytes().chain(std::iter::repeat(b' '));
    for w in words.iter_mut() {
        let hi = bytes.next().unwrap_or(b' ');
        let lo = bytes.next().unwrap_or(b' ');
        *w = u16::from_be_bytes([hi, lo]);
    }
}

/// The IDENTIFY DEVICE block of a disk of `total` sectors, with the current CHS translation
/// `current`, READ/WRITE MULTIPLE block size `multiple` (0 = disabled) and the DMA mode
/// `dma_mode` SET FEATURES selected.
pub fn identify_disk(
    total: u64,
    current: Chs,
    multiple: u16,
    dma_mode: Option<u8>,
    serial: &str,
) -> [u16; 256] {
    let mut w = [0u16; 256];
    let default = Chs::for_sectors(total);
    w[0] = 0x0040; // fixed device, not removable
    w[1] = default.cylinders as u16;
    w[3] = default.heads as u16;
    w[6] = default.sectors as u16;
    put_string(&mut w[10..20], serial);
    put_string(&mut w[23..27], env!("CARGO_PKG_VERSION"));
    put_string(&mut w[27..47], "amber hard disk");
    w[47] = 0x8000 | MAX_MULTIPLE;
    w[49] = (1 << 9) | (1 << 11) | DMA; // LBA, IORDY, DMA
    w[50] = 0x4000;
    w[51] = 0x0200; // PIO mode 2 timing
    w[53] = 0x0007; // words 54-58, 64-70 and 88 valid
    w[54] = current.cylinders as u16;
    w[55] = current.heads as u16;
    w[56] = current.sectors as u16;
    let current_capacity = current.capacity().min(u64::from(u32::MAX)) as u32;
    w[57] = current_capacity as u16;
    w[58] = (current_capacity >> 16) as u16;
    w[59] = if multiple != 0 { 0x0100 | multiple } else { 0 };
    let lba28 = total.min(0x0FFF_FFFF) as u32;
    w[60] = lba28 as u16;
    w[61] = (lba28 >> 16) as u16;
    (w[63], w[88]) = dma_words(dma_mode);
    w[64] = 0x0003; // PIO modes 3 and 4
    w[65] = 120;
    w[66] = 120;
    w[67] = 120;
    w[68] = 120;
    w[80] = 0x007E; // ATA-1 to ATA-6
    w[82] = 1 << 14; // NOP
    w[83] = (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10); // FLUSH CACHE (EXT), LBA48
    w[84] = 1 << 14;
    w[85] = w[82];
    w[86] = w[83] & !(1 << 14);
    w[87] = 1 << 14;
    for (i, word) in w[100..104].iter_mut().enumerate() {
        *word = (total >> (16 * i)) as u16;
    }
    w
}

/// The IDENTIFY PACKET DEVICE block of the CD-ROM drive (ATA-6, IDENTIFY PACKET DEVICE
/// command), with the DMA mode `dma_mode` SET FEATURES selected.
pub fn identify_packet(dma_mode: Option<u8>, serial: &str) -> [u16; 256] {
    let mut w = [0u16; 256];
    // ATAPI (10b), CD-ROM device type 05h, removable, DRQ within 50 us (10b), 12-byte
    // command packets (00b).
    w[0] = 0x8000 | (0x05 << 8) | (1 << 7) | (0b10 << 5);
    put_string(&mut w[10..20], serial);
    put_string(&mut w[23..27], env!("CARGO_PKG_VERSION"));
    put_string(&mut w[27..47], "AMBER CD-ROM");
    w[49] = (1 << 9) | (1 << 11) | DMA; // LBA, IORDY, DMA
    w[50] = 0x4000;
    w[51] = 0x0200; // PIO mode 2 timing
    w[53] = 0x0006; // words 64-70 and 88 valid
    (w[63], w[88]) = dma_words(dma_mode);
    w[64] = 0x0003; // PIO modes 3 and 4
    w[65] = 120;
    w[66] = 120;
    w[67] = 120;
    w[68] = 120;
    w[80] = 0x007E; // ATA-1 to ATA-6
    w[82] = (1 << 14) | (1 << 9) | (1 << 4); // NOP, DEVICE RESET, PACKET
    w[83] = 1 << 14;
    w[84] = 1 << 14;
    w[85] = w[82];
    w[87] = 1 << 14;
    w
}
