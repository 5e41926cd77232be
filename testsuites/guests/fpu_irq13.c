/* The PC/AT's x87 error path (Intel SDM Vol. 1 8.7, Vol. 3 D.1): with CR0.NE clear, an
   unmasked exception pending at FWAIT asserts FERR#, which reaches the 8259A as IRQ 13
   instead of raising #MF; the handler clears the latch with a write to port 0xF0. */
#include "kernel.h"

static volatile uint32_t irq13_count, mf_count;
static volatile uint16_t irq13_status;

static void fpu_error(int irq)
{
    (void)irq;
    uint16_t s;
    __asm__ volatile("fnstsw %0" : "=m"(s));
    irq13_status = s;
    outb(0xF0, 0);
    __asm__ volatile("fnclex");
    irq13_count++;
}

void mf_handler(void) { mf_count++; }
void mf_stub(void);
__asm__(".globl mf_stub\nmf_stub:\n pusha\n call mf_handler\n popa\n iret\n");

static uint16_t status(void) { uint16_t s; __asm__ volatile("fnstsw %0" : "=m"(s)); return s; }

int main(void)
{
    serial_init();
    idt_init();
    pic_init();
    set_gate(16, mf_stub);
    set_irq_handler(13, fpu_error);
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 | 0x2) & ~0x2Cu;           /* MP; no EM, TS or NE */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    __asm__ volatile("fninit");
    pic_unmask(13);
    sti();

    static const double zero = 0.0;
    uint16_t cw = 0x037B;                 /* unmask ZE */
    __asm__ volatile("fldcw %0" ::"m"(cw));
    __asm__ volatile("fld1\n fdivl %0" ::"m"(zero));
    print("irq13: unmasked divide by zero pending, status %04x, IRQ 13 so far %u\n", status() & 0xFFBF, irq13_count);
    __asm__ volatile("fwait");
    /* FERR# reaches the processor through the interrupt controller, a little later. */
    for (int i = 0; i < 1000 && !irq13_count; i++)
        __asm__ volatile("nop");
    print("irq13: fwait raised IRQ 13 %u time(s), #MF %u time(s), status in the handler %04x\n",
          irq13_count, mf_count, irq13_status & 0xFFBF);
    print("irq13: status after the handler %04x\n", status() & 0xFFBF);
    outb(0xA0, 0x0B);                     /* OCW3: read the slave's ISR */
    print("irq13: slave in-service register after EOI %02x\n", inb(0xA0));
    cli();
    return 0;
}
