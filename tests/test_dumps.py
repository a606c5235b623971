"""``httpbin_ext.dumps`` against its peer: ``json.dumps(obj, **opts).encode()``, byte for byte.

Every comparison runs the real ``json.dumps`` with the same arguments; results and exceptions
(class, and message where ``json``'s message is deterministic) must match, and the native code
must never panic.
"""

from __future__ import annotations

import collections
import enum
import itertools
import json
import math
import random
import struct
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from compare import ALL_OPTIONS, same_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

import httpbin_ext
from httpbin_ext import _native

# --- option space -----------------------------------------------------------------------------


def options_id(opts: dict[str, Any]) -> str:
    default = opts["default"]
    parts = [
        f"indent={opts['indent']!r}",
        f"sort={opts['sort_keys']}",
        f"ascii={opts['ensure_ascii']}",
        f"seps={opts['separators']!r}",
        f"nan={opts['allow_nan']}",
        f"default={getattr(default, '__name__', default)}",
    ]
    return ",".join(parts)


def expected(obj: Any, **opts: Any) -> bytes:
    return json.dumps(obj, **opts).encode()


def mismatch(capture: Callable, make: Callable[[], Any], **opts: Any) -> str | None:
    """Compare ``_native.dumps(make(), **opts)`` with ``json.dumps(make(), **opts).encode()``.

    ``make`` builds a fresh object for each side, for values that the encoding mutates.
    Returns a description of the difference, or ``None``.
    """
    want = capture(lambda: expected(make(), **opts))
    got = capture(lambda: _native.dumps(make(), **opts))
    if got[0] == "ok" and type(got[1]) is not bytes:
        return f"returned {type(got[1]).__name__}, not bytes"
    if got != want:
        return f"json: {want!r:.300}\nnative: {got!r:.300}\noptions: {opts!r}"
    return None


def check(capture: Callable, make: Callable[[], Any], **opts: Any) -> None:
    problem = mismatch(capture, make, **opts)
    assert problem is None, problem


def check_value(capture: Callable, obj: Any, **opts: Any) -> None:
    check(capture, lambda: obj, **opts)


def check_all(capture: Callable, objs: list[Any], **opts: Any) -> None:
    """Check every value and report all differences at once."""
    problems = []
    for obj in objs:
        problem = mismatch(capture, lambda obj=obj: obj, **opts)
        if problem is not None:
            problems.append(f"value {obj!r:.200}:\n{problem}")
    assert not problems, "\n\n".join(problems)


# --- values -----------------------------------------------------------------------------------


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Perm(enum.IntFlag):
    R = 4
    W = 2


class LoudInt(int):
    def __repr__(self) -> str:
        return "LOUD"

    __str__ = __repr__


class LoudFloat(float):
    def __repr__(self) -> str:
        return "LOUD"

    __str__ = __repr__


class LoudStr(str):
    def __str__(self) -> str:
        return "LOUD"

    __repr__ = __str__


class Point(NamedTuple):
    x: int
    y: float


class MyList(list):
    pass


class MyTuple(tuple):
    __slots__ = ()


class ReversedList(list):
    """A list subclass whose iteration differs from its storage."""

    def __iter__(self):
        return list.__reversed__(self)


class MyDict(dict):
    pass


class ItemsDict(dict):
    """Serializers must use ``items()``, not the dict storage."""

    def items(self):
        return [("from_items", 1), ("b", [2, 3])]


class DuplicateItemsDict(dict):
    def items(self):
        return [("a", 2), ("a", 1)]


class IncomparableDuplicateItemsDict(dict):
    def items(self):
        return [("a", {}), ("a", {})]


class BadItemsDict(dict):
    def items(self):
        return [("a", 1, 2)]


class Opaque:
    """Not JSON serializable; ``str`` is deterministic."""

    def __init__(self, n: int = 0) -> None:
        self.n = n

    def __str__(self) -> str:
        return f"Opaque({self.n})"


NAN = float("nan")
INF = float("inf")

SPECIAL_FLOATS = [
    0.0,
    -0.0,
    NAN,
    INF,
    -INF,
    5e-324,
    -5e-324,
    2.225073858507201e-308,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    1e-05,
    1e-5 * 0.9999999,
    0.0001,
    1e-4 * 1.0000001,
    1e16,
    1e16 - 2,
    9999999999999998.0,
    1e15,
    1e17,
    1e22,
    1e23,
    0.1,
    1 / 3,
    2.5,
    -1.5,
    123456789.125,
    4.35,
    0.3,
    100.0,
    1e100,
    1.5e300,
    -1e-300,
]

SPECIAL_INTS = [
    0,
    -1,
    1,
    2**31,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64 - 1,
    2**64,
    -(2**64),
    2**128 + 7,
    10**100,
    -(10**4299),
    10**4299 - 1,
]

SPECIAL_STRINGS = [
    "",
    "ascii",
    "/",
    "\\",
    '"',
    "\x00",
    "\x1f",
    "\x7f",
    "\x80",
    "\t\n\r\b\f",
    "\u2028\u2029",
    "é",
    "€",
    "\ufeff",
    "\uffff",
    "😀",
    "\U0010ffff",
    "a\ud800b",
    "\udfff",
    "\ud83d\ude00",
    "\ude00\ud83d",
    "<script>&'",
    "x" * 100,
    "é😀\x01" * 50,
]


