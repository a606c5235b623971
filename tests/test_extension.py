"""HttpbinExt: modes, Flask extension conventions, entry points, and JSON provider settings.

Every comparison is against a stock httpbin app configured the same way.
"""

from __future__ import annotations

import json
import typing as t

import httpbin
import pytest
from flask import url_for
from flask.json.provider import DefaultJSONProvider

from httpbin_ext import HttpbinExt, RustJSONProvider
from httpbin_ext.extension import fresh_httpbin_app
from httpbin_ext.views import ACCELERATED_ENDPOINTS

REQUESTS = [
    ("GET", "/get?a=1&a=2&b=%C3%A9&show_env=1", {}),
    ("POST", "/post", {"json": {"x": [1, 2.5, None, "é"]}}),
    ("POST", "/post", {"data": {"f": "1", "g": ["a", "b"]}}),
    ("PUT", "/put", {"data": b"\xff\xfe binary"}),
    ("PATCH", "/anything/x%20y?z=+1", {"headers": {"X-Forwarded-Proto": "https"}}),
    ("GET", "/headers", {"headers": {"X-Forwarded-For": "1.2.3.4", "DNT": "1"}}),
    ("GET", "/gzip", {}),
    ("GET", "/etag/abc", {"headers": {"If-None-Match": "xyz"}}),
    ("GET", "/cache/60", {}),
    ("GET", "/user-agent", {"headers": {"User-Agent": "ua/1"}}),
]


def without_date(headers: t.Any) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers.items() if k != "Date"]


def responses(app: t.Any) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    client = app.test_client()
    out = []
    for method, url, kwargs in REQUESTS:
        response = client.open(url, method=method, **kwargs)
        body = response.get_data()
        if response.headers.get("Content-Encoding") == "gzip":
            body = body[:4] + body[8:]  # gzip's mtime: the clock, not the view
        out.append((response.status_code, without_date(response.headers), body))
    return out


def configured(configure: t.Callable[[t.Any], None], *, replace: bool) -> t.Any:
    app = fresh_httpbin_app()
    configure(app)
    if replace:
        HttpbinExt(app)
    return app


class AttributeOnlyProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False


class CustomDumpsProvider(DefaultJSONProvider):
    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        return json.dumps(obj, **kwargs).replace("a", "A")


def set_compact(app: t.Any) -> None:
    app.json.compact = True


def set_debug(app: t.Any) -> None:
    app.debug = True
    app.json.compact = None


def set_rust_provider(app: t.Any) -> None:
    app.json = RustJSONProvider(app)
    app.json.compact = False


def set_attribute_provider(app: t.Any) -> None:
    app.json = AttributeOnlyProvider(app)


def set_custom_provider(app: t.Any) -> None:
    app.json = CustomDumpsProvider(app)


@pytest.mark.parametrize(
    "configure",
    [
        lambda app: None,
        set_compact,
        set_debug,
        set_rust_provider,
        set_attribute_provider,
        set_custom_provider,
    ],
    ids=["httpbin", "compact", "debug", "rust-provider", "attribute-provider", "custom-dumps"],
)
def test_replaced_app_answers_like_stock(configure: t.Callable[[t.Any], None]) -> None:
    stock = configured(configure, replace=False)
    replaced = configured(configure, replace=True)
    for request, expected, actual in zip(REQUESTS, responses(stock), responses(replaced)):
        assert actual == expected, request


def test_replace_swaps_views_and_keeps_endpoints() -> None:
    app = fresh_httpbin_app()
    originals = dict(app.view_functions)
    ext = HttpbinExt(app)
    assert app.extensions["httpbin_ext"] is ext
    assert set(ext.endpoints) == set(ACCELERATED_ENDPOINTS) & set(originals)
    for endpoint, view in app.view_functions.items():
        if endpoint in ext.endpoints:
            assert view is not originals[endpoint]
            assert view._httpbin_ext_original is originals[endpoint]
        else:
            assert view is originals[endpoint]
    # Same rules, so url_for is unchanged.
    with app.test_request_context():
        assert url_for("view_get") == "/get"
        assert url_for("view_anything", anything="x") == "/anything/x"
    # /cache and /etag call the accelerated view_get.
    cache = app.view_functions["cache"]
    assert cache.__globals__["view_get"] is app.view_functions["view_get"]


def test_side_by_side_serves_both() -> None:
    app = fresh_httpbin_app()
    rules_before = {r.rule for r in app.url_map.iter_rules()}
    HttpbinExt(app, mode="side-by-side", prefix="/fast/")
    client = app.test_client()
    original = client.get("/get?q=1")
    fast = client.get("/fast/get?q=1")
    assert original.status_code == fast.status_code == 200
    expected = original.get_json()
    expected["url"] = expected["url"].replace("/get", "/fast/get")
    assert fast.get_json() == expected
    assert {r.rule for r in app.url_map.iter_rules()} >= rules_before
    # Methods and automatic OPTIONS match the original rules.
    assert client.post("/fast/get").status_code == client.post("/get").status_code == 405
    # (Allow lists a set: its order depends on the hash seed, so compare the methods.)
    allowed = [set(client.options(u).headers["Allow"].split(", ")) for u in ("/fast/get", "/get")]
    assert allowed[0] == allowed[1]
    assert client.get("/fast/anything/a/b").get_json()["url"].endswith("/fast/anything/a/b")


def test_conventions_and_errors() -> None:
    with pytest.raises(ValueError):
        HttpbinExt(mode="sideways")
    ext = HttpbinExt()
    app = fresh_httpbin_app()
    ext.init_app(app)
    with pytest.raises(RuntimeError, match="already"):
        HttpbinExt(app)
    late = fresh_httpbin_app()
    late.test_client().get("/get")
    with pytest.raises(RuntimeError, match="first request"):
        HttpbinExt(late)


def test_wsgi_entry_points_leave_httpbin_app_alone() -> None:
    before = dict(httpbin.app.view_functions)
    from httpbin_ext import wsgi

    assert httpbin.app.view_functions == before
    assert wsgi.app is not httpbin.app and wsgi.replaced is not httpbin.app
    assert wsgi.app.test_client().get("/fast/get").status_code == 200
    assert wsgi.replaced.view_functions["view_get"]._httpbin_ext_accelerated
