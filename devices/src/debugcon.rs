//! QEMU's isa-debugcon (hw/char/debugcon.c), the Bochs "port E9 hack": every byte written
//! to port 0xE9 goes to the host, and a read returns 0xE9 so a guest can detect the port.

use crate::io::{LineOutput, Nanos, PortIo};
use std::io::Write;

/// What a read of the port returns (QEMU's default `readback`).
const READBACK: u8 = 0xE9;

pub const PORTS: &[(u16, u16)] = &[(0xE9, 1), (0x402, 1)];

/// The debug console at port 0xE9.
pub struct DebugCon {
    out: LineOutput<Box<dyn Write>>,
}

impl DebugCon {
    /// Output goes to `sink`, flushed after each newline.
    pub fn new(sink: Box<dyn Write>) -> DebugCon {
        DebugCon {
            out: LineOutput::new(sink, "debug console"),
        }
    }

    /// Nothing to reset: output already written stays written.
    pub fn reset(&mut self) {}

    /// Flushes the sink (at exit, for output without a final newline).
    pub fn flush(&mut self) {
        self.out.flush();
    }
}

impl PortIo for DebugCon {
    fn read(&mut self, _now: Nanos, _port: u16, _size: u8) -> u32 {
        u32::from(READBACK)
    }

    fn write(&mut self, _now: Nanos, _port: u16, _size: u8, value: u32) {
        self.out.put(value as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    #[derive(Clone, Default)]
    struct Sink(Rc<RefCell<(Vec<u8>, usize)>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.0.borrow_mut().1 += 1;
            Ok(())
        }
    }

    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _buf: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("closed"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn bytes_reach_the_sink_with_a_flush_per_line() {
        let sink = Sink::default();
        let mut con = DebugCon::new(Box::new(sink.clone()));
        for b in b"ok\nmore" {
            con.write(0, 0xE9, 1, u32::from(*b));
        }
        assert_eq!(*sink.0.borrow(), (b"ok\nmore".to_vec(), 1));
        con.flush();
        assert_eq!(sink.0.borrow().1, 2);
        assert_eq!(con.read(0, 0xE9, 1), 0xE9);
    }

    #[test]
    fn a_failing_sink_is_dropped_without_panicking() {
        let mut con = DebugCon::new(Box::new(Broken));
        con.write(0, 0xE9, 1, u32::from(b'x'));
        con.write(0, 0xE9, 1, u32::from(b'\n'));
    }
}
