//! The Linux/x86 boot protocol, 32-bit entry (the kernel's Documentation/arch/x86/boot.rst,
//! protocol 2.02 and later): the protected-mode kernel of a bzImage at its `code32_start`,
//! the zero page (`struct boot_params`) with the setup header copied from the image, the
//! command line, the initrd as high as `initrd_addr_max` and RAM allow, and the E820 map;
//! then the processor in 32-bit protected mode with the boot GDT's selectors 10h (code)
//! and 18h (data), paging and interrupts off, ESI pointing at the zero page.

use amber_cpu::state::reg::{EBP, EBX, EDI, ESI};
use amber_cpu::state::{cr0, fl};
use amber_cpu::{Cpu, GuestRam, Seg, SegmentCache};

use crate::memory_map::MemoryMap;

/// Where the loader's structures go: the GDT, the zero page, the command line.
const GDT_ADDR: u32 = 0x500;
const ZERO_PAGE: u32 = 0x1_0000;
const CMDLINE_ADDR: u32 = 0x2_0000;

/// Setup-header fields (boot.rst, "The real-mode kernel header"), as zero-page offsets.
const SETUP_SECTS: usize = 0x1F1;
const BOOT_FLAG: usize = 0x1FE;
const JUMP: usize = 0x200;
const HEADER: usize = 0x202;
const VERSION: usize = 0x206;
const TYPE_OF_LOADER: usize = 0x210;
const LOADFLAGS: usize = 0x211;
const CODE32_START: usize = 0x214;
const RAMDISK_IMAGE: usize = 0x218;
const RAMDISK_SIZE: usize = 0x21C;
const CMD_LINE_PTR: usize = 0x228;
const INITRD_ADDR_MAX: usize = 0x22C;
const CMDLINE_SIZE: usize = 0x238;
/// Zero-page fields outside the setup header: `struct screen_info` at 0 first.
const ORIG_VIDEO_MODE: usize = 0x06;
const ORIG_VIDEO_COLS: usize = 0x07;
const ORIG_VIDEO_EGA_BX: usize = 0x0A;
const ORIG_VIDEO_LINES: usize = 0x0E;
const ORIG_VIDEO_IS_VGA: usize = 0x0F;
const ORIG_VIDEO_POINTS: usize = 0x10;
const ALT_MEM_K: usize = 0x1E0;
const E820_ENTRIES: usize = 0x1E8;
const E820_TABLE: usize = 0x2D0;
const E820_MAX: usize = 128;
/// loadflags bit 0: the protected-mode code is loaded at 0x100000.
const LOADED_HIGH: u8 = 0x01;

