//! The virtual clock (DESIGN.md "Time, interrupts and determinism"): time is the number of
//! instructions executed times a nominal duration, plus the time skipped while the processor
//! idled in HLT. The same image and inputs give the same times, instruction for instruction.

use amber_devices::Nanos;

#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Nominal duration of one instruction.
    pub ns_per_insn: u64,
    /// Instructions' worth of time skipped while halted.
    skipped: u64,
}

impl Clock {
    pub fn new(ns_per_insn: u64) -> Clock {
        Clock {
            ns_per_insn: ns_per_insn.max(1),
            skipped: 0,
        }
    }

    /// Virtual time after `icount` instructions.
    #[inline]
    pub fn now(&self, icount: u64) -> Nanos {
        (icount + self.skipped) * self.ns_per_insn
    }

    /// Instructions to run from `icount` until `deadline` (at least one).
    pub fn insns_until(&self, icount: u64, deadline: Nanos) -> u64 {
        let now = self.now(icount);
        (deadline.saturating_sub(now))
            .div_ceil(self.ns_per_insn)
            .max(1)
    }

    /// Skips idle time so that `now` reaches `deadline`; returns the instructions' worth of
    /// time skipped (the time-stamp counter advances by as much).
    pub fn skip_to(&mut self, icount: u64, deadline: Nanos) -> u64 {
        let now = self.now(icount);
        let n = deadline.saturating_sub(now).div_ceil(self.ns_per_insn);
        self.skipped += n;
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_follows_instructions_and_idle_skips() {
        let mut c = Clock::new(4);
        assert_eq!(c.now(1000), 4000);
        assert_eq!(c.insns_until(1000, 4010), 3);
        assert_eq!(c.skip_to(1000, 10_000), 1500);
        assert_eq!(c.now(1000), 10_000);
        assert_eq!(c.skip_to(1000, 9_000), 0, "never backwards");
        assert_eq!(c.insns_until(1000, 9_000), 1);
    }
}
