"""General (non-unitary) matrices: SVD onto two Clements meshes and an attenuator column.

``svd_mesh(N)`` builds (light travels left to right)::

    vh_* (Clements, no screen) -> s_m* (attenuators) -> u_* (Clements) -> ps_m* (phase screen)

so its matrix is ``M = Phi_u L_u S' L_v``. For ``A = U diag(s) V^H`` (numpy
SVD) with ``V^H = Phi_v L_v`` and ``U = Phi_u L_u`` (Clements decompositions),
``M = A / scale`` when ``S' = diag(s) Phi_v / scale`` and ``scale = s_max =
||A||_2``: attenuator k gets ``theta = 2 arcsin(s_k / scale)`` and ``psi =
screen_v[k] - pi/2 - theta/2``. The mesh itself is :func:`picffm.meshes.svd`.
"""

from __future__ import annotations

import numpy as np

from ..errors import ProgrammingError
from ..meshes import svd
from ..netlist import Netlist
from ..parameters import Params
from ..schedule import Schedule
from .checks import as_target
from .clements import decompose_clements
from .mzi2x2 import attenuator_settings
from .plans import as_schedule, mesh_plan

__all__ = ["svd_mesh", "program_svd"]


def svd_mesh(n: int) -> Netlist:
    """N-mode SVD mesh (:func:`picffm.meshes.svd`, also ``picffm mesh svd``)."""
    return svd(n)


def program_svd(schedule: Schedule | Netlist, a) -> tuple[Params, float]:
    """Settings and scale that make an SVD mesh implement ``a / scale``.

    Args:
        schedule: compiled :func:`svd_mesh` (or its netlist).
        a: any N x N matrix (real or complex).

    Returns:
        ``(params, scale)`` (:class:`~picffm.parameters.Params`) with ``scale = ||a||_2`` (0 for a zero matrix,
        then every attenuator blocks); phases in rad.
    """
    schedule = as_schedule(schedule)
    plan = mesh_plan(schedule)
    if plan.kind != "svd":
        raise ProgrammingError(f"program_svd needs an SVD mesh (svd_mesh); this netlist is a {plan.kind} mesh")
    a = as_target(a, plan.n)
    u, s, vh = np.linalg.svd(a)
    th_v, ph_v, scr_v = decompose_clements(vh)
    th_u, ph_u, scr_u = decompose_clements(u)
    att_theta, att_psi, scale = attenuator_settings(s, scr_v)
    p = schedule.params()
    mzi = p.component("mzi")
    for group, th, ph in (("vh", th_v, ph_v), ("u", th_u, ph_u)):
        mzi["theta"][plan.mzi[group]] = th
        mzi["phi"][plan.mzi[group]] = ph
    att = p.component("attenuator")
    att["theta"][plan.atten] = att_theta
    att["psi"][plan.atten] = att_psi
    p.component("phase_shifter")["phi"][plan.screen] = scr_u
    return p, scale