def sample_values() -> list[Any]:
    """A fixed set of values covering every kind; used under every option combination."""
    multi = MultiDict([("a", 1), ("a", 2), ("b", "x")])
    return [
        None,
        True,
        False,
        *SPECIAL_INTS,
        *SPECIAL_FLOATS,
        *SPECIAL_STRINGS,
        [],
        (),
        {},
        [[]],
        [{}],
        {"": {}},
        [1, "a", None, True, 1.5, [2, (3,)], {"k": "v"}],
        {"b": 1, "a": [1.5, None], "c": {"z": 0, "y": -0.0}},
        {1: "int", 2.5: "float", False: "bool", None: "none", "s": "str"},
        {10: 1, 9: 2, -1: 3, 100: 4},
        {2.5: 1, -1.5: 2, NAN: 3, INF: 4, -INF: 5},
        {False: 0, None: 1},
        {"é": 1, "😀": 2, "\ud800": 3, "a": 4},
        Color.RED,
        Perm.R | Perm.W,
        LoudInt(7),
        LoudFloat(2.5),
        LoudStr("quiet"),
        Markup("<b>x</b>"),
        Point(1, 2.5),
        MyList([1, 2]),
        MyTuple((1, 2)),
        ReversedList([1, 2, 3]),
        MyDict(b=1, a=2),
        ItemsDict(ignored=True),
        collections.OrderedDict([("z", 1), ("a", 2)]),
        collections.defaultdict(list, {"k": [1]}),
        collections.Counter("abca"),
        multi,
        {Color.GREEN: "enum key", LoudInt(3): "int subclass key"},
        {LoudStr("k"): 1, Markup("<m>"): 2},
        {LoudFloat(1.5): 1},
        {(1, 2): "tuple key"},
        {"a": 1, (1, 2): "tuple key", "b": 2},
        {frozenset(): 1},
        {b"bytes": 1},
        Opaque(1),
        [Opaque(2), {"o": Opaque(3)}],
        {"o": Opaque(4)},
        Decimal("1.10"),
        b"bytes",
        bytearray(b"ba"),
        1j,
        {1, 2},
        [float("nan"), [INF]],
    ]


SAMPLES = sample_values()


@pytest.mark.parametrize("opts", ALL_OPTIONS, ids=options_id)
def test_every_option_combination(capture, opts):
    # Each sample, then all of them in one document (separators and nesting between kinds).
    check_all(capture, [*SAMPLES, SAMPLES, {str(i): v for i, v in enumerate(SAMPLES)}], **opts)


@pytest.mark.parametrize("skipkeys", [False, True])
@pytest.mark.parametrize("opts", ALL_OPTIONS[::7], ids=options_id)
def test_skipkeys(capture, opts, skipkeys):
    objs = [
        {(1, 2): "tuple key"},
        {"a": 1, (1, 2): "x", "b": 2},
        {(1,): 0, "first-kept": 1},
        {"last-kept": 1, (2,): 0},
        {(1,): 0, (2,): 1},
        {"n": {(1,): 0}, "m": [{(): 1, "x": 2}]},
        {1: "a", "b": 2, (3,): "c"},
    ]
    check_all(capture, objs, skipkeys=skipkeys, **opts)


def test_defaults_are_json_defaults(capture):
    for obj in SAMPLES:
        want = capture(lambda obj=obj: json.dumps(obj).encode())
        assert capture(lambda obj=obj: _native.dumps(obj)) == want
        assert capture(lambda obj=obj: httpbin_ext.dumps(obj)) == want


class TruthRaises:
    def __bool__(self) -> bool:
        raise ZeroDivisionError("no truth")


def test_keyword_arguments(capture):
    """Keyword names built at run time, arguments passed positionally or twice, unknown or
    falsy-but-set: all behave as a Python function's arguments do."""
    obj = {"b": [1.5, None], "a": "é"}
    runtime_names = {"".join(["sort", "_keys"]): 1, "".join(["ind", "ent"]): 2}
    assert _native.dumps(obj, **runtime_names) == expected(obj, sort_keys=True, indent=2)
    assert _native.dumps(obj=obj) == expected(obj)
    # Truthiness, as json reads these flags; None for the optional ones means "not given".
    assert _native.dumps(obj, sort_keys=[0], ensure_ascii=0, allow_nan="") == expected(
        obj, sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    assert _native.dumps(obj, indent=None, separators=None, default=None) == expected(obj)
    # A flag whose truth raises: json.dumps raises that same error.
    want = capture(lambda: json.dumps(obj, sort_keys=TruthRaises()))
    assert want[0] == "raise"
    assert capture(lambda: _native.dumps(obj, sort_keys=TruthRaises())) == want
    with pytest.raises(TypeError, match="'int' object is not an instance of 'bool'"):
        _native.dumps(obj, newline=1)
    assert _native.dumps(obj, newline=True) == expected(obj) + b"\n"


def python_dumps(
    obj,
    *,
    indent=None,
    sort_keys=False,
    ensure_ascii=True,
    separators=None,
    default=None,
    allow_nan=True,
    skipkeys=False,
    newline=False,
):
    """A Python function with _native.dumps's signature: CPython's own argument binding."""


# Named as ours, so CPython's messages name the same function.
python_dumps.__qualname__ = "dumps"


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((), {}),
        ((), {"sort_keys": True}),
        ((1, 2), {}),
        ((1, 2, 3), {}),
        ((1, 2), {"sort_keys": True}),
        ((1, 2, 3), {"sort_keys": True, "indent": 2}),
        ((1,), {"bogus": 1}),
        ((1,), {"".join("xy"): 1}),
        ((1,), {"sort_keys": True, "bogus": 1}),
        ((1, 2), {"bogus": 1}),
        ((1,), {"obj": 1}),
        ((1, 2), {"obj": 1}),
        ((), {"sort_keys": True, "".join(["ob", "j"]): 1, "".join(["ind", "ent"]): 2}),
        ((), {"é\ud800": 1}),
    ],
)
def test_argument_errors_match_python(capture, args, kwargs):
    want = capture(lambda: python_dumps(*args, **kwargs))
    got = capture(lambda: _native.dumps(*args, **kwargs))
    if want[0] == "ok":
        assert got[0] == "ok"
    else:
        assert got == want, (args, kwargs)


