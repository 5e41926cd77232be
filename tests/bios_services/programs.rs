//! The boot programs of `bios_services.rs`, in GNU as syntax for `as --32`: each is
//! appended to `START` (the boot sector that loads the rest, and the print routines) and
//! ends by writing 0 to the isa-debug-exit port.

/// The boot sector: loads sectors 2-8 to 0000:7E00 and goes on there. Then the print
/// routines: `field` prints the text at SI, "=", AX in hex; `carry` prints "cf" and CF;
/// `long` prints EAX as two words; all on COM1 through INT 14h.
pub const START: &str = r#"
        .code16
        .globl _start
_start:
        cli
        xor %ax, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $0x7c00, %sp
        ljmp $0, $1f
1:      sti
        mov $0x0207, %ax
        mov $0x0002, %cx
        xor %dh, %dh
        mov $0x7e00, %bx
        int $0x13
        jmp main
        .org 510
        .word 0xaa55

/* Prints "cf" and the carry flag, then AH as "ah=..". Keeps AX and the flags. */
carry:
        pushf
        push %ax
        push %si
        mov $s_cf, %si
        call puts
        pop %si
        pop %ax
        popf
        pushf
        push %ax
        mov $'0', %al
        adc $0, %al
        call putc
        mov $' ', %al
        call putc
        pop %ax
        popf
        ret

/* The text at SI, "=", EAX in hex and a line end. */
long:
        push %eax
        call puts
        mov $'=', %al
        call putc
        pop %eax
        push %eax
        shr $16, %eax
        call hexword
        pop %eax
        call hexword
        jmp newline

/* The text at SI, "=", AX in hex and a line end. */
field:
        push %ax
        call puts
        mov $'=', %al
        call putc
        pop %ax
        call hexword
newline:
        mov $10, %al
        jmp putc

hexword:
        xchg %al, %ah
        call hexbyte
        xchg %al, %ah
hexbyte:
        push %ax
        shr $4, %al
        call nibble
        pop %ax
nibble:
        and $0x0f, %al
        add $'0', %al
        cmp $'9', %al
        jbe 5f
        add $7, %al
5:      jmp putc

puts:
        lodsb
        test %al, %al
        jz 6f
        call putc
        jmp puts
6:      ret

putc:
        pushal
        mov $0x01, %ah
        xor %dx, %dx
        int $0x14
        popal
        ret

/* "cfN ax=.... bx=.... cx=.... dx=...." on one line; keeps the registers. */
regs:
        pushal
        call carry
        push %dx
        push %cx
        push %bx
        mov $s_ax, %si
        call word
        pop %ax
        mov $s_bx, %si
        call word
        pop %ax
        mov $s_cx, %si
        call word
        pop %ax
        mov $s_dx, %si
        call word
        call newline
        popal
        ret

/* The text at SI, "=", AX in hex and a space. */
word:
        push %ax
        call puts
        mov $'=', %al
        call putc
        pop %ax
        call hexword
        mov $' ', %al
        jmp putc

done:
        mov $0, %al
        out %al, $0xf4
7:      hlt
        jmp 7b

s_cf:   .asciz "cf"
s_ax:   .asciz "ax"
s_bx:   .asciz "bx"
s_cx:   .asciz "cx"
s_dx:   .asciz "dx"
"#;

/// INT 1Ah AH=B1h: the installation check, the PIIX3 IDE function (8086:7010, class
/// 010180) found by IDs and by class, the bridges by class, its configuration read as
/// bytes, words and dwords, a write to the interrupt line register read back, and the errors
/// (no second IDE function: 86h; vendor FFFFh: 83h; function FFh: 81h).
pub const PCI: &str = r#"
main:
        mov $0xb101, %ax
        xor %edx, %edx
        int $0x1a
        call carry
        mov $s_ax, %si
        call field
        mov %bx, %ax
        mov $s_bx, %si
        call field
        movzbw %cl, %ax
        mov $s_cx, %si
        call field
        mov %edx, %eax
        mov $s_dx, %si
        call long

        mov $0xb102, %ax
        mov $0x7010, %cx
        mov $0x8086, %dx
        xor %si, %si
        int $0x1a
        call carry
        mov %bx, %ax
        mov $s_bx, %si
        call field
        mov %bx, ide

        mov $0xb102, %ax
        mov $0x7010, %cx
        mov $0x8086, %dx
        mov $1, %si
        int $0x1a
        call carry
        mov $s_ax, %si
        call field

        mov $0xb102, %ax
        mov $0x7010, %cx
        mov $0xffff, %dx
        xor %si, %si
        int $0x1a
        call carry
        mov $s_vendor, %si
        call field

        mov $classes, %di
