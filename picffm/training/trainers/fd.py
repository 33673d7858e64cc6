"""Central finite differences (``fd``): the brute-force gradient-free in-situ baseline."""

from __future__ import annotations

import numpy as np

from ..gradients import network_loss
from ..network import program_network
from .phase import PhaseSpaceTrainer
from .registry import Method, register_method

__all__ = ["FiniteDifferenceTrainer"]


class FiniteDifferenceTrainer(PhaseSpaceTrainer):
    """Central finite differences (``fd``): 2 loss readings per parameter per update.

    Every reading reprograms the chips and is a full data pass (L passes
    per sample).
    """

    method = "fd"

    def _gradient(self, x, labels):
        eps = self.config.fd_eps
        p = self.params
        g = np.zeros_like(p.values)
        for j in range(p.values.size):
            readings = []
            for sign in (1.0, -1.0):
                q = p.values.copy()
                q[j] += sign * eps
                readings.append(self._loss_at(p.replace(q), x, labels))
            g[j] = (readings[0] - readings[1]) / (2 * eps)
        grads = p.replace(g)
        program_network(self.chips, self._states)
        loss = network_loss(self.chips, self._states, x, labels, electronics=self.config.electronics)
        return loss, grads


def _passes(layers: int, batch: int, n_modes: int) -> int:
    """``(2 P + 1) L B``: two loss readings per parameter, ``P = L (N (N - 1) + 2 N + 1)``
    phases and gains of L N-mode cores, then the loss at the new point."""
    n_params = layers * (n_modes * (n_modes - 1) + 2 * n_modes + 1)
    return (2 * n_params + 1) * layers * batch


register_method(Method("fd", FiniteDifferenceTrainer, _passes, {"adam": 0.02, "sgd": 0.002},
                       summary="central finite differences (2 loss readings per parameter)"))
