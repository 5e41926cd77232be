use super::*;

/// 16 MiB of ISA memory, byte-addressed.
struct Ram(Vec<u8>);

impl Ram {
    fn new() -> Ram {
        Ram(vec![0; 1 << 24])
    }
}

impl DmaMemory for Ram {
    fn read(&self, addr: u32, buf: &mut [u8]) {
        let a = addr as usize;
        buf.copy_from_slice(&self.0[a..a + buf.len()]);
    }

    fn write(&mut self, addr: u32, data: &[u8]) {
        let a = addr as usize;
        self.0[a..a + data.len()].copy_from_slice(data);
    }
}

fn outb(dma: &mut Dma8237, port: u16, value: u8) {
    dma.write(0, port, 1, u32::from(value));
}

fn inb(dma: &mut Dma8237, port: u16) -> u8 {
    dma.read(0, port, 1) as u8
}

/// Programs an 8-bit channel the way a BIOS does (8237A "Programming"): mask, clear the
/// flip-flop, mode, address low/high, count low/high, page, unmask. Also opens the cascade.
fn program8(dma: &mut Dma8237, ch: u8, mode: u8, addr: u32, count: u16) {
    outb(dma, 0xD4, 0x00); // channel 4 unmasked (cascade)
    outb(dma, 0x0A, 0x04 | ch);
    outb(dma, 0x0C, 0);
    outb(dma, 0x0B, mode | ch);
    outb(dma, u16::from(ch) * 2, addr as u8);
    outb(dma, u16::from(ch) * 2, (addr >> 8) as u8);
    outb(dma, u16::from(ch) * 2 + 1, count as u8);
    outb(dma, u16::from(ch) * 2 + 1, (count >> 8) as u8);
    outb(dma, PAGE_PORTS[usize::from(ch)], (addr >> 16) as u8);
    outb(dma, 0x0A, ch);
}

/// Mode register values (8237A "Mode Register"): bits 2-3 transfer type, 4 autoinit,
/// 5 decrement, 6-7 mode select (01 = single).
const SINGLE_WRITE: u8 = 0x44;
const SINGLE_READ: u8 = 0x48;

#[test]
fn address_and_count_read_back_through_the_flip_flop() {
    let mut dma = Dma8237::new();
    outb(&mut dma, 0x0C, 0);
    outb(&mut dma, 0x04, 0x34);
    outb(&mut dma, 0x04, 0x12);
    outb(&mut dma, 0x05, 0xFF);
    outb(&mut dma, 0x05, 0x01);
    outb(&mut dma, 0x0C, 0);
    assert_eq!([inb(&mut dma, 0x04), inb(&mut dma, 0x04)], [0x34, 0x12]);
    assert_eq!([inb(&mut dma, 0x05), inb(&mut dma, 0x05)], [0xFF, 0x01]);
    // The flip-flop is shared: a lone low-byte read leaves the next access on the high byte.
    assert_eq!(inb(&mut dma, 0x04), 0x34);
    assert_eq!(inb(&mut dma, 0x05), 0x01);
    // Second controller: registers at even ports, aliased at the odd port above.
    outb(&mut dma, 0xD8, 0);
    outb(&mut dma, 0xC8, 0xCD);
    outb(&mut dma, 0xC9, 0xAB);
    assert_eq!([inb(&mut dma, 0xC8), inb(&mut dma, 0xC8)], [0xCD, 0xAB]);
    // Page registers read back.
    outb(&mut dma, 0x81, 0x5A);
    outb(&mut dma, 0x8F, 0xA5);
    assert_eq!([inb(&mut dma, 0x81), inb(&mut dma, 0x8F)], [0x5A, 0xA5]);
}

#[test]
fn a_write_transfer_moves_count_plus_one_bytes_and_reaches_tc() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 2, SINGLE_WRITE, 0x12_3400, 3);
    let t = dma.transfer_to_memory(2, &mut ram, &[1, 2, 3, 4, 5, 6]);
    assert_eq!(
        t,
        Transfer {
            bytes: 4,
            terminal_count: true
        }
    );
    assert_eq!(&ram.0[0x12_3400..0x12_3406], &[1, 2, 3, 4, 0, 0]);
    // Status: TC bit 2, cleared by the read.
    assert_eq!(inb(&mut dma, 0x08), 0x04);
    assert_eq!(inb(&mut dma, 0x08), 0x00);
    // Without autoinit the channel masks itself at TC; current count reads 0xFFFF.
    outb(&mut dma, 0x0C, 0);
    assert_eq!([inb(&mut dma, 0x05), inb(&mut dma, 0x05)], [0xFF, 0xFF]);
    assert_eq!([inb(&mut dma, 0x04), inb(&mut dma, 0x04)], [0x04, 0x34]);
    assert_eq!(
        dma.transfer_to_memory(2, &mut ram, &[9]),
        Transfer::default()
    );
}

#[test]
fn a_partial_transfer_leaves_the_rest_of_the_count() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 1, SINGLE_WRITE, 0x1000, 9);
    let t = dma.transfer_to_memory(1, &mut ram, &[7; 4]);
    assert_eq!(
        t,
        Transfer {
            bytes: 4,
            terminal_count: false
        }
    );
    outb(&mut dma, 0x0C, 0);
    assert_eq!([inb(&mut dma, 0x03), inb(&mut dma, 0x03)], [5, 0]);
    assert_eq!(inb(&mut dma, 0x08) & 0x0F, 0);
}

