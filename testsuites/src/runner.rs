//! Runs SingleStepTests cases on amber's interpreter and compares the outcome with the
//! hardware capture, following the suites' READMEs (`testdata/singlestep/README.md`):
//! load the initial registers and RAM, execute (one `step` on the 8086; on the 286 and 386
//! run until the trailing HLT), then check every register and the listed RAM bytes, with
//! undefined flags masked, also in a FLAGS word an interrupt pushed.
//!
//! Files run in parallel, one worker thread per core. Each worker owns its CPU (which is not
//! `Send`). A panic inside the CPU fails that test, not the run.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

use amber_cpu::state::reg;
use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg};
use anyhow::{anyhow, bail, Context, Result};

use crate::case::{Reg, RegFile, TestCase};
use crate::report::{hex_spaced, FileReport, SuiteReport, TestFailure};
use crate::suite::{file_stem, load_file, Suite};

/// Instructions the 286/386 may take to reach the trailing HLT (a REP string instruction
/// with CX up to 127 counts once).
const HALT_BUDGET: u64 = 10_000;

const WORKER_NAME: &str = "singlestep-worker";

pub struct RunOptions {
    /// Run only files whose name contains this (case-insensitive).
    pub filter: Option<String>,
    /// Failing tests to keep in full per file (the first one is always kept).
    pub keep_failures: usize,
    pub threads: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            filter: None,
            keep_failures: 1,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Runs every test file of `suite`. Fails on the first unreadable or corrupt file.
pub fn run_suite(suite: &Suite, opts: &RunOptions) -> Result<SuiteReport> {
    let filter = opts.filter.as_ref().map(|f| f.to_ascii_lowercase());
    let files: Vec<&Path> = suite
        .files
        .iter()
        .map(|p| p.as_path())
        .filter(|p| {
            let stem = file_stem(p).unwrap_or_default().to_ascii_lowercase();
            filter.as_ref().is_none_or(|f| stem.contains(f.as_str()))
        })
        .filter(|p| {
            let status = suite
                .metadata
                .lookup(file_stem(p).unwrap_or_default())
                .status;
            status.as_deref() != Some("prefix")
        })
        .collect();
    install_panic_hook();
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Result<(CpuModel, FileReport)>)> = Vec::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..opts.threads.clamp(1, files.len().max(1)))
            .map(|_| {
                std::thread::Builder::new()
                    .name(WORKER_NAME.to_string())
                    .spawn_scoped(scope, || {
                        let mut machine = None;
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(path) = files.get(i) else { break };
                            let r = run_file(&mut machine, suite, path, opts.keep_failures)
                                .with_context(|| path.display().to_string());
                            done.push((i, r));
                        }
                        done
                    })
            })
            .collect();
        for w in workers {
            match w.map_err(anyhow::Error::from).map(|h| h.join()) {
                Ok(Ok(done)) => results.extend(done),
                Ok(Err(_)) => results.push((0, Err(anyhow!("a worker thread panicked")))),
                Err(e) => results.push((0, Err(e.context("cannot start a worker thread")))),
            }
        }
    });
    results.sort_by_key(|(i, _)| *i);
    let mut model = suite.model();
    let mut reports = Vec::with_capacity(results.len());
    for (_, r) in results {
        let (m, report) = r?;
        model.get_or_insert(m);
        reports.push(report);
    }
    let Some(model) = model else {
        bail!("{}: no test files to run", suite.dir.display());
    };
    Ok(SuiteReport {
        name: suite.name.clone(),
        model,
        files: reports,
    })
}

fn run_file(
    machine: &mut Option<Machine>,
    suite: &Suite,
    path: &Path,
    keep_failures: usize,
) -> Result<(CpuModel, FileReport)> {
    let stem = file_stem(path).unwrap_or_default();
    let info = suite.metadata.lookup(stem);
    let file = load_file(path)?;
    let model = suite.model().or(file.model).context(
        "cannot tell which CPU the tests are for (metadata.json names none this harness knows)",
    )?;
    let machine = match machine.take() {
        Some(m) if m.model == model => {
            m.ram.clear();
            machine.insert(m)
        }
        _ => machine.insert(Machine::new(model)),
    };
    let masks = Masks {
        flags: info.flags_mask,
        file: &file.masks,
    };
    let mut report = FileReport {
        stem: stem.to_string(),
        status: info.status,
        ..FileReport::default()
    };
    for test in &file.tests {
        if test
            .hash
            .as_ref()
            .is_some_and(|h| suite.revoked.contains(h))
        {
            report.revoked += 1;
            continue;
        }
        report.total += 1;
        let mismatches = machine.run_test(test, &masks);
        if mismatches.is_empty() {
            report.passed += 1;
        } else if report.failures.len() < keep_failures.max(1) {
            report.failures.push(TestFailure {
                index: test.index,
                name: test.name.clone(),
                bytes: test.bytes.clone(),
                setup: setup_text(test),
                mismatches,
            });
        }
    }
    Ok((model, report))
}

