//! `decode::unescape::parse_string` (the string scanner/unescaper of `loads`).
//!
//! Input: byte 0 picks a start offset (0..=3); the rest, when it is valid UTF-8 (`loads`
//! only ever scans validated UTF-8), is the text after an opening quote.
//!
//! Oracles:
//! - a reference decoder written here from Python's strict `scanstring`, restricted to what
//!   the module's contract decodes (`None` for a raw control character, an unknown or short
//!   escape, a lone surrogate, no closing quote): same text, same end index;
//! - serde_json reading the first string of the same bytes: same text and end, or both refuse;
//! - the text is valid UTF-8, the end lies inside the input, and an escape-free string
//!   borrows the input.
#![no_main]

use _native::pure::unescape::parse_string;
use libfuzzer_sys::fuzz_target;

/// (text, end) per the contract, decoding one code point at a time.
fn reference(doc: &[u8], start: usize) -> Option<(Vec<u8>, usize)> {
    let text = std::str::from_utf8(doc.get(start..)?).ok()?;
    let mut out = String::new();
    let mut chars = text.char_indices();
    let hex4 = |at: usize| -> Option<u32> {
        let digits = text.get(at..at + 4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(digits, 16).ok()
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out.into_bytes(), start + i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    '"' | '\\' | '/' => out.push(e),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let first = hex4(i + 2)?;
                        let code = if (0xd800..0xdc00).contains(&first) {
                            if text.get(i + 6..i + 8)? != "\\u" {
                                return None;
                            }
                            let second = hex4(i + 8)?;
                            if !(0xdc00..0xe000).contains(&second) {
                                return None;
                            }
                            for _ in 0..10 {
                                chars.next();
                            }
                            0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
                        } else {
                            for _ in 0..4 {
                                chars.next();
                            }
                            first
                        };
                        out.push(char::from_u32(code)?);
                    }
                    _ => return None,
                }
            }
            c if (c as u32) < 0x20 => return None,
            c => out.push(c),
        }
    }
    None
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // `loads` starts after an ASCII quote, so always on a character boundary.
    let start = usize::from(selector % 4).min(rest.len());
    if !text.is_char_boundary(start) {
        return;
    }
    let mut scratch = Vec::new();
    let ours = parse_string(rest, start, &mut scratch).map(|(text, end)| {
        assert!(end <= rest.len() && end > start, "end {end} outside {start}..={}", rest.len());
        assert!(std::str::from_utf8(text).is_ok(), "text is not UTF-8: {text:?}");
        let body = &rest[start..end - 1];
        if !body.contains(&b'\\') {
            assert_eq!(text.as_ptr(), body.as_ptr(), "an escape-free string must borrow");
        }
        (text.to_vec(), end)
    });
    assert_eq!(ours, reference(rest, start), "reference, input {rest:?} from {start}");

    let mut doc = Vec::with_capacity(rest.len() - start + 1);
    doc.push(b'"');
    doc.extend_from_slice(&rest[start..]);
    let mut stream = serde_json::Deserializer::from_slice(&doc).into_iter::<String>();
    let oracle = match stream.next() {
        Some(Ok(text)) => Some((text.into_bytes(), stream.byte_offset() - 1 + start)),
        _ => None,
    };
    assert_eq!(ours, oracle, "serde_json, input {rest:?} from {start}");
});
