/* QEMU's fw_cfg I/O interface (QEMU docs/specs/fw_cfg.rst): signature, interface ID, RAM
   size, CPU count, and the etc/e820 file found through the file directory. */
#include "kernel.h"

static void select(uint16_t key) { outw(0x510, key); }
static uint8_t byte(void) { return inb(0x511); }
static uint32_t le32(void) { uint32_t v = 0; for (int i = 0; i < 4; i++) v |= (uint32_t)byte() << (8 * i); return v; }
static uint32_t be32(void) { uint32_t v = 0; for (int i = 0; i < 4; i++) v = v << 8 | byte(); return v; }
static uint16_t be16(void) { uint16_t v = byte(); return (uint16_t)(v << 8 | byte()); }

int main(void)
{
    serial_init();
    char sig[5] = {0};
    select(0x0000);
    for (int i = 0; i < 4; i++)
        sig[i] = (char)byte();
    print("fw_cfg: signature %s\n", sig);
    select(0x0001);
    print("fw_cfg: traditional interface %u\n", le32() & 1);
    select(0x0003);
    uint32_t lo = le32(), hi = le32();
    print("fw_cfg: ram size %u MiB (high %u)\n", lo >> 20, hi);
    select(0x0005);
    print("fw_cfg: cpus %u\n", byte() | byte() << 8);
    select(0x0019);
    uint32_t count = be32();
    uint16_t e820 = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t size = be32();
        uint16_t key = be16();
        be16();
        char name[56];
        for (int j = 0; j < 56; j++)
            name[j] = (char)byte();
        const char *want = "etc/e820";
        int same = 1;
        for (int j = 0; j < 9; j++)
            same &= name[j] == want[j];
        if (same) {
            e820 = key;
            print("fw_cfg: etc/e820 has %u entries\n", size / 20);
        }
    }
    if (e820) {
        select(e820);
        uint32_t base = le32(); le32();
        uint32_t len = le32(); le32();
        print("fw_cfg: first e820 entry base %x length %u MiB type %u\n", base, len >> 20, le32());
    }
    return 0;
}