1:      mov (%di), %ecx
        test %ecx, %ecx
        jz 2f
        mov $0xb103, %ax
        xor %si, %si
        push %di
        int $0x1a
        pop %di
        call carry
        mov %bx, %ax
        mov $s_bx, %si
        call field
        add $4, %di
        jmp 1b

2:      mov ide, %bx
        mov $0xb108, %ax
        mov $0x0b, %di
        int $0x1a
        call carry
        movzbw %cl, %ax
        mov $s_cx, %si
        call field
        mov $0xb109, %ax
        mov $0x02, %di
        int $0x1a
        mov %cx, %ax
        mov $s_cx, %si
        call field
        mov $0xb10a, %ax
        mov $0x00, %di
        int $0x1a
        mov %ecx, %eax
        mov $s_cx, %si
        call long
        mov $0xb10a, %ax
        mov $0x08, %di
        int $0x1a
        mov %ecx, %eax
        mov $s_cx, %si
        call long

        mov $0xb10b, %ax
        mov $0x3c, %di
        mov $0x0e, %cl
        int $0x1a
        call carry
        mov $0xb108, %ax
        xor %cx, %cx
        int $0x1a
        movzbw %cl, %ax
        mov $s_cx, %si
        call field
        mov $0xb10c, %ax
        mov $0x3c, %di
        mov $0x010b, %cx
        int $0x1a
        mov $0xb109, %ax
        xor %cx, %cx
        int $0x1a
        mov %cx, %ax
        mov $s_cx, %si
        call field

        mov $0xb109, %ax
        mov $0x01, %di
        mov $0xa000, %cx
        int $0x1a
        call carry
        jc 3f
        mov %cx, %ax
        mov $s_cx, %si
        call field
        jmp 4f
3:      mov $s_ax, %si
        call field
4:      mov $0xb1ff, %ax
        int $0x1a
        call carry
        mov $s_ax, %si
        call field
        jmp done

        .balign 4
classes: .long 0x010180, 0x060100, 0x060000, 0
ide:    .word 0
s_vendor: .asciz "vendor"
"#;

/// INT 15h AH=86h and the timer hook: INT 1Ch is hooked with a counter, then, from a tick
/// edge, waits of 1 000 000 us (18.2 ticks), 100 000 us (1.8 ticks) and 0 us; the elapsed
/// ticks must fall in bounds and the hook must have run once per tick.
pub const WAIT: &str = r#"
main:
        cli
        movw $hook, 0x70
        movw $0, 0x72
        sti
        mov $1, %bx
        mov $0x000f, %cx
        mov $0x4240, %dx
        call timed
        mov $0x0001, %cx
        mov $0x86a0, %dx
        call timed
        xor %cx, %cx
        xor %dx, %dx
        call timed
        jmp done

/* Waits CX:DX us from a tick edge; prints CF, whether the ticks counted are within
   15-30 for BX = 1 (1 s: 18) or else 0-6 (0.1 s: 1; 0 us: 0-1): wide, as QEMU's clock is
   the host's and a loaded host stretches its waits; and whether the hook ran as often as
   the tick count moved. */
timed:
        mov 0x46c, %ax
1:      hlt
        cmp 0x46c, %ax
        je 1b
        mov 0x46c, %ax
        mov %ax, start
        movw $0, hooks
        mov $0x8600, %ax
        int $0x15
        call carry
        mov 0x46c, %ax
        sub start, %ax
        mov $s_ticks, %si
        mov $15, %di
        mov $30, %bp
        cmp $1, %bx
        je 2f
        mov $0, %di
        mov $6, %bp
