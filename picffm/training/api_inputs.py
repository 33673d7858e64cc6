"""Checks of what a notebook passes to :mod:`picffm.training.api`: arrays, labels, integers, numbers.

Each problem raises one :class:`~picffm.errors.ConfigError` line naming the
argument and what would be valid.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from ..errors import ConfigError
from .datasets import MAX_ABS_FEATURE

__all__ = ["LAYERS", "MODES", "SHAPE_FIELDS", "check_integer", "is_number", "classes_of", "class_indices",
           "features"]

#: ranges of the network's integers (as TrainConfig checks them)
LAYERS, MODES = (1, 16), (2, 256)
#: TrainConfig fields that the network and the arrays define: not options of api.train
SHAPE_FIELDS = ("layers", "modes", "encoder", "projection", "nonlinearity", "readout", "n_classes", "data",
                "test_fraction", "test_per_class")


def check_integer(name: str, value, lo: int, hi: int) -> None:
    """``value`` is an integer (Python or numpy, not a bool) in ``[lo, hi]``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ConfigError(f"{name} = {value!r} is invalid; valid: an integer in [{lo}, {hi}]")


def is_number(value) -> bool:
    """A real number (Python or numpy), not a bool."""
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def classes_of(y) -> tuple[tuple, np.ndarray]:
    """The sorted distinct labels of ``y`` and every sample's class index."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ConfigError(f"labels must be one-dimensional, got shape {y.shape}")
    plain = y.tolist()  # Python scalars
    missing = [i for i, v in enumerate(plain) if v is None or (is_number(v) and not np.isfinite(v))]
    if missing:
        raise ConfigError(f"y[{missing[0]}] is {plain[missing[0]]!r}: a missing label; every sample needs a class")
    kinds = {"text" if isinstance(v, str) else "numbers" if is_number(v) else type(v).__name__ for v in plain}
    if len(kinds) > 1:
        raise ConfigError(f"labels mix {' and '.join(sorted(kinds))}; give every label as the same kind "
                          "(all numbers or all text)")
    classes, idx = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ConfigError("y has no labels; need at least 2 classes" if classes.size == 0 else
                          f"y has a single class {classes.tolist()[0]!r}; need at least 2")
    return tuple(v.item() if hasattr(v, "item") else v for v in classes), idx.astype(int)


def class_indices(y, classes: tuple, n: int, name: str, x_name: str) -> np.ndarray:
    """Class indices of the labels ``y`` (``n`` of them) among ``classes``; one line for what does not fit."""
    y = np.asarray(y)
    if y.ndim != 1 or y.size != n:
        raise ConfigError(f"{name} must hold one label per sample of {x_name}: {n}, got shape {y.shape}")
    lookup = {c: i for i, c in enumerate(classes)}
    try:
        return np.array([lookup[v.item() if hasattr(v, "item") else v] for v in y], dtype=int)
    except (KeyError, TypeError) as exc:
        raise ConfigError(f"{name} has the label {exc.args[0]!r}, which the training labels do not have; valid: "
                          f"{', '.join(map(repr, classes))}") from None


def features(X, name: str = "X") -> np.ndarray:
    """``X`` as finite float features ``(n, F)``, every magnitude within :data:`MAX_ABS_FEATURE`."""
    try:
        f = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be numeric features of shape (n, F)") from None
    if f.ndim != 2 or f.shape[0] < 1 or f.shape[1] < 1:
        raise ConfigError(f"{name} must have shape (n, F), got {f.shape}")
    if not np.all(np.isfinite(f)):
        bad = np.argwhere(~np.isfinite(f))[0]
        raise ConfigError(f"{name}[{bad[0]}, {bad[1]}] is {f[tuple(bad)]}; every feature must be a finite number")
    if np.any(np.abs(f) > MAX_ABS_FEATURE):
        bad = np.argwhere(np.abs(f) > MAX_ABS_FEATURE)[0]
        raise ConfigError(f"{name}[{bad[0]}, {bad[1]}] is {f[tuple(bad)]:g}, beyond the limit of {MAX_ABS_FEATURE:g} "
                          "in magnitude (standardising it would overflow); rescale the feature")
    return f
