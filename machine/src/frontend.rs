//! The link between a machine running on a thread of its own and a frontend (the window) on
//! the main thread (DESIGN.md "Time, interrupts and determinism"): input events one way,
//! frames and status the other, over crossbeam channels. The machine looks at its end
//! between slices and while the guest idles.

use std::time::{Duration, Instant};

use amber_devices::ps2::Key;
use amber_devices::vga::Frame;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

/// What the frontend sends the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// A key went down (`true`) or up.
    Key(Key, bool),
    /// The mouse moved: right, up (the PS/2 sense), wheel towards the user; buttons as
    /// `amber_devices::ps2::BUTTON_*`.
    Mouse {
        dx: i32,
        dy: i32,
        dz: i32,
        buttons: u8,
    },
    /// Ctrl+Alt+Del, pressed and released on the guest's keyboard.
    CtrlAltDel,
    /// Press the reset button.
    Reset,
    /// Stop (`true`) or resume the guest.
    Pause(bool),
    /// The window closed: end the run.
    Quit,
}

/// How the run is going, for the window title.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Status {
    /// Guest instructions per second over the last interval, in millions.
    pub mips: f64,
    pub paused: bool,
}

/// What the machine sends the frontend.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    Frame(Frame),
    Status(Status),
}

/// The machine's end of the link.
pub struct Link {
    pub input: Receiver<Input>,
    pub output: Sender<Output>,
}

/// How often a changed screen is sent (60 Hz) and the status (once a second).
const FRAME_INTERVAL: Duration = Duration::from_millis(16);
const STATUS_INTERVAL: Duration = Duration::from_secs(1);

/// The machine's side: the link and when it last sent what.
pub(crate) struct Frontend {
    link: Link,
    last_frame: Instant,
    last_status: (Instant, u64),
    pub(crate) paused: bool,
}

impl Frontend {
    pub(crate) fn new(link: Link, icount: u64) -> Frontend {
        let now = Instant::now();
        Frontend {
            link,
            last_frame: now,
            last_status: (now, icount),
            paused: false,
        }
    }

    /// Events waiting, after waiting up to `wait` for the first; `Quit` if the frontend is
    /// gone.
    pub(crate) fn events(&mut self, wait: Duration) -> Vec<Input> {
        let first = if wait.is_zero() {
            self.link.input.try_recv().map_err(|e| match e {
                crossbeam_channel::TryRecvError::Empty => RecvTimeoutError::Timeout,
                crossbeam_channel::TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            })
        } else {
            self.link.input.recv_timeout(wait)
        };
        match first {
            Ok(event) => std::iter::once(event)
                .chain(self.link.input.try_iter())
                .collect(),
            Err(RecvTimeoutError::Disconnected) => vec![Input::Quit],
            Err(RecvTimeoutError::Timeout) => Vec::new(),
        }
    }

    /// Whether it is time to look for a new frame.
    pub(crate) fn frame_due(&self) -> bool {
        self.last_frame.elapsed() >= FRAME_INTERVAL
    }

    /// Sends a frame; one the frontend has no room for is dropped (it shows the next).
    pub(crate) fn send_frame(&mut self, frame: &Frame) {
        self.last_frame = Instant::now();
        // A full channel drops the frame; a closed one means the window is gone, which the
        // next look at the input reports.
        let _ = self.link.output.try_send(Output::Frame(frame.clone()));
    }

    /// Sends the status once a second.
    pub(crate) fn report(&mut self, icount: u64) {
        let (at, count) = self.last_status;
        let elapsed = at.elapsed();
        if elapsed < STATUS_INTERVAL && !self.paused {
            return;
        }
        let mips = icount.saturating_sub(count) as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6;
        self.last_status = (Instant::now(), icount);
        let status = Status {
            mips,
            paused: self.paused,
        };
        let _ = self.link.output.try_send(Output::Status(status));
    }
}
