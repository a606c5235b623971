"""Running a peer project's own test suite: its sdist, fetched at test time, and its results.

The sdist of the installed version is downloaded once into ``.downloads/`` (gitignored) with
``pip download`` (the ordinary client, honouring the pip configuration); nothing of it is
committed. Results come from pytest's JUnit XML report.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DOWNLOADS = REPO_ROOT / ".downloads"


def cached_sdist(project: str, version: str) -> Path | None:
    """The sdist already in ``.downloads/`` (file names vary in case: ``Flask-3.1.0``)."""
    for name in (f"{project}-{version}.tar.gz", f"{project.capitalize()}-{version}.tar.gz"):
        if (DOWNLOADS / name).is_file():
            return DOWNLOADS / name
    return None


def sdist(project: str, version: str) -> Path:
    """The sdist of ``project==version``, downloaded if it is not cached; ``OSError`` if
    pip cannot fetch it."""
    cached = cached_sdist(project, version)
    if cached is not None:
        return cached
    DOWNLOADS.mkdir(exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:"]
    cmd += [f"{project}=={version}", "--dest", str(DOWNLOADS)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    downloaded = cached_sdist(project, version)
    if proc.returncode != 0 or downloaded is None:
        raise OSError(f"pip download failed ({proc.returncode}): {proc.stderr.strip()[-1000:]}")
    return downloaded


def junit_outcomes(report: Path) -> dict[str, str]:
    """``{test id: "passed" | "failed" | "skipped"}`` from a JUnit XML report."""
    results: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}::{case.get('name')}"
        kinds = [child.tag for child in case]
        if "failure" in kinds or "error" in kinds:
            results[test_id] = "failed"
        elif "skipped" in kinds:
            results[test_id] = "skipped"
        else:
            results[test_id] = "passed"
    return results
