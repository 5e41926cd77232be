/* Hardware task switching (Intel SDM Vol. 3 7.3): JMP to a TSS, CALL to a TSS with NT and
   the back link, IRET back along the link, INT through a task gate, and the busy bits. */
#include "kernel.h"


static struct tss tss_a, tss_b;
static uint64_t gdt[5];
static uint8_t stack_b[4096] __attribute__((aligned(16)));


static uint32_t eflags(void) { uint32_t f; __asm__ volatile("pushf\n pop %0" : "=r"(f)); return f; }
static uint16_t tr(void) { uint16_t t; __asm__ volatile("str %0" : "=r"(t)); return t; }
static uint32_t busy(uint32_t sel) { uint32_t ar = 0; __asm__ volatile("lar %1, %0" : "+r"(ar) : "r"(sel)); return (ar >> 9) & 1; }

static void task_b(void)
{
    print("tasks: b entered by jmp, tr %x nt %u, a busy %u\n", tr(), (eflags() >> 14) & 1, busy(0x18));
    __asm__ volatile("ljmp $0x18, $0");
    print("tasks: b entered by call, nt %u back link %x\n", (eflags() >> 14) & 1, tss_b.link);
    __asm__ volatile("iret");
    print("tasks: b entered through a task gate, nt %u\n", (eflags() >> 14) & 1);
    __asm__ volatile("iret");
    for (;;)
        ;
}

int main(void)
{
    serial_init();
    idt_init();
    gdt[1] = 0x00CF9A000000FFFFull;
    gdt[2] = 0x00CF92000000FFFFull;
    gdt[3] = segment_descriptor((uint32_t)&tss_a, sizeof tss_a - 1, 0x89, 0);
    gdt[4] = segment_descriptor((uint32_t)&tss_b, sizeof tss_b - 1, 0x89, 0);
    load_gdt(gdt, sizeof gdt / sizeof gdt[0]);
    __asm__ volatile("ltr %w0" ::"r"(0x18));
    tss_b.eip = (uint32_t)task_b;
    tss_b.esp = (uint32_t)stack_b + sizeof stack_b;
    tss_b.eflags = 0x2;
    tss_b.cs = 0x08;
    tss_b.ss = tss_b.ds = tss_b.es = tss_b.fs = tss_b.gs = 0x10;
    /* Vector 0x40: a task gate to task B. */
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    volatile uint16_t *gate = (volatile uint16_t *)(idtr.base + 0x40 * 8);
    gate[0] = 0;
    gate[1] = 0x20;
    gate[2] = 0x8500;
    gate[3] = 0;

    print("tasks: a runs, tr %x, b busy %u\n", tr(), busy(0x20));
    __asm__ volatile("ljmp $0x20, $0");
    print("tasks: a resumed by jmp, tr %x nt %u, b busy %u\n", tr(), (eflags() >> 14) & 1, busy(0x20));
    __asm__ volatile("lcall $0x20, $0");
    print("tasks: a resumed by iret, tr %x, b busy %u\n", tr(), busy(0x20));
    __asm__ volatile("int $0x40");
    print("tasks: a resumed after the task gate, tr %x, ts %u\n", tr(), ({ uint32_t c; __asm__ volatile("mov %%cr0, %0" : "=r"(c)); (c >> 3) & 1; }));
    return 0;
}
