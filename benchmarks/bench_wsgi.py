"""In-process WSGI benchmark: stock httpbin views vs the accelerated ones, per request.

Run from the repo root with the venv interpreter::

    python -m benchmarks.bench_wsgi            # full run, ~15-30 s
    python -m benchmarks.bench_wsgi --quick    # smoke test, < 15 s

No network and no server: every request is ``app(environ, start_response)`` called directly,
with a copy of an environ prebuilt by ``werkzeug.test.EnvironBuilder`` and a fresh
``wsgi.input``; the body iterable is consumed and closed. For each scenario four variants are
timed in interleaved rounds (order rotated every round): stock httpbin, the accelerated view
(``HttpbinExt(mode="replace")``: same URL, same body), a view returning a prebuilt response of
the stock body (the floor for anything that only swaps a view) and httpbin with flask-orjson's
provider (reference). A ``get_dict`` micro row compares ``httpbin_ext.get_dict`` with
``httpbin.helpers.get_dict``. The accelerated responses are checked byte for byte against the
stock ones before anything is timed. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import io
import json
import os
import shlex
import statistics
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from benchmarks.bench_json import _csv, _fmt_us, common_machine_notes, extension_build, log
from benchmarks.e2e import BROWSER_HEADERS as E2E_BROWSER_HEADERS
from benchmarks.e2e_apps import quiet_fresh_app
from benchmarks.payloads import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"

# Variants of one scenario. "stock" is the baseline of every ratio, "const" the floor.
STOCK, ACCEL, CONST, ORJSON = "stock", "accelerated", "constant-bytes", "flask-orjson"
VARIANTS = (STOCK, ACCEL, CONST, ORJSON)
VARIANT_LABELS = {
    STOCK: "httpbin 0.10.4, original view",
    ACCEL: 'HttpbinExt(app, mode="replace"): accelerated view at the same URL',
    CONST: "the endpoint's view swapped for one returning a prebuilt Response of the stock body",
    ORJSON: "httpbin with app.json = flask_orjson.OrjsonProvider(app) (reference)",
}

GET_DICT_KEYS = ("url", "args", "headers", "origin")
GD_HTTPBIN, GD_EXT = "httpbin.helpers.get_dict", "httpbin_ext.get_dict"

# What a desktop browser sends (the request line and these headers are all a client needs).
BROWSER_HEADERS = {"Host": "httpbin.org", **E2E_BROWSER_HEADERS}
# The client address a server puts into the environ (httpbin reports it as "origin").
ENVIRON_BASE = {"REMOTE_ADDR": "203.0.113.7", "REMOTE_PORT": "52814"}

JSON_BODY = json.dumps(
    {
        "order_id": "ord_000123",
        "customer": {"id": 42, "name": "Jane Doe", "email": "jane@example.org"},
        "items": [
            {"sku": "SKU-1000", "qty": 2, "price": 14.5},
            {"sku": "SKU-1037", "qty": 1, "price": 39.9},
        ],
        "coupon": None,
        "gift": False,
        "notes": "leave at the door",
    },
    separators=(",", ":"),
).encode()
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
FORM_BODY = (
    b"name=Jane+Doe&email=jane%40example.org&quantity=3&color=blue&comment=Hello%2C+world%21"
)


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    query: str = ""
    body: bytes = b""
    content_type: str | None = None

    @property
    def title(self) -> str:
        url = f"{self.path}?{self.query}" if self.query else self.path
        what = f"{self.method} {url}"
        if self.body:
            what += f", {len(self.body)} B {self.content_type} body"
        return what

    def environ(self) -> dict[str, Any]:
        from werkzeug.test import EnvironBuilder

        headers = dict(BROWSER_HEADERS)
        if self.content_type:
            headers["Content-Type"] = self.content_type
        builder = EnvironBuilder(
            path=self.path,
            query_string=self.query,
            method=self.method,
            base_url="http://httpbin.org",
            headers=headers,
            data=self.body if self.body else None,
            environ_base=ENVIRON_BASE,
        )
        try:
            env = builder.get_environ()
        finally:
            builder.close()
        # A server puts the whole request target into these (EnvironBuilder leaves out the query).
        uri = f"{self.path}?{self.query}" if self.query else self.path
        env["REQUEST_URI"] = env["RAW_URI"] = uri
        env.pop("wsgi.input")  # each request gets its own (wsgi_batch, call_once)
        return env


SCENARIOS = (
    Scenario("get", "GET", "/get", "foo=bar&baz=1"),
    Scenario("post-json", "POST", "/post", body=JSON_BODY, content_type="application/json"),
    Scenario("post-form", "POST", "/post", body=FORM_BODY, content_type=FORM_CONTENT_TYPE),
    Scenario("anything", "GET", "/anything", "x=1"),
    Scenario("headers", "GET", "/headers"),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


@dataclass(frozen=True)
class Target:
    text: str
    kind: str  # "ratio": measured ≤ limit; "speedup": measured ≥ limit
    limit: float


TARGETS = (
    Target("httpbin_ext.get_dict ≥ 30× faster than httpbin.helpers.get_dict", "speedup", 30.0),
    Target("accelerated /get ≤ 1.2× the constant-bytes route", "ratio", 1.2),
)


# --------------------------------------------------------------------------------------------
# Apps


@dataclass
class Apps:
    stock: Any
    accelerated: Any
    orjson: Any | None
    orjson_skip: str | None
    ext_module: Any


def build_apps() -> Apps:
    import httpbin_ext
    from httpbin_ext.extension import HttpbinExt

    stock = quiet_fresh_app()
    accelerated = quiet_fresh_app()
    HttpbinExt(accelerated, mode="replace")
    orjson_app, orjson_skip = None, None
    try:
        from flask_orjson import OrjsonProvider
    except ImportError as exc:
        orjson_skip = f"flask_orjson not importable: {exc}"
    else:
        orjson_app = quiet_fresh_app()
        orjson_app.json = OrjsonProvider(orjson_app)
    return Apps(stock, accelerated, orjson_app, orjson_skip, httpbin_ext)


def constant_app(scenario: Scenario, body: bytes) -> Any:
    """A fresh httpbin app whose view for ``scenario``'s URL returns one prebuilt response.

    The URL, the routing, the request context and httpbin's before/after_request hooks are
    those of the stock request; only the view's work is gone. The response object is reused:
    httpbin's after_request hook sets the same two CORS headers on it every time (the environ
    does not change), which ``verify`` checks by comparing it with the stock response after a
    few requests.
    """
    app = quiet_fresh_app()
    response = app.response_class(body, mimetype="application/json")

    def constant_view(**_route_args: Any) -> Any:
        return response

    endpoint, _ = app.url_map.bind("httpbin.org").match(scenario.path, scenario.method)
    app.view_functions[endpoint] = constant_view
    return app


# --------------------------------------------------------------------------------------------
# WSGI calls


def _start_response(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], None]:
    return _write


def _write(data: bytes) -> None:  # pragma: no cover - no view here uses write()
    pass


def call_once(app: Any, environ: dict[str, Any], body: bytes) -> tuple[str, list, bytes]:
    """One request: (status, header list, body bytes)."""
    captured: list[Any] = []

    def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        captured[:] = [status, list(headers)]
        return _write

    env = environ.copy()
    env["wsgi.input"] = io.BytesIO(body)
    it = app(env, start_response)
    try:
        data = b"".join(it)
    finally:
        close = getattr(it, "close", None)
        if close is not None:
            close()
    return captured[0], captured[1], data


def wsgi_batch(app: Any, environ: dict[str, Any], body: bytes) -> Callable[[int], int]:
    """``batch(n)``: ns for n requests, GC off during the batch and a full collection before."""

    def batch(n: int) -> int:
        copy, new_input, call, start_response = environ.copy, io.BytesIO, app, _start_response
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter_ns()
            for _ in range(n):
                env = copy()
                env["wsgi.input"] = new_input(body)
                it = call(env, start_response)
                for _chunk in it:
                    pass
                close = getattr(it, "close", None)
                if close is not None:
                    close()
            return time.perf_counter_ns() - t0
        finally:
            gc.enable()

    return batch


GET_DICT_CHUNK = 500


def get_dict_batch(
    app: Any, ctx: Any, environ: dict[str, Any], fn: Callable[..., Any]
) -> Callable[[int], int]:
    """``batch(n)``: ns for n ``fn(*GET_DICT_KEYS)`` calls, each on a never-used Request.

    Werkzeug caches ``args``, ``url``, ``data``, ``form``... on the Request object, so calling
    get_dict repeatedly on one request would time httpbin's helper on warm caches. Instead,
    chunks of fresh Request objects (own environ copy, own wsgi.input) are built *untimed*,
    and the timed loop only sets ``ctx.request`` (what ``flask.request`` resolves to) and calls
    ``fn``: an attribute store and loop overhead (tens of ns) on both sides. Requests are built
    with ``populate_request=False`` so that they form no reference cycle and are freed by
    refcounting while the GC is off.
    """
    request_class = app.request_class

    def fresh() -> Any:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(b"")
        return request_class(env, populate_request=False)

    def batch(n: int) -> int:
        total = 0
        gc.collect()
        gc.disable()
        try:
            remaining = n
            while remaining:
                k = min(GET_DICT_CHUNK, remaining)
                requests = [fresh() for _ in range(k)]
                t0 = time.perf_counter_ns()
                for req in requests:
                    ctx.request = req
                    fn(*GET_DICT_KEYS)
                total += time.perf_counter_ns() - t0
                remaining -= k
            return total
        finally:
            gc.enable()

    return batch


# --------------------------------------------------------------------------------------------
# Fidelity


def _first_difference(a: bytes, b: bytes) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 40)
    return (
        f"lengths {len(a)} vs {len(b)}, first difference at byte {i}: "
        f"stock {a[lo : i + 40]!r}, got {b[lo : i + 40]!r}"
    )


def response_difference(expected: tuple[str, list, bytes], got: tuple[str, list, bytes]) -> str:
    """'' when status, headers (Date aside, order included) and body are identical."""
    problems = []
    if got[0] != expected[0]:
        problems.append(f"status {got[0]!r} instead of {expected[0]!r}")

    def no_date(headers: list) -> list:
        return [(k, v) for k, v in headers if k.lower() != "date"]

    if no_date(got[1]) != no_date(expected[1]):
        problems.append(f"headers {no_date(got[1])} instead of {no_date(expected[1])}")
    if got[2] != expected[2]:
        problems.append("body: " + _first_difference(expected[2], got[2]))
    return "; ".join(problems)


class FidelityError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# Measurement


@dataclass
class Result:
    group: str  # scenario name, or "get_dict"
    variant: str
    label: str
    status: str = "ok"  # ok | SKIPPED
    detail: str = ""
    body_bytes: int | None = None
    same_as_stock: bool | None = None
    batch: int = 0  # requests (calls) per timed batch
    samples_ns: list[float] = field(default_factory=list)  # per request, one per round
    median_ns: float | None = None
    ratios: dict[str, float] = field(default_factory=dict)  # vs <variant>: ratio of medians
    paired_ratios: dict[str, float] = field(default_factory=dict)  # median per-round ratio

    def spread(self) -> float | None:
        if len(self.samples_ns) < 2 or not self.median_ns:
            return None
        q = statistics.quantiles(self.samples_ns, n=4)
        return (q[2] - q[0]) / 2 / self.median_ns

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["samples_ns"] = [round(s, 2) for s in self.samples_ns]
        if self.samples_ns:
            d["min_ns"] = round(min(self.samples_ns), 2)
            d["spread"] = self.spread()
        return d


def calibrate(batch: Callable[[int], int], target_ns: float) -> int:
    """Batch size that makes one timed batch last about ``target_ns`` (at least one call)."""
    n = 1
    while True:
        elapsed = max(batch(n), 1)
        if elapsed >= target_ns / 5 or n >= 1 << 24:
            return max(1, round(n * target_ns / elapsed))
        n *= 10 if elapsed < target_ns / 100 else 4


def measure(
    batches: dict[str, Callable[[int], int]], rounds: int, target_ns: float
) -> tuple[dict[str, int], dict[str, list[float]]]:
    """Calibrate, warm up once, then ``rounds`` interleaved rounds (order rotated each round)."""
    sizes = {name: calibrate(b, target_ns) for name, b in batches.items()}
    for name, b in batches.items():
        b(sizes[name])
    samples: dict[str, list[float]] = {name: [] for name in batches}
    names = list(batches)
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(batches[name](sizes[name]) / sizes[name])
    return sizes, samples


def _set_ratios(results: list[Result], versus: tuple[str, ...]) -> None:
    by_variant = {r.variant: r for r in results if r.median_ns}
    for res in results:
        if not res.median_ns:
            continue
        for v in versus:
            ref = by_variant.get(v)
            if ref is None:
                continue
            res.ratios[v] = res.median_ns / ref.median_ns
            res.paired_ratios[v] = statistics.median(
                a / b for a, b in zip(res.samples_ns, ref.samples_ns)
            )


def verify_scenarios(apps: Apps) -> dict[str, dict[str, Any]]:
    """Per scenario: the environ, the stock response, and the apps of the four variants.

    Raises FidelityError when an accelerated response is not identical to the stock one.
    """
    prepared: dict[str, dict[str, Any]] = {}
    failures = []
    for sc in SCENARIOS:
        environ = sc.environ()
        stock = call_once(apps.stock, environ, sc.body)
        if not stock[0].startswith("200"):
            raise FidelityError(f"{sc.name}: stock httpbin answered {stock[0]} to {sc.title}")
        accel = call_once(apps.accelerated, environ, sc.body)
        diff = response_difference(stock, accel)
        if diff:
            failures.append(f"{sc.name} ({sc.title}): {diff}")
        const_app = constant_app(sc, stock[2])
        for _ in range(3):  # the reused response must not drift from request to request
            const = call_once(const_app, environ, sc.body)
        const_diff = response_difference(stock, const)
        variants: dict[str, tuple[Any, str | None, bool | None, int | None]] = {
            STOCK: (apps.stock, None, True, len(stock[2])),
            ACCEL: (apps.accelerated, None, True, len(accel[2])),
            CONST: (const_app, None, not const_diff, len(const[2])),
        }
        if apps.orjson is not None:
            ref = call_once(apps.orjson, environ, sc.body)
            variants[ORJSON] = (apps.orjson, None, not response_difference(stock, ref), len(ref[2]))
        else:
            variants[ORJSON] = (None, apps.orjson_skip, None, None)
        prepared[sc.name] = {"environ": environ, "variants": variants, "const_diff": const_diff}
    if failures:
        raise FidelityError(
            "the accelerated response differs from stock httpbin's:\n  " + "\n  ".join(failures)
        )
    return prepared


def run_scenario(sc: Scenario, prep: dict[str, Any], rounds: int, target_ns: float) -> list[Result]:
    results = []
    batches = {}
    for variant in VARIANTS:
        app, skip, same, size = prep["variants"][variant]
        res = Result(sc.name, variant, VARIANT_LABELS[variant], body_bytes=size, same_as_stock=same)
        if variant == CONST and prep["const_diff"]:
            res.detail = f"differs from stock: {prep['const_diff']}"
        if skip:
            res.status, res.detail = "SKIPPED", skip
        else:
            batches[variant] = wsgi_batch(app, prep["environ"], sc.body)
        results.append(res)
    sizes, samples = measure(batches, rounds, target_ns)
    for res in results:
        if res.variant in samples:
            res.batch = sizes[res.variant]
            res.samples_ns = samples[res.variant]
            res.median_ns = statistics.median(res.samples_ns)
    _set_ratios(results, (STOCK, CONST))
    return results


def run_get_dict(apps: Apps, rounds: int, target_ns: float) -> list[Result]:
    from httpbin.helpers import get_dict as httpbin_get_dict

    ext_get_dict = apps.ext_module.get_dict
    sc = SCENARIOS[0]
    environ = sc.environ()
    environ["wsgi.input"] = io.BytesIO(b"")
    app = apps.stock
    ctx = app.request_context(environ)
    ctx.push()
    try:
        # Fidelity: both helpers, each on its own fresh request, must return the same dict.
        outputs = {}
        for name, fn in ((GD_HTTPBIN, httpbin_get_dict), (GD_EXT, ext_get_dict)):
            env = sc.environ()
            env["wsgi.input"] = io.BytesIO(b"")
            ctx.request = app.request_class(env, populate_request=False)
            outputs[name] = fn(*GET_DICT_KEYS)
        want, got = outputs[GD_HTTPBIN], outputs[GD_EXT]
        if json.dumps(got, sort_keys=True) != json.dumps(want, sort_keys=True) or list(got) != list(
            want
        ):
            raise FidelityError(
                f"get_dict{GET_DICT_KEYS}: httpbin_ext returned {got!r}, httpbin {want!r}"
            )
        batches = {
            name: get_dict_batch(app, ctx, sc.environ(), fn)
            for name, fn in ((GD_HTTPBIN, httpbin_get_dict), (GD_EXT, ext_get_dict))
        }
        sizes, samples = measure(batches, rounds, target_ns)
    finally:
        ctx.pop()
    results = []
    for name in batches:
        res = Result("get_dict", name, f"{name}{GET_DICT_KEYS} for {sc.title}")
        res.same_as_stock = True
        res.batch = sizes[name]
        res.samples_ns = samples[name]
        res.median_ns = statistics.median(res.samples_ns)
        results.append(res)
    _set_ratios(results, (GD_HTTPBIN,))
    return results


# --------------------------------------------------------------------------------------------
# Machine notes and targets


def machine_notes(ext_module: Any) -> dict[str, Any]:
    notes = common_machine_notes(
        ("httpbin-ext", "httpbin", "Flask", "Werkzeug", "flask-orjson", "orjson")
    )
    notes["extension_build"] = extension_build(types.SimpleNamespace(ext=ext_module))
    return notes


def evaluate_targets(scenario_results: list[Result], get_dict_results: list[Result]) -> list[dict]:
    index = {(r.group, r.variant): r for r in scenario_results + get_dict_results}
    pairs = {
        TARGETS[0].text: (index.get(("get_dict", GD_HTTPBIN)), index.get(("get_dict", GD_EXT))),
        TARGETS[1].text: (index.get(("get", ACCEL)), index.get(("get", CONST))),
    }
    verdicts = []
    for t in TARGETS:
        num, den = pairs[t.text]
        verdict: dict[str, Any] = {"target": t.text, "limit": t.limit, "value": None}
        if num is None or den is None or not num.median_ns or not den.median_ns:
            verdict.update(status="N/A", detail="not measured")
        else:
            value = num.median_ns / den.median_ns
            paired = statistics.median(a / b for a, b in zip(num.samples_ns, den.samples_ns))
            ok = value >= t.limit if t.kind == "speedup" else value <= t.limit
            verdict.update(
                value=value,
                paired=paired,
                status="PASS" if ok else "MISS",
                detail=f"measured {value:.2f}× (paired per-round median {paired:.2f}×)",
            )
        verdicts.append(verdict)
    return verdicts


# --------------------------------------------------------------------------------------------
# Reporting


def _fmt_ratio(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}×"


def _fmt_spread(res: Result) -> str:
    s = res.spread()
    return "" if s is None else f"±{100 * s:.0f}%"


def noise_warning(report: dict[str, Any], results: list[Result]) -> list[str]:
    spreads = [s for s in (r.spread() for r in results) if s is not None]
    noisy = sum(s > 0.10 for s in spreads)
    m = report["machine"]
    load = max(m["loadavg_at_start"][0], m.get("loadavg_at_end", [0])[0])
    if not spreads or (noisy <= len(spreads) // 4 and load <= 0.75 * m["nproc"]):
        return []
    return [
        f"- **noisy run**: {noisy}/{len(spreads)} rows have a spread above ±10%, 1-minute load "
        f"average up to {load:.2f} on {m['nproc']} CPUs; rerun on an idle machine before "
        "trusting differences of less than ~20%"
    ]


def render_markdown(
    report: dict[str, Any], scenario_results: list[Result], gd: list[Result], verdicts: list[dict]
) -> str:
    m = report["machine"]
    p = m["packages"]
    lines = [
        "# WSGI benchmark (in-process, per request)",
        "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}",
        f"- machine: nproc={m['nproc']} (os.cpu_count={m['cpu_count']}), CPU: {m['cpu_model']}, "
        f"load average at start: {', '.join(map(str, m['loadavg_at_start']))}, "
        f"at end: {', '.join(map(str, m['loadavg_at_end']))}",
        f"- Python {m['python']} ({m['implementation']}, {m['platform']})",
        f"- packages: httpbin-ext {p['httpbin-ext']} (git {m['git']}), httpbin {p['httpbin']}, "
        f"Flask {p['Flask']}, Werkzeug {p['Werkzeug']}, flask-orjson {p['flask-orjson']}, "
        f"orjson {p['orjson']}",
        f"- extension build: {m['extension_build']}",
        f"- method: {report['method']}",
        *noise_warning(report, scenario_results + gd),
        "",
        "Scenarios (headers on every request: "
        f"{', '.join(BROWSER_HEADERS)}; REMOTE_ADDR {ENVIRON_BASE['REMOTE_ADDR']}):",
        "",
    ]
    lines += [f"- `{sc.name}`: {sc.title}" for sc in SCENARIOS if sc.name in report["scenarios"]]
    lines += ["", "Variants:", ""]
    lines += [f"- `{v}`: {VARIANT_LABELS[v]}" for v in VARIANTS]
    lines += [
        "",
        "## Per request",
        "",
        "| scenario | variant | median µs/request | vs stock | vs constant-bytes | spread "
        "| body B | same response as stock |",
        "|---|---|--:|--:|--:|--:|--:|:-:|",
    ]
    for r in scenario_results:
        same = "" if r.same_as_stock is None else ("yes" if r.same_as_stock else "no")
        value = _fmt_us(r.median_ns) if r.status == "ok" else f"**{r.status}**"
        lines.append(
            f"| {r.group} | {r.variant} | {value} | {_fmt_ratio(r.ratios.get(STOCK))} "
            f"| {_fmt_ratio(r.ratios.get(CONST))} | {_fmt_spread(r)} "
            f"| {'' if r.body_bytes is None else f'{r.body_bytes:,}'} | {same} |"
        )
    if gd:
        lines += [
            "",
            f"## get_dict{GET_DICT_KEYS} (GET /get?foo=bar&baz=1)",
            "",
            "| helper | median µs/call | speedup (httpbin / this) | spread |",
            "|---|--:|--:|--:|",
        ]
        base = next(r for r in gd if r.variant == GD_HTTPBIN)
        for r in gd:
            speedup = base.median_ns / r.median_ns if r.median_ns and base.median_ns else None
            lines.append(
                f"| {r.variant} | {_fmt_us(r.median_ns)} | {_fmt_ratio(speedup)} "
                f"| {_fmt_spread(r)} |"
            )
    lines += ["", "## Targets", "", "| target | result | measured |", "|---|:-:|---|"]
    lines += [f"| {v['target']} | **{v['status']}** | {v['detail']} |" for v in verdicts]
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in report["notes"]]
    skipped = [r for r in scenario_results if r.status != "ok" or r.detail]
    lines += [f"- {r.group}/{r.variant}: {r.status} {r.detail}".rstrip() for r in skipped]
    return "\n".join(lines) + "\n"


NOTES = (
    "Each request is `app(environ, start_response)` on an environ built once per scenario by "
    "`werkzeug.test.EnvironBuilder` and copied per request (`dict.copy()` plus a fresh "
    "`io.BytesIO` as `wsgi.input`); the body iterable is consumed and `close()`d. That copy "
    "and the loop are in every variant's time (well under 1 µs).",
    "GC: `gc.collect()` before every timed batch, `gc.disable()` during it (the garbage of "
    "one batch — Werkzeug requests are reference cycles — is collected before the next). After "
    "setup the long-lived objects are moved out of the collector's way with `gc.freeze()`, so "
    "these collections are cheap.",
    "constant-bytes: a fresh httpbin app (same URL map, same before/after_request hooks) whose "
    "view for the scenario's endpoint returns one prebuilt `Response` holding the stock body: "
    "same URL, same routing, same headers and body as stock. It is the floor for anything "
    "that only swaps views. The response object is reused: the CORS hook sets the same values "
    "on it every request.",
    'accelerated: `HttpbinExt(app, mode="replace")`, so the URL and the body are those of '
    "stock httpbin; before any timing, status, headers (Date aside) and body are checked byte "
    "for byte against stock for every scenario, and the run aborts if one differs.",
    "flask-orjson: httpbin with `app.json = OrjsonProvider(app)`; its output is compact and "
    "not necessarily what httpbin sends (see the body size column): a speed reference only.",
    "get_dict: Werkzeug caches `args`, `url`, `data`, `form`, `files` on the Request, so "
    "repeated calls on one request would time httpbin's helper on warm caches. Each call "
    "instead gets a never-used Request (own environ copy and wsgi.input), built untimed in "
    f"chunks of {GET_DICT_CHUNK}; inside one pushed request context the timed loop sets "
    "`ctx.request = req` (what `flask.request` resolves to) and calls the helper — the same "
    "attribute store and loop overhead (tens of ns) for both helpers. Only those chunk loops "
    "are timed, with the GC off.",
)


# --------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_wsgi",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    ap.add_argument("--quick", action="store_true", help="5 rounds (smoke test, < 15 s)")
    ap.add_argument(
        "--scenarios",
        type=_csv(SCENARIO_NAMES),
        default=list(SCENARIO_NAMES),
        help=f"comma-separated subset of {','.join(SCENARIO_NAMES)}",
    )
    ap.add_argument("--no-get-dict", action="store_true", help="skip the get_dict micro row")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 21, --quick 5)")
    ap.add_argument(
        "--target-ms", type=float, help="duration of one timed batch (default 30, --quick 20)"
    )
    ap.add_argument(
        "--output",
        type=Path,
        help="results JSON path; the markdown goes next to it with a .md suffix "
        "(default benchmarks/results/wsgi.json, or wsgi-quick.json with --quick)",
    )
    args = ap.parse_args(argv)
    if args.rounds is None:
        args.rounds = 5 if args.quick else 21
    if args.target_ms is None:
        args.target_ms = 20.0 if args.quick else 30.0
    if args.output is None:
        args.output = RESULTS_DIR / ("wsgi-quick.json" if args.quick else "wsgi.json")
    if args.rounds < 1 or args.target_ms <= 0:
        ap.error("--rounds and --target-ms must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    command = shlex.join(
        ["python", "-m", "benchmarks.bench_wsgi", *(sys.argv[1:] if argv is None else argv)]
    )
    try:
        apps = build_apps()
    except ImportError as exc:
        log(f"error: cannot import httpbin_ext or httpbin ({exc}); is the extension built?")
        return 1
    machine = machine_notes(apps.ext_module)
    log(f"extension build: {machine['extension_build']}")
    scenarios = [sc for sc in SCENARIOS if sc.name in args.scenarios]
    try:
        prepared = verify_scenarios(apps)
    except FidelityError as exc:
        log(f"ABORTED before timing: {exc}")
        return 1
    log("fidelity: the accelerated responses are identical to stock httpbin's (Date aside)")
    # Long-lived objects (modules, apps, environs) out of the collector's way: the
    # gc.collect() before each batch then only has the previous batch's garbage to look at.
    gc.collect()
    gc.freeze()

    target_ns = args.target_ms * 1e6
    scenario_results: list[Result] = []
    for i, sc in enumerate(scenarios, 1):
        cell = run_scenario(sc, prepared[sc.name], args.rounds, target_ns)
        scenario_results += cell
        summary = ", ".join(
            f"{r.variant} {_fmt_us(r.median_ns)} µs" if r.median_ns else f"{r.variant} {r.status}"
            for r in cell
        )
        log(f"[{i}/{len(scenarios)}] {sc.name}: {summary}")
    gd: list[Result] = []
    if not args.no_get_dict:
        try:
            gd = run_get_dict(apps, args.rounds, target_ns)
        except FidelityError as exc:
            log(f"ABORTED: {exc}")
            return 1
        log("get_dict: " + ", ".join(f"{r.variant} {_fmt_us(r.median_ns)} µs" for r in gd))

    verdicts = evaluate_targets(scenario_results, gd)
    machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "method": (
            f"{args.rounds} interleaved rounds (variant order rotated each round) after "
            f"calibration and one warm-up batch; each round times one batch of N requests per "
            f"variant, N calibrated so that a batch lasts ~{args.target_ms:g} ms, with "
            "time.perf_counter_ns, GC disabled during batches and gc.collect() between them; "
            "figure = median per-request time; ratios = ratio of medians from this run; "
            "spread = half the inter-quartile range of the rounds, relative to the median"
        ),
        "rounds": args.rounds,
        "target_ms": args.target_ms,
        "quick": args.quick,
        "scenarios": [sc.name for sc in scenarios],
        "scenario_requests": {sc.name: sc.title for sc in scenarios},
        "headers": BROWSER_HEADERS,
        "notes": list(NOTES),
        "results": [r.as_dict() for r in scenario_results],
        "get_dict": [r.as_dict() for r in gd],
        "targets": verdicts,
    }
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    markdown = render_markdown(report, scenario_results, gd, verdicts)
    md_path = args.output.with_suffix(".md")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown)
    print(markdown)
    log(f"wrote {md_path} and {args.output} in {report['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
