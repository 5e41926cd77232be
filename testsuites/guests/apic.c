/* The local APIC (Intel SDM Vol. 3 ch. 10) and the I/O APIC (82093AA datasheet): software
   enable, the periodic and one-shot timer, a self-IPI, EOI, and an ISA interrupt (the RTC
   on pin 8) routed through a redirection entry. */
#include "kernel.h"

#define LAPIC 0xFEE00000u
#define IOAPIC 0xFEC00000u

static volatile uint32_t *reg(uint32_t off) { return (volatile uint32_t *)(LAPIC + off); }
static uint32_t ioapic_read(uint32_t r) { *(volatile uint32_t *)IOAPIC = r; return *(volatile uint32_t *)(IOAPIC + 0x10); }
static void ioapic_write(uint32_t r, uint32_t v) { *(volatile uint32_t *)IOAPIC = r; *(volatile uint32_t *)(IOAPIC + 0x10) = v; }

static volatile uint32_t timer_ticks, ipis, rtc_irqs;

void apic_dispatch(uint32_t vector)
{
    if (vector == 0x50)
        timer_ticks++;
    else if (vector == 0x51)
        ipis++;
    else if (vector == 0x60) {
        outb(0x70, 0x0C);
        inb(0x71);
        rtc_irqs++;
    }
    *reg(0xB0) = 0;                 /* EOI */
}
#define APIC_STUB(v) \
    void apic_stub_##v(void); \
    __asm__(".globl apic_stub_" #v "\napic_stub_" #v ":\n pusha\n push $" #v "\n call apic_dispatch\n add $4, %esp\n popa\n iret\n");
APIC_STUB(0x50) APIC_STUB(0x51) APIC_STUB(0x60)

int main(void)
{
    serial_init();
    idt_init();
    set_gate(0x50, apic_stub_0x50);
    set_gate(0x51, apic_stub_0x51);
    set_gate(0x60, apic_stub_0x60);
    pic_init();
    outb(0x21, 0xFF);               /* the 8259As stay out of it */
    outb(0xA1, 0xFF);

    print("apic: id %u, integrated %s\n", *reg(0x20) >> 24, (*reg(0x30) & 0xF0) == 0x10 ? "yes" : "no");
    *reg(0xF0) = 0x1FF;             /* software enable, spurious vector 0xFF */
    *reg(0x80) = 0;                 /* TPR */
    print("apic: enabled %u\n", (*reg(0xF0) >> 8) & 1);

    *reg(0x3E0) = 0x3;              /* divide by 16 */
    *reg(0x320) = 0x20050;          /* periodic, vector 0x50 */
    *reg(0x380) = 100000;
    uint32_t c1 = *reg(0x390);
    for (volatile int i = 0; i < 100; i++)
        ;
    uint32_t c2 = *reg(0x390);
    print("apic: current count decreases: %s\n", c2 < c1 ? "yes" : "no");
    sti();
    while (timer_ticks < 5)
        hlt();
    cli();
    print("apic: periodic timer interrupts %u\n", timer_ticks);
    *reg(0x320) = 0x10050;          /* mask */
    timer_ticks = 0;
    *reg(0x320) = 0x00050;          /* one-shot */
    *reg(0x380) = 5000;
    sti();
    while (timer_ticks < 1)
        hlt();
    for (volatile int i = 0; i < 100000; i++)
        ;
    cli();
    print("apic: one-shot timer interrupts %u\n", timer_ticks);

    *reg(0x300) = 0x40051;          /* fixed, shorthand self, vector 0x51 */
    sti();
    for (volatile int i = 0; i < 1000; i++)
        ;
    cli();
    print("apic: self-ipi delivered %u, delivery status %u\n", ipis, (*reg(0x300) >> 12) & 1);

    print("apic: ioapic redirection entries %u\n", ((ioapic_read(1) >> 16) & 0xFF) + 1);
    ioapic_write(0x10 + 2 * 8, 0x60);   /* pin 8: vector 0x60, edge, active high, unmasked */
    ioapic_write(0x11 + 2 * 8, 0);
    print("apic: redirection entry 8 reads %08x\n", ioapic_read(0x10 + 2 * 8));
    outb(0x70, 0x0A); outb(0x71, 0x26);
    outb(0x70, 0x0B); outb(0x71, 0x42);  /* RTC periodic interrupt */
    outb(0x70, 0x0C); inb(0x71);
    sti();
    while (rtc_irqs < 4)
        hlt();
    cli();
    print("apic: rtc interrupts through the ioapic %u\n", rtc_irqs);
    return 0;
}
