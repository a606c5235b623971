//! Python `str` construction for decoded JSON strings, and the dict-key cache.
//!
//! Object keys repeat a lot (`"id"`, `"name"`, ... once per record). Re-using one `str` per
//! distinct short key saves an allocation, a copy and — most of all — the hash computation
//! when the key is inserted into the dict (a `str` caches its hash). The cache is a small
//! two-way set-associative table: two keys that share a set (twitter.json has two such pairs
//! among its 94 keys, each pair inside the same record) both stay; a third evicts the older.

use std::ptr;
use std::sync::Mutex;

use pyo3::ffi;

use crate::writer::{copy_small, short_word_le};

/// Keys longer than this (in UTF-8 bytes) are never cached.
pub const MAX_CACHED_KEY_LEN: usize = 64;
/// log2 of the number of sets; each set has two slots.
const SET_BITS: u32 = 10;
const SLOTS: usize = 2 << SET_BITS;

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
            // SAFETY: a new compact ASCII str has room for `len` bytes (and its NUL).
            unsafe {
                let data = ffi::PyUnicode_DATA(obj).cast::<u8>();
                // Keys and most values are short: no `memcpy` call for them.
                if len <= 32 {
                    copy_small(bytes.as_ptr(), data, len);
                } else {
                    ptr::copy_nonoverlapping(bytes.as_ptr(), data, len);
                }
            }
        }
        obj
    } else {
        unsafe { new_str_non_ascii(s) }
    }
}

/// A `str` from UTF-8 with some non-ASCII: sized and typed from a scan of its bytes (see
/// [`Utf8Shape`]), then filled code point by code point. `PyUnicode_DecodeUTF8` instead
/// starts at one byte per character and widens (copying what it has) at the first wider
/// one: for text in Japanese, say, that is a second pass over every string.
///
/// # Safety
/// The GIL must be held.
#[inline(never)]
unsafe fn new_str_non_ascii(s: &str) -> *mut ffi::PyObject {
    let shape = Utf8Shape::of(s);
    let max_char = shape.max_char();
    let obj = unsafe { ffi::PyUnicode_New(shape.chars as ffi::Py_ssize_t, max_char) };
    if obj.is_null() {
        return obj;
    }
    // SAFETY: a new str of `shape.chars` code units of the kind `max_char` selects, not yet
    // shared; every unit is written below (`s` has exactly `shape.chars` code points).
    unsafe {
        let data = ffi::PyUnicode_DATA(obj);
        match max_char {
            0xff => decode_into(s, std::slice::from_raw_parts_mut(data.cast::<u8>(), shape.chars)),
            0xffff => decode_into(s, std::slice::from_raw_parts_mut(data.cast::<u16>(), shape.chars)),
            _ => decode_into(s, std::slice::from_raw_parts_mut(data.cast::<u32>(), shape.chars)),
        }
    }
    obj
}

/// What `PyUnicode_New` needs to know about UTF-8 text: its length in code points and a
/// bound on its widest one, told by its highest byte. Continuation bytes are at most 0xBF,
/// so a higher byte is a lead byte: 0xC2–0xC3 start U+0080–U+00FF, 0xC4–0xEF up to U+FFFF
/// (at least U+0100), 0xF0 and above four-byte code points (at least U+10000).
pub struct Utf8Shape {
    pub chars: usize,
    pub max_byte: u8,
}

impl Utf8Shape {
    /// Two passes the standard library and the compiler vectorise (one fold doing both was
    /// four times slower).
    pub fn of(text: &str) -> Self {
        Utf8Shape {
            chars: text.chars().count(),
            max_byte: text.bytes().max().unwrap_or(0),
        }
    }

    /// The `maxchar` for `PyUnicode_New`: the widest kind's limit, which CPython accepts
    /// as long as the text really needs that kind (it does: see above). 0x7f for ASCII.
    pub fn max_char(&self) -> u32 {
        match self.max_byte {
            0..=0x7f => 0x7f,
            0x80..=0xc3 => 0xff,
            0xc4..=0xef => 0xffff,
            _ => 0x10ffff,
        }
    }
}

