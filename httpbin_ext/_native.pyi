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

def request_dict(
    request: Any,
    keys: tuple[str, ...],
    read_body: Callable[[Any], tuple[Any, bytes, dict[str, str]]],
    headers_class: type | None = None,
) -> dict[str, Any]:
    """httpbin's ``get_dict(*keys)`` for a Werkzeug ``request``.

    ``read_body(request)`` is called only when the request has a body; it returns
    ``(form, data, files)`` as Werkzeug read them. Unknown keys raise ``AssertionError``.
    """

def render_request(
    request: Any,
    keys: tuple[str, ...],
    read_body: Callable[[Any], tuple[Any, bytes, dict[str, str]]],
    extras: dict[str, Any] | None,
    indent: int | None,
    separators: tuple[str, str] | None,
    sort_keys: bool,
    ensure_ascii: bool,
    default: Callable[[Any], Any] | None,
) -> bytes:
    """The body ``jsonify(get_dict(*keys, **extras))`` sends, trailing newline included."""

def json_safe(data: bytes, content_type: str | None = None) -> str:
    """httpbin's ``json_safe``: UTF-8 text as it is, other bytes as a base64 ``data:`` URL."""
