/* Serial input (PC16550D): bytes typed on COM1 arrive in the receiver buffer with LSR.DR
   set; the kernel echoes a line back, then uses the received-data interrupt for a second. */
#include "kernel.h"

static volatile char irq_byte;

static void com1_irq(int irq)
{
    (void)irq;
    while (inb(0x3FD) & 1)
        irq_byte = (char)inb(0x3F8);
}

int main(void)
{
    char line[64];
    unsigned n = 0;
    serial_init();
    puts("echo: ready\n");
    for (;;) {
        while (!(inb(0x3FD) & 1))
            ;
        char c = (char)inb(0x3F8);
        if (c == '\n' || n == sizeof line - 1)
            break;
        line[n++] = c;
    }
    line[n] = 0;
    print("echo: %s (%u bytes)\n", line, n);
    idt_init();
    pic_init();
    set_irq_handler(4, com1_irq);
    pic_unmask(4);
    outb(0x3F9, 0x01);             /* received-data interrupt */
    outb(0x3FC, 0x0B);             /* OUT2 gates the IRQ line on a PC */
    sti();
    while (!irq_byte)
        hlt();
    cli();
    print("echo: interrupt brought '%c'\n", irq_byte);
    return 0;
}
