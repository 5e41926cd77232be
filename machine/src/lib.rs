//! amber-machine: the PC board (DESIGN.md "Time, interrupts and determinism"): the memory
//! map, the port bus and its devices, interrupt wiring, the virtual clock, and the run loop
//! that executes the CPU until the next device event and then delivers it.

mod board;
mod clock;
pub mod config;
mod firmware;
pub mod frontend;
pub mod linux;
pub mod memory_map;
pub mod multiboot;
mod ports;
pub mod screen;
mod table_loader;
pub mod typing;

pub use board::Board;
pub use config::{MachineConfig, Sink};
pub use multiboot::{Module, MultibootError};

use std::path::PathBuf;
use std::rc::Rc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use amber_cpu::state::fl;
use amber_cpu::{Bus, Cpu, Exit, Fault, GuestRam};

use memory_map::{MemoryMap, MAX_RAM, PAM_COUNT};

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The guest wrote to isa-debug-exit: the status is `(value << 1) | 1`, as in QEMU.
    GuestExit(i32),
    /// The wall-clock timeout passed.
    Timeout,
    /// The processor shut down; the run's last exception.
    TripleFault(Fault),
    /// HLT with interrupts disabled: nothing can wake the processor.
    DeadHalt,
    /// The guest asked for a reset (port 92h bit 0 or the PIIX3 reset register at CF9h).
    Reset,
    /// The guest powered the machine off through ACPI (soft-off, S5).
    PowerOff,
    /// The frontend ended the run (the window was closed).
    Quit,
    /// The screen showed the text a screen script waited for last (`--until-screen`).
    ScreenMatched,
    /// `--jit-verify` found compiled code disagreeing with the interpreter: where and how.
    Diverged(String),
}

/// Limits on a run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunLimits {
    /// Wall-clock time.
    pub timeout: Option<Duration>,
}

/// Instructions the CPU runs before the loop looks at the clock and the timeout again.
const SLICE: u64 = 1 << 20;

/// A PC: a processor on a board.
pub struct Machine {
    pub cpu: Cpu,
    pub board: Board,
    /// Bytes typed on COM1 (from stdin or a test harness), if anything feeds it.
    serial_input: Option<Receiver<Vec<u8>>>,
    /// The built-in BIOS, when the machine boots through it.
    bios: Option<amber_bios::Bios>,
    /// How the machine was booted, so a reset boots it the same way.
    boot: Boot,
    /// When the guest first ran, on the host's clock (for pacing idle time).
    epoch: Option<Instant>,
    /// The window's link, when one shows the machine.
    frontend: Option<frontend::Frontend>,
    /// Keys typed by a harness or a script, waiting for the keyboard to take them.
    typist: typing::Typist,
    /// Keys to type once texts appear on the screen, and when to look next (virtual ns).
    script: typing::ScreenScript,
    next_script_check: u64,
    /// A screenshot to take when the virtual clock reaches this time (ns).
    screenshot_at: Option<(u64, PathBuf)>,
}

/// A way into the guest.
enum Boot {
    None,
    Bios,
    /// External firmware from a ROM image (`--bios`), already in the ROM area.
    Rom,
    Linux {
        image: Vec<u8>,
        cmdline: String,
        initrd: Option<Vec<u8>>,
    },
    Multiboot {
        image: Vec<u8>,
        cmdline: String,
        modules: Vec<Module>,
    },
}

/// The board's power management, interrupt controllers and PCI window, as the ACPI tables
/// name them.
fn pm_config(map: &MemoryMap) -> amber_bios::acpi::PmConfig {
    amber_bios::acpi::PmConfig {
        base: amber_devices::acpi_pm::BASE,
        sci: 9,
        lapic: amber_devices::lapic::DEFAULT_BASE,
        ioapic: amber_devices::ioapic::DEFAULT_BASE,
        pci_memory: map.ram_size(),
    }
}

/// How often (virtual nanoseconds) a screen script looks at the screen.
const SCRIPT_CHECK_NS: u64 = 10_000_000;

/// How often a paused machine looks for the frontend's input.
const PAUSE_POLL: Duration = Duration::from_millis(50);

/// How long an idle guest waits for serial input before its clock skips ahead.
const INPUT_WAIT: Duration = Duration::from_millis(10);

