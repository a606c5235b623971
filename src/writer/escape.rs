//! JSON string escaping, byte-for-byte as CPython's `json` does it.
//!
//! `ensure_ascii=True` (`py_encode_basestring_ascii`): `"` `\` and the short escapes
//! `\b \f \n \r \t`; every other code unit below 0x20 or above 0x7e (DEL included) becomes
//! `\uXXXX` in lowercase hex, code points above the BMP as a surrogate pair, lone surrogates
//! as themselves. `/` is never escaped.
//!
//! `ensure_ascii=False` (`py_encode_basestring`): only `"` `\` and control characters below
//! 0x20 are escaped; the rest is copied as UTF-8.
//!
//! Both go through one SSE2 loop (`escape_raw`), parametrised by which bytes need escaping.
//! It never reads past its input: CPython's string data ends right after its terminator, so
//! an over-reading SIMD tail (as in sonic-rs's escaper) would read outside the allocation.

use super::buffer::OutBuf;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// For bytes below 0x80: 0 = copy as is, b'u' = `\u00XX`, anything else = `\` + that byte.
static ASCII_ESCAPE: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        table[i] = b'u';
        i += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[0x7f] = b'u';
    table
};

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// True when any of the 8 bytes in `word` needs escaping: below 0x20, `"`, `\`, and under
/// `ensure_ascii` (`ASCII`) also 0x7f and above.
#[inline(always)]
fn word_needs_escape<const ASCII: bool>(word: u64) -> bool {
    let below_space = word.wrapping_sub(LO * 0x20);
    let quote = word ^ (LO * b'"' as u64);
    let backslash = word ^ (LO * b'\\' as u64);
    let is_quote = quote.wrapping_sub(LO) & !quote;
    let is_backslash = backslash.wrapping_sub(LO) & !backslash;
    let mut special = (below_space & !word) | is_quote | is_backslash;
    if ASCII {
        // Bytes >= 0x7f: adding 1 sets the high bit (or it was already set).
        special |= word.wrapping_add(LO) | word;
    }
    special & HI != 0
}

/// Writes the escape of one byte that needs it, at `dst`; returns the bytes written.
///
/// # Safety
/// `dst` must have room for 6 bytes.
#[inline(always)]
unsafe fn write_byte_escape(dst: *mut u8, byte: u8) -> usize {
    let short = if byte < 0x80 {
        ASCII_ESCAPE[byte as usize]
    } else {
        b'u'
    };
    if short == b'u' {
        let escape = [
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[(byte >> 4) as usize],
            HEX[(byte & 0xf) as usize],
        ];
        std::ptr::copy_nonoverlapping(escape.as_ptr(), dst, 6);
        6
    } else {
        *dst = b'\\';
        *dst.add(1) = short;
        2
    }
}

#[inline(always)]
fn byte_needs_escape<const ASCII: bool>(byte: u8) -> bool {
    if ASCII {
        byte >= 0x80 || ASCII_ESCAPE[byte as usize] != 0
    } else {
        is_string_special(byte)
    }
}

/// `"`, `\` or a control character below 0x20: what a JSON string cannot hold as it is. The
/// bytes `ensure_ascii=False` escapes, and the bytes a JSON string parser must stop at.
#[inline(always)]
pub fn is_string_special(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// [`is_string_special`] for 16 bytes at once: bit `k` of the result is set for byte `k`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub fn string_special_mask(block: std::arch::x86_64::__m128i) -> u32 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86_64; register operations only.
    unsafe {
        let unit_sep = _mm_set1_epi8(0x1f);
        // Unsigned "<= 0x1f": max(block, 0x1f) == 0x1f.
        let controls = _mm_cmpeq_epi8(_mm_max_epu8(block, unit_sep), unit_sep);
        let quote = _mm_cmpeq_epi8(block, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(block, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), controls)) as u32
    }
}

/// `ensure_ascii=True` escaping of a Latin-1 (UCS-1) or ASCII string, without the quotes.
///
/// One pass, straight into the buffer: 16 bytes at a time with SSE2 (always present on
/// x86-64), then 8-byte words, then single bytes. A block is stored before it is checked, so a
/// clean block costs one load, one store and a few compares; at a byte that needs escaping,
/// the output pointer stops there and the escape overwrites the rest of the stored block.
pub fn escape_latin1_ascii(out: &mut OutBuf, units: &[u8]) {
    // Each unit escapes on its own, so a long string can go in chunks: the worst-case
    // reservation stays 6 × CHUNK ahead of what is written instead of 6 × the whole string.
    for chunk in units.chunks(ESCAPE_CHUNK) {
        // Worst case: every unit becomes `\u00XX`; 16 spare bytes for the block stores.
        out.reserve(chunk.len() * 6 + 16);
        // SAFETY: capacity reserved as `escape_raw` requires.
        unsafe {
            let start = out.as_mut_ptr().add(out.len());
            let end = escape_raw::<true>(chunk, start);
            out.set_len(out.len() + end.offset_from(start) as usize);
        }
    }
}

/// Strings longer than this are escaped in chunks of it (see [`escape_latin1_ascii`]).
pub const ESCAPE_CHUNK: usize = 64 * 1024;

