//! The `amber` command line (DESIGN.md "Who uses it").
//!
//! With no arguments amber runs its built-in demo guest, so a new user sees it work without
//! any files. Disk images, kernels and the window arrive with issues #3, #6 and #7.

use std::process::ExitCode;
use std::time::Instant;

use amber_cpu::{CpuModel, Exit};
use amber_machine::Machine;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "amber", version, about = "A full-system x86 PC emulator")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the built-in demo guest (the default).
    Demo(DemoArgs),
}

#[derive(clap::Args, Default)]
struct DemoArgs {
    /// Processor model to emulate.
    #[arg(long, value_enum, default_value_t = Model::P6)]
    cpu: Model,
    /// Print the instruction count and guest MIPS when the guest stops.
    #[arg(long)]
    stats: bool,
}

#[derive(Clone, Copy, ValueEnum, Default)]
enum Model {
    #[value(name = "8086")]
    I8086,
    #[value(name = "80286")]
    I80286,
    #[value(name = "80386")]
    I80386,
    #[value(name = "80486")]
    I80486,
    Pentium,
    #[default]
    P6,
}

impl From<Model> for CpuModel {
    fn from(m: Model) -> CpuModel {
        match m {
            Model::I8086 => CpuModel::I8086,
            Model::I80286 => CpuModel::I80286,
            Model::I80386 => CpuModel::I80386,
            Model::I80486 => CpuModel::I80486,
            Model::Pentium => CpuModel::Pentium,
            Model::P6 => CpuModel::P6,
        }
    }
}

/// Exit code when the guest does not stop within its instruction budget.
const EXIT_TIMEOUT: u8 = 124;
/// Exit code when the processor shut down (triple fault).
const EXIT_TRIPLE_FAULT: u8 = 125;
/// The demo finishes in well under this many instructions.
const DEMO_BUDGET: u64 = 10_000_000;

fn main() -> ExitCode {
    env_logger::init();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Demo(DemoArgs::default())) {
        Command::Demo(args) => demo(args),
    }
}

fn demo(args: DemoArgs) -> ExitCode {
    let mut m = Machine::new(args.cpu.into(), 1 << 20, Box::new(std::io::stdout()));
    let program = amber_bios::demo::program();
    m.load(amber_bios::demo::LOAD_ADDRESS, &program);
    m.start_real_mode(amber_bios::demo::LOAD_ADDRESS as u16);
    let start = Instant::now();
    let exit = m.run(DEMO_BUDGET);
    let secs = start.elapsed().as_secs_f64();
    if args.stats {
        let n = m.cpu.state.icount;
        eprintln!(
            "{n} instructions in {secs:.3} s ({:.1} MIPS)",
            n as f64 / secs / 1e6
        );
    }
    match exit {
        Exit::Halted => ExitCode::SUCCESS,
        Exit::Limit => {
            eprintln!("amber: the demo did not finish within {DEMO_BUDGET} instructions");
            ExitCode::from(EXIT_TIMEOUT)
        }
        Exit::TripleFault(f) => {
            eprintln!("amber: triple fault ({f})");
            ExitCode::from(EXIT_TRIPLE_FAULT)
        }
        Exit::Board => ExitCode::SUCCESS,
    }
}
