"""Training runs: one (chip, method, seed) unit, and whole experiments with a run directory.

Library API (picklable, seed-deterministic; used by the CLI and by studies):

* :func:`train_network` ``(method, spec, seed, config) -> TrainResult``: train
  one network on fresh chips of ``spec`` (``ideal``: on the ideal model;
  ``insilico``: train on the ideal model, then program the result once onto
  the chips of ``spec`` and test it there);
* :func:`evaluate_states` ``(states, chips, data, config) -> accuracy``;
* :func:`deploy` programs a trained network onto chips of a spec;
* :func:`gradient_errors`: the gradient error of a trainer's measured
  gradients and of the in-silico model against the chip's true gradient
  (evaluation only: uses ``reveal()``).

For online training on a drifting chip keep the trainer:
``chips = make_chips(spec, seed, L); tr = make_trainer("ffm", chips, data,
config, seed)``, then alternate ``chip.advance(dt)`` and
``tr.train_steps(k)`` / ``tr.accuracy(...)``.

:func:`run_experiment` runs every unit of an :class:`Experiment` and keeps a
run directory (``docs/training.md``): ``config.json``, ``units/*.pkl`` (each
finished unit), ``checkpoints/*.pkl`` (the unit in progress, every
``checkpoint_every`` epochs), then the reports (:mod:`picffm.training.report`).
A ``KeyboardInterrupt`` stops it cleanly: what is finished is written, and
``resume=True`` continues from the last checkpoint. ``workers=N`` trains the
independent units in N spawned processes with bit-identical results; the
parent alone writes ``units/`` and the reports, each worker only its own
unit's checkpoint (written also when an interruption stops it).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import time
from concurrent.futures import FIRST_COMPLETED, CancelledError, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..chip import ChipSpec, resolve_spec
from ..errors import ConfigError
from ..atomic import probe_writable
from ..documents import read_document
from ..netlist import atomic_write_bytes, atomic_write_text
from .config import METHODS, TrainConfig, config_from_dict
from .network import LayerState, evaluate
from .trainers import Dataset, Trainer, make_chips, make_dataset, make_trainer, passes_per_update

__all__ = [
    "TrainResult",
    "Experiment",
    "resolve_spec",
    "train_network",
    "deploy",
    "evaluate_states",
    "gradient_errors",
    "grad_window",
    "run_experiment",
    "unit_key",
    "DEFAULT_METHODS",
    "DEFAULT_SPECS",
    "default_workers",
]

DEFAULT_METHODS = ("ideal", "insilico", "ffm", "ffm-phase")
DEFAULT_SPECS = ("mild", "typical", "harsh")
#: label of the ideal model (the ``ideal`` units do not depend on a chip spec)
MODEL = "model"


@dataclass(frozen=True, eq=False)
class TrainResult:
    """Outcome of one unit (picklable).

    Attributes:
        method, chip, seed: what was trained where (``chip`` is the spec label,
            :data:`MODEL` for the ideal model).
        states: final network (settings and gain per layer).
        history: per-epoch rows (epoch, loss, train_acc, test_acc, updates,
            train_passes); for ``insilico``, the ideal network of each epoch
            deployed on the chip.
        train_acc, test_acc: final accuracies (fractions) where it is tested.
        updates, train_passes: optimiser steps and optical passes they used.
        grad: gradient errors at ``config.grad_probe_step`` (or empty).
        seconds: wall time of the unit.
    """

    method: str
    chip: str
    seed: int
    states: list
    history: list
    train_acc: float
    test_acc: float
    updates: int
    train_passes: int
    grad: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passes_per_update(self) -> float | None:
        return self.train_passes / self.updates if self.updates else None


def evaluate_states(states: Sequence[LayerState], chips: Sequence, data: Dataset, config: TrainConfig,
                    split: str = "test") -> float:
    """Accuracy of a trained network programmed onto ``chips`` (``split``: test or train)."""
    x, y = (data.x_test, data.y_test) if split == "test" else (data.x_train, data.y_train)
    return evaluate(chips, states, x, y, readout_gain=config.readout_gain)


def deploy(states: Sequence[LayerState], spec: ChipSpec | None, seed: int, config: TrainConfig) -> list:
    """Chips of ``spec`` for ``seed`` (the same draw as training there), programmed with ``states``."""
    chips = make_chips(spec, seed, config.layers)
    for c, st in zip(chips, states):
        c.program(st.params)
    return chips


def grad_window(config: TrainConfig) -> tuple[int, int]:
    """Updates over which the gradient error is averaged: ``grad_probe_step`` +- 10 within the run.

    With the default 80 that is 70..90, around the update Xue et al. report.
    """
    total = config.epochs * config.updates_per_epoch()
    step = min(config.grad_probe_step, total)
    return max(1, step - 10), min(total, step + 10)


def gradient_errors(trainer: Trainer, x: np.ndarray, labels: np.ndarray, measured: list) -> dict:
    """EVALUATION ONLY (``reveal()``): relative error (%) of the measured and in-silico gradients.

    Against the chip's exact noiseless gradient with respect to what the
    method updates (:mod:`picffm.training.gradmetric`): for matrix-level
    trainers ``dL/dW*`` per layer at the effective operator (core plus the
    static modulator and receiver errors); for phase trainers the tied phase
    gradient per layer (gains excluded). The in-silico line (matrix level
    only) is the exact gradient of a digital model fitted through the
    protocol: each layer's matrix measured with the N unit vectors (N passes
    per layer). Returns ``{"method": %, "insilico": % or None,
    "method_layers": [...], "insilico_layers": [...], "method_cos": c,
    "insilico_cos": c, "step": k}`` (``*_cos``: mean over layers of the
    cosine similarity with the true gradient, 1 = same direction).
    """
    from .gradmetric import (fitted_matrices, layer_errors, matrix_gradients_through, phase_gradients_true,
                             true_matrices)
    from .trainers import MatrixTrainer
    from .truth import flat_phase_grads

    cfg = trainer.config
    states = trainer.states
    gains = [s.gain for s in states]
    kw = dict(n_classes=3, readout_gain=cfg.readout_gain)
    model = None
    if isinstance(trainer, MatrixTrainer):
        _, true = matrix_gradients_through(true_matrices(trainer.chips), gains, x, labels, **kw)
        _, model = matrix_gradients_through(fitted_matrices(trainer.chips), gains, x, labels, **kw)
        est = measured
    else:
        _, t = phase_gradients_true(trainer.chips, trainer.cmap, gains, x, labels, **kw)
        true = [flat_phase_grads(g) for g in t]
        k = len(measured) // cfg.layers
        est = [np.concatenate([np.asarray(a, float) for a in measured[k * i:k * i + 4]]) for i in range(cfg.layers)]
    me, mc = layer_errors(est, true)
    out = {"method": 100 * float(np.mean(me)), "method_layers": [100 * v for v in me],
           "method_cos": float(np.mean(mc)), "insilico": None, "insilico_layers": None, "insilico_cos": None,
           "step": trainer.updates + 1}
    if model is not None:
        ie, ic = layer_errors(model, true)
        out.update(insilico=100 * float(np.mean(ie)), insilico_layers=[100 * v for v in ie],
                   insilico_cos=float(np.mean(ic)))
    return out


def _window_mean(records: list[dict]) -> dict:
    """One unit's gradient errors: the mean over the window's updates of every field."""
    if not records:
        return {}
    out: dict = {"window": [records[0]["step"], records[-1]["step"]], "updates": len(records)}
    for key in ("method", "insilico", "method_cos", "insilico_cos"):
        vals = [r[key] for r in records if r[key] is not None]
        out[key] = float(np.mean(vals)) if vals else None
    for key in ("method_layers", "insilico_layers"):
        vals = [r[key] for r in records if r[key] is not None]
        out[key] = np.mean(vals, axis=0).tolist() if vals else None
    return out


def _train_unit(method: str, chip_label: str, spec: ChipSpec | None, seed: int, config: TrainConfig, *,
                probe: bool = True, checkpoint: Path | None = None,
                on_epoch: Callable[[dict], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> TrainResult:
    t0 = time.perf_counter()
    data = make_dataset(seed, config)
    chips = make_chips(spec, seed, config.layers)
    tr = make_trainer(method, chips, data, config, seed)
    grad: dict = {"records": []}
    if checkpoint is not None and checkpoint.exists():
        saved = pickle.loads(checkpoint.read_bytes())
        tr.load_state_dict(saved["trainer"])
        grad = saved["grad"]
        grad.setdefault("records", [])
    if probe and spec is not None:
        from .gradmetric import probe_window

        def _probe(trainer, x, labels, grads):
            grad["records"].append(gradient_errors(trainer, x, labels, grads))
        probe_window(tr, *grad_window(config), _probe)
    while tr.epoch < config.epochs:
        row = tr.run_epoch()
        if on_epoch is not None:
            on_epoch(row)
        if checkpoint is not None and (tr.epoch % config.checkpoint_every == 0) and tr.epoch < config.epochs:
            atomic_write_bytes(checkpoint, pickle.dumps({"trainer": tr.state_dict(), "grad": dict(grad)}))
        if should_stop is not None and tr.epoch < config.epochs and should_stop():
            if checkpoint is not None:
                atomic_write_bytes(checkpoint, pickle.dumps({"trainer": tr.state_dict(), "grad": dict(grad)}))
            raise _Stopped(f"{method} on {chip_label} seed {seed} stopped at epoch {tr.epoch}")
    last = tr.history[-1]
    return TrainResult(method, chip_label, seed, tr.states, list(tr.history), last["train_acc"], last["test_acc"],
                       tr.updates, tr.train_passes, _window_mean(grad["records"]), time.perf_counter() - t0)


def _insilico_unit(ideal: TrainResult, chip_label: str, spec: ChipSpec, seed: int,
                   config: TrainConfig, snapshots: list | None = None) -> TrainResult:
    t0 = time.perf_counter()
    data = make_dataset(seed, config)
    chips = make_chips(spec, seed, config.layers)
    history = []
    for row, states in zip(ideal.history, snapshots or []):
        history.append({**row, "train_acc": evaluate_states(states, chips, data, config, "train"),
                        "test_acc": evaluate_states(states, chips, data, config, "test"), "train_passes": 0})
    train_acc = evaluate_states(ideal.states, chips, data, config, "train")
    test_acc = evaluate_states(ideal.states, chips, data, config, "test")
    if history:
        history[-1] = {**history[-1], "train_acc": train_acc, "test_acc": test_acc}
    return TrainResult("insilico", chip_label, seed, ideal.states, history, train_acc, test_acc,
                       ideal.updates, 0, {}, time.perf_counter() - t0)


def train_network(method: str, spec: ChipSpec | str | None, seed: int, config: TrainConfig | None = None, *,
                  ideal_result: TrainResult | None = None, probe: bool = True) -> TrainResult:
    """Train one network; see the module docstring. ``spec`` may be a preset name or file."""
    config = config or TrainConfig()
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    label, spec_obj = (MODEL, None) if spec is None else resolve_spec(spec)
    if method == "ideal":
        return _train_unit("ideal", MODEL, None, seed, config, probe=False)
    if method == "insilico":
        if spec_obj is None:
            raise ConfigError("insilico needs a chip spec to deploy on")
        ideal = ideal_result or _train_unit("ideal", MODEL, None, seed, config, probe=False)
        return _insilico_unit(ideal, label, spec_obj, seed, config)
    return _train_unit(method, label, spec_obj, seed, config, probe=probe)


# ------------------------------------------------------------------ experiments
@dataclass(frozen=True)
class Experiment:
    """What ``picffm train iris`` runs.

    Attributes:
        config: training hyper-parameters.
        methods: trained methods (subset of :data:`~picffm.training.config.METHODS`).
        chips: ``(label, spec)`` of every chip configuration.
        seeds: seeds (each: split, initialisation, minibatches, chip draw).
        passes_methods: methods whose passes per update are measured (one
            update each) even if not trained.
    """

    config: TrainConfig
    methods: tuple
    chips: tuple
    seeds: tuple
    passes_methods: tuple = ("ffm", "ffm-phase", "spsa", "fd")

    def __post_init__(self):
        bad = [m for m in self.methods if m not in METHODS]
        if bad:
            raise ConfigError(f"unknown method {bad[0]!r}; valid: {', '.join(METHODS)}")
        if not self.methods:
            raise ConfigError("no method to train")
        if not self.chips:
            raise ConfigError("no chip configuration")
        if not self.seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in self.seeds):
            raise ConfigError(f"seeds must be integers >= 0, got {self.seeds!r}")
        labels = [c[0] for c in self.chips]
        if len(set(labels)) != len(labels):
            raise ConfigError(f"chip configurations must have distinct names, got {labels}")

    def to_dict(self) -> dict:
        return {"config": self.config.to_dict(), "methods": list(self.methods),
                "chips": {label: spec.to_dict() for label, spec in self.chips}, "seeds": list(self.seeds),
                "passes_methods": list(self.passes_methods)}

    @classmethod
    def from_dict(cls, doc: dict) -> "Experiment":
        from ..chip.spec import spec_from_dict

        return cls(config_from_dict(doc["config"]), tuple(doc["methods"]),
                   tuple((label, spec_from_dict(s, name=label)) for label, s in doc["chips"].items()),
                   tuple(int(s) for s in doc["seeds"]), tuple(doc.get("passes_methods", ())))

    def units(self) -> list[tuple[str, str, int]]:
        """``(chip label, method, seed)`` in run order (ideal units first: in silico reuses them)."""
        out = []
        if "ideal" in self.methods or "insilico" in self.methods:
            out += [(MODEL, "ideal", s) for s in self.seeds]
        for label, _ in self.chips:
            for m in self.methods:
                if m == "ideal":
                    continue
                out += [(label, m, s) for s in self.seeds]
        return out


def unit_key(chip: str, method: str, seed: int) -> str:
    """File-name-safe key of a unit."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in chip)
    return f"{safe}__{method}__{seed}"


