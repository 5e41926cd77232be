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

/* Interrupts: handler(vector) is called for vectors 0x20-0x2F (IRQ 0-15 after pic_init). */
typedef void (*irq_handler)(int irq);
void idt_init(void);
void pic_init(void);
void pic_unmask(int irq);
void set_irq_handler(int irq, irq_handler h);
/* Points IDT vector v at a raw handler (an interrupt gate in the current code segment). */
void set_gate(int v, void (*f)(void));

#endif
