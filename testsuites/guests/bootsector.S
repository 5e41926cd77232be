/* A boot sector that asks the BIOS what a boot loader asks (Ralf Brown's list: INT 12h,
   INT 13h 08h/41h/42h/02h/48h, INT 15h E820h and C0h) and prints the answers on COM1
   through INT 14h, then exits through isa-debug-exit. The test harness boots it from a
   disk image whose sector n starts with n, under amber's BIOS and under SeaBIOS. */
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7c00, %sp
        sti
        mov %dl, drive

        mov $s_dl, %si
        movzbw drive, %ax
        call field

        int $0x12
        mov $s_base, %si
        call field

        mov $0x08, %ah
        mov drive, %dl
        int $0x13
        call carry
        mov %cx, %ax
        mov $s_cx, %si
        call field
        mov %dx, %ax
        mov $s_dx, %si
        call field

        mov $0x41, %ah
        mov $0x55aa, %bx
        mov drive, %dl
        int $0x13
        call carry
        mov %bx, %ax
        mov $s_bx, %si
        call field

        mov $0x42, %ah
        mov $dap, %si
        mov drive, %dl
        int $0x13
        call carry
        mov 0x8000, %ax
        mov $s_lba5, %si
        call field

        mov $0x0201, %ax
        mov $0x0003, %cx
        mov $0x01, %dh
        mov drive, %dl
        mov $0x8200, %bx
        int $0x13
        push %ax
        call carry
        pop %ax
        mov $s_al, %si
        call field
        mov 0x8200, %ax
        mov $s_chs, %si
        call field

        movw $0x1a, 0x8400
        mov $0x48, %ah
        mov $0x8400, %si
        mov drive, %dl
        int $0x13
        call carry
        mov 0x8404, %ax
        mov $s_cyl, %si
        call field
        mov 0x8408, %ax
        mov $s_heads, %si
        call field
        mov 0x840c, %ax
        mov $s_spt, %si
        call field
        mov 0x8410, %ax
        mov $s_total, %si
        call field

        mov $0xe820, %eax
        xor %ebx, %ebx
        mov $20, %ecx
        mov $0x534d4150, %edx
        mov $0x8600, %di
        int $0x15
        call carry
        mov 0x8608, %ax
        mov $s_e820, %si
        call field
        mov 0x8610, %ax
        mov $s_type, %si
        call field

        mov $0xc0, %ah
        int $0x15
        call carry
        mov %es:2(%bx), %al
        xor %ah, %ah
        mov $s_model, %si
        call field

        mov $0, %al
        out %al, $0xf4
1:      hlt
        jmp 1b

/* Prints " cf" and the carry flag (0 or 1) before the next field. */
carry:
        pushf
        mov $s_cf, %si
        call puts
        popf
        mov $'0', %al
        adc $0, %al
        call putc
        mov $' ', %al
        jmp putc

/* Prints the text at SI, "=", AX in hex and a line end. */
field:
        push %ax
        call puts
        mov $'=', %al
        call putc
        pop %ax
        mov $4, %cx
2:      rol $4, %ax
        push %ax
        and $0x0f, %al
        add $'0', %al
        cmp $'9', %al
        jbe 3f
        add $7, %al
3:      call putc
        pop %ax
        loop 2b
        mov $13, %al
        call putc
        mov $10, %al
        jmp putc

puts:
        lodsb
        test %al, %al
        jz 4f
        call putc
        jmp puts
4:      ret

/* One character on COM1 through INT 14h AH=01. */
putc:
        pusha
        mov $0x01, %ah
        xor %dx, %dx
        int $0x14
        popa
        ret

drive:  .byte 0
dap:    .byte 16, 0
        .word 1, 0x8000, 0
        .quad 5
s_dl:   .asciz "dl"
s_base: .asciz "int12"
s_cf:   .asciz " cf"
s_cx:   .asciz " 08cx"
s_dx:   .asciz "08dx"
s_bx:   .asciz " 41bx"
s_lba5: .asciz " 42lba5"
s_al:   .asciz " 02ax"
s_chs:  .asciz "02chs013"
s_cyl:  .asciz " 48cyl"
s_heads: .asciz "48heads"
s_spt:  .asciz "48spt"
s_total: .asciz "48total"
s_e820: .asciz " e820len"
s_type: .asciz "e820type"
s_model: .asciz " c0model"
        .org 510
        .word 0xaa55
