"""Placement and routing from the schedule the simulator runs (docs/conventions.md §8).

The schedule's columns go along x, modes along y (mode m at y = m * pitch,
mode 0 at the bottom). Every element sits at the left edge of its column;
column c is as wide as its widest cell and columns are ``column_gap`` apart.
Along every mode a straight waveguide joins each element's output port to
the next element's input port, so what is drawn is what is simulated: the
same instances, on the same modes, in the same order.

A two-mode element must sit on adjacent modes (m, m+1); if its row 0 is the
upper mode the cell is drawn flipped up-down. An MZI with ``mirror: true`` is
drawn with its mirror-image cell (reflected left-right: its heaters then sit
at the output side; its ports keep their names). The
chip ports are grating couplers at the fibre-array pitch, joined to the mesh
by fan-in / fan-out S-bends (input k -> mode k on the left; the output port
reading mode m on the right).

A netlist that carries ``placements`` is drawn from them instead, feed-forward
or not (:mod:`picffm.layout.explicit`): that is how loops, such as a ring,
are laid out.
"""

from __future__ import annotations

import math

import numpy as np

from ..components import COMPONENTS
from ..errors import CompileError, LayoutError
from ..netlist import Netlist
from ..schedule import Schedule, compile_netlist
from .cells import grating_coupler_cell
from .cellset import CellSet, check_drawable
from .explicit import plan_placed
from .geometry import path_polygon, sbend, snap
from .heaters import lead_levels
from .lengths import fit_waveguides, used_cells
from .options import LayoutOptions
from .pads import LeadSet, gap_widths, plan_wiring, slots_per_gap
from .plan import LayoutPlan, Placed, Route

__all__ = ["plan_layout", "route_polygon"]


def _fan(h: float, o: LayoutOptions) -> tuple[np.ndarray, float]:
    return sbend(h, o.bend_radius, math.radians(o.max_bend_angle_deg), o.arc_tolerance)


