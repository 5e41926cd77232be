//! The Intel 8042 keyboard controller of the PC/AT and PS/2 at ports 0x60 (data) and
//! 0x64 (status / command), with a PS/2 keyboard on its first port (IRQ1) and a PS/2
//! mouse on the auxiliary port (IRQ12). Register and command semantics follow the IBM
//! PS/2 Hardware Interface Technical Reference ("Keyboard and Auxiliary Device
//! Controller": status register, command byte, commands, input and output ports) and the
//! OSDev wiki "8042 PS/2 Controller"; where those leave a choice open, QEMU's
//! hw/input/pckbd.c is followed (power-on command byte, input port value, IRQ gating).
//!
//! The controller works instantly: a written byte is consumed at once (IBF never reads
//! 1), and a device's next byte enters the output buffer as soon as the guest has read
//! the previous one. Replies of the controller itself come first; after them the keyboard
//! and the mouse take turns when both have data, so neither can starve the other. With
//! XLAT set in the command byte, keyboard bytes pass through the set-2-to-set-1
//! translation table, a break prefix F0 folding into bit 7 of the following byte, as the
//! 8042 does it (a keyboard switched to set 1 under XLAT is translated twice, as on real
//! hardware). Bytes a guest forces in with D2 are not translated.

use crate::io::{Nanos, PortIo, Timed};
use crate::irq::IrqLine;
use crate::ps2::scancodes::{BREAK_PREFIX, TRANSLATION};
use crate::ps2::{Key, Ps2Keyboard, Ps2Mouse};

pub const DATA_PORT: u16 = 0x60;
pub const STATUS_COMMAND_PORT: u16 = 0x64;
pub const PORTS: &[(u16, u16)] = &[(DATA_PORT, 1), (STATUS_COMMAND_PORT, 1)];
pub const KEYBOARD_IRQ: u8 = 1;
pub const MOUSE_IRQ: u8 = 12;

// Status register.
const STATUS_OBF: u8 = 0x01;
const STATUS_SYSTEM_FLAG: u8 = 0x04;
/// The last write went to the command port (A2 high).
const STATUS_COMMAND: u8 = 0x08;
/// The keyboard lock switch: 1 is "not inhibited".
const STATUS_NOT_INHIBITED: u8 = 0x10;
/// The output buffer holds a byte from the auxiliary device.
const STATUS_AUX_DATA: u8 = 0x20;

// Command byte (controller RAM byte 0).
const CMD_BYTE_KBD_INT: u8 = 0x01;
const CMD_BYTE_AUX_INT: u8 = 0x02;
const CMD_BYTE_SYSTEM_FLAG: u8 = 0x04;
const CMD_BYTE_KBD_DISABLED: u8 = 0x10;
const CMD_BYTE_AUX_DISABLED: u8 = 0x20;
const CMD_BYTE_TRANSLATE: u8 = 0x40;
/// After power-on: both interrupts enabled, no translation (QEMU `kbd_reset`); firmware
/// writes its own value.
const CMD_BYTE_POWER_ON: u8 = CMD_BYTE_KBD_INT | CMD_BYTE_AUX_INT;

// Output port.
const OUT_RESET: u8 = 0x01;
const OUT_A20: u8 = 0x02;
const OUT_KBD_OBF: u8 = 0x10;
const OUT_AUX_OBF: u8 = 0x20;
/// Reset line inactive, A20 on, the undefined bits 2-3 and the keyboard clock and data
/// lines (6-7) high: QEMU's power-on value 0xCF.
const OUT_POWER_ON: u8 = 0xCF;

/// Input port: bit 7 high, keyboard not inhibited (QEMU's value).
const INPUT_PORT: u8 = 0x80;
/// Test inputs (E0): T0 is the keyboard clock, T1 the auxiliary clock; a disabled
/// interface holds its clock low.
const TEST_KBD_CLOCK: u8 = 0x01;
const TEST_AUX_CLOCK: u8 = 0x02;

