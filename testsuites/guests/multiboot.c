/* The Multiboot information structure (Multiboot Specification 0.6.96, section 3.3): boot
   magic, lower memory, the command line, and the modules with their command lines. */
#include "kernel.h"

struct module { uint32_t start, end, string, reserved; };

int main(uint32_t magic, const uint32_t *info)
{
    serial_init();
    print("multiboot: magic %08x\n", magic);
    print("multiboot: flags have mem %u cmdline %u mods %u mmap %u\n", info[0] & 1, (info[0] >> 2) & 1,
          (info[0] >> 3) & 1, (info[0] >> 6) & 1);
    print("multiboot: lower memory %u KiB\n", info[1]);
    print("multiboot: command line \"%s\"\n", (const char *)info[4]);
    const struct module *mods = (const struct module *)info[6];
    print("multiboot: %u modules\n", info[5]);
    for (uint32_t i = 0; i < info[5]; i++) {
        const char *data = (const char *)mods[i].start;
        uint32_t len = mods[i].end - mods[i].start;
        print("multiboot: module %u: %u bytes, page aligned %s, starts \"", i, len, mods[i].start & 0xFFF ? "no" : "yes");
        for (uint32_t j = 0; j < len && j < 16 && data[j] != '\n'; j++)
            putc(data[j]);
        print("\", command line \"%s\"\n", (const char *)mods[i].string);
    }
    return 0;
}
