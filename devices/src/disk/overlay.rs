//! The copy-on-write overlay over a read-only image: the sectors the guest has written, by
//! number. Kept overlays are saved as a small file of their own: the magic `AMBEROV1`, the
//! image's size (so an overlay is never applied to another image), the sector count, then
//! each sector as its number followed by its 512 bytes, all little-endian.

use std::collections::BTreeMap;
use std::path::Path;

use super::{DiskError, SECTOR};

const MAGIC: &[u8; 8] = b"AMBEROV1";

#[derive(Default)]
pub struct Overlay {
    sectors: BTreeMap<u64, Box<[u8; SECTOR]>>,
}

impl Overlay {
    pub fn get(&self, lba: u64) -> Option<&[u8; SECTOR]> {
        self.sectors.get(&lba).map(|b| &**b)
    }

    pub fn put(&mut self, lba: u64, data: &[u8; SECTOR]) {
        self.sectors.insert(lba, Box::new(*data));
    }

    /// How many sectors the guest has changed.
    pub fn len(&self) -> usize {
        self.sectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sectors.is_empty()
    }

    /// Loads the overlay kept in `path` for an image of `image_len` bytes.
    pub fn load(path: &Path, image_len: u64) -> Result<Overlay, DiskError> {
        let bytes = std::fs::read(path).map_err(|e| DiskError::Io(path.to_path_buf(), e))?;
        let bad = |why| DiskError::BadOverlay(path.to_path_buf(), why);
        let word = |at: usize| -> Result<u64, DiskError> {
            let b = bytes.get(at..at + 8).ok_or(bad("truncated"))?;
            Ok(u64::from_le_bytes(
                b.try_into().map_err(|_| bad("truncated"))?,
            ))
        };
        if bytes.get(..8) != Some(MAGIC) {
            return Err(bad("no AMBEROV1 header"));
        }
        if word(8)? != image_len {
            return Err(bad("made for an image of another size"));
        }
        let count = word(16)?;
        let entry = 8 + SECTOR;
        if (bytes.len() as u64 - 24) != count.saturating_mul(entry as u64) {
            return Err(bad("truncated"));
        }
        let mut overlay = Overlay::default();
        for i in 0..count as usize {
            let at = 24 + i * entry;
            let lba = word(at)?;
            if lba >= image_len / SECTOR as u64 {
                return Err(bad("a sector past the end of the image"));
            }
            let mut data = [0u8; SECTOR];
            data.copy_from_slice(&bytes[at + 8..at + entry]);
            overlay.put(lba, &data);
        }
        Ok(overlay)
    }

    /// Saves the overlay to `path` (written whole to a temporary file, then renamed over it,
    /// so a crash never leaves half an overlay).
    pub fn save(&self, path: &Path, image_len: u64) -> Result<(), DiskError> {
        let mut out = Vec::with_capacity(24 + self.sectors.len() * (8 + SECTOR));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&image_len.to_le_bytes());
        out.extend_from_slice(&(self.sectors.len() as u64).to_le_bytes());
        for (lba, data) in &self.sectors {
            out.extend_from_slice(&lba.to_le_bytes());
            out.extend_from_slice(&data[..]);
        }
        let io = |e| DiskError::Io(path.to_path_buf(), e);
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &out).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}
