//! A SingleStepTests suite on disk: a directory with `metadata.json` and one gzip'd test
//! file per instruction form (`XX.json.gz` or `XX.MOO.gz`), plus the optional
//! `revocation_list.txt` of bad test hashes in its parent directory.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use amber_cpu::CpuModel;
use anyhow::{bail, Context, Result};
use flate2::read::MultiGzDecoder;

use crate::case::{RegFile, TestCase};
use crate::metadata::Metadata;
use crate::{json, moo};

pub struct Suite {
    pub dir: PathBuf,
    /// The last two path components, e.g. `8086/v1`.
    pub name: String,
    pub metadata: Metadata,
    /// Test files, sorted by name.
    pub files: Vec<PathBuf>,
    /// Lower-case hex hashes of tests to skip.
    pub revoked: HashSet<String>,
}

/// The tests of one file and what the file says about how to run them.
pub struct TestFile {
    /// The CPU named by a MOO header.
    pub model: Option<CpuModel>,
    /// File-wide masks of defined register bits.
    pub masks: RegFile,
    pub tests: Vec<TestCase>,
}

impl Suite {
    pub fn open(dir: &Path) -> Result<Suite> {
        let metadata = Metadata::load(&dir.join("metadata.json"))?;
        let mut files = Vec::new();
        let entries = std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("{}", dir.display()))?.path();
            if path.is_file() && file_stem(&path).is_some() {
                files.push(path);
            }
        }
        files.sort();
        let revoked = match dir.parent().map(|p| p.join("revocation_list.txt")) {
            Some(list) if list.is_file() => read_revocation_list(&list)?,
            _ => HashSet::new(),
        };
        Ok(Suite {
            name: short_name(dir),
            dir: dir.to_path_buf(),
            metadata,
            files,
            revoked,
        })
    }

    /// The model the metadata names, if it names one this harness knows.
    pub fn model(&self) -> Option<CpuModel> {
        self.metadata.cpu.as_deref().and_then(cpu_model)
    }
}

/// `dir` itself if it is a suite, otherwise the suites up to two levels below it.
pub fn find_suites(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!("{}: not a directory", dir.display());
    }
    if dir.join("metadata.json").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let mut found = Vec::new();
    for child in subdirs(dir)? {
        if child.join("metadata.json").is_file() {
            found.push(child);
            continue;
        }
        for grandchild in subdirs(&child)? {
            if grandchild.join("metadata.json").is_file() {
                found.push(grandchild);
            }
        }
    }
    if found.is_empty() {
        bail!(
            "{}: no test suite (a directory with metadata.json) here or two levels below",
            dir.display()
        );
    }
    Ok(found)
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))? {
        let path = entry.with_context(|| format!("{}", dir.display()))?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// The stem of a test file name (`F6.7` for `F6.7.MOO.gz`), or `None` for other files.
pub fn file_stem(path: &Path) -> Option<&str> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    [".json.gz", ".moo.gz"]
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .map(|ext| &name[..name.len() - ext.len()])
}

/// Reads and parses one test file.
pub fn load_file(path: &Path) -> Result<TestFile> {
    let mut data = Vec::new();
    let file = std::fs::File::open(path)?;
    MultiGzDecoder::new(file)
        .read_to_end(&mut data)
        .context("not a valid gzip file")?;
    if path
        .to_string_lossy()
        .to_ascii_lowercase()
        .ends_with(".moo.gz")
    {
        let moo = moo::parse(&data)?;
        if let Some(meta) = moo.meta.as_ref().filter(|m| m.cpu_mode != 0) {
            bail!("CPU mode {} is not real mode", meta.cpu_mode);
        }
        let model = cpu_model(&moo.header.cpu_id);
        if model.is_none() {
            bail!("unsupported CPU {:?}", moo.header.cpu_id);
        }
        Ok(TestFile {
            model,
            masks: moo.masks,
            tests: moo.tests,
        })
    } else {
        Ok(TestFile {
            model: None,
            masks: RegFile::default(),
            tests: json::parse(&data)?,
        })
    }
}

/// The model for a CPU as `metadata.json` (`8086`, `286`, `386`) or a MOO header (`8088`,
/// `8086`, `C286`, `386E`) names it.
pub fn cpu_model(name: &str) -> Option<CpuModel> {
    match name.trim() {
        "8086" | "8088" => Some(CpuModel::I8086),
        "286" | "C286" => Some(CpuModel::I80286),
        "386" | "386E" => Some(CpuModel::I80386),
        _ => None,
    }
}

/// One hex hash per line; `#` starts a comment.
fn read_revocation_list(path: &Path) -> Result<HashSet<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_ascii_lowercase)
        .collect())
}

fn short_name(dir: &Path) -> String {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let parts: Vec<_> = dir
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_test_files() {
        assert_eq!(file_stem(Path::new("/x/F6.7.MOO.gz")), Some("F6.7"));
        assert_eq!(file_stem(Path::new("00.json.gz")), Some("00"));
        assert_eq!(file_stem(Path::new("metadata.json")), None);
        assert_eq!(
            short_name(Path::new("/data/8086/v1")),
            "8086/v1".to_string()
        );
        assert_eq!(cpu_model("C286"), Some(CpuModel::I80286));
        assert_eq!(cpu_model("V20 "), None);
    }
}
