"""The instance graph of a netlist: who feeds whom, in a topological order.

:func:`flow_graph` (plain dicts, what compiling needs; Kahn's algorithm,
naming a loop if there is one) and :func:`circuit_graph` (a networkx graph,
for analysis and plots).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from ..components import COMPONENTS
from ..errors import CompileError
from ..netlist import Netlist

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FlowGraph", "flow_graph", "circuit_graph"]


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
