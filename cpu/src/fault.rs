//! Exceptions as values (SDM Vol. 3 ch. 6.15). A memory access or handler returns
//! `Err(Fault)`; `?` carries it to the instruction boundary, where `interrupt.rs` delivers it
//! with the state that boundary had.

/// An exception raised by an instruction, with its error code where it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("#DE divide error")]
    DivideError,
    #[error("#DB debug")]
    Debug,
    #[error("#BP breakpoint")]
    Breakpoint,
    #[error("#OF overflow")]
    Overflow,
    #[error("#BR bound range exceeded")]
    BoundRange,
    #[error("#UD invalid opcode")]
    InvalidOpcode,
    #[error("#NM device not available")]
    DeviceNotAvailable,
    #[error("#DF double fault")]
    DoubleFault,
    #[error("#TS invalid TSS ({0:#x})")]
    InvalidTss(u16),
    #[error("#NP segment not present ({0:#x})")]
    SegmentNotPresent(u16),
    #[error("#SS stack fault ({0:#x})")]
    StackFault(u16),
    #[error("#GP general protection ({0:#x})")]
    GeneralProtection(u16),
    #[error("#PF page fault at {addr:#x} ({code:#x})")]
    PageFault { addr: u32, code: u16 },
    #[error("#MF x87 floating-point error")]
    FloatingPoint,
    #[error("#AC alignment check")]
    AlignmentCheck,
    #[error("#XM SIMD floating-point exception")]
    SimdFloatingPoint,
    /// A software interrupt (INT n, INT3, INTO) is delivered like a fault but is not one.
    #[error("INT {0:#x}")]
    SoftwareInterrupt(u8),
}

impl Fault {
    /// The interrupt vector this exception is delivered through.
    pub fn vector(self) -> u8 {
        match self {
            Fault::DivideError => 0,
            Fault::Debug => 1,
            Fault::Breakpoint => 3,
            Fault::Overflow => 4,
            Fault::BoundRange => 5,
            Fault::InvalidOpcode => 6,
            Fault::DeviceNotAvailable => 7,
            Fault::DoubleFault => 8,
            Fault::InvalidTss(_) => 10,
            Fault::SegmentNotPresent(_) => 11,
            Fault::StackFault(_) => 12,
            Fault::GeneralProtection(_) => 13,
            Fault::PageFault { .. } => 14,
            Fault::FloatingPoint => 16,
            Fault::AlignmentCheck => 17,
            Fault::SimdFloatingPoint => 19,
            Fault::SoftwareInterrupt(n) => n,
        }
    }

    /// The error code pushed in protected mode, if this exception has one.
    pub fn error_code(self) -> Option<u16> {
        match self {
            Fault::DoubleFault | Fault::AlignmentCheck => Some(0),
            Fault::InvalidTss(c)
            | Fault::SegmentNotPresent(c)
            | Fault::StackFault(c)
            | Fault::GeneralProtection(c) => Some(c),
            Fault::PageFault { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Contributory exceptions combine into a double fault (SDM Vol. 3 table 6-5).
    pub fn is_contributory(self) -> bool {
        matches!(
            self,
            Fault::DivideError
                | Fault::InvalidTss(_)
                | Fault::SegmentNotPresent(_)
                | Fault::StackFault(_)
                | Fault::GeneralProtection(_)
        )
    }
}
