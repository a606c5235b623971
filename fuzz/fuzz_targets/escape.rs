//! JSON string escaping (`httpbin_ext._native.pure::escape`), all six entry points.
//!
//! Input: byte 0 picks a prefix length (output is appended after existing bytes, which
//! shifts the alignment of the stores); the rest is the string, read as UTF-8 (lossily),
//! as Latin-1 units, as UCS-2 units (little-endian pairs) and as UCS-4 code points
//! (little-endian quads modulo 0x110000, surrogates included, as CPython strings allow).
//!
//! Oracles:
//! - an independent reference of CPython's `py_encode_basestring_ascii` /
//!   `py_encode_basestring` written here (exact bytes);
//! - serde_json: parses every output back to exactly the input (when the input is valid
//!   Unicode), and `serde_json::to_string` equals the `ensure_ascii=False` output;
//! - a strict JSON-string decoder written here that decodes `\uXXXX` to UTF-16 code units
//!   without pairing them, so inputs with lone surrogates round-trip too;
//! - ASCII variants emit only printable ASCII; each surrogate is written as `\udXXX`;
//! - `try_quote_short_plain` either writes exactly what `quote_latin1_ascii` writes or
//!   nothing, and succeeds for every string of at most 32 bytes that needs no escaping.
#![no_main]

use _native::pure::escape::{
    escape_latin1_ascii, escape_ucs2_ascii, escape_ucs4_ascii, escape_utf8, quote_latin1_ascii,
    try_quote_short_plain,
};
use libfuzzer_sys::fuzz_target;

/// `\u` + four lowercase hex digits (`Py_hexdigits`).
fn push_u_escape(out: &mut String, unit: u32) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from_digit((unit >> shift) & 0xf, 16).unwrap());
    }
}

/// CPython `ascii_escape_unichar` + `S_CHAR`: the `ensure_ascii=True` text of one code point.
fn ref_ascii_unit(out: &mut String, c: u32) {
    match c {
        0x22 => out.push_str("\\\""),
        0x5c => out.push_str("\\\\"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        0x0a => out.push_str("\\n"),
        0x0d => out.push_str("\\r"),
        0x09 => out.push_str("\\t"),
        0x20..=0x7e => out.push(char::from_u32(c).unwrap()),
        0x1_0000.. => {
            let v = c - 0x1_0000;
            push_u_escape(out, 0xd800 + (v >> 10));
            push_u_escape(out, 0xdc00 + (v & 0x3ff));
        }
        _ => push_u_escape(out, c),
    }
}

fn ref_ascii(units: impl IntoIterator<Item = u32>) -> String {
    let mut out = String::with_capacity(64);
    for c in units {
        ref_ascii_unit(&mut out, c);
    }
    out
}

/// CPython `py_encode_basestring` (`ensure_ascii=False`), without the quotes.
fn ref_utf8(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => push_u_escape(&mut out, c as u32),
            c => out.push(c),
        }
    }
    out
}

/// Strict decoder of a JSON string body written under `ensure_ascii=True`: printable ASCII
/// and valid escapes only; `\uXXXX` (lowercase hex) becomes one UTF-16 code unit (pairs are
/// not joined). Also returns how many escapes were `\udXXX` with a surrogate value.
fn decode_ascii_json_body(body: &[u8]) -> Result<(Vec<u16>, usize), String> {
    let mut units = Vec::new();
    let mut surrogate_escapes = 0;
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'\\' {
            let esc = *body.get(i + 1).ok_or("dangling backslash")?;
            i += 2;
            let unit = match esc {
                b'"' => 0x22,
                b'\\' => 0x5c,
                b'/' => 0x2f,
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => 0x0a,
                b'r' => 0x0d,
                b't' => 0x09,
                b'u' => {
                    let hex = body.get(i..i + 4).ok_or("short \\u escape")?;
                    i += 4;
                    let mut unit = 0u16;
                    for &h in hex {
                        let digit = match h {
                            b'0'..=b'9' => h - b'0',
                            b'a'..=b'f' => h - b'a' + 10,
                            _ => return Err(format!("\\u escape not lowercase hex: {hex:?}")),
                        };
                        unit = unit << 4 | u16::from(digit);
                    }
                    if hex[0] == b'd' && is_surrogate(u32::from(unit)) {
                        surrogate_escapes += 1;
                    }
                    unit
                }
                other => return Err(format!("bad escape \\{}", other as char)),
            };
            units.push(unit);
        } else if (0x20..=0x7e).contains(&b) && b != b'"' {
            units.push(u16::from(b));
            i += 1;
        } else {
            return Err(format!("raw byte {b:#04x} in ensure_ascii output"));
        }
    }
    Ok((units, surrogate_escapes))
}

/// UTF-16 code units of a code point sequence (surrogate code points as themselves).
fn utf16_units(cps: &[u32]) -> Vec<u16> {
    let mut out = Vec::new();
    for &c in cps {
        if c >= 0x1_0000 {
            let v = c - 0x1_0000;
            out.push((0xd800 + (v >> 10)) as u16);
            out.push((0xdc00 + (v & 0x3ff)) as u16);
        } else {
            out.push(c as u16);
        }
    }
    out
}

fn is_surrogate(c: u32) -> bool {
    (0xd800..0xe000).contains(&c)
}

