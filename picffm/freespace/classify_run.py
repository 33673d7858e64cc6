"""``picffm freespace classify``: units, run directory, resume, scheduling, table.

A run trains one *unit* per (layers, seed, method) with method ``ideal`` or
``ffm``; an ``insilico`` unit deploys its seed's finished ideal unit on the
same seed's real system, as soon as that ideal unit is done. Units are tasks
of the shared scheduler (:func:`picffm.runs.executor.run_tasks`, the loop of
``picffm train`` and ``picffm study``): in this process (``workers=1``), in
``workers`` spawned processes, or on an existing Dask cluster
(``scheduler``). Every unit is seeded by (seed, layers) alone and its result
goes through the scheduler's JSON round trip (floats by ``repr``), so results
are bit-identical whatever runs them and in whatever order units finish.

Every finished unit is written at once to ``units/<key>.npz`` (a state file
of :mod:`picffm.runs.statefile`: history, accuracies, passes and masks, read
back without pickle), so an interrupted run keeps it and ``resume`` skips
it; a file in ``units/`` that is not a unit of this run, or cannot be read,
is refused with one line naming it. The directory is locked while the run
writes (:mod:`picffm.freespace.rundir`).

A running unit writes ``checkpoints/<key>.npz`` after every epoch (not on
Dask: the workers need not share this file system), deleted once the unit is
saved. The first Ctrl-C or SIGTERM asks for a clean stop: each running unit
stops after its current mini-batch, writes its checkpoint and stops;
finished units are kept and :class:`~picffm.runs.signals.Interrupted` is
raised. A second signal stops at once (the last epoch's checkpoint stays
valid, as after SIGKILL). ``resume`` continues every unit from its
checkpoint, with the same result, bit for bit, as a run never interrupted.
Checkpoints are atomic but not flushed to disk, as training's
(:func:`picffm.runs.statefile.save_checkpoint_state`); finished units are
written durably.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from .classify import ClassifyConfig, UnitResult, deploy, train_unit
from .data import Dataset, load_digits, load_local
from ..runs import channel
from ..runs.executor import Task, run_tasks
from ..runs.signals import stop_on_signals
from ..runs.dask import connected
from ..runs.statefile import StateFileError, load_state, save_checkpoint_state, save_state
from .plots import plot_classify
from .rundir import CONFIG, RunDir

__all__ = ["run_classify", "format_classify", "load_data", "unit_key", "unit_task"]

UNITS = "units"
CHECKPOINTS = "checkpoints"
#: every entry a classify run writes (what --force deletes)
OWNED = (CONFIG, UNITS, CHECKPOINTS, "metrics.json", "history.csv", "learning_curves.png", "masks.png")
_UNIT_KIND = "picffm-freespace-classify-unit"
_CKPT_KIND = "picffm-freespace-classify-checkpoint"


def unit_key(layers: int, seed: int, method: str) -> str:
    return f"L{layers}-s{seed}-{method}"


def load_data(config: ClassifyConfig, seed: int) -> Dataset:
    """The unit's dataset: digits split with ``seed``, or the user's files (subset drawn with ``seed``)."""
    data = load_digits(seed) if config.data is None else load_local(config.data)
    return data.subset(config.train_samples, config.test_samples, np.random.default_rng([seed, 3]))


def _save(run: RunDir, r: UnitResult) -> None:
    run.save_state(f"{UNITS}/{unit_key(r.layers, r.seed, r.method)}.npz", _UNIT_KIND,
                   {**r.as_json(), "masks": r.masks})


def _load(run: RunDir, key: str) -> UnitResult | None:
    name = f"{UNITS}/{key}.npz"
    if not run.file(name).is_file():
        return None
    doc = run.load_state(name, _UNIT_KIND)
    try:
        r = UnitResult(**doc)
        ok = unit_key(r.layers, r.seed, r.method) == key and isinstance(r.masks, np.ndarray)
    except TypeError:
        ok = False
    if not ok:
        raise StateFileError(f"{run.file(name)}: not the unit {key} of this run; delete it, or start again "
                             "with --force")
    return r


def _check_units(run: RunDir, keys: set[str]) -> None:
    """Refuse anything in ``units/`` that is not a unit of this run (temporary files aside)."""
    for p in sorted(run.file(UNITS).iterdir()):
        if not p.name.startswith(".") and (p.suffix != ".npz" or p.stem not in keys or not p.is_file()
                                           or p.is_symlink()):
            raise StateFileError(f"{p}: not a unit of this run (unknown file); remove it, or start again "
                                 "with --force")


def run_classify(config: ClassifyConfig | None, out: str, *, resume: bool = False, force: bool = False,
                 workers: int = 1, scheduler=None, progress=None) -> dict:
    """Train every unit not yet in ``out``, deploy in silico, report; return the summary.

    ``workers``: local processes (1: this process); ``scheduler``: a Dask
    scheduler address or ``distributed.Client`` (overrides ``workers``; with
    ``config.data`` the workers must read the same file). ``progress(msg)``
    receives one line per finished unit and per epoch (epochs not on Dask).
    """
    t0 = time.perf_counter()
    if not resume and config.data is not None:
        load_local(config.data)  # fail early, in one line, before anything is written
    with connected(scheduler) as client, RunDir(out, None if resume else config.as_dict(), owned=OWNED,
                                                 command="freespace classify", force=force, resume=resume) as run:
        if resume:
            config = ClassifyConfig.from_dict({k: v for k, v in run.config.items() if k != "command"})
        return _run(run, config, workers, client, progress, t0, where=scheduler)


def unit_task(point: dict, seed: int, context: dict, ideal: dict | None = None) -> dict:
    """Task function of one unit (:class:`picffm.runs.executor.Task`): train it, or deploy ``ideal`` in silico.

    A fresh process rebuilds everything from plain data (``context["config"]``);
    the result is the unit's state document with the masks as a nested list,
    so it survives the executor's JSON round trip bit for bit. An epoch event
    (:func:`picffm.runs.channel.report`) follows every epoch.
    """
    config = ClassifyConfig.from_dict(context["config"])
    layers, method = int(point["layers"]), point["method"]
    data = load_data(config, seed)
    if method == "insilico":
        r = deploy(config, data, UnitResult(**{**ideal, "masks": np.asarray(ideal["masks"], dtype=float)}))
    else:
        key = unit_key(layers, seed, method)
        ckpt = Path(context["checkpoints"]) / f"{key}.npz" if context.get("checkpoints") else None
        r = train_unit(config, data, layers, seed, method,
                       progress=lambda e: channel.report({"unit": key, "epoch": e, "epochs": config.epochs}),
                       saved=None if ckpt is None else _load_checkpoint(ckpt, key),
                       checkpoint=None if ckpt is None else (lambda state: save_checkpoint_state(
                           ckpt, _CKPT_KIND, {"unit": key, **state})),
                       should_stop=channel.stop_requested)
    return {**r.as_json(), "masks": r.masks.tolist()}


def _load_checkpoint(path: Path, key: str) -> dict | None:
    """The checkpoint of unit ``key`` at ``path``, or None; a foreign or corrupt one: one line naming it."""
    if not path.is_file():
        return None
    doc = load_state(path, _CKPT_KIND)
    if not isinstance(doc, dict) or doc.get("unit") != key:
        raise StateFileError(f"{path}: not the checkpoint of unit {key} of this run; delete it, or start again "
                             "with --force")
    return doc


def _unit_from_doc(doc: dict) -> UnitResult:
    return UnitResult(**{**doc, "masks": np.asarray(doc["masks"], dtype=float)})


class _Units:
    """The executor's store: ``units/<key>.npz``, written the moment a unit arrives."""

    def __init__(self, run: RunDir, results: dict, say):
        self.run, self.results, self.say = run, results, say

    def get(self, key: str) -> dict | None:
        r = _load(self.run, key)
        if r is None:
            return None
        self.results[(r.layers, r.seed, r.method)] = r
        return {**r.as_json(), "masks": r.masks}

    def put(self, key: str, point: dict, seed: int, doc: dict) -> None:
        r = _unit_from_doc(doc)
        _save(self.run, r)
        self.run.file(f"{CHECKPOINTS}/{key}.npz").unlink(missing_ok=True)
        self.results[(r.layers, r.seed, r.method)] = r
        self.say(f"{key}: test accuracy {100 * r.test_acc:.1f} %"
                 + (f" ({r.seconds:.0f} s)" if r.method != "insilico" else " (deployed)"))


