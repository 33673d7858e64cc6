"""Training one unit: a (method, chip configuration, seed, fold), with checkpoints.

* :func:`train_network` ``(method, spec, seed, config, fold=0) -> TrainResult``:
  train one network on fold ``fold`` of the seed's split, on fresh chips of
  ``spec`` (``ideal``: on the ideal model;
  ``insilico``: train on the ideal model, then program the result once onto
  the chips of ``spec`` and test it there);
* :func:`train_unit`: the one epoch loop behind it and behind every run
  directory, with checkpoints that hold *every* random stream (the
  trainer's minibatch stream, each chip's detector-noise and drift streams,
  the drift state, clocks and pass counters): a unit continued from a
  checkpoint gives the same result, bit for bit, as one never stopped;
* :func:`evaluate_states` ``(states, chips, data, config) -> accuracy``;
* :func:`deploy` programs a trained network onto chips of a spec;
* :func:`gradient_errors`: the gradient error of a trainer's measured
  gradients and of the in-silico model (the column-corrected probe fit)
  against the chip's true gradient
  (evaluation only: uses ``reveal()``).

For online training on a drifting chip keep the trainer:
``chips = make_chips(spec, seed, L); tr = make_trainer("ffm", chips, data,
config, seed)``, then alternate ``chip.advance(dt)`` and
``tr.train_steps(k)`` / ``tr.accuracy(...)``.
"""

from __future__ import annotations

import time
from typing import Callable, Sequence

import numpy as np

from ..chip import ChipSpec
from ..errors import ConfigError
from ..runs.channel import TaskStopped
from .config import TrainConfig
from .experiment import resolve_spec
from .network import LayerState, evaluate
from .results import MODEL, TrainResult, states_from_plain, states_to_plain
from .trainers import Dataset, Trainer, get_method, make_chips, make_dataset, make_trainer, passes_per_update

__all__ = ["train_network", "train_unit", "insilico_unit", "measure_passes", "deploy", "evaluate_states",
           "gradient_errors", "grad_window", "UnitStopped"]


class UnitStopped(TaskStopped):
    """A unit stopped at an epoch boundary (after its checkpoint) because the run was interrupted."""


def evaluate_states(states: Sequence[LayerState], chips: Sequence, data: Dataset, config: TrainConfig,
                    split: str = "test") -> float:
    """Accuracy of a trained network programmed onto ``chips`` (``split``: test or train)."""
    x, y = (data.x_test, data.y_test) if split == "test" else (data.x_train, data.y_train)
    return evaluate(chips, states, x, y, config.electronics)


def deploy(states: Sequence[LayerState], spec: ChipSpec | None, seed: int, config: TrainConfig) -> list:
    """Chips of ``spec`` for ``seed`` (the same draw as training there), programmed with ``states``."""
    chips = make_chips(spec, seed, config.layers, config.modes)
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


def gradient_errors(trainer: Trainer, x: np.ndarray, labels: np.ndarray, measured, *,
                    fit_state: dict | None = None) -> dict:
    """EVALUATION ONLY (``reveal()``): relative error (%) of the measured and in-silico gradients.

    Against the chip's exact noiseless gradient with respect to what the
    method updates (:mod:`picffm.training.gradmetric`): for matrix-level
    trainers ``dL/dW*`` per layer at the effective operator (core plus the
    static modulator and receiver errors); for phase trainers the tied phase
    gradient per layer (gains excluded). The in-silico line (matrix level
    only) is the exact gradient of a digital model fitted through the
    protocol: each layer's matrix measured with the N unit vectors (N passes
    per layer), each read's per-pass column factors removed against the
    port ratios of the run's earlier reads, the *column-corrected probe fit*
    (:func:`picffm.training.gradmetric.corrected_matrices`; ``fit_state``:
    the previous call's ``"fit_state"``, ``None`` at the first probe). The
    raw probe fit, the reciprocal fit and the calibrated twin (which costs
    a calibration per chip) are reported by ``scripts/gradient_error.py``.
    Returns ``{"method": %, "insilico": % or None, "method_layers": [...],
    "insilico_layers": [...], "method_cos": c, "insilico_cos": c, "step": k,
    "fit_state": state}`` (``*_cos``: mean over layers of the
    cosine similarity with the true gradient, 1 = same direction).
    """
    from .gradmetric import (corrected_matrices, fitted_matrices, layer_errors, matrix_gradients_through,
                             phase_gradients_true, true_matrices)
    from .trainers import MatrixTrainer
    from .truth import flat_phase_grads

    cfg = trainer.config
    states = trainer.states
    gains = [s.gain for s in states]
    kw = dict(electronics=cfg.electronics)
    model = None
    if isinstance(trainer, MatrixTrainer):
        _, true = matrix_gradients_through(true_matrices(trainer.chips), gains, x, labels, **kw)
        mats, fit_state = corrected_matrices(fitted_matrices(trainer.chips), fit_state)
        _, model = matrix_gradients_through(mats, gains, x, labels, **kw)
        est = measured.blocks("w")
    else:
        _, t = phase_gradients_true(trainer.chips, trainer.cmap, gains, x, labels, **kw)
        true = [flat_phase_grads(g) for g in t]
        est = [measured.layer_vector(i, exclude=("gain",)) for i in range(cfg.layers)]
    me, mc = layer_errors(est, true)
    out = {"method": 100 * float(np.mean(me)), "method_layers": [100 * v for v in me],
           "method_cos": float(np.mean(mc)), "insilico": None, "insilico_layers": None, "insilico_cos": None,
           "step": trainer.updates + 1, "fit_state": fit_state}
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


