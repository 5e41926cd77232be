//! Protected mode at one privilege level: descriptor loads from the GDT and interrupt
//! delivery through IDT gates, with the frames and error codes of the Intel SDM Vol. 3
//! (6.12 "Exception and interrupt handling", 6.13 "Error code").

use std::rc::Rc;

use amber_cpu::state::reg::*;
use amber_cpu::state::{cr0, fl};
use amber_cpu::{Cpu, CpuModel, Exit, FlatBus, GuestRam, Seg, SegmentCache};
use iced_x86::code_asm::*;
use iced_x86::BlockEncoderOptions;

const GDT: u32 = 0x500;
const IDT: u32 = 0x600;
const CODE: u32 = 0x1000;

fn descriptor(base: u32, limit: u32, access: u8, flags: u8) -> u64 {
    (limit as u64 & 0xFFFF)
        | ((base as u64 & 0xFF_FFFF) << 16)
        | ((access as u64) << 40)
        | (((limit as u64 >> 16) & 0xF) << 48)
        | ((flags as u64 & 0xF) << 52)
        | (((base as u64) >> 24) << 56)
}

fn gate(selector: u16, offset: u32, kind: u8) -> u64 {
    (offset as u64 & 0xFFFF)
        | ((selector as u64) << 16)
        | ((0x80 | kind as u64) << 40)
        | (((offset as u64) >> 16) << 48)
}

/// Builds a machine with a flat GDT (0x08 code, 0x10 data), an IDT whose vectors 0x00, 0x0D
/// and 0x30 point at the first three labels `body` returns, and runs it until HLT. Returns
/// the CPU and the address of the fourth label (a marker the test checks against).
fn run(body: impl FnOnce(&mut CodeAssembler) -> Result<[CodeLabel; 4], IcedError>) -> (Cpu, u32) {
    let mut a = CodeAssembler::new(32).unwrap();
    let [l0, l1, l2, marker] = body(&mut a).unwrap();
    let labels = [l0, l1, l2];
    let result = a
        .assemble_options(
            CODE as u64,
            BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS,
        )
        .unwrap();
    let code = result.inner.code_buffer.clone();
    let ram = Rc::new(GuestRam::new(1 << 20));
    ram.write_slice(CODE as usize, &code);
    // 0x08 code, 0x10 data, 0x18 read-only data, 0x20 expand-down data (limit 0xFFF: valid
    // offsets 0x1000-0xFFFFFFFF), 0x28 execute-only code.
    let gdt = [
        0,
        descriptor(0, 0xF_FFFF, 0x9A, 0xC),
        descriptor(0, 0xF_FFFF, 0x92, 0xC),
        descriptor(0, 0xF_FFFF, 0x90, 0xC),
        descriptor(0, 0xFFF, 0x96, 0x4),
        descriptor(0, 0xF_FFFF, 0x98, 0xC),
    ];
    for (i, d) in gdt.iter().enumerate() {
        ram.write_slice(GDT as usize + 8 * i, &d.to_le_bytes());
    }
    for (vector, label) in [0x00usize, 0x0D, 0x30].iter().zip(labels) {
        // Labels a test does not set leave their vector empty (not present).
        if let Ok(at) = result.label_ip(&label) {
            ram.write_slice(
                IDT as usize + 8 * vector,
                &gate(0x08, at as u32, 0xE).to_le_bytes(),
            );
        }
    }
    let mut cpu = Cpu::new(CpuModel::P6, ram.clone());
    cpu.state.cr0 |= cr0::PE;
    cpu.state.gdtr.base = GDT;
    cpu.state.gdtr.limit = 8 * gdt.len() as u32 - 1;
    cpu.state.idtr.base = IDT;
    cpu.state.idtr.limit = 0x31 * 8 - 1;
    for s in Seg::ALL {
        cpu.state.seg[s as usize] =
            SegmentCache::flat32(if s == Seg::Cs { 0x08 } else { 0x10 }, s == Seg::Cs);
    }
    cpu.state.eip = CODE as u64;
    cpu.state.set_r32(ESP, 0x8000);
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 10_000), Exit::Halted);
    let marker = result.label_ip(&marker).map_or(0, |ip| ip as u32);
    (cpu, marker)
}

