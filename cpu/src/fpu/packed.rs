//! Packed-integer lane arithmetic (Intel SDM Vol. 1 9.4 and 11.4, Vol. 2 the P* pages): pure
//! functions on a 64-bit MMX or 128-bit XMM value held in a `u128`, `width` (64 or 128) bits
//! of it, shared by the MMX and SSE2 forms of each instruction.

/// `bits` (1 to 128) low bits set.
pub(super) fn mask(bits: u32) -> u128 {
    u128::MAX >> (128 - bits)
}

/// Lane `v` of `bits` (at most 64) bits, sign-extended.
pub(super) fn sx(v: u64, bits: u32) -> i64 {
    ((v << (64 - bits)) as i64) >> (64 - bits)
}

/// Signed saturation to `bits` (SDM Vol. 1 4.6.2).
pub(super) fn sat_s(v: i64, bits: u32) -> u64 {
    let max = (1i64 << (bits - 1)) - 1;
    v.clamp(-max - 1, max) as u64 & mask(bits) as u64
}

/// Unsigned saturation to `bits`.
pub(super) fn sat_u(v: i64, bits: u32) -> u64 {
    v.clamp(0, mask(bits) as i64) as u64
}

/// Element `i` of `bits` (at most 64) bits.
pub(super) fn elem(v: u128, bits: u32, i: u32) -> u64 {
    ((v >> (i * bits)) & mask(bits)) as u64
}

/// `v` with element `i` of `bits` bits replaced by `e`.
pub(super) fn with_elem(v: u128, bits: u32, i: u32, e: u64) -> u128 {
    let m = mask(bits) << (i * bits);
    (v & !m) | (u128::from(e) << (i * bits)) & m
}

/// Applies `f` to each pair of `bits`-bit lanes of `a` and `b` in the low `width` bits,
/// lowest lane first.
pub(super) fn lanes(a: u128, b: u128, bits: u32, width: u32, f: impl Fn(u64, u64) -> u64) -> u128 {
    (0..width / bits).fold(0, |r, i| {
        let v = u128::from(f(elem(a, bits, i), elem(b, bits, i))) & mask(bits);
        r | v << (i * bits)
    })
}

/// PACKSS*/PACKUS*: the `bits`-bit lanes of `a` then of `b`, each saturated to half width.
pub(super) fn pack(a: u128, b: u128, bits: u32, width: u32, sat: fn(i64, u32) -> u64) -> u128 {
    let half = bits / 2;
    let n = width / bits;
    (0..n).fold(0, |r, i| {
        let lo = u128::from(sat(sx(elem(a, bits, i), bits), half)) << (i * half);
        let hi = u128::from(sat(sx(elem(b, bits, i), bits), half)) << ((i + n) * half);
        r | lo | hi
    })
}

/// PUNPCKL*/PUNPCKH*: interleaves the `bits`-bit lanes of the low (or high) halves of `a` and
/// `b`, starting with `a`'s.
pub(super) fn unpack(a: u128, b: u128, bits: u32, width: u32, high: bool) -> u128 {
    let base = if high { width / 2 / bits } else { 0 };
    (0..width / 2 / bits).fold(0, |r, i| {
        let x = u128::from(elem(a, bits, base + i));
        let y = u128::from(elem(b, bits, base + i));
        r | x << (2 * i * bits) | y << ((2 * i + 1) * bits)
    })
}

/// Logical left shift of each lane by the full 64-bit `count`; past the lane width gives 0.
pub(super) fn shl(a: u128, count: u128, bits: u32, width: u32) -> u128 {
    let c = count as u64;
    lanes(a, 0, bits, width, |x, _| {
        if c < u64::from(bits) {
            x << c
        } else {
            0
        }
    })
}

/// Logical right shift of each lane.
pub(super) fn shr(a: u128, count: u128, bits: u32, width: u32) -> u128 {
    let c = count as u64;
    lanes(a, 0, bits, width, |x, _| {
        if c < u64::from(bits) {
            x >> c
        } else {
            0
        }
    })
}

/// Arithmetic right shift of each lane; past the lane width fills with the sign.
pub(super) fn sar(a: u128, count: u128, bits: u32, width: u32) -> u128 {
    let c = (count as u64).min(u64::from(bits) - 1);
    lanes(a, 0, bits, width, |x, _| (sx(x, bits) >> c) as u64)
}

/// PSLLDQ: the whole register shifted left by `n` bytes; more than 15 gives 0.
pub(super) fn byte_shl(a: u128, n: u32) -> u128 {
    if n > 15 {
        0
    } else {
        a << (8 * n)
    }
}

/// PSRLDQ: the whole register shifted right by `n` bytes.
pub(super) fn byte_shr(a: u128, n: u32) -> u128 {
    if n > 15 {
        0
    } else {
        a >> (8 * n)
    }
}

/// A lane of ones if `c`, of zeros otherwise.
pub(super) fn all(c: bool) -> u64 {
    if c {
        u64::MAX
    } else {
        0
    }
}

/// PMADDWD: per dword, the sum of the products of its two signed word pairs; only
/// 0x8000_8000 with itself overflows, to 0x8000_0000 (SDM Vol. 2 PMADDWD).
pub(super) fn madd(x: u64, y: u64) -> u64 {
    let lo = sx(x, 16) * sx(y, 16);
    let hi = sx(x >> 16, 16) * sx(y >> 16, 16);
    (lo + hi) as u64
}

/// PSADBW: per quadword, the sum of the absolute differences of its eight unsigned bytes.
pub(super) fn sad(x: u64, y: u64) -> u64 {
    (0..8)
        .map(|k| ((x >> (8 * k)) & 0xFF).abs_diff((y >> (8 * k)) & 0xFF))
        .sum()
}

/// PMOVMSKB: the top bit of each byte, byte 0's in bit 0.
pub(super) fn byte_signs(v: u128, width: u32) -> u32 {
    (0..width / 8).fold(0, |m, i| m | ((v >> (8 * i + 7)) as u32 & 1) << i)
}

/// The word PEXTRW/PINSRW select: imm8 modulo the number of words.
fn word_index(imm: u32, width: u32) -> u32 {
    imm & (width / 16 - 1)
}

/// PEXTRW: the selected word, zero-extended.
pub(super) fn extract_word(v: u128, width: u32, imm: u32) -> u32 {
    elem(v, 16, word_index(imm, width)) as u32
}

/// PINSRW: `a` with its selected word replaced by the low word of `w`.
pub(super) fn insert_word(a: u128, w: u128, width: u32, imm: u32) -> u128 {
    let s = 16 * word_index(imm, width);
    (a & !(mask(16) << s)) | (w & mask(16)) << s
}

/// PSHUFW/PSHUFD/PSHUFLW/PSHUFHW: four `bits`-bit elements of `v`, element k of the result
/// being element imm8[2k+1:2k] of `v`.
pub(super) fn shuffle(v: u128, bits: u32, imm: u32) -> u128 {
    (0..4).fold(0, |r, k| {
        r | u128::from(elem(v, bits, (imm >> (2 * k)) & 3)) << (k * bits)
    })
}
