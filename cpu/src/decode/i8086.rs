//! The 8086's opcode map where it differs from later processors (8086 Family User's Manual;
//! SingleStepTests 8086 README): 60-6F alias the Jcc opcodes 70-7F, C0/C1/C8/C9 alias the
//! returns C2/C3/CA/CB, F1 is a LOCK prefix, 0F is POP CS, some ModRM reg fields are ignored
//! or partly decoded (8C/8E, 8F, C6/C7, F6/F7 /1, FF /7), and the ESC opcodes D8-DF do nothing without an 8087.
//! `remap` rewrites such bytes into the form iced-x86 decodes; `special` handles the forms
//! iced-x86 has no equivalent for.

use super::table;
use super::Op;

const PREFIXES: [u8; 8] = [0x26, 0x2E, 0x36, 0x3E, 0xF0, 0xF1, 0xF2, 0xF3];

/// Index of the opcode byte after the 8086's prefixes.
fn opcode_at(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|b| !PREFIXES.contains(b))
}

/// Length of a ModRM byte and its displacement with 16-bit addressing.
fn modrm_len(modrm: u8) -> usize {
    match (modrm >> 6, modrm & 7) {
        (0, 6) => 3,
        (0, _) | (3, _) => 1,
        (1, _) => 2,
        _ => 3,
    }
}

/// Ops for opcodes iced-x86 decodes differently from the 8086, with whether they end a block.
pub fn special(bytes: &[u8]) -> Option<(Op, bool)> {
    let i = opcode_at(bytes)?;
    match bytes[i] {
        0x0F => Some((Op::simple(table::POP_CS, (i + 1) as u8, 2), true)),
        0xD8..=0xDF => {
            let len = i + 1 + modrm_len(*bytes.get(i + 1)?);
            Some((Op::simple(table::NOP, len as u8, 2), false))
        }
        _ => None,
    }
}

/// Rewrites 8086 aliases in place into their documented forms.
pub fn remap(bytes: &mut [u8]) {
    for b in bytes.iter_mut() {
        if *b == 0xF1 {
            *b = 0xF0;
        } else if !PREFIXES.contains(b) {
            break;
        }
    }
    let Some(i) = opcode_at(bytes) else { return };
    let modrm = bytes.get(i + 1).copied().unwrap_or(0);
    let reg = (modrm >> 3) & 7;
    let set_reg = |bytes: &mut [u8], r: u8| {
        if let Some(m) = bytes.get_mut(i + 1) {
            *m = (*m & !0x38) | (r << 3);
        }
    };
    match bytes[i] {
        0x60..=0x6F => bytes[i] += 0x10,
        0xC0 | 0xC1 | 0xC8 | 0xC9 => bytes[i] += 2,
        0x82 => bytes[i] = 0x80,
        // MOV to/from Sreg decodes only two bits of reg.
        0x8C | 0x8E => set_reg(bytes, reg & 3),
        // MOV r/m, imm and POP r/m ignore reg.
        0x8F | 0xC6 | 0xC7 => set_reg(bytes, 0),
        // F6/F7 /1 is TEST.
        0xF6 | 0xF7 if reg == 1 => set_reg(bytes, 0),
        // FF /7 is PUSH.
        0xFF if reg == 7 => set_reg(bytes, 6),
        _ => {}
    }
}
