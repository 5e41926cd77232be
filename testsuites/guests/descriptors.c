/* Selector and descriptor instructions (Intel SDM Vol. 2): LAR and LSL on segments and
   system descriptors, VERR/VERW, ARPL, and SGDT/SIDT/STR/SLDT read-back. */
#include "kernel.h"

static uint64_t gdt[8];


static uint32_t flags(void) { uint32_t f; __asm__ volatile("pushf\n pop %0" : "=r"(f)); return f; }

int main(void)
{
    serial_init();
    gdt[1] = segment_descriptor(0, 0xFFFFF, 0x9A, 0xC);     /* code */
    gdt[2] = segment_descriptor(0, 0xFFFFF, 0x92, 0xC);     /* data */
    gdt[3] = segment_descriptor(0x1000, 0x1234, 0x90, 0x4); /* read-only data, byte granular */
    gdt[4] = segment_descriptor(0, 0xFFFFF, 0xF2, 0xC);     /* ring 3 data */
    gdt[5] = segment_descriptor(0x2000, 0x67, 0x89, 0);     /* available 32-bit TSS */
    gdt[6] = segment_descriptor(0, 0xFFFFF, 0x98, 0xC);     /* execute-only code */
    gdt[7] = segment_descriptor(0x3000, 0xFF, 0x82, 0);     /* LDT */
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { sizeof gdt - 1, (uint32_t)gdt }, back;
    __asm__ volatile("lgdt %0\n ljmp $0x08, $1f\n 1: mov $0x10, %%ax\n mov %%ax, %%ds\n mov %%ax, %%es\n mov %%ax, %%ss\n"
                     ::"m"(gdtr) : "eax", "memory");
    __asm__ volatile("sgdt %0" : "=m"(back));
    print("descriptors: sgdt limit %x matches: %s\n", back.limit, back.base == gdtr.base ? "yes" : "no");
    for (uint32_t sel = 0x08; sel <= 0x40; sel += 8) {
        uint32_t ar = 0, lim = 0, zl, zs;
        __asm__ volatile("lar %2, %0\n pushf\n pop %1" : "+r"(ar), "=r"(zl) : "r"(sel));
        __asm__ volatile("lsl %2, %0\n pushf\n pop %1" : "+r"(lim), "=r"(zs) : "r"(sel));
        /* The accessed bit is masked: QEMU does not set it when a far JMP loads CS. */
        print("descriptors: %02x lar %u %08x lsl %u %08x\n", sel, (zl >> 6) & 1, ar & ~0x100u, (zs >> 6) & 1, lim);
    }
    for (uint32_t sel = 0x08; sel <= 0x33; sel += 8) {
        uint32_t r, w;
        __asm__ volatile("verr %w1\n pushf\n pop %0" : "=r"(r) : "r"(sel));
        __asm__ volatile("verw %w1\n pushf\n pop %0" : "=r"(w) : "r"(sel));
        print("descriptors: %02x verr %u verw %u\n", sel, (r >> 6) & 1, (w >> 6) & 1);
    }
    uint16_t a = 0x0010, b = 0x0013;
    __asm__ volatile("arpl %1, %0" : "+r"(a) : "r"(b));
    print("descriptors: arpl raises %04x zf %u\n", a, (flags() >> 6) & 1);
    __asm__ volatile("arpl %1, %0" : "+r"(a) : "r"(b));
    print("descriptors: arpl again %04x zf %u\n", a, (flags() >> 6) & 1);
    __asm__ volatile("lldt %w0" ::"r"(0x38));
    uint16_t ldt, tr;
    __asm__ volatile("sldt %0" : "=r"(ldt));
    print("descriptors: sldt %x\n", ldt);
    __asm__ volatile("ltr %w0" ::"r"(0x28));
    __asm__ volatile("str %0" : "=r"(tr));
    uint32_t ar = 0;
    __asm__ volatile("lar %1, %0" : "+r"(ar) : "r"(0x28u));
    print("descriptors: str %x, tss now busy: %08x\n", tr, ar);
    return 0;
}
