//! JSON number scanning and classification (pure Rust, no interpreter).
//!
//! Mirrors the grammar Python's `json` scanner accepts for numbers,
//! `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, and its typing rules: a number with a
//! fraction or an exponent is a `float` (Python's `float(text)`), anything else an `int`
//! (`int(text)`, so `-0` is the int `0`).
//!
//! Where Python would stop the number early and then fail on the byte that follows (`1.`,
//! `1e`, `1.e5`, `01`, `-`), we report `None` right away: in every position a JSON value can
//! take, Python rejects such input anyway, and the caller falls back to `json.loads` for the
//! exact exception.

/// A classified number. Big integers are left as text (the caller hands the digits to
/// `PyLong_FromString`, which also enforces Python's int-string digit limit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// An integer that fits `i64` (at most 18 digits, so no overflow check is needed).
    Int(i64),
    /// An integer with more than 18 digits; the text is `input[start..end]`.
    BigInt,
    /// A float, correctly rounded like Python's `float()`.
    Float(f64),
}

/// Most integer digits accumulated exactly in a `u64` and returned as `Number::Int`.
const MAX_SMALL_INT_DIGITS: usize = 18;

/// Exact powers of ten representable in an `f64` (10^0 ..= 10^22).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

#[inline(always)]
fn digit_at(input: &[u8], i: usize) -> Option<u8> {
    match input.get(i) {
        Some(&c) if c.is_ascii_digit() => Some(c - b'0'),
        _ => None,
    }
}

/// Scans the number starting at `input[start]` (a `-` or a digit).
///
/// Returns the number and the index just past it, or `None` if the text at `start` is not a
/// complete JSON number (including the cases where Python accepts a prefix and then fails).
#[inline]
pub fn scan_number(input: &[u8], start: usize) -> Option<(Number, usize)> {
    let mut i = start;
    let neg = input.get(i) == Some(&b'-');
    if neg {
        i += 1;
    }

    // Integer part. `mantissa` holds the first 19 significant digits exactly.
    let int_start = i;
    let mut mantissa: u64 = 0;
    match digit_at(input, i) {
        Some(0) => i += 1,
        Some(_) => {
            while let Some(d) = digit_at(input, i) {
                if i - int_start < 19 {
                    mantissa = mantissa * 10 + u64::from(d);
                }
                i += 1;
            }
        }
        None => return None,
    }
    let int_digits = i - int_start;
    // A leading zero followed by more digits: Python stops after `0` and then fails.
    if digit_at(input, i).is_some() {
        return None;
    }

    if !matches!(input.get(i), Some(b'.' | b'e' | b'E')) {
        return Some((small_or_big_int(mantissa, neg, int_digits), i));
    }
    if let Some((magnitude, end)) = sonic_float(input, int_start) {
        return Some((Number::Float(if neg { -magnitude } else { magnitude }), end));
    }

    // Fraction.
    let mut frac_digits = 0usize;
    let mut is_float = false;
    if input.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while digit_at(input, i).is_some() {
            i += 1;
        }
        frac_digits = i - frac_start;
        if frac_digits == 0 {
            return None;
        }
        is_float = true;
    }

    // Exponent.
    let mut exp_value: i64 = 0;
    if matches!(input.get(i), Some(b'e' | b'E')) {
        i += 1;
        let mut exp_neg = false;
        match input.get(i) {
            Some(b'-') => {
                exp_neg = true;
                i += 1;
            }
            Some(b'+') => i += 1,
            _ => {}
        }
        let exp_start = i;
        while let Some(d) = digit_at(input, i) {
            if exp_value < 100_000 {
                exp_value = exp_value * 10 + i64::from(d);
            }
            i += 1;
        }
        if i == exp_start {
            return None;
        }
        if exp_neg {
            exp_value = -exp_value;
        }
        is_float = true;
    }

    if !is_float {
        return Some((small_or_big_int(mantissa, neg, int_digits), i));
    }

    let magnitude = match fast_float(input, int_start, int_digits, frac_digits, exp_value) {
        Some(v) => v,
        None => parse_float_text(input.get(int_start..i)?)?,
    };
    Some((Number::Float(if neg { -magnitude } else { magnitude }), i))
}

#[inline(always)]
fn small_or_big_int(mantissa: u64, neg: bool, int_digits: usize) -> Number {
    if int_digits <= MAX_SMALL_INT_DIGITS {
        // At most 18 digits: fits i64 in both signs.
        let v = mantissa as i64;
        Number::Int(if neg { -v } else { v })
    } else {
        Number::BigInt
    }
}