#[test]
fn int_n_through_an_interrupt_gate_and_iret() {
    let (cpu, after_int) = run(|a| {
        let mut handler = a.create_label();
        let mut after = a.create_label();
        let unused = a.create_label();
        a.mov(eax, 0x10u32)?;
        a.mov(ds, ax)?;
        a.sti()?;
        a.int(0x30)?;
        a.set_label(&mut after)?;
        a.hlt()?;
        a.set_label(&mut handler)?;
        // The frame: EIP, CS, EFLAGS (IF still set in the image, clear in the handler).
        a.mov(ebx, dword_ptr(esp))?;
        a.mov(ecx, dword_ptr(esp + 4))?;
        a.mov(edx, dword_ptr(esp + 8))?;
        a.pushfd()?;
        a.pop(esi)?;
        a.iretd()?;
        Ok([unused, unused, handler, after])
    });
    assert_eq!(
        cpu.state.r32(EBX),
        after_int,
        "INT n pushes the address after it"
    );
    assert_eq!(cpu.state.r32(ECX), 0x08);
    assert_ne!(cpu.state.r32(EDX) & fl::IF, 0);
    assert_eq!(
        cpu.state.r32(ESI) & fl::IF,
        0,
        "an interrupt gate clears IF"
    );
    assert_eq!(cpu.state.r32(ESP), 0x8000, "IRETD pops the frame");
    assert_ne!(cpu.state.flags() & fl::IF, 0, "IRETD restores IF");
}

#[test]
fn gp_fault_pushes_the_selector_as_error_code() {
    let (cpu, faulting) = run(|a| {
        let mut gp = a.create_label();
        let mut load = a.create_label();
        let unused = a.create_label();
        a.mov(eax, 0x30u32)?; // past the GDT's limit
        a.set_label(&mut load)?;
        a.mov(ds, ax)?;
        a.hlt()?;
        a.set_label(&mut gp)?;
        a.pop(ecx)?; // error code
        a.mov(ebx, dword_ptr(esp))?; // return EIP
        a.hlt()?;
        Ok([unused, gp, unused, load])
    });
    assert_eq!(
        cpu.state.r32(ECX),
        0x30,
        "#GP(selector) for a selector past the limit"
    );
    assert_eq!(
        cpu.state.r32(EBX),
        faulting,
        "#GP is a fault: it returns to MOV DS"
    );
    assert_eq!(cpu.state.seg[Seg::Ds as usize].selector, 0x10);
}

#[test]
fn divide_error_has_no_error_code() {
    let (cpu, _) = run(|a| {
        let mut de = a.create_label();
        let unused = a.create_label();
        a.xor(ecx, ecx)?;
        a.mov(esi, esp)?;
        a.div(ecx)?;
        a.hlt()?;
        a.set_label(&mut de)?;
        a.mov(edi, esp)?;
        a.hlt()?;
        Ok([de, unused, unused, unused])
    });
    assert_eq!(
        cpu.state.r32(ESI) - cpu.state.r32(EDI),
        12,
        "EIP, CS, EFLAGS and no error code"
    );
}

#[test]
fn loading_a_data_segment_reads_the_descriptor() {
    let (cpu, _) = run(|a| {
        let unused = a.create_label();
        a.mov(eax, 0x10u32)?;
        a.mov(es, ax)?;
        a.hlt()?;
        Ok([unused, unused, unused, unused])
    });
    let cache = cpu.state.seg[Seg::Es as usize];
    assert_eq!((cache.base, cache.limit), (0, 0xFFFF_FFFF));
    assert!(cache.big());
    // The accessed bit is set in the descriptor (SDM Vol. 3 3.4.5.1).
    assert_eq!(cpu.ram().get(GDT as usize + 16 + 5), Some(0x93));
}

