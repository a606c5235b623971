//! `dumps`: Python objects → JSON bytes, byte-identical to `json.dumps(...).encode()`.
//!
//! Layout: `obtype` dispatches on type pointers, `string`/`number` write scalars,
//! `serializer` walks containers; this file is the thin pyo3 layer (arguments, buffer reuse).

mod dict_entries;
mod number;
mod obtype;
mod serializer;
mod string;

use std::borrow::Cow;
use std::cell::Cell;

use pyo3::exceptions::{PySystemError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyString, PyTuple};

use serializer::{Encoder, Options, Scratch};

/// A boolean argument read the way `json` reads it: by truthiness (`sort_keys=1` works).
pub struct Flag(pub bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Flag {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Flag)
    }
}

/// Output buffers above this size are not kept for reuse.
const KEEP_BUFFER_BYTES: usize = 4 << 20;

thread_local! {
    /// Per-thread buffers. Taken (not borrowed) for the duration of a call, so a re-entrant
    /// `dumps` from inside `default` simply gets fresh ones.
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

/// The UTF-8 bytes of a `str` argument, borrowed from the object.
fn str_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    Ok(Cow::Borrowed(str_data(obj.cast::<PyString>()?)?))
}

/// A `str`'s UTF-8 bytes: compact ASCII data read in place, anything else through CPython's
/// cached UTF-8 (`to_str` costs two calls, noticeable on a 1 µs `dumps`).
fn str_data<'a>(text: &'a Bound<'_, PyString>) -> PyResult<&'a [u8]> {
    // SAFETY: a live str, borrowed for 'a; its storage is immutable.
    unsafe {
        if ffi::PyUnicode_IS_COMPACT_ASCII(text.as_ptr()) != 0 {
            return Ok(string::ascii_bytes(text.as_ptr()));
        }
    }
    Ok(text.to_str()?.as_bytes())
}

/// json: `if indent is not None and not isinstance(indent, str): indent = ' ' * indent`.
fn indent_bytes<'a>(indent: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if indent.is_exact_instance_of::<PyInt>() {
        if let Ok(n) = indent.extract::<i64>() {
            return Ok(Cow::Owned(vec![b' '; n.clamp(0, 1 << 16) as usize]));
        }
    }
    if indent.is_instance_of::<PyString>() {
        return str_bytes(indent);
    }
    let spaces = PyString::new(indent.py(), " ").mul(indent)?;
    Ok(Cow::Owned(
        spaces.cast::<PyString>()?.to_str()?.as_bytes().to_vec(),
    ))
}

/// (item separator, key separator).
type Separators<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// json: `self.item_separator, self.key_separator = separators` (any pair of str).
fn separator_bytes<'a>(separators: &'a Bound<'_, PyAny>) -> PyResult<Separators<'a>> {
    if let Ok(pair) = separators.cast_exact::<PyTuple>() {
        if pair.len() == 2 {
            // SAFETY: the tuple holds its items alive for the whole call (`'a`).
            let (item, key) = unsafe {
                (
                    pair.get_borrowed_item_unchecked(0).to_owned(),
                    pair.get_borrowed_item_unchecked(1).to_owned(),
                )
            };
            let item = item.cast_into::<PyString>()?;
            let key = key.cast_into::<PyString>()?;
            // SAFETY: the bytes belong to strs the tuple keeps alive (their data or their
            // cached UTF-8).
            let borrow = |s: &Bound<'_, PyString>| -> PyResult<&'a [u8]> {
                let text = str_data(s)?;
                Ok(unsafe { std::slice::from_raw_parts(text.as_ptr(), text.len()) })
            };
            return Ok((Cow::Borrowed(borrow(&item)?), Cow::Borrowed(borrow(&key)?)));
        }
    }
    let parts: Vec<Bound<'_, PyAny>> = separators.try_iter()?.collect::<PyResult<_>>()?;
    match parts.as_slice() {
        [item, key] => Ok((owned_str_bytes(item)?, owned_str_bytes(key)?)),
        _ => Err(PyValueError::new_err(format!(
            "expected 2 separators, got {}",
            parts.len()
        ))),
    }
}

fn owned_str_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Cow<'static, [u8]>> {
    Ok(Cow::Owned(obj.cast::<PyString>()?.to_str()?.as_bytes().to_vec()))
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
    let args = DumpsArgs {
        indent,
        sort_keys: sort_keys.0,
        ensure_ascii: ensure_ascii.0,
        separators,
        default,
        allow_nan: allow_nan.0,
        skipkeys: skipkeys.0,
    };
    dumps_bytes(py, obj, args, newline)
}

