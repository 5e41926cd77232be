/* MMX (Intel SDM Vol. 1 ch. 9): packed arithmetic with wrap-around and saturation, packs,
   unpacks and shifts; the aliasing with the x87 (an MMX write sets the register's exponent
   bits to all ones, TOP to 0 and every tag valid; EMMS empties the tag word), seen through
   FSAVE and FNSTENV. Compared with QEMU, which does not set the exponent bits (see below). */
#include "kernel.h"

static uint64_t mmx_op(uint64_t a, uint64_t b, int which)
{
    uint64_t r;
    switch (which) {
#define OP(n, insn) case n: __asm__ volatile("movq %1, %%mm0\n movq %2, %%mm1\n " insn " %%mm1, %%mm0\n movq %%mm0, %0" : "=m"(r) : "m"(a), "m"(b)); break;
    OP(0, "paddb") OP(1, "paddusb") OP(2, "paddsw") OP(3, "psubusw") OP(4, "pmulhw")
    OP(5, "pmaddwd") OP(6, "packsswb") OP(7, "packuswb") OP(8, "punpcklbw") OP(9, "punpckhdq")
    OP(10, "pcmpgtb") OP(11, "pandn") OP(12, "psraw") OP(13, "psrlq") OP(14, "psllw")
#undef OP
    }
    return r;
}

static const char *const names[] = {
    "paddb", "paddusb", "paddsw", "psubusw", "pmulhw", "pmaddwd", "packsswb", "packuswb",
    "punpcklbw", "punpckhdq", "pcmpgtb", "pandn", "psraw", "psrlq", "psllw",
};

int main(void)
{
    serial_init();
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | 0x2) & ~0xCu;            /* MP; no EM or TS */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("fninit");

    static const uint64_t a = 0x80FF7F0012345678ull, b = 0x7F01807FEDCBA987ull;
    for (int i = 0; i < 15; i++) {
        uint64_t r = mmx_op(a, i >= 12 ? 3 : b, i);
        print("mmx: %s %08x%08x\n", names[i], (uint32_t)(r >> 32), (uint32_t)r);
    }

    __asm__ volatile("fld1\n fldz");      /* x87 state the MMX write replaces */
    __asm__ volatile("movq %0, %%mm0" ::"m"(a));
    struct { uint32_t cw, sw, tw, fip, fcs, fdp, fds; uint8_t regs[80]; } __attribute__((packed)) image;
    __asm__ volatile("fnsave %0" : "=m"(image));
    /* The tag word and ST(0)'s exponent bits are left out: QEMU leaves the exponent bits
       alone, which Intel processors set to all ones (SDM Vol. 1 9.5.1, KNOWN_FAILURES.md). */
    print("mmx: after MOVQ TOP is %u, MM0 reads back %08x%08x\n", (image.sw >> 11) & 7,
          *(uint32_t *)&image.regs[4], *(uint32_t *)&image.regs[0]);
    __asm__ volatile("frstor %0\n emms" ::"m"(image));
    struct { uint32_t cw, sw, tw, rest[4]; } env;
    __asm__ volatile("fnstenv %0" : "=m"(env));
    print("mmx: after EMMS the tag word is %04x\n", env.tw & 0xFFFF);
    return 0;
}
