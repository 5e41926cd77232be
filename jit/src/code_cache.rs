//! The code cache: one region of host memory, reserved once, that compiled blocks are copied
//! into one after another. Memory is never writable and executable at once: the pages a new
//! block lands on are made writable for the copy and executable again after it (nothing runs
//! generated code while a block is being copied in). Single blocks are never freed; when the
//! region is full the whole cache is emptied, after the CPU has dropped every block that
//! pointed into it.
//!
//! Compiling with `cranelift-codegen` into a cache of our own, rather than through
//! `cranelift-jit`, avoids its cost of at least one page per finalised function: blocks here
//! are packed at 16-byte alignment.

use std::ptr::NonNull;

/// Alignment of a block's first instruction.
const ALIGN: usize = 16;

pub struct CodeCache {
    base: NonNull<u8>,
    size: usize,
    used: usize,
    page: usize,
}

impl CodeCache {
    /// Reserves `size` bytes of address space for code; `None` if the host refuses.
    pub fn new(size: usize) -> Option<CodeCache> {
        // SAFETY: sysconf has no memory-safety preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
        let size = size.div_ceil(page) * page;
        // SAFETY: an anonymous private mapping at an address the kernel picks; the result is
        // checked against MAP_FAILED before use.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return None;
        }
        Some(CodeCache {
            base: NonNull::new(p.cast())?,
            size,
            used: 0,
            page,
        })
    }

    /// Bytes of code held.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Copies `code` in and returns the address of its first byte, or `None` when the cache
    /// is full (or the host refuses to change the pages' protection).
    pub fn insert(&mut self, code: &[u8]) -> Option<*const u8> {
        let start = self.used.next_multiple_of(ALIGN);
        let end = start.checked_add(code.len())?;
        if end > self.size || code.is_empty() {
            return None;
        }
        let first_page = start / self.page * self.page;
        let span = end.next_multiple_of(self.page).min(self.size) - first_page;
        // SAFETY: `first_page..first_page + span` lies inside the mapping (`end <= size`,
        // rounded up to a page, and `size` is a whole number of pages).
        let region = unsafe { self.base.as_ptr().add(first_page) };
        // SAFETY: `region` and `span` describe pages of our own mapping; no generated code
        // runs while they are writable.
        if unsafe { libc::mprotect(region.cast(), span, libc::PROT_READ | libc::PROT_WRITE) } != 0 {
            return None;
        }
        // SAFETY: `start + code.len() <= size`, the pages are writable, and `code` is a
        // separate host allocation, so the ranges do not overlap.
        let dst = unsafe { self.base.as_ptr().add(start) };
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), dst, code.len()) };
        // SAFETY: as above; the pages become executable and read-only again.
        if unsafe { libc::mprotect(region.cast(), span, libc::PROT_READ | libc::PROT_EXEC) } != 0 {
            return None;
        }
        self.used = end;
        Some(dst)
    }

    /// Forgets every block. The caller must have dropped every pointer into the cache.
    pub fn clear(&mut self) {
        self.used = 0;
    }
}

impl Drop for CodeCache {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the region `new` mapped; the JIT drops its cache only when
        // no block can run any more.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.size) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_pack_at_sixteen_bytes_and_the_cache_fills() {
        let mut c = CodeCache::new(8192).unwrap();
        let a = c.insert(&[0xC3; 5]).unwrap();
        let b = c.insert(&[0xC3; 40]).unwrap();
        assert_eq!(b as usize - a as usize, 16);
        assert_eq!(c.used(), 16 + 40);
        assert!(
            c.insert(&vec![0x90; 8192]).is_none(),
            "too big for what is left"
        );
        c.clear();
        assert_eq!(c.insert(&[0xC3]).unwrap(), a, "a cleared cache starts over");
        // SAFETY: the byte was just copied in and its page is readable.
        assert_eq!(unsafe { *a }, 0xC3);
    }
}
