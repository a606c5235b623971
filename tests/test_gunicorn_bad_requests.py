"""Bad requests end to end through gunicorn: the accelerated app answers them as stock httpbin does.

Two gunicorn servers on free 127.0.0.1 ports, each in its own process group (started with
``benchmarks.e2e``'s ``Children``, always stopped): ``benchmarks.e2e_apps:stock`` (httpbin as
shipped) and ``benchmarks.e2e_apps:fast`` (``HttpbinExt(app, mode="replace")``), first with
sync workers ×2, then with gthread workers 2 × 4 threads (keep-alive, pipelining).

Every case is a byte string written to a raw socket, so the bytes are exactly what the case says
(truncated and oversized bodies, wrong or odd Content-Length, broken chunked framing, invalid
multipart, invalid UTF-8 and %-escapes in path, query, header values and bodies, oversized and
many headers, odd header names, HTTP/1.0 and 0.9, pipelining, every method on /get, /post,
/anything, /headers). After the case's bytes the client half-closes its side (``shutdown(WR)``)
so that the server sees the end of the request stream and closes the connection once it has
answered everything, then reads until EOF (bounded by a socket timeout). Both servers' answers
are parsed into responses and compared: status line, headers in order (``Date`` left out, the
echoed ``127.0.0.1:<port>`` normalised, ``Content-Length`` checked against the body it frames)
and body bytes, plus how the connection ended.

After every case both servers must still answer a normal request and their worker processes
(the children of the gunicorn master, read from /proc) must be the ones they started with. The
last test of each configuration compares the servers' logs: nothing in fast's (warnings,
errors, tracebacks, worker timeouts or restarts, Rust panics) that stock's does not show too.
"""

from __future__ import annotations

import collections
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # benchmarks/ is a package at the repo root, not installed
    sys.path.insert(0, str(REPO_ROOT))

from benchmarks.e2e import (  # noqa: E402
    Children,
    Server,
    ServerConfig,
    ServerError,
    free_port,
    server_command,
    wait_until_ready,
)
from benchmarks.soak import children_of  # noqa: E402

# Worker PIDs are read from /proc; without it (not Linux) only the log shows restarts.
HAVE_PROC = Path("/proc/self/stat").exists()

HOST = "127.0.0.1"
IO_TIMEOUT = 5.0  # per socket operation; a whole exchange is bounded by EXCHANGE_DEADLINE
EXCHANGE_DEADLINE = 8.0
STARTUP_TIMEOUT = 60.0
WORKERS = 2
THREADS = 4
CONFIGS = ("sync", "gthread")

# --------------------------------------------------------------------------------------------
# Building requests


def request(
    method: str,
    target: str,
    headers: list[tuple[str, str] | tuple[bytes, bytes] | bytes] | None = None,
    body: bytes = b"",
    *,
    version: str = "HTTP/1.1",
    host: bool = True,
    content_length: bool | int | str | bytes | None = None,
) -> bytes:
    """One request's bytes. ``headers`` items are (name, value) pairs (str: latin-1, bytes:
    as they are) or raw header lines. ``content_length``: None = only when there is a body,
    False = never, True = always, anything else = that literal value."""
    line = f"{method} {target} {version}".encode("latin-1") if version else b""
    if not version:  # HTTP/0.9 style request line
        line = f"{method} {target}".encode("latin-1")
    out = [line]
    if host:
        out.append(b"Host: bad.example")
    for h in headers or []:
        if isinstance(h, bytes):
            out.append(h)
        else:
            name, value = h
            name_b = name.encode("latin-1") if isinstance(name, str) else name
            value_b = value.encode("latin-1") if isinstance(value, str) else value
            out.append(name_b + b": " + value_b)
    if content_length is None:
        if body:
            out.append(b"Content-Length: %d" % len(body))
    elif content_length is True:
        out.append(b"Content-Length: %d" % len(body))
    elif content_length is not False:
        cl = content_length
        if isinstance(cl, int):
            cl = str(cl)
        out.append(b"Content-Length: " + (cl.encode("latin-1") if isinstance(cl, str) else cl))
    return b"\r\n".join(out) + b"\r\n\r\n" + body


def chunked(*chunks: bytes, last: bytes = b"0\r\n\r\n") -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + last


def multipart(parts: list[tuple[str, bytes]], boundary: str, end: bool = True) -> bytes:
    """``parts``: (part headers, content)."""
    b = boundary.encode("latin-1")
    out = b"".join(
        b"--" + b + b"\r\n" + h.encode("latin-1") + b"\r\n\r\n" + c + b"\r\n" for h, c in parts
    )
    return out + (b"--" + b + b"--\r\n" if end else b"")


JSON_CT = ("Content-Type", "application/json")
FORM_CT = ("Content-Type", "application/x-www-form-urlencoded")
TEXT_CT = ("Content-Type", "text/plain")
BOUNDARY = "----bad-request-boundary-1234"
MP_CT = ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
FIELD = 'Content-Disposition: form-data; name="field"'
FILE = 'Content-Disposition: form-data; name="upload"; filename="a.txt"\r\nContent-Type: text/plain'