def train_unit(method: str, chip_label: str, spec: ChipSpec | None, seed: int, config: TrainConfig, *,
               fold: int = 0, probe: bool = True, saved: dict | None = None,
               on_epoch: Callable[[dict], None] | None = None,
               checkpoint: Callable[[dict], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> tuple[TrainResult, list | None]:
    """Train one unit (any method but ``insilico``) on fold ``fold`` of the seed's split;
    returns ``(result, snapshots)``.

    ``snapshots`` (``ideal`` only, else ``None``): the network after every
    epoch, for the in-silico learning curves. ``saved``: a checkpoint to
    continue from. ``checkpoint(state)`` is called with the unit's whole state
    (plain data and arrays) every ``config.checkpoint_every`` epochs and when
    stopping; ``should_stop()`` is asked after every epoch: if true, the unit
    checkpoints and raises :class:`UnitStopped`. ``on_epoch(row)`` gets each
    history row.
    """
    t0 = time.perf_counter()
    data = make_dataset(seed, config, fold)
    chips = make_chips(spec, seed, config.layers, config.modes)
    tr = make_trainer(method, chips, data, config, seed)
    grad: dict = {"records": []}
    snaps: list | None = [] if method == "ideal" else None
    if saved is not None:
        tr.load_state_dict(saved["trainer"])
        for chip, state in zip(chips, saved["chips"], strict=True):
            chip.set_state(state)
        grad = dict(saved["grad"])
        grad.setdefault("records", [])
        if snaps is not None:
            snaps = [states_from_plain(s, chips[0].schedule.table) for s in saved["snapshots"]]
    if probe and spec is not None:
        from .gradmetric import probe_window

        def _probe(trainer, x, labels, grads):
            rec = gradient_errors(trainer, x, labels, grads, fit_state=grad.get("fit"))
            grad["fit"] = rec.pop("fit_state")
            grad["records"].append(rec)
        probe_window(tr, *grad_window(config), _probe)

    def state() -> dict:
        return {"trainer": tr.state_dict(), "chips": [c.get_state() for c in chips], "grad": dict(grad),
                "snapshots": None if snaps is None else [states_to_plain(s) for s in snaps]}

    while tr.epoch < config.epochs:
        row = tr.run_epoch()
        if snaps is not None:
            snaps.append(tr.states)
        if on_epoch is not None:
            on_epoch(row)
        if tr.epoch >= config.epochs:
            break
        stop = should_stop is not None and should_stop()
        if checkpoint is not None and (stop or tr.epoch % config.checkpoint_every == 0):
            checkpoint(state())
        if stop:
            raise UnitStopped(f"{method} on {chip_label} seed {seed} fold {fold} stopped at epoch {tr.epoch}")
    last = tr.history[-1]
    return TrainResult(method, chip_label, seed, tr.states, list(tr.history), last["train_acc"], last["test_acc"],
                       tr.updates, tr.train_passes, _window_mean(grad["records"]), time.perf_counter() - t0,
                       fold, tr.train_busy_s), snaps


def insilico_unit(ideal: TrainResult, chip_label: str, spec: ChipSpec, seed: int,
                   config: TrainConfig, snapshots: list | None = None) -> TrainResult:
    """``ideal`` (trained on the ideal model) programmed once onto the chips of ``spec``, tested there
    (on the fold ``ideal`` was tested on).

    ``snapshots``: the ideal network after every epoch (learning curves on the chip)."""
    t0 = time.perf_counter()
    data = make_dataset(seed, config, ideal.fold)
    chips = make_chips(spec, seed, config.layers, config.modes)
    history = []
    for row, states in zip(ideal.history, snapshots or []):
        history.append({**row, "train_acc": evaluate_states(states, chips, data, config, "train"),
                        "test_acc": evaluate_states(states, chips, data, config, "test"), "train_passes": 0})
    train_acc = evaluate_states(ideal.states, chips, data, config, "train")
    test_acc = evaluate_states(ideal.states, chips, data, config, "test")
    if history:
        history[-1] = {**history[-1], "train_acc": train_acc, "test_acc": test_acc}
    return TrainResult("insilico", chip_label, seed, ideal.states, history, train_acc, test_acc,
                       ideal.updates, 0, {}, time.perf_counter() - t0, ideal.fold)


def train_network(method: str, spec: ChipSpec | str | None, seed: int, config: TrainConfig | None = None, *,
                  fold: int = 0, ideal_result: TrainResult | None = None, probe: bool = True) -> TrainResult:
    """Train one network; see the module docstring. ``spec`` may be a preset name or file."""
    config = config or TrainConfig()
    get_method(method)  # an unknown name: ConfigError listing the valid ones
    label, spec_obj = (MODEL, None) if spec is None else resolve_spec(spec)
    if method == "ideal":
        return train_unit("ideal", MODEL, None, seed, config, fold=fold, probe=False)[0]
    if method == "insilico":
        if spec_obj is None:
            raise ConfigError("insilico needs a chip spec to deploy on")
        ideal = ideal_result or train_unit("ideal", MODEL, None, seed, config, fold=fold, probe=False)[0]
        return insilico_unit(ideal, label, spec_obj, seed, config)
    return train_unit(method, label, spec_obj, seed, config, fold=fold, probe=probe)[0]


def measure_passes(method: str, spec: ChipSpec, seed: int, config: TrainConfig) -> float:
    """Passes per update of ``method`` in closed form (no chip is run: the counters agree, tested)."""
    batch = min(config.batch_size, make_dataset(seed, config).y_train.size)
    return float(passes_per_update(method, config.layers, batch, config.modes))
