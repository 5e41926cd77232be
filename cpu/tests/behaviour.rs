//! Architectural behaviours checked against the manuals (Intel SDM, the 8086 Family User's
//! Manual, the iAPX 286 Programmer's Reference), one small guest program each.

use std::rc::Rc;

use amber_cpu::state::reg::*;
use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg};
use iced_x86::code_asm::*;

const CODE: u32 = 0x1000;

/// Runs a 16-bit real-mode program at 0000:1000 until HLT.
fn run16(model: CpuModel, build: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Cpu {
    let mut a = CodeAssembler::new(16).unwrap();
    build(&mut a).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(CODE as u64).unwrap();
    let ram = Rc::new(GuestRam::new(1 << 20));
    ram.write_slice(CODE as usize, &code);
    // Every exception vector points at a HLT at 0000:3000.
    for v in 0..32 {
        ram.write_slice(v * 4, &[0x00, 0x30, 0x00, 0x00]);
    }
    ram.set(0x3000, 0xF4);
    let mut cpu = Cpu::new(model, ram.clone());
    for s in Seg::ALL {
        cpu.load_real_segment(s, 0);
    }
    cpu.state.eip = CODE as u64;
    cpu.state.set_r16(ESP, 0x8000);
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 1_000_000), Exit::Halted);
    cpu
}

#[test]
fn store_into_the_running_block_takes_effect_immediately() {
    let mut a = CodeAssembler::new(16).unwrap();
    a.mov(byte_ptr(CODE + 6), 0x42u32).unwrap(); // C6 06 lo hi 42: 5 bytes; next instr at +5
    a.mov(al, 0x11u32).unwrap(); // B0 11 at +5, immediate at +6
    a.hlt().unwrap();
    let code = a.assemble(CODE as u64).unwrap();
    assert_eq!(&code[5..7], &[0xB0, 0x11]);
    let ram = Rc::new(GuestRam::new(1 << 20));
    ram.write_slice(CODE as usize, &code);
    let mut cpu = Cpu::new(CpuModel::P6, ram.clone());
    for s in Seg::ALL {
        cpu.load_real_segment(s, 0);
    }
    cpu.state.eip = CODE as u64;
    let mut bus = FlatBus { ram_len: ram.len() };
    // Decode the block once so it is cached, then run it again from the start.
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted);
    assert_eq!(cpu.state.r8(EAX), 0x42);
    ram.set(CODE as usize + 6, 0x11);
    cpu.state.eip = CODE as u64;
    cpu.state.halted = false;
    cpu.state.set_r8(EAX, 0);
    assert_eq!(cpu.run(&mut bus, 100), Exit::Halted);
    assert_eq!(
        cpu.state.r8(EAX),
        0x42,
        "the cached block must not run stale code"
    );
}

#[test]
fn a_loop_is_decoded_once() {
    let cpu = run16(CpuModel::P6, |a| {
        let mut top = a.create_label();
        a.mov(cx, 1000u32)?;
        a.set_label(&mut top)?;
        a.add(ax, cx)?;
        a.loop_(top)?;
        Ok(())
    });
    assert_eq!(cpu.state.r16(EAX), (1..=1000u32).sum::<u32>() as u16);
    assert!(
        cpu.blocks_decoded <= 3,
        "{} blocks decoded",
        cpu.blocks_decoded
    );
}

#[test]
fn word_at_offset_ffff_wraps_on_8086_and_faults_later() {
    // 8086: the second byte comes from offset 0 of the segment (8086 manual 2-7).
    let cpu = run16(CpuModel::I8086, |a| {
        a.mov(byte_ptr(0xFFFF), 0x34u32)?;
        a.mov(byte_ptr(0x0000), 0x12u32)?;
        a.mov(bx, 0xFFFFu32)?;
        a.mov(ax, word_ptr(bx))
    });
    assert_eq!(cpu.state.r16(EAX), 0x1234);
    // 286 and later: #GP (vector 13) in real mode (SDM Vol. 3 20.1.2).
    for model in [CpuModel::I80286, CpuModel::I80386, CpuModel::P6] {
        let cpu = run16(model, |a| {
            a.mov(bx, 0xFFFFu32)?;
            a.mov(ax, word_ptr(bx))
        });
        assert_eq!(cpu.last_vector, Some(13), "{model:?}");
        assert_eq!(cpu.state.eip, 0x3001, "{model:?}");
    }
}