/// Which bits of each register a comparison looks at.
struct Masks<'a> {
    /// From metadata.json: the flags the instruction defines.
    flags: u16,
    /// From a MOO file's top-level `RMSK`/`RM32`.
    file: &'a RegFile,
}

impl Masks<'_> {
    fn of(&self, reg: Reg, test: &TestCase) -> u32 {
        let mut mask = reg.width_mask();
        if reg.is_flags() {
            mask &= self.flags as u32 | 0xFFFF_0000;
        }
        for m in [self.file.get(reg), test.final_state.masks.get(reg)] {
            mask &= m.unwrap_or(u32::MAX);
        }
        mask
    }

    /// The mask for a FLAGS word in memory.
    fn flags_word(&self, test: &TestCase) -> u16 {
        (self.of(Reg::Flags, test) & self.of(Reg::Eflags, test)) as u16
    }
}

/// A CPU with its RAM, reused from test to test.
struct Machine {
    model: CpuModel,
    ram: Rc<GuestRam>,
    bus: FlatBus,
    cpu: Cpu,
}

impl Machine {
    fn new(model: CpuModel) -> Machine {
        let size = if model == CpuModel::I8086 {
            1 << 20
        } else {
            16 << 20
        };
        let ram = Rc::new(GuestRam::new(size));
        Machine {
            model,
            bus: FlatBus { ram_len: ram.len() },
            cpu: Cpu::new(model, ram.clone()),
            ram,
        }
    }

