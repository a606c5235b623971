//! Pure-Rust output primitives, unit-tested with `cargo test` (no interpreter needed).
//!
//! - [`escape`]: JSON string escaping exactly as Python's `json` module escapes
//!   (`ensure_ascii=True` from Latin-1/UCS-2/UCS-4 code units; `ensure_ascii=False` from UTF-8).
//! - [`float_repr`]: Python's `float.__repr__` layout over the shortest round-trip digits.

pub mod buffer;
pub mod escape;
pub mod float_repr;
pub mod int;

pub use buffer::OutBuf;

/// Appends a short slice without a `memcpy` call: JSON output is mostly copies of a few bytes
/// (separators, keys, numbers), where the call overhead dominates.
#[inline(always)]
pub fn extend_small(out: &mut OutBuf, bytes: &[u8]) {
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
    } else if len > 0 {
        // First, middle and last byte (the same byte more than once below three): a loop
        // here is turned into a `memcpy` call.
        *dst = *src;
        *dst.add(len / 2) = *src.add(len / 2);
        *dst.add(len - 1) = *src.add(len - 1);
    }
}

/// The end of an [`OutBuf`], held in locals by the encoder's loops so that the length stays
/// in a register: storing it after every write and loading it for the next put a
/// store-to-load round trip (~5 cycles) on the path of each value.
///
/// Writes go to spare capacity at [`Tail::end`] and are counted with [`Tail::advance`]; the
/// buffer is not to be touched until [`Tail::commit`] stores the length back.
pub struct Tail {
    base: *mut u8,
    len: usize,
    capacity: usize,
}

impl Tail {
    #[inline(always)]
    pub fn of(out: &mut OutBuf) -> Self {
        Tail {
            base: out.as_mut_ptr(),
            len: out.len(),
            capacity: out.capacity(),
        }
    }

    /// Makes room for `room` more bytes at [`Tail::end`].
    ///
    /// # Safety
    /// `out` must be the buffer this tail was taken from, untouched since.
    #[inline(always)]
    pub unsafe fn reserve(&mut self, out: &mut OutBuf, room: usize) {
        if self.capacity - self.len < room {
            // By value, not through `&mut self`: a tail whose address is taken lives in memory.
            *self = Tail::grown(self.len, out, room);
        }
    }

    /// `out` with `len` bytes and room for `room` more, as a new tail.
    #[cold]
    #[inline(never)]
    unsafe fn grown(len: usize, out: &mut OutBuf, room: usize) -> Tail {
        out.set_len(len);
        out.reserve(room);
        Tail::of(out)
    }

    /// Bytes of spare capacity at [`Tail::end`].
    #[inline(always)]
    pub fn spare(&self) -> usize {
        self.capacity - self.len
    }

    /// Where the next byte goes.
    #[inline(always)]
    pub fn end(&self) -> *mut u8 {
        // SAFETY: `len <= capacity`: the pointer stays within (or one past) the allocation.
        unsafe { self.base.add(self.len) }
    }

    /// Counts `written` bytes at [`Tail::end`] as part of the output.
    ///
    /// # Safety
    /// They must be initialised and within the room last reserved.
    #[inline(always)]
    pub unsafe fn advance(&mut self, written: usize) {
        self.len += written;
    }

    /// Stores the length back into `out`.
    ///
    /// # Safety
    /// `out` must be the buffer this tail was taken from, untouched since.
    #[inline(always)]
    pub unsafe fn commit(&self, out: &mut OutBuf) {
        debug_assert!(out.as_mut_ptr() == self.base && self.len <= out.capacity());
        // Every byte below `len` was initialised before `advance` counted it.
        out.set_len(self.len)
    }
}

/// A separator of at most [`SHORT_SEPARATOR_MAX`] bytes, copied as one 32-byte block (the
/// bytes past its length land in spare room and are overwritten or left there).
#[derive(Clone, Copy)]
pub struct ShortSeparator {
    bytes: [u8; SHORT_SEPARATOR_MAX],
    len: usize,
}

