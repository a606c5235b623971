//! Reference pieces shared by the URL and query targets, written independently of the code
//! under test (no `utf8_chunks`, no shared tables).

#![allow(dead_code)]

/// Length of the valid UTF-8 sequence at the start of `s` (Unicode Table 3-7), or `None`
/// when the first byte does not start one. This is the "maximal subpart" practice that both
/// CPython's UTF-8 decoder and Rust follow; since every invalid byte is quoted on its own,
/// only *which* bytes are invalid matters.
fn valid_sequence_len(s: &[u8]) -> Option<usize> {
    let b0 = *s.first()?;
    let cont = |i: usize, lo: u8, hi: u8| s.get(i).is_some_and(|&b| (lo..=hi).contains(&b));
    let len = match b0 {
        0x00..=0x7f => return Some(1),
        0xc2..=0xdf => cont(1, 0x80, 0xbf).then_some(2),
        0xe0 => (cont(1, 0xa0, 0xbf) && cont(2, 0x80, 0xbf)).then_some(3),
        0xe1..=0xec | 0xee..=0xef => (cont(1, 0x80, 0xbf) && cont(2, 0x80, 0xbf)).then_some(3),
        0xed => (cont(1, 0x80, 0x9f) && cont(2, 0x80, 0xbf)).then_some(3),
        0xf0 => (cont(1, 0x90, 0xbf) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf)).then_some(4),
        0xf1..=0xf3 => (cont(1, 0x80, 0xbf) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf)).then_some(4),
        0xf4 => (cont(1, 0x80, 0x8f) && cont(2, 0x80, 0xbf) && cont(3, 0x80, 0xbf)).then_some(4),
        _ => None,
    };
    len
}

/// `bytes.decode("utf-8", "werkzeug.url_quote")`: valid sequences copied, every byte of an
/// invalid one written as `%XX` (uppercase hex).
pub fn decode_url_quote(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        match valid_sequence_len(&bytes[i..]) {
            Some(n) => {
                out.push_str(std::str::from_utf8(&bytes[i..i + n]).expect("reference decoder"));
                i += n;
            }
            None => {
                out.push_str(&format!("%{:02X}", bytes[i]));
                i += 1;
            }
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `urllib.parse.unquote_to_bytes` over ASCII text: `%` + two hex digits (any case) is
/// decoded, everything else copied.
pub fn unquote_to_bytes(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex(s[i + 1]), hex(s[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(s[i]);
        i += 1;
    }
    out
}
