"""httpbin's own test suite (``tests/`` of the httpbin sdist), run against our accelerated views.

The sdist of the installed httpbin version is downloaded once into ``.downloads/`` (gitignored)
with ``pip download``, only its ``tests/`` extracted into a temporary directory (not its
``httpbin/`` package, which would shadow the installed one), and the suite run twice in
subprocesses: stock, and with a pytest plugin (``-p``) that applies
``HttpbinExt(httpbin.app, mode="replace")`` when it is loaded, i.e. before the suite is
collected and before any of its tests calls ``httpbin.app.test_client()``.

The plugin proves the swap happened: every endpoint of ``ACCELERATED_ENDPOINTS`` that the app
has must be served by an accelerated view, each swapped view is wrapped in a call counter
(which keeps the return value and exceptions), and the terminal summary reports which
accelerated endpoints the suite actually called.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest
from peer_suites import junit_outcomes, sdist

REPO_ROOT = Path(__file__).resolve().parents[1]
PLUGIN_NAME = "_httpbin_ext_suite_plugin"
# Number of tests in the sdist's tests/ (all in tests/test_httpbin.py), per httpbin version.
EXPECTED_TESTS = {"0.10.4": 70}
# The suite requests these; they must be swapped and the accelerated views actually called.
MUST_BE_CALLED = {"view_get", "view_post", "view_headers", "view_anything"}
TIMEOUT = 300

PLUGIN = textwrap.dedent(
    '''
    """Loaded with -p: swaps httpbin.app's views for ours before the suite is even collected."""
    import collections
    import functools
    import os

    import pytest

    import httpbin
    from httpbin_ext import HttpbinExt
    from httpbin_ext.views import ACCELERATED_ENDPOINTS

    APP = httpbin.app
    assert not getattr(APP, "_got_first_request", False), "httpbin.app already served a request"
    # The installed httpbin, not a copy from the sdist.
    assert not os.path.abspath(httpbin.__file__).startswith(os.path.abspath(os.getcwd())), (
        httpbin.__file__
    )

    ORIGINALS = dict(APP.view_functions)
    HttpbinExt(APP, mode="replace")
    SWAPPED = tuple(APP.extensions["httpbin_ext"].endpoints)
    PRESENT = [endpoint for endpoint in ACCELERATED_ENDPOINTS if endpoint in ORIGINALS]
    assert PRESENT, "httpbin.app has none of ACCELERATED_ENDPOINTS"
    assert sorted(SWAPPED) == sorted(PRESENT), (SWAPPED, PRESENT)
    for endpoint in PRESENT:
        view = APP.view_functions[endpoint]
        assert getattr(view, "_httpbin_ext_accelerated", False) is True, endpoint
        assert view._httpbin_ext_original is ORIGINALS[endpoint], endpoint
        assert view is not ORIGINALS[endpoint], endpoint
    for endpoint, view in ORIGINALS.items():
        if endpoint not in PRESENT:
            assert APP.view_functions[endpoint] is view, f"{endpoint} changed but is not ours"

    CALLS = collections.Counter()


    def _counting(endpoint, view):
        @functools.wraps(view)
        def counted(*args, **kwargs):
            CALLS[endpoint] += 1
            return view(*args, **kwargs)

        return counted


    WRAPPERS = {endpoint: _counting(endpoint, APP.view_functions[endpoint]) for endpoint in SWAPPED}
    APP.view_functions.update(WRAPPERS)


    @pytest.fixture(autouse=True)
    def _httpbin_ext_views_are_ours(request):
        # The suite's module must use the very app we patched, still holding our views.
        module_httpbin = getattr(request.module, "httpbin", None)
        if module_httpbin is not None:
            assert module_httpbin.app is APP
        for endpoint, wrapper in WRAPPERS.items():
            assert APP.view_functions[endpoint] is wrapper, endpoint
        yield


    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line(
            f"httpbin-ext: {len(SWAPPED)} endpoints swapped: {','.join(sorted(SWAPPED))}"
        )
        called = ",".join(f"{name}={count}" for name, count in sorted(CALLS.items()))
        terminalreporter.write_line(
            f"httpbin-ext: {len(CALLS)} accelerated endpoints called: {called}"
        )
    '''
)


def httpbin_version() -> str:
    return importlib.metadata.version("httpbin")


@pytest.fixture(scope="module")
def httpbin_tests_dir(tmp_path_factory, skip_or_fail) -> Path:
    """A directory holding the sdist's ``tests/`` (and nothing else from it) and an empty
    ``pytest.ini``; the plugin is written next to it."""
    version = httpbin_version()
    try:
        archive = sdist("httpbin", version)
    except (OSError, subprocess.SubprocessError) as exc:
        skip_or_fail(f"could not download the httpbin {version} sdist: {exc}")
    root = tmp_path_factory.mktemp("httpbin_suite")
    project = root / "project"
    project.mkdir()
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            inner = member.name.partition("/")[2]
            # Only tests/; no absolute paths or "..", only regular files and directories.
            if not inner.startswith("tests/") or member.name.startswith("/"):
                continue
            if ".." in member.name.split("/") or not (member.isfile() or member.isdir()):
                continue
            member.name = inner
            tar.extract(member, project)
    assert (project / "tests" / "test_httpbin.py").is_file()
    assert not (project / "httpbin").exists()
    # Isolate the run from any configuration above the temporary directory.
    (project / "pytest.ini").write_text("[pytest]\n")
    (root / f"{PLUGIN_NAME}.py").write_text(PLUGIN)
    return project


def start_suite(project: Path, report: Path, ours: bool) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    if ours:
        cmd += ["-p", PLUGIN_NAME]
    cmd += ["tests"]
    pythonpath = [str(project.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(pythonpath), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.Popen(
        cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish_suite(proc: subprocess.Popen[str], report: Path) -> tuple[dict[str, str], str]:
    """Wait for a run; returns ``({test id: outcome}, stdout)``."""
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"httpbin's suite took more than {TIMEOUT} s")
    if not report.exists():
        pytest.fail(f"pytest produced no report:\n{stdout[-4000:]}\n{stderr[-4000:]}")
    results = junit_outcomes(report)
    return results, stdout


def test_httpbin_suite_with_accelerated_views(httpbin_tests_dir, tmp_path):
    version = httpbin_version()
    started = time.monotonic()
    # Both runs at once: the suite spends most of its time sleeping in /drip.
    procs = {
        ours: (
            start_suite(httpbin_tests_dir, tmp_path / f"{ours}.xml", ours),
            tmp_path / f"{ours}.xml",
        )
        for ours in (False, True)
    }
    (stock, stock_out), (ours, ours_out) = (finish_suite(*procs[flag]) for flag in (False, True))
    elapsed = time.monotonic() - started

    def outcomes(results: dict[str, str], kind: str) -> set[str]:
        return {test for test, result in results.items() if result == kind}

    for label, results in (("stock", stock), ("replaced", ours)):
        print(
            f"httpbin {version} suite, {label}: {len(results)} tests, "
            f"{len(outcomes(results, 'passed'))} passed, {len(outcomes(results, 'failed'))} "
            f"failed, {len(outcomes(results, 'skipped'))} skipped"
        )
    print(f"both runs took {elapsed:.1f} s")

    swapped_line = re.search(r"^httpbin-ext: (\d+) endpoints swapped: (.*)$", ours_out, re.M)
    called_line = re.search(
        r"^httpbin-ext: (\d+) accelerated endpoints called: (.*)$", ours_out, re.M
    )
    assert swapped_line and called_line, f"the plugin did not report:\n{ours_out[-4000:]}"
    assert "httpbin-ext:" not in stock_out
    swapped = set(filter(None, swapped_line.group(2).split(",")))
    called = dict(item.split("=") for item in filter(None, called_line.group(2).split(",")))
    assert int(swapped_line.group(1)) == len(swapped)
    assert int(called_line.group(1)) == len(called)
    print(called_line.group(0))

    assert set(ours) == set(stock), "both runs must collect the same tests"
    if version in EXPECTED_TESTS:
        assert len(stock) == EXPECTED_TESTS[version], sorted(stock)
    new_failures = sorted(outcomes(ours, "failed") - outcomes(stock, "failed"))
    assert not new_failures, f"fail only with the accelerated views: {new_failures}"
    new_skips = sorted(outcomes(ours, "skipped") - outcomes(stock, "skipped"))
    assert not new_skips, f"skipped only with the accelerated views: {new_skips}"
    if not outcomes(stock, "failed"):
        assert outcomes(ours, "passed") == set(stock)

    assert MUST_BE_CALLED <= swapped, sorted(MUST_BE_CALLED - swapped)
    assert set(called) <= swapped, sorted(set(called) - swapped)
    assert MUST_BE_CALLED <= set(called), f"never called: {sorted(MUST_BE_CALLED - set(called))}"
    assert all(int(count) > 0 for count in called.values()), called
