//! The floppy drives behind the controller and the media in them: the PC diskette formats
//! by image size, and how a sector ID the controller looks for maps onto the image.

use crate::disk::{Disk, DiskError, SECTOR};

/// Data rate codes of the DSR/CCR DRATE SEL bits (82077AA "Datarate Select Register").
pub const RATE_500K: u8 = 0;
pub const RATE_300K: u8 = 1;
pub const RATE_250K: u8 = 2;
pub const RATE_1M: u8 = 3;

/// The physical layout of a diskette format and the data rates it can be read at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub cylinders: u8,
    pub heads: u8,
    pub sectors: u8,
    /// 40-track double-density media read at 250 kb/s in a 300 rpm drive and 300 kb/s in a
    /// 360 rpm (1.2M) drive.
    pub rates: &'static [u8],
}

const DD_40: &[u8] = &[RATE_250K, RATE_300K];

/// The PC formats, by image size in sectors.
const FORMATS: [(u64, Geometry); 9] = [
    (320, geometry(40, 1, 8, DD_40)),
    (360, geometry(40, 1, 9, DD_40)),
    (640, geometry(40, 2, 8, DD_40)),
    (720, geometry(40, 2, 9, DD_40)),
    (1440, geometry(80, 2, 9, &[RATE_250K])),
    (2400, geometry(80, 2, 15, &[RATE_500K])),
    (2880, geometry(80, 2, 18, &[RATE_500K])),
    (3360, geometry(80, 2, 21, &[RATE_500K])),
    (5760, geometry(80, 2, 36, &[RATE_1M])),
];

const fn geometry(cylinders: u8, heads: u8, sectors: u8, rates: &'static [u8]) -> Geometry {
    Geometry {
        cylinders,
        heads,
        sectors,
        rates,
    }
}

impl Geometry {
    /// The format of an image of `sectors` 512-byte sectors: the PC format of that size,
    /// or for a shorter image (GRUB's 1.2 MiB rescue floppy) the smallest format it fits in,
    /// whose sectors past the image's end read as errors (QEMU also puts such an image on
    /// a format of its drive). `None` for an image larger than 2.88M.
    pub fn of_image(sectors: u64) -> Option<Geometry> {
        FORMATS
            .iter()
            .find(|&&(size, _)| size == sectors)
            .or_else(|| FORMATS.iter().find(|&&(size, _)| size >= sectors))
            .map(|&(_, g)| g)
    }
}

/// ST1/ST2 bits for a sector that cannot be found (82077AA "Status Register 1/2").
pub const ST1_MA: u8 = 0x01;
pub const ST1_ND: u8 = 0x04;
pub const ST2_WC: u8 = 0x10;

/// A sector ID field as the commands give it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectorId {
    pub c: u8,
    pub h: u8,
    pub r: u8,
    pub n: u8,
}

/// A diskette in a drive.
pub struct Media {
    pub disk: Disk,
    pub geometry: Geometry,
    pub write_protected: bool,
}

impl Media {
    /// Whether the head at cylinder `pcn`, side `head` sees formatted tracks at `rate`: the
    /// controller finds ID address marks only then (otherwise ST1 MA).
    pub fn track_readable(&self, pcn: u8, head: u8, rate: u8, mfm: bool) -> bool {
        let g = &self.geometry;
        mfm && g.rates.contains(&rate) && pcn < g.cylinders && head < g.heads
    }

    /// The image sector holding `id` on the track under the head (cylinder `pcn`, side
    /// `head`), or the ST1/ST2 bits of the failed search: a cylinder mismatch is ND with WC,
    /// any other ID not on the track ND.
    pub fn find(&self, pcn: u8, head: u8, id: SectorId) -> Result<u64, (u8, u8)> {
        let g = &self.geometry;
        if id.c != pcn {
            return Err((ST1_ND, ST2_WC));
        }
        if id.h != head || id.n != 2 || id.r == 0 || id.r > g.sectors {
            return Err((ST1_ND, 0));
        }
        Ok(self.lba(pcn, head, id.r))
    }

    /// The image sector of sector `r` (1-based) on cylinder `c`, side `head`.
    pub fn lba(&self, c: u8, head: u8, r: u8) -> u64 {
        let g = &self.geometry;
        (u64::from(c) * u64::from(g.heads) + u64::from(head)) * u64::from(g.sectors) + u64::from(r)
            - 1
    }

    /// Reads an image sector; a sector of the format past the end of a short image reads
    /// as zeros (as QEMU's controller gives it: GRUB's rescue floppy is shorter than the
    /// 1.44M format it is read as, and GRUB reads the whole format).
    pub fn read(&mut self, lba: u64, buf: &mut [u8; SECTOR]) -> Result<(), DiskError> {
        if lba >= self.disk.sectors() {
            buf.fill(0);
            return Ok(());
        }
        self.disk.read_sector(lba, buf)
    }

    pub fn write(&mut self, lba: u64, buf: &[u8; SECTOR]) -> Result<(), DiskError> {
        self.disk.write_sector(lba, buf)
    }
}

/// One drive: the diskette if any, and its disk-change latch.
#[derive(Default)]
pub struct Drive {
    pub media: Option<Media>,
    /// The drive's DSKCHG line: set when a diskette is removed or inserted, cleared by a step
    /// pulse with a diskette in the drive.
    pub disk_changed: bool,
}

impl Drive {
    pub fn empty() -> Drive {
        Drive {
            media: None,
            disk_changed: true,
        }
    }

    /// A step pulse: with a diskette inserted it clears DSKCHG.
    pub fn step(&mut self) {
        if self.media.is_some() {
            self.disk_changed = false;
        }
    }

    /// The WP line: a missing diskette reads as protected, as the drive's sensor sees it.
    pub fn write_protected(&self) -> bool {
        self.media.as_ref().is_none_or(|m| m.write_protected)
    }
}
