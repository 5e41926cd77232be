/* PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2): the devices
   on bus 0 of an i440FX/PIIX3 board with nothing plugged in. */
#include "kernel.h"

static uint32_t config_read(int dev, int fn, int reg)
{
    outl(0xCF8, 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (uint32_t)reg);
    return inl(0xCFC);
}

int main(void)
{
    serial_init();
    for (int dev = 0; dev < 32; dev++) {
        uint32_t id = config_read(dev, 0, 0);
        if ((id & 0xFFFF) == 0xFFFF)
            continue;
        uint32_t class = config_read(dev, 0, 8);
        print("pci: 00:%02x.0 %04x:%04x class %06x header %02x\n", dev, id & 0xFFFF, id >> 16, class >> 8,
              (config_read(dev, 0, 0x0C) >> 16) & 0xFF);
    }
    outl(0xCF8, 0x80000000u);
    print("pci: address register reads back %08x\n", inl(0xCF8));
    outb(0xCFB, 0);
    print("pci: byte write to 0xcfb leaves it %08x\n", inl(0xCF8));
    print("pci: word read at 0xcfe %04x\n", (outl(0xCF8, 0x80000000u), inw(0xCFE)));
    return 0;
}
