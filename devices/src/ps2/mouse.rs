//! A PS/2 mouse with the IntelliMouse wheel (IBM PS/2 Hardware Interface Technical
//! Reference, "Pointing Device": commands, status bytes, 2:1 scaling, data packet; the
//! OSDev wiki "PS/2 Mouse" and "Mouse Input" pages; Microsoft's IntelliMouse extension:
//! sample rates 200, 100, 80 in a row switch the device ID to 3 and the packet to four
//! bytes, the fourth the wheel movement).
//!
//! One `movement` is one sample: it becomes one packet at once in stream mode with
//! reporting enabled; in remote mode it adds to the counters that Read Data (EB) reports.
//! Movements are counts as the host gives them; the resolution the guest sets is kept
//! and reported but does not rescale them.

use super::{Ps2Queue, ACK, BAT_OK, RESEND};

/// Button bits, as they sit in the first packet byte.
pub const BUTTON_LEFT: u8 = 0x01;
pub const BUTTON_RIGHT: u8 = 0x02;
pub const BUTTON_MIDDLE: u8 = 0x04;
const BUTTONS: u8 = BUTTON_LEFT | BUTTON_RIGHT | BUTTON_MIDDLE;

const CMD_SCALING_1_1: u8 = 0xE6;
const CMD_SCALING_2_1: u8 = 0xE7;
const CMD_SET_RESOLUTION: u8 = 0xE8;
const CMD_STATUS: u8 = 0xE9;
const CMD_STREAM: u8 = 0xEA;
const CMD_READ_DATA: u8 = 0xEB;
const CMD_RESET_WRAP: u8 = 0xEC;
const CMD_WRAP: u8 = 0xEE;
const CMD_REMOTE: u8 = 0xF0;
const CMD_GET_ID: u8 = 0xF2;
const CMD_SAMPLE_RATE: u8 = 0xF3;
const CMD_ENABLE: u8 = 0xF4;
const CMD_DISABLE: u8 = 0xF5;
const CMD_DEFAULT: u8 = 0xF6;
const CMD_RESEND: u8 = 0xFE;
const CMD_RESET: u8 = 0xFF;

/// Device IDs: a standard PS/2 mouse, and one with a wheel.
const ID_STANDARD: u8 = 0x00;
const ID_WHEEL: u8 = 0x03;
/// The sample rates that, set in this order, switch on the wheel.
const WHEEL_KNOCK: [u8; 3] = [200, 100, 80];

const DEFAULT_SAMPLE_RATE: u8 = 100;
/// 4 counts/mm.
const DEFAULT_RESOLUTION: u8 = 2;

/// First packet byte: bit 3 is always set; sign and overflow bits of X and Y.
const PACKET_ALWAYS_ONE: u8 = 0x08;
const PACKET_X_SIGN: u8 = 0x10;
const PACKET_Y_SIGN: u8 = 0x20;
const PACKET_X_OVERFLOW: u8 = 0x40;
const PACKET_Y_OVERFLOW: u8 = 0x80;
/// A movement is nine bits, two's complement: the sign bit and the data byte.
const MOVEMENT_MIN: i32 = -256;
const MOVEMENT_MAX: i32 = 255;

/// Status byte (Status Request, E9): bit 6 remote mode, bit 5 reporting enabled, bit 4
/// scaling 2:1, bits 2-0 left, middle, right button.
const STATUS_REMOTE: u8 = 0x40;
const STATUS_ENABLED: u8 = 0x20;
const STATUS_SCALING_2_1: u8 = 0x10;
const STATUS_LEFT: u8 = 0x04;
const STATUS_MIDDLE: u8 = 0x02;
const STATUS_RIGHT: u8 = 0x01;

/// 2:1 scaling of counts 0-5 (IBM "Scaling"); larger counts are doubled.
const SCALING_2_1: [i32; 6] = [0, 1, 1, 3, 6, 9];

