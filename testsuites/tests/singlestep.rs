//! SingleStepTests conformance (testdata/singlestep/README.md): every suite must pass at
//! least 99.5 % of its tests on amber's interpreter.
//!
//! The data lives at `$AMBER_TESTDATA` or `../shared/testdata/singlestep` beside the
//! workspace. Without it the tests are skipped, unless `CI=true`, where missing data fails.

use std::path::PathBuf;

use amber_testsuites::{run_suite, RunOptions, Suite};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AMBER_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/singlestep")
        });
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("SingleStepTests data not found at {}", dir.display());
    }
    println!(
        "skipping: SingleStepTests data not found at {} (set AMBER_TESTDATA)",
        dir.display()
    );
    None
}

fn check_suite(relative: &str) {
    let Some(root) = data_dir() else { return };
    let suite = Suite::open(&root.join(relative)).unwrap_or_else(|e| panic!("{e:#}"));
    let report = run_suite(&suite, &RunOptions::default()).unwrap_or_else(|e| panic!("{e:#}"));
    print!("{}", report.render(0));
    assert!(
        report.meets_threshold(),
        "{}: {:.2}% of tests pass, below {}%",
        report.name,
        report.percent(),
        amber_testsuites::PASS_THRESHOLD
    );
}

#[test]
fn i8086() {
    check_suite("8086/v1");
}

#[test]
fn i80286_real_mode() {
    check_suite("80286/v1_real_mode");
}