2:      cmp %di, %ax
        jb 3f
        cmp %bp, %ax
        ja 3f
        mov $0x0600d, %ax
3:      call field
        mov 0x46c, %ax
        sub start, %ax
        sub hooks, %ax
        mov $s_hook, %si
        call field
        xor %bx, %bx
        ret

hook:
        incw %cs:hooks
        iret

s_ticks: .asciz "ticks"
s_hook: .asciz "ticks-hooks"
start:  .word 0
hooks:  .word 0
"#;

/// INT 16h on the keyboard buffer alone (AH=05h stores codes, the reads and peeks take
/// them, the buffer holds 15), the shift flags, the capabilities; then what needs the 8042:
/// the keyboard ID (AH=0Ah) and the pointing device (INT 15h AH=C2h).
pub const KEYBOARD_AND_MOUSE: &str = r#"
main:
        mov $0x0900, %ax
        int $0x16
        mov $s_caps, %si
        call field
        mov $stores, %di
1:      mov (%di), %cx
        test %cx, %cx
        jz 9f
        mov $0x0500, %ax
        int $0x16
        mov 2(%di), %ax
        mov $s_f, %si
        call word
        mov 2(%di), %ax
        int $0x16
        call regs
2:      mov $0x1100, %ax
        int $0x16
        jz 3f
        mov $0x1000, %ax
        int $0x16
        jmp 2b
3:      add $4, %di
        jmp 1b
9:      mov $20, %bx
4:      mov $0x0500, %ax
        mov $0x3062, %cx
        int $0x16
        add $'0', %al
        call putc
        dec %bx
        jnz 4b
        call newline
        mov $0, %bx
5:      mov $0x0100, %ax
        int $0x16
        jz 6f
        mov $0x0000, %ax
        int $0x16
        inc %bx
        jmp 5b
6:      mov %bx, %ax
        mov $s_n, %si
        call field
        mov $0x0200, %ax
        int $0x16
        call regs
        mov $0x1200, %ax
        int $0x16
        call regs
        mov $0x0a00, %ax
        xor %bx, %bx
        int $0x16
        call regs
        mov $0x0305, %ax
        mov $0x010c, %bx
        int $0x16

        mov $mouse, %di
7:      mov (%di), %ax
        test %ax, %ax
        jz 8f
        mov 2(%di), %bx
        push %cs
        pop %es
        xor %cx, %cx
        xor %dx, %dx
        push %di
        int $0x15
        pop %di
        call regs
        add $4, %di
        jmp 7b
8:      jmp done

handler:
        lret

s_caps: .asciz "caps"
s_f:    .asciz "f"
s_n:    .asciz "n"
/* (code to store, read or peek function), each alone in the buffer */
stores: .word 0x1e61, 0x0100, 0x1e61, 0x1100, 0x1e61, 0x0000, 0x1e61, 0x1000
        .word 0x48e0, 0x0000, 0x48e0, 0x1000, 0xe00d, 0x0000, 0xe00d, 0x1000
        .word 0xe00a, 0x1000, 0xe02f, 0x1100, 0x01f0, 0x1000, 0x01f0, 0x0100
        .word 0x8500, 0x1000, 0x8500, 0x0100, 0x0000
/* (AX, BX) of INT 15h; C207h's ES:BX is the handler. */
mouse:  .word 0xc201, 0, 0xc204, 0, 0xc202, 0x0600, 0xc203, 0x0300
        .word 0xc206, 0x0000, 0xc206, 0x0200, 0xc206, 0x0000
        .word 0xc200, 0x0100, 0xc205, 0x0300, 0xc207, handler, 0xc200, 0x0100
        .word 0xc206, 0x0000, 0xc200, 0x0000, 0xc206, 0x0000
        .word 0xc202, 0x0700, 0xc203, 0x0400, 0xc205, 0x0900, 0xc2ff, 0
        .word 0xc207, 0, 0xc200, 0x0100, 0
