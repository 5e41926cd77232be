//! The desktop window (minifb; compiled with the `window` feature): the machine runs on a
//! thread of its own, the window on the main thread, joined by the frontend link's channels.
//! Keys go to the guest's PS/2 keyboard, except with Right Ctrl held (the host key, see
//! `display::HOST_KEYS`); a click in the window captures the mouse (its cursor hidden,
//! its motion sent to the guest's PS/2 mouse) until Right Ctrl+G releases it.

use std::process::ExitCode;
use std::time::Duration;

use amber_devices::ps2::{self, Key};
use amber_devices::vga::Frame;
use amber_machine::frontend::{Input, Link, Output};
use minifb::{KeyRepeat, MouseButton, MouseMode, Window, WindowOptions};

use crate::display::{blit, Display, HostCommand, UiEvent, HOST_KEYS};

/// The window's first size: mode 03h's 720x400 at twice its size.
const START_SIZE: (usize, usize) = (1440, 800);

/// minifb's keys and the PC keys they are.
const KEYS: &[(minifb::Key, Key)] = {
    use minifb::Key as M;
    &[
        (M::Key0, Key::Digit0),
        (M::Key1, Key::Digit1),
        (M::Key2, Key::Digit2),
        (M::Key3, Key::Digit3),
        (M::Key4, Key::Digit4),
        (M::Key5, Key::Digit5),
        (M::Key6, Key::Digit6),
        (M::Key7, Key::Digit7),
        (M::Key8, Key::Digit8),
        (M::Key9, Key::Digit9),
        (M::A, Key::KeyA),
        (M::B, Key::KeyB),
        (M::C, Key::KeyC),
        (M::D, Key::KeyD),
        (M::E, Key::KeyE),
        (M::F, Key::KeyF),
        (M::G, Key::KeyG),
        (M::H, Key::KeyH),
        (M::I, Key::KeyI),
        (M::J, Key::KeyJ),
        (M::K, Key::KeyK),
        (M::L, Key::KeyL),
        (M::M, Key::KeyM),
        (M::N, Key::KeyN),
        (M::O, Key::KeyO),
        (M::P, Key::KeyP),
        (M::Q, Key::KeyQ),
        (M::R, Key::KeyR),
        (M::S, Key::KeyS),
        (M::T, Key::KeyT),
        (M::U, Key::KeyU),
        (M::V, Key::KeyV),
        (M::W, Key::KeyW),
        (M::X, Key::KeyX),
        (M::Y, Key::KeyY),
        (M::Z, Key::KeyZ),
        (M::F1, Key::F1),
        (M::F2, Key::F2),
        (M::F3, Key::F3),
        (M::F4, Key::F4),
        (M::F5, Key::F5),
        (M::F6, Key::F6),
        (M::F7, Key::F7),
        (M::F8, Key::F8),
        (M::F9, Key::F9),
        (M::F10, Key::F10),
        (M::F11, Key::F11),
        (M::F12, Key::F12),
        (M::Down, Key::ArrowDown),
        (M::Left, Key::ArrowLeft),
        (M::Right, Key::ArrowRight),
        (M::Up, Key::ArrowUp),
        (M::Apostrophe, Key::Quote),
        (M::Backquote, Key::Backquote),
        (M::Backslash, Key::Backslash),
        (M::Comma, Key::Comma),
        (M::Equal, Key::Equal),
        (M::LeftBracket, Key::BracketLeft),
        (M::Minus, Key::Minus),
        (M::Period, Key::Period),
        (M::RightBracket, Key::BracketRight),
        (M::Semicolon, Key::Semicolon),
        (M::Slash, Key::Slash),
        (M::Backspace, Key::Backspace),
        (M::Delete, Key::Delete),
        (M::End, Key::End),
        (M::Enter, Key::Enter),
        (M::Escape, Key::Escape),
        (M::Home, Key::Home),
        (M::Insert, Key::Insert),
        (M::Menu, Key::ContextMenu),
        (M::PageDown, Key::PageDown),
        (M::PageUp, Key::PageUp),
        (M::Pause, Key::Pause),
        (M::Space, Key::Space),
        (M::Tab, Key::Tab),
        (M::NumLock, Key::NumLock),
        (M::CapsLock, Key::CapsLock),
        (M::ScrollLock, Key::ScrollLock),
        (M::LeftShift, Key::ShiftLeft),
        (M::RightShift, Key::ShiftRight),
        (M::LeftCtrl, Key::ControlLeft),
        (M::NumPad0, Key::Numpad0),
        (M::NumPad1, Key::Numpad1),
        (M::NumPad2, Key::Numpad2),
        (M::NumPad3, Key::Numpad3),
        (M::NumPad4, Key::Numpad4),
        (M::NumPad5, Key::Numpad5),
        (M::NumPad6, Key::Numpad6),
        (M::NumPad7, Key::Numpad7),
        (M::NumPad8, Key::Numpad8),
        (M::NumPad9, Key::Numpad9),
        (M::NumPadDot, Key::NumpadDecimal),
        (M::NumPadSlash, Key::NumpadDivide),
        (M::NumPadAsterisk, Key::NumpadMultiply),
        (M::NumPadMinus, Key::NumpadSubtract),
        (M::NumPadPlus, Key::NumpadAdd),
        (M::NumPadEnter, Key::NumpadEnter),
        (M::LeftAlt, Key::AltLeft),
        (M::RightAlt, Key::AltRight),
        (M::LeftSuper, Key::MetaLeft),
        (M::RightSuper, Key::MetaRight),
    ]
};

