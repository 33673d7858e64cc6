"""Trainers: the update loops, each touching its chips only through the chip protocol.

* :class:`MatrixTrainer` (``ffm``; also ``ideal`` when its chips are the
  ideal model): matrix-level FFM. Parameters are the layers' symmetric
  weights ``W_l``; every update measures a data pass and an error pass
  (:func:`picffm.training.gradients.matrix_gradients`), steps the
  optimiser, and reprograms each chip with
  :func:`picffm.programming.program_symmetric` (Takagi + Clements: the
  settings realising ``W_l / s_l``, ``s_l = ||W_l||_2`` going to the
  electronic gain).
* :class:`PhaseTrainer` (``ffm-phase``): phase-level FFM. Parameters are the
  tied phases of every core and the electronic gains; gradients from the
  monitor taps (:func:`picffm.training.gradients.phase_gradients`).
* :class:`SPSATrainer` (``spsa``) and :class:`FiniteDifferenceTrainer`
  (``fd``): gradient-free in-situ baselines in the same phase space, which
  only read the loss (data passes): SPSA with a random +-1 perturbation of
  every phase (2 loss readings per update), central finite differences
  (2 readings per parameter per update).

``insilico`` is not a trainer: it is the ``ideal`` result programmed once
onto the chip (:func:`picffm.training.units.train_network`).

A trainer never reads anything of a chip but what the protocol offers
(``program``, ``run``, ``monitors``, ``advance``, ``passes``, the design
``schedule``). Evaluation code may attach a ``probe`` (called once, at
update ``config.grad_probe_step``, with the batch and the measured
gradients, before the update) to compare against the chip's truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from ..chip import IdealChip, SimulatedChip
from ..errors import ConfigError
from ..meshes import symmetric_core
from ..netlist import Netlist
from ..simulation import Circuit
from .config import METHODS, TrainConfig
from .encoding import N_MODES, Encoder, fit_encoder
from .gradients import PHASE_KEYS, matrix_gradients, network_loss, phase_gradients, sym
from .iris import load_iris, stratified_split
from .network import CoreMap, LayerState, core_map, evaluate, program_network
from .optim import make_optimizer
from .reprogram import TrackingProgrammer

__all__ = [
    "Dataset",
    "seed_streams",
    "make_dataset",
    "design_netlist",
    "design_circuit",
    "make_chips",
    "initial_states",
    "Trainer",
    "MatrixTrainer",
    "PhaseTrainer",
    "SPSATrainer",
    "FiniteDifferenceTrainer",
    "make_trainer",
    "passes_per_update",
]


# ----------------------------------------------------------------- seeds, data, chips
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
    """Encoded Iris split. ``x_*`` are ``(16, B)`` unit-power fields, ``y_*`` class indices."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    test_index: np.ndarray
    encoder: Encoder


def make_dataset(seed: int, config: TrainConfig) -> Dataset:
    """The seeded stratified split of Iris, encoded with the training statistics."""
    iris = load_iris()
    rng = np.random.default_rng(seed_streams(seed)["split"])
    tr, te = stratified_split(iris.labels, config.test_per_class, rng)
    enc = fit_encoder(iris.features[tr])
    return Dataset(enc.encode(iris.features[tr]), iris.labels[tr].copy(), enc.encode(iris.features[te]),
                   iris.labels[te].copy(), tr, te, enc)


@lru_cache(maxsize=4)
def design_netlist(n_modes: int = N_MODES) -> Netlist:
    """The symmetric core every layer's chip is made of."""
    return symmetric_core(n_modes)


@lru_cache(maxsize=4)
def design_circuit(n_modes: int = N_MODES) -> Circuit:
    """The compiled design of one layer: the ideal model a twin or an in-silico trainer evaluates."""
    return Circuit.from_netlist(design_netlist(n_modes))


def make_chips(spec, seed: int, layers: int) -> list:
    """One chip per layer. ``spec=None``: the ideal model (:class:`IdealChip`);
    else :class:`SimulatedChip` s, each its own fabrication draw from the
    seed's ``chips`` stream."""
    net = design_netlist()
    if spec is None:
        return [IdealChip(net) for _ in range(layers)]
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