"#;

/// Typing: set-1 scan codes put in the 8042's output buffer with command D2h reach INT 09h
/// as a keyboard's would (both 8042s raise IRQ 1 for them and do not translate them); then
/// INT 16h AH=10h reads every stored code, numbered, and the shift flags 40:17, 40:18 and
/// 40:96 and the INT 1Bh (Ctrl+Break) and INT 05h (Print Screen) hook counts are shown. A
/// keyboard intercept hooked on INT 15h AH=4Fh sees every byte, changes one key and
/// swallows another.
pub const TYPING: &str = r#"
main:
        cli
        movw $on_break, 0x1b*4
        movw $0, 0x1b*4+2
        movw $on_print, 0x05*4
        movw $0, 0x05*4+2
        mov 0x15*4, %eax
        mov %eax, old15
        movw $intercept, 0x15*4
        movw $0, 0x15*4+2
        sti
        mov $keys, %si
        xor %bx, %bx
1:      lodsb
        cmp $0xff, %al
        je 5f
        cmp $0xfe, %al
        je 3f
        push %bx
        mov %al, %bl
        call ibf
        mov $0xd2, %al
        out %al, $0x64
        call ibf
        mov %bl, %al
        out %al, $0x60
        pop %bx
2:      in $0x64, %al
        test $1, %al
        jnz 2b
        jmp 1b
/* Prints the codes stored so far, numbered on from BX. */
3:      mov $0x1100, %ax
        int $0x16
        jz 1b
        mov $0x1000, %ax
        int $0x16
        push %ax
        mov %bl, %al
        call hexbyte
        mov $'=', %al
        call putc
        pop %ax
        call hexword
        call newline
        inc %bx
        jmp 3b
5:      mov 0x417, %ax
        mov $s_flags, %si
        call field
        movzbw 0x496, %ax
        mov $s_mode, %si
        call field
        mov breaks, %ax
        mov $s_breaks, %si
        call field
        mov prints, %ax
        mov $s_prints, %si
        call field
        mov intercepts, %ax
        mov $s_intercepts, %si
        call field
        jmp done

/* INT 15h AH=4Fh, the keyboard intercept: counts the calls, turns Q into W, swallows E. */
intercept:
        cmp $0x4f, %ah
        jne 2f
        incw %cs:intercepts
        cmp $0x12, %al
        je 1f
        cmp $0x10, %al
        jne 2f
        mov $0x11, %al
        stc
        lret $2
1:      clc
        lret $2
2:      ljmp *%cs:old15

ibf:
        in $0x64, %al
        test $2, %al
        jnz ibf
        ret

old15:  .long 0
intercepts: .word 0
s_intercepts: .asciz "intercepts"
on_break:
        incw %cs:breaks
        iret
on_print:
        incw %cs:prints
        iret

