//! `--jit-verify`: every compiled run is repeated by the interpreter from the same state, and
//! the two must agree on every register, flag and byte of RAM. The processor's side is put
//! back with a `Checkpoint`, RAM with the CPU's write log (`amber_cpu::checkpoint`). A run
//! that reached the board (port I/O, device memory, an interrupt acknowledge) cannot be
//! repeated without repeating its effects on the devices, nor one that dropped decoded code
//! (a store into code, which `jit/tests/differential.rs` checks instead): those are counted
//! and left alone.

use std::fmt::Debug;

use amber_cpu::checkpoint::{Checkpoint, WriteLog};
use amber_cpu::{Bus, BusAction, Cpu, CpuState, Exit, PhysPage, Seg, Step};

/// A bus that notes whether anything reached the board through it.
struct Watched<'a> {
    inner: &'a mut dyn Bus,
    touched: bool,
}

impl Bus for Watched<'_> {
    fn phys_page(&mut self, paddr: u32) -> PhysPage {
        self.inner.phys_page(paddr)
    }
    fn mmio_read(&mut self, paddr: u32, size: u8, icount: u64) -> u32 {
        self.touched = true;
        self.inner.mmio_read(paddr, size, icount)
    }
    fn mmio_write(&mut self, paddr: u32, size: u8, value: u32, icount: u64) -> BusAction {
        self.touched = true;
        self.inner.mmio_write(paddr, size, value, icount)
    }
    fn io_read(&mut self, port: u16, size: u8, icount: u64) -> u32 {
        self.touched = true;
        self.inner.io_read(port, size, icount)
    }
    fn io_write(&mut self, port: u16, size: u8, value: u32, icount: u64) -> BusAction {
        self.touched = true;
        self.inner.io_write(port, size, value, icount)
    }
    fn interrupt_pending(&mut self, icount: u64) -> bool {
        self.inner.interrupt_pending(icount)
    }
    fn acknowledge_interrupt(&mut self, icount: u64) -> u8 {
        self.touched = true;
        self.inner.acknowledge_interrupt(icount)
    }
    fn floating_point_error(&mut self) {
        self.touched = true;
        self.inner.floating_point_error()
    }
}

/// What the verifier has done.
#[derive(Default)]
pub(crate) struct Verifier {
    /// The state each run starts from (kept to save the next one in place).
    before: Checkpoint,
    /// Compiled runs repeated and found equal.
    pub verified: u64,
    /// Compiled runs that reached the board or dropped code, not repeated.
    pub unrepeatable: u64,
    /// The first difference found.
    pub divergence: Option<String>,
}

impl Verifier {
    /// Runs `compiled` (a compiled block, from CS:EIP), then the same instructions through
    /// the interpreter from the same state, and compares. On a difference the run ends in
    /// `Exit::Diverged`, with the interpreter's state.
    pub fn check(
        &mut self,
        cpu: &mut Cpu,
        bus: &mut dyn Bus,
        compiled: impl FnOnce(&mut Cpu, &mut dyn Bus) -> Step,
    ) -> Step {
        cpu.start_write_log();
        let before = &mut self.before;
        cpu.save(before);
        let mut bus = Watched {
            inner: bus,
            touched: false,
        };
        let step = compiled(cpu, &mut bus);
        let written = cpu.take_write_log();
        if bus.touched || cpu.cannot_repeat_since(before) {
            self.unrepeatable += 1;
            return step;
        }
        let state = cpu.state.clone();
        let ram = cpu.ram().clone();
        let pages: Vec<(usize, Vec<u8>)> = written
            .pages
            .iter()
            .map(|(offset, old)| {
                let mut now = vec![0; old.len()];
                ram.read_slice(*offset, &mut now);
                (*offset, now)
            })
            .collect();
        cpu.undo_writes(&written);
        cpu.restore(before);
        cpu.start_write_log();
        let again = cpu.interpret_to(&mut bus, state.icount);
        let rewritten = cpu.take_write_log();
        let mut diffs = state_differences(&state, &cpu.state);
        if exit_of(step) != exit_of(again) {
            diffs.push(format!(
                "ended {:?} (interpreter {:?})",
                exit_of(step),
                exit_of(again)
            ));
        }
        if bus.touched {
            diffs.push("the interpreter reached a device, compiled code did not".into());
        }
        diffs.extend(ram_difference(&pages, &rewritten, |offset, out| {
            ram.read_slice(offset, out);
        }));
        if diffs.is_empty() {
            self.verified += 1;
            return again;
        }
        let from = before.state();
        self.divergence = Some(format!(
            "compiled code run from {:04x}:{:08x} differs from the interpreter: {}",
            from.seg[Seg::Cs as usize].selector,
            from.eip32(),
            diffs.join(", ")
        ));
        Step::Exit(Exit::Diverged)
    }
}

fn exit_of(step: Step) -> Option<Exit> {
    match step {
        Step::Exit(exit) => Some(exit),
        _ => None,
    }
}

