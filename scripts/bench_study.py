#!/usr/bin/env python3
"""Benchmark: study tasks per second, serially and with 2 worker processes.

The tasks are real drift-study points (one 16-mode layer, 20 training
epochs, 4 time checks; in silico, recalibrated and FFM at two drift rates,
two seeds: 12 tasks). picffm runs them through :func:`run_tasks` with the
point store (one atomic JSON file per finished point). The baselines run the
same task objects with no store: a plain Python loop, and a plain
``ProcessPoolExecutor(2).map`` (fork start method, default BLAS threads).
Times are the minimum of two runs. The issue sets no target; 2x is the
ceiling on a 2-core machine.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from concurrent.futures import ProcessPoolExecutor

from benchtools import best
from picffm.studies import drift
from picffm.runs.executor import Task, run_tasks
from picffm.studies.runner import resolve_chip
from picffm.studies.store import PointStore
from picffm.studies.sweep import load_sweep

SWEEP = {"layers": 1, "epochs": 20, "seeds": 2, "drift_rates": [0.0, 0.01], "duration_s": 3.0, "step_s": 1.0,
         "recal_interval_s": 1.0, "recal_iterations": 3, "ffm_steps": 2}


def _tasks():
    sweep = load_sweep("drift", None, SWEEP)
    ctx = sweep.fixed()
    ctx["chip_spec"] = resolve_chip(sweep.chip)
    return drift.make_tasks(sweep, ctx), ctx



def main() -> None:
    tasks, ctx = _tasks()
    n = len(tasks)

    def picffm(workers):
        def run():
            with tempfile.TemporaryDirectory() as d:
                run_tasks(tasks, store=PointStore(d, {"study": "drift", "fixed": ctx}), workers=workers,
                          progress=False)
        return run

    def plain_loop():
        [t() for t in tasks]

    def plain_pool():
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            list(pool.map(Task.__call__, tasks))

    rows = [("serial", best(picffm(1), repeat=2), best(plain_loop, repeat=2)),
            ("2 workers", best(picffm(2), repeat=2), best(plain_pool, repeat=2))]
    print(f"drift-study tasks: {n} points ({SWEEP['layers']} layer, {SWEEP['epochs']} epochs, 4 checks each)")
    print(f"{'mode':<10} {'picffm tasks/s':>15} {'baseline tasks/s':>17}  baseline")
    for (mode, t, b), base in zip(rows, ("plain loop", "plain ProcessPoolExecutor(2), fork")):
        print(f"{mode:<10} {n / t:>15.2f} {n / b:>17.2f}  {base}")
    speedup = rows[0][1] / rows[1][1]
    print(f"speedup with 2 workers: {speedup:.2f}x (at most 2x on 2 cores; uneven task lengths and worker start-up, ~0.5 s each, take the rest)")


if __name__ == "__main__":
    main()
