//! The 64 KiB ROM at F0000: the reset vector, the POST entry, and one stub per BIOS service
//! at the addresses the IBM PC/AT BIOS used (software that jumps to them still works). Each
//! stub traps into Rust with `OUT TRAP_PORT, AL`, which changes no register; the service is
//! known by where the trap came from. Also the date, the model byte and the configuration
//! table INT 15h AH=C0 returns (IBM PC/AT Technical Reference; Ralf Brown's list, INT 15/C0).

/// The port the stubs write to. The board gives it to the built-in BIOS only.
pub const TRAP_PORT: u8 = 0xEF;
/// The ROM's segment.
pub const SEGMENT: u16 = 0xF000;

/// What a trap asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Post,
    /// INT n (a software service or IRQ handler).
    Int(u8),
}

/// Stub kinds: the bytes after the trap.
#[derive(Clone, Copy)]
enum Stub {
    /// `out TRAP, al; iret`
    Plain,
    /// The timer: `out TRAP, al; int 1Ch; push ax; mov al, 20h; out 20h, al; pop ax; iret`:
    /// the user hook runs before the end of interrupt, as in the IBM PC/AT BIOS's TIMER_INT.
    Timer,
    /// A service that may wait for an interrupt (keyboard input): `sti; L: out TRAP, al;
    /// jnc done; hlt; jmp L; done: iret`. The service sets CF to wait.
    Waiting,
    /// POST: `out TRAP, al; int 19h; int 18h; L: cli; hlt; jmp L`.
    Post,
    /// The keyboard interrupt (IBM BIOS listing KB_INT; Ralf Brown's list, INT 15/4F): a
    /// byte from the keyboard is offered to the keyboard intercept, INT 15h AH=4Fh, and
    /// only if that returns CF set is the (possibly changed) scan code in AL processed by
    /// the trap, which also sends the end of interrupt: `push ax; in al, 64h; and al, 21h;
    /// cmp al, 1; jne E; in al, 60h; mov ah, 4Fh; stc; int 15h; jnc E; out TRAP, al;
    /// pop ax; iret; E: mov al, 20h; out 20h, al; pop ax; iret`. A status without the
    /// output buffer full or with a mouse byte in it is no keyboard data.
    Keyboard,
    /// A bare `iret` (the default handler of unused vectors).
    Iret,
}

impl Stub {
    fn bytes(self) -> &'static [u8] {
        const T: u8 = TRAP_PORT;
        match self {
            Stub::Plain => &[0xE6, T, 0xCF],
            Stub::Timer => &[
                0xE6, T, 0xCD, 0x1C, 0x50, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF,
            ],
            Stub::Waiting => &[0xFB, 0xE6, T, 0x73, 0x03, 0xF4, 0xEB, 0xF9, 0xCF],
            Stub::Post => &[0xE6, T, 0xCD, 0x19, 0xCD, 0x18, 0xFA, 0xF4, 0xEB, 0xFC],
            Stub::Keyboard => &[
                0x50, 0xE4, 0x64, 0x24, 0x21, 0x3C, 0x01, 0x75, 0x0D, 0xE4, 0x60, 0xB4, 0x4F, 0xF9,
                0xCD, 0x15, 0x73, 0x04, 0xE6, T, 0x58, 0xCF, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF,
            ],
            Stub::Iret => &[0xCF],
        }
    }

    /// Offset of the instruction after the trap within the stub.
    fn after_trap(self) -> Option<u16> {
        match self {
            Stub::Iret => None,
            Stub::Waiting => Some(3),
            Stub::Keyboard => Some(20),
            _ => Some(2),
        }
    }
}

