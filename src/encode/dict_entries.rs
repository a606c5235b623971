//! Walking a dict's entries. `PyDict_Next` costs ~55 instructions per entry (two calls, the
//! table-kind checks, a hash read we do not need); on CPython 3.11–3.13 a combined table's
//! entry array is read in place instead, ~6 per entry. That is most of a small dict's
//! per-item cost that is not ours to write (httpbin's /get headers: 22 entries per call).
//!
//! The layout comes from CPython's `Include/internal/pycore_dict.h`, identical in 3.11, 3.12
//! and 3.13 for GIL builds: `PyDictKeysObject` is a fixed header, then `1 << dk_log2_index_bytes`
//! bytes of hash indices, then `dk_nentries` entries in insertion order; a deleted entry's
//! value is NULL. Split tables (instance `__dict__`s, `ma_values` set) keep values elsewhere
//! and go through `PyDict_Next`, as does every other interpreter.

use pyo3::ffi;

/// Calls `visit(key, value)` for each entry of `dict` in iteration order (borrowed pointers).
///
/// # Safety
/// `dict` must be a live `dict` (or subclass) and the GIL held; `visit` must not run Python
/// code (which could resize or free the table being read).
#[inline(always)]
pub unsafe fn for_each(
    dict: *mut ffi::PyObject,
    mut visit: impl FnMut(*mut ffi::PyObject, *mut ffi::PyObject),
) {
    try_for_each(dict, |key, value| {
        visit(key, value);
        true
    });
}

/// [`for_each`] until `visit` returns `false`; returns whether every entry was visited.
///
/// # Safety
/// As [`for_each`].
#[inline(always)]
pub unsafe fn try_for_each(
    dict: *mut ffi::PyObject,
    mut visit: impl FnMut(*mut ffi::PyObject, *mut ffi::PyObject) -> bool,
) -> bool {
    #[cfg(all(Py_3_11, not(any(Py_3_14, PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED))))]
    if let Some(completed) = in_place::try_for_each(dict, &mut visit) {
        return completed;
    }
    let mut pos: ffi::Py_ssize_t = 0;
    let mut key = std::ptr::null_mut();
    let mut value = std::ptr::null_mut();
    while ffi::PyDict_Next(dict, &mut pos, &mut key, &mut value) != 0 {
        if !visit(key, value) {
            return false;
        }
    }
    true
}

#[cfg(all(Py_3_11, not(any(Py_3_14, PyPy, GraalPy, Py_LIMITED_API, Py_GIL_DISABLED))))]
mod in_place {
    use pyo3::ffi;

    /// `PyDictKeysObject` up to its flexible `dk_indices` array.
    #[repr(C)]
    struct KeysHeader {
        _dk_refcnt: ffi::Py_ssize_t,
        _dk_log2_size: u8,
        dk_log2_index_bytes: u8,
        dk_kind: u8,
        _dk_version: u32,
        _dk_usable: ffi::Py_ssize_t,
        dk_nentries: ffi::Py_ssize_t,
    }

    /// `PyDictKeyEntry` (any hashable keys).
    #[repr(C)]
    struct GeneralEntry {
        _hash: ffi::Py_hash_t,
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
    }

    /// `PyDictUnicodeEntry` (str keys only: the hash lives in the str).
    #[repr(C)]
    struct UnicodeEntry {
        key: *mut ffi::PyObject,
        value: *mut ffi::PyObject,
    }

    /// `DictKeysKind::DICT_KEYS_GENERAL`; the other kinds use `PyDictUnicodeEntry`.
    const DICT_KEYS_GENERAL: u8 = 0;

    const _: () = assert!(std::mem::size_of::<KeysHeader>() == 32);
    const _: () = assert!(std::mem::size_of::<GeneralEntry>() == 24);

    /// `false` (nothing visited) for a split table, which the caller walks with `PyDict_Next`.
    #[inline(always)]
    pub unsafe fn try_for_each(
        dict: *mut ffi::PyObject,
        visit: &mut impl FnMut(*mut ffi::PyObject, *mut ffi::PyObject) -> bool,
    ) -> Option<bool> {
        let dict = dict as *mut ffi::PyDictObject;
        if !(*dict).ma_values.is_null() {
            return None;
        }
        let keys = (*dict).ma_keys as *const KeysHeader;
        let count = (*keys).dk_nentries.max(0) as usize;
        let entries = (keys.add(1) as *const u8).add(1usize << (*keys).dk_log2_index_bytes);
        if (*keys).dk_kind == DICT_KEYS_GENERAL {
            let entries = std::slice::from_raw_parts(entries as *const GeneralEntry, count);
            for entry in entries {
                if !entry.value.is_null() && !visit(entry.key, entry.value) {
                    return Some(false);
                }
            }
        } else {
            let entries = std::slice::from_raw_parts(entries as *const UnicodeEntry, count);
            for entry in entries {
                if !entry.value.is_null() && !visit(entry.key, entry.value) {
                    return Some(false);
                }
            }
        }
        Some(true)
    }
}
