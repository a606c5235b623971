#!/usr/bin/env python
"""atheris harness: ``httpbin_ext.loads(doc)`` against ``json.loads(doc)``.

Inputs, chosen by the fuzzer's first bytes (``atheris.FuzzedDataProvider``):

* the raw bytes, as ``bytes`` and as ``bytearray`` (json detects UTF-8/16/32 and BOMs);
* the bytes decoded to ``str`` (UTF-8 with surrogatepass/replace, latin-1, UTF-16), so lone
  surrogates, non-BMP characters and control characters reach the ``str`` path;
* a JSON-looking document: one of a set of seeds, mutated with JSON tokens (brackets, quotes,
  escapes, numbers near the float/int edges, NaN/Infinity, whitespace incl. non-JSON
  whitespace), then passed as ``str`` or encoded (UTF-8, UTF-8 with BOM, UTF-16/32 LE/BE with
  and without BOM);
* deep nesting near the recursion limit, huge numbers near the int digit limit;
* ``str``/``bytes`` subclasses, and wrong types (int, memoryview, None).

Oracle (as tests/test_loads.py): when json returns, ours returns the same value, compared
strictly (type-exact all the way down: int vs float vs bool, float bits with NaN == NaN and
-0.0 != 0.0, dict key order); when json raises, ours raises the same class with the same
message (JSONDecodeError's message includes line, column and position). RecursionError:
the depth can differ by a few levels (README), so a RecursionError on either side is
accepted when the document nests deeper than 500. A pyo3 PanicException is a finding.

    python fuzz/atheris/fuzz_loads.py -atheris_runs=1000000 -max_total_time=900
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import atheris  # noqa: E402
import common  # noqa: E402

with atheris.instrument_imports():
    import json  # noqa: E402
    import json.decoder  # noqa: E402, F401
    import json.scanner  # noqa: E402, F401

    import httpbin_ext  # noqa: E402

import math  # noqa: E402
import struct  # noqa: E402


def same_value(a: Any, b: Any) -> bool:
    """tests/compare.py's ``same_value`` (types, dict key order, NaN, sign of zero), without
    recursion: documents nest up to the recursion limit."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, float):
            if not (
                struct.pack("<d", x) == struct.pack("<d", y) or (math.isnan(x) and math.isnan(y))
            ):
                return False
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            stack.extend(zip(x, y))
        elif isinstance(x, dict):
            if len(x) != len(y):
                return False
            for (kx, vx), (ky, vy) in zip(x.items(), y.items()):
                stack.append((kx, ky))
                stack.append((vx, vy))
        elif x != y:
            return False
    return True


SEEDS = [
    '{"a": 1, "b": [1, 2.5, -0.0, 1e400, null, true, false], "c": {"d": "\\u00e9\\ud83d\\ude00"}}',
    "[1, 1.0, -0, -0.0, 1E+2, 0.1, 123456789012345678901234567890, 2.2250738585072011e-308]",
    '{"a": 1, "a": 2, "": {}, "k\\u0000": []}',
    '"\\ud800\\udc00\\ud800 \\n\\t\\"\\\\\\/\\b\\f\\r"',
    "[NaN, Infinity, -Infinity]",
    '{"url": "http://x/?a=1", "args": {}, "headers": {"Host": "x"}, "origin": "127.0.0.1"}',
    "  \t\n\r[ ] ",
    '"\U0001f600 é \x7f"',
    "17976931348623157e292",
    "-9223372036854775809",
    '[{"a": [{"b": [{"c": null}]}]}]',
    "0",
    '""',
]

TOKENS = [
    "[",
    "]",
    "{",
    "}",
    '"',
    ":",
    ",",
    " ",
    "\t",
    "\n",
    "\r",
    "\x0c",
    "\xa0",
    "\ufeff",
    "\u2028",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00",
    "\\ud83d\\ude00",
    "\\u00",
    "\\x41",
    "\\n",
    "\\/",
    "\\q",
    "0",
    "1",
    "-",
    "+",
    ".",
    "e",
    "E",
    "01",
    "-0",
    "1e400",
    "1e-400",
    "9" * 20,
    "1" * 4301,
    "NaN",
    "Infinity",
    "-Infinity",
    "-Inf",
    "nan",
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "\x00",
    "\x1f",
    "\x7f",
    "é",
    "\ud800",
    "\udfff",
    "😀",
    "\U0010ffff",
    '"a"',
    '"a":1',
    "[]",
    "{}",
]

ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
]


class MyStr(str):
    pass


class MyBytes(bytes):
    pass


def mutate(fdp: atheris.FuzzedDataProvider, doc: str) -> str:
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        op = fdp.ConsumeIntInRange(0, 5)
        at = fdp.ConsumeIntInRange(0, len(doc))
        if op <= 1:
            tok = TOKENS[fdp.ConsumeIntInRange(0, len(TOKENS) - 1)]
            doc = doc[:at] + tok + doc[at:]
        elif op == 2:
            end = fdp.ConsumeIntInRange(at, min(len(doc), at + 8))
            doc = doc[:at] + doc[end:]
        elif op == 3:
            doc = doc[:at] + fdp.ConsumeUnicode(fdp.ConsumeIntInRange(1, 4)) + doc[at:]
        elif op == 4 and doc:
            doc = doc[:at] + doc[at:][::-1] if fdp.ConsumeBool() else doc[:at]
        else:
            doc = doc[:at] + doc
    return doc


def tokens(fdp: atheris.FuzzedDataProvider) -> str:
    return "".join(
        TOKENS[fdp.ConsumeIntInRange(0, len(TOKENS) - 1)]
        for _ in range(fdp.ConsumeIntInRange(0, 24))
    )


