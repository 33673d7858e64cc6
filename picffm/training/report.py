"""Reports of a training run: the summary table, metrics.json, history.csv, parameters, plots.

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

from ..netlist import atomic_write_bytes, atomic_write_text

__all__ = ["summarise", "format_table", "write_reports", "PASSES_NOTE"]

PASSES_NOTE = {
    "ideal": "trained on the ideal model (no chip)",
    "insilico": "trained on the ideal model, programmed once",
    "ffm": "data + error pass per layer, (2L-1) B",
    "ffm-phase": "data + error pass per layer with monitor taps, 2L B",
    "spsa": "2 loss readings, 2 L B",
    "fd": "2 loss readings per parameter, 2 P L B",
    "insitu-bp": "data, adjoint (backward) and 5 power-interference passes per layer, 7 L B",
    "pat": "data pass per layer on the chip, backward through the twin, L B (+ calibration once)",
    "ffm-twin": "as ffm, reprogrammed through the twin, (2L-1) B (+ calibration once)",
}
_ORDER = ("ideal", "ffm", "ffm-twin", "ffm-phase", "spsa", "fd", "pat", "insitu-bp", "insilico")


def _stats(values: list) -> dict | None:
    vals = [float(v) for v in values if v is not None and np.isfinite(v)]
    if not vals:
        return None
    return {"mean": float(np.mean(vals)), "std": float(np.std(vals)), "per_seed": vals, "n": len(vals)}


def _grad_window(cfg):
    from .units import grad_window

    return grad_window(cfg)


def summarise(exp, results: Mapping, passes: Mapping, elapsed_s: float) -> dict:
    """The summary (what ``metrics.json`` and ``--json`` hold), from the finished units."""
    from .results import MODEL

    cfg = exp.config
    by = {}
    for r in results.values():
        by.setdefault((r.chip, r.method), []).append(r)
    chips = {}
    ideal = sorted(by.get((MODEL, "ideal"), []), key=lambda r: r.seed)
    for label, _ in exp.chips:
        methods = {}
        for m in [m for m in _ORDER if m in exp.methods]:
            rs = ideal if m == "ideal" else sorted(by.get((label, m), []), key=lambda r: r.seed)
            entry = {"test_acc": _stats([100 * r.test_acc for r in rs]),
                     "train_acc": _stats([100 * r.train_acc for r in rs]),
                     "seeds": [r.seed for r in rs],
                     "passes_per_update": None if m == "ideal" else (0 if m == "insilico" else
                                                                     _first([r.passes_per_update for r in rs])),
                     "seconds": float(sum(r.seconds for r in rs))}
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
    complete = all(_key(u) in results for u in exp.units())
    return {"task": "iris", "complete": complete, "layers": cfg.layers, "epochs": cfg.epochs,
            "batch_size": cfg.batch_size, "seeds": list(exp.seeds), "grad_probe_step": cfg.grad_probe_step,
            "grad_window": list(_grad_window(cfg)),
            "methods": list(exp.methods), "chips": chips, "passes_per_update": ppu,
            "elapsed_s": round(float(elapsed_s), 2)}


def _key(unit) -> str:
    from .results import unit_key

    return unit_key(*unit)


def _first(values):
    for v in values:
        if v is not None:
            return float(v)
    return None


def _pm(s: dict | None, digits: int = 1) -> str:
    if s is None:
        return "-"
    if abs(s["mean"]) >= 100:
        digits = 0
    if s["n"] == 1:
        return f"{s['mean']:.{digits}f}"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def _with_cos(err: dict | None, cos: dict | None) -> str:
    return _pm(err) + ("" if cos is None else f" (cos {cos['mean']:.2f})")


def _table(rows: list[list[str]], header: list[str]) -> str:
    cells = [header] + rows
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_table(summary: dict) -> str:
    """The text table printed by ``picffm train iris``."""
    methods = [m for m in _ORDER if m in summary["methods"]]
    seeds = ",".join(str(s) for s in summary["seeds"])
    out = [f"Iris on {summary['layers']} layers of 16-port symmetric cores, {summary['epochs']} epochs, "
           f"seeds {seeds}" + ("" if summary["complete"] else "  [INCOMPLETE: interrupted]"), "",
           "Test accuracy (%), mean ± std over seeds"]
    rows = [[label] + [_pm(ms.get(m, {}).get("test_acc")) for m in methods]
            for label, ms in summary["chips"].items()]
    out.append(_table(rows, ["chip"] + methods))
    grad_methods = [m for m in methods if m not in ("ideal", "insilico")]
    if grad_methods:
        lo, hi = summary.get("grad_window") or (summary["grad_probe_step"],) * 2
        out += ["", f"Gradient error over updates {lo}-{hi} (% of the chip's exact noiseless gradient with respect "
                    "to what the method updates, per-layer mean, averaged over the window, mean ± std over seeds;",
                "'in silico' = exact gradient of a model fitted from N unit-vector probes per layer (matrix level); "
                "cos = cosine similarity with the true gradient;",
                "Xue et al. at update 80: FFM 3.46-3.58 %, in silico 5.10-5.94 %)"]
        header = ["chip"]
        for m in grad_methods:
            header += [m] + (["in silico (fitted)"] if m == "ffm" else [])
        rows = []
        for label, ms in summary["chips"].items():
            row = [label]
            for m in grad_methods:
                row.append(_with_cos(ms[m].get("grad_error"), ms[m].get("grad_cos")))
                if m == "ffm":
                    row.append(_with_cos(ms[m].get("insilico_grad_error"), ms[m].get("insilico_grad_cos")))
            rows.append(row)
        out.append(_table(rows, header))
    out += ["", f"Optical passes per update (batch {summary['batch_size']}, {summary['layers']} layers)"]
    rows = []
    for m, v in summary["passes_per_update"].items():
        rows.append([m, "-" if v is None else f"{v:.0f}", PASSES_NOTE.get(m, "")])
    out.append(_table(rows, ["method", "passes", "how"]))
    return "\n".join(out)


def _history_csv(results: Mapping) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = ["epoch", "loss", "train_acc", "test_acc", "updates", "train_passes"]
    w.writerow(["chip", "method", "seed"] + cols)
    for key in sorted(results):
        r = results[key]
        for row in r.history:
            w.writerow([r.chip, r.method, r.seed] + [row.get(c) for c in cols])
    return buf.getvalue()


def _write_params(out: Path, results: Mapping) -> None:
    pdir = out / "params"
    pdir.mkdir(exist_ok=True)
    for key, r in results.items():
        if r.method == "insilico":
            continue
        for layer, st in enumerate(r.states):
            info = {"task": "iris", "method": r.method, "chip": r.chip, "seed": r.seed, "layer": layer,
                    "gain": float(st.gain), "test_acc": float(r.test_acc)}
            path = pdir / f"{key}__layer{layer}.json"
            if not path.exists():
                st.params.save(path, info)


def _plots(out: Path, summary: dict, results: Mapping) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .results import MODEL

    labels = list(summary["chips"])
    methods = [m for m in _ORDER if m in summary["methods"]]
    colors = {"ideal": "#444444", "ffm": "#1f77b4", "ffm-phase": "#2ca02c", "insilico": "#d62728",
              "spsa": "#9467bd", "fd": "#8c564b"}
    fig, axes = plt.subplots(1, len(labels), figsize=(4.2 * len(labels), 3.7), squeeze=False, sharey=True)
    for ax, label in zip(axes[0], labels):
        for m in methods:
            rs = [r for r in results.values() if r.method == m and r.chip == (MODEL if m == "ideal" else label)]
            curves = [[row["test_acc"] for row in r.history] for r in rs if r.history]
            if not curves:
                continue
            n = min(len(c) for c in curves)
            mean = 100 * np.mean([c[:n] for c in curves], axis=0)
            ax.plot(np.arange(1, n + 1), mean, label=m, color=colors.get(m))
        ax.set_title(f"chip: {label}")
        ax.set_xlabel("epoch")
        ax.set_ylim(0, 102)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("test accuracy (%)")
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=max(1, len(names)), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    _save(fig, out / "learning_curves.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * len(labels) * max(1, len(methods)) / 2, 3.4))
    width = 0.8 / max(1, len(methods))
    x = np.arange(len(labels))
    for i, m in enumerate(methods):
        means = [(summary["chips"][lb].get(m, {}).get("test_acc") or {}).get("mean", np.nan) for lb in labels]
        stds = [(summary["chips"][lb].get(m, {}).get("test_acc") or {}).get("std", 0.0) for lb in labels]
        ax.bar(x + (i - (len(methods) - 1) / 2) * width, means, width, yerr=stds, label=m, color=colors.get(m),
               capsize=2)
    ax.set_xticks(x, labels)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.axhline(100 / 3, color="gray", lw=0.8, ls=":")
    ax.legend(fontsize=8, ncol=len(methods), loc="upper center", bbox_to_anchor=(0.5, -0.12))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    _save(fig, out / "accuracy_bars.png")
    plt.close(fig)


def _save(fig, path: Path) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    atomic_write_bytes(path, buf.getvalue())


def write_reports(out: Path, exp, results: Mapping, passes: Mapping, elapsed_s: float) -> dict:
    """Write metrics.json, table.txt, history.csv, params/ and the plots; return the summary."""
    out = Path(out)
    summary = summarise(exp, results, passes, elapsed_s)
    atomic_write_text(out / "metrics.json", json.dumps(summary, indent=2) + "\n")
    atomic_write_text(out / "table.txt", format_table(summary) + "\n")
    atomic_write_text(out / "history.csv", _history_csv(results))
    if results:
        _write_params(out, results)
        _plots(out, summary, results)
    return summary
