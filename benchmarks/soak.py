"""Soak test: gunicorn serving the accelerated httpbin under sustained load, stock for comparison.

Run from the repo root with the venv interpreter (the extension built in release mode)::

    .venv/bin/python -m benchmarks.soak                      # defaults: ~5 minutes
    .venv/bin/python -m benchmarks.soak --duration 20 --warmup 5   # a shorter look

Two gunicorn servers on free 127.0.0.1 ports, each in its own process group (the process
handling of ``benchmarks/e2e.py``): ``benchmarks.e2e_apps:fast`` (``HttpbinExt(app,
mode="replace")``) and ``benchmarks.e2e_apps:stock`` (httpbin as shipped). Only one is under load
at a time. For each scenario (``wrk/get.lua``, ``wrk/post_json.lua``, with the JSON reporter of
``wrk/report.lua``) each app gets an untimed warm-up of ``--warmup`` seconds, then a timed run
of ``--duration`` seconds with ``--connections`` connections; the order of the apps alternates
between scenarios (get: fast, stock; post_json: stock, fast).

While wrk runs, every ``--interval`` seconds the master's children (the workers) are listed
from /proc, their RSS is read, and the CPU used by everything else on the machine is estimated
(all CPU time from /proc/stat minus that of the servers, wrk and this script).

Checks (exit status 1 when one fails; stock's figures are reported but only fast is judged):

- fast shows no more non-2xx answers than stock in the same scenario, and no more socket errors
  (connect, read, write, timeout: each kind, and in total);
- no fast worker was restarted: the same worker PIDs before, during and after every run, and no
  "WORKER TIMEOUT", "Booting worker" beyond the first, Rust panic or worker exit in its log;
- no fast worker's RSS grew by more than ``--rss-threshold`` MB (default 2) during a timed run
  (after its warm-up): the median of its last 3 samples against the median of its first 3 from
  ``--settle`` seconds (default 6) into the run, once wrk's connections are open.

Defaults: gunicorn ``--worker-class gthread --workers 2 --threads 8`` (keep-alive; 400
connections are spread over 2 processes × 8 threads, so concurrency inside one process is
exercised: the native code runs on 8 threads of one interpreter), ``wrk -t2 -c400 -d60s
--timeout 10s``, 10 s warm-ups, a sample every 2 s. ``--worker-class sync`` soaks sync workers
(no keep-alive: wrk reconnects for every request).

Results: ``benchmarks/results/soak.{json,md}`` (``--output`` to change). Progress goes to stderr,
the markdown to stdout. Exit status: 0 all checks passed, 1 a check failed or a server or wrk
failed, 2 a required tool is missing, 130/143 when interrupted.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.e2e import (
    BUSY,
    CHILDREN,
    FAST,
    RESULTS_DIR,
    SCENARIOS,
    STOCK,
    Server,
    ServerConfig,
    ServerError,
    WrkConfig,
    WrkError,
    _raise_on_signal,
    background_cpu,
    check_alive,
    free_port,
    log,
    machine_notes,
    preflight,
    run_wrk,
    server_command,
    wait_until_ready,
)
from benchmarks.payloads import REPO_ROOT

APPS = (FAST, STOCK)
SOAK_SCENARIOS = ("get", "post_json")
DEFAULTS = {
    "duration": 60,
    "connections": 400,
    "wrk_threads": 2,
    "wrk_timeout": 10,
    "worker_class": "gthread",
    "workers": 2,
    "threads": 8,
    "warmup": 10,
    "settle": 6.0,
    "interval": 2.0,
    "rss_threshold": 2.0,
}
EDGE_SAMPLES = 3  # RSS at the start/end of a run: median of this many samples

DEFAULTS_REASONING = [
    "gthread, 2 workers × 8 threads: one worker per core, and 8 threads in each so that the "
    "accelerated views run concurrently in one interpreter (the GIL handed between threads "
    "in the middle of requests), which a sync worker never does. gthread keeps connections "
    "alive, so 400 connections are 400 open sockets split between two processes (up to "
    "--worker-connections, 1000, each).",
    "wrk -t2 -c400 --timeout 10s: 400 connections for 16 request threads means deep queues "
    "in the workers (latency in the hundreds of ms), which is the point of a soak: every "
    "buffer and queue full for a minute. The timeout is 10 s rather than e2e's 5 s because a "
    "gthread worker can end up holding most of the connections (it accepts in a burst), and a "
    "slow answer is not the error this test looks for; anything slower is counted.",
    "RSS: after an untimed warm-up per app and scenario (imports, caches, thread stacks and "
    "per-connection buffers at their working size), sampled every 2 s; growth = median of the "
    "last 3 samples − median of the first 3 from 6 s into the run, per worker (wrk opens its "
    "400 connections anew each run and gthread shares them out between the workers by chance: "
    "a worker that gets more than in the warm-up grows once, in the first seconds). A leak of a "
    "few bytes per request shows at this volume (100,000+ requests per run): 20 B/request ≈ "
    "2 MB.",
]


# --------------------------------------------------------------------------------------------
# /proc readers


def children_of(pid: int) -> list[int]:
    """The live children of ``pid`` (gunicorn's master: its workers), sorted."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return sorted(int(p) for p in text.split())
    except OSError:
        pass
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            out.append(int(entry))
    return sorted(out)


def rss_kb(pid: int) -> dict[str, int] | None:
    """VmRSS and RssAnon of ``pid`` in kB, or None when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "RssAnon:")):
                    key, value = line.split(":", 1)
                    out[key] = int(value.split()[0])
    except (OSError, ValueError):
        return None
    return out or None


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` in clock ticks (the unit of /proc/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[11]) + int(fields[12])


def system_ticks() -> tuple[int, int] | None:
    """(busy, total) ticks of all CPUs from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


# --------------------------------------------------------------------------------------------
# Sampling while wrk runs


@dataclass
class Sample:
    t: float  # seconds since the run started
    workers: list[int]
    rss_kb: dict[int, int]  # worker pid -> VmRSS
    anon_kb: dict[int, int]  # worker pid -> RssAnon
    background_cpu: float | None  # share of all CPUs used by other processes since last sample


@dataclass
class Sampler:
    """Samples one server's workers (and the machine's CPU) in a thread while wrk runs."""

    srv: Server
    interval: float
    label: str
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _t0: float = 0.0
    _last_sys: tuple[int, int] | None = None
    _last_cpu: dict[int, int] = field(default_factory=dict)

    def _our_pids(self) -> list[int]:
        pids = [os.getpid()]
        for proc in list(CHILDREN.procs):  # the servers and wrk
            pids.append(proc.pid)
            pids.extend(children_of(proc.pid))
        return pids

    def _cpu_delta(self) -> float | None:
        now_sys = system_ticks()
        now_cpu = {}
        for pid in self._our_pids():
            ticks = cpu_ticks(pid)
            if ticks is not None:
                now_cpu[pid] = ticks
        bg = None
        if self._last_sys is not None and now_sys is not None:
            busy = now_sys[0] - self._last_sys[0]
            total = now_sys[1] - self._last_sys[1]
            ours = sum(t - self._last_cpu.get(pid, 0) for pid, t in now_cpu.items())
            if total > 0:
                bg = max(0.0, (busy - ours) / total)
        self._last_sys, self._last_cpu = now_sys, now_cpu
        return bg

    def sample(self) -> Sample:
        assert self.srv.proc is not None
        workers = children_of(self.srv.proc.pid)
        rss, anon = {}, {}
        for pid in workers:
            r = rss_kb(pid)
            if r:
                rss[pid] = r.get("VmRSS", 0)
                anon[pid] = r.get("RssAnon", 0)
        s = Sample(round(time.monotonic() - self._t0, 2), workers, rss, anon, self._cpu_delta())
        self.samples.append(s)
        return s

    def _loop(self) -> None:
        next_log = 10.0
        while not self._stop.wait(self.interval):
            s = self.sample()
            if s.t >= next_log:
                next_log += 10.0
                mb = ", ".join(f"{pid}: {kb / 1024:.1f}" for pid, kb in sorted(s.rss_kb.items()))
                bg = (
                    "" if s.background_cpu is None else f"; other CPU {100 * s.background_cpu:.0f}%"
                )
                log(f"  {self.label} t={s.t:>5.0f} s  worker RSS MB {{{mb}}}{bg}")

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._cpu_delta()  # baseline for the first interval
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="soak-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sample()


def _edge(values: list[int], first: bool) -> float:
    part = values[:EDGE_SAMPLES] if first else values[-EDGE_SAMPLES:]
    return statistics.median(part)


def summarise_samples(
    samples: list[Sample], initial_workers: list[int], settle: float = 0.0
) -> dict[str, Any]:
    """Restarts and RSS figures of one run. RSS growth and slope leave out the samples of the
    first ``settle`` seconds: while wrk opens its connections they are shared out between the
    workers anew, and a worker that gets more of them than in the warm-up grows once."""
    seen = sorted({pid for s in samples for pid in s.workers} | set(initial_workers))
    changed = [
        {"t": s.t, "workers": s.workers} for s in samples if sorted(s.workers) != initial_workers
    ]
    per_worker = {}
    for pid in initial_workers:
        all_kb = [s.rss_kb[pid] for s in samples if pid in s.rss_kb]
        settled = [s for s in samples if s.t >= settle]
        series = [(s.t, s.rss_kb[pid]) for s in settled if pid in s.rss_kb]
        anon = [s.anon_kb[pid] for s in settled if pid in s.anon_kb]
        if len(series) < 2:
            per_worker[str(pid)] = {"samples": len(series)}
            continue
        kb = [v for _, v in series]
        start, end = _edge(kb, True), _edge(kb, False)
        slope = _slope(series)
        per_worker[str(pid)] = {
            "samples": len(kb),
            "rss_first_sample_mb": round(all_kb[0] / 1024, 2),
            "rss_start_mb": round(start / 1024, 2),
            "rss_end_mb": round(end / 1024, 2),
            "rss_growth_mb": round((end - start) / 1024, 2),
            "rss_min_mb": round(min(kb) / 1024, 2),
            "rss_max_mb": round(max(kb) / 1024, 2),
            "rss_slope_mb_per_min": None if slope is None else round(slope * 60 / 1024, 3),
            "anon_growth_mb": round((_edge(anon, False) - _edge(anon, True)) / 1024, 2)
            if len(anon) >= 2
            else None,
            "rss_series_kb": all_kb,
        }
    bg = [s.background_cpu for s in samples if s.background_cpu is not None]
    return {
        "workers_before": initial_workers,
        "workers_seen": seen,
        "worker_changes": changed,
        "restarts": len(set(seen) - set(initial_workers)),
        "per_worker": per_worker,
        "max_rss_growth_mb": max(
            (w["rss_growth_mb"] for w in per_worker.values() if "rss_growth_mb" in w),
            default=None,
        ),
        "background_cpu": {
            "median": round(statistics.median(bg), 3) if bg else None,
            "max": round(max(bg), 3) if bg else None,
            "samples": len(bg),
        },
        "sample_times_s": [s.t for s in samples],
        "settle_s": settle,
    }


def _slope(series: list[tuple[float, int]]) -> float | None:
    """Least-squares slope (kB per second) of an RSS series."""
    if len(series) < 3:
        return None
    ts = [t for t, _ in series]
    vs = [v for _, v in series]
    mt, mv = statistics.fmean(ts), statistics.fmean(vs)
    den = sum((t - mt) ** 2 for t in ts)
    if den == 0:
        return None
    return sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / den


# --------------------------------------------------------------------------------------------
# Servers and logs


def soak_server_command(cfg: ServerConfig, app: str, port: int) -> list[str]:
    # info: the log then has one "Booting worker" line per worker, which the restart check counts
    return server_command(cfg, app, port, log_level="info")


def start_soak_servers(cfg: ServerConfig, log_dir: Path) -> dict[str, Server]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    servers: dict[str, Server] = {}
    for app in APPS:
        port = free_port()
        srv = Server(app, port, soak_server_command(cfg, app, port), log_dir / f"{app}.log")
        with open(srv.log_path, "wb") as out:  # type: ignore[arg-type]
            srv.proc = CHILDREN.spawn(
                srv.cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
            )
        servers[app] = srv
    return servers


def wait_for_workers(srv: Server, n: int, timeout: float = 30.0) -> list[int]:
    """The master's children once there are ``n`` of them, unchanged for half a second."""
    assert srv.proc is not None
    deadline = time.monotonic() + timeout
    last: list[int] = []
    since = time.monotonic()
    while time.monotonic() < deadline:
        check_alive(srv)
        pids = children_of(srv.proc.pid)
        if pids != last:
            last, since = pids, time.monotonic()
        elif len(pids) == n and time.monotonic() - since >= 0.5:
            return pids
        time.sleep(0.1)
    raise ServerError(f"{srv.variant}: expected {n} workers, found {last}\n{srv.log_tail()}")


LOG_ALARMS = {
    "worker_timeout": re.compile(r"WORKER TIMEOUT"),
    "worker_booted": re.compile(r"Booting worker"),
    "worker_exit": re.compile(r"exited with code|was sent SIGKILL|Worker exiting"),
    "traceback": re.compile(r"^Traceback \(most recent call last\)"),
    "panic": re.compile(r"PanicException|pyo3_runtime|panicked at"),
    "error": re.compile(r"\[(ERROR|CRITICAL)\]|ERROR in app"),
}


def log_alarms(srv: Server) -> dict[str, Any]:
    """Counts of the log lines that say a worker had trouble, and the first few of them."""
    text = srv.log_path.read_text(errors="replace") if srv.log_path else ""
    counts = {k: 0 for k in LOG_ALARMS}
    examples: list[str] = []
    for line in text.splitlines():
        for kind, rx in LOG_ALARMS.items():
            if rx.search(line):
                counts[kind] += 1
                if kind != "worker_booted" and len(examples) < 10:
                    examples.append(line[:300])
    return {"counts": counts, "examples": examples}


# --------------------------------------------------------------------------------------------
# The soak


@dataclass
class Run:
    scenario: str
    app: str
    wrk: dict[str, Any]
    sampling: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "app": self.app, "wrk": self.wrk, **self.sampling}


