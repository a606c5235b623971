//! `float.__repr__` for finite doubles: the shortest digits that round-trip (zmij), laid out
//! as CPython's `PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0)` does:
//! scientific notation when the decimal exponent is < -4 or >= 16 (`1e-05`, `2.5e-07`,
//! `1e+16`, two exponent digits at least), positional otherwise with `.0` added to integers.

use super::buffer::OutBuf;

/// Appends `repr(value)` for a finite `value`.
///
/// zmij's layout already matches Python's except for two things, patched in place:
/// negative exponents (`e-7` → `e-07`) and numbers in [1e-5, 1e-4), which zmij writes
/// positionally (`0.00001234`) and Python in scientific notation (`1.234e-05`).
pub fn write_float_repr(out: &mut OutBuf, value: f64) {
    debug_assert!(value.is_finite());
    let start = out.len();
    format_in_place(out, value);
    if is_positional(value) {
        return;
    }
    let sign = usize::from(value.is_sign_negative());
    let body = start + sign;
    if let Some(e) = out[body..].iter().position(|&b| b == b'e') {
        fix_exponent(out, body + e);
    } else if out[body..].starts_with(b"0.0000") && value != 0.0 {
        to_scientific_e05(out, body);
    }
}

/// zmij's output buffer: a byte array of this size, nothing else (checked at compile time).
pub const FLOAT_ROOM: usize = 24;
const _: () =
    assert!(std::mem::size_of::<zmij::Buffer>() == FLOAT_ROOM && std::mem::align_of::<zmij::Buffer>() == 1);

/// Appends zmij's shortest digits, formatted straight into `out`'s spare capacity. Formatting
/// into a stack buffer and copying out cost a store-forwarding stall per float (reading back
/// bytes zmij had just written at other widths and offsets).
#[inline(always)]
fn format_in_place(out: &mut OutBuf, value: f64) {
    out.reserve(FLOAT_ROOM);
    // SAFETY: `FLOAT_ROOM` bytes of spare capacity are reserved; the written bytes are
    // initialised.
    unsafe {
        let written = format_raw(out.as_mut_ptr().add(out.len()), value);
        out.set_len(out.len() + written);
    }
}

/// zmij's layout of a finite `value` at `dst`; returns its length.
///
/// # Safety
/// `dst` must have room for [`FLOAT_ROOM`] bytes.
#[inline(always)]
unsafe fn format_raw(dst: *mut u8, value: f64) -> usize {
    // `zmij::Buffer` is a 24-byte, byte-aligned array of `MaybeUninit<u8>` (asserted above),
    // so the room at `dst` is a valid one; zmij writes only inside it and returns a prefix
    // of it.
    let buffer = &mut *dst.cast::<zmij::Buffer>();
    buffer.format_finite(value).len()
}

/// `repr(value)` at `dst` when zmij's layout is already Python's (zero, or a magnitude in
/// [1e-4, 1e16): no exponent); returns its length, or `None` (nothing to keep) otherwise,
/// NaN and the infinities included.
///
/// # Safety
/// `dst` must have room for [`FLOAT_ROOM`] bytes.
#[inline(always)]
pub unsafe fn write_positional_float_raw(dst: *mut u8, value: f64) -> Option<usize> {
    if is_positional(value) {
        Some(format_raw(dst, value))
    } else {
        None
    }
}

/// Between 1e-4 and 1e16 (and at zero) both layouts are positional and identical.
#[inline(always)]
fn is_positional(value: f64) -> bool {
    let magnitude = value.abs();
    (1e-4..1e16).contains(&magnitude) || magnitude == 0.0
}

/// Rewrites the exponent after `out[e] == b'e'` as Python does: explicit sign, two digits.
fn fix_exponent(out: &mut OutBuf, e: usize) {
    let sign = out.get(e + 1).copied();
    let negative = sign == Some(b'-');
    let digits_at = e + 1 + usize::from(matches!(sign, Some(b'-' | b'+')));
    let mut digits = [b'0'; 3];
    let count = out.len() - digits_at;
    digits[..count].copy_from_slice(&out[digits_at..]);
    out.truncate(e + 1);
    out.push(if negative { b'-' } else { b'+' });
    if count < 2 {
        out.push(b'0');
    }
    out.extend_from_slice(&digits[..count]);
}

/// `0.0000DDDD` (zmij, 1e-5 <= |value| < 1e-4) → `D.DDDe-05` (Python).
fn to_scientific_e05(out: &mut OutBuf, body: usize) {
    let mut digits = [0u8; 24];
    let mut count = out.len() - (body + 6);
    digits[..count].copy_from_slice(&out[body + 6..]);
    while count > 1 && digits[count - 1] == b'0' {
        count -= 1;
    }
    out.truncate(body);
    out.push(digits[0]);
    if count > 1 {
        out.push(b'.');
        out.extend_from_slice(&digits[1..count]);
    }
    out.extend_from_slice(b"e-05");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(v: f64) -> String {
        let mut out = OutBuf::new();
        write_float_repr(&mut out, v);
        String::from_utf8(out.to_vec()).unwrap()
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
            (1.234e-5, "1.234e-05"),
            (-9.99e-5, "-9.99e-05"),
            (0.00012, "0.00012"),
            (1e-100, "1e-100"),
            (0.0001, "0.0001"),
            (0.00009999999999999999, "9.999999999999999e-05"),
            (9999999999999998.0, "9999999999999998.0"),
            (1.0000000000000002e16, "1.0000000000000002e+16"),
            (-1e-7, "-1e-07"),
            // Found by fuzz/float_repr: 572158363303951.25 (bits 0x430043000000007a) is exactly
            // halfway between the two 16-digit candidates; Python's dtoa breaks the tie to
            // even (`.2`), Rust's shortest `{}`/`{:e}` formatting upwards (`.3`).
            (f64::from_bits(0x4300_4300_0000_007a), "572158363303951.2"),
        ];
        for &(value, expected) in cases {
            assert_eq!(repr(value), expected, "{value:e}");
        }
    }

    /// Every output parses back to the same double (shortest digits must round-trip), and
    /// serde_json round-trips the same values (a sanity check of the generator).
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
