"""EVALUATION ONLY: the test accuracy a network really has on its chips now.

Uses :func:`picffm.training.truth.true_circuits` (the chips' evaluation-only
``reveal()``): the noiseless realised matrices, no optical pass counted, no
detector noise drawn, so checking the accuracy never disturbs the study (the
chip's noise stream and pass counter are the same as if nobody looked).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..training.electronics import Electronics
from ..training.network import LayerState
from ..training.truth import true_circuits

__all__ = ["true_accuracy"]


def true_accuracy(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, labels: np.ndarray,
                  electronics: Electronics) -> float:
    """Fraction of samples ``x`` ``(N, B)`` classified right by the chips as they really are
    (``electronics``: the network's nonlinearity and readout)."""
    a = x
    layers = true_circuits(chips)
    for i, ((circuit, settings), st) in enumerate(zip(layers, states)):
        z = st.gain * (circuit.matrix(settings) @ a)
        if i < len(layers) - 1:
            a = electronics.nonlinearity.forward(z)
    logits = electronics.logits(z)
    return float(np.mean(np.argmax(logits, axis=0) == np.asarray(labels)))
