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
        test_per_class: Iris samples per class held out for test when
            ``folds`` is 1 (15: a 105/45 split).
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
    readout_gain: float = 10.0
    init_gain: float = 3.0
    spsa_c: float = 0.05
    fd_eps: float = 0.01
    update_time_s: float = 0.0
    grad_probe_step: int = 80
    checkpoint_every: int = 5

    def __post_init__(self):
        ints = {"layers": (1, 16), "epochs": (1, 100000), "batch_size": (1, 150), "test_per_class": (1, 49), "folds": (1, 10),
                "grad_probe_step": (1, 10 ** 9), "checkpoint_every": (1, 100000)}
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
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer {self.optimizer!r}; valid: {', '.join(OPTIMIZERS)}")

    def n_test(self, n_samples: int = 150, n_classes: int = 3) -> int:
        """Test samples of one split (the smallest fold when folds do not divide the classes evenly)."""
        if self.folds > 1:
            return n_samples // self.folds
        return n_classes * self.test_per_class

    def updates_per_epoch(self, n_samples: int = 150, n_classes: int = 3) -> int:
        """Minibatch updates per epoch on the training split of Iris (the largest training split)."""
        return math.ceil((n_samples - self.n_test(n_samples, n_classes)) / self.batch_size)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def config_from_dict(doc: Mapping[str, Any]) -> TrainConfig:
    """Build a :class:`TrainConfig` from plain data, rejecting unknown keys."""
    if not isinstance(doc, Mapping):
        raise ConfigError(f"a training config must be a mapping, got {type(doc).__name__}")
    valid = [f.name for f in dataclasses.fields(TrainConfig)]
    for key in doc:
        if key not in valid:
            raise ConfigError(f"unknown training option {key!r}; valid: {', '.join(valid)}")
    return TrainConfig(**doc)
