"""Timing shared by the ``scripts/bench_*.py`` benchmarks."""

from __future__ import annotations

import time
from typing import Callable


def best(fn: Callable[[], object], *, repeat: int = 5, min_time: float = 0.0) -> float:
    """Minimum wall time per call (s) over ``repeat`` rounds.

    Each round runs ``fn`` enough times to last about ``min_time`` seconds
    (at least once), so sub-millisecond calls are timed in bulk; with
    ``min_time=0`` (the default) every round is a single call and nothing is
    run before the first round (for calls too slow to warm up).
    """
    number = 1
    if min_time > 0:
        fn()  # warm-up (caches, lazy imports)
        t0 = time.perf_counter()
        fn()
        number = max(1, int(min_time / max(time.perf_counter() - t0, 1e-7)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)
