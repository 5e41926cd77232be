//! CD-ROM boot by the built-in BIOS: El Torito ("El Torito" Bootable CD-ROM Format
//! Specification 1.0, Phoenix/IBM 1995) without emulation and with diskette emulation, and
//! INT 13h on the CD drive and the emulated diskette. Boot programs assembled with `as` and
//! put on ISO images by `xorriso` print what the BIOS answers on COM1; amber's output is
//! compared line for line with SeaBIOS's under `qemu-system-i386 -cdrom X -boot d` (the
//! independent oracle), except where SeaBIOS departs from the specification, which is then
//! the reference. Missing tools skip a test with one line, except under CI=true, where that
//! is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{check, present, run, work_dir};

/// A real-mode program assembled with `as` and linked at 0x7C00: `len` bytes.
fn assemble(dir: &Path, name: &str, source: &str, len: usize) -> Vec<u8> {
    let code = common::assemble_boot_program(dir, name, source);
    assert_eq!(code.len(), len, "{name} is {len} bytes");
    code
}

/// `count` pieces of `size` bytes from piece `first` on, piece n starting with n (32-bit
/// little-endian), then (n * 7 + i) & 0xFF.
fn patterned(first: u32, count: u32, size: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    for n in first..first + count {
        bytes.extend_from_slice(&n.to_le_bytes());
        bytes.extend((4..size).map(|i| (n * 7 + i) as u8));
    }
    bytes
}

/// An ISO image of the files in `tree` (path, contents), made by `xorriso -as mkisofs` with
/// the El Torito options `boot`.
fn iso(dir: &Path, name: &str, tree: &[(&str, &[u8])], boot: &[&str]) -> PathBuf {
    let root = dir.join(format!("{name}-tree"));
    let _ = std::fs::remove_dir_all(&root);
    for (path, bytes) in tree {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    let image = dir.join(format!("{name}.iso"));
    check(
        Command::new("xorriso")
            .args(["-as", "mkisofs", "-quiet", "-o"])
            .arg(&image)
            .args(boot)
            .arg(&root),
    );
    image
}

/// amber with the CD, with the JIT and without (`common::run_both_ways`).
fn amber(args: &[&str], cdrom: &Path) -> Output {
    common::run_both_ways(|| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_amber"));
        cmd.args(["run", "--headless", "--timeout", "60s", "--cdrom"])
            .arg(cdrom)
            .args(args);
        cmd
    })
}

const QEMU_ARGS: &[&str] = &[
    "-M",
    "pc",
    "-m",
    "128",
    "-nodefaults",
    "-vga",
    "none",
    "-display",
    "none",
    "-no-reboot",
    "-serial",
    "stdio",
    "-device",
    "isa-debug-exit,iobase=0xf4,iosize=0x04",
    "-cpu",
    "pentium2",
];

