/* tests/video.rs VBE: assembled after prelude.S (see the comment on the constant there). */
main:
        movl $0x32454256, buffer
        mov $0x4f00, %ax
        mov $buffer, %di
        int $0x10
        SHOW info
        mov $buffer, %si
        mov $6, %cx
        call dump
        mov $buffer + 10, %si
        mov $4, %cx
        call dump
        mov buffer + 18, %ax
        SHOW memory
        call newline
        push %ds
        mov $list, %di
        mov $128, %cx
        lds buffer + 14, %si
        rep movsw
        pop %ds
        mov $modes, %bx
1:      mov (%bx), %cx
        test %cx, %cx
        jz 2f
        push %bx
        call listed
        mov $0x4f01, %ax
        mov $buffer, %di
        int $0x10
        SHOW mode_info
        mov $buffer, %si
        mov $12, %cx
        call dump
        mov $buffer + 16, %si
        mov $10, %cx
        call dump
        mov $buffer + 24, %si
        mov $4, %cx
        call dump
        mov $buffer + 31, %si
        mov $9, %cx
        call dump
        mov $own, %si
        call puts
        mov $0xcf8, %dx
        mov $0x80001010, %eax
        out %eax, %dx
        mov $0xcfc, %dx
        in %dx, %eax
        and $0xfffffff0, %eax
        cmp buffer + 40, %eax
        sete %al
        xor %ah, %ah
        SHOW lfb_is_bar0
        call newline
        mov $buffer + 50, %si
        mov $2, %cx
        call dump
        mov $buffer + 54, %si
        mov $8, %cx
        call dump
        pop %bx
        add $2, %bx
        jmp 1b
2:      mov $0x4f01, %ax
        mov $0x0199, %cx
        mov $buffer, %di
        int $0x10
        SHOW no_mode
        call newline

        mov $0x4f02, %ax
        mov $0x0101, %bx
        int $0x10
        SHOW set
        mov $0x4f03, %ax
        int $0x10
        SHOW get
        mov %bx, %ax
        SHOW mode
        push %es
        mov $0xa000, %ax
        mov %ax, %es
        xor %dx, %dx
3:      mov $0x4f05, %ax
        xor %bx, %bx
        int $0x10
        xor %di, %di
4:      mov %di, %ax
        xor %ah, %al
        xor %dl, %al
        stosb
        test %di, %di
        jnz 4b
        inc %dx
        cmp $5, %dx
        jb 3b
        pop %es
        mov $0x4f05, %ax
        mov $0x0100, %bx
        int $0x10
        mov %dx, %ax
        SHOW bank
        mov $0x4f06, %ax
        mov $0x0001, %bx
        int $0x10
        SHOW scan
        mov %bx, %ax
        SHOW bytes
        mov %cx, %ax
        SHOW pixels
        mov $0x4f07, %ax
        mov $0x0001, %bx
        int $0x10
        SHOW start
        mov %cx, %ax
        SHOW x
        mov %dx, %ax
        SHOW y
        mov $0x4f08, %ax
        mov $0x0001, %bx
        int $0x10
        SHOW dac
        mov %bx, %ax
        SHOW width
        call newline
        mov $0x1017, %ax
        xor %bx, %bx
        mov $4, %cx
        mov $saved, %dx
        int $0x10
        mov $own, %si
        call puts
        mov $0x4f09, %ax
        xor %bx, %bx
        mov $3, %cx
        mov $1, %dx
        mov $colours, %di
        int $0x10
        SHOW setpal
        mov $0x4f09, %ax
        mov $0x0001, %bx
        mov $4, %cx
        xor %dx, %dx
        mov $buffer, %di
        int $0x10
        SHOW getpal
        mov $0x1015, %ax
        mov $1, %bx
        int $0x10
        mov %dx, %ax
        SHOW red
        mov %cx, %ax
        SHOW green_blue
        mov $buffer, %si
        mov $16, %cx
        call dump
        mov $0x1012, %ax
        xor %bx, %bx
        mov $4, %cx
        mov $saved, %dx
        int $0x10
        jmp exit

/* Prints whether mode CX is in the controller's mode list (copied to `list`, as the list
   may lie in the information block's buffer); keeps CX. */
listed: mov $list, %si
5:      lodsw
        cmp $0xffff, %ax
        je 6f
        cmp %cx, %ax
        jne 5b
6:      cmp $0xffff, %ax
        setne %al
        xor %ah, %ah
        SHOW listed
        ret
modes:  .word 0x100, 0x101, 0x103, 0x105, 0x107, 0x110, 0x111, 0x112, 0x113, 0x114
        .word 0x115, 0x116, 0x117, 0x118, 0x11a, 0
own:    .asciz "own:"
saved:  .fill 12, 1, 0
list:   .fill 128, 2, 0xffff
colours: .byte 0x10, 0x20, 0x30, 0, 0x3f, 0x00, 0x15, 0, 0x01, 0x02, 0x03, 0
buffer: .fill 512, 1, 0
