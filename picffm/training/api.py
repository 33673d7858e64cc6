"""The Python training API: a network on a chip, trained on arrays, evaluated on any chip, saved and loaded.

For a notebook::

    from picffm.training import api
    net = api.network("typical", layers=2, encoder="mixture")
    result = api.train(net, "ffm", X, y, epochs=50, seed=0)
    result.test_acc                      # fraction, on the held-out split
    api.evaluate(result, "harsh")        # the same parameters on another chip
    result.save("run.npz"); api.load("run.npz")

``X`` is ``(n, F)`` numeric features, ``y`` any ``n`` labels (numbers or
text: the classes are their sorted distinct values). Without ``X_test``,
a seeded stratified ``test_fraction`` of every class is held out. The
network is :mod:`picffm.training.network`'s (symmetric cores; between them
the electronic ``nonlinearity``, after the last the ``readout`` ports, by
default ``tanh`` per quadrature and ports ``0 .. C-1``:
:mod:`picffm.training.electronics`); the methods and their defaults are
those of ``picffm train`` (:func:`~picffm.training.trainers.method_names`).

A result saves to one state file (JSON and the arrays in an ``.npz``,
:mod:`picffm.runs.statefile`, no pickle): the configuration, the chip spec,
the encoder, the trained settings and gain of every layer, the history and
the passes. :func:`evaluate` programs those settings onto fresh chips of any
spec and fabrication seed, optionally after a drift time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..chip import ChipSpec, resolve_spec
from ..errors import ConfigError
from .config import TrainConfig, config_from_dict
from .api_inputs import (LAYERS, MODES, SHAPE_FIELDS, check_integer, class_indices, classes_of, features,
                         is_number)
from .datasets import DataSource
from .electronics import get_nonlinearity, parse_readout
from .encoding import ENCODERS, PROJECTIONS, Encoder, encoded_width, fit_encoder
from .iris import stratified_split
from .network import LayerState, evaluate as _accuracy, predict as _predict, program_network
from .results import MODEL, states_from_plain, states_to_plain
from .trainers import Dataset, get_method, ideal_model, make_chips, make_trainer, seed_streams

__all__ = ["Network", "Trained", "network", "train", "evaluate", "load"]

_KIND = "picffm-trained-network"


@dataclass(frozen=True)
class Network:
    """The shape of an optical network and the chips it runs on.

    Attributes:
        chip: label of the chip spec (a preset name, a file, or ``model`` for the ideal model).
        spec: the :class:`~picffm.chip.ChipSpec` (``None``: the ideal model).
        layers: symmetric cores (one chip each).
        modes: ports N of every core (``None``: the smallest that holds the
            encoding and the classes).
        encoder: ``mixture``, ``amplitude`` or ``phase`` (:mod:`~picffm.training.encoding`).
        projection: ``none`` or ``pca``.
        nonlinearity: the electronic nonlinearity between layers
            (:data:`~picffm.training.electronics.NONLINEARITIES`).
        readout: ``first``, ``spread`` or the output ports read for the
            classes, one per class (checked against the classes when training).
    """

    chip: str
    spec: ChipSpec | None
    layers: int = 2
    modes: int | None = None
    encoder: str = "mixture"
    projection: str = "none"
    nonlinearity: str = "tanh"
    readout: str | tuple = "first"


def network(chip: Any = "typical", *, layers: int = 2, modes: int | None = None, encoder: str = "mixture",
            projection: str = "none", nonlinearity: str = "tanh", readout: Any = "first") -> Network:
    """A :class:`Network` on chips of ``chip``: a preset name, a spec file, a ChipSpec, or ``None`` (ideal model).

    ``readout``: ``first``, ``spread``, ``"0,5,10"`` or a sequence of ports.
    """
    label, spec = (MODEL, None) if chip is None or chip == MODEL else resolve_spec(chip)
    check_integer("layers", layers, *LAYERS)
    if modes is not None:
        check_integer("modes", modes, *MODES)
    if encoder not in ENCODERS:
        raise ConfigError(f"unknown encoder {encoder!r}; valid: {', '.join(ENCODERS)}")
    if projection not in PROJECTIONS:
        raise ConfigError(f"unknown projection {projection!r}; valid: {', '.join(PROJECTIONS)}")
    get_nonlinearity(nonlinearity)  # one line naming the valid ones
    return Network(label, spec, int(layers), None if modes is None else int(modes), encoder, projection,
                   nonlinearity, parse_readout(readout))


@dataclass(frozen=True, eq=False)
class Trained:
    """A trained network and how it was trained.

    Attributes:
        method: the training method.
        chip: label of the chip it was trained on (``insilico``: deployed on).
        spec: that chip's spec (``None``: the ideal model).
        seed: seed of the split, initialisation, minibatches and chip draw.
        config: the :class:`~picffm.training.config.TrainConfig`.
        encoder: the fitted input encoding.
        classes: label of every class index.
        states: settings (Params) and gain of every layer.
        history: per-epoch rows (epoch, loss, train_acc, test_acc, updates, train_passes).
        train_acc, test_acc: final accuracies (fractions) on the chip trained on.
        updates, passes: optimiser steps and the optical passes they used.
        test: the held-out ``(features, class indices)``.
        seconds: wall time.
    """

    method: str
    chip: str
    spec: ChipSpec | None
    seed: int
    config: TrainConfig
    encoder: Encoder
    classes: tuple
    states: list
    history: list
    train_acc: float
    test_acc: float
    updates: int
    passes: int
    test: tuple
    seconds: float = 0.0

    def predict(self, X, chip: Any = None, *, seed: int | None = None) -> np.ndarray:
        """Class indices of ``X`` ``(n, F)`` on fresh chips of ``chip`` (default: the spec trained on)."""
        chips = _chips_for(self, chip, self.seed if seed is None else seed)
        logits = _predict(chips, self.states, self.encoder.encode(X), self.config.electronics)
        return np.argmax(logits, axis=0)

    def to_plain(self) -> dict:
        return {"method": self.method, "chip": self.chip, "spec": None if self.spec is None else self.spec.to_dict(),
                "seed": self.seed, "config": self.config.to_dict(), "encoder": self.encoder.to_dict(),
                "classes": list(self.classes), "states": states_to_plain(self.states), "history": list(self.history),
                "train_acc": self.train_acc, "test_acc": self.test_acc, "updates": self.updates,
                "passes": self.passes, "test": [np.asarray(self.test[0], float), np.asarray(self.test[1])],
                "seconds": self.seconds}

    def save(self, path) -> None:
        """Write one state file (``.npz``: JSON and arrays, no pickle)."""
        from ..runs.statefile import save_state

        target = Path(path)
        if target.is_dir():
            raise ConfigError(f"{target}: is a directory; give a file name (e.g. {target / 'trained.npz'})")
        if not target.parent.is_dir():
            raise ConfigError(f"{target}: its folder {target.parent} does not exist")
        save_state(target, _KIND, self.to_plain())


def load(path) -> Trained:
    """A :class:`Trained` saved by :meth:`Trained.save`; a foreign or corrupt file raises one line."""
    from ..chip.spec import spec_from_dict
    from ..runs.statefile import load_state

    doc = load_state(path, _KIND, hint="give a file written by Trained.save")
    try:
        config = config_from_dict(doc["config"])
        table = ideal_model(config.modes).schedule.table
        spec = None if doc["spec"] is None else spec_from_dict(doc["spec"], name=doc["chip"])
        return Trained(str(doc["method"]), str(doc["chip"]), spec, int(doc["seed"]), config,
                       Encoder.from_dict(doc["encoder"]), tuple(doc["classes"]),
                       states_from_plain(doc["states"], table), list(doc["history"]), float(doc["train_acc"]),
                       float(doc["test_acc"]), int(doc["updates"]), int(doc["passes"]),
                       (np.asarray(doc["test"][0], float), np.asarray(doc["test"][1], int)), float(doc["seconds"]))
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        raise ConfigError(f"{path}: not a trained network picffm can read ({exc})") from None


def train(net: Network, method: str, X, y, *, X_test=None, y_test=None, seed: int = 0,
          test_fraction: float = 0.3, progress: bool = False, **options) -> Trained:
    """Train ``net`` with ``method`` on features ``X`` ``(n, F)`` and labels ``y`` ``(n,)``.

    ``options`` are :class:`~picffm.training.config.TrainConfig` fields
    (``epochs``, ``batch_size``, ``lr``, ``optimizer``, ...). ``ideal`` trains
    on the ideal model; ``insilico`` trains there and deploys on ``net``'s
    chips; every other method trains on the chips of ``net``.
    """
    get_method(method)  # one line naming the valid methods
    if options.get("folds", 1) != 1:
        raise ConfigError("api.train holds out one stratified split (test_fraction) or takes X_test, y_test; "
                          "folds is not an option here")
    valid = [f.name for f in fields(TrainConfig) if f.name not in SHAPE_FIELDS]
    for key in options:
        if key in SHAPE_FIELDS:
            raise ConfigError(f"{key} is not an option of api.train: the network (api.network) and the arrays "
                              f"define it; valid options: {', '.join(valid)}")
        if key not in valid:
            raise ConfigError(f"unknown option {key!r} of api.train; valid: {', '.join(valid)}")
    if not (is_number(test_fraction) and 0 < test_fraction < 1):
        raise ConfigError(f"test_fraction = {test_fraction!r} is invalid; valid: a number in (0, 1)")
    if (X_test is None) != (y_test is None):
        raise ConfigError("give both X_test and y_test, or neither (then a stratified test_fraction is held out)")
    t0 = time.perf_counter()
    f = features(X)
    classes, labels = classes_of(y)
    if labels.size != f.shape[0]:
        raise ConfigError(f"X has {f.shape[0]} samples, y {labels.size}")
    if X_test is None:
        counts = np.bincount(labels)
        if counts.min() < 2:
            raise ConfigError(f"class {classes[int(np.argmin(counts))]!r} has 1 sample; every class needs 2 "
                              "(one to train, one to test), or pass X_test and y_test")
        rng = np.random.default_rng(seed_streams(seed)["split"])
        tests = [max(1, min(int(n) - 1, round(test_fraction * int(n)))) for n in counts]
        tr, te = stratified_split(labels, tests, rng)
        f_tr, y_tr, f_te, y_te = f[tr], labels[tr], f[te], labels[te]
    else:
        f_te = features(X_test, "X_test")
        y_te = class_indices(y_test, classes, f_te.shape[0], "y_test", "X_test")
        f_tr, y_tr = f, labels
    n_classes = len(classes)
    modes = net.modes or max(encoded_width(f.shape[1], net.encoder), n_classes, 2)
    config = TrainConfig(**{"layers": net.layers, "folds": 1, **options, "data": DataSource.arrays(f, np.asarray(y)),
                            "n_classes": n_classes, "modes": modes, "encoder": net.encoder,
                            "projection": net.projection, "nonlinearity": net.nonlinearity,
                            "readout": net.readout})
    enc = fit_encoder(f_tr, net.encoder, modes, net.projection)
    data = Dataset(enc.encode(f_tr), y_tr, enc.encode(f_te), y_te, np.arange(y_tr.size), np.arange(y_te.size), enc)
    on_ideal = method in ("ideal", "insilico") or net.spec is None
    chips = make_chips(None if on_ideal else net.spec, seed, config.layers, modes)
    tr = make_trainer("ideal" if method == "insilico" else method, chips, data, config, seed)
    from tqdm import tqdm

    for _ in tqdm(range(config.epochs), disable=not progress, unit="epoch", desc=f"{method} on {net.chip}"):
        tr.run_epoch()
    states, history = tr.states, list(tr.history)
    train_acc, test_acc = history[-1]["train_acc"], history[-1]["test_acc"]
    chip_label, spec = (MODEL, None) if method == "ideal" else (net.chip, net.spec)
    if method == "insilico" and spec is not None:
        deployed = make_chips(spec, seed, config.layers, modes)
        train_acc = _accuracy(deployed, states, data.x_train, data.y_train, config.electronics)
        test_acc = _accuracy(deployed, states, data.x_test, data.y_test, config.electronics)
    return Trained(method, chip_label, spec, int(seed), config, enc, classes, states, history, float(train_acc),
                   float(test_acc), tr.updates, 0 if method == "insilico" else tr.train_passes, (f_te, y_te),
                   time.perf_counter() - t0)


def _chips_for(result: Trained, chip: Any, seed: int) -> list:
    if chip is None:
        spec = result.spec
    elif isinstance(chip, str) and chip == MODEL:
        spec = None
    else:
        spec = chip if isinstance(chip, ChipSpec) else resolve_spec(chip)[1]
    chips = make_chips(spec, seed, result.config.layers, result.config.modes)
    program_network(chips, result.states)
    return chips


def evaluate(result: Trained, chip: Any = None, *, X=None, y=None, seed: int | None = None,
             drift_time_s: float = 0.0) -> float:
    """Test accuracy (fraction) of ``result``'s settings programmed onto fresh chips of ``chip``.

    ``chip``: a preset name, spec file or :class:`~picffm.chip.ChipSpec`
    (default: the spec trained on; ``"model"``: the ideal model). ``seed``:
    the fabrication draw (default: the training seed, i.e. the same chip it
    was trained on). ``drift_time_s``: chip time that passes between
    programming and the test (the phases drift as the spec says). ``X``,
    ``y``: other test data (default: the held-out split).
    """
    if not (is_number(drift_time_s) and np.isfinite(drift_time_s) and drift_time_s >= 0):
        raise ConfigError(f"drift_time_s = {drift_time_s!r} is invalid; valid: a number >= 0 (s)")
    chips = _chips_for(result, chip, result.seed if seed is None else int(seed))
    if drift_time_s:
        for c in chips:
            c.advance(float(drift_time_s))
    if (X is None) != (y is None):
        raise ConfigError("give both X and y, or neither (then the held-out split is tested)")
    if X is None:
        f, labels = result.test
    else:
        f = features(X)
        labels = class_indices(y, result.classes, f.shape[0], "y", "X")
    return _accuracy(chips, result.states, result.encoder.encode(f), labels, result.config.electronics,
                     program=False)
