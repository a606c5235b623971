#!/usr/bin/env python
"""atheris harness: ``httpbin_ext.dumps(obj, **opts)`` == ``json.dumps(obj, **opts).encode()``.

A structure-aware generator turns the fuzzer's bytes (through ``atheris.FuzzedDataProvider``)
into a Python object and a set of ``json.dumps`` options. The object is built twice from the
same bytes (a ``default`` may mutate what is being serialized, so each side gets its own), one
copy goes to ``json.dumps(...).encode()``, the other to ``httpbin_ext.dumps``. Results must be
equal bytes; when json raises, ours must raise the same class with the same message (as in
tests/conftest.py: RecursionError without message, UnicodeEncodeError by encoding/reason).
A pyo3 PanicException is always a finding.

Documented differences that are tolerated (README, "How fidelity is kept"): the nesting depth
at which RecursionError is raised may differ by a few levels, so when the object is nested
near or beyond the recursion limit, a RecursionError on either side is accepted; and for
wrong-typed arguments (separators=(",",), indent=1.5) only the exception class is compared
(tests/test_dumps.py::test_argument_errors_match_json).

Environment: FUZZ_MAX_DEPTH (default 6), FUZZ_MAX_NODES (default 48); FUZZ_KEEP_GOING=1 to
log findings and continue (see common.py).

    python fuzz/atheris/fuzz_dumps.py -atheris_runs=1000000 -max_total_time=900
"""

from __future__ import annotations

import collections
import enum
import os
import struct
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

import atheris  # noqa: E402
import common  # noqa: E402

with atheris.instrument_imports():
    import json  # noqa: E402
    import json.encoder  # noqa: E402, F401

    from markupsafe import Markup  # noqa: E402
    from werkzeug.datastructures import MultiDict  # noqa: E402

    import httpbin_ext  # noqa: E402

MAX_DEPTH = int(os.environ.get("FUZZ_MAX_DEPTH", "6"))
MAX_NODES = int(os.environ.get("FUZZ_MAX_NODES", "48"))
NAN = float("nan")
INF = float("inf")


# --- value kinds -----------------------------------------------------------------------------


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Perm(enum.IntFlag):
    R = 4
    W = 2


class Mood(str, enum.Enum):
    HAPPY = "happy"


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
    x: Any
    y: Any


class MyList(list):
    pass


class MyTuple(tuple):
    __slots__ = ()


class ReversedList(list):
    def __iter__(self):
        return list.__reversed__(self)


class LyingLenList(list):
    def __len__(self) -> int:
        return 1000


class FalsyList(list):
    """json's indent encoder tests emptiness with ``not lst``: truthiness, not storage."""

    def __bool__(self) -> bool:
        return False


class FalsyDict(dict):
    def __bool__(self) -> bool:
        return False


class ZeroLenDict(dict):
    def __len__(self) -> int:
        return 0


class MyDict(dict):
    pass


class ItemsDict(dict):
    """``items()`` overridden: the encoder must use it, not the dict storage."""

    def __init__(self, *args: Any, fake: list[Any] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fake = fake or []

    def items(self):  # type: ignore[override]
        return self.fake


class GenItemsDict(ItemsDict):
    def items(self):  # type: ignore[override]
        return iter(self.fake)


class RaisingItemsDict(dict):
    def items(self):  # type: ignore[override]
        raise LookupError("items() failed")


class Opaque:
    """Not JSON serializable; ``str``/``repr`` are deterministic."""

    def __init__(self, n: int = 0) -> None:
        self.n = n

    def __str__(self) -> str:
        return f"Opaque({self.n})"

    __repr__ = __str__


class Boom(Exception):
    pass


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
    1e16,
    1e16 - 2,
    1e15,
    1e17,
    1e22,
    1e23,
    0.1,
    1 / 3,
    2.5,
    -1.5,
    4.35,
    0.3,
    100.0,
    1e100,
    -1e-300,
    float(2**53),
    -float(2**63),
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
    10**4300,
    -(10**4300),
]
SPECIAL_CHARS = [
    '"',
    "\\",
    "/",
    "\x00",
    "\x1f",
    "\x7f",
    "\x80",
    "\x9f",
    "\t",
    "\n",
    "\r",
    "\b",
    "\f",
    "\u2028",
    "\u2029",
    "é",
    "€",
    "\ufeff",
    "\uffff",
    "😀",
    "\U0010ffff",
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
    "\ud83d\ude00",
    "\ude00\ud83d",
    "<",
    ">",
    "&",
    "'",
    "a",
    " ",
    "\u0100",
]


