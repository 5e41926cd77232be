//! A suite's `metadata.json` (SingleStepTests "syntax_version" 2): the CPU the suite was
//! captured on and, per opcode (`opcodes["F6"]`, or per ModR/M reg field
//! `opcodes["F6"].reg["7"]`), its `status` and the `flags-mask` that clears the flags the
//! instruction leaves undefined.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct Metadata {
    /// "8086", "286" or "386".
    pub cpu: Option<String>,
    #[serde(default)]
    opcodes: HashMap<String, OpcodeInfo>,
}

#[derive(Debug, Default, Deserialize)]
struct OpcodeInfo {
    status: Option<String>,
    #[serde(rename = "flags-mask")]
    flags_mask: Option<u16>,
    reg: Option<HashMap<String, OpcodeInfo>>,
}

/// What the metadata says about one test file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileInfo {
    /// `normal`, `undocumented`, `undefined`, `alias`, `prefix`, `fpu`, `extension`.
    pub status: Option<String>,
    /// Compare flags as `(ours & mask) == (expected & mask)`.
    pub flags_mask: u16,
}

impl Metadata {
    pub fn load(path: &Path) -> Result<Metadata> {
        let text = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
        serde_json::from_slice(&text).with_context(|| format!("{}: invalid JSON", path.display()))
    }

    /// The entry for a file stem such as `D0`, `0F01` or `F6.7` (opcode, then the ModR/M
    /// reg field for group opcodes). Unknown opcodes get a mask that compares every flag.
    pub fn lookup(&self, stem: &str) -> FileInfo {
        let stem = stem.to_ascii_uppercase();
        let (opcode, reg) = match stem.split_once('.') {
            Some((op, reg)) => (op, Some(reg)),
            None => (stem.as_str(), None),
        };
        let top = self.opcodes.get(opcode);
        let sub = top
            .zip(reg)
            .and_then(|(t, r)| t.reg.as_ref().and_then(|regs| regs.get(r)));
        FileInfo {
            status: sub
                .and_then(|o| o.status.clone())
                .or_else(|| top.and_then(|o| o.status.clone())),
            flags_mask: sub
                .and_then(|o| o.flags_mask)
                .or_else(|| top.and_then(|o| o.flags_mask))
                .unwrap_or(0xFFFF),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "cpu": "286",
        "opcodes": {
            "00": {"status": "normal", "arch": "86"},
            "27": {"status": "normal", "flags": "o.......", "flags-mask": 63487},
            "F6": {"reg": {
                "1": {"status": "alias"},
                "7": {"status": "normal", "flags": "o..szapc", "flags-mask": 63274}
            }}
        }
    }"#;

    #[test]
    fn looks_up_opcodes_and_group_members() {
        let m: Metadata = serde_json::from_str(SAMPLE).unwrap();
        assert_eq!(m.cpu.as_deref(), Some("286"));
        let add = m.lookup("00");
        assert_eq!(add.status.as_deref(), Some("normal"));
        assert_eq!(add.flags_mask, 0xFFFF);
        assert_eq!(m.lookup("27").flags_mask, 63487);
        let idiv = m.lookup("f6.7");
        assert_eq!(idiv.flags_mask, 63274);
        assert_eq!(m.lookup("F6.1").status.as_deref(), Some("alias"));
        assert_eq!(m.lookup("F6.1").flags_mask, 0xFFFF);
        let unknown = m.lookup("0F05");
        assert_eq!(unknown.status, None);
        assert_eq!(unknown.flags_mask, 0xFFFF);
    }
}
