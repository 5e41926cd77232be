//! Typing into the guest without a window, for test harnesses and scripted runs (in the
//! manner of v86's OS tests, whose "actions" type keys once a text is on screen): text turned
//! into PS/2 key presses on a US layout, fed to the keyboard as fast as it takes them, and
//! `--on-screen TEXT --type KEYS` pairs that wait for a text to appear on the VGA screen.

use std::collections::VecDeque;

use amber_devices::ps2::{Key, Ps2Keyboard};

/// The printable ASCII characters: the key, and whether Shift is held (US layout).
const CHARS: &[(char, Key, bool)] = &[
    (' ', Key::Space, false),
    ('\n', Key::Enter, false),
    ('\t', Key::Tab, false),
    ('\u{8}', Key::Backspace, false),
    ('\u{1b}', Key::Escape, false),
    ('1', Key::Digit1, false),
    ('2', Key::Digit2, false),
    ('3', Key::Digit3, false),
    ('4', Key::Digit4, false),
    ('5', Key::Digit5, false),
    ('6', Key::Digit6, false),
    ('7', Key::Digit7, false),
    ('8', Key::Digit8, false),
    ('9', Key::Digit9, false),
    ('0', Key::Digit0, false),
    ('!', Key::Digit1, true),
    ('@', Key::Digit2, true),
    ('#', Key::Digit3, true),
    ('$', Key::Digit4, true),
    ('%', Key::Digit5, true),
    ('^', Key::Digit6, true),
    ('&', Key::Digit7, true),
    ('*', Key::Digit8, true),
    ('(', Key::Digit9, true),
    (')', Key::Digit0, true),
    ('-', Key::Minus, false),
    ('_', Key::Minus, true),
    ('=', Key::Equal, false),
    ('+', Key::Equal, true),
    ('[', Key::BracketLeft, false),
    ('{', Key::BracketLeft, true),
    (']', Key::BracketRight, false),
    ('}', Key::BracketRight, true),
    ('\\', Key::Backslash, false),
    ('|', Key::Backslash, true),
    (';', Key::Semicolon, false),
    (':', Key::Semicolon, true),
    ('\'', Key::Quote, false),
    ('"', Key::Quote, true),
    ('`', Key::Backquote, false),
    ('~', Key::Backquote, true),
    (',', Key::Comma, false),
    ('<', Key::Comma, true),
    ('.', Key::Period, false),
    ('>', Key::Period, true),
    ('/', Key::Slash, false),
    ('?', Key::Slash, true),
];

/// The letter keys, A to Z.
const LETTERS: [Key; 26] = [
    Key::KeyA,
    Key::KeyB,
    Key::KeyC,
    Key::KeyD,
    Key::KeyE,
    Key::KeyF,
    Key::KeyG,
    Key::KeyH,
    Key::KeyI,
    Key::KeyJ,
    Key::KeyK,
    Key::KeyL,
    Key::KeyM,
    Key::KeyN,
    Key::KeyO,
    Key::KeyP,
    Key::KeyQ,
    Key::KeyR,
    Key::KeyS,
    Key::KeyT,
    Key::KeyU,
    Key::KeyV,
    Key::KeyW,
    Key::KeyX,
    Key::KeyY,
    Key::KeyZ,
];

/// The key for `c` and whether Shift goes with it; `None` for characters a US keyboard
/// cannot type.
pub fn key_for(c: char) -> Option<(Key, bool)> {
    if c.is_ascii_alphabetic() {
        let i = usize::from(c.to_ascii_lowercase() as u8 - b'a');
        return Some((LETTERS[i], c.is_ascii_uppercase()));
    }
    CHARS
        .iter()
        .find(|&&(ch, _, _)| ch == c)
        .map(|&(_, k, shift)| (k, shift))
}

/// Key events waiting to reach the keyboard: (key, down).
#[derive(Default)]
pub struct Typist {
    pending: VecDeque<(Key, bool)>,
}

impl Typist {
    /// Queues `text` as key presses; an error names the first character no key types.
    pub fn type_text(&mut self, text: &str) -> Result<(), char> {
        let keys: Vec<(Key, bool)> = text
            .chars()
            .map(|c| key_for(c).ok_or(c))
            .collect::<Result<_, _>>()?;
        for (key, shift) in keys {
            let mut events = vec![(key, true), (key, false)];
            if shift {
                events.insert(0, (Key::ShiftLeft, true));
                events.push((Key::ShiftLeft, false));
            }
            self.pending.extend(events);
        }
        Ok(())
    }

