//! Type dispatch for the encoder: exact type pointers first (the hot path), then the
//! subclass checks in the order `json` applies them (str, int, float, list/tuple, dict).

use std::ptr::addr_of_mut;

use pyo3::ffi;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ObType {
    Str,
    Int,
    Float,
    True,
    False,
    None,
    List,
    Tuple,
    Dict,
    /// A dict subclass: serialized through its (possibly overridden) `items()`.
    DictSubclass,
    /// Anything else goes to `default`.
    Other,
}

/// # Safety
/// `obj` must point to a live Python object and the GIL must be held.
#[inline(always)]
pub unsafe fn ob_type(obj: *mut ffi::PyObject) -> ObType {
    let tp = ffi::Py_TYPE(obj);
    if tp == addr_of_mut!(ffi::PyUnicode_Type) {
        ObType::Str
    } else if tp == addr_of_mut!(ffi::PyDict_Type) {
        ObType::Dict
    } else if tp == addr_of_mut!(ffi::PyLong_Type) {
        ObType::Int
    } else if tp == addr_of_mut!(ffi::PyList_Type) {
        ObType::List
    } else if tp == addr_of_mut!(ffi::PyFloat_Type) {
        ObType::Float
    } else if obj == ffi::Py_None() {
        ObType::None
    } else if obj == ffi::Py_True() {
        ObType::True
    } else if obj == ffi::Py_False() {
        ObType::False
    } else if tp == addr_of_mut!(ffi::PyTuple_Type) {
        ObType::Tuple
    } else {
        subclass_type(obj)
    }
}

#[cold]
#[inline(never)]
unsafe fn subclass_type(obj: *mut ffi::PyObject) -> ObType {
    if ffi::PyUnicode_Check(obj) != 0 {
        ObType::Str
    } else if ffi::PyLong_Check(obj) != 0 {
        ObType::Int
    } else if ffi::PyFloat_Check(obj) != 0 {
        ObType::Float
    } else if ffi::PyList_Check(obj) != 0 {
        ObType::List
    } else if ffi::PyTuple_Check(obj) != 0 {
        ObType::Tuple
    } else if ffi::PyDict_Check(obj) != 0 {
        ObType::DictSubclass
    } else {
        ObType::Other
    }
}