# ------------------------------------------------------------------------ trainers
class Trainer:
    """Common loop: minibatches, optimiser, history, pass counting, checkpoints.

    Args:
        chips: one chip per layer (the protocol only).
        data: the encoded split.
        config: hyper-parameters.
        seed: seeds the initial state and the minibatch order (:func:`seed_streams`).
        method: the method name recorded in the history.
    """

    method = ""

    def __init__(self, chips: Sequence, data: Dataset, config: TrainConfig, seed: int, method: str | None = None):
        if len(chips) != config.layers:
            raise ConfigError(f"{len(chips)} chips for {config.layers} layers")
        self.chips = list(chips)
        self.data = data
        self.config = config
        self.seed = int(seed)
        if method is not None:
            self.method = method
        self.cmap = core_map(self.chips[0].schedule)
        self.rng = np.random.default_rng(seed_streams(seed)["train"])
        self.opt = make_optimizer(config.optimizer, config.learning_rate(self.method))
        self.epoch = 0
        self.updates = 0
        self.train_passes = 0
        self.history: list[dict] = []
        self.probe: Callable | None = None
        self.params: list[np.ndarray] = self._params_from_states(initial_states(seed, config, self.cmap))
        self._program()

    # -- to implement
    def _params_from_states(self, states: list[LayerState]) -> list[np.ndarray]:
        raise NotImplementedError

    def _program(self) -> None:
        """Program the chips from ``self.params`` and set ``self._states``."""
        raise NotImplementedError

    def _gradient(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, list[np.ndarray]]:
        raise NotImplementedError

    # -- common
    @property
    def states(self) -> list[LayerState]:
        """The network as programmed now: settings and gain per layer."""
        return list(self._states)

    def _chip_passes(self) -> int:
        return sum(c.passes for c in self.chips)

    def step(self, idx: np.ndarray) -> float:
        """One update on the training samples ``idx``; returns the batch loss (before the update)."""
        x, labels = self.data.x_train[:, idx], self.data.y_train[idx]
        before = self._chip_passes()
        loss, grads = self._gradient(x, labels)
        self.train_passes += self._chip_passes() - before
        if self.probe is not None and self.updates + 1 == self.config.grad_probe_step:
            self.probe(self, x, labels, grads)
        self.params = self.opt.step(self.params, grads)
        self._program()
        self.updates += 1
        if self.config.update_time_s:
            for c in self.chips:
                c.advance(self.config.update_time_s)
        return loss

    def run_epoch(self) -> dict:
        """One epoch of minibatches, then accuracies on both splits (history row)."""
        n = self.data.y_train.size
        perm = self.rng.permutation(n)
        bs = self.config.batch_size
        losses, sizes = [], []
        for start in range(0, n, bs):
            idx = perm[start:start + bs]
            losses.append(self.step(idx))
            sizes.append(idx.size)
        self.epoch += 1
        row = {"epoch": self.epoch, "loss": float(np.average(losses, weights=sizes)),
               "train_acc": self.accuracy(self.data.x_train, self.data.y_train),
               "test_acc": self.accuracy(self.data.x_test, self.data.y_test),
               "updates": self.updates, "train_passes": self.train_passes}
        self.history.append(row)
        return row

    def train_steps(self, k: int) -> list[float]:
        """``k`` more updates on random minibatches (online training, e.g. on a drifting chip)."""
        n = self.data.y_train.size
        bs = min(self.config.batch_size, n)
        return [self.step(self.rng.choice(n, size=bs, replace=False)) for _ in range(int(k))]

    def accuracy(self, x: np.ndarray, labels: np.ndarray) -> float:
        """Accuracy of the current network measured on its own chips."""
        return evaluate(self.chips, self._states, x, labels, n_classes=3,
                        readout_gain=self.config.readout_gain, program=True)

    def state_dict(self) -> dict:
        """Plain data to resume from (parameters, optimiser, rng, counters, history)."""
        return {"method": self.method, "params": [p.copy() for p in self.params], "opt": self.opt.state_dict(),
                "rng": self.rng.bit_generator.state, "epoch": self.epoch, "updates": self.updates,
                "train_passes": self.train_passes, "history": list(self.history),
                "chip_time_s": [c.time_s for c in self.chips]}

    def load_state_dict(self, state: dict) -> None:
        """Resume: restore the state and reprogram the chips (advancing their clocks to the saved time)."""
        if state["method"] != self.method:
            raise ConfigError(f"checkpoint is for method {state['method']!r}, not {self.method!r}")
        self.params = [np.array(p) for p in state["params"]]
        self.opt.load_state_dict(state["opt"])
        self.rng.bit_generator.state = state["rng"]
        self.epoch, self.updates = int(state["epoch"]), int(state["updates"])
        self.train_passes = int(state["train_passes"])
        self.history = list(state["history"])
        for c, t in zip(self.chips, state.get("chip_time_s", [])):
            if t > c.time_s:
                c.advance(t - c.time_s)
        self._program()


class MatrixTrainer(Trainer):
    """Matrix-level FFM (``ffm``), or exact training on the ideal model (``ideal``)."""

    method = "ffm"

    def _params_from_states(self, states):
        circ = design_circuit(self.cmap.n_modes)
        return [st.gain * sym(circ.matrix(st.params)) for st in states]

    def _program(self):
        if not hasattr(self, "_programmers"):
            self._programmers = [TrackingProgrammer(c.schedule) for c in self.chips]
        states = []
        for chip, prog, w in zip(self.chips, self._programmers, self.params):
            settings, scale = prog(w)
            chip.program(settings)
            states.append(LayerState(settings, scale))
        self._states = states

    def state_dict(self):
        state = super().state_dict()
        state["takagi"] = [p.v.copy() for p in self._programmers]
        return state

    def load_state_dict(self, state):
        for prog, v in zip(self._programmers, state["takagi"]):
            prog.v = np.array(v)
        super().load_state_dict(state)

    def _gradient(self, x, labels):
        r = matrix_gradients(self.chips, self._states, x, labels, n_classes=3,
                             readout_gain=self.config.readout_gain)
        return r.loss, r.grads


