//! amber-devices: one file per PC device, and the port/MMIO/IRQ traits they implement
//! (DESIGN.md "Devices"). The 8259A, 8254, MC146818, 16550A and the rest arrive with issue #3;
//! until then the board in `amber-machine` answers ports itself.
