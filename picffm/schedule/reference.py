"""The dict route of compiling (Kahn's order, one pass forward and one backward).

It takes every netlist the array route (:mod:`picffm.schedule.compiler`)
declines and writes every compile error message.
"""

from __future__ import annotations

import numpy as np

from ..components import COMPONENTS
from ..elements import build_table
from ..errors import CompileError
from ..netlist import Netlist
from .graph import FlowGraph, flow_graph
from .stages import Schedule, Stage, _offset


def _compile_reference(netlist: Netlist) -> Schedule:
    """Compile on dicts (Kahn's order, one pass forward and one backward): every error message comes from here."""
    where = f"{netlist.source}: " if netlist.source else ""
    terms = [n for n, i in netlist.instances.items() if i.component == "terminator"]
    if terms:
        raise CompileError(where + f"instance {terms[0]!r} is a terminator: not a feed-forward mesh")
    uneven = [n for n, i in netlist.instances.items()
              if len(COMPONENTS[i.component].inputs) != len(COMPONENTS[i.component].outputs)]
    if uneven:  # splitters and combiners change the number of modes
        raise CompileError(where + f"instance {uneven[0]!r} is a {netlist.instances[uneven[0]].component}: "
                           "not a feed-forward mesh")
    try:
        g = flow_graph(netlist)
    except CompileError as exc:
        raise CompileError(where + str(exc)) from None
    inputs, outputs = netlist.input_ports, netlist.output_ports
    if len(inputs) != len(outputs) or not inputs:
        raise CompileError(where + f"{len(inputs)} input ports but {len(outputs)} output ports: not a square mesh")

    # port (inst, port) -> mode, for every instance input port
    mode_at: dict[tuple[str, str], int] = {}
    for k, p in enumerate(inputs):
        inst, port = netlist.ports[p].split(",")
        mode_at[(inst, port)] = k
    column: dict[str, int] = {}
    order = g.order
    instances = netlist.instances
    in_modes_of: dict[str, tuple[int, ...]] = {}
    for inst in order:
        comp = COMPONENTS[instances[inst].component]
        column[inst] = 1 + max((column[p] for p in g.preds[inst]), default=-1)
        try:
            in_modes = tuple(mode_at[(inst, p)] for p in comp.inputs)
        except KeyError:
            raise CompileError(where + f"instance {inst!r}: an input is fed by no path from an input port") from None
        in_modes_of[inst] = in_modes
        out_mode = dict(zip(comp.outputs, in_modes))
        for port, mode in out_mode.items():
            mode_at[(inst, port)] = mode
        for sp, succ, dp in g.edges[inst]:
            mode_at[(succ, dp)] = out_mode[sp]
    output_modes = np.array([mode_at[tuple(netlist.ports[p].split(","))] for p in outputs], dtype=int)
    column = _centred_columns(g, column)

    # group instances by (column, component), then order by first mode
    buckets: dict[tuple[int, str], list[tuple[int, str, tuple[int, ...]]]] = {}
    for inst in order:
        modes = in_modes_of[inst]
        buckets.setdefault((column[inst], instances[inst].component), []).append((modes[0], inst, modes))
    names: dict[str, list[str]] = {}
    stages: list[Stage] = []
    for (col, comp_name) in sorted(buckets):
        items = sorted(buckets[(col, comp_name)])
        lst = names.setdefault(comp_name, [])
        start = len(lst)
        lst.extend(i[1] for i in items)
        modes = np.array([i[2] for i in items], dtype=int)
        if modes.shape[1] == 1:
            modes = modes[:, 0]
        stages.append(Stage(comp_name, start, len(lst), modes, col, _offset(modes)))

    table = build_table(netlist, [n for lst in names.values() for n in lst], column)
    return Schedule(
        netlist=netlist,
        n_modes=len(inputs),
        input_ports=inputs,
        output_ports=outputs,
        output_modes=output_modes,
        stages=tuple(stages),
        table=table,
    )


def _centred_columns(g: FlowGraph, earliest: dict[str, int]) -> dict[str, int]:
    """Each element's column within its slack (earliest .. latest possible).

    Elements that only feed output ports take their latest column, elements
    fed only by input ports their earliest, every other element the middle
    (rounded up). A phase screen then lines up at the output, the attenuator
    column D of a symmetric core on its mirror axis, and a mirror-symmetric
    circuit gets a mirror-symmetric schedule. Along any path both bounds grow
    by at least one per element (their sum by at least two), so elements that
    share a mode never share a column.
    """
    last = max(earliest.values())
    latest: dict[str, int] = {}
    for inst in reversed(g.order):
        latest[inst] = min((latest[s] for _, s, _ in g.edges[inst]), default=last + 1) - 1
    out = {}
    for inst in g.order:
        if not g.edges[inst]:  # feeds only output ports: line up at the output
            out[inst] = latest[inst]
        elif not g.preds[inst]:  # fed only by input ports: line up at the input
            out[inst] = earliest[inst]
        else:
            out[inst] = (earliest[inst] + latest[inst] + 1) // 2
    return out
