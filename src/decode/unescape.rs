//! JSON string bodies: find the closing quote and undo the escapes, in pure Rust.
//!
//! Only what Python's strict scanner accepts *and* what a UTF-8 `str` can carry is decoded
//! here; anything else (a raw control character, an unknown or short escape, a lone
//! surrogate, no closing quote) is `None`, on which `loads` asks `json.loads` itself.
//!
//! Why not sonic-rs's `parse_str`: it restarts its block scan after every escape. On the
//! httpbin /post payload (its `data` field holds the request body: 618 escapes, mostly `\"`)
//! that cost ~140 instructions per escape (callgrind); here ~57, runs between escapes
//! included, because a run is copied as whole 16-byte blocks and a row of escapes skips the
//! scan.

use crate::writer::escape::is_string_special;
#[cfg(target_arch = "x86_64")]
use crate::writer::escape::string_special_mask;

/// The body of the string that starts at `start` (just after its opening quote) and the
/// index just past its closing quote. The body borrows `input` when the string has no
/// escapes, else it is built in `scratch`. `input` must be valid UTF-8 (then so is the body).
#[inline]
pub fn parse_string<'a>(
    input: &'a [u8],
    start: usize,
    scratch: &'a mut Vec<u8>,
) -> Option<(&'a [u8], usize)> {
    let stop = find_special(input, start)?;
    match input.get(stop)? {
        b'"' => Some((input.get(start..stop)?, stop + 1)),
        b'\\' => {
            let end = unescape_from(input, start, stop, scratch)?;
            Some((scratch.as_slice(), end))
        }
        _ => None,
    }
}

/// The escaped case: `input[start..stop]` is plain and `input[stop]` is a backslash.
///
/// Plain runs are copied a whole 16-byte block at a time, then the output position moves
/// only past the bytes that belong to the run; an escape writes at most 4 bytes. Before each
/// of those steps there must be 16 writable bytes at `written` (`written <= limit`); the
/// buffer grows with the string itself, not with the rest of the document.
///
/// A block's mask of special bytes is kept and walked escape by escape: the next special
/// byte comes from the mask, not from loading and testing the bytes after each escape
/// again. Where escapes are dense (an escaped JSON body: `{\"a\": \"b\"}`), that reload was a
/// chain of dependent loads per escape, and the loop ran at half the speed.
#[inline(never)]
fn unescape_from(input: &[u8], start: usize, stop: usize, scratch: &mut Vec<u8>) -> Option<usize> {
    let len = input.len();
    scratch.clear();
    // Unescaping never lengthens the text, so the rest of the input bounds the need: reserve
    // that, up to a first 4 KiB (one allocation for most strings), then grow on demand.
    scratch.reserve((len - start).min(INITIAL_SCRATCH) + BLOCK);
    scratch.extend_from_slice(input.get(start..stop)?);
    let mut written = scratch.len();
    let (mut out, mut limit) = (scratch.as_mut_ptr(), scratch.capacity() - BLOCK);
    let mut i = stop;
    // Special bytes of `input[base..base + 16]` (bit k: `base + k`); 0 when none is known.
    let (mut base, mut mask) = (i, 0u32);
    // SAFETY (whole loop): writes happen only while `written <= limit`, i.e. with 16 bytes of
    // capacity at `out + written`, and every byte below `written` has been written. Reads:
    // blocks only while `i + BLOCK <= len`, else `get`.
    'escapes: loop {
        // `input[i]` is a special byte.
        if written > limit {
            (out, limit) = grow(scratch, written);
        }
        match input.get(i)? {
            b'"' => {
                unsafe { scratch.set_len(written) };
                return Some(i + 1);
            }
            b'\\' => {
                let (next, bytes) = unsafe { unescape_one(input, i + 1, out.add(written))? };
                i = next;
                written += bytes;
            }
            _ => return None,
        }
        // The next special byte in the block already scanned, past what the escape consumed.
        let rest = mask.checked_shr((i - base) as u32).unwrap_or(0);
        if rest != 0 {
            let run = rest.trailing_zeros() as usize;
            if written > limit {
                (out, limit) = grow(scratch, written);
            }
            if i + BLOCK <= len {
                unsafe { store_block(out.add(written), load_block(input.as_ptr().add(i))) };
            } else {
                for k in 0..run {
                    unsafe { *out.add(written + k) = *input.get(i + k)? };
                }
            }
            i += run;
            written += run;
            continue;
        }
        while i + BLOCK <= len {
            if written > limit {
                (out, limit) = grow(scratch, written);
            }
            unsafe {
                let block = load_block(input.as_ptr().add(i));
                store_block(out.add(written), block);
                mask = block_mask(block);
                if mask != 0 {
                    base = i;
                    let run = mask.trailing_zeros() as usize;
                    i += run;
                    written += run;
                    continue 'escapes;
                }
            }
            i += BLOCK;
            written += BLOCK;
        }
        // Fewer than 16 bytes left.
        mask = 0;
        if written > limit {
            (out, limit) = grow(scratch, written);
        }
        while let Some(&byte) = input.get(i) {
            if is_string_special(byte) {
                break;
            }
            unsafe { *out.add(written) = byte };
            i += 1;
            written += 1;
        }
    }
}

