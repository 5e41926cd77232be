/* Self-modifying code (Intel SDM Vol. 3 11.6): a store into code that has run changes what
   runs next, also through a second linear mapping of the same physical page, and a store
   by the running code into its own following instruction takes effect at once. */
#include "kernel.h"

static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t table[1024] __attribute__((aligned(4096)));
static uint8_t code_page[4096] __attribute__((aligned(4096)));

#define ALIAS_X 0x40000000u   /* executed through this mapping */
#define ALIAS_W 0x40001000u   /* written through this one */

typedef int (*fn)(void);

int main(void)
{
    serial_init();
    for (uint32_t i = 0; i < 1024; i++)
        table[i] = (i << 12) | 3;
    page_dir[0] = (uint32_t)table | 3;
    static uint32_t alias_table[1024] __attribute__((aligned(4096)));
    alias_table[0] = (uint32_t)code_page | 3;
    alias_table[1] = (uint32_t)code_page | 3;
    page_dir[ALIAS_X >> 22] = (uint32_t)alias_table | 3;
    __asm__ volatile("mov %0, %%cr3\n mov %%cr0, %%eax\n or $0x80000000, %%eax\n mov %%eax, %%cr0"
                     ::"r"(page_dir) : "eax", "memory");

    /* mov eax, imm32; ret */
    uint8_t body[] = { 0xB8, 0x11, 0x00, 0x00, 0x00, 0xC3 };
    for (unsigned i = 0; i < sizeof body; i++)
        code_page[i] = body[i];
    fn f = (fn)ALIAS_X;
    int total = 0;
    for (int i = 0; i < 3; i++)
        total += f();
    print("smc: function returns %x three times, total %x\n", f(), total);
    *(volatile uint8_t *)(ALIAS_W + 1) = 0x22;
    print("smc: after a store through another mapping it returns %x\n", f());
    code_page[1] = 0x33;
    print("smc: after a store through the identity mapping it returns %x\n", f());

    /* A loop whose body rewrites the immediate of the instruction right after the store. */
    uint8_t patcher[] = {
        0xC6, 0x05, 0, 0, 0, 0, 0x44,  /* mov byte [abs32], 0x44 (address filled below) */
        0xB8, 0x11, 0, 0, 0,           /* mov eax, 0x11  <- its immediate byte is patched */
        0xC3,                          /* ret */
    };
    uint32_t target = ALIAS_X + 0x100 + 8;
    for (int i = 0; i < 4; i++)
        patcher[2 + i] = (uint8_t)(target >> (8 * i));
    for (unsigned i = 0; i < sizeof patcher; i++)
        code_page[0x100 + i] = patcher[i];
    fn g = (fn)(ALIAS_X + 0x100);
    print("smc: code that patches its next instruction returns %x\n", g());
    return 0;
}
