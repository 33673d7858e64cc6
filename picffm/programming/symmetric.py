"""Program a complex symmetric matrix onto the symmetric core: :func:`program_symmetric`.

The core (docs/conventions.md §5, :func:`picffm.meshes.symmetric_core`) implements
``M = U0^T D U0``: a Clements mesh U0 (``u_*``, no phase screen), a column of
attenuators ``d_m*``, and the mirror image of U0 (``ut_*``, same phases).
For a Takagi factorisation ``W = V diag(s) V^T`` (:func:`~picffm.programming.takagi`)
and the Clements decomposition ``V^T = Phi L`` (:func:`~picffm.programming.decompose_clements`)::

    W = L^T (Phi^2 diag(s)) L

so U0 = L and ``D = Phi^2 diag(s) / scale`` with ``scale = s_max = ||W||_2``
(the spectral norm): every |D_k| <= 1, and the chip implements ``W / scale``;
the electronics multiply by ``scale``. Attenuator k (50:50 couplers, see
:func:`picffm.models.attenuator`) has transmission
``i e^{i theta/2} sin(theta/2) e^{i psi}``, so ``theta = 2 arcsin(s_k/scale)``
in [0, pi] and ``psi = 2 screen_k - pi/2 - theta/2`` (mod 2 pi).
"""

from __future__ import annotations

import numpy as np

from ..errors import ProgrammingError
from ..netlist import Netlist
from ..parameters import Params
from ..schedule import Schedule
from .checks import as_target, relative_symmetry_error
from .clements import decompose_clements
from .mzi2x2 import attenuator_settings
from .plans import as_schedule, mesh_plan
from .takagi import takagi

__all__ = ["program_symmetric", "symmetric_phases", "core_phases", "set_core"]


def symmetric_phases(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Phases of the symmetric core for a complex symmetric ``w`` (not checked).

    Returns:
        ``(theta, phi, att_theta, att_psi, scale)``: MZI phases of U0 in
        Clements layout order (the mirror half takes the same), attenuator
        settings by mode (rad) and the scale ``||W||_2``. For W = 0 the scale is
        0 and every attenuator blocks (theta = 0).
    """
    v, s = takagi(w)
    return core_phases(v, s)


def core_phases(v: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Phases of the symmetric core for a Takagi factorisation ``W = V diag(s) V^T``.

    ``V^T = Phi L`` (Clements) gives the mesh phases; ``D = Phi^2 diag(s) / scale``
    the attenuators (:func:`~picffm.programming.mzi2x2.attenuator_settings`).
    Returns ``(theta, phi, att_theta, att_psi, scale)`` as :func:`symmetric_phases`.
    """
    theta, phi, screen = decompose_clements(v.T)
    att_theta, att_psi, scale = attenuator_settings(s, 2.0 * screen)
    return theta, phi, att_theta, att_psi, scale


def set_core(schedule: Schedule, theta, phi, att_theta, att_psi) -> Params:
    """:class:`Params` of a symmetric core with both mirror halves set to ``theta``/``phi``."""
    plan = mesh_plan(schedule)
    p = schedule.params()
    mzi, att = p.component("mzi"), p.component("attenuator")
    for group in ("u", "ut"):
        idx = plan.mzi[group]
        mzi["theta"][idx] = theta
        mzi["phi"][idx] = phi
    att["theta"][plan.atten] = att_theta
    att["psi"][plan.atten] = att_psi
    return p


def program_symmetric(schedule: Schedule | Netlist, w, *, symmetrize: bool = False,
                      atol: float = 1e-10) -> tuple[Params, float]:
    """Settings and scale that make a symmetric core implement ``w / scale``.

    Args:
        schedule: compiled symmetric core (or its netlist), see
            :func:`picffm.meshes.symmetric_core`.
        w: N x N complex symmetric matrix (array-like, real or complex).
        symmetrize: if true, program the symmetric part ``(W + W^T)/2`` of a
            non-symmetric ``w`` instead of raising.
        atol: largest accepted relative asymmetry ``||W - W^T||_F / ||W||_F``
            (the symmetric part is used when it is below).

    Returns:
        ``(params, scale)``: :class:`~picffm.parameters.Params` with the MZI
        ``theta``/``phi`` of both halves (tied: each mirror copy = its source)
        and the attenuators' ``theta``/``psi`` set (rad), and ``scale =
        ||W||_2`` (0 for W = 0), so that the ideal chip's matrix is ``W / scale``.

    Raises:
        ProgrammingError: not a symmetric core, wrong shape, non-finite or
            non-symmetric target (the message gives the relative asymmetry).
    """
    schedule = as_schedule(schedule)
    plan = mesh_plan(schedule)
    if plan.kind != "symmetric":
        raise ProgrammingError(f"program_symmetric needs a symmetric core; this netlist is a {plan.kind} mesh: "
                               "use program_unitary or program_matrix")
    w = as_target(w, plan.n)
    asym = relative_symmetry_error(w)
    if asym > atol and not symmetrize:
        raise ProgrammingError(
            f"target is not symmetric: ||W - W^T||_F / ||W||_F = {asym:.3g} > {atol:g}; the symmetric core "
            "implements symmetric matrices only (use symmetrize=True / --symmetrize to program (W + W^T)/2)"
        )
    theta, phi, att_theta, att_psi, scale = symmetric_phases(w)
    return set_core(schedule, theta, phi, att_theta, att_psi), scale