impl Machine {
    pub fn new(config: MachineConfig) -> Result<Machine, String> {
        if config.ram_size < 2 << 20 || config.ram_size > MAX_RAM {
            return Err(format!(
                "memory size {} MiB is outside 2 MiB to {} MiB",
                config.ram_size >> 20,
                MAX_RAM >> 20
            ));
        }
        let mut map = MemoryMap::new((config.ram_size & !0xFFF) as u32);
        map.set_address_mask(config.cpu.quirks().address_mask);
        let ram = Rc::new(GuestRam::new(map.backing_size()));
        let mut cpu = Cpu::new(config.cpu, ram.clone());
        if config.jit && amber_jit::host_supported() {
            let jit = amber_jit::Jit::new(amber_jit::JitConfig {
                threshold: config.jit_threshold.max(1),
                verify: config.jit_verify,
                ..amber_jit::JitConfig::default()
            })?;
            cpu.set_translator(Some(Box::new(jit)));
        }
        let board = Board::new(config, ram, map)?;
        let mut m = Machine {
            cpu,
            board,
            serial_input: None,
            bios: None,
            boot: Boot::None,
            epoch: None,
            frontend: None,
            typist: typing::Typist::default(),
            script: typing::ScreenScript::default(),
            next_script_check: 0,
            screenshot_at: None,
        };
        m.builtin_firmware_setup();
        m.install_acpi();
        Ok(m)
    }

    /// The chipset part of the built-in BIOS's POST (`amber_bios::chipset_post`: the PAM
    /// registers, IDE decoding), run through the PCI configuration ports for the BIOS boot
    /// and for the direct kernel boots, which stand in for firmware.
    fn builtin_firmware_setup(&mut self) {
        amber_bios::chipset_post(&mut firmware::FirmwarePlatform {
            board: &mut self.board,
            icount: self.cpu.state.icount,
        });
        self.board.take_map_change();
    }

    /// Writes the ACPI tables at the top of RAM and their root pointer at the start of the
    /// BIOS area (F0000), where operating systems search for it.
    fn install_acpi(&mut self) {
        let map = self.board.map;
        let tables = amber_bios::acpi::build(map.ram_size(), pm_config(&map));
        let ram = &self.board.ram;
        ram.write_slice(tables.base as usize, &tables.bytes);
        ram.write_slice(map.bios_area_offset() as usize, &tables.rsdp);
    }

    /// Feeds COM1's receiver from `input`; the run loop takes what arrives.
    pub fn attach_serial_input(&mut self, input: Receiver<Vec<u8>>) {
        self.serial_input = Some(input);
    }

    /// Moves arrived serial input into COM1, first waiting up to `wait` for some.
    fn take_serial_input(&mut self, wait: Duration) {
        let Some(rx) = &self.serial_input else { return };
        let first = if wait.is_zero() {
            rx.try_recv().map_err(|_| RecvTimeoutError::Timeout)
        } else {
            rx.recv_timeout(wait)
        };
        match first {
            Ok(bytes) => {
                self.board.com1.receive(&bytes);
                while let Ok(more) = rx.try_recv() {
                    self.board.com1.receive(&more);
                }
                self.board.advance(self.now());
            }
            Err(RecvTimeoutError::Disconnected) => self.serial_input = None,
            Err(RecvTimeoutError::Timeout) => {}
        }
    }

    /// Powers on through the built-in BIOS: its ROM at F0000 (and below 4 GiB), the CPU at
    /// the reset vector; POST then boots the first hard disk.
    pub fn boot_bios(&mut self) -> Result<(), String> {
        if self.bios.is_none() {
            self.board.claim_bios_trap()?;
            self.bios = Some(amber_bios::Bios::new());
        }
        if let Some(bios) = &self.bios {
            self.board
                .ram
                .write_slice(self.board.map.rom_offset() as usize, bios.rom_image());
        }
        self.boot = Boot::Bios;
        self.install_acpi();
        self.cpu.reset();
        self.cpu.flush_code();
        Ok(())
    }