pub const SHORT_SEPARATOR_MAX: usize = 32;

impl ShortSeparator {
    /// `None` when `bytes` is longer than [`SHORT_SEPARATOR_MAX`].
    #[inline(always)]
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let len = bytes.len();
        if len > SHORT_SEPARATOR_MAX {
            return None;
        }
        let mut block = [0; SHORT_SEPARATOR_MAX];
        // SAFETY: `len` bytes are read from `bytes` and written into the 32-byte block.
        // (`copy_from_slice` would call `memcpy`: this runs on every `dumps` call.)
        unsafe { copy_small(bytes.as_ptr(), block.as_mut_ptr(), len) };
        Some(ShortSeparator { bytes: block, len })
    }

    /// The first `len` bytes of `block` (one 32-byte load); `None` when `block` is shorter
    /// than [`SHORT_SEPARATOR_MAX`] or `len` longer.
    #[inline(always)]
    pub fn from_block(block: &[u8], len: usize) -> Option<Self> {
        if len > SHORT_SEPARATOR_MAX {
            return None;
        }
        let bytes = block.get(..SHORT_SEPARATOR_MAX)?.try_into().ok()?;
        Some(ShortSeparator { bytes, len })
    }

    /// Writes the separator at `dst`; returns its length.
    ///
    /// # Safety
    /// `dst` must have room for [`SHORT_SEPARATOR_MAX`] bytes.
    #[inline(always)]
    pub unsafe fn write(&self, dst: *mut u8) -> usize {
        // One 8-byte store for the common separators (`,` `:` `, ` and short new lines): the
        // whole block is two 16-byte stores, a quarter of which split across cache lines.
        if self.len <= 8 {
            let word = std::ptr::read_unaligned(self.bytes.as_ptr() as *const u64);
            std::ptr::write_unaligned(dst as *mut u64, word);
        } else {
            std::ptr::write_unaligned(dst as *mut [u8; SHORT_SEPARATOR_MAX], self.bytes);
        }
        self.len
    }

    /// The separator before an item: written at `dst` either way (no branch on the store),
    /// counted (its length returned) unless the item is the `first`, whose bytes then
    /// overwrite it.
    ///
    /// # Safety
    /// As [`ShortSeparator::write`].
    #[inline(always)]
    pub unsafe fn write_between(&self, dst: *mut u8, first: bool) -> usize {
        let written = self.write(dst);
        if first {
            0
        } else {
            written
        }
    }
}

/// A separator: one byte (the common case) or a short slice.
#[inline(always)]
pub fn write_separator(out: &mut OutBuf, separator: &[u8]) {
    match separator {
        [byte] => out.push(*byte),
        separator => extend_small(out, separator),
    }
}

/// Up to seven bytes as a zero-padded little-endian word (the first byte lowest), from two
/// overlapping loads inside the slice (the overlap holds the same bytes in both): no loop
/// and no `memcpy` call for a variable length.
#[inline(always)]
pub fn short_word_le(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    if let (Some(low), Some(high)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*low)) | u64::from(u32::from_le_bytes(*high)) << (8 * (len - 4));
    }
    if let (Some(low), Some(high)) = (bytes.first_chunk::<2>(), bytes.last_chunk::<2>()) {
        return u64::from(u16::from_le_bytes(*low)) | u64::from(u16::from_le_bytes(*high)) << (8 * (len - 2));
    }
    bytes.first().map_or(0, |&byte| u64::from(byte))
}

#[cfg(test)]
mod tests {
    use super::OutBuf;

    #[test]
    fn extend_small_every_length() {
        let source: Vec<u8> = (0u8..70).collect();
        for len in 0..70 {
            let mut out = OutBuf::from(&[0xaa][..]);
            super::extend_small(&mut out, &source[..len]);
            assert_eq!(&out[1..], &source[..len]);
            assert_eq!(out.len(), len + 1);
        }
    }
}
