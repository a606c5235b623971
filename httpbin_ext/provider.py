"""Flask JSON provider backed by the native encoder, byte-identical to ``DefaultJSONProvider``.

``RustJSONProvider`` has the attributes and semantics of
:class:`flask.json.provider.DefaultJSONProvider` (``default``, ``ensure_ascii``, ``sort_keys``,
``compact``, ``mimetype``); only the encoding work moves to Rust. Whatever the native encoder
cannot reproduce exactly (``json.dumps`` arguments it does not take, strings with lone
surrogates that ``json.dumps`` returns as ``str``) goes through :mod:`json` itself.
"""

from __future__ import annotations

import json
import typing as t

from flask import current_app
from flask import jsonify as _flask_jsonify
from flask.json.provider import DefaultJSONProvider, JSONProvider

from httpbin_ext import _native
from httpbin_ext.response import make_response

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.sansio.response import Response

__all__ = ["RustJSONProvider", "jsonify"]

# The ``json.dumps`` keyword arguments that ``_native.dumps`` takes with identical meaning.
# Any other (``cls``, ``check_circular``, ...) goes to ``json.dumps`` unchanged.
_NATIVE_KWARGS = frozenset(
    ("indent", "sort_keys", "ensure_ascii", "separators", "default", "allow_nan", "skipkeys")
)

# Flask's own fallback serializer: dates → HTTP date, Decimal/UUID → str, dataclasses →
# ``asdict``, ``__html__`` → str. Reading it off the class gives the plain function.
_flask_default: t.Callable[[t.Any], t.Any] = DefaultJSONProvider.default


_COMPACT_SEPARATORS = (",", ":")


def _native_body(obj: t.Any, provider: JSONProvider, app: t.Any) -> bytes:
    """The body ``DefaultJSONProvider.response`` would send for ``provider``'s settings.

    Lone surrogates with ``ensure_ascii=False`` raise the ``UnicodeEncodeError`` that encoding
    Flask's ``str`` body raises (the native encoder lets ``json`` produce it).
    """
    p = t.cast(DefaultJSONProvider, provider)
    compact = p.compact
    indent = 2 if compact is False or (compact is None and app.debug) else None
    return _native.dumps(
        obj,
        indent=indent,
        separators=None if indent else _COMPACT_SEPARATORS,
        default=p.default,
        ensure_ascii=p.ensure_ascii,
        sort_keys=p.sort_keys,
        newline=True,
    )


class RustJSONProvider(JSONProvider):
    """A drop-in replacement for Flask's ``DefaultJSONProvider`` with a native encoder.

    Use it per application (``app.json = RustJSONProvider(app)``) or for every instance of a
    ``Flask`` subclass (``json_provider_class = RustJSONProvider``). Output, exceptions and
    attributes match ``DefaultJSONProvider``.
    """

    default: t.Callable[[t.Any], t.Any] = staticmethod(_flask_default)  # type: ignore[assignment]
    """Called for objects the encoder does not know; returns a serializable value or raises
    ``TypeError``. Flask's default handles dates, ``Decimal``, ``UUID``, dataclasses and
    ``__html__``."""

    ensure_ascii: bool = True
    """Escape non-ASCII characters as ``\\uXXXX``."""

    sort_keys: bool = True
    """Sort the keys of every serialized dict."""

    compact: bool | None = None
    """``True``, or ``None`` outside debug mode: :meth:`response` writes compact JSON.
    ``False``, or ``None`` in debug mode: it indents by two spaces."""

    mimetype: str = "application/json"
    """The mimetype :meth:`response` sets."""

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON ``str``, exactly as ``json.dumps`` with ``kwargs``.

        ``default``, ``ensure_ascii`` and ``sort_keys`` default to the provider's attributes.
        """
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        if _NATIVE_KWARGS.issuperset(kwargs):
            try:
                return _native.dumps(obj, **kwargs).decode()
            except UnicodeEncodeError:
                # Lone surrogates with ensure_ascii=False: json.dumps returns them in a str,
                # which UTF-8 bytes cannot carry.
                pass
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize JSON text or UTF-8 bytes, exactly as ``json.loads``."""
        if kwargs:
            return json.loads(s, **kwargs)
        return _native.loads(s)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A response with the JSON of ``args`` or ``kwargs``, as ``DefaultJSONProvider`` makes.

        One value is serialized as itself, several as a list, keyword arguments as a dict, and
        nothing as ``null``. The output is indented when :attr:`compact` is ``False``, or
        ``None`` in debug mode; compact otherwise; it always ends with a newline.
        """
        obj = self._prepare_response_obj(args, kwargs)
        if not _uses_own_dumps(self):
            # A subclass customised dumps(): honour it, as DefaultJSONProvider.response does.
            if (self.compact is None and self._app.debug) or self.compact is False:
                dump_args: dict[str, t.Any] = {"indent": 2}
            else:
                dump_args = {"separators": (",", ":")}
            body: bytes | str = f"{self.dumps(obj, **dump_args)}\n"
        else:
            body = _native_body(obj, self, self._app)
        return make_response(self._app.response_class, body, self.mimetype)


def _uses_own_dumps(provider: RustJSONProvider) -> bool:
    return type(provider).dumps is RustJSONProvider.dumps and "dumps" not in vars(provider)


def _is_stock_provider(provider: JSONProvider) -> bool:
    """Whether ``provider`` builds responses exactly as ``DefaultJSONProvider`` does.

    Subclasses that only change attributes qualify; overriding a method disqualifies.
    """
    if not isinstance(provider, DefaultJSONProvider):
        return False
    cls = type(provider)
    own = vars(provider)
    return all(
        getattr(cls, name) is getattr(DefaultJSONProvider, name) and name not in own
        for name in ("dumps", "response", "_prepare_response_obj")
    )


def jsonify(*args: t.Any, **kwargs: t.Any) -> Response:
    """:func:`flask.jsonify`, with the native encoder whenever the result is the same.

    Serializes ``args`` or ``kwargs`` like ``current_app.json.response``. With a
    ``RustJSONProvider`` that is the provider itself; with a ``DefaultJSONProvider`` (or a
    subclass that only changes attributes) the same settings are used natively; any other
    provider gets :func:`flask.jsonify`.
    """
    provider = current_app.json
    if isinstance(provider, RustJSONProvider):
        return provider.response(*args, **kwargs)
    if not _is_stock_provider(provider):
        return _flask_jsonify(*args, **kwargs)
    stock = t.cast(DefaultJSONProvider, provider)
    obj = stock._prepare_response_obj(args, kwargs)
    app = stock._app
    body = _native_body(obj, stock, app)
    return make_response(app.response_class, body, stock.mimetype)
