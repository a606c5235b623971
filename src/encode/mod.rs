//! `dumps`: Python objects → JSON bytes, byte-identical to `json.dumps(...).encode()`.
//!
//! Layout: `obtype` dispatches on type pointers, `string`/`number` write scalars,
//! `serializer` walks containers; this file is the thin pyo3 layer (arguments, buffer reuse).

mod number;
mod obtype;
mod serializer;
mod string;

use std::cell::Cell;

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use serializer::{Encoder, Options};

/// A boolean argument read the way `json` reads it: by truthiness (`sort_keys=1` works).
pub struct Flag(pub bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Flag {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Flag)
    }
}

/// Output buffers above this size are not kept for reuse.
const KEEP_BUFFER_BYTES: usize = 1 << 20;

thread_local! {
    /// One reusable output buffer per thread. Taken (not borrowed) for the duration of a
    /// call, so a re-entrant `dumps` from inside `default` simply gets a fresh one.
    static BUFFER: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

fn str_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    Ok(obj.cast::<PyString>()?.to_str()?.as_bytes().to_vec())
}

/// json: `if indent is not None and not isinstance(indent, str): indent = ' ' * indent`.
fn indent_bytes(indent: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if indent.is_exact_instance_of::<pyo3::types::PyInt>() {
        if let Ok(n) = indent.extract::<i64>() {
            return Ok(vec![b' '; n.clamp(0, 1 << 16) as usize]);
        }
    }
    if indent.is_instance_of::<PyString>() {
        return str_bytes(indent);
    }
    str_bytes(&PyString::new(indent.py(), " ").mul(indent)?)
}

fn separator_bytes(separators: &Bound<'_, PyAny>) -> PyResult<(Vec<u8>, Vec<u8>)> {
    let parts: Vec<Bound<'_, PyAny>> = separators.try_iter()?.collect::<PyResult<_>>()?;
    match parts.as_slice() {
        [item, key] => Ok((str_bytes(item)?, str_bytes(key)?)),
        _ => Err(PyTypeError::new_err("separators must be a pair of str")),
    }
}

/// `json.dumps(obj, ...).encode()`, natively. `newline=True` appends `b"\n"` (Flask's
/// response body) without another copy.
#[pyfunction]
#[pyo3(signature = (
    obj, *, indent=None, sort_keys=Flag(false), ensure_ascii=Flag(true), separators=None,
    default=None, allow_nan=Flag(true), skipkeys=Flag(false), newline=false
))]
#[allow(clippy::too_many_arguments)]
fn dumps<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    indent: Option<&Bound<'py, PyAny>>,
    sort_keys: Flag,
    ensure_ascii: Flag,
    separators: Option<&Bound<'py, PyAny>>,
    default: Option<Bound<'py, PyAny>>,
    allow_nan: Flag,
    skipkeys: Flag,
    newline: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let indent = indent.map(indent_bytes).transpose()?;
    let (item_separator, key_separator) = match separators {
        Some(separators) => separator_bytes(separators)?,
        None if indent.is_some() => (b",".to_vec(), b": ".to_vec()),
        None => (b", ".to_vec(), b": ".to_vec()),
    };
    let opts = Options {
        indent,
        item_separator,
        key_separator,
        sort_keys: sort_keys.0,
        ensure_ascii: ensure_ascii.0,
        allow_nan: allow_nan.0,
        skipkeys: skipkeys.0,
        default,
    };
    let mut encoder = Encoder::new(py, &opts, BUFFER.take());
    let result = encoder.encode(obj.as_ptr());
    let mut out = encoder.out;
    let bytes = result.and_then(|()| {
        if newline {
            out.push(b'\n');
        }
        // SAFETY: pointer/length of a live Vec; PyBytes copies them.
        unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                ffi::PyBytes_FromStringAndSize(out.as_ptr().cast(), out.len() as ffi::Py_ssize_t),
            )
        }
        // SAFETY: PyBytes_FromStringAndSize returns a bytes object or NULL (an Err above).
        .map(|b| unsafe { b.cast_into_unchecked::<PyBytes>() })
    });
    if out.capacity() <= KEEP_BUFFER_BYTES {
        out.clear();
        BUFFER.set(out);
    }
    bytes
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(dumps, m)?)?;
    Ok(())
}
