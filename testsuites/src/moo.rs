//! Reader for MOO ("Machine Opcode Operation") test files, format version 1.1, as described
//! in `testdata/singlestep/80286/MOO_FORMAT_SPEC.md` (github.com/dbalsom/moo). Reads the
//! 286 variant (`REGS`, `RMSK`) and the 386 variant (`RG32`, `RM32`, `EA32`).
//!
//! A file is a sequence of chunks `{ char id[4]; u32 len; u8 payload[len] }`, little-endian:
//! `MOO ` header, `META`, an optional file-wide `RMSK`/`RM32`, then `TEST` chunks whose
//! payload is a u32 index followed by sub-chunks. Unknown chunks are skipped by length at
//! every level, as the spec asks.

use anyhow::{bail, Context, Result};

use crate::case::{hex, EffectiveAddress, Exception, Reg, RegFile, State, TestCase};

/// The `MOO ` header chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MooHeader {
    pub major: u8,
    pub minor: u8,
    pub test_count: u32,
    /// `8088`, `8086`, `V20 `, `V30 `, `186 `, `C286` or `386E`, trailing spaces removed.
    pub cpu_id: String,
}

/// The `META` chunk: facts common to every test in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub major: u8,
    pub minor: u8,
    pub cpu_type: u8,
    /// 0xFFFFFFFF when the file holds several opcodes.
    pub opcode: u32,
    pub mnemonic: String,
    pub test_count: u32,
    pub seed: u64,
    /// 0 = real mode.
    pub cpu_mode: u8,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MooFile {
    pub header: MooHeader,
    pub meta: Option<Meta>,
    /// File-wide masks of defined register bits (top-level `RMSK`/`RM32`).
    pub masks: RegFile,
    pub tests: Vec<TestCase>,
}

/// Parses an uncompressed MOO file.
pub fn parse(data: &[u8]) -> Result<MooFile> {
    if !data.starts_with(b"MOO ") {
        bail!("not a MOO file (it does not start with a `MOO ` chunk)");
    }
    let mut chunks = Reader::new(data);
    let (_, payload) = chunks.chunk()?.context("empty file")?;
    let header = parse_header(payload).context("MOO header")?;
    let mut file = MooFile {
        header,
        meta: None,
        masks: RegFile::default(),
        tests: Vec::new(),
    };
    while let Some((id, payload)) = chunks.chunk()? {
        match &id {
            b"META" => file.meta = Some(parse_meta(payload).context("META")?),
            b"RMSK" => read_regs16(payload, &mut file.masks).context("file RMSK")?,
            b"RM32" => read_regs32(payload, &mut file.masks).context("file RM32")?,
            b"TEST" => {
                let n = file.tests.len();
                let test = parse_test(payload).with_context(|| format!("TEST #{n}"))?;
                file.tests.push(test);
            }
            _ => {}
        }
    }
    if file.tests.len() != file.header.test_count as usize {
        bail!(
            "header announces {} tests but the file holds {}",
            file.header.test_count,
            file.tests.len()
        );
    }
    Ok(file)
}

fn parse_header(payload: &[u8]) -> Result<MooHeader> {
    let mut r = Reader::new(payload);
    let major = r.u8()?;
    let minor = r.u8()?;
    r.bytes(2)?;
    let test_count = r.u32()?;
    let cpu_id = ascii(r.bytes(4)?);
    Ok(MooHeader {
        major,
        minor,
        test_count,
        cpu_id,
    })
}

fn parse_meta(payload: &[u8]) -> Result<Meta> {
    let mut r = Reader::new(payload);
    Ok(Meta {
        major: r.u8()?,
        minor: r.u8()?,
        cpu_type: r.u8()?,
        opcode: r.u32()?,
        mnemonic: ascii(r.bytes(8)?),
        test_count: r.u32()?,
        seed: r.u64()?,
        cpu_mode: r.u8()?,
    })
}

fn parse_test(payload: &[u8]) -> Result<TestCase> {
    let mut r = Reader::new(payload);
    let index = r.u32()?;
    let mut test = TestCase {
        index,
        name: String::new(),
        bytes: Vec::new(),
        initial: State::default(),
        final_state: State::default(),
        exception: None,
        hash: None,
    };
    let (mut have_init, mut have_final) = (false, false);
    while let Some((id, payload)) = r.chunk()? {
        match &id {
            b"NAME" => test.name = ascii(counted(payload).context("NAME")?),
            b"BYTS" => test.bytes = counted(payload).context("BYTS")?.to_vec(),
            b"INIT" => {
                test.initial = parse_state(payload).context("INIT")?;
                have_init = true;
            }
            b"FINA" => {
                test.final_state = parse_state(payload).context("FINA")?;
                have_final = true;
            }
            b"EXCP" => {
                let mut e = Reader::new(payload);
                test.exception = Some(Exception {
                    vector: e.u8().context("EXCP")?,
                    flag_address: e.u32().context("EXCP")?,
                });
            }
            b"HASH" => test.hash = Some(hex(Reader::new(payload).bytes(20).context("HASH")?)),
            _ => {}
        }
    }
    if !have_init || !have_final {
        bail!("test {index} lacks its INIT or FINA chunk");
    }
    if test.initial.regs.is_empty() {
        bail!("test {index}: INIT has no REGS or RG32 chunk");
    }
    Ok(test)
}

