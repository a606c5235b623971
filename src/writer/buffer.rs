//! [`OutBuf`], the byte buffer every writer appends to: a `Vec<u8>` look-alike whose storage
//! can move, once the output outgrows a threshold, to memory owned by someone else.
//!
//! `dumps` returns a `bytes` object. Small outputs are written into a buffer reused across
//! calls and copied once into an exact-size `bytes`; a large one (canada.json's 2 MB) would
//! make that copy a round trip through memory beyond the L2 cache, so it moves into the
//! `bytes` object's own storage (see [`Spill`]) and is finished there.

use std::alloc::{alloc, dealloc, handle_alloc_error, realloc, Layout};
use std::ffi::c_void;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A handle to external storage, and where its bytes start.
pub type External = (NonNull<c_void>, NonNull<u8>);

/// Storage outside the buffer, reached through two functions (the pure-Rust writer does not
/// know what they allocate).
pub struct Spill {
    /// Outputs that need more room once this many bytes are written move to the external
    /// storage.
    pub at: usize,
    /// New storage of `capacity` bytes when `handle` is null, else `handle`'s storage resized
    /// to `capacity` bytes with its contents kept: the (new) handle and its data. `None` when
    /// out of memory; a non-null `handle` is then gone.
    pub resize: unsafe fn(handle: *mut c_void, capacity: usize) -> Option<External>,
    /// Frees a handle `resize` returned.
    pub release: unsafe fn(handle: NonNull<c_void>),
    /// The length of the last output that spilled: the first guess at the next one's size
    /// (often the same document). Only a hint, shared by every buffer using this target.
    pub last_len: AtomicUsize,
}

/// A growable byte buffer: `data[..len]` is the output, `data[len..capacity]` spare room.
///
/// The storage is either the buffer's own allocation, kept across calls, or after a spill the
/// external one. The own allocation grows while fewer than `spill.at` bytes are written (past
/// that only as far as one write asks), and is freed when the output spills: an output that
/// large dwarfs the cost of one `malloc` on the next call.
pub struct OutBuf {
    data: NonNull<u8>,
    len: usize,
    capacity: usize,
    /// The external storage holding the output since it spilled, else `None`.
    external: Option<NonNull<c_void>>,
    spill: Option<&'static Spill>,
}

// SAFETY: the buffer owns its storage; the external handle is only used through `Spill`'s
// functions, whose owner makes them safe to call from any thread (`dumps` takes the GIL).
unsafe impl Send for OutBuf {}

impl Default for OutBuf {
    fn default() -> Self {
        OutBuf::new()
    }
}

impl OutBuf {
    /// A buffer that never spills.
    pub const fn new() -> Self {
        OutBuf {
            data: NonNull::dangling(),
            len: 0,
            capacity: 0,
            external: None,
            spill: None,
        }
    }