    /// The next key event (the key, and whether it goes down) once the keyboard has sent
    /// everything before (its output queue holds a few bytes only). A key goes up as soon
    /// as its make code is sent, long before it could repeat.
    pub fn next_key(&mut self, keyboard: &Ps2Keyboard) -> Option<(Key, bool)> {
        if keyboard.queued() > 0 {
            return None;
        }
        self.pending.pop_front()
    }

    pub fn is_idle(&self) -> bool {
        self.pending.is_empty()
    }
}

/// `--on-screen TEXT --type KEYS` pairs, run in order: each types its keys once its text is
/// on the screen.
#[derive(Default)]
pub struct ScreenScript {
    steps: VecDeque<(String, String)>,
    /// The text that ends the run once the steps are done (`--until-screen`).
    until: Option<String>,
}

impl ScreenScript {
    /// A script of (text to wait for, keys to type) steps; an error names a character no
    /// key types.
    pub fn new(steps: Vec<(String, String)>) -> Result<ScreenScript, String> {
        for (_, keys) in &steps {
            if let Some(c) = keys.chars().find(|&c| key_for(c).is_none()) {
                return Err(format!("--type {keys:?}: no key types {c:?}"));
            }
        }
        Ok(ScreenScript {
            steps: steps.into(),
            until: None,
        })
    }

    /// Ends the run when `text` is on the screen after the last step.
    pub fn until(mut self, text: Option<String>) -> ScreenScript {
        self.until = text;
        self
    }

    /// Whether the steps are done and the screen shows the `until` text.
    pub fn finished(&self, screen: &str) -> bool {
        self.steps.is_empty() && self.until.as_deref().is_some_and(|t| screen.contains(t))
    }

    /// The keys to type now that the screen shows `screen`, if the next step's text is there.
    pub fn next(&mut self, screen: &str) -> Option<String> {
        let (text, _) = self.steps.front()?;
        if screen.contains(text.as_str()) {
            return self.steps.pop_front().map(|(_, keys)| keys);
        }
        None
    }

    /// Whether nothing is left to wait for.
    pub fn is_done(&self) -> bool {
        self.steps.is_empty() && self.until.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_map_to_us_keys() {
        assert_eq!(key_for('a'), Some((Key::KeyA, false)));
        assert_eq!(key_for('Z'), Some((Key::KeyZ, true)));
        assert_eq!(key_for('\n'), Some((Key::Enter, false)));
        assert_eq!(key_for(':'), Some((Key::Semicolon, true)));
        assert_eq!(key_for('é'), None);
    }

    /// "A" is Shift, A, A released, Shift released: in scan code set 2 (the controller
    /// translates nothing with its power-on command byte) 12, 1C, F0 1C, F0 12 (Microsoft's
    /// Keyboard Scan Code Specification), in order, however the guest paces its reads.
    #[test]
    fn the_typist_feeds_keys_in_order() {
        use amber_devices::i8042::I8042;
        use amber_devices::PortIo;
        let lines = amber_devices::IrqLines::new();
        let mut kbc = I8042::new(lines.line(1), lines.line(12));
        let mut t = Typist::default();
        t.type_text("A").unwrap();
        let mut got = Vec::new();
        for _ in 0..40 {
            match t.next_key(kbc.keyboard()) {
                Some((key, true)) => kbc.press(0, key),
                Some((key, false)) => kbc.release(key),
                None => {}
            }
            if kbc.read(0, 0x64, 1) & 1 != 0 {
                got.push(kbc.read(0, 0x60, 1) as u8);
            }
        }
        assert_eq!(got, [0x12, 0x1C, 0xF0, 0x1C, 0xF0, 0x12]);
        assert!(t.is_idle());
    }

    #[test]
    fn steps_run_in_order() {
        let mut s = ScreenScript::new(vec![
            ("grub>".into(), "ls\n".into()),
            ("(fd0)".into(), "help\n".into()),
        ])
        .unwrap();
        assert_eq!(s.next("(fd0) grub>"), Some("ls\n".into()));
        assert_eq!(s.next("nothing yet"), None);
        assert_eq!(s.next("(fd0)"), Some("help\n".into()));
        assert!(s.is_done());
        assert!(ScreenScript::new(vec![("x".into(), "ü".into())]).is_err());
        let s = ScreenScript::new(vec![("a".into(), "b".into())])
            .unwrap()
            .until(Some("done".into()));
        assert!(!s.finished("done"), "a step is still waiting");
        assert!(!s.is_done());
    }
}
