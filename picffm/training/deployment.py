"""Deploy the trained networks of a run directory on other chips: ``picffm evaluate``.

Every finished unit of a training run (``units/*.npz``) holds the settings
and gain of each layer. :func:`evaluate_run` programs them onto fresh
simulated chips of other specs (another preset, a spec file, the ideal
model), other fabrication draws (``fab_seeds``; default: the unit's own
seed, which for a spec is the same draw the unit trained on, scaled by the
spec) and lets chip time pass before testing (``drift_times_s``: the phase
offsets wander as the spec's drift says). The test set is the unit's own
held-out split (same seed and fold, same data), so the numbers compare with
the run's table. Nothing is retrained and the run directory is only read.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ConfigError
from .experiment import resolve_spec
from .prepare import make_chips, make_dataset
from .results import MODEL
from .network import evaluate as _accuracy
from .report import class_counts
from .tables import chance_note, electronics_note

__all__ = ["evaluate_run", "format_evaluation"]


def _targets(chips: Sequence) -> list[tuple[str, object]]:
    out = []
    for c in chips:
        if c in (MODEL, "ideal", None):
            out.append((MODEL, None))
        else:
            out.append(resolve_spec(c))
    return out


def _distinct(name: str, values: Sequence) -> None:
    twice = [v for i, v in enumerate(values) if v in values[:i]]
    if twice:
        raise ConfigError(f"{name} lists {twice[0]!r} more than once; give distinct values (a repeated one would "
                          "count the same deployments twice)")


def evaluate_run(run_dir, chips: Sequence | None = None, *, fab_seeds: Sequence[int] | None = None,
                 drift_times_s: Sequence[float] = (0.0,), progress: bool | None = False) -> dict:
    """Accuracy of every trained network of ``run_dir`` deployed on ``chips``.

    Args:
        run_dir: a training run directory (finished units are used; an
            interrupted run's finished units too).
        chips: preset names, spec files or ``model`` (the ideal model);
            default: the run's own chip configurations.
        fab_seeds: fabrication draws to deploy on (default: each unit's own seed).
        drift_times_s: chip times (s) after programming at which to test.
        progress: a progress bar over the deployments (``None``: on a terminal).

    Returns:
        ``{"run_dir", "data", "targets": [label...], "drift_times_s", "fab_seeds",
        "rows": [{"method", "trained_on", "target", "drift_time_s", "test_acc":
        {"mean", "std", "n", "per_unit"}} ...], "elapsed_s"}`` (accuracies in %).
    """
    from .store import TrainStore

    t0 = time.perf_counter()
    run_dir = Path(run_dir)
    with TrainStore(run_dir, None, read_only=True) as store:
        exp = store.exp
        results, _ = store.load_results()
    if not results:
        raise ConfigError(f"{run_dir}: no finished unit to evaluate yet; resume the training run first")
    cfg = exp.config
    targets = _targets(chips) if chips else list(exp.chips)
    times = [float(t) for t in drift_times_s]
    for t in times:
        if not (np.isfinite(t) and t >= 0):
            raise ConfigError(f"drift time {t!r} s is invalid; valid: a number >= 0")
    # a repeated target, seed or time would be pooled into one column, counting its deployments twice
    _distinct("chips", [label for label, _ in targets])
    _distinct("fab_seeds", [int(s) for s in fab_seeds or ()])
    _distinct("drift_times_s", times)
    from tqdm import tqdm

    data_cache: dict[tuple, object] = {}
    rows: dict[tuple, list] = {}
    units = [r for r in sorted(results.values(), key=lambda r: (r.method, r.chip, r.seed))
             if r.method != "insilico"]  # an insilico unit is the same network as its seed's ideal unit
    bar = tqdm(total=len(units) * len(targets) * len(fab_seeds or [0]), unit="chip", leave=False,
               disable=None if progress is None else not progress, desc="deploying")
    for res in units:
        fold = getattr(res, "fold", 0)
        if (res.seed, fold) not in data_cache:
            data_cache[(res.seed, fold)] = make_dataset(res.seed, cfg, fold)
        data = data_cache[(res.seed, fold)]
        for label, spec in targets:
            for fab in (fab_seeds if fab_seeds else [res.seed]):
                bar.update(1)
                chips_ = make_chips(spec, int(fab), cfg.layers, cfg.modes)
                for c, st in zip(chips_, res.states):
                    c.program(st.params)
                elapsed = 0.0
                for t in sorted(times):
                    if t > elapsed:
                        for c in chips_:
                            c.advance(t - elapsed)
                        elapsed = t
                    acc = _accuracy(chips_, res.states, data.x_test, data.y_test, cfg.electronics, program=False)
                    rows.setdefault((res.method, res.chip, label, t), []).append(100 * acc)
    bar.close()
    out_rows = []
    for (method, trained_on, target, t), accs in rows.items():
        a = np.asarray(accs)
        out_rows.append({"method": method, "trained_on": trained_on, "target": target, "drift_time_s": t,
                         "test_acc": {"mean": float(a.mean()),
                                      # the sample std (ddof 1), as the training table's
                                      "std": float(a.std(ddof=1)) if a.size > 1 else 0.0, "n": int(a.size),
                                      "per_unit": [float(v) for v in a]}})
    return {"run_dir": str(run_dir), "data": cfg.data.describe(), "layers": cfg.layers, "modes": cfg.modes,
            "n_classes": cfg.n_classes, "class_counts": class_counts(cfg), "nonlinearity": cfg.nonlinearity, "readout_ports": list(cfg.readout_ports), "targets": [lb for lb, _ in targets], "drift_times_s": times,
            "fab_seeds": None if not fab_seeds else [int(s) for s in fab_seeds], "rows": out_rows,
            "elapsed_s": round(time.perf_counter() - t0, 2)}


def format_evaluation(summary: dict) -> str:
    """The text table printed by ``picffm evaluate``."""
    times = summary["drift_times_s"]
    cols = [(tg, t) for tg in summary["targets"] for t in times]
    heads = [tg if len(times) == 1 and times[0] == 0 else f"{tg} @ {t:g} s" for tg, t in cols]
    table: dict[tuple, dict] = {}
    for r in summary["rows"]:
        table.setdefault((r["method"], r["trained_on"]), {})[(r["target"], r["drift_time_s"])] = r["test_acc"]

    def pm(s):
        if s is None:
            return "-"
        return f"{s['mean']:.1f}" if s["n"] == 1 else f"{s['mean']:.1f} ± {s['std']:.1f}"

    rows = [[m, on] + [pm(cells.get(c)) for c in cols] for (m, on), cells in table.items()]
    header = ["method", "trained on"] + heads
    cells = [header] + rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    fab = ("each unit's own fabrication seed" if not summary["fab_seeds"]
           else "fabrication seeds " + ",".join(str(s) for s in summary["fab_seeds"]))
    n = max((r["test_acc"]["n"] for r in summary["rows"]), default=0)
    title = (f"{summary['data']}{electronics_note(summary)}: trained networks deployed on other chips ({fab}; "
             f"test accuracy %, mean ± std "
             f"over {n} deployments: trained networks (seeds x folds) x fabrication seeds; {chance_note(summary)})")
    return title + "\n" + "\n".join(lines)
