"""Regression tests for what the atheris harnesses (fuzz/atheris/) found.

Every test compares with the Python reference (``json.dumps(...).encode()``, ``json.loads``,
httpbin) by the same rules as the harness that found it (``conftest.outcome``: results, or
exception class and message). All of F1–F7 are fixed; ``fuzz/atheris/README.md`` describes
each finding and its fix.
"""

from __future__ import annotations

import collections
import decimal
import json
from collections.abc import Callable
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from httpbin_ext import _native

NAN = float("nan")


def json_bytes(obj: Any, **opts: Any) -> bytes:
    return json.dumps(obj, **opts).encode()


def same(capture: Callable, make: Callable[[], Any], **opts: Any) -> None:
    """``make()`` is called once per side: a fresh object for values the encoding mutates."""
    want = capture(lambda: json_bytes(make(), **opts))
    got = capture(lambda: _native.dumps(make(), **opts))
    assert got == want, f"json: {want!r:.300}\nours: {got!r:.300}\noptions: {opts!r}"


class Opaque:
    def __init__(self, n: int = 0) -> None:
        self.n = n

    def __str__(self) -> str:
        return f"Opaque({self.n})"


# --- F1: a lone surrogate in indent/separators ------------------------------------------------
# json only fails when it writes the surrogate (the .encode() of the result); ours raised
# UnicodeEncodeError up front, even for scalars and empty containers where json never writes
# indent or separators, and before json's own argument errors.

F1_CASES = [
    (None, {"indent": "\ud800"}),
    ([], {"indent": "\ud800"}),
    ({}, {"indent": "\udfff", "sort_keys": True}),
    ("x", {"separators": ("\ud800", ":")}),
    ([1], {"separators": ("\ud800", ":")}),  # one item: no item separator written
    ({}, {"separators": (",", "\ud800")}),
    ([[]], {"separators": ("\ud800", ":"), "indent": None}),
]


@pytest.mark.parametrize(("obj", "opts"), F1_CASES, ids=repr)
def test_f1_surrogate_in_unused_indent_or_separators(capture, obj, opts):
    same(capture, lambda: obj, **opts)


def test_f1_argument_error_order(capture):
    # json unpacks separators first: ValueError, not UnicodeEncodeError.
    want = capture(lambda: json_bytes(None, indent="\ud800", separators=(",",)))
    got = capture(lambda: _native.dumps(None, indent="\ud800", separators=(",",)))
    assert want[:2] == ("raise", ValueError)
    assert got[:2] == want[:2]


def test_f2_wrong_typed_indent_raises_for_other_objects(capture):
    for obj in ([], None, {}, 1):
        want = capture(lambda obj=obj: json_bytes(obj, indent=1.5))
        assert want[:2] == ("raise", TypeError)
        assert capture(lambda obj=obj: _native.dumps(obj, indent=1.5))[:2] == want[:2]


def test_f1_surrogate_in_used_indent_still_raises(capture):
    # Where json writes the surrogate, both raise UnicodeEncodeError (passes today).
    for obj, opts in [([1], {"indent": "\ud800"}), ([1, 2], {"separators": ("\ud800", ":")})]:
        want = capture(lambda obj=obj, opts=opts: json_bytes(obj, **opts))
        got = capture(lambda obj=obj, opts=opts: _native.dumps(obj, **opts))
        assert want[:2] == got[:2] == ("raise", UnicodeEncodeError)


# --- F2: wrong-typed indent/separators that json never uses --------------------------------------
# JSONEncoder.encode() returns a top-level str before it looks at indent (so
# json.dumps("x", indent=1.5) is '"x"'), and with indent, json's Python encoder only uses the
# separators when it writes a non-empty container. (json.dumps(None, indent=1.5) does raise
# TypeError: ' ' * indent is computed for every other top-level object.)

F2_CASES = [
    ("x", {"indent": 1.5}),
    ("", {"indent": [1]}),
    ("\ud800", {"indent": b"x", "ensure_ascii": True}),
    ("x", {"separators": (1, 2)}),
    ({}, {"indent": 2, "separators": (1, 2)}),
    (MultiDict(), {"indent": 2, "sort_keys": True, "separators": (1, 2)}),
    ([], {"indent": "\t", "separators": (1, 2)}),
]


@pytest.mark.parametrize(("obj", "opts"), F2_CASES, ids=repr)
def test_f2_unused_wrong_typed_options(capture, obj, opts):
    same(capture, lambda: obj, **opts)


