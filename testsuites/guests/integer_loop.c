/* The integer loop of `benches/mips.rs`, as a guest kernel that every emulator runs the same
   way: loads, ALU operations, LEA, a store, a call and a return, 13 instructions a round. The
   Multiboot command line gives the number of rounds ("rounds=N"); the kernel exits through
   isa-debug-exit when they are done, so a run's wall-clock time measures the emulator. */
#include "kernel.h"

/* Named in the assembly below, so global and kept. */
uint32_t loop_table[1024] __attribute__((used));
uint32_t loop_sink __attribute__((used));

/* N from "rounds=N" in the Multiboot command line (info word 4, flag bit 2); 0 if absent. */
static uint32_t rounds(const uint32_t *info)
{
    const char *c = (info[0] & 4) ? (const char *)info[4] : "";
    for (; *c; c++) {
        if (c[0] == 'r' && c[1] == 'o' && c[2] == 'u' && c[3] == 'n' && c[4] == 'd' &&
            c[5] == 's' && c[6] == '=') {
            uint32_t n = 0;
            for (c += 7; *c >= '0' && *c <= '9'; c++)
                n = n * 10 + (uint32_t)(*c - '0');
            return n;
        }
    }
    return 0;
}

int main(uint32_t magic, const uint32_t *info)
{
    (void)magic;
    serial_init();
    uint32_t n = rounds(info);
    for (unsigned i = 0; i < 1024; i++)
        loop_table[i] = i * 2654435761u;
    uint32_t b = 1, c = 2;
    if (n) {
        __asm__ volatile(
            "    xor %%esi, %%esi\n"
            "1:  mov loop_table(,%%esi,4), %%eax\n"
            "    add %%ebx, %%eax\n"
            "    lea 7(%%eax,%%ecx,2), %%edx\n"
            "    mov %%edx, loop_sink\n"
            "    inc %%esi\n"
            "    and $0x3ff, %%esi\n"
            "    call 2f\n"
            "    xor %%edx, %%ecx\n"
            "    dec %%edi\n"
            "    jnz 1b\n"
            "    jmp 3f\n"
            "2:  imul $5, %%ebx, %%ebx\n"
            "    sub $11, %%ebx\n"
            "    ret\n"
            "3:\n"
            : "+D"(n), "+b"(b), "+c"(c)
            :
            : "eax", "edx", "esi", "memory", "cc");
    }
    print("integer_loop: done\n");
    exit(0);
}