def nested(depth: int, kind: int, leaf: Any) -> Any:
    root: Any = leaf
    for _ in range(depth):
        if kind == 0:
            root = [root]
        elif kind == 1:
            root = {"k": root}
        elif kind == 2:
            root = (root,)
        else:
            root = MyList([root])
    return root


class Gen:
    """Builds one object and its options from the fuzzer's bytes, deterministically."""

    def __init__(self, data: bytes) -> None:
        self.fdp = atheris.FuzzedDataProvider(data)
        self.nodes = 0
        self.deep = False  # nesting near/over the recursion limit: RecursionError tolerated
        self.bad_args = False  # wrong-typed option: compare exception classes only
        self.containers: list[Any] = []  # for cycles and for mutating defaults
        self.opaque_n = 0
        self.truthiness = False  # a container whose truth value disagrees with its storage
        self.bad_pairs = False  # an items() override that returns non-pairs
        self.mutating = False  # default mutates a container being serialized
        self.subclassed = False  # a list/dict subclass container is in the object
        self.default_calls = 0

    # primitives
    def n(self, lo: int, hi: int) -> int:
        return self.fdp.ConsumeIntInRange(lo, hi)

    def pick(self, seq: list[Any]) -> Any:
        return seq[self.fdp.ConsumeIntInRange(0, len(seq) - 1)]

    def chance(self, one_in: int) -> bool:
        return self.fdp.ConsumeIntInRange(0, one_in - 1) == 0

    def opaque(self) -> Opaque:
        self.opaque_n += 1
        return Opaque(self.opaque_n)

    def string(self) -> str:
        kind = self.n(0, 5)
        if kind == 0:
            return self.fdp.ConsumeUnicode(self.n(0, 12))
        if kind == 1:
            return self.fdp.ConsumeUnicodeNoSurrogates(self.n(0, 12))
        if kind == 2:
            return "".join(self.pick(SPECIAL_CHARS) for _ in range(self.n(0, 6)))
        if kind == 3:
            parts = [self.pick(SPECIAL_CHARS), self.fdp.ConsumeUnicode(self.n(0, 4))]
            return "".join(parts) * self.n(1, 40)
        if kind == 4:
            return self.pick(["", "a", "key", "0", "-", "null", "NaN"])
        return chr(self.n(0, 0x10FFFF))

    def integer(self) -> int:
        kind = self.n(0, 5)
        if kind == 0:
            return self.n(-300, 300)
        if kind == 1:
            return self.fdp.ConsumeInt(self.n(1, 24))
        if kind == 2:
            return self.pick(SPECIAL_INTS)
        if kind == 3:
            # around sys.get_int_max_str_digits() (4300 digits)
            v = 10 ** self.n(4290, 4310) + self.n(-2, 2)
            return -v if self.fdp.ConsumeBool() else v
        if kind == 4:
            return self.fdp.ConsumeBool()
        return self.fdp.ConsumeInt(8)

    def floating(self) -> float:
        kind = self.n(0, 4)
        if kind == 0:
            return self.fdp.ConsumeFloat()
        if kind == 1:
            return self.pick(SPECIAL_FLOATS)
        if kind == 2:
            return struct.unpack("<d", self.fdp.ConsumeBytes(8).ljust(8, b"\0"))[0]
        if kind == 3:
            return self.fdp.ConsumeRegularFloat()
        return self.fdp.ConsumeProbability() * 10.0 ** self.n(-30, 30)

    def scalar(self) -> Any:
        kind = self.n(0, 22)
        if kind <= 1:
            return None if kind == 0 else self.fdp.ConsumeBool()
        if kind <= 4:
            return self.integer()
        if kind <= 7:
            return self.floating()
        if kind <= 12:
            return self.string()
        if kind == 13:
            return self.pick([Color.RED, Color.GREEN, Perm.R, Perm.R | Perm.W, Mood.HAPPY])
        if kind == 14:
            return self.odd_subclass()
        if kind == 15:
            return Point(self.scalar(), self.scalar())
        if kind == 16:
            return self.opaque()
        if kind == 17:
            return self.pick([Decimal("1.10"), b"bytes", bytearray(b"ba"), 1j, object, len])
        if kind == 18:
            return {1, 2} if self.fdp.ConsumeBool() else frozenset({"a"})
        if kind == 19:
            return self.integer() if self.fdp.ConsumeBool() else self.floating()
        if kind == 20:
            return Markup(self.string())
        return self.string()

    def odd_subclass(self) -> Any:
        kind = self.n(0, 3)
        if kind == 0:
            return LoudInt(self.integer())
        if kind == 1:
            return LoudFloat(self.floating())
        if kind == 2:
            return LoudStr(self.string())
        return Markup(self.string())

    def key(self) -> Any:
        kind = self.n(0, 14)
        if kind <= 6:
            return self.string()
        if kind == 7:
            return self.integer()
        if kind == 8:
            return self.floating()
        if kind == 9:
            return self.pick([True, False, None])
        if kind == 10:
            return self.odd_subclass()
        if kind == 11:
            return self.pick([Color.RED, Color.GREEN, Mood.HAPPY, Perm.W])
        if kind == 12:
            return self.pick([(1, 2), (), frozenset(), b"k", Decimal(1)])
        if kind == 13:
            return self.opaque()
        return self.pick(["a", "b", "c", 1, 2])

    def value(self, depth: int) -> Any:
        self.nodes += 1
        if depth >= MAX_DEPTH or self.nodes >= MAX_NODES or self.fdp.remaining_bytes() == 0:
            return self.scalar()
        kind = self.n(0, 9)
        if kind <= 4:
            return self.scalar()
        if kind == 9 and self.containers and self.chance(4):
            # a cycle (or just shared structure, if the container is not an ancestor)
            return self.pick(self.containers)
        return self.container(depth)

    def container(self, depth: int) -> Any:
        kind = self.n(0, 16)
        size = self.n(0, 6)
        if kind <= 4 or kind == 13:
            cls = list if kind <= 4 else self.pick([MyList, ReversedList, LyingLenList, FalsyList])
            self.subclassed = self.subclassed or cls is not list
            if cls in (LyingLenList, FalsyList):
                self.truthiness = True
            obj: Any = cls()
            self.containers.append(obj)
            for _ in range(size):
                obj.append(self.value(depth + 1))
            return obj
        if kind in (5, 14):
            items = [self.value(depth + 1) for _ in range(size)]
            return tuple(items) if kind == 5 else self.pick([MyTuple, tuple])(items)
        if kind <= 9:
            cls = {6: dict, 7: dict, 8: MyDict, 9: collections.OrderedDict}[kind]
            self.subclassed = self.subclassed or kind >= 8
            if kind == 8:
                cls = self.pick([MyDict, MyDict, FalsyDict, ZeroLenDict])
                if cls is not MyDict:
                    self.truthiness = True
            obj = cls()
            self.containers.append(obj)
            str_keys = self.fdp.ConsumeBool()
            for _ in range(size):
                k = self.string() if str_keys else self.key()
                obj[k] = self.value(depth + 1)
            return obj
        if kind == 10:
            return MultiDict([(self.string(), self.value(depth + 1)) for _ in range(size)])
        if kind == 11:
            stored = {self.string(): self.value(depth + 1) for _ in range(self.n(0, 2))}
            fake: list[Any] = []
            for _ in range(size):
                shape = self.n(0, 9)
                if shape <= 3:
                    self.bad_pairs = True  # shape 3: a list, not a tuple (compact mode)
                if shape == 0:
                    fake.append((self.key(),))  # not a pair
                elif shape == 1:
                    fake.append((self.key(), 1, 2))
                elif shape == 2:
                    fake.append(self.scalar())  # not a tuple at all
                elif shape == 3:
                    fake.append([self.string(), self.value(depth + 1)])  # a list pair
                else:
                    fake.append((self.key(), self.value(depth + 1)))
            cls = self.pick([ItemsDict, GenItemsDict])
            self.subclassed = True
            obj = cls(stored, fake=fake)
            self.containers.append(obj)
            return obj
        if kind == 12:
            return self.pick(
                [
                    lambda: collections.defaultdict(list, {"k": [1]}),
                    lambda: collections.Counter(self.string()),
                    lambda: RaisingItemsDict(a=1),
                    lambda: Point([self.value(depth + 1)], {"x": self.value(depth + 1)}),
                ]
            )()
        if kind == 15 and self.chance(6):
            self.deep = True
            limit = sys.getrecursionlimit()
            d = self.pick(
                [
                    limit - 40,
                    limit - 5,
                    limit,
                    limit + 5,
                    limit + 60,
                    4990,
                    5010,
                    self.n(0, 3000),
                    20_000,
                ]
            )
            return nested(d, self.n(0, 3), self.value(MAX_DEPTH))
        return [self.value(depth + 1) for _ in range(size)]

    # options
    def default(self) -> Any:
        kind = self.n(0, 17)
        if kind <= 3:
            return None
        if kind == 4:
            return str
        if kind == 5:

            def raises(o: Any) -> Any:
                raise self.pick([ValueError, KeyError, Boom, TypeError])(f"cannot: {o}")

            return raises
        if kind == 6:
            return lambda o: o  # returns itself: circular reference
        if kind == 7:
            return lambda o: [o]
        if kind == 8:
            self.deep = True
            return lambda o: Opaque(getattr(o, "n", 0) + 1)  # endless: RecursionError
        if kind == 9:
            fixed = Opaque(-1)
            return lambda o: fixed
        if kind == 10:
            return lambda o: {"wrapped": [str(o), {"n": getattr(o, "n", None)}]}
        if kind == 11:
            ret = self.pick(
                [
                    NAN,
                    INF,
                    -0.0,
                    Markup("<m>"),
                    LoudStr("x"),
                    Color.RED,
                    {1: 2},
                    {(1,): 2},
                    b"x",
                    10**5000,
                ]
            )
            return lambda o: ret
        if kind == 12:
            value = self.value(MAX_DEPTH - 2)  # may contain Opaque objects again
            return lambda o: value
        if kind == 13:
            huge = self.pick(
                [
                    lambda: "x" * 100_000,
                    lambda: list(range(5_000)),
                    lambda: {str(i): i for i in range(2_000)},
                    lambda: 10**4000,
                ]
            )()
            return lambda o: huge
        return self.mutating_default()

    def mutating_default(self) -> Any:
        """A default that mutates one of the containers being serialized."""
        self.mutating = True
        target = self.n(0, 1000)
        action = self.n(0, 7)
        key = self.key()
        containers = self.containers

        def default(o: Any) -> Any:
            if containers:
                c = containers[target % len(containers)]
                mutate(c, action, key)
            return f"replaced {getattr(o, 'n', '?')}"

        return default

    def options(self) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        if self.fdp.ConsumeBool():
            opts["indent"] = self.pick(
                [None, 0, 2, -1, 4, "\t", "", "ab", " ", "é", "\ud800", self.n(-3, 12), True]
            )
        if self.fdp.ConsumeBool():
            opts["sort_keys"] = self.pick([True, False, True])
        if self.fdp.ConsumeBool():
            opts["ensure_ascii"] = self.pick([True, False, False])
        if self.fdp.ConsumeBool():
            opts["separators"] = self.pick(
                [
                    None,
                    (",", ":"),
                    (", ", ": "),
                    [",", ":"],
                    (";", "="),
                    ("", ""),
                    ("\n", "\t"),
                    ("é,", "😀:"),
                    ("\ud800", ":"),
                ]
            )
        if self.fdp.ConsumeBool():
            opts["allow_nan"] = self.fdp.ConsumeBool()
        if self.fdp.ConsumeBool():
            opts["skipkeys"] = self.fdp.ConsumeBool()
        if self.chance(24):
            self.bad_args = True
            name, bad = self.pick(
                [
                    ("separators", (",",)),
                    ("separators", 5),
                    ("indent", 1.5),
                    ("indent", [1]),
                    ("separators", (1, 2)),
                    ("indent", b"x"),
                ]
            )
            opts[name] = bad
        return opts


