//! `int` and `float` (and their subclasses: IntEnum, IntFlag, float subclasses), written as
//! `int.__repr__` / `float.__repr__` would — never the subclass's own `__repr__`.

use std::ptr::addr_of_mut;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::writer::extend_small;
use crate::writer::float_repr::write_float_repr;

/// # Safety
/// `obj` must be a live `int` (or subclass) instance and the GIL held.
#[inline]
pub unsafe fn write_int(py: Python<'_>, out: &mut Vec<u8>, obj: *mut ffi::PyObject) -> PyResult<()> {
    let mut overflow: std::os::raw::c_int = 0;
    let value = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
    if overflow == 0 {
        if value == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        }
        let mut buffer = itoa::Buffer::new();
        extend_small(out, buffer.format(value).as_bytes());
        Ok(())
    } else {
        write_big_int(py, out, obj)
    }
}

/// Beyond 64 bits: `int.__repr__`, which also enforces `sys.set_int_max_str_digits`
/// (ValueError), exactly as `json` does.
#[cold]
#[inline(never)]
unsafe fn write_big_int(py: Python<'_>, out: &mut Vec<u8>, obj: *mut ffi::PyObject) -> PyResult<()> {
    let repr = match (*addr_of_mut!(ffi::PyLong_Type)).tp_repr {
        Some(repr) => repr(obj),
        None => ffi::PyObject_Repr(obj),
    };
    let repr = Bound::from_owned_ptr_or_err(py, repr)?;
    let text = repr.cast::<pyo3::types::PyString>()?.to_str()?;
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

/// The text `json` writes for a float (`float.__repr__`, or NaN/Infinity/-Infinity);
/// `false` (nothing written) for an out-of-range value when `allow_nan` is off.
#[inline]
pub fn write_float(out: &mut Vec<u8>, value: f64, allow_nan: bool) -> bool {
    if value.is_finite() {
        write_float_repr(out, value);
        return true;
    }
    if !allow_nan {
        return false;
    }
    extend_small(
        out,
        if value.is_nan() {
            b"NaN"
        } else if value > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        },
    );
    true
}