#[test]
fn the_address_wraps_inside_the_64k_page() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 2, SINGLE_WRITE, 0x03_FFFE, 3);
    dma.transfer_to_memory(2, &mut ram, &[0xA, 0xB, 0xC, 0xD]);
    // The page register does not carry: bytes 3 and 4 land at 0x30000 and 0x30001.
    assert_eq!(&ram.0[0x03_FFFE..0x04_0000], &[0xA, 0xB]);
    assert_eq!(&ram.0[0x03_0000..0x03_0002], &[0xC, 0xD]);
    assert_eq!(ram.0[0x04_0000], 0);
}

#[test]
fn a_read_transfer_feeds_memory_to_the_device_and_decrements() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    ram.0[0x2000..0x2004].copy_from_slice(&[1, 2, 3, 4]);
    program8(&mut dma, 3, SINGLE_READ | MODE_DECREMENT, 0x2003, 3);
    let mut buf = [0; 4];
    let t = dma.transfer_from_memory(3, &ram, &mut buf);
    assert_eq!(
        t,
        Transfer {
            bytes: 4,
            terminal_count: true
        }
    );
    assert_eq!(buf, [4, 3, 2, 1]);
}

#[test]
fn autoinit_reloads_the_base_registers_and_stays_unmasked() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 2, SINGLE_WRITE | MODE_AUTO_INIT, 0x5000, 1);
    assert!(
        dma.transfer_to_memory(2, &mut ram, &[1, 2, 3])
            .terminal_count
    );
    let t = dma.transfer_to_memory(2, &mut ram, &[5, 6]);
    assert_eq!(
        t,
        Transfer {
            bytes: 2,
            terminal_count: true
        }
    );
    assert_eq!(&ram.0[0x5000..0x5002], &[5, 6]);
}

#[test]
fn verify_and_masked_channels_leave_memory_alone() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 2, 0x40, 0x6000, 1);
    assert_eq!(
        dma.transfer_to_memory(2, &mut ram, &[1, 2]),
        Transfer {
            bytes: 2,
            terminal_count: true
        }
    );
    assert_eq!(&ram.0[0x6000..0x6002], &[0, 0]);
    // Single mask set, mask-all, and the closed cascade each stop channel 2.
    program8(&mut dma, 2, SINGLE_WRITE, 0x6000, 1);
    outb(&mut dma, 0x0A, 0x06);
    assert!(!dma.channel_ready(2));
    outb(&mut dma, 0x0E, 0);
    assert!(dma.channel_ready(2));
    outb(&mut dma, 0x0F, 0x04);
    assert!(!dma.channel_ready(2));
    outb(&mut dma, 0x0F, 0x00);
    outb(&mut dma, 0xD4, 0x04);
    assert!(!dma.channel_ready(2));
    outb(&mut dma, 0xD4, 0x00);
    // Master clear masks everything.
    outb(&mut dma, 0x0D, 0);
    assert!(!dma.channel_ready(2));
}

#[test]
fn software_requests_show_in_the_status_until_tc() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 1, SINGLE_WRITE, 0x100, 0);
    outb(&mut dma, 0x09, 0x05);
    assert_eq!(inb(&mut dma, 0x08), 0x20);
    dma.transfer_to_memory(1, &mut ram, &[1]);
    assert_eq!(inb(&mut dma, 0x08), 0x02);
}

#[test]
fn sixteen_bit_channels_count_words_and_wrap_at_128k() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    outb(&mut dma, 0xD8, 0);
    outb(&mut dma, 0xD6, SINGLE_WRITE | 1);
    // Word address 0xFFFF in page 0x23: the page's bit 0 is ignored, bytes at 0x23FFFE.
    outb(&mut dma, 0xC4, 0xFF);
    outb(&mut dma, 0xC4, 0xFF);
    outb(&mut dma, 0xC6, 1);
    outb(&mut dma, 0xC6, 0);
    outb(&mut dma, 0x8B, 0x23);
    outb(&mut dma, 0xD4, 0x01);
    let t = dma.transfer_to_memory(5, &mut ram, &[1, 2, 3, 4, 5]);
    assert_eq!(
        t,
        Transfer {
            bytes: 4,
            terminal_count: true
        }
    );
    assert_eq!(&ram.0[0x23_FFFE..0x24_0000], &[1, 2]);
    assert_eq!(&ram.0[0x22_0000..0x22_0002], &[3, 4]);
    assert_eq!(inb(&mut dma, 0xD0), 0x02);
}

#[test]
fn the_cascade_channel_never_transfers() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    outb(&mut dma, 0xD6, 0xC0);
    outb(&mut dma, 0xD4, 0x00);
    assert_eq!(
        dma.transfer_to_memory(4, &mut ram, &[1, 2]),
        Transfer::default()
    );
    assert_eq!(
        dma.transfer_to_memory(9, &mut ram, &[1, 2]),
        Transfer::default()
    );
}

#[test]
fn full_count_at_the_top_of_a_page_stays_in_range() {
    let mut dma = Dma8237::new();
    let mut ram = Ram::new();
    program8(&mut dma, 0, SINGLE_WRITE, 0xFF_0000, 0xFFFF);
    let data = vec![0x77; 0x1_0000];
    let t = dma.transfer_to_memory(0, &mut ram, &data);
    assert_eq!(
        t,
        Transfer {
            bytes: 0x1_0000,
            terminal_count: true
        }
    );
    assert!(ram.0[0xFF_0000..].iter().all(|&b| b == 0x77));
}