    /// A buffer whose outputs move to `spill`'s storage once they grow past `spill.at`.
    pub const fn with_spill(spill: &'static Spill) -> Self {
        let mut buffer = OutBuf::new();
        buffer.spill = Some(spill);
        buffer
    }

    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    #[inline(always)]
    pub fn as_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }

    #[inline(always)]
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_ptr()
    }

    /// # Safety
    /// `len <= capacity`, and the bytes below it are initialised.
    #[inline(always)]
    pub unsafe fn set_len(&mut self, len: usize) {
        debug_assert!(len <= self.capacity);
        self.len = len;
    }

    #[inline(always)]
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Empties the buffer; external storage is freed (the own allocation is kept).
    pub fn clear(&mut self) {
        self.len = 0;
        if let Some(handle) = self.external.take() {
            self.data = NonNull::dangling();
            self.capacity = 0;
            if let Some(spill) = self.spill {
                // SAFETY: a handle `resize` returned, released once (taken out above).
                unsafe { (spill.release)(handle) };
            }
        }
    }

    /// Makes room for `room` more bytes.
    #[inline(always)]
    pub fn reserve(&mut self, room: usize) {
        if self.capacity - self.len < room {
            self.grow(room);
        }
    }

    #[inline(always)]
    pub fn push(&mut self, byte: u8) {
        self.reserve(1);
        // SAFETY: room for one byte was reserved.
        unsafe { *self.data.as_ptr().add(self.len) = byte };
        self.len += 1;
    }

    #[inline(always)]
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        // SAFETY: room for `bytes` was reserved; a slice cannot overlap our spare room.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data.as_ptr().add(self.len), bytes.len())
        };
        self.len += bytes.len();
    }

    /// The external storage holding the output, if it spilled, and the output's length. The
    /// caller now owns the handle; the buffer is empty.
    pub fn take_external(&mut self) -> Option<(NonNull<c_void>, usize)> {
        let handle = self.external.take()?;
        let len = std::mem::take(&mut self.len);
        if let Some(spill) = self.spill {
            spill.last_len.store(len, Ordering::Relaxed);
        }
        self.data = NonNull::dangling();
        self.capacity = 0;
        Some((handle, len))
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, room: usize) {
        let needed = self.len.checked_add(room).unwrap_or_else(|| capacity_overflow());
        let doubled = needed.max(self.capacity.saturating_mul(2));
        match self.spill {
            // By the length written, not the room asked for: writers reserve generously
            // (kilobytes ahead of a container), and an output that ends below the threshold
            // must not pay for a spill.
            Some(spill) if self.external.is_some() || self.len >= spill.at => {
                self.grow_external(spill, doubled)
            }
            Some(spill) => self.grow_own(doubled.min(spill.at).max(needed)),
            None => self.grow_own(doubled),
        }
    }

    /// Moves to (or grows) the external storage.
    fn grow_external(&mut self, spill: &Spill, doubled: usize) {
        let capacity = match self.external {
            Some(_) => doubled,
            // Doubling keeps the number of resizes logarithmic; the first guess is the size
            // of the last output that spilled, plus a little.
            None => {
                let last = spill.last_len.load(Ordering::Relaxed);
                doubled.max(last.saturating_add(last / 16))
            }
        };
        let previous = self.external.take();
        let handle = previous.map_or(std::ptr::null_mut(), NonNull::as_ptr);
        // SAFETY: `handle` is null or the live handle taken out above.
        let Some((handle, data)) = (unsafe { (spill.resize)(handle, capacity) }) else {
            out_of_memory(capacity)
        };
        if previous.is_none() {
            // First spill: the output so far moves over, and the own allocation goes.
            // SAFETY: the own allocation holds `len` bytes, the new storage at least that
            // many; different allocations.
            unsafe { std::ptr::copy_nonoverlapping(self.data.as_ptr(), data.as_ptr(), self.len) };
            self.free_own();
        }
        self.external = Some(handle);
        self.data = data;
        self.capacity = capacity;
    }

    /// Grows the own allocation to `capacity` bytes.
    fn grow_own(&mut self, capacity: usize) {
        let layout = Layout::array::<u8>(capacity).unwrap_or_else(|_| capacity_overflow());
        // SAFETY: a non-zero size; `realloc` is given the layout the block was allocated with.
        let data = unsafe {
            if self.capacity == 0 {
                alloc(layout)
            } else {
                realloc(self.data.as_ptr(), own_layout(self.capacity), capacity)
            }
        };
        let Some(data) = NonNull::new(data) else {
            handle_alloc_error(layout)
        };
        self.data = data;
        self.capacity = capacity;
    }

    /// Frees the own allocation (not external storage).
    fn free_own(&mut self) {
        if self.external.is_none() && self.capacity > 0 {
            // SAFETY: allocated by `grow_own` with this capacity.
            unsafe { dealloc(self.data.as_ptr(), own_layout(self.capacity)) };
        }
        self.data = NonNull::dangling();
        self.capacity = 0;
    }
}

fn own_layout(capacity: usize) -> Layout {
    // Valid: it was valid when the block of this capacity was allocated.
    Layout::array::<u8>(capacity).unwrap_or_else(|_| capacity_overflow())
}