/// A code unit of a `str`'s storage: 1, 2 or 4 bytes.
pub trait CodeUnit: Copy {
    /// `code` narrowed to the unit; the caller picked a unit wide enough.
    fn from_code(code: u32) -> Self;
}

impl CodeUnit for u8 {
    #[inline(always)]
    fn from_code(code: u32) -> Self {
        code as u8
    }
}

impl CodeUnit for u16 {
    #[inline(always)]
    fn from_code(code: u32) -> Self {
        code as u16
    }
}

impl CodeUnit for u32 {
    #[inline(always)]
    fn from_code(code: u32) -> Self {
        code
    }
}

/// Writes the code points of `s` to `dst`, as many as fit (all of them when `dst` is
/// [`Utf8Shape::chars`] long and the unit is as wide as [`Utf8Shape::max_char`]).
/// (`chars()` measured faster here than a hand-written loop with an eight-byte ASCII step:
/// text that mixes scripts switches between one- and three-byte sequences every few
/// characters.)
#[inline]
pub fn decode_into<T: CodeUnit>(s: &str, dst: &mut [T]) {
    for (unit, ch) in dst.iter_mut().zip(s.chars()) {
        *unit = T::from_code(ch as u32);
    }
}

/// A short key's first and last (up to) eight bytes as little-endian words, zero-padded
/// (both the whole key when it is shorter): with the length they are the whole key up to 16
/// bytes. Read with word loads inside the key (no `memcpy` call for a variable length).
#[derive(Clone, Copy, PartialEq)]
pub struct KeyWords {
    head: u64,
    tail: u64,
}

impl KeyWords {
    #[inline(always)]
    pub fn of(bytes: &[u8]) -> Self {
        if let (Some(head), Some(tail)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            return KeyWords {
                head: u64::from_le_bytes(*head),
                tail: u64::from_le_bytes(*tail),
            };
        }
        let word = short_word_le(bytes);
        KeyWords {
            head: word,
            tail: word,
        }
    }
}

/// Hash of a short key, only used to pick a cache set (a hit is verified against the whole
/// key): the length and [`KeyWords`].
/// Multiplication carries every input bit into the top bits only, so the set is taken from
/// the top ([`set_of`]); the low bits ignore the last bytes (`"138586453"` and
/// `"138586457"` would share a set).
#[inline(always)]
pub fn key_hash(len: usize, words: KeyWords) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let h = (words.head ^ (len as u64)).wrapping_mul(K);
    (h.rotate_left(31) ^ words.tail).wrapping_mul(K)
}

/// Index of the first slot of the set for `hash`.
#[inline(always)]
fn set_of(hash: u64) -> usize {
    ((hash >> (64 - SET_BITS)) as usize) * 2
}

/// A cached key. Its hash is not kept: it follows from `len` and `words`, which are compared.
struct Slot {
    len: usize,
    words: KeyWords,
    /// A strong reference, or NULL for an empty slot.
    obj: *mut ffi::PyObject,
    bytes: [u8; MAX_CACHED_KEY_LEN],
}

