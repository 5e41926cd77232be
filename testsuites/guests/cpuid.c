/* CPUID and RDTSC (Intel SDM Vol. 2 "CPUID", "RDTSC"), compared with QEMU's pentium2. */
#include "kernel.h"

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf));
}

int main(void)
{
    uint32_t r[4];
    char vendor[13];
    serial_init();
    cpuid(0, r);
    for (int i = 0; i < 4; i++) {
        vendor[i] = (char)(r[1] >> (8 * i));
        vendor[4 + i] = (char)(r[3] >> (8 * i));
        vendor[8 + i] = (char)(r[2] >> (8 * i));
    }
    vendor[12] = 0;
    print("cpuid: vendor %s\n", vendor);
    cpuid(1, r);
    print("cpuid: family %u\n", (r[0] >> 8) & 0xF);
    /* The feature bits amber implements; the x87 (bit 0) arrives with issue #5. */
    static const char *const names[] = {"de", "pse", "tsc", "msr", "pae", "cx8", "apic", "sep", "mtrr", "pge", "cmov", "pat"};
    static const uint8_t bits[] = {2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 15, 16};
    for (unsigned i = 0; i < sizeof bits; i++)
        print("cpuid: %s %u\n", names[i], (r[3] >> bits[i]) & 1);
    uint64_t t0 = rdtsc();
    for (volatile int i = 0; i < 1000; i++)
        ;
    uint64_t t1 = rdtsc();
    print("rdtsc: increases: %s\n", t1 > t0 ? "yes" : "no");
    return 0;
}