fn pc_key(k: minifb::Key) -> Option<Key> {
    KEYS.iter().find(|&&(m, _)| m == k).map(|&(_, p)| p)
}

/// A minifb window.
pub struct MinifbDisplay {
    window: Window,
    buffer: Vec<u32>,
    last: Option<Frame>,
    captured: bool,
    mouse: Option<(f32, f32)>,
    /// The window size the buffer was last scaled for.
    shown_size: (u32, u32),
}

impl MinifbDisplay {
    pub fn open(title: &str) -> Result<MinifbDisplay, String> {
        let options = WindowOptions {
            resize: true,
            ..WindowOptions::default()
        };
        let mut window = Window::new(title, START_SIZE.0, START_SIZE.1, options)
            .map_err(|e| format!("cannot open a window ({e}); use --headless"))?;
        window.set_target_fps(60);
        Ok(MinifbDisplay {
            window,
            buffer: Vec::new(),
            last: None,
            captured: false,
            mouse: None,
            shown_size: (0, 0),
        })
    }

    fn keys(&self, events: &mut Vec<UiEvent>) {
        let host = self.window.is_key_down(minifb::Key::RightCtrl);
        for k in self.window.get_keys_pressed(KeyRepeat::No) {
            let Some(key) = pc_key(k) else { continue };
            match HOST_KEYS.iter().find(|&&(h, _)| h == key) {
                Some(&(_, command)) if host => events.push(UiEvent::Host(command)),
                _ if host => {}
                _ => events.push(UiEvent::Key(key, true)),
            }
        }
        for k in self.window.get_keys_released() {
            if let Some(key) = pc_key(k) {
                events.push(UiEvent::Key(key, false));
            }
        }
    }

    fn mouse(&mut self, events: &mut Vec<UiEvent>) {
        let pos = self.window.get_mouse_pos(MouseMode::Pass);
        let buttons = [
            (MouseButton::Left, ps2::BUTTON_LEFT),
            (MouseButton::Right, ps2::BUTTON_RIGHT),
            (MouseButton::Middle, ps2::BUTTON_MIDDLE),
        ]
        .iter()
        .filter(|&&(b, _)| self.window.get_mouse_down(b))
        .fold(0, |acc, &(_, bit)| acc | bit);
        if !self.captured {
            if buttons & ps2::BUTTON_LEFT != 0 && pos.is_some() {
                self.captured = true;
                self.window.set_cursor_visibility(false);
                self.mouse = pos;
            }
            return;
        }
        let wheel = self.window.get_scroll_wheel().map_or(0.0, |(_, y)| y);
        let (dx, dy) = match (self.mouse, pos) {
            (Some((x0, y0)), Some((x1, y1))) => ((x1 - x0) as i32, (y0 - y1) as i32),
            _ => (0, 0),
        };
        self.mouse = pos;
        events.push(UiEvent::Mouse {
            dx,
            dy,
            dz: -(wheel.signum() as i32),
            buttons,
        });
    }

