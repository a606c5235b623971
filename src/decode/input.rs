//! Which byte inputs the fast path may take (pure Rust, no interpreter).
//!
//! `json.loads(b)` decodes bytes with `json.detect_encoding(b)` and the `surrogatepass`
//! error handler. The fast path only takes input that function would decode as plain UTF-8
//! with no BOM; everything else (UTF-8 BOM, UTF-16/32 with or without BOM) goes to
//! `json.loads`. The checks are conservative: any document starting with a NUL, with a NUL
//! as its second byte, or with a non-ASCII first byte is invalid JSON in UTF-8 anyway.

/// Returns `input` if the fast path may parse it as UTF-8 (validity is checked later).
#[inline]
pub fn plain_utf8(input: &[u8]) -> Option<&[u8]> {
    match input {
        // Empty: an error, let json word it.
        [] => None,
        // BOMs (EF BB BF, FE FF, FF FE, 00 00 FE FF) and UTF-16/32 without BOM
        // (a NUL among the first two bytes).
        [first, ..] if *first == 0 || *first >= 0x80 => None,
        [_, 0, ..] => None,
        _ => Some(input),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_utf8;

    #[test]
    fn utf8_without_bom_is_taken() {
        for s in [&b"1"[..], b"{}", b" [1]", b"\"\xc3\xa9\"", b"nul"] {
            assert_eq!(plain_utf8(s), Some(s));
        }
    }

    #[test]
    fn boms_and_wide_encodings_are_not() {
        let cases: [&[u8]; 9] = [
            b"",
            b"\xef\xbb\xbf{}",
            b"\xfe\xff\x00[\x00]",
            b"\xff\xfe[\x00]\x00",
            b"\x00\x00\xfe\xff",
            b"\xff\xfe\x00\x00",
            b"\x00[\x00]",
            b"[\x00]\x00",
            b"1\x00\x00\x00",
        ];
        for s in cases {
            assert_eq!(plain_utf8(s), None, "{s:?}");
        }
    }
}
