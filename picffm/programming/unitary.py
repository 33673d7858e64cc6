"""Program a unitary onto a Clements or Reck mesh: :func:`program_unitary`."""

from __future__ import annotations

from ..errors import ProgrammingError
from ..netlist import Netlist
from ..parameters import Params
from ..schedule import Schedule
from .checks import UNITARY_TOL, as_target, check_unitary, unitary_tolerance
from .clements import decompose_clements
from .plans import as_schedule, mesh_plan
from .reck import decompose_reck

__all__ = ["program_unitary", "DECOMPOSE"]

#: mesh kind -> decomposition ``U -> (theta, phi, screen)``
DECOMPOSE = {"clements": decompose_clements, "reck": decompose_reck}


def program_unitary(schedule: Schedule | Netlist, u, *, tol: float = UNITARY_TOL) -> Params:
    """Settings that make a Clements or Reck mesh implement the unitary ``u``.

    Args:
        schedule: compiled mesh (or its netlist) from :func:`picffm.meshes.clements`
            or :func:`picffm.meshes.reck`; the kind comes from ``info['kind']``
            or, failing that, from the instance names.
        u: N x N unitary (array-like, real or complex).
        tol: largest accepted ``||U U^H - I||_F`` (raised to ``4 N eps`` for a
            single-precision ``u``: :func:`~picffm.programming.checks.unitary_tolerance`).

    Returns:
        :class:`~picffm.parameters.Params` of the mesh (the netlist's own
        values, with every MZI ``theta``/``phi`` and phase-screen ``phi``
        replaced; rad): what ``chip.program`` takes.
        Exact for ideal 50:50 couplers and no loss.

    Raises:
        ProgrammingError: not a Clements/Reck mesh, wrong shape, non-finite or
            non-unitary target.
    """
    schedule = as_schedule(schedule)
    plan = mesh_plan(schedule)
    if plan.kind not in DECOMPOSE:
        hint = "program_symmetric" if plan.kind == "symmetric" else "program_matrix"
        raise ProgrammingError(f"program_unitary needs a clements or reck mesh; this netlist is a {plan.kind} "
                               f"mesh: use {hint}")
    tol = unitary_tolerance(u, tol)  # a float32/complex64 unitary is held to its own precision
    u = as_target(u, plan.n)
    check_unitary(u, tol, plan.kind)
    theta, phi, screen = DECOMPOSE[plan.kind](u)
    p = schedule.params()
    mzi = p.component("mzi")
    idx = plan.mzi["mzi"]
    mzi["theta"][idx] = theta
    mzi["phi"][idx] = phi
    p.component("phase_shifter")["phi"][plan.screen] = screen
    return p