@pytest.mark.parametrize("opts", ALL_OPTIONS[::5], ids=options_id)
def test_newline(capture, opts):
    # newline=True is Flask's response body: f"{dumps(obj)}\n", encoded as a whole.
    for obj in [None, [1, 2], {"a": "é"}, "\ud800", {"b": [], "a": {}}]:
        want = capture(lambda obj=obj: f"{json.dumps(obj, **opts)}\n".encode())
        assert capture(lambda obj=obj: _native.dumps(obj, newline=True, **opts)) == want
        assert capture(lambda obj=obj: _native.dumps(obj, newline=False, **opts)) == capture(
            lambda obj=obj: expected(obj, **opts)
        )


@pytest.mark.parametrize(
    "separators",
    [[",", ":"], (";", "="), ("", ""), ("\n", "\t"), (" , ", " : "), ("é,", "😀:")],
    ids=repr,
)
@pytest.mark.parametrize("indent", [None, 4, "", "ab", " "])
def test_unusual_separators_and_indents(capture, separators, indent):
    obj = {"b": [1, {"c": None}], "a": "é", "d": [], "e": {}}
    for ensure_ascii in (True, False):
        check_value(capture, obj, separators=separators, indent=indent, ensure_ascii=ensure_ascii)


def test_indents_across_calls_and_depths():
    """Each new line is a slice of a `"\\n" + indent * k` prefix (at most 256 bytes) kept
    between calls: indents around the sizes that fit (64 spaces are not allocated), depths that
    run past the prefix, and calls alternating indents, so it is rebuilt and reused."""

    def nested(depth):
        obj = [1, {}]
        for _ in range(depth):
            obj = {"k": [obj, "x"], "e": []}
        return obj

    indents = [2, 4, 1, 0, 63, 64, 65, 85, 128, 255, 256, 257, "", "\t", "ab", "é" * 100, 2]
    indents += [" " * 255, " " * 256, " " * 257]
    for _ in range(2):
        for indent in indents:
            size = indent if isinstance(indent, int) else len(indent)
            for depth in (0, 3, 130) if size <= 4 else (0, 3):
                for sort_keys in (False, True):
                    obj = nested(depth)
                    assert _native.dumps(obj, indent=indent, sort_keys=sort_keys) == expected(
                        obj, indent=indent, sort_keys=sort_keys
                    ), (indent, depth)


def test_fast_loop_limits(capture):
    """Lists and dicts write separators, plain short keys and scalars through a fast path that
    takes separators up to 32 bytes (under `indent`, with the new line and indent) and strings
    up to 32 plain bytes; everything else goes the general way. Both sides of each limit, in
    one container, must give json's bytes."""

    class Int(int):
        pass

    class Str(str):
        pass

    strings = ["a" * n for n in (0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 40, 47, 48, 49, 100, 5000)]
    strings += [s + '"' for s in strings[:-1]] + ["\x7f", "é", "\u20ac" * 3, Str("sub")]
    strings += ['"' + "b" * 60, "c" * 30 + "\n" + "c" * 30, "d" * 64 + "\x7f", "e" * 80 + "é"]
    scalars: list[Any] = [*strings, 0, -1, 2**30, 2**60 - 1, -(2**60), 2**64, Int(5), True, False]
    scalars += [None, 0.0, -0.0, 1.5, 1e-4, 9.5e-5, 1e15, 1e16, 1e-7, 1.7976931348623157e308]
    scalars += [NAN, math.inf, [], {}, [1], {"k": 1}]
    # Lists and tuples of up to 8 scalars are written in place, unless one item is not a
    # scalar the fast path takes (then the general path writes the whole list).
    for size in (1, 2, 7, 8, 9):
        for last in ([], "plain", 'quote"', 2**64, 1e300, Str("s"), (1,), {}):
            scalars.append([*range(size - 1), last])
            scalars.append((*scalars[: size - 1], last))
    keyed = {f"{s}{i}": value for i, (s, value) in enumerate(zip(strings * 4, scalars * 2))}
    obj = {"list": scalars, "dict": keyed, "deep": nested_lists(20)}
    for separators in ((",", ":"), ("," * 31, ":" * 32), ("," * 32, ":" * 33), ("", "")):
        for indent in (None, 1, 2, 7, 30, 31):
            for sort_keys in (False, True):
                check_value(capture, obj, separators=separators, indent=indent, sort_keys=sort_keys)
            check_value(capture, obj, separators=separators, indent=indent, ensure_ascii=False)


@pytest.mark.parametrize("opts", ALL_OPTIONS, ids=options_id)
def test_leaf_dicts(capture, opts):
    """Dicts of up to 8 short plain ASCII keys and scalar or empty values, inside a container,
    are written from a stack array (compact output); any other key or value, or a 9th item,
    sends the whole dict the general way. Sorting ties on the 8-byte key prefix, every value
    kind, and one item off the fast path in each position."""
    keys = ["a", "b", "abcdefgh", "abcdefghi", "abcdefgh1", "abcdefg", "k" * 32, "Z"]
    values: list[Any] = [None, True, False, 0, -(2**62), 1.5, -0.0, "", "v" * 32, [], {}, ()]
    leaves = []
    for size in range(1, 10):
        chosen = (keys * 2)[:size] if size <= len(keys) else [*keys, "extra"]
        leaves.append({key: values[(i + size) % len(values)] for i, key in enumerate(chosen)})
    odd_keys: list[Any] = ["k" * 33, 'q"', "é", "\x7f", 1, 2.5, None, True]
    odd_values: list[Any] = ["v" * 33, 'q"', "é", 2**64, 1e300, NAN, [1], {"k": 1}, (1,), Opaque(1)]
    for position in range(3):
        for odd_key in odd_keys:
            leaf: dict[Any, Any] = {key: 1 for key in keys[:3]}
            leaf.pop(keys[position])
            leaf[odd_key] = 2
            leaves.append(leaf)
        for odd_value in odd_values:
            leaf = {key: i for i, key in enumerate(keys[:3])}
            leaf[keys[position]] = odd_value
            leaves.append(leaf)
    for leaf in leaves:
        check_value(capture, [leaf, leaf], **opts)
        check_value(capture, {"outer": leaf}, **opts)


