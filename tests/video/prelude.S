/* tests/video.rs PRELUDE: the boot sector and report routines every program starts with. */
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
        mov $0x0210, %ax
        mov $0x0002, %cx
        xor %dh, %dh
        mov $0x7e00, %bx
        int $0x13
        jmp main

/* Report characters collect in a line at 1000h; `newline` sends it to port E9h as one
   piece, "\n@line\n", so that the debug messages SeaBIOS's VGA BIOS writes to the same
   console during a call never split a report line. */
putc:   push %di
        mov line_end, %di
        cmp $0x2fff, %di
        jae 1f
        mov %al, (%di)
        inc %di
        mov %di, line_end
1:      pop %di
        ret
hex16:  push %ax
        mov %ah, %al
        call hex8
        pop %ax
hex8:   push %ax
        shr $4, %al
        call nibble
        pop %ax
nibble: push %ax
        and $0x0f, %al
        add $'0', %al
        cmp $'9', %al
        jbe 1f
        add $7, %al
1:      call putc
        pop %ax
        ret
puts:   lodsb
        test %al, %al
        jz 1f
        call putc
        jmp puts
1:      ret
newline:
        push %ax
        push %si
        mov $10, %al
        out %al, $0xe9
        mov $'@', %al
        out %al, $0xe9
        mov $0x1000, %si
1:      cmp line_end, %si
        jae 2f
        lodsb
        out %al, $0xe9
        jmp 1b
2:      mov $10, %al
        out %al, $0xe9
        movw $0x1000, line_end
        pop %si
        pop %ax
        ret
line_end:
        .word 0x1000
/* Prints the string after the call, '=', AX in hex and a space; returns past the string. */
field:  push %bp
        mov %sp, %bp
        push %si
        push %ax
        mov 2(%bp), %si
        call puts
        mov %si, 2(%bp)
        mov $'=', %al
        call putc
        pop %ax
        push %ax
        call hex16
        mov $' ', %al
        call putc
        pop %ax
        pop %si
        pop %bp
        ret
/* Prints CX bytes from DS:SI in hex, then a newline. */
dump:   lodsb
        call hex8
        loop dump
        jmp newline
exit:   call newline
        mov $0, %al
        out %al, $0xf4
1:      hlt
        jmp 1b
        .org 510
        .byte 0x55, 0xaa

.macro SHOW name
        call field
        .asciz "\name"
.endm