/// Why a kernel image cannot be booted.
#[derive(Debug, thiserror::Error)]
pub enum LinuxError {
    #[error("not a Linux bzImage (no \"HdrS\" setup header)")]
    NotLinux,
    #[error("boot protocol {0:#x} is older than 2.02, which amber needs")]
    TooOld(u16),
    #[error("a zImage (not loaded high) cannot be booted; use a bzImage")]
    NotHigh,
    #[error("the {0} does not fit in the guest's RAM")]
    DoesNotFit(&'static str),
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Whether `image` is a Linux kernel with a boot-protocol header.
pub fn is_linux(image: &[u8]) -> bool {
    image.len() > 0x264
        && &image[HEADER..HEADER + 4] == b"HdrS"
        && u16_at(image, BOOT_FLAG) == 0xAA55
}

fn put(ram: &GuestRam, addr: u32, data: &[u8], what: &'static str) -> Result<(), LinuxError> {
    if ram.write_slice(addr as usize, data) {
        Ok(())
    } else {
        Err(LinuxError::DoesNotFit(what))
    }
}

/// Loads the kernel, its command line and initrd, and sets the processor up to enter it.
pub fn boot(
    cpu: &mut Cpu,
    map: &MemoryMap,
    image: &[u8],
    cmdline: &str,
    initrd: Option<&[u8]>,
) -> Result<(), LinuxError> {
    if !is_linux(image) {
        return Err(LinuxError::NotLinux);
    }
    let version = u16_at(image, VERSION);
    if version < 0x0202 {
        return Err(LinuxError::TooOld(version));
    }
    if image[LOADFLAGS] & LOADED_HIGH == 0 {
        return Err(LinuxError::NotHigh);
    }
    let ram = cpu.ram().clone();
    let setup_sects = match image[SETUP_SECTS] {
        0 => 4,
        n => usize::from(n),
    };
    let kernel_at = (setup_sects + 1) * 512;
    let kernel = image.get(kernel_at..).ok_or(LinuxError::NotLinux)?;
    let code32 = u32_at(image, CODE32_START);
    put(&ram, code32, kernel, "kernel")?;

    let mut zero = vec![0u8; 4096];
    let header_end = (JUMP + 2 + usize::from(image[JUMP + 1]))
        .min(image.len())
        .min(4096);
    zero[SETUP_SECTS..header_end].copy_from_slice(&image[SETUP_SECTS..header_end]);
    zero[TYPE_OF_LOADER] = 0xFF;
    // The screen the machine's video POST leaves: VGA text mode 03h, 80x25 characters of
    // 16 lines, cursor at 0,0 (what the kernel's real-mode setup would read from INT 10h;
    // EGA info BX = 0003h: colour, 256 KiB).
    zero[ORIG_VIDEO_MODE] = 0x03;
    zero[ORIG_VIDEO_COLS] = 80;
    zero[ORIG_VIDEO_EGA_BX] = 0x03;
    zero[ORIG_VIDEO_LINES] = 25;
    zero[ORIG_VIDEO_IS_VGA] = 1;
    zero[ORIG_VIDEO_POINTS] = 16;

    let max_cmdline = if version >= 0x0206 {
        u32_at(image, CMDLINE_SIZE) as usize
    } else {
        255
    };
    let mut line = cmdline.as_bytes()[..cmdline.len().min(max_cmdline)].to_vec();
    line.push(0);
    put(&ram, CMDLINE_ADDR, &line, "command line")?;
    zero[CMD_LINE_PTR..CMD_LINE_PTR + 4].copy_from_slice(&CMDLINE_ADDR.to_le_bytes());

    if let Some(rd) = initrd {
        let addr_max = if version >= 0x0203 {
            u32_at(image, INITRD_ADDR_MAX)
        } else {
            0x37FF_FFFF
        };
        let top = u64::from(map.acpi_base()).min(u64::from(addr_max) + 1);
        let kernel_end = u64::from(code32) + kernel.len() as u64;
        let addr = top
            .checked_sub(rd.len() as u64)
            .map(|a| a & !0xFFF)
            .filter(|&a| a >= kernel_end)
            .ok_or(LinuxError::DoesNotFit("initrd"))?;
        put(&ram, addr as u32, rd, "initrd")?;
        zero[RAMDISK_IMAGE..RAMDISK_IMAGE + 4].copy_from_slice(&(addr as u32).to_le_bytes());
        zero[RAMDISK_SIZE..RAMDISK_SIZE + 4].copy_from_slice(&(rd.len() as u32).to_le_bytes());
    }

    let regions = map.regions();
    for (i, (base, len, kind)) in regions.iter().take(E820_MAX).enumerate() {
        let at = E820_TABLE + 20 * i;
        zero[at..at + 8].copy_from_slice(&base.to_le_bytes());
        zero[at + 8..at + 16].copy_from_slice(&len.to_le_bytes());
        zero[at + 16..at + 20].copy_from_slice(&kind.to_le_bytes());
    }
    zero[E820_ENTRIES] = regions.len().min(E820_MAX) as u8;
    let alt_mem_k = (map.ram_size() - 0x10_0000) / 1024;
    zero[ALT_MEM_K..ALT_MEM_K + 4].copy_from_slice(&alt_mem_k.to_le_bytes());
    put(&ram, ZERO_PAGE, &zero, "zero page")?;

    // The boot GDT: flat 4 GiB code at 10h and data at 18h (boot.rst, 32-bit protocol).
    let gdt: [u64; 4] = [0, 0, 0x00CF_9B00_0000_FFFF, 0x00CF_9300_0000_FFFF];
    let gdt_bytes: Vec<u8> = gdt.iter().flat_map(|d| d.to_le_bytes()).collect();
    put(&ram, GDT_ADDR, &gdt_bytes, "GDT")?;

    cpu.reset();
    cpu.flush_code();
    cpu.set_a20(true);
    let s = &mut cpu.state;
    s.cr0 |= cr0::PE;
    s.gdtr.base = GDT_ADDR;
    s.gdtr.limit = gdt_bytes.len() as u32 - 1;
    for seg in Seg::ALL {
        s.seg[seg as usize] =
            SegmentCache::flat32(if seg == Seg::Cs { 0x10 } else { 0x18 }, seg == Seg::Cs);
    }
    s.eflags &= !(fl::IF | fl::VM);
    s.eip = u64::from(code32);
    s.set_r32(ESI, ZERO_PAGE);
    for r in [EBP, EDI, EBX] {
        s.set_r32(r, 0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use amber_cpu::CpuModel;
    use std::rc::Rc;

    /// A minimal bzImage: 1 setup sector plus the boot sector, the header fields the
    /// protocol reads, and 1 KiB of "kernel".
    fn bzimage(version: u16, loadflags: u8) -> Vec<u8> {
        let mut img = vec![0u8; 2 * 512 + 1024];
        img[SETUP_SECTS] = 1;
        img[BOOT_FLAG..BOOT_FLAG + 2].copy_from_slice(&0xAA55u16.to_le_bytes());
        img[JUMP] = 0xEB;
        img[JUMP + 1] = 0x66;
        img[HEADER..HEADER + 4].copy_from_slice(b"HdrS");
        img[VERSION..VERSION + 2].copy_from_slice(&version.to_le_bytes());
        img[LOADFLAGS] = loadflags;
        img[CODE32_START..CODE32_START + 4].copy_from_slice(&0x10_0000u32.to_le_bytes());
        img[INITRD_ADDR_MAX..INITRD_ADDR_MAX + 4].copy_from_slice(&0x37FF_FFFFu32.to_le_bytes());
        img[CMDLINE_SIZE..CMDLINE_SIZE + 4].copy_from_slice(&2047u32.to_le_bytes());
        img[1024] = 0x90;
        img
    }

    fn machine() -> (Cpu, MemoryMap) {
        let map = MemoryMap::new(64 << 20);
        let ram = Rc::new(GuestRam::new(map.backing_size()));
        (Cpu::new(CpuModel::P6, ram), map)
    }

    #[test]
    fn loads_by_the_32_bit_protocol() {
        let (mut cpu, map) = machine();
        let img = bzimage(0x020F, LOADED_HIGH);
        boot(&mut cpu, &map, &img, "console=ttyS0", Some(&[7u8; 5000])).unwrap();
        let ram = cpu.ram().clone();
        let mut zero = vec![0u8; 4096];
        ram.read_slice(ZERO_PAGE as usize, &mut zero);
        assert_eq!(ram.get(0x10_0000), Some(0x90), "the kernel at code32_start");
        assert_eq!(zero[TYPE_OF_LOADER], 0xFF);
        // struct screen_info (include/uapi/linux/screen_info.h): mode 3, 80x25, VGA, 16
        // lines per character.
        assert_eq!(
            [zero[6], zero[7], zero[0x0E], zero[0x0F], zero[0x10]],
            [3, 80, 25, 1, 16]
        );
        assert_eq!(
            &zero[HEADER..HEADER + 4],
            b"HdrS",
            "the setup header copied"
        );
        assert_eq!(u32_at(&zero, CMD_LINE_PTR), CMDLINE_ADDR);
        let rd = u32_at(&zero, RAMDISK_IMAGE);
        assert_eq!(rd % 4096, 0, "the initrd page-aligned");
        let top = u64::from(map.acpi_base());
        assert!(rd as u64 + 5000 <= top, "below the ACPI tables");
        assert!(rd as u64 + 5000 > top - 8192, "as high as it can go");
        assert_eq!(u32_at(&zero, RAMDISK_SIZE), 5000);
        assert_eq!(usize::from(zero[E820_ENTRIES]), map.regions().len());
        let s = &cpu.state;
        assert_eq!(s.eip, 0x10_0000);
        assert_eq!(s.r32(ESI), ZERO_PAGE);
        assert_eq!(s.seg[Seg::Cs as usize].selector, 0x10);
        assert_eq!(s.seg[Seg::Ds as usize].selector, 0x18);
        assert_eq!(s.eflags & fl::IF, 0);
        assert_ne!(s.cr0 & cr0::PE, 0);
    }

    #[test]
    fn refuses_what_it_cannot_boot() {
        let (mut cpu, map) = machine();
        assert!(matches!(
            boot(&mut cpu, &map, &[0u8; 4096], "", None),
            Err(LinuxError::NotLinux)
        ));
        let old = bzimage(0x0201, LOADED_HIGH);
        assert!(matches!(
            boot(&mut cpu, &map, &old, "", None),
            Err(LinuxError::TooOld(0x201))
        ));
        let low = bzimage(0x020F, 0);
        assert!(matches!(
            boot(&mut cpu, &map, &low, "", None),
            Err(LinuxError::NotHigh)
        ));
        let big = bzimage(0x020F, LOADED_HIGH);
        let huge = vec![0u8; 80 << 20];
        assert!(matches!(
            boot(&mut cpu, &map, &big, "", Some(&huge)),
            Err(LinuxError::DoesNotFit("initrd"))
        ));
    }
}