def mutate(c: Any, action: int, key: Any) -> None:
    if isinstance(c, dict):
        if action == 0:
            c.clear()
        elif action == 1:
            for k in list(c)[1:]:
                del c[k]
        elif action == 2:
            if len(c) < 8:
                c[f"k{len(c)}"] = Opaque(len(c))
        elif action == 3:
            for k in list(c):
                c[k] = [str(k)] * 3
        elif action == 4:
            try:
                c[key] = None
            except TypeError:
                pass
        elif action == 5 and c:
            c.popitem()
        elif action == 6:
            if len(c) < 8:
                c[len(c)] = [Opaque(len(c))]
        else:
            c.update({"z": 1})
    elif isinstance(c, list):
        if action == 0:
            c.clear()
        elif action == 1:
            del c[1:]
        elif action == 2:
            if len(c) < 8:
                c.append(Opaque(len(c)))
        elif action == 3:
            c[:] = [[i] * 3 for i in range(len(c))]
        elif action == 4:
            c.insert(0, "front")
            if len(c) > 10:
                del c[5:]
        elif action == 5 and c:
            c.pop()
        elif action == 6:
            c.reverse()
        else:
            c.sort(key=lambda x: type(x).__name__)  # deterministic: both builds agree


def build(data: bytes) -> tuple[Any, dict[str, Any], bool, Gen]:
    gen = Gen(data)
    opts = gen.options()
    newline = gen.chance(8)
    wants_default = gen.fdp.ConsumeBool()
    obj = gen.value(0)
    if wants_default:
        default = gen.default()
        if default is not None:
            # Count the calls: json calls default once per unserializable object it reaches,
            # and a default's side effects must happen as often with ours.
            def counted(o: Any, _default: Any = default) -> Any:
                gen.default_calls += 1
                return _default(o)

            opts["default"] = counted
        else:
            opts["default"] = None
    return obj, opts, newline, gen


