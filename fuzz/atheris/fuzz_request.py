#!/usr/bin/env python
"""atheris harness: the native request reader and the accelerated views, against httpbin.

Each input becomes one WSGI request (built directly as an environ dict, no EnvironBuilder, to
keep iterations cheap): method, PATH_INFO and SCRIPT_NAME with odd bytes (as latin-1 str),
QUERY_STRING, Host variants (or none: SERVER_NAME/SERVER_PORT), wsgi.url_scheme,
X-Forwarded-Proto/Protocol/Ssl/For, arbitrary HTTP_* headers (odd names, latin-1 values,
duplicates by case), REMOTE_ADDR, a body (JSON, form, multipart from tests/request_corpus.py,
garbage, truncated, over-long) with CONTENT_TYPE/CONTENT_LENGTH variants,
wsgi.input_terminated, and odd environ entries (non-str values, non-str keys, missing keys).

Then either (chosen by the input):

* get_dict: ``httpbin_ext.get_dict(*keys, **extras)`` vs ``httpbin.helpers.get_dict`` in a
  request context of an httpbin app (plain, TRUSTED_HOSTS, small limits), after one of the
  "preloads" (what a view may have read before), compared with tests/test_get_dict.py's own
  ``compare`` (values as ordered items, exact types recursively, same exception class and
  message); or
* response: the request to a stock app and a replaced app (fresh_httpbin_app() +
  HttpbinExt(mode="replace")) for /get, /post, /put, /patch, /delete, /anything[/...],
  /headers, compared with tests/test_differential.py's ``run_request``/``differences``
  (status, headers without Date, body bytes, raised exceptions, got_request_exception
  classes, logs, environ afterwards), under its ``Determinism`` patches (uuid4, time, urandom).

A pyo3 PanicException anywhere is a finding.

    python fuzz/atheris/fuzz_request.py -atheris_runs=1000000 -max_total_time=900
"""

from __future__ import annotations

import io
import sys
import typing as t
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import os  # noqa: E402

import atheris  # noqa: E402
import common  # noqa: E402

# Which modules get Python coverage instrumentation. Instrumenting all of Flask and Werkzeug
# makes every request ~5x slower; "lean" (the default) instruments the code that reads a
# request: httpbin_ext, httpbin, json, and Werkzeug's request/header/form/URL parsing.
INSTRUMENT = os.environ.get("FUZZ_INSTRUMENT", "lean")
LEAN = [
    "httpbin_ext",
    "httpbin",
    "json",
    "werkzeug.sansio",
    "werkzeug.formparser",
    "werkzeug.http",
    "werkzeug.urls",
    "werkzeug.wsgi",
    "werkzeug.datastructures.headers",
]

with atheris.instrument_imports(include=LEAN if INSTRUMENT == "lean" else None):
    # Imported here (unused otherwise) so that they are instrumented.
    import json  # noqa: E402, F401

    import flask  # noqa: E402, F401
    import httpbin  # noqa: E402, F401
    import httpbin.helpers  # noqa: E402, F401
    import httpbin.structures  # noqa: E402, F401
    import werkzeug  # noqa: E402, F401
    import werkzeug.datastructures  # noqa: E402, F401
    import werkzeug.formparser  # noqa: E402, F401
    import werkzeug.wrappers  # noqa: E402, F401

    import httpbin_ext  # noqa: E402, F401
    import httpbin_ext.extension  # noqa: E402, F401
    import httpbin_ext.views  # noqa: E402, F401

# The tests' own comparison helpers (tests/ is on sys.path, see common.py).
import request_corpus as rc  # noqa: E402
import test_differential as td  # noqa: E402
import test_get_dict as tg  # noqa: E402

KEYS = tg.KEYS
PRELOADS = list(tg.PRELOADS)
ENDPOINTS = ["/get", "/post", "/put", "/patch", "/delete", "/anything", "/anything/", "/headers"]

QUERY_PIECES = [bytes(p) for p in tg.QUERY_ALPHABET]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "X", ""]
HEADER_NAMES = [
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
    "ACCEPT_ENCODING",
    "AUTHORIZATION",
    "ORIGIN",
    "REFERER",
    "X-Dash",
    "",
    "_",
    "X__Y",
    "\xe9",
    "CONNECTION",
    "TRANSFER_ENCODING",
]
PROTO_VALUES = list(rc.PROTO_VALUES) + list(rc.SSL_VALUES)
FOR_VALUES = list(rc.FOR_VALUES)
CONTENT_TYPES = [
    None,
    "",
    "application/json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    f"multipart/form-data; boundary={rc.BOUNDARY}",
    "multipart/form-data",
    "application/octet-stream",
    "APPLICATION/JSON",
    "application/json; charset=utf-16",
    "text/html; charset=utf-8",
    "application/vnd.api+json",
    "application/x-form",
    "é/é",
    "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded ; charset=UTF-8",
]
JSON_BODIES = [b for b in rc.JSON_BODIES if len(b) < 5000]
MULTIPART = [m for m in rc.MULTIPART_BODIES if len(m[1]) < 50_000]
VALUE_ALPHABET = [chr(c) for c in range(0, 0x100) if c not in (10, 13)]
SERVER_PORTS = ["80", "443", "8080", "", "0", "x"]


