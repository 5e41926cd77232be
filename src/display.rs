//! What a frontend shows and hears, independent of the window library (DESIGN.md: headless
//! runs need no window library at all): the guest's frame scaled into the window, and the
//! user's keys, mouse and host commands.

use amber_devices::ps2::Key;
use amber_devices::vga::Frame;

/// The host commands, each Right Ctrl (the host key) plus a letter; the host key itself
/// never reaches the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostCommand {
    /// Right Ctrl+Q: quit (disks are flushed).
    Quit,
    /// Right Ctrl+P: pause or resume.
    Pause,
    /// Right Ctrl+R: the reset button.
    Reset,
    /// Right Ctrl+Del: Ctrl+Alt+Del to the guest.
    CtrlAltDel,
    /// Right Ctrl+S: save the screen as a PNG in the current directory.
    Screenshot,
    /// Right Ctrl+G: release the captured mouse.
    ReleaseMouse,
}

/// The host keys: (key pressed with Right Ctrl held, command).
pub const HOST_KEYS: &[(Key, HostCommand)] = &[
    (Key::KeyQ, HostCommand::Quit),
    (Key::KeyP, HostCommand::Pause),
    (Key::KeyR, HostCommand::Reset),
    (Key::Delete, HostCommand::CtrlAltDel),
    (Key::KeyS, HostCommand::Screenshot),
    (Key::KeyG, HostCommand::ReleaseMouse),
];

/// Something the user did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UiEvent {
    /// A guest key went down (`true`) or up.
    Key(Key, bool),
    /// Mouse motion while captured: right and up in guest pixels, wheel, buttons.
    Mouse {
        dx: i32,
        dy: i32,
        dz: i32,
        buttons: u8,
    },
    Host(HostCommand),
}

/// A place to show the guest.
pub trait Display {
    /// Shows `frame` (or the last one again when `None`) and returns what the user did.
    fn update(&mut self, frame: Option<&Frame>) -> Vec<UiEvent>;
    fn is_open(&self) -> bool;
    fn set_title(&mut self, title: &str);
}

/// How a `width` x `height` frame fills a window: the largest whole scale that fits, with
/// a line-doubled frame (a 640x200 or 320x200 mode, whose pixels are twice as tall as wide
/// on a 4:3 screen) counted twice as tall; the picture is centred. Returns (x scale,
/// y scale, left, top).
pub fn fit(frame: (u32, u32), window: (u32, u32)) -> (u32, u32, u32, u32) {
    let (fw, fh) = (frame.0.max(1), frame.1.max(1));
    let tall = if fw >= 2 * fh + fh / 2 { 2 } else { 1 };
    let scale = (window.0 / fw).min(window.1 / (fh * tall)).max(1);
    let (sx, sy) = (scale, scale * tall);
    let left = window.0.saturating_sub(fw * sx) / 2;
    let top = window.1.saturating_sub(fh * sy) / 2;
    (sx, sy, left, top)
}

/// Scales `frame` into a `window`-sized buffer by `fit`, black around it.
pub fn blit(frame: &Frame, window: (u32, u32), out: &mut Vec<u32>) {
    let (sx, sy, left, top) = fit((frame.width, frame.height), window);
    out.clear();
    out.resize(window.0 as usize * window.1 as usize, 0);
    for y in 0..window.1 {
        let Some(fy) = y
            .checked_sub(top)
            .map(|v| v / sy)
            .filter(|&v| v < frame.height)
        else {
            continue;
        };
        let row = &frame.pixels[(fy * frame.width) as usize..][..frame.width as usize];
        let line = &mut out[(y * window.0) as usize..][..window.0 as usize];
        for (x, px) in line.iter_mut().enumerate() {
            let fx = (x as u32).checked_sub(left).map(|v| v / sx);
            if let Some(&p) = fx.and_then(|fx| row.get(fx as usize)) {
                *px = p & 0x00FF_FFFF;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_scale_by_whole_factors_and_centre() {
        assert_eq!(fit((720, 400), (1440, 800)), (2, 2, 0, 0));
        assert_eq!(fit((720, 400), (1500, 900)), (2, 2, 30, 50));
        assert_eq!(fit((320, 200), (1440, 800)), (4, 4, 80, 0));
        // 640x200 (CGA mode 06h) doubles its lines.
        assert_eq!(fit((640, 200), (1280, 800)), (2, 4, 0, 0));
        assert_eq!(
            fit((1920, 1200), (1440, 800)),
            (1, 1, 0, 0),
            "never below 1"
        );
    }

    #[test]
    fn blit_places_pixels() {
        let frame = Frame {
            width: 4,
            height: 2,
            pixels: (0..8).map(|i| 0xFF00_0000 | i).collect(),
        };
        let mut out = Vec::new();
        // Scale 2 fills 8x4; in 10x6 the picture has a 1-pixel border.
        blit(&frame, (10, 6), &mut out);
        assert_eq!(out.len(), 60);
        assert_eq!(out[0], 0, "border");
        assert_eq!(out[10 + 1], 0, "alpha dropped: pixel 0");
        assert_eq!(out[10 + 3], 1);
        assert_eq!(out[10 * 3 + 8], 7);
        assert_eq!(out[10 * 5 + 1], 0, "below the picture");
        assert_eq!(out[10 * 4 + 1], 4);
        assert_eq!(out[10 * 4 + 9], 0, "border");
    }
}