def test_leaf_dicts_sorted_from_every_order(capture):
    """Small dicts are sorted in line (compare-and-swap for two or three keys, the library
    sort above): every insertion order of two to five keys, ties on the 8-byte prefix
    included, gives json's order."""
    keys = ["b", "a", "abcdefgh2", "abcdefgh1", "c"]
    for size in range(2, 6):
        for order in itertools.permutations(keys[:size]):
            leaf = {key: i for i, key in enumerate(order)}
            nested = {key: [i, [i]] for i, key in enumerate(order)}  # the general path
            for opts in ({}, {"indent": 2}):
                for obj in (leaf, nested):
                    check_value(capture, [obj], sort_keys=True, separators=(",", ":"), **opts)


INDENTS: list[Any] = [
    0,
    1,
    2,
    3,
    "\t",
    "é",
    "\u20ac ",
    " " * 10,
    " " * 15,
    " " * 16,
    " " * 31,
    " " * 32,
]
SEPARATORS: list[Any] = [None, (",", ": "), ("," * 14, ":" * 14), ("-" * 31, "=")]


@pytest.mark.parametrize("indent", INDENTS)
@pytest.mark.parametrize("separators", SEPARATORS)
def test_leaf_containers_at_every_indent_level(capture, indent, separators):
    """Flat lists and leaf dicts are written in place under `indent` too, with new lines one
    level deeper than their parent's items, while the lines fit 32 bytes; deeper, or with
    longer indents or separators, the general path writes them."""
    leaves: list[Any] = [
        [1, 2.5, "x", None],
        (True, False),
        {"b": 1, "a": "x", "c": []},
        {"k": {}},
        [],
        {},
    ]
    doc: Any = list(leaves)
    for _ in range(20):
        doc = [*leaves, {"z": 1, "inner": doc}]
        for opts in ({}, {"sort_keys": True}):
            check_value(capture, doc, indent=indent, separators=separators, **opts)


def fresh_str(text: str) -> str:
    """An equal str that is a new object (not the interned or cached one)."""
    return "".join(list(text))


@pytest.mark.parametrize("opts", ALL_OPTIONS, ids=options_id)
def test_sorted_shapes(capture, opts):
    """Dicts of 20 to 64 keys reuse the sorted order of an earlier dict with the same key
    objects in the same order (cached on a shape's second sighting, by identity): the same
    objects in another order, equal keys that are other objects, one key swapped for an equal
    or unequal one, sizes at and past the limits, and more shapes than the cache holds."""
    rng = random.Random(7)
    docs = []
    for size in (19, 20, 21, 40, 64, 65):
        keys = [f"key{rng.randrange(10**6):06d}_{i}" for i in range(size)]
        keys += ["profile_" + k for k in keys[:3]]  # ties on the 8-byte prefix
        shuffled = keys[:]
        rng.shuffle(shuffled)
        records = [{k: i for i, k in enumerate(keys)} for _ in range(3)]
        records += [{k: i for i, k in enumerate(shuffled)} for _ in range(3)]
        records += [{fresh_str(k): i for i, k in enumerate(keys)} for _ in range(3)]
        swapped = dict(records[0])
        swapped.pop(keys[1])
        swapped[fresh_str(keys[1])] = "equal, another object"
        other = dict(records[0])
        other.pop(keys[2])
        other["zz" + keys[2]] = "unequal"
        docs.append(records + [swapped, other, swapped, other])
    # Far more shapes than slots, each seen three times: entries are recorded and evicted.
    many = [{f"s{n}_{i:02d}": i for i in rng.sample(range(99), 24)} for n in range(300)]
    docs.append([d for d in many for _ in range(3)])
    for doc in docs:
        check_value(capture, doc, **opts)
        check_value(capture, doc, **opts)


def test_sorted_shapes_keep_their_keys_alive_only():
    """A cached shape holds a reference to each of its keys (so identity cannot be fooled by a
    new object at a freed address), and to nothing else: values are not kept."""

    class Value:
        pass

    keys = [fresh_str(f"kept_key_{i:02d}") for i in range(30)]
    value = Value()
    before = sys.getrefcount(keys[0])
    doc = [{k: value for k in keys}, {k: 1 for k in keys}, {k: 2 for k in keys}]
    ours = httpbin_ext.dumps(doc, sort_keys=True, default=lambda o: 0)
    theirs = json.dumps(doc, sort_keys=True, default=lambda o: 0).encode()
    del doc
    key_refs, value_refs = sys.getrefcount(keys[0]), sys.getrefcount(value)
    assert ours == theirs
    assert key_refs == before + 1
    assert value_refs == 2


# --- hypothesis -------------------------------------------------------------------------------


def float_from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


