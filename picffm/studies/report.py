"""Study outputs: CSV tables, ``results.json`` and PNG plots (matplotlib, Agg).

Every file is written atomically (temporary file + rename) and
deterministically: the same results give the same CSV and JSON bytes. Plots
use the non-interactive Agg backend, so studies run on headless machines and
cluster nodes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from ..netlist import atomic_write_bytes, atomic_write_text

__all__ = ["write_csv", "write_json", "plot_panels", "mean_band"]


def write_csv(path: str | os.PathLike, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV table (floats by ``repr``, ``None`` as empty) atomically."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else (repr(float(v)) if isinstance(v, float) else v) for v in row])
    atomic_write_text(path, buf.getvalue())


def write_json(path: str | os.PathLike, doc: Any) -> None:
    """Write ``doc`` as indented JSON (sorted keys; NaN written as null) atomically."""
    atomic_write_text(path, json.dumps(_nan_to_none(doc), indent=1, sort_keys=True) + "\n")


def _nan_to_none(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Mapping):
        return {str(k): _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    return obj


def mean_band(series: Sequence[Sequence[float]]) -> tuple[list[float], list[float], list[float]]:
    """Mean, min and max over replicate series of equal length (element-wise)."""
    cols = list(zip(*series))
    return ([sum(c) / len(c) for c in cols], [min(c) for c in cols], [max(c) for c in cols])


def data_info(cfg: Any) -> dict:
    """What a study's ``results.json`` records of its data set: ``{"task", "n_classes"}`` of a ``TrainConfig``."""
    return {"task": cfg.data.name, "n_classes": int(cfg.n_classes)}


def chance_line(config: Mapping[str, Any]) -> tuple:
    """The ``hlines`` entry of the chance accuracy, ``1 / classes`` of the study's data set.

    ``config`` is the ``results.json`` config; one written before it recorded ``n_classes`` was an Iris
    study (3 classes)."""
    from ..palette import CHANCE

    n = int(config.get("n_classes") or 3)
    return (1.0 / n, f"chance ({100.0 / n:.0f} %)", CHANCE)


def plot_panels(path: str | os.PathLike, panels: Sequence[Mapping[str, Any]], *, suptitle: str = "",
                ncols: int | None = None) -> None:
    """Draw line panels side by side and save a PNG atomically.

    Each panel: ``title``, ``xlabel``, ``ylabel``, optional ``ylim``,
    ``hline`` (value, label) or ``hlines`` [(value, label, style dict)] (reference
    lines), ``xscale``, ``yscale``, ``percent`` (values are fractions, drawn
    in %), and ``lines``: a list of dicts with ``x``, ``y``, ``label`` and
    optional ``lo``/``hi`` (a shaded band, e.g. min..max over seeds),
    ``style`` (matplotlib format string), ``method`` (its colour from
    :mod:`picffm.palette`). Legends sit below the panels, off the data.
    """
    from ..palette import BAND_ALPHA, REFERENCE, method_color

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    n = max(1, len(panels))
    ncols = ncols or min(n, 3)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(4.2 * ncols, 3.4 * nrows), dpi=110, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels):
        k = 100.0 if panel.get("percent") else 1.0

        def scaled(v):
            return None if v is None else [k * float(u) if u is not None else float("nan") for u in v]

        for line in panel["lines"]:
            kw = {"color": method_color(line["method"])} if line.get("method") else {}
            (h,) = ax.plot(line["x"], scaled(line["y"]), line.get("style", "-"), label=line["label"], lw=1.6, ms=4,
                           **kw)
            if line.get("lo") is not None:
                ax.fill_between(line["x"], scaled(line["lo"]), scaled(line["hi"]), color=h.get_color(),
                                alpha=BAND_ALPHA, lw=0)
        refs = list(panel.get("hlines") or [])
        if panel.get("hline") is not None:
            refs.append((*panel["hline"], {"color": "0.4", "ls": ":", "lw": 1}))
        for value, label, style in refs:
            ax.axhline(k * value, label=label, **{**REFERENCE, **style})
        if panel.get("xscale"):
            ax.set_xscale(panel["xscale"])
        if panel.get("yscale"):
            ax.set_yscale(panel["yscale"])
        if panel.get("ylim"):
            ax.set_ylim(*(k * v for v in panel["ylim"]))
        ax.set_title(panel.get("title", ""), fontsize=10)
        ax.set_xlabel(panel.get("xlabel", ""))
        ax.set_ylabel(panel.get("ylabel", ""))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    atomic_write_bytes(Path(path), buf.getvalue())
