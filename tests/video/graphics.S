/* tests/video.rs GRAPHICS: assembled after prelude.S (see the comment on the constant there). */
main:
        mov $MODE, %ax
        int $0x10
        SHOW mode_al
        mov $0x0f00, %ax
        int $0x10
        SHOW getmode
        mov %bx, %ax
        SHOW page
        call newline
        mov $0x449, %si
        mov $0x1c, %cx
        call dump
        mov $0x484, %si
        mov $6, %cx
        call dump

        xor %cx, %cx
1:      mov %cl, %al
        and $MASK, %al
        mov $0x0c, %ah
        xor %bh, %bh
        mov $20, %dx
        int $0x10
        inc %dx
        int $0x10
        inc %cx
        cmp $256, %cx
        jb 1b
        xor %si, %si
2:      mov %si, %cx
        shl $1, %cx
        mov %si, %dx
        add $30, %dx
        mov %si, %ax
        and $MASK, %al
        mov $0x0c, %ah
        xor %bh, %bh
        int $0x10
        inc %si
        cmp $150, %si
        jb 2b
        mov $0x0c0f & (0xff00 | MASK), %ax
        mov $100, %cx
        mov $100, %dx
        int $0x10
        mov $0x0c83 & (0xff00 | MASK | 0x80), %ax
        int $0x10
        mov $0x0d00, %ax
        int $0x10
        SHOW xor
        call newline
        xor %cx, %cx
3:      mov $0x0d00, %ax
        xor %bh, %bh
        mov $20, %dx
        int $0x10
        call hex8
        inc %cx
        cmp $256, %cx
        jb 3b
        call newline

        mov $40, %dx
4:      xor %cx, %cx
5:      mov %cx, %ax
        add %dx, %ax
        and $MASK, %al
        mov $0x0c, %ah
        xor %bh, %bh
        int $0x10
        inc %cx
        cmp $64, %cx
        jb 5b
        inc %dx
        cmp $120, %dx
        jb 4b
        mov $0x0601, %ax
        mov $0x0200 & (0xff00 | (MASK << 8)), %bx
        mov $0x0501, %cx
        mov $0x0906, %dx
        int $0x10
        mov $0x0702, %ax
        mov $0x0100, %bx
        mov $0x0c00, %cx
        mov $0x0e0a, %dx
        int $0x10

        mov $0x0200, %ax
        xor %bh, %bh
        xor %dx, %dx
        int $0x10
        mov $0x0941, %ax
        mov $0x000f & (0xff00 | MASK), %bx
        mov $2, %cx
        int $0x10
        mov $0x0800, %ax
        xor %bh, %bh
        int $0x10
        SHOW read_a
        mov $0x0200, %ax
        mov $0x0100, %dx
        int $0x10
        mov $0x0e51, %ax
        mov $0x0003 & (0xff00 | MASK), %bx
        int $0x10
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %dx, %ax
        SHOW tty_pos
        mov $0x0200, %ax
        mov $0x0100, %dx
        int $0x10
        mov $0x0800, %ax
        int $0x10
        SHOW read_q
        mov $0x0600, %ax
        xor %bx, %bx
        xor %cx, %cx
        mov $0x0110, %dx
        int $0x10
        call newline

        mov $0x1009, %ax
        mov $buffer, %dx
        int $0x10
        mov $buffer, %si
        mov $17, %cx
        call dump
        mov $0x10, %bl
7:      mov $0x1007, %ax
        int $0x10
        mov %bh, %al
        call hex8
        inc %bl
        cmp $0x14, %bl
        jb 7b
        call newline
        mov $0x1017, %ax
        xor %bx, %bx
        mov $256, %cx
        mov $buffer, %dx
        int $0x10
        mov $buffer, %si
        mov $768, %cx
        call dump
        jmp exit
buffer: .fill 768, 1, 0
