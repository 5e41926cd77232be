//! QEMU's firmware configuration device (fw_cfg), traditional I/O port interface, as
//! QEMU docs/specs/fw_cfg.rst describes it: "Selector (Control) Register" (16-bit write to
//! 0x510), "Data Register" (8-bit reads of 0x511 step through the selected item; past its
//! end they read 0), "Firmware Configuration Items" (signature, feature bitmap, file
//! directory) and "Ranges" (bit 15 selects the architecture-specific items, bit 14 the
//! write channel, which is ignored). No DMA interface: the feature bitmap says so.
//!
//! As in QEMU's `fw_cfg_comb` port pair, a byte read of either port reads data, a byte
//! write is a data write (ignored since QEMU 2.4), and only a word write selects.

use crate::io::{Nanos, PortIo};
use std::collections::BTreeMap;

/// Item keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h).
pub const FW_CFG_SIGNATURE: u16 = 0x0000;
pub const FW_CFG_ID: u16 = 0x0001;
pub const FW_CFG_RAM_SIZE: u16 = 0x0003;
pub const FW_CFG_NB_CPUS: u16 = 0x0005;
pub const FW_CFG_MAX_CPUS: u16 = 0x000F;
pub const FW_CFG_FILE_DIR: u16 = 0x0019;
pub const FW_CFG_FILE_FIRST: u16 = 0x0020;

const WRITE_CHANNEL: u16 = 0x4000;
const ARCH_LOCAL: u16 = 0x8000;
const ENTRY_MASK: u16 = 0x3FFF;
/// Feature bitmap: bit 0, traditional interface.
const FEATURE_TRADITIONAL: u32 = 1;
/// A directory entry's name field, NUL included.
const NAME_LEN: usize = 56;
const SELECTOR_PORT: u16 = 0x510;
const DATA_PORT: u16 = 0x511;

struct FwCfgFile {
    /// At most 55 bytes, no NUL.
    name: Vec<u8>,
    data: Vec<u8>,
}

/// Selector and data ports.
pub const PORTS: &[(u16, u16)] = &[(SELECTOR_PORT, 2)];

/// The fw_cfg device.
pub struct FwCfg {
    /// Items outside the file range, by key with the write-channel bit clear.
    items: BTreeMap<u16, Vec<u8>>,
    /// Files sorted by name; file `i` has key `FW_CFG_FILE_FIRST + i`, as QEMU numbers them.
    files: Vec<FwCfgFile>,
    selected: u16,
    offset: usize,
}

impl FwCfg {
    /// The signature and feature bitmap, no RAM and one processor until the board says
    /// otherwise, no files.
    pub fn new() -> FwCfg {
        let mut fw_cfg = FwCfg {
            items: BTreeMap::new(),
            files: Vec::new(),
            selected: FW_CFG_SIGNATURE,
            offset: 0,
        };
        fw_cfg.items.insert(FW_CFG_SIGNATURE, b"QEMU".to_vec());
        let features = FEATURE_TRADITIONAL.to_le_bytes().to_vec();
        fw_cfg.items.insert(FW_CFG_ID, features);
        fw_cfg.set_ram_size(0);
        fw_cfg.set_cpu_count(1);
        fw_cfg.update_directory();
        fw_cfg
    }

    /// Item 0x0003: RAM size in bytes, 64-bit little-endian.
    pub fn set_ram_size(&mut self, bytes: u64) {
        self.items
            .insert(FW_CFG_RAM_SIZE, bytes.to_le_bytes().to_vec());
    }

    /// Items 0x0005 (processors present) and 0x000F (maximum), 16-bit little-endian.
    pub fn set_cpu_count(&mut self, cpus: u16) {
        self.items
            .insert(FW_CFG_NB_CPUS, cpus.to_le_bytes().to_vec());
        self.items
            .insert(FW_CFG_MAX_CPUS, cpus.to_le_bytes().to_vec());
    }

    /// Selects the signature item, as QEMU's reset does.
    pub fn reset(&mut self) {
        self.select(FW_CFG_SIGNATURE);
    }

    /// Sets a numbered item (generic below 0x8000, architecture-specific from 0x8000). The
    /// file directory and the file range are kept by `add_file`; keys there are refused.
    pub fn set_item(&mut self, key: u16, data: Vec<u8>) {
        let key = key & !WRITE_CHANNEL;
        if key & ARCH_LOCAL == 0 && (key == FW_CFG_FILE_DIR || key >= FW_CFG_FILE_FIRST) {
            log::warn!("fw_cfg: key {key:#06x} belongs to the file directory; use add_file");
            return;
        }
        self.items.insert(key, data);
    }