class _PhaseSpace(Trainer):
    """Parameters: per layer ``u_theta, u_phi, att_theta, att_psi`` (rad) and ``[gain]``."""

    def _params_from_states(self, states):
        out = []
        for st in states:
            out.extend(self.cmap.untie(st.params))
            out.append(np.array([st.gain]))
        return out

    def _layer_params(self, params, layer):
        k = len(PHASE_KEYS) + 1
        return params[k * layer:k * (layer + 1)]

    def _states_from(self, params) -> list[LayerState]:
        out = []
        for layer in range(self.config.layers):
            p = self._layer_params(params, layer)
            out.append(LayerState(self.cmap.tie(*p[:4]), float(p[4][0])))
        return out

    def _program(self):
        self._states = self._states_from(self.params)
        program_network(self.chips, self._states)

    def _loss_at(self, params, x, labels) -> float:
        states = self._states_from(params)
        program_network(self.chips, states)
        return network_loss(self.chips, states, x, labels, n_classes=3, readout_gain=self.config.readout_gain)


class PhaseTrainer(_PhaseSpace):
    """Phase-level FFM (``ffm-phase``): tied-pair gradients from monitor taps."""

    method = "ffm-phase"

    def _gradient(self, x, labels):
        r = phase_gradients(self.chips, self._states, self.cmap, x, labels, n_classes=3,
                            readout_gain=self.config.readout_gain)
        grads = []
        for g in r.grads:
            grads.extend(g[k] for k in PHASE_KEYS)
            grads.append(np.array([g["gain"]]))
        return r.loss, grads


class SPSATrainer(_PhaseSpace):
    """Simultaneous-perturbation stochastic approximation (``spsa``): 2 loss readings per update.

    Every parameter (phases and gains) is perturbed by ``+-spsa_c`` with a
    random sign; the gradient estimate is ``(L+ - L-) / (2 c) * sign``.
    """

    method = "spsa"

    def _gradient(self, x, labels):
        c = self.config.spsa_c
        signs = [self.rng.choice([-1.0, 1.0], size=p.shape) for p in self.params]
        lp = self._loss_at([p + c * s for p, s in zip(self.params, signs)], x, labels)
        lm = self._loss_at([p - c * s for p, s in zip(self.params, signs)], x, labels)
        program_network(self.chips, self._states)
        d = (lp - lm) / (2 * c)
        return 0.5 * (lp + lm), [d * s for s in signs]


class FiniteDifferenceTrainer(_PhaseSpace):
    """Central finite differences (``fd``): 2 loss readings per parameter per update.

    Every reading reprograms the chips and is a full data pass (L passes
    per sample).
    """

    method = "fd"

    def _gradient(self, x, labels):
        eps = self.config.fd_eps
        grads = []
        for i, p in enumerate(self.params):
            g = np.zeros_like(p)
            for j in range(p.size):
                readings = []
                for sign in (1.0, -1.0):
                    q = list(self.params)
                    q[i] = p.copy()
                    q[i].flat[j] += sign * eps
                    readings.append(self._loss_at(q, x, labels))
                g.flat[j] = (readings[0] - readings[1]) / (2 * eps)
            grads.append(g)
        program_network(self.chips, self._states)
        loss = network_loss(self.chips, self._states, x, labels, n_classes=3, readout_gain=self.config.readout_gain)
        return loss, grads


def passes_per_update(method: str, layers: int, batch: int, n_modes: int = N_MODES) -> int:
    """Optical passes one update of ``method`` sends through the chips (closed form).

    ``(2L - 1) B`` for ``ffm`` (a data pass per layer, an error pass per layer
    but the first), ``2 L B`` for ``ffm-phase`` (data and error pass per
    layer, with monitors) and for ``spsa`` (two loss readings), ``(2 P + 1) L B``
    for ``fd`` (two loss readings per parameter, ``P = L (N (N - 1) + 2 N + 1)``
    phases and gains of L N-mode cores, then the loss at the new point); 0 for
    ``ideal`` and ``insilico``, which train on the ideal model. The chips'
    pass counters agree (tested).
    """
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    lb = layers * batch
    if method in ("ideal", "insilico"):
        return 0
    if method == "ffm":
        return (2 * layers - 1) * batch
    if method in ("ffm-phase", "spsa"):
        return 2 * lb
    n_params = layers * (n_modes * (n_modes - 1) + 2 * n_modes + 1)
    return (2 * n_params + 1) * lb


_TRAINERS = {"ideal": MatrixTrainer, "insilico": MatrixTrainer, "ffm": MatrixTrainer,
             "ffm-phase": PhaseTrainer, "spsa": SPSATrainer, "fd": FiniteDifferenceTrainer}


def make_trainer(method: str, chips: Sequence, data: Dataset, config: TrainConfig, seed: int) -> Trainer:
    """The trainer of ``method`` on ``chips`` (``ideal``/``insilico``: matrix level, give it ideal chips)."""
    if method not in METHODS:
        raise ConfigError(f"unknown method {method!r}; valid: {', '.join(METHODS)}")
    return _TRAINERS[method](chips, data, config, seed, method=method)