    /// Powers on through external firmware (`--bios`): the ROM image (64, 128 or 256 KiB)
    /// at the top of 4 GiB and its last 128 KiB below 1 MiB, the PAM registers at their
    /// reset value so the firmware shadows itself, and the CPU at the reset vector. A VGA
    /// BIOS goes to the firmware as QEMU hands it to SeaBIOS, the fw_cfg file
    /// `vgaroms/vgabios.bin`; without one, `etc/sercon-port` asks SeaBIOS to put its
    /// screen on COM1, as QEMU does without a display.
    pub fn boot_rom(&mut self, image: &[u8], vga_bios: Option<&[u8]>) -> Result<(), String> {
        let size = u32::try_from(image.len()).unwrap_or(0);
        if !self.board.map.set_rom_size(size) {
            return Err(format!(
                "{} bytes is not a firmware ROM size (64, 128 or 256 KiB)",
                image.len()
            ));
        }
        self.board
            .ram
            .write_slice(self.board.map.rom_offset() as usize, image);
        table_loader::install(&mut self.board.fw_cfg, pm_config(&self.board.map));
        match vga_bios {
            Some(rom) => self
                .board
                .fw_cfg
                .add_file("vgaroms/vgabios.bin", rom.to_vec()),
            None => self
                .board
                .fw_cfg
                .add_file("etc/sercon-port", 0x3F8u16.to_le_bytes().to_vec()),
        }
        self.board.set_pam([0; PAM_COUNT]);
        self.board.take_map_change();
        self.boot = Boot::Rom;
        self.cpu.reset();
        self.cpu.flush_tlb();
        self.cpu.flush_code();
        Ok(())
    }

    /// Runs the BIOS service whose stub trapped. The service may have written memory that
    /// holds code (a boot sector), so decoded blocks are dropped.
    fn bios_trap(&mut self) {
        let Some(bios) = self.bios.as_mut() else {
            return;
        };
        let icount = self.cpu.state.icount;
        let mut platform = firmware::FirmwarePlatform {
            board: &mut self.board,
            icount,
        };
        if bios.trap(&mut self.cpu.state, &mut platform) {
            self.cpu.flush_code();
        }
    }

    /// Boots a Linux bzImage by the 32-bit boot protocol.
    pub fn boot_linux(
        &mut self,
        image: &[u8],
        cmdline: &str,
        initrd: Option<&[u8]>,
    ) -> Result<(), linux::LinuxError> {
        linux::boot(&mut self.cpu, &self.board.map, image, cmdline, initrd)?;
        // A loaded kernel skips the BIOS, so the screen its zero page describes is set up
        // here: the video part of the built-in BIOS's POST.
        amber_bios::video_post(&mut firmware::FirmwarePlatform {
            board: &mut self.board,
            icount: self.cpu.state.icount,
        });
        self.boot = Boot::Linux {
            image: image.to_vec(),
            cmdline: cmdline.to_string(),
            initrd: initrd.map(<[u8]>::to_vec),
        };
        Ok(())
    }

    /// Boots a Multiboot kernel with its command line and modules.
    pub fn boot_multiboot(
        &mut self,
        image: &[u8],
        cmdline: &str,
        modules: &[Module],
    ) -> Result<(), MultibootError> {
        multiboot::boot(&mut self.cpu, &self.board.map, image, cmdline, modules)?;
        self.boot = Boot::Multiboot {
            image: image.to_vec(),
            cmdline: cmdline.to_string(),
            modules: modules.to_vec(),
        };
        Ok(())
    }

    /// What a reset does to a PC: every device back to its power-on state and the boot
    /// again, the way the machine was booted first (through the BIOS, or with the kernel
    /// and its files loaded afresh, as QEMU's -kernel does).
    pub fn reboot(&mut self) -> Result<(), String> {
        self.board.reset();
        self.board.take_map_change();
        self.cpu.flush_tlb();
        if !matches!(self.boot, Boot::Rom) {
            self.builtin_firmware_setup();
            self.install_acpi();
        }
        match std::mem::replace(&mut self.boot, Boot::None) {
            Boot::None => {
                self.cpu.reset();
                self.cpu.flush_code();
                Ok(())
            }
            Boot::Bios => self.boot_bios(),
            Boot::Rom => {
                self.boot = Boot::Rom;
                self.cpu.reset();
                self.cpu.flush_code();
                Ok(())
            }
            Boot::Linux {
                image,
                cmdline,
                initrd,
            } => self
                .boot_linux(&image, &cmdline, initrd.as_deref())
                .map_err(|e| e.to_string()),
            Boot::Multiboot {
                image,
                cmdline,
                modules,
            } => self
                .boot_multiboot(&image, &cmdline, &modules)
                .map_err(|e| e.to_string()),
        }
    }

    /// The virtual time.
    pub fn now(&self) -> u64 {
        self.board.clock.now(self.cpu.state.icount)
    }

    /// How long an idle guest waits on the host for typed input before its clock skips to
    /// the next device event: only while the virtual clock is ahead of the host's (the
    /// interpreter runs slower than real time, so idle time it has fallen behind on is
    /// skipped at once), and never longer than `INPUT_WAIT`. Virtual time itself stays
    /// deterministic: only the host's waiting depends on the host clock.
    fn idle_wait(&mut self) -> Duration {
        let host = self.epoch.get_or_insert_with(Instant::now).elapsed();
        let host_ns = u64::try_from(host.as_nanos()).unwrap_or(u64::MAX);
        self.board.next_deadline().map_or(INPUT_WAIT, |d| {
            Duration::from_nanos(d.saturating_sub(host_ns)).min(INPUT_WAIT)
        })
    }

