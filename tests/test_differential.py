"""Differential test: httpbin's own views against ``HttpbinExt(mode="replace")``, byte for byte.

Every request of :mod:`request_corpus` goes to two apps made by ``fresh_httpbin_app()``: one
untouched ("stock"), one with the accelerated views ("fast"). For each request, we compare:

* the status line, the header list (names, values, order; only ``Date`` is left out) and
  the body bytes (streamed bodies are consumed fully, ``close()`` is called);
* exceptions: both apps run with ``testing``/``debug`` off, so an error in a view becomes
  Flask's 500 page; the exceptions Flask reports through ``got_request_exception`` are
  compared by type, and so are exceptions escaping the WSGI call (type and message);
* what the app logs on its logger (level and message, not the traceback);
* the environ after the request: every key the stock app leaves (with its scalar value) must
  be there with the same value after the fast app (extra private keys are allowed).

Determinism. Both apps draw from the same patched sources, reset before each request:

* ``uuid.uuid4`` (``/uuid``, ``/cache``'s ETag) - both implementations call ``uuid.uuid4()``
  through the ``uuid`` module attribute, so patching that attribute covers both;
* ``time.time`` - the only clock in play: ``werkzeug.http.http_date()`` without a timestamp
  calls ``email.utils.formatdate()``, which reads ``time.time()`` (``/cache``'s
  Last-Modified); ``gzip.GzipFile`` writes ``int(time.time())`` as the MTIME when not given
  one (``/gzip``); the digest challenge hashes ``str(time.time())`` into its nonce;
* ``os.urandom`` - the digest challenge's nonce and opaque.

Nothing is compared structurally: everything time- or random-dependent comes from these
patched functions, so the accelerated code must use them too (reading the OS clock or RNG
natively would differ from httpbin in production as well: at second boundaries for the
clock, always for the nonce source). ``Date`` is left out because Flask never sets it (the
server does) - it is only excluded in case a test server adds one.

Hash seed. Some response bytes depend on ``PYTHONHASHSEED``: werkzeug builds the ``Allow``
header of 405 responses and automatic ``OPTIONS`` answers from a ``set`` of methods, whose
iteration order depends on string hashing. Within one process both apps build identical
URL maps, so both produce the same order and the in-process comparison is sound for any
seed. But the native code could itself depend on hash order (a ``set``/``frozenset`` it
iterates) and agree with httpbin only for some seeds; so ``test_differential_hashseed`` runs
the whole comparison again in subprocesses with ``PYTHONHASHSEED=0`` and ``=1`` (fixed,
reproducible seeds, different from whatever seed this process got) and fails if the set of
mismatching requests is not the same as in this process; such a failure is reproducible with
``PYTHONHASHSEED=0 python tests/test_differential.py GROUP``. (Each subprocess takes ~4 s.)

Run ``python tests/test_differential.py [group ...]`` to run the comparison outside pytest.
"""

from __future__ import annotations

import io
import json
import logging
import os
import random
import subprocess
import sys
import time
import typing as t
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask, got_request_exception
from request_corpus import Case, corpus_by_group

FROZEN_TIME = 1_700_000_000.123456
SEED = 20240601
HERE = Path(__file__).resolve().parent

CORPUS: dict[str, list[Case]] = corpus_by_group()


# --------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------


class Determinism:
    """Seeded ``uuid.uuid4``/``os.urandom`` and a frozen ``time.time``; :meth:`reset` rewinds."""

    def __init__(self) -> None:
        self._rng = random.Random(SEED)

    def reset(self, seed: int = SEED) -> None:
        self._rng = random.Random(seed)
        random.seed(seed)  # httpbin's other views use the random module; cheap to pin too

    def uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def urandom(self, n: int) -> bytes:
        return self._rng.randbytes(n)

    @staticmethod
    def time() -> float:
        return FROZEN_TIME

    @contextmanager
    def patched(self) -> Iterator[Determinism]:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(uuid, "uuid4", self.uuid4)
            mp.setattr(os, "urandom", self.urandom)
            mp.setattr(time, "time", self.time)
            yield self


# --------------------------------------------------------------------------------------------
# Apps
# --------------------------------------------------------------------------------------------


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Harness:
    """An app with its exception and log capture."""

    name: str
    app: Flask
    exceptions: list[BaseException] = field(default_factory=list)
    log: _ListHandler = field(default_factory=_ListHandler)

    def __post_init__(self) -> None:
        self.app.testing = False
        self.app.debug = False
        self.app.config["PROPAGATE_EXCEPTIONS"] = None
        got_request_exception.connect(self._on_exception, self.app, weak=False)
        # Our handler sees every record; they don't go on to pytest's log capture (the
        # tracebacks of thousands of expected 500s would bury a failure report).
        self.app.logger.addHandler(self.log)
        self.app.logger.propagate = False

    def _on_exception(self, sender: t.Any, exception: BaseException, **_: t.Any) -> None:
        self.exceptions.append(exception)