    /// Adds a named file, or replaces the data of the file of that name. Names are cut to
    /// 55 bytes (and at a NUL). Files are kept sorted by name and numbered from 0x0020 in
    /// that order, so a later file can move the keys of earlier ones, as in QEMU.
    pub fn add_file(&mut self, name: &str, data: Vec<u8>) {
        let name: Vec<u8> = name
            .bytes()
            .take_while(|&b| b != 0)
            .take(NAME_LEN - 1)
            .collect();
        match self.files.binary_search_by(|f| f.name.cmp(&name)) {
            Ok(i) => self.files[i].data = data,
            Err(i) => {
                if self.files.len() > usize::from(ENTRY_MASK - FW_CFG_FILE_FIRST) {
                    log::warn!(
                        "fw_cfg: no key left for file {:?}",
                        String::from_utf8_lossy(&name)
                    );
                    return;
                }
                self.files.insert(i, FwCfgFile { name, data });
            }
        }
        self.update_directory();
    }

    /// The directory item: a big-endian count, then per file its big-endian size and key,
    /// two reserved bytes and the NUL-padded name.
    fn update_directory(&mut self) {
        let mut dir = Vec::with_capacity(4 + self.files.len() * (8 + NAME_LEN));
        dir.extend_from_slice(&(self.files.len() as u32).to_be_bytes());
        for (key, file) in (FW_CFG_FILE_FIRST..).zip(&self.files) {
            let size = u32::try_from(file.data.len()).unwrap_or(u32::MAX);
            dir.extend_from_slice(&size.to_be_bytes());
            dir.extend_from_slice(&key.to_be_bytes());
            dir.extend_from_slice(&[0, 0]);
            let mut name = [0u8; NAME_LEN];
            name[..file.name.len()].copy_from_slice(&file.name);
            dir.extend_from_slice(&name);
        }
        self.items.insert(FW_CFG_FILE_DIR, dir);
    }

    fn select(&mut self, key: u16) {
        self.selected = key & !WRITE_CHANNEL;
        self.offset = 0;
    }

    /// The selected item's bytes; empty for a key with no item.
    fn selected_item(&self) -> &[u8] {
        let key = self.selected;
        let file_index = (key & ENTRY_MASK).checked_sub(FW_CFG_FILE_FIRST);
        match file_index {
            Some(i) if key & ARCH_LOCAL == 0 => self
                .files
                .get(usize::from(i))
                .map_or(&[], |f| f.data.as_slice()),
            _ => self.items.get(&key).map_or(&[], Vec::as_slice),
        }
    }

    fn read_data(&mut self) -> u8 {
        match self.selected_item().get(self.offset).copied() {
            Some(byte) => {
                self.offset += 1;
                byte
            }
            None => 0,
        }
    }
}

impl Default for FwCfg {
    fn default() -> Self {
        Self::new()
    }
}

