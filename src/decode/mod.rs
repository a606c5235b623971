//! `loads`: JSON bytes/str → Python objects, exactly like Python's `json.loads(s)`.
//!
//! A fast path (`parser.rs`) parses plain UTF-8 JSON straight into Python objects. It is
//! deliberately conservative: whenever it meets anything it cannot reproduce exactly — any
//! syntax error, a lone surrogate escape, a BOM, UTF-16/32 or non-UTF-8 bytes, a `str` with
//! surrogates, a subclass of `str`/`bytes`, a too-deep document, a Python error while
//! building objects — it discards its work and calls the real `json.loads` on the original
//! argument, so results and exceptions (class, message, position) are json's own.

pub mod input;
pub mod number;
mod parser;
mod pow5_table;
mod strings;
pub mod unescape;

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes};

use parser::{enter_recursion, leave_recursion, Decoder, EXTRA_RECURSION_LEVELS};

/// `json.loads` as it was when this module was imported, so that a later monkey-patch
/// (e.g. installing this very function as `json.loads`) cannot make the fallback recurse.
static JSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn json_loads(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    JSON_LOADS
        .get(py)
        .map(|f| f.bind(py))
        .ok_or_else(|| PyRuntimeError::new_err("httpbin_ext: json.loads was not captured"))
}

/// The exact path: what `json.loads(s)` returns or raises.
#[cold]
#[inline(never)]
fn fallback(py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    // SAFETY: GIL held. Drop whatever the fast path left behind (RecursionError, ...).
    unsafe { ffi::PyErr_Clear() };
    json_loads(py)?.call1((s,)).map(Bound::unbind)
}

/// Runs the fast path. `None` means "use the fallback".
fn fast_path(py: Python<'_>, text: Text<'_>) -> Option<Py<PyAny>> {
    if enter_recursion(EXTRA_RECURSION_LEVELS).is_err() {
        return None;
    }
    let result = strings::with_key_cache(|cache| {
        let decoder = match text {
            Text::Str(s) => Some(Decoder::from_str(s, cache)),
            Text::Bytes(b) => Decoder::from_bytes(b, cache),
        };
        decoder.ok_or(parser::Fail)?.decode()
    });
    leave_recursion(EXTRA_RECURSION_LEVELS);
    let obj = result.ok()?;
    // SAFETY: `decode` returns a new, non-NULL reference; GIL held.
    Some(unsafe { Bound::from_owned_ptr(py, obj) }.unbind())
}

enum Text<'a> {
    /// Known-valid UTF-8.
    Str(&'a str),
    /// To be validated.
    Bytes(&'a [u8]),
}

/// Deserialize JSON `s` (str, bytes or bytearray) to a Python object, exactly like
/// `json.loads(s)`.
#[pyfunction]
pub fn loads(py: Python<'_>, s: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let ptr = s.as_ptr();
    // SAFETY (all blocks below): GIL held; `s` keeps the object alive for the whole call.
    if unsafe { ffi::PyUnicode_CheckExact(ptr) } != 0 {
        let mut size: ffi::Py_ssize_t = 0;
        let data = unsafe { ffi::PyUnicode_AsUTF8AndSize(ptr, &mut size) };
        if data.is_null() {
            // Lone surrogates cannot be encoded to UTF-8: json.loads handles them.
            return fallback(py, s);
        }
        let Ok(len) = usize::try_from(size) else {
            return fallback(py, s);
        };
        // SAFETY: CPython guarantees `len` bytes of valid UTF-8 at `data` (it refuses
        // surrogates above), alive and unchanged as long as the immutable str is.
        let text =
            unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(data.cast::<u8>(), len)) };
        // A leading U+FEFF fails in the fast path (not whitespace) and json raises its own
        // "Unexpected UTF-8 BOM" error in the fallback.
        return fast_path(py, Text::Str(text)).map_or_else(|| fallback(py, s), Ok);
    }
    if unsafe { ffi::PyBytes_CheckExact(ptr) } != 0 {
        let Ok(b) = s.cast::<PyBytes>() else {
            return fallback(py, s);
        };
        let bytes = b.as_bytes();
        return match input::plain_utf8(bytes) {
            Some(bytes) => fast_path(py, Text::Bytes(bytes)).map_or_else(|| fallback(py, s), Ok),
            None => fallback(py, s),
        };
    }
    if unsafe { ffi::PyByteArray_CheckExact(ptr) } != 0 {
        let Ok(b) = s.cast::<PyByteArray>() else {
            return fallback(py, s);
        };
        // A bytearray is mutable (Python code run by the garbage collector could resize it
        // mid-parse): parse a private copy.
        let copy = b.to_vec();
        return match input::plain_utf8(&copy) {
            Some(bytes) => fast_path(py, Text::Bytes(bytes)).map_or_else(|| fallback(py, s), Ok),
            None => fallback(py, s),
        };
    }
    // Subclasses, memoryview, anything else: json.loads decides (it may raise TypeError).
    fallback(py, s)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    JSON_LOADS.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("json")?.getattr("loads")?.unbind())
    })?;
    m.add_function(wrap_pyfunction!(loads, m)?)?;
    Ok(())
}
