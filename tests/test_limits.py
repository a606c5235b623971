"""Huge and hostile inputs: 100 MB strings, 10^6-element lists, 10^5-deep nesting, 1 MB
headers, 50 MB bodies. Each must give json's / httpbin's answer (value or exception class),
never a crash, with memory proportional to the input: peak RSS is measured in a fresh
interpreter for ours and for the peer doing the same thing, and ours may not use more.
The GIL is released while large strings and bodies are processed (other threads run)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
from flask import Flask

import httpbin_ext
from httpbin_ext import HttpbinExt
from httpbin_ext.extension import fresh_httpbin_app

MB = 1_000_000

# --------------------------------------------------------------------------------------------
# dumps / loads


HUGE_STRINGS = {
    "ascii-100MB": "'a' * 100_000_000",
    "latin1-50M": "'\\xe9' * 50_000_000",
    "ucs2-20M": "'\\u20ac' * 20_000_000",
    "astral-10M": "'\\U0001f600' * 10_000_000",
    "controls-20M": "'\\x01\"\\\\' * 7_000_000",
}


@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("name", list(HUGE_STRINGS))
def test_huge_string_equals_json(name: str, ensure_ascii: bool) -> None:
    s = eval(HUGE_STRINGS[name])  # noqa: S307 - our own literal expressions
    ours = httpbin_ext.dumps([s], ensure_ascii=ensure_ascii)
    assert ours == json.dumps([s], ensure_ascii=ensure_ascii).encode()
    del ours
    raw = json.dumps(s, ensure_ascii=ensure_ascii).encode()
    assert httpbin_ext.loads(raw) == s


def _peak_rss_growth(setup: str, work: str) -> int:
    """Peak RSS growth (bytes) of ``work`` after ``setup``, in a fresh interpreter."""
    code = "\n".join(
        [
            "import gc, json, resource, sys",
            "import httpbin_ext",
            "def rss():",
            "    with open('/proc/self/statm') as f:",
            "        return int(f.read().split()[1]) * resource.getpagesize()",
            setup,
            "gc.collect()",
            "base = rss()",
            work,
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024",
            "print(peak - base)",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("name", "ensure_ascii"),
    [("ascii-100MB", True), ("latin1-50M", True), ("latin1-50M", False), ("astral-10M", True)],
)
def test_huge_string_memory_proportional(name: str, ensure_ascii: bool) -> None:
    """Ours peaks at the output buffer plus the bytes object it is copied into. json builds a
    str and encodes it: the same or more, except where that str is narrower than the UTF-8
    output (Latin-1 text with ensure_ascii=False: json 1.5× the output, ours 2×)."""
    setup = f"s = {HUGE_STRINGS[name]}"
    ours = _peak_rss_growth(setup, f"out = httpbin_ext.dumps(s, ensure_ascii={ensure_ascii})")
    peer = _peak_rss_growth(setup, f"out = json.dumps(s, ensure_ascii={ensure_ascii}).encode()")
    out_bytes = len(json.dumps(eval(HUGE_STRINGS[name]), ensure_ascii=ensure_ascii).encode())  # noqa: S307
    bound = max(peer * 1.05, 2 * out_bytes) + 8 * MB
    assert ours <= bound, f"ours {ours / MB:.0f} MB, json {peer / MB:.0f} MB"


def test_loads_huge_document_memory_no_more_than_json() -> None:
    setup = "raw = json.dumps([{'k': i, 'v': 'x' * 20} for i in range(300_000)]).encode()"
    ours = _peak_rss_growth(setup, "out = httpbin_ext.loads(raw)")
    peer = _peak_rss_growth(setup, "out = json.loads(raw)")
    assert ours <= peer * 1.05 + 8 * MB, f"ours {ours / MB:.0f} MB, json {peer / MB:.0f} MB"


@pytest.mark.parametrize(
    "expr",
    [
        "list(range(1_000_000))",
        "[i * 0.5 for i in range(1_000_000)]",
        "[str(i) for i in range(1_000_000)]",
        "{str(i): [i, None, True] for i in range(200_000)}",
        "[[]] * 1_000_000",
    ],
)
@pytest.mark.parametrize("indent", [None, 2])
def test_million_elements_equal_json(expr: str, indent: int | None) -> None:
    obj = eval(expr)  # noqa: S307 - our own literal expressions
    expected = json.dumps(obj, indent=indent, sort_keys=True)
    assert httpbin_ext.dumps(obj, indent=indent, sort_keys=True) == expected.encode()
    assert httpbin_ext.loads(expected) == json.loads(expected)


def _nested(depth: int, kind: str) -> object:
    obj: object = []
    for _ in range(depth):
        obj = [obj] if kind == "list" else {"k": obj}
    return obj


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("indent", [None, 2])
def test_deep_nesting_dumps_raises_recursion_error_like_json(kind: str, indent: int | None) -> None:
    obj = _nested(100_000, kind)
    with pytest.raises(RecursionError):
        json.dumps(obj, indent=indent)
    with pytest.raises(RecursionError):
        httpbin_ext.dumps(obj, indent=indent)
    # The interpreter is fine afterwards: a shallow document still works.
    assert (
        httpbin_ext.dumps(_nested(50, kind), indent=indent)
        == json.dumps(_nested(50, kind), indent=indent).encode()
    )


@pytest.mark.parametrize("open_close", [(b"[", b"]"), (b'{"a":', b"}")])
@pytest.mark.parametrize("as_str", [False, True])
def test_deep_nesting_loads_raises_recursion_error_like_json(
    open_close: tuple[bytes, bytes], as_str: bool
) -> None:
    opening, closing = open_close
    doc = opening * 100_000 + b"1" + closing * 100_000
    arg = doc.decode() if as_str else doc
    with pytest.raises(RecursionError):
        json.loads(arg)
    with pytest.raises(RecursionError):
        httpbin_ext.loads(arg)
    # Unterminated: json raises RecursionError before it sees the end; so must we.
    with pytest.raises(RecursionError):
        json.loads(opening * 100_000)
    with pytest.raises(RecursionError):
        httpbin_ext.loads(opening * 100_000)


# --------------------------------------------------------------------------------------------
# Requests: 1 MB headers, 50 MB bodies, through stock and accelerated httpbin


@pytest.fixture(scope="module")
def apps() -> tuple[Flask, Flask]:
    stock = fresh_httpbin_app()
    fast = fresh_httpbin_app()
    HttpbinExt(fast, mode="replace")
    return stock, fast


def _same_answer(apps: tuple[Flask, Flask], method: str, path: str, **kwargs) -> bytes:
    answers = []
    for app in apps:
        resp = app.test_client().open(path, method=method, **kwargs)
        answers.append((resp.status, resp.headers.to_wsgi_list(), resp.get_data()))
    assert answers[0][:2] == answers[1][:2]
    assert answers[0][2] == answers[1][2]
    return answers[1][2]


@pytest.mark.parametrize("path", ["/get", "/headers", "/anything/x"])
def test_one_megabyte_header(apps: tuple[Flask, Flask], path: str) -> None:
    value = "v" * MB
    body = _same_answer(apps, "GET", path, headers={"X-Big": value, "X-Other": "é" * 1000})
    assert value.encode() in body


def test_one_megabyte_query_string(apps: tuple[Flask, Flask]) -> None:
    query = "&".join(f"k{i}=%E2%82%AC{i}" for i in range(60_000))
    assert len(query) > MB
    _same_answer(apps, "GET", "/get?" + query)


BODIES = {  # content type, expression building the body
    "json-50MB": (
        "application/json",
        "json.dumps({'blob': 'x' * 50_000_000, 'n': [1, 2.5, None]}).encode()",
    ),
    "binary-50MB": ("application/octet-stream", "bytes(range(256)) * (50_000_000 // 256)"),
    "text-50MB": ("text/plain", "'é€😀'.encode() * (50_000_000 // 9)"),
    # Werkzeug's form memory limit answers 413 for both.
    "form-50MB": ("application/x-www-form-urlencoded", "b'a=' + b'b' * 50_000_000"),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_fifty_megabyte_body(apps: tuple[Flask, Flask], name: str) -> None:
    content_type, expr = BODIES[name]
    body = eval(expr)  # noqa: S307 - our own literal expressions
    _same_answer(apps, "POST", "/post", data=body, content_type=content_type)


@pytest.mark.parametrize("name", ["json-50MB", "binary-50MB"])
def test_fifty_megabyte_body_memory_no_more_than_stock(name: str) -> None:
    content_type, expr = BODIES[name]
    setup = (
        "from httpbin_ext import HttpbinExt\n"
        "from httpbin_ext.extension import fresh_httpbin_app\n"
        f"body = {expr}\n"
        "app = fresh_httpbin_app()\n"
    )
    work = (
        f"resp = app.test_client().post('/post', data=body, content_type={content_type!r})\n"
        "n = len(resp.get_data())"
    )
    peer = _peak_rss_growth(setup, work)
    ours = _peak_rss_growth(setup + "HttpbinExt(app, mode='replace')\n", work)
    assert ours <= peer * 1.05 + 8 * MB, f"ours {ours / MB:.0f} MB, stock {peer / MB:.0f} MB"


# --------------------------------------------------------------------------------------------
# The GIL is released around pure-Rust work on large inputs


def _other_thread_progress(work) -> int:
    """How often another Python thread ran while ``work()`` ran in this one."""
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0)

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.02)
    try:
        before = ticks
        work()
        return ticks - before
    finally:
        stop.set()
        t.join()


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_gil_released_while_escaping_a_huge_string(ensure_ascii: bool) -> None:
    s = "é\n" * 20_000_000
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)  # a GIL-holding call would starve the other thread entirely
    try:
        ran = _other_thread_progress(lambda: httpbin_ext.dumps(s, ensure_ascii=ensure_ascii))
    finally:
        sys.setswitchinterval(old)
    assert ran > 0


def test_gil_released_while_encoding_a_huge_body() -> None:
    from httpbin_ext import _native

    data = bytes(range(256)) * (40 * MB // 256)
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        ran = _other_thread_progress(lambda: _native.json_safe(data))
    finally:
        sys.setswitchinterval(old)
    assert ran > 0


@pytest.mark.parametrize(
    "s",
    [
        "é" * 100_000 + "\ud800",
        "\udfff" + "€" * 100_000,
        "😀" * 70_000 + "\udc00x",
    ],
)
def test_long_string_with_lone_surrogate_utf8_output(s: str) -> None:
    """Long non-ASCII strings are transcoded from their code units: a lone surrogate still
    makes UTF-8 output fail as ``json.dumps(...).encode()`` does, and ensure_ascii writes it."""
    for obj in (s, [s, "after"], {"k": s}):
        with pytest.raises(UnicodeEncodeError):
            json.dumps(obj, ensure_ascii=False).encode()
        with pytest.raises(UnicodeEncodeError):
            httpbin_ext.dumps(obj, ensure_ascii=False)
        assert httpbin_ext.dumps(obj) == json.dumps(obj).encode()
