//! How the board talks to a device: port accesses stamped with the virtual time, and timed
//! events on the virtual clock (DESIGN.md "Time, interrupts and determinism").

/// Virtual time in nanoseconds since power-on.
pub type Nanos = u64;

/// A device on the I/O port bus. `port` is the absolute port number, `size` is 1, 2 or 4
/// bytes, `now` is the virtual time of the access. The board routes only the ports it
/// registered for the device.
pub trait PortIo {
    fn read(&mut self, now: Nanos, port: u16, size: u8) -> u32;
    fn write(&mut self, now: Nanos, port: u16, size: u8, value: u32);
}

/// A device with events on the virtual clock (a timer expiring, a character finishing
/// transmission).
pub trait Timed {
    /// Runs the device up to `now`, raising its interrupt lines for events that fell due, and
    /// returns the time of its next event, if it has one. The board calls it when that time
    /// comes and after every port access to the device (which may move the deadline).
    fn advance(&mut self, now: Nanos) -> Option<Nanos>;
}