/// Room for at least 16 more bytes after `written` (all initialised): the new output
/// pointer and write limit. Doubling keeps the copying linear in the string's length.
#[cold]
#[inline(never)]
fn grow(scratch: &mut Vec<u8>, written: usize) -> (*mut u8, usize) {
    // SAFETY: the caller has written every byte below `written`, and `written <= capacity`.
    unsafe { scratch.set_len(written) };
    scratch.reserve(written + BLOCK);
    (scratch.as_mut_ptr(), scratch.capacity() - BLOCK)
}

/// One escape; `at` is just past the backslash. Writes its text (at most 4 bytes) at `dst`
/// and returns the index after the escape and the number of bytes written.
///
/// # Safety
/// `dst` must be valid for 4 bytes of writes.
#[inline(always)]
unsafe fn unescape_one(input: &[u8], at: usize, dst: *mut u8) -> Option<(usize, usize)> {
    let escaped = *input.get(at)?;
    // A table, not a `match`: escape kinds vary from one to the next, and a jump table's
    // indirect branch mispredicts on them.
    match SIMPLE_ESCAPES[escaped as usize] {
        0 => {
            if escaped != b'u' {
                return None;
            }
            let (code, end) = unicode_escape(input, at + 1)?;
            let (utf8, bytes) = utf8_word(code);
            // SAFETY: `dst` is valid for 4 bytes (only the first `bytes` count). One store
            // of a register: byte stores read back as a word would stall store forwarding.
            unsafe { std::ptr::write_unaligned(dst as *mut u32, utf8.to_le()) };
            Some((end, bytes))
        }
        simple => {
            // SAFETY: `dst` is valid for 4 bytes.
            unsafe { *dst = simple };
            Some((at + 1, 1))
        }
    }
}

/// What a one-character escape stands for (`\n` → 0x0a), by the byte after the backslash;
/// 0 for `u` and for anything that is no escape.
const SIMPLE_ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table[b'/' as usize] = b'/';
    table[b'b' as usize] = 0x08;
    table[b'f' as usize] = 0x0c;
    table[b'n' as usize] = b'\n';
    table[b'r' as usize] = b'\r';
    table[b't' as usize] = b'\t';
    table
};

/// The code point of `\uXXXX` (`at` points to the hex digits) or of a `\uD8xx\uDCxx`
/// surrogate pair, and the index after it. A lone surrogate is `None`: Python keeps it in
/// the `str`, which then has no UTF-8 form.
#[inline(always)]
fn unicode_escape(input: &[u8], at: usize) -> Option<(u32, usize)> {
    let first = hex4(input, at)?;
    match first {
        0xd800..=0xdbff => {
            if input.get(at + 4..at + 6)? != b"\\u" {
                return None;
            }
            let second = hex4(input, at + 6)?;
            if !(0xdc00..=0xdfff).contains(&second) {
                return None;
            }
            Some((0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00), at + 10))
        }
        0xdc00..=0xdfff => None,
        _ => Some((first, at + 4)),
    }
}

