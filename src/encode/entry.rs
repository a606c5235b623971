//! `dumps`'s entry point: a `METH_FASTCALL | METH_KEYWORDS` C function written by hand.
//!
//! pyo3's generated wrapper matches each keyword by converting its name to UTF-8 and comparing
//! text (~500 instructions per call with two keywords, 5% of a 1 µs /get `dumps`). Keyword
//! names reaching a call are interned strings, so here they are matched by pointer against our
//! own interned names first, by value only when that fails. Behaviour is pyo3's: the same
//! errors for missing, extra and unknown arguments; panics become `PanicException`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyCFunction, PyString};

use super::{dumps_bytes, DumpsArgs};

/// Parameter names in signature order; `obj` may also come positionally.
const PARAMS: [&str; 9] = [
    "obj",
    "indent",
    "sort_keys",
    "ensure_ascii",
    "separators",
    "default",
    "allow_nan",
    "skipkeys",
    "newline",
];

const DOC: &std::ffi::CStr = c"dumps(obj, *, indent=None, sort_keys=False, ensure_ascii=True, separators=None, default=None, allow_nan=True, skipkeys=False, newline=False)
--

`json.dumps(obj, ...).encode()`, natively. `newline=True` appends `b\"\\n\"` (Flask's
response body) without another copy.";

static NAMES: PyOnceLock<[Py<PyString>; 9]> = PyOnceLock::new();

fn names(py: Python<'_>) -> &[Py<PyString>; 9] {
    NAMES.get_or_init(py, || PARAMS.map(|name| PyString::intern(py, name).unbind()))
}

/// The function object, for the module.
pub fn function(py: Python<'_>) -> PyResult<Bound<'_, PyCFunction>> {
    names(py);
    // CPython keeps a pointer to the definition for the function's lifetime; module init can
    // run again on re-import, so each init leaks one small definition rather than share a
    // mutable static.
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c"dumps".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            PyCFunctionFastWithKeywords: dumps_fastcall,
        },
        ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
        ml_doc: DOC.as_ptr(),
    }));
    let module_name = PyString::new(py, "httpbin_ext._native");
    // SAFETY: a valid definition that outlives the function; NULL self; a str module name.
    unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            ffi::PyCFunction_NewEx(def, std::ptr::null_mut(), module_name.as_ptr()),
        )
        .map(|f| f.cast_into_unchecked())
    }
}

unsafe extern "C" fn dumps_fastcall(
    _module: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls this with the GIL held.
    let py = Python::assume_attached();
    let result = catch_unwind(AssertUnwindSafe(|| call(py, args, nargs, kwnames)));
    let err = match result {
        Ok(Ok(bytes)) => return bytes.into_ptr(),
        Ok(Err(err)) => err,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic from Rust code".to_string());
            PanicException::new_err(message)
        }
    };
    err.restore(py);
    std::ptr::null_mut()
}

/// # Safety
/// CPython's vectorcall contract: `args` holds `nargs` positional arguments followed by one
/// value per name in the `kwnames` tuple (or NULL), all alive for the call.
unsafe fn call<'py>(
    py: Python<'py>,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> PyResult<Bound<'py, PyBytes>> {
    let positional = nargs.max(0) as usize;
    let keywords = if kwnames.is_null() {
        0
    } else {
        ffi::PyTuple_GET_SIZE(kwnames).max(0) as usize
    };
    let values: &[*mut ffi::PyObject] = if args.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(args, positional + keywords)
    };
    if positional > 1 {
        return Err(PyTypeError::new_err(format!(
            "dumps() takes 1 positional arguments but {positional} were given"
        )));
    }
    let mut slots: [*mut ffi::PyObject; 9] = [std::ptr::null_mut(); 9];
    if let Some(&obj) = values.first().filter(|_| positional == 1) {
        slots[0] = obj;
    }
    for (index, &value) in values.iter().enumerate().skip(positional) {
        let name = ffi::PyTuple_GET_ITEM(kwnames, (index - positional) as ffi::Py_ssize_t);
        let slot = param_index(py, name)?;
        if !slots[slot].is_null() {
            return Err(PyTypeError::new_err(format!(
                "dumps() got multiple values for argument '{}'",
                PARAMS[slot]
            )));
        }
        slots[slot] = value;
    }
    let [obj, indent, sort_keys, ensure_ascii, separators, default, allow_nan, skipkeys, newline] = slots;
    if obj.is_null() {
        return Err(PyTypeError::new_err(
            "dumps() missing 1 required positional argument: 'obj'",
        ));
    }
    let optional = |ptr: *mut ffi::PyObject| (!ptr.is_null() && ptr != ffi::Py_None()).then_some(ptr);
    let indent = optional(indent).map(|ptr| Bound::from_borrowed_ptr(py, ptr));
    let separators = optional(separators).map(|ptr| Bound::from_borrowed_ptr(py, ptr));
    let args = DumpsArgs {
        indent: indent.as_ref(),
        sort_keys: flag(py, sort_keys, false)?,
        ensure_ascii: flag(py, ensure_ascii, true)?,
        separators: separators.as_ref(),
        default: optional(default).map(|ptr| Bound::from_borrowed_ptr(py, ptr)),
        allow_nan: flag(py, allow_nan, true)?,
        skipkeys: flag(py, skipkeys, false)?,
    };
    let newline = match newline {
        ptr if ptr.is_null() || ptr == ffi::Py_False() => false,
        ptr if ptr == ffi::Py_True() => true,
        ptr => {
            let name = Bound::from_borrowed_ptr(py, ptr).get_type().name()?;
            return Err(PyTypeError::new_err(format!(
                "'{name}' object is not an instance of 'bool'"
            )));
        }
    };
    dumps_bytes(py, &Bound::from_borrowed_ptr(py, obj), args, newline)
}

/// Which parameter a keyword names: by identity with our interned names, then by value.
unsafe fn param_index(py: Python<'_>, name: *mut ffi::PyObject) -> PyResult<usize> {
    let names = names(py);
    if let Some(index) = names.iter().position(|known| known.as_ptr() == name) {
        return Ok(index);
    }
    let name = Bound::from_borrowed_ptr(py, name);
    for (index, known) in names.iter().enumerate() {
        if name.eq(known.bind(py))? {
            return Ok(index);
        }
    }
    Err(PyTypeError::new_err(format!(
        "dumps() got an unexpected keyword argument '{name}'"
    )))
}

/// A boolean option read the way `json` reads it: by truthiness (`sort_keys=1` works).
unsafe fn flag(py: Python<'_>, value: *mut ffi::PyObject, missing: bool) -> PyResult<bool> {
    if value.is_null() {
        return Ok(missing);
    }
    if value == ffi::Py_True() || value == ffi::Py_False() {
        return Ok(value == ffi::Py_True());
    }
    match ffi::PyObject_IsTrue(value) {
        -1 => Err(PyErr::fetch(py)),
        truth => Ok(truth != 0),
    }
}
