"""Shared fixtures: the shared JSON corpora, skip-or-fail for missing resources, outcome capture."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_JSON_DIR = REPO_ROOT / ".." / "shared" / "data" / "json"


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def unavailable(reason: str) -> NoReturn:
    """A resource a test needs is missing: skip locally, but fail under ``CI=true``."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this test must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def skip_or_fail() -> Callable[[str], NoReturn]:
    """``skip_or_fail(reason)``: skip the test, or fail it when ``CI=true``."""
    return unavailable


@pytest.fixture(scope="session")
def shared_json_dir() -> Path:
    """``../shared/data/json`` next to the repository, or skip (fail in CI) without it."""
    if not SHARED_JSON_DIR.is_dir():
        unavailable(f"shared JSON corpora not found at {SHARED_JSON_DIR.resolve()}")
    return SHARED_JSON_DIR


def is_panic(exc: BaseException) -> bool:
    """Whether ``exc`` is pyo3's ``PanicException`` (a Rust panic crossing into Python)."""
    return any(
        cls.__name__ == "PanicException" and cls.__module__ == "pyo3_runtime"
        for cls in type(exc).__mro__
    )


def outcome(fn: Callable[[], Any]) -> tuple[Any, ...]:
    """Run ``fn`` and describe what happened in a comparable form.

    ``("ok", result)``, or ``("raise", exception class, message)``. Messages are compared
    except where they are not deterministic: ``RecursionError`` (depends on the stack). A
    ``UnicodeEncodeError`` is compared by its fields (the text it failed on included). A Rust
    panic fails the test.
    """
    try:
        return ("ok", fn())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - we compare whatever is raised
        if is_panic(exc):
            pytest.fail(f"the native code panicked: {exc!r}")
        if isinstance(exc, RecursionError):
            return ("raise", type(exc), None)
        if isinstance(exc, UnicodeEncodeError):
            return ("raise", type(exc), exc.encoding, exc.reason, exc.start, exc.end, exc.object)
        return ("raise", type(exc), str(exc))


@pytest.fixture(scope="session")
def capture() -> Callable[[Callable[[], Any]], tuple[Any, ...]]:
    """``capture(fn)``: :func:`outcome`, as a fixture."""
    return outcome
