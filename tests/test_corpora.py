"""Real-world documents: the standard JSON benchmark corpora, the Big List of Naughty Strings and
JSONTestSuite, through ``dumps``/``loads`` and compared with :mod:`json`.

The data lives in ``../shared/data/json`` (see ``conftest.shared_json_dir``).
"""

from __future__ import annotations

import json
import lzma
from pathlib import Path
from typing import Any

import pytest
from compare import ALL_OPTIONS, same_value

from httpbin_ext import _native

CORPORA = ["twitter", "citm_catalog", "canada", "github"]


def options_id(opts: dict[str, Any]) -> str:
    return ",".join(f"{k}={getattr(v, '__name__', v)!r}" for k, v in opts.items())


@pytest.fixture(scope="module")
def corpora(shared_json_dir: Path) -> dict[str, str]:
    """Each corpus's text, plus ``blns`` as a JSON document built from its lines."""
    texts = {
        name: lzma.decompress((shared_json_dir / f"{name}.json.xz").read_bytes()).decode()
        for name in CORPORA
    }
    lines = lzma.decompress((shared_json_dir / "blns.txt.xz").read_bytes()).decode().splitlines()
    naughty = [line for line in lines if line and not line.startswith("#")]
    assert len(naughty) > 100
    texts["blns"] = json.dumps(
        {"strings": naughty, "as_keys": {s: i for i, s in enumerate(naughty)}}
    )
    return texts


@pytest.fixture(scope="module")
def documents(corpora: dict[str, str]) -> dict[str, Any]:
    return {name: json.loads(text) for name, text in corpora.items()}


# json.dumps of a parsed document never calls ``default`` and never meets a non-finite float,
# so its output does not depend on ``default`` or ``allow_nan``: compute it once per layout.
_expected_cache: dict[tuple[str, str], bytes] = {}


def expected(name: str, doc: Any, opts: dict[str, Any]) -> bytes:
    layout = {k: v for k, v in opts.items() if k not in ("default", "allow_nan")}
    key = (name, repr(sorted(layout.items())))
    if key not in _expected_cache:
        _expected_cache[key] = json.dumps(doc, **layout).encode()
    return _expected_cache[key]


@pytest.mark.parametrize("opts", ALL_OPTIONS, ids=options_id)
def test_dumps_matches_json(documents, opts, capture):
    for name, doc in documents.items():
        want = capture(lambda doc=doc, name=name: expected(name, doc, opts))
        assert want[0] == "ok"
        got = capture(lambda doc=doc: _native.dumps(doc, **opts))
        assert got == want, f"{name} with {opts!r}"


@pytest.mark.parametrize("name", [*CORPORA, "blns"])
def test_loads_matches_json(corpora, name, capture):
    text = corpora[name]
    want = json.loads(text)
    for doc in (text, text.encode(), bytearray(text.encode())):
        got = capture(lambda doc=doc: _native.loads(doc))
        assert got[0] == "ok", got
        assert same_value(got[1], want)
    # Reformatted (indented, non-ASCII) text parses the same way too.
    pretty = json.dumps(want, indent=2, ensure_ascii=False)
    got = capture(lambda: _native.loads(pretty.encode()))
    assert got[0] == "ok", got
    assert same_value(got[1], json.loads(pretty.encode()))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_loads_bytes_in_other_encodings(corpora, encoding, capture):
    # json.loads detects UTF-16/32 and the UTF-8 BOM in bytes input.
    text = corpora["twitter"]
    raw = text.encode(encoding)
    got = capture(lambda: _native.loads(raw))
    want = capture(lambda: json.loads(raw))
    assert got[0] == want[0] == "ok", got
    assert same_value(got[1], want[1])


def suite_files(shared_json_dir: Path) -> list[Path]:
    files = []
    for sub in ("parsing", "roundtrip", "jsonchecker"):
        folder = shared_json_dir / sub
        if folder.is_dir():
            files.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    return files


def test_json_test_suite_matches_json(shared_json_dir, capture):
    """JSONTestSuite, round-trip and json.org checker files: accept and reject like json.loads.

    Every file is parsed as bytes and (when it is UTF-8) as str; result or exception (class and
    message) must match ``json.loads``.
    """
    files = suite_files(shared_json_dir)
    if not files:
        pytest.skip("no JSONTestSuite files under ../shared/data/json")
    mismatches = []
    for path in files:
        raw = path.read_bytes()
        inputs: list[str | bytes] = [raw]
        try:
            inputs.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            pass
        for doc in inputs:
            want = capture(lambda doc=doc: json.loads(doc))
            got = capture(lambda doc=doc: _native.loads(doc))
            ok = same_value(got[1], want[1]) if want[0] == "ok" and got[0] == "ok" else got == want
            if not ok:
                mismatches.append((path.name, type(doc).__name__, want, got))
    assert not mismatches, "\n".join(map(repr, mismatches[:50]))
