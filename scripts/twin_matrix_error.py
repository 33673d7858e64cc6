#!/usr/bin/env python3
"""How far a calibrated twin's matrices are from the chip's, with no measured refinement.

Per preset and chip seed, a 16-port symmetric core is calibrated through its
protocol (:func:`picffm.calibration.calibrate`, the defaults of ``picffm chip
calibrate``: 1856 passes), then programmed with ``--targets`` random complex
symmetric matrices through the ideal decomposition. For each setting the
twin's predicted effective matrix (``twin.effective_matrix``: what a
noiseless unit-vector probe reads, transceiver factors included) is compared
with the chip's (``chip.effective_matrix()``, evaluation only):
``||T_twin - T_chip||_F / ||T_chip||_F``. Only the effective matrix is
compared: probes cannot tell a per-port phase or gain of the core from the
transceivers' (``diag(r) M diag(e)`` is unchanged when diagonal factors
move between them), so the twin's core alone is not pinned by the chip's.
The noise of one probe read (the twin's noise floor) is printed beside.

    python scripts/twin_matrix_error.py            # typical, phase-calibrated, fabricated; seeds 0-2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from picffm.calibration import calibrate  # noqa: E402
from picffm.chip import SimulatedChip, preset  # noqa: E402
from picffm.meshes import symmetric_core  # noqa: E402
from picffm.programming import program_symmetric  # noqa: E402


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def twin_errors(name: str, seed: int, targets: int, n: int = 16) -> dict:
    net = symmetric_core(n)
    chip = SimulatedChip(net, preset(name), np.random.default_rng(seed))
    twin = calibrate(chip, rng=np.random.default_rng(1))
    rng = np.random.default_rng(100 + seed)
    eff = []
    for _ in range(targets):
        w = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
        params, _ = program_symmetric(chip.schedule, w + w.T)
        chip.program(params)
        eff.append(_rel(twin.effective_matrix(params), chip.effective_matrix()))
    return {"effective": eff, "floor": twin.report.noise_floor}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="typical,phase-calibrated,fabricated")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--targets", type=int, default=4)
    args = ap.parse_args(argv)
    print(f"N = 16 symmetric core, twin from 'picffm chip calibrate' defaults, {args.targets} random symmetric "
          f"targets per chip, seeds 0..{args.seeds - 1}; relative Frobenius error of the twin's matrices (%)")
    print(f"{'preset':18s} {'effective matrix (mean, min-max)':34s} probe-read noise")
    for name in args.presets.split(","):
        rows = [twin_errors(name, s, args.targets) for s in range(args.seeds)]
        e = 100 * np.array([v for r in rows for v in r["effective"]])
        f = 100 * np.mean([r["floor"] for r in rows])
        print(f"{name:18s} {f'{e.mean():.2f} ({e.min():.2f}-{e.max():.2f})':34s} {f:.2f}")


if __name__ == "__main__":
    main()
