/* Debug registers (Intel SDM Vol. 3 17.2-17.3): an instruction breakpoint faults before the
   instruction and RF lets it run after the handler; a data write breakpoint traps after the
   store; single-stepping with TF sets DR6.BS. */
#include "kernel.h"

static volatile uint32_t watched, hits, last_dr6, last_eip;

void db_handler(uint32_t *f)
{
    /* f: pusha, EIP, CS, EFLAGS */
    uint32_t dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    hits++;
    last_dr6 = dr6 & 0x400F;
    last_eip = f[8];
    __asm__ volatile("mov %0, %%dr6" ::"r"(0u));
    f[10] &= ~0x100u;              /* stop single-stepping */
    f[10] |= 0x10000u;             /* RF: let a breakpointed instruction run on return */
}
void db_stub(void);
__asm__(".globl db_stub\ndb_stub:\n pusha\n push %esp\n call db_handler\n add $4, %esp\n popa\n iret\n");

__attribute__((noinline)) static int target(int x) { return x * 3 + 1; }

int main(void)
{
    serial_init();
    idt_init();
    set_gate(1, db_stub);

    __asm__ volatile("mov %0, %%dr0" ::"r"(target));
    __asm__ volatile("mov %0, %%dr7" ::"r"(0x1u));            /* L0, execute, 1 byte */
    int r = target(4);
    print("debug: instruction breakpoint hits %u dr6 %x at target %s, result %d\n", hits, last_dr6,
          last_eip == (uint32_t)target ? "yes" : "no", r);

    hits = 0;
    __asm__ volatile("mov %0, %%dr1" ::"r"(&watched));
    __asm__ volatile("mov %0, %%dr7" ::"r"(0x00D00004u));     /* L1, write, 4 bytes */
    uint32_t v = watched;
    print("debug: a read does not trigger a write breakpoint: hits %u (value %u)\n", hits, v);
    watched = 5;
    print("debug: a write does: hits %u dr6 %x, value %u\n", hits, last_dr6, watched);
    __asm__ volatile("mov %0, %%dr7" ::"r"(0u));

    hits = 0;
    __asm__ volatile("pushf\n orl $0x100, (%%esp)\n popf\n nop\n" ::: "memory");
    print("debug: single step hits %u dr6 %x\n", hits, last_dr6);
    return 0;
}
