"""Which mesh a schedule is, and where each phase goes in its settings arrays.

A :class:`MeshPlan` maps the MZIs of a mesh, in the layout order the
decompositions use (column-major, see :mod:`picffm.meshes`), to positions in
the schedule's settings arrays (``schedule.names[component]`` order), plus
the output phase screen and the attenuator column by mode. It is built once
per schedule (cached) from instance names, so programming a new matrix is only
array assignments.

Kinds (``netlist.info['kind']``, or inferred from the instance names):

* ``clements``, ``reck``: MZIs ``mzi_c*_m*``, phase screen ``ps_m*``;
* ``symmetric``: MZIs ``u_c*_m*`` and their mirror twins ``ut_c*_m*``,
  attenuators ``d_m*``;
* ``svd``: MZIs ``vh_c*_m*`` (V^H) and ``u_c*_m*`` (U), attenuators ``s_m*``,
  phase screen ``ps_m*`` (:func:`picffm.programming.svd.svd_mesh`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import ProgrammingError
from ..meshes import mzi_name, reck_layout
from ..netlist import Netlist
from ..schedule import Schedule, compile_netlist
from .clements import clements_cells

__all__ = ["MeshPlan", "mesh_plan", "as_schedule", "PROGRAMMABLE_KINDS", "diag_name"]

PROGRAMMABLE_KINDS = ("clements", "reck", "symmetric", "svd")

# kind -> (mzi prefixes, cell layout, screen prefix, attenuator prefix)
_SPECS = {
    "clements": (("mzi",), clements_cells, "ps", None),
    "reck": (("mzi",), reck_layout, "ps", None),
    "symmetric": (("u", "ut"), clements_cells, None, "d"),
    "svd": (("vh", "u"), clements_cells, "ps", "s"),
}


@dataclass(frozen=True, eq=False)
class MeshPlan:
    """Index plan of a programmable mesh.

    Attributes:
        kind: one of :data:`PROGRAMMABLE_KINDS`.
        n: number of modes N.
        mzi: prefix -> positions in ``settings['mzi']`` of the MZIs in layout order.
        screen: positions in ``settings['phase_shifter']`` of ``ps_m0..`` (or None).
        atten: positions in ``settings['attenuator']`` of the attenuator column (or None).
    """

    kind: str
    n: int
    mzi: Mapping[str, np.ndarray]
    screen: np.ndarray | None
    atten: np.ndarray | None


def diag_name(prefix: str, m: int, n: int) -> str:
    """Name of the single-mode element of a diagonal column on mode m (as meshes.py)."""
    return f"{prefix}_m{m:0{len(str(max(n - 1, 1)))}d}"


def as_schedule(obj: Netlist | Schedule) -> Schedule:
    """A Schedule from a Schedule or a Netlist (compiled)."""
    if isinstance(obj, Schedule):
        return obj
    if isinstance(obj, Netlist):
        return compile_netlist(obj)
    raise ProgrammingError(f"expected a Netlist or a Schedule, got {type(obj).__name__}")


_CACHE: "weakref.WeakKeyDictionary[Schedule, MeshPlan]" = weakref.WeakKeyDictionary()


def mesh_plan(schedule: Schedule) -> MeshPlan:
    """The (cached) :class:`MeshPlan` of a schedule; ProgrammingError if it is no known mesh."""
    plan = _CACHE.get(schedule)
    if plan is None:
        plan = _build(schedule)
        _CACHE[schedule] = plan
    return plan


def _expected(kind: str, n: int) -> dict[str, dict[str, list[str]]]:
    """component -> role -> instance names in layout/mode order."""
    prefixes, layout, screen, atten = _SPECS[kind]
    cells = layout(n)
    n_cols = 1 + max(c for c, _ in cells)
    out: dict[str, dict[str, list[str]]] = {"mzi": {p: [mzi_name(p, c, m, n_cols, n) for c, m in cells]
                                                   for p in prefixes}}
    if screen:
        out["phase_shifter"] = {screen: [diag_name(screen, m, n) for m in range(n)]}
    if atten:
        out["attenuator"] = {atten: [diag_name(atten, m, n) for m in range(n)]}
    return out


def _mismatch(kind: str, schedule: Schedule) -> str | None:
    """Why the schedule is not a ``kind`` mesh (None if it is)."""
    n = schedule.n_modes
    if n < 2:
        return f"it has {n} mode(s)"
    exp = _expected(kind, n)
    for comp in schedule.names:
        if comp not in exp:
            return f"it contains {comp} instances ({schedule.names[comp][0]!r}), which a {kind} mesh has not"
    for comp, roles in exp.items():
        have = set(schedule.names.get(comp, ()))
        want = [name for names in roles.values() for name in names]
        missing = [w for w in want if w not in have]
        if missing:
            return f"it has no {comp} {missing[0]!r}"
        extra = sorted(have - set(want))
        if extra:
            return f"it has an unexpected {comp} {extra[0]!r}"
    return None


def _build(schedule: Schedule) -> MeshPlan:
    info = schedule.netlist.info or {}
    kind = info.get("kind")
    where = f"{schedule.netlist.source}: " if schedule.netlist.source else ""
    if kind in PROGRAMMABLE_KINDS:
        why = _mismatch(kind, schedule)
        if why:
            raise ProgrammingError(where + f"netlist says kind {kind!r} but {why}; programming needs the "
                                   "instance names of the mesh generator (picffm mesh)")
    else:
        found = [k for k in PROGRAMMABLE_KINDS if _mismatch(k, schedule) is None]
        if not found:
            label = f"kind {kind!r}" if kind is not None else "no info.kind"
            raise ProgrammingError(
                where + f"cannot program this netlist ({label}): it is not a {', '.join(PROGRAMMABLE_KINDS)} "
                "mesh with the generator's instance names (e.g. mzi_c0_m0 and ps_m0); create one with 'picffm mesh'"
            )
        kind = found[0]
    n = schedule.n_modes
    exp = _expected(kind, n)
    pos = {comp: {name: i for i, name in enumerate(names)} for comp, names in schedule.names.items()}

    def idx(comp: str, names: list[str]) -> np.ndarray:
        return np.array([pos[comp][x] for x in names], dtype=int)

    mzi = {p: idx("mzi", names) for p, names in exp["mzi"].items()}
    screen = next((idx("phase_shifter", v) for v in exp.get("phase_shifter", {}).values()), None)
    atten = next((idx("attenuator", v) for v in exp.get("attenuator", {}).values()), None)
    return MeshPlan(kind, n, mzi, screen, atten)
