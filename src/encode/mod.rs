//! `dumps`: Python objects → JSON bytes, byte-identical to `json.dumps(...).encode()`.
//!
//! Layout: `obtype` dispatches on type pointers, `string`/`number` write scalars,
//! `serializer` walks containers; this file is the thin pyo3 layer (arguments, buffer reuse).

mod dict_entries;
mod number;
mod obtype;
mod output;
mod serializer;
mod sort_cache;
mod string;

use std::borrow::Cow;
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::{PySystemError, PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::impl_::pyfunction::{PyFunctionDef, PyMethodDef, WrapPyFunctionArg};
use pyo3::impl_::trampoline::get_trampoline_function;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyString, PyTuple};

use crate::fastcall::{truthy, Signature};

use serializer::{Buffers, Encoder, Options};

/// Output buffers above this size are not kept for reuse.
const KEEP_BUFFER_BYTES: usize = 4 << 20;

/// Buffers reused across calls, guarded by the GIL (the module declares `gil_used`): a call
/// takes them by setting `in_use`. A call that finds them taken uses fresh ones: a `dumps`
/// re-entered from `default`, or another thread while the GIL is released around a large
/// string. A static, not a thread-local: no TLS lookup and no moving the buffers in and out.
struct SharedScratch {
    in_use: AtomicBool,
    buffers: UnsafeCell<Buffers>,
}

// SAFETY: `buffers` is only reached through `with_scratch`, which holds the GIL to set
// `in_use` and gives it to one call at a time.
unsafe impl Sync for SharedScratch {}

static SCRATCH: SharedScratch = SharedScratch {
    in_use: AtomicBool::new(false),
    buffers: UnsafeCell::new(Buffers::new()),
};

/// Runs `work` with the shared buffers when they are free, fresh ones otherwise.
fn with_scratch<R>(_py: Python<'_>, work: impl FnOnce(&mut Buffers) -> R) -> R {
    // Check-then-set without a race: both happen with the GIL held.
    if SCRATCH.in_use.load(Ordering::Relaxed) {
        return work(&mut Buffers::new());
    }
    SCRATCH.in_use.store(true, Ordering::Relaxed);
    /// Frees the buffers for the next call, even when `work` unwinds.
    struct Release;
    impl Drop for Release {
        fn drop(&mut self) {
            SCRATCH.in_use.store(false, Ordering::Relaxed);
        }
    }
    let _release = Release;
    // SAFETY: `in_use` was clear and is now set: no other call holds this reference until
    // `_release` clears it.
    let buffers = unsafe { &mut *SCRATCH.buffers.get() };
    // Cleared on the way in, so a call that panicked leaves nothing behind for the next.
    buffers.clear();
    let result = work(buffers);
    if !buffers.worth_keeping(KEEP_BUFFER_BYTES) {
        *buffers = Buffers::new();
    }
    result
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

/// Indents up to this many spaces are borrowed, not allocated per call.
static SPACES: [u8; 64] = [b' '; 64];

/// json: `if indent is not None and not isinstance(indent, str): indent = ' ' * indent`.
fn indent_bytes<'a>(indent: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if indent.is_exact_instance_of::<PyInt>() {
        if let Ok(n) = indent.extract::<i64>() {
            let n = n.clamp(0, 1 << 16) as usize;
            return Ok(match SPACES.get(..n) {
                Some(spaces) => Cow::Borrowed(spaces),
                None => Cow::Owned(vec![b' '; n]),
            });
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

/// `dumps`'s parameters: json.dumps's own, plus `newline`.
static DUMPS_SIGNATURE: Signature<8> = Signature::new(
    "dumps",
    "obj",
    [
        "indent",
        "sort_keys",
        "ensure_ascii",
        "separators",
        "default",
        "allow_nan",
        "skipkeys",
        "newline",
    ],
);

/// `json.dumps(obj, ...).encode()`, natively. `newline=True` appends `b"\n"` (Flask's
/// response body) without another copy. Arguments are parsed by [`Signature`]: Flask passes
/// three to six keywords on every call.
///
/// # Safety
/// Called by CPython (through pyo3's trampoline) with a vectorcall argument array.
unsafe fn dumps_fastcall(
    py: Python<'_>,
    _module: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargsf: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<*mut ffi::PyObject> {
    // SAFETY: forwarded from CPython's call.
    let call = unsafe { DUMPS_SIGNATURE.parse(py, args, nargsf, kwnames)? };
    let [indent, sort_keys, ensure_ascii, separators, default, allow_nan, skipkeys, newline] = call.keywords;
    let flag = |value: Option<Borrowed<'_, '_, PyAny>>, omitted: bool| value.map_or(Ok(omitted), truthy);
    let (indent, separators) = (given(indent), given(separators));
    let args = DumpsArgs {
        indent: indent.as_deref(),
        sort_keys: flag(sort_keys, false)?,
        ensure_ascii: flag(ensure_ascii, true)?,
        separators: separators.as_deref(),
        default: given(default).map(|v| v.to_owned()),
        allow_nan: flag(allow_nan, true)?,
        skipkeys: flag(skipkeys, false)?,
    };
    let newline = match newline {
        None => false,
        Some(value) => value
            .cast::<PyBool>()
            .map_err(|err| PyTypeError::new_err(format!("argument 'newline': {err}")))?
            .is_true(),
    };
    dumps_bytes(py, &call.positional, args, newline).map(Bound::into_ptr)
}

/// json treats an explicit None like an omitted argument.
fn given<'a, 'py>(value: Option<Borrowed<'a, 'py, PyAny>>) -> Option<Borrowed<'a, 'py, PyAny>> {
    value.filter(|v| !v.is_none())
}

/// The `PyMethodDef` `#[pyfunction]` would build, with our argument parsing behind pyo3's
/// trampoline (GIL bookkeeping, panics raised as `PanicException`).
static DUMPS_DEF: PyFunctionDef =
    PyFunctionDef::from_method_def(PyMethodDef::fastcall_cfunction_with_keywords(
        c"dumps",
        get_trampoline_function!(fastcall_cfunction_with_keywords, dumps_fastcall),
        c"dumps(obj, *, indent=None, sort_keys=False, ensure_ascii=True, separators=None, \
           default=None, allow_nan=True, skipkeys=False, newline=False)\n--\n\n\
           json.dumps(obj, ...).encode(), natively; newline=True appends a newline (Flask's \
           response body) without another copy.",
    ));

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
    with_scratch(py, |buffers| {
        let mut encoder = Encoder::new(py, &opts, buffers);
        let result = encoder.encode(obj.as_ptr());
        let unencodable = encoder.unencodable;
        let out = &mut buffers.out;
        let bytes = result.and_then(|()| {
            if newline {
                out.push(b'\n');
            }
            if unencodable {
                return Err(unencodable_error(py, out));
            }
            output::into_bytes(py, out)
        });
        // Empty for the next call: a failed call's spilled output is freed now.
        out.clear();
        bytes
    })
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
    m.add_function(m.wrap_pyfunction(&DUMPS_DEF)?)?;
    Ok(())
}
