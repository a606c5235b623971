//! Pure-Rust output primitives, unit-tested with `cargo test` (no interpreter needed).
//!
//! - [`escape`]: JSON string escaping exactly as Python's `json` module escapes
//!   (`ensure_ascii=True` from Latin-1/UCS-2/UCS-4 code units; `ensure_ascii=False` from UTF-8).
//! - [`float_repr`]: Python's `float.__repr__` layout over the shortest round-trip digits.

pub mod escape;
pub mod float_repr;
