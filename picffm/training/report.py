"""Reports of a training run: the summary, metrics.json, table.txt, history.csv, parameters, plots.

Accuracies are summarised over the replicates (seed, fold) of every method
and chip with :mod:`picffm.training.accuracy` (mean, std, corrected
resampled-t interval, paired difference to the ideal model); the text table
is :func:`picffm.training.tables.format_table`.

Everything is written atomically into the run directory, also after an
interruption (then ``complete`` is false and only finished units count).
Plots use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Mapping

import numpy as np

from ..netlist import atomic_write_text
from .accuracy import paired_difference, replicate_stats, verdict
from .tables import ORDER as _ORDER
from .tables import PASSES_NOTE, format_table

__all__ = ["summarise", "format_table", "write_reports", "PASSES_NOTE", "holdout_ratio", "class_counts"]


def _stats(values: list) -> dict | None:
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return None
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "values": vals, "n": len(vals)}


def holdout_ratio(cfg) -> float:
    """``n_test / n_train`` of one split: ``1 / (k - 1)`` for k folds, else the single split's sizes."""
    if cfg.folds > 1:
        return 1.0 / (cfg.folds - 1)
    return cfg.n_test() / cfg.n_train()


def class_counts(cfg) -> list[int]:
    """Samples of each class in the run's data set (class-index order)."""
    from .datasets import load_table

    return [int(c) for c in load_table(cfg.data).class_counts()]


def _grad_window(cfg):
    from .units import grad_window

    return grad_window(cfg)


def summarise(exp, results: Mapping, passes: Mapping, elapsed_s: float) -> dict:
    """The summary (what ``metrics.json`` and ``--json`` hold), from the finished units."""
    from .results import MODEL

    from .datasets import load_table

    cfg = exp.config
    ratio = holdout_ratio(cfg)
    by = {}
    for r in results.values():
        by.setdefault((r.chip, r.method), []).append(r)
    chips = {}
    order = lambda r: (r.seed, r.fold)  # noqa: E731
    ideal = sorted(by.get((MODEL, "ideal"), []), key=order)
    ideal_acc = {(r.seed, r.fold): 100 * r.test_acc for r in ideal}
    for label, _ in exp.chips:
        methods = {}
        for m in [m for m in _ORDER if m in exp.methods]:
            rs = ideal if m == "ideal" else sorted(by.get((label, m), []), key=order)
            entry = {"test_acc": replicate_stats([100 * r.test_acc for r in rs], ratio),
                     "train_acc": replicate_stats([100 * r.train_acc for r in rs], ratio),
                     "replicates": [[r.seed, r.fold] for r in rs],
                     "passes_per_update": None if m == "ideal" else (0 if m == "insilico" else
                                                                     _first([r.passes_per_update for r in rs])),
                     "seconds": float(sum(r.seconds for r in rs)),
                     # estimated chip time per update (passes and reprogramming, the chips' time model)
                     "chip_time_per_update_s": None if m in ("ideal", "insilico") else
                     _first([r.train_busy_s / r.updates if r.updates else None for r in rs])}
            if m != "ideal" and ideal_acc:
                diff = paired_difference({(r.seed, r.fold): 100 * r.test_acc for r in rs}, ideal_acc, ratio)
                entry["minus_ideal"] = diff
                entry["vs_ideal"] = verdict(diff)
            if m not in ("ideal", "insilico"):
                entry["grad_error"] = _stats([r.grad.get("method") for r in rs])
                entry["insilico_grad_error"] = _stats([r.grad.get("insilico") for r in rs])
                entry["grad_cos"] = _stats([r.grad.get("method_cos") for r in rs])
                entry["insilico_grad_cos"] = _stats([r.grad.get("insilico_cos") for r in rs])
            methods[m] = entry
        chips[label] = methods
    ppu = {"ideal": None, "insilico": 0}
    for m in ("ffm", "ffm-phase", "spsa", "fd") + tuple(m for m in _ORDER if m in exp.methods and m not in ppu):
        measured = [v["passes_per_update"] for c in chips.values() for k, v in c.items() if k == m]
        measured = [v for v in measured if v is not None]
        ppu[m] = measured[0] if measured else passes.get(m)
    # the closed form at a full batch, for every method in the table (the counters agree with it, tested)
    from .trainers import passes_per_update

    n_train = cfg.n_train()
    full = min(cfg.batch_size, n_train)
    ppu_full = {m: None if m == "ideal" else (0 if m == "insilico" else
                                            float(passes_per_update(m, cfg.layers, full, cfg.modes)))
                for m in ppu}
    complete = all(_key(u) in results for u in exp.units())
    return {"task": cfg.data.name, "data": cfg.data.describe(), "modes": cfg.modes, "n_classes": cfg.n_classes,
            "classes": list(load_table(cfg.data).class_names), "class_counts": class_counts(cfg),
            "nonlinearity": cfg.nonlinearity, "readout_ports": list(cfg.readout_ports), "complete": complete,
            "layers": cfg.layers, "epochs": cfg.epochs,
            "batch_size": cfg.batch_size, "seeds": list(exp.seeds), "folds": cfg.folds,
            "test_samples_per_seed": cfg.n_test() if cfg.folds == 1 else int(cfg.n_test() + cfg.n_train()), "test_train_ratio": ratio,
            "ci": "corrected resampled t (Nadeau & Bengio 2003), 95 %", "grad_probe_step": cfg.grad_probe_step,
            "grad_window": list(_grad_window(cfg)),
            "methods": list(exp.methods), "chips": chips, "passes_per_update": ppu,
            "passes_per_update_full_batch": ppu_full, "full_batch": full,
            "mean_batch": n_train / cfg.updates_per_epoch(n_train), "train_samples": n_train,
            "elapsed_s": round(float(elapsed_s), 2)}


def _key(unit) -> str:
    from .results import unit_key

    return unit_key(*unit)


def _first(values):
    for v in values:
        if v is not None:
            return float(v)
    return None


def _history_csv(results: Mapping) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["epoch", "loss", "train_acc", "test_acc", "updates", "train_passes"]
    w.writerow(["chip", "method", "seed", "fold"] + cols)
    for key in sorted(results):
        r = results[key]
        for row in r.history:
            w.writerow([r.chip, r.method, r.seed, r.fold] + [row.get(c) for c in cols])
    return buf.getvalue()


def _write_params(out: Path, results: Mapping, r_task: str = "iris") -> None:
    pdir = out / "params"
    pdir.mkdir(exist_ok=True)
    for key, r in results.items():
        if r.method == "insilico":
            continue
        for layer, st in enumerate(r.states):
            info = {"task": r_task, "method": r.method, "chip": r.chip, "seed": r.seed, "fold": r.fold, "layer": layer,
                    "gain": float(st.gain), "test_acc": float(r.test_acc)}
            path = pdir / f"{key}__layer{layer}.json"
            if not path.exists():
                st.params.save(path, info)


def write_reports(out: Path, exp, results: Mapping, passes: Mapping, elapsed_s: float) -> dict:
    """Write metrics.json, table.txt, history.csv, params/ and the plots; return the summary."""
    out = Path(out)
    summary = summarise(exp, results, passes, elapsed_s)
    atomic_write_text(out / "metrics.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(out / "table.txt", format_table(summary) + "\n")
    atomic_write_text(out / "history.csv", _history_csv(results))
    if results:
        _write_params(out, results, exp.config.data.name)
        from .plots import write_training_plots

        write_training_plots(out, summary, results)
    return summary