    /// Runs until the guest exits, shuts down, stops for good, or a limit is reached.
    pub fn run(&mut self, limits: RunLimits) -> Outcome {
        let start = Instant::now();
        self.board.advance(self.now());
        loop {
            if limits.timeout.is_some_and(|t| start.elapsed() >= t) {
                return Outcome::Timeout;
            }
            self.take_serial_input(Duration::ZERO);
            let icount = self.cpu.state.icount;
            let budget = self.board.next_deadline().map_or(SLICE, |d| {
                self.board.clock.insns_until(icount, d).min(SLICE)
            });
            let exit = self.cpu.run(&mut self.board, budget);
            self.board.advance(self.now());
            if let Some(outcome) = self.service_frontend(Duration::ZERO) {
                return outcome;
            }
            if let Some(outcome) = self.drive_typing() {
                return outcome;
            }
            self.take_scheduled_screenshot();
            match exit {
                Exit::Limit => self.board.flush_output(),
                Exit::TripleFault(f) => return Outcome::TripleFault(f),
                Exit::Diverged => {
                    let why = self.cpu.translator_divergence().unwrap_or_default();
                    return Outcome::Diverged(why);
                }
                Exit::Board => {
                    if let Some(outcome) = self.board_request() {
                        return outcome;
                    }
                }
                Exit::Halted => {
                    if self.cpu.state.eflags & fl::IF == 0 {
                        return Outcome::DeadHalt;
                    }
                    self.board.flush_output();
                    // Idle: give typed input a moment (no longer than the virtual time to the
                    // next device event, so a guest sending on the serial line is not held
                    // up), then skip to that event, which may raise an interrupt.
                    let wait = self.idle_wait();
                    if self.frontend.is_some() && self.serial_input.is_none() {
                        if let Some(outcome) = self.service_frontend(wait) {
                            return outcome;
                        }
                        // Shown in a window, an idle guest keeps the host's time: its clock
                        // skips ahead only once the host's has caught up.
                        if !self.idle_wait().is_zero() {
                            continue;
                        }
                    } else {
                        self.take_serial_input(wait);
                    }
                    match self.board.next_deadline() {
                        Some(d) => {
                            // The time-stamp counter counts idle time too, or a guest
                            // timing itself by it (Linux's clocksource) would stall.
                            let skipped = self.board.clock.skip_to(self.cpu.state.icount, d);
                            self.cpu.state.tsc = self.cpu.state.tsc.wrapping_add(skipped);
                            self.board.advance(self.now());
                        }
                        None if self.serial_input.is_none()
                            && self.frontend.is_none()
                            && self.typist.is_idle()
                            && self.script.is_done()
                            && !self.board.interrupt_pending(self.cpu.state.icount) =>
                        {
                            return Outcome::DeadHalt
                        }
                        None => {}
                    }
                }
            }
        }
    }

    /// Acts on what the board asked for when it stopped the CPU.
    fn board_request(&mut self) -> Option<Outcome> {
        if let Some(code) = self.board.debug_exit.exit_code() {
            return Some(Outcome::GuestExit(code));
        }
        if self.board.take_bios_trap() {
            self.bios_trap();
        }
        if self.board.acpi_pm.power_off_requested() {
            return Some(Outcome::PowerOff);
        }
        if self.board.take_reset_request() {
            return Some(Outcome::Reset);
        }
        if self.board.take_map_change() {
            self.cpu.flush_tlb();
            self.cpu.flush_code();
        }
        self.cpu.set_a20(self.board.a20_enabled());
        None
    }

    /// Types `text` on the guest's keyboard (US layout), key by key as the keyboard takes
    /// them; an error names a character no key types.
    pub fn type_text(&mut self, text: &str) -> Result<(), String> {
        self.typist
            .type_text(text)
            .map_err(|c| format!("no key types {c:?}"))
    }

