//! Results of a SingleStepTests run and their text rendering: a per-file table, per-suite
//! totals and a grand total.

use std::fmt::Write;

use amber_cpu::CpuModel;

/// One failing test and how it differed from the hardware.
#[derive(Clone, Debug)]
pub struct TestFailure {
    pub index: u32,
    pub name: String,
    pub bytes: Vec<u8>,
    /// The initial registers and any effective address, for reproducing by hand.
    pub setup: String,
    /// One entry per differing register or byte, e.g. `ax: expected 0x0001, got 0x0002`.
    pub mismatches: Vec<String>,
}

impl TestFailure {
    /// `#17 "idiv byte [bx]" (f6 3f): ax: expected ..., got ...; flags: ...`
    pub fn summary(&self) -> String {
        format!(
            "#{} {:?} ({}): {}",
            self.index,
            self.name,
            hex_spaced(&self.bytes),
            self.mismatches.join("; ")
        )
    }
}

/// The outcome of one test file.
#[derive(Clone, Debug, Default)]
pub struct FileReport {
    /// The file name without `.json.gz`/`.MOO.gz`, which the metadata keys on.
    pub stem: String,
    pub status: Option<String>,
    /// Tests run (revoked ones excluded).
    pub total: usize,
    pub passed: usize,
    /// Tests skipped because their hash is on the revocation list.
    pub revoked: usize,
    /// The first failures, as many as the run was asked to keep (at least one).
    pub failures: Vec<TestFailure>,
}

#[derive(Clone, Debug)]
pub struct SuiteReport {
    pub name: String,
    pub model: CpuModel,
    pub files: Vec<FileReport>,
}

/// A suite passes when at least this share of its tests pass.
pub const PASS_THRESHOLD: f64 = 99.5;

impl SuiteReport {
    pub fn total(&self) -> usize {
        self.files.iter().map(|f| f.total).sum()
    }

    pub fn passed(&self) -> usize {
        self.files.iter().map(|f| f.passed).sum()
    }

    pub fn percent(&self) -> f64 {
        percent(self.passed(), self.total())
    }

    pub fn meets_threshold(&self) -> bool {
        self.percent() >= PASS_THRESHOLD
    }

    /// The per-file table followed by the suite total. `verbose` failing tests per file are
    /// shown in full.
    pub fn render(&self, verbose: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "== {} ({}, {} files) ==",
            self.name,
            self.model.name(),
            self.files.len()
        );
        let _ = writeln!(
            out,
            "{:<10} {:<12} {:>7} {:>7} {:>8}  first failure",
            "file", "status", "passed", "total", "%"
        );
        for f in &self.files {
            let first = f.failures.first().map(TestFailure::summary);
            let _ = writeln!(
                out,
                "{:<10} {:<12} {:>7} {:>7} {:>7}%  {}",
                f.stem,
                f.status.as_deref().unwrap_or("-"),
                f.passed,
                f.total,
                percent_text(f.passed, f.total),
                first.unwrap_or_default()
            );
            for fail in f.failures.iter().take(verbose) {
                let _ = writeln!(out, "    {}", fail.summary());
                let _ = writeln!(out, "      setup: {}", fail.setup);
            }
        }
        let failing = self.files.iter().filter(|f| f.passed < f.total).count();
        let revoked: usize = self.files.iter().map(|f| f.revoked).sum();
        let _ = writeln!(
            out,
            "suite {}: {}/{} passed ({}%), {} of {} files with failures, {} revoked tests skipped",
            self.name,
            self.passed(),
            self.total(),
            percent_text(self.passed(), self.total()),
            failing,
            self.files.len(),
            revoked
        );
        out
    }
}

/// The grand total over several suites.
pub fn render_total(suites: &[SuiteReport]) -> String {
    let passed: usize = suites.iter().map(SuiteReport::passed).sum();
    let total: usize = suites.iter().map(SuiteReport::total).sum();
    let mut out = format!(
        "total: {passed}/{total} passed ({}%) in {} suites\n",
        percent_text(passed, total),
        suites.len()
    );
    for s in suites.iter().filter(|s| !s.meets_threshold()) {
        let _ = writeln!(
            out,
            "  {} is below {PASS_THRESHOLD}% ({}%)",
            s.name,
            percent_text(s.passed(), s.total())
        );
    }
    out
}

fn percent(passed: usize, total: usize) -> f64 {
    if total == 0 {
        100.0
    } else {
        passed as f64 * 100.0 / total as f64
    }
}

/// The percentage with two decimals, rounded down so that 100.00 means all passed.
fn percent_text(passed: usize, total: usize) -> String {
    format!("{:.2}", (percent(passed, total) * 100.0).floor() / 100.0)
}

pub fn hex_spaced(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
