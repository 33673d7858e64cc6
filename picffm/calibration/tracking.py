"""Cheap re-calibration: re-measure the heater offsets (drift) and hold the actual phases.

Drift moves every heater's phase offset (:mod:`picffm.chip.drift`); the
couplers, losses, efficiencies and crosstalk stay. :func:`remeasure_offsets`
reads the monitor taps once with the N unit vectors (N passes).

The setting is every heater at zero drive except the attenuators' theta,
driven to half transmission (so light reaches the mirror half and ``|t|``
is sensitive to theta); each offset moves by how far the measured actual
phase is from the twin's prediction at that setting:

* an MZI or lone phase-shifter heater's actual phase is the phase of its
  tap pair's ratio (as in :func:`picffm.calibration.phases.sweep_heaters`);
* an attenuator's two phases come from its one complex ratio
  ``e^{i psi} (A e^{i theta} - B)`` with ``A = amp t1 t2`` and
  ``B = amp k1 k2`` from the twin's fitted couplers and loss: ``|t|`` gives
  ``cos theta`` (the branch nearest the previous offset is kept), then
  ``psi = arg t - arg(A e^{i theta} - B)``.

:func:`hold_actual_phases` then finds the drives that give the same actual
phases through the updated twin (the heater model inverted), so the chip
realises what it did before the drift without any fit.
"""

from __future__ import annotations

import numpy as np

from ..errors import CalibrationError
from ..parameters import Params
from .phases import heater_map, tap_ratios
from .programming import TWO_PI, _EDGE, _invert_heaters

__all__ = ["remeasure_offsets", "hold_actual_phases"]


def _attenuator_amplitudes(twin) -> tuple[np.ndarray, np.ndarray]:
    """``(A, B) = (amp t1 t2, amp k1 k2)`` of every attenuator from the twin's fitted values."""
    t = twin.table
    h = t.n_programmable

    def fixed(key):
        b = t.block("attenuator", key)
        return twin.fixed[b.start - h:b.stop - h]

    k1, k2 = np.clip(fixed("kappa1"), 0, 1), np.clip(fixed("kappa2"), 0, 1)
    amp = 10.0 ** (-fixed("loss_db") / 20.0)
    return amp * np.sqrt((1 - k1) * (1 - k2)), amp * np.sqrt(k1 * k2)


def remeasure_offsets(chip, twin):
    """A copy of ``twin`` with every heater offset re-measured now (N passes; see module docstring).

    The chip is left programmed with the measurement setting.
    """
    if not chip.has_monitors:
        raise CalibrationError("re-measuring the heater offsets needs a chip with monitor taps")
    from .twin import Twin

    table = twin.table
    hmap = heater_map(table)
    setting = Params(table)
    setting.programmable[:] = 0.0
    if hmap.att_theta.size:  # attenuators half open: light reaches the mirror half, |t| is sensitive to theta
        eff = np.maximum(twin.efficiency[hmap.att_theta], 1e-6)
        setting.programmable[hmap.att_theta] = np.clip(
            np.mod((np.pi / 2 - twin.offset_rad[hmap.att_theta]) / eff, TWO_PI), 0.0, TWO_PI - _EDGE)
    predicted = twin.actual_phases(setting)
    direct, att = tap_ratios(chip, setting, hmap)
    shift = np.zeros(table.n_programmable)
    shift[hmap.direct] = np.angle(direct[hmap.direct] * np.exp(-1j * predicted[hmap.direct]))
    if hmap.att_theta.size:
        a, b = _attenuator_amplitudes(twin)
        c = np.clip((a ** 2 + b ** 2 - np.abs(att) ** 2) / np.maximum(2 * a * b, 1e-300), -1.0, 1.0)
        theta = np.arccos(c)  # in [0, pi]; the branch nearest the prediction
        prev = predicted[hmap.att_theta]
        flip = np.abs(np.angle(np.exp(1j * (-theta - prev)))) < np.abs(np.angle(np.exp(1j * (theta - prev))))
        theta = np.where(flip, -theta, theta)
        psi = np.angle(att) - np.angle(a * np.exp(1j * theta) - b)
        shift[hmap.att_theta] = np.angle(np.exp(1j * (theta - prev)))
        shift[hmap.att_psi] = np.angle(np.exp(1j * (psi - predicted[hmap.att_psi])))
    off = np.mod(twin.offset_rad + shift + np.pi, TWO_PI) - np.pi
    return Twin(twin.netlist, twin.fixed, off, twin.efficiency, twin.crosstalk, twin.input_factor,
                twin.output_factor, chip_identity=twin.chip_identity, report=twin.report, circuit=twin.circuit)


def hold_actual_phases(old, new, params: Params) -> Params:
    """Settings that give, through twin ``new``, the actual phases ``params`` gave through ``old``."""
    out = params.copy()
    out.programmable[:] = np.clip(_invert_heaters(new, old.actual_phases(params)), 0.0, TWO_PI - _EDGE)
    return out
