#!/usr/bin/env python3
"""Training methods compared on the same chips: accuracy, passes per update, gradient error.

ideal, ffm, ffm-twin, ffm-phase, spsa, pat and insitu-bp on the
``fabricated`` (as fabricated) and ``typical`` (calibrated) presets, every
method on the same chip draws, splits and initial states of each seed
(``picffm train iris`` with ``--method``; the default 100 epochs, batch 35,
2 layers; one 105/45 split per seed unless ``--folds``). Prints test accuracy mean +- std over seeds, the gradient error
(% of the chip's exact gradient with respect to what the method updates,
updates 70-90) with its cosine, and the optical passes per update (closed
form, equal to the chips' counters; pat and ffm-twin also calibrate each
chip once, reported as passes per unit). Target: ffm-twin within 2 points of
ideal on ``fabricated``.

    python scripts/bench_methods.py [--seeds N] [--epochs E] [--workers W] [--chip P,P] [--method M,M] [-o DIR]
    (also the last section of: python scripts/bench.py chip)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from picffm.training.config import TrainConfig  # noqa: E402
from picffm.training.run import Experiment, resolve_spec, run_experiment  # noqa: E402

METHODS = ("ideal", "ffm", "ffm-twin", "ffm-phase", "spsa", "pat", "insitu-bp")
CHIPS = ("fabricated", "typical")


def _pm(s) -> str:
    return "-" if not s else f"{s['mean']:.1f} ± {s['std']:.1f}"


def run(seeds: int = 3, epochs: int = 100, workers: int = 2, chips=CHIPS, methods=METHODS, out=None,
        folds: int = 1) -> dict:
    exp = Experiment(TrainConfig(epochs=epochs, folds=folds), tuple(methods), tuple(resolve_spec(c) for c in chips),
                     tuple(range(seeds)), passes_methods=())
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = run_experiment(exp, out or Path(tmp) / "run", progress=False, workers=workers)
        summary["wall_s"] = time.perf_counter() - t0
    return summary


def format_summary(summary: dict) -> str:
    methods = [m for m in METHODS if m in summary["methods"]]
    lines = [f"Iris, {summary['layers']} layers, {summary['epochs']} epochs, seeds "
             f"{','.join(map(str, summary['seeds']))} (test accuracy %, mean ± std over seeds; gradient error % "
             f"over updates {summary['grad_window'][0]}-{summary['grad_window'][1]} with its cosine)"]
    head = f"{'chip':11s} {'method':10s} {'accuracy':>12s} {'grad error':>18s} {'passes/update':>14s}"
    lines += [head, "-" * len(head)]
    for label, ms in summary["chips"].items():
        for m in methods:
            e = ms.get(m, {})
            ge, gc = e.get("grad_error"), e.get("grad_cos")
            g = "-" if not ge else f"{ge['mean']:.1f} (cos {gc['mean']:.2f})"
            p = e.get("passes_per_update")
            lines.append(f"{label:11s} {m:10s} {_pm(e.get('test_acc')):>12s} {g:>18s} "
                         f"{'-' if p is None else f'{p:.0f}':>14s}")
    lines.append(f"wall time {summary.get('wall_s', summary.get('elapsed_s', 0)):.0f} s")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--folds", type=int, default=1, help="folds per seed (1: one 105/45 split per seed)")
    ap.add_argument("--chip", default=",".join(CHIPS))
    ap.add_argument("--method", default=",".join(METHODS))
    ap.add_argument("-o", "--out", default=None, help="keep the run directory here")
    a = ap.parse_args(argv)
    s = run(a.seeds, a.epochs, a.workers, a.chip.split(","), a.method.split(","), a.out, a.folds)
    print(format_summary(s))


if __name__ == "__main__":
    main()