    /// Saves the screen as a PNG at `path` when the guest's virtual clock reaches `at`
    /// (deterministic, like the rest of a headless run).
    pub fn screenshot_at(&mut self, at: Duration, path: PathBuf) {
        let ns = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX);
        self.screenshot_at = Some((ns, path));
    }

    /// Takes the scheduled screenshot once its time has come; an error is reported, and
    /// the run goes on.
    fn take_scheduled_screenshot(&mut self) {
        let due = self
            .screenshot_at
            .as_ref()
            .is_some_and(|(at, _)| self.now() >= *at);
        if let Some((_, path)) = due.then(|| self.screenshot_at.take()).flatten() {
            if let Err(e) = screen::write_png(self.screen(), &path) {
                log::error!("{e}");
                eprintln!("amber: {e}");
            }
        }
    }

    /// Types each step's keys once its text is on the screen, in order.
    pub fn set_screen_script(&mut self, script: typing::ScreenScript) {
        self.script = script;
    }

    /// Hands the keyboard the next typed key, and every 10 ms of virtual time checks the
    /// screen for the script's next text (virtual time, so scripted runs stay
    /// deterministic), and ends the run (`Outcome::ScreenMatched`) when the script's final text shows.
    fn drive_typing(&mut self) -> Option<Outcome> {
        let now = self.now();
        if let Some((key, down)) = self.typist.next_key(self.board.kbc.keyboard()) {
            self.board.key(now, key, down);
        }
        if self.script.is_done() || now < self.next_script_check {
            return None;
        }
        self.next_script_check = now + SCRIPT_CHECK_NS;
        let screen = self.screen_text()?;
        if let Some(keys) = self.script.next(&screen) {
            // ScreenScript::new accepted only typeable keys.
            let _ = self.typist.type_text(&keys);
        }
        (self.typist.is_idle() && self.script.finished(&screen)).then_some(Outcome::ScreenMatched)
    }

    /// Shows the machine in a frontend: input from `link` reaches the keyboard and mouse,
    /// changed screens and the status go back.
    pub fn attach_frontend(&mut self, link: frontend::Link) {
        self.frontend = Some(frontend::Frontend::new(link, self.cpu.state.icount));
    }

    /// Takes the frontend's input (waiting up to `wait` for some), sends it a changed
    /// screen when one is due, and holds the machine while paused; the outcome if the
    /// frontend ends the run or resets the machine.
    fn service_frontend(&mut self, wait: Duration) -> Option<Outcome> {
        let mut wait = wait;
        loop {
            let events = self.frontend.as_mut()?.events(wait);
            for event in events {
                if let Some(outcome) = self.frontend_input(event) {
                    return Some(outcome);
                }
            }
            let paused = self.frontend.as_ref().is_some_and(|f| f.paused);
            if !paused {
                break;
            }
            wait = PAUSE_POLL;
            if let Some(f) = self.frontend.as_mut() {
                f.report(self.cpu.state.icount);
            }
        }
        let icount = self.cpu.state.icount;
        let now = self.now();
        let front = self.frontend.as_mut()?;
        if front.frame_due() {
            if let Some(frame) = self.board.vga.render(now) {
                front.send_frame(frame);
            }
            front.report(icount);
        }
        None
    }

    /// Acts on one input event from the frontend.
    fn frontend_input(&mut self, event: frontend::Input) -> Option<Outcome> {
        use amber_devices::ps2::Key;
        use frontend::Input;
        let now = self.now();
        let board = &mut self.board;
        match event {
            Input::Key(key, down) => board.key(now, key, down),
            Input::Mouse {
                dx,
                dy,
                dz,
                buttons,
            } => board.kbc.mouse_move(dx, dy, dz, buttons),
            Input::CtrlAltDel => {
                let keys = [Key::ControlLeft, Key::AltLeft, Key::Delete];
                keys.iter().for_each(|&k| board.key(now, k, true));
                keys.iter().rev().for_each(|&k| board.key(now, k, false));
            }
            Input::Reset => return Some(Outcome::Reset),
            Input::Pause(on) => {
                if let Some(f) = self.frontend.as_mut() {
                    f.paused = on;
                }
            }
            Input::Quit => return Some(Outcome::Quit),
        }
        None
    }

    /// The guest's screen as the VGA shows it now.
    pub fn screen(&mut self) -> &amber_devices::vga::Frame {
        let now = self.now();
        self.board.vga.render(now);
        self.board.vga.frame()
    }

    /// The text of a text-mode screen as UTF-8 (code page 437), one line per row; `None` in
    /// graphics modes.
    pub fn screen_text(&self) -> Option<String> {
        self.board.vga.text_screen().map(|s| screen::text(&s))
    }

    /// The last POST code the guest wrote to port 80h.
    pub fn last_post_code(&self) -> Option<u8> {
        self.board.post.last()
    }
}
