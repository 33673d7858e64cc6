"""EVALUATION ONLY: the test accuracy a network really has on its chips now.

Uses :func:`picffm.training.truth.true_circuits` (the chips' evaluation-only
``reveal()``): the noiseless realised matrices, no optical pass counted, no
detector noise drawn, so checking the accuracy never disturbs the study (the
chip's noise stream and pass counter are the same as if nobody looked).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..training.network import LayerState, activation
from ..training.truth import true_circuits

__all__ = ["true_accuracy"]


def true_accuracy(chips: Sequence, states: Sequence[LayerState], x: np.ndarray, labels: np.ndarray, *,
                  readout_gain: float, n_classes: int = 3) -> float:
    """Fraction of samples ``x`` ``(N, B)`` classified right by the chips as they really are."""
    a = x
    layers = true_circuits(chips)
    for i, ((circuit, settings), st) in enumerate(zip(layers, states)):
        z = st.gain * (circuit.matrix(settings) @ a)
        if i < len(layers) - 1:
            a = activation(z)
    logits = readout_gain * np.abs(z[:n_classes]) ** 2
    return float(np.mean(np.argmax(logits, axis=0) == np.asarray(labels)))