/// The UTF-8 form of a scalar value (no surrogates: `unicode_escape` never yields one),
/// little-endian in a word, and its length.
#[inline(always)]
fn utf8_word(code: u32) -> (u32, usize) {
    let cont = |bits: u32| 0x80 | (bits & 0x3f);
    match code {
        0..=0x7f => (code, 1),
        0x80..=0x7ff => (0xc0 | (code >> 6) | cont(code) << 8, 2),
        0x800..=0xffff => (0xe0 | (code >> 12) | cont(code >> 6) << 8 | cont(code) << 16, 3),
        _ => (
            0xf0 | (code >> 18) | cont(code >> 12) << 8 | cont(code >> 6) << 16 | cont(code) << 24,
            4,
        ),
    }
}

/// Hex digit values (either case); 0xff for anything else.
const HEX: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Four hex digits, as Python's scanner reads them.
#[inline(always)]
fn hex4(input: &[u8], at: usize) -> Option<u32> {
    let &[a, b, c, d] = input.get(at..at + 4)?.first_chunk::<4>()?;
    let digits = [HEX[a as usize], HEX[b as usize], HEX[c as usize], HEX[d as usize]];
    if digits.contains(&0xff) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u32, |acc, &digit| acc << 4 | u32::from(digit)),
    )
}

const BLOCK: usize = 16;

/// First reservation for an escaped string's text (see `unescape_from`).
const INITIAL_SCRATCH: usize = 4096;

#[cfg(target_arch = "x86_64")]
type Block = std::arch::x86_64::__m128i;
#[cfg(not(target_arch = "x86_64"))]
type Block = [u8; BLOCK];

