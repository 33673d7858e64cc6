"""Diffractive classifiers trained ideally, in silico (then deployed) and with FFM on the real system.

A network of ``L`` stages (:mod:`picffm.freespace.system`) reads an image as
the amplitude of the first stage's input field; every later stage's input is
the previous stage's camera intensity (the ``intensity`` activation) or
field (``linear``); the class is the brightest of ``C`` detector squares on
the last camera. Three methods, as in the integrated ``picffm train``:

* ``ideal``: trained and tested on the ideal system (exact backpropagation:
  the FFM routine on an :class:`~picffm.freespace.system.IdealSystem`);
* ``insilico``: the ideal-trained masks programmed onto the real (simulated)
  system and tested there;
* ``ffm``: trained on the real system by FFM (data and error passes through
  its own optics, read by its own noisy cameras) and tested there.

Training: Adam on the mask phases (rad), mini-batches shuffled per epoch with
a generator seeded by the unit, test accuracy after every epoch.

**Checkpoints.** :func:`train_unit` can hand its whole state (masks, Adam
moments, the shuffling and camera-noise generators, counters, history, and
where it is inside the epoch) to ``checkpoint`` after every epoch, and when
``should_stop()`` turns true after a mini-batch, before it raises
:class:`~picffm.runs.channel.TaskStopped`; ``saved`` resumes from such a
state and ends with the same result, bit for bit, as a unit never stopped.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..runs.channel import TaskStopped
from ..training.optim import Adam
from .data import Dataset, to_fields
from .errors import FreespaceError
from .ffm import ACTIVATIONS, Readout, detector_masks, ffm_gradients, flat_response, forward
from .grid import Grid
from .imperfections import TYPICAL, Imperfections
from .system import DiffractiveDesign, DiffractiveSystem, IdealSystem, SimulatedSystem

__all__ = ["ClassifyConfig", "UnitResult", "train_unit", "deploy", "real_system", "accuracy", "METHODS", "TRAINED"]

METHODS = ("ideal", "insilico", "ffm")
TRAINED = ("ideal", "ffm")  # insilico reuses the ideal unit's masks


@dataclass(frozen=True)
class ClassifyConfig:
    """Network, optics and training settings of ``picffm freespace classify``."""

    layers: tuple[int, ...] = (2,)
    seeds: tuple[int, ...] = (0, 1, 2)
    epochs: int = 4
    batch_size: int = 32
    lr: float = 0.1
    activation: str = "intensity"
    grid_n: int = 64
    pitch_um: float = 8.0
    wavelength_um: float = 0.532
    z_um: float = 6000.0
    image_px: int = 32
    temperature: float = 10.0
    imperfections: Imperfections = TYPICAL
    data: str | None = None
    train_samples: int | None = None
    test_samples: int | None = None

    def __post_init__(self):
        if not self.layers or any(not (isinstance(v, int) and 1 <= v <= 8) for v in self.layers):
            raise FreespaceError(f"layers must be integers 1..8, got {self.layers}")
        if not self.seeds or any(s < 0 for s in self.seeds):
            raise FreespaceError("seeds must be integers >= 0")
        for k in ("epochs", "batch_size"):
            if not (isinstance(getattr(self, k), int) and getattr(self, k) >= 1):
                raise FreespaceError(f"{k.replace('_', '-')} must be an integer >= 1, got {getattr(self, k)!r}")
        if self.activation not in ACTIVATIONS:
            raise FreespaceError(f"unknown activation {self.activation!r}; valid: {', '.join(ACTIVATIONS)}")
        if not (isinstance(self.grid_n, int) and 16 <= self.grid_n <= 200):
            raise FreespaceError(f"grid must be 16..200 pixels, got {self.grid_n!r}")
        if not 2 <= self.image_px <= self.grid_n:
            raise FreespaceError(f"image-px must be in [2, grid {self.grid_n}], got {self.image_px}")
        for k in ("lr", "pitch_um", "z_um", "temperature", "wavelength_um"):
            if not (np.isfinite(getattr(self, k)) and getattr(self, k) > 0):
                raise FreespaceError(f"{k.replace('_', '-')} must be > 0, got {getattr(self, k)!r}")
        for k in ("train_samples", "test_samples"):
            v = getattr(self, k)
            if v is not None and not (isinstance(v, int) and v >= 10):
                raise FreespaceError(f"{k.replace('_', '-')} must be an integer >= 10, got {v!r}")

    def design(self) -> DiffractiveDesign:
        return DiffractiveDesign(Grid(self.grid_n, self.pitch_um, self.wavelength_um), self.z_um, dtype="complex64")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["layers"], d["seeds"] = list(self.layers), list(self.seeds)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ClassifyConfig":
        d = dict(d)
        d["layers"], d["seeds"] = tuple(d["layers"]), tuple(d["seeds"])
        d["imperfections"] = Imperfections(**d["imperfections"])
        return cls(**d)


@dataclass
class UnitResult:
    """One trained unit (layers, seed, method): masks, per-epoch history, accuracies (fractions)."""

    layers: int
    seed: int
    method: str
    masks: np.ndarray
    train_loss: list[float] = field(default_factory=list)
    test_acc_history: list[float] = field(default_factory=list)
    test_acc: float = float("nan")
    train_acc: float = float("nan")
    passes: int = 0
    passes_per_sample: float = 0.0
    seconds: float = 0.0

    def as_json(self) -> dict:
        d = asdict(self)
        d.pop("masks")
        return d


def real_system(config: ClassifyConfig, layers: int, seed: int) -> SimulatedSystem:
    """The (simulated) real system of a unit: hidden truth and camera noise from ``(seed, layers)``."""
    return SimulatedSystem(config.design(), layers, config.imperfections, np.random.default_rng([seed, layers, 17]))


def accuracy(system: DiffractiveSystem, x: np.ndarray, y: np.ndarray, readout: Readout, activation: str,
             batch: int = 128) -> float:
    """Fraction of fields ``x`` (N, n, n) classified correctly by the programmed system."""
    hits = 0
    for k in range(0, len(y), batch):
        out = forward(system, x[k:k + batch], activation)[1]
        hits += int(np.sum(np.argmax(readout.powers(out), axis=1) == y[k:k + batch]))
    return hits / len(y)


def train_unit(config: ClassifyConfig, data: Dataset, layers: int, seed: int, method: str,
               progress=None, *, saved: dict | None = None, checkpoint=None, should_stop=None) -> UnitResult:
    """Train one unit; ``method`` is ``ideal`` or ``ffm`` (``insilico`` is :func:`deploy`).

    ``progress(epoch)`` after every epoch; ``checkpoint(state)``,
    ``should_stop()`` and ``saved`` as in the module docstring.
    """
    if method not in TRAINED:
        raise FreespaceError(f"method {method!r} is not trained; trained: {', '.join(TRAINED)}")
    t0 = time.perf_counter()
    design = config.design()
    system = IdealSystem(design, layers) if method == "ideal" else real_system(config, layers, seed)
    readout = Readout(detector_masks(design.grid, data.n_classes), config.temperature)
    n = design.grid.n
    train_x = to_fields(data.train_x, n, config.image_px)
    test_x = to_fields(data.test_x, n, config.image_px)
    rng = np.random.default_rng([seed, layers, 5])
    masks = np.zeros((layers, n, n))
    opt = Adam(config.lr)
    result = UnitResult(layers, seed, method, masks)
    start, order, k0, losses = 0, None, 0, []
    if saved is None:
        before = system.passes
        flat = flat_response(system)
        used = system.passes - before
    else:  # continue where the checkpoint stopped (its generators, counters and place in the epoch)
        start, k0, losses = int(saved["epoch"]), int(saved["batch_start"]), list(saved["losses"])
        order = None if saved["order"] is None else np.asarray(saved["order"])
        masks = np.array(saved["masks"], dtype=float)
        opt.load_state_dict(saved["adam"])
        rng.bit_generator.state = saved["rng"]
        system.set_state(saved["system"])
        flat, used = np.asarray(saved["flat"]), int(saved["used"])
        result.train_loss, result.test_acc_history = list(saved["train_loss"]), list(saved["test_acc_history"])
        t0 -= float(saved["seconds"])

    def state(epoch: int, batch_start: int) -> dict:
        return {"epoch": epoch, "batch_start": batch_start, "order": order, "losses": list(losses),
                "masks": masks, "adam": opt.state_dict(), "rng": rng.bit_generator.state,
                "system": system.get_state(), "flat": flat, "used": int(used), "train_loss": list(result.train_loss),
                "test_acc_history": list(result.test_acc_history), "seconds": time.perf_counter() - t0}

    for epoch in range(start, config.epochs):
        if order is None:
            order, k0, losses = rng.permutation(len(data.train_y)), 0, []
        for k in range(k0, len(order), config.batch_size):
            idx = order[k:k + config.batch_size]
            system.program(masks)
            before = system.passes
            loss, grads, _ = ffm_gradients(system, train_x[idx], data.train_y[idx], readout, config.activation,
                                              flat)
            used += system.passes - before
            masks = opt.step(masks.ravel(), np.ravel(grads)).reshape(masks.shape)
            losses.append(loss)
            nxt = k + config.batch_size
            if should_stop is not None and nxt < len(order) and should_stop():
                if checkpoint is not None:
                    checkpoint(state(epoch, nxt))
                raise TaskStopped(f"L{layers}-s{seed}-{method} stopped in epoch {epoch + 1}")
        system.program(masks)
        result.train_loss.append(float(np.mean(losses)))
        result.test_acc_history.append(accuracy(system, test_x, data.test_y, readout, config.activation))
        order = None
        if progress:
            progress(epoch + 1)
        if epoch + 1 < config.epochs:
            if checkpoint is not None:
                checkpoint(state(epoch + 1, 0))
            if should_stop is not None and should_stop():
                raise TaskStopped(f"L{layers}-s{seed}-{method} stopped after epoch {epoch + 1}")
    result.masks = masks
    result.test_acc = result.test_acc_history[-1]
    result.train_acc = accuracy(system, train_x, data.train_y, readout, config.activation)
    result.passes = int(used)
    result.passes_per_sample = used / (config.epochs * len(data.train_y))
    result.seconds = time.perf_counter() - t0
    return result


def deploy(config: ClassifyConfig, data: Dataset, ideal: UnitResult) -> UnitResult:
    """In silico: program an ideal unit's masks onto the real system and test there."""
    design = config.design()
    system = real_system(config, ideal.layers, ideal.seed)
    system.program(ideal.masks)
    readout = Readout(detector_masks(design.grid, data.n_classes), config.temperature)
    n = design.grid.n
    acc = accuracy(system, to_fields(data.test_x, n, config.image_px), data.test_y, readout, config.activation)
    tr = accuracy(system, to_fields(data.train_x, n, config.image_px), data.train_y, readout, config.activation)
    return UnitResult(ideal.layers, ideal.seed, "insilico", ideal.masks, test_acc=acc, train_acc=tr)