@dataclass(frozen=True)
class Case:
    id: str
    data: bytes
    # "half": shutdown(SHUT_WR) after sending, read the answer until EOF.
    # "close": close the socket right after sending (nothing to compare: the servers must
    # just survive it). "pause-half": send, wait a little (the server may block on the body),
    # then half-close.
    end: str = "half"
    pieces: tuple[bytes, ...] = ()  # when set: sent one after the other with a short pause


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(id_: str, data: bytes, end: str = "half", pieces: tuple[bytes, ...] = ()) -> None:
        cases.append(Case(id_, data, end, pieces))

    # --- methods × endpoints (405s, bodies on GET/DELETE, no body on POST) ------------------
    for path in ("/get", "/post", "/anything", "/headers"):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            add(f"method-{method}-{path[1:]}", request(method, path, [JSON_CT], b'{"k": "v"}'))
            add(
                f"method-{method}-{path[1:]}-badutf8-json",
                request(method, path + "?q=%ff", [JSON_CT], b'{"k": "\xff\xfe"}'),
            )
    add("method-HEAD-get", request("HEAD", "/get"))
    add("method-OPTIONS-anything", request("OPTIONS", "/anything"))
    add("method-lowercase-get", request("get", "/get"))
    add("method-unknown-anything", request("FOO", "/anything", [TEXT_CT], b"x"))
    add("method-long", request("X" * 300, "/anything"))
    add("method-put-nobody-put", request("PUT", "/put", content_length=False))
    add("method-delete-body-delete", request("DELETE", "/delete", [FORM_CT], b"a=1&b=%ff"))
    add(
        "method-patch-chunked-patch",
        request(
            "PATCH",
            "/patch",
            [("Transfer-Encoding", "chunked")],
            chunked(b'{"a":', b"1}"),
            content_length=False,
        ),
    )

    # --- Content-Length: truncated, too small, malformed --------------------------------------
    for ct_name, ct, body in (
        ("json", JSON_CT, b'{"name": "value", "n": 12345}'),
        ("form", FORM_CT, b"a=1&b=two&c=%E2%82%AC"),
        ("plain", TEXT_CT, b"plain text body \xe2\x82\xac"),
        ("multipart", MP_CT, multipart([(FIELD, b"value"), (FILE, b"file body")], BOUNDARY)),
    ):
        add(
            f"cl-truncated-{ct_name}",
            request("POST", "/post", [ct], body[: len(body) // 2], content_length=len(body) + 50),
        )
        add(
            f"cl-truncated-close-{ct_name}",
            request("POST", "/post", [ct], body[: len(body) // 2], content_length=len(body) + 50),
            end="close",
        )
        add(
            f"cl-truncated-slow-{ct_name}",
            b"",
            end="pause-half",
            pieces=(
                request("POST", "/anything", [ct], body[:5], content_length=len(body)),
                body[5 : len(body) // 2],
            ),
        )
        add(
            f"cl-too-small-{ct_name}",
            request("POST", "/post", [ct], body, content_length=len(body) // 2),
        )
        add(f"cl-zero-{ct_name}", request("POST", "/post", [ct], body, content_length=0))
    for label, value in (
        ("non-numeric", "abc"),
        ("negative", "-1"),
        ("plus", "+10"),
        ("hex", "0x10"),
        ("float", "1.5"),
        ("space-inside", "1 0"),
        ("leading-space", " 10"),
        ("list", "10, 10"),
        ("empty", ""),
        ("huge", "99999999999999999999999"),
        ("leading-zeros", "0010"),
        ("non-ascii", b"1\xb2"),
    ):
        add(
            f"cl-{label}",
            request("POST", "/post", [JSON_CT], b'{"a": 1}', content_length=value),
        )
    add(
        "cl-duplicate-different",
        request(
            "POST", "/post", [JSON_CT, ("Content-Length", "3")], b'{"a": 1}', content_length=True
        ),
    )
    add(
        "cl-duplicate-same",
        request(
            "POST", "/post", [JSON_CT, ("Content-Length", "8")], b'{"a": 1}', content_length=True
        ),
    )
    add(
        "cl-smuggled-request",
        request(
            "POST",
            "/post",
            [FORM_CT],
            b"a=1" + request("GET", "/headers?smuggled=1"),
            content_length=3,
        ),
    )
    add(
        "cl-and-chunked",
        request(
            "POST",
            "/post",
            [JSON_CT, ("Transfer-Encoding", "chunked")],
            chunked(b'{"a": 1}'),
            content_length=5,
        ),
    )
    add("cl-on-get", request("GET", "/get?x=1", [TEXT_CT], b"body on a GET"))

    # --- chunked framing ------------------------------------------------------------------------
    te = ("Transfer-Encoding", "chunked")

    def chunked_req(id_: str, body: bytes, *, path: str = "/post", extra=(), **kw: Any) -> None:
        add(
            f"chunked-{id_}",
            request("POST", path, [JSON_CT, te, *extra], body, content_length=False, **kw),
        )

    chunked_req("valid", chunked(b'{"a": ', b'"b"}'))
    chunked_req("bad-size", b"zz\r\n{}\r\n0\r\n\r\n")
    chunked_req("negative-size", b"-5\r\n{}\r\n0\r\n\r\n")
    chunked_req("huge-size", b"ffffffffffffffffffff\r\n{}\r\n0\r\n\r\n")
    chunked_req("size-larger-than-data", b"64\r\n{}\r\n")
    chunked_req("missing-last-chunk", b"2\r\n{}\r\n")
    chunked_req("missing-crlf-after-data", b"2\r\n{}XX0\r\n\r\n")
    chunked_req("extension", b"2;name=value\r\n{}\r\n0\r\n\r\n")
    chunked_req("bad-extension", b"2;\xff\x00\r\n{}\r\n0\r\n\r\n")
    chunked_req("trailer", b"2\r\n{}\r\n0\r\nX-Trailer: yes\r\n\r\n")
    chunked_req("bad-trailer", b"2\r\n{}\r\n0\r\nno colon here\r\n\r\n")
    chunked_req("size-with-space", b"2 \r\n{}\r\n0\r\n\r\n")
    chunked_req("lf-only", b"2\n{}\n0\n\n")
    chunked_req("invalid-utf8", chunked(b'{"a": "\xff\xc3\x28"}'))
    chunked_req("empty", b"0\r\n\r\n")
    chunked_req(
        "te-gzip-chunked", chunked(b"{}"), extra=[("Transfer-Encoding", "gzip")], path="/anything"
    )
    add(
        "chunked-te-identity",
        request("POST", "/post", [JSON_CT, ("Transfer-Encoding", "identity")], b"{}"),
    )
    add(
        "chunked-te-chunked-identity",
        request(
            "POST",
            "/post",
            [JSON_CT, ("Transfer-Encoding", "chunked, identity")],
            chunked(b"{}"),
            content_length=False,
        ),
    )
    add(
        "chunked-http10",
        request(
            "POST", "/post", [JSON_CT, te], chunked(b"{}"), version="HTTP/1.0", content_length=False
        ),
    )

    # --- invalid multipart ----------------------------------------------------------------------
    def mp(id_: str, body: bytes, ctype: str | None = None) -> None:
        ct = ("Content-Type", ctype) if ctype is not None else MP_CT
        add(f"multipart-{id_}", request("POST", "/post", [ct], body))

    good = [(FIELD, b"value"), (FILE, b"line 1\r\nline 2\r\n")]
    mp("valid", multipart(good, BOUNDARY))
    mp("wrong-boundary", multipart(good, "some-other-boundary"))
    mp("missing-end", multipart(good, BOUNDARY, end=False))
    mp("missing-end-mid-part", multipart(good, BOUNDARY, end=False)[:-10])
    mp(
        "truncated-part-headers",
        f"--{BOUNDARY}\r\nContent-Disposition: form-da".encode(),
    )
    mp("no-blank-line", f"--{BOUNDARY}\r\n{FIELD}\r\nvalue\r\n--{BOUNDARY}--\r\n".encode())
    mp("no-boundary-param", multipart(good, BOUNDARY), "multipart/form-data")
    mp("empty-boundary", multipart(good, ""), "multipart/form-data; boundary=")
    mp("long-boundary", multipart(good, "b" * 200), "multipart/form-data; boundary=" + "b" * 200)
    mp("quoted-boundary", multipart(good, BOUNDARY), f'multipart/form-data; boundary="{BOUNDARY}')
    mp(
        "no-content-disposition",
        multipart([("Content-Type: text/plain", b"x"), (FIELD, b"ok")], BOUNDARY),
    )
    mp("no-name", multipart([("Content-Disposition: form-data", b"x")], BOUNDARY))
    mp(
        "invalid-utf8-field",
        multipart([('Content-Disposition: form-data; name="f\xff"', b"v\xff\xfe")], BOUNDARY),
    )
    mp(
        "invalid-utf8-filename",
        multipart(
            [('Content-Disposition: form-data; name="up"; filename="\xff.txt"', b"\xff\x00\x01")],
            BOUNDARY,
        ),
    )
    mp(
        "percent-filename",
        multipart(
            [("Content-Disposition: form-data; name=\"up\"; filename*=UTF-8''%ff%c3.txt", b"d")],
            BOUNDARY,
        ),
    )
    mp("garbage", b"\x00\x01\x02 not multipart at all \xff" * 10)
    mp("empty", b"")
    mp("only-end", f"--{BOUNDARY}--\r\n".encode())
    mp(
        "part-header-too-long",
        multipart([(FIELD + "; x=" + "a" * 10_000, b"v")], BOUNDARY),
    )
    mp(
        "too-many-parts",
        multipart(
            [(f'Content-Disposition: form-data; name="f{i}"', b"v") for i in range(1001)], BOUNDARY
        ),
    )
    mp(
        "base64-cte",
        multipart([(FIELD + "\r\nContent-Transfer-Encoding: base64", b"!!notbase64!!")], BOUNDARY),
    )
    mp(
        "charset-part",
        multipart(
            [(FIELD + "\r\nContent-Type: text/plain; charset=latin-1", b"caf\xe9")], BOUNDARY
        ),
    )
    add(
        "multipart-on-anything-put",
        request("PUT", "/anything", [MP_CT], multipart(good, BOUNDARY, end=False)),
    )

    # --- invalid UTF-8 and %-escapes: path, query -----------------------------------------------
    for label, target in (
        ("path-pct-ff", "/anything/%ff"),
        ("path-pct-overlong", "/anything/%c0%af"),
        ("path-pct-truncated-seq", "/anything/%c3%28"),
        ("path-pct-surrogate", "/anything/%ed%a0%80"),
        ("path-pct-nul", "/anything/a%00b"),
        ("path-pct-lone", "/anything/%"),
        ("path-pct-bad-hex", "/anything/%zz%4"),
        ("path-pct-slash", "/anything/a%2fb"),
        ("path-dot-segments", "/anything/../get/./x"),
        ("path-double-slash", "//anything//x"),
        ("path-get-pct-ff", "/get%ff"),
        ("path-absolute-uri", "http://other.example/anything?x=1"),
        ("path-asterisk", "*"),
        ("query-pct-ff", "/get?a=%ff"),
        ("query-key-pct-ff", "/get?%ff=1&b=2"),
        ("query-lone-pct", "/get?a=%"),
        ("query-bad-hex", "/get?a=%zz&b=%4"),
        ("query-truncated-seq", "/anything?a=%c3%28&b=%e2%82"),
        ("query-nul", "/get?a=%00&b=x%00y"),
        ("query-empty-parts", "/get?a&b=&=c&&=&"),
        ("query-semicolon", "/get?a=1;b=2"),
        ("query-plus", "/get?+=+&a=b+c"),
        ("query-repeated", "/get?a=1&a=2&a=%ff"),
        ("query-fragment", "/get?a=1#frag"),
        ("query-only-qmark", "/get?"),
        ("query-on-post", "/post?a=%ff&a=%fe"),
        ("headers-query", "/headers?x=%ff"),
    ):
        add(label, request("GET" if "post" not in target else "POST", target))
    # raw (not %-escaped) bytes >= 0x80 and controls in the request line
    add("path-raw-ff", request("GET", "/anything/\xff"))
    add("path-raw-utf8", request("GET", "/anything/caf\xc3\xa9".encode().decode("latin-1")))
    add("query-raw-ff", request("GET", "/get?a=\xff"))
    add("query-raw-space", request("GET", "/get?a=b c"))
    add("request-line-tab", b"GET\t/get\tHTTP/1.1\r\nHost: x\r\n\r\n")
    add("request-line-nul", b"GET /get\x00 HTTP/1.1\r\nHost: x\r\n\r\n")

    # --- header values and names --------------------------------------------------------------
    for label, value in (
        ("ff", b"\xff"),
        ("utf8-truncated", b"\xc3\x28"),
        ("valid-utf8", "café".encode()),
        ("latin1", b"caf\xe9"),
        ("pct-escapes", b"%ff%00"),
        ("ctrl-01", b"a\x01b"),
        ("del", b"a\x7fb"),
        ("nul", b"a\x00b"),
        ("empty", b""),
        ("spaces", b"  padded  "),
        ("tab", b"a\tb"),
        ("cr-inside", b"a\rb"),
    ):
        for path in ("/headers", "/anything"):
            add(f"header-value-{label}-{path[1:]}", request("GET", path, [(b"X-Odd", value)]))
    add("header-value-ua-ff", request("GET", "/user-agent", [(b"User-Agent", b"agent\xff")]))
    add("header-obs-fold", request("GET", "/headers", [b"X-Folded: a", b" b", b"\tc"]))
    add("header-host-ff", request("GET", "/get", [(b"Host", b"h\xff.example")], host=False))
    add("header-host-empty", request("GET", "/get", [(b"Host", b"")], host=False))
    add("header-two-hosts", request("GET", "/get", [(b"Host", b"second.example")]))
    add(
        "header-content-type-ff",
        request("POST", "/post", [(b"Content-Type", b"application/json\xff")], b'{"a": 1}'),
    )
    add(
        "header-cookie-ff",
        request("GET", "/anything", [(b"Cookie", b"a=\xff; b=%ff; c")]),
    )
    for label, name in (
        ("space", b"X Odd"),
        ("at", b"X@Odd"),
        ("underscore", b"X_Odd"),
        ("non-ascii", b"X-\xc3\xa4"),
        ("ff", b"X-\xff"),
        ("leading-colon", b":x"),
        ("empty", b""),
        ("tab-before-colon", b"X-Odd\t"),
        ("space-before-colon", b"X-Odd "),
        ("brackets", b"X[Odd]"),
        ("quote", b'X"Odd'),
        ("tchar-only", b"!#$%&'*+-.^_`|~"),
    ):
        add(f"header-name-{label}", request("GET", "/headers", [(name, b"v")]))
    add("header-no-colon", request("GET", "/headers", [b"NoColonHere"]))
    add("header-name-mixed-case", request("GET", "/headers", [(b"x-MiXeD-cAsE", b"v")]))
    add("header-duplicate", request("GET", "/headers", [(b"X-Dup", b"1"), (b"x-dup", b"2")]))

    # --- oversized and many headers -------------------------------------------------------------
    add("header-1mb", request("GET", "/get", [(b"X-Big", b"a" * 1_000_000)]))
    add("header-8190", request("GET", "/headers", [(b"X-Big", b"a" * 8190)]))
    add("header-8100", request("GET", "/headers", [(b"X-Big", b"a" * 8100)]))
    add("header-name-10k", request("GET", "/headers", [(b"X" * 10_000, b"v")]))
    add(
        "headers-99",
        request("GET", "/headers", [(f"X-H{i}".encode(), b"v") for i in range(98)]),
    )
    add(
        "headers-101",
        request("GET", "/headers", [(f"X-H{i}".encode(), b"v") for i in range(101)]),
    )
    add(
        "headers-1000",
        request("GET", "/anything", [(f"X-H{i}".encode(), b"v") for i in range(1000)]),
    )
    add("request-line-4094", request("GET", "/get?a=" + "x" * 4075))
    add("request-line-5000", request("GET", "/get?a=" + "x" * 5000))
    add("request-line-100k", request("GET", "/anything?a=" + "x" * 100_000))

    # --- bodies: JSON, form, plain --------------------------------------------------------------
    def body(id_: str, ct: tuple[str, str] | None, data: bytes, path: str = "/post") -> None:
        add(f"body-{id_}", request("POST", path, [ct] if ct else [], data))

    body("json-invalid-utf8", JSON_CT, b'{"a": "\xff\xfe\xfd"}')
    body("json-truncated-utf8", JSON_CT, b'{"a": "\xe2\x82"}')
    body("json-overlong-utf8", JSON_CT, b'{"a": "\xc0\xaf"}')
    body("json-cesu-surrogate", JSON_CT, b'{"a": "\xed\xa0\x80"}')
    body("json-lone-surrogate-escape", JSON_CT, b'{"a": "\\ud800"}')
    body("json-surrogate-pair-escape", JSON_CT, b'{"a": "\\ud83d\\ude00"}')
    body("json-bom", JSON_CT, b'\xef\xbb\xbf{"a": 1}')
    body("json-utf16", JSON_CT, '{"a": 1}'.encode("utf-16"))
    body("json-invalid", JSON_CT, b'{"a": ')
    body("json-trailing-garbage", JSON_CT, b'{"a": 1} x')
    body("json-nan", JSON_CT, b'{"a": NaN, "b": -Infinity}')
    body("json-big-int", JSON_CT, b'{"a": ' + b"9" * 5000 + b"}")
    body("json-big-float", JSON_CT, b'{"a": 1e999, "b": -1e999}')
    body("json-nul", JSON_CT, b'{"a\\u0000": "\\u0000"}')
    body("json-raw-control", JSON_CT, b'{"a": "x\x01y"}')
    body("json-deep-100", JSON_CT, b"[" * 100 + b"]" * 100)
    body("json-deep-100k", JSON_CT, b"[" * 100_000 + b"]" * 100_000)
    body("json-dup-keys", JSON_CT, b'{"a": 1, "a": 2}')
    body("json-top-level-string", JSON_CT, b'"\\u00e9\xff"')
    body("json-empty", JSON_CT, b"")
    body("json-whitespace", JSON_CT, b" \r\n\t ")
    body(
        "json-ct-charset-latin1",
        ("Content-Type", "application/json; charset=latin-1"),
        b'{"a": "caf\xe9"}',
    )
    body("json-ct-weird", ("Content-Type", "application/JSON;;;"), b'{"a": 1}')
    body("form-invalid-utf8", FORM_CT, b"a=\xff&\xfe=b")
    body("form-pct-ff", FORM_CT, b"a=%ff&%fe=b&c=%")
    body("form-bad-hex", FORM_CT, b"a=%zz&b=%4")
    body("form-empty-parts", FORM_CT, b"&&=&a&b=")
    body(
        "form-charset-latin1",
        ("Content-Type", "application/x-www-form-urlencoded; charset=latin-1"),
        b"a=caf%e9",
    )
    body("form-600k", FORM_CT, b"a=" + b"x" * 600_000)
    body("form-many-fields", FORM_CT, b"&".join(b"f%d=v" % i for i in range(2000)))
    body("plain-invalid-utf8", TEXT_CT, b"\xff\xfe\x00\x01")
    body(
        "plain-utf16-charset", ("Content-Type", "text/plain; charset=utf-16"), "hé".encode("utf-16")
    )
    body("no-content-type-binary", None, bytes(range(256)))
    body("octet-stream", ("Content-Type", "application/octet-stream"), b"\x00\xff" * 100)
    body("large-plain-1mb", TEXT_CT, b"y" * 1_000_000, path="/anything")
    body("anything-put-invalid-utf8", JSON_CT, b"\xff", path="/anything/x?y=%ff")

    # --- HTTP versions ----------------------------------------------------------------------------
    add("http10-get", request("GET", "/get", version="HTTP/1.0", host=False))
    add("http10-host", request("GET", "/get", version="HTTP/1.0"))
    add(
        "http10-keepalive",
        request("GET", "/get", [(b"Connection", b"keep-alive")], version="HTTP/1.0")
        + request("GET", "/headers", version="HTTP/1.0"),
    )
    add(
        "http10-post-no-cl",
        request("POST", "/post", [TEXT_CT], b"until eof", version="HTTP/1.0", content_length=False),
    )
    add("http11-no-host", request("GET", "/get", host=False))
    add("http09", request("GET", "/get", version=""))
    add("http20-line", request("GET", "/get", version="HTTP/2.0"))
    add("http12-line", request("GET", "/get", version="HTTP/1.2"))
    add("http-bad-version", request("GET", "/get", version="HTTP/x.y"))
    add("http-lowercase-version", request("GET", "/get", version="http/1.1"))
    add("post-no-cl-http11", request("POST", "/post", [TEXT_CT], b"abc", content_length=False))
    add("leading-crlf", b"\r\n\r\n" + request("GET", "/get"))
    add("garbage-request", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(50))
    add("empty-request", b"")
    add("lf-only-request", b"GET /get HTTP/1.1\nHost: x\n\n")

    # --- pipelining -------------------------------------------------------------------------------
    add(
        "pipeline-get-post-get",
        request("GET", "/get?n=1")
        + request("POST", "/post", [JSON_CT], b'{"n": 2}')
        + request("GET", "/headers?n=3"),
    )
    add(
        "pipeline-bad-in-middle",
        request("GET", "/get?n=1")
        + request("POST", "/post", [JSON_CT], b'{"n": 2}', content_length="x")
        + request("GET", "/get?n=3"),
    )
    add(
        "pipeline-truncated-last",
        request("GET", "/get?n=1")
        + request("POST", "/post", [JSON_CT], b'{"n":', content_length=100),
    )
    add(
        "pipeline-connection-close-first",
        request("GET", "/get?n=1", [(b"Connection", b"close")]) + request("GET", "/get?n=2"),
    )
    add(
        "pipeline-bodies-invalid-utf8",
        b"".join(
            request(m, p, [JSON_CT], b'{"n": "\xff%d"}' % i)
            for i, (m, p) in enumerate(
                [
                    ("POST", "/post"),
                    ("PUT", "/anything"),
                    ("PATCH", "/anything"),
                    ("DELETE", "/anything"),
                ]
            )
        ),
    )
    add(
        "pipeline-20-gets",
        b"".join(request("GET", f"/anything?i={i}") for i in range(20)),
    )
    add(
        "pipeline-chunked-then-get",
        request("POST", "/post", [JSON_CT, te], chunked(b"{}"), content_length=False)
        + request("GET", "/get"),
    )
    ids = [c.id for c in cases]
    dupes = [i for i, n in collections.Counter(ids).items() if n > 1]
    assert not dupes, f"duplicate case ids: {dupes}"
    return cases


CASES = _cases()

# --------------------------------------------------------------------------------------------
# Raw exchanges and response parsing


@dataclass
class Outcome:
    responses: list[tuple[Any, ...]]
    trailing: bytes  # bytes after the last complete response (an incomplete one)
    end: str  # how the read side ended: "eof", "reset", "timeout", "client-closed"
    send_error: str | None = None
    seconds: float = 0.0
    raw: bytes = b""

    def comparable(self) -> tuple[Any, ...]:
        # A reset after complete responses is the server closing with unread input: the same
        # event as an EOF for what the client got. A send error only says when the server
        # stopped reading, which races with our sending; what came back is compared.
        end = self.end
        if end == "reset" and self.responses and not self.trailing:
            end = "eof"
        return (self.responses, self.trailing, end)


def _error_kind(exc: OSError) -> str:
    if isinstance(exc, socket.timeout):
        return "timeout"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "reset"
    return type(exc).__name__


def exchange(port: int, case: Case) -> Outcome:
    t0 = time.monotonic()
    deadline = t0 + EXCHANGE_DEADLINE
    sock = socket.create_connection((HOST, port), timeout=IO_TIMEOUT)
    send_error = None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if case.pieces:
                for piece in case.pieces:
                    sock.sendall(piece)
                    time.sleep(0.05)
            else:
                sock.sendall(case.data)
        except OSError as exc:
            send_error = _error_kind(exc)
        if case.end == "close":
            return Outcome([], b"", "client-closed", send_error, time.monotonic() - t0)
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            send_error = send_error or _error_kind(exc)
        chunks = []
        end = "eof"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                end = "timeout"
                break
            sock.settimeout(min(IO_TIMEOUT, left))
            try:
                chunk = sock.recv(65536)
            except OSError as exc:
                end = _error_kind(exc)
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
    raw = b"".join(chunks)
    responses, trailing = parse_responses(raw, head=case.data.startswith(b"HEAD "))
    return Outcome(responses, trailing, end, send_error, time.monotonic() - t0, raw)


def parse_responses(raw: bytes, head: bool = False) -> tuple[list[tuple[Any, ...]], bytes]:
    """Split what a server sent into (status line, [(name, value)], body) tuples; the bytes
    of an incomplete last response come back as the second item."""
    out: list[tuple[Any, ...]] = []
    pos = 0
    while pos < len(raw):
        try:
            parsed = _parse_one(raw, pos, head)
        except ValueError:  # not a response we can frame: compared as raw bytes
            break
        if parsed is None:
            break
        response, pos = parsed
        out.append(response)
    return out, raw[pos:]


def _parse_one(raw: bytes, pos: int, head: bool) -> tuple[tuple[Any, ...], int] | None:
    """The response starting at ``pos`` and the position after it; None when incomplete."""
    end = raw.find(b"\r\n\r\n", pos)
    if end < 0:
        return None
    head_lines = raw[pos:end].split(b"\r\n")
    status, header_lines = head_lines[0], head_lines[1:]
    headers = []
    for line in header_lines:
        name, _, value = line.partition(b":")
        headers.append((name.strip(), value.strip()))
    fields = {n.lower(): v for n, v in headers}
    code = status.split(b" ")[1] if status.count(b" ") >= 1 else b""
    body_start = end + 4
    if head or code.startswith(b"1") or code in (b"204", b"304"):
        body, pos = b"", body_start
    elif b"chunked" in fields.get(b"transfer-encoding", b"").lower():
        body, pos = _dechunk(raw, body_start)
        if body is None:
            return None
    elif b"content-length" in fields:
        n = int(fields[b"content-length"])
        if body_start + n > len(raw):
            return None
        body, pos = raw[body_start : body_start + n], body_start + n
    else:  # delimited by the end of the connection
        body, pos = raw[body_start:], len(raw)
    return (status, headers, body), pos


def _dechunk(raw: bytes, pos: int) -> tuple[bytes | None, int]:
    body = []
    while True:
        eol = raw.find(b"\r\n", pos)
        if eol < 0:
            return None, pos
        size = int(raw[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            trailer_end = raw.find(b"\r\n\r\n", pos - 2)
            return (b"".join(body), trailer_end + 4) if trailer_end >= 0 else (None, pos)
        body.append(raw[pos : pos + size])
        pos += size + 2


def normalise(outcome: Outcome, port: int) -> tuple[Any, ...]:
    """What must be equal between the servers: Date left out (it varies), the echoed
    ``127.0.0.1:<port>`` made port-free, Content-Length replaced by whether it frames the body."""
    netloc = f"{HOST}:{port}".encode()
    responses = []
    for status, headers, body in outcome.responses:
        norm_headers = []
        for name, value in headers:
            if name.lower() == b"date":
                continue
            if name.lower() == b"content-length":
                value = b"<= body length>" if value == str(len(body)).encode() else b"<WRONG>"
            norm_headers.append((name, value.replace(netloc, b"HOST:PORT")))
        responses.append((status, norm_headers, body.replace(netloc, b"HOST:PORT")))
    o = Outcome(responses, outcome.trailing.replace(netloc, b"HOST:PORT"), outcome.end)
    return o.comparable()


# --------------------------------------------------------------------------------------------
# Servers


def worker_pids(master: int) -> set[int]:
    """The live children of gunicorn's master."""
    return set(children_of(master))


@dataclass
class Running:
    config: str
    servers: dict[str, Server]
    workers: dict[str, set[int]] = field(default_factory=dict)
    exchanges: int = 0


def _server_cmd(worker_class: str, variant: str, port: int) -> list[str]:
    cfg = ServerConfig("gunicorn", worker_class, WORKERS, THREADS)
    return server_command(cfg, variant, port, log_level="info")  # "Booting worker" lines


def _wait_for_workers(srv: Server, timeout: float = 20.0) -> set[int]:
    """Wait until the master has WORKERS children, unchanged for 0.3 s."""
    assert srv.proc is not None
    if not HAVE_PROC:  # pragma: no cover
        return set()
    deadline = time.monotonic() + timeout
    last: set[int] = set()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        pids = worker_pids(srv.proc.pid)
        if pids != last:
            last, stable_since = pids, time.monotonic()
        elif len(pids) == WORKERS and time.monotonic() - stable_since > 0.3:
            return pids
        time.sleep(0.05)
    raise ServerError(f"{srv.variant}: expected {WORKERS} workers, found {sorted(last)}")


@pytest.fixture(scope="module", params=CONFIGS)
def running(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    skip_or_fail: Callable[[str], NoReturn],
) -> Iterator[Running]:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        skip_or_fail("gunicorn is not installed (pip install -r requirements-dev.txt)")
    worker_class = request.param
    log_dir = tmp_path_factory.mktemp(f"gunicorn-{worker_class}")
    children = Children()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    # The same hash seed for both: set iteration order (e.g. a 405's Allow) follows it.
    env["PYTHONHASHSEED"] = "0"
    servers: dict[str, Server] = {}
    try:
        for variant in ("stock", "fast"):
            port = free_port()
            srv = Server(variant, port, _server_cmd(worker_class, variant, port), None)
            srv.log_path = log_dir / f"{variant}.log"
            with open(srv.log_path, "wb") as out:
                srv.proc = children.spawn(
                    srv.cmd, stdout=out, stderr=out, stdin=subprocess.DEVNULL, env=env
                )
            servers[variant] = srv
        wait_until_ready(servers, STARTUP_TIMEOUT)
        state = Running(worker_class, servers)
        for variant, srv in servers.items():
            state.workers[variant] = _wait_for_workers(srv)
        yield state
    finally:
        children.stop_all()


def _describe(case: Case, outcomes: dict[str, Outcome]) -> str:
    lines = [f"request bytes ({len(case.data)} B): {case.data[:600]!r}"]
    for variant, o in outcomes.items():
        lines.append(
            f"--- {variant}: end={o.end} send_error={o.send_error} {o.seconds:.2f} s, "
            f"{len(o.raw)} B: {o.raw[:1500]!r}"
        )
    return "\n".join(lines)


def _assert_alive(state: Running, after: str) -> None:
    """Both servers answer a normal request alike, with the workers they started with."""
    probe = Case("probe", request("GET", "/get?probe=1", [(b"Connection", b"close")]))
    outcomes = {v: exchange(s.port, probe) for v, s in state.servers.items()}
    for variant, o in outcomes.items():
        srv = state.servers[variant]
        assert srv.proc is not None and srv.proc.poll() is None, (
            f"{variant} ({state.config}) gunicorn exited after {after}:\n{srv.log_tail(40)}"
        )
        assert o.responses and o.responses[0][0] == b"HTTP/1.1 200 OK", (
            f"{variant} ({state.config}) does not serve a normal request after {after}: "
            f"{o.end} {o.raw[:500]!r}\n{srv.log_tail(40)}"
        )
        pids = worker_pids(srv.proc.pid) if HAVE_PROC else set()
        assert pids == state.workers[variant], (
            f"{variant} ({state.config}): workers changed after {after}: "
            f"{sorted(state.workers[variant])} -> {sorted(pids)}\n{srv.log_tail(40)}"
        )
    norm = {v: normalise(o, state.servers[v].port) for v, o in outcomes.items()}
    assert norm["fast"] == norm["stock"], _describe(probe, outcomes)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_request_same_as_stock(running: Running, case: Case) -> None:
    outcomes = {v: exchange(s.port, case) for v, s in running.servers.items()}
    running.exchanges += 1
    norm = {v: normalise(o, running.servers[v].port) for v, o in outcomes.items()}
    if norm["fast"] != norm["stock"] and "reset" in (outcomes["fast"].end, outcomes["stock"].end):
        # A reset can race with the last bytes of an answer (server closed with unread
        # input): one more try for both before calling it a difference.
        outcomes = {v: exchange(s.port, case) for v, s in running.servers.items()}
        norm = {v: normalise(o, running.servers[v].port) for v, o in outcomes.items()}
    assert norm["fast"] == norm["stock"], (
        f"[{running.config}] {case.id}: fast answered differently from stock\n"
        + _describe(case, outcomes)
    )
    if case.end != "close":
        assert outcomes["stock"].end != "timeout", (
            f"[{running.config}] {case.id}: the server kept the connection open; the case "
            "should make it close\n" + _describe(case, outcomes)
        )
    _assert_alive(running, case.id)


# Log lines that say something went wrong in a worker.
_ALARM = re.compile(
    r"Traceback|PanicException|pyo3_runtime|panicked|WORKER TIMEOUT|Booting worker|"
    r"Worker exiting|exited with code|was sent SIG|\[(ERROR|CRITICAL)\]|Exception on|"
    r"Error handling request"
)
# "[date] [pid] " (gunicorn) or "[date] " (Flask's default handler) at the start of a line.
_STAMP = re.compile(r"^\[[^\]]*\] (\[\d+\] )?")


def _log_summary(srv: Server) -> collections.Counter:
    assert srv.log_path is not None
    text = srv.log_path.read_text(errors="replace")
    port = str(srv.port)
    counts: collections.Counter = collections.Counter()
    for line in text.splitlines():
        if _ALARM.search(line) or "[WARNING]" in line:
            counts[_STAMP.sub("", line).replace(port, "PORT")] += 1
        elif re.match(r"^\w+(\.\w+)*(Error|Exception): ", line):  # a traceback's last line
            counts[line] += 1
    return counts


def test_workers_survived_and_logs_clean(running: Running) -> None:
    """Runs after every case of this configuration (module fixtures run tests in order)."""
    _assert_alive(running, "all cases")
    stock = _log_summary(running.servers["stock"])
    fast = _log_summary(running.servers["fast"])
    for variant, counts in (("stock", stock), ("fast", fast)):
        booted = sum(n for line, n in counts.items() if "Booting worker" in line)
        assert booted == WORKERS, f"{variant} ({running.config}) booted {booted} workers"
    panics = [line for line in fast if re.search("PanicException|pyo3_runtime|panicked", line)]
    assert not panics, f"fast ({running.config}) panicked: {panics}"
    # Worker pids differ between the servers: compare with them removed.
    extra = _strip_pids(fast) - _strip_pids(stock)
    assert not extra, (
        f"fast's log ({running.config}) shows what stock's does not:\n"
        + "\n".join(f"{n}× {line}" for line, n in extra.items())
        + f"\n--- fast log tail:\n{running.servers['fast'].log_tail(60)}"
    )


def _strip_pids(counts: collections.Counter) -> collections.Counter:
    out: collections.Counter = collections.Counter()
    for line, n in counts.items():
        out[re.sub(r"pid:? ?\d+", "pid:N", line)] += n
    return out