/// A PS/2 mouse.
#[derive(Debug)]
pub struct Ps2Mouse {
    queue: Ps2Queue,
    /// A command that waits for its parameter byte.
    pending: Option<u8>,
    sample_rate: u8,
    resolution: u8,
    scaling_2_1: bool,
    remote: bool,
    reporting: bool,
    wrap: bool,
    id: u8,
    /// The last three sample rates set, oldest first.
    recent_rates: [u8; 3],
    buttons: u8,
    /// Movement not yet reported (remote mode).
    dx: i32,
    dy: i32,
    dz: i32,
    last_sent: u8,
}

impl Default for Ps2Mouse {
    fn default() -> Self {
        Ps2Mouse::new()
    }
}

impl Ps2Mouse {
    pub fn new() -> Ps2Mouse {
        Ps2Mouse {
            queue: Ps2Queue::default(),
            pending: None,
            sample_rate: DEFAULT_SAMPLE_RATE,
            resolution: DEFAULT_RESOLUTION,
            scaling_2_1: false,
            remote: false,
            reporting: false,
            wrap: false,
            id: ID_STANDARD,
            recent_rates: [0; 3],
            buttons: 0,
            dx: 0,
            dy: 0,
            dz: 0,
            last_sent: 0,
        }
    }

    /// Power-on state: stream mode, reporting disabled, 100 samples/s, 4 counts/mm.
    pub fn reset(&mut self) {
        *self = Ps2Mouse::new();
    }

    /// The device ID: 0, or 3 once the wheel is switched on.
    pub fn id(&self) -> u8 {
        self.id
    }

    /// A sample: `dx` to the right, `dy` up (the PS/2 direction: a host's screen y, which
    /// grows downwards, is negated), `dz` wheel notches towards the user, `buttons` the
    /// BUTTON_* bits held down.
    pub fn movement(&mut self, dx: i32, dy: i32, dz: i32, buttons: u8) {
        self.buttons = buttons & BUTTONS;
        if self.remote {
            self.dx = self.dx.saturating_add(dx);
            self.dy = self.dy.saturating_add(dy);
            self.dz = self.dz.saturating_add(dz);
        } else if self.reporting && !self.wrap {
            let scaled = |d| if self.scaling_2_1 { scale_2_1(d) } else { d };
            let packet = self.packet(scaled(dx), scaled(dy), dz);
            self.queue.push_input(&packet);
        }
    }

    fn packet(&self, dx: i32, dy: i32, dz: i32) -> Vec<u8> {
        let (x, x_overflow) = nine_bits(dx);
        let (y, y_overflow) = nine_bits(dy);
        let mut first = PACKET_ALWAYS_ONE | self.buttons;
        let flags = [
            (x < 0, PACKET_X_SIGN),
            (y < 0, PACKET_Y_SIGN),
            (x_overflow, PACKET_X_OVERFLOW),
            (y_overflow, PACKET_Y_OVERFLOW),
        ];
        for (set, bit) in flags {
            if set {
                first |= bit;
            }
        }
        let mut packet = vec![first, x as u8, y as u8];
        if self.id == ID_WHEEL {
            // The wheel byte saturates at a signed byte (QEMU ps2_mouse_send_packet).
            packet.push(dz.clamp(-127, 127) as u8);
        }
        packet
    }

