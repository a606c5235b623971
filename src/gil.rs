//! Releasing the GIL around pure-Rust work on large inputs, so that other threads (gunicorn's
//! gthread workers, any threaded app) run while we escape a 100 MB string or base64 a body.

use pyo3::marker::Ungil;
use pyo3::Python;

/// Inputs at least this large are worth a release/re-acquire of the GIL (a few µs).
pub const DETACH_AT_BYTES: usize = 1 << 20;

/// Runs `work` with the GIL released when `len` reaches [`DETACH_AT_BYTES`].
///
/// Callers must own a strong reference to every Python object whose memory `work` reads:
/// other threads can run Python code meanwhile and drop the references we borrowed.
#[inline]
pub fn detach_if_large<T: Ungil>(py: Python<'_>, len: usize, work: impl Ungil + FnOnce() -> T) -> T {
    if len >= DETACH_AT_BYTES {
        py.detach(work)
    } else {
        work()
    }
}