/// The payload of an `INIT` or `FINA` chunk.
fn parse_state(payload: &[u8]) -> Result<State> {
    let mut r = Reader::new(payload);
    let mut state = State::default();
    while let Some((id, payload)) = r.chunk()? {
        match &id {
            b"REGS" => read_regs16(payload, &mut state.regs).context("REGS")?,
            b"RMSK" => read_regs16(payload, &mut state.masks).context("RMSK")?,
            b"RG32" => read_regs32(payload, &mut state.regs).context("RG32")?,
            b"RM32" => read_regs32(payload, &mut state.masks).context("RM32")?,
            b"RAM " => state.ram = parse_ram(payload).context("RAM")?,
            b"EA32" => state.ea = Some(parse_ea32(payload).context("EA32")?),
            _ => {}
        }
    }
    Ok(state)
}

/// `REGS`/`RMSK`: u16 bitmask, then a u16 per set bit in `Reg::REGS16` order.
fn read_regs16(payload: &[u8], out: &mut RegFile) -> Result<()> {
    let mut r = Reader::new(payload);
    let mask = r.u16()? as u32;
    read_masked(&mut r, mask, &Reg::REGS16, |r| Ok(r.u16()? as u32), out)
}

/// `RG32`/`RM32`: u32 bitmask, then a u32 per set bit in `Reg::REGS32` order.
fn read_regs32(payload: &[u8], out: &mut RegFile) -> Result<()> {
    let mut r = Reader::new(payload);
    let mask = r.u32()?;
    read_masked(&mut r, mask, &Reg::REGS32, |r| r.u32(), out)
}

fn read_masked(
    r: &mut Reader,
    mask: u32,
    order: &[Reg],
    value: fn(&mut Reader) -> Result<u32>,
    out: &mut RegFile,
) -> Result<()> {
    if mask >> order.len() != 0 {
        bail!(
            "bitmask {mask:#x} names registers beyond the {}",
            order.len()
        );
    }
    for (bit, &reg) in order.iter().enumerate() {
        if mask & (1 << bit) != 0 {
            out.set(reg, value(r)?);
        }
    }
    Ok(())
}

/// `RAM `: u32 count, then `count` x { u32 address, u8 value }.
fn parse_ram(payload: &[u8]) -> Result<Vec<(u32, u8)>> {
    let mut r = Reader::new(payload);
    let count = r.u32()? as usize;
    if count > r.remaining() / 5 {
        bail!("{count} entries do not fit in {} bytes", r.remaining());
    }
    (0..count).map(|_| Ok((r.u32()?, r.u8()?))).collect()
}

/// `EA32`: u8 segment, u16 selector, u32 base, limit, offset, linear and physical address.
fn parse_ea32(payload: &[u8]) -> Result<EffectiveAddress> {
    let mut r = Reader::new(payload);
    Ok(EffectiveAddress {
        segment: r.u8()?,
        selector: r.u16()?,
        base: r.u32()?,
        limit: r.u32()?,
        offset: r.u32()?,
        linear: r.u32()?,
        physical: r.u32()?,
    })
}

/// A `NAME`/`BYTS` payload: u32 length, then that many bytes.
fn counted(payload: &[u8]) -> Result<&[u8]> {
    let mut r = Reader::new(payload);
    let len = r.u32()? as usize;
    r.bytes(len)
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end().to_string()
}

fn id_str(id: &[u8; 4]) -> String {
    String::from_utf8_lossy(id).into_owned()
}

