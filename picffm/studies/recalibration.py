"""The ``recal`` arm of the drift study: an in-silico network kept on its chips by calibration.

The weights come from in-silico training and are never retrained. What is
maintained is the mapping from weights to chip settings, through each chip's
calibrated twin (:mod:`picffm.calibration`):

* **deployment** (:func:`deploy`, at ``t = 0``): every chip is calibrated
  through its protocol (:func:`picffm.calibration.calibrate`: phase sweeps,
  crosstalk and attenuators at the monitor taps, then couplers, losses and
  transceiver factors from probe matrices) and each layer's weight
  ``W`` is programmed through its twin
  (:func:`picffm.calibration.program_through_twin`: per-gate correction,
  heater model inverted, least squares on the twin, then ``iterations``
  measured refinement rounds), realising ``W / ||W||_2`` with no global phase
  (the network's nonlinearity acts on the quadratures); the measured
  transmission goes to the electronic gain;
* **upkeep** (:func:`maintain`, every ``recal_interval_s``): drift moves the
  heater offsets only, so the offsets are re-measured at the monitor taps
  (:func:`picffm.calibration.tracking.remeasure_offsets`, N passes), the
  drives that give the same actual phases are computed through the updated
  twin (:func:`~picffm.calibration.tracking.hold_actual_phases`, no fit), and
  ``iterations`` measured refinement rounds follow
  (:func:`picffm.calibration.programming.refine_on_chip`, N x 4 passes each).

The twin never sees the chip's hidden parameters; every number comes from
measurements through the protocol. The study defaults use a cheaper
calibration than ``picffm chip calibrate`` (:data:`CALIBRATION`).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..calibration import calibrate, program_through_twin
from ..calibration.programming import refine_on_chip
from ..calibration.tracking import hold_actual_phases, remeasure_offsets
from ..training.network import LayerState

__all__ = ["CALIBRATION", "deploy", "maintain"]

#: calibration options of the study (fewer probe settings and reads than the CLI's defaults; at N = 16 the
#: programming fidelity through the twin stays >= 0.998 on ``typical``); calibrated transceivers, so the
#: electronic gain restores the network's absolute scale
CALIBRATION = {"settings": 4, "repeats": 2, "calibrated_transceivers": True}


def _goal(weight: np.ndarray) -> tuple[np.ndarray, float]:
    norm = float(np.linalg.norm(weight, 2))
    return np.asarray(weight) / norm, norm


def deploy(chips, weights, rng: np.random.Generator, *, iterations: int = 3, done: list | None = None,
           after: Callable[[list, list], None] | None = None):
    """Calibrate every chip and program its layer's weight through the twin: ``(twins, states)``.

    ``done``: ``(twin, state)`` of the first chips, deployed before (a point
    continued from its checkpoint: the other chips get the same calibration
    streams as without it). ``after(twins, states)`` is called after each
    chip (a safe point: the calibration of the next chip has not begun).
    """
    twins, states = [t for t, _ in done or []], [st for _, st in done or []]
    streams = rng.spawn(len(chips))
    for i in range(len(twins), len(chips)):
        twin = calibrate(chips[i], rng=streams[i], **CALIBRATION)
        res = program_through_twin(chips[i], twin, weights[i], iterations=iterations, fix_phase=True)
        twins.append(twin)
        states.append(LayerState(res.params, res.scale))
        if after is not None:
            after(twins, states)
    return twins, states


def maintain(chips, twins, weights, states, *, iterations: int = 3):
    """One upkeep round on every chip (offsets re-measured, actual phases held, refined): ``(twins, states)``."""
    new_twins, new_states = [], []
    for chip, twin, w, st in zip(chips, twins, weights, states, strict=True):
        goal, norm = _goal(w)
        fresh = remeasure_offsets(chip, twin)
        params = hold_actual_phases(twin, fresh, st.params)
        params, a, _ = refine_on_chip(chip, fresh, goal, params, iterations=iterations, fix_phase=True)
        new_twins.append(fresh)
        new_states.append(LayerState(params, norm / max(abs(a), 1e-300)))
    return new_twins, new_states
