"""Phase-level FFM (``ffm-phase``), and the phase space shared with the gradient-free baselines.

Parameters are the tied phases of every core and the electronic gains;
gradients come from the monitor taps of a data and an error pass
(:func:`picffm.training.gradients.phase_gradients`).
"""

from __future__ import annotations

import numpy as np

from ..gradients import PHASE_KEYS, network_loss, phase_gradients
from ..network import LayerState, program_network
from .base import Trainer
from .registry import Method, register_method

__all__ = ["PhaseSpaceTrainer", "PhaseTrainer"]


class PhaseSpaceTrainer(Trainer):
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
        return network_loss(self.chips, states, x, labels, n_classes=self.config.n_classes,
                            readout_gain=self.config.readout_gain)


class PhaseTrainer(PhaseSpaceTrainer):
    """Phase-level FFM (``ffm-phase``): tied-pair gradients from monitor taps."""

    method = "ffm-phase"

    def _gradient(self, x, labels):
        r = phase_gradients(self.chips, self._states, self.cmap, x, labels, n_classes=self.config.n_classes,
                            readout_gain=self.config.readout_gain)
        grads = []
        for g in r.grads:
            grads.extend(g[k] for k in PHASE_KEYS)
            grads.append(np.array([g["gain"]]))
        return r.loss, grads


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``2 L B``: a data and an error pass per layer, with monitors."""
    return 2 * layers * batch


register_method(Method("ffm-phase", PhaseTrainer, _passes, {"adam": 0.02, "sgd": 0.002}, monitors=True,
                       summary="phase-level fully forward mode from the monitor taps"))