/// Under XLAT a set 2 break prefix becomes bit 7 of the translated code.
const TRANSLATED_BREAK_BIT: u8 = 0x80;

const SELF_TEST_OK: u8 = 0x55;
const INTERFACE_TEST_OK: u8 = 0x00;

// Controller commands.
const C_READ_RAM_FIRST: u8 = 0x20;
const C_READ_RAM_LAST: u8 = 0x3F;
const C_WRITE_RAM_FIRST: u8 = 0x60;
const C_WRITE_RAM_LAST: u8 = 0x7F;
const C_AUX_DISABLE: u8 = 0xA7;
const C_AUX_ENABLE: u8 = 0xA8;
const C_AUX_TEST: u8 = 0xA9;
const C_SELF_TEST: u8 = 0xAA;
const C_KBD_TEST: u8 = 0xAB;
const C_KBD_DISABLE: u8 = 0xAD;
const C_KBD_ENABLE: u8 = 0xAE;
const C_READ_INPUT_PORT: u8 = 0xC0;
const C_READ_OUTPUT_PORT: u8 = 0xD0;
const C_WRITE_OUTPUT_PORT: u8 = 0xD1;
const C_WRITE_KBD_BUFFER: u8 = 0xD2;
const C_WRITE_AUX_BUFFER: u8 = 0xD3;
const C_WRITE_AUX: u8 = 0xD4;
const C_A20_DISABLE: u8 = 0xDD;
const C_A20_ENABLE: u8 = 0xDF;
const C_READ_TEST_INPUTS: u8 = 0xE0;
/// F0-FF pulse the output port bits whose bit is 0 in the low nibble; only bit 0 (reset)
/// has an effect.
const C_PULSE_FIRST: u8 = 0xF0;

/// 32 bytes of controller RAM, readable and writable with 20-3F / 60-7F; byte 0 is the
/// command byte.
const RAM_SIZE: usize = 32;

/// Where the data byte a command waits for at port 0x60 goes.
#[derive(Clone, Copy, Debug)]
enum DataWrite {
    /// 60-7F: controller RAM at this index.
    Ram(usize),
    /// D1.
    OutputPort,
    /// D2: the output buffer, as from the keyboard.
    KeyboardBuffer,
    /// D3: the output buffer, as from the mouse.
    AuxBuffer,
    /// D4: the mouse.
    Aux,
}

/// A byte in the output buffer, and whether it came from the auxiliary device.
#[derive(Clone, Copy, Debug)]
struct OutputByte {
    value: u8,
    aux: bool,
}

/// The 8042 with its keyboard and mouse.
pub struct I8042 {
    keyboard: Ps2Keyboard,
    mouse: Ps2Mouse,
    irq_keyboard: IrqLine,
    irq_mouse: IrqLine,
    ram: [u8; RAM_SIZE],
    system_flag: bool,
    last_write_was_command: bool,
    pending: Option<DataWrite>,
    /// A reply of the controller itself, waiting for the output buffer.
    reply: Option<OutputByte>,
    /// The output buffer; OBF is set while it holds a byte.
    output: Option<OutputByte>,
    /// What port 0x60 reads with the output buffer empty: the last byte read.
    last_read: u8,
    output_port: u8,
    reset_requested: bool,
    /// XLAT saw a break prefix; the next keyboard byte gets bit 7.
    translate_break: bool,
    /// The keyboard and the mouse take turns: which one went last.
    last_from_aux: bool,
}

impl I8042 {
    /// `irq_keyboard` is wired to IRQ1 and `irq_mouse` to IRQ12 on a PC.
    pub fn new(irq_keyboard: IrqLine, irq_mouse: IrqLine) -> I8042 {
        let mut controller = I8042 {
            keyboard: Ps2Keyboard::new(),
            mouse: Ps2Mouse::new(),
            irq_keyboard,
            irq_mouse,
            ram: [0; RAM_SIZE],
            system_flag: false,
            last_write_was_command: false,
            pending: None,
            reply: None,
            output: None,
            last_read: 0,
            output_port: OUT_POWER_ON,
            reset_requested: false,
            translate_break: false,
            last_from_aux: false,
        };
        controller.reset();
        controller
    }

