"""Many threads at once, as gunicorn's gthread workers run them: the accelerated views,
dumps, loads and the provider from 16 threads with a tiny switch interval, every result
checked against the answer computed single-threaded by the peer (stock httpbin, json).
Plus threads that mutate containers while another thread serializes them (with the GIL
released around long strings): never a crash, and only answers json could give."""

from __future__ import annotations

import json
import random
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

import httpbin_ext
from httpbin_ext import HttpbinExt, RustJSONProvider
from httpbin_ext.extension import fresh_httpbin_app

THREADS = 16
ITERATIONS = 400


@contextmanager
def tiny_switch_interval() -> Iterator[None]:
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(old)


def run_threads(worker: Callable[[int], list[str]]) -> list[str]:
    barrier = threading.Barrier(THREADS)

    def start(i: int) -> list[str]:
        barrier.wait()
        return worker(i)

    with tiny_switch_interval(), ThreadPoolExecutor(THREADS) as pool:
        return [err for errs in pool.map(start, range(THREADS)) for err in errs]


PAYLOADS: list[Any] = [
    {"args": {"a": "1", "b": ["x", "y"]}, "url": "http://h/get?a=1", "n": [1, 2.5, None]},
    ["é€😀", "\u2028\x00\x7f", {"k": True, "z": -0.0, "big": 10**30}],
    {str(i): [i, i * 0.1, str(i) * 3] for i in range(200)},
    "x" * 3000 + "é" * 3000,
    [[[[{"deep": [1, {"deeper": None}]}]]]],
    {"float": [1e-5, 1e16, 2.5e-7, float("inf"), float("nan")]},
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"indent": 2, "sort_keys": True},
    {"ensure_ascii": False},
    {"separators": (",", ":"), "sort_keys": True},
]


def test_dumps_and_loads_from_many_threads() -> None:
    cases = [(p, o, json.dumps(p, **o).encode()) for p in PAYLOADS for o in OPTIONS]

    def worker(seed: int) -> list[str]:
        rng = random.Random(seed)
        errors = []
        for _ in range(ITERATIONS):
            payload, opts, expected = rng.choice(cases)
            got = httpbin_ext.dumps(payload, **opts)
            if got != expected:
                errors.append(f"dumps {opts}: {got[:80]!r} != {expected[:80]!r}")
            back = httpbin_ext.loads(got)
            if json.dumps(back, **opts).encode() != expected:
                errors.append(f"loads of {expected[:80]!r}")
        return errors

    assert run_threads(worker) == []


def test_dumps_while_another_call_has_released_the_gil() -> None:
    """dumps reuses one set of output buffers while it holds the GIL; a call that finds them
    taken (another thread's dumps is escaping a string over 1 MB with the GIL released, or
    `default` re-entered dumps) must use its own. Long and short payloads, with and without
    indent, from 8 threads: every output equals json's."""
    long_text = "é" * 1_200_000 + "\n" + "a" * 300_000
    payloads: list[Any] = [
        {"long": long_text, "n": [1, 2]},
        [long_text, {"x": "y"}],
        {"b": {"c": [1.5, None]}, "a": "short"},
        {"nested": [{"d": object()}]},
    ]

    def default(o: Any) -> Any:
        return {"via": httpbin_ext.dumps({"inner": [1, 2]}, indent=3).decode()}

    opts_list: list[dict[str, Any]] = [{}, {"indent": 2, "sort_keys": True}, {"indent": "\t"}]
    cases = [
        (p, o, json.dumps(p, default=default, **o).encode()) for p in payloads for o in opts_list
    ]

    def worker(seed: int) -> list[str]:
        rng = random.Random(seed)
        errors = []
        for _ in range(12):
            payload, opts, expected = rng.choice(cases)
            got = httpbin_ext.dumps(payload, default=default, **opts)
            if got != expected:
                errors.append(f"dumps {opts}: {got[:80]!r} != {expected[:80]!r}")
        return errors

    barrier = threading.Barrier(8)

    def start(i: int) -> list[str]:
        barrier.wait()
        return worker(i)

    with tiny_switch_interval(), ThreadPoolExecutor(8) as pool:
        assert [e for errs in pool.map(start, range(8)) for e in errs] == []