ERROR_KINDS = ("connect", "read", "write", "timeout")


def evaluate(
    runs: list[Run], alarms: dict[str, dict[str, Any]], workers: int, threshold: float
) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    by = {(r.scenario, r.app): r for r in runs}
    for sc in dict.fromkeys(r.scenario for r in runs):
        f, s = by.get((sc, FAST)), by.get((sc, STOCK))
        if f is None:
            continue
        fw, sw = f.wrk, (s.wrk if s else None)
        stock_non2xx = sw["non_2xx"] if sw else 0
        checks.append(
            {
                "check": f"{sc}: fast non-2xx ≤ stock's",
                "ok": fw["non_2xx"] <= stock_non2xx,
                "measured": f"fast {fw['non_2xx']}, stock {stock_non2xx if sw else '–'}",
            }
        )
        kinds_f = {k: int(fw["errors"][k]) for k in ERROR_KINDS}
        kinds_s = {k: int(sw["errors"][k]) if sw else 0 for k in ERROR_KINDS}
        worse = [k for k in ERROR_KINDS if kinds_f[k] > kinds_s[k]]
        checks.append(
            {
                "check": f"{sc}: fast socket errors ≤ stock's (each kind)",
                "ok": not worse,
                "measured": "fast "
                + ", ".join(f"{k} {kinds_f[k]}" for k in ERROR_KINDS)
                + "; stock "
                + ", ".join(f"{k} {kinds_s[k]}" for k in ERROR_KINDS)
                + (f" (worse: {', '.join(worse)})" if worse else ""),
            }
        )
        checks.append(
            {
                "check": f"{sc}: no fast worker restarted during the run",
                "ok": f.sampling["restarts"] == 0 and not f.sampling["worker_changes"],
                "measured": f"workers {f.sampling['workers_before']} → seen "
                f"{f.sampling['workers_seen']}",
            }
        )
        growth = f.sampling["max_rss_growth_mb"]
        stock_growth = s.sampling["max_rss_growth_mb"] if s else None
        checks.append(
            {
                "check": f"{sc}: fast worker RSS growth ≤ {threshold:g} MB per worker",
                "ok": growth is not None and growth <= threshold,
                "measured": "fast "
                + ", ".join(
                    f"{pid}: {w.get('rss_growth_mb', 'n/a'):+} MB"
                    for pid, w in f.sampling["per_worker"].items()
                )
                + (f"; stock max {stock_growth:+} MB" if stock_growth is not None else ""),
            }
        )
    fa = alarms.get(FAST, {}).get("counts", {})
    sa = alarms.get(STOCK, {}).get("counts", {})
    trouble = {k: fa.get(k, 0) for k in ("worker_timeout", "worker_exit", "panic") if fa.get(k, 0)}
    if fa.get("worker_booted", 0) != workers:
        trouble["worker_booted"] = fa.get("worker_booted", 0)
    for k in ("traceback", "error"):
        if fa.get(k, 0) > sa.get(k, 0):
            trouble[k] = fa[k]
    checks.append(
        {
            "check": "fast's server log: no worker timeout, exit or re-boot, no panic, "
            "no more tracebacks or errors than stock's",
            "ok": not trouble,
            "measured": "fast " + json.dumps(fa) + "; stock " + json.dumps(sa),
        }
    )
    return checks


