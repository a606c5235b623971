"""JSON micro-benchmarks: httpbin_ext vs json, orjson, msgspec and flask-orjson.

Run from the repo root with the venv interpreter::

    python -m benchmarks.bench_json            # full run, ~2-4 min
    python -m benchmarks.bench_json --quick    # smoke test, < 60 s

For every (payload, operation) the candidates are timed in interleaved rounds (A/B/C, B/C/A,
C/A/B, ...), each round timing a loop sized to ``--target-ms``; the reported figure is the median
per-call time over the rounds, and ratios are taken between medians of the same run. Before any
timing, httpbin_ext's output is checked against the stdlib/Flask output for that row; a row that
differs is reported as MISMATCH and never timed. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
import timeit
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from benchmarks.payloads import (
    ALL_PAYLOADS,
    CORPUS_PAYLOADS,
    DEFAULT_CORPUS_DIR,
    REPO_ROOT,
    Payload,
    load_payloads,
)

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"

ROWS = ("dumps-compact", "dumps-pretty", "loads", "response")
ROW_TITLES = {
    "dumps-compact": 'dumps, Flask compact: separators=(",", ":"), sort_keys, ensure_ascii',
    "dumps-pretty": "dumps, Flask pretty (debug): indent=2, sort_keys, ensure_ascii",
    "loads": "loads of the payload's compact UTF-8 JSON bytes",
    "response": "JSONProvider.response(obj) in an app context (builds the Response)",
}

# Candidate roles: the stdlib/Flask baseline ("vs json" column and the fidelity oracle), the
# extension under test (gated on fidelity), the orjson reference ("vs orjson" column), others.
BASELINE, EXT, REFERENCE, PEER = "baseline", "ext", "reference", "peer"


@dataclass(frozen=True)
class Target:
    payload: str
    row: str
    versus: str  # candidate name the ratio is taken against
    limit: float
    text: str


_PRETTY = "orjson SORT_KEYS+INDENT_2"
TARGETS = (
    Target("get", "dumps-pretty", "orjson", 0.8, f"/get Flask-pretty dumps ≤ 0.8× {_PRETTY}"),
    Target(
        "get", "dumps-compact", "orjson", 1.0, "/get Flask-compact dumps ≤ 1.0× orjson SORT_KEYS"
    ),
    *(
        t
        for name in CORPUS_PAYLOADS
        for t in (
            Target(
                name, "dumps-compact", "orjson", 1.0, f"{name} Flask-compact dumps ≤ 1.0× orjson"
            ),
            Target(name, "loads", "orjson", 1.0, f"{name} loads ≤ 1.0× orjson.loads"),
        )
    ),
    Target(
        "get",
        "response",
        "flask-orjson",
        0.7,
        "/get RustJSONProvider.response() ≤ 0.7× flask-orjson",
    ),
)


# --------------------------------------------------------------------------------------------
# Candidates


@dataclass
class Candidate:
    """One callable under test: ``fn(arg, **kwargs)``, timed with the call inlined in the loop."""

    name: str
    role: str
    label: str
    fn: Callable[..., Any] | None = None
    arg: Any = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None  # reason when the candidate is unavailable

    def call(self) -> Any:
        assert self.fn is not None
        return self.fn(self.arg, **self.kwargs)

    def timer(self) -> timeit.Timer:
        # Function, argument and keyword values are bound to locals in the timeit setup, so the
        # loop body is a plain call with LOAD_FAST operands: no lambda, no **kwargs unpacking.
        ns: dict[str, Any] = {"_fn": self.fn, "_arg": self.arg}
        setup = ["fn = _fn", "arg = _arg"]
        call_args = ["arg"]
        for i, (key, value) in enumerate(self.kwargs.items()):
            ns[f"_kw{i}"] = value
            setup.append(f"kw{i} = _kw{i}")
            call_args.append(f"{key}=kw{i}")
        stmt = f"fn({', '.join(call_args)})"
        return timeit.Timer(stmt, "; ".join(setup), timer=time.perf_counter_ns, globals=ns)


@dataclass
class Libraries:
    ext: Any = None
    ext_error: str | None = None
    ext_note: str | None = None
    orjson: Any = None
    msgspec: Any = None
    flask_orjson: Any = None
    app: Any = None
    missing: dict[str, str] = field(default_factory=dict)


def import_libraries() -> Libraries:
    import flask

    libs = Libraries(app=flask.Flask("bench_json"))
    try:
        import httpbin_ext

        libs.ext = httpbin_ext
    except Exception as exc:  # a half-built extension must not stop the baseline rows
        libs.ext_error = f"import httpbin_ext failed: {type(exc).__name__}: {exc}"
        # The package may hard-import a function that has not landed yet; the native module
        # itself may still offer dumps/loads. Use them directly and say so in the report.
        native = sys.modules.get("httpbin_ext._native")
        if native is not None:
            libs.ext = types.SimpleNamespace(
                _native=native,
                dumps=getattr(native, "dumps", None),
                loads=getattr(native, "loads", None),
            )
            libs.ext_note = f"{libs.ext_error}; using httpbin_ext._native directly"
    for attr, module in (
        ("orjson", "orjson"),
        ("msgspec", "msgspec.json"),
        ("flask_orjson", "flask_orjson"),
    ):
        try:
            setattr(libs, attr, __import__(module, fromlist=["_"]))
        except ImportError as exc:
            libs.missing[attr] = f"{module} not importable: {exc}"
    return libs


def _ext_attr(libs: Libraries, attr: str) -> tuple[Any, str | None]:
    if libs.ext is None:
        return None, libs.ext_error
    value = getattr(libs.ext, attr, None)
    if value is None:
        return None, f"httpbin_ext.{attr} not available yet"
    return value, None


def _peer(libs: Libraries, attr: str) -> tuple[Any, str | None]:
    module = getattr(libs, attr)
    return module, (None if module is not None else libs.missing.get(attr, f"{attr} missing"))


def build_candidates(libs: Libraries, row: str, obj: Any, loads_input: bytes) -> list[Candidate]:
    out: list[Candidate] = []

    def add(name, role, label, fn, arg, kwargs=None, skip=None):
        skip = skip if fn is None else None
        out.append(Candidate(name, role, label, fn, arg, kwargs or {}, skip))

    orjson, orjson_skip = _peer(libs, "orjson")
    msgspec_json, msgspec_skip = _peer(libs, "msgspec")
    if row in ("dumps-compact", "dumps-pretty"):
        if row == "dumps-compact":
            kwargs = {"separators": (",", ":"), "sort_keys": True, "ensure_ascii": True}
            json_label = 'json.dumps(separators=(",", ":"), sort_keys=True)'
            ext_label = 'httpbin_ext.dumps(separators=(",", ":"), sort_keys=True)'
            orjson_option = "OPT_SORT_KEYS"
        else:
            kwargs = {"indent": 2, "sort_keys": True, "ensure_ascii": True}
            json_label = "json.dumps(indent=2, sort_keys=True)"
            ext_label = "httpbin_ext.dumps(indent=2, sort_keys=True)"
            orjson_option = "OPT_SORT_KEYS | OPT_INDENT_2"
        ext_dumps, ext_skip = _ext_attr(libs, "dumps")
        add("json", BASELINE, json_label, json.dumps, obj, kwargs)
        add("httpbin_ext", EXT, ext_label, ext_dumps, obj, kwargs, ext_skip)
        option = None
        if orjson is not None:
            option = orjson.OPT_SORT_KEYS
            if row == "dumps-pretty":
                option |= orjson.OPT_INDENT_2
        add(
            "orjson",
            REFERENCE,
            f"orjson.dumps(option={orjson_option})",
            orjson.dumps if orjson else None,
            obj,
            {"option": option},
            orjson_skip,
        )
        if row == "dumps-compact":
            add(
                "msgspec",
                PEER,
                'msgspec.json.encode(order="sorted")',
                msgspec_json.encode if msgspec_json else None,
                obj,
                {"order": "sorted"},
                msgspec_skip,
            )
    elif row == "loads":
        ext_loads, ext_skip = _ext_attr(libs, "loads")
        add("json", BASELINE, "json.loads(bytes)", json.loads, loads_input)
        add("httpbin_ext", EXT, "httpbin_ext.loads(bytes)", ext_loads, loads_input, None, ext_skip)
        add(
            "orjson",
            REFERENCE,
            "orjson.loads(bytes)",
            orjson.loads if orjson else None,
            loads_input,
            None,
            orjson_skip,
        )
        add(
            "msgspec",
            PEER,
            "msgspec.json.decode(bytes)",
            msgspec_json.decode if msgspec_json else None,
            loads_input,
            None,
            msgspec_skip,
        )
    elif row == "response":
        from flask.json.provider import DefaultJSONProvider

        provider_cls, ext_skip = _ext_attr(libs, "RustJSONProvider")
        default_provider = DefaultJSONProvider(libs.app)
        add("flask", BASELINE, "DefaultJSONProvider.response", default_provider.response, obj)
        add(
            "httpbin_ext",
            EXT,
            "RustJSONProvider.response",
            provider_cls(libs.app).response if provider_cls else None,
            obj,
            None,
            ext_skip,
        )
        flask_orjson, fo_skip = _peer(libs, "flask_orjson")
        add(
            "flask-orjson",
            REFERENCE,
            "flask_orjson.OrjsonProvider.response",
            flask_orjson.OrjsonProvider(libs.app).response if flask_orjson else None,
            obj,
            None,
            fo_skip,
        )
    else:
        raise ValueError(row)
    return out


# --------------------------------------------------------------------------------------------
# Fidelity


def value_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """Where ``b`` first differs from ``a``: types, dict key order and float bits all count."""
    if type(a) is not type(b):
        return f"{path}: {type(b).__name__} instead of {type(a).__name__}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(b)[:8]} instead of {list(a)[:8]}"
        for k in a:
            diff = value_difference(a[k], b[k], f"{path}[{k!r}]")
            if diff:
                return diff
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: length {len(b)} instead of {len(a)}"
        for i, (x, y) in enumerate(zip(a, b)):
            diff = value_difference(x, y, f"{path}[{i}]")
            if diff:
                return diff
        return None
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return None
    if a != b or (isinstance(a, float) and repr(a) != repr(b)):
        return f"{path}: {b!r:.80} instead of {a!r:.80}"
    return None


def _first_difference(a: bytes, b: bytes) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 30)
    return (
        f"lengths {len(a)} vs {len(b)}, first difference at byte {i}: "
        f"expected {a[lo : i + 30]!r}, got {b[lo : i + 30]!r}"
    )


def compare(row: str, expected: Any, got: Any) -> str | None:
    """None when ``got`` is exactly what the baseline produced, else a short description."""
    if row in ("dumps-compact", "dumps-pretty"):
        want = expected.encode("utf-8") if isinstance(expected, str) else expected
        if not isinstance(got, bytes):
            return f"returned {type(got).__name__}, expected bytes"
        return None if got == want else _first_difference(want, got)
    if row == "loads":
        return value_difference(expected, got)
    if row == "response":
        problems = []
        if got.get_data() != expected.get_data():
            problems.append(_first_difference(expected.get_data(), got.get_data()))
        if got.status_code != expected.status_code:
            problems.append(f"status {got.status_code} != {expected.status_code}")
        if list(got.headers.items()) != list(expected.headers.items()):
            problems.append(
                f"headers {list(got.headers.items())} != {list(expected.headers.items())}"
            )
        return "; ".join(problems) or None
    raise ValueError(row)


# --------------------------------------------------------------------------------------------
# Timing


@dataclass
class Result:
    payload: str
    row: str
    candidate: str
    role: str
    label: str
    status: str  # ok | SKIPPED | MISMATCH | ERROR
    detail: str = ""
    identical: bool | None = None  # output identical to the baseline's
    loops: int = 0
    samples_ns: list[float] = field(default_factory=list)  # per-call ns, one per round
    median_ns: float | None = None
    ratio_vs_json: float | None = None
    ratio_vs_orjson: float | None = None
    paired_ratio_vs_json: float | None = None
    paired_ratio_vs_orjson: float | None = None

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["samples_ns"] = [round(s, 2) for s in self.samples_ns]
        if self.samples_ns:
            q = statistics.quantiles(self.samples_ns, n=4) if len(self.samples_ns) > 1 else None
            d["min_ns"] = min(self.samples_ns)
            d["iqr_ns"] = (q[2] - q[0]) if q else 0.0
        return d


def calibrate(timer: timeit.Timer, target_ns: float) -> int:
    """Loop count that makes one timed loop last about ``target_ns`` (at least one call)."""
    number = 1
    while True:
        elapsed = max(timer.timeit(number), 1)
        if elapsed >= target_ns / 5 or number >= 1 << 30:
            return max(1, round(number * target_ns / elapsed))
        number *= 10 if elapsed < target_ns / 100 else 4


def measure(candidates: list[Candidate], rounds: int, target_ns: float) -> dict[str, dict]:
    """Interleaved rounds; returns per-call ns samples per candidate, one sample per round."""
    timers = {c.name: c.timer() for c in candidates}
    loops = {name: calibrate(t, target_ns) for name, t in timers.items()}
    for name, t in timers.items():  # one untimed warm-up loop each
        t.timeit(loops[name])
    samples: dict[str, list[float]] = {name: [] for name in timers}
    names = list(timers)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:  # rotate the order every round
            samples[name].append(timers[name].timeit(loops[name]) / loops[name])
    return {"loops": loops, "samples": samples}


def run_cell(
    libs: Libraries, payload: Payload, row: str, rounds: int, target_ns: float
) -> list[Result]:
    loads_input = json.dumps(payload.obj, ensure_ascii=False, separators=(",", ":")).encode()
    candidates = build_candidates(libs, row, payload.obj, loads_input)
    results: list[Result] = []
    timed: list[tuple[Candidate, Result]] = []
    baseline_out: Any = None
    have_baseline = False
    for cand in candidates:
        res = Result(payload.name, row, cand.name, cand.role, cand.label, "ok")
        results.append(res)
        if cand.skip is not None:
            res.status, res.detail = "SKIPPED", cand.skip
            continue
        try:
            out = cand.call()
        except Exception as exc:
            res.status, res.detail = "ERROR", f"{type(exc).__name__}: {exc}"
            continue
        if cand.role == BASELINE:
            baseline_out, have_baseline = out, True
            res.identical = True
        elif not have_baseline:
            if cand.role == EXT:  # no oracle, no report
                res.status, res.detail = "SKIPPED", "baseline failed; fidelity not checkable"
                continue
        else:
            try:
                diff = compare(row, baseline_out, out)
            except Exception as exc:
                diff = f"comparison failed: {type(exc).__name__}: {exc}"
            res.identical = diff is None
            if diff is not None and cand.role == EXT:
                res.status, res.detail = "MISMATCH", diff
                continue
        timed.append((cand, res))
    if timed:
        measured = measure([c for c, _ in timed], rounds, target_ns)
        for cand, res in timed:
            res.loops = measured["loops"][cand.name]
            res.samples_ns = measured["samples"][cand.name]
            res.median_ns = statistics.median(res.samples_ns)
    by_role = {r.role: r for r in results if r.median_ns is not None}
    for res in results:
        if res.median_ns is None:
            continue
        for role, attr in ((BASELINE, "json"), (REFERENCE, "orjson")):
            ref = by_role.get(role)
            if ref is None:
                continue
            setattr(res, f"ratio_vs_{attr}", res.median_ns / ref.median_ns)
            paired = [a / b for a, b in zip(res.samples_ns, ref.samples_ns)]
            setattr(res, f"paired_ratio_vs_{attr}", statistics.median(paired))
    return results


# --------------------------------------------------------------------------------------------
# Machine notes


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def elf_section_names(data: bytes) -> list[str]:
    """Section names of a little-endian ELF64 file (enough to tell a debug build apart)."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    shoff = int.from_bytes(data[0x28:0x30], "little")
    shentsize = int.from_bytes(data[0x3A:0x3C], "little")
    shnum = int.from_bytes(data[0x3C:0x3E], "little")
    shstrndx = int.from_bytes(data[0x3E:0x40], "little")

    def header(i: int) -> bytes:
        return data[shoff + i * shentsize : shoff + (i + 1) * shentsize]

    strtab = header(shstrndx)
    str_off = int.from_bytes(strtab[0x18:0x20], "little")
    names = []
    for i in range(shnum):
        name_off = str_off + int.from_bytes(header(i)[0:4], "little")
        names.append(data[name_off : data.index(b"\0", name_off)].decode("ascii", "replace"))
    return names


