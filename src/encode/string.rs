//! `str` (and str subclasses such as `markupsafe.Markup`): the code units are read in place,
//! as `json` does — a subclass's `__str__` is never called.

use pyo3::ffi;
use pyo3::prelude::*;

use crate::gil;
use crate::writer::{escape, OutBuf};

/// The code units of a ready `str` object.
pub enum Units<'a> {
    Latin1(&'a [u8]),
    Ucs2(&'a [u16]),
    Ucs4(&'a [u32]),
}

/// # Safety
/// `obj` must be a live `str` (or subclass) instance; the slice borrows its storage.
#[inline(always)]
pub unsafe fn units<'a>(obj: *mut ffi::PyObject) -> Units<'a> {
    let len = ffi::PyUnicode_GET_LENGTH(obj) as usize;
    if ffi::PyUnicode_IS_COMPACT_ASCII(obj) != 0 {
        let data = (obj as *mut ffi::PyASCIIObject).offset(1) as *const u8;
        return Units::Latin1(std::slice::from_raw_parts(data, len));
    }
    let data = ffi::PyUnicode_DATA(obj);
    match ffi::PyUnicode_KIND(obj) {
        ffi::PyUnicode_1BYTE_KIND => Units::Latin1(std::slice::from_raw_parts(data as *const u8, len)),
        ffi::PyUnicode_2BYTE_KIND => Units::Ucs2(std::slice::from_raw_parts(data as *const u16, len)),
        _ => Units::Ucs4(std::slice::from_raw_parts(data as *const u32, len)),
    }
}

/// The data of a compact-ASCII `str`.
///
/// # Safety
/// `obj` must be a live `str` for which `PyUnicode_IS_COMPACT_ASCII` holds.
#[inline(always)]
pub unsafe fn ascii_bytes<'a>(obj: *mut ffi::PyObject) -> &'a [u8] {
    let len = ffi::PyUnicode_GET_LENGTH(obj) as usize;
    std::slice::from_raw_parts((obj as *mut ffi::PyASCIIObject).offset(1) as *const u8, len)
}

/// Writes `obj` as a quoted JSON string. Sets `unencodable` for a string that UTF-8 output
/// cannot carry (lone surrogates with `ensure_ascii=False`), which is still written in full,
/// its surrogates in the `surrogatepass` form.
///
/// # Safety
/// `obj` must be a live `str` (or subclass) instance and the GIL held.
#[inline(always)]
pub unsafe fn write_str(
    py: Python<'_>,
    out: &mut OutBuf,
    obj: *mut ffi::PyObject,
    ensure_ascii: bool,
    unencodable: &mut bool,
) -> PyResult<()> {
    if ensure_ascii && ffi::PyUnicode_IS_COMPACT_ASCII(obj) != 0 {
        let bytes = ascii_bytes(obj);
        if !escape::try_quote_short_plain(out, bytes) {
            escape::quote_latin1_ascii(out, bytes);
        }
        return Ok(());
    }
    write_str_general(py, out, obj, ensure_ascii, unencodable)
}

/// What a string's escaping reads: its code units, escaped to ASCII (`ensure_ascii=True`) or
/// transcoded to UTF-8 (long non-ASCII strings), or its UTF-8 form.
enum Source<'a> {
    Ascii(Units<'a>),
    UnitsToUtf8(Units<'a>),
    Utf8(&'a str),
}

/// Non-ASCII strings at least this long are transcoded from their code units rather than
/// through CPython's UTF-8 cache, which would keep a second copy alive with the string.
const UTF8_CACHE_MAX_UNITS: isize = 64 * 1024;

impl Source<'_> {
    /// `false` when the string held a lone surrogate that UTF-8 output cannot carry.
    fn escape(&self, out: &mut OutBuf) -> bool {
        match self {
            Source::Ascii(Units::Latin1(u)) => escape::escape_latin1_ascii(out, u),
            Source::Ascii(Units::Ucs2(u)) => escape::escape_ucs2_ascii(out, u),
            Source::Ascii(Units::Ucs4(u)) => escape::escape_ucs4_ascii(out, u),
            Source::UnitsToUtf8(Units::Latin1(u)) => return escape::escape_units_utf8(out, u),
            Source::UnitsToUtf8(Units::Ucs2(u)) => return escape::escape_units_utf8(out, u),
            Source::UnitsToUtf8(Units::Ucs4(u)) => return escape::escape_units_utf8(out, u),
            Source::Utf8(text) => escape::escape_utf8(out, text),
        }
        true
    }

    fn len(&self) -> usize {
        match self {
            Source::Ascii(units) | Source::UnitsToUtf8(units) => match units {
                Units::Latin1(u) => u.len(),
                Units::Ucs2(u) => u.len() * 2,
                Units::Ucs4(u) => u.len() * 4,
            },
            Source::Utf8(text) => text.len(),
        }
    }
}

/// Everything but the short compact-ASCII case, out of line.
#[inline(never)]
unsafe fn write_str_general(
    py: Python<'_>,
    out: &mut OutBuf,
    obj: *mut ffi::PyObject,
    ensure_ascii: bool,
    unencodable: &mut bool,
) -> PyResult<()> {
    let is_ascii = ffi::PyUnicode_IS_COMPACT_ASCII(obj) != 0;
    if ensure_ascii && is_ascii && ffi::PyUnicode_GET_LENGTH(obj) < gil::DETACH_AT_BYTES as isize {
        escape::quote_latin1_ascii(out, ascii_bytes(obj));
        return Ok(());
    }
    let source = if ensure_ascii {
        Source::Ascii(units(obj))
    } else if is_ascii {
        // ASCII data is valid UTF-8.
        Source::Utf8(std::str::from_utf8_unchecked(ascii_bytes(obj)))
    } else if ffi::PyUnicode_GET_LENGTH(obj) >= UTF8_CACHE_MAX_UNITS {
        Source::UnitsToUtf8(units(obj))
    } else {
        // UTF-8 output: CPython caches the UTF-8 form, which a lone surrogate prevents. Then
        // transcode the code units (they write it in the surrogatepass form).
        let mut size: ffi::Py_ssize_t = 0;
        let data = ffi::PyUnicode_AsUTF8AndSize(obj, &mut size);
        if data.is_null() {
            let err = PyErr::fetch(py);
            if !err.is_instance_of::<pyo3::exceptions::PyUnicodeEncodeError>(py) {
                return Err(err);
            }
            Source::UnitsToUtf8(units(obj))
        } else {
            let bytes = std::slice::from_raw_parts(data as *const u8, size as usize);
            Source::Utf8(std::str::from_utf8_unchecked(bytes))
        }
    };
    out.push(b'"');
    // The string (and its cached UTF-8) stays alive while the GIL is released: we own a
    // reference, and `str` is immutable.
    let _keep = Bound::from_borrowed_ptr(py, obj);
    if !gil::detach_if_large(py, source.len(), || source.escape(out)) {
        // `json.dumps(...).encode()` only fails at the end, after any error json itself
        // would raise: note it and let the caller decide once done.
        *unencodable = true;
    }
    out.push(b'"');
    Ok(())
}

/// Code-point order, as Python compares `str`.
///
/// # Safety
/// Both must be live `str` instances.
pub unsafe fn compare(a: *mut ffi::PyObject, b: *mut ffi::PyObject) -> std::cmp::Ordering {
    match (units(a), units(b)) {
        (Units::Latin1(x), Units::Latin1(y)) => compare_bytes(x, y),
        (Units::Ucs2(x), Units::Ucs2(y)) => x.cmp(y),
        (Units::Ucs4(x), Units::Ucs4(y)) => x.cmp(y),
        (x, y) => code_points(&x).cmp(code_points(&y)),
    }
}

/// Byte order without a `memcmp` call: dict keys are short and usually differ early.
#[inline(always)]
fn compare_bytes(x: &[u8], y: &[u8]) -> std::cmp::Ordering {
    for (a, b) in x.iter().zip(y) {
        if a != b {
            return a.cmp(b);
        }
    }
    x.len().cmp(&y.len())
}

/// The first 8 bytes of a key as a big-endian integer, zero-padded: where two prefixes
/// differ they order as the whole byte strings do (a zero pad sorts below any byte a longer
/// key has there), so a key sort compares integers and only looks further on a tie.
#[inline(always)]
pub fn sort_prefix(bytes: &[u8]) -> u64 {
    if let Some(head) = bytes.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    // Shorter than 8: the padded little-endian word, byte-swapped (the bytes high, in order).
    crate::writer::short_word_le(bytes).swap_bytes()
}

fn code_points<'a>(units: &'a Units<'a>) -> Box<dyn Iterator<Item = u32> + 'a> {
    match units {
        Units::Latin1(u) => Box::new(u.iter().map(|&c| c as u32)),
        Units::Ucs2(u) => Box::new(u.iter().map(|&c| c as u32)),
        Units::Ucs4(u) => Box::new(u.iter().copied()),
    }
}

#[cfg(test)]
mod tests {
    use super::sort_prefix;

    /// Every pair of short strings over a small alphabet (including NUL, the pad byte):
    /// differing prefixes order exactly as the strings do.
    #[test]
    fn sort_prefix_orders_like_bytes() {
        let alphabet = [0u8, 1, b'A', b'a', 0x7f];
        let mut keys: Vec<Vec<u8>> = vec![Vec::new()];
        for len in 1..=10usize {
            // Enough variety without 5^10 keys: vary the first and the last three bytes.
            for first in alphabet {
                for tail in 0..alphabet.len().pow(3) {
                    let mut key = vec![b'a'; len];
                    key[0] = first;
                    let mut t = tail;
                    for slot in key.iter_mut().rev().take(3) {
                        *slot = alphabet[t % alphabet.len()];
                        t /= alphabet.len();
                    }
                    keys.push(key);
                }
            }
        }
        for key in &keys {
            let mut padded = [0u8; 8];
            let n = key.len().min(8);
            padded[..n].copy_from_slice(&key[..n]);
            assert_eq!(sort_prefix(key), u64::from_be_bytes(padded), "{key:?}");
        }
        for a in &keys {
            for b in &keys {
                let (pa, pb) = (sort_prefix(a), sort_prefix(b));
                if pa != pb {
                    assert_eq!(pa.cmp(&pb), a.cmp(b), "{a:?} vs {b:?}");
                }
                if a == b {
                    assert_eq!(pa, pb);
                }
            }
        }
    }

    #[test]
    fn sort_prefix_reads_at_most_eight_bytes() {
        assert_eq!(sort_prefix(b""), 0);
        assert_eq!(sort_prefix(b"A"), 0x41 << 56);
        assert_eq!(sort_prefix(b"Accept-Encoding"), sort_prefix(b"Accept-E"));
        assert_eq!(sort_prefix(b"Accept-E"), u64::from_be_bytes(*b"Accept-E"));
    }
}
