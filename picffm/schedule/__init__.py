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

One concept per module: :mod:`~picffm.schedule.stages` (:class:`Stage`,
:class:`Schedule`, the compiled form), :mod:`~picffm.schedule.graph` (the
instance graph: :class:`FlowGraph`, :func:`flow_graph`,
:func:`circuit_graph`), :mod:`~picffm.schedule.compiler` (the array route,
:func:`compile_netlist`, :func:`element_table`) and
:mod:`~picffm.schedule.reference` (the dict route, which also writes every
compile error message).
"""

from __future__ import annotations

from .compiler import _compile, compile_netlist, element_table
from .graph import FlowGraph, circuit_graph, flow_graph
from .reference import _centred_columns, _compile_reference
from .stages import Schedule, Stage, _offset

__all__ = ["Stage", "Schedule", "compile_netlist", "circuit_graph", "flow_graph", "FlowGraph", "element_table"]
