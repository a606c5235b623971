"""``RustJSONProvider`` and ``httpbin_ext.jsonify`` against Flask's own ``DefaultJSONProvider``
and ``flask.jsonify``: same strings, same response bytes and headers, same errors."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

import flask
import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

import httpbin_ext
from httpbin_ext import RustJSONProvider


@dataclasses.dataclass
class Item:
    name: str
    price: decimal.Decimal
    tags: list[str]
    when: datetime.date


class HTMLThing:
    def __html__(self) -> str:
        return "<em>html</em>"


class Opaque:
    pass


HTTPBIN_GET = {
    "args": {"a": "1", "b": ["2", "3"]},
    "headers": {
        "Accept": "*/*",
        "Host": "httpbin.org",
        "User-Agent": "curl/8.5.0",
        "X-Amzn-Trace-Id": "Root=1-65f0c0de-0123456789abcdef01234567",
    },
    "origin": "203.0.113.7",
    "url": "https://httpbin.org/get?a=1&b=2&b=3",
}
HTTPBIN_POST = {
    "args": {},
    "data": '{"x": "\\u00e9"}',
    "files": {"upload": "content\x00with\x7fbytes"},
    "form": {"field": "välue", "emoji": "😀"},
    "headers": {"Content-Type": "multipart/form-data; boundary=xyz", "Content-Length": "123"},
    "json": {"x": "é", "n": [1, 2.5, None, True]},
    "origin": "2001:db8::1",
    "url": "https://httpbin.org/post",
}

PAYLOADS: list[Any] = [
    None,
    True,
    0,
    -(2**70),
    1.5,
    float("nan"),
    float("inf"),
    -0.0,
    "",
    "plain",
    "é € 😀 \u2028 </script> & ' \"",
    "lone \ud800 surrogate",
    [],
    {},
    [1, "two", 3.0, None, [4, {"five": 5}]],
    {"b": 1, "a": 2, "c": {"z": [], "y": {}}},
    {3: "int keys", 1: "sorted", 2: "numerically"},
    {"mixed": 1, 2: "keys"},  # TypeError with sort_keys
    HTTPBIN_GET,
    HTTPBIN_POST,
    datetime.datetime(2024, 2, 29, 23, 59, 58, tzinfo=datetime.timezone.utc),
    datetime.datetime(1999, 12, 31, 1, 2, 3),
    datetime.date(2000, 1, 1),
    decimal.Decimal("12.3400"),
    decimal.Decimal("NaN"),
    uuid.UUID("12345678-1234-5678-1234-567812345678"),
    Item("widget", decimal.Decimal("9.99"), ["a", "é"], datetime.date(2020, 5, 17)),
    [Item("x", decimal.Decimal(0), [], datetime.date(1970, 1, 1))],
    Markup("<b>bold</b> & more"),
    HTMLThing(),
    {"html": HTMLThing(), "markup": Markup("<i>x</i>")},
    Opaque(),  # TypeError from Flask's default
    {"deep": [[[[{"deeper": [[[["é"]]]]}]]]]},
    {"unicode key é": "v", "😀": ["😀"]},
]

DUMPS_KWARGS: list[dict[str, Any]] = [
    {},
    {"indent": 2},
    {"indent": "\t", "sort_keys": False},
    {"separators": (",", ":")},
    {"sort_keys": False, "ensure_ascii": False},
    {"ensure_ascii": False},
    {"allow_nan": False},
    {"default": str},
    {"default": None},
    {"skipkeys": True, "sort_keys": False},
    {"cls": json.JSONEncoder},  # not a native argument: falls back to json.dumps
    {"check_circular": False, "indent": 1},
]


def payload_id(p: Any) -> str:
    return f"{type(p).__name__}:{repr(p)[:30]}"


def outcome(fn: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        return ("ok", fn())
    except Exception as exc:  # noqa: BLE001 - we compare whatever is raised
        assert type(exc).__name__ != "PanicException"
        if isinstance(exc, UnicodeEncodeError):
            return ("raise", type(exc), exc.reason)
        return ("raise", type(exc), str(exc))


def make_app(provider_cls: type | None = None, **attrs: Any) -> Flask:
    app = Flask("provider_test")
    if provider_cls is not None:
        app.json = provider_cls(app)
    for name, value in attrs.items():
        setattr(app.json, name, value)
    return app


def response_view(resp: Any) -> tuple[Any, ...]:
    return (
        type(resp).__qualname__,
        resp.status_code,
        resp.mimetype,
        sorted(resp.headers.items()),
        resp.get_data(),
    )


PROVIDER_SETTINGS = [
    {"debug": debug, "compact": compact, "ensure_ascii": ensure_ascii, "sort_keys": sort_keys}
    for debug, compact, ensure_ascii, sort_keys in itertools.product(
        [False, True], [None, True, False], [True, False], [True, False]
    )
]


def settings_id(s: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in s.items())


def app_pair(settings: dict[str, Any]) -> tuple[Flask, Flask]:
    attrs = {k: v for k, v in settings.items() if k != "debug"}
    stock = make_app(DefaultJSONProvider, **attrs)
    ours = make_app(RustJSONProvider, **attrs)
    stock.debug = ours.debug = settings["debug"]
    return stock, ours


# --- the provider ---------------------------------------------------------------------------


def test_attributes_match_default_provider():
    app = Flask("attrs")
    stock, ours = DefaultJSONProvider(app), RustJSONProvider(app)
    for name in ("ensure_ascii", "sort_keys", "compact", "mimetype"):
        assert getattr(ours, name) == getattr(stock, name), name
    assert RustJSONProvider.default is DefaultJSONProvider.default
    assert isinstance(ours, flask.json.provider.JSONProvider)


@pytest.mark.parametrize("kwargs", DUMPS_KWARGS, ids=repr)
@pytest.mark.parametrize("settings", PROVIDER_SETTINGS[:8], ids=settings_id)
def test_dumps_matches_default_provider(settings, kwargs):
    stock, ours = app_pair(settings)
    for payload in PAYLOADS:
        want = outcome(lambda p=payload: stock.json.dumps(p, **dict(kwargs)))
        got = outcome(lambda p=payload: ours.json.dumps(p, **dict(kwargs)))
        assert got == want, payload_id(payload)
        if got[0] == "ok":
            assert type(got[1]) is str


@pytest.mark.parametrize("settings", PROVIDER_SETTINGS, ids=settings_id)
def test_response_matches_default_provider(settings):
    stock, ours = app_pair(settings)
    for payload in PAYLOADS:
        with stock.app_context():
            want = outcome(lambda p=payload: response_view(stock.json.response(p)))
        with ours.app_context():
            got = outcome(lambda p=payload: response_view(ours.json.response(p)))
        assert got == want, payload_id(payload)


@pytest.mark.parametrize("settings", PROVIDER_SETTINGS[::3], ids=settings_id)
def test_response_argument_forms(settings):
    stock, ours = app_pair(settings)
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}),
        ((1,), {}),
        ((1, 2, "three"), {}),
        (({"a": 1}, [2]), {}),
        ((), {"b": 1, "a": [datetime.date(2001, 2, 3)]}),
        ((1,), {"a": 2}),  # TypeError: args and kwargs
    ]
    for args, kwargs in calls:
        want = outcome(lambda a=args, k=kwargs: response_view(stock.json.response(*a, **k)))
        got = outcome(lambda a=args, k=kwargs: response_view(ours.json.response(*a, **k)))
        assert got == want, (args, kwargs)


def test_custom_mimetype_and_default():
    def default(o: Any) -> Any:
        if isinstance(o, Opaque):
            return {"opaque": True}
        return DefaultJSONProvider.default(o)

    stock = make_app(DefaultJSONProvider, mimetype="application/vnd.api+json", default=default)
    ours = make_app(RustJSONProvider, mimetype="application/vnd.api+json", default=default)
    payload = {"o": Opaque(), "d": datetime.date(2022, 1, 1)}
    assert ours.json.dumps(payload) == stock.json.dumps(payload)
    assert response_view(ours.json.response(payload)) == response_view(stock.json.response(payload))


def test_subclass_overriding_dumps_is_honoured_by_response():
    class Upper(RustJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    class StockUpper(DefaultJSONProvider):
        def dumps(self, obj: Any, **kwargs: Any) -> str:
            return super().dumps(obj, **kwargs).upper()

    for debug in (False, True):
        ours, stock = make_app(Upper), make_app(StockUpper)
        ours.debug = stock.debug = debug
        payload = {"key": ["value", "é"]}
        assert response_view(ours.json.response(payload)) == response_view(
            stock.json.response(payload)
        )


def test_loads_matches_default_provider():
    app = make_app(RustJSONProvider)
    stock = DefaultJSONProvider(app)
    docs: list[str | bytes] = [
        '{"a": [1, 2.5, null, true, "é"]}',
        b'{"b": {"c": "\\ud83d\\ude00"}}',
        "NaN",
        "[1e400, -0.0]",
        '"\\ud800"',
        "not json",
        b"\xff",
        "",
        "[1,]",
        '{"a": 1, "a": 2}',
    ]
    for doc in docs:
        want = outcome(lambda d=doc: stock.loads(d))
        got = outcome(lambda d=doc: app.json.loads(d))
        assert repr(got) == repr(want), doc
    # Keyword arguments go to json.loads.
    assert app.json.loads("[1.5]", parse_float=decimal.Decimal) == [decimal.Decimal("1.5")]
    assert app.json.loads('{"a": 1}', object_pairs_hook=list) == [("a", 1)]


# --- jsonify ----------------------------------------------------------------------------------


JSONIFY_CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    ((), {}),
    ((HTTPBIN_GET,), {}),
    ((HTTPBIN_POST,), {}),
    ((1, "two", [3]), {}),
    ((), {"z": 1, "a": [datetime.datetime(2020, 1, 2, 3, 4, 5)], "u": uuid.UUID(int=5)}),
    (("é😀",), {}),
    ((Item("n", decimal.Decimal("1.0"), [], datetime.date(2000, 2, 2)),), {}),
    ((Opaque(),), {}),
    ((1,), {"a": 1}),
    ((float("nan"),), {}),
]


@pytest.mark.parametrize("settings", PROVIDER_SETTINGS, ids=settings_id)
@pytest.mark.parametrize("provider_cls", [DefaultJSONProvider, RustJSONProvider])
def test_jsonify_matches_flask_jsonify(settings, provider_cls):
    attrs = {k: v for k, v in settings.items() if k != "debug"}
    reference = make_app(DefaultJSONProvider, **attrs)
    app = make_app(provider_cls, **attrs)
    reference.debug = app.debug = settings["debug"]
    for args, kwargs in JSONIFY_CALLS:
        with reference.app_context():
            want = outcome(lambda a=args, k=kwargs: response_view(flask.jsonify(*a, **k)))
        with app.app_context():
            ours = outcome(lambda a=args, k=kwargs: response_view(httpbin_ext.jsonify(*a, **k)))
            flasks = outcome(lambda a=args, k=kwargs: response_view(flask.jsonify(*a, **k)))
        assert ours == want, (args, kwargs)
        assert flasks == want, (args, kwargs)


def test_jsonify_follows_provider_changes():
    app = make_app(DefaultJSONProvider)
    with app.app_context():
        first = httpbin_ext.jsonify(b=1, a=2).get_data()
        app.json.sort_keys = False
        app.json.compact = False
        second = httpbin_ext.jsonify(b=1, a=2).get_data()
        assert second == flask.jsonify(b=1, a=2).get_data()
        assert first != second


def test_jsonify_with_a_foreign_provider_delegates_to_flask():
    class Custom(DefaultJSONProvider):
        def response(self, *args: Any, **kwargs: Any) -> Any:
            resp = super().response(*args, **kwargs)
            resp.headers["X-Custom"] = "1"
            return resp

    class OnlyAttributes(DefaultJSONProvider):
        sort_keys = False
        ensure_ascii = False

    for cls in (Custom, OnlyAttributes):
        app = make_app(cls)
        with app.app_context():
            want = response_view(flask.jsonify({"b": "é", "a": 1}))
            assert response_view(httpbin_ext.jsonify({"b": "é", "a": 1})) == want


def test_jsonify_outside_app_context_fails_like_flask():
    want = outcome(lambda: flask.jsonify(1))
    got = outcome(lambda: httpbin_ext.jsonify(1))
    assert got == want
    assert want[0] == "raise"


# --- through Flask ----------------------------------------------------------------------------


def build_views(app: Flask) -> Flask:
    @app.route("/dict")
    def view_dict():
        return HTTPBIN_GET

    @app.route("/list")
    def view_list():
        return [1, "é", {"b": None, "a": datetime.date(2023, 3, 4)}]

    @app.route("/tuple")
    def view_tuple():
        return {"created": True}, 201, {"X-Extra": "yes"}

    @app.route("/jsonify")
    def view_jsonify():
        return flask.jsonify(HTTPBIN_POST)

    @app.route("/ours")
    def view_ours():
        return httpbin_ext.jsonify(HTTPBIN_POST)

    @app.route("/echo", methods=["POST"])
    def echo():
        return {"json": flask.request.get_json(), "raw": flask.request.get_data(as_text=True)}

    @app.route("/silent", methods=["POST"])
    def silent():
        return {"json": flask.request.get_json(silent=True)}

    @app.route("/template")
    def template():
        return flask.render_template_string(
            "<script>var x = {{ x|tojson }}; var y = {{ y|tojson }};</script>",
            x=HTTPBIN_POST,
            y="</script><b>'&'</b>",
        )

    return app


def client_pair(debug: bool) -> tuple[Any, Any]:
    stock = build_views(make_app(DefaultJSONProvider))
    ours = build_views(make_app(RustJSONProvider))
    stock.debug = ours.debug = debug
    return stock.test_client(), ours.test_client()


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/dict", {}),
    ("GET", "/list", {}),
    ("GET", "/tuple", {}),
    ("GET", "/jsonify", {}),
    ("GET", "/ours", {}),
    ("GET", "/template", {}),
    ("POST", "/echo", {"json": HTTPBIN_POST}),
    ("POST", "/echo", {"data": '{"a": [1, 2.50, 1e400, NaN, "\\ud83d\\ude00"]}'}),
    ("POST", "/echo", {"data": b"{not json", "content_type": "application/json"}),
    ("POST", "/echo", {"data": b"", "content_type": "application/json"}),
    ("POST", "/echo", {"data": b'{"a":1}', "content_type": "text/plain"}),  # 415
    ("POST", "/echo", {"data": b"\xff\xfe[\x001\x00]\x00", "content_type": "application/json"}),
    ("POST", "/echo", {"data": b'"\xff"', "content_type": "application/json"}),
    ("POST", "/silent", {"data": b"[1, 2", "content_type": "application/json"}),
    ("POST", "/silent", {"json": [1, {"x": None}]}),
]


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS, ids=lambda v: repr(v)[:40])
def test_views_byte_identical(debug, method, path, kwargs):
    stock, ours = client_pair(debug)
    want = stock.open(path, method=method, **kwargs)
    got = ours.open(path, method=method, **kwargs)
    assert response_view(got) == response_view(want)


def test_invalid_json_is_a_400_like_stock():
    stock, ours = client_pair(False)
    for client in (stock, ours):
        resp = client.post("/echo", data=b"{not json", content_type="application/json")
        assert resp.status_code == 400


def test_tojson_filter():
    template = "{{ x|tojson }} {{ x|tojson(indent=2) }}"
    for debug in (False, True):
        stock, ours = (make_app(DefaultJSONProvider), make_app(RustJSONProvider))
        stock.debug = ours.debug = debug
        for payload in PAYLOADS:
            with stock.app_context():
                want = outcome(lambda p=payload: flask.render_template_string(template, x=p))
            with ours.app_context():
                got = outcome(lambda p=payload: flask.render_template_string(template, x=p))
            assert got == want, payload_id(payload)


def test_json_provider_class_on_a_flask_subclass():
    class RustFlask(Flask):
        json_provider_class = RustJSONProvider

    app = build_views(RustFlask("subclass_test"))
    stock = build_views(Flask("subclass_stock"))
    assert isinstance(app.json, RustJSONProvider)
    assert not isinstance(stock.json, RustJSONProvider)
    for method, path, kwargs in REQUESTS:
        want = stock.test_client().open(path, method=method, **kwargs)
        got = app.test_client().open(path, method=method, **kwargs)
        assert response_view(got) == response_view(want), path
    with app.app_context():
        assert flask.json.dumps({"b": 1, "a": "é"}) == json.dumps(
            {"b": 1, "a": "é"}, sort_keys=True
        )
        assert flask.json.loads('{"a": [1]}') == {"a": [1]}


def test_provider_keeps_a_weak_reference_to_the_app():
    import gc
    import weakref

    app = Flask("weak")
    app.json = RustJSONProvider(app)
    ref = weakref.ref(app)
    del app
    gc.collect()
    assert ref() is None
