#!/usr/bin/env python
"""Re-run saved inputs through a harness's check, without fuzzing or instrumentation.

    python fuzz/atheris/repro.py dumps|loads|request FILE [FILE ...]

Prints OK or the finding for each file (crash-*, finding-*, or corpus entries). Exit status 1
when any input still gives a finding.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import atheris  # noqa: E402

# Instrumented code needs libFuzzer's counters (atheris.Setup); here we only replay.
atheris.instrument_imports = lambda *a, **k: contextlib.nullcontext()  # type: ignore[assignment]
atheris.instrument_func = lambda f: f  # type: ignore[assignment]


def main(argv: list[str]) -> int:
    harness, files = argv[0], argv[1:]
    module = importlib.import_module(f"fuzz_{harness}")
    import common

    bad = 0
    ctx = module.DET.patched() if harness == "request" else contextlib.nullcontext()
    with ctx:
        for name in files:
            try:
                module.check(Path(name).read_bytes())
                print(f"OK       {name}")
            except common.Finding as f:
                bad += 1
                print(f"FINDING  {name}\n{f}\n")
    return 1 if bad else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.argv = sys.argv[:1]
    sys.exit(main(args))