def extension_build(libs: Libraries) -> str:
    """Was the installed _native a release build? (Cargo's dev profile emits DWARF sections;
    this project's release profile has debug = false.)"""
    if libs.ext is None:
        return "not importable"
    native = getattr(libs.ext, "_native", None)
    so = Path(getattr(native, "__file__", "") or "")
    if not so.is_file():
        return "unknown (no _native file)"
    data = so.read_bytes()
    size = f"{so.name}, {len(data) / 1e6:.2f} MB"
    try:
        sections = elf_section_names(data)
    except (ValueError, IndexError):
        sections = []
    if not sections:
        return f"unknown (could not read ELF sections of {size})"
    if ".debug_info" in sections:
        return f"DEBUG build ({size}, has .debug_info)"
    return f"release build ({size}, no .debug_info)"


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def common_machine_notes(packages: tuple[str, ...]) -> dict[str, Any]:
    """What every benchmark report records about the machine, the interpreter, the versions
    of ``packages`` and the git commit."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    commit = _git("rev-parse", "--short", "HEAD") or os.environ.get("GIT_COMMIT", "")
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
    return {
        "nproc": affinity,
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.replace("\n", " "),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": {dist: _version(dist) for dist in packages},
        "git": f"{commit}{' (dirty tree)' if dirty else ''}" if commit else "unknown",
    }


def machine_notes(libs: Libraries) -> dict[str, Any]:
    notes = common_machine_notes(
        ("httpbin-ext", "orjson", "msgspec", "flask-orjson", "Flask", "Werkzeug", "httpbin")
    )
    notes["extension_build"] = extension_build(libs)
    notes["extension_import"] = libs.ext_note or libs.ext_error or "ok"
    return notes


# --------------------------------------------------------------------------------------------
# Reporting


def _fmt_us(ns: float | None) -> str:
    if ns is None:
        return ""
    us = ns / 1000
    return f"{us:,.3f}" if us < 10 else f"{us:,.1f}" if us < 10_000 else f"{us:,.0f}"


def _fmt_ratio(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}×"


def _spread(res: Result) -> str:
    if len(res.samples_ns) < 2 or not res.median_ns:
        return ""
    q = statistics.quantiles(res.samples_ns, n=4)
    return f"±{50 * (q[2] - q[0]) / res.median_ns:.0f}%"


def results_table(results: list[Result]) -> list[str]:
    lines = [
        "| payload | operation | candidate | median µs/call | ratio vs json | ratio vs orjson "
        "| spread | same output as json |",
        "|---|---|---|--:|--:|--:|--:|:-:|",
    ]
    for r in results:
        same = "" if r.identical is None else ("yes" if r.identical else "no")
        if r.status == "ok":
            value = _fmt_us(r.median_ns)
        else:
            value = f"**{r.status}**"
        lines.append(
            f"| {r.payload} | {r.row} | {r.candidate} | {value} | {_fmt_ratio(r.ratio_vs_json)} "
            f"| {_fmt_ratio(r.ratio_vs_orjson)} | {_spread(r)} | {same} |"
        )
    return lines


def evaluate_targets(
    results: list[Result], selected: set[tuple[str, str]], skipped: dict[str, str]
) -> list[dict]:
    index = {(r.payload, r.row, r.candidate): r for r in results}
    verdicts = []
    for t in TARGETS:
        ext = index.get((t.payload, t.row, "httpbin_ext"))
        ref = index.get((t.payload, t.row, t.versus))
        verdict: dict[str, Any] = {"target": t.text, "limit": t.limit, "ratio": None}
        if t.payload in skipped:
            verdict["status"], verdict["detail"] = "N/A", f"payload skipped: {skipped[t.payload]}"
        elif (t.payload, t.row) not in selected:
            verdict["status"], verdict["detail"] = "N/A", "not selected (--payloads/--rows)"
        elif ext is None or ext.status != "ok":
            why = f"httpbin_ext {ext.status}: {ext.detail}" if ext else "httpbin_ext missing"
            verdict["status"], verdict["detail"] = "N/A", why
        elif ref is None or ref.median_ns is None:
            verdict["status"], verdict["detail"] = "N/A", f"{t.versus} not measured"
        else:
            ratio = ext.median_ns / ref.median_ns
            paired = statistics.median(a / b for a, b in zip(ext.samples_ns, ref.samples_ns))
            verdict.update(
                ratio=ratio,
                paired_ratio=paired,
                status="PASS" if ratio <= t.limit else "MISS",
                detail=f"measured {ratio:.2f}× (paired per-round median {paired:.2f}×)",
            )
        verdicts.append(verdict)
    return verdicts


def noise_warning(report: dict[str, Any], results: list[Result]) -> list[str]:
    """A header line when the run looks too noisy to trust small differences."""
    spreads = []
    for r in results:
        if len(r.samples_ns) >= 2 and r.median_ns:
            q = statistics.quantiles(r.samples_ns, n=4)
            spreads.append((q[2] - q[0]) / 2 / r.median_ns)
    noisy = sum(x > 0.10 for x in spreads)
    m = report["machine"]
    load = max(m["loadavg_at_start"][0], m.get("loadavg_at_end", [0])[0])
    if not spreads or (noisy <= len(spreads) // 4 and load <= 0.75 * m["nproc"]):
        return []
    return [
        f"- **noisy run**: {noisy}/{len(spreads)} rows have a spread above ±10%, 1-minute load "
        f"average up to {load:.2f} on {m['nproc']} CPUs; rerun on an idle machine before "
        "trusting differences of less than ~20%"
    ]


def render_markdown(report: dict[str, Any], results: list[Result], verdicts: list[dict]) -> str:
    m = report["machine"]
    p = m["packages"]
    lines = [
        "# JSON micro-benchmarks",
        "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}",
        f"- machine: nproc={m['nproc']} (os.cpu_count={m['cpu_count']}), CPU: {m['cpu_model']}, "
        f"load average at start: {', '.join(map(str, m['loadavg_at_start']))}",
        f"- Python {m['python']} ({m['implementation']}, {m['platform']})",
        f"- packages: httpbin-ext {p['httpbin-ext']} (git {m['git']}), orjson {p['orjson']}, "
        f"msgspec {p['msgspec']}, flask-orjson {p['flask-orjson']}, Flask {p['Flask']}, "
        f"Werkzeug {p['Werkzeug']}, httpbin {p['httpbin']}",
        f"- extension build: {m['extension_build']}; import: {m['extension_import']}",
        f"- method: {report['method']}",
        *noise_warning(report, results),
        "",
        "Payloads (compact sorted JSON size):",
        "",
    ]
    for pl in report["payloads"]:
        lines.append(f"- `{pl['name']}`: {pl['source']}; {pl['compact_bytes']:,} B")
    for sk in report["skipped_payloads"]:
        lines.append(f"- `{sk['name']}`: **skipped** — {sk['reason']}")
    lines += ["", "Operations:", ""]
    lines += [f"- `{row}`: {ROW_TITLES[row]}" for row in report["rows"]]
    lines += [
        "",
        "For `response`, *json* is Flask's DefaultJSONProvider and *orjson* is flask-orjson's "
        "OrjsonProvider (which does not sort keys).",
        "",
        "## Results",
        "",
        *results_table(results),
        "",
        "## Targets",
        "",
        "| target | result | measured |",
        "|---|:-:|---|",
    ]
    for v in verdicts:
        lines.append(f"| {v['target']} | **{v['status']}** | {v['detail']} |")
    notes = [r for r in results if r.status != "ok"]
    if notes:
        lines += ["", "## Rows not timed", ""]
        grouped: dict[tuple[str, str], list[str]] = {}
        for r in notes:
            if r.status == "SKIPPED":  # usually one reason for many rows: list them once
                grouped.setdefault((r.status, r.detail), []).append(
                    f"{r.payload}/{r.row}/{r.candidate}"
                )
            else:
                lines.append(f"- **{r.status}** {r.payload}/{r.row}/{r.candidate}: {r.detail}")
        for (status, detail), where in grouped.items():
            lines.append(f"- **{status}** ({len(where)}: {', '.join(where)}): {detail}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# CLI


def _csv(choices: tuple[str, ...]) -> Callable[[str], list[str]]:
    def parse(value: str) -> list[str]:
        items = [v.strip() for v in value.split(",") if v.strip()]
        bad = [v for v in items if v not in choices]
        if bad:
            raise argparse.ArgumentTypeError(
                f"unknown {', '.join(bad)}; choose from {', '.join(choices)}"
            )
        return items

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_json",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="few short rounds (CI smoke test)")
    ap.add_argument(
        "--payloads",
        type=_csv(ALL_PAYLOADS),
        default=list(ALL_PAYLOADS),
        help=f"comma-separated subset of {','.join(ALL_PAYLOADS)}",
    )
    ap.add_argument(
        "--rows",
        type=_csv(ROWS),
        default=list(ROWS),
        help=f"comma-separated subset of {','.join(ROWS)}",
    )
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 21, --quick 5)")
    ap.add_argument(
        "--target-ms", type=float, help="duration of one timed loop (default 25, --quick 4)"
    )
    ap.add_argument(
        "--output",
        type=Path,
        help="results JSON path; the markdown table goes next to it with a .md suffix "
        "(default benchmarks/results/json.json, or json-quick.json with --quick)",
    )
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    args = ap.parse_args(argv)
    if args.rounds is None:
        args.rounds = 5 if args.quick else 21
    if args.target_ms is None:
        args.target_ms = 4.0 if args.quick else 25.0
    if args.output is None:
        args.output = RESULTS_DIR / ("json-quick.json" if args.quick else "json.json")
    if args.rounds < 1 or args.target_ms <= 0:
        ap.error("--rounds and --target-ms must be positive")
    return args


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    command = shlex.join(["python", "-m", "benchmarks.bench_json", *sys.argv[1:]])
    if argv is not None:
        command = shlex.join(["python", "-m", "benchmarks.bench_json", *argv])
    libs = import_libraries()
    if libs.ext_note:
        log(f"warning: {libs.ext_note}")
    elif libs.ext_error:
        log(f"warning: {libs.ext_error}; httpbin_ext rows are skipped")
    machine = machine_notes(libs)
    log(f"extension build: {machine['extension_build']}")

    payloads, skipped = load_payloads(args.payloads, args.corpus_dir)
    for sk in skipped:
        log(f"skipping payload {sk.name}: {sk.reason}")

    cells = [(p, row) for p in payloads for row in args.rows]
    results: list[Result] = []
    with libs.app.app_context():
        for i, (payload, row) in enumerate(cells, 1):
            cell = run_cell(libs, payload, row, args.rounds, args.target_ms * 1e6)
            results += cell
            summary = ", ".join(
                f"{r.candidate} {_fmt_us(r.median_ns)} µs"
                if r.status == "ok"
                else f"{r.candidate} {r.status}"
                for r in cell
            )
            log(f"[{i}/{len(cells)}] {payload.name} {row}: {summary}")
            for r in cell:
                if r.status in ("MISMATCH", "ERROR"):
                    log(f"    {r.candidate} {r.status}: {r.detail[:500]}")

    selected = {(p.name, row) for p in payloads for row in args.rows}
    verdicts = evaluate_targets(results, selected, {sk.name: sk.reason for sk in skipped})
    report = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "method": (
            f"{args.rounds} interleaved rounds (candidate order rotated each round) after "
            f"calibration and one warm-up loop; each round times a loop of ~{args.target_ms:g} ms "
            "per candidate with time.perf_counter_ns (timeit, GC disabled during loops); "
            "figure = median per-call time; ratios = ratio of medians from this run; "
            "spread = half the inter-quartile range of the rounds, relative to the median"
        ),
        "rounds": args.rounds,
        "target_ms": args.target_ms,
        "quick": args.quick,
        "rows": args.rows,
        "payloads": [
            {
                "name": p.name,
                "source": p.source,
                "compact_bytes": len(json.dumps(p.obj, separators=(",", ":"), sort_keys=True)),
            }
            for p in payloads
        ],
        "skipped_payloads": [sk.__dict__ for sk in skipped],
        "results": [r.as_dict() for r in results],
        "targets": verdicts,
    }
    report["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["elapsed_s"] = round(time.monotonic() - started, 1)

    markdown = render_markdown(report, results, verdicts)
    md_path = args.output.with_suffix(".md")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown)
    print(markdown)
    log(f"wrote {md_path} and {args.output} in {report['elapsed_s']} s")
    bad = [r for r in results if r.role == EXT and r.status in ("MISMATCH", "ERROR")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