floats = st.one_of(
    st.floats(),
    st.sampled_from(SPECIAL_FLOATS),
    st.integers(0, 2**64 - 1).map(float_from_bits),
    st.floats(min_value=-1e-300, max_value=1e-300),
)
ints = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from(SPECIAL_INTS),
    st.integers(-(10**4299) + 1, 10**4299 - 1),
)
characters = st.one_of(
    st.characters(exclude_categories=()),  # full Unicode, lone surrogates included
    st.characters(max_codepoint=0x7F, exclude_categories=()),
    st.sampled_from('"\\/\x00\x1f\x7f\x80\u2028\u2029\ufeff\ud800\udc00\ud83d\ude00😀é'),
)
strings = st.one_of(st.text(characters), st.sampled_from(SPECIAL_STRINGS))
scalars = st.one_of(st.none(), st.booleans(), ints, floats, strings)
keys = st.one_of(strings, ints, floats, st.booleans(), st.none())
odd_scalars = st.one_of(
    st.sampled_from([Color.RED, Color.GREEN, Perm.R, Perm.R | Perm.W]),
    ints.map(LoudInt),
    floats.map(LoudFloat),
    strings.map(LoudStr),
    strings.map(Markup),
    st.builds(Point, ints, floats),
    st.builds(Opaque, st.integers(0, 9)),
    st.decimals(allow_nan=False),
)


def containers(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.lists(children, max_size=4).map(MyList),
        st.dictionaries(strings, children, max_size=6),
        st.dictionaries(keys, children, max_size=6),
        st.dictionaries(st.one_of(ints, st.booleans()), children, max_size=6),
        st.dictionaries(strings, children, max_size=4).map(MyDict),
        st.dictionaries(strings, children, max_size=4).map(collections.OrderedDict),
        st.lists(st.tuples(strings, children), max_size=4).map(MultiDict),
    )


values = st.recursive(st.one_of(scalars, odd_scalars), containers, max_leaves=25)
option_sets = st.sampled_from(ALL_OPTIONS)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=values, opts=option_sets, skipkeys=st.booleans())
def test_hypothesis_matches_json(capture, obj, opts, skipkeys):
    check_value(capture, obj, skipkeys=skipkeys, **opts)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obj=values)
def test_hypothesis_every_option_combination(capture, obj):
    for opts in ALL_OPTIONS:
        check_value(capture, obj, **opts)


# ASCII keys are sorted by their first 8 bytes as an integer (zero-padded), then in full on a
# tie: keys that tie on those bytes, differ only past them, or hold NUL (the pad byte).
PREFIX_EDGE_KEYS = [
    "",
    "\x00",
    "\x00\x00",
    "a",
    "a\x00",
    "a\x00\x00",
    "a\x01",
    "ab",
    "abcdefg",
    "abcdefg\x00",
    "abcdefgh",
    "abcdefgh\x00",
    "abcdefgh\x00\x00",
    "abcdefghi",
    "abcdefgH",
    "abcdefgh\x7f",
    "Sec-Fetch-Dest",
    "Sec-Fetch-Mode",
    "Sec-Fetch-Site",
    "Sec-Fetch-User",
    "Sec-Ch-Ua",
    "Sec-Ch-Ua-Mobile",
    "Sec-Ch-Ua-Platform",
    "Accept",
    "Accept-Encoding",
    "Accept-Language",
    "\x7f",
    "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x00",
]


@pytest.mark.parametrize("seed", range(20))
def test_sort_keys_prefix_ties(capture, seed):
    keys = PREFIX_EDGE_KEYS[:]
    random.Random(seed).shuffle(keys)
    obj = {key: index for index, key in enumerate(keys)}
    check_value(capture, obj, sort_keys=True, separators=(",", ":"))
    check_value(capture, obj, sort_keys=True, indent=2)
    # Mixed with a non-ASCII key: the whole dict takes the code-point sort instead.
    check_value(capture, {**obj, "\xe9": 0}, sort_keys=True)


class Attributes:
    """Instances keep their attributes in a split-table dict (keys shared by the class)."""

    def __init__(self) -> None:
        self.b = 1
        self.a = "two"
        self.c = None


def without(obj: dict[Any, Any], *keys: Any) -> dict[Any, Any]:
    """``obj`` after deleting ``keys`` from it (which leaves NULL entries in its table)."""
    for key in keys:
        del obj[key]
    return obj


def split_dict_with_deletion() -> dict[str, Any]:
    obj = Attributes()
    del obj.a
    return vars(obj)


def deleted_and_reinserted() -> dict[Any, Any]:
    obj = without({key: index for index, key in enumerate("abcdefgh")}, *"aceh")
    obj["a"] = "back, last"
    return obj


def str_table_turned_general() -> dict[Any, Any]:
    obj = {"b": 1, "a": 2}
    obj[3] = "int key"  # the str-only table turns general
    return without(obj, 3)


def large_with_deletions(size: int) -> dict[str, int]:
    obj = {f"k{index:06}": index for index in range(size)}
    return without(obj, *(f"k{index:06}" for index in range(0, size, 3)))


def cleared_and_refilled() -> dict[str, int]:
    obj = dict.fromkeys("xyz", 0)
    obj.clear()
    obj.update(b=2, a=1)
    return obj


# Dict tables as CPython lays them out (the encoder reads entries in place on 3.11-3.13):
# deleted entries (NULL values) in every position, str-only and general key tables, split
# tables, 1-, 2- and 4-byte hash indices.
DICT_SHAPES = {
    "emptied": lambda: without({"a": 1}, "a"),
    "deleted-and-reinserted": deleted_and_reinserted,
    "last-deleted": lambda: without({"a": 1, "b": 2}, "b"),
    "general-keys": lambda: {2: "b", 1: "a", 0.5: None, None: 0, False: 1},
    "general-deleted": lambda: without(dict.fromkeys(range(5), "v"), 1, 3),
    "str-turned-general": str_table_turned_general,
    "split": lambda: vars(Attributes()),
    "split-deleted": split_dict_with_deletion,
    "cleared-and-refilled": cleared_and_refilled,
    "2-byte-indices": lambda: large_with_deletions(400),
    "4-byte-indices": lambda: large_with_deletions(70_000),
    "nested": lambda: {"outer": deleted_and_reinserted(), "split": vars(Attributes())},
}


