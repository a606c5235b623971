//! The sorted key order of dict shapes seen before (`sort_keys`).
//!
//! Records in a document share their keys: `json.loads` hands every record the same key
//! objects, and dicts built from literals use interned strings. twitter.json sorts the same
//! 40-key user dict a hundred times, a fifth of `dumps`' work. A dict whose key objects, in
//! its own order, match a cached shape pointer for pointer takes the cached order instead.
//!
//! Pointer equality means equal keys only while the objects are alive, so a cached shape
//! holds strong references to its keys. A shape is cached on its second sighting: dicts whose
//! keys are new objects every time (parsed headers, say) cost one hash and never a reference.

use std::sync::Mutex;

use pyo3::ffi;

/// Shapes kept (direct-mapped).
const SLOTS: usize = 64;
/// Smaller dicts sort in a few comparisons; larger ones are not cached (orders fit a `u8`).
pub const MIN_KEYS: usize = 20;
pub const MAX_KEYS: usize = 64;

#[derive(Default)]
struct Slot {
    /// Hash of a shape seen once in this slot and not cached yet.
    seen: u64,
    /// Hash of the cached shape.
    hash: u64,
    /// Strong references to the cached shape's keys, in the dict's order (empty: none).
    keys: Vec<*mut ffi::PyObject>,
    /// `order[k]`: index in `keys` of the k-th key in sorted order.
    order: Vec<u8>,
}

pub struct SortCache {
    slots: Vec<Slot>,
}

// SAFETY: the key pointers are only touched (compared, INCREF'd, DECREF'd) with the GIL
// held: the cache is only reached through `with_sort_cache`, which the encoder calls with
// the GIL, and the module is not free-threaded (`gil_used = true`).
unsafe impl Send for SortCache {}

static SORT_CACHE: Mutex<Option<SortCache>> = Mutex::new(None);

/// Runs `f` with the cache if it is free (not re-entered from another thread while the GIL
/// was released), else does nothing.
pub fn with_sort_cache<T>(f: impl FnOnce(&mut SortCache) -> T) -> Option<T> {
    let mut guard = SORT_CACHE.try_lock().ok()?;
    let cache = guard.get_or_insert_with(|| SortCache {
        slots: (0..SLOTS).map(|_| Slot::default()).collect(),
    });
    Some(f(cache))
}

/// Hash of a key sequence by object identity.
pub fn shape_hash(keys: impl Iterator<Item = *mut ffi::PyObject>) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let h = keys.fold(0u64, |h, key| {
        (h.rotate_left(5) ^ (key as u64 >> 4)).wrapping_mul(K)
    });
    h ^ (h >> 29)
}

/// What the cache says about a shape.
pub enum Lookup<'a> {
    /// Cached: the sorted order.
    Order(&'a [u8]),
    /// Second sighting: sort, then [`SortCache::record`].
    Record,
    /// First sighting (now remembered): just sort.
    Sort,
}

impl SortCache {
    fn slot(&mut self, hash: u64) -> Option<&mut Slot> {
        let len = self.slots.len();
        self.slots.get_mut((hash as usize) % len.max(1))
    }

    /// Looks up the shape `keys` (in the dict's order) with hash `hash`. The caller only asks
    /// for [`MIN_KEYS`] to [`MAX_KEYS`] keys (a longer shape could not be recorded anyway).
    pub fn lookup(
        &mut self,
        hash: u64,
        keys: impl ExactSizeIterator<Item = *mut ffi::PyObject>,
    ) -> Lookup<'_> {
        let Some(slot) = self.slot(hash) else {
            return Lookup::Sort;
        };
        if slot.hash == hash && slot.keys.len() == keys.len() && slot.keys.iter().copied().eq(keys) {
            return Lookup::Order(&slot.order);
        }
        if slot.seen == hash {
            return Lookup::Record;
        }
        slot.seen = hash;
        Lookup::Sort
    }

    /// Caches the shape `keys` (the dict's order, hash `hash`) with its keys in sorted order
    /// `sorted` (the same objects). Replaces the slot's previous shape.
    ///
    /// # Safety
    /// The GIL must be held and every key alive.
    pub unsafe fn record(
        &mut self,
        hash: u64,
        keys: &[*mut ffi::PyObject],
        sorted: impl Iterator<Item = *mut ffi::PyObject>,
    ) {
        let Some(slot) = self.slot(hash) else { return };
        let old = std::mem::take(&mut slot.keys);
        slot.order.clear();
        for key in sorted {
            match keys
                .iter()
                .position(|&k| k == key)
                .and_then(|i| u8::try_from(i).ok())
            {
                Some(index) => slot.order.push(index),
                None => {
                    // Not a permutation of `keys`: cache nothing.
                    slot.order.clear();
                    break;
                }
            }
        }
        if slot.order.len() == keys.len() {
            for &key in keys {
                unsafe { ffi::Py_INCREF(key) };
            }
            slot.keys.extend_from_slice(keys);
            slot.hash = hash;
        } else {
            slot.order.clear();
            slot.hash = 0;
        }
        slot.seen = 0;
        // Last: a DECREF can free a key, and a key is a `str` (no finaliser runs Python).
        for key in old {
            unsafe { ffi::Py_DECREF(key) };
        }
    }
}