/// `"` + [`escape_latin1_ascii`] + `"`, with a single capacity check (the hot path for keys
/// and values, which are mostly short).
#[inline(never)]
pub fn quote_latin1_ascii(out: &mut OutBuf, units: &[u8]) {
    if units.len() > ESCAPE_CHUNK {
        out.push(b'"');
        escape_latin1_ascii(out, units);
        out.push(b'"');
        return;
    }
    out.reserve(units.len() * 6 + 18);
    // SAFETY: capacity reserved as `escape_raw` requires, plus the two quotes; the plain
    // prefix is at most `units.len()` bytes of it.
    unsafe {
        let start = out.as_mut_ptr().add(out.len());
        *start = b'"';
        let plain = copy_plain_prefix(units, start.add(1));
        let end = match units.get(plain..) {
            Some(rest) if !rest.is_empty() => escape_raw::<true>(rest, start.add(1 + plain)),
            _ => start.add(1 + plain),
        };
        *end = b'"';
        out.set_len(out.len() + end.offset_from(start) as usize + 1);
    }
}

/// Copies `units` to `dst` in 16-byte blocks while they need no escaping (`ensure_ascii`);
/// returns how many bytes are in place: all of them for a plain string, else a multiple of
/// 16 at or before the first byte to escape. Most strings are plain: this loop tests and
/// stores a block per step, where `escape_raw`'s general one costs ~100 instructions more
/// per string in setup and tails.
///
/// # Safety
/// `dst` must have room for `units.len() + 16` bytes.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn copy_plain_prefix(units: &[u8], dst: *mut u8) -> usize {
    use std::arch::x86_64::*;
    let len = units.len();
    let src = units.as_ptr();
    let mut i = 0;
    while i + 16 <= len {
        let block = _mm_loadu_si128(src.add(i) as *const __m128i);
        _mm_storeu_si128(dst.add(i) as *mut __m128i, block);
        if block_escape_mask::<true>(block) != 0 {
            return i;
        }
        i += 16;
    }
    if i == len || len < 16 {
        return i;
    }
    // The last bytes, as the 16 that end the string (the overlap is already in place).
    let last = _mm_loadu_si128(src.add(len - 16) as *const __m128i);
    if block_escape_mask::<true>(last) != 0 {
        return i;
    }
    _mm_storeu_si128(dst.add(len - 16) as *mut __m128i, last);
    len
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
unsafe fn copy_plain_prefix(_units: &[u8], _dst: *mut u8) -> usize {
    0
}

/// `"units"` for a string of at most 32 bytes that needs no escaping; `false` (nothing
/// written) otherwise. Most keys and many values are like that.
#[inline(always)]
pub fn try_quote_short_plain(out: &mut OutBuf, units: &[u8]) -> bool {
    out.reserve(QUOTE_PLAIN_ROOM);
    // SAFETY: `QUOTE_PLAIN_ROOM` bytes of spare capacity are reserved; what is reported written
    // is initialised.
    unsafe {
        match quote_plain_raw(units, out.as_mut_ptr().add(out.len())) {
            Some(written) => {
                out.set_len(out.len() + written);
                true
            }
            None => false,
        }
    }
}

/// Room [`quote_plain_raw`] needs at `dst`: 32 bytes, the quotes, and a 16-byte store's overrun.
pub const QUOTE_PLAIN_ROOM: usize = 50;

/// Writes `"units"` at `dst` for a string of at most 32 bytes that needs no escaping and
/// returns its length; `None` otherwise (bytes past `dst` may have been overwritten, none
/// is to be kept). Up to 16 bytes: two overlapping word checks and two stores; 17 to 32:
/// [`copy_plain_prefix`]'s two blocks, inlined. The general loop costs three times as much
/// at these lengths (keys, header values, URLs, user agents).
///
/// # Safety
/// `dst` must have room for [`QUOTE_PLAIN_ROOM`] bytes.
#[inline(always)]
pub unsafe fn quote_plain_raw(units: &[u8], dst: *mut u8) -> Option<usize> {
    let len = units.len();
    let src = units.as_ptr();
    if len > 32 {
        return None;
    }
    if len > 16 {
        // Two blocks: at most `len + 18 <= QUOTE_PLAIN_ROOM` bytes are stored.
        return quote_long_plain_raw(units, dst);
    }
    if len >= 8 {
        // Reads stay within `units` (overlapping windows); the stores end at `len + 1`.
        let head = std::ptr::read_unaligned(src as *const u64);
        let tail = std::ptr::read_unaligned(src.add(len - 8) as *const u64);
        if word_needs_escape::<true>(head) || word_needs_escape::<true>(tail) {
            return None;
        }
        std::ptr::write_unaligned(dst.add(1) as *mut u64, head);
        std::ptr::write_unaligned(dst.add(len - 7) as *mut u64, tail);
    } else if len > 0 {
        let word = load_short(src, len);
        if word_needs_escape::<true>(word) {
            return None;
        }
        // The padding bytes land in spare room, then the closing quote overwrites one.
        std::ptr::write_unaligned(dst.add(1) as *mut u64, word);
    }
    *dst = b'"';
    *dst.add(len + 1) = b'"';
    Some(len + 2)
}

