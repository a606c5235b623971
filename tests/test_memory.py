"""Leak checks: every API called a million times, resident memory flat afterwards.

Slow (a few minutes), so deselected from the default run; `make test-memory` (and CI) runs
them: `pytest -m memory tests/test_memory.py`. Each test warms up, then calls the API
``CALLS`` times over a mix of inputs (good ones and ones that raise), and asserts that the
resident set grew by less than 1 MB: a leak of one byte per call would show.
"""

from __future__ import annotations

import gc
import io
import json
import os
import resource
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

import httpbin_ext
from httpbin_ext import HttpbinExt, RustJSONProvider, get_dict
from httpbin_ext.extension import fresh_httpbin_app

pytestmark = pytest.mark.memory

CALLS = int(os.environ.get("HTTPBIN_EXT_MEMORY_CALLS", 1_000_000))
WARMUP = max(CALLS // 20, 1000)
LIMIT = 1_000_000  # bytes


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def assert_flat(calls: list[Callable[[], Any]]) -> None:
    """Runs the callables round-robin: WARMUP calls, then CALLS calls; RSS must stay flat."""
    n = len(calls)
    for i in range(WARMUP):
        calls[i % n]()
    gc.collect()
    before = rss()
    for i in range(CALLS):
        calls[i % n]()
    gc.collect()
    growth = rss() - before
    print(f"{CALLS:,} calls: RSS {before / 1e6:.1f} MB -> {(before + growth) / 1e6:.1f} MB")
    assert growth < LIMIT, f"RSS grew by {growth / 1e6:.2f} MB over {CALLS:,} calls"


def raises(exc: type[BaseException], fn: Callable[[], Any]) -> Callable[[], None]:
    def call() -> None:
        try:
            fn()
        except exc:
            return
        raise AssertionError(f"expected {exc.__name__}")

    return call


PAYLOAD = {
    "args": {"a": "1", "b": ["x", "é"]},
    "headers": {"Host": "localhost", "User-Agent": "memtest/1.0", "X-Emoji": "😀"},
    "json": {"n": [1, 2.5, None, True, 10**30], "s": "\u2028\x00"},
    "origin": "127.0.0.1",
    "url": "http://localhost/get?a=1",
}


class Unserializable:
    pass


def test_dumps_does_not_leak() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    big = "é" * 100_000  # the transcoding and GIL-release paths
    spilled = ["s" * 1000] * 100  # short values: the output fills the buffer and spills

    def bad_default(obj: Any) -> Any:
        raise ValueError("nope")

    assert_flat(
        [
            lambda: httpbin_ext.dumps(PAYLOAD),
            lambda: httpbin_ext.dumps(PAYLOAD, indent=2, sort_keys=True),
            lambda: httpbin_ext.dumps(PAYLOAD, ensure_ascii=False, separators=(",", ":")),
            lambda: httpbin_ext.dumps({1: 2.5, None: [Unserializable()]}, default=repr),
            lambda: httpbin_ext.dumps([big], ensure_ascii=False),
            raises(TypeError, lambda: httpbin_ext.dumps({"x": Unserializable()})),
            raises(ValueError, lambda: httpbin_ext.dumps([Unserializable()], default=bad_default)),
            raises(ValueError, lambda: httpbin_ext.dumps(cyclic)),
            raises(TypeError, lambda: httpbin_ext.dumps({(1,): 1})),
            raises(UnicodeEncodeError, lambda: httpbin_ext.dumps("\ud800", ensure_ascii=False)),
            # Outputs past 64 KiB, finished in or failing out of a bytes object's storage.
            lambda: httpbin_ext.dumps([*spilled, PAYLOAD]),
            raises(TypeError, lambda: httpbin_ext.dumps([*spilled, Unserializable()])),
            raises(
                UnicodeEncodeError,
                lambda: httpbin_ext.dumps([*spilled, "\ud800"], ensure_ascii=False),
            ),
        ]
    )


def test_loads_does_not_leak() -> None:
    doc = json.dumps(PAYLOAD).encode()
    assert_flat(
        [
            lambda: httpbin_ext.loads(doc),
            lambda: httpbin_ext.loads(doc.decode()),
            lambda: httpbin_ext.loads(b'[1e400, -0.0, NaN, "\\ud83d\\ude00", {"k": {}}]'),
            lambda: httpbin_ext.loads(b'"\\ud800"'),  # lone surrogate: json's own path
            raises(json.JSONDecodeError, lambda: httpbin_ext.loads(b'{"a": [1, 2,')),
            raises(json.JSONDecodeError, lambda: httpbin_ext.loads(b"\xff\xfe")),
            raises(RecursionError, lambda: httpbin_ext.loads(b"[" * 3_000)),
        ]
    )


def test_provider_response_does_not_leak() -> None:
    app = Flask(__name__)
    app.json = RustJSONProvider(app)
    with app.app_context():
        assert_flat(
            [
                lambda: app.json.response(PAYLOAD),
                lambda: app.json.response([1, 2, 3]),
                lambda: app.json.response(a=1, b="é"),
                raises(TypeError, lambda: app.json.response({"x": Unserializable()})),
            ]
        )


def test_get_dict_does_not_leak() -> None:
    app = fresh_httpbin_app()
    envs = [
        EnvironBuilder(
            path="/get", query_string="a=1&b=%E2%82%AC&b=2", headers={"X-A": "é"}
        ).get_environ(),
        EnvironBuilder(path="/post", method="POST", json={"k": [1, "v"]}).get_environ(),
        EnvironBuilder(
            path="/post", method="POST", data={"f": "1", "g": "é"}, headers={"Host": "[::1]:80"}
        ).get_environ(),
    ]
    bodies = [b"", json.dumps({"k": [1, "v"]}).encode(), b""]
    form_env = envs[2]
    form_body = form_env["wsgi.input"].read()
    bodies[2] = form_body
    keys = [("url", "args", "headers", "origin"), ("url", "args", "form", "data", "json")]

    def call(i: int) -> Callable[[], None]:
        def run() -> None:
            env = dict(envs[i])
            env["wsgi.input"] = io.BytesIO(bodies[i])
            with app.request_context(env):
                get_dict(*keys[i % 2])

        return run

    def unknown_key() -> None:
        with app.request_context(dict(envs[0], **{"wsgi.input": io.BytesIO()})):
            get_dict("nope")

    assert_flat([call(0), call(1), call(2), raises(AssertionError, unknown_key)])


def test_full_requests_through_the_accelerated_app_do_not_leak() -> None:
    app = fresh_httpbin_app()
    HttpbinExt(app, mode="replace")
    builders = [
        EnvironBuilder(path="/get", query_string="foo=bar&baz=1", headers={"User-Agent": "m"}),
        EnvironBuilder(path="/post", method="POST", json={"order": [1, 2, {"x": "é"}]}),
        EnvironBuilder(path="/post", method="POST", data={"name": "Jane", "q": "3"}),
        EnvironBuilder(path="/anything/a/b", query_string="x=1", method="DELETE"),
        EnvironBuilder(path="/headers", headers={"X-Forwarded-Proto": "https"}),
        EnvironBuilder(path="/post", method="POST", data=b"\xff\x00", content_type="a/b"),
    ]
    requests = []
    for b in builders:
        env = b.get_environ()
        requests.append((env, env["wsgi.input"].read()))

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        assert status.startswith("200")

    def call(i: int) -> Callable[[], None]:
        env, body = requests[i]

        def run() -> None:
            e = dict(env)
            e["wsgi.input"] = io.BytesIO(body)
            result = app(e, start_response)
            try:
                b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()

        return run

    assert_flat([call(i) for i in range(len(requests))])
