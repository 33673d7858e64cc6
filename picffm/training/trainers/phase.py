"""Phase-level FFM (``ffm-phase``), and the phase space shared with the gradient-free baselines.

Parameters are the tied phases of every core and the electronic gains;
gradients come from the monitor taps of a data and an error pass
(:func:`picffm.training.gradients.phase_gradients`).
"""

from __future__ import annotations

from ..gradients import PHASE_KEYS, network_loss, phase_gradients
from ..network import LayerState, program_network
from ..paramvec import ParamVector, phase_layout
from .base import Trainer
from .registry import Method, register_method

__all__ = ["PhaseSpaceTrainer", "PhaseTrainer"]


class PhaseSpaceTrainer(Trainer):
    """Parameters: :func:`~picffm.training.paramvec.phase_layout`, per layer
    ``u_theta, u_phi, att_theta, att_psi`` (rad) and ``gain``."""

    def _params_from_states(self, states):
        layout = phase_layout(self.cmap.n_mzi, self.cmap.n_att, len(states))
        return layout.pack([{**dict(zip(PHASE_KEYS, self.cmap.untie(st.params))), "gain": [st.gain]}
                            for st in states])

    def _states_from(self, params: ParamVector) -> list[LayerState]:
        out = []
        for layer in range(self.config.layers):
            p = params.layer(layer)
            out.append(LayerState(self.cmap.tie(*(p[k] for k in PHASE_KEYS)), float(p["gain"][0])))
        return out

    def _program(self):
        self._states = self._states_from(self.params)
        program_network(self.chips, self._states)

    def _loss_at(self, params, x, labels) -> float:
        states = self._states_from(params)
        program_network(self.chips, states)
        return network_loss(self.chips, states, x, labels, electronics=self.config.electronics)


class PhaseTrainer(PhaseSpaceTrainer):
    """Phase-level FFM (``ffm-phase``): tied-pair gradients from monitor taps."""

    method = "ffm-phase"

    def _gradient(self, x, labels):
        r = phase_gradients(self.chips, self._states, self.cmap, x, labels, electronics=self.config.electronics)
        return r.loss, r.grads


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``2 L B``: a data and an error pass per layer, with monitors."""
    return 2 * layers * batch


register_method(Method("ffm-phase", PhaseTrainer, _passes, {"adam": 0.02, "sgd": 0.002}, monitors=True,
                       summary="phase-level fully forward mode from the monitor taps"))
