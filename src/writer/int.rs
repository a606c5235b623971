//! Decimal integers written straight into the output buffer (two digits per step).

const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Number of decimal digits of `value` (1 for 0).
#[inline(always)]
fn digit_count(value: u64) -> usize {
    let mut count = 1;
    let mut threshold = 10u64;
    while count < 20 && value >= threshold {
        count += 1;
        threshold = threshold.saturating_mul(10);
    }
    if value >= threshold {
        count += 1;
    }
    count.min(20)
}

/// Appends `value` in decimal, as Python's `int.__repr__` writes it.
#[inline(always)]
pub fn write_i64(out: &mut Vec<u8>, value: i64) {
    out.reserve(20);
    let negative = value < 0;
    let mut magnitude = value.unsigned_abs();
    let count = digit_count(magnitude);
    // SAFETY: at most 1 sign + 19 digits = 20 bytes are written into reserved capacity;
    // every index stays below `count + negative as usize <= 20`.
    unsafe {
        let start = out.as_mut_ptr().add(out.len());
        if negative {
            *start = b'-';
        }
        let digits = start.add(usize::from(negative));
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
        out.set_len(out.len() + count + usize::from(negative));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let mut out = b"x".to_vec();
            write_i64(&mut out, value);
            assert_eq!(&out[1..], value.to_string().as_bytes(), "{value}");
        }
    }
}
