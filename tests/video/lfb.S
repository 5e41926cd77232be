/* tests/video.rs LFB: assembled after prelude.S (see the comment on the constant there). */
main:
        movl $0x32454256, buffer
        mov $0x4f00, %ax
        mov $buffer, %di
        int $0x10
        push %ds
        mov $list, %di
        mov $128, %cx
        lds buffer + 14, %si
        rep movsw
        pop %ds
        mov $list, %bx
1:      mov (%bx), %cx
        cmp $0xffff, %cx
        je exit
        add $2, %bx
        mov $0x4f01, %ax
        mov $buffer, %di
        int $0x10
        cmpw $800, buffer + 18
        jne 1b
        cmpw $600, buffer + 20
        jne 1b
        cmpb $32, buffer + 25
        jne 1b
        mov %cx, %ax
        or $0x4000, %ax
        mov %ax, %bx
        mov $0x4f02, %ax
        int $0x10
        SHOW set
        mov $0x4f03, %ax
        int $0x10
        mov %bx, %ax
        and $0x4000, %ax
        SHOW lfb_bit
        mov buffer + 16, %ax
        SHOW pitch
        call newline

        cli
        lgdt gdtr
        mov %cr0, %eax
        or $1, %al
        mov %eax, %cr0
        jmp 2f
2:      mov $8, %dx
        mov %dx, %fs
        and $0xfe, %al
        mov %eax, %cr0
        jmp 3f
3:      sti
        mov buffer + 40, %edi
        xor %edx, %edx
4:      xor %ecx, %ecx
5:      mov %ecx, %eax
        xor %edx, %eax
        shl $8, %eax
        mov %dl, %al
        shl $8, %eax
        mov %cl, %al
        addr32 mov %eax, %fs:(%edi)
        add $4, %edi
        inc %ecx
        cmp $800, %ecx
        jb 5b
        inc %edx
        cmp $600, %edx
        jb 4b
        jmp exit

        .p2align 3
gdt:    .quad 0
        .quad 0x00cf92000000ffff
gdtr:   .word 15
        .long gdt
list:   .fill 128, 2, 0xffff
buffer: .fill 512, 1, 0
