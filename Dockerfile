# httpbin-ext: wheel builder, gunicorn runtime and wrk load generator (see docker/README.md).
#
#   docker build --network host --target runtime -t httpbin-ext .     # the app alone
#   docker-compose up --build --abort-on-container-exit               # app + benchmark
#
# Base images are build args, defaulting to the official images. Where no registry is reachable,
# scripts/offline-base-images.sh builds local stand-ins under these same names.
# Written for the classic builder as well as BuildKit (no RUN --mount, no `# syntax` line: both
# would need a registry or BuildKit), so Debian's docker.io + docker-compose 1.29 build it as is.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG RUST_IMAGE=rust:1-slim-bookworm

# ---------------------------------------------------------------------------------------------
# builder: the cp311 wheel, built with maturin against Debian bookworm's CPython 3.11 (the
# extension uses pyo3 without abi3, so the interpreter version must match the runtime's).
FROM ${RUST_IMAGE} AS builder

# Empty by default: portable wheels. `--build-arg RUSTFLAGS="-C target-cpu=native"` is fine for a
# wheel built and benchmarked on the same host, never for a wheel that is shipped elsewhere.
ARG RUSTFLAGS=""
# The maturin requirement of requirements-dev.txt.
ARG MATURIN_SPEC="maturin>=1.7,<2"

RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/maturin \
    && /opt/maturin/bin/pip install --no-cache-dir --disable-pip-version-check "${MATURIN_SPEC}" \
    && python3 --version && /opt/maturin/bin/maturin --version && cargo --version

WORKDIR /src
# Only what the wheel is made of (the .dockerignore keeps target/, .venv/ and built .so out).
COPY Cargo.toml Cargo.lock build.rs pyproject.toml README.md ./
COPY src ./src
COPY httpbin_ext ./httpbin_ext
# One layer for fetch + build + clean-up: the target directory (~1 GB) never lands in a layer.
RUN export RUSTFLAGS="${RUSTFLAGS}" \
    && /opt/maturin/bin/maturin build --release --locked -i python3 -o /wheels \
    && rm -rf target "${CARGO_HOME:-$HOME/.cargo}/registry" "${CARGO_HOME:-$HOME/.cargo}/git" \
    && ls -l /wheels

# ---------------------------------------------------------------------------------------------
# runtime: the wheel + gunicorn on the slim Python image, serving httpbin_ext.wsgi:app (stock
# httpbin views at their URLs, the accelerated ones under $HTTPBIN_EXT_PREFIX, default /fast).
FROM ${PYTHON_IMAGE} AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    HTTPBIN_EXT_PREFIX=/fast

COPY --from=builder /wheels/ /tmp/wheels/
COPY docker/requirements-app.txt /tmp/wheels/
RUN pip install /tmp/wheels/*.whl -r /tmp/wheels/requirements-app.txt \
    && rm -rf /tmp/wheels \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app \
    && python -c "import httpbin_ext, httpbin_ext.wsgi; print('httpbin_ext', httpbin_ext.__file__)"

USER app
EXPOSE 8000
# No curl/wget in the slim image: Python's urllib is the probe. Compose repeats this (same
# command) so it can wait for `service_healthy`.
HEALTHCHECK --interval=5s --timeout=5s --start-period=30s --retries=6 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/get', timeout=4)"]
# The native benchmark runner's settings (benchmarks/e2e.py): sync workers, 2 of them, preloaded;
# no control socket (gunicorn >= 25 would bind it in the home directory, which app has none of).
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--worker-class", "sync", "--workers", "2", \
     "--preload", "--backlog", "2048", "--keep-alive", "5", "--timeout", "60", \
     "--graceful-timeout", "3", "--log-level", "warning", "--worker-tmp-dir", "/dev/shm", \
     "--no-control-socket", "httpbin_ext.wsgi:app"]

# ---------------------------------------------------------------------------------------------
# loadgen: runtime's layers + Debian's wrk + matplotlib, with the benchmark code in /bench.
# Runs benchmarks.e2e in --target mode against the app service (docker/loadgen.sh).
FROM runtime AS loadgen

USER root
COPY docker/requirements-loadgen.txt docker/loadgen.sh /tmp/loadgen/
RUN apt-get update \
    && apt-get install -y --no-install-recommends wrk \
    && rm -rf /var/lib/apt/lists/* \
    && pip install -r /tmp/loadgen/requirements-loadgen.txt \
    && install -m 0755 /tmp/loadgen/loadgen.sh /usr/local/bin/loadgen \
    && rm -rf /tmp/loadgen \
    && command -v wrk
COPY benchmarks /bench/benchmarks
COPY wrk /bench/wrk
WORKDIR /bench
# Matplotlib needs a writable config dir when run under an arbitrary --user.
ENV MPLCONFIGDIR=/tmp/matplotlib PYTHONPATH=/bench
HEALTHCHECK NONE
CMD ["loadgen"]