@dataclass
class FuzzCase:
    """Duck-types request_corpus.Case for the tests' helpers: a list of environ items."""

    items: list[tuple[t.Any, t.Any]]
    raw_input: bytes | None
    id: str = "fuzz/input"

    def make_environ(self) -> dict[t.Any, t.Any]:
        env = dict(self.items)
        env["wsgi.input"] = io.BytesIO(self.raw_input or b"")
        return env

    def describe(self) -> str:
        return f"environ={self.items!r:.3000} raw_input={self.raw_input!r:.500}"


class Gen:
    def __init__(self, data: bytes) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)

    def n(self, lo: int, hi: int) -> int:
        return self.fdp.ConsumeIntInRange(lo, hi)

    def pick(self, seq: t.Sequence[t.Any]) -> t.Any:
        return seq[self.fdp.ConsumeIntInRange(0, len(seq) - 1)]

    def text(self, max_len: int = 16) -> str:
        kind = self.n(0, 3)
        if kind == 0:
            return "".join(self.pick(VALUE_ALPHABET) for _ in range(self.n(0, max_len)))
        if kind == 1:
            return self.fdp.ConsumeBytes(self.n(0, max_len)).decode("latin-1")
        if kind == 2:
            return self.pick(["", " ", "a", "x, y", "  padded  ", "caf\xe9", "a\x00b", "\x7f", "1"])
        return "caf\u00e9 \u20ac".encode().decode("latin-1")

    def query(self) -> bytes:
        if self.fdp.ConsumeBool():
            return self.pick(rc.QUERY_STRINGS[:60])
        return b"".join(self.pick(QUERY_PIECES) for _ in range(self.n(0, 20)))

    def case(self, path: str) -> FuzzCase:
        items: list[tuple[t.Any, t.Any]] = [
            ("REQUEST_METHOD", self.pick(METHODS)),
            ("SCRIPT_NAME", self.pick(rc.SCRIPT_NAMES) if self.n(0, 3) == 0 else ""),
            ("PATH_INFO", path),
            ("QUERY_STRING", self.query().decode("latin-1")),
            ("SERVER_NAME", self.pick(["localhost", "example.com", "", "[::1]"])),
            ("SERVER_PORT", self.pick(SERVER_PORTS)),
            ("SERVER_PROTOCOL", self.pick(["HTTP/1.1", "HTTP/1.0", "HTTP/2"])),
            ("wsgi.version", (1, 0)),
            ("wsgi.url_scheme", self.pick(["http", "http", "https", "HTTP", "ws"])),
            ("wsgi.errors", io.StringIO()),
            ("wsgi.multithread", False),
            ("wsgi.multiprocess", False),
            ("wsgi.run_once", False),
        ]
        raw_input = None
        if self.n(0, 2):
            kind = self.n(0, 5)
            ct = self.pick(CONTENT_TYPES)
            if kind == 0:
                raw_input = self.fdp.ConsumeBytes(self.n(0, 64))
            elif kind == 1:
                raw_input = self.query()
            elif kind == 2:
                raw_input = self.pick(JSON_BODIES)
            elif kind == 3:
                _, raw_input, mct = self.pick(MULTIPART)
                if self.fdp.ConsumeBool():
                    ct = mct
            elif kind == 4:
                raw_input = b"".join(
                    self.pick([b"[", b"]", b"{", b"}", b'"a"', b":", b",", b"1", b"\xff", b"\\u"])
                    for _ in range(self.n(0, 20))
                )
            else:
                _, body, mct = self.pick(MULTIPART)
                raw_input = body[: self.n(0, len(body))]  # truncated multipart
                ct = mct
            if ct is not None:
                items.append(("CONTENT_TYPE", ct))
            lengths = [str(len(raw_input))] * 4 + [
                None,
                "0",
                str(len(raw_input) // 2),
                str(len(raw_input) + 10),
                "x",
                "-1",
                " 5",
            ]
            length = self.pick(lengths)
            if length is not None:
                items.append(("CONTENT_LENGTH", length))
            if self.n(0, 9) == 0:
                items.append(("wsgi.input_terminated", True))
        host_kind = self.n(0, 4)
        if host_kind <= 2:
            items.append(("HTTP_HOST", self.pick(rc.HOSTS)))
        elif host_kind == 3:
            items.append(
                (
                    "HTTP_HOST",
                    "".join(
                        self.pick(list("aZ0.-:[]_@ \xe9") + ["xn--", "::1"])
                        for _ in range(self.n(0, 8))
                    ),
                )
            )
        for _ in range(self.n(0, 5)):
            kind = self.n(0, 5)
            if kind <= 2:
                name = self.pick(HEADER_NAMES) if kind else self.text(6).upper()
                items.append(("HTTP_" + name, self.text()))
            elif kind == 3:
                items.append(
                    (
                        "HTTP_"
                        + self.pick(
                            ["X_FORWARDED_PROTO", "X_FORWARDED_PROTOCOL", "X_FORWARDED_SSL"]
                        ),
                        self.pick(PROTO_VALUES),
                    )
                )
            elif kind == 4:
                items.append(("HTTP_X_FORWARDED_FOR", self.pick(FOR_VALUES)))
            else:
                items.append(("HTTP_USER_AGENT", self.pick(["curl/8", "", "\xe9", "a" * 300])))
        if self.fdp.ConsumeBool():
            items.append(("REMOTE_ADDR", self.pick(["127.0.0.1", "", "::1", "10.0.0.1", "\xe9"])))
        if self.n(0, 15) == 0:
            # odd environ entries: non-str values and keys, extensions, deleted keys
            odd = self.pick(
                [
                    ("HTTP_X_INT", 5),
                    ("HTTP_X_BYTES", b"x"),
                    (1, "non-str key"),
                    ("HTTP_X_NONE", None),
                    ("werkzeug.request", None),
                    ("REMOTE_PORT", "1234"),
                    ("HTTP_X", "a\nb"),
                    ("QUERY_STRING", None),
                    ("PATH_INFO", ""),
                    ("SCRIPT_NAME", None),
                ]
            )
            items.append(odd)
        if self.n(0, 15) == 0:
            drop = self.pick(
                [
                    "SERVER_NAME",
                    "SERVER_PORT",
                    "QUERY_STRING",
                    "SCRIPT_NAME",
                    "REQUEST_METHOD",
                    "wsgi.url_scheme",
                ]
            )
            items = [(k, v) for k, v in items if k != drop]
        return FuzzCase(items, raw_input)


def path_for(gen: Gen, endpoint: str | None) -> str:
    if endpoint is None:  # get_dict: any path; the request is never routed
        pieces = [gen.pick(QUERY_PIECES + [b"/", b"/", b";"]) for _ in range(gen.n(0, 8))]
        return (b"/" + b"".join(pieces)).decode("latin-1")
    if endpoint == "/anything/":
        tail = b"".join(gen.pick(QUERY_PIECES + [b"/", b"x"]) for _ in range(gen.n(1, 6)))
        return "/anything/" + tail.decode("latin-1")
    return endpoint


# --- apps (built once) ---------------------------------------------------------------------------


def _get_dict_apps() -> list[t.Any]:
    from httpbin_ext.extension import fresh_httpbin_app

    plain = fresh_httpbin_app()
    trusted = fresh_httpbin_app()
    trusted.config["TRUSTED_HOSTS"] = ["localhost", ".example.com", "[::1]"]
    small = fresh_httpbin_app()
    small.config["MAX_CONTENT_LENGTH"] = 1000
    small.config["MAX_FORM_MEMORY_SIZE"] = 100
    small.config["MAX_FORM_PARTS"] = 3
    return [plain, plain, trusted, small]


APPS = _get_dict_apps()
STOCK, FAST = td.make_harnesses()
DET = td.Determinism()


def check(data: bytes) -> None:
    gen = Gen(data)
    if gen.fdp.ConsumeBool():
        app = gen.pick(APPS)
        keys: tuple[str, ...] = gen.pick(
            [
                KEYS,
                tuple(reversed(KEYS)),
                ("url", "args", "headers", "origin"),
                ("headers",),
                ("json", "data"),
                ("form", "files"),
                ("bogus",),
            ]
        )
        if gen.n(0, 3) == 0:
            keys = tuple(gen.pick(KEYS) for _ in range(gen.n(0, 4)))
        extras = {} if gen.n(0, 3) else {gen.pick(["url", "method", "x"]): gen.n(0, 9)}
        preload = gen.pick(PRELOADS) if gen.n(0, 2) == 0 else "nothing"
        case = gen.case(path_for(gen, None))
        value_diff, type_diff = tg.compare(app, case, keys, extras, common.outcome, preload)
        if value_diff or type_diff:
            first = (value_diff or type_diff).splitlines()
            raise common.Finding(
                f"get_dict {'value' if value_diff else 'type'} mismatch\n"
                f"{value_diff or ''}\n{type_diff or ''}\n(first line: {first[0][:200]})"
            )
        return
    endpoint = gen.pick(ENDPOINTS)
    case = gen.case(path_for(gen, endpoint))
    a = td.run_request(STOCK, case, DET)
    b = td.run_request(FAST, case, DET)
    for r in (a, b):
        if (
            r.raised
            and "PanicException" in r.raised[0]
            or any("PanicException" in e for e in r.exceptions)
        ):
            raise common.Finding(f"PanicException on {endpoint}: {r.raised} {r.exception_messages}")
    what = td.differences(a, b)
    if what:
        at = td._first_diff(a.body, b.body)
        raise common.Finding(
            f"response mismatch on {endpoint}: {what}\n  request: {case.describe()}\n"
            f"{td.format_result('stock', a, at)}\n{td.format_result('fast ', b, at)}"
        )


def main() -> None:
    with DET.patched():
        common.run("request", check, globals())


if __name__ == "__main__":
    main()
