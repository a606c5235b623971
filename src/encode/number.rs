//! `int` and `float` (and their subclasses: IntEnum, IntFlag, float subclasses), written as
//! `int.__repr__` / `float.__repr__` would — never the subclass's own `__repr__`.

use std::ptr::addr_of_mut;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

use crate::writer::float_repr::write_float_repr;
use crate::writer::int::write_i64;
use crate::writer::{extend_small, OutBuf};

/// # Safety
/// `obj` must be a live `int` (or subclass) instance and the GIL held.
#[inline]
pub unsafe fn write_int(py: Python<'_>, out: &mut OutBuf, obj: *mut ffi::PyObject) -> PyResult<()> {
    if let Some(value) = small_int(obj) {
        write_i64(out, value);
        return Ok(());
    }
    write_int_general(py, out, obj)
}

/// 30-bit digits, as this interpreter was built with (checked once at import).
static THIRTY_BIT_DIGITS: AtomicBool = AtomicBool::new(false);

/// Called at module init: enables [`small_int`] when `sys.int_info` matches its layout.
pub fn detect_int_layout(py: Python<'_>) -> PyResult<()> {
    let info = py.import("sys")?.getattr("int_info")?;
    let bits: u32 = info.getattr("bits_per_digit")?.extract()?;
    let size: u32 = info.getattr("sizeof_digit")?.extract()?;
    THIRTY_BIT_DIGITS.store(bits == 30 && size == 4, Ordering::Relaxed);
    Ok(())
}

/// The value of an exact `int` of at most two 30-bit digits, read straight from CPython
/// 3.11's `PyLongObject` (`ob_size` = signed digit count, then the digits), where
/// `PyLong_AsLongLongAndOverflow` would cost a call and a loop.
#[cfg(not(any(Py_3_12, PyPy, GraalPy, Py_LIMITED_API)))]
#[inline(always)]
pub unsafe fn small_int(obj: *mut ffi::PyObject) -> Option<i64> {
    if ffi::Py_TYPE(obj) != addr_of_mut!(ffi::PyLong_Type) || !THIRTY_BIT_DIGITS.load(Ordering::Relaxed) {
        return None;
    }
    let size = (*(obj as *mut ffi::PyVarObject)).ob_size;
    let digits = (obj as *const u8).add(std::mem::size_of::<ffi::PyVarObject>()) as *const u32;
    let magnitude = match size.unsigned_abs() {
        0 => 0,
        1 => *digits as i64,
        2 => *digits as i64 | (*digits.add(1) as i64) << 30,
        _ => return None,
    };
    Some(if size < 0 { -magnitude } else { magnitude })
}

#[cfg(any(Py_3_12, PyPy, GraalPy, Py_LIMITED_API))]
#[inline(always)]
pub unsafe fn small_int(_obj: *mut ffi::PyObject) -> Option<i64> {
    None
}

/// Any `int` (subclasses included) through the C API.
unsafe fn write_int_general(py: Python<'_>, out: &mut OutBuf, obj: *mut ffi::PyObject) -> PyResult<()> {
    let mut overflow: std::os::raw::c_int = 0;
    let value = ffi::PyLong_AsLongLongAndOverflow(obj, &mut overflow);
    if overflow == 0 {
        if value == -1 && !ffi::PyErr_Occurred().is_null() {
            return Err(PyErr::fetch(py));
        }
        write_i64(out, value);
        Ok(())
    } else {
        write_big_int(py, out, obj)
    }
}

/// Beyond 64 bits: `int.__repr__`, which also enforces `sys.set_int_max_str_digits`
/// (ValueError), exactly as `json` does.
#[cold]
#[inline(never)]
unsafe fn write_big_int(py: Python<'_>, out: &mut OutBuf, obj: *mut ffi::PyObject) -> PyResult<()> {
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
pub fn write_float(out: &mut OutBuf, value: f64, allow_nan: bool) -> bool {
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
