//! The `bytes` object `dumps` returns, and the storage a large output is written into.
//!
//! A small output is written into the reused buffer and copied into an exact-size `bytes`
//! (one allocation, no resizing). Past [`SPILL_AT`] bytes the output moves into a `bytes`
//! object's own storage and is finished there with one shrinking resize: canada.json's 2 MB
//! would otherwise be written once, then read back and written again by the final copy,
//! with both copies out of the L2 cache (~6% of its `dumps`).

use std::ffi::{c_int, c_void};
use std::ptr::NonNull;
use std::sync::atomic::AtomicUsize;

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::writer::buffer::{External, Spill};
use crate::writer::OutBuf;

/// Outputs stay in the reused buffer until this many bytes are written and more room is
/// needed: below that, copying them into the `bytes` object is cheap (both fit in cache).
pub const SPILL_AT: usize = 64 << 10;

extern "C" {
    /// CPython's in-place resize of a `bytes` object with one reference (a `realloc`); on
    /// failure it frees the object, sets `*bytes` to NULL and raises `MemoryError`.
    fn _PyBytes_Resize(bytes: *mut *mut ffi::PyObject, newsize: ffi::Py_ssize_t) -> c_int;
}

/// The spill target of `dumps`' buffer: a `bytes` object being filled.
pub static BYTES_SPILL: Spill = Spill {
    at: SPILL_AT,
    resize: resize_bytes,
    release: release_bytes,
    last_len: AtomicUsize::new(0),
};

/// Creates (null `handle`) or resizes the `bytes` object being filled. Takes the GIL: a large
/// string is escaped with the GIL released, and its output may grow meanwhile.
unsafe fn resize_bytes(handle: *mut c_void, capacity: usize) -> Option<External> {
    Python::attach(|_py| {
        let size = ffi::Py_ssize_t::try_from(capacity).ok()?;
        let mut bytes = handle.cast::<ffi::PyObject>();
        // SAFETY: GIL held; `bytes` is null or a `bytes` object only this buffer references.
        unsafe {
            if bytes.is_null() {
                bytes = ffi::PyBytes_FromStringAndSize(std::ptr::null(), size);
            } else if _PyBytes_Resize(&mut bytes, size) != 0 {
                bytes = std::ptr::null_mut();
            }
            if bytes.is_null() {
                ffi::PyErr_Clear();
                return None;
            }
            let data = ffi::PyBytes_AS_STRING(bytes).cast::<u8>().cast_mut();
            Some((NonNull::new(bytes.cast())?, NonNull::new(data)?))
        }
    })
}

unsafe fn release_bytes(handle: NonNull<c_void>) {
    // SAFETY: the GIL is taken; the handle is an owned reference to a `bytes` object.
    Python::attach(|_py| unsafe { ffi::Py_DECREF(handle.as_ptr().cast()) });
}

/// The output as a `bytes` object. A spilled output's storage is handed over (`out` is left
/// empty); otherwise it is copied, and clearing `out` is the caller's.
pub fn into_bytes<'py>(py: Python<'py>, out: &mut OutBuf) -> PyResult<Bound<'py, PyBytes>> {
    // SAFETY: GIL held. A spilled output's handle is a `bytes` object with one reference
    // (ours, handed over) whose first `len` bytes are the output; shrinking it keeps them.
    unsafe {
        let bytes = match out.take_external() {
            Some((handle, len)) => {
                let mut bytes = handle.as_ptr().cast::<ffi::PyObject>();
                if _PyBytes_Resize(&mut bytes, len as ffi::Py_ssize_t) != 0 {
                    return Err(PyErr::fetch(py));
                }
                bytes
            }
            None => ffi::PyBytes_FromStringAndSize(out.as_ptr().cast(), out.len() as ffi::Py_ssize_t),
        };
        // A `bytes` object or NULL with an exception set.
        Ok(Bound::from_owned_ptr_or_err(py, bytes)?.cast_into_unchecked::<PyBytes>())
    }
}
