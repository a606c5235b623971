# httpbin-ext — one entry point for set-up, tests and benchmarks.
# `make test` works from a clean clone: venv, release build, cargo test, clippy, ruff, pytest.

PYTHON ?= python3
VENV   := .venv
PY     := $(abspath $(VENV))/bin/python
BIN    := $(abspath $(VENV))/bin
# cargo test links libpython: point pyo3 at the venv interpreter and the loader at its libdir.
PYLIBDIR = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')
CARGO_ENV = PYO3_PYTHON=$(PY) LD_LIBRARY_PATH=$(PYLIBDIR):$$LD_LIBRARY_PATH

.PHONY: test venv build cargo-test clippy lint pytest bench bench-all bench-json bench-wsgi \
	bench-e2e bench-e2e-quick test-memory test-debug-malloc valgrind soak fuzz clean

test: build cargo-test clippy lint pytest

$(VENV)/.installed: requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Release build of the extension, installed into the venv (editable for the Python part).
build: venv
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(BIN):$$PATH $(BIN)/maturin develop --release --quiet

cargo-test: venv
	$(CARGO_ENV) cargo test --quiet

clippy: venv
	$(CARGO_ENV) cargo clippy --all-targets --quiet -- -D warnings

lint: venv
	$(BIN)/ruff check httpbin_ext tests benchmarks
	$(BIN)/ruff format --check httpbin_ext tests benchmarks
	cargo fmt --check

pytest: build
	$(PY) -m pytest -q tests

# Reliability (RELIABILITY.md). Every API a million times, resident memory flat (a few minutes).
test-memory: build
	$(PY) -m pytest -q -m memory tests/test_memory.py

# The whole suite under CPython's debug allocator: buffer overruns, use after free, API misuse.
test-debug-malloc: build
	PYTHONMALLOC=debug $(PY) -m pytest -q -x -p no:cacheprovider tests

# Every native entry point under valgrind memcheck (~5 min): no invalid reads or writes.
valgrind: build
	$(PY) tests/valgrind_check.py

# Coverage-guided fuzzing: cargo-fuzz over the pure-Rust core (nightly toolchain, `cargo install
# cargo-fuzz`), then atheris over dumps/loads/the request reader. Per target: FUZZ_RUNS
# executions or FUZZ_TIME seconds, whichever comes first.
FUZZ_RUNS ?= 1000000
FUZZ_TIME ?= 600
fuzz: build
	$(PY) -m pip install -q atheris==2.3.0
	PYTHON=$(PY) fuzz/run.sh -runs=$(FUZZ_RUNS) -max_total_time=$(FUZZ_TIME)
	fuzz/atheris/run.sh -n $(FUZZ_RUNS) -t $(FUZZ_TIME)

# wrk soak against gunicorn gthread workers, accelerated vs stock (~5 min): errors, restarts, RSS.
soak: build
	$(PY) -m benchmarks.soak

# JSON micro-benchmarks (dumps / loads / provider.response vs json, orjson, msgspec, flask-orjson).
bench-json: build
	$(PY) -m benchmarks.bench_json

# In-process WSGI benchmark: stock httpbin vs accelerated views vs a constant-bytes view, per request.
bench-wsgi: build
	$(PY) -m benchmarks.bench_wsgi

# gunicorn + wrk load test of stock vs accelerated httpbin (~5 min; needs wrk: apt-get install wrk).
bench-e2e: build
	$(PY) -m benchmarks.e2e

# Under a minute; fails on wrong answers or errors (never on speed). CI runs it as a smoke test.
bench-e2e-quick: build
	$(PY) -m benchmarks.e2e --quick --check

# The main job: the load comparison, table printed at the end, results in benchmarks/results/.
bench: bench-e2e

bench-all: bench-json bench-wsgi bench-e2e

clean:
	rm -rf $(VENV) target httpbin_ext/*.so
