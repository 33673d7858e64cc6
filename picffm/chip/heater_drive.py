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

The formula itself is :func:`heater_phases` (steps 1 and 2 without the
drift), a plain function of the heater factors so that a fitted model of the
heaters (the calibration twin) evaluates the same form with its own values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..wrapping import mod_positive
from .spec_sections import HeaterSpec

__all__ = ["HeaterDrive", "heater_phases"]

TWO_PI = 2.0 * np.pi


def heater_phases(programmed: np.ndarray, efficiency: np.ndarray, offset_rad: np.ndarray, crosstalk=None, *,
                  range_rad: float = TWO_PI, dac_bits: int = 0, out: np.ndarray | None = None) -> np.ndarray:
    """Actual phases (rad, ``(H,)``) of programmed phases ``programmed`` (rad, ``(H,)``) through heaters.

    ``efficiency * (q + X q) + offset_rad`` with the drive ``q`` the
    programmed phase wrapped into ``[0, range_rad)`` and, if ``dac_bits`` > 0,
    rounded to the DAC step ``range_rad / 2**dac_bits`` (a drive that rounds
    up to ``range_rad`` wraps to 0). ``crosstalk`` is the ``(H, H)`` sparse
    ``X`` (zero diagonal) or ``None`` (none). ``dac_bits=0`` is a continuous
    drive: the form a differentiable model of the heaters takes. Written into
    ``out`` if given (it may be ``programmed``), term by term in the order of
    the formula.
    """
    out = mod_positive(np.asarray(programmed, dtype=float), range_rad, out)
    if dac_bits:
        step = range_rad / 2 ** dac_bits
        np.divide(out, step, out=out)
        np.round(out, out=out)
        out *= step
        mod_positive(out, range_rad, out)
    if crosstalk is not None and crosstalk.nnz:
        out += crosstalk @ out
    out *= efficiency
    out += offset_rad
    return out


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
            heater_phases(programmed, self.efficiency, self.offset_rad, self.crosstalk,
                          range_rad=h.range_rad, dac_bits=h.dac_bits, out=out)
        if drift is not None:
            out += drift
        return out
