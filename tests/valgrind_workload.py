"""A short run of every native entry point, for `make valgrind` (memcheck).

Not a pytest module (no test_ prefix): valgrind makes CPython ~50× slower, so this covers each
code path a few times instead of the whole suite. Every result is still checked against the
peer (json, stock httpbin), so a memory error that corrupts output fails here too.
Run: PYTHONMALLOC=malloc valgrind --error-exitcode=99 python tests/valgrind_workload.py
"""

from __future__ import annotations

import enum
import io
import json
import sys
import threading
from collections import namedtuple
from typing import Any

from flask import Flask
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder

import httpbin_ext
from httpbin_ext import HttpbinExt, RustJSONProvider
from httpbin_ext.extension import fresh_httpbin_app


class Color(enum.IntEnum):
    RED = 1


Point = namedtuple("Point", "x y")


def check(label: str, ours: Any, peer: Any) -> None:
    if ours != peer:
        sys.exit(f"{label}: {ours!r:.200} != {peer!r:.200}")


def outcome(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """("ok", repr of the result) or ("raise", exception class): NaN-safe to compare."""
    try:
        return ("ok", repr(fn(*args, **kwargs)))
    except Exception as exc:  # noqa: BLE001 - compared by class
        return ("raise", type(exc))


def dumps_cases() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    values = [
        {
            "b": [1, 2.5, None, True, 10**40, -0.0],
            "a": "é€😀\x00\x7f\u2028",
            Color.RED: Point(1, 2),
        },
        MultiDict([("k", "1"), ("k", "2")]),
        [Markup("<b>"), (1, 2), float("nan"), float("inf"), 1e-5, 1e16],
        {1: "int key", 2.5: "float", None: "none", False: "bool"},
        "x" * 70_000 + "é" * 70_000,  # chunked escaping, transcoding
        "😀" * 300_000,  # the GIL-release threshold
        cyclic,
        {"bad": object()},
        {(1, 2): "tuple key"},
        "\ud800",
    ]
    options = [
        {},
        {"indent": 2, "sort_keys": True},
        {"ensure_ascii": False, "separators": (",", ":")},
        {"default": repr, "allow_nan": False},
    ]
    for value in values:
        for opts in options:
            ours = outcome(httpbin_ext.dumps, value, **opts)
            peer = outcome(lambda v, o: json.dumps(v, **o).encode(), value, opts)
            check(f"dumps {opts}", ours, peer)
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    check("deep", outcome(httpbin_ext.dumps, deep), ("raise", RecursionError))


def loads_cases() -> None:
    docs = [
        json.dumps({"a": [1, 2.5e-300, "é😀", None, {"k": {}}], "big": 10**50}).encode(),
        b'[NaN, Infinity, -Infinity, 1e400, "\\ud83d\\ude00", "\\u00e9"]',
        b'"\\ud800"',
        b"\xef\xbb\xbf[1]",
        '{"str": "input"}',
        b'{"a": [1, 2,',
        b"\xff\xfe",
        b"[" * 5_000,
    ]
    for doc in docs:
        check(
            f"loads {doc[:20]!r}",
            outcome(httpbin_ext.loads, doc),
            outcome(json.loads, doc),
        )


def provider_cases() -> None:
    ours, plain = Flask("ours"), Flask("plain")
    ours.json = RustJSONProvider(ours)
    for payload in ({"a": 1, "é": [1.5]}, [1, 2], "text"):
        with ours.app_context():
            a = ours.json.response(payload).get_data()
        with plain.app_context():
            b = plain.json.response(payload).get_data()
        check("provider", a, b)


def request_cases() -> None:
    stock = fresh_httpbin_app()
    fast = fresh_httpbin_app()
    HttpbinExt(fast, mode="replace")
    builders = [
        dict(path="/get", query_string="a=1&b=%E2%82%AC&b=%ff", headers={"X-A": "é"}),
        dict(path="/post", method="POST", json={"k": [1, {"v": "é"}]}),
        dict(path="/post", method="POST", data={"f": "1", "g": "é"}),
        dict(path="/post", method="POST", data=b"\xff\x00" * 600_000, content_type="a/b"),
        dict(path="/anything/x/y", method="DELETE", headers={"Host": "[::1]:8080"}),
        dict(path="/headers", headers={"X-Forwarded-Proto": "https", "Cookie": "a=b"}),
        dict(path="/post", method="POST", data=b"[" * 3000, content_type="application/json"),
    ]
    for kwargs in builders:
        env = EnvironBuilder(**kwargs).get_environ()
        body = env["wsgi.input"].read()
        answers = []
        for app in (stock, fast):
            e = dict(env, **{"wsgi.input": io.BytesIO(body)})
            status: list[str] = []
            result = app(e, lambda s, h, exc_info=None, into=status: into.append(s))
            answers.append((status, b"".join(result)))
        check(f"request {kwargs.get('path')}", answers[1], answers[0])


def threads() -> None:
    errors: list[str] = []

    def work() -> None:
        for _ in range(20):
            value = {"k": ["é" * 10, 1.5, None], "s": "😀" * 300_000}
            if httpbin_ext.loads(httpbin_ext.dumps(value)) != value:
                errors.append("roundtrip")

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check("threads", errors, [])


if __name__ == "__main__":
    dumps_cases()
    loads_cases()
    provider_cases()
    request_cases()
    threads()
    print("valgrind workload: all results equal the peer's")
