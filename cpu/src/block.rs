//! The decoded-block cache (DESIGN.md "The CPU"). Blocks are keyed by the physical address of
//! their first byte and the mode bits their decoding depends on, so a loop is decoded once.
//! Each physical page that holds decoded code has a generation; a store to such a page bumps
//! it, which invalidates every block decoded from it (self-modifying code).

use std::rc::Rc;

use crate::decode::Op;

/// A straight run of decoded instructions, ending at a control transfer, a mode change, a
/// page boundary or a length cap.
pub struct Block {
    pub phys: u32,
    pub mode: u32,
    /// The cache's epoch when the block was decoded; `flush` starts a new epoch.
    pub epoch: u32,
    /// (physical page, generation) of each page the block's bytes come from.
    pub pages: [(u32, u32); 2],
    pub ops: Vec<Op>,
}

const SLOTS: usize = 1 << 14;
/// Bit 0 of a page generation: the page holds decoded code.
const HAS_CODE: u32 = 1;

pub struct BlockCache {
    slots: Vec<Option<Rc<Block>>>,
    epoch: u32,
    /// Generation per physical 4 KiB page (32-bit physical space).
    page_gen: Vec<u32>,
}

impl Default for BlockCache {
    fn default() -> Self {
        BlockCache {
            slots: vec![None; SLOTS],
            epoch: 0,
            page_gen: vec![0; 1 << 20],
        }
    }
}

impl BlockCache {
    #[inline(always)]
    fn slot(phys: u32, mode: u32) -> usize {
        (phys ^ (phys >> 14) ^ (mode << 7)) as usize & (SLOTS - 1)
    }

    /// The cached block at `phys` for `mode`, if it is still valid.
    #[inline]
    pub fn get(&self, phys: u32, mode: u32) -> Option<&Rc<Block>> {
        let b = self.slots[Self::slot(phys, mode)].as_ref()?;
        let valid = b.phys == phys
            && b.mode == mode
            && b.epoch == self.epoch
            && b.pages.iter().all(|&(p, g)| self.page_gen[p as usize] == g);
        valid.then_some(b)
    }

    pub fn insert(&mut self, mut block: Block) -> Rc<Block> {
        block.epoch = self.epoch;
        let b = Rc::new(block);
        self.slots[Self::slot(b.phys, b.mode)] = Some(b.clone());
        b
    }

    /// Marks `page` as holding code and returns its generation; true if it was not marked.
    pub fn mark_code(&mut self, page: u32) -> (u32, bool) {
        let g = &mut self.page_gen[page as usize];
        let newly = *g & HAS_CODE == 0;
        *g |= HAS_CODE;
        (*g, newly)
    }

    #[inline(always)]
    pub fn has_code(&self, page: u32) -> bool {
        self.page_gen[page as usize] & HAS_CODE != 0
    }

    /// A store hit `page`: every block decoded from it is stale.
    pub fn invalidate_page(&mut self, page: u32) {
        let g = &mut self.page_gen[page as usize];
        *g = (*g + 2) & !HAS_CODE;
    }

    /// Drops every block: they belong to an older epoch from now on.
    pub fn flush(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // After 2^32 flushes old blocks could look current again: clear them for real.
            self.slots.fill(None);
        }
    }
}
