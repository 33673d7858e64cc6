"""Compile a netlist to a schedule: columns of 2x2 blocks and diagonal elements.

The circuit is analysed **once** (docs/conventions.md §8, sax's "analyse once,
evaluate many times"): the instance graph, on integer arrays
(:mod:`picffm.flow`: columns and modes one column at a time), becomes a list
of stages, each a set of elements of one component on disjoint modes, and an
:class:`~picffm.elements.ElementTable` whose element order is the stage
order, so a stage reads a contiguous slice of a component's values
(:class:`~picffm.parameters.Params`) and evaluating a new set of phases is a
handful of vectorised numpy calls per column.

A netlist compiles to a schedule when it is feed-forward: every connection
joins an output port to an input port, the graph has no cycle, there are no
terminators and as many inputs as outputs. Anything else goes through the
general S-matrix route (:mod:`picffm.smatrix`).

Mode bookkeeping: the k-th input port (file order) feeds mode k. A two-mode
element keeps the mode of ``o1`` on ``o4`` and the mode of ``o2`` on ``o3``;
a single-mode element keeps its mode. The k-th output port reads the mode
``output_modes[k]``.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from .components import COMPONENTS
from .elements import ElementTable, build_table
from .errors import CompileError
from .flow import analyse
from .netlist import Netlist
from .parameters import Params, as_params

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["Stage", "Schedule", "compile_netlist", "circuit_graph", "flow_graph", "FlowGraph", "element_table"]


@dataclass(frozen=True)
class Stage:
    """One column step: elements of one component on disjoint modes.

    Attributes:
        component: component name (all elements of the stage share it).
        start, stop: slice of the component's elements (table order, see
            :meth:`picffm.elements.ElementTable.elements`).
        modes: ``(k,)`` mode of each single-mode element, or ``(k, 2)`` modes
            of rows 0 and 1 of each two-mode element.
        column: the column the stage belongs to (the one column-position rule,
            :func:`_centred_columns`; also :attr:`ElementTable.column`).
        offset: if not ``None``, the elements sit on the contiguous modes
            ``offset, offset+1, ...`` (pairs ``(offset+2j, offset+2j+1)``),
            which allows a reshape instead of a gather.
    """

    component: str
    start: int
    stop: int
    modes: np.ndarray
    column: int
    offset: int | None

    @property
    def n_modes(self) -> int:
        return COMPONENTS[self.component].n_modes

    def __len__(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True, eq=False)
class Schedule:
    """The compiled, feed-forward form of a netlist.

    Attributes:
        netlist: the source netlist.
        n_modes: number of modes N (inputs = outputs = N).
        input_ports, output_ports: external port names; input k feeds mode k.
        output_modes: mode read by each output port.
        stages: stages in propagation order.
        table: the element table (element order = stage order, mirror twins,
            columns, value layout).
    """

    netlist: Netlist
    n_modes: int
    input_ports: tuple[str, ...]
    output_ports: tuple[str, ...]
    output_modes: np.ndarray
    stages: tuple[Stage, ...]
    table: ElementTable

    @property
    def n_columns(self) -> int:
        return 1 + max(s.column for s in self.stages)

    @property
    def names(self) -> Mapping[str, tuple[str, ...]]:
        """component -> instance names, in element (stage) order."""
        return self.table.by_component

    def params(self, params: Any = None) -> Params:
        """:class:`Params` of this circuit: the netlist's values, overridden by ``params``.

        ``params``: ``None``, a :class:`Params` of this netlist, a parameter
        file (path or :class:`~picffm.params.ParamFile`) or a mapping
        ``{instance: {setting: value}}``; bad entries raise ParamsError.
        """
        return as_params(self.table, params)


@dataclass(frozen=True, eq=False)
class FlowGraph:
    """The instance graph of a netlist in plain dicts (what compiling needs).

    Attributes:
        order: instances in a topological order (every instance after the
            ones that feed it).
        preds: instance -> the instances feeding it (one entry per connection).
        edges: instance -> ``(src_port, successor, dst_port)`` per outgoing connection.
    """

    order: tuple[str, ...]
    preds: Mapping[str, list[str]]
    edges: Mapping[str, list[tuple[str, str, str]]]


def _edges(netlist: Netlist):
    """Directed connections ``(src, src_port, dst, dst_port)``; CompileError for reflections."""
    out = []
    inst = netlist.instances
    for a, b in netlist.connections.items():
        (ia, pa), (ib, pb) = a.split(","), b.split(",")
        ca, cb = COMPONENTS[inst[ia].component], COMPONENTS[inst[ib].component]
        if pa in ca.outputs and pb in cb.inputs:
            out.append((ia, pa, ib, pb))
        elif pb in cb.outputs and pa in ca.inputs:
            out.append((ib, pb, ia, pa))
        else:
            raise CompileError(
                f"connection {a!r} -> {b!r} joins two {'outputs' if pa in ca.outputs else 'inputs'}: "
                "not feed-forward (light would be reflected)"
            )
    return out


def flow_graph(netlist: Netlist) -> FlowGraph:
    """The :class:`FlowGraph` of a netlist, topologically ordered (Kahn's algorithm).

    Raises :class:`CompileError` for connections that join two outputs or two
    inputs, and for a loop (naming the instances on it). Linear in the size
    of the netlist.
    """
    preds: dict[str, list[str]] = {n: [] for n in netlist.instances}
    edges: dict[str, list[tuple[str, str, str]]] = {n: [] for n in netlist.instances}
    for src, sp, dst, dp in _edges(netlist):
        edges[src].append((sp, dst, dp))
        preds[dst].append(src)
    waiting = {n: len(p) for n, p in preds.items()}
    order = [n for n, k in waiting.items() if k == 0]
    i = 0
    while i < len(order):
        for _, dst, _ in edges[order[i]]:
            waiting[dst] -= 1
            if waiting[dst] == 0:
                order.append(dst)
        i += 1
    if len(order) < len(preds):
        raise CompileError(f"the circuit has a loop through {', '.join(_a_loop(preds, waiting))}")
    return FlowGraph(tuple(order), MappingProxyType(preds), MappingProxyType(edges))


def _a_loop(preds, waiting) -> list[str]:
    """One directed cycle among the instances Kahn's algorithm could not order, in flow order."""
    left = {n for n, k in waiting.items() if k > 0}
    node = next(n for n in waiting if n in left)
    seen: dict[str, int] = {}
    path: list[str] = []
    while node not in seen:  # every unordered instance has an unordered predecessor: walking back closes a loop
        seen[node] = len(path)
        path.append(node)
        node = next(p for p in preds[node] if p in left)
    return path[seen[node]:][::-1]


def circuit_graph(netlist: Netlist) -> "nx.MultiDiGraph":
    """Directed networkx graph of instances: an edge for every output -> input connection.

    Edge attributes ``src_port`` and ``dst_port``. Raises :class:`CompileError`
    for connections that join two outputs or two inputs (reflections). For
    analysis and plots; compiling uses :func:`flow_graph`.
    """
    import networkx as nx  # on first use: compiling does not need it

    g = nx.MultiDiGraph()  # two MZIs stacked on one pair share two edges
    g.add_nodes_from((n, {"component": i.component}) for n, i in netlist.instances.items())
    for src, sp, dst, dp in _edges(netlist):
        g.add_edge(src, dst, src_port=sp, dst_port=dp)
    return g


@contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while a compile allocates many small objects."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compile_netlist(netlist: Netlist) -> Schedule:
    """Compile a feed-forward netlist to a :class:`Schedule` (raises CompileError otherwise).

    Cost per instance is flat in the netlist size (about 4 us from N = 64
    to 256 for Clements meshes): one Python pass over the connections to
    read their names, then array operations one column at a time
    (:func:`picffm.flow.analyse`). Netlists that route does not take
    (reflections, loops, terminators, splitters) go through the dict route,
    :func:`_compile_reference`, which compiles them or names what is wrong.
    """
    with _no_gc():
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


def _offset(modes: np.ndarray) -> int | None:
    """First mode if the elements cover consecutive modes in order, else None."""
    flat = modes.reshape(-1)
    if np.array_equal(flat, np.arange(flat[0], flat[0] + flat.size)):
        return int(flat[0])
    return None
