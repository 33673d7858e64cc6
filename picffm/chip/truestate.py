"""A simulated chip's truth at one moment: what the evaluation-only oracle returns.

:meth:`picffm.chip.simulated.SimulatedChip.reveal` gives a :class:`TrueState`.
It is *not* part of the chip protocol and trainers must never use it: a real
chip has no such method. Tests and reports use it (true gradients, true
noiseless accuracy, programming fidelity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parameters import Params
from ..simulation import Circuit

__all__ = ["TrueState"]


@dataclass(frozen=True, eq=False)
class TrueState:
    """The chip's truth at one moment (evaluation only: never for trainers).

    Attributes:
        circuit: the compiled circuit (same schedule as the design).
        params: the true values (couplers, losses, phases as applied).
        time_s: chip clock when revealed.
        input_factor: ``(N,)`` static IQ-modulator factors ``e`` (ones if ideal).
        output_factor: ``(N,)`` static receiver reference factors ``r`` (ones if ideal).
    """

    circuit: Circuit
    params: Params
    time_s: float
    input_factor: np.ndarray | None = None
    output_factor: np.ndarray | None = None

    def matrix(self) -> np.ndarray:
        """Noiseless realised transfer matrix ``T[out, in]`` of the circuit (the core alone)."""
        return self.circuit.matrix(self.params)

    def effective_matrix(self) -> np.ndarray:
        """``diag(r) T diag(e)``: what a noiseless unit-vector probe through the protocol reads."""
        m = self.matrix()
        if self.input_factor is not None:
            m = m * self.input_factor[None, :]
        if self.output_factor is not None:
            m = self.output_factor[:, None] * m
        return m