# --- F3: emptiness by truthiness in indent mode ------------------------------------------------
# json's indent encoder starts with `if not lst: '[]'` / `if not dct: '{}'`: __bool__/__len__
# overrides decide. A "non-empty" list without items gives json's "\n]" (its '[' is written
# with the first item).


class FalsyList(list):
    def __bool__(self) -> bool:
        return False


class LyingLenList(list):
    def __len__(self) -> int:
        return 1000


class LyingLenTuple(tuple):
    __slots__ = ()

    def __len__(self) -> int:
        return 5


class FalsyDict(dict):
    def __bool__(self) -> bool:
        return False


class ZeroLenDict(dict):
    def __len__(self) -> int:
        return 0


F3_CASES = [
    lambda: FalsyList([1, 2]),
    lambda: LyingLenList(),
    lambda: LyingLenTuple(),
    lambda: FalsyDict(a=1),
    lambda: ZeroLenDict(a=1),
    lambda: [FalsyList([1]), {"k": FalsyDict(b=2)}],
]


@pytest.mark.parametrize("make", F3_CASES, ids=range(len(F3_CASES)))
@pytest.mark.parametrize("opts", [{"indent": 1}, {"indent": 2, "sort_keys": True}], ids=repr)
def test_f3_indent_emptiness_is_truthiness(capture, make, opts):
    same(capture, make, **opts)


@pytest.mark.parametrize("make", F3_CASES, ids=range(len(F3_CASES)))
def test_f3_compact_mode_agrees(capture, make):
    same(capture, make)  # the C encoder uses the storage size: passes today


# --- F4: items() with a non-pair after an earlier failing pair ------------------------------------
# json encodes pair by pair: an earlier pair's error (bad key, unserializable value, NaN with
# allow_nan=False) comes first; ours validated every pair up front.


class ItemsDict(dict):
    def __init__(self, fake: list[Any]) -> None:
        super().__init__(x=1)
        self.fake = fake

    def items(self):  # type: ignore[override]
        return self.fake


F4_CASES = [
    ([("a", frozenset()), ("b",)], {}),
    ([("a", {1, 2}), 3], {}),
    ([("a", [1, {(1,): 2}]), ("b", 1, 2)], {}),
    ([((1,), 2), ("b",)], {}),
    ([("a", NAN), ("b",)], {"allow_nan": False}),
]


class RaisingIter:
    def __iter__(self):
        raise KeyError("from __iter__")


# Found after the F4 fix: Python names the C type's tp_name ("decimal.Decimal") in "cannot
# unpack non-iterable ... object", and leaves an error raised by __iter__ as it is.
F4_CASES += [
    ([decimal.Decimal(1)], {}),
    ([("a", 1), RaisingIter()], {}),
    ([("a", 1), 5], {}),
]


@pytest.mark.parametrize(("fake", "opts"), F4_CASES, ids=repr)
@pytest.mark.parametrize("indent", [None, 2])
def test_f4_items_pairs_checked_lazily(capture, fake, opts, indent):
    same(capture, lambda: ItemsDict(list(fake)), indent=indent, **opts)


def test_f4_list_pair_after_failing_value_compact(capture):
    # The C encoder wants tuples: ["b", 1] is "items must return 2-tuples", but only when
    # reached; the complex value before it raises first.
    same(capture, lambda: ItemsDict([("a", 1j), ["b", 1]]))


def test_f4_default_runs_for_earlier_pairs(capture):
    calls = {"json": 0, "ours": 0}

    def counting(side: str):
        def default(o: Any) -> str:
            calls[side] += 1
            return "x"

        return default

    def make() -> ItemsDict:
        return ItemsDict([("a", Opaque(1)), ("b",)])

    want = capture(lambda: json_bytes(make(), default=counting("json")))
    got = capture(lambda: _native.dumps(make(), default=counting("ours")))
    assert got == want
    assert calls["ours"] == calls["json"] == 1


# --- F5: indent mode iterates list/dict subclasses live ------------------------------------------
# json's indent encoder runs `for value in lst` / `for key, value in dct.items()` on the object
# itself, so a `default` that mutates a list/dict *subclass* (OrderedDict, MultiDict-like,
# user subclasses) is seen (shorter/longer output, new values, RuntimeError); ours iterated a
# snapshot. (Exact list/dict, and compact mode, already agree.)


class MyList(list):
    pass


class MyDict(dict):
    pass


def _mutating(make_container: Callable[[], Any], action: Callable[[Any], None]):
    def make():
        container = make_container()

        def default(o: Any) -> str:
            action(container)
            return f"replaced {o.n}"

        return container, default

    return make


