//! The x87 environment and state images (Intel SDM Vol. 1 8.1.10, figures 8-9 to 8-12):
//! FSTENV/FLDENV store and load the control, status and tag words with the last instruction
//! and operand pointers; FSAVE/FRSTOR add the eight registers. Each comes in 16- and 32-bit
//! sizes and in a real-mode and a protected-mode layout.

use super::f80::F80;
use super::{sw, Fpu};
use crate::bus::Bus;
use crate::cpu::Cpu;
use crate::decode::Op;
use crate::exec::Exec;

/// The upper half of a 32-bit image's control, status and tag word fields.
const RESERVED: u32 = 0xFFFF_0000;

impl Fpu {
    /// The environment image: 14 bytes with a 16-bit operand size, 28 with a 32-bit one, where
    /// the reserved upper halves of the control, status and tag word fields read as ones (as
    /// the hardware stores them; the host-oracle test of FXRSTOR checks it).
    fn environment(&self, size32: bool, real: bool) -> Vec<u8> {
        let (ip, dp, op) = (self.fip, self.fdp, self.fop as u32 & 0x7FF);
        let fields: [u32; 7] = if real {
            [
                RESERVED | self.cw as u32,
                RESERVED | self.status() as u32,
                RESERVED | self.tag as u32,
                ip & 0xFFFF,
                op | ((ip >> 16) << 12),
                dp & 0xFFFF,
                (dp >> 16) << 12,
            ]
        } else {
            [
                RESERVED | self.cw as u32,
                RESERVED | self.status() as u32,
                RESERVED | self.tag as u32,
                ip,
                self.fcs as u32 | if size32 { op << 16 } else { 0 },
                dp,
                self.fds as u32,
            ]
        };
        let width = if size32 { 4 } else { 2 };
        fields
            .iter()
            .flat_map(|f| f.to_le_bytes()[..width].to_vec())
            .collect()
    }

    fn load_environment(&mut self, b: &[u8], size32: bool, real: bool) {
        let width = if size32 { 4 } else { 2 };
        let field = |i: usize| {
            let mut v = [0u8; 4];
            v[..width].copy_from_slice(&b[i * width..(i + 1) * width]);
            u32::from_le_bytes(v)
        };
        self.cw = field(0) as u16;
        self.set_status(field(1) as u16);
        self.tag = field(2) as u16;
        if real {
            self.fip = (field(3) & 0xFFFF) | ((field(4) >> 12) << 16);
            self.fop = (field(4) & 0x7FF) as u16;
            self.fdp = (field(5) & 0xFFFF) | ((field(6) >> 12) << 16);
        } else {
            self.fip = field(3);
            self.fcs = field(4) as u16;
            self.fop = if size32 {
                ((field(4) >> 16) & 0x7FF) as u16
            } else {
                0
            };
            self.fdp = field(5);
            self.fds = field(6) as u16;
        }
        self.sync_summary();
    }
}

impl Cpu {
    fn image_layout(&self, op: &Op) -> (bool, bool) {
        (op.osize == 4, !self.state.protected() || self.state.v86())
    }
}

/// FSTENV/FNSTENV: store the environment, then mask all exceptions.
pub fn fstenv(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let (size32, real) = cpu.image_layout(op);
    let image = cpu.state.fpu.environment(size32, real);
    cpu.write_bytes(bus, op, &image)?;
    cpu.state.fpu.cw |= sw::EXCEPTIONS;
    cpu.advance(op)
}

pub fn fldenv(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let (size32, real) = cpu.image_layout(op);
    let image = cpu.read_image(bus, op, if size32 { 28 } else { 14 })?;
    cpu.state.fpu.load_environment(&image, size32, real);
    cpu.advance(op)
}

/// FSAVE/FNSAVE: the environment and ST(0)..ST(7), then the state FNINIT sets.
pub fn fsave(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let (size32, real) = cpu.image_layout(op);
    let f = cpu.state.fpu;
    let mut image = f.environment(size32, real);
    for i in 0..8u8 {
        image.extend_from_slice(&f.regs[((f.top + i) & 7) as usize].to_bytes());
    }
    cpu.write_bytes(bus, op, &image)?;
    cpu.state.fpu = Fpu {
        regs: f.regs,
        ..Fpu::default()
    };
    cpu.advance(op)
}

pub fn frstor(cpu: &mut Cpu, bus: &mut dyn Bus, op: &Op) -> Exec {
    cpu.prologue(bus, op, false)?;
    let (size32, real) = cpu.image_layout(op);
    let env_len = if size32 { 28 } else { 14 };
    let image = cpu.read_image(bus, op, env_len + 80)?;
    let f = &mut cpu.state.fpu;
    f.load_environment(&image, size32, real);
    for i in 0..8u8 {
        let at = env_len + 10 * i as usize;
        let bytes: [u8; 10] = image[at..at + 10].try_into().unwrap_or_default();
        f.regs[((f.top + i) & 7) as usize] = F80::from_bytes(bytes);
    }
    cpu.advance(op)
}