def test_provider_response_from_many_threads() -> None:
    app = Flask(__name__)
    app.json = RustJSONProvider(app)
    plain = Flask(__name__)
    with plain.app_context():
        expected = [plain.json.response(p).get_data() for p in PAYLOADS[:3]]

    def worker(seed: int) -> list[str]:
        rng = random.Random(seed)
        errors = []
        with app.app_context():
            for _ in range(ITERATIONS):
                i = rng.randrange(len(expected))
                got = app.json.response(PAYLOADS[i]).get_data()
                if got != expected[i]:
                    errors.append(f"response {i}: {got[:80]!r}")
        return errors

    assert run_threads(worker) == []


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/get?a=1&b=%E2%82%AC&b=2", {"headers": {"X-Thing": "é"}}),
    ("POST", "/post", {"json": {"k": [1, 2, {"v": "é"}]}}),
    ("POST", "/post", {"data": {"name": "Jane", "multi": ["1", "2"]}}),
    (  # a fixed boundary: Werkzeug's own is random
        "POST",
        "/post",
        {
            "data": b'--B\r\nContent-Disposition: form-data; name="f"; filename="f.bin"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n\xff\xfebin\r\n"
            b'--B\r\nContent-Disposition: form-data; name="t"\r\n\r\n\xc3\xa9\r\n--B--\r\n',
            "content_type": "multipart/form-data; boundary=B",
        },
    ),
    ("PUT", "/put", {"data": b"\x00\xffraw", "content_type": "application/octet-stream"}),
    ("DELETE", "/anything/a/b?x=1", {}),
    ("GET", "/headers", {"headers": {"Cookie": "a=b", "X-Forwarded-Proto": "https"}}),
    ("GET", "/ip", {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}),
    ("GET", "/user-agent", {"headers": {"User-Agent": "thread-test/1.0"}}),
    ("GET", "/response-headers?X-A=1&X-A=2", {}),
    ("GET", "/basic-auth/u/p", {"headers": {"Authorization": "Basic dTpw"}}),
    ("PATCH", "/patch", {"data": "plain é".encode(), "content_type": "text/plain"}),
]


def _answer(app: Flask, method: str, path: str, kwargs: dict[str, Any]) -> tuple:
    resp = app.test_client(use_cookies=False).open(path, method=method, **kwargs)
    return resp.status, resp.headers.to_wsgi_list(), resp.get_data()


@pytest.mark.parametrize("mode", ["replace", "side-by-side"])
def test_accelerated_views_from_many_threads(mode: str) -> None:
    stock = fresh_httpbin_app()
    fast = fresh_httpbin_app()
    HttpbinExt(fast, mode=mode)
    prefix = "/fast" if mode == "side-by-side" else ""
    expected = [_answer(stock, m, p, kw) for m, p, kw in REQUESTS]

    def worker(seed: int) -> list[str]:
        rng = random.Random(seed)
        errors = []
        for _ in range(ITERATIONS // 4):
            i = rng.randrange(len(REQUESTS))
            method, path, kwargs = REQUESTS[i]
            got = _answer(fast, method, prefix + path, kwargs)
            want = expected[i]
            if prefix:  # the echoed URL carries the prefix (and so the length differs)
                got = (got[0], _no_length(got[1]), got[2].replace(b"/fast/", b"/"))
                want = (want[0], _no_length(want[1]), want[2])
            if got != want:
                errors.append(f"{method} {path}: {got[0]} {got[2][:120]!r} != {want[2][:120]!r}")
        return errors

    assert run_threads(worker) == []


def test_serializing_while_other_threads_mutate() -> None:
    """Lists and dicts holding long strings (escaped with the GIL released) are mutated by
    other threads mid-serialization. Any answer must be one json could give for some state
    of the data: valid JSON, or the RuntimeError of a dict changing size during iteration."""
    big = ["é" * 2_000_000, "a" * 2_000_000, "😀" * 600_000]
    shared_list: list[Any] = list(big)
    shared_dict: dict[str, Any] = {f"k{i}": s for i, s in enumerate(big)}
    stop = threading.Event()

    def mutator(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            op = rng.randrange(4)
            if op == 0:
                shared_list.append(rng.choice(big))
            elif op == 1:
                try:  # other mutators race with this one
                    shared_list.pop(rng.randrange(max(len(shared_list), 1)))
                except IndexError:
                    pass
            elif op == 2:
                shared_dict[f"k{rng.randrange(6)}"] = rng.choice(big + [1, None])
            else:
                shared_dict.pop(f"k{rng.randrange(6)}", None)
            if len(shared_list) > 8:
                del shared_list[4:]

    problems: list[str] = []
    with tiny_switch_interval():
        mutators = [threading.Thread(target=mutator, args=(i,)) for i in range(3)]
        for t in mutators:
            t.start()
        try:
            for i in range(60):
                target = shared_list if i % 2 else shared_dict
                opts = [{}, {"ensure_ascii": False}, {"indent": 1}][i % 3]
                try:
                    out = httpbin_ext.dumps(target, **opts)
                except RuntimeError as exc:
                    if "changed" not in str(exc):
                        problems.append(repr(exc))
                    continue
                value = json.loads(out)
                if not isinstance(value, (list, dict)) or any(v not in big for v in _leaves(value)):
                    problems.append(f"unexpected content in {out[:60]!r}")
        finally:
            stop.set()
            for t in mutators:
                t.join()
    assert problems == []


def _no_length(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k != "Content-Length"]


def _leaves(value: Any) -> list[Any]:
    items = value.values() if isinstance(value, dict) else value
    return [v for v in items if isinstance(v, str)]