/// Checks one `ensure_ascii=True` output (without quotes) against the code points it encodes.
fn check_ascii(label: &str, body: &[u8], cps: &[u32]) {
    let expected = ref_ascii(cps.iter().copied());
    assert_eq!(
        body,
        expected.as_bytes(),
        "{label}: differs from the reference for {cps:x?}\n got: {:?}",
        String::from_utf8_lossy(body)
    );
    assert!(body.iter().all(|&b| (0x20..0x7f).contains(&b)), "{label}: non-printable-ASCII output");
    let (decoded, surrogate_escapes) =
        decode_ascii_json_body(body).unwrap_or_else(|e| panic!("{label}: {e}"));
    let units = utf16_units(cps);
    assert_eq!(decoded, units, "{label}: does not decode back to the input");
    // Every surrogate unit (lone or from a pair) is written as a `\udXXX` escape.
    let surrogate_units = units.iter().filter(|&&u| is_surrogate(u32::from(u))).count();
    assert_eq!(surrogate_escapes, surrogate_units, "{label}: surrogates not all written as \\udXXX");
    // serde_json agrees when the input is valid Unicode.
    if let Some(text) = cps.iter().map(|&c| char::from_u32(c)).collect::<Option<String>>() {
        let mut quoted = Vec::with_capacity(body.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(body);
        quoted.push(b'"');
        let parsed: String = serde_json::from_slice(&quoted)
            .unwrap_or_else(|e| panic!("{label}: serde_json rejects the output: {e}"));
        assert_eq!(parsed, text, "{label}: serde_json parses back something else");
    }
}

fn prefixed(prefix_len: usize) -> Vec<u8> {
    // Exact capacity: `reserve` then grows to what the callee asks (or twice the prefix), so
    // a write past the reservation is more likely to be caught by ASan.
    let mut out = Vec::with_capacity(prefix_len);
    out.extend(std::iter::repeat(b'P').take(prefix_len));
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, rest)) = data.split_first() else {
        return;
    };
    let p = usize::from(opts & 31);

    // ensure_ascii=False from UTF-8.
    let text = String::from_utf8_lossy(rest);
    let mut out = prefixed(p);
    escape_utf8(&mut out, &text);
    assert!(out[..p].iter().all(|&b| b == b'P'), "utf8: prefix clobbered");
    let body = &out[p..];
    assert_eq!(body, ref_utf8(&text).as_bytes(), "utf8: differs from the reference for {text:?}");
    let quoted = format!("\"{}\"", std::str::from_utf8(body).expect("utf8: output not UTF-8"));
    assert_eq!(quoted, serde_json::to_string(&*text).unwrap(), "utf8: differs from serde_json");
    let parsed: String = serde_json::from_str(&quoted).expect("utf8: serde_json rejects the output");
    assert_eq!(parsed, text, "utf8: does not parse back");

    // ensure_ascii=True from Latin-1 units: the three byte-string entry points.
    let cps: Vec<u32> = rest.iter().map(|&b| u32::from(b)).collect();
    let mut out = prefixed(p);
    escape_latin1_ascii(&mut out, rest);
    assert!(out[..p].iter().all(|&b| b == b'P'), "latin1: prefix clobbered");
    check_ascii("escape_latin1_ascii", &out[p..], &cps);
    let escaped = out[p..].to_vec();

    let mut out = prefixed(p);
    quote_latin1_ascii(&mut out, rest);
    assert!(out[..p].iter().all(|&b| b == b'P'), "quote_latin1: prefix clobbered");
    let q = &out[p..];
    assert!(q.len() >= 2 && q[0] == b'"' && q[q.len() - 1] == b'"', "quote_latin1: quotes");
    assert_eq!(&q[1..q.len() - 1], &escaped[..], "quote_latin1 != escape_latin1");
    let quoted_latin1 = q.to_vec();

    let mut out = prefixed(p);
    let took = try_quote_short_plain(&mut out, rest);
    let plain = rest.len() <= 32 && rest.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    if took {
        assert_eq!(&out[p..], &quoted_latin1[..], "try_quote_short_plain != quote_latin1_ascii");
    } else {
        assert_eq!(out.len(), p, "try_quote_short_plain wrote on refusal");
    }
    assert_eq!(took, plain, "try_quote_short_plain accepted/refused wrongly for {rest:?}");

    // ensure_ascii=True from UCS-2 units (lone surrogates included).
    let ucs2: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let mut out = prefixed(p);
    escape_ucs2_ascii(&mut out, &ucs2);
    assert!(out[..p].iter().all(|&b| b == b'P'), "ucs2: prefix clobbered");
    let cps: Vec<u32> = ucs2.iter().map(|&u| u32::from(u)).collect();
    check_ascii("escape_ucs2_ascii", &out[p..], &cps);
    // Valid UTF-16 parses back through serde_json as the same string.
    if let Ok(text) = String::from_utf16(&ucs2) {
        let mut quoted = vec![b'"'];
        quoted.extend_from_slice(&out[p..]);
        quoted.push(b'"');
        let parsed: String = serde_json::from_slice(&quoted).expect("ucs2: serde_json rejects");
        assert_eq!(parsed, text, "ucs2: serde_json parses back something else");
    }

    // ensure_ascii=True from UCS-4 code points.
    let ucs4: Vec<u32> = rest
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) % 0x11_0000)
        .collect();
    let mut out = prefixed(p);
    escape_ucs4_ascii(&mut out, &ucs4);
    assert!(out[..p].iter().all(|&b| b == b'P'), "ucs4: prefix clobbered");
    check_ascii("escape_ucs4_ascii", &out[p..], &ucs4);
});
