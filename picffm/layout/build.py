"""Assemble a :class:`~picffm.layout.plan.LayoutPlan` into a gdstk library.

One cell per distinct geometry, referenced once per instance (an N = 64
Clements mesh is one MZI cell referenced 2016 times); routed waveguides are
polygons of the top cell; a TEXT label at the centre of every reference names
its instance (or, on a grating coupler, its chip port); a FLOORPLAN rectangle
outlines the chip. Names and order are fixed, so the same netlist always gives
the same library and, with the fixed timestamp of :mod:`picffm.layout.export`,
the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import gdstk
import numpy as np

from ..netlist import Netlist, netlist_argument
from ..schedule import Schedule
from .geometry import PAD_HINT, PLACEMENT_HINT, check_gds_extent, placed_center, snap
from .layers import LAYERS
from .options import LayoutOptions, check_options
from .place import plan_layout, route_polygon
from .plan import LayoutPlan, Placed, ref_params
from .rules import DEFAULT_RULES, Rules

__all__ = ["Layout", "build_layout", "TOP_CELL", "ref_center"]

TOP_CELL = "picffm_chip"


@dataclass(frozen=True, eq=False)
class Layout:
    """A built layout: the gdstk library, its top cell and the plan behind it."""

    library: gdstk.Library
    top: gdstk.Cell
    plan: LayoutPlan
    options: LayoutOptions
    rules: Rules = field(default_factory=lambda: DEFAULT_RULES)

    @property
    def size_um(self) -> tuple[float, float]:
        x0, y0, x1, y1 = self.plan.outline
        return (float(snap(x1 - x0)), float(snap(y1 - y0)))

    def stats(self) -> dict:
        """Cell, reference, polygon (flattened) and label counts, chip size."""
        own = {c.name: len(c.polygons) for c in self.library.cells}
        flat = own[self.top.name] + sum(own[r.cell.name] for r in self.top.references)
        return {
            "cells": len(self.library.cells),
            "references": len(self.top.references),
            "polygons": flat,
            "labels": len(self.top.labels),
            "chip_um": list(self.size_um),
        }


def ref_center(cell_bbox, pl: Placed) -> tuple[float, float]:
    """Centre of a placed cell's bounding box (um, on the 1 nm grid), where its name label goes.

    The same integer computation as the extractor's (:func:`~picffm.layout.geometry.placed_center`).
    """
    origin, rot, xref = ref_params(pl)
    return placed_center(cell_bbox, rot, xref, origin)


def build_layout(source: Netlist | Schedule | str | os.PathLike, options: LayoutOptions | None = None,
                 rules: Rules = DEFAULT_RULES) -> Layout:
    """Lay out a netlist (or its compiled schedule, or a netlist file path) as a gdstk library.

    Any other ``source`` is a ``TypeError`` naming the valid types.

    Raises :class:`~picffm.errors.LayoutError` for components without a
    cell, elements on non-adjacent modes, geometry the rules forbid and a
    chip larger than GDSII can store at 1 nm (2147 mm from the origin).
    """
    source = netlist_argument(source, "build_layout source", (Schedule,), "a Schedule")
    o = options or LayoutOptions()
    check_options(o, rules)
    plan = plan_layout(source, o)
    placed = isinstance(source, Netlist) and bool(source.placements)
    check_gds_extent(*plan.outline, hint=PLACEMENT_HINT if placed else PAD_HINT)
    lib = gdstk.Library("picffm", unit=1e-6, precision=1e-9)
    for cell in plan.cells.values():
        lib.add(cell)
    top = gdstk.Cell(TOP_CELL)
    text, wg, fp = LAYERS["TEXT"], LAYERS["WG"], LAYERS["FLOORPLAN"]
    bboxes = {name: cell.bounding_box() for name, cell in plan.cells.items()}
    for pl in plan.instances + plan.gratings:
        origin, rot, xref = ref_params(pl)
        top.add(gdstk.Reference(plan.cells[pl.cell], origin, rotation=rot, x_reflection=xref))
        top.add(gdstk.Label(pl.name, ref_center(bboxes[pl.cell], pl), layer=text.layer, texttype=text.datatype))
    for pl in plan.wiring:  # heater leads and bond pads, one cell per column gap
        origin, rot, xref = ref_params(pl)
        top.add(gdstk.Reference(plan.cells[pl.cell], origin, rotation=rot, x_reflection=xref))
    top.add(*_route_polygons(plan, o, wg.layer, wg.datatype))
    x0, y0, x1, y1 = plan.outline
    top.add(gdstk.rectangle((x0, y0), (x1, y1), layer=fp.layer, datatype=fp.datatype))
    lib.add(top)
    return Layout(lib, top, plan, o, rules)


def _route_polygons(plan: LayoutPlan, o: LayoutOptions, layer: int, datatype: int) -> list[gdstk.Polygon]:
    """Route outlines in route order; straight routes (two points, same y) as one vectorised batch."""
    straight = np.array([len(r.points) == 2 and r.points[0][1] == r.points[1][1] for r in plan.routes], bool)
    out: list = [None] * len(plan.routes)
    if straight.any():
        idx = np.flatnonzero(straight)
        ends = np.array([plan.routes[i].points for i in idx], float)  # (k, 2, 2)
        x0, x1, y = ends[:, 0, 0], ends[:, 1, 0], ends[:, 0, 1]
        h = o.wg_width / 2
        quads = snap(np.stack([np.column_stack([x0, y - h]), np.column_stack([x1, y - h]),
                               np.column_stack([x1, y + h]), np.column_stack([x0, y + h])], axis=1))
        for i, q in zip(idx, quads):
            out[i] = gdstk.Polygon(q, layer=layer, datatype=datatype)
    for i in np.flatnonzero(~straight):
        out[i] = gdstk.Polygon(route_polygon(plan.routes[i], o), layer=layer, datatype=datatype)
    return out
