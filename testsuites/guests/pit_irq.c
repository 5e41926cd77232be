/* 8254 PIT channel 0 in rate-generator mode driving IRQ0 through the 8259A (8254 and 8259A
   datasheets): interrupts arrive, the counter counts down, read-back reports the mode. */
#include "kernel.h"

static volatile int ticks;

static void tick(int irq)
{
    (void)irq;
    ticks++;
}

int main(void)
{
    serial_init();
    idt_init();
    pic_init();
    set_irq_handler(0, tick);
    outb(0x43, 0x34);              /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(0x40, 1193 & 0xFF);       /* 1193 ticks of 1.193182 MHz: 1 kHz */
    outb(0x40, 1193 >> 8);
    outb(0x43, 0xE2);              /* read-back: status of channel 0 */
    print("pit: read-back status %02x\n", inb(0x40) & 0x3F);
    outb(0x43, 0x00);              /* latch channel 0 */
    uint16_t a = inb(0x40);
    a |= inb(0x40) << 8;
    print("pit: latched count within 1..1193: %s\n", a >= 1 && a <= 1193 ? "yes" : "no");
    pic_unmask(0);
    sti();
    while (ticks < 20)
        hlt();
    cli();
    print("pit: 20 timer interrupts on IRQ0 through the PIC\n");
    /* STI's interrupt shadow covers the next instruction only (SDM Vol. 2, STI): polling
       with "sti; nop; cli", as SeaBIOS's check_irqs does, takes a pending interrupt in the
       NOP's window. */
    int taken = 0;
    for (int round = 0; round < 5; round++) {
        outb(0x20, 0x0A); /* OCW3: read IRR */
        while (!(inb(0x20) & 1))
            ;
        int t = ticks;
        __asm__ volatile("sti; nop; cli" ::: "memory");
        taken += ticks == t + 1;
    }
    print("pit: a pending IRQ0 is taken in one sti;nop;cli window: %d of 5\n", taken);
    outb(0x20, 0x0B);              /* OCW3: read ISR */
    print("pit: in-service register after EOI %02x\n", inb(0x20));
    outb(0x21, 0xFF);
    print("pit: master mask %02x\n", inb(0x21));
    return 0;
}