def run(args: argparse.Namespace, wrk: str, command: str) -> int:
    started = time.monotonic()
    cfg = ServerConfig("gunicorn", args.worker_class, args.workers, args.threads)
    wcfg = WrkConfig(args.wrk_threads, args.connections, args.duration, args.wrk_timeout)
    scenarios = [s for s in SCENARIOS if s.name in args.scenarios]
    machine = machine_notes(wrk)
    pre_cpu = background_cpu(1.0)
    log(f"server: {cfg.describe()}")
    log(f"wrk: wrk {' '.join(wcfg.args())}; scenarios {', '.join(s.name for s in scenarios)}")
    if pre_cpu is not None and pre_cpu > BUSY:
        log(f"warning: {100 * pre_cpu:.0f}% of the CPUs busy before starting: shared machine")
    n_runs = len(scenarios) * len(APPS)
    eta = n_runs * (args.duration + args.warmup + 2) + 10
    log(
        f"plan: {n_runs} timed runs of {args.duration} s, each after a {args.warmup} s "
        f"warm-up; ~{eta / 60:.1f} min"
    )

    log_dir = Path(tempfile.mkdtemp(prefix="httpbin-soak-"))
    keep_logs = False
    runs: list[Run] = []
    alarms: dict[str, dict[str, Any]] = {}
    try:
        servers = start_soak_servers(cfg, log_dir)
        log(
            "starting "
            + ", ".join(f"{a} on :{s.port}" for a, s in servers.items())
            + f" (logs in {log_dir})"
        )
        wait_until_ready(servers, args.startup_timeout)
        initial = {a: wait_for_workers(s, args.workers) for a, s in servers.items()}
        log(
            f"servers ready after {time.monotonic() - started:.1f} s; workers "
            + ", ".join(f"{a} {p}" for a, p in initial.items())
        )
        pre = preflight(servers, scenarios)
        for sc_name, row in pre.items():
            if row.get("fast_body_equals_stock") is False:
                log(f"warning: {sc_name}: fast's body differs from stock's")

        for i, sc in enumerate(scenarios):
            order = list(APPS) if i % 2 == 0 else list(reversed(APPS))
            for app in order:
                srv = servers[app]
                check_alive(srv)
                if args.warmup:
                    log(f"{sc.name}/{app}: warm-up {args.warmup} s")
                    run_wrk(wrk, wcfg, sc, srv, duration=args.warmup)
                before = children_of(srv.proc.pid)  # type: ignore[union-attr]
                sampler = Sampler(srv, args.interval, f"{sc.name}/{app}")
                log(f"{sc.name}/{app}: {args.duration} s, wrk {' '.join(wcfg.args())}")
                sampler.start()
                try:
                    res = run_wrk(wrk, wcfg, sc, srv)
                finally:
                    sampler.stop()
                check_alive(srv)
                sampling = summarise_samples(sampler.samples, before, args.settle)
                grown = [
                    w["rss_growth_mb"]
                    for w in sampling["per_worker"].values()
                    if "rss_growth_mb" in w
                ]
                sampling["rss_growth_bytes_per_request"] = (
                    round(sum(grown) * 2**20 / res["requests"], 2)
                    if grown and res["requests"]
                    else None
                )
                sampling["workers_after"] = children_of(srv.proc.pid)  # type: ignore[union-attr]
                if sampling["workers_after"] != initial[app]:
                    sampling["worker_changes"].append(
                        {"t": "after", "workers": sampling["workers_after"]}
                    )
                runs.append(Run(sc.name, app, res, sampling))
                errs = ", ".join(f"{k} {res['errors'][k]}" for k in ERROR_KINDS)
                growth = ", ".join(
                    f"{w.get('rss_growth_mb', 'n/a'):+} MB" for w in sampling["per_worker"].values()
                )
                log(
                    f"{sc.name}/{app}: {res['requests']:,} requests, {res['rps']:,.0f} req/s, "
                    f"non-2xx {res['non_2xx']}, socket errors {res['socket_errors']} ({errs}), "
                    f"restarts {sampling['restarts']}, RSS growth per worker {growth}"
                )
        alarms = {a: log_alarms(s) for a, s in servers.items()}
        server_cmds = {a: shlex.join(s.cmd) for a, s in servers.items()}
    except (ServerError, WrkError) as exc:
        keep_logs = True
        log(f"error: {exc}")
        log(f"server logs kept in {log_dir}")
        return 1
    finally:
        CHILDREN.stop_all()
        if not keep_logs:
            shutil.rmtree(log_dir, ignore_errors=True)

    checks = evaluate(runs, alarms, args.workers, args.rss_threshold)
    machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    bg_all = [s for r in runs for s in [r.sampling["background_cpu"]["median"]] if s is not None]
    report: dict[str, Any] = {
        "command": command,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "background_cpu": {
            "before_start": pre_cpu,
            "median_of_run_medians": round(statistics.median(bg_all), 3) if bg_all else None,
            "max": max((r.sampling["background_cpu"]["max"] or 0 for r in runs), default=None),
            "method": "every sample interval during the timed runs: CPU time of the whole "
            "machine (/proc/stat) minus that of both servers' processes, wrk and this script "
            "(/proc/<pid>/stat), as a share of all CPUs; before_start: 1 s before any server",
        },
        "server": {
            "description": cfg.describe(),
            "worker_class": cfg.worker_class,
            "workers": cfg.workers,
            "threads": cfg.threads if cfg.worker_class == "gthread" else None,
            "commands": server_cmds,
        },
        "wrk": {"args": wcfg.args(), "warmup_s": args.warmup},
        "interval_s": args.interval,
        "settle_s": args.settle,
        "rss_threshold_mb": args.rss_threshold,
        "scenarios": {
            s.name: {"script": f"wrk/{s.name}.lua", "request": s.title} for s in scenarios
        },
        "preflight": pre,
        "runs": [r.as_dict() for r in runs],
        "log_alarms": alarms,
        "checks": checks,
        "passed": all(c["ok"] for c in checks),
        "defaults_reasoning": DEFAULTS_REASONING,
    }
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    markdown = render_markdown(report)
    md_path = args.output.with_suffix(".md")
    md_path.write_text(markdown)
    print(markdown)
    for c in checks:
        log(f"{'PASS' if c['ok'] else 'FAIL'} {c['check']}: {c['measured']}")
    log(f"wrote {md_path} and {args.output} in {report['elapsed_s']} s")
    return 0 if report["passed"] else 1


