/* x87 exceptions and state images (Intel SDM Vol. 1 8.7, Vol. 3 2.5): #NM when CR0.TS is
   set and the CLTS retry, a masked divide by zero (ZE set, infinity), an unmasked one that
   faults as #MF at the next waiting instruction with CR0.NE, and the FSAVE image's control
   and status words. */
#include "kernel.h"

static volatile uint32_t nm_count, mf_count;
static volatile uint16_t mf_status;

void nm_handler(void)
{
    nm_count++;
    __asm__ volatile("clts");
}
void nm_stub(void);
__asm__(".globl nm_stub\nnm_stub:\n pusha\n call nm_handler\n popa\n iret\n");

void mf_handler(void)
{
    uint16_t s;
    __asm__ volatile("fnstsw %0\n fnclex" : "=m"(s));
    mf_status = s;
    mf_count++;
}
void mf_stub(void);
__asm__(".globl mf_stub\nmf_stub:\n pusha\n call mf_handler\n popa\n iret\n");

static uint16_t status(void) { uint16_t s; __asm__ volatile("fnstsw %0" : "=m"(s)); return s; }

int main(void)
{
    serial_init();
    idt_init();
    set_gate(7, nm_stub);
    set_gate(16, mf_stub);
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | 0x22) & ~0x4u;           /* MP, NE; no EM */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("fninit");

    __asm__ volatile("mov %%cr0, %%eax\n or $8, %%eax\n mov %%eax, %%cr0" ::: "eax");   /* TS */
    __asm__ volatile("fld1");
    print("fpu: #NM taken %u time(s), then the instruction ran: %s\n", nm_count, (status() >> 11) == 7 ? "yes" : "no");

    static const double zero = 0.0;
    __asm__ volatile("fld1\n fdivl %0" ::"m"(zero));
    print("fpu: masked divide by zero, status %04x\n", status() & 0x3FFF);
    __asm__ volatile("fnclex");

    uint16_t cw = 0x037B;                 /* unmask ZE */
    __asm__ volatile("fldcw %0" ::"m"(cw));
    __asm__ volatile("fld1\n fdivl %0" ::"m"(zero));
    print("fpu: unmasked divide by zero pending, status %04x, #MF so far %u\n", status() & 0xFFBF, mf_count);
    __asm__ volatile("fwait");
    print("fpu: fwait raised #MF %u time(s), status in the handler %04x\n", mf_count, mf_status & 0xFFBF);

    struct { uint32_t cw, sw, tw, fip, fcs, fdp, fds; uint8_t regs[80]; } __attribute__((packed)) image;
    __asm__ volatile("fnsave %0" : "=m"(image));
    /* The tag word is left out: after an unmasked divide by zero QEMU writes the infinity
       to the destination, which Intel processors leave unchanged (SDM Vol. 1 8.5.3). */
    print("fpu: fsave cw %04x sw %04x\n", image.cw & 0xFFFF, image.sw & 0xFFFF);
    print("fpu: after fsave the unit is reset: cw %04x\n", ({ uint16_t c; __asm__ volatile("fnstcw %0" : "=m"(c)); c; }));
    return 0;
}
