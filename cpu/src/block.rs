//! The decoded-block cache (DESIGN.md "The CPU"). Blocks are keyed by the physical address of
//! their first byte and the mode bits their decoding depends on, so a loop is decoded once.
//! Physical pages that hold decoded code are marked; a store to such a page (it takes the
//! TLB's slow path) drops every block decoded from it (self-modifying code).

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::decode::Op;

/// A straight run of decoded instructions, ending at a control transfer, a mode change, a
/// page boundary or a length cap.
pub struct Block {
    pub phys: u32,
    pub mode: u32,
    /// The cache's epoch when the block was decoded; `flush` starts a new epoch.
    pub epoch: u32,
    /// The physical pages the block's bytes come from (the same page twice if only one).
    pub pages: [u32; 2],
    pub ops: Vec<Op>,
    /// What the translator (the JIT) keeps of this block.
    pub jit: Cell<JitSlot>,
}

/// A block as the translator sees it: how often it ran, and its compiled code. Compiled code
/// is reached only through its block, so dropping a block (self-modifying code, a flush)
/// drops the code with it.
#[derive(Clone, Copy, Debug, Default)]
pub struct JitSlot {
    /// Times the block ran before it was compiled.
    pub runs: u32,
    /// The translator's handle on the compiled code: 0 for none yet.
    pub code: usize,
    /// The EIP the code was compiled for (its branch targets are absolute).
    pub eip: u32,
}

const SLOTS: usize = 1 << 14;
/// Pages in the 32-bit physical address space.
const PAGES: usize = 1 << 20;

pub struct BlockCache {
    slots: Vec<Option<Rc<Block>>>,
    epoch: u32,
    /// Times blocks were dropped (a store into code, a flush), for `--jit-verify`.
    pub drops: u64,
    /// One bit per physical page: it holds decoded code.
    code_pages: Vec<u64>,
    /// The slots of the blocks decoded from each code page.
    page_slots: HashMap<u32, Vec<u32>>,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            slots: vec![None; SLOTS],
            epoch: 0,
            drops: 0,
            code_pages: vec![0; PAGES / 64],
            page_slots: HashMap::new(),
        }
    }
}

impl BlockCache {
    #[inline(always)]
    fn slot(phys: u32, mode: u32) -> usize {
        (phys ^ (phys >> 14) ^ (mode << 7)) as usize & (SLOTS - 1)
    }

    /// The cached block at `phys` for `mode`.
    #[inline]
    pub fn get(&self, phys: u32, mode: u32) -> Option<&Rc<Block>> {
        let b = self.slots[Self::slot(phys, mode)].as_ref()?;
        (b.phys == phys && b.mode == mode && b.epoch == self.epoch).then_some(b)
    }

    pub fn insert(&mut self, mut block: Block) -> Rc<Block> {
        block.epoch = self.epoch;
        let slot = Self::slot(block.phys, block.mode);
        for (i, &page) in block.pages.iter().enumerate() {
            if i == 0 || page != block.pages[0] {
                self.page_slots.entry(page).or_default().push(slot as u32);
            }
        }
        let b = Rc::new(block);
        self.slots[slot] = Some(b.clone());
        b
    }

    /// Marks `page` as holding code; true if it was not marked before.
    pub fn mark_code(&mut self, page: u32) -> bool {
        let (word, bit) = (page as usize / 64, 1u64 << (page % 64));
        let newly = self.code_pages[word] & bit == 0;
        self.code_pages[word] |= bit;
        newly
    }

    #[inline(always)]
    pub fn has_code(&self, page: u32) -> bool {
        self.code_pages[page as usize / 64] & (1 << (page % 64)) != 0
    }

    /// A store hit `page`: every block decoded from it is stale.
    pub fn invalidate_page(&mut self, page: u32) {
        self.drops += 1;
        self.code_pages[page as usize / 64] &= !(1 << (page % 64));
        for slot in self.page_slots.remove(&page).unwrap_or_default() {
            let s = &mut self.slots[slot as usize];
            if s.as_ref().is_some_and(|b| b.pages.contains(&page)) {
                *s = None;
            }
        }
    }

    /// Drops every block: they belong to an older epoch from now on.
    pub fn flush(&mut self) {
        self.drops += 1;
        self.page_slots.clear();
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // After 2^32 flushes old blocks could look current again: clear them for real.
            self.slots.fill(None);
        }
    }
}