/// ROM code a service continues in after its trap, when the rest of the work must run as
/// guest code: waiting with interrupts on, or calling guest handlers. A service picks one by
/// moving the IP past its stub (`Regs::continue_at`); each ends with the stub's IRET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routine {
    /// INT 15h AH=86h (IBM PC/AT BIOS listing, WAIT): with interrupts on, halts until the
    /// RTC interrupt sets bit 7 of the wait flag 40:A0, then clears it: `push ds; push ax;
    /// mov ax, 40h; mov ds, ax; L: cli; test byte [A0h], 80h; jnz D; sti; hlt; jmp L;
    /// D: mov byte [A0h], 0; pop ax; pop ds; iret`. STI's one-instruction shadow makes
    /// `sti; hlt` see an interrupt that comes after the test.
    UserWait,
    /// INT 09h after Pause (KB_INT, K39P): with interrupts on, halts until a key clears
    /// the pause bit of 40:18: `push ds; mov ax, 40h; mov ds, ax; L: cli; test byte [18h],
    /// 08h; jz D; sti; hlt; jmp L; D: pop ds; pop ax; iret`. The INT 09h routines end with
    /// the `pop ax` of the keyboard stub they continue.
    KeyPause,
    /// INT 09h after Ctrl+Break: `int 1Bh; pop ax; iret`.
    KeyBreak,
    /// INT 09h after Print Screen: `int 05h; pop ax; iret`.
    PrintScreen,
    /// INT 09h after SysReq: `mov ax, 8500h (8501h released); int 15h; pop ax; iret`.
    SysReqPressed,
    SysReqReleased,
    /// INT 74h with a whole mouse packet (IBM PS/2 BIOS, "Pointing Device BIOS
    /// Interface"): `pusha; push ds; push es; mov ax, 40h; mov ds, ax; mov ds, [0Eh];
    /// xor ax, ax; mov al, [28h]; push ax; mov al, [29h]; push ax; mov al, [2Ah]; push ax;
    /// xor ax, ax; push ax; sti; call far [22h]; cli; add sp, 8; mov al, 20h; out 0A0h, al;
    /// out 20h, al; pop es; pop ds; popa; iret` (status, X, Y and 0, DS the EBDA).
    MouseHandler,
}

const ROUTINES: &[(Routine, &[u8])] = &[
    (
        Routine::UserWait,
        &[
            0x1E, 0x50, 0xB8, 0x40, 0x00, 0x8E, 0xD8, 0xFA, 0xF6, 0x06, 0xA0, 0x00, 0x80, 0x75,
            0x04, 0xFB, 0xF4, 0xEB, 0xF4, 0xC6, 0x06, 0xA0, 0x00, 0x00, 0x58, 0x1F, 0xCF,
        ],
    ),
    (
        Routine::KeyPause,
        &[
            0x1E, 0xB8, 0x40, 0x00, 0x8E, 0xD8, 0xFA, 0xF6, 0x06, 0x18, 0x00, 0x08, 0x74, 0x04,
            0xFB, 0xF4, 0xEB, 0xF4, 0x1F, 0x58, 0xCF,
        ],
    ),
    (Routine::KeyBreak, &[0xCD, 0x1B, 0x58, 0xCF]),
    (Routine::PrintScreen, &[0xCD, 0x05, 0x58, 0xCF]),
    (
        Routine::SysReqPressed,
        &[0xB8, 0x00, 0x85, 0xCD, 0x15, 0x58, 0xCF],
    ),
    (
        Routine::SysReqReleased,
        &[0xB8, 0x01, 0x85, 0xCD, 0x15, 0x58, 0xCF],
    ),
    (
        Routine::MouseHandler,
        &[
            0x60, 0x1E, 0x06, 0xB8, 0x40, 0x00, 0x8E, 0xD8, 0x8E, 0x1E, 0x0E, 0x00, 0x31, 0xC0,
            0xA0, 0x28, 0x00, 0x50, 0xA0, 0x29, 0x00, 0x50, 0xA0, 0x2A, 0x00, 0x50, 0x31, 0xC0,
            0x50, 0xFB, 0xFF, 0x1E, 0x22, 0x00, 0xFA, 0x83, 0xC4, 0x08, 0xB0, 0x20, 0xE6, 0xA0,
            0xE6, 0x20, 0x07, 0x1F, 0x61, 0xCF,
        ],
    ),
];
/// Where the routines start, in bytes no stub uses.
const ROUTINES_AT: u16 = 0xE210;

/// The services with their IBM-compatible entry points: (vector, offset, stub).
const SERVICES: &[(u8, u16, Stub)] = &[
    (0x08, 0xFEA5, Stub::Timer),
    (0x09, 0xE987, Stub::Keyboard),
    (0x0E, 0xEF57, Stub::Plain),
    (0x10, 0xF065, Stub::Plain),
    (0x11, 0xF84D, Stub::Plain),
    (0x12, 0xF841, Stub::Plain),
    (0x13, 0xE3FE, Stub::Plain),
    (0x14, 0xE739, Stub::Plain),
    (0x15, 0xF859, Stub::Plain),
    (0x16, 0xE82E, Stub::Waiting),
    (0x17, 0xEFD2, Stub::Plain),
    (0x18, 0xE200, Stub::Plain),
    (0x19, 0xE6F2, Stub::Plain),
    (0x1A, 0xFE6E, Stub::Plain),
];

