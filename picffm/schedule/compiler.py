"""The array route of compiling: :func:`compile_netlist`, and :func:`element_table` for any netlist."""

from __future__ import annotations

import numpy as np

from ..components import COMPONENTS
from ..elements import ElementTable, build_table
from ..errors import CompileError
from ..flow import analyse
from ..gcpause import gc_paused
from ..netlist import Netlist
from .reference import _compile_reference
from .stages import Schedule, Stage, _offset

__all__ = ["compile_netlist", "element_table"]


def compile_netlist(netlist: Netlist) -> Schedule:
    """Compile a feed-forward netlist to a :class:`Schedule` (raises CompileError otherwise).

    Cost per instance is flat in the netlist size (about 4 us from N = 64
    to 256 for Clements meshes): one Python pass over the connections to
    read their names, then array operations one column at a time
    (:func:`picffm.flow.analyse`). Netlists that route does not take
    (reflections, loops, terminators, splitters) go through the dict route,
    :func:`_compile_reference`, which compiles them or names what is wrong.
    """
    with gc_paused():  # a compile allocates many small acyclic objects (see gc_paused)
        return _compile(netlist)


def _compile(netlist: Netlist) -> Schedule:
    """The array route (:mod:`picffm.flow`); anything it does not take goes to :func:`_compile_reference`."""
    where = f"{netlist.source}: " if netlist.source else ""
    inst = netlist.instances
    comps = [COMPONENTS[i.component] for i in inst.values()]
    if any(c.name == "terminator" or len(c.inputs) != len(c.outputs) for c in comps):
        return _compile_reference(netlist)
    flow = analyse(netlist, netlist.input_ports, netlist.output_ports)
    if flow is None:
        return _compile_reference(netlist)
    inputs, outputs = netlist.input_ports, netlist.output_ports
    if len(inputs) != len(outputs) or not inputs:
        raise CompileError(where + f"{len(inputs)} input ports but {len(outputs)} output ports: not a square mesh")
    # stages: instances sorted by (column, component name, first mode), as the reference's buckets
    comp_names = [c.name for c in comps]
    alpha = {c: r for r, c in enumerate(sorted(set(comp_names)))}
    rank = np.array([alpha[c] for c in comp_names], dtype=np.int64)
    col = flow.column
    perm = np.lexsort((flow.in_modes[:, 0], rank, col))
    key = col[perm] * len(alpha) + rank[perm]
    cuts = np.concatenate(([0], np.flatnonzero(np.diff(key)) + 1, [perm.size]))
    names: dict[str, list[str]] = {}
    stages: list[Stage] = []
    all_names = flow.names
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        members = perm[a:b]
        comp_name = comp_names[members[0]]
        lst = names.setdefault(comp_name, [])
        start = len(lst)
        lst.extend(all_names[i] for i in members.tolist())
        modes = flow.in_modes[members].astype(int)
        modes = modes[:, 0].copy() if COMPONENTS[comp_name].n_modes == 1 else modes[:, :2].copy()
        stages.append(Stage(comp_name, start, len(lst), modes, int(col[members[0]]), _offset(modes)))
    column = dict(zip(all_names, col.tolist()))
    table = build_table(netlist, [n for lst in names.values() for n in lst], column)
    return Schedule(netlist=netlist, n_modes=len(inputs), input_ports=inputs, output_ports=outputs,
                    output_modes=flow.output_modes.astype(int), stages=tuple(stages), table=table)


def element_table(netlist: Netlist) -> ElementTable:
    """The element table of any netlist: the schedule's if it is feed-forward.

    A netlist that does not compile to a schedule (loops, reflections,
    terminators) gets its elements grouped by component (registry order),
    each group sorted by instance name, and no columns (-1): one order
    whatever the order of the file, on both routes.
    """
    try:
        return compile_netlist(netlist).table
    except CompileError:
        pass
    rank = {c: i for i, c in enumerate(COMPONENTS)}
    order = sorted(netlist.instances, key=lambda n: (rank[netlist.instances[n].component], n))
    return build_table(netlist, order)
