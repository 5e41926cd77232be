/* Virtual-8086 mode (Intel SDM Vol. 3 20.2-20.3): IRET into a v86 task, real-mode
   addressing, port output allowed by the TSS bitmap, and the monitor's #GP handler catching
   the IOPL-sensitive CLI and INT n and the privileged HLT, with the v86 segments saved on
   the ring-0 stack. */
#include "kernel.h"


static struct tss tss;
static uint64_t gdt[4];
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));

/* 16-bit code run at 0800:0000 (linear 0x8000). */
static const uint8_t v86_code[] = {
    0xBE, 0x20, 0x00,       /* mov si, 0x20 (the message) */
    0xBA, 0xF8, 0x03,       /* mov dx, 0x3F8 */
    0xAC,                   /* next: lodsb */
    0x84, 0xC0,             /* test al, al */
    0x74, 0x03,             /* jz done */
    0xEE,                   /* out dx, al */
    0xEB, 0xF8,             /* jmp next */
    0xFA,                   /* done: cli        (#GP: IOPL 0) */
    0xCD, 0x21,             /* int 0x21         (#GP: IOPL 0) */
    0xB8, 0x34, 0x12,       /* mov ax, 0x1234 */
    0x8C, 0xDB,             /* mov bx, ds */
    0xF4,                   /* hlt              (#GP: privileged) */
    /* 0x17: second stage, entered with IOPL 3 */
    0xCD, 0x22,             /* int 0x22         (through the IDT to ring 0) */
    0xF4,                   /* hlt */
};
static const char message[] = "v86: hello from virtual-8086 mode\n";

static int stage;
volatile uint32_t saved_ds;
static uint32_t get_ds(void) { return saved_ds; }

void gp_handler(uint32_t *f)
{
    /* f: pusha (EDI..EAX), error code, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS */
    uint32_t eip = f[9], cs = f[10], eflags = f[11];
    uint8_t opcode = *(volatile uint8_t *)((cs << 4) + eip);
    print("v86: #GP %x at %04x:%04x vm %u opcode %02x ds %04x\n", f[8], cs, eip, (eflags >> 17) & 1, opcode, f[15]);
    if (opcode == 0xF4 && stage == 0) {
        print("v86: ax %04x bx %04x\n", f[7] & 0xFFFF, f[4] & 0xFFFF);
        stage = 1;
        f[9] = 0x17;               /* continue at the second stage */
        f[11] |= 0x3000;           /* with IOPL 3 */
        return;
    }
    if (opcode == 0xF4)
        exit(0);
    f[9] += opcode == 0xCD ? 2 : 1;
}

/* INT 0x22 from virtual-8086 mode at IOPL 3: a DPL 3 gate into ring 0. */
void int22_handler(uint32_t *f)
{
    /* f: pusha, EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS */
    print("v86: int 22h reached ring 0 from %04x:%04x, vm %u iopl %u, ds %04x, kernel ds %x\n", f[9], f[8],
          (f[10] >> 17) & 1, (f[10] >> 12) & 3, f[14], get_ds());
}
void int22_stub(void);
/* DS is null on entry from v86 mode, so it is saved in a register before it is reloaded. */
__asm__(".globl int22_stub\nint22_stub:\n pusha\n mov %ds, %bx\n mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n"
        " movzwl %bx, %ebx\n mov %ebx, saved_ds\n push %esp\n call int22_handler\n add $4, %esp\n popa\n iret\n");
void gp_stub(void);
__asm__(".globl gp_stub\ngp_stub:\n pusha\n mov $0x10, %ax\n mov %ax, %ds\n mov %ax, %es\n push %esp\n"
        " call gp_handler\n add $4, %esp\n popa\n add $4, %esp\n iret\n");

int main(void)
{
    serial_init();
    idt_init();
    gdt[1] = 0x00CF9A000000FFFFull;
    gdt[2] = 0x00CF92000000FFFFull;
    gdt[3] = segment_descriptor((uint32_t)&tss, sizeof tss - 1, 0x89, 0);
    load_gdt(gdt, sizeof gdt / sizeof gdt[0]);
    tss.ss0 = 0x10;
    tss.esp0 = (uint32_t)kernel_stack + sizeof kernel_stack;
    tss.iomap = (uint16_t)((uint32_t)tss.bitmap - (uint32_t)&tss);
    for (unsigned i = 0; i < sizeof tss.bitmap; i++)
        tss.bitmap[i] = 0xFF;
    tss.bitmap[0x3F8 / 8] = 0;
    __asm__ volatile("ltr %w0" ::"r"(0x18));
    set_gate(13, gp_stub);
    set_gate(0x22, int22_stub);
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) idtr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    *(volatile uint8_t *)(idtr.base + 0x22 * 8 + 5) = 0xEE;   /* DPL 3 interrupt gate */
    for (unsigned i = 0; i < sizeof v86_code; i++)
        *(volatile uint8_t *)(0x8000 + i) = v86_code[i];
    for (unsigned i = 0; i < sizeof message; i++)
        *(volatile uint8_t *)(0x8020 + i) = (uint8_t)message[i];
    /* IRET frame for v86: EIP, CS, EFLAGS (VM, IOPL 0), ESP, SS, ES, DS, FS, GS. */
    __asm__ volatile("push $0\n push $0\n push $0x0800\n push $0x0800\n push $0x0900\n push $0x1000\n"
                     " push $0x20002\n push $0x0800\n push $0\n iret\n" ::: "memory");
    return 1;
}
