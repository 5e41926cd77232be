/* The little runtime the guest test kernels share: port I/O, COM1 output, formatted
   printing, an IDT with interrupt gates, the 8259A PIC, and exit through isa-debug-exit. */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((uint64_t)hi << 32) | lo; }
static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
static inline void hlt(void) { __asm__ volatile("hlt"); }

void serial_init(void);
void putc(char c);
void puts(const char *s);
void print(const char *fmt, ...);
void exit(int code) __attribute__((noreturn));

/* A 32-bit TSS (Intel SDM Vol. 3 7.2.1) followed by a full I/O-permission bitmap. */
struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi, es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap;
    uint8_t bitmap[8192 + 1];
} __attribute__((packed));

/* A segment or system descriptor (SDM Vol. 3 3.4.5). */
static inline uint64_t segment_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (limit & 0xFFFF) | (uint64_t)(base & 0xFFFFFF) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xF) << 48 | (uint64_t)(flags & 0xF) << 52 | (uint64_t)(base >> 24) << 56;
}

/* Loads a GDT of `entries` descriptors, then CS with 0x08 and DS, ES, SS, FS, GS with 0x10. */
void load_gdt(const uint64_t *gdt, unsigned entries);

/* Interrupts: handler(vector) is called for vectors 0x20-0x2F (IRQ 0-15 after pic_init). */
typedef void (*irq_handler)(int irq);
void idt_init(void);
void pic_init(void);
void pic_unmask(int irq);
void set_irq_handler(int irq, irq_handler h);
/* Points IDT vector v at a raw handler (an interrupt gate in the current code segment). */
void set_gate(int v, void (*f)(void));

#endif
