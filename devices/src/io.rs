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

/// A character output shared by the devices that print (UART, debug console): bytes go to a
/// writer, flushed after each newline; a write error is logged once and the rest dropped, so
/// a closed pipe never stops the guest.
pub struct LineOutput<W: std::io::Write> {
    out: W,
    name: &'static str,
    failed: bool,
    /// Bytes written since the last flush (so flushing an idle output costs nothing).
    unflushed: bool,
}

impl<W: std::io::Write> LineOutput<W> {
    /// `name` says which device's output failed in the log.
    pub fn new(out: W, name: &'static str) -> LineOutput<W> {
        LineOutput {
            out,
            name,
            failed: false,
            unflushed: false,
        }
    }

    pub fn put(&mut self, byte: u8) {
        if self.failed {
            return;
        }
        self.unflushed = byte != b'\n';
        let result = self.out.write_all(&[byte]).and_then(|()| {
            if byte == b'\n' {
                self.out.flush()
            } else {
                Ok(())
            }
        });
        if let Err(e) = result {
            log::warn!("{} output failed, dropping further output: {e}", self.name);
            self.failed = true;
        }
    }

    /// Flushes what is buffered since the last newline (a prompt; at exit).
    pub fn flush(&mut self) {
        if std::mem::take(&mut self.unflushed) && !self.failed {
            if let Err(e) = self.out.flush() {
                log::warn!("{} output failed: {e}", self.name);
            }
        }
    }
}
