//! Multiboot v1 (Multiboot Specification 0.6.96): loads a kernel image (ELF, or the a.out
//! kludge of header flag 16) with its modules and command line, writes the multiboot
//! information structure with a memory map, and sets up the processor state of section 3.2:
//! 32-bit protected mode, flat segments, paging off, interrupts off, EAX = 0x2BADB002,
//! EBX = the information structure.

use amber_cpu::state::reg::{EAX, EBX, ESP};
use amber_cpu::state::{cr0, fl};
use amber_cpu::{Cpu, GuestRam, Seg, SegmentCache};
use goblin::elf::{program_header::PT_LOAD, Elf};

use crate::memory_map::MemoryMap;

const HEADER_MAGIC: u32 = 0x1BAD_B002;
const BOOT_MAGIC: u32 = 0x2BAD_B002;
const SEARCH_LIMIT: usize = 8192;
const AOUT_KLUDGE: u32 = 1 << 16;
/// Where the loader's own structures go (below the kernel, above the BIOS data area).
const GDT_ADDR: u32 = 0x500;
const INFO_ADDR: u32 = 0x1000;
const INFO_LIMIT: u32 = 0x9_0000;

/// A module to load: its contents and its command line.
#[derive(Clone)]
pub struct Module {
    pub data: Vec<u8>,
    pub cmdline: String,
}

/// Why an image cannot be booted.
#[derive(Debug, thiserror::Error)]
pub enum MultibootError {
    #[error("no Multiboot header in the first 8 KiB")]
    NoHeader,
    #[error("the Multiboot header's checksum is wrong")]
    BadChecksum,
    #[error("the Multiboot header asks for features amber does not offer (flags {0:#x})")]
    Unsupported(u32),
    #[error("not an ELF file and no a.out load addresses in the Multiboot header")]
    NotElf,
    #[error("invalid ELF: {0}")]
    Elf(String),
    #[error("the image does not fit in the guest's RAM ({0})")]
    DoesNotFit(String),
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The Multiboot header: its offset in the file and its fields.
struct Header {
    offset: usize,
    flags: u32,
}

fn find_header(image: &[u8]) -> Result<Header, MultibootError> {
    let end = image.len().min(SEARCH_LIMIT).saturating_sub(12);
    let offset = (0..=end)
        .step_by(4)
        .find(|&o| u32_at(image, o) == HEADER_MAGIC)
        .ok_or(MultibootError::NoHeader)?;
    let flags = u32_at(image, offset + 4);
    let sum = HEADER_MAGIC
        .wrapping_add(flags)
        .wrapping_add(u32_at(image, offset + 8));
    if sum != 0 {
        return Err(MultibootError::BadChecksum);
    }
    // Bits 0-15 are requirements; amber offers page-aligned modules (0) and memory
    // information (1); a video mode (2) is only a preference.
    if flags & 0xFFF8 != 0 {
        return Err(MultibootError::Unsupported(flags));
    }
    Ok(Header { offset, flags })
}

fn put(ram: &GuestRam, addr: u32, data: &[u8], what: &str) -> Result<(), MultibootError> {
    if ram.write_slice(addr as usize, data) {
        Ok(())
    } else {
        Err(MultibootError::DoesNotFit(format!(
            "{what} at {addr:#x}, {} bytes",
            data.len()
        )))
    }
}

fn zero(ram: &GuestRam, addr: u32, len: u32, what: &str) -> Result<(), MultibootError> {
    put(ram, addr, &vec![0; len as usize], what)
}

/// Loads the kernel; returns (entry point, first free address after it).
fn load_kernel(ram: &GuestRam, image: &[u8], h: &Header) -> Result<(u32, u32), MultibootError> {
    if h.flags & AOUT_KLUDGE != 0 {
        let f = |i: usize| u32_at(image, h.offset + 12 + 4 * i);
        let (header_addr, load_addr, load_end, bss_end, entry) = (f(0), f(1), f(2), f(3), f(4));
        let start = (h.offset as u32)
            .checked_sub(header_addr.wrapping_sub(load_addr))
            .ok_or_else(|| {
                MultibootError::DoesNotFit("a.out load address after the header".into())
            })? as usize;
        let end = if load_end == 0 {
            image.len()
        } else {
            start.saturating_add(load_end.wrapping_sub(load_addr) as usize)
        };
        let text = image
            .get(start..end.min(image.len()))
            .ok_or_else(|| MultibootError::DoesNotFit("a.out text past the file's end".into()))?;
        let loaded_end = load_addr
            .checked_add(text.len() as u32)
            .ok_or_else(|| MultibootError::DoesNotFit("a.out text past 4 GiB".into()))?;
        put(ram, load_addr, text, "kernel")?;
        if bss_end > loaded_end {
            zero(ram, loaded_end, bss_end - loaded_end, "bss")?;
        }
        return Ok((entry, bss_end.max(loaded_end)));
    }
    let elf = Elf::parse(image).map_err(|e| match e {
        goblin::error::Error::BadMagic(_) => MultibootError::NotElf,
        e => MultibootError::Elf(e.to_string()),
    })?;
    let mut top = 0u32;
    let too_big = || MultibootError::Elf("a segment lies outside the file or above 4 GiB".into());
    for ph in elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD) {
        let end = ph.p_offset.checked_add(ph.p_filesz).ok_or_else(too_big)?;
        let data = image
            .get(ph.p_offset as usize..end as usize)
            .ok_or_else(too_big)?;
        let addr = u32::try_from(ph.p_paddr).map_err(|_| too_big())?;
        let memsz = u32::try_from(ph.p_memsz).map_err(|_| too_big())?;
        let segment_end = addr.checked_add(memsz).ok_or_else(too_big)?;
        put(ram, addr, data, "kernel segment")?;
        if ph.p_memsz > ph.p_filesz {
            zero(
                ram,
                addr + ph.p_filesz as u32,
                memsz - ph.p_filesz as u32,
                "kernel bss",
            )?;
        }
        top = top.max(segment_end);
    }
    let entry =
        u32::try_from(elf.entry).map_err(|_| MultibootError::Elf("entry above 4 GiB".into()))?;
    Ok((entry, top))
}