def short(x: Any, n: int = 600) -> str:
    try:
        text = repr(x)
    except BaseException as exc:  # noqa: BLE001 - recursive or huge objects
        text = f"<unrepresentable: {type(exc).__name__}>"
    return text if len(text) <= n else text[:n] + f"...<{len(text)}>"


def _has_surrogate(x: Any) -> bool:
    if isinstance(x, str):
        return any(0xD800 <= ord(c) < 0xE000 for c in x)
    if isinstance(x, (tuple, list)):
        return any(_has_surrogate(y) for y in x)
    return False


def classify(
    gen: Gen, opts: dict[str, Any], want: tuple[Any, ...], got: tuple[Any, ...], gen_b: Gen
) -> str | None:
    """Which fixed finding a difference looks like (all of F1–F6 are fixed and pinned by
    tests/test_fuzz_regressions.py), to group reports; ``None`` for something new."""
    if (
        opts.get("ensure_ascii") is False
        and opts.get("default") is not None
        and (gen.default_calls < gen_b.default_calls or UnicodeEncodeError in (want[1], got[1]))
    ):
        return "REGRESSION F6: lone-surrogate fallback re-runs json.dumps (default called twice)"
    if gen.mutating and gen.subclassed and opts.get("indent") is not None:
        return "REGRESSION F5: indent mode snapshots list/dict subclasses, json iterates them live"
    if gen.bad_args:
        return "REGRESSION F2: wrong-typed indent/separators rejected where json never uses them"
    if (
        got[0] == "raise"
        and got[1] is UnicodeEncodeError
        and (_has_surrogate(opts.get("indent")) or _has_surrogate(opts.get("separators")))
    ):
        return "REGRESSION F1: lone surrogate in indent/separators raises eagerly"
    unpack = (
        "items must return 2-tuples",
        "not enough values to unpack",
        "too many values to",
        "cannot unpack",
    )
    if gen.bad_pairs and (
        (got[0] == "raise" and str(got[2]).startswith(unpack))
        or (want[0] == "raise" and str(want[2]).startswith(unpack))
    ):
        return "REGRESSION F4: items() non-pairs rejected before the earlier pairs are encoded"
    if gen.truthiness and opts.get("indent") is not None:
        return "REGRESSION F3: indent mode tests container emptiness by storage, json by truthiness"
    return None


