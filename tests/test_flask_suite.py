"""Flask's own test suite (``test_json.py``, ``test_basic.py`` and a few more) with our provider.

The sdist of the installed Flask version is downloaded once into ``.downloads/`` (gitignored)
with ``pip download``, its ``tests/`` extracted into a temporary directory, and the modules run
twice in a subprocess: once stock, once with ``flask.Flask.json_provider_class =
RustJSONProvider``.
Whatever fails with our provider must also fail with the stock one.
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from peer_suites import junit_outcomes, sdist

REPO_ROOT = Path(__file__).resolve().parents[1]
SUITE_MODULES = [
    "test_json.py",
    "test_basic.py",
    # Also JSON-adjacent: tojson in templates, helpers, request.get_json, the test client.
    "test_templating.py",
    "test_helpers.py",
    "test_request.py",
    "test_testing.py",
]

PLUGIN = textwrap.dedent(
    '''
    """Loaded with -p: every Flask app in the run gets RustJSONProvider."""
    import flask
    import pytest

    from httpbin_ext import RustJSONProvider

    flask.Flask.json_provider_class = RustJSONProvider
    checked_apps = []


    @pytest.fixture(autouse=True)
    def _httpbin_ext_provider_is_ours(request):
        # The suite's `app` fixture calls Flask(...) directly: make sure it got our provider.
        assert isinstance(flask.Flask("probe").json, RustJSONProvider)
        if "app" in request.fixturenames:
            app = request.getfixturevalue("app")
            assert isinstance(app.json, RustJSONProvider), type(app.json)
            checked_apps.append(request.node.nodeid)
        yield


    def pytest_terminal_summary(terminalreporter):
        terminalreporter.write_line(f"httpbin-ext: {len(checked_apps)} apps used RustJSONProvider")
    '''
)


def flask_version() -> str:
    return importlib.metadata.version("flask")


@pytest.fixture(scope="module")
def flask_tests_dir(tmp_path_factory, skip_or_fail) -> Path:
    version = flask_version()
    try:
        archive = sdist("flask", version)
    except (OSError, subprocess.SubprocessError) as exc:
        skip_or_fail(f"could not download the Flask {version} sdist: {exc}")
    root = tmp_path_factory.mktemp("flask_suite")
    with tarfile.open(archive) as tar:
        members = [
            m
            for m in tar.getmembers()
            if m.name.split("/", 1)[-1] == "pyproject.toml"
            or m.name.split("/", 1)[-1].startswith("tests/")
        ]
        for member in members:
            # No absolute paths or "..": extract only regular files and directories.
            if member.name.startswith("/") or ".." in member.name.split("/"):
                continue
            if member.isfile() or member.isdir():
                tar.extract(member, root)
    [project] = [p for p in root.iterdir() if p.is_dir()]
    for module in SUITE_MODULES:
        assert (project / "tests" / module).is_file(), module
    (root / "_httpbin_ext_plugin.py").write_text(PLUGIN)
    return project


def run_suite(project: Path, report: Path, ours: bool) -> dict[str, str]:
    """Run the suite in a subprocess; returns ``{test id: outcome}``."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}"]
    cmd += [f"tests/{m}" for m in SUITE_MODULES]
    if ours:
        cmd += ["-p", "_httpbin_ext_plugin"]
    pythonpath = [str(project.parent), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(pythonpath)}
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True, timeout=900)
    if not report.exists():
        pytest.fail(f"pytest produced no report:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    results = junit_outcomes(report)
    print(proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else proc.stderr[-2000:])
    if ours:
        match = re.search(r"httpbin-ext: (\d+) apps used RustJSONProvider", proc.stdout)
        assert match and int(match.group(1)) > 0, "the plugin did not run"
    return results


def test_flask_suite_with_rust_provider(flask_tests_dir, tmp_path):
    stock = run_suite(flask_tests_dir, tmp_path / "stock.xml", ours=False)
    ours = run_suite(flask_tests_dir, tmp_path / "ours.xml", ours=True)

    def failed(results: dict[str, str]) -> set[str]:
        return {test for test, result in results.items() if result == "failed"}

    def count(results: dict[str, str], kind: str) -> int:
        return sum(result == kind for result in results.values())

    for label, results in (("stock", stock), ("RustJSONProvider", ours)):
        print(
            f"Flask {flask_version()} suite, {label}: {len(results)} tests, "
            f"{count(results, 'passed')} passed, {count(results, 'failed')} failed, "
            f"{count(results, 'skipped')} skipped"
        )
    assert count(stock, "passed") > 0
    assert count(ours, "passed") > 0
    assert set(ours) == set(stock), "both runs must collect the same tests"
    new_failures = sorted(failed(ours) - failed(stock))
    assert not new_failures, f"fail only with RustJSONProvider: {new_failures}"
