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
        signs = [self.rng.choice([-1.0, 1.0], size=p.shape) for p in self.params]
        lp = self._loss_at([p + c * s for p, s in zip(self.params, signs)], x, labels)
        lm = self._loss_at([p - c * s for p, s in zip(self.params, signs)], x, labels)
        program_network(self.chips, self._states)
        d = (lp - lm) / (2 * c)
        return 0.5 * (lp + lm), [d * s for s in signs]


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``2 L B``: two loss readings (data passes through every layer)."""
    return 2 * layers * batch


register_method(Method("spsa", SPSATrainer, _passes, {"adam": 0.02, "sgd": 0.002},
                       summary="simultaneous-perturbation stochastic approximation (2 loss readings)"))
