"""Which mesh a schedule is, and where each phase goes in its value vector.

A :class:`MeshPlan` maps the MZIs of a mesh, in the layout order the
decompositions use (column-major, see :mod:`picffm.meshes`), to positions
among the schedule's MZI elements (:meth:`ElementTable.elements` order), plus
the output phase screen and the attenuator column by mode. It is built once
per schedule (cached) from **structure only** -- the modes each element
couples, its order along those modes, the schedule column and the mirror
twins of the element table -- never from instance names, so programming a
new matrix is only array assignments.

Kinds (``netlist.info['kind']``, or inferred from the structure):

* ``clements``, ``reck``: one MZI mesh, then a phase screen (one phase shifter per mode);
* ``symmetric``: an MZI mesh, its mirror copies (``info.mirror_twins``) and
  one attenuator per mode;
* ``svd``: an MZI mesh (V^H), one attenuator per mode, a second MZI mesh
  (U) and a phase screen (:func:`picffm.programming.svd.svd_mesh`).

The k-th MZI the layout puts on the mode pair (m, m+1) is the k-th MZI on
that pair in propagation order, which is what identifies it.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ..errors import ProgrammingError
from ..meshes import reck_layout
from ..netlist import Netlist, load_netlist
from ..schedule import Schedule, compile_netlist
from .clements import clements_cells

__all__ = ["MeshPlan", "mesh_plan", "as_schedule", "PROGRAMMABLE_KINDS"]

PROGRAMMABLE_KINDS = ("clements", "reck", "symmetric", "svd")

# kind -> (MZI groups in propagation order, cell layout, phase screen?, attenuator column?)
_SPECS = {
    "clements": (("mzi",), clements_cells, True, False),
    "reck": (("mzi",), reck_layout, True, False),
    "symmetric": (("u", "ut"), clements_cells, False, True),
    "svd": (("vh", "u"), clements_cells, True, True),
}


@dataclass(frozen=True, eq=False)
class MeshPlan:
    """Index plan of a programmable mesh.

    Attributes:
        kind: one of :data:`PROGRAMMABLE_KINDS`.
        n: number of modes N.
        mzi: group (``mzi``; ``u``/``ut``; ``vh``/``u``) -> positions among the
            MZI elements of the group's MZIs in layout order.
        screen: positions among the phase shifters of the screen, by mode (or None).
        atten: positions among the attenuators of the column D, by mode (or None).
    """

    kind: str
    n: int
    mzi: Mapping[str, np.ndarray]
    screen: np.ndarray | None
    atten: np.ndarray | None


def as_schedule(obj: "Netlist | Schedule | str | os.PathLike") -> Schedule:
    """A Schedule from a Schedule, a Netlist or a netlist file path (compiled)."""
    if isinstance(obj, Schedule):
        return obj
    if isinstance(obj, (str, os.PathLike)):  # as build_layout and mesh_component take it
        obj = load_netlist(obj)
    if isinstance(obj, Netlist):
        return compile_netlist(obj)
    raise ProgrammingError(f"expected a Netlist, a Schedule or a netlist file path, got {type(obj).__name__}")


_CACHE: "weakref.WeakKeyDictionary[Schedule, MeshPlan]" = weakref.WeakKeyDictionary()


def mesh_plan(schedule: Schedule) -> MeshPlan:
    """The (cached) :class:`MeshPlan` of a schedule; ProgrammingError if it is no known mesh."""
    plan = _CACHE.get(schedule)
    if plan is None:
        plan = _build(schedule)
        _CACHE[schedule] = plan
    return plan


def _element_modes(schedule: Schedule, component: str) -> np.ndarray:
    """Lower (or only) mode of every element of a component, in element order."""
    n = len(schedule.names.get(component, ()))
    out = np.zeros(n, dtype=int)
    for st in schedule.stages:
        if st.component == component:
            out[st.start:st.stop] = st.modes[:, 0] if st.modes.ndim == 2 else st.modes
    return out


def _by_mode(schedule: Schedule, component: str, n: int) -> np.ndarray | str:
    """Positions of a diagonal column's elements by mode, or why there is none."""
    modes = _element_modes(schedule, component)
    if modes.size != n or not np.array_equal(np.sort(modes), np.arange(n)):
        return f"it has {modes.size} {component} elements, not one on each of its {n} modes"
    out = np.empty(n, dtype=int)
    out[modes] = np.arange(n)
    return out