/// Runs `body` at CPL 0 in flat 32-bit protected mode with every exception vector left
/// empty except #GP (vector 0x0D), and returns the CPU.
fn run_simple(body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Cpu {
    run(|a| {
        let mut gp = a.create_label();
        let unused = a.create_label();
        body(a)?;
        a.hlt()?;
        a.set_label(&mut gp)?;
        a.mov(edi, 0xDEADu32)?;
        a.hlt()?;
        Ok([unused, gp, unused, unused])
    })
    .0
}

#[test]
fn unknown_msr_raises_gp() {
    // SDM Vol. 2 RDMSR: "#GP(0) if the value in ECX specifies a reserved or unimplemented MSR".
    let cpu = run_simple(|a| {
        a.mov(ecx, 0x1234_5678u32)?;
        a.rdmsr()
    });
    assert_eq!(cpu.state.r32(EDI), 0xDEAD);
}

#[test]
fn writing_the_tsc_sets_it() {
    // SDM Vol. 3 18.17: "the time-stamp counter can be written with WRMSR".
    let cpu = run_simple(|a| {
        a.mov(ecx, 0x10u32)?;
        a.mov(eax, 0u32)?;
        a.mov(edx, 5u32)?;
        a.wrmsr()?;
        a.rdtsc()
    });
    assert_eq!(cpu.state.r32(EDX), 5);
    assert!(cpu.state.r32(EAX) < 100, "a few instructions later");
    assert_ne!(cpu.state.r32(EDI), 0xDEAD);
}

/// Loads `sel` into ES with MOV, then runs `access` (which uses ES); EDI is 0xDEAD if it
/// raised #GP.
fn es_access(sel: u32, access: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Cpu {
    run_simple(|a| {
        a.mov(eax, sel)?;
        a.mov(es, ax)?;
        access(a)
    })
}

#[test]
fn writing_a_read_only_data_segment_raises_gp() {
    // SDM Vol. 3 5.4.1: a write to a read-only data segment is a #GP(0).
    let cpu = es_access(0x18, |a| a.mov(dword_ptr(0x2000).es(), 1u32));
    assert_eq!(cpu.state.r32(EDI), 0xDEAD);
    let cpu = es_access(0x18, |a| a.mov(eax, dword_ptr(0x2000).es()));
    assert_ne!(cpu.state.r32(EDI), 0xDEAD, "reading it is fine");
}

#[test]
fn a_null_segment_cannot_be_used() {
    // SDM Vol. 3 3.4.2: loading null is allowed, using it is a #GP(0).
    let cpu = es_access(0, |a| a.mov(eax, dword_ptr(0x2000).es()));
    assert_eq!(cpu.state.r32(EDI), 0xDEAD);
}

#[test]
fn expand_down_segments_allow_offsets_above_the_limit() {
    // SDM Vol. 3 3.4.5.1: valid offsets of an expand-down segment run from limit + 1 up.
    let cpu = es_access(0x20, |a| a.mov(eax, dword_ptr(0x800).es()));
    assert_eq!(cpu.state.r32(EDI), 0xDEAD, "below the limit");
    let cpu = es_access(0x20, |a| a.mov(dword_ptr(0x1000).es(), 7u32));
    assert_ne!(cpu.state.r32(EDI), 0xDEAD, "just above it");
}

#[test]
fn execute_only_code_cannot_be_read_as_data() {
    // SDM Vol. 3 5.4.1: reading a code segment without the readable bit is a #GP(0).
    let cpu = es_access(0x28, |a| a.mov(eax, dword_ptr(0x2000).es()));
    assert_eq!(cpu.state.r32(EDI), 0xDEAD);
}

/// Builds PAE tables mapping the first 2 MiB with 4 KiB pages (the page at 0x5000 with
/// the `pte_flip` bits of its entry inverted) and 0x40000000 as one 2 MiB page; returns CR3.
fn pae_tables(ram: &GuestRam, pte_flip: u64) -> u32 {
    let (pdpt, pd, pt) = (0x20_0000u32, 0x20_1000u32, 0x20_2000u32);
    let put = |at: u32, v: u64| {
        ram.write_slice(at as usize, &v.to_le_bytes());
    };
    put(pdpt, pd as u64 | 1);
    let pd_high = 0x20_3000u32;
    put(pdpt + 8, pd_high as u64 | 1);
    put(pd, pt as u64 | 3);
    put(pd_high, 0x0060_0000 | 0x83); // 0x40000000 -> 6 MiB, 2 MiB page
    for i in 0..512u64 {
        put(
            pt + 8 * i as u32,
            ((i << 12) | 3) ^ if i == 5 { pte_flip } else { 0 },
        );
    }
    pdpt
}

/// Runs `body` with PAE paging on (EFER.NXE set) over `pae_tables`.
fn run_pae(pte_flip: u64, body: impl FnOnce(&mut CodeAssembler) -> Result<(), IcedError>) -> Cpu {
    let mut a = CodeAssembler::new(32).unwrap();
    body(&mut a).unwrap();
    a.hlt().unwrap();
    let code = a.assemble(CODE as u64).unwrap();
    let ram = Rc::new(GuestRam::new(8 << 20));
    ram.write_slice(CODE as usize, &code);
    // Vector 14 (#PF) -> a HLT at 0x3000 through a 32-bit interrupt gate.
    ram.write_slice(
        IDT as usize + 14 * 8,
        &gate(0x08, 0x3000, 0xE).to_le_bytes(),
    );
    ram.set(0x3000, 0xF4);
    let gdt = [
        0,
        descriptor(0, 0xF_FFFF, 0x9A, 0xC),
        descriptor(0, 0xF_FFFF, 0x92, 0xC),
    ];
    for (i, d) in gdt.iter().enumerate() {
        ram.write_slice(GDT as usize + 8 * i, &d.to_le_bytes());
    }
    let tables = pae_tables(&ram, pte_flip);
    let mut cpu = Cpu::new(CpuModel::P6, ram.clone());
    cpu.state.gdtr.base = GDT;
    cpu.state.gdtr.limit = 23;
    cpu.state.idtr.base = IDT;
    cpu.state.idtr.limit = 0xFF;
    for s in Seg::ALL {
        cpu.state.seg[s as usize] =
            SegmentCache::flat32(if s == Seg::Cs { 0x08 } else { 0x10 }, s == Seg::Cs);
    }
    cpu.state.cr3 = tables;
    cpu.state.cr4 = 1 << 5; // PAE
    cpu.state.efer = 1 << 11; // NXE
    cpu.state.cr0 |= cr0::PE | cr0::PG;
    cpu.state.eip = CODE as u64;
    cpu.state.set_r32(ESP, 0x8000);
    let mut bus = FlatBus { ram_len: ram.len() };
    assert_eq!(cpu.run(&mut bus, 10_000), Exit::Halted);
    cpu
}

#[test]
fn pae_maps_4k_and_2m_pages() {
    // SDM Vol. 3 4.4: PDPTE -> PDE -> PTE, and a PDE with PS maps 2 MiB.
    let cpu = run_pae(0, |a| {
        a.mov(dword_ptr(0x5010), 0x1234_5678u32)?;
        a.mov(eax, dword_ptr(0x4000_0000u32 + 0x10))?;
        a.mov(ebx, dword_ptr(0x5010))
    });
    assert_eq!(cpu.state.r32(EBX), 0x1234_5678);
    assert_eq!(cpu.last_vector, None, "no fault");
    assert_eq!(
        cpu.ram().get(0x60_0010),
        Some(0),
        "the 2 MiB page maps 6 MiB"
    );
}

#[test]
fn execute_disable_faults_on_fetch_only() {
    // SDM Vol. 3 4.6: with EFER.NXE, XD=1 forbids instruction fetches: #PF with I/D set.
    let cpu = run_pae(1 << 63, |a| {
        a.mov(eax, dword_ptr(0x5000))?; // reading an XD page is fine
        a.mov(byte_ptr(0x5000), 0xC3u32)?; // RET
        a.mov(eax, 0x5000u32)?;
        a.call(eax)
    });
    assert_eq!(cpu.last_vector, Some(14));
    assert_eq!(cpu.state.cr2, 0x5000);
    let err = cpu.ram().get(cpu.state.r32(ESP) as usize).unwrap();
    assert_eq!(
        err & 0x11,
        0x11,
        "present and instruction fetch in the error code ({err:#x})"
    );
}

#[test]
fn a_faulting_x87_store_across_a_page_boundary_writes_nothing() {
    // SDM Vol. 3 6.6: a fault leaves the instruction's destination unchanged. FSTP m64 at
    // 0x4FFC straddles a writable page and page 5, made read-only with CR0.WP set.
    let cpu = run_pae(2, |a| {
        a.mov(eax, cr0)?;
        a.or(eax, 1 << 16)?;
        a.mov(cr0, eax)?;
        a.fninit()?;
        a.fldpi()?; // as an f64, 0x400921FB_54442D18: no zero byte
        a.fstp(qword_ptr(0x4FFC))
    });
    assert_eq!(cpu.last_vector, Some(14));
    assert_eq!(cpu.state.cr2, 0x5000);
    assert_eq!(
        cpu.ram().get(0x4FFC),
        Some(0),
        "nothing written below the boundary"
    );
}
