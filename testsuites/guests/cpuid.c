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
    print("cpuid: fpu %u tsc %u cx8 %u cmov %u\n", r[3] & 1, (r[3] >> 4) & 1, (r[3] >> 8) & 1, (r[3] >> 15) & 1);
    uint64_t t0 = rdtsc();
    for (volatile int i = 0; i < 1000; i++)
        ;
    uint64_t t1 = rdtsc();
    print("rdtsc: increases: %s\n", t1 > t0 ? "yes" : "no");
    return 0;
}