def _task(config: ClassifyConfig, context: dict, layers: int, seed: int, method: str, **inputs) -> Task:
    return Task(unit_task, {"layers": layers, "seed": seed, "method": method}, seed, context,
                key=unit_key(layers, seed, method), inputs=inputs)


def _run(run: RunDir, config: ClassifyConfig, workers: int, scheduler, progress, t0: float, where=None) -> dict:
    run.file(UNITS).mkdir(exist_ok=True)
    run.file(CHECKPOINTS).mkdir(exist_ok=True)
    context = {"config": config.as_dict(),
               "checkpoints": None if scheduler is not None else str(run.file(CHECKPOINTS).resolve())}
    _check_units(run, {unit_key(L, s, m) for L in config.layers for s in config.seeds
                       for m in ("ideal", "ffm", "insilico")})
    say = progress or (lambda msg: None)
    results: dict = {}
    store = _Units(run, results, say)
    trained = [(L, s, m) for L in config.layers for s in config.seeds for m in ("ideal", "ffm")]
    for L, s, m in trained + [(L, s, "insilico") for L in config.layers for s in config.seeds]:
        store.get(unit_key(L, s, m))
    tasks = [_task(config, context, *u) for u in trained if u not in results]
    # in silico units whose ideal unit finished in an earlier run start at once; the others follow it
    tasks += [_task(config, context, L, s, "insilico", ideal=_plain(results[(L, s, "ideal")]))
              for L in config.layers for s in config.seeds
              if (L, s, "insilico") not in results and (L, s, "ideal") in results]
    say(f"{len(results)} unit(s) done, {len(tasks)} to run"
        + (f" on {where}" if scheduler is not None else f" with {workers} worker(s)"))

    def follow(task: Task, doc: dict) -> list[Task]:
        p = task.point
        if p["method"] != "ideal" or (p["layers"], p["seed"], "insilico") in results:
            return []
        return [_task(config, context, p["layers"], p["seed"], "insilico", ideal=doc)]

    def on_event(event: dict) -> None:
        say(f"{event['unit']}: epoch {event['epoch']}/{event['epochs']}")

    if tasks:
        with stop_on_signals(defer=True) as flag:
            run_tasks(tasks, store=store, workers=workers, scheduler=scheduler, progress=False, follow=follow,
                      on_event=on_event, flag=flag)
    summary = summarise(config, results, time.perf_counter() - t0)
    summary["n_classes"] = int(load_data(config, config.seeds[0]).n_classes)
    run.write_json("metrics.json", summary)
    _history_csv(run, config, results)
    plot_classify(run, config, results, summary)
    return summary


