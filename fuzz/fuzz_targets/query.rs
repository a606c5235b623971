//! `request::query`: `parse_qsl(text, keep_blank_values=True,
//! errors="werkzeug.url_quote")` and `unquote_plus`.
//!
//! Input: arbitrary bytes, read as UTF-8 (lossily; the caller only passes valid UTF-8).
//!
//! Oracles (a port of CPython 3.11's `urllib.parse.parse_qsl` / `unquote`, written here):
//! - the number of pairs is the number of non-empty `&`-separated fields;
//! - each pair: split at the first `=` (no `=`: empty value), `+` → space, then `unquote`:
//!   unchanged without `%`, otherwise each maximal ASCII run is `unquote_to_bytes`-decoded
//!   and read as UTF-8 with invalid bytes re-quoted `%XX`, non-ASCII runs kept as they are;
//! - `unquote_plus` on the whole text equals the same reference, and borrows exactly when
//!   the text has neither `%` nor `+`.
#![no_main]

mod common;

use std::borrow::Cow;

use _native::pure::query::{parse_qsl, unquote_plus};
use common::{decode_url_quote, unquote_to_bytes};
use libfuzzer_sys::fuzz_target;

/// `urllib.parse.unquote(s.replace("+", " "), "utf-8", "werkzeug.url_quote")`.
fn ref_unquote_plus(s: &str) -> String {
    let s = s.replace('+', " ");
    if !s.contains('%') {
        return s;
    }
    // `_asciire.split(string)`: alternating non-ASCII / ASCII runs.
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(c) = rest.chars().next() {
        let ascii = c.is_ascii();
        let len = rest
            .char_indices()
            .find(|(_, ch)| ch.is_ascii() != ascii)
            .map_or(rest.len(), |(i, _)| i);
        let (run, after) = rest.split_at(len);
        if ascii {
            out.push_str(&decode_url_quote(&unquote_to_bytes(run.as_bytes())));
        } else {
            out.push_str(run);
        }
        rest = after;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    let got = unquote_plus(text);
    assert_eq!(got, ref_unquote_plus(text), "unquote_plus({text:?})");
    assert_eq!(
        matches!(got, Cow::Borrowed(_)),
        !text.contains(['%', '+']),
        "unquote_plus({text:?}) borrowed/owned"
    );

    let pairs = parse_qsl(text);
    let fields: Vec<&str> = text.split('&').filter(|f| !f.is_empty()).collect();
    assert_eq!(pairs.len(), fields.len(), "pair count for {text:?}");
    for ((name, value), field) in pairs.iter().zip(&fields) {
        let (n, v) = match field.find('=') {
            Some(i) => (&field[..i], &field[i + 1..]),
            None => (*field, ""),
        };
        assert_eq!(name, &ref_unquote_plus(n), "name of {field:?}");
        assert_eq!(value, &ref_unquote_plus(v), "value of {field:?}");
    }
});