def plan_layout(source: Netlist | Schedule, o: LayoutOptions = LayoutOptions()) -> LayoutPlan:
    """Place the schedule's elements and route every mode; see the module docstring.

    A netlist with ``placements`` is drawn from them
    (:func:`picffm.layout.explicit.plan_placed`).
    """
    if isinstance(source, Schedule):
        schedule = source
        check_drawable(schedule.netlist)
    else:
        check_drawable(source)
        if source.placements:
            return plan_placed(source, o)
        try:
            schedule = compile_netlist(source)
        except CompileError as exc:
            raise LayoutError(f"{exc}; without placements the layout places the columns of a feed-forward "
                              "schedule, so this netlist (a loop, such as a ring) cannot be drawn: give every "
                              "instance a placement (placements: {instance: {x: .., y: .., rotation: .., "
                              "mirror: ..}}, um and degrees) to draw it") from None
    n, p = schedule.n_modes, o.pitch
    cells = CellSet(o)

    # ---- elements, column by column (the schedule's order)
    elems = []  # (name, component, cell, column, modes tuple, mirror, flip)
    design = schedule.params()
    for st in schedule.stages:
        names = schedule.names[st.component][st.start:st.stop]
        sett = {k: v[st.start:st.stop] for k, v in design.component(st.component).items()}
        cellnames = cells.for_stage(st.component, sett, names)
        modes = np.asarray(st.modes)
        if COMPONENTS[st.component].n_modes == 2:
            far = np.flatnonzero(np.abs(modes[:, 0] - modes[:, 1]) != 1)
            if far.size:
                i = far[0]
                raise LayoutError(
                    f"instance {names[i]!r} ({st.component}) couples modes {modes[i, 0]} and {modes[i, 1]}, "
                    "which are not adjacent; two-mode elements can only be drawn on neighbouring modes "
                    f"(m, m+1); reorder the modes so that it acts on e.g. ({min(modes[i])}, {min(modes[i]) + 1})"
                )
            for i, name in enumerate(names):  # a mirrored MZI has its own (mirror-image) cell
                elems.append((name, st.component, cellnames[i], st.column, (int(modes[i, 0]), int(modes[i, 1])),
                              False, bool(modes[i, 0] > modes[i, 1])))
        else:
            # a waveguide's bump of extra length (lengths.fit_waveguides) points away from the mesh's middle:
            # down below it, up above it (the cell drawn reflected up-down; its ports stay where they are)
            up = (st.component == "waveguide") & (modes.reshape(-1) > (n - 1) / 2)
            for i, name in enumerate(names):
                elems.append((name, st.component, cellnames[i], st.column, (int(modes[i]),), False, bool(up[i])))

    n_cols = schedule.n_columns
    width = np.zeros(n_cols)
    for e in elems:
        width[e[3]] = max(width[e[3]], cells.length(e[2]))
    leads = _lead_exits(elems, cells, n, o)

    # ---- chip ports: grating couplers at the fibre pitch, centred on the mesh
    gc = cells.get("grating_coupler", lambda: grating_coupler_cell(o))
    yc = (n - 1) * p / 2
    y_gc = snap(yc + (np.arange(n) - (n - 1) / 2) * o.fiber_pitch)
    y_mode = snap(np.arange(n) * p)
    fans = [_fan(float(snap(y_mode[k] - y_gc[k])), o) for k in range(n)]
    fan_dx = max(f[1] for f in fans)
    # gaps: before column 0, between columns, after the last one; each as wide as its pad columns
    slots = slots_per_gap(leads, n_cols + 1)
    gap_w = gap_widths(slots, o)
    # a gap with pads starts its pad columns on the chip's pad grid (multiples of pad_pitch from x = 0)
    gap_x0 = np.zeros(n_cols + 1)  # where each gap's pad columns start
    col_x = np.zeros(n_cols)
    x = float(fan_dx)
    for g in range(n_cols + 1):
        start = x
        if slots[g]:
            start = math.ceil(round(x / o.pad_pitch, 6)) * o.pad_pitch
        gap_x0[g] = start
        x = float(snap(start + gap_w[g])) if slots[g] else float(snap(x + gap_w[g]))
        if g < n_cols:
            col_x[g] = x
            x = float(snap(x + width[g]))
    col_x, gap_x0 = snap(col_x), snap(gap_x0)
    x_out = x
    x_gc_out = float(snap(x_out + fan_dx))

    placed: list[Placed] = []
    on_mode: list[list[tuple[int, str, str, str]]] = [[] for _ in range(n)]  # (column, name, in, out)
    for name, comp, cname, col, modes, mirror, flip in elems:
        length = cells.length(cname)
        span = p if len(modes) == 2 else 0.0
        placed.append(Placed(name, comp, cname, float(col_x[col]), float(y_mode[min(modes)]), length,
                             mirror, flip, span))
        if len(modes) == 2:
            on_mode[modes[0]].append((col, name, "o1", "o4"))
            on_mode[modes[1]].append((col, name, "o2", "o3"))
        else:
            on_mode[modes[0]].append((col, name, "o1", "o2"))
    by_name = {pl.name: pl for pl in placed}

    out_port_of_mode = {int(m): port for port, m in zip(schedule.output_ports, schedule.output_modes)}
    gratings: list[Placed] = []
    routes: list[Route] = []
    gc_len = 0.0
    for k in range(n):
        pin, pout = schedule.input_ports[k], out_port_of_mode[k]
        gratings.append(Placed(pin, "grating_coupler", gc, 0.0, float(y_gc[k]), gc_len))
        gratings.append(Placed(pout, "grating_coupler", gc, x_gc_out, float(y_gc[k]), gc_len, mirror=True))
        y = float(y_mode[k])
        seq = sorted(on_mode[k])
        # fan-in: grating coupler -> first element
        col, name, port_in, port_out = seq[0]
        fan_pts, _ = fans[k]
        start = np.vstack([fan_pts + (0.0, float(y_gc[k])), [[col_x[col], y]]])
        routes.append(Route((pin, "o1"), (name, port_in), start))
        prev = (name, port_out, by_name[name].x + by_name[name].length)
        for col, name, port_in, port_out in seq[1:]:
            routes.append(Route(prev[:2], (name, port_in), np.array([[prev[2], y], [col_x[col], y]])))
            prev = (name, port_out, by_name[name].x + by_name[name].length)
        back, _ = _fan(float(snap(y_gc[k] - y_mode[k])), o)
        end = np.vstack([[[prev[2], y]], back + (x_out, y), [[x_gc_out, float(y_gc[k])]]])
        routes.append(Route(prev[:2], (pout, "o1"), end))

    placed = list(fit_waveguides(placed, routes, cells, schedule.netlist))  # each waveguide drawn to its length

    lo_y = min(-p, float(y_gc[0]) - o.fiber_pitch / 2)
    hi_y = max(n * p, float(y_gc[-1]) + o.fiber_pitch / 2)
    for pl in placed:  # a waveguide's bump may reach beyond the modes
        if pl.cell in cells.paths:
            (_, by0), (_, by1) = cells.cells[pl.cell].bounding_box()
            lo_y = min(lo_y, pl.y - by1 if pl.flip else pl.y + by0)
            hi_y = max(hi_y, pl.y - by0 if pl.flip else pl.y + by1)
    wiring: list[Placed] = []
    if len(leads.gap):
        ends = np.array([by_name[e[0]].x + (by_name[e[0]].length if e[2].endswith("_mirror") else 0.0)
                         for e in elems if cells.leads(e[2])])
        reps = np.array([cells.leads(e[2]) for e in elems if cells.leads(e[2])])
        x_exit = np.repeat(ends, reps)  # a mirrored cell's leads leave at its right edge
        lead_set = LeadSet(leads.gap, leads.side, leads.y, leads.up, x_exit)
        wcells, wplaced, (lo_pad, hi_pad) = plan_wiring(lead_set, gap_x0, gap_w, slots, hi_y, lo_y, o)
        for name, cell in wcells.items():
            cells.cells[name] = cell
        wiring = [Placed(name, "leads", name, x0, 0.0, 0.0) for name, x0 in wplaced]
        lo_y, hi_y = lo_pad, hi_pad
    gc_reach = o.gc_taper_length + o.gc_teeth * o.gc_period + 2.0
    outline = (float(snap(-gc_reach - o.margin)), float(snap(lo_y - o.margin)),
               float(snap(x_gc_out + gc_reach + o.margin)), float(snap(hi_y + o.margin)))
    return LayoutPlan(n, col_x, snap(width), tuple(placed), tuple(gratings), tuple(routes), outline,
                      used_cells(cells.cells, placed, gratings, wiring), tuple(wiring), dict(cells.paths))


