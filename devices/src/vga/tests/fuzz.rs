use super::*;

/// xorshift64: a fixed pseudo-random sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random port and memory traffic, with renders in between, never panics.
#[test]
fn random_guest_accesses_do_not_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut v = Vga::new();
    let sizes = [1, 2, 4];
    let mut frames = 0;
    for step in 0..200_000u64 {
        let r = rng.next();
        let size = sizes[(r >> 8) as usize % 3];
        let value = (r >> 32) as u32;
        let now = step * 7919;
        match r % 8 {
            0 | 1 => {
                let port = 0x3B0 + (r >> 16) as u16 % 0x30;
                v.write(now, port, size, value);
            }
            2 => {
                let port = 0x3B0 + (r >> 16) as u16 % 0x30;
                v.read(now, port, size);
            }
            3 => {
                let port = 0x1CE + (r >> 16) as u16 % 2;
                v.write(now, port, size, value & 0x0FFF);
            }
            4 => {
                let addr = 0x9_F000 + (r >> 16) as u32 % 0x2_2000;
                v.mem_write(addr, size, value);
            }
            5 => {
                let addr = 0x9_F000 + (r >> 16) as u32 % 0x2_2000;
                v.mem_read(addr, size);
            }
            6 => {
                let offset = (r >> 16) as u32;
                v.lfb_write(offset, size, value);
                v.lfb_read(offset.wrapping_sub(1), size);
            }
            _ => {
                if step % 64 == 7 {
                    frames += usize::from(v.render(now).is_some());
                    v.text_screen();
                }
            }
        }
    }
    assert!(frames > 100, "{frames} frames rendered");
}
