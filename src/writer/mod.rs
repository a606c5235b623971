//! Pure-Rust output primitives, unit-tested with `cargo test` (no interpreter needed).
//!
//! - [`escape`]: JSON string escaping exactly as Python's `json` module escapes
//!   (`ensure_ascii=True` from Latin-1/UCS-2/UCS-4 code units; `ensure_ascii=False` from UTF-8).
//! - [`float_repr`]: Python's `float.__repr__` layout over the shortest round-trip digits.

pub mod escape;
pub mod float_repr;
pub mod int;

/// Appends a short slice without a `memcpy` call: JSON output is mostly copies of a few bytes
/// (separators, keys, numbers), where the call overhead dominates.
#[inline(always)]
pub fn extend_small(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = bytes.len();
    if len > 32 {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(32);
    // SAFETY: 32 bytes of spare capacity are reserved and `len <= 32`.
    unsafe {
        copy_small(bytes.as_ptr(), out.as_mut_ptr().add(out.len()), len);
        out.set_len(out.len() + len);
    }
}

/// Copies `len` (at most 32) bytes with two overlapping loads and stores of one width.
///
/// # Safety
/// `src` must be readable and `dst` writable for `len` bytes; the ranges must not overlap.
#[inline(always)]
pub unsafe fn copy_small(src: *const u8, dst: *mut u8, len: usize) {
    // Every read stays inside `src[..len]`: the two windows overlap instead of running past.
    if len >= 16 {
        let head = std::ptr::read_unaligned(src as *const u128);
        let tail = std::ptr::read_unaligned(src.add(len - 16) as *const u128);
        std::ptr::write_unaligned(dst as *mut u128, head);
        std::ptr::write_unaligned(dst.add(len - 16) as *mut u128, tail);
    } else if len >= 8 {
        let head = std::ptr::read_unaligned(src as *const u64);
        let tail = std::ptr::read_unaligned(src.add(len - 8) as *const u64);
        std::ptr::write_unaligned(dst as *mut u64, head);
        std::ptr::write_unaligned(dst.add(len - 8) as *mut u64, tail);
    } else if len >= 4 {
        let head = std::ptr::read_unaligned(src as *const u32);
        let tail = std::ptr::read_unaligned(src.add(len - 4) as *const u32);
        std::ptr::write_unaligned(dst as *mut u32, head);
        std::ptr::write_unaligned(dst.add(len - 4) as *mut u32, tail);
    } else {
        for i in 0..len {
            *dst.add(i) = *src.add(i);
        }
    }
}

/// A separator: one byte (the common case) or a short slice.
#[inline(always)]
pub fn write_separator(out: &mut Vec<u8>, separator: &[u8]) {
    match separator {
        [byte] => out.push(*byte),
        separator => extend_small(out, separator),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn extend_small_every_length() {
        let source: Vec<u8> = (0u8..70).collect();
        for len in 0..70 {
            let mut out = vec![0xaa];
            super::extend_small(&mut out, &source[..len]);
            assert_eq!(&out[1..], &source[..len]);
            assert_eq!(out.len(), len + 1);
        }
    }
}