def check(data: bytes) -> None:
    obj_a, opts, newline, gen = build(data)
    # newline=True is Flask's body: f"{json.dumps(obj)}\n", encoded as a whole.
    want = common.outcome(lambda: (json.dumps(obj_a, **opts) + ("\n" if newline else "")).encode())
    obj_b, opts_b, _, gen_b = build(data)
    if newline:
        got = common.outcome(lambda: httpbin_ext.dumps(obj_b, newline=True, **opts_b))
    else:
        got = common.outcome(lambda: httpbin_ext.dumps(obj_b, **opts_b))
    if got == want and gen.default_calls != gen_b.default_calls and not gen.deep:
        want = (*want, f"default called {gen.default_calls} times")
        got = (*got, f"default called {gen_b.default_calls} times")
    if got == want:
        if got[0] == "ok" and type(got[1]) is not bytes:
            raise common.Finding(f"returned {type(got[1]).__name__}, not bytes")
        return
    if gen.bad_args and want[0] == got[0] == "raise" and want[1] is got[1]:
        return
    if gen.deep and RecursionError in (want[1], got[1]):
        return  # documented: the RecursionError depth may differ by a few levels
    kind, gkind = common.outcome_kind(want), common.outcome_kind(got)
    signature = classify(gen, opts, want, got, gen_b) or (
        f"dumps mismatch: json {kind} vs ours {gkind} (opts {sorted(opts)})"
    )
    raise common.Finding(
        f"{signature}\n"
        f"  object: {short(build(data)[0])}\n  options: {short(opts)}  newline={newline}\n"
        f"  json: {short(want)}\n  ours: {short(got)}"
    )


def main() -> None:
    common.run("dumps", check, globals())


if __name__ == "__main__":
    main()
