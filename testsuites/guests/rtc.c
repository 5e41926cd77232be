/* MC146818 RTC/CMOS (MC146818 datasheet): status registers, BCD date fields, the periodic
   interrupt on IRQ8 through the cascaded 8259A, and the update-ended interrupt. */
#include "kernel.h"

static uint8_t cmos(uint8_t index)
{
    outb(0x70, index);
    return inb(0x71);
}

static void cmos_write(uint8_t index, uint8_t v)
{
    outb(0x70, index);
    outb(0x71, v);
}

static int bcd_ok(uint8_t v, uint8_t max)
{
    return (v & 0x0F) <= 9 && (v >> 4) <= 9 && ((v >> 4) * 10 + (v & 0x0F)) <= max;
}

static volatile int periodic, updates;

static void rtc_irq(int irq)
{
    (void)irq;
    uint8_t c = cmos(0x0C);
    if (c & 0x40)
        periodic++;
    if (c & 0x10)
        updates++;
}

int main(void)
{
    serial_init();
    idt_init();
    pic_init();
    cmos_write(0x0A, 0x26);        /* 32.768 kHz time base, 1024 Hz periodic rate */
    cmos_write(0x0B, 0x02);        /* 24-hour, BCD, no interrupts */
    print("rtc: register A rate %x\n", cmos(0x0A) & 0x7F);
    print("rtc: register B %02x\n", cmos(0x0B));
    print("rtc: register D %02x\n", cmos(0x0D));
    print("rtc: date and time are valid BCD: %s\n",
          bcd_ok(cmos(0), 59) && bcd_ok(cmos(2), 59) && bcd_ok(cmos(4), 23) &&
          bcd_ok(cmos(7), 31) && bcd_ok(cmos(8), 12) && bcd_ok(cmos(9), 99) ? "yes" : "no");
    cmos(0x0C);
    set_irq_handler(8, rtc_irq);
    pic_unmask(8);
    cmos_write(0x0B, 0x42);        /* periodic interrupt */
    sti();
    while (periodic < 16)
        hlt();
    cli();
    print("rtc: 16 periodic interrupts on IRQ8\n");
    cmos_write(0x0B, 0x12);        /* update-ended interrupt only */
    cmos(0x0C);
    uint8_t before = cmos(0);
    sti();
    while (updates < 1)
        hlt();
    cli();
    uint8_t after = cmos(0);
    int b = (before >> 4) * 10 + (before & 15), a = (after >> 4) * 10 + (after & 15);
    print("rtc: seconds advance by one at the update interrupt: %s\n", a == (b + 1) % 60 ? "yes" : "no");
    return 0;
}
