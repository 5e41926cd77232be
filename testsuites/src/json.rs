//! Reader for the SingleStepTests JSON format (the 8086 suite, `testdata/singlestep/8086/
//! UPSTREAM_README.md`): one array of tests, each
//! `{name, bytes, initial{regs, ram, queue}, final{regs, ram, queue}, cycles, test_hash,
//! test_num}`. `final.regs` lists only the registers that changed. The 286 suite's JSON
//! conversion names the last two `hash` and `idx` and adds an optional `exception`.
//!
//! The queue contents and the bus-cycle trace only matter for cycle-exact emulation: they
//! are not fields here, so serde skips them with `IgnoredAny` without building any values.

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::case::{Exception, Reg, RegFile, State, TestCase};

#[derive(Deserialize)]
struct JsonTest {
    name: String,
    bytes: Vec<u8>,
    initial: JsonState,
    #[serde(rename = "final")]
    final_state: JsonState,
    #[serde(alias = "hash")]
    test_hash: Option<String>,
    #[serde(alias = "idx")]
    test_num: Option<u32>,
    exception: Option<JsonException>,
}

#[derive(Deserialize)]
struct JsonState {
    regs: JsonRegs,
    ram: Vec<(u32, u8)>,
}

#[derive(Deserialize)]
struct JsonRegs {
    ax: Option<u16>,
    bx: Option<u16>,
    cx: Option<u16>,
    dx: Option<u16>,
    cs: Option<u16>,
    ss: Option<u16>,
    ds: Option<u16>,
    es: Option<u16>,
    sp: Option<u16>,
    bp: Option<u16>,
    si: Option<u16>,
    di: Option<u16>,
    ip: Option<u16>,
    flags: Option<u16>,
}

#[derive(Deserialize)]
struct JsonException {
    number: u8,
    flag_address: u32,
}

/// Parses one uncompressed JSON test file.
pub fn parse(data: &[u8]) -> Result<Vec<TestCase>> {
    let tests: Vec<JsonTest> = serde_json::from_slice(data).context("invalid test JSON")?;
    Ok(tests
        .into_iter()
        .enumerate()
        .map(|(i, t)| TestCase {
            index: t.test_num.unwrap_or(i as u32),
            name: t.name,
            bytes: t.bytes,
            initial: t.initial.into_state(),
            final_state: t.final_state.into_state(),
            exception: t.exception.map(|e| Exception {
                vector: e.number,
                flag_address: e.flag_address,
            }),
            hash: t.test_hash.map(|h| h.to_ascii_lowercase()),
        })
        .collect())
}

impl JsonState {
    fn into_state(self) -> State {
        let r = &self.regs;
        let values = [
            r.ax, r.bx, r.cx, r.dx, r.cs, r.ss, r.ds, r.es, r.sp, r.bp, r.si, r.di, r.ip, r.flags,
        ];
        let mut regs = RegFile::default();
        for (&reg, value) in Reg::REGS16.iter().zip(values) {
            if let Some(v) = value {
                regs.set(reg, v as u32);
            }
        }
        State {
            regs,
            ram: self.ram,
            ..State::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"[
    {
        "name": "add cl, ah",
        "bytes": [0, 225],
        "initial": {
            "regs": {"ax": 13212, "bx": 45284, "cx": 47784, "dx": 43524, "cs": 59545,
                     "ss": 61254, "ds": 3186, "es": 55910, "sp": 63905, "bp": 14753,
                     "si": 42814, "di": 0, "ip": 22673, "flags": 64663},
            "ram": [[975393, 0], [975394, 225], [975395, 144]],
            "queue": [0, 225, 144]
        },
        "final": {
            "regs": {"cx": 47835, "ip": 22675, "flags": 62598},
            "ram": [[975393, 0]],
            "queue": [144, 144]
        },
        "cycles": [[0, 39987, "--", "---", "---", 0, 0, "PASV", "Ti", "F", 0]],
        "test_hash": "56C85EB0",
        "test_num": 0
    }]"#;

    #[test]
    fn reads_the_8086_format() {
        let tests = parse(SAMPLE.as_bytes()).unwrap();
        assert_eq!(tests.len(), 1);
        let t = &tests[0];
        assert_eq!(t.name, "add cl, ah");
        assert_eq!(t.bytes, [0, 225]);
        assert_eq!(t.initial.regs.iter().count(), 14);
        assert_eq!(t.initial.regs.get(Reg::Ss), Some(61254));
        assert_eq!(t.initial.ram.len(), 3);
        assert_eq!(t.final_state.regs.get(Reg::Cx), Some(47835));
        assert_eq!(t.final_state.regs.get(Reg::Ax), None);
        assert_eq!(t.final_state.ram, [(975393, 0)]);
        assert_eq!(t.hash.as_deref(), Some("56c85eb0"));
        assert!(t.exception.is_none());
    }

    #[test]
    fn rejects_malformed_json() {
        assert!(parse(b"[{\"name\": 5}]").is_err());
        assert!(parse(b"not json").is_err());
    }
}