/// The other hardware interrupt vectors, each with its own stub (so the service knows which
/// controller to acknowledge): IRQ 2-7 except 6 and IRQ 8-15.
const IRQ_VECTORS: [u8; 13] = [
    0x0A, 0x0B, 0x0C, 0x0D, 0x0F, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
];
const IRQ_STUBS: u16 = 0xE100;
const DUMMY_IRET: u16 = 0xFF53;
const POST: u16 = 0xE05B;
/// The configuration table of INT 15h AH=C0.
pub const CONFIG_TABLE: u16 = 0xE6F5;

/// The ROM image and where each trap comes from.
pub struct Rom {
    pub image: Vec<u8>,
    traps: Vec<(u16, Service)>,
    /// Each vector's handler offset in segment F000, for POST to install.
    pub vectors: Vec<(u8, u16)>,
    routines: Vec<(Routine, u16)>,
}

impl Rom {
    pub fn build() -> Rom {
        let mut rom = Rom {
            image: vec![0xFF; 0x1_0000],
            traps: Vec::new(),
            vectors: Vec::new(),
            routines: Vec::new(),
        };
        let mut at = ROUTINES_AT;
        for &(routine, code) in ROUTINES {
            rom.put(at, code);
            rom.routines.push((routine, at));
            at += code.len() as u16;
        }
        rom.place(POST, Stub::Post, Service::Post);
        for &(v, at, stub) in SERVICES {
            rom.place(at, stub, Service::Int(v));
            rom.vectors.push((v, at));
        }
        for (i, &v) in IRQ_VECTORS.iter().enumerate() {
            let at = IRQ_STUBS + 4 * i as u16;
            rom.place(at, Stub::Plain, Service::Int(v));
            rom.vectors.push((v, at));
        }
        rom.put(DUMMY_IRET, Stub::Iret.bytes());
        // The reset vector: JMP F000:E05B.
        rom.put(0xFFF0, &[0xEA, 0x5B, 0xE0, 0x00, 0xF0]);
        rom.put(0xFFF5, b"11/22/26");
        rom.put(0xFFFE, &[0xFC, 0x00]);
        // INT 15h C0: 8 bytes follow; model FC (AT), submodel 01, revision 0; feature 1:
        // second 8259A, RTC, INT 15h/4Fh, EBDA allocated (0x74).
        rom.put(
            CONFIG_TABLE,
            &[0x08, 0x00, 0xFC, 0x01, 0x00, 0x74, 0x00, 0x00, 0x00, 0x00],
        );
        rom
    }

    fn put(&mut self, at: u16, bytes: &[u8]) {
        let at = usize::from(at);
        self.image[at..at + bytes.len()].copy_from_slice(bytes);
    }

    fn place(&mut self, at: u16, stub: Stub, service: Service) {
        self.put(at, stub.bytes());
        if let Some(after) = stub.after_trap() {
            self.traps.push((at + after, service));
        }
    }

    /// The service whose stub trapped, from the IP after its trap instruction.
    pub fn service_at(&self, ip: u16) -> Option<Service> {
        self.traps
            .iter()
            .find(|&&(at, _)| at == ip)
            .map(|&(_, s)| s)
    }

    /// Where a routine starts in segment F000.
    pub fn routine(&self, routine: Routine) -> u16 {
        self.routines
            .iter()
            .find(|&&(r, _)| r == routine)
            .map_or(DUMMY_IRET, |&(_, at)| at)
    }

