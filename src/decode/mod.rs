//! `loads`: JSON bytes/str → Python objects (placeholder until the parser lands).

use pyo3::prelude::*;

pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
