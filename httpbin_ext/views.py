"""Accelerated httpbin views: a native request reader (``get_dict``) and the views built on it.

The views keep httpbin's own logic and replace the two hot helpers it is built on:
``get_dict`` (reading the request) and ``jsonify`` (encoding the response). The busiest
endpoints (/get, /post, /anything, /headers, ...) go further: one native call reads the
request and writes the response body.

Everything is checked against httpbin itself: its own test suite runs against the swapped
views, and a differential test sends the same generated requests to both apps.
"""

from __future__ import annotations

import inspect
import types
import typing as t

from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from flask.wrappers import Request as FlaskRequest
from werkzeug.datastructures import EnvironHeaders

from httpbin_ext import _native
from httpbin_ext.provider import RustJSONProvider, _is_stock_provider, _uses_own_dumps, jsonify
from httpbin_ext.response import make_response

__all__ = ["ACCELERATED_ENDPOINTS", "accelerated_views", "get_dict"]

# get_dict's keys, in the order httpbin's get_dict evaluates them (errors surface in this order).
_KEYS = ("url", "args", "form", "data", "origin", "headers", "files", "json", "method")


def _headers_class() -> type:
    """httpbin's ``CaseInsensitiveDict``, which its ``get_dict`` returns headers in (the
    native reader fills one directly: it must be a dict with dict's own constructor)."""
    global _HEADERS_CLASS
    if _HEADERS_CLASS is None:
        from httpbin.structures import CaseInsensitiveDict

        if not (
            issubclass(CaseInsensitiveDict, dict)
            and CaseInsensitiveDict.__new__ is dict.__new__
            and CaseInsensitiveDict.__init__ is dict.__init__
        ):
            raise TypeError("httpbin's CaseInsensitiveDict is no longer a plain dict subclass")
        _HEADERS_CLASS = CaseInsensitiveDict
    return _HEADERS_CLASS


_HEADERS_CLASS: type | None = None


def read_body(req: t.Any) -> tuple[t.Any, bytes, dict[str, str]]:
    """``(form, data, files)`` exactly as httpbin's ``get_dict`` reads them.

    The native reader calls this only for requests that have a body. Werkzeug reads it, so
    its limits (413) and stream errors (400 for a truncated body) are the original's, and
    its caches (``request.form``, ``request.files``, ``request.data``) end up as they would
    after httpbin, for any code that runs later in the request.
    """
    cache = req.__dict__
    if (
        "form" not in cache
        and "_cached_data" not in cache
        and _not_form(req.environ.get("CONTENT_TYPE"))
        and _stock_body_reading(type(req))
        and not current_app.debug
    ):
        # Not a form: Werkzeug's parser would leave the stream alone and return empty
        # MultiDicts; `request.data` then reads the stream. Same steps, same cache entries.
        data = req.stream.read()
        form = cache["form"] = req.parameter_storage_class()
        cache["files"] = req.parameter_storage_class()
        cache["_cached_data"] = cache["data"] = data
        return form, data, {}
    data = req.data
    form = req.form
    uploads = req.files
    files: dict[str, str] = {}
    for key, upload in uploads.items():
        content_type = uploads[key].content_type or "application/octet-stream"
        files[key] = _native.json_safe(upload.read(), content_type)
    return form, data, files


def _not_form(content_type: object) -> bool:
    """Whether Werkzeug's mimetype of this Content-Type is certainly not a form's: ASCII
    without "form" in any case (the mimetype is a lowercased part of it)."""
    return (
        type(content_type) is str and content_type.isascii() and "form" not in content_type.lower()
    )


_stock_readers: dict[type, bool] = {}


def _stock_body_reading(cls: type) -> bool:
    """Whether ``cls`` reads bodies with Flask's and Werkzeug's own code (no overrides)."""
    try:
        return _stock_readers[cls]
    except KeyError:
        pass
    names = ("_load_form_data", "make_form_data_parser", "get_data", "data", "form", "files")
    names += ("stream", "parameter_storage_class", "want_form_data_parsed")
    stock = all(
        inspect.getattr_static(cls, name) is inspect.getattr_static(FlaskRequest, name)
        for name in names
    )
    _stock_readers[cls] = stock
    return stock


def request_url(req: t.Any) -> str:
    """httpbin's own ``get_url``: the native reader's answer for unusual URLs."""
    from httpbin.helpers import get_url

    return get_url(req)


def request_headers(environ: dict[str, t.Any]) -> dict[str, t.Any]:
    """``dict(request.headers.items())``, by Werkzeug: for environs with non-str keys."""
    return dict(EnvironHeaders(environ).items())


def get_dict(*keys: str, **extras: t.Any) -> dict[str, t.Any]:
    """:func:`httpbin.helpers.get_dict`, computed natively from the current request.

    Returns ``{key: value for key in keys}`` plus ``extras``, with the same values (and the
    same exceptions, ``AssertionError`` for an unknown key included) as httpbin's own
    helper; only the requested keys are built.
    """
    out = _request_dict(_current_request(), keys, read_body, _HEADERS_CLASS or _headers_class())
    if extras:
        out.update(extras)
    return out


_request_dict = _native.request_dict
_current_request = request._get_current_object  # type: ignore[attr-defined]


_COMPACT_SEPARATORS = (",", ":")