def _measure_passes(method: str, spec: ChipSpec, seed: int, config: TrainConfig) -> float:
    """Passes per update of ``method`` in closed form (no chip is run: the counters agree, tested)."""
    batch = min(config.batch_size, make_dataset(seed, config).y_train.size)
    return float(passes_per_update(method, config.layers, batch))


def _check_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "units").mkdir(exist_ok=True)
        (out / "checkpoints").mkdir(exist_ok=True)
        probe_writable(out)  # exclusive, never through a planted symlink
    except OSError as exc:
        raise ConfigError(f"output directory {str(out)!r} is not writable: {exc.strerror or exc}") from None


def _save_unit(out: Path, key: str, result: TrainResult, snapshots) -> None:
    """Write a finished unit atomically, then drop its in-progress checkpoint."""
    atomic_write_bytes(out / "units" / f"{key}.pkl", pickle.dumps({"result": result, "snapshots": snapshots}))
    (out / "checkpoints" / f"{key}.pkl").unlink(missing_ok=True)


def run_experiment(exp: Experiment | None, out: str | os.PathLike, *, resume: bool = False,
                   progress: bool | None = None,
                   on_event: Callable[[str, dict], None] | None = None, workers: int = 1) -> dict:
    """Run (or resume) every unit of ``exp`` in the run directory ``out``; return the summary.

    With ``resume=True`` the experiment is read from ``out/config.json``
    (``exp`` may be ``None``), finished units are loaded and the unit in
    progress continues from its last checkpoint. ``on_event(kind, info)`` is
    called (in this process) after every epoch (``"epoch"``) and unit
    (``"unit"``); raising ``KeyboardInterrupt`` there (or Ctrl-C) stops the
    run cleanly after writing the reports of what is finished.

    ``workers`` > 1 trains the independent units in that many worker
    processes (:func:`default_workers`: all cores); the results are
    bit-identical to ``workers=1`` (every unit is seeded by its seed and spec
    alone). ``workers`` is an execution option: it is not part of the
    experiment and not saved in ``config.json``.
    """
    from tqdm import tqdm

    from . import report

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be an integer >= 1, got {workers!r}")
    out = Path(out)
    if resume:
        cfg_path = out / "config.json"
        if not cfg_path.is_file():
            raise ConfigError(f"cannot resume: {str(cfg_path)!r} not found (not a picffm train run directory)")
        try:
            exp = Experiment.from_dict(read_document(cfg_path, "run config", ConfigError, suffixes=(".json",)))
        except ConfigError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"cannot resume: {cfg_path} is not a valid run config ({exc})") from None
    elif exp is None:
        raise ConfigError("no experiment given")
    _check_out_dir(out)
    if not resume:
        atomic_write_text(out / "config.json", json.dumps(exp.to_dict(), indent=2) + "\n")
    specs = dict(exp.chips)
    results: dict[str, TrainResult] = {}
    snapshots: dict[int, list] = {}
    for path in sorted((out / "units").glob("*.pkl")):
        r = pickle.loads(path.read_bytes())
        results[path.stem] = r["result"]
        if r.get("snapshots") is not None:
            snapshots[r["result"].seed] = r["snapshots"]
    passes_path = out / "passes.json"
    passes = json.loads(passes_path.read_text()) if passes_path.exists() else {}
    units = exp.units()
    total = len(units) * exp.config.epochs
    done = sum(exp.config.epochs for u in units if unit_key(*u) in results)
    t_start = time.perf_counter()
    bar = tqdm(total=total, initial=done, unit="epoch", disable=progress is False if progress is not None else None,
               dynamic_ncols=True, leave=False)
    try:
        if workers > 1:
            _run_parallel(exp, out, workers, results, snapshots, passes, bar, on_event)
        for chip, method, seed in units:
            key = unit_key(chip, method, seed)
            if key in results:
                continue
            bar.set_description(f"{method} on {chip} seed {seed}")
            if method == "insilico":
                ideal_key = unit_key(MODEL, "ideal", seed)
                res = _insilico_unit(results[ideal_key], chip, specs[chip], seed, exp.config,
                                     snapshots.get(seed))
                bar.update(exp.config.epochs)
                snap = None
            else:
                snap_list: list = []

                def _on_epoch(row, _bar=bar, _snap=snap_list, _m=method, _c=chip, _s=seed):
                    _bar.update(1)
                    if on_event is not None:
                        on_event("epoch", {"chip": _c, "method": _m, "seed": _s, **row})

                ckpt = out / "checkpoints" / f"{key}.pkl"
                spec = None if chip == MODEL else specs[chip]
                res = _train_with_snapshots(method, chip, spec, seed, exp.config, ckpt, _on_epoch, snap_list)
                snap = snap_list if method == "ideal" else None
                if snap is not None:
                    snapshots[seed] = snap
            _save_unit(out, key, res, snap)
            results[key] = res
            if on_event is not None:
                on_event("unit", {"chip": chip, "method": method, "seed": seed, "test_acc": res.test_acc})
        first_label, first_spec = exp.chips[0]
        for m in exp.passes_methods:
            if m not in passes:
                bar.set_description(f"passes per update of {m}")
                passes[m] = _measure_passes(m, first_spec, exp.seeds[0], exp.config)
                atomic_write_text(passes_path, json.dumps(passes, indent=2) + "\n")
    finally:
        bar.close()
        summary = report.write_reports(out, exp, results, passes, time.perf_counter() - t_start)
    return summary


