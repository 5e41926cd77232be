/* SSE and SSE2 as an operating system sees them (Intel SDM Vol. 3 13.1-13.4, Vol. 1 11.5):
   #UD until CR4.OSFXSR is set, #NM with CR0.TS and the CLTS retry, packed arithmetic with
   the flags it leaves in MXCSR, DAZ and FTZ, conversions, and the FXSAVE image's x87, MXCSR
   and XMM fields and FXRSTOR of a crafted one. MXCSR's denormal flag is left out of what is
   printed: QEMU 7.2 never sets it (cpu/tests/sse_host.rs checks it against the host), and
   unmasked exceptions, which QEMU 7.2 does not raise, are sse_xm.c's. */
#include "kernel.h"

/* Built with -mno-sse, so the compiler never holds values in XMM registers: the asm
   statements below use them freely without clobber lists. */

static volatile uint32_t ud_count, nm_count;

/* #UD: skip the 3-byte ADDPS xmm0, xmm1 (0F 58 C1) the test places there. */
void ud_handler(uint32_t *eip)
{
    ud_count++;
    *eip += 3;
}
void ud_stub(void);
__asm__(".globl ud_stub\nud_stub:\n pusha\n lea 32(%esp), %eax\n push %eax\n call ud_handler\n"
        " add $4, %esp\n popa\n iret\n");

void nm_handler(void)
{
    nm_count++;
    __asm__ volatile("clts");
}
void nm_stub(void);
__asm__(".globl nm_stub\nnm_stub:\n pusha\n call nm_handler\n popa\n iret\n");

static uint32_t mxcsr(void) { uint32_t m; __asm__ volatile("stmxcsr %0" : "=m"(m)); return m; }
static void set_mxcsr(uint32_t m) { __asm__ volatile("ldmxcsr %0" ::"m"(m)); }

struct vec { uint32_t d[4]; } __attribute__((aligned(16)));

static void show(const char *what, const struct vec *v)
{
    print("sse: %s %08x %08x %08x %08x, mxcsr %04x\n", what, v->d[3], v->d[2], v->d[1], v->d[0],
          mxcsr() & ~2u);
}

/* xmm0 = a, then `insn` with xmm1 = b, result stored from xmm0. */
#define OP2(insn, a, b, r) \
    __asm__ volatile("movaps %1, %%xmm0\n movaps %2, %%xmm1\n " insn " %%xmm1, %%xmm0\n movaps %%xmm0, %0" \
                     : "=m"(r) : "m"(a), "m"(b))

int main(void)
{
    serial_init();
    idt_init();
    set_gate(6, ud_stub);
    set_gate(7, nm_stub);
    uint32_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | 0x22) & ~0x4u;           /* MP, NE; no EM */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("fninit");

    __asm__ volatile(".byte 0x0f, 0x58, 0xc1");   /* addps %xmm1, %xmm0 without OSFXSR */
    print("sse: without CR4.OSFXSR ADDPS raised #UD %u time(s)\n", ud_count);
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= 0x600;                         /* OSFXSR, OSXMMEXCPT */
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));

    static const struct vec a = {{0x3F800000, 0x40490FDB, 0x00000003, 0x7F7FFFFF}};
    static const struct vec b = {{0x3EAAAAAB, 0xC0000000, 0x00800000, 0x7F7FFFFF}};
    struct vec r;
    __asm__ volatile("mov %%cr0, %%eax\n or $8, %%eax\n mov %%eax, %%cr0" ::: "eax");   /* TS */
    OP2("addps", a, b, r);
    print("sse: #NM taken %u time(s), then ADDPS ran\n", nm_count);
    show("addps", &r);
    set_mxcsr(0x1F80);
    OP2("mulps", a, b, r);
    show("mulps", &r);
    set_mxcsr(0x1F80 | 0x8000 | 0x40);   /* FTZ, DAZ */
    OP2("mulps", a, b, r);
    show("mulps ftz daz", &r);
    set_mxcsr(0x1F80 | 0x6000);           /* round toward zero */
    OP2("divps", a, b, r);
    show("divps chop", &r);
    set_mxcsr(0x1F80);
    OP2("sqrtps", b, b, r);
    show("sqrtps", &r);
    OP2("cmpltps", a, b, r);
    show("cmpltps", &r);
    OP2("maxps", a, b, r);
    show("maxps", &r);
    OP2("cvtps2dq", b, b, r);
    show("cvtps2dq", &r);
    OP2("cvtps2pd", a, a, r);
    show("cvtps2pd", &r);
    OP2("mulpd", r, r, r);
    show("mulpd", &r);
    OP2("cvtpd2ps", r, r, r);
    show("cvtpd2ps", &r);
    OP2("paddq", a, b, r);
    show("paddq", &r);
    OP2("pmuludq", a, b, r);
    show("pmuludq", &r);
    OP2("punpckhbw", a, b, r);
    show("punpckhbw", &r);

    static struct { uint8_t b[512]; } __attribute__((aligned(16))) img, crafted;
    __asm__ volatile("fninit\n fld1\n fldpi\n fldz");
    set_mxcsr(0x3F80 | 0x21);
    __asm__ volatile("movaps %0, %%xmm0\n movaps %1, %%xmm7\n fxsave %2" :: "m"(a), "m"(b), "m"(img));
    uint16_t *w = (uint16_t *)img.b;
    uint32_t *d = (uint32_t *)img.b;
    print("sse: fxsave fcw %04x fsw %04x ftw %02x mxcsr %04x mask %04x\n", w[0], w[1], img.b[4], d[6] & ~2u, d[7]);
    print("sse: fxsave st0 %08x%08x exp %04x, xmm0 %08x, xmm7 %08x\n", d[9], d[8], w[20], d[40], d[68]);
    for (int i = 0; i < 512; i++)
        crafted.b[i] = img.b[i];
    crafted.b[4] = 0x81;                  /* physical registers 0 and 7 in use */
    d = (uint32_t *)crafted.b;
    d[6] = 0x1F80;
    d[40] = 0x12345678;
    __asm__ volatile("fxrstor %0" ::"m"(crafted));
    struct { uint32_t cw, sw, tw, rest[4]; } env;
    __asm__ volatile("fnstenv %0" : "=m"(env));
    print("sse: after fxrstor tag word %04x status %04x mxcsr %04x\n", env.tw & 0xFFFF, env.sw & 0xFFFF, mxcsr());
    __asm__ volatile("movaps %%xmm0, %0" : "=m"(r));
    show("xmm0 after fxrstor", &r);
    return 0;
}
