//! FXSAVE and FXRSTOR (Intel SDM Vol. 2 FXSAVE, Table 10-2 "Legacy Region of an XSAVE
//! Area"; Vol. 1 10.5): the x87, MMX and SSE state as one 512-byte image at a 16-byte
//! aligned address. The x87 tag word is kept abridged (one bit per physical register: 1 =
//! not empty); FXRSTOR rebuilds the full tags from the register contents.
//!
//! Layout (32-bit format): FCW 0, FSW 2, abridged FTW 4, FOP 6, FIP 8, FCS 12, FDP 16,
//! FDS 20, MXCSR 24, MXCSR_MASK 28, ST(0)..ST(7) at 32 + 16i (10 bytes each), XMM0..XMM7 at
//! 160 + 16i. Bytes 288-511 are reserved or for software and are left as they are.

use super::f80::F80;
use super::sse::mxcsr;
use super::{Fpu, Tag};
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::exec::Exec;
use crate::fault::Fault;
use crate::state::cr0;

/// The part of the image FXSAVE writes and FXRSTOR reads.
const IMAGE: usize = 288;

impl Cpu {
    /// FXSAVE and FXRSTOR: CR0.EM or CR0.TS give #NM; an operand not 16-byte aligned #GP(0).
    fn fxsr_prologue(&self, op: &Op) -> Result<(), Fault> {
        if self.state.cr0 & (cr0::EM | cr0::TS) != 0 {
            return Err(Fault::DeviceNotAvailable);
        }
        let lin = self.state.seg[op.seg as usize]
            .base
            .wrapping_add(self.ea(op));
        if lin & 15 != 0 {
            return Err(Fault::GeneralProtection(0));
        }
        Ok(())
    }
}

fn put(image: &mut [u8], at: usize, bytes: &[u8]) {
    image[at..at + bytes.len()].copy_from_slice(bytes);
}

fn get<const N: usize>(image: &[u8], at: usize) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(&image[at..at + N]);
    b
}

/// FXSAVE (SDM Vol. 2 FXSAVE).
pub fn fxsave(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.fxsr_prologue(op)?;
    let mut image = cpu.read_image(bus, op, IMAGE)?;
    let f = cpu.state.fpu;
    let abridged = (0..8).fold(0u8, |t, p| t | u8::from(f.tag_of(p) != Tag::Empty) << p);
    put(&mut image, 0, &f.cw.to_le_bytes());
    put(&mut image, 2, &f.status().to_le_bytes());
    put(&mut image, 4, &[abridged, 0]);
    put(&mut image, 6, &(f.fop & 0x7FF).to_le_bytes());
    put(&mut image, 8, &f.fip.to_le_bytes());
    put(&mut image, 12, &u32::from(f.fcs).to_le_bytes());
    put(&mut image, 16, &f.fdp.to_le_bytes());
    put(&mut image, 20, &u32::from(f.fds).to_le_bytes());
    put(&mut image, 24, &cpu.state.sse.mxcsr.to_le_bytes());
    put(&mut image, 28, &mxcsr::WRITABLE.to_le_bytes());
    for i in 0..8u8 {
        let at = 32 + 16 * i as usize;
        put(
            &mut image,
            at,
            &f.regs[((f.top + i) & 7) as usize].to_bytes(),
        );
        put(&mut image, at + 10, &[0; 6]);
        put(&mut image, 160 + 16 * i as usize, &cpu.xmm(i).to_le_bytes());
    }
    cpu.write_bytes(bus, op, &image)?;
    cpu.advance(op)
}

/// FXRSTOR (SDM Vol. 2 FXRSTOR): an MXCSR with reserved bits set gives #GP(0) and loads
/// nothing.
pub fn fxrstor(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.fxsr_prologue(op)?;
    let image = cpu.read_image(bus, op, IMAGE)?;
    let mx = u32::from_le_bytes(get(&image, 24));
    if mx & !mxcsr::WRITABLE != 0 {
        return Err(Fault::GeneralProtection(0));
    }
    let mut f = Fpu {
        cw: u16::from_le_bytes(get(&image, 0)),
        fop: u16::from_le_bytes(get(&image, 6)) & 0x7FF,
        fip: u32::from_le_bytes(get(&image, 8)),
        fcs: u16::from_le_bytes(get(&image, 12)),
        fdp: u32::from_le_bytes(get(&image, 16)),
        fds: u16::from_le_bytes(get(&image, 20)),
        ..Fpu::default()
    };
    f.set_status(u16::from_le_bytes(get(&image, 2)));
    for i in 0..8u8 {
        f.regs[((f.top + i) & 7) as usize] = F80::from_bytes(get(&image, 32 + 16 * i as usize));
    }
    let abridged = image[4];
    f.tag = 0xFFFF;
    for p in 0..8 {
        if abridged & (1 << p) != 0 {
            f.set_tag(p, Fpu::tag_for(f.regs[p]));
        }
    }
    f.sync_summary();
    cpu.state.fpu = f;
    cpu.state.sse.mxcsr = mx;
    for i in 0..8u8 {
        cpu.set_xmm(i, u128::from_le_bytes(get(&image, 160 + 16 * i as usize)));
    }
    cpu.advance(op)
}
