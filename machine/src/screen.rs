//! What the guest shows, for headless runs and test harnesses: the VGA's frame as a PNG file
//! and a text-mode screen as UTF-8, its bytes read as IBM code page 437 (the VGA's ROM font).

use std::path::Path;

use amber_devices::vga::{Frame, TextScreen};

/// Code page 437's glyphs for the control codes 00h-1Fh (00h shows as a space).
const LOW: [char; 32] = [
    ' ', '☺', '☻', '♥', '♦', '♣', '♠', '•', '◘', '○', '◙', '♂', '♀', '♪', '♫', '☼', '►', '◄', '↕',
    '‼', '¶', '§', '▬', '↨', '↑', '↓', '→', '←', '∟', '↔', '▲', '▼',
];

/// Code page 437 from 80h to FFh.
const HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{A0}', //
];

/// The character code page 437 shows for byte `b`.
pub fn cp437(b: u8) -> char {
    match b {
        0x00..=0x1F => LOW[usize::from(b)],
        0x7F => '⌂',
        0x80..=0xFF => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The screen's text, one line per row, trailing blanks dropped.
pub fn text(screen: &TextScreen) -> String {
    let columns = screen.columns.max(1) as usize;
    screen
        .cells
        .chunks(columns)
        .map(|row| {
            let line: String = row.iter().map(|&(c, _)| cp437(c)).collect();
            line.trim_end_matches([' ', '\u{A0}']).to_string() + "\n"
        })
        .collect()
}

/// Writes `frame` as an 8-bit RGBA PNG.
pub fn write_png(frame: &Frame, path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::create(path).map_err(|e| err(&e))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), frame.width, frame.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| err(&e))?;
    let rgba: Vec<u8> = frame
        .pixels
        .iter()
        .flat_map(|&p| [(p >> 16) as u8, (p >> 8) as u8, p as u8, 0xFF])
        .collect();
    writer.write_image_data(&rgba).map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spot checks against IBM's code page 437 chart (the ASCII range is itself).
    #[test]
    fn code_page_437() {
        assert_eq!(cp437(b'A'), 'A');
        assert_eq!(cp437(0x01), '☺');
        assert_eq!(cp437(0x7F), '⌂');
        assert_eq!(cp437(0xC9), '╔');
        assert_eq!(cp437(0xB3), '│');
        assert_eq!(cp437(0xDB), '█');
        assert_eq!(cp437(0xE1), 'ß');
        assert_eq!(cp437(0xFE), '■');
    }

    #[test]
    fn rows_become_lines() {
        let screen = TextScreen {
            columns: 3,
            rows: 2,
            cells: vec![
                (b'h', 7),
                (b'i', 7),
                (b' ', 7),
                (0xC4, 7),
                (0xC4, 7),
                (0, 7),
            ],
        };
        assert_eq!(text(&screen), "hi\n──\n");
    }
}
