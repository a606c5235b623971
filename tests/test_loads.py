"""`_native.loads` must behave exactly like Python's `json.loads`: same values (and types),
same exception classes and messages."""

import json
import lzma
import math
import os
import pathlib
import sys
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import httpbin_ext._native as native

DATA = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "json"


def _need_data(path: pathlib.Path) -> pathlib.Path:
    """Skip (or fail under CI=true) when the shared test data is missing."""
    if not path.exists():
        reason = f"shared JSON test data not found: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _files(sub: str, pattern: str = "*.json") -> list[pathlib.Path]:
    folder = DATA / sub
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def _param_files(sub: str) -> list:
    files = _files(sub)
    if not files:
        return [pytest.param(DATA / sub, id=f"{sub}-missing")]
    return [pytest.param(p, id=p.name) for p in files]


def same(a, b) -> bool:
    """Equality that also compares types all the way down and treats NaN as equal to NaN
    (and distinguishes 0.0 from -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def outcome(f, s):
    try:
        return ("ok", f(s))
    except RecursionError:
        return ("err", RecursionError, "")
    except Exception as e:  # noqa: BLE001 - we compare whatever json raises
        return ("err", type(e), str(e))


def check(s) -> None:
    """native.loads(s) must return what json.loads(s) returns, or raise the same."""
    expected = outcome(json.loads, s)
    got = outcome(native.loads, s)
    if expected[0] == "ok":
        assert got[0] == "ok", f"json accepted {s!r:.200}, native raised {got[1:]}"
        assert same(got[1], expected[1]), f"{s!r:.200}: {got[1]!r:.200} != {expected[1]!r:.200}"
    else:
        assert got[0] == "err", f"json raised {expected[1:]} for {s!r:.200}, native accepted"
        assert got[1:] == expected[1:], f"{s!r:.200}"


# --- JSONTestSuite, round trip and json.org checker files -------------------------------


# Rejected by the JSON spec, accepted by Python's json (and therefore by us).
PYTHON_ACCEPTS = {"n_number_NaN.json", "n_number_infinity.json", "n_number_minus_infinity.json"}


@pytest.mark.parametrize("path", _param_files("parsing"))
def test_json_test_suite(path):
    _need_data(path)
    data = path.read_bytes()
    name = path.name
    if name.startswith("y_"):
        json.loads(data)  # the suite's promise, as json sees it
        native.loads(data)
    elif name.startswith("n_") and name not in PYTHON_ACCEPTS:
        with pytest.raises((ValueError, RecursionError)):
            native.loads(data)
    check(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    check(text)


@pytest.mark.parametrize("sub", ["roundtrip", "jsonchecker"])
def test_small_suites(sub):
    files = _files(sub)
    if not files:
        _need_data(DATA / sub / "missing")
    for path in files:
        data = path.read_bytes()
        check(data)
        check(bytearray(data))
        check(data.decode("utf-8", "surrogatepass"))


# --- corpora ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["twitter", "citm_catalog", "canada", "github"])
def test_corpus(name):
    path = _need_data(DATA / f"{name}.json.xz")
    data = lzma.decompress(path.read_bytes())
    expected = json.loads(data)
    assert same(native.loads(data), expected)
    assert same(native.loads(data.decode("utf-8")), expected)
    assert same(native.loads(bytearray(data)), expected)


def test_blns():
    path = _need_data(DATA / "blns.txt.xz")
    lines = lzma.decompress(path.read_bytes()).decode("utf-8").splitlines()
    assert len(lines) > 100
    for line in lines:
        for doc in (json.dumps(line), json.dumps(line, ensure_ascii=False)):
            check(doc)
            check(doc.encode("utf-8", "surrogatepass"))
        check(line)
    check(json.dumps(lines))
    check(json.dumps({line: i for i, line in enumerate(lines)}, ensure_ascii=False))


# --- hypothesis -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(json_values, st.booleans(), st.sampled_from([None, 0, 2]))
def test_hypothesis_documents(value, ensure_ascii, indent):
    doc = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    check(doc)
    check(doc.encode("utf-8", "surrogatepass"))


JSON_ALPHABET = list('[]{}",:-+.0123456789eE \t\n\r\\/ubnrtfaslNIy\x00\x1f\u00e9\ud800\U0001f600')


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(JSON_ALPHABET)))
def test_hypothesis_json_alphabet_text(text):
    check(text)
    try:
        check(text.encode("utf-8", "surrogatepass"))
    except UnicodeEncodeError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_hypothesis_text(text):
    check(text)
    check(json.dumps(text))
    check(json.dumps(text, ensure_ascii=False))


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_hypothesis_bytes(data):
    check(data)
    check(bytearray(data))


# --- edge cases ----------------------------------------------------------------------------

EDGE_CASES = [
    "NaN",
    "Infinity",
    "-Infinity",
    "[NaN, Infinity, -Infinity]",
    "-Inf",
    "nan",
    "-0",
    "-0.0",
    "0",
    "1.0",
    "1e400",
    "-1e400",
    "1e-400",
    "1E+2",
    "0.1",
    "2.2250738585072011e-308",
    "17976931348623157e292",
    "123456789012345678",
    "1234567890123456789",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551616",
    "1" * 4300,
    "1" * 4301,
    "-" + "9" * 5000,
    "01",
    "1.",
    ".1",
    "1e",
    "+1",
    "--1",
    '{"a": 1, "a": 2}',
    '{"a": 1, "b": 2, "a": 3}',
    '"\\ud800"',
    '"\\udc00"',
    '"\\ud83d\\ude00"',
    '"\\ud83d\\u0041"',
    '"\\ud83d"',
    '"\\u00e9\\u0000\\/\\b\\f\\n\\r\\t\\"\\\\"',
    '"\\x41"',
    '"\\u12"',
    '"\\uZZZZ"',
    '"a\x00b"',
    '"a\x1fb"',
    '"a\x7fb"',
    '"tab\there"',
    "\ufeff[1]",
    "\ufeff",
    "[1]\ufeff",
    "\u00a0[1]",
    "\x0c[1]",
    " \t\n\r[1] \t\n\r",
    "",
    " ",
    "[",
    "]",
    "[1,]",
    '{"a":1,}',
    "[1 2]",
    '{"a" 1}',
    "{1: 2}",
    "[] []",
    "true false",
    "tru",
    "nul",
    "nulll",
    "[true, false, null]",
    "\ud800",
    '"\ud800"',
    '["\udfff", 1]',
    '"\U0001f600 \u00e9 \u4e2d"',
]


# Escapes (valid, near-miss and invalid) and a raw control character at every offset across
# two 16-byte scan blocks, in a key and in a value, alone and in rows.
STRING_PIECES = [
    '\\"',
    "\\\\",
    "\\/",
    "\\b",
    "\\f",
    "\\n",
    "\\r",
    "\\t",
    "\\u00e9",
    "\\u4E2D",
    "\\u0000",
    "\\ud83d\\ude00",
    "\\uD83D\\uDE00",
    "\\ud800",
    "\\udc00",
    "\\ud83d\\u0041",
    "\\x",
    "\\u12",
    "\\uZZZZ",
    "\x01",
    "\u00e9",
    "\U0001f600",
    "\\",
]


@pytest.mark.parametrize("piece", STRING_PIECES)
def test_escapes_at_every_offset(piece):
    for at in range(34):
        for repeat in (1, 3):
            text = "a" * at + piece * repeat + "b" * (34 - at)
            for doc in (f'["{text}", 1]', f'{{"{text}": 1}}', f'"{text}"', f'"{text}'):
                check(doc)
                check(doc.encode("utf-8", "surrogatepass"))


# The first and last code point of each UTF-8 length and each str width (1, 2, 4 bytes).
WIDTH_EDGES = [
    "\x7f",
    "\x80",
    "\xe9",
    "\xff",
    "\u0100",
    "\u07ff",
    "\u0800",
    "\u65e5",
    "\uffff",
    "\U00010000",
    "\U0010ffff",
]


@pytest.mark.parametrize("wide", WIDTH_EDGES, ids=[f"U+{ord(c):04X}" for c in WIDTH_EDGES])
def test_string_widths(wide):
    """Raw (unescaped) UTF-8 strings are built natively, sized and typed from their bytes:
    each must come out as json's own str, in the same storage width (str equality compares
    the width first, and getsizeof shows it), alone, among ASCII and next to every other
    width, as values and as keys."""
    for other in WIDTH_EDGES:
        for ascii_run in (0, 1, 7, 8, 9, 33):
            for text in (
                wide * 3,
                "a" * ascii_run + wide + "b" * ascii_run + other,
                other + "c" * ascii_run + wide,
            ):
                for doc in (
                    json.dumps([text], ensure_ascii=False),
                    json.dumps({text: text}, ensure_ascii=False),
                ):
                    check(doc.encode())
                    for got, expected in zip(
                        _strings(native.loads(doc)), _strings(json.loads(doc))
                    ):
                        assert sys.getsizeof(got) == sys.getsizeof(expected), ascii(got)


def _strings(value) -> list:
    """The strs in a decoded list or dict, keys first."""
    return list(value) + list(value.values()) if isinstance(value, dict) else list(value)


@pytest.mark.parametrize("s", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_edge_cases_str(s):
    check(s)


@pytest.mark.parametrize("s", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_edge_cases_bytes(s):
    try:
        b = s.encode("utf-8", "surrogatepass")
    except UnicodeEncodeError:
        pytest.skip("not encodable")
    check(b)
    check(bytearray(b))


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbf[1, 2]",
        b"\xef\xbb\xbf",
        '[1, "\u00e9"]'.encode("utf-16"),
        '[1, "\u00e9"]'.encode("utf-16-le"),
        '[1, "\u00e9"]'.encode("utf-16-be"),
        '[1, "\u00e9"]'.encode("utf-32"),
        '[1, "\u00e9"]'.encode("utf-32-le"),
        '[1, "\u00e9"]'.encode("utf-32-be"),
        b"1\x00\x00",
        b"\x00",
        b"\x001",
        b"1\x00",
        b'"\xed\xa0\x80"',  # UTF-8-encoded surrogate: surrogatepass decodes it
        b'"\xed\xa0\xbd\xed\xb8\x80"',
        b'"\xff"',
        b'"\xc3"',
        b'"\xc3\xa9"',
        b"\xff",
        b"\xfe",
        b"[1]\xff",
        b'{"\xe2\x82\xac": 1}',
    ],
)
def test_encodings_and_surrogates(data):
    check(data)
    check(bytearray(data))


def test_surrogate_results():
    assert native.loads('"\\ud800"') == "\ud800"
    assert native.loads(b'"\xed\xa0\x80"') == "\ud800"
    assert native.loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert native.loads('["\ud800"]') == ["\ud800"]


def test_types_and_values():
    v = native.loads("[1, 1.0, -0, -0.0, 1e400, 10000000000000000000000]")
    assert [type(x) for x in v] == [int, float, int, float, float, int]
    assert v[3] == 0.0 and math.copysign(1, v[3]) == -1
    assert v[4] == math.inf
    assert v[5] == 10**22
    assert math.isnan(native.loads("NaN"))
    d = native.loads('{"b": 1, "a": 2, "b": 3}')
    assert list(d.items()) == [("b", 3), ("a", 2)]


def test_big_int_digit_limit():
    s = "1" * 5000
    with pytest.raises(ValueError) as native_exc:
        native.loads(s)
    with pytest.raises(ValueError) as json_exc:
        json.loads(s)
    assert type(native_exc.value) is type(json_exc.value)
    assert str(native_exc.value) == str(json_exc.value)


def test_wrong_types():
    for value in [1, 1.5, None, [], {}, memoryview(b"1"), object()]:
        check(value)
    with pytest.raises(TypeError, match="must be str, bytes or bytearray, not memoryview"):
        native.loads(memoryview(b"[]"))


def test_subclasses():
    class S(str):
        pass

    class B(bytes):
        pass

    check(S("[1, 2]"))
    check(B(b"[1, 2]"))
    check(S("[1,"))


def test_error_messages_and_positions():
    for s in ['{"a": 1,', "[1, 2", '["abc', "[1 2]", "tru", '{"a" 1}', "[1]x", '"\\q"']:
        with pytest.raises(json.JSONDecodeError) as native_exc:
            native.loads(s)
        with pytest.raises(json.JSONDecodeError) as json_exc:
            json.loads(s)
        n, j = native_exc.value, json_exc.value
        assert (n.msg, n.pos, n.lineno, n.colno, n.doc) == (j.msg, j.pos, j.lineno, j.colno, j.doc)


def test_deep_nesting_raises_recursion_error():
    for doc in ["[" * 100000, "[" * 100000 + "]" * 100000, '{"a":' * 100000]:
        with pytest.raises(RecursionError):
            json.loads(doc)
        with pytest.raises(RecursionError):
            native.loads(doc)
        with pytest.raises(RecursionError):
            native.loads(doc.encode())


def max_accepted_depth(loads: Callable, make: Callable) -> int:
    """The deepest document `make(depth)` that `loads` accepts without RecursionError."""
    lo, hi = 1, 5000
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            loads(make(mid))
            lo = mid
        except RecursionError:
            hi = mid - 1
    return lo


def test_recursion_boundary_matches_json():
    # CPython 3.11 counts a call towards the recursion limit or not depending on how the call
    # site was specialised, so even json.loads's own limit moves by a level or so between
    # call sites: compare with a tolerance.
    for make in (lambda d: "[" * d + "]" * d, lambda d: '{"a":' * d + "0" + "}" * d):
        ours, theirs = max_accepted_depth(native.loads, make), max_accepted_depth(json.loads, make)
        assert abs(ours - theirs) <= 2


def test_recursion_levels_are_all_given_back():
    """The recursion check is entered per new deepest level and left when decoding ends
    (successfully or not): after many documents that go deep, come back and go deep again,
    and many that fail half-way, the deepest document json accepts is still accepted."""

    def make(d):
        return "[" * d + "]" * d

    before = max_accepted_depth(native.loads, make)
    zigzag = "[" + ",".join(["[[[[[[]]]]]]", "[[]]"] * 50) + "]"
    for _ in range(2000):
        assert native.loads(zigzag) == json.loads(zigzag)
        with pytest.raises(json.JSONDecodeError):
            native.loads("[[[[[[[[1,]]]]]]]]")
    assert max_accepted_depth(native.loads, make) == before


def test_moderate_nesting():
    for depth in (10, 100, 300):
        check("[" * depth + "]" * depth)
        check('{"k":' * depth + "[]" + "}" * depth)


def test_deep_nesting_with_raised_limit():
    # Deeper than the fast path's hard cap: the exact fallback takes over.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(10000)
    try:
        depth = 3000
        doc = "[" * depth + "]" * depth
        v = native.loads(doc)
        for _ in range(depth - 1):
            assert len(v) == 1
            v = v[0]
        assert v == []
    finally:
        sys.setrecursionlimit(old)


def test_ascii_strings_of_every_short_length():
    """Strings up to 32 bytes are copied in line (two overlapping windows per width), longer
    ones by memcpy: every length around those widths, as values and as keys."""
    texts = ["".join(chr(33 + (i * 7 + n) % 90) for i in range(n)) for n in range(70)]
    doc = json.dumps([texts, {t: t for t in texts}])
    check(doc)
    check(doc.encode())


def test_key_cache_is_correct():
    # Many more keys than slots, ids that differ in their last bytes, equal heads and tails.
    keys = [f"key{i}" for i in range(5000)] + [f"138586{i:03}" for i in range(1000)]
    keys += [f"abcdefgh{i}ijklmnop" for i in range(100)]
    keys += ["é", "ü" * 30, "x" * 64, "x" * 65, ""]
    doc = json.dumps([{k: i} for i, k in enumerate(keys)] * 2, ensure_ascii=False)
    check(doc)
    check(doc.encode())


def test_input_not_modified_and_reusable():
    data = bytearray(b'{"a": [1, 2, {"b": null}]}')
    assert native.loads(data) == {"a": [1, 2, {"b": None}]}
    assert data == bytearray(b'{"a": [1, 2, {"b": None}]}'.replace(b"None", b"null"))
