"""A deterministic corpus of WSGI requests for the differential tests against httpbin.

Every request is a :class:`Case`: keyword arguments for :class:`werkzeug.test.EnvironBuilder`
plus raw environ edits applied afterwards, for what ``EnvironBuilder`` cannot express (raw
non-UTF-8 bytes in ``QUERY_STRING``/``PATH_INFO`` as latin-1 ``str``, odd ``HTTP_*`` keys,
a missing ``Host``, wrong ``CONTENT_LENGTH``, ``wsgi.input_terminated``, ...). A case is
immutable: :meth:`Case.make_environ` builds a new environ (and a new input stream) each time,
so the same request can be sent to several apps.

:func:`build_corpus` returns the same list on every call and in every process (no hash-order
dependence, randomised parts come from seeded :class:`random.Random` instances).

Run ``python tests/request_corpus.py`` for the size of each group.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import typing as t
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote

from werkzeug.test import EnvironBuilder

__all__ = ["DELETE", "GROUPS", "Case", "build_corpus", "corpus_by_group"]


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


#: Value for :attr:`Case.environ` that removes the key from the environ.
DELETE: t.Any = _Delete()

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE")
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")
USER_AGENT = "corpus-agent/1.0"

# One URL (or more) for every accelerated endpoint.
ENDPOINT_PATHS = (
    "/get",
    "/post",
    "/put",
    "/patch",
    "/delete",
    "/anything",
    "/anything/foo/bar",
    "/headers",
    "/ip",
    "/user-agent",
    "/uuid",
    "/cookies",
    "/gzip",
    "/deflate",
    "/brotli",
    "/delay/0",
    "/cache",
    "/cache/60",
    "/etag/abc",
    "/response-headers",
    "/json",
    "/basic-auth/user/passwd",
    "/hidden-basic-auth/user/passwd",
    "/bearer",
    "/digest-auth/auth/user/passwd",
    "/digest-auth/auth-int/user/passwd/SHA-256",
    "/digest-auth/auth/user/passwd/MD5/1",
)

# The endpoint to call with each method, for groups that send a body or a query string.
METHOD_ENDPOINT = {
    "GET": "/get",
    "POST": "/post",
    "PUT": "/put",
    "PATCH": "/patch",
    "DELETE": "/delete",
    "HEAD": "/get",
    "OPTIONS": "/anything",
    "TRACE": "/anything",
}

# Endpoints that echo a request body, with the method they accept.
BODY_ENDPOINTS = (
    ("POST", "/post"),
    ("PUT", "/put"),
    ("PATCH", "/patch"),
    ("DELETE", "/delete"),
    ("POST", "/anything"),
    ("PATCH", "/anything/x"),
    ("TRACE", "/anything"),
    ("POST", "/delay/0"),
    ("GET", "/get"),  # reads the body (get_dict always does) but does not show it
    ("GET", "/digest-auth/auth-int/user/passwd"),
)


@dataclass(frozen=True)
class Case:
    """One request: ``EnvironBuilder`` arguments, then raw environ edits in order."""

    group: str
    name: str
    method: str = "GET"
    path: str = "/get"
    query_string: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    content_type: str | None = None
    base_url: str | None = None
    #: ``(key, value)`` edits applied after ``EnvironBuilder``; value :data:`DELETE` removes.
    environ: tuple[tuple[str, t.Any], ...] = ()
    #: Raw bytes for ``wsgi.input`` after the edits (``CONTENT_LENGTH`` left as it is).
    raw_input: bytes | None = None
    #: Without the default ``REMOTE_ADDR``/``User-Agent``.
    bare: bool = False

    @property
    def id(self) -> str:
        return f"{self.group}/{self.name}"

    def make_environ(self) -> dict[str, t.Any]:
        """A new WSGI environ for this request, with its own input stream."""
        base: dict[str, t.Any] = {}
        if not self.bare:
            base = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": USER_AGENT}
        builder = EnvironBuilder(
            path=self.path,
            base_url=self.base_url,
            query_string=self.query_string,
            method=self.method,
            headers=list(self.headers),
            environ_base=base,
        )
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
        if self.body is not None or self.content_type is not None:
            # Where EnvironBuilder puts them (before the HTTP_* keys), but with our exact body:
            # EnvironBuilder would make up a multipart body for an empty one.
            body = self.body if self.body is not None else b""
            items = list(environ.items())
            at = next(i for i, (k, _) in enumerate(items) if k == "wsgi.run_once") + 1
            content: list[tuple[str, t.Any]] = []
            if self.content_type is not None:
                content.append(("CONTENT_TYPE", self.content_type))
            content.append(("CONTENT_LENGTH", str(len(body))))
            environ = dict(items[:at] + content + items[at:])
            environ["wsgi.input"] = io.BytesIO(body)
        for key, value in self.environ:
            if value is DELETE:
                environ.pop(key, None)
            else:
                environ[key] = value
        if self.raw_input is not None:
            environ["wsgi.input"] = io.BytesIO(self.raw_input)
        return environ

    def describe(self) -> str:
        """A compact, readable description of the request for failure reports."""
        parts = [f"{self.method} {self.path}"]
        if self.query_string is not None:
            parts.append(f"query={self.query_string!r}")
        if self.base_url:
            parts.append(f"base_url={self.base_url!r}")
        if self.headers:
            parts.append(f"headers={list(self.headers)!r}")
        if self.content_type is not None:
            parts.append(f"content_type={self.content_type!r}")
        if self.body is not None:
            parts.append(f"body={_short(self.body)}")
        if self.environ:
            parts.append(f"environ={[(k, _short(v)) for k, v in self.environ]!r}")
        if self.raw_input is not None:
            parts.append(f"raw_input={_short(self.raw_input)}")
        if self.bare:
            parts.append("bare")
        return " ".join(parts)


def _short(value: t.Any, limit: int = 160) -> t.Any:
    if isinstance(value, (bytes, str)) and len(value) > limit:
        return f"{value[:limit]!r}...<{len(value)} total>"
    return value


def latin1(data: bytes) -> str:
    """Raw bytes as a WSGI ("bytes-as-latin-1") string."""
    return data.decode("latin-1")


# --------------------------------------------------------------------------------------------
# Building blocks shared by several groups
# --------------------------------------------------------------------------------------------

# Query strings, as the raw bytes a client sends (mapped to QUERY_STRING as latin-1).
QUERY_STRINGS: tuple[bytes, ...] = (
    b"",
    b"a=1",
    b"a=1&b=2",
    b"a=1&a=2",
    b"a=1&a=2&a=3&b=x&a=4",
    b"b=2&a=1&b=3",
    b"a=",
    b"a",
    b"a&b",
    b"=",
    b"=v",
    b"&",
    b"&&a=1&&",
    b"a=1;b=2",
    b";",
    b"a=b=c",
    b"a==",
    b"a+b=c+d",
    b"a%20b=c%20d",
    b"+=+",
    b"%2B=%2B",
    b"a=%26%3D%3B",
    b"k=%C3%A9",
    b"%C3%A9=%E2%82%AC",
    b"k=\xc3\xa9",
    b"k=\xe2\x82\xac&\xf0\x9f\x98\x80=1",
    b"k=%zz",
    b"k=%e2%82",
    b"k=%",
    b"k=%%",
    b"k=%4",
    b"%=%",
    b"k=%ff%fe",
    b"k=\xff\xfe",
    b"\xff=\xfe",
    b"k=\xe9",
    b"k=%00",
    b"k=%0A%0D",
    b"k=\x00",
    b"k=%ED%A0%80",
    b"k=%F4%90%80%80",
    b"k=%C0%AF",
    b"show_env",
    b"show_env=1",
    b"show_env=",
    b"SHOW_ENV=1",
    b"show%5Fenv=1",
    b"a=1&show_env=0",
    b"a=%22quoted%22&b='single'",
    b"a=\\u00e9",
    b"a=%5B1%2C2%5D&b[]=1&b[]=2",
    b"a.b=1&a[b]=2",
    b"#frag=1",
    b"a=1#frag",
    b"?a=1",
    b"a=1?b=2",
    b"a=" + b"x" * 3000,
    b"&".join(b"k%d=%d" % (i, i) for i in range(120)),
    b"&".join(b"dup=%d" % i for i in range(60)),
    b"a=%E2%80%A8%E2%80%A9",
    b"a=%3Cscript%3E",
    b"a=\t&b=%09",
    b"a=1&A=2",
    b"callback=foo",
    b"require-cookie=1",
    b'a=<b>&c="d"&e={f}|g\\h^i`j[k]',
    b"a b=c d",
    b"a=%2523&b=%25&c=%2541",
    b"a=\x7f&b=%7F",
    b"a=1&b=%26&c=%3D&d=%2B&e=%23",
    b"q=%3B;r",
)


def _query_str(raw: bytes) -> str:
    return latin1(raw)


# Common request headers to sprinkle on requests (name, value).
EXTRA_HEADERS: tuple[tuple[str, str], ...] = (
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Accept-Language", "en-US,en;q=0.9"),
    ("Connection", "keep-alive"),
    ("X-Custom", "value"),
    ("X-Empty", ""),
    ("X-Spaces", "  padded  "),
    ("X-Latin1", "caf\xe9"),
    ("X-Utf8-Bytes", latin1("caf\u00e9 \u20ac".encode())),
    ("X-Quote", 'say "hi"'),
    ("X-Backslash", "a\\b"),
    ("X-Tab", "a\tb"),
    ("X-Control", "a\x01b\x7fc"),
    ("Origin", "https://example.org"),
    ("Referer", "https://example.org/page?x=1"),
    ("Cookie", "a=1; b=2"),
    ("X-Forwarded-For", "10.0.0.1"),
    ("X-Forwarded-Proto", "https"),
    ("Via", "1.1 proxy"),
    ("X-Request-Id", "abc-123"),
    ("Authorization", "Basic dXNlcjpwYXNzd2Q="),
    ("If-None-Match", '"abc"'),
    ("If-Modified-Since", "Sat, 29 Oct 1994 19:43:31 GMT"),
    ("Content-Language", "de"),
    ("X-Long", "v" * 2000),
    ("DNT", "1"),
)

# Nesting depths stay clearly below or above Python's recursion limit (50, 300 / 2000,
# 100000). Near it, whether httpbin fails depends on how deep the stack already is when it
# decodes (json's C scanner) or encodes (json's pure-Python encoder, used for indent=2) the
# document, i.e. on the server and middleware stack, not only on the request: in this
# harness httpbin's /post fails from depth 985, /get from 988, so no depth in ~[900, 1000).
JSON_BODIES: tuple[bytes, ...] = (
    b"{}",
    b"[]",
    b'{"a": 1}',
    b'{"a": 1, "b": [1, 2, 3], "c": {"d": null, "e": true, "f": false}}',
    b'{"b": 1, "a": 2}',
    b'{"a": 1, "a": 2}',
    b"[1, 2, 3]",
    b'"string"',
    b"42",
    b"-0",
    b"-0.0",
    b"0.1",
    b"1e400",
    b"-1e400",
    b"1.7976931348623157e308",
    b"5e-324",
    b"1.0000000000000001",
    b"123456789012345678901234567890",
    b"9" * 4300,
    b"9" * 4301,
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"[NaN, Infinity, -Infinity]",
    b"nan",
    b"null",
    b"true",
    b'{"a": "\\u00e9\\u20ac\\ud83d\\ude00"}',
    b'{"a": "\\ud800"}',
    b'{"a": "\\udc00\\ud800"}',
    b'{"lone": "\\uDFFF", "pair": "\\uD83D\\uDE00"}',
    '{"a": "caf\u00e9 \u20ac \U0001f600"}'.encode(),
    b'{"a": "\\u0000", "b": "\\n\\t\\"\\\\\\/"}',
    b'{"a": "\x00"}',
    b'{"a": "\x1f"}',
    b"\x00",
    b'{"a": 1}\x00',
    b'\xef\xbb\xbf{"a": 1}',
    '{"a": 1}'.encode("utf-16"),
    '{"a": 1}'.encode("utf-16-le"),
    '{"a": 1}'.encode("utf-32"),
    b'{"a": 1',
    b'{"a": }',
    b"{'a': 1}",
    b'{"a": 1,}',
    b"[1, 2,]",
    b'{"a": 01}',
    b'  \n\t {"a" : 1 } \n',
    b'{"a": 1} {"b": 2}',
    b'{"a": 1}garbage',
    b"",
    b" ",
    b'{"\xff": 1}',
    b'{"a": "\xe9"}',
    b"[" * 50 + b"]" * 50,
    b'{"a":' * 300 + b"1" + b"}" * 300,
    b"[" * 2000 + b"]" * 2000,
    b"[" * 100000 + b"]" * 100000,
    b'{"a":' * 100000 + b"1" + b"}" * 100000,
    b"[" * 100000,
    json.dumps({f"k{i}": i for i in range(300)}).encode(),
    json.dumps([{"id": i, "name": f"n{i}", "tags": ["x"] * 3} for i in range(80)]).encode(),
    b'{"url": "x", "args": 1, "headers": null, "json": {"json": 1}}',
    b'{"k": 1.5, "i": 10, "neg": -7, "exp": 1E5, "frac": 2.50}',
    b'{"big": 18446744073709551616, "small": -9223372036854775809}',
    b'{"f": 3.141592653589793238462643383279}',
)

FORM_BODIES: tuple[bytes, ...] = (
    b"",
    b"a=1",
    b"a=1&b=2",
    b"a=1&a=2&b=3&a=4",
    b"a=&b",
    b"a",
    b"=",
    b"&&",
    b"a=1;b=2",
    b"a+b=c+d",
    b"a%20b=c%20d",
    b"k=%C3%A9%E2%82%AC",
    b"%C3%A9=1",
    b"k=\xc3\xa9",
    b"k=\xe9",
    b"k=\xff\xfe",
    b"k=%ff",
    b"k=%zz",
    b"k=%e2%82",
    b"k=%",
    b"k=%00",
    b"k=\x00",
    b"k=%0D%0A",
    b"k=%ED%A0%80",
    b'k={"a": 1}',
    b"a=1&show_env=1",
    b"a=1\n&b=2",
    b"a=1&" * 500 + b"z=1",
    b"&".join(b"f%d=%d" % (i, i) for i in range(1001)),
    b"&".join(b"f%d=%d" % (i, i) for i in range(2000)),
    b"big=" + b"x" * 400_000,
    b"big=" + b"x" * 499_990,
    b"big=" + b"x" * 500_001,
    b"big=" + b"x" * 600_000,
    b"a=1&" + b"b=" + b"%41" * 200_000,
)

FORM_CONTENT_TYPES = (
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "application/x-www-form-urlencoded; charset=latin-1",
    "APPLICATION/X-WWW-FORM-URLENCODED",
    "application/x-www-form-urlencoded ; foo=bar",
)

BOUNDARY = "corpusBoundary1234"


def multipart(
    parts: t.Sequence[tuple[t.Sequence[tuple[str, str]], bytes]],
    boundary: str = BOUNDARY,
    *,
    close: bool = True,
    preamble: bytes = b"",
    epilogue: bytes = b"",
    newline: bytes = b"\r\n",
) -> bytes:
    """A multipart body: ``parts`` are ``(headers, content)``; latin-1 headers."""
    out = [preamble]
    b = boundary.encode("latin-1")
    for headers, content in parts:
        out.append(b"--" + b + newline)
        for name, value in headers:
            out.append(f"{name}: {value}".encode("latin-1") + newline)
        out.append(newline)
        out.append(content + newline)
    if close:
        out.append(b"--" + b + b"--" + newline)
    out.append(epilogue)
    return b"".join(out)


def field_part(name: str, value: bytes, content_type: str | None = None) -> t.Any:
    headers = [("Content-Disposition", f'form-data; name="{name}"')]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    return (headers, value)


def file_part(
    name: str, filename: str, value: bytes, content_type: str | None = "application/octet-stream"
) -> t.Any:
    headers = [("Content-Disposition", f'form-data; name="{name}"; filename="{filename}"')]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    return (headers, value)


_BINARY = bytes(range(256))
_PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

# (name, body, content type): multipart requests, well- and ill-formed.
MULTIPART_BODIES: tuple[tuple[str, bytes, str], ...] = (
    ("one-field", multipart([field_part("a", b"1")]), f"multipart/form-data; boundary={BOUNDARY}"),
    (
        "fields",
        multipart([field_part("a", b"1"), field_part("b", b"2"), field_part("c", b"")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "same-field-twice",
        multipart([field_part("a", b"1"), field_part("a", b"2"), field_part("a", b"3")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "one-file",
        multipart([file_part("f", "a.txt", b"hello", "text/plain")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "files-and-fields",
        multipart(
            [
                field_part("name", b"value"),
                file_part("f1", "a.txt", b"hello", "text/plain"),
                file_part("f2", "b.bin", _BINARY),
                field_part("name", b"second"),
                file_part("f3", "c.png", _PNG_HEAD, "image/png"),
            ]
        ),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "same-file-field-twice",
        multipart(
            [
                file_part("f", "a.txt", b"first", "text/plain"),
                file_part("f", "b.txt", b"second", "text/plain"),
                file_part("f", "c.bin", b"\xff\xfe", None),
            ]
        ),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-no-content-type",
        multipart([file_part("f", "a.bin", b"\x00\x01\x02\xff", None)]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-binary-ct",
        multipart([file_part("f", "a.bin", _BINARY, "application/x-custom; q=1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-ct-latin1",
        multipart([file_part("f", "a.bin", b"\xff", "text/caf\xe9")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-utf8-text",
        multipart([file_part("f", "\u00e9.txt", "h\u00e9llo \u20ac".encode(), "text/plain")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-latin1-text",
        multipart([file_part("f", "a.txt", "h\u00e9llo".encode("latin-1"), "text/plain")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-empty",
        multipart([file_part("f", "empty.txt", b"", "text/plain")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "file-empty-filename",
        multipart([file_part("f", "", b"data", "text/plain")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "field-non-utf8",
        multipart([field_part("a", b"\xff\xfe\xe9")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "field-with-ct",
        multipart([field_part("a", b'{"x": 1}', "application/json")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "field-charset-latin1",
        multipart([field_part("a", b"\xe9", "text/plain; charset=latin-1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "field-name-unicode",
        multipart([field_part("\u00e9", b"1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "field-name-utf8-bytes",
        multipart([field_part(latin1("\u20ac".encode()), b"1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "field-crlf-in-value",
        multipart([field_part("a", b"line1\r\nline2\r\n")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "quoted-boundary",
        multipart([field_part("a", b"1")], boundary="b o=u;n"),
        'multipart/form-data; boundary="b o=u;n"',
    ),
    (
        "boundary-case",
        multipart([field_part("a", b"1")], boundary="AbC"),
        "Multipart/Form-Data; Boundary=AbC",
    ),
    (
        "wrong-boundary",
        multipart([field_part("a", b"1")]),
        "multipart/form-data; boundary=other",
    ),
    ("no-boundary", multipart([field_part("a", b"1")]), "multipart/form-data"),
    ("empty-boundary", multipart([field_part("a", b"1")]), "multipart/form-data; boundary="),
    (
        "non-ascii-boundary",
        multipart([field_part("a", b"1")], boundary="b\xe9"),
        "multipart/form-data; boundary=b\xe9",
    ),
    (
        "truncated",
        multipart([field_part("a", b"1"), field_part("b", b"2")])[:-30],
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "unterminated",
        multipart([field_part("a", b"1")], close=False),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "no-closing-newline",
        multipart([field_part("a", b"1")]).rstrip(b"\r\n"),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "lf-only",
        multipart([field_part("a", b"1"), file_part("f", "x", b"y")], newline=b"\n"),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "preamble-epilogue",
        multipart([field_part("a", b"1")], preamble=b"ignored\r\n", epilogue=b"trailing junk"),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "no-disposition",
        multipart([([("Content-Type", "text/plain")], b"orphan"), field_part("a", b"1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "no-name",
        multipart([([("Content-Disposition", "form-data")], b"x"), field_part("a", b"1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "bad-header-line",
        multipart([([("Content-Disposition", 'form-data; name="a"'), ("Junk", "")], b"1")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "garbage",
        b"this is not multipart at all",
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    ("empty-body", b"", f"multipart/form-data; boundary={BOUNDARY}"),
    (
        "mixed-type",
        multipart([field_part("a", b"1")]),
        f"multipart/mixed; boundary={BOUNDARY}",
    ),
    (
        "big-field-413",
        multipart([field_part("big", b"x" * 500_001)]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "big-file-ok",
        multipart([file_part("big", "big.bin", b"\x00\xff" * 300_000)]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "big-text-file",
        multipart([file_part("big", "big.txt", b"abc\n" * 150_000, "text/plain")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "many-parts-1000",
        multipart([field_part(f"p{i}", b"v") for i in range(1000)]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "many-parts-1001",
        multipart([field_part(f"p{i}", b"v") for i in range(1001)]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "filename-star",
        multipart(
            [
                (
                    [
                        (
                            "Content-Disposition",
                            "form-data; name=\"f\"; filename*=UTF-8''%C3%A9.txt",
                        )
                    ],
                    b"data",
                )
            ]
        ),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
    (
        "json-file",
        multipart([file_part("f", "a.json", b'{"a": [1, 2]}', "application/json")]),
        f"multipart/form-data; boundary={BOUNDARY}",
    ),
)

HOSTS: tuple[str, ...] = (
    "localhost",
    "localhost:80",
    "localhost:443",
    "localhost:8080",
    "localhost:080",
    "localhost:0",
    "localhost:65535",
    "localhost:65536",
    "localhost:",
    "LOCALHOST:8080",
    "Example.COM",
    "example.com.",
    "127.0.0.1",
    "127.0.0.1:5000",
    "[::1]",
    "[::1]:5000",
    "[::1]:80",
    "[::ffff:127.0.0.1]:443",
    "[::1",
    "::1",
    "[fe80::1%eth0]",
    "xn--nxasmq6b.com",
    "b\xfccher.de",
    latin1("b\u00fccher.de".encode()),
    "exa mple.com",
    "example.com/evil",
    "user@example.com",
    "a_b.example",
    "-dash.example",
    "",
    " localhost",
    "localhost:80:80",
    "h" * 300,
    "localhost\t",
    "a..b",
    ".",
    "..",
    ".example",
    "A" * 64,
    "localhost.:80",
    "0",
    "example..com:8080",
    "xn--a",
    "xn--zz",
    "XN--nxasmq6b.com",
    "xn--nxasmq6b.xn--a",
    "1.2.3.4.5",
    "localhost:8080 ",
)

SCRIPT_NAMES = (
    "",
    "/prefix",
    "/pre fix",
    "/caf\xe9",
    "/a%2Fb",
    "/trailing/",
    "//double",
    "/",
    # Without the leading '/', SCRIPT_NAME is glued to the host: werkzeug then re-parses it
    # as part of the netloc (port, user info...), or fails to.
    ":",
    ":80",
    ":8080",
    ":0",
    ":abc",
    ":99999",
    "@evil",
    "x",
    "?q",
    "#f",
    ".example.com",
    "[::1]",
    "a:b@c:1/",
    "%40evil",
    " ",
)


def _b64(s: bytes) -> str:
    return base64.b64encode(s).decode("ascii")


def _digest(algorithm: str, data: bytes) -> str:
    if algorithm == "SHA-256":
        return hashlib.sha256(data).hexdigest()
    if algorithm == "SHA-512":
        return hashlib.sha512(data).hexdigest()
    return hashlib.md5(data).hexdigest()


def digest_header(
    user: str,
    passwd: str,
    method: str,
    uri: str,
    *,
    algorithm: str = "MD5",
    qop: str | None = "auth",
    nonce: str = "abcdef0123456789",
    realm: str = "me@kennethreitz.com",
    body: bytes = b"",
    wrong: bool = False,
    omit: tuple[str, ...] = (),
) -> str:
    """An ``Authorization: Digest`` header as a client computes it (``wrong``: bad response)."""
    ha1 = _digest(algorithm, f"{user}:{realm}:{passwd}".encode())
    if qop == "auth-int":
        a2 = f"{method}:{uri}:{_digest(algorithm, body)}".encode()
    else:
        a2 = f"{method}:{uri}".encode()
    ha2 = _digest(algorithm, a2)
    nc, cnonce = "00000001", "0a4f113b"
    if qop is None:
        response = _digest(algorithm, f"{ha1}:{nonce}:{ha2}".encode())
    else:
        response = _digest(algorithm, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode())
    if wrong:
        response = "0" * len(response)
    fields = [
        ("username", f'"{user}"'),
        ("realm", f'"{realm}"'),
        ("nonce", f'"{nonce}"'),
        ("uri", f'"{uri}"'),
        ("algorithm", algorithm),
        ("qop", qop),
        ("nc", nc),
        ("cnonce", f'"{cnonce}"'),
        ("response", f'"{response}"'),
        ("opaque", '"5ccc069c403ebaf9f0171e9517f40e41"'),
    ]
    return "Digest " + ", ".join(f"{k}={v}" for k, v in fields if v is not None and k not in omit)


# --------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------


def _methods() -> list[Case]:
    cases = []
    for path in ENDPOINT_PATHS:
        for method in METHODS:
            cases.append(Case("methods", f"{method} {path}", method=method, path=path))
    # The same with a query string, a JSON body and a few headers.
    for i, path in enumerate(ENDPOINT_PATHS):
        for method in METHODS:
            cases.append(
                Case(
                    "methods",
                    f"{method} {path} +body",
                    method=method,
                    path=path,
                    query_string="q=1&q=2&x=%C3%A9",
                    headers=(
                        ("X-Trace", str(i)),
                        ("Access-Control-Request-Headers", "X-A, X-B"),
                        ("Origin", "null"),
                    ),
                    body=b'{"hello": "world", "n": [1, 2.5, null]}',
                    content_type="application/json",
                )
            )
    # Method spellings EnvironBuilder would normalise, and methods nobody routes.
    for method in ("get", "Post", "PROPFIND", "CONNECT", "FOO-BAR", "", "G\xc9T"):
        for path in ("/get", "/anything", "/post", "/headers"):
            cases.append(
                Case(
                    "methods",
                    f"raw method {method!r} {path}",
                    path=path,
                    environ=(("REQUEST_METHOD", method),),
                )
            )
    cases.append(
        Case("methods", "no REQUEST_METHOD", path="/get", environ=(("REQUEST_METHOD", DELETE),))
    )
    # Near-miss routes: 404s, 405s and redirects must stay the same too.
    for path in (
        "/get/",
        "/GET",
        "/anything/",
        "/anything//",
        "//anything",
        "/cache/-1",
        "/cache/abc",
        "/cache/007",
        "/cache/99999999999999999999",
        "/delay/",
        "/etag/",
        "/basic-auth/user",
        "/digest-auth/auth/user",
        "/digest-auth/auth/user/passwd/MD5/1/extra",
        "/response-headers/",
        "/user-agent/x",
    ):
        cases.append(Case("methods", f"route {path}", path=path))
    return cases


_QUERY_ENDPOINTS = (
    ("POST", "/anything/q"),
    ("PUT", "/put"),
    ("GET", "/delay/0"),
    ("GET", "/cache/5"),
    ("GET", "/etag/x"),
    ("GET", "/response-headers"),
    ("GET", "/cookies"),
    ("GET", "/headers"),
    ("GET", "/gzip"),
    ("GET", "/cache"),
    ("DELETE", "/delete"),
    ("GET", "/digest-auth/auth/user/passwd"),
    ("GET", "/brotli"),
    ("PATCH", "/patch"),
    ("GET", "/deflate"),
    ("GET", "/ip"),
)


def _query() -> list[Case]:
    cases = []
    headers = (("X-Forwarded-For", "1.2.3.4"), ("Cookie", "__utma=1; a=b"), ("Via", "1.1 x"))
    for i, raw in enumerate(QUERY_STRINGS):
        qs = _query_str(raw)
        chosen = [("GET", "/get"), ("TRACE", "/anything")]
        for j in range(4):
            chosen.append(_QUERY_ENDPOINTS[(i * 4 + j) % len(_QUERY_ENDPOINTS)])
        for method, path in chosen:
            cases.append(
                Case(
                    "query",
                    f"{method} {path} ?{raw[:40]!r}",
                    method=method,
                    path=path,
                    headers=headers,
                    environ=(("QUERY_STRING", qs),),
                )
            )
    # Query strings given to EnvironBuilder as str (it UTF-8 encodes them itself).
    for qs in ("a=\u00e9", "\u20ac=\U0001f600", "a=1&b=%C3%A9", "x=caf\u00e9&x=th\u00e9"):
        for path in ("/get", "/anything", "/response-headers"):
            cases.append(Case("query", f"builder {path} ?{qs!r}", path=path, query_string=qs))
    # A query string in the request target ('?' inside the path given to EnvironBuilder).
    for target in ("/get?a=1&b=2", "/anything/x?y=%20z", "/get?", "/cache/3?a=b"):
        cases.append(Case("query", f"target {target}", path=target))
    cases.append(
        Case("query", "no QUERY_STRING", path="/anything", environ=(("QUERY_STRING", DELETE),))
    )
    return cases


PATHS: tuple[str, ...] = (
    "/anything/simple",
    "/anything/a/b/c/",
    "/anything/with space",
    "/anything/%20",
    "/anything/caf%C3%A9",
    "/anything/\u00e9\u20ac\U0001f600",
    "/anything/%E2%82%AC",
    "/anything/%e2%82",
    "/anything/%zz",
    "/anything/%",
    "/anything/%00",
    "/anything/%2F",
    "/anything/a%2Fb",
    "/anything/;param",
    "/anything/a;b=c",
    "/anything/a;b=c/d;e",
    "/anything/.",
    "/anything/..",
    "/anything/../get",
    "/anything/./x",
    "/anything//double",
    "/anything/a+b",
    "/anything/a%2Bb",
    "/anything/~user",
    "/anything/!$&'()*,=:@",
    "/anything/%3F%23",
    "/anything/" + "x" * 2000,
    "/etag/%22quoted%22",
    "/etag/caf%C3%A9",
    "/etag/a;b",
    "/etag/a%20b",
    "/basic-auth/%C3%A9/p%C3%A4ss",
    "/basic-auth/a:b/c",
    "/hidden-basic-auth/user/%00",
    "/delay/0.0",
    "/delay/%200%20",
)

RAW_PATHS: tuple[bytes, ...] = (
    b"/anything/\xc3\xa9",
    b"/anything/\xff\xfe",
    b"/anything/\xe9",
    b"/anything/\xe2\x82",
    b"/anything/\x00",
    b"/anything/a\r\nb",
    b"/anything/%C3%A9\xc3\xa9",
    b"/etag/\xff",
    b"/etag/\xc3\xa9",
    b"/basic-auth/\xc3\xa9/\xff",
    b"/delay/\xd9\xa0",
    b"/delay/\xff",
    b"/get\xc3\xa9",
    # Literal '%' in PATH_INFO (the client sent %25): request.url decodes these again.
    b"/anything/%41",
    b"/anything/%2F",
    b"/anything/%25",
    b"/anything/%e2%82%ac",
    b"/anything/%E2%82",
    b"/anything/%zz",
    b"/anything/100%",
    b"/anything/%3f%23",
    b"/anything/%20",
    # Characters urllib.parse.quote escapes and uri_to_iri may or may not decode again.
    b'/anything/"<>`{}|\\^[]',
    b"/anything/a b\tc",
    b"/anything/\x7f\x01",
    b"/anything/?#",
    b"/anything/caf\xc3\xa9 %C3%A9",
    b"/anything/;a=b;c",
    b"/anything/a;",
    b"/anything//x//",
)


def _paths() -> list[Case]:
    cases = []
    for path in PATHS:
        cases.append(Case("paths", f"GET {path[:60]}", path=path, query_string="a=1"))
        cases.append(
            Case(
                "paths",
                f"POST {path[:60]}",
                method="POST",
                path=path,
                body=b"x=1",
                content_type="application/x-www-form-urlencoded",
            )
        )
    for raw in RAW_PATHS:
        cases.append(Case("paths", f"raw {raw!r}", path="/", environ=(("PATH_INFO", latin1(raw)),)))
    # REQUEST_URI/RAW_URI disagree with PATH_INFO/QUERY_STRING: werkzeug ignores them.
    for path in ("/get", "/anything/x"):
        cases.append(
            Case(
                "paths",
                f"stale REQUEST_URI {path}",
                path=path,
                query_string="real=1",
                environ=(("REQUEST_URI", "/other?fake=1"), ("RAW_URI", "/other?fake=1")),
            )
        )
    for script in SCRIPT_NAMES:
        for path in ("/get", "/anything/p", "/cache/1"):
            cases.append(
                Case(
                    "paths",
                    f"SCRIPT_NAME {script!r} {path}",
                    path=path,
                    query_string="s=1",
                    environ=(("SCRIPT_NAME", script),),
                )
            )
    cases.append(
        Case("paths", "no SCRIPT_NAME", path="/anything", environ=(("SCRIPT_NAME", DELETE),))
    )
    cases.append(Case("paths", "empty PATH_INFO", path="/", environ=(("PATH_INFO", ""),)))
    cases.append(Case("paths", "no PATH_INFO", path="/", environ=(("PATH_INFO", DELETE),)))
    return cases


_HOST_TARGETS = (
    ("GET", "/get", "a=1"),
    ("POST", "/anything/h", "x=%C3%A9"),
    ("GET", "/cache", None),
    ("GET", "/etag/e", None),
    ("GET", "/digest-auth/auth/user/passwd", None),
    ("GET", "/gzip", None),
)


def _hosts() -> list[Case]:
    cases = []
    for i, host in enumerate(HOSTS):
        for scheme in ("http", "https"):
            for j in range(3):
                method, path, qs = _HOST_TARGETS[(i + j) % len(_HOST_TARGETS)]
                cases.append(
                    Case(
                        "hosts",
                        f"{scheme} Host={host[:40]!r} {method} {path}",
                        method=method,
                        path=path,
                        query_string=qs,
                        environ=(("HTTP_HOST", host), ("wsgi.url_scheme", scheme)),
                    )
                )
    # No Host header: SERVER_NAME/SERVER_PORT take over.
    servers = (
        ("localhost", "80"),
        ("localhost", "443"),
        ("example.com", "8080"),
        ("::1", "5000"),
        ("[::1]", "5000"),
        ("", "80"),
        ("localhost", ""),
        ("localhost", "abc"),
        ("localhost", DELETE),
        (DELETE, "80"),
        ("caf\xe9", "80"),
    )
    for name, port in servers:
        for scheme in ("http", "https"):
            for path in ("/get", "/anything"):
                cases.append(
                    Case(
                        "hosts",
                        f"{scheme} no Host, server {name!r}:{port!r} {path}",
                        path=path,
                        environ=(
                            ("HTTP_HOST", DELETE),
                            ("SERVER_NAME", name),
                            ("SERVER_PORT", port),
                            ("wsgi.url_scheme", scheme),
                        ),
                    )
                )
    for scheme in ("HTTPS", "ftp", "", "ws", "wss"):
        cases.append(
            Case(
                "hosts",
                f"url_scheme {scheme!r}",
                path="/get",
                environ=(("HTTP_HOST", "localhost:443"), ("wsgi.url_scheme", scheme)),
            )
        )
    cases.append(
        Case("hosts", "no url_scheme", path="/get", environ=(("wsgi.url_scheme", DELETE),))
    )
    # base_url through EnvironBuilder.
    for base in ("https://localhost/", "http://example.com:8080/", "https://[::1]:8443/root/"):
        cases.append(Case("hosts", f"base_url {base}", path="/anything/b", base_url=base))
    return cases


PROTO_VALUES = ("https", "http", "HTTPS", "", "ftp", "https, http", " https", "\xe9", "a:b", "1")
SSL_VALUES = ("on", "ON", "off", "", "1", "true")
FOR_VALUES = (
    "1.2.3.4",
    "1.2.3.4, 5.6.7.8",
    "",
    " ",
    "unknown",
    "::1",
    "caf\xe9",
    "1.2.3.4,1.2.3.4",
    "x" * 500,
)
_PROXY_ENDPOINTS = (
    "/get",
    "/ip",
    "/headers",
    "/anything",
    "/gzip",
    "/cache/1",
    "/delay/0",
    "/deflate",
    "/etag/p",
    "/cookies",
)


def _proxy() -> list[Case]:
    cases = []
    n = 0

    def add(name: str, headers: tuple[tuple[str, str], ...], query: str | None = None) -> None:
        nonlocal n
        for k in range(2):
            path = _PROXY_ENDPOINTS[(n + k * 5) % len(_PROXY_ENDPOINTS)]
            cases.append(
                Case("proxy", f"{name} {path}", path=path, headers=headers, query_string=query)
            )
        n += 1

    for value in PROTO_VALUES:
        add(f"Proto={value!r}", (("X-Forwarded-Proto", value),))
        add(f"Protocol={value!r}", (("X-Forwarded-Protocol", value),))
        add(
            f"Proto+Protocol={value!r}",
            (("X-Forwarded-Protocol", "ftp"), ("X-Forwarded-Proto", value)),
        )
    for value in SSL_VALUES:
        add(f"Ssl={value!r}", (("X-Forwarded-Ssl", value),))
        add(f"Ssl={value!r}+Proto", (("X-Forwarded-Ssl", value), ("X-Forwarded-Proto", "")))
    for value in FOR_VALUES:
        add(f"For={value[:20]!r}", (("X-Forwarded-For", value),))
        add(f"For={value[:20]!r} show_env", (("X-Forwarded-For", value),), "show_env=1")
    env_headers = (
        ("X-Varnish", "1"),
        ("X-Request-Start", "t=1"),
        ("X-Heroku-Queue-Depth", "0"),
        ("X-Real-Ip", "9.9.9.9"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Protocol", "https"),
        ("X-Forwarded-Ssl", "on"),
        ("X-Heroku-Queue-Wait-Time", "0"),
        ("X-Forwarded-For", "8.8.8.8"),
        ("X-Heroku-Dynos-In-Use", "1"),
        ("X-Forwarded-Port", "443"),
        ("X-Request-Id", "rid"),
        ("Via", "1.1 vegur"),
        ("Total-Route-Time", "0"),
        ("Connect-Time", "0"),
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", "for=1.1.1.1;proto=https"),
    )
    for query in (None, "show_env=1", "show_env", "a=1&show_env=&b=2", "SHOW_ENV=1"):
        for path in ("/get", "/headers", "/anything", "/gzip", "/delay/0", "/cache/2"):
            cases.append(
                Case(
                    "proxy",
                    f"all env headers ?{query} {path}",
                    path=path,
                    headers=env_headers,
                    query_string=query,
                )
            )
    for scheme in ("http", "https"):
        for value in ("http", "https", "wss"):
            cases.append(
                Case(
                    "proxy",
                    f"{scheme} + Proto={value} + port",
                    path="/anything/p",
                    query_string="q=1",
                    headers=(("X-Forwarded-Proto", value),),
                    environ=(("HTTP_HOST", "example.com:8443"), ("wsgi.url_scheme", scheme)),
                )
            )
    # No REMOTE_ADDR, odd REMOTE_ADDR values.
    for addr in (DELETE, "", "::1", "caf\xe9", "10.0.0.1 "):
        for path in ("/ip", "/get", "/digest-auth/auth/user/passwd", "/anything"):
            cases.append(
                Case(
                    "proxy",
                    f"REMOTE_ADDR={addr!r} {path}",
                    path=path,
                    environ=(("REMOTE_ADDR", addr),),
                )
            )
    return cases


def _headers() -> list[Case]:
    cases = []
    paths = ("/headers", "/get", "/anything", "/user-agent", "/gzip", "/cache")
    for i, (name, value) in enumerate(EXTRA_HEADERS):
        for j in range(2):
            path = paths[(i + j) % len(paths)]
            cases.append(
                Case(
                    "headers", f"{name}={value[:20]!r} {path}", path=path, headers=((name, value),)
                )
            )
    # Odd environ keys (only expressible as raw environ).
    odd_keys = (
        ("HTTP_X_LOWER", "1"),
        ("HTTP_x_lower_case", "2"),
        ("HTTP_X__DOUBLE", "3"),
        ("HTTP_", "empty name"),
        ("HTTP_X-DASH", "4"),
        ("HTTP_X_\xc4\xd6", "latin-1 name"),
        ("HTTP_\xdf", "sharp s"),
        ("HTTP_1ABC", "digit"),
        ("HTTP_X WEIRD", "space"),
        ("HTTP_X_FORWARDED_FOR_", "suffix"),
        ("HTTP_CONTENT_TYPE", "text/dup"),
        ("HTTP_CONTENT_LENGTH", "99"),
        ("HTTP_x_forwarded_for", "5.5.5.5"),
        ("HTTP_X_FORWARDED_PROTO", "https"),
        ("HTTP_x_forwarded_proto", "https"),
        ("HTTP_VIA", "lost"),
        ("HTTP_via", "kept?"),
        ("HTTP_USER_AGENT", ""),
        ("HTTP_user_agent", "lower"),
        ("HTTP_COOKIE", "__utma=1; x=2"),
        ("http_x_not_header", "lower prefix"),
        ("X_NOT_HEADER", "no prefix"),
        ("CONTENT_TYPE", ""),
        ("CONTENT_LENGTH", ""),
        ("HTTP_HOST", "example.com"),
    )
    for i, (key, value) in enumerate(odd_keys):
        for path in ("/headers", paths[1 + i % (len(paths) - 1)]):
            cases.append(
                Case("headers", f"environ {key!r} {path}", path=path, environ=((key, value),))
            )
    # Keys that title-case to the same header name: later value, first position.
    for path in ("/headers", "/get", "/ip", "/anything?show_env=1"):
        cases.append(
            Case(
                "headers",
                f"colliding keys {path}",
                path=path,
                environ=(
                    ("HTTP_X_FORWARDED_FOR", "1.1.1.1"),
                    ("HTTP_X_A", "first"),
                    ("HTTP_x_forwarded_for", "2.2.2.2"),
                    ("HTTP_x_a", "second"),
                    ("HTTP_X_a", "third"),
                ),
            )
        )
    # Duplicate headers (EnvironBuilder joins them with ", ") and odd cases.
    dup_sets = (
        (("X-Dup", "1"), ("X-Dup", "2")),
        (("x-dup", "1"), ("X-DUP", "2"), ("X-Dup", "")),
        (("Accept", "a"), ("accept", "b")),
        (("User-Agent", "one"), ("User-Agent", "two")),
        (("X-Forwarded-For", "1.1.1.1"), ("X-Forwarded-For", "2.2.2.2")),
        (("Cookie", "a=1"), ("Cookie", "b=2")),
        (("Origin", "https://a"), ("Origin", "https://b")),
    )
    for i, headers in enumerate(dup_sets):
        for path in ("/headers", "/get", "/cookies", paths[i % len(paths)]):
            cases.append(Case("headers", f"dup {headers!r} {path}", path=path, headers=headers))
    # No User-Agent, empty, unicode; and a request with no headers at all.
    for path in ("/user-agent", "/headers", "/get"):
        cases.append(Case("headers", f"bare {path}", path=path, bare=True))
        cases.append(
            Case("headers", f"bare+ua {path}", path=path, bare=True, headers=(("User-Agent", "u"),))
        )
        cases.append(
            Case(
                "headers",
                f"ua latin-1 {path}",
                path=path,
                environ=(("HTTP_USER_AGENT", "caf\xe9 \xff"),),
            )
        )
        cases.append(
            Case(
                "headers",
                f"ua lowercase key {path}",
                path=path,
                environ=(("HTTP_USER_AGENT", DELETE), ("HTTP_user_agent", "x")),
            )
        )
    # The same header spelled differently in successive requests (a header-name cache must
    # not mix them up), and many distinct names.
    for key in (
        "HTTP_X_CASE_TEST",
        "HTTP_x_case_test",
        "HTTP_X_Case_Test",
        "HTTP_X_CASE-TEST",
        "HTTP_X_CASE_TEST_",
        "HTTP_X_CASE_TEST",
        "HTTP_X_CASE__TEST",
        "HTTP_X_CASE_TES\xc9",
        "HTTP_X_CASE_TES\xe9",
        "HTTP_x_case_test",
    ):
        cases.append(Case("headers", f"spelling {key!r}", path="/headers", environ=((key, "v"),)))
    rng = random.Random(7)
    for n in range(3):
        names = [
            "HTTP_" + "".join(rng.choice("ABCXYZabcxyz_019-") for _ in range(rng.randrange(1, 12)))
            for _ in range(400)
        ]
        cases.append(
            Case(
                "headers",
                f"400 random names #{n}",
                path=("/headers", "/get", "/anything")[n],
                environ=tuple((name, f"v{i}") for i, name in enumerate(names)),
            )
        )
    # Many headers, in a fixed order.
    many = tuple((f"X-H{i:03d}", f"v{i}") for i in range(150))
    for path in ("/headers", "/get", "/anything", "/brotli"):
        cases.append(Case("headers", f"150 headers {path}", path=path, headers=many))
    # Every EXTRA header at once.
    for path in ("/headers", "/anything", "/get", "/deflate"):
        cases.append(Case("headers", f"all extra {path}", path=path, headers=EXTRA_HEADERS))
        cases.append(
            Case(
                "headers",
                f"all extra show_env {path}",
                path=path,
                headers=EXTRA_HEADERS,
                query_string="show_env=1",
            )
        )
    # OPTIONS preflights and CORS.
    for origin in ("https://example.org", "", "null", "caf\xe9"):
        for path in ("/get", "/post", "/anything", "/headers"):
            cases.append(
                Case(
                    "headers",
                    f"OPTIONS Origin={origin!r} {path}",
                    method="OPTIONS",
                    path=path,
                    headers=(
                        ("Origin", origin),
                        ("Access-Control-Request-Method", "POST"),
                        ("Access-Control-Request-Headers", "X-Custom, Content-Type"),
                    ),
                )
            )
    return cases


COOKIES: tuple[str, ...] = (
    "a=1",
    "a=1; b=2",
    "a=1; a=2",
    "b=2; a=1",
    "a=1;b=2",
    "a=1, b=2",
    " a = 1 ; b = 2 ",
    "a",
    "=b",
    ";;",
    "",
    'a="quoted value"',
    'a="esc\\"aped"',
    'a="\\303\\251"',
    "a=caf\xe9",
    "a=" + latin1("caf\u00e9".encode()),
    "a=%C3%A9",
    "a=\x00b",
    "caf\xe9=1",
    "$Version=1; a=b; $Path=/",
    "__utma=1; __utmz=2; __utmb=3; a=keep",
    "; ".join(
        f"{k}=1"
        for k in (
            "_gauges_unique",
            "_gauges_unique_year",
            "_gauges_unique_month",
            "_gauges_unique_day",
            "_gauges_unique_hour",
            "__utmz",
            "__utma",
            "__utmb",
        )
    ),
    "__UTMA=1; __utma=2",
    "stale_after=0; fake=fake_value",
    "last_nonce=abcdef0123456789",
    "a=" + "x" * 4000,
    "; ".join(f"c{i}=v{i}" for i in range(200)),
    "a=1; a=; a",
)


def _cookies() -> list[Case]:
    cases = []
    targets = (
        ("/cookies", None),
        ("/cookies", "show_env"),
        ("/cookies", "show_env=0&x=1"),
        ("/cookies", "SHOW_ENV=1"),
        ("/anything", None),
        ("/headers", None),
        ("/get", "show_env=1"),
    )
    for i, cookie in enumerate(COOKIES):
        for j in range(3):
            path, query = targets[(i + j) % len(targets)]
            cases.append(
                Case(
                    "cookies",
                    f"{cookie[:30]!r} {path}?{query}",
                    path=path,
                    query_string=query,
                    environ=(("HTTP_COOKIE", cookie),),
                )
            )
    cases.append(Case("cookies", "no cookie", path="/cookies"))
    cases.append(Case("cookies", "no cookie show_env", path="/cookies", query_string="show_env"))
    return cases


# (name, environ edits, raw input or None) for Content-Type/Content-Length edge cases.
def _content() -> list[Case]:
    cases = []
    body = b'{"a": 1}'
    form = b"a=1&b=2"
    length_variants: tuple[tuple[str, t.Any, bytes], ...] = (
        ("right", str(len(form)), form),
        ("empty", "", form),
        ("missing", DELETE, form),
        ("zero", "0", form),
        ("short", "3", form),
        ("long", "100", form),
        ("huge", "99999999999999999999", form),
        ("negative", "-1", form),
        ("negative-zero", "-0", form),
        ("plus", "+7", form),
        ("spaces", " 7 ", form),
        ("hex", "0x7", form),
        ("float", "7.0", form),
        ("underscore", "0_7", form),
        ("text", "abc", form),
        ("unicode-digit", "\u0667", form),
        ("leading-zero", "007", form),
    )
    content_types = (
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        DELETE,
        f"multipart/form-data; boundary={BOUNDARY}",
    )
    for name, length, raw in length_variants:
        for ct in content_types:
            data = raw
            if isinstance(ct, str) and ct.startswith("multipart"):
                data = multipart([field_part("a", b"1")])
                if name == "right":
                    length = str(len(data))
            elif ct == "application/json":
                data = body
                if name == "right":
                    length = str(len(data))
            for method, path in (("POST", "/post"), ("PUT", "/anything")):
                cases.append(
                    Case(
                        "content",
                        f"CL {name} CT {ct!r} {method} {path}",
                        method=method,
                        path=path,
                        environ=(("CONTENT_TYPE", ct), ("CONTENT_LENGTH", length)),
                        raw_input=data,
                    )
                )
    ctypes = (
        "",
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "APPLICATION/JSON",
        "application/vnd.api+json",
        "text/json",
        "text/plain",
        "text/plain; charset=utf-16",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "invalid",
        "/",
        ";",
        'text/plain; charset="unterminated',
        "caf\xe9/x",
        "a" * 500,
    )
    for ct in ctypes:
        for method, path, data in (
            ("POST", "/post", body),
            ("PUT", "/put", form),
            ("PATCH", "/anything", b"\xff\xfe"),
        ):
            cases.append(
                Case(
                    "content",
                    f"CT {ct[:40]!r} {method} {path}",
                    method=method,
                    path=path,
                    body=data,
                    environ=(("CONTENT_TYPE", ct),),
                )
            )
    # wsgi.input_terminated (its presence, whatever its value): read to EOF whatever
    # CONTENT_LENGTH says, with or without a Content-Type.
    for term in (True, 1, "", False):
        for length in (DELETE, "0", "2", "100"):
            for ct in ("application/json", "application/x-www-form-urlencoded", DELETE, ""):
                cases.append(
                    Case(
                        "content",
                        f"input_terminated={term!r} CL={length!r} CT={ct} POST /anything",
                        method="POST",
                        path="/anything",
                        environ=(
                            ("wsgi.input_terminated", term),
                            ("CONTENT_TYPE", ct),
                            ("CONTENT_LENGTH", length),
                        ),
                        raw_input=form if "form" in str(ct) else body,
                    )
                )
    for path, method in (("/get", "GET"), ("/headers", "GET"), ("/delete", "DELETE")):
        for raw in (b"", b"x", b"[" * 100 + b"]" * 100, b"[" * 5000):
            cases.append(
                Case(
                    "content",
                    f"input_terminated no CT/CL {method} {path} {raw[:10]!r} ({len(raw)} bytes)",
                    method=method,
                    path=path,
                    environ=(("wsgi.input_terminated", True),),
                    raw_input=raw,
                )
            )
    # Chunked requests: 501 unless gunicorn, which gets wsgi.input_terminated.
    for te in ("chunked", "Chunked", "gzip, chunked", "identity"):
        for server in ("gunicorn/21.2.0", "Gunicorn/1", "werkzeug/3.1", DELETE):
            for extra in ((), (("wsgi.input_terminated", False),)):
                cases.append(
                    Case(
                        "content",
                        f"TE={te} server={server!r} {extra}",
                        method="POST",
                        path="/post",
                        environ=(
                            ("HTTP_TRANSFER_ENCODING", te),
                            ("SERVER_SOFTWARE", server),
                            ("CONTENT_TYPE", "application/json"),
                            ("CONTENT_LENGTH", DELETE),
                            *extra,
                        ),
                        raw_input=body,
                    )
                )
    # No wsgi.input at all, and an empty one.
    for path, method in (("/get", "GET"), ("/post", "POST"), ("/headers", "GET"), ("/ip", "GET")):
        cases.append(
            Case(
                "content",
                f"no wsgi.input {method} {path}",
                method=method,
                path=path,
                environ=(("wsgi.input", DELETE),),
            )
        )
        cases.append(
            Case(
                "content",
                f"no wsgi.input CL=5 {method} {path}",
                method=method,
                path=path,
                environ=(("wsgi.input", DELETE), ("CONTENT_LENGTH", "5")),
            )
        )
    return cases


def _forms() -> list[Case]:
    cases = []
    for i, data in enumerate(FORM_BODIES):
        big = len(data) > 100_000
        n_targets = 2 if big else 3
        for j in range(n_targets):
            method, path = BODY_ENDPOINTS[(i * 3 + j) % len(BODY_ENDPOINTS)]
            ct = FORM_CONTENT_TYPES[(i + j) % len(FORM_CONTENT_TYPES)]
            cases.append(
                Case(
                    "forms",
                    f"{method} {path} CT={ct!r} {data[:30]!r}",
                    method=method,
                    path=path,
                    body=data,
                    content_type=ct,
                    query_string="q=1" if j == 1 else None,
                )
            )
    return cases


def _multipart() -> list[Case]:
    cases = []
    for i, (name, data, ct) in enumerate(MULTIPART_BODIES):
        big = len(data) > 100_000
        targets = BODY_ENDPOINTS[:2] if big else BODY_ENDPOINTS
        for j in range(2 if big else 3):
            method, path = targets[(i + j * 3) % len(targets)]
            cases.append(
                Case(
                    "multipart",
                    f"{name} {method} {path}",
                    method=method,
                    path=path,
                    body=data,
                    content_type=ct,
                )
            )
    return cases


_JSON_CTS = (
    "application/json",
    None,
    "text/plain",
    "application/json; charset=utf-16",
    "application/octet-stream",
)


def _json() -> list[Case]:
    cases = []
    for i, data in enumerate(JSON_BODIES):
        huge = len(data) > 100_000
        for j in range(2 if huge else 3):
            method, path = BODY_ENDPOINTS[(i + j * 4) % len(BODY_ENDPOINTS)]
            ct = _JSON_CTS[(i + j) % len(_JSON_CTS)]
            cases.append(
                Case(
                    "json",
                    f"{method} {path} CT={ct!r} {data[:30]!r}",
                    method=method,
                    path=path,
                    body=data,
                    content_type=ct,
                )
            )
    return cases


RAW_BODIES: tuple[bytes, ...] = (
    b"",
    b"plain text",
    "caf\u00e9 \u20ac \U0001f600".encode(),
    b"\xff\xfe\xfd",
    b"caf\xe9",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\x00" * 10,
    b"\x00",
    _BINARY,
    _PNG_HEAD,
    b"\r\n\r\n",
    b"a" * 70_000,
    bytes(random.Random(1).getrandbits(8) for _ in range(5000)),
    "\u2028\u2029".encode(),
    b"\x7f\x80",
    b"<html><script>alert(1)</script></html>",
    b'"just a string with \\" escapes"',
)


def _bodies() -> list[Case]:
    cases = []
    cts = (
        None,
        "text/plain",
        "application/octet-stream",
        "image/png",
        "text/html; charset=latin-1",
    )
    for i, data in enumerate(RAW_BODIES):
        for j in range(3):
            method, path = BODY_ENDPOINTS[(i * 2 + j) % len(BODY_ENDPOINTS)]
            ct = cts[(i + j) % len(cts)]
            cases.append(
                Case(
                    "bodies",
                    f"{method} {path} CT={ct!r} {data[:20]!r}",
                    method=method,
                    path=path,
                    body=data,
                    content_type=ct,
                )
            )
    # Bodies on endpoints that ignore them.
    for path in ("/headers", "/ip", "/uuid", "/cookies", "/gzip", "/json", "/bearer", "/cache"):
        cases.append(
            Case(
                "bodies",
                f"GET {path} with body",
                path=path,
                body=b"ignored \xff",
                content_type="application/x-www-form-urlencoded",
            )
        )
    return cases


RESPONSE_HEADER_QUERIES: tuple[bytes, ...] = (
    b"",
    b"freeform=x",
    b"freeform=",
    b"X-A=1&X-A=2",
    b"X-A=1&x-a=2",
    b"X-A=1&X-B=2&X-A=3",
    b"Content-Type=text/plain",
    b"content-type=text/html;+charset=utf-8",
    b"Content-Type=",
    b"Content-Length=1",
    b"Content-Length=abc",
    b"Content-Encoding=gzip",
    b"Server=custom",
    b"Set-Cookie=a=b&Set-Cookie=c=d",
    b"Location=/redirect",
    b"Access-Control-Allow-Origin=evil",
    b"Date=yesterday",
    b"ETag=%22e%22",
    b"Vary=*",
    b"=empty-key",
    b"k=%C3%A9",
    b"%C3%A9=value",
    b"k=\xe9",
    b"k=\xff",
    b"k=%E2%82%AC%F0%9F%98%80",
    b"k=%0Ainjected",
    b"k=a%0D%0AX-Injected:%201",
    b"k%0A=v",
    b"k=%00",
    b"k=a%09b",
    b"a+b=c+d",
    b"k",
    b"k&k&k",
    b"X-Long=" + b"v" * 5000,
    b"&".join(b"X-K%03d=%d" % (i, i) for i in range(100)),
    b"&".join(b"X-Same=%d" % i for i in range(30)),
    b"Content-Length=100&Content-Length=200",
    b"a=1&show_env=1",
    b"k=%zz&j=%",
    b"Content-Type=application/json&k=1",
)


def _response_headers() -> list[Case]:
    cases = []
    for raw in RESPONSE_HEADER_QUERIES:
        for method in ("GET", "POST", "HEAD"):
            cases.append(
                Case(
                    "response_headers",
                    f"{method} ?{raw[:40]!r}",
                    method=method,
                    path="/response-headers",
                    environ=(("QUERY_STRING", latin1(raw)),),
                    body=b"form=ignored" if method == "POST" else None,
                    content_type=(
                        "application/x-www-form-urlencoded" if method == "POST" else None
                    ),
                )
            )
    return cases


ETAG_VALUES: tuple[str, ...] = (
    '"abc"',
    "abc",
    'W/"abc"',
    "w/abc",
    "*",
    '"xyz"',
    '"xyz", "abc"',
    "xyz, abc",
    '"abc",',
    ",",
    "",
    " ",
    '"',
    '""',
    "W/",
    '"a,b"',
    "\xe9",
    "abc ; x",
    '*, "abc"',
    '   "abc"   ',
)


def _etag_cache() -> list[Case]:
    cases = []
    for etag in ("abc", "a,b", "%2A", "W%2F%22abc%22", "caf%C3%A9", "x" * 100):
        path = f"/etag/{etag}"
        cases.append(Case("etag_cache", f"{path} plain", path=path))
        for value in ETAG_VALUES:
            cases.append(
                Case(
                    "etag_cache",
                    f"{path} If-None-Match={value!r}",
                    path=path,
                    headers=(("If-None-Match", value),),
                )
            )
            cases.append(
                Case(
                    "etag_cache",
                    f"{path} If-Match={value!r}",
                    path=path,
                    headers=(("If-Match", value),),
                )
            )
        cases.append(
            Case(
                "etag_cache",
                f"{path} both",
                path=path,
                headers=(("If-None-Match", '"nope"'), ("If-Match", '"nope"')),
            )
        )
        cases.append(
            Case(
                "etag_cache",
                f"{path} HEAD If-None-Match",
                method="HEAD",
                path=path,
                headers=(("If-None-Match", '"abc"'),),
            )
        )
    # /cache: If-Modified-Since / If-None-Match.
    conditionals = (
        (),
        (("If-Modified-Since", "Sat, 29 Oct 1994 19:43:31 GMT"),),
        (("If-Modified-Since", "garbage"),),
        (("If-Modified-Since", ""),),
        (("If-None-Match", ""),),
        (("If-None-Match", "*"),),
        (("If-Modified-Since", ""), ("If-None-Match", "")),
        (("If-Modified-Since", ""), ("If-None-Match", "x")),
        (("If-Match", "*"),),
    )
    for headers in conditionals:
        for method in ("GET", "HEAD", "POST"):
            for path in ("/cache", "/cache/0", "/cache/31536000"):
                cases.append(
                    Case(
                        "etag_cache",
                        f"{method} {path} {headers!r}",
                        method=method,
                        path=path,
                        headers=headers,
                        query_string="a=1",
                    )
                )
    return cases


def _auth() -> list[Case]:
    cases = []
    basic_values = (
        None,
        "Basic " + _b64(b"user:passwd"),
        "Basic " + _b64(b"user:wrong"),
        "Basic " + _b64(b"user"),
        "Basic " + _b64(b":"),
        "Basic " + _b64(b"user:passwd:extra"),
        "Basic " + _b64("\u00e9:p\u00e4ss".encode()),
        "Basic " + _b64("\u00e9:p\u00e4ss".encode("latin-1")),
        "Basic " + _b64(b"\xff:\xfe"),
        "basic " + _b64(b"user:passwd"),
        "BASIC " + _b64(b"user:passwd"),
        "Basic  " + _b64(b"user:passwd"),
        "Basic " + _b64(b"user:passwd") + " ",
        "Basic " + _b64(b"user:passwd")[:-2],
        "Basic !!!notbase64!!!",
        "Basic ",
        "Basic",
        "",
        "Bearer token",
        'Digest username="user"',
        "Basic dXNlcjpwYXNzd2Q=, Basic eDp5",
        "Basic dXNlcjpwYXNzd2Q=\x00",
        "\xe9\xe9",
    )
    users = (("user", "passwd"), ("\u00e9", "p\u00e4ss"), ("a:b", "c"))
    for kind in ("basic-auth", "hidden-basic-auth"):
        for user, passwd in users:
            path = f"/{kind}/{quote(user)}/{quote(passwd)}"
            for value in basic_values:
                headers = () if value is None else (("Authorization", value),)
                cases.append(Case("auth", f"{path} {value!r}", path=path, headers=headers))
    bearer_values = (
        None,
        "Bearer abc",
        "Bearer ",
        "Bearer",
        "bearer abc",
        "BEARER abc",
        "Bearer  two",
        "Bearer caf\xe9",
        "Bearer " + "t" * 3000,
        "Bearer a b c",
        "Bearer\tabc",
        "Basic abc",
        "",
        " Bearer abc",
        'Bearer "quoted"',
        "Bearer \x00",
    )
    for value in bearer_values:
        headers = () if value is None else (("Authorization", value),)
        for method in ("GET", "HEAD"):
            cases.append(
                Case(
                    "auth",
                    f"{method} /bearer {value!r}",
                    method=method,
                    path="/bearer",
                    headers=headers,
                )
            )
    # Digest.
    digest_routes = (
        ("/digest-auth/auth/user/passwd", "MD5", "auth"),
        ("/digest-auth/auth-int/user/passwd", "MD5", "auth-int"),
        ("/digest-auth/auth/user/passwd/SHA-256", "SHA-256", "auth"),
        ("/digest-auth/auth/user/passwd/SHA-512", "SHA-512", "auth"),
        ("/digest-auth/auth/user/passwd/sha-256", "MD5", "auth"),
        ("/digest-auth/none/user/passwd/MD5", "MD5", None),
        ("/digest-auth/auth/user/passwd/MD5/3", "MD5", "auth"),
        ("/digest-auth/auth/user/passwd/MD5/0", "MD5", "auth"),
        ("/digest-auth/auth/user/passwd/MD5/never", "MD5", "auth"),
        ("/digest-auth/auth/%C3%A9/p%C3%A4ss/MD5", "MD5", "auth"),
    )
    for path, algorithm, qop in digest_routes:
        segments = path.split("/")
        user, passwd = unquote(segments[3]), unquote(segments[4])
        uri = unquote(path)
        variants: list[tuple[str, tuple[tuple[str, str], ...], str | None, bytes | None]] = [
            ("no auth", (), None, None),
            ("challenge-bad-type", (("Authorization", "Basic dXNlcjpwYXNzd2Q="),), None, None),
            ("empty", (("Authorization", ""),), None, None),
            ("bare Digest", (("Authorization", "Digest"),), None, None),
            ("Digest junk", (("Authorization", "Digest !!!"),), None, None),
            (
                "good",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop=qop),
                    ),
                ),
                None,
                None,
            ),
            (
                "wrong response",
                (
                    (
                        "Authorization",
                        digest_header(
                            user, passwd, "GET", uri, algorithm=algorithm, qop=qop, wrong=True
                        ),
                    ),
                ),
                None,
                None,
            ),
            (
                "wrong password",
                (
                    (
                        "Authorization",
                        digest_header(user, "nope", "GET", uri, algorithm=algorithm, qop=qop),
                    ),
                ),
                None,
                None,
            ),
            (
                "good+query (str+bytes)",
                (
                    (
                        "Authorization",
                        digest_header(
                            user, passwd, "GET", uri + "?a=1", algorithm=algorithm, qop=qop
                        ),
                    ),
                ),
                "a=1",
                None,
            ),
            (
                "no qop",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop=None),
                    ),
                ),
                None,
                None,
            ),
            (
                "qop auth-int with body",
                (
                    (
                        "Authorization",
                        digest_header(
                            user,
                            passwd,
                            "GET",
                            uri,
                            algorithm=algorithm,
                            qop="auth-int",
                            body=b"payload",
                        ),
                    ),
                ),
                None,
                b"payload",
            ),
            (
                "bad qop",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop="bogus"),
                    ),
                ),
                None,
                None,
            ),
            (
                "missing nonce",
                (
                    (
                        "Authorization",
                        digest_header(
                            user, passwd, "GET", uri, algorithm=algorithm, qop=qop, omit=("nonce",)
                        ),
                    ),
                ),
                None,
                None,
            ),
            (
                "missing nc",
                (
                    (
                        "Authorization",
                        digest_header(
                            user, passwd, "GET", uri, algorithm=algorithm, qop="auth", omit=("nc",)
                        ),
                    ),
                ),
                None,
                None,
            ),
            (
                "missing username",
                (
                    (
                        "Authorization",
                        digest_header(
                            user,
                            passwd,
                            "GET",
                            uri,
                            algorithm=algorithm,
                            qop=qop,
                            omit=("username",),
                        ),
                    ),
                ),
                None,
                None,
            ),
            (
                "stale: last_nonce cookie",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop=qop),
                    ),
                    ("Cookie", "last_nonce=abcdef0123456789; stale_after=3"),
                ),
                None,
                None,
            ),
            (
                "stale_after=0 cookie",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop=qop),
                    ),
                    ("Cookie", "stale_after=0"),
                ),
                None,
                None,
            ),
            (
                "stale_after=2 cookie",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop=qop),
                    ),
                    ("Cookie", "stale_after=2; fake=fake_value"),
                ),
                None,
                None,
            ),
            (
                "stale_after=junk cookie",
                (
                    (
                        "Authorization",
                        digest_header(user, passwd, "GET", uri, algorithm=algorithm, qop=qop),
                    ),
                    ("Cookie", "stale_after=junk"),
                ),
                None,
                None,
            ),
            (
                "require-cookie no cookie",
                (("Authorization", 'Digest username="u"'),),
                "require-cookie=1",
                None,
            ),
            (
                "require-cookie wrong cookie",
                (("Authorization", 'Digest username="u"'), ("Cookie", "fake=nope")),
                "require-cookie=true",
                None,
            ),
            (
                "require-cookie good cookie",
                (
                    (
                        "Authorization",
                        digest_header(
                            user,
                            passwd,
                            "GET",
                            uri + "?require-cookie=t",
                            algorithm=algorithm,
                            qop=qop,
                        ),
                    ),
                    ("Cookie", "fake=fake_value"),
                ),
                "require-cookie=t",
                None,
            ),
        ]
        for name, headers, query, body in variants:
            cases.append(
                Case(
                    "auth",
                    f"{path} {name}",
                    path=path,
                    headers=headers,
                    query_string=query,
                    body=body,
                    content_type="text/plain" if body is not None else None,
                )
            )
    # The challenge hashes REMOTE_ADDR as ASCII: odd addresses.
    for addr in (DELETE, "caf\xe9", "", "::1"):
        cases.append(
            Case(
                "auth",
                f"digest challenge REMOTE_ADDR={addr!r}",
                path="/digest-auth/auth/user/passwd",
                environ=(("REMOTE_ADDR", addr),),
            )
        )
    # SCRIPT_NAME goes into the digest URI.
    for script in ("/prefix", "/caf\xe9"):
        uri = script + "/digest-auth/auth/user/passwd"
        cases.append(
            Case(
                "auth",
                f"digest SCRIPT_NAME={script!r}",
                path="/digest-auth/auth/user/passwd",
                headers=(("Authorization", digest_header("user", "passwd", "GET", uri)),),
                environ=(("SCRIPT_NAME", script),),
            )
        )
    # The HTTP method goes into HA2.
    for method in ("POST", "PUT", "HEAD", "OPTIONS"):
        uri = "/digest-auth/auth/user/passwd"
        cases.append(
            Case(
                "auth",
                f"digest {method}",
                method=method,
                path=uri,
                headers=(("Authorization", digest_header("user", "passwd", method, uri)),),
            )
        )
    return cases


DELAYS = (
    "0",
    "0.0",
    "0.001",
    "-0",
    "1e-9",
    "0e5",
    "0_0",
    "%200%20",
    "%C2%A00",
    "%D9%A0",
    "abc",
    "",
    "-1",
    "-0.001",
    "nan",
    "NaN",
    "-nan",
    "0x0",
    "1/2",
    "1e-400",
    "0.",
    ".0",
    "+0",
    "%00",
)


def _delay() -> list[Case]:
    cases = []
    for delay in DELAYS:
        for method, body, ct in (
            ("GET", None, None),
            ("POST", b"a=1&a=2", "application/x-www-form-urlencoded"),
            ("PUT", b'{"x": [1]}', "application/json"),
            ("HEAD", None, None),
        ):
            cases.append(
                Case(
                    "delay",
                    f"{method} /delay/{delay}",
                    method=method,
                    path=f"/delay/{delay}",
                    query_string="q=1",
                    body=body,
                    content_type=ct,
                )
            )
    return cases


def _random(count: int = 700) -> list[Case]:
    """Seeded random mixes of everything above: methods × endpoints × parts."""
    rng = random.Random(20240601)
    cases = []
    small_forms = [b for b in FORM_BODIES if len(b) < 10_000]
    small_json = [b for b in JSON_BODIES if len(b) < 10_000]
    small_multi = [(ct, b) for _, b, ct in MULTIPART_BODIES if len(b) < 10_000]
    small_raw = [b for b in RAW_BODIES if len(b) < 10_000]
    header_pool = list(EXTRA_HEADERS) + [
        ("X-Forwarded-Protocol", "https"),
        ("X-Forwarded-Ssl", "on"),
        ("X-Forwarded-For", "1.2.3.4, 5.6.7.8"),
        ("Cookie", "__utma=1; _gauges_unique=2; z=3"),
        ("Authorization", "Bearer tok"),
        ("Authorization", "Basic " + _b64(b"user:passwd")),
        ("If-Match", '"abc"'),
        ("Content-MD5", "x"),
        ("X-\xe9", "v"),
    ]
    for i in range(count):
        method = rng.choice(METHODS + ("GET", "POST", "GET"))
        path = rng.choice(
            ENDPOINT_PATHS
            + (
                "/anything/" + rng.choice(("a", "caf%C3%A9", "x;y", "%zz", "a/b/c")),
                "/delay/0",
                "/cache/" + str(rng.randrange(0, 1000)),
                "/etag/" + rng.choice(("a", "b", "*", "%22a%22")),
            )
        )
        environ: list[tuple[str, t.Any]] = []
        qs = rng.choice(QUERY_STRINGS)
        if rng.random() < 0.3:
            qs = b"&".join(rng.sample(QUERY_STRINGS[1:40], rng.randrange(1, 4)))
        environ.append(("QUERY_STRING", latin1(qs)))
        headers = tuple(rng.sample(header_pool, rng.randrange(0, 6)))
        body: bytes | None = None
        ct: str | None = None
        kind = rng.randrange(6)
        if kind == 1:
            body, ct = rng.choice(small_forms), rng.choice(FORM_CONTENT_TYPES)
        elif kind == 2:
            body, ct = rng.choice(small_json), rng.choice(_JSON_CTS)
        elif kind == 3:
            ct, body = rng.choice(small_multi)
        elif kind == 4:
            body = rng.choice(small_raw)
            ct = rng.choice((None, "text/plain", "application/octet-stream"))
        if rng.random() < 0.15:
            environ.append(("HTTP_HOST", rng.choice(HOSTS)))
        if rng.random() < 0.15:
            environ.append(("wsgi.url_scheme", "https"))
        if rng.random() < 0.1:
            environ.append(("SCRIPT_NAME", rng.choice(SCRIPT_NAMES)))
        if rng.random() < 0.1:
            environ.append(("HTTP_COOKIE", rng.choice(COOKIES)))
        if rng.random() < 0.05:
            environ.append(("REMOTE_ADDR", rng.choice((DELETE, "::1", "10.1.1.1"))))
        cases.append(
            Case(
                "random",
                f"{i:04d} {method} {path}",
                method=method,
                path=path,
                headers=headers,
                body=body,
                content_type=ct,
                environ=tuple(environ),
            )
        )
    return cases


# Invalid WSGI: str values outside latin-1 (a server never produces them, but if the native
# reader sees one, it must fail the way werkzeug does).
def _wsgi_invalid() -> list[Case]:
    cases = []
    edits = (
        ("QUERY_STRING", "a=\u20ac"),
        ("PATH_INFO", "/anything/\u20ac"),
        ("SCRIPT_NAME", "/\u20ac"),
        ("HTTP_X_EURO", "\u20ac"),
        ("HTTP_HOST", "\u20ac.example"),
        ("HTTP_COOKIE", "a=\u20ac"),
        ("HTTP_AUTHORIZATION", "Bearer \u20ac"),
        ("HTTP_X_FORWARDED_FOR", "\u20ac"),
        ("HTTP_X_FORWARDED_PROTO", "\u20ac"),
        ("CONTENT_TYPE", "text/\u20ac"),
        ("REMOTE_ADDR", "\u20ac"),
        ("HTTP_X_SURROGATE", "\udcff"),
        ("QUERY_STRING", "a=\udcff"),
    )
    # Non-str keys and values (a broken server or middleware).
    edits += (
        (b"HTTP_X_BYTES_KEY", "v"),
        (7, "int key"),
        ("HTTP_X_BYTES", b"bytes value"),
        ("HTTP_X_NONE", None),
        ("HTTP_X_INT", 5),
        ("HTTP_X_FORWARDED_PROTO", b"https"),
        ("HTTP_X_FORWARDED_SSL", 1),
        ("HTTP_X_FORWARDED_FOR", None),
        ("HTTP_X_FORWARDED_FOR", 12),
        ("HTTP_HOST", b"localhost"),
        ("CONTENT_TYPE", None),
        ("CONTENT_LENGTH", 0),
        ("QUERY_STRING", b"a=1"),
        ("REMOTE_ADDR", None),
        ("wsgi.url_scheme", b"http"),
    )
    for key, value in edits:
        for path in ("/get", "/anything", "/headers", "/bearer", "/digest-auth/auth/u/p"):
            cases.append(
                Case(
                    "wsgi_invalid",
                    f"{key}={value!r} {path}",
                    path=path,
                    environ=((key, value),),
                )
            )
    # Several things wrong at once: the first one httpbin evaluates must win (body, JSON,
    # URL, query, headers...).
    deep = b"[" * 5000
    combos = (
        ("deep json + bad host", (("HTTP_HOST", "xn--a"),), deep),
        ("deep json + bad query", (("QUERY_STRING", latin1(b"a=\xff")),), deep),
        ("bad host + bad query", (("HTTP_HOST", "xn--a"), ("QUERY_STRING", "a=\xff")), b"{}"),
        ("bad query + bad key", (("QUERY_STRING", "a=\xff"), (7, "x")), b"{}"),
        ("bad host + no REMOTE_ADDR", (("HTTP_HOST", "xn--a"), ("REMOTE_ADDR", DELETE)), b""),
        ("deep json + short CL", (("CONTENT_LENGTH", "999999"),), deep),
        ("big form + bad host", (("HTTP_HOST", "xn--a"),), b"a=" + b"x" * 500_001),
    )
    for name, env, body in combos:
        for method, path in (("POST", "/post"), ("GET", "/get"), ("PUT", "/anything/c")):
            cases.append(
                Case(
                    "wsgi_invalid",
                    f"{name} {method} {path}",
                    method=method,
                    path=path,
                    body=body,
                    content_type=(
                        "application/x-www-form-urlencoded"
                        if body.startswith(b"a=")
                        else "application/json"
                    ),
                    environ=env,
                )
            )
    return cases


GROUPS: dict[str, t.Callable[[], list[Case]]] = {
    "methods": _methods,
    "query": _query,
    "paths": _paths,
    "hosts": _hosts,
    "proxy": _proxy,
    "headers": _headers,
    "cookies": _cookies,
    "content": _content,
    "forms": _forms,
    "multipart": _multipart,
    "json": _json,
    "bodies": _bodies,
    "response_headers": _response_headers,
    "etag_cache": _etag_cache,
    "auth": _auth,
    "delay": _delay,
    "wsgi_invalid": _wsgi_invalid,
    "random": _random,
}


def corpus_by_group() -> dict[str, list[Case]]:
    """``{group: [Case, ...]}`` in a fixed order; case ids are unique."""
    groups = {name: make() for name, make in GROUPS.items()}
    seen: dict[str, int] = {}
    out: dict[str, list[Case]] = {}
    for name, cases in groups.items():
        unique = []
        for case in cases:
            n = seen.get(case.id, 0)
            seen[case.id] = n + 1
            if n:
                case = replace(case, name=f"{case.name} #{n + 1}")
            unique.append(case)
        out[name] = unique
    return out


def build_corpus() -> list[Case]:
    return [case for cases in corpus_by_group().values() for case in cases]


if __name__ == "__main__":  # pragma: no cover
    by_group = corpus_by_group()
    for group, group_cases in by_group.items():
        print(f"{group:18} {len(group_cases):5}")
    print(f"{'total':18} {sum(map(len, by_group.values())):5}")