def _train_with_snapshots(method, chip, spec, seed, config, ckpt, on_epoch, snap_list,
                          should_stop=None) -> TrainResult:
    """:func:`_train_unit`, recording each epoch's network for ``ideal`` (in-silico learning curves).

    ``should_stop()`` (parallel runs) is asked after every epoch: if true, the
    unit writes its checkpoint at that epoch and raises :class:`_Stopped`.
    """
    if method != "ideal":
        return _train_unit(method, chip, spec, seed, config, probe=True, checkpoint=ckpt, on_epoch=on_epoch,
                           should_stop=should_stop)
    t0 = time.perf_counter()
    data = make_dataset(seed, config)
    tr = make_trainer("ideal", make_chips(None, seed, config.layers), data, config, seed)
    if ckpt.exists():
        saved = pickle.loads(ckpt.read_bytes())
        tr.load_state_dict(saved["trainer"])
        snap_list.extend(saved.get("snapshots", []))
    while tr.epoch < config.epochs:
        row = tr.run_epoch()
        snap_list.append(tr.states)
        on_epoch(row)
        if tr.epoch % config.checkpoint_every == 0 and tr.epoch < config.epochs:
            atomic_write_bytes(ckpt, pickle.dumps({"trainer": tr.state_dict(), "grad": {},
                                                   "snapshots": list(snap_list)}))
        if should_stop is not None and tr.epoch < config.epochs and should_stop():
            atomic_write_bytes(ckpt, pickle.dumps({"trainer": tr.state_dict(), "grad": {},
                                                   "snapshots": list(snap_list)}))
            raise _Stopped(f"ideal seed {seed} stopped at epoch {tr.epoch}")
    last = tr.history[-1]
    return TrainResult("ideal", MODEL, seed, tr.states, list(tr.history), last["train_acc"], last["test_acc"],
                       tr.updates, tr.train_passes, {}, time.perf_counter() - t0)