    fn release_mouse(&mut self) {
        self.captured = false;
        self.window.set_cursor_visibility(true);
    }
}

impl Display for MinifbDisplay {
    fn update(&mut self, frame: Option<&Frame>) -> Vec<UiEvent> {
        if let Some(f) = frame {
            self.last = Some(f.clone());
        }
        let (w, h) = self.window.get_size();
        let size = (w.max(1) as u32, h.max(1) as u32);
        // Scale only a new frame, or for a new window size; otherwise the window keeps
        // showing what it has.
        let redraw = frame.is_some() || size != self.shown_size;
        let shown = match self.last.as_ref().filter(|_| redraw) {
            Some(f) => {
                blit(f, size, &mut self.buffer);
                self.shown_size = size;
                self.window
                    .update_with_buffer(&self.buffer, size.0 as usize, size.1 as usize)
                    .is_ok()
            }
            None => false,
        };
        if !shown {
            self.window.update();
        }
        let mut events = Vec::new();
        self.keys(&mut events);
        self.mouse(&mut events);
        if events.contains(&UiEvent::Host(HostCommand::ReleaseMouse)) {
            self.release_mouse();
        }
        events
    }

    fn is_open(&self) -> bool {
        self.window.is_open()
    }

    fn set_title(&mut self, title: &str) {
        self.window.set_title(title);
    }
}

/// Runs `machine` (which builds and runs a machine, shown through the link it is given) on
/// a thread of its own and shows it in a window until the window closes (then the machine
/// stops and flushes its disks) or the guest ends the run.
pub fn run<F>(machine: F) -> Result<ExitCode, String>
where
    F: FnOnce(Option<Link>) -> Result<ExitCode, String> + Send + 'static,
{
    let mut display = MinifbDisplay::open("amber")?;
    let (input, machine_input) = crossbeam_channel::unbounded();
    let (machine_output, output) = crossbeam_channel::bounded(4);
    let link = Link {
        input: machine_input,
        output: machine_output,
    };
    let machine = std::thread::spawn(move || machine(Some(link)));
    let mut paused = false;
    let mut shots = 0;
    while display.is_open() && !machine.is_finished() {
        let mut frame = None;
        for out in output.try_iter() {
            match out {
                Output::Frame(f) => frame = Some(f),
                Output::Status(s) => display.set_title(&title(s.mips, s.paused)),
            }
        }
        for event in display.update(frame.as_ref()) {
            let send = match event {
                UiEvent::Key(k, down) => Input::Key(k, down),
                UiEvent::Mouse {
                    dx,
                    dy,
                    dz,
                    buttons,
                } => Input::Mouse {
                    dx,
                    dy,
                    dz,
                    buttons,
                },
                UiEvent::Host(HostCommand::Quit) => Input::Quit,
                UiEvent::Host(HostCommand::Pause) => {
                    paused = !paused;
                    Input::Pause(paused)
                }
                UiEvent::Host(HostCommand::Reset) => Input::Reset,
                UiEvent::Host(HostCommand::CtrlAltDel) => Input::CtrlAltDel,
                UiEvent::Host(HostCommand::Screenshot) => {
                    shots += 1;
                    screenshot(&display, shots);
                    continue;
                }
                UiEvent::Host(HostCommand::ReleaseMouse) => continue,
            };
            let _ = input.send(send);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let _ = input.send(Input::Quit);
    machine
        .join()
        .map_err(|_| "the machine thread stopped unexpectedly".to_string())?
}

fn title(mips: f64, paused: bool) -> String {
    if paused {
        "amber - paused (Right Ctrl+P resumes)".into()
    } else {
        format!("amber - {mips:.0} MIPS (Right Ctrl+G releases the mouse)")
    }
}

/// Saves the frame on screen as `amber-screenshot-N.png` in the current directory.
fn screenshot(display: &MinifbDisplay, n: u32) {
    let Some(frame) = &display.last else { return };
    let path = std::path::PathBuf::from(format!("amber-screenshot-{n}.png"));
    match amber_machine::screen::write_png(frame, &path) {
        Ok(()) => eprintln!("amber: screen saved to {}", path.display()),
        Err(e) => eprintln!("amber: {e}"),
    }
}
