"""What one training unit starts from: seed streams, the data split, the chips, the initial state.

Everything here depends only on the seed (and the chip spec for the chips),
never on the method, so methods are compared on the same split, from the
same start, on the same fabrication draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..chip import IdealChip, SimulatedChip
from ..errors import ConfigError
from ..meshes import symmetric_core
from ..netlist import Netlist
from ..simulation import Circuit
from .config import TrainConfig
from .encoding import N_MODES, Encoder, fit_encoder
from .datasets import load_table
from .iris import stratified_folds, stratified_split
from .network import CoreMap, LayerState

__all__ = ["seed_streams", "Dataset", "make_dataset", "design_netlist", "ideal_model", "make_chips",
           "initial_states"]


def seed_streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """Independent seed streams of one seed: ``split``, ``init``, ``train``, ``chips``.

    The split, the initial phases and the minibatch order depend only on the
    seed, not on the method or the chip spec, so methods are compared on the
    same split and from the same start; the chips of one seed are the same
    fabrication draw (scaled by the spec) for every spec.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be an integer >= 0, got {seed!r}")
    split, init, train, chips = np.random.SeedSequence(int(seed)).spawn(4)
    return {"split": split, "init": init, "train": train, "chips": chips}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Encoded split. ``x_*`` are ``(N, B)`` unit-power fields, ``y_*`` class indices."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray
    encoder: Encoder


def make_dataset(seed: int, config: TrainConfig, fold: int = 0) -> Dataset:
    """Fold ``fold`` of the seed's stratified k-fold partition of ``config.data`` (``config.folds``; with 1
    fold, the seeded stratified split holding out ``test_per_class`` or ``test_fraction`` of each class),
    encoded with the training statistics."""
    table = load_table(config.data)
    if table.n_classes != config.n_classes:
        raise ConfigError(f"the data set {config.data.describe()} has {table.n_classes} classes, the "
                          f"configuration {config.n_classes}")
    rng = np.random.default_rng(seed_streams(seed)["split"])
    if isinstance(fold, bool) or not isinstance(fold, (int, np.integer)) or not 0 <= fold < config.folds:
        raise ConfigError(f"fold = {fold!r} is invalid; valid: 0 .. {config.folds - 1} (folds = {config.folds})")
    if config.folds > 1:
        tr, te = stratified_folds(table.labels, config.folds, rng)[fold]
    else:
        tr, te = stratified_split(table.labels, config.test_counts(table.class_counts()), rng)
    enc = fit_encoder(table.features[tr], config.encoder, config.modes, config.projection)
    return Dataset(enc.encode(table.features[tr]), table.labels[tr].copy(), enc.encode(table.features[te]),
                   table.labels[te].copy(), tr, te, enc)


@lru_cache(maxsize=4)
def design_netlist(n_modes: int = N_MODES) -> Netlist:
    """The symmetric core every layer's chip is made of."""
    return symmetric_core(n_modes)


@lru_cache(maxsize=4)
def _compiled_design(n_modes: int) -> Circuit:
    return Circuit.from_netlist(design_netlist(n_modes))


def ideal_model(n_modes: int = N_MODES) -> IdealChip:
    """The ideal model of one ``n_modes``-port layer chip (a fresh :class:`IdealChip`; the design
    is compiled once).

    This is the one form of "the design with no imperfections" in training:
    the chips of ``ideal``/``insilico`` units, the model behind matrix-level
    parameters, a twin's starting point, the in-silico reference of the
    gradient metric.
    """
    return IdealChip(_compiled_design(n_modes))


def make_chips(spec, seed: int, layers: int, n_modes: int = N_MODES) -> list:
    """One ``n_modes``-port chip per layer. ``spec=None``: the ideal model
    (:class:`IdealChip`); else :class:`SimulatedChip` s, each its own
    fabrication draw from the seed's ``chips`` stream."""
    if spec is None:
        return [ideal_model(n_modes) for _ in range(layers)]
    net = design_netlist(n_modes)
    rngs = np.random.default_rng(seed_streams(seed)["chips"]).spawn(layers)
    return [SimulatedChip(net, spec, r) for r in rngs]


def initial_states(seed: int, config: TrainConfig, cmap: CoreMap) -> list[LayerState]:
    """Random tied phases (uniform in [0, 2 pi)), attenuator theta uniform in
    [pi/2, pi] (transmission 0.71 .. 1), gain ``init_gain``.

    The core is then ``U^T D U`` with a random mesh ``U``: a random symmetric
    matrix with distinct singular values (no degenerate Takagi vectors for
    matrix-level programming), times the gain.
    """
    rng = np.random.default_rng(seed_streams(seed)["init"])
    out = []
    for _ in range(config.layers):
        th = rng.uniform(0, 2 * np.pi, cmap.n_mzi)
        ph = rng.uniform(0, 2 * np.pi, cmap.n_mzi)
        psi = rng.uniform(0, 2 * np.pi, cmap.n_att)
        att = rng.uniform(0.5 * np.pi, np.pi, cmap.n_att)
        out.append(LayerState(cmap.tie(th, ph, att, psi), float(config.init_gain)))
    return out