# ------------------------------------------------------------------ parallel runs
class _Stopped(Exception):
    """A unit in a worker stopped at an epoch boundary because the run was interrupted."""


#: BLAS/OpenMP thread variables set to 1 for spawned workers (unless the user set them)
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_worker_limits = None
#: order of submission after the ideal units (longest first: shorter tail on the last core)
_COST_RANK = {"fd": 0, "ffm-phase": 1, "spsa": 2, "ffm": 3}


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _ignore_sigint() -> None:
    """Ctrl-C reaches the whole process group; only the parent acts on it (it stops the workers)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _init_worker() -> None:
    global _worker_limits
    _ignore_sigint()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared dependency
        return
    _worker_limits = threadpool_limits(1)  # 16 x 16 matrices: BLAS threads only contend


def _unit_task(method: str, chip: str, spec: ChipSpec | None, seed: int, config: TrainConfig, ckpt: Path,
               ideal: TrainResult | None, snaps: list | None, events, stop) -> tuple:
    """One unit in a worker: ``(TrainResult, snapshots or None)``; epochs are reported on ``events``.

    The worker writes only its own checkpoint file; the parent writes everything else.
    """
    if stop.is_set():
        raise _Stopped(f"{method} on {chip} seed {seed} not started")
    if method == "insilico":
        return _insilico_unit(ideal, chip, spec, seed, config, snaps), None
    snap_list: list = []
    res = _train_with_snapshots(method, chip, spec, seed, config, ckpt,
                                lambda row: events.put((chip, method, seed, row)), snap_list, stop.is_set)
    return res, (snap_list if method == "ideal" else None)


def _run_parallel(exp: Experiment, out: Path, workers: int, results: dict, snapshots: dict, passes: dict, bar,
                  on_event) -> None:
    """Train the missing units of ``exp`` in ``workers`` processes; fills ``results``, ``snapshots``, ``passes``.

    This process alone writes ``units/*.pkl`` and ``passes.json`` (atomically,
    as each unit finishes); each worker writes only the checkpoint of its own
    unit. ``insilico`` units are submitted once their seed's ``ideal`` unit is
    done. On an interruption (Ctrl-C, or ``on_event`` raising) pending units
    are cancelled, running ones stop at the end of their epoch after writing
    their checkpoint, units that finish meanwhile are kept, and the exception
    is re-raised.
    """
    specs = dict(exp.chips)
    todo = [u for u in exp.units() if unit_key(*u) not in results]
    passes_todo = [m for m in exp.passes_methods if m not in passes]
    if not todo and not passes_todo:
        return
    cfg = exp.config
    ctx = multiprocessing.get_context("spawn")
    from multiprocessing.managers import SyncManager

    manager = SyncManager(ctx=ctx)
    manager.start(_ignore_sigint)
    events, stop = manager.Queue(), manager.Event()
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo) + len(passes_todo)), mp_context=ctx,
                               initializer=_init_worker)
    futures: dict = {}
    waiting = [u for u in todo if u[1] == "insilico"]

    def submit(unit):
        chip, method, seed = unit
        spec = None if chip == MODEL else specs[chip]
        ideal = results[unit_key(MODEL, "ideal", seed)] if method == "insilico" else None
        fut = pool.submit(_unit_task, method, chip, spec, seed, cfg, out / "checkpoints" / f"{unit_key(*unit)}.pkl",
                          ideal, snapshots.get(seed) if method == "insilico" else None, events, stop)
        futures[fut] = ("unit", unit)

    def submit_ready():
        for unit in [u for u in waiting if unit_key(MODEL, "ideal", u[2]) in results]:
            waiting.remove(unit)
            submit(unit)

    def drain(notify: bool) -> None:
        while True:
            try:
                chip, method, seed, row = events.get_nowait()
            except Exception:  # queue.Empty (raised through the manager proxy)
                return
            bar.update(1)
            bar.set_description(f"{method} on {chip} seed {seed}")
            if notify and on_event is not None:
                on_event("epoch", {"chip": chip, "method": method, "seed": seed, **row})

    def finish(fut, notify: bool) -> None:
        kind, what = futures.pop(fut)
        if kind == "passes":
            passes[what] = fut.result()
            ordered = {m: passes[m] for m in exp.passes_methods if m in passes}
            atomic_write_text(out / "passes.json", json.dumps(ordered, indent=2) + "\n")
            return
        chip, method, seed = what
        key = unit_key(*what)
        res, snap = fut.result()
        _save_unit(out, key, res, snap)
        results[key] = res
        if snap is not None:
            snapshots[seed] = snap
        if method == "insilico":
            bar.update(cfg.epochs)
        if notify and on_event is not None:
            on_event("unit", {"chip": chip, "method": method, "seed": seed, "test_acc": res.test_acc})

    try:
        try:
            for unit in [u for u in todo if u[1] == "ideal"]:
                submit(unit)
            submit_ready()  # insilico units of ideal units finished earlier
            first_spec = exp.chips[0][1]
            for m in passes_todo:
                futures[pool.submit(_measure_passes, m, first_spec, exp.seeds[0], cfg)] = ("passes", m)
            rest = [u for u in todo if u[1] not in ("ideal", "insilico")]
            for unit in sorted(rest, key=lambda u: _COST_RANK.get(u[1], len(_COST_RANK))):
                submit(unit)
            while futures:
                done, _ = wait(list(futures), timeout=0.1, return_when=FIRST_COMPLETED)
                drain(True)
                for fut in done:
                    finish(fut, True)
                submit_ready()
        except BaseException:
            stop.set()
            for fut in list(futures):
                if fut.cancel():
                    futures.pop(fut)
            for fut in wait(list(futures)).done:  # running units stop within one epoch
                try:
                    finish(fut, False)
                except (_Stopped, CancelledError):
                    futures.pop(fut, None)
                except Exception:  # noqa: BLE001 - the first error is the one re-raised
                    futures.pop(fut, None)
            drain(False)
            raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        manager.shutdown()