def _match_cells(positions: np.ndarray, modes: np.ndarray, cells: list[tuple[int, int]]) -> np.ndarray | str:
    """Positions (in layout order) of MZIs identified by (pair, rank along the pair)."""
    if positions.size != len(cells):
        return f"it has {positions.size} MZIs where the layout has {len(cells)}"
    rank: dict[tuple[int, int], int] = {}
    seen: dict[int, int] = {}
    for p, m in zip(positions, modes):  # positions are in propagation order along every pair
        k = seen.get(int(m), 0)
        seen[int(m)] = k + 1
        rank[(int(m), k)] = int(p)
    out, seen = [], {}
    for _, m in cells:
        k = seen.get(m, 0)
        seen[m] = k + 1
        if (m, k) not in rank:
            return f"its MZIs on modes ({m}, {m + 1}) do not follow the layout"
        out.append(rank[(m, k)])
    return np.array(out, dtype=int)


def _try(kind: str, schedule: Schedule) -> "MeshPlan | str":
    """The plan of ``schedule`` as a ``kind`` mesh, or why it is not one."""
    n = schedule.n_modes
    if n < 2:
        return f"it has {n} mode(s)"
    groups, layout, screen, atten = _SPECS[kind]
    table = schedule.table
    allowed = {"mzi"} | ({"phase_shifter"} if screen else set()) | ({"attenuator"} if atten else set())
    for comp in schedule.names:
        if comp not in allowed:
            return f"it contains {comp} instances ({schedule.names[comp][0]!r}), which a {kind} mesh has not"
    plan_screen = _by_mode(schedule, "phase_shifter", n) if screen else None
    plan_atten = _by_mode(schedule, "attenuator", n) if atten else None
    for x in (plan_screen, plan_atten):
        if isinstance(x, str):
            return x
    sl = table.elements("mzi")
    modes = _element_modes(schedule, "mzi")
    # stage order is propagation order; sort MZI positions by their stage
    order = np.concatenate([np.arange(st.start, st.stop) for st in schedule.stages if st.component == "mzi"]) \
        if "mzi" in schedule.names else np.zeros(0, dtype=int)
    copy = table.is_copy[sl]
    if kind == "symmetric":
        parts = {"u": order[~copy[order]], "ut": order[copy[order]]}
    elif copy.any():
        return "it has mirror twins, which a " + kind + " mesh has not"
    elif kind == "svd":
        att_col = table.column[table.elements("attenuator")]
        col = table.column[sl]
        parts = {"vh": order[col[order] < att_col.min()], "u": order[col[order] > att_col.max()]}
        if parts["vh"].size + parts["u"].size != order.size:
            return "an MZI shares the attenuator column"
    else:
        parts = {"mzi": order}
    cells = layout(n)
    mzi = {}
    for g in groups:
        if kind == "symmetric" and g == "ut":  # the mirror copy of each first-half MZI
            twin = table.twin[sl.start + mzi["u"]]
            if np.any(twin < 0) or not np.array_equal(np.sort(twin - sl.start), np.sort(parts["ut"])):
                return "its mirror copies (info.mirror_twins) are not the twins of the first mesh's MZIs"
            mzi[g] = twin - sl.start
            continue
        got = _match_cells(parts[g], modes[parts[g]], cells)
        if isinstance(got, str):
            return got
        mzi[g] = got
    return MeshPlan(kind, n, mzi, plan_screen, plan_atten)


def _build(schedule: Schedule) -> MeshPlan:
    info = schedule.netlist.info or {}
    kind = info.get("kind")
    where = f"{schedule.netlist.source}: " if schedule.netlist.source else ""
    if kind in PROGRAMMABLE_KINDS:
        got = _try(kind, schedule)
        if isinstance(got, str):
            raise ProgrammingError(where + f"netlist says kind {kind!r} but {got}; programming needs the "
                                   "structure of the mesh generator (picffm mesh)")
        return got
    for k in PROGRAMMABLE_KINDS:
        got = _try(k, schedule)
        if not isinstance(got, str):
            return got
    label = f"kind {kind!r}" if kind is not None else "no info.kind"
    raise ProgrammingError(
        where + f"cannot program this netlist ({label}): it is not a {', '.join(PROGRAMMABLE_KINDS)} "
        "mesh with the structure of the mesh generator; create one with 'picffm mesh'"
    )
