//! `number::scan_number` (the JSON number scanner of `loads`) and `input::plain_utf8`.
//!
//! Input: byte 0 picks the start offset (0..=3) inside the rest, which is the document.
//!
//! Oracles:
//! - a reference scanner written here from the contract: the longest prefix matching
//!   `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, and `None` where Python's scanner
//!   would stop early and then fail (`01`, `1.`, `1.e5`, `1e`, `1e+`, `-`, no number);
//!   same `None`-ness and same end index;
//! - ints: at most 18 digits → `Int` equal to `str::parse::<i64>`, more → `BigInt`;
//! - floats: bit-identical to `str::parse::<f64>` (correctly rounded, like Python's `float`)
//!   and, when finite, to serde_json (`float_roundtrip`);
//! - serde_json accepts the scanned text as a whole JSON number (ints: same value);
//! - `plain_utf8`: `None` exactly for empty input, a NUL or non-ASCII first byte, or a NUL
//!   second byte; otherwise the same slice.
#![no_main]

use _native::pure::input::plain_utf8;
use _native::pure::number::{scan_number, Number};
use libfuzzer_sys::fuzz_target;

/// (is_float, end) of the JSON number at `start`, or `None` as the contract says.
fn reference_scan(input: &[u8], start: usize) -> Option<(bool, usize)> {
    let at = |i: usize| input.get(i).copied();
    let digit = |i: usize| at(i).is_some_and(|b| b.is_ascii_digit());
    let mut i = start;
    if at(i) == Some(b'-') {
        i += 1;
    }
    match at(i) {
        Some(b'0') => {
            i += 1;
            if digit(i) {
                return None;
            }
        }
        Some(b'1'..=b'9') => {
            while digit(i) {
                i += 1;
            }
        }
        _ => return None,
    }
    let mut is_float = false;
    if at(i) == Some(b'.') {
        if !digit(i + 1) {
            return None;
        }
        i += 1;
        while digit(i) {
            i += 1;
        }
        is_float = true;
    }
    if matches!(at(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(at(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if !digit(j) {
            return None;
        }
        while digit(j) {
            j += 1;
        }
        i = j;
        is_float = true;
    }
    Some((is_float, i))
}

fn check_plain_utf8(input: &[u8]) {
    let expected_none = match input {
        [] => true,
        [first, ..] if *first == 0 || *first >= 0x80 => true,
        [_, 0, ..] => true,
        _ => false,
    };
    match plain_utf8(input) {
        None => assert!(expected_none, "plain_utf8 refused {input:?}"),
        Some(s) => {
            assert!(!expected_none, "plain_utf8 took {input:?}");
            assert!(std::ptr::eq(s, input), "plain_utf8 returned another slice");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&opts, input)) = data.split_first() else {
        return;
    };
    check_plain_utf8(data);
    check_plain_utf8(input);

    let start = usize::from(opts & 3);
    let got = scan_number(input, start);
    let expected = reference_scan(input, start);
    let (number, end) = match (got, expected) {
        (None, None) => return,
        (Some((number, end)), Some((is_float, ref_end))) => {
            assert_eq!(end, ref_end, "end of {:?}", String::from_utf8_lossy(&input[start..]));
            assert_eq!(matches!(number, Number::Float(_)), is_float, "int/float of {input:?}");
            (number, end)
        }
        (got, expected) => panic!(
            "scan_number({:?}, {start}) = {got:?}, reference {expected:?}",
            String::from_utf8_lossy(input)
        ),
    };
    let text = std::str::from_utf8(&input[start..end]).expect("number text is ASCII");
    let json: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| match number {
            // serde_json (without arbitrary_precision) refuses numbers beyond f64 range.
            Number::Float(v) if v.is_infinite() => serde_json::Value::Null,
            Number::BigInt if text.len() > 300 => serde_json::Value::Null,
            _ => panic!("serde_json rejects {text:?}: {e}"),
        });
    let digits = text.trim_start_matches('-').len();
    match number {
        Number::Int(v) => {
            assert!(digits <= 18, "Int for {text:?}");
            assert_eq!(Some(v), text.parse::<i64>().ok(), "value of {text:?}");
            assert!(json.is_number(), "{text:?}");
            if let Some(j) = json.as_i64() {
                assert_eq!(j, v, "serde_json value of {text:?}");
            } else {
                assert_eq!(json.as_f64(), Some(v as f64), "serde_json value of {text:?}");
            }
        }
        Number::BigInt => {
            assert!(digits > 18, "BigInt for {text:?}");
            assert!(json.is_number() || json.is_null(), "{text:?}");
        }
        Number::Float(v) => {
            let expected: f64 = text.parse().expect("Rust parses a JSON number");
            assert_eq!(v.to_bits(), expected.to_bits(), "value of {text:?}: {v:e} vs {expected:e}");
            if expected.is_finite() {
                let serde: f64 = serde_json::from_str(text).expect("serde_json f64");
                assert_eq!(v.to_bits(), serde.to_bits(), "serde_json value of {text:?}");
            }
        }
    }
});