/// A bump allocator for the information structure's pieces in low memory.
struct LowMemory {
    next: u32,
}

impl LowMemory {
    fn place(&mut self, ram: &GuestRam, data: &[u8]) -> Result<u32, MultibootError> {
        let at = self.next;
        if at + data.len() as u32 > INFO_LIMIT {
            return Err(MultibootError::DoesNotFit("command lines too long".into()));
        }
        put(ram, at, data, "multiboot information")?;
        self.next = (at + data.len() as u32 + 3) & !3;
        Ok(at)
    }

    fn string(&mut self, ram: &GuestRam, s: &str) -> Result<u32, MultibootError> {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        self.place(ram, &b)
    }
}

/// Boots `image` the Multiboot way: loads it and its modules into `cpu`'s RAM and sets the
/// processor state the specification describes.
pub fn boot(
    cpu: &mut Cpu,
    map: &MemoryMap,
    image: &[u8],
    cmdline: &str,
    modules: &[Module],
) -> Result<(), MultibootError> {
    let header = find_header(image)?;
    let ram = cpu.ram().clone();
    let (entry, kernel_end) = load_kernel(&ram, image, &header)?;

    let mut low = LowMemory {
        next: INFO_ADDR + 128,
    };
    let cmdline_addr = low.string(&ram, cmdline)?;
    let loader_name = low.string(&ram, "amber")?;
    let mut mod_entries = Vec::new();
    let mut next_mod = (kernel_end + 0xFFF) & !0xFFF;
    for m in modules {
        put(&ram, next_mod, &m.data, "module")?;
        let string = low.string(&ram, &m.cmdline)?;
        for v in [next_mod, next_mod + m.data.len() as u32, string, 0] {
            mod_entries.extend_from_slice(&v.to_le_bytes());
        }
        next_mod = (next_mod + m.data.len() as u32 + 0xFFF) & !0xFFF;
    }
    let mods_addr = low.place(&ram, &mod_entries)?;
    let mut mmap = Vec::new();
    for (base, len, kind) in map.regions() {
        mmap.extend_from_slice(&20u32.to_le_bytes());
        mmap.extend_from_slice(&base.to_le_bytes());
        mmap.extend_from_slice(&len.to_le_bytes());
        mmap.extend_from_slice(&kind.to_le_bytes());
    }
    let mmap_addr = low.place(&ram, &mmap)?;

    // flags: mem (0), cmdline (2), mods (3), mmap (6), boot_loader_name (9).
    let flags: u32 = 1 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 9;
    let mem_upper = (map.ram_size() - 0x10_0000) / 1024;
    let mut info = [0u32; 22];
    info[0] = flags;
    // Conventional memory up to the EBDA at 9FC00 (the first region of the map), in KiB.
    info[1] = (map.regions()[0].1 / 1024) as u32;
    info[2] = mem_upper;
    info[4] = cmdline_addr;
    info[5] = modules.len() as u32;
    info[6] = mods_addr;
    info[11] = mmap.len() as u32;
    info[12] = mmap_addr;
    info[16] = loader_name;
    let bytes: Vec<u8> = info.iter().flat_map(|v| v.to_le_bytes()).collect();
    put(&ram, INFO_ADDR, &bytes, "multiboot information")?;

    // A flat GDT (null, code 0x08, data 0x10) so the segment registers hold valid selectors.
    let gdt: [u64; 3] = [0, 0x00CF_9B00_0000_FFFF, 0x00CF_9300_0000_FFFF];
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
            SegmentCache::flat32(if seg == Seg::Cs { 0x08 } else { 0x10 }, seg == Seg::Cs);
    }
    s.eflags &= !(fl::IF | fl::VM);
    s.eip = entry as u64;
    s.set_r32(EAX, BOOT_MAGIC);
    s.set_r32(EBX, INFO_ADDR);
    // The specification leaves ESP undefined; a stack under the loader's data is friendlier.
    s.set_r32(ESP, 0x7_FFF0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(flags: u32) -> Vec<u8> {
        let mut v = Vec::new();
        for x in [
            HEADER_MAGIC,
            flags,
            0u32.wrapping_sub(HEADER_MAGIC.wrapping_add(flags)),
        ] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v
    }

    #[test]
    fn header_is_found_and_checked() {
        let mut image = vec![0u8; 64];
        image.extend(header(3));
        assert_eq!(find_header(&image).unwrap().offset, 64);
        let last = image.len() - 1;
        image[last] ^= 1;
        assert!(matches!(
            find_header(&image),
            Err(MultibootError::BadChecksum)
        ));
        assert!(matches!(
            find_header(&[0u8; 100]),
            Err(MultibootError::NoHeader)
        ));
    }

    /// A 32-bit ELF whose one PT_LOAD segment has the given offset, address and sizes,
    /// with a Multiboot header after the program header.
    fn elf(offset: u32, paddr: u32, filesz: u32, memsz: u32) -> Vec<u8> {
        let mut v = vec![0x7F, b'E', b'L', b'F', 1, 1, 1, 0];
        v.resize(16, 0);
        for (x, n) in [
            (2u32, 2),
            (3, 2),
            (1, 4),
            (0x10_0000, 4),
            (52, 4),
            (0, 4),
            (0, 4),
        ] {
            v.extend_from_slice(&x.to_le_bytes()[..n]);
        }
        for x in [52u16, 32, 1, 40, 0, 0] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        for x in [1u32, offset, paddr, paddr, filesz, memsz, 7, 0x1000] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.extend(header(0));
        v
    }

    #[test]
    fn hostile_elf_headers_are_errors_not_panics() {
        let ram = GuestRam::new(2 << 20);
        for (offset, paddr, filesz, memsz) in [
            (0xFFFF_FFF0, 0x10_0000, 0x100, 0x100),
            (0, 0xFFFF_F000, 0x10, 0x2000),
            (0, 0x10_0000, 0x10, 0xFFFF_FFFF),
            (0, 0x10_0000, 0x7FFF_FFFF, 0x10),
        ] {
            let image = elf(offset, paddr, filesz, memsz);
            let h = find_header(&image).unwrap();
            assert!(
                load_kernel(&ram, &image, &h).is_err(),
                "{offset:#x} {paddr:#x} {filesz:#x} {memsz:#x}"
            );
        }
    }

    #[test]
    fn aout_kludge_loads_at_its_addresses() {
        // Header at file offset 0 describing a load at 1 MiB with 16 bytes of bss.
        let mut image = header(AOUT_KLUDGE);
        for v in [0x10_0000u32, 0x10_0000, 0, 0x10_0040, 0x10_0030] {
            image.extend_from_slice(&v.to_le_bytes());
        }
        image.resize(0x30, 0x90);
        image.push(0xF4);
        let ram = GuestRam::new(2 << 20);
        let h = find_header(&image).unwrap();
        let (entry, end) = load_kernel(&ram, &image, &h).unwrap();
        assert_eq!(entry, 0x10_0030);
        assert_eq!(end, 0x10_0040);
        assert_eq!(ram.get(0x10_0030), Some(0xF4));
    }
}
