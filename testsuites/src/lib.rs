//! amber's conformance harnesses. This crate runs the SingleStepTests hardware-captured
//! single-instruction suites (github.com/SingleStepTests: the 8086 JSON suite, the 286 and
//! 386 MOO suites) on amber's interpreter; see `testdata/singlestep/README.md`.
//!
//! `suite` finds and loads suites, `moo` and `json` read the two file formats into the
//! format-independent `case` types, `metadata` supplies the undefined-flag masks, `runner`
//! executes and compares, `report` renders the results.

pub mod case;
pub mod json;
pub mod metadata;
pub mod moo;
pub mod report;
pub mod runner;
pub mod suite;

pub use report::{SuiteReport, PASS_THRESHOLD};
pub use runner::{run_suite, RunOptions};
pub use suite::{find_suites, Suite};