    /// Power-on state of the controller and both devices (QEMU `kbd_reset`): command byte
    /// 0x03, system flag clear (no self test yet), A20 on, buffers empty.
    pub fn reset(&mut self) {
        self.keyboard.reset();
        self.mouse.reset();
        self.ram = [0; RAM_SIZE];
        self.ram[0] = CMD_BYTE_POWER_ON;
        self.system_flag = false;
        self.last_write_was_command = true;
        self.pending = None;
        self.reply = None;
        self.output = None;
        self.last_read = 0;
        self.output_port = OUT_POWER_ON;
        self.reset_requested = false;
        self.translate_break = false;
        self.last_from_aux = false;
        self.update_irqs();
    }

    /// Whether the output port gates address line A20 on.
    pub fn a20(&self) -> bool {
        self.output_port & OUT_A20 != 0
    }

    /// Whether the guest asked for a CPU reset (output port bit 0 driven low) since the
    /// last call.
    pub fn take_reset_request(&mut self) -> bool {
        std::mem::take(&mut self.reset_requested)
    }

    /// The keyboard, for its LEDs and settings.
    pub fn keyboard(&self) -> &Ps2Keyboard {
        &self.keyboard
    }

    /// The mouse, for its settings.
    pub fn mouse(&self) -> &Ps2Mouse {
        &self.mouse
    }

    /// A key goes down on the keyboard at virtual time `now`.
    pub fn press(&mut self, now: Nanos, key: Key) {
        self.keyboard.press(now, key);
        self.refill();
    }

    /// A key comes up on the keyboard.
    pub fn release(&mut self, key: Key) {
        self.keyboard.release(key);
        self.refill();
    }

    /// A mouse sample (see `Ps2Mouse::movement`): `dx` right, `dy` up, `dz` wheel towards
    /// the user, `buttons` the `ps2::BUTTON_*` bits held down.
    pub fn mouse_move(&mut self, dx: i32, dy: i32, dz: i32, buttons: u8) {
        self.mouse.movement(dx, dy, dz, buttons);
        self.refill();
    }

    fn command_byte(&self) -> u8 {
        self.ram[0]
    }

    fn set_command_byte(&mut self, value: u8) {
        self.ram[0] = value;
        // IBM: writing the command byte's system flag sets the status bit.
        self.system_flag = value & CMD_BYTE_SYSTEM_FLAG != 0;
        // The interrupt enables act at once; an enabled interface may have data waiting.
        self.refill();
    }

    fn status(&self) -> u8 {
        let bits = [
            (self.output.is_some(), STATUS_OBF),
            (self.system_flag, STATUS_SYSTEM_FLAG),
            (self.last_write_was_command, STATUS_COMMAND),
            (true, STATUS_NOT_INHIBITED),
            (self.output.is_some_and(|b| b.aux), STATUS_AUX_DATA),
        ];
        bits.iter()
            .filter(|&&(set, _)| set)
            .fold(0, |acc, &(_, bit)| acc | bit)
    }

    /// IRQ1 while the output buffer holds a keyboard-side byte, the keyboard interrupt is
    /// enabled and the keyboard interface is not disabled (the last as QEMU); IRQ12 while
    /// it holds a mouse byte and the auxiliary interrupt is enabled.
    fn update_irqs(&self) {
        let cmd = self.command_byte();
        let (keyboard, mouse) = match self.output {
            Some(OutputByte { aux: false, .. }) => (
                cmd & CMD_BYTE_KBD_INT != 0 && cmd & CMD_BYTE_KBD_DISABLED == 0,
                false,
            ),
            Some(OutputByte { aux: true, .. }) => (false, cmd & CMD_BYTE_AUX_INT != 0),
            None => (false, false),
        };
        self.irq_keyboard.set_level(keyboard);
        self.irq_mouse.set_level(mouse);
    }