/// Longest number text [`sonic_float`] takes: sonic-number stops reading an exponent past
/// 1000, which changes nothing only while the digits cannot shift it back into range.
const SONIC_FLOAT_MAX_LEN: usize = 64;

/// The unsigned float (fraction or exponent) whose digits start at `input[start]`, in one
/// pass: sonic-number's Eisel-Lemire, and the index just past it. `None` for anything it
/// does not settle (malformed, infinite, longer than [`SONIC_FLOAT_MAX_LEN`]): the careful
/// scan below decides.
#[inline(always)]
fn sonic_float(input: &[u8], start: usize) -> Option<(f64, usize)> {
    let text = input.get(start..)?;
    let mut end = 0;
    match sonic_number::parse_number(text, &mut end, false) {
        Ok(sonic_number::ParserNumber::Float(value)) if end <= SONIC_FLOAT_MAX_LEN => {
            Some((value, start + end))
        }
        _ => None,
    }
}

/// Clinger's fast path: when the decimal significand has at most 15 digits (so it is below
/// 2^53 and exact in an `f64`) and the power of ten is exact too, one IEEE multiplication or
/// division is correctly rounded. Anything else goes to the full algorithm.
#[inline]
fn fast_float(
    input: &[u8],
    int_start: usize,
    int_digits: usize,
    frac_digits: usize,
    exp_value: i64,
) -> Option<f64> {
    if int_digits + frac_digits > 15 {
        return None;
    }
    let mut significand: u64 = 0;
    let int_part = input.get(int_start..int_start + int_digits)?;
    for &c in int_part {
        significand = significand * 10 + u64::from(c - b'0');
    }
    if frac_digits > 0 {
        let frac_start = int_start + int_digits + 1;
        let frac_part = input.get(frac_start..frac_start + frac_digits)?;
        for &c in frac_part {
            significand = significand * 10 + u64::from(c - b'0');
        }
    }
    let exp10 = exp_value - frac_digits as i64;
    let m = significand as f64;
    if (0..=22).contains(&exp10) {
        Some(m * *POW10.get(exp10 as usize)?)
    } else if (-22..0).contains(&exp10) {
        Some(m / *POW10.get((-exp10) as usize)?)
    } else {
        None
    }
}

