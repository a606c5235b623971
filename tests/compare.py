"""Shared by the dumps/loads tests: json's option space and a strict value comparison."""

from __future__ import annotations

import itertools
import math
import struct
from typing import Any


def same_value(a: Any, b: Any) -> bool:
    """Structural equality that also checks types, dict key order, NaN and the sign of zero."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return len(a) == len(b) and all(
            same_value(ka, kb) and same_value(va, vb)
            for (ka, va), (kb, vb) in zip(a.items(), b.items())
        )
    return a == b


# Every json.dumps option combination the native encoder takes (240 of them).
ALL_OPTIONS: list[dict[str, Any]] = [
    {
        "indent": indent,
        "sort_keys": sort_keys,
        "ensure_ascii": ensure_ascii,
        "separators": separators,
        "allow_nan": allow_nan,
        "default": default,
    }
    for indent, sort_keys, ensure_ascii, separators, allow_nan, default in itertools.product(
        [None, 0, 2, "\t", -1],
        [False, True],
        [True, False],
        [None, (",", ":"), (", ", ": ")],
        [True, False],
        [None, str],
    )
]