impl PortIo for FwCfg {
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        match (port, size) {
            (SELECTOR_PORT | DATA_PORT, 1) => u32::from(self.read_data()),
            _ => 0,
        }
    }

    fn write(&mut self, _now: Nanos, port: u16, size: u8, value: u32) {
        match (port, size) {
            (SELECTOR_PORT, 2) => self.select(value as u16),
            _ => log::debug!("fw_cfg: ignored {size}-byte write of {value:#x} to {port:#x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(f: &mut FwCfg, key: u16) {
        f.write(0, 0x510, 2, u32::from(key));
    }

    fn read_bytes(f: &mut FwCfg, n: usize) -> Vec<u8> {
        (0..n).map(|_| f.read(0, 0x511, 1) as u8).collect()
    }

    fn item(f: &mut FwCfg, key: u16, n: usize) -> Vec<u8> {
        select(f, key);
        read_bytes(f, n)
    }

    #[test]
    fn signature_and_feature_bitmap() {
        let mut f = FwCfg::new();
        assert_eq!(
            read_bytes(&mut f, 4),
            b"QEMU",
            "the signature is selected at start"
        );
        assert_eq!(item(&mut f, 0x0000, 4), b"QEMU");
        assert_eq!(
            item(&mut f, 0x0001, 4),
            [1, 0, 0, 0],
            "traditional interface, no DMA"
        );
    }

    #[test]
    fn machine_items_are_little_endian() {
        let mut f = FwCfg::new();
        assert_eq!(item(&mut f, 0x0003, 8), [0; 8]);
        assert_eq!(item(&mut f, 0x0005, 2), [1, 0]);
        f.set_ram_size(128 << 20);
        f.set_cpu_count(2);
        assert_eq!(item(&mut f, 0x0003, 8), [0, 0, 0, 8, 0, 0, 0, 0]);
        assert_eq!(item(&mut f, 0x0005, 2), [2, 0]);
        assert_eq!(item(&mut f, 0x000F, 2), [2, 0]);
    }

    #[test]
    fn reads_past_the_end_and_of_missing_items_are_zero() {
        let mut f = FwCfg::new();
        assert_eq!(item(&mut f, 0x0000, 6), b"QEMU\0\0");
        assert_eq!(item(&mut f, 0x0000, 2), b"QE", "selecting rewinds");
        assert_eq!(item(&mut f, 0x3FFF, 3), [0, 0, 0]);
        assert_eq!(item(&mut f, 0x8000, 3), [0, 0, 0]);
        assert_eq!(item(&mut f, 0xFFFF, 3), [0, 0, 0]);
    }

    #[test]
    fn write_channel_bit_selects_the_same_item_and_writes_are_ignored() {
        let mut f = FwCfg::new();
        select(&mut f, 0x4000);
        f.write(0, 0x511, 1, u32::from(b'X'));
        assert_eq!(read_bytes(&mut f, 4), b"QEMU");
        assert_eq!(item(&mut f, 0x0000, 4), b"QEMU");
    }

    #[test]
    fn only_word_writes_to_the_selector_select() {
        let mut f = FwCfg::new();
        select(&mut f, 0x0001);
        f.write(0, 0x510, 1, 0);
        f.write(0, 0x510, 4, 0);
        assert_eq!(
            f.read(0, 0x510, 1),
            1,
            "a byte read of 0x510 reads data too"
        );
        assert_eq!(f.read(0, 0x511, 2), 0, "a word read is not a data access");
        assert_eq!(read_bytes(&mut f, 3), [0, 0, 0]);
    }

    #[test]
    fn file_directory_is_big_endian_and_sorted_by_name() {
        let mut f = FwCfg::new();
        assert_eq!(item(&mut f, 0x0019, 4), [0, 0, 0, 0]);
        f.add_file("opt/zeta", vec![1, 2, 3]);
        f.add_file("etc/boot-fail-wait", 60u32.to_le_bytes().to_vec());
        let dir = item(&mut f, 0x0019, 4 + 2 * 64);
        assert_eq!(dir[..4], [0, 0, 0, 2]);
        let entry = |i: usize| &dir[4 + 64 * i..4 + 64 * (i + 1)];
        assert_eq!(entry(0)[..8], [0, 0, 0, 4, 0x00, 0x20, 0, 0]);
        assert_eq!(&entry(0)[8..26], b"etc/boot-fail-wait");
        assert!(entry(0)[26..].iter().all(|&b| b == 0));
        assert_eq!(entry(1)[..8], [0, 0, 0, 3, 0x00, 0x21, 0, 0]);
        assert_eq!(&entry(1)[8..16], b"opt/zeta");
        assert!(entry(1)[16..].iter().all(|&b| b == 0));
        assert_eq!(item(&mut f, 0x0020, 5), [60, 0, 0, 0, 0]);
        assert_eq!(item(&mut f, 0x0021, 4), [1, 2, 3, 0]);
        assert_eq!(item(&mut f, 0x0022, 1), [0]);
        assert_eq!(item(&mut f, 0x8021, 1), [0], "files are generic items");
    }

    #[test]
    fn replacing_a_file_keeps_its_entry_and_long_names_are_cut() {
        let mut f = FwCfg::new();
        f.add_file("opt/a", vec![1]);
        f.add_file("opt/a", vec![7, 8]);
        let long = "opt/".to_string() + &"x".repeat(80);
        f.add_file(&long, vec![]);
        let dir = item(&mut f, 0x0019, 4 + 2 * 64);
        assert_eq!(dir[..4], [0, 0, 0, 2]);
        assert_eq!(dir[4..8], [0, 0, 0, 2]);
        assert_eq!(&dir[68 + 8..68 + 8 + 55], &long.as_bytes()[..55]);
        assert_eq!(dir[68 + 63], 0, "the name stays NUL-terminated");
        assert_eq!(item(&mut f, 0x0020, 2), [7, 8]);
    }

    #[test]
    fn set_item_adds_items_but_not_in_the_file_range() {
        let mut f = FwCfg::new();
        f.set_item(0x8003, vec![9, 9]);
        f.set_item(0x4002, vec![5]);
        f.set_item(0x0019, vec![1, 1, 1, 1]);
        f.set_item(0x0020, vec![1]);
        assert_eq!(item(&mut f, 0x8003, 3), [9, 9, 0]);
        assert_eq!(item(&mut f, 0x0002, 2), [5, 0]);
        assert_eq!(item(&mut f, 0x0019, 4), [0, 0, 0, 0]);
        assert_eq!(item(&mut f, 0x0020, 1), [0]);
    }

    #[test]
    fn reset_selects_the_signature() {
        let mut f = FwCfg::new();
        select(&mut f, 0x0001);
        f.reset();
        assert_eq!(read_bytes(&mut f, 4), b"QEMU");
    }
}
