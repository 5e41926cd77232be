//! Runs SingleStepTests suites on amber and prints a per-file table with totals.
//!
//! `singlestep DIR [--filter SUBSTR] [--verbose N]`: DIR is one suite (a directory with
//! metadata.json) or a directory holding suites up to two levels down. Exits with 0 when
//! every suite passes at least 99.5 % of its tests, 1 when one does not, 2 on bad input.

use std::path::PathBuf;
use std::process::ExitCode;

use amber_testsuites::report::render_total;
use amber_testsuites::{find_suites, run_suite, RunOptions, Suite};
use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: singlestep DIR [--filter SUBSTR] [--verbose N]";

struct Args {
    dir: PathBuf,
    filter: Option<String>,
    verbose: usize,
}

/// The arguments, or `None` when help was asked for.
fn parse_args() -> Result<Option<Args>> {
    let mut dir = None;
    let mut filter = None;
    let mut verbose = 0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--filter" => filter = Some(args.next().context("--filter needs a value")?),
            "--verbose" => {
                let n = args.next().context("--verbose needs a number")?;
                verbose = n
                    .parse()
                    .with_context(|| format!("--verbose: {n:?} is not a number"))?;
            }
            "-h" | "--help" => return Ok(None),
            _ if arg.starts_with('-') => bail!("unknown option {arg}\n{USAGE}"),
            _ if dir.is_some() => bail!("more than one DIR given\n{USAGE}"),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    Ok(Some(Args {
        dir: dir.context(USAGE)?,
        filter,
        verbose,
    }))
}

fn run() -> Result<bool> {
    let Some(args) = parse_args()? else {
        println!("{USAGE}");
        return Ok(true);
    };
    let opts = RunOptions {
        filter: args.filter,
        keep_failures: args.verbose.max(1),
        ..RunOptions::default()
    };
    let mut reports = Vec::new();
    for dir in find_suites(&args.dir)? {
        let suite = Suite::open(&dir)?;
        let report = run_suite(&suite, &opts)?;
        print!("{}", report.render(args.verbose));
        println!();
        reports.push(report);
    }
    print!("{}", render_total(&reports));
    Ok(reports.iter().all(|r| r.meets_threshold()))
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("singlestep: {e:#}");
            ExitCode::from(2)
        }
    }
}
