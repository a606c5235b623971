//! Rust `log` records → Python `logging`, under the `httpbin_ext._native.*` logger names.
//!
//! Records are filtered on the Rust side (`LevelFilter::Info` by default), so a disabled
//! `debug!` costs an atomic load. pyo3-log caches Python logger levels; after the application
//! reconfigures `logging`, `httpbin_ext.reset_log_cache()` makes the new levels visible.

use std::sync::OnceLock;

use log::LevelFilter;
use pyo3::prelude::*;
use pyo3_log::{Caching, Logger, ResetHandle};

static RESET_HANDLE: OnceLock<ResetHandle> = OnceLock::new();

/// Installs the bridge once per process. Module init re-runs on re-import (e.g. after
/// `del sys.modules[...]`) and in subinterpreters; the global logger can only be set once,
/// so later calls keep the first installation.
fn install(py: Python<'_>) -> PyResult<()> {
    if RESET_HANDLE.get().is_some() {
        return Ok(());
    }
    let logger = Logger::new(py, Caching::LoggersAndLevels)?
        .set_prefix("httpbin_ext")
        .filter(LevelFilter::Info);
    let handle = logger.reset_handle();
    match logger.install() {
        Ok(_) => {
            let _ = RESET_HANDLE.set(handle);
        }
        // Another extension in this process already owns the global `log` logger.
        Err(_) => log::debug!("a Rust logger was already installed; keeping it"),
    }
    Ok(())
}

/// Forget pyo3-log's cached Python loggers and levels; call after configuring `logging`.
#[pyfunction]
fn reset_log_cache() {
    if let Some(handle) = RESET_HANDLE.get() {
        handle.reset();
    }
}

/// Emit one record at `level` (a Python logging level number); for testing the bridge.
#[pyfunction]
fn _log_for_test(level: u32, message: &str) {
    match level {
        0..=10 => log::debug!(target: "_native::logging", "{message}"),
        11..=20 => log::info!(target: "_native::logging", "{message}"),
        21..=30 => log::warn!(target: "_native::logging", "{message}"),
        _ => log::error!(target: "_native::logging", "{message}"),
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    install(m.py())?;
    m.add_function(wrap_pyfunction!(reset_log_cache, m)?)?;
    m.add_function(wrap_pyfunction!(_log_for_test, m)?)?;
    Ok(())
}