#[test]
fn push_sp_differs_between_8086_and_286() {
    // 8086 pushes SP after decrementing it; 286 and later push the old value (SDM PUSH).
    let cpu = run16(CpuModel::I8086, |a| {
        a.push(sp)?;
        a.pop(ax)
    });
    assert_eq!(cpu.state.r16(EAX), 0x7FFE);
    let cpu = run16(CpuModel::I80286, |a| {
        a.push(sp)?;
        a.pop(ax)
    });
    assert_eq!(cpu.state.r16(EAX), 0x8000);
}

#[test]
fn shift_counts_are_masked_from_the_186_on() {
    // 8086: all 33 shifts happen; 186 and later mask the count to 5 bits (SDM SAL/SAR/SHL/SHR).
    let prog = |a: &mut CodeAssembler| {
        a.mov(ax, 1u32)?;
        a.mov(cl, 33u32)?;
        a.shl(ax, cl)
    };
    assert_eq!(run16(CpuModel::I8086, prog).state.r16(EAX), 0);
    assert_eq!(run16(CpuModel::I80286, prog).state.r16(EAX), 2);
}

#[test]
fn divide_error_return_address() {
    // The 8086 pushes the address after DIV; later processors the DIV itself (SDM Vol. 3 6.5,
    // "Exception Classifications": #DE is a fault).
    for (model, pushed_ip) in [(CpuModel::I8086, CODE + 4), (CpuModel::P6, CODE + 2)] {
        let cpu = run16(model, |a| {
            a.xor(bx, bx)?; // 31 DB at CODE
            a.div(bx)?; // F7 F3 at CODE + 2
            a.hlt()?; // not reached: the handler is the HLT at 0x3000
            a.nop()
        });
        assert_eq!(cpu.last_vector, Some(0), "{model:?}");
        assert_eq!(cpu.state.eip, 0x3001, "{model:?}");
        let top = cpu.state.r16(ESP) as usize;
        let ram = cpu.ram();
        let pushed = ram.get(top).unwrap() as u32 | (ram.get(top + 1).unwrap() as u32) << 8;
        assert_eq!(pushed, pushed_ip, "{model:?}");
    }
}

#[test]
fn rep_movsb_copies_past_a_yield() {
    let cpu = run16(CpuModel::P6, |a| {
        a.mov(si, 0x4000u32)?;
        a.mov(di, 0x6000u32)?;
        a.mov(cx, 6000u32)?;
        a.mov(byte_ptr(0x4000 + 5999), 0x5Au32)?;
        a.rep().movsb()
    });
    assert_eq!(cpu.state.r16(ECX), 0);
    assert_eq!(cpu.state.r16(EDI), 0x6000 + 6000);
    assert_eq!(cpu.ram().get(0x6000 + 5999), Some(0x5A));
}

#[test]
fn cpuid_reports_genuine_intel() {
    let cpu = run16(CpuModel::P6, |a| {
        a.xor(eax, eax)?;
        a.cpuid()
    });
    let mut vendor = Vec::new();
    for r in [EBX, EDX, ECX] {
        vendor.extend_from_slice(&cpu.state.r32(r).to_le_bytes());
    }
    assert_eq!(vendor, b"GenuineIntel");
    // CPUID does not exist on the 80386: #UD.
    let cpu = run16(CpuModel::I80386, |a| a.cpuid());
    assert_eq!(cpu.last_vector, Some(6));
}