/// Writes `"units"` at `dst` for a string of any length that needs no escaping
/// (`ensure_ascii`) and returns its length; `None` otherwise (bytes past `dst` may have been
/// overwritten, none is to be kept). Plain strings past 32 bytes (URLs, user agents, text)
/// thus avoid the general path's call and its room for six bytes per unit.
///
/// # Safety
/// `dst` must have room for `units.len() + 18` bytes.
#[inline(always)]
pub unsafe fn quote_long_plain_raw(units: &[u8], dst: *mut u8) -> Option<usize> {
    let len = units.len();
    if copy_plain_prefix(units, dst.add(1)) != len {
        return None;
    }
    *dst = b'"';
    *dst.add(len + 1) = b'"';
    Some(len + 2)
}

/// Writes the escaped `units` (Latin-1 code units under `ASCII`, UTF-8 bytes otherwise) at
/// `dst`; returns the end of what was written.
///
/// # Safety
/// `dst` must have room for `units.len() * 6 + 16` bytes.
#[inline(always)]
unsafe fn escape_raw<const ASCII: bool>(units: &[u8], dst: *mut u8) -> *mut u8 {
    // Reads stay within `units` (whole blocks/words only while that many bytes remain, then
    // single bytes); the output pointer advances by at most 6 bytes per unit consumed, and
    // each store writes at most 16 bytes past it. The words and single bytes below only see
    // strings shorter than a block (or every string, without SSE2).
    let len = units.len();
    let src = units.as_ptr();
    let (mut i, mut dst) = escape_blocks::<ASCII>(src, len, dst);
    while i + 8 <= len {
        let word = std::ptr::read_unaligned(src.add(i) as *const u64);
        std::ptr::write_unaligned(dst as *mut u64, word);
        if !word_needs_escape::<ASCII>(word) {
            i += 8;
            dst = dst.add(8);
            continue;
        }
        for j in i..i + 8 {
            dst = write_byte::<ASCII>(dst, *src.add(j));
        }
        i += 8;
    }
    let rest = len - i;
    if rest > 0 {
        let word = load_short(src.add(i), rest);
        if !word_needs_escape::<ASCII>(word) {
            std::ptr::write_unaligned(dst as *mut u64, word);
            return dst.add(rest);
        }
        while i < len {
            dst = write_byte::<ASCII>(dst, *src.add(i));
            i += 1;
        }
    }
    dst
}

/// The `count` (1..=7) bytes at `src` as a little-endian word, padded with `a` (which needs
/// no escape), without reading past them. Built in registers: assembling it in a stack array
/// would stall on store-to-load forwarding.
#[inline(always)]
unsafe fn load_short(src: *const u8, count: usize) -> u64 {
    const PAD: u64 = LO * b'a' as u64;
    let data = if count >= 4 {
        let head = std::ptr::read_unaligned(src as *const u32) as u64;
        let tail = std::ptr::read_unaligned(src.add(count - 4) as *const u32) as u64;
        // The two windows overlap on identical bytes, so OR-ing them is exact.
        head | (tail << ((count - 4) * 8))
    } else {
        let first = *src as u64;
        let middle = (*src.add(count / 2) as u64) << ((count / 2) * 8);
        let last = (*src.add(count - 1) as u64) << ((count - 1) * 8);
        first | middle | last
    };
    let mask = (1u64 << (count * 8)) - 1;
    (PAD & !mask) | data
}

/// Copies or escapes one byte at `dst`; returns the new output pointer.
#[inline(always)]
unsafe fn write_byte<const ASCII: bool>(dst: *mut u8, byte: u8) -> *mut u8 {
    if byte_needs_escape::<ASCII>(byte) {
        dst.add(write_byte_escape(dst, byte))
    } else {
        *dst = byte;
        dst.add(1)
    }
}

/// The 16-byte blocks of `escape_raw`; returns (bytes consumed, output pointer). A string of
/// 16 bytes or more is consumed whole: its last, partial block is read as the 16 bytes that
/// end the string (overlapping ones already written), its mask shifted past the overlap.
/// Two blocks per step, so that one mask walk covers the escapes of 32 bytes: text with a
/// newline every 13 bytes took 0.76× the time of one block per step; plain text the same.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn escape_blocks<const ASCII: bool>(src: *const u8, len: usize, mut dst: *mut u8) -> (usize, *mut u8) {
    use std::arch::x86_64::*;
    let mut i = 0;
    while i + 32 <= len {
        let low = _mm_loadu_si128(src.add(i) as *const __m128i);
        let high = _mm_loadu_si128(src.add(i + 16) as *const __m128i);
        _mm_storeu_si128(dst as *mut __m128i, low);
        _mm_storeu_si128(dst.add(16) as *mut __m128i, high);
        let mask = block_escape_mask::<ASCII>(low) | block_escape_mask::<ASCII>(high) << 16;
        if mask == 0 {
            i += 32;
            dst = dst.add(32);
            continue;
        }
        (i, dst) = escape_masked(src, len, i, mask, dst);
    }
    while i + 16 <= len {
        let block = _mm_loadu_si128(src.add(i) as *const __m128i);
        _mm_storeu_si128(dst as *mut __m128i, block);
        let mask = block_escape_mask::<ASCII>(block);
        if mask == 0 {
            i += 16;
            dst = dst.add(16);
            continue;
        }
        (i, dst) = escape_masked(src, len, i, mask, dst);
    }
    if len < 16 || i == len {
        return (i, dst);
    }
    // The last bytes, in place first, then the same mask walk as the blocks above.
    let rest = len - i;
    let last = block_escape_mask::<ASCII>(_mm_loadu_si128(src.add(len - 16) as *const __m128i));
    let mask = last >> (16 - rest);
    crate::writer::copy_small(src.add(i), dst, rest);
    if mask == 0 {
        return (len, dst.add(rest));
    }
    let (i, dst) = escape_masked(src, len, i, mask, dst);
    crate::writer::copy_small(src.add(i), dst, len - i);
    (len, dst.add(len - i))
}