/// `json.dumps`'s keyword arguments, for callers on the Rust side.
pub struct DumpsArgs<'a, 'py> {
    pub indent: Option<&'a Bound<'py, PyAny>>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
    pub separators: Option<&'a Bound<'py, PyAny>>,
    pub default: Option<Bound<'py, PyAny>>,
    pub allow_nan: bool,
    pub skipkeys: bool,
}

/// [`dumps`] for Rust callers.
pub fn dumps_bytes<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    args: DumpsArgs<'_, 'py>,
    newline: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let converted = (|| -> PyResult<_> {
        let indent = args.indent.map(indent_bytes).transpose()?;
        let separators = match args.separators {
            Some(separators) => separator_bytes(separators)?,
            None if indent.is_some() => (Cow::Borrowed(&b","[..]), Cow::Borrowed(&b": "[..])),
            None => (Cow::Borrowed(&b", "[..]), Cow::Borrowed(&b": "[..])),
        };
        Ok((indent, separators))
    })();
    let (indent, (item_separator, key_separator)) = match converted {
        Ok(converted) => converted,
        // json converts these lazily, or never (a top-level str needs neither), and may accept
        // what we cannot carry (a lone surrogate in `indent`): its call to judge. Nothing has
        // been encoded yet, so no `default` has run.
        Err(_) => return encode_with_json(py, obj, &args, newline),
    };
    let DumpsArgs {
        sort_keys,
        ensure_ascii,
        ref default,
        allow_nan,
        skipkeys,
        ..
    } = args;
    let default = default.clone();
    let opts = Options {
        indent,
        item_separator,
        key_separator,
        sort_keys,
        ensure_ascii,
        allow_nan,
        skipkeys,
        default,
    };
    let mut encoder = Encoder::new(py, &opts, SCRATCH.take());
    let result = encoder.encode(obj.as_ptr());
    let unencodable = encoder.unencodable;
    let mut scratch = encoder.scratch;
    let bytes = result.and_then(|()| {
        let out = &mut scratch.out;
        if newline {
            out.push(b'\n');
        }
        if unencodable {
            return Err(unencodable_error(py, out));
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
    if scratch.reset(KEEP_BUFFER_BYTES) {
        SCRATCH.set(scratch);
    }
    bytes
}

/// `json.dumps(obj, ...).encode()` by json itself, for `indent`/`separators` the native path
/// cannot convert. Rare, so the cost does not matter.
#[cold]
fn encode_with_json<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    args: &DumpsArgs<'_, 'py>,
    newline: bool,
) -> PyResult<Bound<'py, PyBytes>> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("indent", args.indent)?;
    kwargs.set_item("separators", args.separators)?;
    kwargs.set_item("default", args.default.as_ref())?;
    kwargs.set_item("sort_keys", args.sort_keys)?;
    kwargs.set_item("ensure_ascii", args.ensure_ascii)?;
    kwargs.set_item("allow_nan", args.allow_nan)?;
    kwargs.set_item("skipkeys", args.skipkeys)?;
    let mut text = py.import("json")?.call_method("dumps", (obj,), Some(&kwargs))?;
    if newline {
        text = text.add("\n")?;
    }
    Ok(text.call_method0("encode")?.cast_into::<PyBytes>()?)
}

/// The error `json.dumps(...).encode()` raises for output holding lone surrogates (written
/// in their `surrogatepass` form): the same text, encoded the same way, so the same message,
/// positions and `.object`.
#[cold]
fn unencodable_error(py: Python<'_>, out: &[u8]) -> PyErr {
    // SAFETY: pointer/length of a live slice; both calls return a new object or NULL.
    unsafe {
        let text = ffi::PyUnicode_DecodeUTF8(
            out.as_ptr().cast(),
            out.len() as ffi::Py_ssize_t,
            c"surrogatepass".as_ptr(),
        );
        if text.is_null() {
            return PyErr::fetch(py);
        }
        let text = Bound::from_owned_ptr(py, text);
        match Bound::from_owned_ptr_or_err(py, ffi::PyUnicode_AsUTF8String(text.as_ptr())) {
            Err(err) => err,
            Ok(_) => PySystemError::new_err("no lone surrogate in output flagged as unencodable"),
        }
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    number::detect_int_layout(m.py())?;
    m.add_function(wrap_pyfunction!(dumps, m)?)?;
    Ok(())
}