F5_CASES = {
    "MyList shrinks": _mutating(
        lambda: MyList([Opaque(1), Opaque(2), 3]), lambda c: c.__delitem__(slice(1, None))
    ),
    "MyList grows": _mutating(
        lambda: MyList([Opaque(1), 2]), lambda c: c.append(9) if len(c) < 4 else None
    ),
    "MyDict value replaced": _mutating(
        lambda: MyDict(a=Opaque(1), b=2), lambda c: c.__setitem__("b", 5)
    ),
    "MyDict grows": _mutating(lambda: MyDict(a=Opaque(1), b=2), lambda c: c.setdefault("z", 5)),
    "OrderedDict shrinks": _mutating(
        lambda: collections.OrderedDict(a=Opaque(1), b=2, c=3), lambda c: c.pop("c", None)
    ),
}


def _same_with_default(capture: Callable, make: Callable, **opts: Any) -> None:
    def run(encode):
        obj, default = make()
        return encode(obj, default=default, **opts)

    want = capture(lambda: run(json_bytes))
    got = capture(lambda: run(_native.dumps))
    assert got == want, f"json: {want!r:.300}\nours: {got!r:.300}"


@pytest.mark.parametrize("case", list(F5_CASES))
def test_f5_indent_mutation_of_subclasses(capture, case):
    _same_with_default(capture, F5_CASES[case], indent=1)


@pytest.mark.parametrize("case", list(F5_CASES))
def test_f5_compact_mode_agrees(capture, case):
    _same_with_default(capture, F5_CASES[case])  # json snapshots here too: passes today


# --- F6: the lone-surrogate fallback runs `default` again ----------------------------------------
# With ensure_ascii=False and a lone surrogate in the output, ours encoded natively, then called
# json.dumps(...).encode() on the same object to raise json's UnicodeEncodeError: `default` ran
# twice per object, and if it had mutated the object, the second run saw the mutated object
# (and could even succeed where json raises).


@pytest.mark.parametrize("indent", [None, 1])
def test_f6_default_called_once(capture, indent):
    calls = {"json": 0, "ours": 0}

    def counting(side: str):
        def default(o: Any) -> str:
            calls[side] += 1
            return str(o)

        return default

    obj = [Opaque(1), "\ud800"]
    want = capture(
        lambda: json_bytes(obj, ensure_ascii=False, indent=indent, default=counting("json"))
    )
    got = capture(
        lambda: _native.dumps(obj, ensure_ascii=False, indent=indent, default=counting("ours"))
    )
    assert want[:2] == got[:2] == ("raise", UnicodeEncodeError)
    assert calls["ours"] == calls["json"] == 1


F6_MUTATING = {
    # json's C encoder snapshots the dict's items: it writes "\ud800" and raises.
    "dict, default pops the surrogate": _mutating(
        lambda: {"a": Opaque(1), "b": "\ud800"}, lambda c: c.pop("b", None)
    ),
    # A list subclass is snapshotted by PySequence_Fast in compact mode.
    "MyList, default truncates": _mutating(
        lambda: MyList([Opaque(1), "\ud800"]), lambda c: c.__delitem__(slice(1, None))
    ),
}


@pytest.mark.parametrize("case", list(F6_MUTATING))
def test_f6_fallback_sees_mutated_object(capture, case):
    _same_with_default(capture, F6_MUTATING[case], ensure_ascii=False)


def test_f6_fallback_keeps_newline(capture):
    make = F6_MUTATING["dict, default pops the surrogate"]

    def run(encode):
        obj, default = make()
        return encode(obj, default=default, ensure_ascii=False)

    want = capture(lambda: (run(json.dumps) + "\n").encode())
    got = capture(lambda: run(lambda o, **kw: _native.dumps(o, newline=True, **kw)))
    assert got == want


# --- a list subclass freed while it is being written ---------------------------------------------
# json's markers dict holds each container it is writing, so a `default` that drops the last
# other reference to it cannot free it, and a new object cannot take over its address (which
# our marker path would read as a cycle).


class DetachedIterList(list):
    """Its iterator does not reference it (a copy's), so only the encoder keeps it alive."""

    def __iter__(self):
        return iter(list(super().__iter__()))


@pytest.mark.parametrize("indent", [None, 1])
def test_list_subclass_dropped_by_default_mid_write(capture, indent):
    def run(encode):
        parent: list[Any] = [DetachedIterList([Opaque(1), 2])]

        def default(o: Any) -> Any:
            parent.clear()  # drops the last other reference to the list being written
            return DetachedIterList([o.n])  # same size class: would reuse a freed block

        return encode(parent, indent=indent, default=default)

    assert capture(lambda: run(_native.dumps)) == capture(lambda: run(json_bytes))
