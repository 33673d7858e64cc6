#!/usr/bin/env python3
"""Simulated-chip speed: what the hidden imperfections cost on top of the ideal model.

For symmetric cores of N = 16 and 64 with the ``typical`` spec it times, beside
the ideal model (:class:`IdealChip`, the baseline) measured in the same run:

* ``run`` of a batch (150 vectors, the Iris set) with the truth cached;
* ``monitors`` of the same batch (taps at every phase shifter, all noisy);
* ``program + run``: new phases every call, so the true settings (DAC,
  crosstalk, efficiency, offsets, drift) are rebuilt each time, as in a
  training step;
* ``advance + run``: a drift step then a read;
* building the chip (fabrication draw, heater layout, crosstalk matrix).

Every figure is the minimum over repeated runs. Targets: a read costs at most
1.5x the ideal model (one Gaussian draw per output field on top); a read after
reprogramming or a drift step at most 3x at N = 16 (rebuilding the true
settings is a fixed ~0.1 ms); ``monitors`` at most 4x (every tap is a
detector, so one Gaussian draw per tap field).

    python scripts/bench_chip.py      (or: python scripts/bench.py chip)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from picffm.chip import IdealChip, SimulatedChip, preset  # noqa: E402
from benchtools import best  # noqa: E402
from picffm.chip.calibration import random_tied_settings  # noqa: E402
from picffm.meshes import symmetric_core  # noqa: E402

BATCH = 150



def main() -> None:
    rows = []
    for n in (16, 64):
        net = symmetric_core(n)
        rng = np.random.default_rng(0)
        ideal = IdealChip(net)
        chip = SimulatedChip(net, preset("typical"), np.random.default_rng(1))
        progs = [random_tied_settings(chip.schedule, rng) for _ in range(4)]
        for c in (ideal, chip):
            c.program(progs[0])
        x = rng.standard_normal((n, BATCH)) + 0j
        k = [0]

        def reprogram(c):
            k[0] = (k[0] + 1) % 4
            c.program(progs[k[0]])
            c.run(x)

        def step(c):
            c.advance(1.0)
            c.run(x)

        cases = [
            ("run", lambda c: c.run(x), 1.5),
            ("monitors", lambda c: c.monitors(x), 4.0),
            ("program + run", reprogram, 3.0),
            ("advance + run", step, 3.0),
        ]
        for name, fn, target in cases:
            t_chip = best(lambda: fn(chip), min_time=0.05)
            t_ideal = best(lambda: fn(ideal), min_time=0.05)
            rows.append((f"{name} N={n} B={BATCH}", t_chip * 1e3, t_ideal * 1e3, t_chip / t_ideal, f"<= {target}x"))
        t_build = best(lambda: SimulatedChip(net, preset("typical"), np.random.default_rng(2)), repeat=3, min_time=0.05)
        t_ideal = best(lambda: IdealChip(net), repeat=3, min_time=0.05)
        rows.append((f"build N={n}", t_build * 1e3, t_ideal * 1e3, t_build / t_ideal, "-"))
    print(f"{'case':32s} {'chip ms':>9s} {'ideal ms':>9s} {'ratio':>7s}  target")
    for name, a, b, r, t in rows:
        print(f"{name:32s} {a:9.3f} {b:9.3f} {r:7.2f}  {t}")
    calibration_section()
    methods_section()


def calibration_section() -> None:
    """Programming fidelity before and after calibration per preset (scripts/bench_calibration.py)."""
    import bench_calibration

    print()
    bench_calibration.main()


def methods_section() -> None:
    """Training methods on the same chips (scripts/bench_methods.py: the full-length comparison)."""
    import bench_methods

    print()
    print(bench_methods.format_summary(bench_methods.run()))


if __name__ == "__main__":
    main()