    /// Moves the next byte into an empty output buffer: a controller reply first, then
    /// keyboard and mouse in turn, each only while its interface is enabled.
    fn refill(&mut self) {
        if self.output.is_none() {
            self.output = self.reply.take().or_else(|| self.next_device_byte());
        }
        self.update_irqs();
    }

    fn next_device_byte(&mut self) -> Option<OutputByte> {
        let cmd = self.command_byte();
        let keyboard_ready = cmd & CMD_BYTE_KBD_DISABLED == 0 && self.keyboard.has_data();
        let mouse_ready = cmd & CMD_BYTE_AUX_DISABLED == 0 && self.mouse.has_data();
        let mouse_first = mouse_ready && (!keyboard_ready || !self.last_from_aux);
        if !mouse_first {
            if let Some(value) = self.next_keyboard_byte() {
                self.last_from_aux = false;
                return Some(OutputByte { value, aux: false });
            }
        }
        if !mouse_ready {
            return None;
        }
        let value = self.mouse.pop()?;
        self.last_from_aux = true;
        Some(OutputByte { value, aux: true })
    }

    /// The keyboard's next byte, through the translation when XLAT is set. Under XLAT a
    /// break prefix produces no byte of its own.
    fn next_keyboard_byte(&mut self) -> Option<u8> {
        if self.command_byte() & CMD_BYTE_KBD_DISABLED != 0 {
            return None;
        }
        if self.command_byte() & CMD_BYTE_TRANSLATE == 0 {
            return self.keyboard.pop();
        }
        loop {
            let byte = self.keyboard.pop()?;
            if byte == BREAK_PREFIX {
                self.translate_break = true;
                continue;
            }
            let break_bit = if std::mem::take(&mut self.translate_break) {
                TRANSLATED_BREAK_BIT
            } else {
                0
            };
            return Some(TRANSLATION[usize::from(byte)] | break_bit);
        }
    }

    /// A controller reply: it waits for the output buffer, ahead of device data.
    fn queue_reply(&mut self, value: u8, aux: bool) {
        self.reply = Some(OutputByte { value, aux });
        self.refill();
    }

    fn read_data(&mut self) -> u8 {
        if let Some(byte) = self.output.take() {
            self.last_read = byte.value;
            // Let the line drop before the next byte comes in, so the refill is a new edge.
            self.update_irqs();
            self.refill();
        }
        self.last_read
    }

    fn write_output_port(&mut self, value: u8) {
        self.output_port = value;
        // Bit 0 drives the CPU's reset line, active low.
        if value & OUT_RESET == 0 {
            self.reset_requested = true;
        }
    }

    fn output_port_value(&self) -> u8 {
        let obf = [
            (self.output.is_some_and(|b| !b.aux), OUT_KBD_OBF),
            (self.output.is_some_and(|b| b.aux), OUT_AUX_OBF),
        ];
        obf.iter().filter(|&&(set, _)| set).fold(
            self.output_port & !(OUT_KBD_OBF | OUT_AUX_OBF),
            |acc, &(_, bit)| acc | bit,
        )
    }

    fn test_inputs(&self) -> u8 {
        let cmd = self.command_byte();
        let mut value = 0;
        if cmd & CMD_BYTE_KBD_DISABLED == 0 {
            value |= TEST_KBD_CLOCK;
        }
        if cmd & CMD_BYTE_AUX_DISABLED == 0 {
            value |= TEST_AUX_CLOCK;
        }
        value
    }

    fn set_command_bits(&mut self, bits: u8, set: bool) {
        let cmd = self.command_byte();
        let value = if set { cmd | bits } else { cmd & !bits };
        self.ram[0] = value;
        self.refill();
    }