/// Escapes the bytes of `src[base..base + 32]` flagged in `mask` (bit k: `base + k`; not 0),
/// whose bytes up to the first flagged one are already stored in place at `dst`; returns
/// (the byte after the last escape, its output pointer). Each escape overwrites what follows it, so the clean run up to the
/// next escape is copied again after it. The next escape comes from the mask, not from
/// loading and testing the bytes after each escape again: that was a chain of dependent
/// loads per escape where escapes are dense (an escaped JSON body), at half the speed.
///
/// # Safety
/// As `escape_raw`; the mask's bits lie below `len - base`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn escape_masked(
    src: *const u8,
    len: usize,
    base: usize,
    mut mask: u32,
    mut dst: *mut u8,
) -> (usize, *mut u8) {
    use std::arch::x86_64::*;
    let mut i = base;
    loop {
        let at = base + mask.trailing_zeros() as usize;
        dst = dst.add(at - i);
        dst = dst.add(write_byte_escape(dst, *src.add(at)));
        i = at + 1;
        mask &= mask - 1;
        if mask == 0 {
            return (i, dst);
        }
        let run = base + mask.trailing_zeros() as usize - i;
        if run <= 16 && i + 16 <= len {
            _mm_storeu_si128(dst as *mut __m128i, _mm_loadu_si128(src.add(i) as *const __m128i));
        } else {
            crate::writer::copy_small(src.add(i), dst, run);
        }
    }
}