@pytest.mark.parametrize("shape", DICT_SHAPES, ids=str)
@pytest.mark.parametrize("sort_keys", [False, True])
@pytest.mark.parametrize("indent", [None, 2])
def test_dict_table_shapes(capture, shape, sort_keys, indent):
    check(capture, DICT_SHAPES[shape], sort_keys=sort_keys, indent=indent)
    check(capture, DICT_SHAPES[shape], sort_keys=sort_keys, separators=(",", ":"))


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.text(alphabet="\x00\x01ab\x7f", max_size=11), max_size=30))
def test_hypothesis_sort_keys_short_alphabet(capture, keys):
    check_value(capture, dict.fromkeys(keys, 1), sort_keys=True, separators=(",", ":"))


@settings(max_examples=300, deadline=None)
@given(obj=st.recursive(scalars, containers, max_leaves=40))
def test_hypothesis_plain_values_roundtrip_through_json(capture, obj):
    # Plain JSON values with json.dumps's defaults: the most common call.
    check_value(capture, obj)
    check_value(capture, obj, sort_keys=True, separators=(",", ":"))


@settings(max_examples=500, deadline=None)
@given(bits=st.integers(0, 2**64 - 1), opts=option_sets)
def test_hypothesis_float_bit_patterns(capture, bits, opts):
    x = float_from_bits(bits)
    check_value(capture, x, **opts)
    check_value(capture, [x, -x], **opts)
    check_value(capture, {x: x}, **opts)


@settings(max_examples=300, deadline=None)
@given(s=st.text(characters), opts=option_sets)
def test_hypothesis_strings(capture, s, opts):
    check_value(capture, s, **opts)
    check_value(capture, {s: [s]}, **opts)


@settings(max_examples=300, deadline=None)
@given(n=ints, opts=option_sets)
def test_hypothesis_ints(capture, n, opts):
    check_value(capture, n, **opts)
    check_value(capture, {n: n}, **opts)


# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize("opts", ALL_OPTIONS[::3], ids=options_id)
def test_keys(capture, opts):
    objs = [
        {"a": 1, 1: 2},  # mixed types: TypeError when sorting
        {1: 1, "a": 2, None: 3},
        {None: 1, True: 2},
        {2.5: 1, 1: 2},  # int and float sort together
        {True: 1, 0: 2, 2: 3},  # bool sorts as int
        {10: 1, 9: 2, 100: 3, -5: 4},  # numeric, not lexicographic, order
        {"10": 1, "9": 2},
        {NAN: 1},
        {INF: 1, -INF: 2},
        {-0.0: 1},
        {1e16: 1, 1e-05: 2, 5e-324: 3},
        {(): 1},
        {"a": {(1,): 2}},
        {Opaque(): 1},
        {Decimal(1): 1},
        {Color.RED: 1, 5: 2},
        {2**64: 1, -(2**70): 2},
        {"\ud800": 1, "é": 2, "\x00": 3},
        DuplicateItemsDict(x=1),
        IncomparableDuplicateItemsDict(x=1),
        BadItemsDict(x=1),
    ]
    check_all(capture, objs, **opts)


# --- exceptions -------------------------------------------------------------------------------


@pytest.mark.parametrize("opts", ALL_OPTIONS[::4], ids=options_id)
def test_unserializable(capture, opts):
    objs = [object, Opaque(), [1, Opaque()], {"a": {"b": Opaque()}}, {1, 2}, b"x", 1j]
    check_all(capture, objs, **opts)


def test_unserializable_messages(capture):
    # json's messages are deterministic here; the exact text is part of the contract.
    check_value(capture, Opaque())
    check_value(capture, {(1, 2): 1})
    check_value(capture, {"a": NAN}, allow_nan=False)
    assert capture(lambda: _native.dumps(Opaque()))[1:] == (
        TypeError,
        "Object of type Opaque is not JSON serializable",
    )
    assert capture(lambda: _native.dumps({(1, 2): 1}))[1:] == (
        TypeError,
        "keys must be str, int, float, bool or None, not tuple",
    )


@pytest.mark.parametrize("opts", ALL_OPTIONS[::4], ids=options_id)
def test_circular_references(capture, opts):
    def circular_list():
        a: list[Any] = [1]
        a.append(a)
        return a

    def circular_dict():
        d: dict[str, Any] = {"a": 1}
        d["self"] = d
        return d

    def indirect():
        a: list[Any] = []
        b = {"a": a}
        a.append(b)
        return [b]

    for make in (circular_list, circular_dict, indirect):
        check(capture, make, **opts)
    # Shared but not circular: fine.
    shared = [1, 2]
    check_value(capture, [shared, shared, {"x": shared}], **opts)


@pytest.mark.parametrize("opts", ALL_OPTIONS[::4], ids=options_id)
def test_default_edge_cases(capture, opts):
    opts = {**opts, "default": None}
    fixed = Opaque(9)

    def returns_self(o):
        return o

    def returns_fixed_unserializable(o):
        return fixed

    def returns_new_unserializable(o):
        return Opaque()

    def returns_container_with_self(o):
        return [o]

    def raises_value_error(o):
        raise ValueError(f"cannot: {o}")

    def raises_key_error(o):
        raise KeyError("k")

    def returns_nested(o):
        return {"wrapped": [str(o), {"n": o.n}]} if isinstance(o, Opaque) else str(o)

    def returns_nan(o):
        return NAN

    for default in (
        returns_self,
        returns_fixed_unserializable,
        returns_new_unserializable,
        returns_container_with_self,
        raises_value_error,
        raises_key_error,
        returns_nested,
        returns_nan,
        str,
        repr,
    ):
        for obj in (Opaque(1), [Opaque(2), 3], {"k": Opaque(3)}, {"a": [1, {"b": Opaque()}]}):
            check_value(capture, obj, **{**opts, "default": default})


