"""``picffm study drift``: how long a trained network survives phase drift.

One task per (drift rate, method, replicate). Every task builds the same
network problem (Iris, :mod:`picffm.training`) on chips of the study's spec
with its drift replaced by a random walk of the swept rate (rad/sqrt(s):
every heater's phase std grows as ``rate * sqrt(t)``), trains, deploys at
``t = 0`` and then lets time run:

* ``insilico``: trained on the ideal model, programmed once, never touched;
* ``recal``: the same network, deployed through each chip's calibrated twin
  at ``t = 0`` and kept there every ``recal_interval_s``
  (:mod:`picffm.studies.recalibration`: calibrate, program through the twin;
  then re-measure the heater offsets, hold the actual phases, refine with
  measurements);
* ``ffm``: trained on the chip (``ffm_trainer``, phase- or matrix-level
  FFM), then ``ffm_steps`` online FFM updates in every time step.

Clock: training and every maintenance action take no time on the drift
clock (their estimated chip time under the chips' time model, ``busy_s``,
is reported beside their passes, :class:`~picffm.chip.spec.TimingSpec`); at each
check time ``t_k = k * step_s`` the chips have drifted to ``t_k``, the test
accuracy is recorded (noiseless truth via the evaluation-only ``reveal()``,
no optical pass), *then* the method's maintenance for the next interval runs.
So the curve shows each method just before it corrects itself (worst case).

Seeds: a task's seed derives from the study seed and the replicate only, so
for one replicate every method and drift rate sees the same data split,
initial phases, fabricated chips and the same drift path (scaled by the rate).

Training happens before ``t = 0`` and takes no chip time, so it does not
depend on the drift rate: each process trains the ideal network of a
replicate once (shared by ``insilico`` and ``recal`` at every rate) and the
FFM network once (its trainer and chip states restored for every rate), and
keeps them for the points it runs next. The results are the same, bit for
bit, whichever process runs which point.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ..calibration import Twin
from ..chip.spec import spec_from_dict
from ..training.config import TrainConfig
from ..training.results import states_from_plain, states_to_plain
from ..training.trainers import make_chips, make_dataset, make_trainer
from ..runs.executor import Task, derive_seed
from .checkpoints import point_checkpoint, training_checkpoint
from .recalibration import deploy, maintain
from ..palette import THRESHOLD
from .report import chance_line, data_info, mean_band, plot_panels, write_csv, write_json
from .evaluation import true_accuracy
from .survival import km_median

__all__ = ["NAME", "drift_point", "make_tasks", "summarise", "write_outputs", "summary_table", "survival_time"]

NAME = "drift"
LABELS = {"insilico": "in silico, once", "recal": "in silico + recalibration", "ffm": "FFM online"}


def make_tasks(sweep, context: Mapping[str, Any]) -> list[Task]:
    """One task per drift rate x method x replicate (seed from the study seed and the replicate)."""
    return [Task(drift_point, {"drift_rate": rate, "method": method, "replicate": rep},
                 derive_seed(sweep.seed, "replicate", rep), context)
            for rate in sweep.drift_rates for method in sweep.methods for rep in range(sweep.seeds)]


def survival_time(times: list[float], accuracy: list[float], threshold: float) -> float:
    """First check time at which accuracy is below ``threshold`` (0 if already at t = 0);
    the last time if it never is (censored: a lower bound, the study ended first)."""
    for t, a in zip(times, accuracy):
        if a < threshold:
            return float(t)
    return float(times[-1])


def _training_key(ctx: Mapping[str, Any], kind: str) -> str:
    """What the training of ``kind`` (``ideal`` or ``ffm``) depends on, as canonical JSON."""
    keys = ("layers", "epochs") + (("ffm_trainer", "chip_spec") if kind == "ffm" else ())
    return json.dumps({k: ctx[k] for k in keys}, sort_keys=True)


def _train_config(ctx: Mapping[str, Any]) -> TrainConfig:
    """The training of every replicate: Iris, one stratified 105/45 split, no chip time per update."""
    return TrainConfig(layers=ctx["layers"], epochs=ctx["epochs"], update_time_s=0.0, folds=1)


@lru_cache(maxsize=16)
def _pretrained(kind: str, seed: int, key: str, checkpoints: str | None = None) -> dict:
    """The network trained before ``t = 0`` (no chip time passes, so no drift rate matters).

    ``ideal``: ``{"states", "params"}`` of the ideal model's trainer; ``ffm``:
    the trainer's and the chips' states after training (restored onto chips
    of any drift rate, which share the fabrication of the seed). With a
    ``checkpoints`` folder the training saves itself after every epoch
    (:mod:`.checkpoints`), continues from what it finds there and keeps its
    final state there, so a resumed study never trains it again.
    """
    ctx = json.loads(key)
    cfg = _train_config(ctx)
    data = make_dataset(seed, cfg)
    if kind == "ideal":
        chips = make_chips(None, seed, cfg.layers)
        trainer = make_trainer("ideal", chips, data, cfg, seed)
    else:
        spec = spec_from_dict(ctx["chip_spec"]).replace(drift__model="random_walk", drift__rate_rad_per_sqrt_s=0.0)
        chips = make_chips(spec, seed, cfg.layers)
        trainer = make_trainer(ctx["ffm_trainer"], chips, data, cfg, seed)
    ck = training_checkpoint(checkpoints, {"kind": kind, "seed": seed, "key": key})
    saved = ck.load()
    if saved is not None:
        trainer.load_state_dict(saved["trainer"])
        for chip, state in zip(chips, saved["chips"], strict=True):
            chip.set_state(state)

    def state() -> dict:
        return {"trainer": trainer.state_dict(), "chips": [c.get_state() for c in chips]}

    while trainer.epoch < cfg.epochs:
        trainer.run_epoch()
        ck.safe_point(state, f"{kind} training of seed {seed}")
    if kind == "ideal":
        return {"states": trainer.states, "params": [np.array(w) for w in trainer.params.blocks("w")]}
    return state()


def drift_point(point: Mapping[str, Any], seed: int, ctx: Mapping[str, Any], checkpoints: str | None = None) -> dict:
    """Run one (drift rate, method, replicate) point: accuracy vs time and passes spent.

    ``checkpoints``: the study's checkpoint folder (:mod:`.checkpoints`): the
    point saves itself after every check and continues from what it finds there.
    """
    rate, method = float(point["drift_rate"]), point["method"]
    spec = spec_from_dict(ctx["chip_spec"]).replace(drift__model="random_walk", drift__rate_rad_per_sqrt_s=rate)
    # one network per replicate, on its seed's single stratified 105/45 split (no cross-validation folds)
    cfg = _train_config(ctx)
    data = make_dataset(seed, cfg)
    chips = make_chips(spec, seed, cfg.layers)
    table = chips[0].schedule.table
    ck = point_checkpoint(checkpoints, point)
    saved = ck.load()
    trainer = twins = weights = run = None
    if method == "ffm":
        trainer = make_trainer(ctx["ffm_trainer"], chips, data, cfg, seed)

    def state() -> dict:
        """All the point has done (``states``: what each chip is programmed with; ``run``: the curve, or None)."""
        return {"run": run, "states": states_to_plain(states), "chips": [c.get_state() for c in chips],
                "trainer": None if trainer is None else trainer.state_dict(),
                "twins": None if twins is None else [t.to_dict() for t in twins],
                "weights": None if weights is None else [np.asarray(w) for w in weights]}

    if saved is not None:  # continue where the point stopped
        run = saved["run"]
        states = states_from_plain(saved["states"], table)
        if method == "ffm":
            trainer.load_state_dict(saved["trainer"])
            states = trainer.states
        else:
            for chip, st in zip(chips, states):  # programming moves no clock and draws no noise
                chip.program(st.params)
        if method == "recal":
            weights = [np.asarray(w) for w in saved["weights"]]
            twins = [Twin.from_dict(t, c.netlist) for t, c in zip(saved["twins"], chips)]
        for chip, st in zip(chips, saved["chips"], strict=True):  # counters, clocks, drift and noise streams
            chip.set_state(st)
    elif method == "ffm":  # deployment at t = 0 (copies: the trained networks are shared with the next points)
        trained = copy.deepcopy(_pretrained("ffm", seed, _training_key(ctx, "ffm"), checkpoints))
        trainer.load_state_dict(trained["trainer"])
        for chip, st in zip(chips, trained["chips"], strict=True):
            chip.set_state(st)
        states = trainer.states
    else:
        model = copy.deepcopy(_pretrained("ideal", seed, _training_key(ctx, "ideal"), checkpoints))
        states = model["states"]
        for chip, st in zip(chips, states):
            chip.program(st.params)
        if method == "recal":
            weights, twins = model["params"], []
    if run is None:
        if method == "recal":  # calibrate and program through the twin chip by chip, a safe point after each
            ideal = states

            def deployed(new_twins: list, new_states: list) -> None:
                nonlocal twins, states
                twins, states = new_twins, new_states + ideal[len(new_states):]
                ck.safe_point(state, f"deployment of drift point recal at {rate:g} rad/sqrt(s), seed {seed}")

            twins, states = deploy(chips, weights, np.random.default_rng(derive_seed(seed, "calibration")),
                                   iterations=ctx["recal_iterations"], done=list(zip(twins, states)),
                                   after=deployed)
        # passes spent to deploy: FFM training updates (not its per-epoch accuracy checks), calibration
        run = {"k": 0, "times": [], "acc": [], "passes": [], "busy": [], "recal_times": [], "last_recal": 0.0,
               "initial": int(trainer.train_passes if method == "ffm" else sum(c.passes for c in chips)),
               "initial_busy": float(trainer.train_busy_s if method == "ffm" else sum(c.busy_s for c in chips)),
               "passes0": int(sum(c.passes for c in chips)), "busy0": float(sum(c.busy_s for c in chips))}

    n_steps = int(round(ctx["duration_s"] / ctx["step_s"]))
    times, acc, passes, busy, recal_times = run["times"], run["acc"], run["passes"], run["busy"], run["recal_times"]
    for k in range(run["k"], n_steps + 1):
        t = k * ctx["step_s"]
        if k:
            for c in chips:
                c.advance(ctx["step_s"])
        times.append(t)
        acc.append(true_accuracy(chips, states, data.x_test, data.y_test, cfg.electronics))
        passes.append(sum(c.passes for c in chips) - run["passes0"])
        busy.append(sum(c.busy_s for c in chips) - run["busy0"])
        if k == n_steps:
            break
        if method == "recal" and t > 0 and t - run["last_recal"] >= ctx["recal_interval_s"] - 1e-9 * ctx["step_s"]:
            twins, states = maintain(chips, twins, weights, states, iterations=ctx["recal_iterations"])
            run["last_recal"] = t
            recal_times.append(t)
        elif method == "ffm":
            trainer.train_steps(ctx["ffm_steps"])
            states = trainer.states
        run["k"] = k + 1
        ck.safe_point(state, f"drift point {method} at {rate:g} rad/sqrt(s), seed {seed}")
    return {"times_s": times, "accuracy": acc, "passes": passes, "initial_passes": run["initial"],
            "busy_s": busy, "initial_busy_s": run["initial_busy"],
            "recal_times_s": recal_times, "survival_s": survival_time(times, acc, ctx["threshold"]),
            "survived": bool(min(acc) >= ctx["threshold"])}


def summarise(sweep, context: Mapping[str, Any], tasks: list[Task], results: Mapping[str, dict]) -> dict:
    """The ``results.json`` document: config, every point, and per (rate, method) means over seeds."""
    points = [{**t.point, "seed": t.seed, **results[t.key]} for t in tasks]
    summary = []
    for rate in sweep.drift_rates:
        for method in sweep.methods:
            rows = [p for p in points if p["drift_rate"] == rate and p["method"] == method]
            mean, lo, hi = mean_band([p["accuracy"] for p in rows])
            summary.append({
                "drift_rate": rate, "method": method, "seeds": len(rows), "times_s": rows[0]["times_s"],
                "accuracy_mean": mean, "accuracy_min": lo, "accuracy_max": hi,
                "survival_s_mean": float(np.mean([p["survival_s"] for p in rows])),
                "survived_all": all(p["survived"] for p in rows),
                "survived": sum(p["survived"] for p in rows),
                "survival_s_km_median": km_median([p["survival_s"] for p in rows],
                                                  [not p["survived"] for p in rows]),
                "final_accuracy_mean": mean[-1],
                "passes_mean": float(np.mean([p["passes"][-1] for p in rows])),
                "initial_passes_mean": float(np.mean([p["initial_passes"] for p in rows])),
                # estimated chip time (s) of the maintenance and of the deployment (training or calibration)
                "busy_s_mean": float(np.mean([p["busy_s"][-1] for p in rows])),
                "initial_busy_s_mean": float(np.mean([p["initial_busy_s"] for p in rows])),
            })
    return {"study": NAME, "config": {**sweep.model_dump(), "chip_spec": context["chip_spec"],
                                      **data_info(_train_config(context))},
            "points": points, "summary": summary}


def write_outputs(directory: Path, doc: Mapping[str, Any]) -> list[Path]:
    """``results.json``, ``accuracy_vs_time.csv``, ``summary.csv`` and ``accuracy_vs_time.png``."""
    cfg = doc["config"]
    files = [directory / "results.json", directory / "accuracy_vs_time.csv", directory / "summary.csv",
             directory / "accuracy_vs_time.png"]
    write_json(files[0], doc)
    write_csv(files[1], ["drift_rate_rad_per_sqrt_s", "method", "replicate", "seed", "time_s", "accuracy",
                         "passes"],
              ([p["drift_rate"], p["method"], p["replicate"], p["seed"], t, a, n]
               for p in doc["points"] for t, a, n in zip(p["times_s"], p["accuracy"], p["passes"])))
    write_csv(files[2], ["drift_rate_rad_per_sqrt_s", "method", "seeds", "survived", "survival_s_km_median",
                         "final_accuracy_mean", "initial_passes_mean", "passes_mean"],
              ([s["drift_rate"], s["method"], s["seeds"], s["survived"],
                "" if s["survival_s_km_median"] is None else s["survival_s_km_median"],
                s["final_accuracy_mean"], s["initial_passes_mean"], s["passes_mean"]] for s in doc["summary"]))
    panels = []
    for rate in cfg["drift_rates"]:
        rows = [s for s in doc["summary"] if s["drift_rate"] == rate]
        panels.append({
            "title": f"drift {rate:g} rad/sqrt(s)", "xlabel": "time (s)", "ylabel": "test accuracy (%)",
            "ylim": (0.0, 1.02), "percent": True,
            "hlines": [(cfg["threshold"], f"survival threshold {100 * cfg['threshold']:g} %", THRESHOLD),
                       chance_line(cfg)],
            "lines": [{"x": s["times_s"], "y": s["accuracy_mean"], "lo": s["accuracy_min"], "hi": s["accuracy_max"],
                       "label": LABELS[s["method"]], "style": "o-", "method": s["method"]} for s in rows]})
    plot_panels(files[3], panels, suptitle=f"Drift study: chip {cfg['chip']}, {cfg['seeds']} seed(s), "
                                           "mean and min..max over seeds")
    return files


def summary_table(doc: Mapping[str, Any]) -> tuple[list[str], list[list]]:
    """Header and rows for the terminal: one row per drift rate and method."""
    header = ["drift rad/sqrt(s)", "method", "acc t=0 %", "acc end %", "stayed above thr",
              "median survival (s, KM)", "passes initial", "passes maint."]
    end = doc["config"]["duration_s"]

    def med(v):
        return f"> {end:g} (not reached)" if v is None else f"{v:g}"

    rows = [[s["drift_rate"], s["method"], f"{100 * s['accuracy_mean'][0]:.1f}", f"{100 * s['final_accuracy_mean']:.1f}",
             f"{s['survived']} of {s['seeds']}", med(s["survival_s_km_median"]), int(s["initial_passes_mean"]),
             int(s["passes_mean"])] for s in doc["summary"]]
    return header, rows
