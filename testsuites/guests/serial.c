/* 16550A UART on COM1 (PC16550D datasheet): output, line status, scratch, divisor latch
   and FIFO identification. */
#include "kernel.h"

int main(void)
{
    serial_init();
    puts("serial: hello from the guest\n");
    print("serial: line status after output %02x\n", inb(0x3FD) & 0x60);
    outb(0x3FF, 0xA5);
    print("serial: scratch register %02x\n", inb(0x3FF));
    outb(0x3FB, 0x83);             /* DLAB: the divisor latch replaces THR/IER */
    outb(0x3F8, 0x0C);
    outb(0x3F9, 0x00);
    uint8_t dll = inb(0x3F8), dlm = inb(0x3F9);
    outb(0x3F8, 0x01);             /* back to 115200 baud */
    outb(0x3FB, 0x03);
    print("serial: divisor latch %02x%02x\n", dlm, dll);
    print("serial: interrupt identification with FIFOs %02x\n", inb(0x3FA));
    print("serial: line control %02x\n", inb(0x3FB));
    print("serial: modem control %02x\n", inb(0x3FC) & 0x1F);
    return 0;
}
