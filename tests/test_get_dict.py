"""``httpbin_ext.get_dict`` against ``httpbin.helpers.get_dict``: values, types and exceptions.

Each call runs in its own request context over a freshly built environ (``get_dict`` reads
the body and uploaded files, so a request can only be read once). Two comparisons:

* values: what ``jsonify`` would see - mappings (``dict``, ``MultiDict``,
  ``CaseInsensitiveDict``) compared as ordered key/value lists, scalars strictly (type,
  value, float bits); and exceptions: same type when httpbin raises (messages too, except
  where they are not deterministic, see ``conftest.outcome``);
* types: the exact type of every value, recursively (httpbin returns the request's empty
  ``ImmutableMultiDict`` itself for no args / no form, and a ``CaseInsensitiveDict`` for the
  headers), kept separate so that a type difference does not hide a value difference.

Inputs: hypothesis-generated environs (query strings from a byte alphabet with ``%+&=;``,
non-ASCII and invalid UTF-8; random header names and latin-1 values; random hosts, paths,
``SCRIPT_NAME``, ``X-Forwarded-*``; bodies with random content types), and every request of
the differential corpus (``request_corpus``).
"""

from __future__ import annotations

import math
import struct
import typing as t
from collections.abc import Callable, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from request_corpus import (
    BOUNDARY,
    DELETE,
    HOSTS,
    JSON_BODIES,
    MULTIPART_BODIES,
    QUERY_STRINGS,
    SCRIPT_NAMES,
    Case,
    build_corpus,
    latin1,
)

import httpbin_ext