# --------------------------------------------------------------------------------------------
# Report


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def render_markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    bg = report["background_cpu"]
    lines = [
        "# Soak test (wrk → gunicorn → httpbin, fast vs stock)",
        "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}, elapsed {report['elapsed_s']} s",
        f"- machine: nproc={m['nproc']} (os.cpu_count={m['cpu_count']}), CPU: {m['cpu_model']}, "
        f"load average at start: {', '.join(map(str, m['loadavg_at_start']))}, at end: "
        f"{', '.join(map(str, m.get('loadavg_at_end', [])))}",
        f"- other processes' CPU during the runs: median {_pct(bg['median_of_run_medians'])}, "
        f"max {_pct(bg['max'])} of all CPUs; {_pct(bg['before_start'])} before the start "
        "(the machine is shared: absolute req/s are not comparable between runs of this test)",
        f"- Python {m['python']} ({m['platform']})",
        "- packages: "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + f"; git {m['git']}",
        f"- extension build: {m['extension_build']}",
        f"- server: {report['server']['description']}; fast and stock each in their own "
        "process group on 127.0.0.1, only one under load at a time",
        f"- load: {m['wrk']}: `wrk {' '.join(report['wrk']['args'])} -s wrk/<scenario>.lua`, "
        f"after an untimed {report['wrk']['warmup_s']} s warm-up of the same app and scenario",
        f"- sampling: worker PIDs and RSS every {report['interval_s']:g} s during each timed run; "
        f"RSS growth = median of the last {EDGE_SAMPLES} samples − median of the first "
        f"{EDGE_SAMPLES} from {report['settle_s']:g} s into the run (wrk's connections open "
        "and shared out between the workers by then), per worker; slope: least squares over "
        "the same samples; B/request: the workers' summed growth ÷ the run's requests",
        "",
        "Scenarios:",
        "",
    ]
    for name, sc in report["scenarios"].items():
        lines.append(f"- `{name}` (`{sc['script']}`): {sc['request']}")
    lines += [
        "",
        "## Results",
        "",
        "| scenario | app | requests | req/s | p50 ms | p99 ms | non-2xx | socket errors "
        "(connect/read/write/timeout) | worker restarts | RSS per worker: start → end MB "
        "(growth; slope MB/min) | RSS growth B/request | other CPU |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|",
    ]
    for r in report["runs"]:
        w = r["wrk"]
        e = w["errors"]
        rss = "; ".join(
            f"{v['rss_start_mb']:.1f} → {v['rss_end_mb']:.1f} ({v['rss_growth_mb']:+.2f}; "
            f"{v['rss_slope_mb_per_min']:+.3f}/min)"
            if "rss_growth_mb" in v
            else "n/a"
            for v in r["per_worker"].values()
        )
        lat = w["latency_us"]
        lines.append(
            f"| {r['scenario']} | {r['app']} | {w['requests']:,} | {w['rps']:,.0f} "
            f"| {_ms(lat.get('p50'))} | {_ms(lat.get('p99'))} | {w['non_2xx']} "
            f"| {w['socket_errors']} ({e['connect']}/{e['read']}/{e['write']}/{e['timeout']}) "
            f"| {r['restarts']} | {rss} | {_fmt_bpr(r.get('rss_growth_bytes_per_request'))} "
            f"| {_pct(r['background_cpu']['median'])} |"
        )
    lines += ["", "## Checks (fast is judged; stock is the reference)", ""]
    for c in report["checks"]:
        lines.append(f"- **{'PASS' if c['ok'] else 'FAIL'}** {c['check']}: {c['measured']}")
    lines += ["", "## Server logs", ""]
    for app, a in report["log_alarms"].items():
        counts = ", ".join(f"{k} {n}" for k, n in a["counts"].items())
        lines.append(f"- {app}: {counts}")
        for ex in a["examples"][:5]:
            lines.append(f"  - `{ex}`")
    lines += ["", "## Why these defaults", ""]
    lines += [f"- {x}" for x in report["defaults_reasoning"]]
    lines += [
        "",
        "Notes: wrk and the servers share the machine's cores (loopback only); the machine is "
        "also shared with unrelated work, measured above as other processes' CPU. req/s are "
        "therefore indicative only: this test is about errors, restarts and memory, and fast "
        "is only compared with stock measured minutes apart on the same machine.",
        "",
    ]
    return "\n".join(lines)


