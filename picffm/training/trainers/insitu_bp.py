"""In-situ backpropagation (``insitu-bp``): phase gradients from backward light (Pai et al., Science 380, 398 (2023)).

Same phase space as ``ffm-phase`` and ``spsa`` (tied phases and gains per
layer); gradients from :func:`picffm.training.insitu.insitu_gradients`,
which needs chips with the backward-light capability
(:class:`picffm.chip.interface.BackwardLightChip`).
"""

from __future__ import annotations

from ..insitu import insitu_gradients, passes_insitu
from ..paramvec import phase_layout
from .phase import PhaseSpaceTrainer
from .registry import Method, register_method

__all__ = ["InsituTrainer"]


class InsituTrainer(PhaseSpaceTrainer):
    """In-situ backpropagation (``insitu-bp``): seven passes per layer and sample, power readings only."""

    method = "insitu-bp"

    def _gradient(self, x, labels):
        r = insitu_gradients(self.chips, self._states, self.cmap, x, labels, electronics=self.config.electronics)
        return r.loss, phase_layout(self.cmap.n_mzi, self.cmap.n_att, len(self.chips)).pack(r.grads)


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``7 L B``: data, adjoint, and five interference readings per layer (:mod:`picffm.training.insitu`)."""
    return passes_insitu(layers, batch)


register_method(Method("insitu-bp", InsituTrainer, _passes, {"adam": 0.02, "sgd": 0.002}, backward_light=True,
                       summary="in-situ backpropagation: backward light, power readings at every heater"))
