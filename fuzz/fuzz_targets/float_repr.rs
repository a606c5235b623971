//! `write_float_repr` (Python's `repr(float)`) for arbitrary doubles.
//!
//! Values tried per input: the raw bits of the first 8 bytes; the same value rounded to
//! 1..=18 significant digits (byte 8 picks how many), which reaches the short decimals
//! (`1.5e-05`, `1e+16`) raw bits almost never hit; and the rest of the input parsed as a
//! decimal when it is one.
//!
//! Oracles: the output equals a reference built here from Rust's shortest round-trip digits
//! (`{:e}`; exact ties re-rounded half-to-even like CPython's dtoa, see `reference_repr`)
//! laid out by CPython's `format_float_short` rules for `repr` (scientific when the
//! decimal exponent is < -4 or >= 16, exponent signed with at least two digits, `.0` added
//! to integers), and it parses back (Rust `str::parse` and serde_json) to the same bits.
//!
//! Non-finite values are skipped: `write_float_repr` is finite-only (`debug_assert!`); the
//! caller (`encode::number::write_float`, not part of `pure`) writes NaN/Infinity/-Infinity.
#![no_main]

use _native::pure::float_repr::write_float_repr;
use libfuzzer_sys::fuzz_target;

/// CPython `repr(value)` from Rust's shortest digits.
fn reference_repr(value: f64) -> String {
    let magnitude = value.abs();
    // Rust's shortest digits give the digit count; among the candidates of that length
    // Python (dtoa mode 0) takes the one nearest the value, ties to even, which is what
    // Rust's exact mode (`{:.N$e}`) writes, when it round-trips. (Rust's shortest mode
    // breaks exact ties upwards: 572158363303951.25 → ...951.3, Python ...951.2.)
    let shortest = format!("{magnitude:e}");
    let count = shortest.split_once('e').unwrap().0.bytes().filter(u8::is_ascii_digit).count();
    let nearest = format!("{:.*e}", count - 1, magnitude);
    let sci = if nearest.parse::<f64>().ok() == Some(magnitude) { nearest } else { shortest };
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent");
    let mut digits: String = mantissa.chars().filter(|&c| c != '.').collect();
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    let body = if exp < -4 || exp >= 16 {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.abs())
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    };
    format!("{sign}{body}")
}

fn check(value: f64, prefix_len: usize) {
    if !value.is_finite() {
        return;
    }
    let mut out = vec![b'#'; prefix_len];
    write_float_repr(&mut out, value);
    assert!(out[..prefix_len].iter().all(|&b| b == b'#'), "prefix clobbered");
    let text = std::str::from_utf8(&out[prefix_len..]).expect("output is not UTF-8");
    let expected = reference_repr(value);
    assert_eq!(text, expected, "repr of {value:e} (bits {:#018x})", value.to_bits());
    let back: f64 = text.parse().unwrap_or_else(|e| panic!("{text:?} does not parse: {e}"));
    assert_eq!(back.to_bits(), value.to_bits(), "{text} does not round-trip");
    let back: f64 = serde_json::from_str(text).unwrap_or_else(|e| panic!("{text:?}: serde_json: {e}"));
    assert_eq!(back.to_bits(), value.to_bits(), "{text}: serde_json reads another value");
}

fuzz_target!(|data: &[u8]| {
    let mut bits = [0u8; 8];
    let n = data.len().min(8);
    bits[..n].copy_from_slice(&data[..n]);
    let value = f64::from_bits(u64::from_le_bytes(bits));
    let prefix_len = usize::from(data.first().copied().unwrap_or(0) & 7);
    check(value, prefix_len);
    if let Some(&precision) = data.get(8) {
        if value.is_finite() {
            let rounded: f64 = format!("{:.*e}", usize::from(precision % 18), value).parse().unwrap();
            check(rounded, prefix_len);
        }
        if let Ok(text) = std::str::from_utf8(&data[9..]) {
            if let Ok(parsed) = text.trim().parse::<f64>() {
                check(parsed, prefix_len);
            }
        }
    }
});
