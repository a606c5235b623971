"""Type stubs for the Rust extension module ``httpbin_ext._native``."""

from collections.abc import Callable, Sequence
from typing import Any

__version__: str

def dumps(
    obj: Any,
    *,
    indent: int | str | None = None,
    sort_keys: bool = False,
    ensure_ascii: bool = True,
    separators: Sequence[str] | None = None,
    default: Callable[[Any], Any] | None = None,
    allow_nan: bool = True,
    skipkeys: bool = False,
    newline: bool = False,
) -> bytes:
    """``json.dumps(obj, <same arguments>).encode()``, plus ``b"\\n"`` when ``newline``.

    Raises what ``json.dumps`` raises (``TypeError``, ``ValueError``, ``RecursionError``), and
    ``UnicodeEncodeError`` where the ``.encode()`` would fail (lone surrogates with
    ``ensure_ascii=False``).
    """

def loads(s: str | bytes | bytearray) -> Any:
    """``json.loads(s)``: the same result, the same exceptions."""

def reset_log_cache() -> None:
    """Forget cached Python logger levels; call after reconfiguring :mod:`logging`."""

def _log_for_test(level: int, message: str) -> None:
    """Emit one Rust ``log`` record at a Python logging ``level`` (testing the bridge)."""
