"""Layout from explicit placements: netlists that are not feed-forward (a ring).

A netlist's ``placements: {inst: {x, y, rotation, mirror}}`` (um, degrees)
put each instance's cell where it says, in gdsfactory's convention: the cell
origin (port ``o1`` of every picffm cell) goes to (x, y); ``mirror: true``
reflects the cell left-right (x -> -x) about its origin, then ``rotation``
turns it counter-clockwise about the origin (a multiple of 90 degrees).
Coordinates are snapped to the 1 nm grid.

Every connection is drawn as a waveguide route between the two ports
(:mod:`picffm.layout.routing`: straight, S-bend, L-turn or U-turn, every
bend at ``bend_radius``), or nothing if the two ports already touch. Every
chip port gets a grating coupler ``column_gap`` um out from its port, facing
it, joined by a straight and labelled with the port name, as in the
feed-forward layout; so :mod:`picffm.layout.lvs` reads placed layouts back the
same way.

**Heaters.** Every instance with heaters gets its leads and a column of bond
pads of its own beside its input edge, drawn in the instance's frame and
placed with it (:mod:`picffm.layout.sidepads`), so the pads follow any
placement; the layout checks (DRC, LVS) see them as they see the chip-edge
pads of a feed-forward layout.

**Drawn and simulated lengths.** The simulator treats connections as ideal
(zero length) and gives a ``waveguide`` instance exactly ``length_um``. Its
cell is a straight of exactly ``length_um``; the routes that join it add
length, so the drawn path is never shorter than the simulated one. The extra
length of every route is in :attr:`Route.length`; :mod:`picffm.layout.lengths`
sums it per instance and ``--check`` reports every waveguide whose drawn path
is not its ``length_um`` (a ring's round trip also runs through the coupler's
arms, which the coupler model has no length for).
"""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from ..components import COMPONENTS
from ..errors import LayoutError
from ..netlist import Netlist
from .cells import grating_coupler_cell
from .geometry import ref_matrix, snap
from .options import LayoutOptions
from .cellset import CellSet, check_drawable
from .lengths import fit_waveguides, used_cells
from .plan import LayoutPlan, Placed, Route
from .routing import RouteError, route_centerline
from .sidepads import plan_side_pads

__all__ = ["plan_placed", "placement_transform"]


def _where(net: Netlist) -> str:
    return f"{net.source}: " if net.source else ""


def placement_transform(name: str, placement: Mapping, where: str = "") -> tuple[tuple[float, float], float, bool]:
    """gdstk (origin, rotation in rad, x_reflection) of an instance placement; LayoutError if invalid."""
    for key in ("x", "y"):
        if key not in placement:
            raise LayoutError(f"{where}placements of {name!r} have no {key!r}; give x and y (um), "
                              "optionally rotation (deg, a multiple of 90) and mirror (true/false)")
    rot = float(placement.get("rotation", 0.0))
    quarter = rot / 90.0
    if abs(quarter - round(quarter)) > 1e-9:
        raise LayoutError(f"{where}placements of {name!r}: rotation = {rot:g} deg cannot be drawn; valid: a "
                          "multiple of 90 (0, 90, 180, 270, ...)")
    k = int(round(quarter)) % 4
    mirror = bool(placement.get("mirror", False))
    # mirror x -> -x = rotate by 180 degrees after reflecting y -> -y (gdstk's x_reflection)
    turns = (k + (2 if mirror else 0)) % 4
    origin = (float(snap(placement["x"])), float(snap(placement["y"])))
    return origin, turns * math.pi / 2, mirror


