//! Decimal integers written straight into the output buffer (two digits per step).

use super::buffer::OutBuf;

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Powers of ten that fit in a `u64`.
const POW10: [u64; 20] = {
    let mut table = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// Number of decimal digits of `value` (1 for 0), without a loop: `bits * 1233 >> 12` is
/// ⌊bits · log10(2)⌋, the digit count of the smallest value with that many bits, less one;
/// one comparison with the next power of ten settles it.
#[inline(always)]
fn digit_count(value: u64) -> usize {
    let bits = 64 - (value | 1).leading_zeros() as usize;
    let guess = (bits * 1233) >> 12;
    let count = guess + usize::from(value >= POW10[guess]);
    count.max(1)
}

/// Appends `value` in decimal, as Python's `int.__repr__` writes it.
#[inline(always)]
pub fn write_i64(out: &mut OutBuf, value: i64) {
    out.reserve(I64_ROOM);
    // SAFETY: `I64_ROOM` bytes of spare capacity are reserved; the written bytes are initialised.
    unsafe {
        let written = write_i64_raw(out.as_mut_ptr().add(out.len()), value);
        out.set_len(out.len() + written);
    }
}

/// Longest decimal `i64`: a sign and 19 digits.
pub const I64_ROOM: usize = 20;

/// Writes `value` in decimal at `dst`; returns the number of bytes written.
///
/// # Safety
/// `dst` must have room for [`I64_ROOM`] bytes.
#[inline(always)]
pub unsafe fn write_i64_raw(dst: *mut u8, value: i64) -> usize {
    let negative = value < 0;
    let mut magnitude = value.unsigned_abs();
    let count = digit_count(magnitude);
    // Every index stays below `count + negative as usize <= 20`.
    if negative {
        *dst = b'-';
    }
    let digits = dst.add(usize::from(negative));
    let mut end = count;
    while magnitude >= 100 {
        let pair = (magnitude % 100) as usize * 2;
        magnitude /= 100;
        end -= 2;
        std::ptr::copy_nonoverlapping(PAIRS.as_ptr().add(pair), digits.add(end), 2);
    }
    if magnitude >= 10 {
        let pair = magnitude as usize * 2;
        std::ptr::copy_nonoverlapping(PAIRS.as_ptr().add(pair), digits.add(end - 2), 2);
    } else {
        *digits.add(end - 1) = b'0' + magnitude as u8;
    }
    count + usize::from(negative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_count_at_every_power_of_ten_and_two() {
        let mut values = vec![0u64, u64::MAX];
        for power in POW10 {
            values.extend([power - 1, power, power + 1]);
        }
        for shift in 0..64 {
            values.extend([(1u64 << shift) - 1, 1u64 << shift]);
        }
        for value in values {
            assert_eq!(digit_count(value), value.to_string().len(), "{value}");
        }
    }

    #[test]
    fn matches_display() {
        let mut values = vec![0, 1, -1, 9, 10, 99, 100, -100, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut power = 1i64;
        for _ in 0..18 {
            power *= 10;
            values.extend([power - 1, power, power + 1, -power, -power + 1, -power - 1]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            values.push(state as i64 >> (state % 60));
        }
        for value in values {
            let mut out = OutBuf::from(&b"x"[..]);
            write_i64(&mut out, value);
            assert_eq!(&out[1..], value.to_string().as_bytes(), "{value}");
        }
    }
}