@pytest.mark.parametrize("opts", ALL_OPTIONS[::2], ids=options_id)
def test_default_mutating_the_container(capture, opts):
    """A ``default`` that mutates what is being serialized must not crash the encoder.

    json's result is deterministic (it depends on the encoder's iteration strategy), so the
    native encoder must give the same result or raise the same exception.
    """
    opts = {**opts, "default": None}

    def dict_case(action):
        def make():
            d: dict[Any, Any] = {}

            def default(o):
                action(d)
                return f"replaced {o.n}"

            d.update({"a": Opaque(1), "b": Opaque(2), "c": [Opaque(3)], "d": 4})
            return d, default

        return make

    def list_case(action):
        def make():
            items: list[Any] = []

            def default(o):
                action(items)
                return f"replaced {o.n}"

            items.extend([Opaque(1), Opaque(2), [Opaque(3)], 4])
            return items, default

        return make

    def clear(c):
        c.clear()

    def pop_later(c):
        if isinstance(c, dict):
            c.pop("d", None)
            c.pop("c", None)
        else:
            del c[1:]

    def grow_bounded(c):
        if len(c) < 8:
            if isinstance(c, dict):
                c[f"k{len(c)}"] = Opaque(len(c))
            else:
                c.append(Opaque(len(c)))

    def replace_values(c):
        if isinstance(c, dict):
            for k in list(c):
                c[k] = [k] * 3
        else:
            c[:] = [[i] * 3 for i in range(len(c))]

    problems = []
    for case in (dict_case, list_case):
        for action in (clear, pop_later, grow_bounded, replace_values):
            make = case(action)

            def run(encode, make=make):
                obj, default = make()
                return encode(obj, **{**opts, "default": default})

            want = capture(lambda run=run: run(lambda o, **kw: json.dumps(o, **kw).encode()))
            got = capture(lambda run=run: run(_native.dumps))
            if got != want:
                problems.append(f"{case.__name__}/{action.__name__}: json {want!r}, native {got!r}")
    assert not problems, "\n".join(problems)


