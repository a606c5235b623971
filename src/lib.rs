//! httpbin-ext native core: `httpbin_ext._native`.
//!
//! This file only registers the submodules; each concern lives in its own module:
//! - `writer`: pure-Rust output primitives (string escaping, Python float repr), no interpreter.
//! - `encode`: `dumps` — walks Python objects and writes JSON straight into a byte buffer.
//! - `decode`: `loads` — parses JSON bytes straight into Python objects.
//! - `logging`: the pyo3-log bridge into Python's `logging`.
//! - `fastcall`: keyword-argument parsing for `dumps`, whose every call passes keywords.
//! - `gil`: releasing the GIL around pure-Rust work on large inputs.
//! - `request`: httpbin's `get_dict` read from a Werkzeug request, rendered to JSON bytes.
//! - `pure`: re-exports of the pure-Rust parts (no interpreter needed) for cargo-fuzz.

pub mod writer;

mod decode;
mod encode;
mod fastcall;
mod gil;
mod logging;
mod request;

/// The interpreter-free core in one place, for the fuzz targets in `fuzz/` (cargo-fuzz).
pub mod pure {
    pub use crate::decode::{input, number, unescape};
    pub use crate::request::{base64, headers, query, url};
    pub use crate::writer::{escape, float_repr, int};
}

use pyo3::prelude::*;

#[pymodule(gil_used = true)]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    logging::register(m)?;
    encode::register(m)?;
    decode::register(m)?;
    request::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
