#!/usr/bin/env python3
"""picffm benchmark: prints speed and memory figures beside plain baselines.

Each topic lives in ``scripts/bench_<topic>.py`` and exposes ``main()``, which
prints its own table (picffm figure, baseline measured in the same run,
target). Run everything, or name topics::

    python scripts/bench.py                 # all topics
    python scripts/bench.py core program    # some topics

Targets are for a 2-core machine; they are reported, never asserted in tests.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOPICS = ("core", "startup", "compile", "grad", "program", "chip", "train", "study", "layout")


def _load(topic: str):
    path = HERE / f"bench_{topic}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{topic}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv: list[str]) -> int:
    topics = argv or list(TOPICS)
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        print(f"unknown topic {unknown[0]!r}; valid: {', '.join(TOPICS)}", file=sys.stderr)
        return 2
    for topic in topics:
        mod = _load(topic)
        if mod is None:
            continue
        print(f"\n== {topic} ==")
        t0 = time.perf_counter()
        mod.main()
        print(f"({topic}: {time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