KEYS = ("url", "args", "form", "data", "origin", "headers", "files", "json", "method")


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def normalize(value: t.Any) -> t.Any:
    """The JSON-level value: mappings as ordered item lists, scalars with their type."""
    if isinstance(value, Mapping):
        return ("map", [(normalize(k), normalize(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return ("list", [normalize(v) for v in value])
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else struct.pack("<d", value))
    return (type(value), value)


def type_differences(a: t.Any, b: t.Any, path: str = "") -> list[str]:
    """Where the exact types of ``a`` and ``b`` (and of everything in them) differ."""
    if type(a) is not type(b):
        return [f"{path or '(result)'}: {_qualname(a)} vs {_qualname(b)}"]
    out: list[str] = []
    if isinstance(a, Mapping):
        for (ka, va), (kb, vb) in zip(a.items(), b.items()):
            out += type_differences(ka, kb, f"{path}<key {ka!r}>")
            out += type_differences(va, vb, f"{path}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        for i, (va, vb) in enumerate(zip(a, b)):
            out += type_differences(va, vb, f"{path}[{i}]")
    return out


def _qualname(value: t.Any) -> str:
    cls = type(value)
    return f"{cls.__module__}.{cls.__qualname__}"


def stock_get_dict(*keys: str, **extras: t.Any) -> dict[str, t.Any]:
    from httpbin.helpers import get_dict

    return get_dict(*keys, **extras)


def fast_get_dict(*keys: str, **extras: t.Any) -> dict[str, t.Any]:
    return httpbin_ext.get_dict(*keys, **extras)


# What the view (or a before_request hook) may have read before calling get_dict: Werkzeug
# caches args/url/form/data on the request, or the stream is partly or fully consumed.
PRELOADS: dict[str, Callable[[t.Any], t.Any]] = {
    "nothing": lambda r: None,
    "args": lambda r: r.args,
    "url": lambda r: r.url,
    "form": lambda r: r.form,
    "files": lambda r: r.files,
    "data": lambda r: r.data,
    "get_data(cache=False)": lambda r: r.get_data(cache=False),
    "stream.read(3)": lambda r: r.stream.read(3),
    "get_json(silent=True)": lambda r: r.get_json(silent=True),
    "values": lambda r: r.values,
}


def call(
    app: t.Any,
    impl: Callable[..., dict[str, t.Any]],
    case: Case,
    keys: tuple[str, ...],
    extras: dict[str, t.Any],
    capture: Callable[[Callable[[], t.Any]], tuple[t.Any, ...]],
    preload: str = "nothing",
) -> tuple[t.Any, ...]:
    environ = case.make_environ()

    def run() -> dict[str, t.Any]:
        from flask import request

        with app.request_context(environ):
            PRELOADS[preload](request)
            return impl(*keys, **extras)

    return capture(run)


def compare(
    app: t.Any,
    case: Case,
    keys: tuple[str, ...],
    extras: dict[str, t.Any],
    capture: Callable[[Callable[[], t.Any]], tuple[t.Any, ...]],
    preload: str = "nothing",
) -> tuple[str | None, str | None]:
    """``(value difference, type difference)``, each ``None`` when there is none."""
    a = call(app, stock_get_dict, case, keys, extras, capture, preload)
    b = call(app, fast_get_dict, case, keys, extras, capture, preload)
    call_text = f"get_dict{keys}{' + ' + repr(extras) if extras else ''}"
    if preload != "nothing":
        call_text = f"request.{preload}, then {call_text}"
    where = f"{case.id}: {call_text}\n  {case.describe()}"
    if a[0] == "raise" or b[0] == "raise":
        if a != b:
            return f"{where}\n  httpbin: {a!r}\n  ours:    {b!r}", None
        return None, None
    value_diff = type_diff = None
    if normalize(a[1]) != normalize(b[1]):
        value_diff = f"{where}\n  httpbin: {a[1]!r}\n  ours:    {b[1]!r}"
    types = type_differences(a[1], b[1])
    if types:
        type_diff = f"{where}\n  types (httpbin vs ours): {'; '.join(types)}"
    return value_diff, type_diff


# --------------------------------------------------------------------------------------------
# Apps
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps() -> dict[str, t.Any]:
    """httpbin apps (any app works: get_dict reads only ``flask.request``), and one with
    ``TRUSTED_HOSTS`` so that ``request.host`` can raise ``SecurityError``."""
    from httpbin_ext.extension import fresh_httpbin_app

    plain = fresh_httpbin_app()
    trusted = fresh_httpbin_app()
    trusted.config["TRUSTED_HOSTS"] = ["localhost", ".example.com", "[::1]"]
    small = fresh_httpbin_app()
    small.config["MAX_CONTENT_LENGTH"] = 1000
    small.config["MAX_FORM_MEMORY_SIZE"] = 100
    small.config["MAX_FORM_PARTS"] = 3
    return {"plain": plain, "trusted": trusted, "small": small}


# --------------------------------------------------------------------------------------------
# Hypothesis strategies
# --------------------------------------------------------------------------------------------

QUERY_ALPHABET = [
    b"a",
    b"b",
    b"K",
    b"1",
    b"=",
    b"&",
    b";",
    b"+",
    b"%",
    b"2",
    b"0",
    b"e",
    b"F",
    b"z",
    b" ",
    b"#",
    b"?",
    b"/",
    b"\x00",
    b"\t",
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xc3",
    b"\xa9",
    b"\xff",
    b"\xe9",
    b"%C3%A9",
    b"%e2%82",
    b"%zz",
    b"%2",
    b"show_env",
    b"require-cookie",
]

NAME_ALPHABET = st.sampled_from(list("ABXYZaxyz_-019") + ["\xe9", "\xdf", " ", "'"])
VALUE_TEXT = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0xFF, exclude_characters="\n\r"),
    max_size=20,
)
HEADER_NAMES = st.one_of(
    st.sampled_from(
        [
            "USER_AGENT",
            "ACCEPT",
            "X_FORWARDED_FOR",
            "X_FORWARDED_PROTO",
            "X_FORWARDED_PROTOCOL",
            "X_FORWARDED_SSL",
            "X_REAL_IP",
            "VIA",
            "X_REQUEST_ID",
            "COOKIE",
            "CONTENT_TYPE",
            "CONTENT_LENGTH",
            "HOST",
            "x_forwarded_for",
            "DNT",
        ]
    ),
    st.text(alphabet=NAME_ALPHABET, max_size=12),
)
PROTO_VALUES = st.sampled_from(["https", "http", "", "HTTPS", "ftp", "on", "\xe9", "a:b", "1"])


def _query_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.lists(st.sampled_from(QUERY_ALPHABET), max_size=25).map(b"".join),
        st.sampled_from(QUERY_STRINGS),
    )


BODY_CONTENT_TYPES = st.sampled_from(
    [
        None,
        "",
        "application/json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        f"multipart/form-data; boundary={BOUNDARY}",
        "multipart/form-data",
        "application/octet-stream",
        "APPLICATION/JSON",
    ]
)


@st.composite
def bodies(draw: st.DrawFn) -> tuple[str | None, bytes] | None:
    kind = draw(st.sampled_from(["none", "raw", "form", "json", "multipart"]))
    if kind == "none":
        return None
    ct = draw(BODY_CONTENT_TYPES)
    if kind == "raw":
        data = draw(st.binary(max_size=60))
    elif kind == "form":
        data = draw(_query_bytes())
    elif kind == "json":
        data = draw(
            st.one_of(
                st.sampled_from([b for b in JSON_BODIES if len(b) < 5000]),
                st.lists(
                    st.sampled_from([b"[", b"]", b"{", b"}", b'"a"', b":", b",", b"1"]), max_size=30
                ).map(b"".join),
            )
        )
    else:
        _, data, multipart_ct = draw(
            st.sampled_from([m for m in MULTIPART_BODIES if len(m[1]) < 50_000])
        )
        if draw(st.booleans()):
            ct = multipart_ct
    return ct, data


@st.composite
def cases(draw: st.DrawFn) -> Case:
    edits: list[tuple[str, t.Any]] = []
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "get", "X"]))
    edits.append(("REQUEST_METHOD", method))
    path = draw(st.lists(st.sampled_from(QUERY_ALPHABET + [b"/", b"/", b";"]), max_size=10))
    edits.append(("PATH_INFO", latin1(b"/" + b"".join(path))))
    if draw(st.booleans()):
        edits.append(("SCRIPT_NAME", draw(st.one_of(st.sampled_from(SCRIPT_NAMES), VALUE_TEXT))))
    edits.append(("QUERY_STRING", latin1(draw(_query_bytes()))))
    host = draw(
        st.one_of(
            st.sampled_from(HOSTS),
            st.lists(st.sampled_from(list("aZ0.-:[]_@ \xe9") + ["xn--", "::1"]), max_size=8).map(
                "".join
            ),
            st.just(DELETE),
        )
    )
    edits.append(("HTTP_HOST", host))
    if draw(st.booleans()):
        edits.append(("wsgi.url_scheme", draw(st.sampled_from(["https", "http", "HTTP", "ws"]))))
    for name, value in draw(st.lists(st.tuples(HEADER_NAMES, VALUE_TEXT), max_size=6)):
        edits.append(("HTTP_" + name, value))
    for name in draw(
        st.lists(
            st.sampled_from(["X_FORWARDED_PROTO", "X_FORWARDED_PROTOCOL", "X_FORWARDED_SSL"]),
            max_size=3,
            unique=True,
        )
    ):
        edits.append(("HTTP_" + name, draw(PROTO_VALUES)))
    if draw(st.booleans()):
        edits.append(
            ("REMOTE_ADDR", draw(st.sampled_from([DELETE, "", "::1", "10.0.0.1", "\xe9"])))
        )
    body = draw(bodies())
    raw_input = None
    if body is not None:
        ct, raw_input = body
        edits.append(("CONTENT_TYPE", DELETE if ct is None else ct))
        length = draw(
            st.sampled_from(["exact", "exact", "exact", "missing", "0", "short", "junk", "-1"])
        )
        lengths = {
            "exact": str(len(raw_input)),
            "missing": DELETE,
            "0": "0",
            "short": str(len(raw_input) // 2),
            "junk": "x",
            "-1": "-1",
        }
        edits.append(("CONTENT_LENGTH", lengths[length]))
        if draw(st.integers(0, 9)) == 0:
            edits.append(("wsgi.input_terminated", True))
    return Case(
        "hypothesis", "example", path="/", environ=tuple(edits), raw_input=raw_input, bare=True
    )


KEY_LISTS = st.one_of(
    st.just(KEYS),
    st.permutations(KEYS),
    st.lists(st.sampled_from(KEYS), max_size=4).map(tuple),
)
EXTRAS = st.one_of(
    st.just({}),
    st.dictionaries(st.sampled_from(["url", "method", "gzipped", "x"]), st.integers(), max_size=2),
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    case=cases(),
    keys=KEY_LISTS,
    extras=EXTRAS,
    app_name=st.sampled_from(["plain", "trusted", "small"]),
    preload=st.sampled_from(list(PRELOADS)),
)
def test_get_dict_values(
    apps: dict[str, t.Any],
    capture: Callable[[Callable[[], t.Any]], tuple[t.Any, ...]],
    case: Case,
    keys: tuple[str, ...],
    extras: dict[str, t.Any],
    app_name: str,
    preload: str,
) -> None:
    value_diff, _ = compare(apps[app_name], case, keys, extras, capture, preload)
    assert value_diff is None, f"[{app_name} app] {value_diff}"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(), keys=KEY_LISTS)
