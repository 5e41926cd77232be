/* An ATAPI CD-ROM on the secondary IDE channel (ATA/ATAPI-6 9.10 PACKET protocol, MMC-3 and
   SPC-3 commands): the reset signature, IDENTIFY DEVICE's abort, IDENTIFY PACKET DEVICE,
   TEST UNIT READY, INQUIRY, READ CAPACITY, READ(10) and READ(12) in byte-count-limited DRQ
   blocks with the interrupt reason of each phase, REQUEST SENSE after errors, READ TOC and
   GET CONFIGURATION. The harness attaches a CD image of 64 blocks of 2048 bytes whose block
   n starts with n (32-bit) and continues with (n * 7 + i) & 0xFF, as QEMU's -cdrom and
   amber's --cdrom do: the secondary master. */
#include "kernel.h"

#define BASE 0x170
#define CTRL 0x376

static uint8_t data[8192];

static uint8_t wait_ready(void)
{
    uint8_t s = 0xFF;
    for (int i = 0; i < 1000000; i++)
        if (!((s = inb(BASE + 7)) & 0x80))
            return s;
    return s;
}

/* Sends a 12-byte packet with a byte count limit; reads the data-in phase into `data`,
   printing each DRQ block's byte count and interrupt reason; returns the bytes read. */
static int packet(const char *what, const uint8_t *cdb, uint16_t limit)
{
    outb(BASE + 6, 0xA0);
    outb(BASE + 1, 0);
    outb(BASE + 4, limit & 0xFF);
    outb(BASE + 5, limit >> 8);
    outb(BASE + 7, 0xA0);
    uint8_t st = wait_ready();
    print("atapi: %s: packet phase status %02x reason %02x;", what, st & 0xF9, inb(BASE + 2) & 3);
    for (int i = 0; i < 6; i++)
        outw(BASE, (uint16_t)(cdb[2 * i] | cdb[2 * i + 1] << 8));
    int got = 0;
    for (int blocks = 0; blocks < 64; blocks++) {
        st = wait_ready();
        if (!(st & 0x08))
            break;
        int n = inb(BASE + 4) | inb(BASE + 5) << 8;
        print(" drq %d reason %02x", n, inb(BASE + 2) & 3);
        for (int i = 0; i < n; i += 2) {
            uint16_t w = inw(BASE);
            if (got + 1 < (int)sizeof data) {
                data[got] = (uint8_t)w;
                data[got + 1] = (uint8_t)(w >> 8);
            }
            got += 2;
        }
    }
    print(" end status %02x error %02x reason %02x\n", st & 0xF9, inb(BASE + 1), inb(BASE + 2) & 3);
    return got;
}

static void sense(void)
{
    uint8_t cdb[12] = {0x03, 0, 0, 0, 18};
    packet("request sense", cdb, 0x800);
    print("atapi: sense response %02x key %x asc %02x ascq %02x\n", data[0] & 0x7F, data[2] & 0xF, data[12],
          data[13]);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

static uint32_t sum(const uint8_t *b, int n)
{
    uint32_t s = 0;
    for (int i = 0; i < n; i++)
        s = (s << 1 | s >> 31) ^ b[i];
    return s;
}

/* Each 2048-byte block read: its first dword and a checksum. */
static void blocks(int n)
{
    print("atapi:  ");
    for (int b = 0; b < n; b++)
        print(" [%08x %08x]", data[b * 2048] | data[b * 2048 + 1] << 8 | data[b * 2048 + 2] << 16 |
                                  (uint32_t)data[b * 2048 + 3] << 24,
              sum(&data[b * 2048], 2048));
    print("\n");
}

int main(void)
{
    serial_init();
    outb(CTRL, 0x06); /* SRST, nIEN */
    for (volatile int i = 0; i < 1000; i++)
        ;
    outb(CTRL, 0x02);
    uint8_t st = wait_ready();
    outb(BASE + 6, 0xA0);
    print("atapi: after reset status %02x signature %02x %02x %02x %02x\n", st & 0xF9, inb(BASE + 2),
          inb(BASE + 3), inb(BASE + 4), inb(BASE + 5));

    outb(BASE + 7, 0xEC);
    st = wait_ready();
    print("atapi: identify device status %02x error %02x signature %02x %02x\n", st & 0xF9,
          inb(BASE + 1), inb(BASE + 4), inb(BASE + 5));

    outb(BASE + 7, 0xA1);
    st = wait_ready();
    uint16_t id[256];
    for (int i = 0; i < 256 && (st & 0x08); i++)
        id[i] = inw(BASE);
    print("atapi: identify packet status %02x word0 %04x after %02x\n", st & 0xF9, id[0],
          wait_ready() & 0xF9);

    uint8_t tur[12] = {0x00};
    packet("test unit ready", tur, 0);
    sense();

    uint8_t inquiry[12] = {0x12, 0, 0, 0, 36};
    packet("inquiry", inquiry, 0x800);
    /* Byte 3's response data format differs by generation: SPC-3 says 2 (amber), QEMU
       keeps the SFF-8020 ATAPI value 21h; not compared. */
    print("atapi: inquiry type %02x rmb %02x\n", data[0], data[1] & 0x80);

    uint8_t capacity[12] = {0x25};
    packet("read capacity", capacity, 0x800);
    print("atapi: last block %u block length %u\n", be32(data), be32(data + 4));

    uint8_t read10[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 3};
    packet("read(10) 5+3 limit 800", read10, 0x800);
    blocks(3);
    packet("read(10) 5+3 limit 1800", read10, 0x1800);
    blocks(3);
    uint8_t read12[12] = {0xA8, 0, 0, 0, 0, 62, 0, 0, 0, 2};
    packet("read(12) 62+2", read12, 0xF000);
    blocks(2);

    uint8_t beyond[12] = {0x28, 0, 0, 0, 0, 63, 0, 0, 2};
    packet("read(10) past the end", beyond, 0x800);
    sense();
    uint8_t bogus[12] = {0xFF};
    packet("opcode ff", bogus, 0x800);
    sense();

    uint8_t toc[12] = {0x43, 0, 0, 0, 0, 0, 0, 0, 20};
    int n = packet("read toc", toc, 0x800);
    print("atapi: toc length %u first %u last %u;", data[0] << 8 | data[1], data[2], data[3]);
    /* The lead-out's CONTROL nibble is not compared: QEMU sets the copy-permitted bit there
       only (6), amber repeats the data track's (4). */
    for (int i = 4; i + 8 <= n && i < 20; i += 8)
        print(" track %02x control %02x start %u", data[i + 2], data[i + 2] == 0xAA ? 0 : data[i + 1] & 0xF,
              be32(data + i + 4));
    print("\n");

    uint8_t config[12] = {0x46, 2, 0, 0, 0, 0, 0, 0, 8};
    packet("get configuration", config, 0x800);
    print("atapi: current profile %04x\n", data[6] << 8 | data[7]);
    return 0;
}
