"""`make valgrind`: tests/valgrind_workload.py under valgrind memcheck, judged from its XML.

Fails on any invalid read, write or free (wherever it is) and on any error with a frame in
the extension (`_native`). Reports about uninitialised values whose every frame is inside
CPython itself are counted and listed, not failed: CPython 3.11 produces them on its own
(they come from `int.from_bytes` over `os.urandom` data at import time, with or without
the extension loaded).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FATAL_KINDS = ("InvalidRead", "InvalidWrite", "InvalidFree", "MismatchedFree", "Overlap")


def frames(error: ET.Element) -> list[str]:
    out = []
    for frame in error.iter("frame"):
        fn = frame.findtext("fn") or "?"
        obj = frame.findtext("obj") or ""
        out.append(f"{fn} ({Path(obj).name})")
    return out


def main() -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = Path(tmp) / "memcheck.xml"
        cmd = [
            "valgrind",
            "--tool=memcheck",
            "--leak-check=no",
            "--num-callers=40",
            "--xml=yes",
            f"--xml-file={xml_path}",
            sys.executable,
            str(HERE / "valgrind_workload.py"),
        ]
        print("$ PYTHONMALLOC=malloc " + " ".join(cmd), file=sys.stderr)
        run = subprocess.run(cmd, env=dict(os.environ, PYTHONMALLOC="malloc"), check=False)
        if run.returncode != 0:
            print(f"the workload failed under valgrind (exit {run.returncode})", file=sys.stderr)
            return 1
        root = ET.parse(xml_path).getroot()
    fatal, ours, cpython = [], [], Counter()
    for error in root.iter("error"):
        kind = error.findtext("kind") or "?"
        if kind.startswith("Leak_"):
            # Objects alive at exit (module objects, interned strings, pyo3's type objects):
            # reported in the XML despite --leak-check=no. Leaks are test_memory's job.
            continue
        stack = frames(error)
        if kind in FATAL_KINDS:
            fatal.append((kind, stack))
        elif any("_native" in f for f in stack):
            ours.append((kind, stack))
        else:
            cpython[(kind, stack[0] if stack else "?")] += 1
    for label, errors in (("invalid access", fatal), ("in the extension", ours)):
        for kind, stack in errors:
            print(f"{label}: {kind}\n    " + "\n    ".join(stack[:15]))
    print(
        f"valgrind memcheck: {len(fatal)} invalid reads/writes/frees, {len(ours)} errors with "
        f"an extension frame, {sum(cpython.values())} CPython-internal uninitialised-value "
        f"reports in {len(cpython)} places (not ours: no extension frame)"
    )
    for (kind, top), n in cpython.most_common(5):
        print(f"    {n} × {kind} at {top}")
    return 1 if fatal or ours else 0


if __name__ == "__main__":
    sys.exit(main())
