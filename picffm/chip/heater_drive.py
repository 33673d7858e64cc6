"""What a simulated chip's heaters apply: programmed phases -> true phases.

For every heater (every programmable phase, flat index ``i``,
:mod:`picffm.chip.heaters`), programmed phase ``p_i``:

1. drive ``q_i``: ``p_i`` wrapped into ``[0, range_rad)`` and rounded to the
   DAC step ``range_rad / 2**dac_bits`` (the heater can only add phase; with
   no heater imperfection at all - efficiency, crosstalk and DAC ideal -
   ``q_i = p_i`` unwrapped);
2. true phase ``efficiency_i * (q_i + sum_j X[i, j] q_j) + offset_i +
   drift_i(t)``, ``X`` the sparse thermal crosstalk matrix
   (:func:`picffm.chip.heaters.crosstalk_matrix`), ``efficiency`` and
   ``offset`` the fabricated factors (:mod:`picffm.chip.fabrication`),
   ``drift`` the drift process's state (:mod:`picffm.chip.drift`).

Vectorised over heaters; written in place, in the order of the formula, so
the bits are those of evaluating it term by term (the wrap is
:func:`picffm.wrapping.mod_positive`, ``numpy.mod``'s bits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..wrapping import mod_positive
from .spec_sections import HeaterSpec

__all__ = ["HeaterDrive"]


@dataclass(frozen=True, eq=False)
class HeaterDrive:
    """The heater model of one fabricated chip (see module docstring). Hidden truth: never for trainers.

    Attributes:
        spec: DAC range and resolution (and the spreads the factors came from).
        crosstalk: ``(H, H)`` sparse ``X``, zero diagonal.
        efficiency: ``(H,)`` efficiency factor per heater.
        offset_rad: ``(H,)`` static phase offset per heater (rad).
    """

    spec: HeaterSpec
    crosstalk: object  # scipy.sparse matrix
    efficiency: np.ndarray
    offset_rad: np.ndarray

    @property
    def has_crosstalk(self) -> bool:
        return self.crosstalk.nnz > 0

    @property
    def ideal(self) -> bool:
        """No efficiency spread, crosstalk or DAC step: the drive is the programmed phase, unwrapped."""
        return self.spec.efficiency_std == 0 and not self.has_crosstalk and self.spec.dac_bits == 0

    def apply(self, programmed: np.ndarray, out: np.ndarray, drift: np.ndarray | None = None) -> np.ndarray:
        """Write the true phases (rad) of ``programmed`` (rad, ``(H,)``) into ``out``; ``drift`` added if given."""
        h = self.spec
        if self.ideal:
            np.add(programmed, self.offset_rad, out=out)
        else:
            mod_positive(programmed, h.range_rad, out)
            if h.dac_bits:
                step = h.range_rad / 2 ** h.dac_bits
                np.divide(out, step, out=out)
                np.round(out, out=out)
                out *= step
                mod_positive(out, h.range_rad, out)
            if self.has_crosstalk:
                out += self.crosstalk @ out
            out *= self.efficiency
            out += self.offset_rad
        if drift is not None:
            out += drift
        return out