breaks: .word 0
prints: .word 0
s_flags: .asciz "flags"
s_mode: .asciz "mode"
s_breaks: .asciz "breaks"
s_prints: .asciz "prints"
keys:
        .byte 0x1d, 0xe0, 0x46, 0xe0, 0xc6, 0x9d       /* Ctrl+Break */
        .byte 0x1e, 0x9e, 0x2a, 0x1e, 0x9e, 0xaa       /* a, A */
        .byte 0x3a, 0xba, 0x1e, 0x9e, 0x36, 0x1e, 0x9e, 0xb6, 0x3a, 0xba /* Caps */
        .byte 0x1d, 0x2e, 0xae, 0x9d, 0x38, 0x2d, 0xad, 0xb8 /* Ctrl+C, Alt+X */
        .byte 0x02, 0x82, 0x2a, 0x03, 0x83, 0xaa, 0x1d, 0x03, 0x83, 0x9d, 0xfe
        .byte 0x1c, 0x9c, 0x0e, 0x8e, 0x0f, 0x8f, 0x2a, 0x0f, 0x8f, 0xaa, 0x01, 0x81
        .byte 0x1d, 0x1c, 0x9c, 0x9d, 0xfe             /* Ctrl+Enter */
        .byte 0x3b, 0xbb, 0x2a, 0x3b, 0xbb, 0xaa, 0x1d, 0x3b, 0xbb, 0x9d
        .byte 0x38, 0x3b, 0xbb, 0xb8, 0x57, 0xd7, 0x58, 0xd8, 0xfe /* F1-Alt+F1, F11, F12 */
        .byte 0x47, 0xc7, 0x45, 0xc5, 0x47, 0xc7, 0x53, 0xd3, 0x45, 0xc5, 0xfe /* Num Lock */
        .byte 0xe0, 0x48, 0xe0, 0xc8, 0xe0, 0x1c, 0xe0, 0x9c, 0xe0, 0x35, 0xe0, 0xb5
        .byte 0x1d, 0xe0, 0x4b, 0xe0, 0xcb, 0x9d       /* Ctrl+grey Left */
        .byte 0x38, 0xe0, 0x48, 0xe0, 0xc8, 0xb8       /* Alt+grey Up */
        .byte 0xe0, 0x53, 0xe0, 0xd3, 0x37, 0xb7, 0x4a, 0xca, 0x4e, 0xce, 0xfe
        .byte 0x38, 0x01, 0x81, 0x0e, 0x8e, 0x1a, 0x9a, 0xb8 /* Alt+Esc, BS, [ */
        .byte 0xe0, 0x52, 0xe0, 0xd2                   /* Insert */
        .byte 0xe0, 0x2a, 0xe0, 0x37, 0xe0, 0xb7, 0xe0, 0xaa /* Print Screen */
        .byte 0x10, 0x90, 0x12, 0x92, 0x13, 0x93, 0xfe /* Q, E, R through the intercept */
        .byte 0x38, 0x4d, 0xcd, 0x4c, 0xcc, 0xb8, 0xfe /* Alt+keypad 6 5 */
        .byte 0xe0, 0x1d, 0xe0, 0x38, 0xfe             /* right Ctrl, right Alt held */
        .byte 0xff
"#;

/// The pointing device's packets: bytes put in the 8042's output buffer with command D3h
/// reach INT 74h as a mouse's would; after each three-byte packet the handler installed with
/// INT 15h AX=C207h has been far-called with the status, X, Y and 0 words on the stack, which
/// it saves and the program prints, with the number of calls.
pub const MOUSE_PACKETS: &str = r#"
main:
        mov $0xc205, %ax
        mov $0x0300, %bx
        int $0x15
        call regs
        push %cs
        pop %es
        mov $0xc207, %ax
        mov $handler, %bx
        int $0x15
        mov $0xc200, %ax
        mov $0x0100, %bx
        int $0x15
        call regs
        mov $packets, %si
1:      lodsb
        cmp $0xff, %al
        je 4f
        cmp $0xfe, %al
        je 3f
        mov %al, %bl
        call ibf
        mov $0xd3, %al
        out %al, $0x64
        call ibf
        mov %bl, %al
        out %al, $0x60
2:      in $0x64, %al
        test $1, %al
        jnz 2b
        jmp 1b
3:      mov %si, save_si
        mov calls, %ax
        mov $s_n, %si
        call word
        mov $words, %di
        mov $4, %cx
5:      mov (%di), %ax
        mov $s_w, %si
        call word
        add $2, %di
        loop 5b
        call newline
        mov save_si, %si
        jmp 1b
4:      mov $0xc200, %ax
        mov $0x0000, %bx
        int $0x15
        call regs
        jmp done

ibf:
        in $0x64, %al
        test $2, %al
        jnz ibf
        ret

/* Saves its four stacked words: status, X, Y, 0. */
handler:
        push %bp
        mov %sp, %bp
        push %ax
        mov 12(%bp), %ax
        mov %ax, %cs:words
        mov 10(%bp), %ax
        mov %ax, %cs:words+2
        mov 8(%bp), %ax
        mov %ax, %cs:words+4
        mov 6(%bp), %ax
        mov %ax, %cs:words+6
        incw %cs:calls
        pop %ax
        pop %bp
        lret

