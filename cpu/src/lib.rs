//! amber-cpu: the x86 architecture, nothing about PCs.
//!
//! `Cpu` holds the architectural state (`CpuState`), the soft TLB and the decoded-block cache,
//! and runs guest code through the interpreter. It reaches RAM directly (`GuestRam`) and
//! everything else through the `Bus` trait the board implements. See DESIGN.md.

pub mod block;
pub mod bus;
pub mod checkpoint;
pub mod cpu;
pub mod debug;
pub mod decode;
mod descriptor_ops;
pub mod exec;
pub mod fault;
pub mod flags;
pub mod fpu;
mod interrupt;
mod mem;
pub mod model;
pub mod msr;
pub mod paging;
mod privilege;
mod protected;
mod segment;
pub mod state;
mod task;
pub mod tlb;
pub mod trace;
pub mod translate;
mod v86;

pub use bus::{Bus, BusAction, FlatBus, GuestRam, PhysPage};
pub use cpu::{Cpu, Exit};
pub use fault::Fault;
pub use model::CpuModel;
pub use state::{CpuState, Seg, SegmentCache};
pub use translate::{Step, Translator};
