"""Benchmarks for httpbin-ext (run from the repo root, e.g. ``python -m benchmarks.bench_json``)."""
