//! `float.__repr__` for finite doubles: the shortest digits that round-trip (ryu), laid out
//! as CPython's `PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0)` does:
//! scientific notation when the decimal exponent is < -4 or >= 16 (`1e-05`, `2.5e-07`,
//! `1e+16`, two exponent digits at least), positional otherwise with `.0` added to integers.

/// Shortest round-trip decimal digits of a finite double: `value = 0.DIGITS × 10^point`.
struct Decimal {
    digits: [u8; 20],
    len: usize,
    /// Position of the decimal point relative to the first digit.
    point: i32,
}

/// Extracts digits and exponent from ryu's rendering (`1.5e-7`, `0.001`, `123.0`, `1e16`).
fn shortest_digits(value: f64) -> Decimal {
    let mut buffer = ryu::Buffer::new();
    let text = buffer.format_finite(value).as_bytes();
    let text = text.strip_prefix(b"-").unwrap_or(text);
    let (mantissa, exponent) = match text.iter().position(|&b| b == b'e') {
        Some(e) => (&text[..e], parse_exponent(&text[e + 1..])),
        None => (text, 0),
    };
    let mut decimal = Decimal {
        digits: [0; 20],
        len: 0,
        point: 0,
    };
    let mut seen_point = false;
    let mut integer_digits = 0i32;
    for &b in mantissa {
        if b == b'.' {
            seen_point = true;
            continue;
        }
        if decimal.len == 0 && b == b'0' {
            // Leading zeros of `0.00123`: each one after the point shifts the point left.
            if seen_point {
                integer_digits -= 1;
            }
            continue;
        }
        if decimal.len < decimal.digits.len() {
            decimal.digits[decimal.len] = b;
            decimal.len += 1;
        }
        if !seen_point {
            integer_digits += 1;
        }
    }
    while decimal.len > 1 && decimal.digits[decimal.len - 1] == b'0' {
        decimal.len -= 1;
    }
    if decimal.len == 0 {
        // Zero: Python writes `0.0`.
        decimal.digits[0] = b'0';
        decimal.len = 1;
        integer_digits = 1;
    }
    decimal.point = integer_digits + exponent;
    decimal
}

fn parse_exponent(text: &[u8]) -> i32 {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let magnitude = digits.iter().fold(0i32, |acc, &d| acc * 10 + i32::from(d - b'0'));
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// Appends `repr(value)` for a finite `value`.
pub fn write_float_repr(out: &mut Vec<u8>, value: f64) {
    debug_assert!(value.is_finite());
    if value.is_sign_negative() {
        out.push(b'-');
    }
    let decimal = shortest_digits(value);
    let digits = &decimal.digits[..decimal.len];
    let point = decimal.point;
    if value == 0.0 {
        out.extend_from_slice(b"0.0");
    } else if !(-4 < point && point <= 16) {
        let exponent = point - 1;
        out.push(digits[0]);
        if digits.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..]);
        }
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        let mut itoa_buffer = itoa::Buffer::new();
        out.extend_from_slice(itoa_buffer.format(magnitude).as_bytes());
    } else if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', point.unsigned_abs() as usize));
        out.extend_from_slice(digits);
    } else {
        let point = point as usize;
        if point >= digits.len() {
            out.extend_from_slice(digits);
            out.extend(std::iter::repeat_n(b'0', point - digits.len()));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&digits[..point]);
            out.push(b'.');
            out.extend_from_slice(&digits[point..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(v: f64) -> String {
        let mut out = Vec::new();
        write_float_repr(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    /// Reference values are CPython's `repr()` of the same doubles.
    #[test]
    fn python_repr_layout() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (2.5e-7, "2.5e-07"),
            (123456.789, "123456.789"),
            (1e15, "1000000000000000.0"),
            (9999999999999998.0, "9999999999999998.0"),
            (1e16, "1e+16"),
            (1.2345e16, "1.2345e+16"),
            (1e22, "1e+22"),
            (1e100, "1e+100"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (0.30000000000000004, "0.30000000000000004"),
            (100.0, "100.0"),
            (1.5e300, "1.5e+300"),
            (123e-20, "1.23e-18"),
        ];
        for &(value, expected) in cases {
            assert_eq!(repr(value), expected, "{value:e}");
        }
    }

    /// Every output parses back to the same double (shortest digits must round-trip), and
    /// serde_json (also ryu-based) agrees on the digits.
    #[test]
    fn round_trips() {
        let mut state = 0x1234_5678_9abc_def0u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let value = f64::from_bits(state);
            if !value.is_finite() {
                continue;
            }
            let text = repr(value);
            assert_eq!(text.parse::<f64>().unwrap().to_bits(), value.to_bits(), "{text}");
            let oracle: f64 = serde_json::from_str(&serde_json::to_string(&value).unwrap()).unwrap();
            assert_eq!(oracle.to_bits(), value.to_bits());
        }
    }
}