/// # Safety
/// `src` must be valid for 16 bytes of reads.
#[inline(always)]
unsafe fn load_block(src: *const u8) -> Block {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86_64; the caller guarantees the read.
    unsafe {
        std::arch::x86_64::_mm_loadu_si128(src as *const Block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: the caller guarantees the read.
    unsafe {
        std::ptr::read_unaligned(src as *const Block)
    }
}

/// Bit `k` set when byte `k` of the block is special (`"`, `\`, below 0x20).
#[inline(always)]
fn block_mask(block: Block) -> u32 {
    #[cfg(target_arch = "x86_64")]
    {
        string_special_mask(block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        block.iter().enumerate().fold(0u32, |mask, (k, &byte)| {
            mask | (u32::from(is_string_special(byte)) << k)
        })
    }
}

/// # Safety
/// `dst` must be valid for 16 bytes of writes.
#[inline(always)]
unsafe fn store_block(dst: *mut u8, block: Block) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE2 is part of x86_64; the caller guarantees the write.
    unsafe {
        std::arch::x86_64::_mm_storeu_si128(dst as *mut Block, block)
    }
    #[cfg(not(target_arch = "x86_64"))]
    // SAFETY: the caller guarantees the write.
    unsafe {
        std::ptr::write_unaligned(dst as *mut Block, block)
    }
}

/// Index of the first `"`, `\` or control character (< 0x20) at or after `from`; `None`
/// when there is none (an unterminated string).
#[inline(always)]
fn find_special(input: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + BLOCK <= input.len() {
        // SAFETY: the 16 bytes at `i` are inside `input`.
        let mask = block_mask(unsafe { load_block(input.as_ptr().add(i)) });
        if mask != 0 {
            return Some(i + mask.trailing_zeros() as usize);
        }
        i += BLOCK;
    }
    input
        .get(i..)?
        .iter()
        .position(|&b| is_string_special(b))
        .map(|offset| i + offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_string` on `"<body>" ,` against serde_json reading the first string of the same
    /// bytes (it too rejects control characters, bad escapes and lone surrogates): same text,
    /// same end, or both refuse.
    fn check(body: &[u8]) {
        let mut doc = vec![b'"'];
        doc.extend_from_slice(body);
        doc.extend_from_slice(b"\" ,");
        let mut scratch = Vec::new();
        let ours = parse_string(&doc, 1, &mut scratch).map(|(text, end)| (text.to_vec(), end));
        let mut stream = serde_json::Deserializer::from_slice(&doc).into_iter::<String>();
        let oracle = match stream.next() {
            Some(Ok(text)) => Some((text.into_bytes(), stream.byte_offset())),
            _ => None,
        };
        assert_eq!(ours, oracle, "body {body:?}");
    }

    #[test]
    fn plain_and_escaped_strings_match_serde_json() {
        let cases: &[&[u8]] = &[
            b"",
            b"plain",
            b"a longer plain string crossing a sixteen byte block",
            b"\\\"",
            b"\\\\\\/\\b\\f\\n\\r\\t",
            b"{\\\"key\\\":\\\"value\\\",\\\"n\\\":[1,2,3]}",
            b"\\u0041\\u00e9\\u4e2d\\uFFFF\\u0000",
            b"\\ud83d\\ude00 emoji pair",
            b"\\uD83D\\uDE00",
            "caf\u{e9} \u{4e2d}\u{6587} \u{1f600}".as_bytes(),
            b"x\\",
            b"\\x",
            b"\\u12",
            b"\\u12g4",
            b"\\ud800",
            b"\\ud800\\u0041",
            b"\\ud800\\n",
            b"\\udc00",
            b"tab\there",
            b"nl\nhere",
            b"\x1f",
            b"\x7f del is fine",
        ];
        for body in cases {
            check(body);
        }
    }

    #[test]
    fn every_escape_position_in_a_block() {
        // The escape at each offset across two blocks, and a control byte likewise.
        for at in 0..40 {
            let mut body = vec![b'a'; 40];
            body.splice(at..at, b"\\n".iter().copied());
            check(&body);
            let mut body = vec![b'a'; 40];
            body[at] = 0x01;
            check(&body);
        }
    }

    #[test]
    fn utf8_word_matches_char_encoding() {
        for code in (0..0xd800).chain(0xe000..0x11_0000).step_by(7) {
            let mut want = [0u8; 4];
            let text = char::from_u32(code).unwrap().encode_utf8(&mut want);
            let (word, len) = utf8_word(code);
            assert_eq!(word.to_le_bytes()[..len], *text.as_bytes(), "U+{code:04X}");
        }
    }

    #[test]
    fn long_strings_grow_the_buffer() {
        // Past the first reservation (`INITIAL_SCRATCH`): dense escapes, long plain runs, and
        // 4-byte characters, so the buffer grows at every kind of step.
        let pieces: [&[u8]; 4] = [
            b"\\n",
            b"0123456789abcdefghij",
            b"\\ud83d\\ude00",
            "\u{e9}".as_bytes(),
        ];
        for (k, piece) in pieces.iter().enumerate() {
            let mut body = b"\\t".to_vec();
            while body.len() < 3 * INITIAL_SCRATCH {
                body.extend_from_slice(piece);
                body.extend_from_slice(pieces[(k + body.len()) % pieces.len()]);
            }
            check(&body);
        }
    }

    #[test]
    fn unterminated_is_none() {
        let mut scratch = Vec::new();
        assert!(parse_string(b"\"abc", 1, &mut scratch).is_none());
        assert!(parse_string(b"\"abc\\", 1, &mut scratch).is_none());
        assert!(parse_string(b"\"abc\\\"", 1, &mut scratch).is_none());
        assert!(parse_string(b"\"abcdefghijklmnopqrstuvwxyz", 1, &mut scratch).is_none());
    }

    #[test]
    fn pseudo_random_bodies_match_serde_json() {
        // Bodies over an alphabet rich in escapes and near-miss escapes (xorshift, fixed seed).
        let alphabet: &[&[u8]] = &[
            b"a",
            b"\\\"",
            b"\\\\",
            b"\\n",
            b"\\u00e9",
            b"\\ud83d\\ude00",
            b"\\ud83d",
            b"\\u",
            b"\\",
            b"\x01",
            "\u{e9}".as_bytes(),
            "\u{1f600}".as_bytes(),
            b"0123456789abcdef",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let mut body = Vec::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let parts = (state % 12) as usize;
            for _ in 0..parts {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                body.extend_from_slice(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            check(&body);
        }
    }
}
