"""The figures of a training run: learning curves and final accuracies, readable without the docs.

* ``learning_curves.png``: test accuracy (%) per epoch, one panel per chip
  configuration; each method is its mean over the trained networks (seeds x
  folds) with a band of +-1 std over them; a dotted chance line (100 / classes %)
  and, for imbalanced classes, a dash-dotted line at the majority class's share
  of the data (the accuracy of always answering it); the legend sits below the
  panels, never on the data;
* ``accuracy_bars.png``: final test accuracy (%) per chip and method, bars at
  the mean over the networks, error bars +-1 std over them (said in the
  title), every network as a dot, the same chance (and majority-class) lines.

Colours come from :mod:`picffm.palette` (one per method in every plot).
matplotlib is imported only here, when a run writes its reports.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Mapping

import numpy as np

from ..atomic import atomic_write_bytes
from ..palette import BAND_ALPHA, CHANCE, method_color
from .tables import electronics_note, majority_pct

__all__ = ["write_training_plots", "METHOD_ORDER"]

METHOD_ORDER = ("ideal", "ffm", "ffm-twin", "ffm-phase", "pat", "insitu-bp", "spsa", "fd", "insilico")


def _title(summary: dict) -> str:
    data = {"iris": "Iris", "digits": "Digits"}.get(summary.get("task", "iris"), summary.get("data", ""))
    seeds, folds = len(summary["seeds"]), summary.get("folds", 1)
    nets = f"{seeds} seed{'s' if seeds != 1 else ''}" + (f" x {folds} folds" if folds > 1 else "")
    layers = summary["layers"]
    return (f"{data}: {layers} layer{'' if layers == 1 else 's'} of {summary.get('modes', 16)}-port symmetric cores"
            f"{electronics_note(summary)}, {summary['epochs']} epoch{'' if summary['epochs'] == 1 else 's'}, {nets}")


def _methods(summary: dict) -> list[str]:
    known = [m for m in METHOD_ORDER if m in summary["methods"]]
    return known + [m for m in summary["methods"] if m not in known]


def _save(fig, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    atomic_write_bytes(path, buf.getvalue())


def _baselines(ax, summary: dict, **kw) -> None:
    """The chance line (100 / classes %) and, for imbalanced classes, the majority-class accuracy."""
    chance = 100.0 / summary.get("n_classes", 3)
    ax.axhline(chance, **CHANCE, label=f"chance ({chance:.0f} %)", **kw)
    major = majority_pct(summary)
    if major is not None:
        ax.axhline(major, **{**CHANCE, "ls": "-."}, label=f"majority class ({major:.0f} %)", **kw)


def write_training_plots(out: Path, summary: dict, results: Mapping) -> None:
    """Write ``learning_curves.png`` and ``accuracy_bars.png`` into ``out``."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    from .results import MODEL

    labels = list(summary["chips"])
    methods = _methods(summary)
    fig = Figure(figsize=(max(7.0, 4.2 * len(labels)), 4.1), layout="constrained")
    axes = fig.subplots(1, len(labels), squeeze=False, sharey=True)[0]
    for ax, label in zip(axes, labels):
        for m in methods:
            rs = [r for r in results.values() if r.method == m and r.chip == (MODEL if m == "ideal" else label)]
            curves = [[row["test_acc"] for row in r.history] for r in rs if r.history]
            if not curves:
                continue
            n = min(len(c) for c in curves)
            acc = 100 * np.asarray([c[:n] for c in curves])
            x = np.arange(1, n + 1)
            mean, std = acc.mean(axis=0), acc.std(axis=0)
            ax.plot(x, mean, color=method_color(m), lw=1.6, label=m)
            if len(curves) > 1:
                ax.fill_between(x, mean - std, mean + std, color=method_color(m), alpha=BAND_ALPHA, lw=0)
        _baselines(ax, summary)
        ax.set_title(f"chip: {label}", fontsize=10)
        ax.set_xlabel("epoch")
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("test accuracy (%)")
    handles, names = axes[0].get_legend_handles_labels()
    fig.suptitle(_title(summary) + "\nmean over the networks, band: ±1 std over the networks", fontsize=10)
    fig.legend(handles, names, loc="outside lower center", ncol=min(6, max(1, len(names))), fontsize=8,
               frameon=False)
    _save(fig, out / "learning_curves.png")

    fig = Figure(figsize=(max(7.0, 2.2 + 1.3 * len(labels) * max(1, len(methods)) / 2), 4.1),
                 layout="constrained")
    ax = fig.subplots()
    width = 0.8 / max(1, len(methods))
    x = np.arange(len(labels))
    for i, m in enumerate(methods):
        pos = x + (i - (len(methods) - 1) / 2) * width
        stats = [summary["chips"][lb].get(m, {}).get("test_acc") or {} for lb in labels]
        means = [s.get("mean", np.nan) for s in stats]
        stds = [s.get("std", 0.0) for s in stats]
        ax.bar(pos, means, width, yerr=stds, label=m, color=method_color(m), capsize=2, error_kw={"lw": 0.9})
        for p, s in zip(pos, stats):
            seeds = s.get("values") or s.get("per_seed") or []
            ax.plot([p] * len(seeds), seeds, "o", ms=2.5, color="black", alpha=0.6, zorder=3)
    _baselines(ax, summary, zorder=4)
    ax.set_xticks(x, [f"chip: {lb}" for lb in labels])
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(_title(summary) + "\nbars: mean over the networks; error bars: ±1 std; dots: the networks",
                 fontsize=9)
    fig.legend(loc="outside lower center", ncol=min(6, len(methods) + 1), fontsize=8, frameon=False)
    _save(fig, out / "accuracy_bars.png")
