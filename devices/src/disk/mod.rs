//! Disk images as the storage devices see them (DESIGN.md "Disks"): a raw image file read in
//! 512-byte sectors, with the preservation rule that the original is never written unless the
//! user asks (`--write`). Otherwise the guest's writes land in an overlay (`overlay.rs`) that
//! is discarded at exit or kept in a file of its own (`--overlay FILE`). Also the guess of
//! what an image is (floppy, hard disk or CD) when the user names only the file.

mod overlay;

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub use overlay::Overlay;

/// Bytes per sector of the images amber reads (CD images are read in 2048-byte blocks by the
/// ATAPI layer, four of these).
pub const SECTOR: usize = 512;

/// A host-side problem with an image, each shown as one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum DiskError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("{0}: the image is empty")]
    Empty(PathBuf),
    #[error("{0}: {1} bytes is not a whole number of 512-byte sectors")]
    Unaligned(PathBuf, u64),
    #[error("{0}: cannot tell a floppy, hard disk or CD image apart; use --fda, --hda or --cdrom")]
    Unknown(PathBuf),
    #[error("{0}: not an amber overlay for this image ({1})")]
    BadOverlay(PathBuf, &'static str),
}

/// What an image holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Floppy,
    HardDisk,
    Cdrom,
}

/// The sizes of the PC floppy formats: 160K, 180K, 320K, 360K, 720K, 1.2M, 1.44M, 1.68M
/// (DMF) and 2.88M.
pub const FLOPPY_SIZES: [u64; 9] = [
    163_840, 184_320, 327_680, 368_640, 737_280, 1_228_800, 1_474_560, 1_720_320, 2_949_120,
];

/// Guesses what an image is from its size and its first 34 KiB (`head`; fewer bytes for a
/// smaller file): an ISO 9660 volume descriptor ("CD001" at byte 0x8001) makes a CD, a floppy
/// format's exact size a floppy, and any other whole number of sectors a hard disk.
pub fn guess_kind(size: u64, head: &[u8]) -> Option<MediaKind> {
    if head.get(0x8001..0x8006) == Some(b"CD001") {
        return Some(MediaKind::Cdrom);
    }
    if FLOPPY_SIZES.contains(&size) {
        return Some(MediaKind::Floppy);
    }
    (size > 0 && size.is_multiple_of(SECTOR as u64)).then_some(MediaKind::HardDisk)
}

/// Where the guest's writes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Into the image itself (`--write`).
    Direct,
    /// Into an in-memory overlay dropped at exit (the default).
    Discard,
    /// Into an overlay kept in this file, reused by the next run (`--overlay FILE`).
    Keep(PathBuf),
}

/// An open image: a file, or bytes built into amber (the demo's floppy), which live in the
/// overlay with no file behind them.
pub struct Disk {
    path: PathBuf,
    file: Option<File>,
    len: u64,
    mode: WriteMode,
    overlay: Overlay,
}

impl Disk {
    /// Opens `path` (read-only unless `mode` is `Direct`) and, for `Keep`, loads the overlay
    /// file if it exists.
    pub fn open(path: &Path, mode: WriteMode) -> Result<Disk, DiskError> {
        let io = |e| DiskError::Io(path.to_path_buf(), e);
        let file = OpenOptions::new()
            .read(true)
            .write(mode == WriteMode::Direct)
            .open(path)
            .map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        if len == 0 {
            return Err(DiskError::Empty(path.to_path_buf()));
        }
        if !len.is_multiple_of(SECTOR as u64) {
            return Err(DiskError::Unaligned(path.to_path_buf(), len));
        }
        let overlay = match &mode {
            WriteMode::Keep(p) if p.exists() => Overlay::load(p, len)?,
            _ => Overlay::default(),
        };
        Ok(Disk {
            path: path.to_path_buf(),
            file: Some(file),
            len,
            mode,
            overlay,
        })
    }

    /// An image held in memory, named `name` in messages: `data` padded to whole sectors.
    /// Writes stay in memory.
    pub fn in_memory(name: &str, data: &[u8]) -> Disk {
        let mut overlay = Overlay::default();
        for (lba, chunk) in data.chunks(SECTOR).enumerate() {
            let mut sector = [0u8; SECTOR];
            sector[..chunk.len()].copy_from_slice(chunk);
            overlay.put(lba as u64, &sector);
        }
        Disk {
            path: PathBuf::from(name),
            file: None,
            len: data.len().div_ceil(SECTOR) as u64 * SECTOR as u64,
            mode: WriteMode::Discard,
            overlay,
        }
    }

    /// The image's size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn sectors(&self) -> u64 {
        self.len / SECTOR as u64
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the image looks like (`guess_kind` on its size and first 34 KiB).
    pub fn kind(&mut self) -> Result<Option<MediaKind>, DiskError> {
        let mut head = Vec::new();
        let mut sector = [0u8; SECTOR];
        for lba in 0..self.sectors().min(0x8800 / SECTOR as u64) {
            self.read_sector(lba, &mut sector)?;
            head.extend_from_slice(&sector);
        }
        Ok(guess_kind(self.len, &head))
    }

    /// Reads sector `lba` as the guest sees it (overlay first). A sector past the end is an
    /// error the device reports to the guest.
    pub fn read_sector(&mut self, lba: u64, buf: &mut [u8; SECTOR]) -> Result<(), DiskError> {
        if lba >= self.sectors() {
            return Err(self.out_of_range());
        }
        if let Some(data) = self.overlay.get(lba) {
            buf.copy_from_slice(data);
            return Ok(());
        }
        let io = |e| DiskError::Io(self.path.clone(), e);
        let Some(file) = self.file.as_mut() else {
            buf.fill(0);
            return Ok(());
        };
        file.seek(SeekFrom::Start(lba * SECTOR as u64))
            .map_err(io)?;
        file.read_exact(buf).map_err(io)
    }

    /// Writes sector `lba`: into the image with `--write`, else into the overlay.
    pub fn write_sector(&mut self, lba: u64, buf: &[u8; SECTOR]) -> Result<(), DiskError> {
        if lba >= self.sectors() {
            return Err(self.out_of_range());
        }
        if self.mode != WriteMode::Direct {
            self.overlay.put(lba, buf);
            return Ok(());
        }
        let io = |e| DiskError::Io(self.path.clone(), e);
        let Some(file) = self.file.as_mut() else {
            self.overlay.put(lba, buf);
            return Ok(());
        };
        file.seek(SeekFrom::Start(lba * SECTOR as u64))
            .map_err(io)?;
        file.write_all(buf).map_err(io)
    }

    /// The guest's cache flush, and the one at exit: `--write` images reach the disk, a kept
    /// overlay is saved.
    pub fn flush(&mut self) -> Result<(), DiskError> {
        match &self.mode {
            WriteMode::Direct => match &self.file {
                Some(file) => file
                    .sync_data()
                    .map_err(|e| DiskError::Io(self.path.clone(), e)),
                None => Ok(()),
            },
            WriteMode::Keep(p) => self.overlay.save(p, self.len),
            WriteMode::Discard => Ok(()),
        }
    }

    fn out_of_range(&self) -> DiskError {
        DiskError::Io(
            self.path.clone(),
            std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "sector past the end"),
        )
    }
}

#[cfg(test)]
mod tests;
