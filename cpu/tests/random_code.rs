//! A guest can never crash the host: random bytes run as code, in real mode and in 32-bit
//! protected mode with random descriptor tables, must only ever produce guest-visible
//! behaviour (faults, halts, shutdowns), never a panic. Overflow checks are on in this
//! profile, so arithmetic mistakes in handlers show up too.

use std::rc::Rc;

use amber_cpu::state::cr0;
use amber_cpu::{Cpu, CpuModel, FlatBus, GuestRam, Seg, SegmentCache};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn run_random(model: CpuModel, protected: bool, seed: u64) {
    let mut rng = Rng(seed | 1);
    let ram = Rc::new(GuestRam::new(1 << 20));
    let mut bytes = vec![0u8; 1 << 20];
    for b in bytes.iter_mut() {
        *b = rng.next() as u8;
    }
    ram.write_slice(0, &bytes);
    let mut cpu = Cpu::new(model, ram.clone());
    for r in 0..8 {
        cpu.state.set_r32(r, rng.next() as u32);
    }
    cpu.set_flags(rng.next() as u32 & 0xCD5);
    if protected {
        cpu.state.cr0 |= cr0::PE;
        cpu.state.gdtr.base = rng.next() as u32 & 0xF_FFFF;
        cpu.state.gdtr.limit = 0xFFFF;
        cpu.state.idtr.base = rng.next() as u32 & 0xF_FFFF;
        cpu.state.idtr.limit = 0x7FF;
        for s in Seg::ALL {
            cpu.state.seg[s as usize] = SegmentCache::flat32(0x08, s == Seg::Cs);
        }
        if seed.is_multiple_of(2) {
            // Random page tables, two-level or PAE.
            cpu.state.cr3 = rng.next() as u32 & 0xF_F000;
            cpu.state.cr4 = rng.next() as u32 & 0xB0;
            cpu.state.efer = rng.next() & (1 << 11);
            cpu.state.cr0 |= cr0::PG;
        }
    } else {
        for s in Seg::ALL {
            cpu.load_real_segment(s, rng.next() as u16);
        }
    }
    cpu.state.eip = rng.next() & 0xFFFF;
    let mut bus = FlatBus { ram_len: ram.len() };
    for _ in 0..50 {
        cpu.state.halted = false;
        cpu.run(&mut bus, 200);
    }
}

#[test]
fn random_code_in_real_mode_never_panics() {
    for model in CpuModel::ALL {
        for seed in 0..40 {
            run_random(model, false, seed * 7919 + model as u64);
        }
    }
}

#[test]
fn random_code_in_protected_mode_never_panics() {
    for seed in 0..150 {
        run_random(CpuModel::P6, true, seed * 104_729 + 3);
    }
}
