"""One entry point for every mesh kind: :func:`program_matrix` -> :class:`ProgramResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ProgrammingError
from ..netlist import Netlist
from ..parameters import Params
from ..schedule import Schedule
from ..simulation import Circuit
from .checks import UNITARY_TOL, as_target, unitarity_error, unitary_tolerance
from .plans import as_schedule, mesh_plan
from .symmetric import program_symmetric
from .unitary import program_unitary

__all__ = ["ProgramResult", "program_matrix", "relative_error"]


@dataclass(frozen=True)
class ProgramResult:
    """Outcome of :func:`program_matrix`.

    Attributes:
        params: :class:`~picffm.parameters.Params` of the mesh (rad): what
            ``chip.program`` takes, and what :meth:`Params.save` writes to a
            parameter file.
        scale: factor the electronics apply: the ideal chip implements
            ``target / scale`` (1.0 for unitary meshes; ``||target||_2`` for the
            symmetric core and the SVD mesh, 0.0 for a zero target).
        error: relative reconstruction error ``||M - target/scale||_F /
            ||target/scale||_F`` of the ideal compiled mesh M (``||M||_F`` for
            a zero target).
        kind: mesh kind (clements, reck, symmetric, svd).
        schedule: the compiled mesh the settings belong to.
    """

    params: Params = field(repr=False)
    scale: float
    error: float
    kind: str
    schedule: Schedule = field(repr=False)

    def matrix(self) -> np.ndarray:
        """Transfer matrix of the ideal compiled mesh with these settings."""
        return Circuit(self.schedule).matrix(self.params)


def relative_error(m: np.ndarray, target: np.ndarray, scale: float = 1.0) -> float:
    """``||M - target/scale||_F / ||target/scale||_F`` (``||M||_F`` if the target is 0)."""
    if scale == 0.0 or not np.any(target):
        return float(np.linalg.norm(m))
    ref = target / scale
    return float(np.linalg.norm(m - ref) / np.linalg.norm(ref))


def program_matrix(netlist_or_schedule: Netlist | Schedule, target, *, symmetrize: bool = False,
                   atol: float = 1e-10, tol: float = UNITARY_TOL) -> ProgramResult:
    """Program ``target`` onto whatever mesh the netlist is (a Netlist, a compiled Schedule or a netlist
    file path), and check the result.

    Dispatch by mesh kind: Clements/Reck -> :func:`program_unitary` (``tol``
    on ``||U U^H - I||_F``); symmetric core -> :func:`program_symmetric`
    (``symmetrize``, ``atol``); SVD mesh -> :func:`program_svd`. A
    non-unitary target on a unitary mesh is rejected with a hint to use the
    symmetric core or the SVD mesh.

    Returns:
        :class:`ProgramResult` with the error measured on the compiled ideal mesh.
    """
    schedule = as_schedule(netlist_or_schedule)
    plan = mesh_plan(schedule)
    t = as_target(target, plan.n)
    if plan.kind in ("clements", "reck"):
        err, tol = unitarity_error(t), unitary_tolerance(target, tol)  # a float32 unitary: to its own precision
        if not err <= tol:
            raise ProgrammingError(
                f"target is not unitary (||U U^H - I||_F = {err:.3g} > {tol:g}): a {plan.kind} mesh implements "
                "unitaries only; program a general matrix on an SVD mesh ('picffm mesh svd', "
                "picffm.programming.svd_mesh) or, if it is symmetric, on a symmetric core ('picffm mesh symmetric')"
            )
        settings, scale = program_unitary(schedule, t, tol=tol), 1.0
    elif plan.kind == "symmetric":
        settings, scale = program_symmetric(schedule, t, symmetrize=symmetrize, atol=atol)
        if symmetrize:
            t = 0.5 * (t + t.T)
    elif plan.kind == "svd":
        from .svd import program_svd

        settings, scale = program_svd(schedule, t)
    else:  # pragma: no cover - plans only yields the kinds above
        raise ProgrammingError(f"no programming route for mesh kind {plan.kind!r}")
    m = Circuit(schedule).matrix(settings)
    return ProgramResult(settings, scale, relative_error(m, t, scale), plan.kind, schedule)
