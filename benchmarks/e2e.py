"""End-to-end HTTP benchmark: httpbin behind a real WSGI server, loaded by wrk over loopback.

Run from the repo root with the venv interpreter (the extension built in release mode)::

    .venv/bin/python -m benchmarks.e2e            # full run, ~5 minutes
    .venv/bin/python -m benchmarks.e2e --quick    # smoke test, < 1 minute

One server process per variant (``benchmarks/e2e_apps.py``: ``bare``, ``flask_const``,
``stock``, ``orjson``, ``fast``), all started up front on free 127.0.0.1 ports, each in its own
process group, and all stopped on exit, error, Ctrl-C or SIGTERM. Only one of them is under load
at any time. For every scenario (``wrk/<scenario>.lua``) the variants are run in rotating order
(A B C …, B C … A, …) for ``--rounds`` rounds of ``--duration`` seconds each; a variant's figure is
the median requests/s over the rounds, with the min–max spread next to it.

Defaults (chosen by measurement on a 2-core box, reasoning in ``DEFAULTS_REASONING`` and in the
report): gunicorn ``--worker-class sync --workers 2``, ``wrk -t1 -c32``; full: 3 rounds of 4 s
after a 1 s warm-up per scenario and variant; ``--quick``: 1 round of 2 s after a 1 s warm-up per
variant. ``--server granian`` serves the same apps with granian's WSGI interface instead.
Before timing, one request per scenario and variant checks for 200s and that ``fast`` answers
byte for byte what ``stock`` does (the port aside).

``--target http://host:port`` starts no server and loads a running ``httpbin_ext.wsgi:app``
instead (the compose stack's app service): its stock routes against its accelerated routes under
``--fast-prefix`` (default ``/fast``), results in ``e2e-target.*`` unless ``--output`` says
otherwise. ``--check`` makes wrong answers and errors (never speed) fail the run: CI's smoke test.

Results: ``benchmarks/results/e2e.{json,md,png}`` (``e2e-quick.*`` with ``--quick``). Progress
goes to stderr, the markdown table to stdout. Targets are printed as PASS/MISS. Exit status: 0
when the run completed (missed targets do not change it), 1 when a server or wrk failed, 2 when a
required tool (wrk, the server) is missing, 130/143 when interrupted; with ``--check`` also 1
when an answer was wrong or fast showed errors stock did not.
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import types
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench_json import _csv, _version, common_machine_notes, extension_build, log
from benchmarks.payloads import REPO_ROOT

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
WRK_DIR = REPO_ROOT / "wrk"

# --------------------------------------------------------------------------------------------
# Variants and scenarios

BARE, CONST, STOCK, ORJSON, FAST = "bare", "flask_const", "stock", "orjson", "fast"
VARIANTS = (BARE, CONST, STOCK, ORJSON, FAST)
VARIANT_LABELS = {
    BARE: "plain WSGI callable returning httpbin's /get bytes (server + network ceiling)",
    CONST: "minimal Flask app, one catch-all route returning the same constant bytes",
    STOCK: "httpbin 0.10.4 as shipped (fresh_httpbin_app())",
    ORJSON: "httpbin with app.json = flask_orjson.OrjsonProvider(app) (speed reference)",
    FAST: 'httpbin with HttpbinExt(app, mode="replace") (accelerated views, same URLs)',
}
# The ceiling only needs measuring once: `bare` runs in the `get` scenario only.
BARE_SCENARIOS = ("get",)

BROWSER_HEADERS = {  # the same as report.browser_headers() in wrk/report.lua
    "User-Agent": (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36"
    ),
    "Accept": (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    ),
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9,de;q=0.8",
    "Connection": "keep-alive",
}

# The request bodies of the Lua scripts, rebuilt here for the pre-flight check (keep in sync).
JSON_BODY = (
    b'{"order_id":"ord_000123","customer":{"id":42,"name":"Jane Doe",'
    b'"email":"jane@example.org"},"items":[{"sku":"SKU-1000","qty":2,"price":14.5},'
    b'{"sku":"SKU-1037","qty":1,"price":39.9}],"coupon":null,"gift":false,'
    b'"notes":"leave at the door"}'
)
FORM_BODY = (
    b"name=Jane+Doe&email=jane%40example.org&quantity=3&color=blue&comment=Hello%2C+world%21"
)
BOUNDARY = "----httpbinExtBoundary7MA4YWxkTrZu0gW"


def _multipart_body() -> bytes:
    lines = [
        f"line {i:02d}: the quick brown fox jumps over the lazy dog 0123456789"
        for i in range(1, 17)
    ]
    file_body = "\r\n".join(lines) + "\r\n"

    def part(headers: str, content: str) -> str:
        return f"--{BOUNDARY}\r\n{headers}\r\n\r\n{content}\r\n"

    return (
        part('Content-Disposition: form-data; name="name"', "Jane Doe")
        + part('Content-Disposition: form-data; name="comment"', "multipart upload from wrk")
        + part(
            'Content-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
            "Content-Type: text/plain",
            file_body,
        )
        + f"--{BOUNDARY}--\r\n"
    ).encode()


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    target: str  # path and query
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def script(self) -> Path:
        return WRK_DIR / f"{self.name}.lua"

    @property
    def title(self) -> str:
        what = f"{self.method} {self.target}"
        if self.body:
            ctype = dict(self.headers).get("Content-Type", "").split(";")[0]
            what += f", {len(self.body):,} B {ctype} body"
        return what


SCENARIOS = (
    Scenario("get", "GET", "/get?foo=bar&baz=1"),
    Scenario(
        "post_json",
        "POST",
        "/post",
        JSON_BODY,
        (("Accept", "*/*"), ("Content-Type", "application/json")),
    ),
    Scenario(
        "post_form",
        "POST",
        "/post",
        FORM_BODY,
        (("Content-Type", "application/x-www-form-urlencoded"),),
    ),
    Scenario(
        "multipart",
        "POST",
        "/post",
        _multipart_body(),
        (("Accept", "*/*"), ("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")),
    ),
    Scenario("anything", "GET", "/anything/orders/123?x=1&expand=items&page=2"),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)


def variants_for(scenario: str, chosen: list[str]) -> list[str]:
    return [v for v in chosen if v != BARE or scenario in BARE_SCENARIOS]


# --------------------------------------------------------------------------------------------
# Defaults (decided by measurement on the 2-core dev box; see DEFAULTS_REASONING)

DEFAULT_SERVER = "gunicorn"
DEFAULT_WORKER_CLASS = "sync"
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4
DEFAULT_CONNECTIONS = 32
DEFAULT_WRK_THREADS = 1
WRK_TIMEOUT_S = 5
FULL = {"rounds": 3, "duration": 4, "warmup": "scenario"}
QUICK = {"rounds": 1, "duration": 2, "warmup": "variant"}

DEFAULTS_REASONING = [
    "server: gunicorn --worker-class sync, 2 workers (one per core). Measured on this 2-core "
    "box (wrk -t1, GET /get, alternating configurations, 2-3 rounds of 3 s): sync ×2 gave "
    "bare ~7,800-8,000, stock ~3,900-4,100, fast ~4,800-5,000 req/s, every run within a few %, "
    "p99 5-10 ms. gthread 2 workers × 4 threads was up to ~10% faster in its good runs "
    "(fast ~5,500) but bimodal: keep-alive connections stay on the worker that accepted them "
    "and wrk opens all of them in one burst, so in about one run in three one worker got most "
    "connections and that run fell to ~1,300-1,700 req/s (p99 ~25-35 ms); gthread 2×2 showed "
    "the same collapses. A benchmark whose variants alternate needs every run to be comparable, "
    "so sync it is. 3 sync workers were not faster than 2 (wrk needs CPU as well).",
    "load generator: wrk -t1 -c32. With sync workers a request opens and closes its own "
    "connection (the sync worker does no keep-alive; on loopback with tcp_tw_reuse that is "
    "cheap), so connections beyond the 2 workers only wait in the listen backlog: 16, 32 and 64 "
    "connections gave the same req/s within noise, 64 doubled p99. wrk -t2 was not faster than "
    "-t1 and takes more CPU away from the server; wrk -t1 uses ~45% of one core here (mostly "
    "connect/close system calls), plus ~3 µs/request for the Lua response() hook that counts "
    "non-2xx answers.",
    "granian (--server granian, 2 workers) is a different regime: its HTTP handling is in Rust, "
    "so bare reaches ~50,000-60,000 req/s and the app's own cost dominates; the ratios between "
    "the Flask variants come out larger there than under gunicorn, whose Python HTTP parsing "
    "and per-request connection cost (~250 µs of CPU per request for bare) dilute them.",
]

NOTES = [
    "wrk and the server share the machine's cores: the load generator is not free, and takes "
    "roughly the same share of CPU per request for every variant. The absolute requests/s are "
    "therefore lower than on a dedicated client; the ratios between variants are the result.",
    "Loopback only (127.0.0.1): no network latency or bandwidth limits; this measures the "
    "server-side cost of a request.",
    "flask_const and bare do not read the request body; on the POST scenarios they are a floor "
    "for Flask's own cost, not an equivalent of /post.",
    "orjson is a speed reference only: its output differs from httpbin's (raw UTF-8, compact, "
    "unsorted keys).",
    "`bare` (the server ceiling) runs in the get scenario only.",
]

# --------------------------------------------------------------------------------------------
# Processes: every child in its own process group, all stopped on exit


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs from /proc/stat, or None where there is none."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def background_cpu(seconds: float) -> float | None:
    """Share of all CPUs busy during a sleep of ``seconds`` (our servers idle, wrk not
    running): what the rest of the machine is doing. None when /proc/stat is unavailable."""
    a = _cpu_times()
    time.sleep(seconds)
    b = _cpu_times()
    if a is None or b is None or b[1] == a[1]:
        return None
    return (b[0] - a[0]) / (b[1] - a[1])


BUSY = 0.15  # share of all CPUs used by other processes above which a run counts as disturbed


def wait_for_idle(limit_s: float, busy: float) -> float:
    """Sample the background CPU until it drops to BUSY or limit_s has passed; the last sample."""
    log(f"machine busy ({100 * busy:.0f}% CPU elsewhere): waiting up to {limit_s:.0f} s")
    deadline = time.monotonic() + limit_s
    sample: float | None = busy
    while time.monotonic() < deadline:
        sample = background_cpu(1.0)
        if sample is None or sample <= BUSY:
            break
    return busy if sample is None else sample


class Children:
    """Processes started by this run; :meth:`stop_all` ends each one's whole process group."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def spawn(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    @staticmethod
    def _group_alive(pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    def stop(self, proc: subprocess.Popen, timeout: float = 5.0) -> None:
        pgid = proc.pid  # start_new_session: the child leads its own group
        if proc.poll() is None:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # SIGKILL whatever is left of the group (a leader that hung, or orphaned workers).
        if proc.poll() is None or self._group_alive(pgid):
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                proc.wait(2)
            except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not fail
                pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        if not self.procs:
            return
        # A second Ctrl-C must not interrupt the clean-up half way.
        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            try:
                previous[sig] = signal.signal(sig, signal.SIG_IGN)
            except (ValueError, OSError):  # not the main thread
                pass
        try:
            for proc in reversed(list(self.procs)):
                self.stop(proc)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


CHILDREN = Children()
atexit.register(CHILDREN.stop_all)


def _raise_on_signal(signum: int, _frame: Any) -> None:
    log(f"{signal.Signals(signum).name}: stopping the servers, nothing written")
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------------------------
# Servers


@dataclass
class ServerConfig:
    server: str
    worker_class: str
    workers: int
    threads: int

    def describe(self) -> str:
        if self.server == "granian":
            return (
                f"granian {_version('granian')} --interface wsgi, {self.workers} workers, "
                f"{self.threads} blocking threads each, HTTP/1.1 keep-alive"
            )
        threads = f" × {self.threads} threads" if self.worker_class == "gthread" else ""
        keepalive = (
            "keep-alive"
            if self.worker_class == "gthread"
            else "no keep-alive (one connection per request)"
        )
        return (
            f"gunicorn {_version('gunicorn')} --worker-class {self.worker_class}, "
            f"{self.workers} workers{threads}, --preload, {keepalive}"
        )


@dataclass
class Server:
    """Where a variant answers: a server this run started (``proc``), or, with ``--target``,
    one route prefix of a server someone else runs (``proc`` None, nothing to stop)."""

    variant: str
    port: int
    cmd: list[str]
    log_path: Path | None
    proc: subprocess.Popen | None = None
    host: str = "127.0.0.1"
    prefix: str = ""  # wrk/*.lua read it from $PREFIX

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        if self.log_path is None:
            return ""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_has_option(flag: str) -> bool:
    """Whether the installed gunicorn knows the command-line option ``flag``."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return False
    return any(flag in (getattr(s, "cli", None) or ()) for s in KNOWN_SETTINGS)


def server_command(
    cfg: ServerConfig, variant: str, port: int, log_level: str = "warning"
) -> list[str]:
    target = f"benchmarks.e2e_apps:{variant}"
    if cfg.server == "granian":
        opts = (
            f"--interface wsgi --host 127.0.0.1 --port {port} --workers {cfg.workers} "
            f"--blocking-threads {cfg.threads} --http 1 --no-ws --backlog 2048 "
            "--log-level warning"
        )
        return [
            sys.executable,
            "-m",
            "granian",
            *opts.split(),
            "--working-dir",
            str(REPO_ROOT),
            target,
        ]
    opts = f"--bind 127.0.0.1:{port} --workers {cfg.workers} --worker-class {cfg.worker_class}"
    if cfg.worker_class == "gthread":  # sync with --threads > 1 would silently become gthread
        opts += f" --threads {cfg.threads}"
    opts += " --preload --backlog 2048 --keep-alive 5 --timeout 60 --graceful-timeout 3"
    opts += f" --log-level {log_level}"
    if gunicorn_has_option("--no-control-socket"):
        # gunicorn >= 25 binds ~/.gunicorn/gunicorn.ctl: servers running side by side would
        # fight over it.
        opts += " --no-control-socket"
    if Path("/dev/shm").is_dir():  # the workers' heartbeat files: keep them off a slow disk
        opts += " --worker-tmp-dir /dev/shm"
    return [sys.executable, "-m", "gunicorn", *opts.split(), "--chdir", str(REPO_ROOT), target]


def start_servers(cfg: ServerConfig, variants: list[str], log_dir: Path) -> dict[str, Server]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    servers: dict[str, Server] = {}
    for variant in variants:
        port = free_port()
        srv = Server(variant, port, server_command(cfg, variant, port), log_dir / f"{variant}.log")
        with open(srv.log_path, "wb") as out:
            srv.proc = CHILDREN.spawn(
                srv.cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        servers[variant] = srv
    return servers


# --target: one server someone else runs (e.g. the compose app service), serving
# httpbin_ext.wsgi:app: httpbin's own views at their URLs, the accelerated ones under a prefix.
TARGET_VARIANTS = (STOCK, FAST)
TARGET_LABELS = {
    STOCK: "httpbin's own views at their URLs (httpbin_ext.wsgi:app, side by side)",
    FAST: "the accelerated views under {prefix} in the same app and worker processes",
}
TARGET_NOTES = [
    "Both variants are routes of one server (httpbin_ext.wsgi:app), so they share its workers "
    "and their warm caches; only one route is under load at a time.",
    "The server was started outside this run (e.g. by docker compose); the load crosses "
    "whatever network lies between (a Docker bridge in the compose stack).",
    "wrk and the server share the machine's cores unless they run on different hosts.",
]


def target_servers(url: str, prefix: str) -> dict[str, Server]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"--target must be an http://host[:port] URL, not {url!r}")
    port = parts.port or 80
    return {
        STOCK: Server(STOCK, port, [], None, host=parts.hostname),
        FAST: Server(FAST, port, [], None, host=parts.hostname, prefix=prefix),
    }


class ServerError(RuntimeError):
    pass


def http_request(
    srv: Server, scenario: Scenario, timeout: float = 10.0
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=timeout)
    try:
        headers = dict(BROWSER_HEADERS)
        headers.update(scenario.headers)
        conn.request(
            scenario.method,
            srv.prefix + scenario.target,
            body=scenario.body or None,
            headers=headers,
        )
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def wait_until_ready(servers: dict[str, Server], timeout: float) -> None:
    probe = SCENARIOS[0]
    pending = dict(servers)
    deadline = time.monotonic() + timeout
    while pending:
        for name, srv in list(pending.items()):
            if srv.proc is not None and srv.proc.poll() is not None:
                raise ServerError(
                    f"the {name} server exited with status {srv.proc.returncode} while starting:"
                    f"\n  {shlex.join(srv.cmd)}\n{srv.log_tail()}"
                )
            try:
                status, _, _ = http_request(srv, probe, timeout=2.0)
            except OSError:
                continue
            if status == 200:
                del pending[name]
        if not pending:
            break
        if time.monotonic() > deadline:
            names = ", ".join(pending)
            tails = "\n".join(f"--- {n}:\n{s.log_tail()}" for n, s in pending.items())
            raise ServerError(f"no answer from {names} within {timeout:.0f} s\n{tails}")
        time.sleep(0.1)


def check_alive(srv: Server) -> None:
    if srv.proc is not None and srv.proc.poll() is not None:
        raise ServerError(
            f"the {srv.variant} server exited with status {srv.proc.returncode}:\n{srv.log_tail()}"
        )


def preflight(servers: dict[str, Server], scenarios: list[Scenario]) -> dict[str, Any]:
    """One request per (scenario, variant): every answer 200, and fast's body byte-identical to
    stock's (the echoed host:port, and the route prefix in the echoed url, aside)."""
    checks: dict[str, Any] = {}
    for sc in scenarios:
        row: dict[str, Any] = {}
        bodies: dict[str, bytes] = {}
        for variant, srv in servers.items():
            if variant == BARE and sc.name not in BARE_SCENARIOS:
                continue
            status, headers, body = http_request(srv, sc)
            netloc = f"{srv.host}:{srv.port}".encode()
            bodies[variant] = body.replace(netloc + srv.prefix.encode() + b"/", b"HOST/").replace(
                netloc, b"HOST"
            )
            row[variant] = {
                "status": status,
                "content_type": headers.get("Content-Type"),
                "body_bytes": len(body),
            }
        if STOCK in bodies and FAST in bodies:
            row["fast_body_equals_stock"] = bodies[FAST] == bodies[STOCK]
        checks[sc.name] = row
    return checks


# --------------------------------------------------------------------------------------------
# wrk


@dataclass
class WrkConfig:
    threads: int
    connections: int
    duration: int
    timeout: int = WRK_TIMEOUT_S

    def args(self, duration: int | None = None) -> list[str]:
        d = self.duration if duration is None else duration
        return [
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{d}s",
            f"--timeout={self.timeout}s",
        ]


class WrkError(RuntimeError):
    pass


def wrk_version(wrk: str) -> str:
    try:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    first = (out.stdout or out.stderr).splitlines()
    return first[0].strip() if first else "unknown"


def run_wrk(
    wrk: str, cfg: WrkConfig, scenario: Scenario, srv: Server, duration: int | None = None
) -> dict[str, Any]:
    cmd = [wrk, *cfg.args(duration), "-s", str(scenario.script), srv.url]
    env = dict(os.environ, PREFIX=srv.prefix)
    proc = CHILDREN.spawn(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
    )
    try:
        out, err = proc.communicate(timeout=(duration or cfg.duration) + cfg.timeout + 30)
    except subprocess.TimeoutExpired as exc:
        raise WrkError(f"wrk did not finish: {shlex.join(cmd)}") from exc
    finally:
        CHILDREN.stop(proc)
    text = out.decode(errors="replace")
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    raise WrkError(
        f"wrk gave no JSON report (exit {proc.returncode}): {shlex.join(cmd)}\n"
        f"{text[-2000:]}{err.decode(errors='replace')[-2000:]}"
    )


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class Cell:
    scenario: str
    variant: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    def rps(self) -> list[float]:
        return [r["rps"] for r in self.runs]

    @property
    def median_rps(self) -> float | None:
        return statistics.median(self.rps()) if self.runs else None

    def latency(self, key: str) -> float | None:
        vals = [r["latency_us"][key] for r in self.runs if r["latency_us"].get(key) is not None]
        return statistics.median(vals) if vals else None

    @property
    def non_2xx(self) -> int:
        return sum(int(r["non_2xx"]) for r in self.runs)

    @property
    def socket_errors(self) -> int:
        return sum(int(r["socket_errors"]) for r in self.runs)

    def errors_by_kind(self) -> dict[str, int]:
        kinds = ("connect", "read", "write", "timeout", "status")
        return {k: sum(int(r["errors"][k]) for r in self.runs) for k in kinds}

    @property
    def requests(self) -> int:
        return sum(int(r["requests"]) for r in self.runs)

    @property
    def bytes_per_response(self) -> float | None:
        n = self.requests
        return sum(r["bytes"] for r in self.runs) / n if n else None

    def as_dict(self) -> dict[str, Any]:
        rps = self.rps()
        return {
            "scenario": self.scenario,
            "variant": self.variant,
            "median_rps": self.median_rps,
            "min_rps": min(rps) if rps else None,
            "max_rps": max(rps) if rps else None,
            "rps_samples": rps,
            "latency_us_median_of_runs": {
                k: self.latency(k) for k in ("p50", "p90", "p99", "p99.9")
            },
            "requests": self.requests,
            "bytes_per_response": self.bytes_per_response,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "errors_by_kind": self.errors_by_kind(),
            "runs": self.runs,
        }


def ratio(cells: dict[tuple[str, str], Cell], sc: str, a: str, b: str) -> float | None:
    ca, cb = cells.get((sc, a)), cells.get((sc, b))
    if not ca or not cb or not ca.median_rps or not cb.median_rps:
        return None
    return ca.median_rps / cb.median_rps


def paired_ratio(cells: dict[tuple[str, str], Cell], sc: str, a: str, b: str) -> float | None:
    """Median of the per-round ratios (each round runs a and b a few seconds apart)."""
    ca, cb = cells.get((sc, a)), cells.get((sc, b))
    if not ca or not cb:
        return None
    by_round_b = {r["round"]: r["rps"] for r in cb.runs}
    rs = [r["rps"] / by_round_b[r["round"]] for r in ca.runs if by_round_b.get(r["round"])]
    return statistics.median(rs) if rs else None


RATIO_PAIRS = ((FAST, STOCK), (FAST, CONST), (FAST, ORJSON))


def all_ratios(cells: dict[tuple[str, str], Cell], scenarios: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sc in scenarios:
        out[sc] = {}
        for a, b in RATIO_PAIRS:
            out[sc][f"{a}_vs_{b}"] = ratio(cells, sc, a, b)
            out[sc][f"{a}_vs_{b}_paired"] = paired_ratio(cells, sc, a, b)
        # The most any view-level speed-up could reach: a view that does no work at all.
        out[sc]["flask_const_vs_stock"] = ratio(cells, sc, CONST, STOCK)
    return out


def evaluate_targets(cells: dict[tuple[str, str], Cell], scenarios: list[str]) -> list[dict]:
    verdicts: list[dict] = []

    def speed(text: str, sc: str, other: str, limit: float, strict: bool = False) -> None:
        r = ratio(cells, sc, FAST, other)
        pr = paired_ratio(cells, sc, FAST, other)
        if r is None:
            verdicts.append({"target": text, "status": "N/A", "measured": None})
            return
        ok = r > limit if strict else r >= limit
        measured = f"{r:.2f}×" + (f" (paired {pr:.2f}×)" if pr is not None else "")
        ceiling = ratio(cells, sc, CONST, STOCK) if other == STOCK else None
        if not ok and ceiling is not None and ceiling < limit:
            measured += (
                f"; out of reach with this server: even flask_const (no view work at all) "
                f"is only {ceiling:.2f}× stock here"
            )
        verdicts.append(
            {"target": text, "status": "PASS" if ok else "MISS", "measured": measured, "ratio": r}
        )

    speed("GET /get: fast ≥ 0.9× flask_const requests/s", "get", CONST, 0.9)
    speed("GET /get: fast ≥ 1.6× stock requests/s", "get", STOCK, 1.6)
    speed("POST /post JSON: fast ≥ 1.6× stock requests/s", "post_json", STOCK, 1.6)
    for sc in scenarios:
        speed(f"{sc}: fast ahead of orjson", sc, ORJSON, 1.0, strict=True)
    # Errors: fast must show no non-2xx at all, and no more socket errors than stock.
    bad = []
    measured = []
    for sc in scenarios:
        f, s = cells.get((sc, FAST)), cells.get((sc, STOCK))
        if not f:
            continue
        stock_sock = s.socket_errors if s else 0
        measured.append(
            f"{sc}: fast {f.non_2xx} non-2xx / {f.socket_errors} socket errors "
            f"(stock {s.non_2xx if s else '–'} / {stock_sock if s else '–'})"
        )
        if f.non_2xx or f.socket_errors > stock_sock:
            bad.append(sc)
    verdicts.append(
        {
            "target": "fast: zero non-2xx, and no socket errors beyond stock's",
            "status": ("MISS" if bad else "PASS") if measured else "N/A",
            "measured": "; ".join(measured) if measured else None,
        }
    )
    return verdicts


# --------------------------------------------------------------------------------------------
# Report


def machine_notes(wrk: str) -> dict[str, Any]:
    try:
        import httpbin_ext

        ext_build = extension_build(types.SimpleNamespace(ext=httpbin_ext))
    except ImportError as exc:
        ext_build = f"not importable ({exc})"
    notes = common_machine_notes(
        (
            "httpbin-ext",
            "httpbin",
            "Flask",
            "Werkzeug",
            "flask-orjson",
            "orjson",
            "gunicorn",
            "granian",
            "matplotlib",
        )
    )
    notes["wrk"] = wrk_version(wrk)
    notes["extension_build"] = ext_build
    return notes


def _fmt_rps(x: float | None) -> str:
    return "" if x is None else f"{x:,.0f}"


def _fmt_ms(us: float | None) -> str:
    return "" if us is None else f"{us / 1000:.1f}"


def _fmt_ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def noise_warnings(report: dict[str, Any], cells: dict[tuple[str, str], Cell]) -> list[str]:
    out = []
    bg = report.get("background_cpu") or {}
    before = bg.get("before_start") or 0.0
    disturbed = bg.get("disturbed_runs") or []
    if disturbed or before > 0.25:
        out.append(
            f"**noisy run**: {len(disturbed)} of {bg.get('runs')} timed runs started while other "
            f"processes kept more than {100 * BUSY:.0f}% of the CPUs busy (median between runs "
            f"{100 * (bg.get('median') or 0):.0f}%, {100 * before:.0f}% before the start)"
            + (
                f": {', '.join(disturbed[:12])}{' …' if len(disturbed) > 12 else ''}"
                if disturbed
                else ""
            )
            + ". Rerun on an idle machine (or with --wait-idle) before trusting small differences."
        )
    wide = [
        f"{c.scenario}/{c.variant}"
        for c in cells.values()
        if len(c.runs) > 1 and c.median_rps and (max(c.rps()) - min(c.rps())) / c.median_rps > 0.2
    ]
    if wide:
        out.append(
            f"wide spread (max−min > 20% of the median) in {len(wide)} cell(s): " + ", ".join(wide)
        )
    return out


def _fmt_prefixes(report: dict[str, Any]) -> str:
    prefixes = report.get("prefixes") or {}
    if not any(prefixes.values()):
        return 'PREFIX=""'
    return ", ".join(f'{v}: PREFIX="{p}"' for v, p in prefixes.items())


def _fmt_bg(report: dict[str, Any]) -> str:
    bg = report.get("background_cpu") or {}

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:.0f}%"

    return (
        f"median {pct(bg.get('median'))}, max {pct(bg.get('max'))} of all CPUs; "
        f"{pct(bg.get('before_start'))} in the 0.5 s before the servers started"
    )


def background_summary(pre_cpu: float | None, cells: dict[tuple[str, str], Cell]) -> dict[str, Any]:
    samples = [
        r["background_cpu_before"]
        for c in cells.values()
        for r in c.runs
        if r.get("background_cpu_before") is not None
    ]
    return {
        "before_start": pre_cpu,
        "median": statistics.median(samples) if samples else None,
        "max": max(samples) if samples else None,
        "disturbed_runs": [
            f"{c.scenario}/{c.variant}/round {r['round'] + 1}"
            for c in cells.values()
            for r in c.runs
            if (r.get("background_cpu_before") or 0.0) > BUSY
        ],
        "runs": len(samples),
        "method": "share of all CPUs busy (/proc/stat) during the 0.2 s pause before each timed "
        "run, when no wrk runs and the servers are idle; before_start: 0.5 s before any server",
    }


def render_markdown(
    report: dict[str, Any],
    cells: dict[tuple[str, str], Cell],
    scenarios: list[Scenario],
    verdicts: list[dict],
) -> str:
    m = report["machine"]
    pk = m["packages"]
    lines = [
        "# End-to-end HTTP benchmark (wrk → WSGI server → httpbin)"
        + (" — quick" if report["quick"] else ""),
        "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}, elapsed {report['elapsed_s']} s",
        f"- machine: nproc={m['nproc']} (os.cpu_count={m['cpu_count']}), CPU: {m['cpu_model']}, "
        f"load average at start: {', '.join(map(str, m['loadavg_at_start']))}, at end: "
        f"{', '.join(map(str, m.get('loadavg_at_end', [])))}",
        f"- background CPU (other processes, between runs): {_fmt_bg(report)}",
        f"- Python {m['python']} ({m['platform']})",
        "- packages: " + ", ".join(f"{k} {v}" for k, v in pk.items()) + f"; git {m['git']}",
        f"- extension build: {m['extension_build']}",
        f"- server: {report['server']['description']}"
        + (
            ""
            if report.get("target")
            else "; one server process group per variant, all on 127.0.0.1, only one under "
            "load at a time"
        ),
        f"- load: {m['wrk']}: `wrk {' '.join(report['wrk']['args'])} -s wrk/<scenario>.lua` "
        f"({_fmt_prefixes(report)}), {report['rounds']} round(s) per scenario, variant order "
        f"rotated each round; warm-up: {report['warmup_description']}",
        "- figures: median requests/s over the rounds, (min–max) over the rounds; latencies: "
        "median over the rounds of wrk's per-run percentile; non-2xx and socket errors: summed "
        "over all timed runs",
        "",
    ]
    warnings = noise_warnings(report, cells)
    for w in warnings:
        lines.append(f"> {w}")
    if warnings:
        lines.append("")
    lines += ["Scenarios (browser headers on every request; `wrk/<name>.lua`):", ""]
    for sc in scenarios:
        lines.append(f"- `{sc.name}`: {sc.title}")
    lines += [
        "",
        "Variants:" if report.get("target") else "Variants (`benchmarks/e2e_apps.py`):",
        "",
    ]
    for v in report["variants"]:
        lines.append(f"- `{v}`: {report.get('variant_labels', VARIANT_LABELS)[v]}")
    lines += [
        "",
        "## Requests per second",
        "",
        "| scenario | variant | median req/s | (min–max) | vs stock | p50 ms | p99 ms | p99.9 ms "
        "| non-2xx | socket errors | B/response |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for sc in scenarios:
        for v in report["variants"]:
            c = cells.get((sc.name, v))
            if not c or not c.runs:
                continue
            rps = c.rps()
            spread = f"({min(rps):,.0f}–{max(rps):,.0f})" if len(rps) > 1 else "(1 run)"
            errs = c.errors_by_kind()
            sock = str(c.socket_errors)
            if c.socket_errors:
                sock += " (" + ", ".join(f"{k} {n}" for k, n in errs.items() if n and k != "status")
                sock += ")"
            bpr = c.bytes_per_response
            lines.append(
                f"| {sc.name} | {v} | {_fmt_rps(c.median_rps)} | {spread} "
                f"| {_fmt_ratio(ratio(cells, sc.name, v, STOCK))} "
                f"| {_fmt_ms(c.latency('p50'))} | {_fmt_ms(c.latency('p99'))} "
                f"| {_fmt_ms(c.latency('p99.9'))} | {c.non_2xx} | {sock} "
                f"| {'' if bpr is None else f'{bpr:,.0f}'} |"
            )
    lines += [
        "",
        "B/response: bytes wrk read per response (status line, headers and body)."
        + (
            " flask_const vs stock below is what a view doing no work at all would gain: "
            "the ceiling for any view-level acceleration with this server."
            if CONST in report["variants"]
            else ""
        ),
        "",
        "## Ratios of median requests/s (fast ÷ other; paired = median of per-round ratios)",
        "",
    ]
    # Only the columns whose variants ran (with --target: stock and fast).
    pairs = [(a, b) for a, b in RATIO_PAIRS if a in report["variants"] and b in report["variants"]]
    ceiling = CONST in report["variants"] and STOCK in report["variants"]
    header = [f"{a} vs {b}" for a, b in pairs]
    if ceiling:
        header.append("flask_const vs stock (ceiling of any view)")
    lines += [
        "| scenario | " + " | ".join(header) + " |",
        "|---|" + "--:|" * len(header),
    ]
    rt = report["ratios"]
    for sc in scenarios:
        r = rt.get(sc.name, {})
        cols = []
        for a, b in pairs:
            x, p = r.get(f"{a}_vs_{b}"), r.get(f"{a}_vs_{b}_paired")
            cols.append(_fmt_ratio(x) + (f" (paired {p:.2f}×)" if p is not None else ""))
        if ceiling:
            cols.append(_fmt_ratio(r.get("flask_const_vs_stock")))
        lines.append(f"| {sc.name} | " + " | ".join(cols) + " |")
    lines += ["", "## Targets", ""]
    for v in verdicts:
        if v["status"] == "N/A":  # a reference variant that did not run
            continue
        measured = f": {v['measured']}" if v.get("measured") else ""
        lines.append(f"- **{v['status']}** {v['target']}{measured}")
    lines += ["", "## Pre-flight check (one request per scenario and variant)", ""]
    for sc in scenarios:
        row = report["preflight"].get(sc.name, {})
        statuses = ", ".join(
            f"{v} {d['status']} ({d['body_bytes']} B)"
            for v, d in row.items()
            if isinstance(d, dict)
        )
        same = row.get("fast_body_equals_stock")
        same_txt = (
            ""
            if same is None
            else ("; fast body = stock body" if same else "; **fast body ≠ stock body**")
        )
        lines.append(f"- `{sc.name}`: {statuses}{same_txt}")
    if not report.get("target"):  # with --target the server's settings are not ours
        lines += ["", "## Server and load-generator defaults", ""]
        lines += [f"- {r}" for r in DEFAULTS_REASONING]
    lines += ["", "## Notes", ""]
    lines += [f"- {n}" for n in report.get("notes", NOTES)]
    if report.get("chart"):
        lines += ["", f"![requests per second]({report['chart']})"]
    return "\n".join(lines) + "\n"


def write_chart(
    path: Path,
    cells: dict[tuple[str, str], Cell],
    scenarios: list[str],
    variants: list[str],
    title: str,
) -> str | None:
    """A grouped bar chart of the medians with min–max whiskers; None (and a warning) when
    matplotlib is not importable."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        log(f"warning: matplotlib not importable ({exc}); no chart written")
        return None
    colors = {
        BARE: "#bbbbbb",
        CONST: "#8da0cb",
        STOCK: "#fc8d62",
        ORJSON: "#e5c494",
        FAST: "#66c2a5",
    }
    fig, ax = plt.subplots(figsize=(11, 5.5))
    n = len(variants)
    width = 0.8 / n
    for i, v in enumerate(variants):
        xs, heights, lo, hi, names = [], [], [], [], []
        for j, sc in enumerate(scenarios):
            c = cells.get((sc, v))
            if not c or not c.median_rps:
                continue
            names.append(sc)
            xs.append(j - 0.4 + width * (i + 0.5))
            heights.append(c.median_rps)
            lo.append(c.median_rps - min(c.rps()))
            hi.append(max(c.rps()) - c.median_rps)
        if not xs:
            continue
        ax.bar(
            xs,
            heights,
            width,
            label=v,
            color=colors.get(v),
            yerr=[lo, hi],
            capsize=2,
            edgecolor="black",
            linewidth=0.4,
        )
        if v == FAST:
            for x, top, sc in zip(xs, [h + e for h, e in zip(heights, hi)], names):
                r = ratio(cells, sc, FAST, STOCK)
                if r is not None:
                    ax.annotate(
                        f"{r:.2f}×\nstock",
                        (x, top),  # above the whisker
                        xytext=(0, 4),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=7,
                    )
    ax.set_xticks(range(len(scenarios)))
    ax.set_xticklabels(scenarios)
    ax.set_ylabel("requests/s (median; whiskers: min–max)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, ncol=n, loc="upper right")
    ax.margins(y=0.15)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path.name


# --------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.e2e",
        description="End-to-end benchmark: wrk against httpbin behind gunicorn/granian.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK['rounds']} round of {QUICK['duration']} s runs, warm-up once per variant; "
        "writes results/e2e-quick.*",
    )
    p.add_argument("--server", choices=("gunicorn", "granian"), default=DEFAULT_SERVER)
    p.add_argument(
        "--target",
        metavar="URL",
        help="start no server: load the stock routes and the accelerated routes (under "
        "--fast-prefix) of a running httpbin_ext.wsgi:app at URL, e.g. http://app:8000 "
        "(the compose stack); variants stock and fast only",
    )
    p.add_argument(
        "--fast-prefix",
        default="/fast",
        help="with --target: where the accelerated routes are mounted (default /fast)",
    )
    p.add_argument(
        "--worker-class",
        choices=("sync", "gthread"),
        help=f"gunicorn worker class (default {DEFAULT_WORKER_CLASS}; granian has none)",
    )
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    p.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help="threads per worker (gunicorn gthread; granian blocking threads)",
    )
    p.add_argument("--duration", type=int, help="seconds per timed wrk run (full 4, quick 2)")
    p.add_argument("--connections", type=int, default=DEFAULT_CONNECTIONS)
    p.add_argument("--wrk-threads", type=int, default=DEFAULT_WRK_THREADS)
    p.add_argument("--rounds", type=int, help="rounds per scenario (full 3, quick 1)")
    p.add_argument("--scenarios", type=_csv(SCENARIO_NAMES), default=list(SCENARIO_NAMES))
    p.add_argument("--variants", type=_csv(VARIANTS))
    p.add_argument(
        "--output",
        type=Path,
        help="results JSON path; .md and .png go next to it (default results/e2e.json, "
        "results/e2e-quick.json with --quick)",
    )
    p.add_argument("--startup-timeout", type=float, default=60.0)
    p.add_argument(
        "--check",
        action="store_true",
        help="exit 1 (after writing the results) when a pre-flight answer is not 200, fast's "
        "body differs from stock's, or fast shows non-2xx or more socket errors than stock "
        "(speed targets never fail a run); CI's smoke test uses it",
    )
    p.add_argument(
        "--replot",
        type=Path,
        metavar="JSON",
        help="measure nothing: rebuild the .md and .png next to an existing results JSON",
    )
    p.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="S",
        help=f"before each timed run, wait up to S seconds while other processes keep more "
        f"than {100 * BUSY:.0f}%% of the CPUs busy (default 0: do not wait)",
    )
    args = p.parse_args(argv)
    preset = QUICK if args.quick else FULL
    args.rounds = args.rounds or preset["rounds"]
    args.duration = args.duration or preset["duration"]
    args.warmup = preset["warmup"]
    if args.target:
        if args.variants and set(args.variants) - set(TARGET_VARIANTS):
            p.error("with --target only the variants stock and fast exist")
        if not args.fast_prefix.startswith("/") or args.fast_prefix == "/":
            p.error("--fast-prefix must start with / and not be / itself")
        args.fast_prefix = args.fast_prefix.rstrip("/")
        try:
            target_servers(args.target, args.fast_prefix)
        except ValueError as exc:
            p.error(str(exc))
    args.variants = args.variants or list(TARGET_VARIANTS if args.target else VARIANTS)
    if args.output is None:
        stem = "e2e-target" if args.target else "e2e"
        args.output = RESULTS_DIR / (f"{stem}-quick.json" if args.quick else f"{stem}.json")
    for name in ("rounds", "duration", "connections", "wrk_threads", "workers", "threads"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.connections < args.wrk_threads:
        p.error("--connections must be at least --wrk-threads")
    args.variants = [v for v in VARIANTS if v in args.variants]
    args.scenarios = [s for s in SCENARIO_NAMES if s in args.scenarios]
    return args


def check_tools(args: argparse.Namespace) -> str | None:
    """The path of wrk, or None after printing what is missing."""
    wrk = shutil.which("wrk")
    ok = True
    if wrk is None:
        log("error: wrk is not installed. Install it with `sudo apt-get install wrk`")
        log("       (Debian/Ubuntu), `brew install wrk` (macOS) or from https://github.com/wg/wrk")
        ok = False
    module = args.server
    try:
        if not args.target:  # with --target the server is not ours to start
            __import__(module)
    except ImportError:
        log(
            f"error: {module} is not installed in this Python ({sys.executable}); "
            f"install it with `{sys.executable} -m pip install {module}`"
        )
        ok = False
    missing = [s for s in SCENARIOS if s.name in args.scenarios and not s.script.is_file()]
    for s in missing:
        log(f"error: missing wrk script {s.script}")
        ok = False
    return wrk if ok else None


def run(args: argparse.Namespace, wrk: str, command: str) -> int:
    started = time.monotonic()
    worker_class = args.worker_class or DEFAULT_WORKER_CLASS
    cfg = ServerConfig(args.server, worker_class, args.workers, args.threads)
    wcfg = WrkConfig(args.wrk_threads, args.connections, args.duration)
    scenarios = [s for s in SCENARIOS if s.name in args.scenarios]
    variants = [v for v in args.variants if any(v in variants_for(s.name, [v]) for s in scenarios)]
    if args.server == "granian" and args.worker_class is not None:
        log("note: --worker-class is a gunicorn option; granian ignores it")
    machine = machine_notes(wrk)
    pre_cpu = background_cpu(0.5)
    if pre_cpu is not None and pre_cpu > 0.25:
        log(
            f"warning: {100 * pre_cpu:.0f}% of the CPUs busy before starting (load average "
            f"{machine['loadavg_at_start'][0]}): the numbers will be noisy"
        )
    if args.target:
        description = (
            f"a running server at {args.target} (not started by this run): stock routes at "
            f"their URLs, accelerated routes under {args.fast_prefix}"
        )
    else:
        description = cfg.describe()
    log(f"server: {description}")
    log(f"wrk: {machine['wrk']}; wrk {' '.join(wcfg.args())}")
    plan = [(s, v) for s in scenarios for v in variants_for(s.name, variants)]
    if not plan:
        log(f"error: nothing to run (bare runs in {', '.join(BARE_SCENARIOS)} only)")
        return 2
    total_runs = len(plan) * args.rounds
    warm = (
        [(s, v) for s, v in plan]
        if args.warmup == "scenario"
        else [(scenarios[0], v) for v in variants_for(scenarios[0].name, variants) if v != BARE]
    )
    eta = len(warm) * 1.3 + total_runs * (args.duration + 0.3) + 5
    log(
        f"plan: {len(scenarios)} scenarios, {len(variants)} variants, {args.rounds} round(s) × "
        f"{args.duration} s; {total_runs} timed runs + {len(warm)} warm-ups; ~{eta / 60:.1f} min"
    )

    log_dir = Path(tempfile.mkdtemp(prefix="httpbin-e2e-"))
    keep_logs = False
    cells: dict[tuple[str, str], Cell] = {}
    try:
        if args.target:
            servers = {
                v: srv
                for v, srv in target_servers(args.target, args.fast_prefix).items()
                if v in variants
            }
            log(f"waiting for {args.target} to answer")
        else:
            servers = start_servers(cfg, variants, log_dir)
            log(
                "starting "
                + ", ".join(f"{v} on :{s.port}" for v, s in servers.items())
                + f" (logs in {log_dir})"
            )
        wait_until_ready(servers, args.startup_timeout)
        log(f"servers ready after {time.monotonic() - started:.1f} s")
        pre = preflight(servers, scenarios)
        for sc_name, row in pre.items():
            bad = [v for v, d in row.items() if isinstance(d, dict) and d["status"] != 200]
            if bad:
                log(f"warning: {sc_name}: non-200 answer from {', '.join(bad)}")
            if row.get("fast_body_equals_stock") is False:
                log(f"warning: {sc_name}: fast's body differs from stock's")

        # Warm-up: untimed wrk runs (imports, first-request set-up, interpreter caches).
        warmed_scenarios = set()
        if args.warmup == "variant":
            log(f"warm-up: 1 s {scenarios[0].name} for {', '.join(v for _, v in warm)}")
            for s, v in warm:
                check_alive(servers[v])
                run_wrk(wrk, wcfg, s, servers[v], duration=1)
            warmed_scenarios = {s.name for s in scenarios}

        done = 0
        t0 = time.monotonic()
        for sc in scenarios:
            sc_variants = variants_for(sc.name, variants)
            if sc.name not in warmed_scenarios:
                log(f"warm-up: 1 s {sc.name} for {', '.join(sc_variants)}")
                for v in sc_variants:
                    check_alive(servers[v])
                    run_wrk(wrk, wcfg, sc, servers[v], duration=1)
            for rnd in range(args.rounds):
                k = rnd % len(sc_variants)
                order = sc_variants[k:] + sc_variants[:k]
                for pos, v in enumerate(order):
                    srv = servers[v]
                    check_alive(srv)
                    # Pause between runs (sockets and CPU settle), sampling the CPU use of
                    # everything else on the machine meanwhile.
                    bg = background_cpu(0.2)
                    if args.wait_idle and bg is not None and bg > BUSY:
                        bg = wait_for_idle(args.wait_idle, bg)
                    res = run_wrk(wrk, wcfg, sc, srv)
                    res["background_cpu_before"] = bg
                    res["round"] = rnd
                    res["position"] = pos
                    cells.setdefault((sc.name, v), Cell(sc.name, v)).runs.append(res)
                    done += 1
                    elapsed = time.monotonic() - t0
                    left = elapsed / done * (total_runs - done)
                    extra = ""
                    if bg is not None and bg > BUSY:
                        extra += f"  [machine busy: {100 * bg:.0f}% CPU elsewhere]"
                    if res["non_2xx"] or res["socket_errors"]:
                        extra += f"  non-2xx {res['non_2xx']}, socket errors {res['errors']}"
                    log(
                        f"[{done:>3}/{total_runs}] {sc.name:<9} round {rnd + 1}/{args.rounds} "
                        f"{v:<11} {res['rps']:>9,.0f} req/s  p50 "
                        f"{_fmt_ms(res['latency_us']['p50']):>5} ms  p99 "
                        f"{_fmt_ms(res['latency_us']['p99']):>6} ms  (~{left:.0f} s left){extra}"
                    )
            parts = []
            for v in sc_variants:
                c = cells[(sc.name, v)]
                parts.append(f"{v} {_fmt_rps(c.median_rps)}")
            log(f"{sc.name}: median req/s: " + ", ".join(parts))
        server_cmds = {v: shlex.join(s.cmd) for v, s in servers.items() if s.cmd}
    except (ServerError, WrkError) as exc:
        keep_logs = True
        log(f"error: {exc}")
        log(f"server logs kept in {log_dir}")
        return 1
    finally:
        CHILDREN.stop_all()
        if not keep_logs:
            shutil.rmtree(log_dir, ignore_errors=True)

    sc_names = [s.name for s in scenarios]
    verdicts = evaluate_targets(cells, sc_names)
    machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report: dict[str, Any] = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "quick": args.quick,
        "machine": machine,
        "server": {
            "server": "external" if args.target else cfg.server,
            "worker_class": cfg.worker_class
            if cfg.server == "gunicorn" and not args.target
            else None,
            "workers": cfg.workers,
            "threads": cfg.threads,
            "description": description,
            "commands": server_cmds,
        },
        "target": args.target,
        "prefixes": {v: s.prefix for v, s in servers.items()},
        "wrk": {
            "threads": wcfg.threads,
            "connections": wcfg.connections,
            "duration_s": wcfg.duration,
            "timeout_s": wcfg.timeout,
            "args": wcfg.args(),
        },
        "background_cpu": background_summary(pre_cpu, cells),
        "rounds": args.rounds,
        "warmup": args.warmup,
        "warmup_description": (
            "one untimed 1 s run per scenario and variant before the scenario's first round"
            if args.warmup == "scenario"
            else f"one untimed 1 s {scenarios[0].name} run per variant (bare aside: nothing to "
            "warm) before the first scenario"
        ),
        "scenarios": {
            s.name: {"script": f"wrk/{s.name}.lua", "request": s.title} for s in scenarios
        },
        "variants": variants,
        "variant_labels": {
            v: (
                TARGET_LABELS[v].format(prefix=args.fast_prefix)
                if args.target
                else VARIANT_LABELS[v]
            )
            for v in variants
        },
        "preflight": pre,
        "results": [c.as_dict() for c in cells.values()],
        "ratios": all_ratios(cells, sc_names),
        "targets": verdicts,
        "defaults_reasoning": DEFAULTS_REASONING,
        "notes": TARGET_NOTES if args.target else NOTES,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    report["chart"] = write_chart(
        args.output.with_suffix(".png"), cells, sc_names, variants, chart_title(report)
    )
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    markdown = render_markdown(report, cells, scenarios, verdicts)
    md_path = args.output.with_suffix(".md")
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown)
    print(markdown)
    for v in verdicts:
        log(f"{v['status']:<4} {v['target']}" + (f": {v['measured']}" if v.get("measured") else ""))
    written = [str(md_path), str(args.output)] + (
        [str(args.output.with_suffix(".png"))] if report["chart"] else []
    )
    log(f"wrote {', '.join(written)} in {report['elapsed_s']} s")
    failures = correctness_failures(pre, verdicts)
    for failure in failures:
        log(f"{'FAIL' if args.check else 'warning'}: {failure}")
    return 1 if args.check and failures else 0


def correctness_failures(pre: dict[str, Any], verdicts: list[dict]) -> list[str]:
    """What --check fails on: wrong answers and errors, never speed."""
    out = []
    for sc, row in pre.items():
        for variant, d in row.items():
            if isinstance(d, dict) and d["status"] != 200:
                out.append(f"{sc}: pre-flight answer from {variant} was {d['status']}, not 200")
        if row.get("fast_body_equals_stock") is False:
            out.append(f"{sc}: fast's body differs from stock's")
    out += [
        f"{v['target']}: {v['measured']}"
        for v in verdicts
        if v["status"] == "MISS" and "non-2xx" in v["target"]
    ]
    return out


def chart_title(report: dict[str, Any]) -> str:
    return (
        f"httpbin end to end, {report['machine']['nproc']} cores: "
        f"{report['server']['description']}\n"
        f"wrk {' '.join(report['wrk']['args'])}; {report['rounds']} round(s); "
        "median req/s, whiskers min–max"
    )


def replot(path: Path) -> int:
    """Rebuild the markdown and the chart of a finished run from its JSON."""
    report = json.loads(path.read_text())
    cells = {
        (r["scenario"], r["variant"]): Cell(r["scenario"], r["variant"], r["runs"])
        for r in report["results"]
    }
    scenarios = [s for s in SCENARIOS if s.name in report["scenarios"]]
    names = [s.name for s in scenarios]
    report["ratios"] = all_ratios(cells, names)
    report["targets"] = verdicts = evaluate_targets(cells, names)
    report["chart"] = write_chart(
        path.with_suffix(".png"), cells, names, report["variants"], chart_title(report)
    )
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    path.with_suffix(".md").write_text(render_markdown(report, cells, scenarios, verdicts))
    log(f"rebuilt {path.with_suffix('.md')}" + (" and the chart" if report["chart"] else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    args = parse_args(raw)
    if args.replot:
        return replot(args.replot)
    command = shlex.join(["python", "-m", "benchmarks.e2e", *raw])
    wrk = check_tools(args)
    if wrk is None:
        return 2
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_on_signal)
    try:
        return run(args, wrk, command)
    except KeyboardInterrupt:
        log("interrupted: servers stopped, nothing written")
        return 130
    finally:
        CHILDREN.stop_all()


if __name__ == "__main__":
    sys.exit(main())