def _render(keys: tuple[str, ...], extras: dict[str, t.Any] | None = None) -> t.Any:
    """``jsonify(get_dict(*keys, **extras))`` in one native call when the app's JSON provider
    is Flask's default or ours (with their own methods); through them otherwise."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    provider = app.json
    cls = type(provider)
    if cls is RustJSONProvider:
        plain = _uses_own_dumps(provider) and "response" not in provider.__dict__
    else:
        plain = cls is DefaultJSONProvider and _is_stock_provider(provider)
    if not plain:
        return jsonify(get_dict(*keys, **(extras or {})))
    compact = provider.compact
    indent = 2 if compact is False or (compact is None and app.debug) else None
    req = _current_request()
    body = _native.render_request(
        req,
        keys,
        read_body,
        extras,
        indent,
        None if indent else _COMPACT_SEPARATORS,
        provider.sort_keys,
        provider.ensure_ascii,
        provider.default,
    )
    return make_response(app.response_class, body, provider.mimetype)


_GET_KEYS = ("url", "args", "headers", "origin")
_BODY_KEYS = ("url", "args", "form", "data", "origin", "headers", "files", "json")
_ANYTHING_KEYS = ("url", "args", "headers", "origin", "method", "form", "data", "files", "json")
_HEADERS_KEYS = ("headers",)


def view_get() -> t.Any:
    return _render(_GET_KEYS)


def view_body() -> t.Any:
    return _render(_BODY_KEYS)


def view_anything(anything: str | None = None) -> t.Any:
    return _render(_ANYTHING_KEYS)


def view_headers() -> t.Any:
    return _render(_HEADERS_KEYS)


# Native views, by endpoint: each renders what httpbin's view of that name returns.
_NATIVE_VIEWS: dict[str, t.Callable[..., t.Any]] = {
    "view_get": view_get,
    "view_post": view_body,
    "view_put": view_body,
    "view_patch": view_body,
    "view_delete": view_body,
    "view_anything": view_anything,
    "view_headers": view_headers,
}


# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------


def _rebind(view: t.Callable[..., t.Any], **names: t.Any) -> t.Callable[..., t.Any]:
    """``view``'s own code with some of its globals (helpers it calls) replaced.

    The result behaves exactly like httpbin's view, except that ``get_dict``/``jsonify``/...
    are ours. Decorated views (``@filters.gzip``) are rebuilt around the rebound inner view.
    """
    inner = getattr(view, "__wrapped__", None)
    if inner is not None:
        # httpbin's @filters.gzip/deflate/brotli: rebuild the filter around the rebound view.
        response_filter = getattr(inner.__globals__["filters"], _FILTERS[view.__name__])
        return response_filter(_rebind(inner, **names))
    code = view.__code__
    new_globals = dict(view.__globals__)
    new_globals.update(names)
    rebound = types.FunctionType(
        code, new_globals, view.__name__, view.__defaults__, view.__closure__
    )
    rebound.__kwdefaults__ = view.__kwdefaults__
    rebound.__doc__ = view.__doc__
    rebound.__module__ = __name__
    rebound.__qualname__ = view.__qualname__
    return rebound


_FILTERS = {
    "view_gzip_encoded_content": "gzip",
    "view_deflate_encoded_content": "deflate",
    "view_brotli_encoded_content": "brotli",
}


def _named(native: t.Callable[..., t.Any], original: t.Callable[..., t.Any]) -> t.Any:
    """A distinct function object for one endpoint, named and documented like ``original``."""
    view = types.FunctionType(
        native.__code__, native.__globals__, original.__name__, native.__defaults__
    )
    view.__doc__ = original.__doc__
    view.__qualname__ = original.__qualname__
    view.__module__ = __name__
    return view


# The endpoints HttpbinExt swaps, with how each accelerated view is made from the original.
# "direct": a native view for the endpoint; "rebind": httpbin's view with our helpers.
ACCELERATED_ENDPOINTS: tuple[str, ...] = (
    "view_origin",
    "view_uuid",
    "view_headers",
    "view_user_agent",
    "view_get",
    "view_anything",
    "view_post",
    "view_put",
    "view_patch",
    "view_delete",
    "view_gzip_encoded_content",
    "view_deflate_encoded_content",
    "view_brotli_encoded_content",
    "view_cookies",
    "delay_response",
    "cache",
    "cache_control",
    "etag",
    "response_headers",
    "a_json_endpoint",
    "basic_auth",
    "hidden_basic_auth",
    "bearer_auth",
    "digest_auth",
    "digest_auth_md5",
    "digest_auth_nostale",
)


def accelerated_views(originals: dict[str, t.Callable[..., t.Any]]) -> dict[str, t.Any]:
    """Accelerated views for httpbin's ``originals`` (its ``app.view_functions``)."""
    present = [e for e in ACCELERATED_ENDPOINTS if e in originals]
    views: dict[str, t.Any] = {
        e: _named(_NATIVE_VIEWS[e], originals[e]) for e in present if e in _NATIVE_VIEWS
    }
    # httpbin's other views with our helpers; /cache, /cache/<n> and /etag also call
    # view_get() as a plain function: give them ours.
    helpers = {"get_dict": get_dict, "jsonify": jsonify, "flask_jsonify": jsonify}
    if "view_get" in views:
        helpers["view_get"] = views["view_get"]
    for endpoint in present:
        if endpoint not in views:
            views[endpoint] = _rebind(originals[endpoint], **helpers)
    for endpoint, view in views.items():
        view._httpbin_ext_accelerated = True  # type: ignore[attr-defined]
        view._httpbin_ext_original = originals[endpoint]  # type: ignore[attr-defined]
    return views
