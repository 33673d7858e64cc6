"""Matrix error of the raw and the reciprocity-constrained probe fits against the chip's true operator.

For each chip spec and variant, programs each seed's chip (N = 16) with random
tied settings, reads it with the N unit-vector probes (one read) several
times and compares, against the noiseless effective operator
``diag(r) M diag(e)`` (``reveal()``, evaluation only):

* the raw probe fit (the read itself);
* the reciprocal fit (``picffm.training.reciprocal_fit``) of the same read.

The variants separate the sources: ``as is``; ``mirror_asymmetry 0`` (the
operator is then exactly of the reciprocal form); ``no column noise`` (the
receivers' per-pass reference jitter and the modulator's encoding noise off:
the per-pass factors that multiply a whole probe column); ``no read noise``
(every per-read error off: what is left is the fit's model error).

Usage: ``PYTHONPATH=. python scripts/reciprocal_fit_error.py [--specs phase-calibrated,typical] [--seeds 5]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from picffm.chip.calibration import measure_matrix, random_tied_settings, relative_error
from picffm.chip.presets import resolve_spec
from picffm.errors import SpecError
from picffm.training.prepare import make_chips
from picffm.training.reciprocal_fit import reciprocal_fit

COLUMN = dict(detector__phase_noise_rad=0.0, modulator__noise=0.0)
READ = dict(COLUMN, detector__shot=0.0, detector__thermal=0.0, detector__adc_bits=0)
VARIANTS = [("as is", {}), ("mirror_asymmetry 0", {"mirror_asymmetry": 0.0}), ("no column noise", COLUMN),
            ("no column noise, mirror_asymmetry 0", dict(COLUMN, mirror_asymmetry=0.0)),
            ("no read noise (model error)", READ)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--specs", default="phase-calibrated,typical", help="comma-separated presets or spec files")
    ap.add_argument("--seeds", type=int, default=5, help="chip seeds (one chip, one random setting each)")
    ap.add_argument("--reads", type=int, default=4, help="independent probe reads per chip")
    args = ap.parse_args()
    for name in args.specs.split(","):
        try:
            label, spec = resolve_spec(name)
        except SpecError as e:
            ap.error(str(e))
        print(f"chip {label}: relative Frobenius error against the true effective operator, mean over "
              f"{args.seeds} chips x {args.reads} reads (N = 16, random tied settings)")
        print(f"  {'variant':37s} {'probe fit':>10s} {'reciprocal fit':>15s}  ratio")
        for vname, mods in VARIANTS:
            raw, rec = [], []
            for seed in range(args.seeds):
                chip = make_chips(spec.replace(**mods) if mods else spec, seed, 1)[0]
                chip.program(random_tied_settings(chip.schedule, np.random.default_rng(1000 + seed)))
                truth = chip.effective_matrix()
                for _ in range(args.reads):
                    read = measure_matrix(chip)
                    raw.append(relative_error(read, truth))
                    rec.append(relative_error(reciprocal_fit(read)[0], truth))
            r, c = 100 * np.mean(raw), 100 * np.mean(rec)
            ratio = f"{c / r:.2f}" if r > 1e-9 else "-"
            print(f"  {vname:37s} {r:9.3f} % {c:14.3f} %  {ratio}")


if __name__ == "__main__":
    main()