def _ports(cells: CellSet, cell: str, origin, rotation: float, xref: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Ports of a placed cell in the top frame: name -> (position, unit outward direction)."""
    m = ref_matrix(rotation, xref)
    t = np.asarray(origin, float)
    out = {}
    for pname, (x, y, a) in cells.ports(cell).items():
        d = m @ np.array([math.cos(a), math.sin(a)])
        out[pname] = (snap(m @ np.array([x, y]) + t), np.round(d, 9) + 0.0)
    return out


def plan_placed(net: Netlist, o: LayoutOptions = LayoutOptions()) -> LayoutPlan:
    """Place every instance at its placement and route every connection; see the module docstring."""
    check_drawable(net)
    where = _where(net)
    missing = [n for n in net.instances if n not in net.placements]
    if missing:
        raise LayoutError(f"{where}instance {missing[0]!r} has no placement; a netlist drawn from placements needs "
                          f"one for every instance ({len(missing)} missing): placements: {{{missing[0]}: "
                          "{x: .., y: .., rotation: 0, mirror: false}}")
    cells = CellSet(o)
    # cells, one component at a time (settings as arrays, as for a schedule stage)
    by_comp: dict[str, list[str]] = {}
    for name, inst in net.instances.items():
        by_comp.setdefault(inst.component, []).append(name)
    cell_of: dict[str, str] = {}
    for comp, names in by_comp.items():
        full = [net.instances[n].full_settings() for n in names]
        sett = {s: np.array([f[s] for f in full]) for s in COMPONENTS[comp].setting_names}
        try:
            cell_of.update(zip(names, cells.for_stage(comp, sett, names)))
        except LayoutError as exc:
            raise LayoutError(f"{where}{exc}") from None

    placed: list[Placed] = []
    ports: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for name, inst in net.instances.items():
        origin, rot, xref = placement_transform(name, net.placements[name], where)
        cell = cell_of[name]
        placed.append(Placed(name, inst.component, cell, origin[0], origin[1], cells.length(cell),
                             at=origin, rotation=rot, xref=xref))
        for pname, pd in _ports(cells, cell, origin, rot, xref).items():
            ports[(name, pname)] = pd

    def route(a: tuple[str, str], b: tuple[str, str], what: str) -> Route | None:
        (pa, da), (pb, db) = ports[a], ports[b]
        if np.allclose(pa, pb, atol=5e-4) and da @ db < -0.5:
            return None  # abutting ports: joined without a waveguide
        try:
            pts = route_centerline(pa, da, pb, db, o.bend_radius, o.max_bend_angle_deg, o.arc_tolerance)
        except RouteError as exc:
            raise LayoutError(f"{where}{what}: {exc}") from None
        return Route(a, b, pts)

    routes: list[Route] = []
    for ka, kb in net.connections.items():
        a, b = tuple(ka.split(",")), tuple(kb.split(","))
        r = route(a, b, f"connection {ka} -> {kb} (from ({ports[a][0][0]:g}, {ports[a][0][1]:g}) to "
                        f"({ports[b][0][0]:g}, {ports[b][0][1]:g}) um)")
        if r is not None:
            routes.append(r)

    # chip ports: a grating coupler column_gap out from each port, facing it
    gc = cells.get("grating_coupler", lambda: grating_coupler_cell(o))
    gratings: list[Placed] = []
    for pname, ref in net.ports.items():
        key = tuple(ref.split(","))
        p, d = ports[key]
        at = snap(p + o.column_gap * d)
        rot = math.atan2(-d[1], -d[0]) % (2 * math.pi)
        rot = round(rot / (math.pi / 2)) % 4 * math.pi / 2
        at_t = (float(at[0]), float(at[1]))
        gratings.append(Placed(pname, "grating_coupler", gc, at_t[0], at_t[1], 0.0, at=at_t, rotation=rot))
        routes.append(Route(key, (pname, "o1"), np.array([p, at], float)))

    placed = list(fit_waveguides(placed, routes, cells, net))  # each waveguide drawn to its length_um
    wiring = plan_side_pads(placed, cells, o)  # heater leads and a pad column beside each instance
    outline = _outline(placed + gratings + wiring, routes, cells, o)
    return LayoutPlan(len(net.input_ports), np.zeros(0), np.zeros(0), tuple(placed), tuple(gratings),
                      tuple(routes), outline, used_cells(cells.cells, placed, gratings, wiring), tuple(wiring),
                      paths=dict(cells.paths))


def _outline(objs: list[Placed], routes: list[Route], cells: CellSet, o: LayoutOptions):
    pts = []
    for pl in objs:
        (x0, y0), (x1, y1) = cells.cells[pl.cell].bounding_box()
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        pts.append(corners @ ref_matrix(pl.rotation, pl.xref).T + np.asarray(pl.at, float))
    for r in routes:
        pts.append(np.asarray(r.points, float))
    allp = np.vstack(pts)
    lo, hi = allp.min(0) - o.wg_width / 2 - o.margin, allp.max(0) + o.wg_width / 2 + o.margin
    x0, y0, x1, y1 = snap([lo[0], lo[1], hi[0], hi[1]])
    return (float(x0), float(y0), float(x1), float(y1))