    /// Runs one test; returns what differed from the hardware (empty when it passed).
    fn run_test(&mut self, test: &TestCase, masks: &Masks) -> Vec<String> {
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| self.execute(test, masks)));
        let mismatches = outcome.unwrap_or_else(|_| {
            let msg = PANIC_MESSAGE.with(|m| m.borrow_mut().take());
            let model = self.model;
            *self = Machine::new(model);
            vec![format!(
                "CPU panicked: {}",
                msg.unwrap_or_else(|| "(no message)".into())
            )]
        });
        for &(addr, _) in test.initial.ram.iter().chain(&test.final_state.ram) {
            self.ram.set(addr as usize, 0);
        }
        mismatches
    }

    fn execute(&mut self, test: &TestCase, masks: &Masks) -> Vec<String> {
        let cpu = &mut self.cpu;
        cpu.reset();
        for &(addr, value) in &test.initial.ram {
            if !self.ram.set(addr as usize, value) {
                return vec![format!("initial RAM address {addr:#x} is outside RAM")];
            }
        }
        cpu.flush_code();
        cpu.last_vector = None;
        for (r, value) in test.initial.regs.iter() {
            write_reg(cpu, r, value);
        }
        let mut out = Vec::new();
        if self.model == CpuModel::I8086 {
            if let Exit::TripleFault(f) = cpu.step(&mut self.bus) {
                out.push(format!("shut down (triple fault: {f})"));
            }
        } else {
            match cpu.run(&mut self.bus, HALT_BUDGET) {
                Exit::Halted => {}
                Exit::Limit => out.push(format!("no HLT within {HALT_BUDGET} instructions")),
                Exit::TripleFault(f) => out.push(format!("shut down (triple fault: {f})")),
                Exit::Board => out.push("stopped by the board".to_string()),
                Exit::Diverged => out.push("compiled code diverged".to_string()),
            }
            let expected = test.exception.map(|e| e.vector);
            if cpu.last_vector != expected {
                out.push(format!(
                    "exception: expected {}, got {}",
                    vector_name(expected),
                    vector_name(cpu.last_vector)
                ));
            }
        }
        self.compare_regs(test, masks, &mut out);
        self.compare_ram(test, masks, &mut out);
        out
    }

    fn compare_regs(&self, test: &TestCase, masks: &Masks, out: &mut Vec<String>) {
        for r in Reg::ALL {
            let Some(expected) = test
                .final_state
                .regs
                .get(r)
                .or_else(|| test.initial.regs.get(r))
            else {
                continue;
            };
            let got = read_reg(&self.cpu, r);
            let mask = masks.of(r, test);
            if got & mask != expected & mask {
                let digits = if r.width_mask() == 0xFFFF { 4 } else { 8 };
                let mut line = format!(
                    "{}: expected {expected:#0w$x}, got {got:#0w$x}",
                    r.name(),
                    w = digits + 2
                );
                if r.is_flags() {
                    line += &format!(" (differ: {})", flag_names((got ^ expected) & mask));
                }
                out.push(line);
            }
        }
    }

    fn compare_ram(&self, test: &TestCase, masks: &Masks, out: &mut Vec<String>) {
        let flags_at = self.pushed_flags_bytes(test);
        let flags_mask = masks.flags_word(test);
        for &(addr, expected) in &test.final_state.ram {
            let mask = match flags_at {
                Some([low, _]) if addr == low => flags_mask as u8,
                Some([_, high]) if addr == high => (flags_mask >> 8) as u8,
                _ => 0xFF,
            };
            match self.ram.get(addr as usize) {
                Some(got) if got & mask == expected & mask => {}
                Some(got) => out.push(format!(
                    "mem[{addr:#07x}]: expected {expected:#04x}, got {got:#04x}"
                )),
                None => out.push(format!("final RAM address {addr:#x} is outside RAM")),
            }
        }
    }

    /// The two bytes of the FLAGS word an interrupt pushed: 4 bytes above the final SP
    /// (below it lie the pushed IP and CS). The 286/386 tests flag an interrupt with `EXCP`,
    /// the 8086 tests do not, so there our own delivery is the signal. `EXCP.flag_address`
    /// itself is not used: when SP is odd it holds the address rounded down to even (the
    /// bus word address).
    fn pushed_flags_bytes(&self, test: &TestCase) -> Option<[u32; 2]> {
        let interrupted = match self.model {
            CpuModel::I8086 => self.cpu.last_vector.is_some(),
            _ => test.exception.is_some(),
        };
        if !interrupted {
            return None;
        }
        let expected = |r| {
            test.final_state
                .regs
                .get(r)
                .or_else(|| test.initial.regs.get(r))
        };
        let ss = expected(Reg::Ss)?;
        let sp = expected(Reg::Sp).or_else(|| expected(Reg::Esp))?;
        let address_mask = match self.model {
            CpuModel::I8086 => 0xF_FFFF,
            _ => 0xFF_FFFF,
        };
        let at = |offset: u32| {
            (((ss & 0xFFFF) << 4) + (sp.wrapping_add(offset) & 0xFFFF)) & address_mask
        };
        Some([at(4), at(5)])
    }
}

/// Where a register lives in the CPU.
enum Loc {
    Gpr16(usize),
    Gpr32(usize),
    Seg(Seg),
    Ip,
    Eip,
    Flags,
    Eflags,
    Cr0,
    Cr3,
    Dr(usize),
}

fn loc(r: Reg) -> Loc {
    match r {
        Reg::Ax => Loc::Gpr16(reg::EAX),
        Reg::Bx => Loc::Gpr16(reg::EBX),
        Reg::Cx => Loc::Gpr16(reg::ECX),
        Reg::Dx => Loc::Gpr16(reg::EDX),
        Reg::Sp => Loc::Gpr16(reg::ESP),
        Reg::Bp => Loc::Gpr16(reg::EBP),
        Reg::Si => Loc::Gpr16(reg::ESI),
        Reg::Di => Loc::Gpr16(reg::EDI),
        Reg::Eax => Loc::Gpr32(reg::EAX),
        Reg::Ebx => Loc::Gpr32(reg::EBX),
        Reg::Ecx => Loc::Gpr32(reg::ECX),
        Reg::Edx => Loc::Gpr32(reg::EDX),
        Reg::Esp => Loc::Gpr32(reg::ESP),
        Reg::Ebp => Loc::Gpr32(reg::EBP),
        Reg::Esi => Loc::Gpr32(reg::ESI),
        Reg::Edi => Loc::Gpr32(reg::EDI),
        Reg::Cs => Loc::Seg(Seg::Cs),
        Reg::Ss => Loc::Seg(Seg::Ss),
        Reg::Ds => Loc::Seg(Seg::Ds),
        Reg::Es => Loc::Seg(Seg::Es),
        Reg::Fs => Loc::Seg(Seg::Fs),
        Reg::Gs => Loc::Seg(Seg::Gs),
        Reg::Ip => Loc::Ip,
        Reg::Eip => Loc::Eip,
        Reg::Flags => Loc::Flags,
        Reg::Eflags => Loc::Eflags,
        Reg::Cr0 => Loc::Cr0,
        Reg::Cr3 => Loc::Cr3,
        Reg::Dr6 => Loc::Dr(6),
        Reg::Dr7 => Loc::Dr(7),
    }
}