    pub(crate) fn has_data(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The next byte towards the controller.
    pub(crate) fn pop(&mut self) -> Option<u8> {
        let byte = self.queue.pop()?;
        self.last_sent = byte;
        Some(byte)
    }

    /// Bytes waiting in the queue.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// A byte from the controller (command D4): a command, or the parameter of the
    /// previous one.
    pub(crate) fn write(&mut self, byte: u8) {
        if let Some(command) = self.pending.take() {
            self.parameter(command, byte);
            return;
        }
        // Wrap mode echoes everything but Reset Wrap and Reset (IBM "Set Wrap Mode").
        if self.wrap && byte != CMD_RESET_WRAP && byte != CMD_RESET {
            self.queue.push_reply(&[byte]);
            return;
        }
        self.command(byte);
    }

    fn parameter(&mut self, command: u8, value: u8) {
        if command == CMD_SAMPLE_RATE {
            self.sample_rate = value;
            self.recent_rates = [self.recent_rates[1], self.recent_rates[2], value];
            if self.recent_rates == WHEEL_KNOCK {
                self.id = ID_WHEEL;
            }
        } else {
            self.resolution = value;
        }
        self.queue.push_reply(&[ACK]);
    }

    fn command(&mut self, command: u8) {
        match command {
            CMD_SET_RESOLUTION | CMD_SAMPLE_RATE => {
                self.pending = Some(command);
                self.queue.push_reply(&[ACK]);
            }
            CMD_SCALING_1_1 | CMD_SCALING_2_1 => {
                self.scaling_2_1 = command == CMD_SCALING_2_1;
                self.queue.push_reply(&[ACK]);
            }
            CMD_STATUS => {
                let status = self.status();
                self.queue
                    .push_reply(&[ACK, status, self.resolution, self.sample_rate]);
            }
            CMD_STREAM | CMD_REMOTE => {
                self.remote = command == CMD_REMOTE;
                self.clear_counters();
                self.queue.push_reply(&[ACK]);
            }
            CMD_READ_DATA => {
                let packet = self.packet(self.dx, self.dy, self.dz);
                self.clear_counters();
                self.queue.push_reply(&[ACK]);
                self.queue.push_reply(&packet);
            }
            CMD_RESET_WRAP | CMD_WRAP => {
                self.wrap = command == CMD_WRAP;
                self.clear_counters();
                self.queue.push_reply(&[ACK]);
            }
            CMD_GET_ID => self.queue.push_reply(&[ACK, self.id]),
            CMD_ENABLE | CMD_DISABLE => {
                self.reporting = command == CMD_ENABLE;
                self.clear_counters();
                self.queue.push_reply(&[ACK]);
            }
            CMD_DEFAULT => {
                self.set_defaults();
                self.queue.push_reply(&[ACK]);
            }
            CMD_RESEND => self.queue.push_reply(&[self.last_sent]),
            CMD_RESET => {
                self.set_defaults();
                self.id = ID_STANDARD;
                self.wrap = false;
                self.queue.clear();
                self.queue.push_reply(&[ACK, BAT_OK, self.id]);
            }
            _ => self.queue.push_reply(&[RESEND]),
        }
    }

    fn status(&self) -> u8 {
        let bits = [
            (self.remote, STATUS_REMOTE),
            (self.reporting, STATUS_ENABLED),
            (self.scaling_2_1, STATUS_SCALING_2_1),
            (self.buttons & BUTTON_LEFT != 0, STATUS_LEFT),
            (self.buttons & BUTTON_MIDDLE != 0, STATUS_MIDDLE),
            (self.buttons & BUTTON_RIGHT != 0, STATUS_RIGHT),
        ];
        bits.iter()
            .filter(|&&(set, _)| set)
            .fold(0, |acc, &(_, bit)| acc | bit)
    }

    /// IBM "Set Default": 100 samples/s, 4 counts/mm, 1:1 scaling, stream mode, reporting
    /// disabled. The wheel stays on (as in QEMU); only Reset turns it off.
    fn set_defaults(&mut self) {
        self.sample_rate = DEFAULT_SAMPLE_RATE;
        self.resolution = DEFAULT_RESOLUTION;
        self.scaling_2_1 = false;
        self.remote = false;
        self.reporting = false;
        self.clear_counters();
    }

    fn clear_counters(&mut self) {
        self.dx = 0;
        self.dy = 0;
        self.dz = 0;
    }
}

/// 2:1 scaling of one count.
fn scale_2_1(d: i32) -> i32 {
    let small = usize::try_from(d.unsigned_abs())
        .ok()
        .and_then(|magnitude| SCALING_2_1.get(magnitude));
    match small {
        Some(&scaled) if d < 0 => -scaled,
        Some(&scaled) => scaled,
        None => d.saturating_mul(2),
    }
}

/// A movement in the packet's nine bits, saturated when it does not fit, and whether it
/// overflowed.
fn nine_bits(d: i32) -> (i32, bool) {
    let clamped = d.clamp(MOVEMENT_MIN, MOVEMENT_MAX);
    (clamped, clamped != d)
}

#[cfg(test)]
mod tests;