    /// The handler every other vector gets.
    pub fn dummy_iret(&self) -> u16 {
        DUMMY_IRET
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The PC/AT entry points (IBM PC/AT Technical Reference) hold their stubs, and each
    /// trap is found from the IP after its OUT.
    #[test]
    fn stubs_at_the_compatible_addresses() {
        let rom = Rom::build();
        let at = |off: usize, n: usize| &rom.image[off..off + n];
        assert_eq!(
            at(0xFFF0, 5),
            &[0xEA, 0x5B, 0xE0, 0x00, 0xF0],
            "JMP F000:E05B"
        );
        assert_eq!(at(0xE05B, 2), &[0xE6, TRAP_PORT], "POST traps first");
        assert_eq!(at(0xFFFE, 1), &[0xFC], "model byte: AT");
        assert_eq!(at(0xFF53, 1), &[0xCF], "the dummy IRET");
        assert_eq!(rom.service_at(0xE05D), Some(Service::Post));
        assert_eq!(rom.service_at(0xE3FE + 2), Some(Service::Int(0x13)));
        assert_eq!(
            rom.service_at(0xE82E + 3),
            Some(Service::Int(0x16)),
            "after STI"
        );
        assert_eq!(rom.service_at(0xFEA5 + 2), Some(Service::Int(0x08)));
        assert_eq!(rom.service_at(0x1234), None);
        assert!(rom.vectors.contains(&(0x10, 0xF065)));
        assert!(rom.vectors.contains(&(0x19, 0xE6F2)));
    }

    /// The routines lie in bytes no stub or table uses, each where `routine` says.
    #[test]
    fn routines_in_free_bytes() {
        let rom = Rom::build();
        let start = usize::from(ROUTINES_AT);
        let end = start + ROUTINES.iter().map(|r| r.1.len()).sum::<usize>();
        let mut used: Vec<(usize, usize)> = SERVICES
            .iter()
            .map(|&(_, at, stub)| (usize::from(at), stub.bytes().len()))
            .collect();
        used.push((usize::from(IRQ_STUBS), 4 * IRQ_VECTORS.len()));
        used.push((usize::from(POST), Stub::Post.bytes().len()));
        used.push((usize::from(CONFIG_TABLE), 10));
        for (at, len) in used {
            assert!(
                at + len <= start || at >= end,
                "{at:#x} overlaps the routines"
            );
        }
        for &(routine, code) in ROUTINES {
            let at = usize::from(rom.routine(routine));
            assert_eq!(&rom.image[at..at + code.len()], code);
        }
    }

    /// The routines' bytes decode (iced-x86, Intel syntax) to the code their comments give.
    #[test]
    fn routines_disassemble_as_documented() {
        use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};
        let expected = [
            "push ds; push ax; mov ax,40h; mov ds,ax; cli; test byte ptr [0A0h],80h; \
             jne short 0E223h; sti; hlt; jmp short 0E217h; mov byte ptr [0A0h],0; pop ax; \
             pop ds; iret",
            "push ds; mov ax,40h; mov ds,ax; cli; test byte ptr [18h],8; je short 0E23Dh; \
             sti; hlt; jmp short 0E231h; pop ds; pop ax; iret",
            "int 1Bh; pop ax; iret",
            "int 5; pop ax; iret",
            "mov ax,8500h; int 15h; pop ax; iret",
            "mov ax,8501h; int 15h; pop ax; iret",
            "pusha; push ds; push es; mov ax,40h; mov ds,ax; mov ds,[0Eh]; xor ax,ax; \
             mov al,[28h]; push ax; mov al,[29h]; push ax; mov al,[2Ah]; push ax; xor ax,ax; \
             push ax; sti; call far dword ptr [22h]; cli; add sp,8; mov al,20h; out 0A0h,al; \
             out 20h,al; pop es; pop ds; popa; iret",
        ];
        let rom = Rom::build();
        assert_eq!(ROUTINES.len(), expected.len());
        for (&(routine, code), text) in ROUTINES.iter().zip(expected) {
            let at = rom.routine(routine);
            let decoder = Decoder::with_ip(16, code, u64::from(at), DecoderOptions::NONE);
            let mut f = IntelFormatter::new();
            let listing: Vec<String> = decoder
                .into_iter()
                .map(|i| {
                    let mut s = String::new();
                    f.format(&i, &mut s);
                    s
                })
                .collect();
            assert_eq!(listing.join("; "), text, "{routine:?}");
        }
        let keyboard = Stub::Keyboard.bytes();
        let decoder = Decoder::with_ip(16, keyboard, 0xE987, DecoderOptions::NONE);
        let mut f = IntelFormatter::new();
        let listing: Vec<String> = decoder
            .into_iter()
            .map(|i| {
                let mut s = String::new();
                f.format(&i, &mut s);
                s
            })
            .collect();
        assert_eq!(
            listing.join("; "),
            "push ax; in al,64h; and al,21h; cmp al,1; jne short 0E99Dh; in al,60h; mov ah,4Fh; \
             stc; int 15h; jae short 0E99Dh; out 0EFh,al; pop ax; iret; mov al,20h; out 20h,al; \
             pop ax; iret"
        );
        assert_eq!(rom.service_at(0xE987 + 20), Some(Service::Int(0x09)));
    }
}
