"""Reprogramming a symmetric core step after step, continuously (matrix-level training).

:func:`picffm.programming.program_symmetric` decomposes each matrix on its
own: the Takagi vectors of ``W = V diag(s) V^T`` are defined only up to a
sign each (and their order follows the sorted singular values), so two
nearly equal matrices can get very different phases. On the ideal model that
does not matter (every solution gives the same matrix); on a fabricated chip
every solution has its *own* realisation error, so a tiny weight update could
make the realised matrix jump. :class:`TrackingProgrammer` removes those
arbitrary jumps: before the Clements decomposition it reorders the new Takagi
vectors to match the previous ones (assignment on ``|V_prev^H V|``) and flips
their signs so that ``Re(v_prev^H v) >= 0``. The programmed matrix is still
exactly ``W / ||W||_2`` on the ideal model, and a small change of ``W`` now
gives a small change of the phases (except at exact degeneracies, where the
Takagi vectors are not defined).
"""

from __future__ import annotations

import numpy as np

from ..parameters import Params
from ..programming.symmetric import core_phases, set_core
from ..programming.takagi import takagi
from ..schedule import Schedule

__all__ = ["TrackingProgrammer"]


class TrackingProgrammer:
    """Program symmetric matrices on one symmetric core, following the previous solution.

    Args:
        schedule: the compiled symmetric core.

    Attributes:
        v: the last Takagi matrix used (``None`` before the first call); part
            of a trainer's checkpoint.
    """

    def __init__(self, schedule: Schedule):
        self.schedule = schedule
        self.v: np.ndarray | None = None

    def __call__(self, w: np.ndarray) -> tuple[Params, float]:
        """:class:`Params` realising ``w / scale`` and ``scale = ||w||_2``."""
        w = 0.5 * (w + w.T)
        v, s = takagi(w)
        if self.v is not None:
            overlap = np.abs(self.v.conj().T @ v)
            v, s = v[:, (cols := _assignment(overlap))], s[cols]
            signs = np.where(np.real(np.sum(self.v.conj() * v, axis=0)) < 0, -1.0, 1.0)
            v = v * signs
        self.v = v
        theta, phi, att_theta, att_psi, scale = core_phases(v, s)
        return set_core(self.schedule, theta, phi, att_theta, att_psi), scale


def _assignment(overlap: np.ndarray) -> np.ndarray:
    """Columns ``cols`` maximising ``sum_i overlap[i, cols[i]]`` for overlaps ``|V_prev^H V|`` of unitaries.

    Between nearby updates every old vector has one new vector with overlap
    above ``1/sqrt(2)``: rows and columns of a unitary have unit norm, so such
    an entry is the only one of its row and column above that, the row
    maxima then form a permutation, and any other permutation replaces some
    of these entries by smaller ones. That permutation is the unique optimum,
    so it is what the assignment solver returns; otherwise the solver runs.
    """
    cols = np.argmax(overlap, axis=1)
    if np.all(overlap[np.arange(cols.size), cols] > np.sqrt(0.5)) and np.bincount(cols, minlength=cols.size).max() == 1:
        return cols  # each column taken once: a permutation
    from scipy.optimize import linear_sum_assignment  # on first use: scipy.optimize is slow to import

    return linear_sum_assignment(-overlap)[1]