/// Correctly rounded decimal → `f64` (Rust's `FromStr`, like Python's `float()`; overflow
/// gives ±inf, underflow ±0).
#[inline(never)]
fn parse_float_text(text: &[u8]) -> Option<f64> {
    // SAFETY: `scan_number` only passes text it matched byte by byte against the number
    // grammar: ASCII digits, `-`, `+`, `.`, `e`, `E`.
    let s = unsafe { std::str::from_utf8_unchecked(text) };
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(s: &str) -> Option<(Number, usize)> {
        scan_number(s.as_bytes(), 0)
    }

    #[test]
    fn integers() {
        assert_eq!(scan("0"), Some((Number::Int(0), 1)));
        assert_eq!(scan("-0"), Some((Number::Int(0), 2)));
        assert_eq!(scan("123,"), Some((Number::Int(123), 3)));
        assert_eq!(scan("-42]"), Some((Number::Int(-42), 3)));
        assert_eq!(
            scan("999999999999999999"),
            Some((Number::Int(999_999_999_999_999_999), 18))
        );
        assert_eq!(
            scan("-999999999999999999"),
            Some((Number::Int(-999_999_999_999_999_999), 19))
        );
        assert_eq!(scan("1000000000000000000"), Some((Number::BigInt, 19)));
        assert_eq!(scan("-9223372036854775808"), Some((Number::BigInt, 20)));
        let big = "1".repeat(5000);
        assert_eq!(scan(&big), Some((Number::BigInt, 5000)));
    }

    #[test]
    fn rejects_what_python_rejects() {
        for s in [
            "", "-", "+1", "01", "-01", "00", "1.", "1.e5", ".5", "1e", "1e+", "1E-", "-a", "--1",
        ] {
            assert_eq!(scan(s), None, "{s:?}");
        }
    }

    #[test]
    fn stops_at_delimiters() {
        assert_eq!(scan("1 "), Some((Number::Int(1), 1)));
        assert_eq!(scan("1.5}"), Some((Number::Float(1.5), 3)));
        assert_eq!(scan("2e3,"), Some((Number::Float(2000.0), 3)));
        assert_eq!(scan("1x"), Some((Number::Int(1), 1)));
        assert_eq!(scan("10.25e-1]"), Some((Number::Float(1.025), 8)));
    }

    #[test]
    fn floats() {
        assert_eq!(scan("1.0"), Some((Number::Float(1.0), 3)));
        match scan("-0.0") {
            Some((Number::Float(v), 4)) => assert!(v == 0.0 && v.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        match scan("-0e0") {
            Some((Number::Float(v), 4)) => assert!(v == 0.0 && v.is_sign_negative()),
            other => panic!("{other:?}"),
        }
        assert_eq!(scan("1e400"), Some((Number::Float(f64::INFINITY), 5)));
        assert_eq!(scan("-1e400"), Some((Number::Float(f64::NEG_INFINITY), 6)));
        assert_eq!(scan("1e-400"), Some((Number::Float(0.0), 6)));
        assert_eq!(
            scan("1e99999999999999999999"),
            Some((Number::Float(f64::INFINITY), 22))
        );
        assert_eq!(scan("0e-99999999999999999999"), Some((Number::Float(0.0), 23)));
        assert_eq!(scan("1E+2"), Some((Number::Float(100.0), 4)));
    }

    /// Every float must be bit-identical to the correctly rounded result (Rust's `FromStr` as
    /// the oracle; serde_json's default float parser is not correctly rounded in all cases,
    /// and the pytest suite compares against Python's `float()` itself).
    #[test]
    fn floats_match_oracles() {
        let mut cases: Vec<String> = vec![
            "0.1".into(),
            "0.3".into(),
            "2.2250738585072011e-308".into(),
            "2.2250738585072014e-308".into(),
            "4.9406564584124654e-324".into(),
            "1.7976931348623157e308".into(),
            "1.7976931348623159e308".into(),
            "123456789012345.678".into(),
            "9007199254740993.0".into(),
            "65.613616999999977".into(),
            "0.000000000000000000000000000000000001".into(),
            format!("0.{}1", "0".repeat(400)),
            format!("1{}.5e-300", "0".repeat(300)),
            // Exactly halfway between two doubles, and a hair either side of it: the cases
            // where a truncated significand cannot decide the rounding.
            "1.00000000000000011102230246251565404236316680908203125".into(),
            "1.00000000000000011102230246251565404236316680908203124".into(),
            "1.00000000000000011102230246251565404236316680908203126".into(),
            "9007199254740993.0".into(),
            "9007199254740993.00000000000000000000000000001".into(),
            "2.4703282292062327208828439643411068618252990130716238221279284125033775364e-324".into(),
            "2.4703282292062327208828439643411068618252990130716238221279284125033775363e-324".into(),
        ];
        // Deterministic pseudo-random significands and exponents (xorshift).
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..60_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Up to 40 digits: past 19 the significand no longer fits the fast paths.
            let digits = (state % 20) as usize + 1 + if round % 3 == 0 { 20 } else { 0 };
            let sig = format!(
                "{state:020}{:020}",
                state.rotate_left(29) % 100_000_000_000_000_000_000u128 as u64
            );
            let sig = &sig[sig.len() - digits..];
            let point = (state >> 40) as usize % (digits + 1);
            let exp = ((state >> 20) % 80) as i64 - 40;
            let (int_part, frac_part) = sig.split_at(point);
            let int_part = int_part.trim_start_matches('0');
            let int_part = if int_part.is_empty() { "0" } else { int_part };
            let mut s = int_part.to_string();
            if !frac_part.is_empty() {
                s.push('.');
                s.push_str(frac_part);
            }
            if state & 1 == 0 {
                s.push_str(&format!("e{exp}"));
            } else if frac_part.is_empty() {
                s.push_str(".0");
            }
            cases.push(s);
        }
        for s in &cases {
            let expected: f64 = s.parse().unwrap();
            match scan(s) {
                Some((Number::Float(v), end)) => {
                    assert_eq!(end, s.len(), "{s}");
                    assert_eq!(v.to_bits(), expected.to_bits(), "{s}");
                }
                other => panic!("{s}: {other:?}"),
            }
            let neg = format!("-{s}");
            match scan(&neg) {
                Some((Number::Float(v), _)) => assert_eq!(v.to_bits(), (-expected).to_bits()),
                other => panic!("{neg}: {other:?}"),
            }
        }
    }

    #[test]
    fn integers_match_oracle() {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = (state >> (state % 64)) as i64 * if state & 1 == 0 { 1 } else { -1 };
            let s = v.to_string();
            let oracle = serde_json::from_str::<serde_json::Value>(&s).unwrap();
            match scan(&s) {
                Some((Number::Int(got), end)) => {
                    assert_eq!(end, s.len());
                    assert_eq!(Some(got), oracle.as_i64(), "{s}");
                }
                Some((Number::BigInt, end)) => {
                    assert_eq!(end, s.len());
                    assert!(s.trim_start_matches('-').len() > MAX_SMALL_INT_DIGITS);
                }
                other => panic!("{s}: {other:?}"),
            }
        }
    }
}
