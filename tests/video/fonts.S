/* tests/video.rs FONTS: assembled after prelude.S (see the comment on the constant there). */
main:
        mov $0x0003, %ax
        int $0x10
        mov $0x1111, %ax
        xor %bl, %bl
        int $0x10
        call state
        mov $0x1112, %ax
        xor %bl, %bl
        int $0x10
        call state
        mov $60, %cx
1:      mov $'R', %al
        call tty_char
        mov %cl, %al
        add $'0', %al
        call tty_char
        mov $13, %al
        call tty_char
        mov $10, %al
        call tty_char
        loop 1b
        mov $0x0200, %ax
        xor %bh, %bh
        mov $0x3104, %dx
        int $0x10
        mov $0x0941, %ax
        mov $0x0017, %bx
        mov $3, %cx
        int $0x10
        mov $0x0800, %ax
        int $0x10
        SHOW last_row
        call newline
        jmp exit

state:  mov $0x1130, %ax
        xor %bh, %bh
        int $0x10
        mov %cx, %ax
        SHOW height
        mov %dl, %al
        xor %ah, %ah
        SHOW rows
        mov $0x0300, %ax
        xor %bh, %bh
        int $0x10
        mov %cx, %ax
        SHOW shape
        call newline
        mov $0x44a, %si
        mov $4, %cx
        call dump
        mov $0x484, %si
        mov $2, %cx
        jmp dump
tty_char:
        push %bx
        mov $0x0e, %ah
        mov $0x0007, %bx
        int $0x10
        pop %bx
        ret
