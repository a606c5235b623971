//! `write_i64` (Python's `int.__repr__` for values that fit i64).
//!
//! Oracle: equals `value.to_string()`, appended after a prefix of 0..=31 bytes with exact
//! capacity (so the 20-byte reservation is what ASan sees). The value is tried as read, and
//! shifted right by 0..63 bits so every digit count is reached quickly.
#![no_main]

use _native::pure::int::write_i64;
use libfuzzer_sys::fuzz_target;

fn check(value: i64, prefix_len: usize) {
    let mut out = Vec::with_capacity(prefix_len);
    out.resize(prefix_len, b'#');
    write_i64(&mut out, value);
    assert!(out[..prefix_len].iter().all(|&b| b == b'#'), "prefix clobbered");
    assert_eq!(
        std::str::from_utf8(&out[prefix_len..]).expect("not UTF-8"),
        value.to_string(),
        "write_i64({value})"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut bits = [0u8; 8];
    let n = data.len().min(8);
    bits[..n].copy_from_slice(&data[..n]);
    let value = i64::from_le_bytes(bits);
    let extra = data.get(8).copied().unwrap_or(0);
    let prefix_len = usize::from(extra & 31);
    check(value, prefix_len);
    check(value >> (extra % 64), prefix_len);
    check(value.wrapping_neg(), prefix_len);
});
