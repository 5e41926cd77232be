//! The palette DAC (IBM VGA Technical Reference, "Video DAC"; FreeVGA "DAC Operation"): 256
//! entries of red, green, blue, each 6 bits. 3C8h sets the write index and 3C7h the read
//! index; 3C9h moves one component at a time, and after the third the index steps to the next
//! entry. A written colour takes effect when its blue component arrives. 3C7h reads back the
//! DAC state (0 after a write index, 3 after a read index) and 3C6h holds the pel mask ANDed
//! with every pixel's index. With the Bochs VBE 8-bit DAC switch the components keep 8 bits.

/// The DAC.
pub(super) struct Dac {
    entries: [[u8; 3]; 256],
    pub mask: u8,
    read_index: u8,
    write_index: u8,
    /// Which component the next 3C9h access moves (shared by reads and writes, as QEMU).
    component: usize,
    /// The components of the entry being written.
    pending: [u8; 3],
    /// 3 after a read index was set, 0 after a write index.
    state: u8,
    /// Components keep 8 bits (VBE 8-bit DAC); otherwise they are 6-bit.
    pub eight_bit: bool,
}

impl Dac {
    pub fn new() -> Dac {
        Dac {
            entries: [[0; 3]; 256],
            mask: 0xFF,
            read_index: 0,
            write_index: 0,
            component: 0,
            pending: [0; 3],
            state: 0,
            eight_bit: false,
        }
    }

    pub fn set_read_index(&mut self, index: u8) {
        self.read_index = index;
        self.component = 0;
        self.state = 3;
    }

    pub fn set_write_index(&mut self, index: u8) {
        self.write_index = index;
        self.component = 0;
        self.state = 0;
    }

    pub fn state(&self) -> u8 {
        self.state
    }

    pub fn write_index(&self) -> u8 {
        self.write_index
    }

    pub fn read_data(&mut self) -> u8 {
        let value = self.entries[usize::from(self.read_index)][self.component];
        self.component += 1;
        if self.component == 3 {
            self.component = 0;
            self.read_index = self.read_index.wrapping_add(1);
        }
        value
    }

    pub fn write_data(&mut self, value: u8) {
        self.pending[self.component] = if self.eight_bit { value } else { value & 0x3F };
        self.component += 1;
        if self.component == 3 {
            self.component = 0;
            self.entries[usize::from(self.write_index)] = self.pending;
            self.write_index = self.write_index.wrapping_add(1);
        }
    }

    /// The colour of a pixel with DAC index `index` (before the pel mask), as 0xAARRGGBB with
    /// alpha 0xFF. 6-bit components are widened by repeating their top bits.
    pub fn rgb(&self, index: u8) -> u32 {
        let [r, g, b] = self.entries[usize::from(index & self.mask)].map(|c| {
            if self.eight_bit {
                u32::from(c)
            } else {
                let c = u32::from(c & 0x3F);
                c << 2 | c >> 4
            }
        });
        0xFF00_0000 | r << 16 | g << 8 | b
    }
}
