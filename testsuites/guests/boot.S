/* Multiboot v1 entry shared by the guest test kernels (Multiboot Specification 0.6.96,
   section 3.1): a header asking for memory information, a stack, and a call to main(). */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003
        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .text
        .globl _start
_start:
        mov $stack_top, %esp
        push %ebx               /* multiboot information */
        push %eax               /* boot magic */
        call main
        push %eax
        call exit
1:      cli
        hlt
        jmp 1b

        .bss
        .align 16
        .space 16384
stack_top:
        .section .note.GNU-stack, "", @progbits
