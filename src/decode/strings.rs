//! Python `str` construction for decoded JSON strings, and the dict-key cache.
//!
//! Object keys repeat a lot (`"id"`, `"name"`, ... once per record). Re-using one `str` per
//! distinct short key saves an allocation, a copy and — most of all — the hash computation
//! when the key is inserted into the dict (a `str` caches its hash). The cache is a small
//! direct-mapped table: a collision simply replaces the slot.

use std::ptr;
use std::sync::Mutex;

use pyo3::ffi;

/// Keys longer than this (in UTF-8 bytes) are never cached.
pub const MAX_CACHED_KEY_LEN: usize = 64;
/// Number of slots (a power of two).
const SLOTS: usize = 1024;

/// Creates a new `str` from valid UTF-8. Returns NULL with a Python error set on failure.
///
/// # Safety
/// The GIL must be held.
#[inline]
pub unsafe fn new_str(s: &str) -> *mut ffi::PyObject {
    let bytes = s.as_bytes();
    let len = bytes.len();
    if bytes.is_ascii() {
        // Compact ASCII: allocate with max char 127 and copy the bytes straight in
        // (`PyUnicode_New` writes the terminating NUL itself).
        let obj = unsafe { ffi::PyUnicode_New(len as ffi::Py_ssize_t, 127) };
        if !obj.is_null() && len > 0 {
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), ffi::PyUnicode_DATA(obj).cast::<u8>(), len) };
        }
        obj
    } else {
        unsafe { ffi::PyUnicode_DecodeUTF8(bytes.as_ptr().cast(), len as ffi::Py_ssize_t, ptr::null()) }
    }
}

/// Hash of a short key, only used to pick a cache slot (a hit is verified byte by byte):
/// the length and the first and last (up to) eight bytes.
#[inline(always)]
pub fn key_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let len = bytes.len();
    let mut head = [0u8; 8];
    let mut tail = [0u8; 8];
    let n = len.min(8);
    if let (Some(h), Some(src)) = (head.get_mut(..n), bytes.get(..n)) {
        h.copy_from_slice(src);
    }
    if let (Some(t), Some(src)) = (tail.get_mut(..n), bytes.get(len - n..)) {
        t.copy_from_slice(src);
    }
    let h = (u64::from_le_bytes(head) ^ (len as u64)).wrapping_mul(K);
    let h = (h.rotate_left(31) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^ (h >> 32)
}

struct Slot {
    hash: u64,
    len: usize,
    bytes: [u8; MAX_CACHED_KEY_LEN],
    /// A strong reference, or NULL for an empty slot.
    obj: *mut ffi::PyObject,
}

pub struct KeyCache {
    slots: Box<[Slot]>,
}

// SAFETY: the raw `PyObject` pointers are only read, cloned (incref) or released (decref)
// while the GIL is held: the cache is only reachable through `KEY_CACHE`, which `loads`
// locks while holding the GIL, and the module is not free-threaded (`gil_used = true`).
unsafe impl Send for KeyCache {}

impl KeyCache {
    fn new() -> Self {
        let slots = (0..SLOTS)
            .map(|_| Slot {
                hash: 0,
                len: 0,
                bytes: [0; MAX_CACHED_KEY_LEN],
                obj: ptr::null_mut(),
            })
            .collect();
        KeyCache { slots }
    }

    /// Returns a new reference to a `str` equal to `s` (which must be at most
    /// `MAX_CACHED_KEY_LEN` bytes), from the cache when possible. NULL on error.
    ///
    /// # Safety
    /// The GIL must be held.
    #[inline]
    pub unsafe fn get(&mut self, s: &str) -> *mut ffi::PyObject {
        let bytes = s.as_bytes();
        let len = bytes.len();
        let hash = key_hash(bytes);
        let Some(slot) = self.slots.get_mut((hash as usize) & (SLOTS - 1)) else {
            return unsafe { new_str(s) };
        };
        if !slot.obj.is_null() && slot.hash == hash && slot.len == len && slot.bytes.get(..len) == Some(bytes)
        {
            unsafe { ffi::Py_INCREF(slot.obj) };
            return slot.obj;
        }
        let obj = unsafe { new_str(s) };
        let Some(dst) = slot.bytes.get_mut(..len) else {
            return obj;
        };
        if obj.is_null() {
            return obj;
        }
        dst.copy_from_slice(bytes);
        let old = std::mem::replace(&mut slot.obj, obj);
        unsafe { ffi::Py_INCREF(obj) };
        slot.hash = hash;
        slot.len = len;
        if !old.is_null() {
            unsafe { ffi::Py_DECREF(old) };
        }
        obj
    }
}

/// Process-wide cache. `loads` only ever `try_lock`s it: if it is busy (a re-entrant call
/// from a finaliser run by the garbage collector, or another thread that got the GIL in the
/// meantime) that call just creates its keys uncached.
static KEY_CACHE: Mutex<Option<KeyCache>> = Mutex::new(None);

/// Runs `f` with the key cache if it is free, else with `None`.
pub fn with_key_cache<T>(f: impl FnOnce(Option<&mut KeyCache>) -> T) -> T {
    match KEY_CACHE.try_lock() {
        Ok(mut guard) => {
            let cache = guard.get_or_insert_with(KeyCache::new);
            f(Some(cache))
        }
        Err(_) => f(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_depends_on_ends_and_length() {
        let base = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let h = key_hash(base);
        for i in (0..8).chain(base.len() - 8..base.len()) {
            let mut changed = *base;
            changed[i] ^= 1;
            assert_ne!(key_hash(&changed), h, "byte {i}");
        }
        assert_ne!(key_hash(b"a"), key_hash(b"a\0"));
        assert_ne!(key_hash(b""), key_hash(b"\0"));
    }
}
