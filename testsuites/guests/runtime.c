/* The shared runtime of the guest test kernels (see kernel.h). COM1 is programmed for
   115200 8N1 as on a 16550A; output waits for THR empty (LSR bit 5). */
#include <stdarg.h>
#include "kernel.h"

#define COM1 0x3F8

void serial_init(void)
{
    outb(COM1 + 1, 0x00);       /* no interrupts */
    outb(COM1 + 3, 0x80);       /* DLAB */
    outb(COM1 + 0, 0x01);       /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);       /* 8N1 */
    outb(COM1 + 2, 0xC7);       /* FIFOs on, cleared, 14-byte trigger */
    outb(COM1 + 4, 0x03);       /* DTR, RTS */
}

void putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))
        ;
    outb(COM1, (uint8_t)c);
}

void puts(const char *s)
{
    while (*s)
        putc(*s++);
}

static void put_unsigned(uint32_t v, unsigned base, int width)
{
    char buf[12];
    int n = 0;
    do {
        buf[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n < width)
        buf[n++] = '0';
    while (n)
        putc(buf[--n]);
}

/* %d %u %x %s %c, with an optional zero-padded width for %x and %u (e.g. %08x). */
void print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc(*fmt);
            continue;
        }
        int width = 0;
        while (fmt[1] >= '0' && fmt[1] <= '9')
            width = width * 10 + (*++fmt - '0');
        switch (*++fmt) {
        case 'd': {
            int v = va_arg(ap, int);
            if (v < 0) {
                putc('-');
                v = -v;
            }
            put_unsigned((uint32_t)v, 10, width);
            break;
        }
        case 'u': put_unsigned(va_arg(ap, uint32_t), 10, width); break;
        case 'x': put_unsigned(va_arg(ap, uint32_t), 16, width); break;
        case 's': puts(va_arg(ap, const char *)); break;
        case 'c': putc((char)va_arg(ap, int)); break;
        default: putc(*fmt); break;
        }
    }
    va_end(ap);
}

/* isa-debug-exit at 0xF4: the emulator exits with status (code << 1) | 1. */
void exit(int code)
{
    outl(0xF4, (uint32_t)code);
    for (;;) {
        cli();
        hlt();
    }
}

/* ---- interrupts ---- */

struct gate { uint16_t off_lo, sel; uint8_t zero, type; uint16_t off_hi; } __attribute__((packed));
static struct gate idt[0x81];
static irq_handler handlers[16];

void irq_dispatch(int irq)
{
    if (handlers[irq])
        handlers[irq](irq);
    if (irq >= 8)
        outb(0xA0, 0x20);
    outb(0x20, 0x20);
}

/* One stub per IRQ: save registers, call irq_dispatch(n), restore, IRET. */
#define STUB(n) \
    void irq_stub_##n(void); \
    __asm__(".globl irq_stub_" #n "\nirq_stub_" #n ":\n pusha\n push $" #n "\n call irq_dispatch\n add $4, %esp\n popa\n iret\n");
STUB(0) STUB(1) STUB(2) STUB(3) STUB(4) STUB(5) STUB(6) STUB(7)
STUB(8) STUB(9) STUB(10) STUB(11) STUB(12) STUB(13) STUB(14) STUB(15)

static void (*const stubs[16])(void) = {
    irq_stub_0, irq_stub_1, irq_stub_2, irq_stub_3, irq_stub_4, irq_stub_5, irq_stub_6, irq_stub_7,
    irq_stub_8, irq_stub_9, irq_stub_10, irq_stub_11, irq_stub_12, irq_stub_13, irq_stub_14, irq_stub_15,
};

/* Unexpected exceptions end the run with a message and a distinct status. */
void fault_dispatch(int vector)
{
    print("unexpected exception %d\n", vector);
    exit(0x7F);
}
#define FAULT(n) \
    void fault_stub_##n(void); \
    __asm__(".globl fault_stub_" #n "\nfault_stub_" #n ":\n push $" #n "\n call fault_dispatch\n");
FAULT(0) FAULT(6) FAULT(8) FAULT(13) FAULT(14)

void set_gate(int v, void (*f)(void))
{
    uint32_t a = (uint32_t)f;
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    idt[v] = (struct gate){ (uint16_t)a, cs, 0, 0x8E, (uint16_t)(a >> 16) };
}

void idt_init(void)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint32_t)idt };
    set_gate(0, fault_stub_0);
    set_gate(6, fault_stub_6);
    set_gate(8, fault_stub_8);
    set_gate(13, fault_stub_13);
    set_gate(14, fault_stub_14);
    for (int i = 0; i < 16; i++)
        set_gate(0x20 + i, stubs[i]);
    __asm__ volatile("lidt %0" ::"m"(idtr));
}

/* 8259A initialisation: ICW1 edge/cascade/ICW4, ICW2 vector bases 0x20/0x28, ICW3
   cascade on IRQ2, ICW4 8086 mode; everything masked but the cascade. */
void pic_init(void)
{
    outb(0x20, 0x11); outb(0xA0, 0x11);
    outb(0x21, 0x20); outb(0xA1, 0x28);
    outb(0x21, 0x04); outb(0xA1, 0x02);
    outb(0x21, 0x01); outb(0xA1, 0x01);
    outb(0x21, 0xFB); outb(0xA1, 0xFF);
}

void pic_unmask(int irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xA1;
    outb(port, inb(port) & ~(1 << (irq & 7)));
}

void set_irq_handler(int irq, irq_handler h)
{
    handlers[irq] = h;
}

void load_gdt(const uint64_t *gdt, unsigned entries)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) gdtr = { (uint16_t)(entries * 8 - 1), (uint32_t)gdt };
    __asm__ volatile("lgdt %0\n ljmp $0x08, $1f\n 1: mov $0x10, %%ax\n mov %%ax, %%ds\n mov %%ax, %%es\n"
                     " mov %%ax, %%ss\n mov %%ax, %%fs\n mov %%ax, %%gs\n" ::"m"(gdtr) : "eax", "memory");
}
