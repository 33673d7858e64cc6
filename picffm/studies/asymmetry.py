"""``picffm study asymmetry``: how much mirror symmetry FFM training needs.

One task per (mirror asymmetry, method, replicate), on chips of the study's
spec with ``mirror_asymmetry`` set to the swept value (0: the mirror half of
every core has exactly the first half's fabrication errors, so the realised
matrix is symmetric; 1: independent errors) and drift switched off:

* ``ffm``: trained on the chip (``ffm_trainer``) with
  :func:`picffm.training.units.train_network`; test accuracy on the chip, and
  the gradient error at update ``grad_probe_step`` (80, as in Xue et al.):
  relative error (%) of the FFM-measured gradient, and of the in-silico
  model's gradient at the same state, against the chip's true gradient
  (evaluation-only ``reveal()``; :func:`picffm.training.units.gradient_errors`);
* ``insilico``: trained on the ideal model, deployed on the chip;
* ``ideal``: the ideal model itself (does not depend on the asymmetry; the
  reference line; it uses no chip, so its chip passes are 0).

Seeds derive from the study seed and the replicate only: one replicate uses
the same split, initial phases and fabrication draw at every asymmetry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..chip.spec import spec_from_dict
from ..training.config import TrainConfig
from ..runs import channel
from ..training.results import MODEL
from ..training.units import insilico_unit, train_unit
from ..runs.executor import Task, derive_seed
from .checkpoints import point_checkpoint
from .report import chance_line, data_info, plot_panels, write_csv, write_json

__all__ = ["NAME", "asymmetry_point", "make_tasks", "summarise", "write_outputs", "summary_table"]

NAME = "asymmetry"
LABELS = {"ideal": "ideal model", "insilico": "in silico on chip", "ffm": "FFM on chip"}


def make_tasks(sweep, context: Mapping[str, Any]) -> list[Task]:
    return [Task(asymmetry_point, {"asymmetry": a, "method": m, "replicate": rep},
                 derive_seed(sweep.seed, "replicate", rep), context)
            for a in sweep.asymmetries for m in sweep.methods for rep in range(sweep.seeds)]


def _train_config(ctx: Mapping[str, Any]) -> TrainConfig:
    """The training of every point: Iris, one stratified 105/45 split per replicate."""
    return TrainConfig(layers=ctx["layers"], epochs=ctx["epochs"], update_time_s=0.0,
                       grad_probe_step=ctx["grad_probe_step"], folds=1, checkpoint_every=1)


def asymmetry_point(point: Mapping[str, Any], seed: int, ctx: Mapping[str, Any],
                    checkpoints: str | None = None) -> dict:
    """Train and test one (asymmetry, method, replicate) point.

    ``checkpoints``: the study's checkpoint folder (:mod:`.checkpoints`): the
    training saves itself after every epoch and continues from what it finds there.
    """
    spec = spec_from_dict(ctx["chip_spec"]).replace(mirror_asymmetry=float(point["asymmetry"]),
                                                    drift__model="none")
    cfg = _train_config(ctx)
    method = point["method"]
    ck = point_checkpoint(checkpoints, point)
    trained, chip = ("ideal", None) if method != "ffm" else (ctx["ffm_trainer"], spec)
    # what train_network does, with the unit's checkpoints (ideal and insilico train the ideal network)
    res, _ = train_unit(trained, MODEL if chip is None else "study chip", chip, seed, cfg, probe=chip is not None,
                        saved=ck.load(), checkpoint=ck.save, should_stop=channel.stop_requested)
    if method == "insilico":
        res = insilico_unit(res, "study chip", spec, seed, cfg)
    grad = res.grad or {}
    return {"test_accuracy": float(res.test_acc), "train_accuracy": float(res.train_acc),
            "chip_passes": 0 if method == "ideal" else int(res.train_passes),
            "gradient_error_pct": grad.get("method"), "model_gradient_error_pct": grad.get("insilico"),
            "gradient_cos": grad.get("method_cos")}


def _mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def summarise(sweep, context: Mapping[str, Any], tasks: list[Task], results: Mapping[str, dict]) -> dict:
    points = [{**t.point, "seed": t.seed, **results[t.key]} for t in tasks]
    summary = []
    for a in sweep.asymmetries:
        for m in sweep.methods:
            rows = [p for p in points if p["asymmetry"] == a and p["method"] == m]
            acc = [p["test_accuracy"] for p in rows]
            summary.append({"asymmetry": a, "method": m, "seeds": len(rows),
                            "test_accuracy_mean": float(np.mean(acc)), "test_accuracy_min": float(min(acc)),
                            "test_accuracy_max": float(max(acc)),
                            "gradient_error_pct_mean": _mean(p["gradient_error_pct"] for p in rows),
                            "model_gradient_error_pct_mean": _mean(p["model_gradient_error_pct"] for p in rows),
                            "gradient_cos_mean": _mean(p.get("gradient_cos") for p in rows),
                            "chip_passes_mean": float(np.mean([p["chip_passes"] for p in rows]))})
    return {"study": NAME, "config": {**sweep.model_dump(), "chip_spec": context["chip_spec"],
                                      **data_info(_train_config(context))},
            "points": points, "summary": summary}


#: columns of points.csv and summary.csv, in order
POINT_COLUMNS = ("asymmetry", "method", "replicate", "seed", "test_accuracy", "train_accuracy",
                 "gradient_error_pct", "model_gradient_error_pct", "gradient_cos", "chip_passes")
SUMMARY_COLUMNS = ("asymmetry", "method", "seeds", "test_accuracy_mean", "test_accuracy_min", "test_accuracy_max",
                   "gradient_error_pct_mean", "model_gradient_error_pct_mean", "gradient_cos_mean",
                   "chip_passes_mean")


def write_outputs(directory: Path, doc: Mapping[str, Any]) -> list[Path]:
    """``results.json``, ``points.csv``, ``summary.csv`` and ``asymmetry.png``."""
    cfg = doc["config"]
    files = [directory / "results.json", directory / "points.csv", directory / "summary.csv",
             directory / "asymmetry.png"]
    write_json(files[0], doc)
    write_csv(files[1], POINT_COLUMNS, ([p.get(c) for c in POINT_COLUMNS] for p in doc["points"]))
    write_csv(files[2], SUMMARY_COLUMNS, ([s.get(c) for c in SUMMARY_COLUMNS] for s in doc["summary"]))
    xs = cfg["asymmetries"]
    acc_lines, grad_lines = [], []
    for m in cfg["methods"]:
        rows = [s for s in doc["summary"] if s["method"] == m]
        acc_lines.append({"x": xs, "y": [s["test_accuracy_mean"] for s in rows],
                          "lo": [s["test_accuracy_min"] for s in rows], "hi": [s["test_accuracy_max"] for s in rows],
                          "label": LABELS[m], "style": "o-", "method": m})
        if m == "ffm":
            grad_lines.append({"x": xs, "y": [s["gradient_error_pct_mean"] for s in rows],
                               "label": "FFM measured", "style": "o-"})
            grad_lines.append({"x": xs, "y": [s["model_gradient_error_pct_mean"] for s in rows],
                               "label": "in-silico model", "style": "s--"})
    panels = [{"title": "test accuracy (mean, band: min..max over seeds)", "xlabel": "mirror asymmetry",
               "ylabel": "test accuracy (%)", "percent": True, "ylim": (0.0, 1.02), "lines": acc_lines,
               "hlines": [chance_line(cfg)]}]
    if grad_lines:
        panels.append({"title": f"gradient error at update {cfg['grad_probe_step']}", "xlabel": "mirror asymmetry",
                       "ylabel": "relative error vs true gradient (%)", "yscale": "log",
                       "lines": grad_lines})
    plot_panels(files[3], panels, suptitle=f"Asymmetry study: chip {cfg['chip']}, {cfg['seeds']} seed(s)")
    return files


def summary_table(doc: Mapping[str, Any]) -> tuple[list[str], list[list]]:
    header = ["asymmetry", "method", "test acc %", "FFM grad err %", "FFM grad cos", "model grad err %",
              "chip passes"]

    def fmt(v, spec):
        return "" if v is None else format(v, spec)

    rows = [[s["asymmetry"], s["method"], f"{100 * s['test_accuracy_mean']:.1f}", fmt(s["gradient_error_pct_mean"], ".2f"),
             fmt(s.get("gradient_cos_mean"), ".3f"), fmt(s["model_gradient_error_pct_mean"], ".0f"),
             int(s["chip_passes_mean"])] for s in doc["summary"]]
    return header, rows