def test_get_dict_types(
    apps: dict[str, t.Any],
    capture: Callable[[Callable[[], t.Any]], tuple[t.Any, ...]],
    case: Case,
    keys: tuple[str, ...],
) -> None:
    _, type_diff = compare(apps["plain"], case, keys, {}, capture)
    assert type_diff is None, type_diff


def test_get_dict_invalid_key(
    apps: dict[str, t.Any], capture: Callable[[Callable[[], t.Any]], tuple[t.Any, ...]]
) -> None:
    case = Case("explicit", "bogus key", path="/get")
    for keys in (("bogus",), ("url", "URL"), ("url", "")):
        assert call(apps["plain"], stock_get_dict, case, keys, {}, capture)[:2] == (
            "raise",
            AssertionError,
        )
        assert compare(apps["plain"], case, keys, {}, capture) == (None, None)


# --------------------------------------------------------------------------------------------
# Every request of the differential corpus
# --------------------------------------------------------------------------------------------

CORPUS_KEY_SETS: tuple[tuple[str, ...], ...] = (
    KEYS,
    tuple(reversed(KEYS)),
    ("url", "args", "headers", "origin"),
    ("headers",),
    ("origin", "headers", "form", "files"),
    ("json", "data"),
)


@pytest.fixture(scope="module")
def corpus_diffs(
    apps: dict[str, t.Any], capture: Callable[[Callable[[], t.Any]], tuple[t.Any, ...]]
) -> tuple[list[str], list[str]]:
    """``(value differences, type differences)`` over the whole corpus, computed once."""
    values, types = [], []
    preloads = list(PRELOADS)
    for i, case in enumerate(build_corpus()):
        keys = CORPUS_KEY_SETS[i % len(CORPUS_KEY_SETS)] if i % 2 else KEYS
        # Most requests with nothing read before; every 5th after one of the preloads.
        preload = preloads[(i // 5) % len(preloads)] if i % 5 == 4 else "nothing"
        value_diff, type_diff = compare(apps["plain"], case, keys, {}, capture, preload)
        if value_diff is not None:
            values.append(value_diff)
        if type_diff is not None:
            types.append(type_diff)
    return values, types


def _fail(what: str, diffs: list[str]) -> None:
    shown = "\n\n".join(diffs[:25])
    more = f"\n\n... and {len(diffs) - 25} more" if len(diffs) > 25 else ""
    pytest.fail(
        f"{len(diffs)} corpus requests give different {what}:\n\n{shown}{more}", pytrace=False
    )


def test_get_dict_corpus_values(corpus_diffs: tuple[list[str], list[str]]) -> None:
    if corpus_diffs[0]:
        _fail("values or exceptions", corpus_diffs[0])


def test_get_dict_corpus_types(corpus_diffs: tuple[list[str], list[str]]) -> None:
    if corpus_diffs[1]:
        _fail("types", corpus_diffs[1])