def _fmt_bpr(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.1f}"


def _ms(us: float | None) -> str:
    return "" if us is None else f"{us / 1000:.1f}"


# --------------------------------------------------------------------------------------------
# CLI


def parse_args(argv: list[str]) -> argparse.Namespace:
    d = DEFAULTS
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Soak test: sustained wrk load on gunicorn serving fast and stock httpbin; "
        "checks errors, worker restarts and worker RSS growth.",
    )
    p.add_argument("--duration", type=int, default=d["duration"], help="seconds per timed run")
    p.add_argument("--connections", type=int, default=d["connections"])
    p.add_argument("--wrk-threads", type=int, default=d["wrk_threads"])
    p.add_argument(
        "--wrk-timeout", type=int, default=d["wrk_timeout"], help="wrk --timeout, seconds"
    )
    p.add_argument("--worker-class", choices=("gthread", "sync"), default=d["worker_class"])
    p.add_argument("--workers", type=int, default=d["workers"])
    p.add_argument("--threads", type=int, default=d["threads"], help="gthread threads/worker")
    p.add_argument(
        "--warmup", type=int, default=d["warmup"], help="untimed seconds before each run"
    )
    p.add_argument("--interval", type=float, default=d["interval"], help="seconds between samples")
    p.add_argument(
        "--settle",
        type=float,
        default=d["settle"],
        metavar="S",
        help="RSS growth is measured from S seconds into each timed run (connections opened)",
    )
    p.add_argument(
        "--rss-threshold",
        type=float,
        default=d["rss_threshold"],
        metavar="MB",
        help="fail when a fast worker's RSS grows more than this during a timed run",
    )
    p.add_argument(
        "--scenarios",
        nargs="+",
        choices=[s.name for s in SCENARIOS],
        default=list(SOAK_SCENARIOS),
    )
    p.add_argument("--startup-timeout", type=float, default=60.0)
    p.add_argument("--output", type=Path, default=RESULTS_DIR / "soak.json")
    args = p.parse_args(argv)
    for name in ("duration", "connections", "wrk_threads", "workers", "threads", "wrk_timeout"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.warmup < 0 or args.interval <= 0:
        p.error("--warmup must be ≥ 0 and --interval > 0")
    if args.connections < args.wrk_threads:
        p.error("--connections must be at least --wrk-threads")
    if args.settle < 0:
        p.error("--settle must be ≥ 0")
    if args.duration - args.settle < args.interval * (2 * EDGE_SAMPLES):
        p.error(
            f"--duration must allow at least {2 * EDGE_SAMPLES} samples at --interval after "
            "--settle"
        )
    args.scenarios = [s.name for s in SCENARIOS if s.name in args.scenarios]
    return args


def main(argv: list[str] | None = None) -> int:
    raw = sys.argv[1:] if argv is None else argv
    args = parse_args(raw)
    command = shlex.join(["python", "-m", "benchmarks.soak", *raw])
    wrk = shutil.which("wrk")
    if wrk is None:
        log("error: wrk is not installed (`sudo apt-get install wrk`, `brew install wrk`)")
        return 2
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        log(f"error: gunicorn is not installed in {sys.executable}")
        return 2
    if not Path("/proc/self/status").exists():
        log("error: the soak test reads worker RSS and PIDs from /proc (Linux only)")
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