    fn write_command(&mut self, command: u8) {
        self.last_write_was_command = true;
        // A new command abandons one that still waited for its data byte.
        self.pending = None;
        match command {
            C_READ_RAM_FIRST..=C_READ_RAM_LAST => {
                let value = self.ram[usize::from(command - C_READ_RAM_FIRST)];
                self.queue_reply(value, false);
            }
            C_WRITE_RAM_FIRST..=C_WRITE_RAM_LAST => {
                let index = usize::from(command - C_WRITE_RAM_FIRST);
                self.pending = Some(DataWrite::Ram(index));
            }
            C_WRITE_OUTPUT_PORT => self.pending = Some(DataWrite::OutputPort),
            C_WRITE_KBD_BUFFER => self.pending = Some(DataWrite::KeyboardBuffer),
            C_WRITE_AUX_BUFFER => self.pending = Some(DataWrite::AuxBuffer),
            C_WRITE_AUX => self.pending = Some(DataWrite::Aux),
            C_AUX_DISABLE | C_AUX_ENABLE => {
                self.set_command_bits(CMD_BYTE_AUX_DISABLED, command == C_AUX_DISABLE);
            }
            C_KBD_DISABLE | C_KBD_ENABLE => {
                self.set_command_bits(CMD_BYTE_KBD_DISABLED, command == C_KBD_DISABLE);
            }
            C_AUX_TEST | C_KBD_TEST => self.queue_reply(INTERFACE_TEST_OK, false),
            C_SELF_TEST => {
                // IBM: the system flag is set after a successful self test. The command
                // byte is kept, as QEMU keeps it.
                self.system_flag = true;
                self.queue_reply(SELF_TEST_OK, false);
            }
            C_READ_INPUT_PORT => self.queue_reply(INPUT_PORT, false),
            C_READ_OUTPUT_PORT => self.queue_reply(self.output_port_value(), false),
            C_A20_DISABLE => self.output_port &= !OUT_A20,
            C_A20_ENABLE => self.output_port |= OUT_A20,
            C_READ_TEST_INPUTS => self.queue_reply(self.test_inputs(), false),
            C_PULSE_FIRST..=0xFF => {
                if command & OUT_RESET == 0 {
                    self.reset_requested = true;
                }
            }
            _ => log::debug!("i8042: unsupported controller command {command:#04x}"),
        }
    }

    fn write_data(&mut self, value: u8) {
        self.last_write_was_command = false;
        match self.pending.take() {
            None => {
                // Sending to the keyboard enables its interface again (as QEMU).
                self.ram[0] &= !CMD_BYTE_KBD_DISABLED;
                self.keyboard.write(value);
                self.refill();
            }
            Some(DataWrite::Ram(0)) => self.set_command_byte(value),
            Some(DataWrite::Ram(index)) => self.ram[index] = value,
            Some(DataWrite::OutputPort) => self.write_output_port(value),
            Some(DataWrite::KeyboardBuffer) => self.queue_reply(value, false),
            Some(DataWrite::AuxBuffer) => self.queue_reply(value, true),
            Some(DataWrite::Aux) => {
                // Sending to the mouse enables its interface again (as QEMU).
                self.ram[0] &= !CMD_BYTE_AUX_DISABLED;
                self.mouse.write(value);
                self.refill();
            }
        }
    }
}

impl PortIo for I8042 {
    fn read(&mut self, _now: Nanos, port: u16, size: u8) -> u32 {
        let value = if port == STATUS_COMMAND_PORT {
            self.status()
        } else {
            self.read_data()
        };
        // Only the byte at the port is ours; the bytes above it float.
        u32::from(value) | (u32::MAX << 8 & low_bytes(size))
    }

    fn write(&mut self, _now: Nanos, port: u16, _size: u8, value: u32) {
        let byte = value as u8;
        if port == STATUS_COMMAND_PORT {
            self.write_command(byte);
        } else {
            self.write_data(byte);
        }
    }
}

fn low_bytes(size: u8) -> u32 {
    match size {
        1 => 0xFF,
        2 => 0xFFFF,
        _ => 0xFFFF_FFFF,
    }
}

/// The keyboard's typematic repeat.
impl Timed for I8042 {
    fn advance(&mut self, now: Nanos) -> Option<Nanos> {
        let next = self.keyboard.advance(now);
        self.refill();
        next
    }
}

#[cfg(test)]
mod tests;