def _lead_exits(elems, cells: CellSet, n: int, o: LayoutOptions) -> LeadSet:
    """Where every heater lead leaves its cell: gap, side, level and direction (see :mod:`.pads`).

    A cell's leads leave at its input edge below its row-0 mode (above it
    if the cell is flipped), into the gap left of its column; a mirrored
    cell's at its right edge, into the gap right of it. Two cells of one
    column whose leads would share a channel are refused.
    """
    gap, side, ys, owner = [], [], [], []
    claimed: dict[tuple[int, int], str] = {}
    p = o.pitch
    for name, comp, cname, col, modes, _mirror, flip in elems:
        k = cells.leads(cname)
        if not k:
            continue
        right = cname.endswith("_mirror")
        row0 = modes[0]
        levels = lead_levels(k, o)
        y = row0 * p - levels if flip else row0 * p + levels
        channel = (col, row0 if flip else row0 - 1)
        if channel in claimed:
            raise LayoutError(f"instances {claimed[channel]!r} and {name!r} of one column would both run their heater "
                              f"leads between modes {channel[1]} and {channel[1] + 1}; reorder the modes (put row 0 "
                              "of a two-mode element on its lower mode)")
        claimed[channel] = name
        gap.append(np.full(k, col + 1 if right else col))
        side.append(np.full(k, -1 if right else 1))
        ys.append(y)
        owner.append(name)
    if not gap:
        z = np.zeros(0)
        return LeadSet(z.astype(int), z.astype(int), z, z.astype(bool))
    y = snap(np.concatenate(ys))
    return LeadSet(np.concatenate(gap), np.concatenate(side), y, y >= (n - 1) * p / 2)


def route_polygon(route: Route, o: LayoutOptions) -> np.ndarray:
    """Outline of a routed waveguide."""
    return path_polygon(route.points, o.wg_width)