/// The architectural state by name, with the status flags worked out of the lazy ones.
fn named(state: &CpuState) -> Vec<(&'static str, String)> {
    const GPRS: [&str; 8] = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
    let hex = |v: &dyn std::fmt::LowerHex| format!("{v:#x}");
    let dbg = |v: &dyn Debug| format!("{v:?}");
    let mut out: Vec<(&'static str, String)> = GPRS
        .iter()
        .zip(&state.regs)
        .map(|(name, v)| (*name, hex(v)))
        .collect();
    out.extend([
        ("eip", hex(&state.eip)),
        ("eflags", hex(&state.flags())),
        ("instruction count", state.icount.to_string()),
        ("segments", dbg(&state.seg)),
        ("ldtr", dbg(&state.ldtr)),
        ("tr", dbg(&state.tr)),
        ("gdtr", dbg(&state.gdtr)),
        ("idtr", dbg(&state.idtr)),
        ("cr0", hex(&state.cr0)),
        ("cr2", hex(&state.cr2)),
        ("cr3", hex(&state.cr3)),
        ("cr4", hex(&state.cr4)),
        ("debug registers", dbg(&state.dr)),
        ("efer", hex(&state.efer)),
        ("tsc", state.tsc.to_string()),
        ("x87", dbg(&state.fpu)),
        ("sse", dbg(&state.sse)),
        ("cpl", state.cpl.to_string()),
        ("halted", state.halted.to_string()),
    ]);
    out
}

/// Whether two states agree on everything `named` shows (quick: no formatting).
fn same(a: &CpuState, b: &CpuState) -> bool {
    a.regs == b.regs
        && a.eip == b.eip
        && a.flags() == b.flags()
        && a.icount == b.icount
        && (a.seg, a.ldtr, a.tr, a.gdtr, a.idtr) == (b.seg, b.ldtr, b.tr, b.gdtr, b.idtr)
        && (a.cr0, a.cr2, a.cr3, a.cr4, a.dr, a.efer, a.tsc)
            == (b.cr0, b.cr2, b.cr3, b.cr4, b.dr, b.efer, b.tsc)
        && a.fpu == b.fpu
        && a.sse == b.sse
        && (a.cpl, a.halted) == (b.cpl, b.halted)
}

/// Each part of `jit` that differs from `interpreted`, as "name value (interpreter value)".
fn state_differences(jit: &CpuState, interpreted: &CpuState) -> Vec<String> {
    if same(jit, interpreted) {
        return Vec::new();
    }
    named(jit)
        .into_iter()
        .zip(named(interpreted))
        .filter(|(a, b)| a.1 != b.1)
        .map(|((name, a), (_, b))| format!("{name} {a} (interpreter {b})"))
        .collect()
}

/// The first byte of RAM where the compiled run (`compiled`: the pages it wrote, as it left
/// them) and the interpreted one (`interpreted`: the pages it wrote, as they were before;
/// `now` reads what it left) disagree.
fn ram_difference(
    compiled: &[(usize, Vec<u8>)],
    interpreted: &WriteLog,
    now: impl Fn(usize, &mut [u8]),
) -> Option<String> {
    let offsets = compiled
        .iter()
        .map(|(o, _)| *o)
        .chain(interpreted.pages.iter().map(|(o, _)| *o));
    for offset in offsets {
        let jit = match compiled.iter().find(|(o, _)| *o == offset) {
            Some((_, page)) => &page[..],
            // Not written by the compiled run: it left the page as it was.
            None => interpreted.before(offset)?,
        };
        let mut page = vec![0; jit.len()];
        now(offset, &mut page);
        if page[..] == jit[..] {
            continue;
        }
        if let Some(i) = (0..page.len()).find(|&i| page[i] != jit[i]) {
            return Some(format!(
                "RAM at {:#x} {:#04x} (interpreter {:#04x})",
                offset + i,
                jit[i],
                page[i]
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_or_a_flag_apart_is_a_difference() {
        let a = CpuState::default();
        let mut b = a.clone();
        assert!(state_differences(&a, &b).is_empty());
        b.regs[3] = 7;
        b.eflags |= 1;
        let d = state_differences(&a, &b);
        assert_eq!(
            d,
            ["ebx 0x0 (interpreter 0x7)", "eflags 0x0 (interpreter 0x1)"]
        );
    }

    #[test]
    fn lazy_and_worked_out_flags_that_agree_are_no_difference() {
        let mut lazy = CpuState::default();
        // 1 - 1: ZF and PF set, CF clear.
        lazy.set_lazy(amber_cpu::state::FlagOp::Sub, 4, 1, 1, 0);
        let mut eager = lazy.clone();
        eager.materialize_flags();
        assert!(state_differences(&lazy, &eager).is_empty());
        assert_eq!(eager.flags() & 0x45, 0x44);
    }

    #[test]
    fn the_first_byte_apart_in_any_written_page_is_reported() {
        let mut log = WriteLog::default();
        log.pages.push((0x2000, vec![0; 4096].into_boxed_slice()));
        let compiled = vec![(0x1000, vec![5; 4096])];
        // Both runs wrote 0x1000 the same; only the interpreter wrote 0x2000, at byte 9.
        let now = |offset: usize, out: &mut [u8]| {
            out.fill(if offset == 0x1000 { 5 } else { 0 });
            if offset == 0x2000 {
                out[9] = 1;
            }
        };
        assert_eq!(
            ram_difference(&compiled, &log, now).as_deref(),
            Some("RAM at 0x2009 0x00 (interpreter 0x01)")
        );
        let same = |offset: usize, out: &mut [u8]| out.fill(if offset == 0x1000 { 5 } else { 0 });
        assert_eq!(ram_difference(&compiled, &log, same), None);
    }
}