def nested_lists(depth: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(depth - 1):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


def nested_dicts(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth - 1):
        child: dict[str, Any] = {}
        node["k"] = child
        node = child
    return root


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("make", [nested_lists, nested_dicts])
def test_deep_nesting_raises_recursion_error(capture, make, indent):
    obj = make(100_000)
    want = capture(lambda: expected(obj, indent=indent))
    assert want[:2] == ("raise", RecursionError)
    assert capture(lambda: _native.dumps(obj, indent=indent)) == want
    assert capture(lambda: _native.dumps(obj, indent=indent, newline=True)) == want
    # The encoder is still usable afterwards.
    assert _native.dumps([[]], indent=indent) == expected([[]], indent=indent)


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("make", [nested_lists, nested_dicts])
def test_moderate_nesting_succeeds(capture, make, indent):
    for depth in (50, 200, 300):
        check_value(capture, make(depth), indent=indent)


@pytest.mark.parametrize("indent", [None, 2])
def test_empty_containers_at_the_depth_limits(capture, indent):
    """An empty exact list or dict, or a short list of scalars, inside a container is written
    without a call, but only where one more nesting level is allowed: json enters a level for
    it as for any other container. At each depth around CPython's recursion limit and around
    our own cap, it must fail exactly where a container the fast path does not take (holding
    an int past 64 bits) does."""

    def nest(depth, leaf, wrap):
        obj = leaf
        for _ in range(depth - 1):
            obj = wrap(obj)
        return obj

    def outcome(obj):
        result = capture(lambda: _native.dumps(obj, indent=indent))
        return result[:2] if result[0] == "raise" else result

    wraps = [lambda o: [o], lambda o: {"k": o}, lambda o: [1, o, {}, 2]]
    old_limit = sys.getrecursionlimit()
    try:
        for limit, depths in ((200, range(140, 220)), (12_000, range(4_997, 5_003))):
            sys.setrecursionlimit(limit)
            seen = set()
            for wrap in wraps:
                for leaf, general_leaf in (([], [2**64]), ({}, {"k": 2**64}), ((1, 2.5), [2**64])):
                    for depth in depths:
                        fast = outcome(nest(depth, leaf, wrap))
                        general = outcome(nest(depth, general_leaf, wrap))
                        assert fast[0] == general[0], (limit, depth, leaf)
                        seen.add(fast[0])
            assert seen == {"ok", "raise"}, limit
    finally:
        sys.setrecursionlimit(old_limit)


def test_deep_nesting_via_default(capture):
    def default(o):
        return [o.n, Opaque(o.n + 1)]

    want = capture(lambda: expected(Opaque(0), default=default))
    assert want[:2] == ("raise", RecursionError)
    assert capture(lambda: _native.dumps(Opaque(0), default=default)) == want


@pytest.mark.parametrize("opts", ALL_OPTIONS[::8], ids=options_id)
def test_int_string_conversion_limit(capture, opts):
    for obj in [10**5000, [1, -(10**5000)], {10**5000: 1}, LoudInt(10**5000)]:
        check_value(capture, obj, **opts)
    assert capture(lambda: _native.dumps(10**5000))[:2] == ("raise", ValueError)


def test_int_string_conversion_limit_is_the_interpreter_setting(capture):
    old = sys.get_int_max_str_digits()
    try:
        for limit in (0, 640, 6000):
            sys.set_int_max_str_digits(limit)
            for obj in [10**5000, {10**5000: 10**700}, 10**639, 10**640]:
                check_value(capture, obj)
                check_value(capture, obj, indent=1, sort_keys=True)
    finally:
        sys.set_int_max_str_digits(old)


def test_a_million_random_floats(capture):
    rng = random.Random(20240607)
    bits = [rng.getrandbits(64) for _ in range(500_000)]
    data = [float_from_bits(b) for b in bits]
    data += [rng.random() * 10.0 ** rng.randint(-30, 30) for _ in range(400_000)]
    data += [float(rng.randint(-(10**17), 10**17)) for _ in range(100_000)]
    assert len(data) == 1_000_000
    assert _native.dumps(data) == expected(data)
    finite = [x for x in data if math.isfinite(x)]
    assert _native.dumps(finite, allow_nan=False, separators=(",", ":")) == expected(
        finite, allow_nan=False, separators=(",", ":")
    )


def test_large_strings(capture):
    rng = random.Random(7)
    text = "".join(chr(rng.randrange(0x110000)) for _ in range(200_000))
    for ensure_ascii in (True, False):
        check_value(capture, text, ensure_ascii=ensure_ascii)
        check_value(capture, [text, {text[:100]: text[100:1000]}], ensure_ascii=ensure_ascii)
    clean = "".join(c for c in text if not 0xD800 <= ord(c) < 0xE000)
    assert _native.dumps(clean, ensure_ascii=False) == expected(clean, ensure_ascii=False)


def test_lone_surrogates_raise_unicode_encode_error_only_when_unescaped(capture):
    for s in ["\ud800", "a\udfffb", {"k\ud800": 1}]:
        check_value(capture, s, ensure_ascii=True)
        want = capture(lambda s=s: expected(s, ensure_ascii=False))
        assert want[:2] == ("raise", UnicodeEncodeError)
        assert capture(lambda s=s: _native.dumps(s, ensure_ascii=False)) == want


def test_argument_errors_match_json(capture):
    # Wrong-typed arguments fail like json.dumps does.
    for opts in [{"separators": (",",)}, {"separators": 5}, {"indent": 1.5}, {"indent": [1]}]:
        want = capture(lambda opts=opts: expected([1, {"a": 2}], **opts))
        got = capture(lambda opts=opts: _native.dumps([1, {"a": 2}], **opts))
        assert got[:2] == want[:2], opts


# Outputs past 64 KiB move from the reused buffer into the storage of the bytes object being
# returned (src/writer/buffer.rs); these cross that line at many offsets.
SPILL_SIZES = [
    *range(65_536 - 40, 65_536 + 40, 3),
    *(2**k + d for k in range(10, 23) for d in (-1, 0, 1)),
    3_000_000,
]


def test_outputs_around_the_spill_threshold(capture):
    for size in SPILL_SIZES:
        # Short values, so that the buffer fills up gradually (one long value is written
        # with room reserved for all of it, and does not spill), then a few ints to move the
        # point where the threshold falls.
        value = [*(["x" * 100] * (size // 103)), *range(size % 103)]
        for opts in [{}, {"indent": 2, "sort_keys": True}, {"separators": (",", ":")}]:
            got = _native.dumps(value, **opts)
            want = expected(value, **opts)
            assert got == want, (size, opts)
            # A bytes object in every respect (length, hash, repr), not a resized shell.
            assert len(got) == len(want) and hash(got) == hash(want), (size, opts)
            assert sys.getsizeof(got) == sys.getsizeof(want)
    check_value(capture, {"k": "é" * 40_000, "v": list(range(20_000))}, ensure_ascii=True)


def test_failures_after_the_output_spilled(capture):
    big = ["y" * 1000] * 100
    for opts in [{}, {"indent": 2}]:
        check_value(capture, [*big, object()], **opts)
        check_value(capture, [*big, {"k": [1, float("nan")]}], allow_nan=False, **opts)
        check_value(capture, [*big, "\ud800", *big], ensure_ascii=False, **opts)
        # `default` re-enters dumps with a large output while the outer one has spilled.
        check_value(capture, [*big, object(), *big], default=lambda o: _native.dumps(big).decode())
    # The buffers are fine afterwards.
    assert _native.dumps([*big, 1]) == expected([*big, 1])


def test_result_is_fresh_bytes():
    a = _native.dumps({"a": [1, 2]})
    b = _native.dumps({"a": [1, 2]})
    assert type(a) is bytes and a == b == json.dumps({"a": [1, 2]}).encode()


def test_package_exports_native_functions():
    assert httpbin_ext.dumps is _native.dumps
    assert httpbin_ext.loads is _native.loads


# --- loads ------------------------------------------------------------------------------------


def check_loads(capture: Callable, doc: str | bytes | bytearray) -> None:
    want = capture(lambda: json.loads(doc))
    got = capture(lambda: _native.loads(doc))
    if want[0] == "ok" and got[0] == "ok":
        assert same_value(got[1], want[1]), doc
    else:
        assert got == want, doc


@settings(max_examples=400, deadline=None)
@given(obj=st.recursive(scalars, containers, max_leaves=30), opts=option_sets)
def test_hypothesis_loads_matches_json(capture, obj, opts):
    try:
        text = json.dumps(obj, **{**opts, "allow_nan": True, "default": str})
    except (TypeError, ValueError, RecursionError):
        return
    check_loads(capture, text)
    try:
        raw = text.encode()
    except UnicodeEncodeError:
        return
    check_loads(capture, raw)


@settings(max_examples=400, deadline=None)
@given(doc=st.one_of(st.text(characters, max_size=30), st.binary(max_size=30)))
def test_hypothesis_loads_arbitrary_input(capture, doc):
    check_loads(capture, doc)
