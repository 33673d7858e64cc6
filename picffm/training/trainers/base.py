"""The common training loop: minibatches, optimiser, history, pass counting, checkpoints.

A trainer never reads anything of a chip but what the protocol offers
(``program``, ``run``, ``monitors``, ``advance``, ``passes``, the design
``schedule``). Evaluation code may attach a ``probe`` (called once, at
update ``config.grad_probe_step``, with the batch and the measured
gradients, before the update) to compare against the chip's truth.

A method subclasses :class:`Trainer` and implements three hooks:
``_params_from_states`` (the optimised parameters of the initial network, a
:class:`~picffm.training.paramvec.ParamVector`), ``_program`` (program the
chips from ``self.params``, set ``self._states``) and ``_gradient`` (the
batch loss and the gradient measured on the chips, a ``ParamVector`` of the
same layout). The optimiser steps the one flat vector.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ...errors import ConfigError
from ..config import TrainConfig
from ..network import LayerState, core_map, evaluate
from ..optim import make_optimizer
from ..paramvec import ParamVector
from ..prepare import Dataset, initial_states, seed_streams
from .registry import learning_rate

__all__ = ["Trainer"]


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
        self.opt = make_optimizer(config.optimizer, learning_rate(self.method, config))
        self.epoch = 0
        self.updates = 0
        self.train_passes = 0
        self.train_busy_s = 0.0  # the chips' estimated busy time of the updates (passes and reprogramming)
        self.history: list[dict] = []
        self.probe: Callable | None = None
        self.params: ParamVector = self._params_from_states(initial_states(seed, config, self.cmap))
        self._program()

    # -- to implement
    def _params_from_states(self, states: list[LayerState]) -> ParamVector:
        raise NotImplementedError

    def _program(self) -> None:
        """Program the chips from ``self.params`` and set ``self._states``."""
        raise NotImplementedError

    def _gradient(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, ParamVector]:
        raise NotImplementedError

    # -- common
    @property
    def states(self) -> list[LayerState]:
        """The network as programmed now: settings and gain per layer."""
        return list(self._states)

    def _chip_passes(self) -> int:
        return sum(c.passes for c in self.chips)

    def _chip_busy(self) -> float:
        """The chips' estimated busy time so far (s; :attr:`picffm.chip.interface.PassCounter.busy_s`)."""
        return sum(c.busy_s for c in self.chips)

    def step(self, idx: np.ndarray) -> float:
        """One update on the training samples ``idx``; returns the batch loss (before the update)."""
        x, labels = self.data.x_train[:, idx], self.data.y_train[idx]
        before, busy = self._chip_passes(), self._chip_busy()
        loss, grads = self._gradient(x, labels)
        self.train_passes += self._chip_passes() - before
        if self.probe is not None and self.updates + 1 == self.config.grad_probe_step:
            busy -= self._chip_busy()  # the probe's reads are evaluation, not the update's cost
            self.probe(self, x, labels, grads)
            busy += self._chip_busy()
        self.params = self.params.replace(self.opt.step(self.params.values, grads.values))
        self._program()
        self.train_busy_s += self._chip_busy() - busy
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
        return evaluate(self.chips, self._states, x, labels, self.config.electronics, program=True)

    def state_dict(self) -> dict:
        """Plain data to resume from (parameters, optimiser, rng, counters, history)."""
        return {"method": self.method, "params": self.params.values.copy(), "opt": self.opt.state_dict(),
                "rng": self.rng.bit_generator.state, "epoch": self.epoch, "updates": self.updates,
                "train_passes": self.train_passes, "train_busy_s": self.train_busy_s, "history": list(self.history),
                "chip_time_s": [c.time_s for c in self.chips]}

    def load_state_dict(self, state: dict) -> None:
        """Resume: restore the state and reprogram the chips (advancing their clocks to the saved time)."""
        if state["method"] != self.method:
            raise ConfigError(f"checkpoint is for method {state['method']!r}, not {self.method!r}")
        self.params = self.params.replace(np.array(state["params"]))
        self.opt.load_state_dict(state["opt"])
        self.rng.bit_generator.state = state["rng"]
        self.epoch, self.updates = int(state["epoch"]), int(state["updates"])
        self.train_passes = int(state["train_passes"])
        self.train_busy_s = float(state.get("train_busy_s", 0.0))
        self.history = list(state["history"])
        for c, t in zip(self.chips, state.get("chip_time_s", [])):
            if t > c.time_s:
                c.advance(t - c.time_s)
        self._program()
