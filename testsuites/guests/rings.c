/* Privilege levels (Intel SDM Vol. 3 5.8, 6.12): IRET to ring 3, INT into ring 0 through a
   DPL 3 trap gate with the stack switch from the TSS, #GP from ring 3 with its error code,
   the TSS I/O-permission bitmap, a call gate with a copied parameter, and far RET back.
   Handlers load their own data segments: IRET to ring 3 nulls the kernel's (SDM 5.8.6), a
   rule QEMU does not enforce but real processors and amber do. */
#include "kernel.h"


static struct tss tss;
static uint64_t gdt[7];
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));


static uint64_t call_gate(uint16_t sel, uint32_t offset, uint8_t params)
{
    return (offset & 0xFFFF) | (uint64_t)sel << 16 | (uint64_t)params << 32 | (uint64_t)0xEC << 40 |
           (uint64_t)(offset >> 16) << 48;
}

static uint16_t cs(void) { uint16_t v; __asm__ volatile("mov %%cs, %0" : "=r"(v)); return v; }

/* INT 0x80 from ring 3: EAX selects the service. */
static volatile uint32_t skip;
void syscall_handler(uint32_t *frame)
{
    /* frame: pusha (8 words), ES, DS, then EIP, CS, EFLAGS, ESP, SS */
    uint32_t eax = frame[7];
    if (eax == 1)
        print("rings: syscall from cpl %u on the ring 0 stack: %s\n", frame[11] & 3,
              (uint32_t)frame >= (uint32_t)kernel_stack && (uint32_t)frame < (uint32_t)kernel_stack + 4096 ? "yes" : "no");
    else
        exit((int)frame[4]);
}
void syscall_stub(void);
__asm__(".globl syscall_stub\nsyscall_stub:\n push %ds\n push %es\n pusha\n mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n"
        " push %esp\n call syscall_handler\n add $4, %esp\n popa\n pop %es\n pop %ds\n iret\n");

void gp_handler(uint32_t *frame)
{
    /* frame: pusha, ES, DS, error code, EIP, CS */
    print("rings: #GP error %x from cpl %u\n", frame[10], frame[12] & 3);
    frame[11] += skip;
}
void gp_stub(void);
__asm__(".globl gp_stub\ngp_stub:\n push %ds\n push %es\n pusha\n mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n"
        " push %esp\n call gp_handler\n add $4, %esp\n popa\n pop %es\n pop %ds\n add $4, %esp\n iret\n");

/* Reached from ring 3 through the call gate with one parameter copied. */
void gate_body(uint32_t param, uint32_t caller_cs)
{
    print("rings: call gate runs at cpl %u with parameter %x from cpl %u\n", cs() & 3, param, caller_cs & 3);
}
void gate_entry(void);
__asm__(".globl gate_entry\ngate_entry:\n push %ds\n push %es\n pusha\n mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n"
        " push 44(%esp)\n push 52(%esp)\n call gate_body\n add $8, %esp\n popa\n pop %es\n pop %ds\n lret $4\n");

static void user(void)
{
    /* Ring 3 needs data segments it may use (the kernel's were nulled by IRET). */
    __asm__ volatile("mov $0x23, %%ax\n mov %%ax, %%ds\n mov %%ax, %%es" ::: "eax");
    print("rings: running at cpl %u\n", cs() & 3);
    __asm__ volatile("int $0x80" ::"a"(1));
    skip = 1;
    __asm__ volatile("cli");
    skip = 2;
    __asm__ volatile("inb $0x80, %%al" ::: "eax");
    print("rings: serial port allowed by the bitmap\n");
    uint32_t gate[2] = {0, 0x33};
    __asm__ volatile("push $0x1234\n lcall *(%0)" ::"r"(gate) : "memory");
    print("rings: back at cpl %u after far ret\n", cs() & 3);
    __asm__ volatile("int $0x80" ::"a"(2), "b"(0));
    for (;;)
        ;
}

int main(void)
{
    serial_init();
    idt_init();
    gdt[1] = segment_descriptor(0, 0xFFFFF, 0x9A, 0xC);
    gdt[2] = segment_descriptor(0, 0xFFFFF, 0x92, 0xC);
    gdt[3] = segment_descriptor(0, 0xFFFFF, 0xFA, 0xC);
    gdt[4] = segment_descriptor(0, 0xFFFFF, 0xF2, 0xC);
    gdt[5] = segment_descriptor((uint32_t)&tss, sizeof tss - 1, 0x89, 0);
    gdt[6] = call_gate(0x08, (uint32_t)gate_entry, 1);
    load_gdt(gdt, sizeof gdt / sizeof gdt[0]);
    tss.ss0 = 0x10;
    tss.esp0 = (uint32_t)kernel_stack + sizeof kernel_stack;
    tss.iomap = (uint16_t)((uint32_t)tss.bitmap - (uint32_t)&tss);
    for (unsigned i = 0; i < sizeof tss.bitmap; i++)
        tss.bitmap[i] = 0xFF;
    tss.bitmap[0x3F8 / 8] = 0;                  /* COM1 0x3F8-0x3FF */
    __asm__ volatile("ltr %w0" ::"r"(0x28));
    uint16_t tr;
    __asm__ volatile("str %0" : "=r"(tr));
    print("rings: task register %x\n", tr);
    set_gate(13, gp_stub);
    set_gate(0x80, syscall_stub);
    struct gate_desc { uint16_t lo, sel; uint8_t zero, type; uint16_t hi; } __attribute__((packed));
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    ((struct gate_desc *)idtr.base)[0x80].type = 0xEF;  /* 32-bit trap gate, DPL 3 */
    __asm__ volatile("push $0x23\n push %0\n push $0x002\n push $0x1B\n push %1\n iret\n"
                     ::"r"((uint32_t)user_stack + sizeof user_stack), "r"(user) : "memory");
    return 1;
}
