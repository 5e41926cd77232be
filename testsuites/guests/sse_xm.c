/* Unmasked SIMD floating-point exceptions (Intel SDM Vol. 1 11.5.1-11.5.2, Vol. 3 6.15
   "Interrupt 19"): with CR4.OSXMMEXCPT set an unmasked exception raises #XM and leaves the
   destination unchanged; when an unmasked pre-computation exception (here divide by zero in
   one element) occurs, the post-computation ones of the other elements (inexact) are not
   even flagged; without CR4.OSXMMEXCPT the same exception raises #UD. Each handler masks
   every exception so the faulting instruction completes when it is restarted. QEMU 7.2
   raises neither, so the expected output is sse_xm.expected, written from the manual. */
#include "kernel.h"

/* Built with -mno-sse: the asm statements below use XMM registers without clobber lists. */

static volatile uint32_t ud_count, xm_count, seen_mxcsr;
static uint32_t masked = 0x1F80;
struct vec { uint32_t d[4]; } __attribute__((aligned(16)));
static struct vec seen_dst;

/* Records MXCSR and XMM0 (the destination) as the fault left them. */
void fault_handler(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0\n movaps %%xmm0, %1" : "=m"(m), "=m"(seen_dst));
    seen_mxcsr = m;
    __asm__ volatile("ldmxcsr %0" ::"m"(masked));
}
void xm_handler(void) { xm_count++; fault_handler(); }
void ud_handler(void) { ud_count++; fault_handler(); }
void xm_stub(void);
void ud_stub(void);
__asm__(".globl xm_stub\nxm_stub:\n pusha\n call xm_handler\n popa\n iret\n");
__asm__(".globl ud_stub\nud_stub:\n pusha\n call ud_handler\n popa\n iret\n");

static uint32_t mxcsr(void) { uint32_t m; __asm__ volatile("stmxcsr %0" : "=m"(m)); return m; }
static void set_mxcsr(uint32_t m) { __asm__ volatile("ldmxcsr %0" ::"m"(m)); }

static void show(const char *what, const struct vec *v)
{
    print("sse_xm: %s %08x %08x %08x %08x\n", what, v->d[3], v->d[2], v->d[1], v->d[0]);
}

int main(void)
{
    serial_init();
    idt_init();
    set_gate(6, ud_stub);
    set_gate(19, xm_stub);
    uint32_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | 0x22) & ~0x4u;           /* MP, NE; no EM */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | 0x600));   /* OSFXSR, OSXMMEXCPT */

    static const struct vec dst = {{0x3F800000, 0x3F800000, 0x3F800000, 0x3F800000}};
    static const struct vec roots = {{0xBF800000, 0x3F800000, 0x40800000, 0x41100000}};
    static const struct vec divisors = {{0x00000000, 0x40400000, 0x3F800000, 0x3F800000}};
    struct vec r;

    set_mxcsr(0x1F00);                    /* invalid unmasked */
    __asm__ volatile("movaps %1, %%xmm0\n movaps %2, %%xmm1\n sqrtps %%xmm1, %%xmm0\n movaps %%xmm0, %0"
                     : "=m"(r) : "m"(dst), "m"(roots));
    print("sse_xm: sqrt(-1) with invalid unmasked: #XM %u time(s), mxcsr %04x\n", xm_count, seen_mxcsr);
    show("destination at the fault", &seen_dst);
    show("after the restart", &r);
    print("sse_xm: mxcsr after the restart %04x\n", mxcsr());

    set_mxcsr(0x0D80);                    /* divide by zero and precision unmasked */
    __asm__ volatile("movaps %1, %%xmm0\n movaps %2, %%xmm1\n divps %%xmm1, %%xmm0\n movaps %%xmm0, %0"
                     : "=m"(r) : "m"(dst), "m"(divisors));
    print("sse_xm: 1/0 and 1/3 with zero divide and precision unmasked: #XM %u time(s), mxcsr %04x\n",
          xm_count, seen_mxcsr);
    show("after the restart", &r);

    __asm__ volatile("mov %0, %%cr4" ::"r"((cr4 | 0x200) & ~0x400u));   /* no OSXMMEXCPT */
    set_mxcsr(0x1F00);
    __asm__ volatile("movaps %1, %%xmm0\n movaps %2, %%xmm1\n sqrtss %%xmm1, %%xmm0\n movaps %%xmm0, %0"
                     : "=m"(r) : "m"(dst), "m"(roots));
    print("sse_xm: without CR4.OSXMMEXCPT: #UD %u time(s), #XM %u time(s), mxcsr %04x\n", ud_count, xm_count,
          seen_mxcsr);
    show("after the restart", &r);
    return 0;
}