def deep(fdp: atheris.FuzzedDataProvider) -> str:
    limit = sys.getrecursionlimit()
    depth = [limit - 30, limit - 3, limit, limit + 3, limit + 30, 4999, 5001, 20000][
        fdp.ConsumeIntInRange(0, 7)
    ]
    opener, closer = (("[", "]"), ('{"a":', "}"), ('[{"a":', "}]"))[fdp.ConsumeIntInRange(0, 2)]
    tail = fdp.ConsumeIntInRange(0, 2)
    body = ("0" if opener.endswith(":") else "") if tail else "1,"
    return opener * depth + body + (closer * depth if tail != 2 else "")


def make_doc(data: bytes) -> Any:
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 15)
    if mode <= 2:
        raw = fdp.ConsumeBytes(fdp.remaining_bytes())
        return raw if mode < 2 else bytearray(raw)
    if mode <= 4:
        raw = fdp.ConsumeBytes(fdp.remaining_bytes())
        how = fdp.ConsumeIntInRange(0, 3) if mode == 4 else 0
        return (
            raw.decode(
                ["utf-8", "latin-1", "utf-16-le", "utf-8"][how],
                ["surrogatepass", "strict", "surrogatepass", "replace"][how],
            )
            if how != 0
            else raw.decode("utf-8", "surrogateescape")
        )
    if mode <= 5:
        return fdp.ConsumeUnicode(fdp.remaining_bytes())
    if mode <= 10:
        doc = mutate(fdp, SEEDS[fdp.ConsumeIntInRange(0, len(SEEDS) - 1)])
    elif mode <= 13:
        doc = tokens(fdp)
    elif mode == 14:
        doc = deep(fdp)
    else:
        kind = fdp.ConsumeIntInRange(0, 5)
        return [12, memoryview(b"[]"), None, MyStr(tokens(fdp)), MyBytes(b"[1]"), 1.5][kind]
    form = fdp.ConsumeIntInRange(0, 11)
    if form <= 3:
        return doc
    if form == 4:
        return MyStr(doc)
    enc = ENCODINGS[form - 4] if form - 4 < len(ENCODINGS) else "utf-8"
    try:
        raw = doc.encode(enc, "surrogatepass")
    except UnicodeEncodeError:
        return doc
    return bytearray(raw) if fdp.ConsumeBool() else raw


def _outcome(fn: Any) -> tuple[Any, ...]:
    return common.outcome(fn)


def short(x: Any, n: int = 400) -> str:
    text = repr(x)
    return text if len(text) <= n else text[:n] + f"...<{len(text)}>"


DECODE_ERRORS = [
    "Expecting value",
    "Expecting ',' delimiter",
    "Expecting ':' delimiter",
    "Expecting property name enclosed in double quotes",
    "Unterminated string",
    "Invalid control character",
    "Invalid \\escape",
    "Invalid \\uXXXX escape",
    "Extra data",
    "Exceeds the limit",
]


def feature(result: tuple[Any, ...]) -> int:
    """Branches on what json.loads did (its C scanner is not instrumented): this function is,
    so distinct error kinds, value kinds and sizes count as new coverage for the fuzzer."""
    if result[0] == "raise":
        msg = str(result[2])
        for i, prefix in enumerate(DECODE_ERRORS):
            if msg.startswith(prefix):
                return 100 + i
        if result[1] is RecursionError:
            return 90
        if result[1] is UnicodeDecodeError:
            return 91
        if result[1] is TypeError:
            return 92
        return 99
    value = result[1]
    kinds = 0
    todo, seen = [value], 0
    while todo and seen < 200:
        v = todo.pop()
        seen += 1
        if v is None:
            kinds |= 1
        elif v is True or v is False:
            kinds |= 2
        elif type(v) is int:
            kinds |= 4 if -(2**63) <= v < 2**63 else 8
        elif type(v) is float:
            if v != v:
                kinds |= 16
            elif v in (float("inf"), float("-inf")):
                kinds |= 32
            else:
                kinds |= 64
        elif type(v) is str:
            if not v.isascii():
                kinds |= 128
            if any(0xD800 <= ord(c) < 0xE000 for c in v[:64]):
                kinds |= 256
        elif type(v) is list:
            kinds |= 512
            todo.extend(v)
        elif type(v) is dict:
            kinds |= 1024
            todo.extend(v.keys())
            todo.extend(v.values())
    if seen >= 200:
        kinds |= 2048
    return kinds


def check(data: bytes) -> None:
    doc = make_doc(data)
    want = _outcome(lambda: json.loads(doc))
    feature(want)
    got = _outcome(lambda: httpbin_ext.loads(doc))
    if want[0] == "ok" and got[0] == "ok":
        if same_value(got[1], want[1]):
            return
    elif got == want:
        return
    if RecursionError in (want[1], got[1]) and isinstance(doc, (str, bytes, bytearray)):
        text = doc if isinstance(doc, str) else bytes(doc)
        opens = (
            text.count("[") + text.count("{")
            if isinstance(text, str)
            else (text.count(b"[") + text.count(b"{"))
        )
        if opens > 500:
            return  # documented: the RecursionError depth may differ by a few levels
    kind, gkind = common.outcome_kind(want), common.outcome_kind(got)
    raise common.Finding(
        f"loads mismatch: json {kind} vs ours {gkind} (input {type(doc).__name__})\n"
        f"  input: {short(doc)}\n  json: {short(want)}\n  ours: {short(got)}"
    )


def main() -> None:
    common.run("loads", check, globals())


if __name__ == "__main__":
    main()