/// Bit `k` set when byte `k` of `block` needs escaping (see [`word_needs_escape`]).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_escape_mask<const ASCII: bool>(block: std::arch::x86_64::__m128i) -> u32 {
    use std::arch::x86_64::*;
    if !ASCII {
        return string_special_mask(block);
    }
    // SAFETY: SSE2 is part of x86_64; register operations only.
    unsafe {
        // Signed compare: bytes >= 0x80 are negative, so "< 0x20" also catches non-ASCII.
        let quote_or_backslash = _mm_or_si128(
            _mm_cmpeq_epi8(block, _mm_set1_epi8(b'"' as i8)),
            _mm_cmpeq_epi8(block, _mm_set1_epi8(b'\\' as i8)),
        );
        let special = _mm_or_si128(
            _mm_or_si128(_mm_cmplt_epi8(block, _mm_set1_epi8(0x20)), quote_or_backslash),
            _mm_cmpeq_epi8(block, _mm_set1_epi8(0x7f)),
        );
        _mm_movemask_epi8(special) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
unsafe fn escape_blocks<const ASCII: bool>(_src: *const u8, _len: usize, dst: *mut u8) -> (usize, *mut u8) {
    (0, dst)
}

/// `ensure_ascii=True` escaping of UCS-2 code units (lone surrogates written as escapes).
pub fn escape_ucs2_ascii(out: &mut OutBuf, units: &[u16]) {
    escape_wide_ascii(out, units);
}

/// `ensure_ascii=True` escaping of UCS-4 code points.
pub fn escape_ucs4_ascii(out: &mut OutBuf, units: &[u32]) {
    escape_wide_ascii(out, units);
}

/// A code unit of a UCS-2 or UCS-4 string.
trait WideUnit: Copy + Into<u32> {
    /// Most output bytes one unit can need: `\uXXXX`, or a surrogate pair of them.
    const MAX_ESCAPED: usize;
    /// Units in a 16-byte block.
    const PER_BLOCK: usize;
    /// Stores the low bytes of the `PER_BLOCK` units at `src` to `dst` (up to 8 bytes) and
    /// returns how many leading units are printable ASCII that need no escape.
    ///
    /// # Safety
    /// `PER_BLOCK` units readable at `src`; 8 bytes writable at `dst`.
    unsafe fn clean_prefix(src: *const Self, dst: *mut u8) -> usize;
}

#[cfg(target_arch = "x86_64")]
impl WideUnit for u16 {
    const MAX_ESCAPED: usize = 6;
    const PER_BLOCK: usize = 8;
    #[inline(always)]
    unsafe fn clean_prefix(src: *const u16, dst: *mut u8) -> usize {
        use std::arch::x86_64::*;
        let block = _mm_loadu_si128(src as *const __m128i);
        // Signed compares: units >= 0x8000 are negative, so "< 0x20" catches them too.
        let special = _mm_or_si128(
            _mm_or_si128(
                _mm_cmplt_epi16(block, _mm_set1_epi16(0x20)),
                _mm_cmpgt_epi16(block, _mm_set1_epi16(0x7e)),
            ),
            _mm_or_si128(
                _mm_cmpeq_epi16(block, _mm_set1_epi16(b'"' as i16)),
                _mm_cmpeq_epi16(block, _mm_set1_epi16(b'\\' as i16)),
            ),
        );
        _mm_storel_epi64(dst as *mut __m128i, _mm_packus_epi16(block, block));
        let mask = _mm_movemask_epi8(special) as u32 | 1 << 16;
        (mask.trailing_zeros() / 2) as usize
    }
}

#[cfg(target_arch = "x86_64")]
impl WideUnit for u32 {
    const MAX_ESCAPED: usize = 12;
    const PER_BLOCK: usize = 4;
    #[inline(always)]
    unsafe fn clean_prefix(src: *const u32, dst: *mut u8) -> usize {
        use std::arch::x86_64::*;
        let block = _mm_loadu_si128(src as *const __m128i);
        // Code points are at most 0x10FFFF: the signed compares see them as they are.
        let special = _mm_or_si128(
            _mm_or_si128(
                _mm_cmplt_epi32(block, _mm_set1_epi32(0x20)),
                _mm_cmpgt_epi32(block, _mm_set1_epi32(0x7e)),
            ),
            _mm_or_si128(
                _mm_cmpeq_epi32(block, _mm_set1_epi32(b'"' as i32)),
                _mm_cmpeq_epi32(block, _mm_set1_epi32(b'\\' as i32)),
            ),
        );
        let bytes = _mm_packus_epi16(_mm_packs_epi32(block, block), block);
        std::ptr::write_unaligned(dst as *mut i32, _mm_cvtsi128_si32(bytes));
        let mask = _mm_movemask_epi8(special) as u32 | 1 << 16;
        (mask.trailing_zeros() / 4) as usize
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl WideUnit for u16 {
    const MAX_ESCAPED: usize = 6;
    const PER_BLOCK: usize = 8;
    unsafe fn clean_prefix(_src: *const u16, _dst: *mut u8) -> usize {
        0
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl WideUnit for u32 {
    const MAX_ESCAPED: usize = 12;
    const PER_BLOCK: usize = 4;
    unsafe fn clean_prefix(_src: *const u32, _dst: *mut u8) -> usize {
        0
    }
}

/// `ensure_ascii=True` escaping of wide code units, straight into the buffer: a block of
/// units at a time, narrowed and stored in one go while they are plain printable ASCII, unit
/// by unit from the first that is not to the end of the block.
fn escape_wide_ascii<U: WideUnit>(out: &mut OutBuf, units: &[U]) {
    for chunk in units.chunks(ESCAPE_CHUNK) {
        out.reserve(chunk.len() * U::MAX_ESCAPED + 16);
        // SAFETY: room for `MAX_ESCAPED` bytes per unit plus 16 is reserved; a block stores at
        // most 8 bytes at the output pointer, which advances by at most `MAX_ESCAPED` per unit
        // consumed; reads stay within `chunk` (whole blocks only while that many remain).
        unsafe {
            let start = out.as_mut_ptr().add(out.len());
            let src = chunk.as_ptr();
            let len = chunk.len();
            let mut dst = start;
            let mut i = 0;
            while i + U::PER_BLOCK <= len {
                let clean = U::clean_prefix(src.add(i), dst);
                dst = dst.add(clean);
                if clean < U::PER_BLOCK {
                    // The rest of the block one unit at a time. Resuming the blocks right
                    // after the escape instead would make each load's address wait on the
                    // previous block's compare: text that is mostly non-ASCII would run at
                    // that latency, a unit per block.
                    for j in i + clean..i + U::PER_BLOCK {
                        dst = write_escaped_code_point_raw(dst, (*src.add(j)).into());
                    }
                }
                i += U::PER_BLOCK;
            }
            while i < len {
                dst = write_escaped_code_point_raw(dst, (*src.add(i)).into());
                i += 1;
            }
            out.set_len(out.len() + dst.offset_from(start) as usize);
        }
    }
}

/// [`write_escaped_code_point`] at a raw pointer; returns the end of what was written.
///
/// # Safety
/// `dst` must have room for 16 bytes (8 below U+10000).
#[inline(always)]
unsafe fn write_escaped_code_point_raw(dst: *mut u8, cp: u32) -> *mut u8 {
    if cp < 0x80 {
        if ASCII_ESCAPE[cp as usize] == 0 {
            *dst = cp as u8;
            return dst.add(1);
        }
        return dst.add(write_byte_escape(dst, cp as u8));
    }
    if cp < 0x1_0000 {
        write_u_escape_raw(dst, cp);
        return dst.add(6);
    }
    let v = cp - 0x1_0000;
    write_u_escape_raw(dst, 0xd800 | ((v >> 10) & 0x3ff));
    write_u_escape_raw(dst.add(6), 0xdc00 | (v & 0x3ff));
    dst.add(12)
}

/// `\uXXXX` (lowercase hex) at `dst`, which must have room for 8 bytes (6 are kept). Built in
/// a register and stored once: six byte stores read back as one would stall store forwarding.
#[inline(always)]
unsafe fn write_u_escape_raw(dst: *mut u8, unit: u32) {
    let word = u64::from(b'\\')
        | u64::from(b'u') << 8
        | u64::from(HEX[((unit >> 12) & 0xf) as usize]) << 16
        | u64::from(HEX[((unit >> 8) & 0xf) as usize]) << 24
        | u64::from(HEX[((unit >> 4) & 0xf) as usize]) << 32
        | u64::from(HEX[(unit & 0xf) as usize]) << 40;
    std::ptr::write_unaligned(dst as *mut u64, word.to_le());
}

/// `ensure_ascii=False` escaping of UTF-8 text, without the quotes.
pub fn escape_utf8(out: &mut OutBuf, text: &str) {
    escape_utf8_bytes(out, text.as_bytes());
}

/// [`escape_utf8`] of UTF-8 that may hold encoded surrogates: bytes >= 0x80 are copied, so any
/// split of the bytes escapes the same, and so does the generalized form.
fn escape_utf8_bytes(out: &mut OutBuf, bytes: &[u8]) {
    for chunk in bytes.chunks(ESCAPE_CHUNK) {
        out.reserve(chunk.len() * 6 + 16);
        // SAFETY: capacity reserved as `escape_raw` requires.
        unsafe {
            let start = out.as_mut_ptr().add(out.len());
            let end = escape_raw::<false>(chunk, start);
            out.set_len(out.len() + end.offset_from(start) as usize);
        }
    }
}

/// `ensure_ascii=False` escaping straight from a `str`'s code units, a chunk at a time
/// through a small UTF-8 buffer. For long strings this replaces CPython's cached UTF-8 form,
/// which would stay attached to the string and double its memory.
///
/// A lone surrogate, which UTF-8 cannot carry, is written in the 3-byte form Python's
/// `surrogatepass` gives, so the output is still complete: `false` says there was one, and
/// the caller raises the error `json.dumps(...).encode()` would from the whole output.
pub fn escape_units_utf8<U: Copy + Into<u32>>(out: &mut OutBuf, units: &[U]) -> bool {
    let mut text = Vec::with_capacity(ESCAPE_CHUNK * 4);
    let mut encodable = true;
    for chunk in units.chunks(ESCAPE_CHUNK) {
        text.clear();
        for &unit in chunk {
            let cp = unit.into();
            match char::from_u32(cp) {
                Some(c) => text.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                None => {
                    // Only surrogates: a Python str holds no code point above U+10FFFF.
                    encodable = false;
                    text.extend_from_slice(&[
                        0xe0 | ((cp >> 12) & 0x0f) as u8,
                        0x80 | ((cp >> 6) & 0x3f) as u8,
                        0x80 | (cp & 0x3f) as u8,
                    ]);
                }
            }
        }
        escape_utf8_bytes(out, &text);
    }
    encodable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[inline(always)]
    fn write_u_escape(out: &mut OutBuf, unit: u32) {
        out.extend_from_slice(&[
            b'\\',
            b'u',
            HEX[((unit >> 12) & 0xf) as usize],
            HEX[((unit >> 8) & 0xf) as usize],
            HEX[((unit >> 4) & 0xf) as usize],
            HEX[(unit & 0xf) as usize],
        ]);
    }

    /// The escape for one code point under `ensure_ascii=True`, written plainly: the reference
    /// the block escapers are tested against.
    #[inline(always)]
    fn write_escaped_code_point(out: &mut OutBuf, cp: u32) {
        if cp < 0x80 {
            match ASCII_ESCAPE[cp as usize] {
                0 => out.push(cp as u8),
                b'u' => write_u_escape(out, cp),
                short => out.extend_from_slice(&[b'\\', short]),
            }
        } else if cp < 0x1_0000 {
            write_u_escape(out, cp);
        } else {
            let v = cp - 0x1_0000;
            write_u_escape(out, 0xd800 | ((v >> 10) & 0x3ff));
            write_u_escape(out, 0xdc00 | (v & 0x3ff));
        }
    }

    /// Writes `"text"` escaped for `ensure_ascii=True`; `text` may contain any code point.
    fn quote_str_ascii(out: &mut OutBuf, text: &str) {
        if text.is_ascii() {
            quote_latin1_ascii(out, text.as_bytes());
            return;
        }
        out.push(b'"');
        for ch in text.chars() {
            write_escaped_code_point(out, ch as u32);
        }
        out.push(b'"');
    }

    fn ascii(s: &str) -> String {
        let mut out = OutBuf::new();
        quote_str_ascii(&mut out, s);
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn utf8(s: &str) -> String {
        let mut out = OutBuf::from(&b"\""[..]);
        escape_utf8(&mut out, s);
        out.push(b'"');
        String::from_utf8(out.to_vec()).unwrap()
    }

    /// serde_json escapes exactly like Python's `ensure_ascii=False` (same short escapes,
    /// lowercase `\u00XX`, DEL and `/` untouched), so it is the oracle here.
    #[test]
    fn utf8_matches_serde_json() {
        let mut samples: Vec<String> = (0u32..0x300)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        samples.extend(["", "plain", "\"quoted\"", "back\\slash", "é😀\u{7f}/\u{2028}"].map(String::from));
        samples.push("x".repeat(1000) + "\n" + &"y".repeat(77));
        for s in samples {
            assert_eq!(utf8(&s), serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }

    /// Under ensure_ascii the output is serde_json's with every non-ASCII char and DEL escaped.
    #[test]
    fn ascii_matches_serde_json_then_escaped() {
        let samples = [
            "",
            "abc",
            "tab\tnew\nline",
            "q\"b\\s/",
            "\u{7f}",
            "é",
            "\u{ff}",
            "\u{100}",
            "😀",
            "a\u{10ffff}z",
            "\u{1}\u{1f}\u{20}",
            "0123456789abcdef\"0123456789",
        ];
        for s in samples {
            let mut expected = String::new();
            for ch in serde_json::to_string(s).unwrap().chars() {
                let cp = ch as u32;
                if cp == 0x7f || cp >= 0x80 {
                    let mut buf = [0u16; 2];
                    for unit in ch.encode_utf16(&mut buf) {
                        expected.push_str(&format!("\\u{:04x}", unit));
                    }
                } else {
                    expected.push(ch);
                }
            }
            assert_eq!(ascii(s), expected, "{s:?}");
        }
    }

    #[test]
    fn every_byte_at_every_position() {
        // Each byte value at each offset of strings of every length up to 72, so the 32- and
        // 16-byte steps, the overlapping last block, the 8-byte words and the single bytes of
        // short strings all see it, alone and in pairs (clean runs between them of every
        // length); quoted, where a plain-block prefix hands over to the general loop; ASCII
        // ones through the UTF-8 escaper too.
        for len in 1..=72 {
            for pos in 0..len {
                for b in 0u8..=0xff {
                    let mut units = vec![b'a'; len];
                    units[pos] = b;
                    units[len - 1 - pos] = if b == b'a' { b'"' } else { b };
                    let mut out = OutBuf::from(&b"prefix"[..]);
                    escape_latin1_ascii(&mut out, &units);
                    let mut expected = OutBuf::from(&b"prefix"[..]);
                    for &u in &units {
                        write_escaped_code_point(&mut expected, u as u32);
                    }
                    assert_eq!(out, expected, "byte {b:#x} at {pos} of {len}");
                    // Quoted: the plain-block prefix, then the general loop from its block.
                    let mut quoted = OutBuf::from(&b"prefix"[..]);
                    quote_latin1_ascii(&mut quoted, &units);
                    assert_eq!(quoted[..7], *b"prefix\"", "quoted {b:#x} at {pos} of {len}");
                    assert_eq!(
                        quoted[7..quoted.len() - 1],
                        expected[6..],
                        "quoted {b:#x} at {pos} of {len}"
                    );
                    assert_eq!(quoted.last(), Some(&b'"'));
                    if let Ok(text) = std::str::from_utf8(&units) {
                        let want = serde_json::to_string(text).unwrap();
                        assert_eq!(utf8(text), want, "utf-8 {b:#x} at {pos} of {len}");
                    }
                }
            }
        }
    }

    /// Dense escapes: every pattern of escaped and plain bytes that a block's mask walk can
    /// meet, as pseudo-random strings where about one byte in three needs an escape (short
    /// and `\u00XX` ones mixed), against the per-byte reference and serde_json.
    #[test]
    fn dense_escapes_match_reference() {
        let alphabet = b"ab\"\\\n\x01\x7f\xe9c/d";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..20_000 {
            let len = round % 100 + 1;
            let units: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let mut out = OutBuf::new();
            escape_latin1_ascii(&mut out, &units);
            let mut expected = OutBuf::new();
            for &u in &units {
                write_escaped_code_point(&mut expected, u as u32);
            }
            assert_eq!(out, expected, "{units:?}");
            if let Ok(text) = std::str::from_utf8(&units) {
                assert_eq!(utf8(text), serde_json::to_string(text).unwrap(), "{text:?}");
            }
        }
    }

    /// The block escaper for wide units against the per-code-point reference: every kind of
    /// unit at every offset of strings up to 40 units (blocks and tail), alone and in pairs.
    #[test]
    fn wide_units_at_every_position() {
        let kinds: [u32; 16] = [
            0x00,
            0x08,
            0x1f,
            0x20,
            b'"' as u32,
            b'\\' as u32,
            b'/' as u32,
            0x7e,
            0x7f,
            0x80,
            0xff,
            0x100,
            0x7fff,
            0x8000,
            0xd800,
            0xffff,
        ];
        for len in 1..=40 {
            for pos in 0..len {
                for &kind in kinds.iter().chain(&[0x1_0000, 0x1f600, 0x10_ffff]) {
                    let mut cps = vec![b'a' as u32; len];
                    cps[pos] = kind;
                    cps[len - 1 - pos] = if kind == b'a' as u32 { b'"' as u32 } else { kind };
                    let mut expected = OutBuf::from(&b"prefix"[..]);
                    for &cp in &cps {
                        write_escaped_code_point(&mut expected, cp);
                    }
                    let mut out = OutBuf::from(&b"prefix"[..]);
                    escape_ucs4_ascii(&mut out, &cps);
                    assert_eq!(out, expected, "ucs4 {kind:#x} at {pos} of {len}");
                    if kind < 0x1_0000 {
                        let ucs2: Vec<u16> = cps.iter().map(|&cp| cp as u16).collect();
                        let mut out = OutBuf::from(&b"prefix"[..]);
                        escape_ucs2_ascii(&mut out, &ucs2);
                        assert_eq!(out, expected, "ucs2 {kind:#x} at {pos} of {len}");
                    }
                }
            }
        }
    }

    #[test]
    fn short_plain_matches_general() {
        // Every byte value at the first, a middle and the last position of every length the
        // word (up to 16) and block (17 to 32) paths take, and just past them.
        for len in 0usize..=40 {
            for b in 0u8..=0xff {
                for at in [0, len / 3, len.saturating_sub(1)] {
                    let mut units: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    if len > 0 {
                        units[at] = b;
                    }
                    let mut general = OutBuf::from(&b"x"[..]);
                    quote_latin1_ascii(&mut general, &units);
                    let mut short = OutBuf::from(&b"x"[..]);
                    if try_quote_short_plain(&mut short, &units) {
                        assert_eq!(short, general, "byte {b:#x} at {at} of {len}");
                    } else {
                        assert_eq!(short, b"x", "nothing written on refusal");
                        assert!(len > 32 || units.iter().any(|&u| byte_needs_escape::<true>(u)));
                    }
                }
            }
        }
    }

    #[test]
    fn long_plain_matches_general() {
        // Lengths across several blocks and the overlapping last one; every byte value at the
        // first, a middle and the last position.
        for len in (0usize..=70).chain([95, 96, 97, 200]) {
            for b in 0u8..=0xff {
                for at in [0, len / 3, len.saturating_sub(1)] {
                    let mut units: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
                    if len > 0 {
                        units[at] = b;
                    }
                    let mut general = OutBuf::new();
                    quote_latin1_ascii(&mut general, &units);
                    let mut out = vec![0u8; len + 18];
                    // SAFETY: `len + 18` bytes of room.
                    match unsafe { quote_long_plain_raw(&units, out.as_mut_ptr()) } {
                        Some(written) => {
                            assert_eq!(&out[..written], &general[..], "byte {b:#x} at {at} of {len}")
                        }
                        None => assert!(
                            units.iter().any(|&u| byte_needs_escape::<true>(u)) || (len > 0 && len < 16)
                        ),
                    }
                }
            }
        }
    }

    #[test]
    fn ucs2_lone_surrogates_and_pairs() {
        let mut out = OutBuf::new();
        escape_ucs2_ascii(&mut out, &[0xd800, b'a' as u16, 0xdfff, 0xffff]);
        assert_eq!(out, b"\\ud800a\\udfff\\uffff");
        let mut out = OutBuf::new();
        escape_ucs4_ascii(&mut out, &[0x1f600, 0x10ffff, 0xdc00]);
        assert_eq!(out, b"\\ud83d\\ude00\\udbff\\udfff\\udc00");
    }

    /// Long strings are escaped chunk by chunk: the same bytes as escaping them whole, with
    /// escapes on both sides of every chunk boundary, and a bounded reservation.
    #[test]
    fn chunked_escaping_matches_whole() {
        let mut units: Vec<u8> = (0..3 * ESCAPE_CHUNK + 5).map(|i| (i % 251) as u8).collect();
        units[ESCAPE_CHUNK - 1] = b'"';
        units[ESCAPE_CHUNK] = 0xe9;
        let expected: String = units
            .iter()
            .map(|&u| {
                let mut one = OutBuf::new();
                escape_latin1_ascii(&mut one, &[u]);
                String::from_utf8(one.to_vec()).unwrap()
            })
            .collect();
        let mut out = OutBuf::new();
        quote_latin1_ascii(&mut out, &units);
        assert_eq!(out, format!("\"{expected}\"").into_bytes());
        // The buffer's own doubling aside, at most one chunk's worst case is reserved ahead (not
        // 6 × the whole string).
        let long = vec![b'a'; 64 * ESCAPE_CHUNK];
        let mut plain = OutBuf::new();
        quote_latin1_ascii(&mut plain, &long);
        assert_eq!(plain.len(), long.len() + 2);
        let bound = 2 * long.len() + 6 * ESCAPE_CHUNK + 64;
        assert!(
            plain.capacity() <= bound,
            "reserved {} > {bound}",
            plain.capacity()
        );
    }

    /// From code units, the same bytes as from the UTF-8 text; lone surrogates flagged.
    #[test]
    fn units_to_utf8_matches_text() {
        let text: String = (0..3 * ESCAPE_CHUNK as u32)
            .filter_map(|i| char::from_u32([i % 0x80, 0xe9, 0x20ac, 0x1f600][(i % 4) as usize]))
            .collect();
        let mut expected = OutBuf::new();
        escape_utf8(&mut expected, &text);
        let ucs4: Vec<u32> = text.chars().map(|c| c as u32).collect();
        let mut out = OutBuf::new();
        assert!(escape_units_utf8(&mut out, &ucs4));
        assert_eq!(out, expected);
        let latin1: Vec<u8> = (0..=255u8).cycle().take(2 * ESCAPE_CHUNK + 3).collect();
        let mut out = OutBuf::new();
        assert!(escape_units_utf8(&mut out, &latin1));
        let mut expected = OutBuf::new();
        escape_utf8(
            &mut expected,
            &latin1.iter().map(|&b| b as char).collect::<String>(),
        );
        assert_eq!(out, expected);
    }

    /// A lone surrogate is written in its 3-byte (surrogatepass) form and flagged; a pair of
    /// them stays two code points, as in a Python str.
    #[test]
    fn units_to_utf8_writes_surrogates_and_flags_them() {
        let mut out = OutBuf::new();
        assert!(!escape_units_utf8(
            &mut out,
            &[0x41u16, 0xd800, 0x22, 0xd83d, 0xde00, 0x0a]
        ));
        assert_eq!(out, b"A\xed\xa0\x80\\\"\xed\xa0\xbd\xed\xb8\x80\\n");
        let mut out = OutBuf::new();
        assert!(!escape_units_utf8(&mut out, &[0xdfffu32]));
        assert_eq!(out, b"\xed\xbf\xbf");
    }
}
