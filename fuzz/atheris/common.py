"""Shared by the atheris harnesses: outcome capture, findings, command-line handling."""

from __future__ import annotations

import hashlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TESTS = REPO / "tests"

# The tests' helpers (compare.py, request_corpus.py, test_get_dict.py, test_differential.py)
# are imported as they are, so the harnesses compare by exactly the same rules.
for p in (str(TESTS), str(REPO)):
    if p not in sys.path:
        sys.path.insert(0, p)


class Finding(AssertionError):
    """A difference from the reference implementation (or a panic)."""


def is_panic(exc: BaseException) -> bool:
    return any(
        cls.__name__ == "PanicException" and cls.__module__ == "pyo3_runtime"
        for cls in type(exc).__mro__
    )


def outcome(fn: Callable[[], Any]) -> tuple[Any, ...]:
    """Like tests/conftest.py's ``outcome``: ``("ok", value)`` or ``("raise", cls, message)``.

    RecursionError's message is not compared; UnicodeEncodeError is compared by its fields.
    A pyo3 PanicException is always a finding.
    """
    try:
        return ("ok", fn())
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001
        if is_panic(exc):
            raise Finding(f"PanicException: {exc!r}\n{traceback.format_exc()}") from exc
        if isinstance(exc, RecursionError):
            return ("raise", type(exc), None)
        if isinstance(exc, UnicodeEncodeError):
            return ("raise", type(exc), exc.encoding, exc.reason, exc.start, exc.end, exc.object)
        return ("raise", type(exc), str(exc))


# --- findings -----------------------------------------------------------------------------------
#
# Default: a difference raises, so libFuzzer stops and writes crash-<sha1> (the reproducer:
# `python fuzz_X.py crash-<sha1>`). With FUZZ_KEEP_GOING=1 (what run.sh uses) each distinct
# finding (by signature) is written to $FUZZ_FINDINGS_DIR/<harness>/ with its input and the
# fuzzer goes on.

KEEP_GOING = os.environ.get("FUZZ_KEEP_GOING") == "1"
_seen: set[str] = set()
_count = 0


def report(harness: str, signature: str, detail: str, data: bytes) -> None:
    global _count
    if not KEEP_GOING:
        raise Finding(f"[{signature}]\n{detail}")
    if signature in _seen:
        return
    _seen.add(signature)
    _count += 1
    out = (
        Path(
            os.environ.get(
                "FUZZ_FINDINGS_DIR",
                os.environ.get("FUZZ_WORK", "/tmp/httpbin-ext-atheris") + "/findings",
            )
        )
        / harness
    )
    out.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()
    (out / f"finding-{h}").write_bytes(data)
    (out / f"finding-{h}.txt").write_text(f"{signature}\n{detail}\n", errors="backslashreplace")
    print(f"\n=== FINDING #{_count} [{harness}] {signature}\n{detail[:2000]}\n", file=sys.stderr)


def guarded(harness: str, one_input: Callable[[bytes], None]) -> Callable[[bytes], None]:
    """Turn Finding exceptions into reports (keep-going mode) and anything else that escapes
    the comparison into a finding too."""

    def test_one_input(data: bytes) -> None:
        try:
            one_input(data)
        except Finding as f:
            if not KEEP_GOING:
                raise
            text = str(f)
            report(harness, text.splitlines()[0][:200], text, data)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - a harness-level escape is a finding too
            if not KEEP_GOING:
                raise
            report(harness, f"escaped {type(exc).__name__}", traceback.format_exc(), data)

    return test_one_input


def outcome_kind(result: tuple[Any, ...]) -> str:
    """ "ok", or the exception class name, of an ``outcome(...)`` result (for signatures)."""
    return "ok" if result[0] == "ok" else result[1].__name__


def run(harness: str, check: Callable[[bytes], None], namespace: dict[str, Any]) -> None:
    """A harness's ``main``: instrument its own code, then fuzz ``check`` until libFuzzer stops."""
    import atheris

    instrument_module_functions(namespace)
    atheris.Setup(fuzzer_args(sys.argv, harness), guarded(harness, check))
    atheris.Fuzz()


def finding_count() -> int:
    return _count


def fuzzer_args(argv: list[str], harness: str) -> list[str]:
    """``argv`` with crash files going to $FUZZ_WORK/artifacts/<harness>/ unless told."""
    if any(a.startswith("-artifact_prefix=") for a in argv):
        return argv
    work = Path(os.environ.get("FUZZ_WORK", "/tmp/httpbin-ext-atheris"))
    prefix = work / "artifacts" / harness
    prefix.mkdir(parents=True, exist_ok=True)
    return [*argv, f"-artifact_prefix={prefix}/"]


def instrument_module_functions(namespace: dict[str, Any]) -> None:
    """Instrument the harness's own functions and methods (its generator), so the fuzzer
    also sees which branches of the generator an input takes (``__main__`` is not covered by
    ``atheris.instrument_imports()``)."""
    import types

    import atheris

    for name, obj in list(namespace.items()):
        if isinstance(obj, types.FunctionType) and obj.__module__ == namespace["__name__"]:
            namespace[name] = atheris.instrument_func(obj)
        elif isinstance(obj, type) and obj.__module__ == namespace["__name__"]:
            for attr, fn in list(vars(obj).items()):
                if isinstance(fn, types.FunctionType) and not attr.startswith("__"):
                    setattr(obj, attr, atheris.instrument_func(fn))
