/* A floppy boot sector that asks the BIOS what DOS-era boot code asks of a diskette
   (Ralf Brown's list: INT 13h 08h, 15h, 02h, 03h, 04h, 01h, 00h, 16h; INT 1Eh; INT 11h)
   and prints the answers on COM1 through INT 14h, then exits through isa-debug-exit. The
   test harness boots it from a 1.44 MB image whose sector n starts with n (32 bits), under
   amber's BIOS and under SeaBIOS. Reads cross a head boundary and a cylinder boundary;
   one sector is written and read back; a buffer across 64 KiB must fail with 09h.
   Not printed, as SeaBIOS and the manuals disagree (testsuites/KNOWN_FAILURES.md): the
   drive type AH=15h returns and AH=16h's change-line answer. */
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %ss
        mov $0x7c00, %sp
        sti
        mov %dl, drive
        movzbw %dl, %ax
        mov $s_dl, %si
        call field

        int $0x11
        and $0xc1, %ax
        mov $s_eq, %si
        call field

        /* AH=08: type, geometry, drive count, and the table at ES:DI. */
        mov $0x0800, %ax
        call disk
        mov %bx, %ax
        mov $s_bx, %si
        call field
        mov %cx, %ax
        mov $s_cx, %si
        call field
        mov %dx, %ax
        mov $s_dx, %si
        call field
        mov %es:4(%di), %ax
        mov $s_tab, %si
        call field
        /* INT 1Eh points at the same parameters. */
        les 0x78, %bx
        mov %es:(%bx), %ax
        mov $s_1e, %si
        call field

        /* AH=15h: only CF is printed (the type in AH differs; see KNOWN_FAILURES.md). */
        mov $0x1500, %ax
        call disk

        /* One sector: C0 H0 S2 is sector 1. */
        mov $0x0201, %ax
        mov $0x0002, %cx
        xor %dh, %dh
        call read_at
        /* Four from C0 H0 S17: sectors 16, 17 and, on side 1, 18, 19. */
        mov $0x0204, %ax
        mov $0x0011, %cx
        xor %dh, %dh
        call read_at
        /* Four from C0 H1 S17: 34, 35, then cylinder 1: 36, 37. */
        mov $0x0204, %ax
        mov $0x0011, %cx
        mov $1, %dh
        call read_at
        /* Forty from C1 H1 S1: 54 up to 93, across cylinder 2. */
        mov $0x0228, %ax
        mov $0x0101, %cx
        mov $1, %dh
        call read_at
        mov %es:(39*512), %ax
        mov $s_last, %si
        call field

        /* A buffer across 64 KiB: status 09h, which AH=01 then reports. */
        mov $0x0201, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        xor %bx, %bx
        mov %bx, %es
        mov $0xff00, %bx
        call disk
        call status

        /* Write C2 H1 S5 (sector 94) from 1000:0000, which holds sector 54 now, read it
           back into 2000:0000 and compare. */
        mov $0x1000, %ax
        mov %ax, %es
        mov $0x0301, %ax
        mov $0x0205, %cx
        mov $1, %dh
        xor %bx, %bx
        call disk
        call status
        mov $0x2000, %ax
        mov %ax, %es
        mov $0x0201, %ax
        mov $0x0205, %cx
        mov $1, %dh
        call disk
        mov %es:0, %ax
        mov $s_n, %si
        call field
        push %ds
        mov $0x1000, %ax
        mov %ax, %ds
        xor %si, %si
        xor %di, %di
        mov $256, %cx
        repe cmpsw
        pop %ds
        mov %cx, %ax
        mov $s_cmp, %si
        call field

        /* AH=04 verify two sectors, AH=00 reset, AH=16h (not printed). */
        mov $0x0402, %ax
        mov $0x0001, %cx
        xor %dh, %dh
        call disk
        mov $s_ax, %si
        call field
        mov $0x0000, %ax
        call disk
        call status
        mov $0x16, %ah
        mov drive, %dl
        int $0x13

        /* A bad request: drive B: is not there. */
        mov $0x0201, %ax
        mov $0x0001, %cx
        mov $0x0001, %dx
        int $0x13
        call carry
        call status

        mov $0, %al
        out %al, $0xf4
1:      hlt
        jmp 1b

/* INT 13h on the boot drive with head DH; prints CF. */
disk:
        mov drive, %dl
        int $0x13
        jmp carry

/* Reads AL sectors at CX/DH into 1000:0000 and prints CF, AX and the first word of each
   sector read. */
read_at:
        mov $0x1000, %bx
        mov %bx, %es
        xor %bx, %bx
        push %ax
        call disk
        mov $s_ax, %si
        call field
        pop %cx
        xor %ch, %ch
        cmp $8, %cx
        jbe 5f
        mov $8, %cx
5:      xor %bx, %bx
6:      mov %es:(%bx), %ax
        mov $s_n, %si
        call field
        add $512, %bx
        loop 6b
        ret

/* AH=01: the last status, printed with CF. */
status:
        mov $0x0100, %ax
        call disk
        shr $8, %ax
        mov $s_st, %si
        jmp field

/* Prints "cf" and the carry flag (0 or 1), keeping AX. */
carry:
        pushf
        push %ax
        mov $s_cf, %si
        call puts
        pop %ax
        popf
        push %ax
        mov $'0', %al
        adc $0, %al
        call putc
        mov $' ', %al
        call putc
        pop %ax
        ret

/* Prints the text at SI, "=", AX in hex and a line end; keeps CX. */
field:
        push %cx
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
        mov $10, %al
        call putc
        pop %cx
        ret

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
s_dl:   .asciz "dl"
s_eq:   .asciz "eq"
s_cf:   .asciz "cf"
s_bx:   .asciz "bx"
s_cx:   .asciz "cx"
s_dx:   .asciz "dx"
s_tab:  .asciz "t4"
s_1e:   .asciz "1e"
s_ax:   .asciz "ax"
s_n:    .asciz "n"
s_last: .asciz "l"
s_st:   .asciz "st"
s_cmp:  .asciz "c"
        .org 510
        .word 0xaa55
