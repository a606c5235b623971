//! Pure-Rust output primitives, unit-tested with `cargo test` (no interpreter needed).