def _plain(r: UnitResult) -> dict:
    return {**r.as_json(), "masks": r.masks.tolist()}


def _stat(vals):
    v = [float(x) for x in vals]
    return {"mean": float(np.mean(v)), "std": float(np.std(v)), "per_seed": v, "n": len(v)}


def summarise(config: ClassifyConfig, results: dict, elapsed: float) -> dict:
    layers = {}
    for L in config.layers:
        layers[str(L)] = {m: {"test_acc": _stat([100 * results[(L, s, m)].test_acc for s in config.seeds]),
                              "train_acc": _stat([100 * results[(L, s, m)].train_acc for s in config.seeds]),
                              "passes_per_sample": results[(L, config.seeds[0], m)].passes_per_sample,
                              "seconds": float(sum(results[(L, s, m)].seconds for s in config.seeds))}
                          for m in ("ideal", "insilico", "ffm")}
    return {"task": "classify", "data": config.data or "digits", "layers": list(config.layers),
            "seeds": list(config.seeds), "epochs": config.epochs, "grid": config.grid_n,
            "pitch_um": config.pitch_um, "z_mm": config.z_um / 1000, "activation": config.activation,
            "imperfections": config.imperfections.as_dict(), "results": layers, "elapsed_s": round(elapsed, 2)}


def _pm(s):
    return f"{s['mean']:.1f}" if s["n"] == 1 else f"{s['mean']:.1f} ± {s['std']:.1f}"


def format_classify(summary: dict) -> str:
    """The text table printed by ``picffm freespace classify``."""
    lines = [f"Diffractive network on {summary['data']} ({summary['grid']} x {summary['grid']} grid, "
             f"{summary['pitch_um']:g} um pitch, {summary['z_mm']:g} mm per stage, {summary['activation']} "
             f"between stages), {summary['epochs']} epochs, seeds {','.join(map(str, summary['seeds']))}", "",
             "Test accuracy (%), mean ± std over seeds"]
    header = ["layers", "ideal", "insilico", "ffm", "ffm - ideal", "insilico - ideal"]
    rows = []
    for L, r in summary["results"].items():
        i, s, f = (r[m]["test_acc"]["mean"] for m in ("ideal", "insilico", "ffm"))
        rows.append([L, _pm(r["ideal"]["test_acc"]), _pm(r["insilico"]["test_acc"]), _pm(r["ffm"]["test_acc"]),
                     f"{f - i:+.1f}", f"{s - i:+.1f}"])
    widths = [max(len(x[k]) for x in [header] + rows) for k in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    lines += [fmt(header), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows]
    ppu = {L: r["ffm"]["passes_per_sample"] for L, r in summary["results"].items()}
    lines += ["", "Optical passes per training sample with FFM (L data + 2L - 1 error passes): "
              + ", ".join(f"{L} layers {v:.2f}" for L, v in ppu.items())]
    return "\n".join(lines)


def _history_csv(run: RunDir, config: ClassifyConfig, results: dict) -> None:
    rows = ["layers,seed,method,epoch,train_loss,test_acc"]
    for (L, s, m), r in sorted(results.items()):
        for e, (loss, acc) in enumerate(zip(r.train_loss, r.test_acc_history), 1):
            rows.append(f"{L},{s},{m},{e},{loss:.6g},{acc:.6g}")
    run.write_text("history.csv", "\n".join(rows) + "\n")
