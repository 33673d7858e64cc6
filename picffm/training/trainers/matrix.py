"""Matrix-level FFM (``ffm``), and exact training on the ideal model (``ideal``, ``insilico``).

Parameters are the layers' symmetric weights ``W_l``; every update measures
a data pass and an error pass
(:func:`picffm.training.gradients.matrix_gradients`), steps the optimiser,
and reprograms each chip with :func:`picffm.programming.program_symmetric`
(Takagi + Clements: the settings realising ``W_l / s_l``,
``s_l = ||W_l||_2`` going to the electronic gain). On the ideal model the
same loop is exact training (``ideal``); ``insilico`` is the ``ideal``
result programmed once onto the chip
(:func:`picffm.training.units.insilico_unit`).
"""

from __future__ import annotations

import numpy as np

from ..gradients import matrix_gradients, sym
from ..network import LayerState
from ..paramvec import matrix_layout
from ..prepare import ideal_model
from ..reprogram import TrackingProgrammer
from .base import Trainer
from .registry import Method, register_method

__all__ = ["MatrixTrainer"]


class MatrixTrainer(Trainer):
    """Matrix-level FFM (``ffm``), or exact training on the ideal model (``ideal``)."""

    method = "ffm"

    def _params_from_states(self, states):
        model = ideal_model(self.cmap.n_modes)
        return matrix_layout(self.cmap.n_modes, len(states)).pack(
            [{"w": st.gain * sym(model.matrix(st.params))} for st in states])

    def _program(self):
        if not hasattr(self, "_programmers"):
            self._programmers = [TrackingProgrammer(c.schedule) for c in self.chips]
        states = []
        for chip, prog, w in zip(self.chips, self._programmers, self.params.blocks("w")):
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
        r = matrix_gradients(self.chips, self._states, x, labels, electronics=self.config.electronics)
        return r.loss, r.grads


_LR = {"adam": 0.01, "sgd": 0.001}


def _no_passes(layers: int, batch: int, n_modes: int) -> int:
    """0: trained on the ideal model, no optical pass through a chip."""
    return 0


def _ffm_passes(layers: int, batch: int, n_modes: int) -> int:
    """``(2L - 1) B``: a data pass per layer, an error pass per layer but the first."""
    return (2 * layers - 1) * batch


register_method(Method("ideal", MatrixTrainer, _no_passes, _LR, on_chip=False,
                       summary="exact training on the ideal model"))
register_method(Method("insilico", MatrixTrainer, _no_passes, _LR, on_chip=False,
                       summary="the ideal result programmed once onto the chip"))
register_method(Method("ffm", MatrixTrainer, _ffm_passes, _LR,
                       summary="matrix-level fully forward mode, reprogramming each update"))
