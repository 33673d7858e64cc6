"""The feed-forward analysis of a netlist on integer arrays: columns and modes of every instance.

What :func:`picffm.schedule.compile_netlist` needs from the instance graph
(a topological pass for the earliest column of every instance, a reverse
one for the latest, the centred column between them, and the mode carried
by every port) computed level by level with numpy: the only Python loops
run once over the connections and ports (to read their names) and over the
columns, so the cost per instance does not grow with the mesh (a Clements
mesh of N modes has about 2N columns and N^2 / 2 instances).

:func:`analyse` returns ``None`` for anything it does not take on itself
(reflections, loops, an input fed by no path): the dict-based reference
route of :mod:`picffm.schedule` then compiles the netlist or names the
error, with its own messages.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .components import COMPONENTS
from .netlist import Netlist

__all__ = ["Flow", "analyse"]


class Flow(NamedTuple):
    """Per instance (netlist order): ``column`` (centred, as the reference route's
    ``_centred_columns``), ``in_modes`` ``(n, 2)`` (the mode at each input
    port, ``-1`` where a component has one), and ``output_modes`` (the mode
    read by each output port of the circuit)."""

    names: tuple[str, ...]
    column: np.ndarray
    in_modes: np.ndarray
    output_modes: np.ndarray


def analyse(netlist: Netlist, inputs: tuple[str, ...], outputs: tuple[str, ...]) -> Flow | None:
    """The :class:`Flow` of a feed-forward netlist, or ``None`` (see module docstring)."""
    inst = netlist.instances
    names = tuple(inst)
    n = len(names)
    ids = {name: i for i, name in enumerate(names)}
    comps = [COMPONENTS[i.component] for i in inst.values()]
    kinds = {id(c): c for c in comps}.values()  # by identity: hashing a Component hashes its whole definition
    in_idx = {id(c): {p: k for k, p in enumerate(c.inputs)} for c in kinds}  # component -> port -> slot
    out_idx = {id(c): {p: k for k, p in enumerate(c.outputs)} for c in kinds}
    m = len(netlist.connections)
    src, dst = np.empty(m, np.int64), np.empty(m, np.int64)
    src_slot, dst_slot = np.empty(m, np.int64), np.empty(m, np.int64)
    for e, (a, b) in enumerate(netlist.connections.items()):
        ia, pa = a.split(",")
        ib, pb = b.split(",")
        i, j = ids[ia], ids[ib]
        ka, kb = out_idx[id(comps[i])].get(pa), in_idx[id(comps[j])].get(pb)
        if ka is None or kb is None:  # written input -> output, or a reflection
            ka, kb = out_idx[id(comps[j])].get(pb), in_idx[id(comps[i])].get(pa)
            if ka is None or kb is None:
                return None
            i, j = j, i
        src[e], dst[e], src_slot[e], dst_slot[e] = i, j, ka, kb

    # earliest column: Kahn's algorithm one column at a time
    order = np.argsort(src, kind="stable")
    s_sorted, d_sorted = src[order], dst[order]
    first = np.searchsorted(s_sorted, np.arange(n + 1))
    waiting = np.bincount(dst, minlength=n)
    earliest = np.full(n, -1, np.int64)
    front = np.flatnonzero(waiting == 0)
    level = 0
    while front.size:
        earliest[front] = level
        lo, hi = first[front], first[front + 1]
        count = hi - lo
        if count.sum() == 0:
            break
        e = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(count.sum())
        succ = d_sorted[e]
        np.subtract.at(waiting, succ, 1)
        front = np.unique(succ[waiting[succ] == 0])
        level += 1
    if (earliest < 0).any():
        return None  # a loop

    # modes: column by column, each connection copies the mode of its source's output slot
    in_modes = np.full((n, 2), -1, np.int64)
    for k, p in enumerate(inputs):
        a, port = netlist.ports[p].split(",")
        i = ids[a]
        in_modes[i, in_idx[id(comps[i])][port]] = k
    by_level = np.argsort(earliest[src], kind="stable")
    lev_first = np.searchsorted(earliest[src][by_level], np.arange(level + 2))
    for lev in range(level + 1):
        e = by_level[lev_first[lev]:lev_first[lev + 1]]
        in_modes[dst[e], dst_slot[e]] = in_modes[src[e], src_slot[e]]  # output slot k carries input slot k's mode
    n_in = np.array([len(c.inputs) for c in comps])
    if (in_modes[:, 0] < 0).any() or (in_modes[n_in == 2, 1] < 0).any():
        return None  # an input fed by no path from an input port
    out_modes = np.empty(len(outputs), np.int64)
    for k, p in enumerate(outputs):
        a, port = netlist.ports[p].split(",")
        i = ids[a]
        out_modes[k] = in_modes[i, out_idx[id(comps[i])][port]]

    # latest column: the reverse pass, column by column from the last; then the centred column
    last = int(earliest.max()) if n else 0
    latest = np.full(n, last, np.int64)
    for lev in range(level, -1, -1):
        e = by_level[lev_first[lev]:lev_first[lev + 1]]
        if e.size:
            np.minimum.at(latest, src[e], latest[dst[e]] - 1)
    has_out = np.bincount(src, minlength=n) > 0
    has_in = np.bincount(dst, minlength=n) > 0
    column = np.where(~has_out, latest, np.where(~has_in, earliest, (earliest + latest + 1) // 2))
    return Flow(names, column, in_modes, out_modes)
