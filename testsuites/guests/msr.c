/* Model-specific registers and SYSENTER/SYSEXIT (Intel SDM Vol. 4 "P6 family MSRs", Vol. 2
   SYSENTER/SYSEXIT): values that read back, a round trip through ring 3, and the debug
   registers' reserved bits. QEMU's TCG ignores TSC writes and does not raise #GP for an
   unknown MSR, both against the SDM, so those checks are unit tests of amber's instead
   (cpu/tests/protected.rs). */
#include "kernel.h"

static uint64_t rdmsr(uint32_t i)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(i));
    return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t i, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(i), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint64_t gdt[5];
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));
static volatile uint32_t user_cs, entered, saved_esp;

/* SYSENTER lands here in ring 0 and goes back to main's stack and segments. */
void sysenter_target(void);
int main(void)
{
    serial_init();
    idt_init();
    print("msr: apic base %08x\n", (uint32_t)rdmsr(0x1B) & 0xFFFFF000);
    print("msr: mtrr cap %x\n", (uint32_t)rdmsr(0xFE) & 0xFFF);
    wrmsr(0x200, 0x00000006ull);
    wrmsr(0x201, 0xFF8000800ull);
    print("msr: variable mtrr reads back %x %x\n", (uint32_t)rdmsr(0x200), (uint32_t)rdmsr(0x201));
    wrmsr(0x277, 0x0007040600070406ull);
    print("msr: pat %08x%08x\n", (uint32_t)(rdmsr(0x277) >> 32), (uint32_t)rdmsr(0x277));

    __asm__ volatile("mov %0, %%dr7" ::"r"(0u));
    uint32_t dr6, dr7;
    __asm__ volatile("mov %%dr6, %0\n mov %%dr7, %1" : "=r"(dr6), "=r"(dr7));
    print("msr: dr6 %08x dr7 %08x\n", dr6, dr7);

    /* SYSENTER expects CS, CS+8 (ring 0) and CS+16, CS+24 (ring 3) in the GDT. */
    gdt[1] = 0x00CF9A000000FFFFull;
    gdt[2] = 0x00CF92000000FFFFull;
    gdt[3] = 0x00CFFA000000FFFFull;
    gdt[4] = 0x00CFF2000000FFFFull;
    load_gdt(gdt, sizeof gdt / sizeof gdt[0]);
    wrmsr(0x174, 0x08);
    wrmsr(0x175, (uint32_t)kernel_stack + sizeof kernel_stack);
    wrmsr(0x176, (uint32_t)sysenter_target);
    /* Go to ring 3 with SYSEXIT, come back with SYSENTER. */
    __asm__ volatile("mov %%esp, saved_esp\n mov %0, %%ecx\n mov $in_user, %%edx\n sysexit\n"
                     "in_user: mov $0x23, %%ax\n mov %%ax, %%ds\n mov %%ax, %%es\n"
                     " mov %%cs, %%ax\n movzwl %%ax, %%eax\n mov %%eax, user_cs\n sysenter\n"
                     ".globl sysenter_target\nsysenter_target: movl $1, entered\n mov saved_esp, %%esp\n"
                     " mov $0x10, %%ax\n mov %%ax, %%ds\n mov %%ax, %%es\n"
                     ::"r"((uint32_t)user_stack + sizeof user_stack) : "eax", "ecx", "edx", "memory");
    print("msr: sysexit reached cs %x, sysenter entered %u\n", user_cs, entered);
    return 0;
}