def make_harnesses() -> tuple[Harness, Harness]:
    from httpbin_ext.extension import HttpbinExt, fresh_httpbin_app

    stock = fresh_httpbin_app()
    fast = fresh_httpbin_app()
    HttpbinExt(fast, mode="replace")
    return Harness("stock", stock), Harness("fast", fast)


# --------------------------------------------------------------------------------------------
# Running one request
# --------------------------------------------------------------------------------------------

_SCALARS = (str, bytes, int, float, bool, tuple, type(None))


def _exc_key(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _exc_message(exc: BaseException) -> str | None:
    # RecursionError's message names the point where the limit was hit.
    return None if isinstance(exc, RecursionError) else str(exc)


@dataclass
class Result:
    status: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    raised: tuple[str, str | None] | None = None
    exceptions: list[str] = field(default_factory=list)
    exception_messages: list[str] = field(default_factory=list)  # shown, not compared
    logs: list[tuple[str, str]] = field(default_factory=list)
    environ: dict[str, t.Any] = field(default_factory=dict)


def run_request(h: Harness, case: Case, det: Determinism) -> Result:
    environ = case.make_environ()
    environ["wsgi.errors"] = io.StringIO()
    h.exceptions.clear()
    h.log.records.clear()
    result = Result()

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        result.status = status
        result.headers = [(k, v) for k, v in headers if k.lower() != "date"]
        return lambda data: chunks.append(data)

    chunks: list[bytes] = []
    det.reset()
    try:
        app_iter = h.app(environ, start_response)
        try:
            for chunk in app_iter:
                chunks.append(chunk)
        finally:
            close = getattr(app_iter, "close", None)
            if close is not None:
                close()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - compared (a Rust panic is a BaseException)
        result.raised = (_exc_key(exc), _exc_message(exc))
    result.body = b"".join(chunks)
    result.exceptions = [_exc_key(e) for e in h.exceptions]
    result.exception_messages = [repr(e)[:300] for e in h.exceptions]
    result.logs = [(r.levelname, r.getMessage()) for r in h.log.records]
    result.environ = {k: v for k, v in environ.items() if isinstance(v, _SCALARS)}
    return result


# --------------------------------------------------------------------------------------------
# Comparing and reporting
# --------------------------------------------------------------------------------------------


def differences(a: Result, b: Result) -> list[str]:
    """What differs between the stock result ``a`` and the fast result ``b``."""
    out = []
    if a.status != b.status:
        out.append("status")
    if a.headers != b.headers:
        out.append("headers")
    if a.body != b.body:
        out.append("body")
    if a.raised != b.raised:
        out.append("raised")
    if a.exceptions != b.exceptions:
        out.append("exceptions")
    if a.logs != b.logs:
        out.append("logs")
    env = [k for k, v in a.environ.items() if k not in b.environ or b.environ[k] != v]
    if env:
        out.append(f"environ{env}")
    return out


def _first_diff(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def _show_body(body: bytes, at: int, width: int = 300) -> str:
    start = max(0, at - width // 2)
    snippet = body[start : start + width]
    prefix = "..." if start else ""
    suffix = "..." if start + width < len(body) else ""
    return f"{len(body)} bytes: {prefix}{snippet!r}{suffix}"


def format_result(label: str, r: Result, at: int) -> str:
    lines = [f"  {label}: {r.status}"]
    lines += [f"    {k}: {v!r}" for k, v in r.headers]
    lines.append(f"    body ({_show_body(r.body, at)})")
    if r.raised:
        lines.append(f"    raised: {r.raised}")
    if r.exception_messages:
        lines.append(f"    got_request_exception: {r.exception_messages}")
    if r.logs:
        lines.append(f"    logs: {[(lvl, msg[:200]) for lvl, msg in r.logs]}")
    return "\n".join(lines)


def format_header_diff(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> str:
    import difflib

    diff = difflib.unified_diff(
        [f"{k}: {v!r}" for k, v in a], [f"{k}: {v!r}" for k, v in b], "stock", "fast", lineterm=""
    )
    return "\n".join(f"    {line}" for line in diff)


def report(group: str, mismatches: list[tuple[Case, Result, Result, list[str]]], total: int) -> str:
    lines = [f"{len(mismatches)} of {total} requests in group {group!r} differ:"]
    for case, _, _, what in mismatches[:300]:
        lines.append(f"  - {case.id}  [{', '.join(what)}]")
    if len(mismatches) > 300:
        lines.append(f"  ... and {len(mismatches) - 300} more")
    case, a, b, what = mismatches[0]
    at = _first_diff(a.body, b.body)
    lines.append("")
    lines.append(f"First mismatch: {case.id}")
    lines.append(f"  request: {case.describe()}")
    if "body" in what:
        lines.append(f"  bodies differ at byte {at}")
    if "headers" in what:
        lines.append("  header diff:")
        lines.append(format_header_diff(a.headers, b.headers))
    lines.append(format_result("stock", a, at))
    lines.append(format_result("fast ", b, at))
    env = [w for w in what if w.startswith("environ")]
    if env:
        keys = env[0][len("environ") :]
        lines.append(f"  environ after the request differs for {keys}")
    return "\n".join(lines)


def compare_group(
    stock: Harness, fast: Harness, det: Determinism, group: str
) -> tuple[list[tuple[Case, Result, Result, list[str]]], int]:
    cases = CORPUS[group]
    mismatches = []
    for case in cases:
        a = run_request(stock, case, det)
        b = run_request(fast, case, det)
        what = differences(a, b)
        if what:
            mismatches.append((case, a, b, what))
    return mismatches, len(cases)


# --------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def harnesses() -> tuple[Harness, Harness]:
    return make_harnesses()


# Mismatching case ids per group, as found in this process (for test_differential_hashseed).
_IN_PROCESS: dict[str, list[str]] = {}


def _mismatch_ids(stock: Harness, fast: Harness, group: str) -> list[str]:
    det = Determinism()
    with det.patched():
        mismatches, _ = compare_group(stock, fast, det, group)
    return [case.id for case, *_ in mismatches]


@pytest.mark.parametrize("group", list(CORPUS))
def test_differential(group: str, harnesses: tuple[Harness, Harness]) -> None:
    stock, fast = harnesses
    det = Determinism()
    with det.patched():
        mismatches, total = compare_group(stock, fast, det, group)
    _IN_PROCESS[group] = [case.id for case, *_ in mismatches]
    if mismatches:
        pytest.fail(report(group, mismatches, total), pytrace=False)


def test_corpus_is_deterministic() -> None:
    """The corpus is the same on every build (it is rebuilt in the subprocesses)."""
    again = corpus_by_group()
    assert list(again) == list(CORPUS)
    for group, cases in CORPUS.items():
        assert [c.id for c in again[group]] == [c.id for c in cases]
        assert again[group] == cases


def test_harness_detects_differences(harnesses: tuple[Harness, Harness]) -> None:
    """The comparison is not vacuous: identical apps agree, and a changed byte is caught."""
    stock, fast = harnesses
    det = Determinism()
    case = CORPUS["methods"][0]
    with det.patched():
        a = run_request(stock, case, det)
        b = run_request(fast, case, det)
        assert a.status == "200 OK" and a.body.startswith(b"{")
        assert differences(a, b) == []
        # /uuid and /cache draw from the patched sources: same value on both apps.
        uuid_case = next(c for c in CORPUS["methods"] if c.path == "/uuid")
        assert run_request(stock, uuid_case, det).body == run_request(stock, uuid_case, det).body
    b.body = a.body[:-2] + b"X\n"
    assert differences(a, b) == ["body"]


@pytest.mark.parametrize("hashseed", ["0", "1"])
def test_differential_hashseed(hashseed: str, harnesses: tuple[Harness, Harness]) -> None:
    """The comparison again with a fixed PYTHONHASHSEED (see the module docstring).

    Fails when the set of mismatching requests differs from this process's: mismatches that
    depend on the hash seed. (Mismatches found for every seed are test_differential's.)
    """
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--ids"],
        env=env,
        cwd=str(HERE.parent),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        pytest.fail(
            f"PYTHONHASHSEED={hashseed}: the comparison did not run (exit status "
            f"{proc.returncode}):\n{proc.stdout[-5000:]}\n{proc.stderr[-5000:]}",
            pytrace=False,
        )
    there: dict[str, list[str]] = json.loads(proc.stdout.strip().splitlines()[-1])
    stock, fast = harnesses
    lines = []
    for group in CORPUS:
        if group not in _IN_PROCESS:
            _IN_PROCESS[group] = _mismatch_ids(stock, fast, group)
        here_ids, there_ids = set(_IN_PROCESS[group]), set(there.get(group, []))
        for case_id in sorted(there_ids - here_ids):
            lines.append(f"  - {case_id}: differs with PYTHONHASHSEED={hashseed} only")
        for case_id in sorted(here_ids - there_ids):
            lines.append(f"  - {case_id}: differs here, not with PYTHONHASHSEED={hashseed}")
    if lines:
        pytest.fail(
            "Results depend on the hash seed:\n"
            + "\n".join(lines[:200])
            + f"\nReproduce: PYTHONHASHSEED={hashseed} python tests/test_differential.py GROUP",
            pytrace=False,
        )


def main(argv: list[str]) -> int:
    """``[--ids] [group ...]``: reports (or, with ``--ids``, a JSON line of mismatching ids)."""
    ids_only = "--ids" in argv
    groups = [a for a in argv if not a.startswith("--")] or list(CORPUS)
    stock, fast = make_harnesses()
    det = Determinism()
    found: dict[str, list[str]] = {}
    with det.patched():
        for group in groups:
            mismatches, total = compare_group(stock, fast, det, group)
            found[group] = [case.id for case, *_ in mismatches]
            if ids_only:
                continue
            if mismatches:
                print(report(group, mismatches, total))
                print()
            else:
                print(f"{group}: {total} requests, all identical")
    if ids_only:
        print(json.dumps(found))
    return 1 if any(found.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
