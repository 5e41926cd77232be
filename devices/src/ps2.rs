//! PS/2 devices behind the 8042 (IBM PS/2 Hardware Interface Technical Reference,
//! "Keyboard and Auxiliary Device Controller", "Keyboard", "Pointing Device"): the
//! keyboard and the mouse, and the output queue each keeps of bytes not yet taken by the
//! controller.

pub mod keyboard;
pub mod mouse;
pub mod scancodes;

pub use keyboard::Ps2Keyboard;
pub use mouse::{Ps2Mouse, BUTTON_LEFT, BUTTON_MIDDLE, BUTTON_RIGHT};
pub use scancodes::Key;

use std::collections::VecDeque;

/// Acknowledge of a command or parameter byte.
const ACK: u8 = 0xFA;
/// "Resend": the byte received was not a valid command or parameter.
const RESEND: u8 = 0xFE;
/// Basic assurance test passed (after a reset).
const BAT_OK: u8 = 0xAA;

/// A device's output queue. Input (scan codes, mouse packets) is bounded at 16 bytes, the
/// buffer of a PS/2 device (QEMU `PS2_QUEUE_SIZE`); a sequence that does not fit whole is
/// dropped so the guest never sees half a key or half a packet. Replies to commands get 8
/// more bytes of room (QEMU `PS2_QUEUE_HEADROOM`) so a full queue never swallows an
/// acknowledge.
#[derive(Debug, Default)]
struct Ps2Queue {
    bytes: VecDeque<u8>,
}

impl Ps2Queue {
    const INPUT_LIMIT: usize = 16;
    const LIMIT: usize = Self::INPUT_LIMIT + 8;

    /// Queues an input sequence whole, or not at all; returns whether it was queued.
    fn push_input(&mut self, sequence: &[u8]) -> bool {
        let fits = self.bytes.len() + sequence.len() <= Self::INPUT_LIMIT;
        if fits {
            self.bytes.extend(sequence);
        }
        fits
    }

    /// Queues a reply to a command, dropping it only if even the headroom is used up.
    fn push_reply(&mut self, reply: &[u8]) {
        if self.bytes.len() + reply.len() <= Self::LIMIT {
            self.bytes.extend(reply);
        }
    }

    fn pop(&mut self) -> Option<u8> {
        self.bytes.pop_front()
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn clear(&mut self) {
        self.bytes.clear();
    }
}
