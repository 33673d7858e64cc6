"""Simultaneous-perturbation stochastic approximation (``spsa``): a gradient-free in-situ baseline."""

from __future__ import annotations

from ..network import program_network
from .phase import PhaseSpaceTrainer
from .registry import Method, register_method

__all__ = ["SPSATrainer"]


class SPSATrainer(PhaseSpaceTrainer):
    """SPSA (``spsa``): 2 loss readings per update.

    Every parameter (phases and gains) is perturbed by ``+-spsa_c`` with a
    random sign; the gradient estimate is ``(L+ - L-) / (2 c) * sign``.
    """

    method = "spsa"

    def _gradient(self, x, labels):
        c = self.config.spsa_c
        p = self.params
        signs = self.rng.choice([-1.0, 1.0], size=p.values.size)
        lp = self._loss_at(p.replace(p.values + c * signs), x, labels)
        lm = self._loss_at(p.replace(p.values - c * signs), x, labels)
        program_network(self.chips, self._states)
        d = (lp - lm) / (2 * c)
        return 0.5 * (lp + lm), p.replace(d * signs)


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``2 L B``: two loss readings (data passes through every layer)."""
    return 2 * layers * batch


register_method(Method("spsa", SPSATrainer, _passes, {"adam": 0.02, "sgd": 0.002},
                       summary="simultaneous-perturbation stochastic approximation (2 loss readings)"))