impl Drop for OutBuf {
    fn drop(&mut self) {
        self.clear();
        self.free_own();
    }
}

impl From<&[u8]> for OutBuf {
    fn from(bytes: &[u8]) -> Self {
        let mut out = OutBuf::new();
        out.extend_from_slice(bytes);
        out
    }
}

impl AsRef<[u8]> for OutBuf {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl<T: AsRef<[u8]> + ?Sized> PartialEq<T> for OutBuf {
    fn eq(&self, other: &T) -> bool {
        **self == *other.as_ref()
    }
}

impl std::fmt::Debug for OutBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutBuf({:?})", String::from_utf8_lossy(self))
    }
}

impl Deref for OutBuf {
    type Target = [u8];

    #[inline(always)]
    fn deref(&self) -> &[u8] {
        // SAFETY: `data` is valid (or dangling with `len == 0`) for `len` initialised bytes.
        unsafe { std::slice::from_raw_parts(self.data.as_ptr(), self.len) }
    }
}

impl DerefMut for OutBuf {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, and borrowed mutably through `self`.
        unsafe { std::slice::from_raw_parts_mut(self.data.as_ptr(), self.len) }
    }
}

#[cold]
fn capacity_overflow() -> ! {
    panic!("output length overflows usize")
}

/// Like `Vec` on allocation failure: abort (unwinding out of `dumps` midway is no better).
#[cold]
fn out_of_memory(capacity: usize) -> ! {
    handle_alloc_error(Layout::array::<u8>(capacity).unwrap_or(Layout::new::<u8>()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::{alloc, dealloc, realloc, Layout};
    use std::cell::Cell;

    thread_local! {
        /// External blocks allocated and not yet released, on this test's thread.
        static LIVE: Cell<isize> = const { Cell::new(0) };
    }

    /// External storage for the tests: a raw allocation with its capacity in front.
    unsafe fn resize(handle: *mut c_void, capacity: usize) -> Option<External> {
        let layout = |capacity: usize| Layout::from_size_align(capacity + 8, 8).ok();
        let block = if handle.is_null() {
            LIVE.set(LIVE.get() + 1);
            alloc(layout(capacity)?)
        } else {
            let old = *(handle as *const usize);
            realloc(handle.cast(), layout(old)?, capacity + 8)
        };
        let block = NonNull::new(block)?;
        *(block.as_ptr() as *mut usize) = capacity;
        Some((block.cast(), NonNull::new(block.as_ptr().add(8))?))
    }

    unsafe fn release(handle: NonNull<c_void>) {
        let capacity = *(handle.as_ptr() as *const usize);
        LIVE.set(LIVE.get() - 1);
        dealloc(
            handle.as_ptr().cast(),
            Layout::from_size_align(capacity + 8, 8).unwrap(),
        );
    }

    static SPILL: Spill = Spill {
        at: 100,
        resize,
        release,
        last_len: AtomicUsize::new(0),
    };

    /// The external contents of a spilled buffer, freed.
    fn take_spilled(out: &mut OutBuf) -> Option<Vec<u8>> {
        let (handle, len) = out.take_external()?;
        // SAFETY: a live handle from `resize`: data after the 8-byte capacity.
        let bytes =
            unsafe { std::slice::from_raw_parts((handle.as_ptr() as *const u8).add(8), len).to_vec() };
        unsafe { release(handle) };
        Some(bytes)
    }

    #[test]
    fn writes_like_a_vec() {
        let mut out = OutBuf::new();
        let mut expected = Vec::new();
        for i in 0..5000u32 {
            let piece = i.to_string();
            out.extend_from_slice(piece.as_bytes());
            out.push(b',');
            expected.extend_from_slice(piece.as_bytes());
            expected.push(b',');
        }
        assert_eq!(&out[..], &expected[..]);
        out.truncate(3);
        assert_eq!(&out[..], b"0,1");
        out.clear();
        assert!(out.is_empty());
        assert!(out.take_external().is_none());
    }

    #[test]
    fn spills_past_the_threshold_and_keeps_every_byte() {
        let mut out = OutBuf::with_spill(&SPILL);
        for round in 0..3 {
            let mut expected = Vec::new();
            for i in 0..(60 + 400 * round) {
                let byte = (i % 251) as u8;
                if i % 7 == 0 {
                    out.extend_from_slice(&[byte; 13]);
                    expected.extend_from_slice(&[byte; 13]);
                } else {
                    out.push(byte);
                    expected.push(byte);
                }
                assert!(out.capacity() >= out.len());
            }
            assert_eq!(&out[..], &expected[..]);
            match take_spilled(&mut out) {
                Some(bytes) => assert_eq!(bytes, expected),
                None => {
                    // Only the last write may cross the threshold without a spill.
                    assert!(
                        expected.len() <= SPILL.at + 13,
                        "{} bytes did not spill",
                        expected.len()
                    );
                    out.clear();
                }
            }
            assert!(out.is_empty());
            assert_eq!(LIVE.get(), 0);
            // The own storage grows past the threshold only by what one write asks for.
            out.extend_from_slice(&[7; 60]);
            assert!(out.capacity() <= SPILL.at);
            out.extend_from_slice(&[7; 60]);
            assert!(out.capacity() <= SPILL.at + 60);
            assert_eq!(LIVE.get(), 0, "spilled below the threshold");
            out.extend_from_slice(&[7; 60]);
            assert_eq!(take_spilled(&mut out), Some(vec![7; 180]));
        }
    }

    #[test]
    fn random_operations_match_a_vec() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for _ in 0..300 {
            let mut out = OutBuf::with_spill(&SPILL);
            let mut model: Vec<u8> = Vec::new();
            for _ in 0..400 {
                match next(10) {
                    0..=3 => {
                        let byte = next(256) as u8;
                        out.push(byte);
                        model.push(byte);
                    }
                    4..=6 => {
                        let piece: Vec<u8> = (0..next(60)).map(|_| next(256) as u8).collect();
                        out.extend_from_slice(&piece);
                        model.extend_from_slice(&piece);
                    }
                    7 => {
                        // Reserved room may be written through the pointer, then counted.
                        let room = next(300);
                        out.reserve(room);
                        assert!(out.capacity() - out.len() >= room);
                        let fill = next(room + 1);
                        // SAFETY: `fill <= room` bytes of reserved spare room are written.
                        unsafe {
                            std::ptr::write_bytes(out.as_mut_ptr().add(out.len()), 0x5a, fill);
                            out.set_len(out.len() + fill);
                        }
                        model.resize(model.len() + fill, 0x5a);
                    }
                    8 => {
                        let len = next(model.len() + 2);
                        out.truncate(len);
                        model.truncate(len);
                    }
                    _ => {
                        if next(4) == 0 {
                            match take_spilled(&mut out) {
                                Some(bytes) => assert_eq!(bytes, model),
                                None => out.clear(),
                            }
                            model.clear();
                        }
                    }
                }
                assert_eq!(&out[..], &model[..]);
                assert!(LIVE.get() <= 1);
            }
        }
        assert_eq!(LIVE.get(), 0);
    }

    #[test]
    fn clear_and_drop_release_the_external_storage() {
        let mut out = OutBuf::with_spill(&SPILL);
        out.extend_from_slice(&[1; 100]);
        out.extend_from_slice(&[1; 500]);
        assert_eq!(LIVE.get(), 1);
        out.clear();
        assert_eq!(LIVE.get(), 0);
        out.extend_from_slice(&[2; 500]);
        out.extend_from_slice(&[3; 5000]);
        assert_eq!(LIVE.get(), 1);
        assert_eq!(&out[..500], &[2; 500][..]);
        assert_eq!(&out[500..], &[3; 5000][..]);
        drop(out);
        assert_eq!(LIVE.get(), 0);
    }
}