/// qemu-system-i386 (SeaBIOS) under coreutils' `timeout`, so a hung guest fails its test in
/// a minute.
fn qemu(args: &[&str], cdrom: &Path) -> Output {
    run(Command::new("timeout")
        .args(["60", "qemu-system-i386"])
        .args(QEMU_ARGS)
        .arg("-cdrom")
        .arg(cdrom)
        .args(args))
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The print routines both boot programs share: INT 13h on the boot drive with CF shown,
/// fields ("name=hex word"), hex dumps, all on COM1 through INT 14h.
const PRINT: &str = r#"
/* INT 13h on the boot drive; prints CF. */
disk:
        mov drive, %dl
        int $0x13
        jmp carry

show_ax:
        push %si
        mov $s_ax, %si
        call field
        pop %si
        ret

/* Prints CX bytes at DI in hex on one line. */
dump:
        mov (%di), %al
        call hexbyte
        inc %di
        loop dump
        mov $10, %al
        jmp putc

hexbyte:
        push %ax
        shr $4, %al
        call nibble
        pop %ax
nibble:
        and $0x0f, %al
        add $'0', %al
        cmp $'9', %al
        jbe 5f
        add $7, %al
5:      jmp putc

/* Prints "cf" and the carry flag (0 or 1), keeping AX and the flags. */
carry:
        pushf
        push %ax
        push %si
        mov $s_cf, %si
        call puts
        pop %si
        pop %ax
        popf
        pushf
        push %ax
        mov $'0', %al
        adc $0, %al
        call putc
        mov $' ', %al
        call putc
        pop %ax
        popf
        ret

/* Prints the text at SI, "=", AX in hex and a line end; keeps CX. */
field:
        push %cx
        push %ax
        call puts
        mov $'=', %al
        call putc
        pop %ax
        xchg %al, %ah
        call hexbyte
        xchg %al, %ah
        call hexbyte
        mov $10, %al
        call putc
        pop %cx
        ret

puts:
        lodsb
        test %al, %al
        jz 6f
        call putc
        jmp puts
6:      ret

/* One character on COM1 through INT 14h AH=01. */
putc:
        pusha
        mov $0x01, %ah
        xor %dx, %dx
        int $0x14
        popa
        ret

s_dl:   .asciz "dl"
s_ax:   .asciz "ax"
s_bx:   .asciz "bx"
s_cx:   .asciz "cx"
s_dx:   .asciz "dx"
s_cf:   .asciz "cf"
s_n:    .asciz "n"
drive:  .byte 0
spec:   .fill 20, 1, 0
"#;

/// The no-emulation boot image (4 virtual sectors at 0000:7C00): what isolinux asks of its
/// CD drive (41h, 48h, 4Bh AL=01h, 42h) and the rest of INT 13h on a CD drive.
const NO_EMULATION: &str = r#"
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7c00, %sp
        ljmp $0, $1f
1:      sti
        mov %dl, drive
        movzbw %dl, %ax
        mov $s_dl, %si
        call field

        /* 41h: installation check. */
        mov $0x4100, %ax
        mov $0x55aa, %bx
        call disk
        call show_ax
        mov %bx, %ax
        mov $s_bx, %si
        call field
        mov %cx, %ax
        mov $s_cx, %si
        call field

        /* 48h with a 26-byte buffer. */
        movw $26, params
        mov $0x4800, %ax
        mov $params, %si
        call disk
        call show_ax
        mov $params, %di
        mov $26, %cx
        call dump

        /* 4Bh AL=01h: the specification packet. */
        mov $0x4b01, %ax
        mov $spec, %si
        call disk
        call show_ax
        mov $spec, %di
        mov $0x13, %cx
        call dump

        /* 42h: 20 blocks from the image's block 1 into 1000:0000 (across a 16-block
           read), the first word of some and the sum of all. */
        movl spec+4, %eax
        incl %eax
        movl %eax, dap_lba
        movw $20, dap_count
        movw $0x1000, dap_seg
        call ext_read
        mov $0x1000, %ax
        mov %ax, %es
        xor %bx, %bx
        mov $20, %cx
2:      mov %es:(%bx), %ax
        mov $s_n, %si
        call field
        add $2048, %bx
        loop 2b
        xor %bx, %bx
        xor %dx, %dx
        mov $20480, %cx
3:      add %es:(%bx), %dx
        add $2, %bx
        loop 3b
        mov %dx, %ax
        mov $s_sum, %si
        call field

        /* 42h: block 16, the primary volume descriptor. */
        movl $16, dap_lba
        movw $1, dap_count
        call ext_read
        mov %es:0, %ax
        mov $s_n, %si
        call field
        mov %es:2, %ax
        mov $s_n, %si
        call field

        /* 42h: the boot image again, compared with what the BIOS loaded. */
        movl spec+4, %eax
        movl %eax, dap_lba
        movw $1, dap_count
        movw $0x2000, dap_seg
        call ext_read
        push %ds
        mov $0x2000, %ax
        mov %ax, %es
        xor %ax, %ax
        mov %ax, %ds
        mov $0x7c00, %si
        xor %di, %di
        mov $128, %cx
        repe cmpsw
        pop %ds
        mov %cx, %ax
        mov $s_cmp, %si
        call field

        /* 42h past the end of the disc: nothing read. */
        movl $0x00ffff00, dap_lba
        movw $2, dap_count
        call ext_read

        /* 43h: a CD cannot be written (CF only), 00h reset, 01h status. */
        movl $16, dap_lba
        movw $1, dap_count
        mov $0x4300, %ax
        mov $dap, %si
        call disk
        mov $0x0000, %ax
        call disk
        call show_ax
        mov $0x0100, %ax
        call disk
        call show_ax

        /* 44h verify, 47h seek, 08h, 15h, 02h, 45h lock/status/unlock, 49h, 50h. */
        mov $0x4400, %ax
        mov $dap, %si
        call disk
        call show_ax
        mov $0x4700, %ax
        mov $dap, %si
        call disk
        call show_ax
        mov $0x0800, %ax
        call disk
        call show_ax
        mov $0x1500, %ax
        call disk
        call show_ax
        mov $0x0201, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        mov $0x1000, %bx
        mov %bx, %es
        xor %bx, %bx
        call disk
        call show_ax
        mov $0x4500, %ax
        call disk
        call show_ax
        mov $0x4502, %ax
        call disk
        call show_ax
        mov $0x4501, %ax
        call disk
        call show_ax
        mov $0x4900, %ax
        call disk
        call show_ax
        mov $0x5000, %ax
        call disk
        call show_ax
        /* Only one CD drive: E1h is not there. */
        mov $0x4100, %ax
        mov $0x55aa, %bx
        mov $0xe1, %dl
        int $0x13
        call carry
        call show_ax

        mov $0, %al
        out %al, $0xf4
4:      hlt
        jmp 4b

/* 42h with the packet at dap; prints CF, AX and the count left in the packet. */
ext_read:
        mov $0x4200, %ax
        mov $dap, %si
        call disk
        call show_ax
        mov dap_count, %ax
        mov $s_count, %si
        jmp field

"#;

const NO_EMULATION_DATA: &str = r#"
s_sum:  .asciz "sum"
s_cmp:  .asciz "c"
s_count: .asciz "count"
        .balign 4
dap:    .byte 16, 0
dap_count: .word 0
dap_off: .word 0
dap_seg: .word 0
dap_lba: .long 0, 0
params: .fill 30, 1, 0
        .org 2046
        .word 0xaa55
"#;

/// The boot sector of a 1.44 MB diskette image booted with diskette emulation (it reads the
/// rest of itself, sectors 1-3, with INT 13h): asks about drive 00h, the image.
const DISKETTE: &str = r#"
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %ss
        mov $0x7c00, %sp
        sti
        /* The rest of the program: sectors 1-3, C0 H0 S2-S4, to 0000:7E00. */
        mov %ax, %es
        push %dx
        mov $0x0203, %ax
        mov $0x0002, %cx
        xor %dh, %dh
        mov $0x7e00, %bx
        int $0x13
        pop %dx
        jc 1f
        mov %dl, drive
        jmp stage2
        .org 510
        .word 0xaa55
stage2:
        movzbw drive, %ax
        mov $s_dl, %si
        call field

        /* 08h: type, geometry, drive count. */
        mov $0x0800, %ax
        call disk
        call show_ax
        mov %bx, %ax
        mov $s_bx, %si
        call field
        mov %cx, %ax
        mov $s_cx, %si
        call field
        mov %dx, %ax
        mov $s_dx, %si
        call field

        /* Reads: C0 H0 S6 (sector 5); C0 H0 S17, 4 sectors (16-19, across the head);
           C0 H1 S17, 4 (34-37, across the cylinder); C1 H1 S1, 40 (54-93). */
        mov $0x0201, %ax
        mov $0x0006, %cx
        xor %dh, %dh
        call read_at
        mov $0x0204, %ax
        mov $0x0011, %cx
        xor %dh, %dh
        call read_at
        mov $0x0204, %ax
        mov $0x0011, %cx
        mov $1, %dh
        call read_at
        mov $0x0228, %ax
        mov $0x0101, %cx
        mov $1, %dh
        call read_at
        mov %es:(39*512), %ax
        mov $s_n, %si
        call field

        /* Bad requests: sector 19, head 2, cylinder 80. */
        mov $0x0201, %ax
        mov $0x0013, %cx
        xor %dh, %dh
        call disk
        call show_ax
        mov $0x0201, %ax
        mov $0x0001, %cx
        mov $2, %dh
        call disk
        call show_ax
        mov $0x0201, %ax
        mov $0x5001, %cx
        xor %dh, %dh
        call disk
        call show_ax

        /* 03h write: refused; 01h status; 04h verify; 00h reset; 15h; 16h; 42h. */
        mov $0x0301, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        call disk
        call show_ax
        mov $0x0100, %ax
        call disk
        call show_ax
        mov $0x0402, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        call disk
        call show_ax
        mov $0x0000, %ax
        call disk
        call show_ax
        mov $0x1500, %ax
        call disk
        call show_ax
        mov $0x1600, %ax
        call disk
        call show_ax
        mov $0x4200, %ax
        call disk
        call show_ax

        /* 4Bh AL=01h: the packet, its geometry bytes on a line of their own. */
        mov $0x4b01, %ax
        mov $spec, %si
        call disk
        call show_ax
        mov $spec, %di
        mov $0x10, %cx
        call dump
        mov $s_chs, %si
        call puts
        mov $spec+0x10, %di
        mov $3, %cx
        call dump

        /* The CD is still drive E0h. */
        mov $0x4100, %ax
        mov $0x55aa, %bx
        mov $0xe0, %dl
        int $0x13
        call carry
        call show_ax

        /* The next drive of the kind, the first real one (A: as 01h, the first hard
           disk as 81h), if there is one: 08h, and its sector 0. */
        mov $0x0800, %ax
        mov drive, %dl
        inc %dl
        int $0x13
        call carry
        call show_ax
        mov %dx, %ax
        mov $s_dx, %si
        call field
        mov $0x0201, %ax
        mov $0x0001, %cx
        mov drive, %dl
        inc %dl
        xor %dh, %dh
        mov $0x1000, %bx
        mov %bx, %es
        xor %bx, %bx
        movw $0, %es:(%bx)
        int $0x13
        call carry
        call show_ax
        mov %es:0, %ax
        mov $s_n, %si
        call field

        /* 4Bh AL=00h ends the emulation: drive 00h is no more. */
        mov $0x4b00, %ax
        mov $spec, %si
        call disk
        call show_ax
        mov spec+1, %al
        xor %ah, %ah
        mov $s_m, %si
        call field
        mov $0x0201, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        call disk
        call show_ax

        mov $0, %al
        out %al, $0xf4
1:      hlt
        jmp 1b

/* Reads AL sectors at CX/DH into 1000:0000 and prints CF, AX and the first word of up to
   eight sectors read. */
read_at:
        mov $0x1000, %bx
        mov %bx, %es
        xor %bx, %bx
        push %ax
        call disk
        call show_ax
        pop %cx
        xor %ch, %ch
        cmp $8, %cx
        jbe 2f
        mov $8, %cx
2:      xor %bx, %bx
3:      mov %es:(%bx), %ax
        mov $s_n, %si
        call field
        add $512, %bx
        loop 3b
        ret

"#;

const DISKETTE_DATA: &str = r#"
s_m:    .asciz "m"
s_chs:  .asciz "chs "
        .org 2048
"#;

/// A boot sector that prints DL and exits.
const SAY_DL: &str = r#"
        .code16
        .globl _start
_start:
        xor %ax, %ax
        mov %ax, %ds
        mov %dl, %bl
        mov $msg, %si
1:      lodsb
        test %al, %al
        jz 2f
        call putc
        jmp 1b
2:      mov %bl, %al
        shr $4, %al
        call nib
        mov %bl, %al
        call nib
        mov $10, %al
        call putc
        mov $0, %al
        out %al, $0xf4
3:      hlt
        jmp 3b
nib:    and $15, %al
        add $'0', %al
        cmp $'9', %al
        jbe putc
        add $7, %al
putc:   pusha
        mov $1, %ah
        xor %dx, %dx
        int $0x14
        popa
        ret
msg:    .asciz "booted, dl="
        .org 510
        .word 0xaa55
"#;

/// No emulation: loaded at 0000:7C00, entered with DL = E0h, and INT 13h 41h, 42h (across
/// the BIOS's 16-block reads, the volume descriptor, the image itself), 43h, 44h, 47h, 48h,
/// 4Bh, 45h, 49h and the CHS functions answer as SeaBIOS's do; there is no drive E1h.
#[test]
fn no_emulation_boot_answers_like_seabios() {
    if !present(
        "CD-ROM boots",
        &["as", "ld", "xorriso", "qemu-system-i386"],
        &[],
    ) {
        return;
    }
    let dir = work_dir("cdrom", "no-emulation");
    let source = format!("{NO_EMULATION}{PRINT}{NO_EMULATION_DATA}");
    let mut image = assemble(&dir, "boot", &source, 2048);
    image.extend(patterned(1, 31, 2048));
    let cd = iso(
        &dir,
        "boot",
        &[("boot.img", &image)],
        &["-b", "boot.img", "-no-emul-boot", "-boot-load-size", "4"],
    );
    let (ours, theirs) = (amber(&["--boot", "d"], &cd), qemu(&["-boot", "d"], &cd));
    let (a, q) = (text(&ours), text(&theirs));
    assert!(q.starts_with("dl=00E0\n"), "SeaBIOS booted the CD:\n{q}");
    assert!(q.contains("sum="), "SeaBIOS ran the whole program:\n{q}");
    assert_eq!(
        a,
        q,
        "amber's BIOS and SeaBIOS\n{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(ours.status.code(), theirs.status.code());
}

/// Asserts that amber's run printed what SeaBIOS's did, line for line, except for the
/// `differ` lines (amber's, SeaBIOS's), where each printed its own.
fn assert_like_seabios_except(ours: &Output, theirs: &Output, differ: &[(&str, &str)]) {
    let (a, q) = (text(ours), text(theirs));
    let mut a_lines: Vec<&str> = a.lines().collect();
    let mut q_lines: Vec<&str> = q.lines().collect();
    for (mine, seabios) in differ {
        let at = a_lines.iter().position(|l| l == mine);
        let at = at.unwrap_or_else(|| panic!("amber printed no {mine:?}:\n{a}"));
        a_lines.remove(at);
        let at = q_lines.iter().position(|l| l == seabios);
        let at = at.unwrap_or_else(|| panic!("SeaBIOS printed no {seabios:?}:\n{q}"));
        q_lines.remove(at);
    }
    assert_eq!(
        a_lines,
        q_lines,
        "amber's BIOS and SeaBIOS\n{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    assert_eq!(ours.status.code(), theirs.status.code());
}

/// The specification packet's geometry bytes (4Bh): the El Torito specification, section
/// 5.4, has bytes 10h-12h hold CH, CL and DH as INT 13h AH=08h gives them; SeaBIOS copies
/// the other order there (its packed_chs_s, the MBR's: heads, sectors, cylinder), so amber
/// follows the specification.
const PACKET_CHS: &str = "chs ";

/// Diskette emulation: the image is drive 00h with the 1.44 MB geometry (80/2/18), reads
/// cross a head and a cylinder, writes are refused, a real drive A: answers as 01h, and 4Bh
/// AL=00h ends the emulation, as with SeaBIOS; without and with a diskette in A:. The
/// packet's geometry (PACKET_CHS) is CH 4Fh, CL 12h, DH 01h.
#[test]
fn floppy_emulation_boot_answers_like_seabios() {
    if !present(
        "CD-ROM boots",
        &["as", "ld", "xorriso", "qemu-system-i386"],
        &[],
    ) {
        return;
    }
    let dir = work_dir("cdrom", "floppy-emulation");
    let source = format!("{DISKETTE}{PRINT}{DISKETTE_DATA}");
    let mut floppy = assemble(&dir, "floppy", &source, 2048);
    floppy.extend(patterned(4, 2876, 512));
    let cd = iso(
        &dir,
        "floppy",
        &[("floppy.img", &floppy)],
        &["-b", "floppy.img"],
    );
    let mut real = assemble(&dir, "say_dl", SAY_DL, 512);
    real.resize(1440 * 1024, 0);
    let fda = dir.join("a.img");
    std::fs::write(&fda, &real).unwrap();
    let fda = fda.display().to_string();
    let drive = format!("file={fda},format=raw,if=floppy,index=0,snapshot=on");
    for (ours, theirs, count) in [
        (vec!["--boot", "d"], vec!["-boot", "d"], "dx=0101"),
        (
            vec!["--boot", "d", "--fda", &fda],
            vec!["-boot", "d", "-drive", &drive],
            "dx=0102",
        ),
    ] {
        let (ours, theirs) = (amber(&ours, &cd), qemu(&theirs, &cd));
        let q = text(&theirs);
        assert!(q.starts_with("dl=0000\n"), "SeaBIOS booted the image:\n{q}");
        assert!(q.contains("n=0013\n"), "a read crossed to side 1:\n{q}");
        assert!(q.contains(count), "AH=08h counts the drives:\n{q}");
        let chs = (
            &*format!("{PACKET_CHS}4F1201"),
            &*format!("{PACKET_CHS}01124F"),
        );
        assert_like_seabios_except(&ours, &theirs, &[chs]);
    }
}

/// Hard disk emulation: the image is drive 80h with the geometry where its first partition
/// ends (20 cylinders, 16 heads, 63 sectors; AH=08h keeps the last cylinder back, as for a
/// real disk), reads cross a head and a cylinder, writes are refused, a real hard disk
/// answers as 81h, as with SeaBIOS; without and with a hard disk.
/// Where they differ: the packet's geometry (PACKET_CHS: CH 12h, CL 3Fh, DH 0Fh against
/// SeaBIOS's MBR bytes 0Fh 3Fh 13h), and AH=08h's drive count in DL, one hard disk (the
/// emulated one) where SeaBIOS counts it twice (its BDA count already includes it, and
/// disk_1308 adds one for the emulation again).
#[test]
fn hard_disk_emulation_boot_answers_like_seabios() {
    if !present(
        "CD-ROM boots",
        &["as", "ld", "xorriso", "qemu-system-i386"],
        &[],
    ) {
        return;
    }
    let dir = work_dir("cdrom", "hard-disk-emulation");
    let source = format!("{DISKETTE}{PRINT}{DISKETTE_DATA}");
    let mut disk = assemble(&dir, "disk", &source, 2048);
    let sectors = 20 * 16 * 63;
    disk.extend(patterned(4, sectors - 4, 512));
    // One partition (required by xorriso's -hard-disk-boot): bootable, type 01h, from
    // C0 H1 S1 to C19 H15 S63, sectors 63 on.
    let table = &mut disk[0x1BE..0x1CE];
    assert!(table.iter().all(|&b| b == 0), "the table's bytes are free");
    table[..8].copy_from_slice(&[0x80, 1, 1, 0, 0x01, 15, 63, 19]);
    table[8..12].copy_from_slice(&63u32.to_le_bytes());
    table[12..].copy_from_slice(&(sectors - 63).to_le_bytes());
    let cd = iso(
        &dir,
        "disk",
        &[("disk.img", &disk)],
        &["-b", "disk.img", "-hard-disk-boot"],
    );
    let mut real = assemble(&dir, "say_dl", SAY_DL, 512);
    real.resize(4 << 20, 0);
    let hda = dir.join("c.img");
    std::fs::write(&hda, &real).unwrap();
    let hda = hda.display().to_string();
    let drive = format!("file={hda},format=raw,if=ide,index=0,snapshot=on");
    let chs = (
        &*format!("{PACKET_CHS}123F0F"),
        &*format!("{PACKET_CHS}0F3F13"),
    );
    for (ours, theirs, differ) in [
        (
            vec!["--boot", "d"],
            vec!["-boot", "d"],
            &[("dx=0F01", "dx=0F02"), chs][..],
        ),
        (
            vec!["--boot", "d", "--hda", &hda],
            vec!["-boot", "d", "-drive", &drive],
            &[("dx=0F02", "dx=0F03"), ("dx=0F02", "dx=0F03"), chs][..],
        ),
    ] {
        let (ours, theirs) = (amber(&ours, &cd), qemu(&theirs, &cd));
        let q = text(&theirs);
        assert!(q.starts_with("dl=0080\n"), "SeaBIOS booted the image:\n{q}");
        assert!(q.contains("n=004F\n"), "a read crossed to head 1:\n{q}");
        assert_like_seabios_except(&ours, &theirs, differ);
    }
}

const ISOLINUX: &str = "/usr/lib/ISOLINUX/isolinux.bin";
const LDLINUX: &str = "/usr/lib/syslinux/modules/bios/ldlinux.c32";

/// isolinux (Debian's isolinux and syslinux-common packages) boots from the CD, finds its
/// configuration and loads a boot sector file from the ISO 9660 tree with INT 13h 42h,
/// which it starts with its drive number. amber's INT 10h also writes text to COM1 (the
/// headless console, bios/src/services/video.rs) where SeaBIOS without a video card writes
/// nothing, so isolinux's early banner appears in amber's output only: SeaBIOS's lines must
/// appear in amber's, in order.
#[test]
fn isolinux_boots_like_with_seabios() {
    if !present(
        "CD-ROM boots",
        &["as", "ld", "xorriso", "qemu-system-i386"],
        &[ISOLINUX, LDLINUX],
    ) {
        return;
    }
    let dir = work_dir("cdrom", "isolinux");
    let sector = assemble(&dir, "say_dl", SAY_DL, 512);
    let config =
        b"SERIAL 0 9600\nPROMPT 0\nTIMEOUT 0\nDEFAULT say\nLABEL say\n  KERNEL /say_dl.bs\n";
    let (isolinux, ldlinux) = (
        std::fs::read(ISOLINUX).unwrap(),
        std::fs::read(LDLINUX).unwrap(),
    );
    let cd = iso(
        &dir,
        "isolinux",
        &[
            ("isolinux/isolinux.bin", &isolinux),
            ("isolinux/ldlinux.c32", &ldlinux),
            ("isolinux/isolinux.cfg", config),
            ("say_dl.bs", &sector),
        ],
        &[
            "-b",
            "isolinux/isolinux.bin",
            "-c",
            "isolinux/boot.cat",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
            "-boot-info-table",
        ],
    );
    let (ours, theirs) = (amber(&["--boot", "d"], &cd), qemu(&["-boot", "d"], &cd));
    let (a, q) = (text(&ours), text(&theirs));
    assert!(q.ends_with("booted, dl=E0\n"), "SeaBIOS ran isolinux:\n{q}");
    let mut ours_left = a.lines();
    for line in q.lines() {
        assert!(
            ours_left.any(|l| l == line),
            "{line:?} missing from amber's output:\n{a}\n{}",
            String::from_utf8_lossy(&ours.stderr)
        );
    }
    assert!(a.ends_with("booted, dl=E0\n"), "{a}");
    assert_eq!(ours.status.code(), theirs.status.code());
}

/// A CD without a boot catalog does not boot: `--boot d` goes on to the next device, the
/// floppy, as SeaBIOS does.
#[test]
fn an_unbootable_cd_falls_through_to_the_floppy() {
    if !present(
        "CD-ROM boots",
        &["as", "ld", "xorriso", "qemu-system-i386"],
        &[],
    ) {
        return;
    }
    let dir = work_dir("cdrom", "unbootable");
    let mut floppy = assemble(&dir, "say_dl", SAY_DL, 512);
    floppy.resize(1440 * 1024, 0);
    let fda = dir.join("floppy.img");
    std::fs::write(&fda, &floppy).unwrap();
    let cd = iso(&dir, "plain", &[("readme.txt", b"no boot catalog\n")], &[]);
    let fda_text = fda.display().to_string();
    let ours = amber(&["--boot", "d", "--fda", &fda_text], &cd);
    let drive = format!("file={fda_text},format=raw,if=floppy,index=0,snapshot=on");
    let theirs = qemu(&["-boot", "d", "-drive", &drive], &cd);
    let (a, q) = (text(&ours), text(&theirs));
    assert!(
        q.ends_with("booted, dl=00\n"),
        "SeaBIOS booted the floppy:\n{q}"
    );
    assert_eq!(a, q, "{}", String::from_utf8_lossy(&ours.stderr));
    assert_eq!(ours.status.code(), theirs.status.code());
}

/// The boot order: `--boot d` boots the CD when a floppy is in drive A: too, `--boot a` and
/// `--boot ad` the floppy, and `--boot cd` goes on to the CD past a hard disk without a
/// boot signature. The image is one virtual sector, a part of a CD block.
#[test]
fn the_boot_order_picks_the_cd() {
    if !present("CD-ROM boots", &["as", "ld", "xorriso"], &[]) {
        return;
    }
    let dir = work_dir("cdrom", "boot-order");
    let sector = assemble(&dir, "say_dl", SAY_DL, 512);
    let mut floppy = sector.clone();
    floppy.resize(1440 * 1024, 0);
    let fda = dir.join("floppy.img");
    std::fs::write(&fda, &floppy).unwrap();
    let hda = dir.join("disk.img");
    std::fs::write(&hda, patterned(0, 8192, 512)).unwrap();
    let cd = iso(
        &dir,
        "say_dl",
        &[("boot.img", &sector)],
        &["-b", "boot.img", "-no-emul-boot", "-boot-load-size", "1"],
    );
    let (fda, hda) = (fda.display().to_string(), hda.display().to_string());
    for (order, says) in [
        ("d", "booted, dl=E0\n"),
        ("a", "booted, dl=00\n"),
        ("ad", "booted, dl=00\n"),
        ("cd", "booted, dl=E0\n"),
    ] {
        let out = amber(&["--boot", order, "--fda", &fda, "--hda", &hda], &cd);
        assert_eq!(
            text(&out),
            says,
            "--boot {order}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "--boot {order}");
    }
}
