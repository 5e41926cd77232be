/* tests/video.rs TEXT: assembled after prelude.S (see the comment on the constant there). */
main:
        mov $MODE, %ax
        int $0x10
        SHOW mode_al
        mov $0x0f00, %ax
        int $0x10
        SHOW getmode
        mov %bx, %ax
        SHOW page
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %dx, %ax
        SHOW pos
        mov %cx, %ax
        SHOW shape
        mov $0x1a00, %ax
        int $0x10
        SHOW dcc_al
        mov %bx, %ax
        SHOW dcc
        mov $0x1200, %ax
        mov $0x10, %bl
        int $0x10
        mov %bx, %ax
        SHOW ega_bx
        mov %cx, %ax
        SHOW ega_cx
        call newline
        mov $0x449, %si
        mov $0x1c, %cx
        call dump
        mov $0x484, %si
        mov $6, %cx
        call dump
        mov $ibm, %si
        call puts
        mov $0x465, %si
        mov $2, %cx
        call dump

        mov $title, %si
        call tty
        mov $30, %cx
1:      mov $'L', %al
        call tty_char
        mov %cl, %al
        add $'0', %al
        call tty_char
        mov $crlf, %si
        call tty
        loop 1b
        mov $bs_bel, %si
        call tty
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %dx, %ax
        SHOW tty_pos
        call newline

        mov $0x0200, %ax
        xor %bh, %bh
        mov $0x050a, %dx
        int $0x10
        mov $0x0958, %ax
        mov $0x001e, %bx
        mov $5, %cx
        int $0x10
        mov $0x0200, %ax
        mov $0x060a, %dx
        int $0x10
        mov $0x0a59, %ax
        mov $3, %cx
        int $0x10
        mov $0x0602, %ax
        mov $0x4f00, %bx
        mov $0x0408, %cx
        mov $0x0c1e, %dx
        int $0x10
        mov $0x0701, %ax
        mov $0x2a00, %bx
        mov $0x0e00, %cx
        mov $0x144f, %dx
        int $0x10

        mov $0x1301, %ax
        mov $0x005e, %bx
        mov $12, %cx
        mov $0x1605, %dx
        mov $string1, %bp
        int $0x10
        mov $0x1303, %ax
        mov $3, %cx
        mov $0x1700 + COLS / 2, %dx
        mov $string2, %bp
        int $0x10
        mov $0x1300, %ax
        mov $0x0017, %bx
        mov $14, %cx
        mov $0x1500 + COLS - 10, %dx
        mov $string3, %bp
        int $0x10
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %dx, %ax
        SHOW str_pos
        call newline

        mov $0x0200, %ax
        mov $0x0100, %bx
        mov $0x0203, %dx
        int $0x10
        mov $0x0950, %ax
        mov $0x0171, %bx
        mov $2, %cx
        int $0x10
        mov $0x0800, %ax
        int $0x10
        SHOW page1_cell
        mov $0x0501, %ax
        int $0x10
        mov $0x0f00, %ax
        int $0x10
        mov %bx, %ax
        SHOW active
        mov $0x0300, %ax
        mov $0x0100, %bx
        int $0x10
        mov %dx, %ax
        SHOW page1_pos
        mov $0x0500, %ax
        int $0x10
        mov $0x0100, %ax
        mov $0x0010, %cx
        int $0x10
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %cx, %ax
        SHOW new_shape
        mov $0x0100, %ax
        mov $0x0607, %cx
        int $0x10
        call newline

        mov $0x1130, %ax
        mov $0x0200, %bx
        int $0x10
        mov %cx, %ax
        SHOW f14_cx
        mov %dx, %ax
        SHOW f14_dx
        mov $0x1130, %ax
        mov $0x0600, %bx
        int $0x10
        mov %cx, %ax
        SHOW f16_cx
        mov %dx, %ax
        SHOW f16_dx
        call newline
        xor %ax, %ax
        mov %ax, %es

        xor %bl, %bl
2:      mov $0x1007, %ax
        int $0x10
        mov %bh, %al
        call hex8
        inc %bl
        cmp $0x10, %bl
        jb 2b
        mov $0x1008, %ax
        int $0x10
        mov %bh, %al
        call hex8
        call newline
        mov $0x1017, %ax
        xor %bx, %bx
        mov $64, %cx
        mov $buffer, %dx
        int $0x10
        mov $buffer, %si
        mov $192, %cx
        call dump
        mov $0x1010, %ax
        mov $0x0005, %bx
        mov $0x2030, %cx
        mov $0x1000, %dx
        int $0x10
        mov $0x1015, %ax
        mov $5, %bx
        int $0x10
        mov %cx, %ax
        SHOW dac5_cx
        mov %dx, %ax
        SHOW dac5_dx
        mov $0x1000, %ax
        mov $0x3a01, %bx
        int $0x10
        mov $0x1007, %ax
        mov $0x01, %bl
        int $0x10
        mov %bx, %ax
        SHOW pal1
        mov $0x1000, %ax
        mov $0x0101, %bx
        int $0x10
        mov $0x1019, %ax
        int $0x10
        mov %bx, %ax
        SHOW mask
        mov $0x101a, %ax
        int $0x10
        mov %bx, %ax
        SHOW select
        call newline

        xor %dx, %dx
3:      mov $0x0200, %ax
        xor %bh, %bh
        int $0x10
        mov $0x0800, %ax
        int $0x10
        call hex16
        inc %dl
        cmp $COLS, %dl
        jb 3b
        call newline
        xor %dl, %dl
        inc %dh
        cmp $25, %dh
        jb 3b
        mov $0x0200, %ax
        mov $0x1800, %dx
        int $0x10
        jmp exit

tty:    lodsb
        test %al, %al
        jz 1f
        call tty_char
        jmp tty
1:      ret
tty_char:
        push %bx
        mov $0x0e, %ah
        mov $0x0007, %bx
        int $0x10
        pop %bx
        ret
ibm:    .asciz "ibm:"
title:  .asciz "amber video test\r\n"
crlf:   .asciz "\r\n"
bs_bel: .asciz "AB\bC\aD"
string1: .ascii "write string"
string2: .byte 'a', 0x1f, 'b', 0x2f, 'c', 0x3f
string3: .ascii "0123456789\r\nXY"
buffer: .fill 256, 1, 0
