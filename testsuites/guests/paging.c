/* Two-level paging with 4 KiB and 4 MiB pages (Intel SDM Vol. 3 4.3): translation through
   an alias, accessed and dirty bits, #PF error codes and CR2 for not-present and
   write-protected pages (CR0.WP), INVLPG, and a global-free CR3 reload. */
#include "kernel.h"

#define PRESENT 1u
#define WRITABLE 2u
#define ACCESSED 0x20u
#define DIRTY 0x40u
#define LARGE 0x80u

static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t low_table[1024] __attribute__((aligned(4096)));
static uint32_t alias_table[1024] __attribute__((aligned(4096)));

#define ALIAS 0x40000000u     /* page directory entry 256 */
#define FRAME_A 0x00300000u
#define FRAME_B 0x00301000u

static volatile uint32_t pf_count, pf_error, pf_address;

/* Records the fault, then repairs the mapping so the instruction succeeds when retried. */
void pf_handler(uint32_t error, uint32_t address)
{
    pf_count++;
    pf_error = error;
    pf_address = address;
    alias_table[(address >> 12) & 1023] |= PRESENT | WRITABLE;
    __asm__ volatile("invlpg (%0)" ::"r"(address) : "memory");
}

void pf_stub(void);
__asm__(".globl pf_stub\npf_stub:\n pusha\n mov %cr2, %eax\n push %eax\n push 36(%esp)\n call pf_handler\n"
        " add $8, %esp\n popa\n add $4, %esp\n iret\n");

static uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static void invlpg(uint32_t a) { __asm__ volatile("invlpg (%0)" ::"r"(a) : "memory"); }

int main(void)
{
    serial_init();
    idt_init();
    set_gate(14, pf_stub);
    for (uint32_t i = 0; i < 1024; i++)
        low_table[i] = (i << 12) | PRESENT | WRITABLE;
    page_dir[0] = (uint32_t)low_table | PRESENT | WRITABLE;
    page_dir[1] = 0x00400000u | LARGE | PRESENT | WRITABLE;   /* 4-8 MiB as one 4 MiB page */
    page_dir[ALIAS >> 22] = (uint32_t)alias_table | PRESENT | WRITABLE;
    alias_table[0] = FRAME_A | PRESENT | WRITABLE;
    alias_table[1] = FRAME_A | PRESENT;                        /* read-only view of frame A */
    alias_table[2] = FRAME_B;                                  /* not present */
    *(volatile uint32_t *)FRAME_A = 0x11111111;
    *(volatile uint32_t *)FRAME_B = 0x22222222;
    *(volatile uint32_t *)0x00500000u = 0x55555555;

    uint32_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | 0x10));      /* PSE */
    __asm__ volatile("mov %0, %%cr3" ::"r"(page_dir));
    write_cr0(read_cr0() | 0x80000000u);
    print("paging: enabled, cr0.pg %u\n", read_cr0() >> 31);

    print("paging: alias reads frame A %08x\n", *(volatile uint32_t *)ALIAS);
    print("paging: 4 MiB page reads %08x\n", *(volatile uint32_t *)0x00500000u);
    print("paging: pte accessed %u dirty %u after a read\n", !!(alias_table[0] & ACCESSED), !!(alias_table[0] & DIRTY));
    *(volatile uint32_t *)ALIAS = 0xA1A1A1A1;
    print("paging: pte dirty %u after a write\n", !!(alias_table[0] & DIRTY));
    print("paging: pde accessed %u\n", !!(page_dir[ALIAS >> 22] & ACCESSED));
    print("paging: frame A holds %08x\n", *(volatile uint32_t *)FRAME_A);

    /* Supervisor writes to a read-only page succeed while CR0.WP is clear. */
    *(volatile uint32_t *)(ALIAS + 0x1000) = 0xB2B2B2B2;
    print("paging: read-only page written with wp=0, faults %u, frame A %08x\n", pf_count, *(volatile uint32_t *)FRAME_A);
    alias_table[1] &= ~WRITABLE;
    invlpg(ALIAS + 0x1000);
    write_cr0(read_cr0() | 0x10000);                         /* WP */
    *(volatile uint32_t *)(ALIAS + 0x1004) = 0xC3C3C3C3;
    print("paging: wp=1 write fault %u error %x cr2 %08x\n", pf_count, pf_error, pf_address);

    uint32_t v = *(volatile uint32_t *)(ALIAS + 0x2000);
    print("paging: not-present read fault %u error %x cr2 %08x value %08x\n", pf_count, pf_error, pf_address, v);

    alias_table[0] = FRAME_B | PRESENT | WRITABLE;
    invlpg(ALIAS);
    print("paging: after invlpg the alias reads %08x\n", *(volatile uint32_t *)ALIAS);
    alias_table[0] = FRAME_A | PRESENT | WRITABLE;
    __asm__ volatile("mov %0, %%cr3" ::"r"(page_dir) : "memory");
    print("paging: after a cr3 reload the alias reads %08x\n", *(volatile uint32_t *)ALIAS);
    return 0;
}