fn write_reg(cpu: &mut Cpu, r: Reg, v: u32) {
    match loc(r) {
        Loc::Gpr16(i) => cpu.state.set_r16(i, v as u16),
        Loc::Gpr32(i) => cpu.state.set_r32(i, v),
        Loc::Seg(s) => cpu.load_real_segment(s, v as u16),
        Loc::Ip => cpu.state.eip = (v & 0xFFFF) as u64,
        Loc::Eip => cpu.state.eip = v as u64,
        Loc::Flags | Loc::Eflags => cpu.set_flags(v),
        Loc::Cr0 => cpu.state.cr0 = v,
        Loc::Cr3 => cpu.state.cr3 = v,
        Loc::Dr(i) => cpu.state.dr[i] = v,
    }
}

fn read_reg(cpu: &Cpu, r: Reg) -> u32 {
    match loc(r) {
        Loc::Gpr16(i) => cpu.state.r16(i) as u32,
        Loc::Gpr32(i) => cpu.state.r32(i),
        Loc::Seg(s) => cpu.state.seg[s as usize].selector as u32,
        Loc::Ip => cpu.state.eip as u32 & 0xFFFF,
        Loc::Eip => cpu.state.eip as u32,
        Loc::Flags => cpu.state.flags() & 0xFFFF,
        Loc::Eflags => cpu.state.flags(),
        Loc::Cr0 => cpu.state.cr0,
        Loc::Cr3 => cpu.state.cr3,
        Loc::Dr(i) => cpu.state.dr[i],
    }
}

/// `OF ZF` style names of the flag bits in `bits`.
fn flag_names(bits: u32) -> String {
    const NAMES: [(u32, &str); 12] = [
        (0, "CF"),
        (2, "PF"),
        (4, "AF"),
        (6, "ZF"),
        (7, "SF"),
        (8, "TF"),
        (9, "IF"),
        (10, "DF"),
        (11, "OF"),
        (12, "IOPL0"),
        (13, "IOPL1"),
        (14, "NT"),
    ];
    let mut names: Vec<String> = NAMES
        .iter()
        .filter(|(bit, _)| bits & (1 << bit) != 0)
        .map(|(_, n)| n.to_string())
        .collect();
    let other = bits & !NAMES.iter().fold(0, |m, (bit, _)| m | 1 << bit);
    if other != 0 {
        names.push(format!("{other:#x}"));
    }
    names.join(" ")
}

fn vector_name(v: Option<u8>) -> String {
    v.map_or_else(|| "none".to_string(), |v| format!("#{v}"))
}

/// The initial registers (and effective address, for 386 tests) of a failing test.
fn setup_text(test: &TestCase) -> String {
    let mut s: Vec<String> = test
        .initial
        .regs
        .iter()
        .map(|(r, v)| format!("{}={v:x}", r.name()))
        .collect();
    if let Some(ea) = &test.initial.ea {
        s.push(format!(
            "ea={}:{:x} (linear {:x})",
            ea.segment_name(),
            ea.offset,
            ea.linear
        ));
    }
    s.push(format!("bytes={}", hex_spaced(&test.bytes)));
    s.join(" ")
}

