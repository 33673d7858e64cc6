"""Matrix-level FFM reprogrammed through a calibrated twin (``ffm-twin``).

Like ``ffm`` (the same data and error passes, the same weights ``W_l``), but
every layer's chip is calibrated once at the start
(:func:`picffm.training.twinned.calibrate_chips`; its passes are in the
chips' counters and in ``calibration_passes``), read
through the twin's transceiver correction
(:class:`~picffm.training.twinned.TwinCorrectedChip`), and every update is
reprogrammed with the twin's error-aware programming (``twin.program``:
the settings whose realised matrix the twin predicts to be ``W_l / s_l``).
So what the optimiser steps is, to the twin's accuracy, what the chip
realises, and FFM's measured gradient ``dL/dW`` at the realised matrix is
the gradient with respect to what is stepped. ``ffm`` reprograms through
the ideal decomposition instead, which is enough on a calibrated chip but
not on an as-fabricated one.
"""

from __future__ import annotations

import numpy as np

from ..network import LayerState
from ..twinned import twinned_chips
from .matrix import MatrixTrainer, _ffm_passes, _LR
from .registry import Method, register_method

__all__ = ["TwinFFMTrainer", "track_twin_program"]

_EDGE = 1e-3  # heater drives kept inside [0, 2 pi - _EDGE] (a drive rounding to 2 pi would wrap to 0)


def track_twin_program(twin, previous, w: np.ndarray, iterations: int = 1):
    """Settings realising ``w / ||w||_2`` on ``twin``, refined from the ``previous`` settings.

    ``iterations`` Levenberg-Marquardt steps (:func:`picffm.calibration.programming.projected_lm`)
    on ``twin.matrix(p) - w / ||w||_2`` over every heater, from ``previous``:
    the solution follows the weights continuously (no jump between
    equivalent decompositions) and keeps the global phase of ``w``. Returns
    ``(params, scale)``.
    """
    from ...calibration.jacobian import matrix_jacobian
    from ...calibration.programming import projected_lm

    scale = float(np.linalg.norm(w, 2))
    goal = w / scale
    p = twin.settings(previous).copy()
    h = p.table.n_programmable

    def fun(x):
        p.programmable[:] = x
        r = (twin.matrix(p) - goal).ravel()
        return np.concatenate([r.real, r.imag])

    def jac(x):
        p.programmable[:] = x
        ja = matrix_jacobian(twin.circuit, twin.params(p), np.arange(h)).reshape(h, -1)
        jp = twin.phase_jacobian(p).T @ ja
        return np.concatenate([jp.real, jp.imag], axis=1).T

    x0 = np.clip(np.mod(p.programmable, 2 * np.pi), 0.0, 2 * np.pi - _EDGE)
    x = projected_lm(fun, jac, x0, np.zeros(h), np.full(h, 2 * np.pi - _EDGE), max_iter=iterations)
    p.programmable[:] = x
    return p, scale


def _global_phase(twin, settings, w: np.ndarray, rounds: int = 3):
    """``settings`` with every attenuator's output phase shifted so the twin's matrix has ``w``'s global phase.

    (The twin's programming matches a matrix up to a global phase; a shift of
    every ``psi`` by ``delta`` multiplies the core by ``exp(1j delta)``.)
    """
    p = twin.settings(settings).copy()
    psi = p.component("attenuator")["psi"]
    for _ in range(rounds):
        psi -= np.angle(np.vdot(w, twin.matrix(p)))
    psi[:] = np.mod(psi, 2 * np.pi)
    return p


class TwinFFMTrainer(MatrixTrainer):
    """``ffm-twin``. ``twins``: one calibrated twin per chip (default: calibrate now)."""

    method = "ffm-twin"

    def __init__(self, chips, data, config, seed, method=None, twins=None):
        self.twins, corrected, self.calibration_passes = twinned_chips(chips, seed, twins)
        self._states = None
        super().__init__(corrected, data, config, seed, method=method)

    def _program(self):
        restore = getattr(self, "_restore", None)
        states = []
        for i, (chip, twin, w) in enumerate(zip(self.chips, self.twins, self.params.blocks("w"))):
            w = 0.5 * (w + w.T)
            if restore is not None:  # resume: the settings the interrupted run had programmed, verbatim
                settings = twin.settings(None).copy()
                settings.programmable[:] = restore[i]
                scale = float(np.linalg.norm(w, 2))
            elif getattr(self, "_states", None) is None:  # first programming: the twin's full solution
                settings, _ = twin.program(w)
                settings, scale = track_twin_program(twin, _global_phase(twin, settings, w), w, iterations=4)
            else:
                settings, scale = track_twin_program(twin, self._states[i].params, w, iterations=2)
            chip.program(settings)
            states.append(LayerState(settings, scale))
        self._states = states
        self._restore = None

    def state_dict(self):
        state = super(MatrixTrainer, self).state_dict()
        state["programmed"] = [st.params.programmable.copy() for st in self._states]
        return state

    def load_state_dict(self, state):
        self._restore = [np.array(v) for v in state["programmed"]]
        super(MatrixTrainer, self).load_state_dict(state)

register_method(Method("ffm-twin", TwinFFMTrainer, _ffm_passes, _LR, twin=True,
                       summary="matrix-level fully forward mode, reprogrammed through the calibrated twin"))
