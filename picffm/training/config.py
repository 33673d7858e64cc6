"""Training configuration: one frozen, validated, JSON-round-trippable dataclass.

Every default is the one ``picffm train iris`` uses; ``docs/training.md``
explains each choice.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ConfigError
from .datasets import DataSource
from .electronics import NONLINEARITIES, Electronics, parse_readout, readout_ports
from .encoding import ENCODERS, PROJECTIONS
from .optim import OPTIMIZERS

__all__ = ["TrainConfig", "config_from_dict"]


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run.

    Attributes:
        layers: number of chips (symmetric cores) in the network.
        epochs: passes over the training split.
        batch_size: samples per update (the last batch of an epoch may be smaller).
        lr: learning rate; ``None`` takes the method's default
            (:func:`picffm.training.trainers.learning_rate`): weights and gains for ``ffm``/``ideal``,
            rad for the phase-space methods.
        optimizer: ``adam`` or ``sgd`` (momentum 0.9).
        folds: stratified k-fold cross-validation per seed (scikit-learn's
            ``StratifiedKFold``, shuffled by the seed): every seed trains
            ``folds`` networks, each tested on one fold, so every sample is
            tested exactly once per seed (3: 100 train / 50 test per fold, 16-17 per class).
            1: a single stratified split holding out ``test_per_class``.
        test_per_class: samples per class held out for test when ``folds``
            is 1 and ``test_fraction`` is ``None`` (15: Iris's 105/45 split).
        test_fraction: with ``folds`` 1, the fraction of each class held out for test (rounded,
            at least 1 and at least 1 left to train); ``None``: ``test_per_class``.
        data: the data set (:class:`~picffm.training.datasets.DataSource`).
        n_classes: classes of the data set = readout ports.
        modes: N, the ports of every symmetric core (``n_classes <= N``).
        encoder: input encoding (:data:`~picffm.training.encoding.ENCODERS`).
        projection: ``none`` or ``pca`` (features reduced to what the modes
            hold, :func:`~picffm.training.encoding.fit_encoder`).
        readout: the output port of the last layer read for each class: ``first``
            (ports ``0 .. n_classes-1``), ``spread`` (evenly spaced over the N
            ports, both edges included) or a tuple of ``n_classes`` distinct
            ports (:func:`~picffm.training.electronics.readout_ports`).
        nonlinearity: the electronic nonlinearity between layers
            (:data:`~picffm.training.electronics.NONLINEARITIES`; ``tanh`` per quadrature).
        readout_gain: logits are ``readout_gain * |z_k|^2`` on the readout ports.
        init_gain: electronic gain of every layer at initialisation (the
            initial weight matrices have all singular values equal to it).
        spsa_c: SPSA perturbation (rad).
        fd_eps: finite-difference step (rad).
        update_time_s: chip time that passes per update (drift; 0: static chip).
        grad_probe_step: update step at which the gradient error against the
            chip's true gradient is measured (counted from 1).
        checkpoint_every: epochs between checkpoints within a run.
    """

    layers: int = 2
    epochs: int = 100
    batch_size: int = 35
    lr: float | None = None
    optimizer: str = "adam"
    folds: int = 3
    test_per_class: int = 15
    test_fraction: float | None = None
    data: DataSource = DataSource()
    n_classes: int = 3
    modes: int = 16
    encoder: str = "mixture"
    projection: str = "none"
    readout: str | tuple = "first"
    nonlinearity: str = "tanh"
    readout_gain: float = 10.0
    init_gain: float = 3.0
    spsa_c: float = 0.05
    fd_eps: float = 0.01
    update_time_s: float = 0.0
    grad_probe_step: int = 80
    checkpoint_every: int = 5

    def __post_init__(self):
        if isinstance(self.data, dict):
            object.__setattr__(self, "data", DataSource.from_dict(self.data))
        if not isinstance(self.data, DataSource):
            raise ConfigError(f"data = {self.data!r} is invalid; valid: a DataSource")
        ints = {"layers": (1, 16), "epochs": (1, 100000), "batch_size": (1, 100000),
                "test_per_class": (1, 1000000), "folds": (1, 10), "grad_probe_step": (1, 10 ** 9), "checkpoint_every": (1, 100000),
                "n_classes": (2, 256), "modes": (2, 256)}
        for name, (lo, hi) in ints.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise ConfigError(f"{name} = {v!r} is invalid; valid: an integer in [{lo}, {hi}]")
        floats = {"readout_gain": (0.0, 1e6), "init_gain": (0.0, 1e6), "spsa_c": (0.0, 10.0),
                  "fd_eps": (0.0, 10.0)}
        for name, (lo, hi) in floats.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and lo < v <= hi):
                raise ConfigError(f"{name} = {v!r} is invalid; valid: a number in ({lo:g}, {hi:g}]")
        if self.lr is not None and (isinstance(self.lr, bool) or not isinstance(self.lr, (int, float))
                                    or not (math.isfinite(self.lr) and self.lr > 0)):
            raise ConfigError(f"lr = {self.lr!r} is invalid; valid: a number > 0")
        t = self.update_time_s
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not (math.isfinite(t) and t >= 0):
            raise ConfigError(f"update_time_s = {t!r} is invalid; valid: a number >= 0 (s)")
        f = self.test_fraction
        if f is not None and (isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 < f < 1):
            raise ConfigError(f"test_fraction = {f!r} is invalid; valid: a number in (0, 1), or None")
        if self.n_classes > self.modes:
            raise ConfigError(f"{self.n_classes} classes need {self.n_classes} readout ports, more than the "
                              f"{self.modes} output ports of a {self.modes}-mode core; valid: modes >= classes")
        for name, valid in (("encoder", tuple(ENCODERS)), ("projection", PROJECTIONS)):
            if getattr(self, name) not in valid:
                raise ConfigError(f"unknown {name} {getattr(self, name)!r}; valid: {', '.join(valid)}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}")
        if not isinstance(self.nonlinearity, str) or self.nonlinearity not in NONLINEARITIES:
            raise ConfigError(f"unknown nonlinearity {self.nonlinearity!r}; valid: {', '.join(NONLINEARITIES)}")
        object.__setattr__(self, "readout", parse_readout(self.readout))
        readout_ports(self.readout, self.n_classes, self.modes)  # one line if the ports do not fit

    @property
    def readout_ports(self) -> tuple[int, ...]:
        """The output port read for each class (:func:`~picffm.training.electronics.readout_ports`)."""
        return readout_ports(self.readout, self.n_classes, self.modes)

    @property
    def electronics(self) -> Electronics:
        """The nonlinearity and readout of this configuration, as the network functions take them."""
        e = self.__dict__.get("_electronics")
        if e is None:
            e = Electronics.make(self.nonlinearity, self.readout_ports, self.readout_gain)
            object.__setattr__(self, "_electronics", e)
        return e

    def test_counts(self, class_counts) -> list[int]:
        """Test samples of each class in a single split (``folds`` 1), given the samples of each class."""
        if self.test_fraction is None:
            return [self.test_per_class] * len(class_counts)
        return [max(1, min(int(n) - 1, round(self.test_fraction * int(n)))) for n in class_counts]

    def n_test(self, class_counts=None) -> int:
        """Test samples of one split (the smallest fold when folds do not divide the classes evenly);
        ``class_counts``: samples of each class (default: those of :attr:`data`)."""
        if class_counts is None:
            from .datasets import load_table

            class_counts = load_table(self.data).class_counts()
        if self.folds > 1:
            return int(sum(class_counts)) // self.folds
        return int(sum(self.test_counts(class_counts)))

    def n_train(self) -> int:
        """Samples in the (largest) training split of :attr:`data`."""
        from .datasets import load_table

        counts = load_table(self.data).class_counts()
        return int(counts.sum()) - self.n_test(counts)

    def updates_per_epoch(self, n_train: int | None = None) -> int:
        """Minibatch updates per epoch (``n_train``: training samples; default: the largest training split
        of :attr:`data`)."""
        return math.ceil((self.n_train() if n_train is None else n_train) / self.batch_size)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["data"] = self.data.to_dict()
        if isinstance(self.readout, tuple):
            out["readout"] = list(self.readout)
        return out


def config_from_dict(doc: Mapping[str, Any]) -> TrainConfig:
    """Build a :class:`TrainConfig` from plain data, rejecting unknown keys."""
    if not isinstance(doc, Mapping):
        raise ConfigError(f"a training config must be a mapping, got {type(doc).__name__}")
    valid = [f.name for f in dataclasses.fields(TrainConfig)]
    for key in doc:
        if key not in valid:
            raise ConfigError(f"unknown training option {key!r}; valid: {', '.join(valid)}")
    return TrainConfig(**doc)