thread_local! {
    /// The message of the last panic on this worker thread.
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Panics on worker threads are recorded for the report instead of printed; other
/// threads keep the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() == Some(WORKER_NAME) {
                let msg = info.to_string().replace('\n', " ");
                PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(msg));
            } else {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Exception, State};

    /// A test starting from `regs` (in `Reg::REGS16` order) and `ram`, expecting nothing
    /// to change.
    fn case(regs: [u16; 14], ram: &[(u32, u8)]) -> TestCase {
        let mut initial = State::default();
        for (&r, v) in Reg::REGS16.iter().zip(regs) {
            initial.regs.set(r, v as u32);
        }
        initial.ram = ram.to_vec();
        TestCase {
            index: 0,
            name: String::new(),
            bytes: Vec::new(),
            initial,
            final_state: State::default(),
            exception: None,
            hash: None,
        }
    }

    /// INC AX (then HLT) at 1000:0100 with AX = 00FF: AX becomes 0100, AF and PF set.
    fn inc_ax(model: CpuModel) -> TestCase {
        let fixed = if model == CpuModel::I8086 {
            0xF002
        } else {
            0x0002
        };
        let regs = [
            0xFF, 0, 0, 0, 0x1000, 0x2000, 0, 0, 0x100, 0, 0, 0, 0x100, fixed,
        ];
        let mut test = case(regs, &[(0x10100, 0x40), (0x10101, 0xF4)]);
        let f = &mut test.final_state.regs;
        f.set(Reg::Ax, 0x0100);
        f.set(
            Reg::Ip,
            if model == CpuModel::I8086 {
                0x101
            } else {
                0x102
            },
        );
        f.set(Reg::Flags, fixed as u32 | 0x14);
        test
    }

    fn run(model: CpuModel, test: &TestCase, flags_mask: u16) -> Vec<String> {
        let file = RegFile::default();
        let masks = Masks {
            flags: flags_mask,
            file: &file,
        };
        Machine::new(model).run_test(test, &masks)
    }

    #[test]
    fn passes_a_correct_test() {
        for model in [CpuModel::I8086, CpuModel::I80286] {
            assert_eq!(run(model, &inc_ax(model), 0xFFFF), Vec::<String>::new());
        }
    }

    #[test]
    fn reports_register_and_memory_differences() {
        let mut test = inc_ax(CpuModel::I8086);
        test.final_state.regs.set(Reg::Ax, 0x0101);
        test.final_state.ram.push((0x20000, 0x55));
        let diff = run(CpuModel::I8086, &test, 0xFFFF);
        assert_eq!(
            diff,
            [
                "ax: expected 0x0101, got 0x0100",
                "mem[0x20000]: expected 0x55, got 0x00"
            ]
        );
    }

    #[test]
    fn masks_undefined_flags() {
        let mut test = inc_ax(CpuModel::I80286);
        test.final_state.regs.set(Reg::Flags, 0x0006);
        let diff = run(CpuModel::I80286, &test, 0xFFFF);
        assert_eq!(diff, ["flags: expected 0x0006, got 0x0016 (differ: AF)"]);
        assert!(run(CpuModel::I80286, &test, !0x10).is_empty());
    }

    #[test]
    fn checks_the_exception_vector() {
        let mut test = inc_ax(CpuModel::I80286);
        test.exception = Some(Exception {
            vector: 0,
            flag_address: 0x20FE,
        });
        let diff = run(CpuModel::I80286, &test, 0xFFFF);
        assert_eq!(diff, ["exception: expected #0, got none"]);
    }

    /// INT 20h on the 286 with an odd SP: the FLAGS word lands at an odd address, which
    /// `EXCP.flag_address` rounds down, and is compared under the flags mask.
    #[test]
    fn masks_flags_pushed_at_an_odd_stack_pointer() {
        let regs = [
            0, 0, 0, 0, 0x1000, 0x3000, 0, 0, 0x0101, 0, 0, 0, 0x100, 0x0002,
        ];
        let code = [(0x10100, 0xCD), (0x10101, 0x20), (0x10102, 0xF4)];
        let ivt = [(0x80, 0x00), (0x81, 0x00), (0x82, 0x00), (0x83, 0x20)];
        let mut test = case(regs, &[&code[..], &ivt, &[(0x20000, 0xF4)]].concat());
        let f = &mut test.final_state;
        f.regs.set(Reg::Cs, 0x2000);
        f.regs.set(Reg::Ip, 0x0001);
        f.regs.set(Reg::Sp, 0x00FB);
        // IP 0102, CS 1000, then FLAGS 0002 recorded with CF set.
        f.ram = [0x02, 0x01, 0x00, 0x10, 0x03, 0x00]
            .iter()
            .enumerate()
            .map(|(i, &b)| (0x300FB + i as u32, b))
            .collect();
        test.exception = Some(Exception {
            vector: 0x20,
            flag_address: 0x300FE,
        });
        let diff = run(CpuModel::I80286, &test, 0xFFFF);
        assert_eq!(diff, ["mem[0x300ff]: expected 0x03, got 0x02"]);
        assert!(run(CpuModel::I80286, &test, !0x01).is_empty());
    }

    #[test]
    fn clears_the_test_bytes_afterwards() {
        let test = inc_ax(CpuModel::I8086);
        let mut machine = Machine::new(CpuModel::I8086);
        let file = RegFile::default();
        let masks = Masks {
            flags: 0xFFFF,
            file: &file,
        };
        assert!(machine.run_test(&test, &masks).is_empty());
        assert_eq!(machine.ram.get(0x10100), Some(0));
    }
}
