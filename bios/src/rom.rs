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
    /// The timer: `out TRAP, al; int 1Ch; iret`.
    Timer,
    /// A service that may wait for an interrupt (keyboard input): `sti; L: out TRAP, al;
    /// jnc done; hlt; jmp L; done: iret`. The service sets CF to wait.
    Waiting,
    /// POST: `out TRAP, al; int 19h; int 18h; L: cli; hlt; jmp L`.
    Post,
    /// A bare `iret` (the default handler of unused vectors).
    Iret,
}

impl Stub {
    fn bytes(self) -> &'static [u8] {
        const T: u8 = TRAP_PORT;
        match self {
            Stub::Plain => &[0xE6, T, 0xCF],
            Stub::Timer => &[0xE6, T, 0xCD, 0x1C, 0xCF],
            Stub::Waiting => &[0xFB, 0xE6, T, 0x73, 0x03, 0xF4, 0xEB, 0xF9, 0xCF],
            Stub::Post => &[0xE6, T, 0xCD, 0x19, 0xCD, 0x18, 0xFA, 0xF4, 0xEB, 0xFC],
            Stub::Iret => &[0xCF],
        }
    }

    /// Offset of the instruction after the trap within the stub.
    fn after_trap(self) -> Option<u16> {
        match self {
            Stub::Iret => None,
            Stub::Waiting => Some(3),
            _ => Some(2),
        }
    }
}

/// The services with their IBM-compatible entry points: (vector, offset, stub).
const SERVICES: &[(u8, u16, Stub)] = &[
    (0x08, 0xFEA5, Stub::Timer),
    (0x09, 0xE987, Stub::Plain),
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
}

impl Rom {
    pub fn build() -> Rom {
        let mut rom = Rom {
            image: vec![0xFF; 0x1_0000],
            traps: Vec::new(),
            vectors: Vec::new(),
        };
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
}
