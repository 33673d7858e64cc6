#!/usr/bin/env python3
"""Sensitivity of the in-silico network to each residual error of a calibrated chip.

The networks of ``picffm train iris`` trained on the ideal model (3 seeds x 3
stratified folds, 100 epochs, the default configuration) are programmed once
onto chips whose residual errors are those of a preset (``typical`` by
default) with one group of error sources changed, and tested there: the
in-silico accuracy the default table reports, as a function of each source.
Beside it, the programming fidelity of the same spec at N = 16 measured
through the protocol (as ``picffm chip presets`` prints it).

Two sweeps:

* **one group off / x2 / x4**: each group (couplers, static phases, heaters,
  loss, transceiver calibration, noise) scaled on top of the preset while
  the others stay as they are;
* **everything x k**: every residual scaled together, to see what chip
  quality the paper's in-silico drop (94.7 -> 71.7 %) corresponds to.

Nothing is tuned: the presets are not changed by this script.

    python scripts/insilico_sensitivity.py              # typical, about 1-2 minutes on 2 cores
    python scripts/insilico_sensitivity.py --spec mild
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from picffm.chip import preset  # noqa: E402
from picffm.chip.spec import spec_from_dict  # noqa: E402
from picffm.chip.stats import protocol_fidelity  # noqa: E402
from picffm.training.accuracy import replicate_stats  # noqa: E402
from picffm.training.config import TrainConfig  # noqa: E402
from picffm.training.units import insilico_unit, train_unit  # noqa: E402

#: error-source groups: spec keys scaled together (section, key)
GROUPS = {
    "couplers": [("coupler", "kappa_std")],
    "static phases": [("phase", "offset_std_rad")],
    "heaters": [("heater", "efficiency_std"), ("heater", "crosstalk_same_column"),
                ("heater", "crosstalk_next_column")],
    "loss spread": [("loss", "mzi_db_std"), ("loss", "phase_shifter_db_std")],
    "transceivers": [("modulator", "gain_std"), ("modulator", "phase_std_rad"),
                     ("detector", "phase_offset_std_rad")],
    "mirror asymmetry": [(None, "mirror_asymmetry")],
}
ALL = [k for keys in GROUPS.values() for k in keys]


def scaled(base: dict, keys, factor: float) -> dict:
    doc = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for sec, key in keys:
        if sec is None:
            doc[key] = min(1.0, doc[key] * factor)
        else:
            doc[sec][key] = doc[sec][key] * factor
    return doc


def _ideal(args):
    seed, fold, cfg = args
    return train_unit("ideal", "model", None, seed, cfg, fold=fold, probe=False)[0]


def _deploy(args):
    ideals, doc, cfg = args
    spec = spec_from_dict(doc)
    return [100 * insilico_unit(r, "x", spec, r.seed, cfg).test_acc for r in ideals]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default="typical", help="preset whose residuals are varied (default typical)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    cfg = TrainConfig()
    base = preset(args.spec).to_dict()
    reps = [(s, f, cfg) for s in range(args.seeds) for f in range(cfg.folds)]
    ratio = 1.0 / (cfg.folds - 1)
    with ProcessPoolExecutor(args.workers) as pool:
        ideals = list(pool.map(_ideal, reps))
        ideal = replicate_stats([100 * r.test_acc for r in ideals], ratio)
        print(f"ideal model: {ideal['mean']:.1f} ± {ideal['std']:.1f} % over {ideal['n']} networks "
              f"({args.seeds} seeds x {cfg.folds} folds); in silico deployed on {args.spec} with:")
        cases = [("the preset as it is", base)]
        for name, keys in GROUPS.items():
            for factor, word in ((0.0, "off"), (2.0, "x2"), (4.0, "x4")):
                cases.append((f"{name} {word}", scaled(base, keys, factor)))
        for k in (1.5, 2.0, 3.0, 4.0):
            cases.append((f"every residual x{k:g}", scaled(base, ALL, k)))
        accs = list(pool.map(_deploy, [(ideals, doc, cfg) for _, doc in cases]))
    rows = []
    for (label, doc), acc in zip(cases, accs):
        s = replicate_stats(acc, ratio)
        fid = float(np.mean(protocol_fidelity(spec_from_dict(doc))))
        rows.append([label, f"{s['mean']:.1f} ± {s['std']:.1f}", f"{fid:.4f}"])
    widths = [max(len(r[i]) for r in rows + [["case", "in silico (%)", "fidelity N=16"]]) for i in range(3)]
    for r in [["case", "in silico (%)", "fidelity N=16"], ["-" * w for w in widths]] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print("\nXue et al.: ideal 94.7 / 89.2 / 89.0 %, in silico on the chip 71.7 / 65.8 / 55.0 %")


if __name__ == "__main__":
    main()