s_n:    .asciz "calls"
s_w:    .asciz "w"
calls:  .word 0
words:  .word 0, 0, 0, 0
save_si: .word 0
packets:
        .byte 0x09, 0x05, 0xfd, 0xfe
        .byte 0x28, 0x00, 0xf0, 0xfe
        .byte 0x0c, 0x7f, 0x01, 0xfe
        .byte 0xff
"#;

/// Ctrl+Alt+Del typed through command D2h: the BIOS pulses the reset line through the 8042
/// (command FEh) and the machine starts over. The program leaves a mark in RAM that the
/// reset keeps, and the second time round says so and ends.
pub const CTRL_ALT_DEL: &str = r#"
main:
        cmpw $0xbeef, 0x600
        je 3f
        movw $0xbeef, 0x600
        mov $keys, %si
1:      lodsb
        test %al, %al
        jz 2f
        mov %al, %bl
        call ibf
        mov $0xd2, %al
        out %al, $0x64
        call ibf
        mov %bl, %al
        out %al, $0x60
        jmp 1b
2:      mov $s_alive, %si
        call puts
        jmp done
3:      movw $0, 0x600
        mov $s_again, %si
        call puts
        jmp done

ibf:
        in $0x64, %al
        test $2, %al
        jnz ibf
        ret

keys:   .byte 0x1d, 0x38, 0x53, 0
s_alive: .asciz "no reset\n"
s_again: .asciz "started again\n"
"#;

/// Keys typed on the serial console (COM1, amber's stdin when headless) reach INT 16h with
/// the scan codes of the keys that carry them.
pub const SERIAL_KEYS: &str = r#"
main:
        mov $s_ready, %si
        call puts
        mov $4, %cx
1:      xor %ax, %ax
        int $0x16
        mov $s_ax, %si
        call field
        loop 1b
        jmp done
s_ready: .asciz "ready\n"
"#;

/// Pause (E1 1D 45 E1 9D C5) typed through command D2h: INT 09h waits until another key
/// comes, which INT 1Ch types four ticks later, and which is not stored. Then B is typed;
/// the program prints the stored codes and whether the pause lasted at least three ticks.
pub const PAUSE: &str = r#"
main:
        cli
        movw $tick, 0x1c*4
        movw $0, 0x1c*4+2
        sti
        mov 0x46c, %ax
        mov %ax, start
        mov $keys, %si
1:      lodsb
        test %al, %al
        jz 3f
        call type
        jmp 1b
3:      mov 0x46c, %ax
        sub start, %ax
        cmp $3, %ax
        jb 4f
        mov $0x600d, %ax
4:      mov $s_ticks, %si
        call field
5:      mov $0x1100, %ax
        int $0x16
        jz 6f
        mov $0x1000, %ax
        int $0x16
        mov $s_ax, %si
        call field
        jmp 5b
6:      jmp done

/* Types the scan code in AL and waits until INT 09h has taken it. */
type:
        call put
2:      in $0x64, %al
        test $1, %al
        jnz 2b
        ret

/* Puts the scan code in AL in the output buffer. */
put:
        mov %al, %bl
        call ibf
        mov $0xd2, %al
        out %al, $0x64
        call ibf
        mov %bl, %al
        out %al, $0x60
        ret

ibf:
        in $0x64, %al
        test $2, %al
        jnz ibf
        ret

/* INT 1Ch: four ticks after the start, types A once (INT 09h takes it after the timer's
   end of interrupt). */
tick:
        push %ax
        push %bx
        cmpb $0, %cs:typed
        jne 7f
        mov %cs:0x46c, %ax
        sub %cs:start, %ax
        cmp $4, %ax
        jb 7f
        movb $1, %cs:typed
        mov $0x1e, %al
        call put
7:      pop %bx
        pop %ax
        iret

start:  .word 0
typed:  .byte 0
keys:   .byte 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5, 0x30, 0xb0, 0
s_ticks: .asciz "ticks"
"#;