impl Slot {
    /// Whether this slot holds `bytes` (whose [`KeyWords`] are `words`). Up to 16 bytes the
    /// words are the whole key; past that the middle is compared too.
    #[inline(always)]
    fn holds(&self, words: KeyWords, bytes: &[u8]) -> bool {
        let len = bytes.len();
        self.len == len
            && self.words == words
            && !self.obj.is_null()
            && (len <= 16 || self.bytes.get(8..len - 8) == bytes.get(8..len - 8))
    }
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
                len: 0,
                words: KeyWords { head: 0, tail: 0 },
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
        let words = KeyWords::of(bytes);
        let first = set_of(key_hash(len, words));
        let Some([newer, older]) = self.slots.get_mut(first..first + 2) else {
            return unsafe { new_str(s) };
        };
        for slot in [&*newer, &*older] {
            if slot.holds(words, bytes) {
                unsafe { ffi::Py_INCREF(slot.obj) };
                return slot.obj;
            }
        }
        let obj = unsafe { new_str(s) };
        if obj.is_null() || len > MAX_CACHED_KEY_LEN {
            return obj;
        }
        // The older entry leaves, the newer one ages, the new key comes in.
        let evicted = std::mem::replace(&mut older.obj, ptr::null_mut());
        std::mem::swap(newer, older);
        newer.len = len;
        newer.words = words;
        if let Some(dst) = newer.bytes.get_mut(..len) {
            dst.copy_from_slice(bytes);
        }
        unsafe { ffi::Py_INCREF(obj) };
        newer.obj = obj;
        if !evicted.is_null() {
            unsafe { ffi::Py_DECREF(evicted) };
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

    /// The width chosen from the bytes against the widest code point, and every unit filled,
    /// on text of each width, mixed, cut at every code point boundary.
    #[test]
    fn utf8_shape_counts_and_bounds_code_points() {
        let samples = [
            "",
            "ascii only",
            "caf\u{e9}",
            "\u{ff}\u{80}",
            "\u{100}",
            "na\u{ef}ve \u{65e5}\u{672c}\u{8a9e}",
            "\u{ffff}\u{7ff}\u{800}",
            "emoji \u{1f600}",
            "\u{10ffff}",
            "\u{e9}\u{1f600}\u{65e5}x",
        ];
        for sample in samples {
            let text: String = sample.repeat(7);
            for cut in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let part = &text[..cut];
                let shape = Utf8Shape::of(part);
                let widest = part.chars().map(|c| c as u32).max().unwrap_or(0);
                let want = match widest {
                    0..=0x7f => 0x7f,
                    0x80..=0xff => 0xff,
                    0x100..=0xffff => 0xffff,
                    _ => 0x10ffff,
                };
                assert_eq!(shape.max_char(), want, "{part:?}");
                let mut units = vec![0u32; shape.chars];
                decode_into(part, &mut units);
                assert!(
                    units.iter().copied().eq(part.chars().map(|c| c as u32)),
                    "{part:?}"
                );
            }
        }
    }

    /// The word loads against the definition: the first and last min(len, 8) bytes,
    /// zero-padded, at every length up to 20.
    #[test]
    fn key_words_are_the_padded_ends() {
        let text: Vec<u8> = (1..=20u8).map(|i| i.wrapping_mul(37) | 0x80).collect();
        for len in 0..=text.len() {
            let key = &text[..len];
            let n = len.min(8);
            let mut head = [0u8; 8];
            let mut tail = [0u8; 8];
            head[..n].copy_from_slice(&key[..n]);
            tail[..n].copy_from_slice(&key[len - n..]);
            let words = KeyWords::of(key);
            assert_eq!(words.head, u64::from_le_bytes(head), "len {len}");
            assert_eq!(words.tail, u64::from_le_bytes(tail), "len {len}");
        }
    }

    #[test]
    fn hash_depends_on_ends_and_length() {
        let base = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let hash = |bytes: &[u8]| key_hash(bytes.len(), KeyWords::of(bytes));
        let h = hash(base);
        for i in (0..8).chain(base.len() - 8..base.len()) {
            let mut changed = *base;
            changed[i] ^= 1;
            assert_ne!(hash(&changed), h, "byte {i}");
        }
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b""), hash(b"\0"));
    }

    /// Keys that differ only in their last bytes (citm_catalog.json's numeric ids) spread
    /// over the sets as random keys would (1,000 keys in 1,024 sets fill about 630).
    #[test]
    fn sets_depend_on_the_last_bytes() {
        let sets: std::collections::HashSet<usize> = (0..1000)
            .map(|i| {
                let key = format!("138586{i:03}");
                set_of(key_hash(key.len(), KeyWords::of(key.as_bytes())))
            })
            .collect();
        assert!(sets.len() > 550, "{} sets", sets.len());
    }
}
