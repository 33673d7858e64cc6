#!/usr/bin/env python3
"""Benchmark of picffm.freespace: the issue's targets, each beside a plain baseline from the same run.

1. FFM gradient on the ideal system against a fourth-order finite difference
   (target: relative error <= 1e-9).
2. Propagation of a batch of 64 fields (batched band-limited angular
   spectrum, complex64) beside the plain baseline: the same operator as a
   dense pixel-by-pixel matrix product (32 x 32 and the classifier's 64 x 64
   grid, whose 4096 x 4096 matrix takes 134 MB).
3. ``picffm freespace focus`` default run (target: < 60 s on 2 cores; FWHM
   within 1.3 x lambda z / D; FFM reaches PSO's final loss in >= 10 x fewer
   iterations).
4. ``picffm freespace classify --layers 2`` default run (target: < 300 s on
   2 cores; FFM within 3 points of ideal; in silico >= 20 points below).

    python scripts/bench_freespace.py           # everything (several minutes)
    python scripts/bench_freespace.py --quick   # 1 and 2 only
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import best  # noqa: E402

from picffm.freespace import (DiffractiveDesign, Grid, IdealSystem, Propagator, Readout,  # noqa: E402
                              detector_masks, ffm_gradients, forward)


def _status(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def gradient_check() -> None:
    rng = np.random.default_rng(0)
    g = Grid(32, 8.0)
    system = IdealSystem(DiffractiveDesign(g, z_um=4000.0), 2)
    masks = rng.uniform(0, 2 * np.pi, (2, 32, 32))
    system.program(masks)
    x = rng.uniform(0, 1, (8, 32, 32))
    labels = rng.integers(0, 10, 8)
    readout = Readout(detector_masks(g, 10))
    _, grads, _ = ffm_gradients(system, x, labels, readout)

    def loss(m):
        system.program(m)
        return readout.loss_and_grad(forward(system, x, "intensity")[1], labels)[0]

    worst = 0.0
    for _ in range(3):
        v = rng.normal(size=masks.shape)
        h = 1e-3
        fd = (8 * (loss(masks + h * v) - loss(masks - h * v)) - (loss(masks + 2 * h * v) - loss(masks - 2 * h * v))) / (12 * h)
        worst = max(worst, abs(np.sum(grads * v) - fd) / abs(fd))
    print(f"1. FFM gradient vs finite differences (ideal system, 2 stages, 32 x 32): worst relative error "
          f"{worst:.1e} (target 1e-9) {_status(worst <= 1e-9)}")


def propagation_speed() -> None:
    for n in (32, 64):
        g = Grid(n, 8.0)
        p = Propagator(g, 6000.0, dtype="complex64")
        u = (np.random.default_rng(1).normal(size=(64, n, n)) + 0j).astype(np.complex64)
        t = best(lambda: p(u), repeat=5, min_time=0.05)
        line = f"2. propagate 64 fields on {n} x {n} (FFT pad {p.n_pad}): {1e3 * t:.2f} ms"
        if n <= 64:
            m = np.concatenate([p(np.eye(n * n, dtype=np.complex64)[k:k + 512].reshape(-1, n, n)).reshape(-1, n * n)
                                for k in range(0, n * n, 512)])
            flat = u.reshape(64, n * n)
            tb = best(lambda: flat @ m, repeat=5, min_time=0.05)
            line += f"; dense {n * n} x {n * n} matrix product (baseline) {1e3 * tb:.2f} ms"
        print(line)


def _cli(args: list[str]) -> tuple[dict, float]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "picffm", *args, "--json", "--quiet"], capture_output=True,
                         text=True, env=env)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {res.stderr.strip()}")
    return json.loads(res.stdout), wall


def focus_run(tmp: str) -> None:
    s, wall = _cli(["freespace", "focus", "-o", f"{tmp}/focus"])
    lim = s["diffraction_limit_um"]
    m = s["methods"]
    f_ffm = m["ffm"]["fwhm_um"]["mean"]
    speed = s["ffm_speedup_vs_pso"]
    fov = s["fov"]["fwhm"]
    print(f"3. picffm freespace focus (default): {wall:.1f} s wall (target 60 s) {_status(wall < 60)}")
    print(f"   diffraction limit {lim:.1f} um; FWHM FFM {f_ffm:.1f} um ({f_ffm / lim:.2f} x, target <= 1.3) "
          f"{_status(f_ffm <= 1.3 * lim)}; across the field of view {fov['mean']:.1f} ± {fov['std']:.1f} um, "
          f"best {fov['min']:.1f}; PSO {m['pso']['fwhm_um']['mean']:.1f} um; random search "
          f"{m['random']['fwhm_um']['mean']:.1f} um")
    print(f"   final loss FFM {m['ffm']['final_loss']['mean']:.2f} after {m['ffm']['iterations']} iterations, "
          f"PSO {m['pso']['final_loss']['mean']:.2f} after {m['pso']['iterations']}, random search "
          f"{m['random']['final_loss']['mean']:.2f}; FFM reaches PSO's final loss at iteration "
          f"{m['ffm']['iterations_to_pso_final']['mean']:.0f}: {speed:.0f} x fewer (target >= 10) "
          f"{_status(speed is not None and speed >= 10)}")
    print(f"   PSNR vs the clear system's focus: FFM {m['ffm']['psnr_db']['mean']:.1f} dB, "
          f"PSO {m['pso']['psnr_db']['mean']:.1f} dB, random search {m['random']['psnr_db']['mean']:.1f} dB")


def classify_run(tmp: str) -> None:
    s, wall = _cli(["freespace", "classify", "--layers", "2", "-o", f"{tmp}/classify"])
    r = s["results"]["2"]
    i, si, f = (r[k]["test_acc"]["mean"] for k in ("ideal", "insilico", "ffm"))
    print(f"4. picffm freespace classify --layers 2 (default): {wall:.1f} s wall (target 300 s) "
          f"{_status(wall < 300)}")
    print(f"   test accuracy ideal {i:.1f} %, in silico deployed {si:.1f} % ({si - i:+.1f}, target <= -20) "
          f"{_status(si - i <= -20)}, FFM {f:.1f} % ({f - i:+.1f}, target >= -3) {_status(f - i >= -3)}")


def main() -> None:
    gradient_check()
    propagation_speed()
    if "--quick" in sys.argv:
        return
    with tempfile.TemporaryDirectory() as tmp:
        focus_run(tmp)
        classify_run(tmp)


if __name__ == "__main__":
    main()