/// A cursor over a chunk payload that fails cleanly on truncated input.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.remaining() {
            bail!(
                "truncated: need {n} bytes at offset {} of {}",
                self.pos,
                self.data.len()
            );
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0; N];
        a.copy_from_slice(self.bytes(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// The next chunk `(id, payload)`, or `None` at the end of the data.
    fn chunk(&mut self) -> Result<Option<([u8; 4], &'a [u8])>> {
        if self.remaining() == 0 {
            return Ok(None);
        }
        let id: [u8; 4] = self.array()?;
        let len = self.u32()? as usize;
        let payload = self
            .bytes(len)
            .with_context(|| format!("chunk {:?}", id_str(&id)))?;
        Ok(Some((id, payload)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = id.to_vec();
        v.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        v.extend_from_slice(payload);
        v
    }

    fn counted(bytes: &[u8]) -> Vec<u8> {
        let mut v = (bytes.len() as u32).to_le_bytes().to_vec();
        v.extend_from_slice(bytes);
        v
    }

    fn header(cpu: &[u8; 4], tests: u32) -> Vec<u8> {
        let mut p = vec![1, 1, 0, 0];
        p.extend_from_slice(&tests.to_le_bytes());
        p.extend_from_slice(cpu);
        chunk(b"MOO ", &p)
    }

    fn meta(tests: u32) -> Vec<u8> {
        let mut p = vec![1, 0, 5];
        p.extend_from_slice(&0x00u32.to_le_bytes());
        p.extend_from_slice(b"add     ");
        p.extend_from_slice(&tests.to_le_bytes());
        p.extend_from_slice(&0x1234_5678_9ABC_DEF0u64.to_le_bytes());
        p.extend_from_slice(&[0, 0, 0, 0]);
        chunk(b"META", &p)
    }

    fn ram(entries: &[(u32, u8)]) -> Vec<u8> {
        let mut p = (entries.len() as u32).to_le_bytes().to_vec();
        for &(a, v) in entries {
            p.extend_from_slice(&a.to_le_bytes());
            p.push(v);
        }
        chunk(b"RAM ", &p)
    }

    fn regs16(id: &[u8; 4], mask: u16, values: &[u16]) -> Vec<u8> {
        let mut p = mask.to_le_bytes().to_vec();
        for v in values {
            p.extend_from_slice(&v.to_le_bytes());
        }
        chunk(id, &p)
    }

    fn regs32(id: &[u8; 4], mask: u32, values: &[u32]) -> Vec<u8> {
        let mut p = mask.to_le_bytes().to_vec();
        for v in values {
            p.extend_from_slice(&v.to_le_bytes());
        }
        chunk(id, &p)
    }

    fn test_chunk(index: u32, subchunks: &[Vec<u8>]) -> Vec<u8> {
        let mut p = index.to_le_bytes().to_vec();
        for c in subchunks {
            p.extend_from_slice(c);
        }
        chunk(b"TEST", &p)
    }

    #[test]
    fn reads_a_286_test() {
        let all: Vec<u16> = (1..=14).collect();
        let mut cycle = vec![0u8; 15 * 2];
        cycle[0] = 1;
        let mut excp = vec![0u8];
        excp.extend_from_slice(&0x1_2344u32.to_le_bytes());
        let mut data = header(b"C286", 1);
        data.extend(meta(1));
        data.extend(test_chunk(
            0,
            &[
                chunk(b"NAME", &counted(b"add [bx+0Eh],bl")),
                chunk(b"BYTS", &counted(&[0x00, 0x5F, 0x0E])),
                chunk(
                    b"INIT",
                    &[regs16(b"REGS", 0x3FFF, &all), ram(&[(0x1000, 0xF4)])].concat(),
                ),
                chunk(
                    b"FINA",
                    &[
                        regs16(b"REGS", 1 << 12 | 1 << 13, &[0x100, 0x0002]),
                        regs16(b"RMSK", 1 << 13, &[0xF7FF]),
                        ram(&[(0x1_2344, 0x46), (0x1_2345, 0xF0)]),
                        chunk(b"QUEU", &counted(&[])),
                    ]
                    .concat(),
                ),
                chunk(b"CYCL", &[&2u32.to_le_bytes()[..], &cycle].concat()),
                chunk(b"EXCP", &excp),
                chunk(b"HASH", &[0xAB; 20]),
            ],
        ));
        let file = parse(&data).unwrap();
        assert_eq!(file.header.cpu_id, "C286");
        assert_eq!(file.header.test_count, 1);
        let meta = file.meta.unwrap();
        assert_eq!(meta.mnemonic, "add");
        assert_eq!(meta.seed, 0x1234_5678_9ABC_DEF0);
        assert_eq!(meta.cpu_mode, 0);
        let t = &file.tests[0];
        assert_eq!(t.name, "add [bx+0Eh],bl");
        assert_eq!(t.bytes, [0x00, 0x5F, 0x0E]);
        assert_eq!(t.initial.regs.get(Reg::Ax), Some(1));
        assert_eq!(t.initial.regs.get(Reg::Ip), Some(13));
        assert_eq!(t.initial.regs.get(Reg::Flags), Some(14));
        assert_eq!(t.initial.ram, [(0x1000, 0xF4)]);
        assert_eq!(t.final_state.regs.iter().count(), 2);
        assert_eq!(t.final_state.regs.get(Reg::Ip), Some(0x100));
        assert_eq!(t.final_state.masks.get(Reg::Flags), Some(0xF7FF));
        assert_eq!(t.final_state.ram.len(), 2);
        assert_eq!(
            t.exception,
            Some(Exception {
                vector: 0,
                flag_address: 0x1_2344
            })
        );
        assert_eq!(t.hash.as_deref(), Some(&"ab".repeat(20)[..]));
    }

    #[test]
    fn reads_a_386_test_and_skips_unknown_chunks() {
        let mut init_values: Vec<u32> = (0..20).map(|i| 0x1000_0000 + i).collect();
        init_values[16] = 0x0000_FFF0;
        let mut ea = vec![2u8];
        ea.extend_from_slice(&0x1234u16.to_le_bytes());
        for v in [0x12340u32, 0xFFFF, 0x10, 0x12350, 0x12350] {
            ea.extend_from_slice(&v.to_le_bytes());
        }
        let mut data = header(b"386E", 1);
        data.extend(meta(1));
        data.extend(regs32(b"RM32", 1 << 17, &[0xFFFF_F7FF]));
        data.extend(chunk(b"ZZZZ", b"top-level junk"));
        data.extend(test_chunk(
            7,
            &[
                chunk(b"GMET", &[1, 2, 3]),
                chunk(b"NAME", &counted(b"add eax,[bx+si]")),
                chunk(b"BYTS", &counted(&[0x66, 0x03, 0x00])),
                chunk(
                    b"INIT",
                    &[
                        regs32(b"RG32", 0xF_FFFF, &init_values),
                        chunk(b"ZZZZ", &[9; 7]),
                        ram(&[(0x12350, 1), (0x12351, 2)]),
                        chunk(b"EA32", &ea),
                    ]
                    .concat(),
                ),
                chunk(
                    b"FINA",
                    &[
                        regs32(b"RG32", 1 << 2 | 1 << 16, &[0xDEAD_BEEF, 0xFFF4]),
                        regs32(b"RM32", 1 << 2, &[0x0000_FFFF]),
                        ram(&[]),
                    ]
                    .concat(),
                ),
                chunk(b"HASH", &[0x01; 20]),
            ],
        ));
        let file = parse(&data).unwrap();
        assert_eq!(file.header.cpu_id, "386E");
        assert_eq!(file.masks.get(Reg::Eflags), Some(0xFFFF_F7FF));
        assert_eq!(file.masks.iter().count(), 1);
        let t = &file.tests[0];
        assert_eq!(t.index, 7);
        assert_eq!(t.initial.regs.get(Reg::Cr0), Some(0x1000_0000));
        assert_eq!(t.initial.regs.get(Reg::Eax), Some(0x1000_0002));
        assert_eq!(t.initial.regs.get(Reg::Cs), Some(0x1000_000A));
        assert_eq!(t.initial.regs.get(Reg::Ss), Some(0x1000_000F));
        assert_eq!(t.initial.regs.get(Reg::Eip), Some(0xFFF0));
        assert_eq!(t.initial.regs.get(Reg::Dr7), Some(0x1000_0013));
        assert_eq!(t.initial.regs.get(Reg::Ax), None);
        assert_eq!(t.initial.ram, [(0x12350, 1), (0x12351, 2)]);
        let ea = t.initial.ea.unwrap();
        assert_eq!(ea.segment_name(), "ds");
        assert_eq!(
            (ea.selector, ea.offset, ea.physical),
            (0x1234, 0x10, 0x12350)
        );
        assert_eq!(t.final_state.regs.get(Reg::Eax), Some(0xDEAD_BEEF));
        assert_eq!(t.final_state.regs.get(Reg::Eip), Some(0xFFF4));
        assert_eq!(t.final_state.masks.get(Reg::Eax), Some(0xFFFF));
        assert!(t.exception.is_none());
    }

    #[test]
    fn rejects_truncated_and_foreign_input() {
        let mut data = header(b"C286", 1);
        data.extend(meta(1));
        let test = test_chunk(0, &[chunk(b"INIT", &regs16(b"REGS", 1, &[5]))]);
        data.extend_from_slice(&test[..test.len() - 1]);
        assert!(parse(&data).is_err());
        assert!(parse(b"{\"json\": true}").is_err());
        assert!(parse(&[]).is_err());
        assert!(parse(&header(b"C286", 2)).is_err());
    }
}
