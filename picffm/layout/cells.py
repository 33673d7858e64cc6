"""Cells: pure functions of geometry (um) returning gdstk cells.

Every cell has its ports on the PORT layer as labels (text ``o1``..``o4``,
rotation = the direction in which light *leaves* the cell through that port:
0 = +x, pi = -x). Port conventions follow :mod:`picffm.components`:

* two-mode cells (``coupler``, ``mzi``) span the mode pair at y = 0 (row 0)
  and y = pitch (row 1): ``o1`` = (0, 0), ``o2`` = (0, pitch) are inputs on
  the left, ``o3`` = (L, pitch), ``o4`` = (L, 0) outputs on the right;
* single-mode cells (``phase_shifter``, ``waveguide``, ``attenuator``):
  ``o1`` = (0, 0) in, ``o2`` = (L, 0) out;
* ``grating_coupler``: ``o1`` = (0, 0), facing +x (towards the chip).

Phase shifters sit on row 0 (docs/conventions.md §1-2): an MZI ``C(k2) P(theta)
C(k1) P(phi)`` is, left to right, heater phi on the lower arm, coupler k1,
heater theta on the lower arm, coupler k2. Each heater has a contact at
both ends with a VIA1 up to an M2 lead (gdsfactory's generic PDK: HEATER -
VIA1 - M2); every lead runs down below row 0, into the free channel under
the cell's mode pair, and out to the cell's input edge (x = 0), where the
chip's routing (:mod:`picffm.layout.pads`) takes it to a bond pad of its
own at the chip edge.

A coupler's kappa sets its coupling length (:func:`coupling_length`); the
cell names carry that geometry, e.g. ``mzi_Lc10_10``, so equal geometry
shares one cell and the names are stable.
"""


from __future__ import annotations

import math

import gdstk
import numpy as np

from .cellparts import (
    Shape,
    cell_ports,
    coupling_length,
    dc_shapes,
    flip_x,
    fmt,
    make_cell,
    one_mode_ports,
    translate,
    two_mode_ports,
    wg_shape,
)
from .geometry import arc, ccw, path_polygon, pointed_end, snap
from .heaters import heater_shapes, lead_levels, lead_shapes, section_length
from .meander import meander_centerline, meander_extent
from .options import LayoutOptions

__all__ = [
    "coupling_length",
    "lead_levels",
    "fmt",
    "waveguide_cell",
    "meander_centerline",
    "meander_extent",
    "bend_cell",
    "coupler_cell",
    "phase_shifter_cell",
    "mzi_cell",
    "attenuator_cell",
    "grating_coupler_cell",
    "cell_ports",
    "CELL_COMPONENTS",
    "component_of_cell",
]

#: netlist components that have a cell
CELL_COMPONENTS = ("coupler", "mzi", "phase_shifter", "waveguide", "attenuator")

_TOOTH_BULGE = 0.01  # um: the ends of grating teeth bulge out by this much (obtuse corners on the grid)


def component_of_cell(name: str) -> str | None:
    """The netlist component a cell name stands for (None for other cells)."""
    for comp in CELL_COMPONENTS + ("grating_coupler",):
        if name == comp or name.startswith(comp + "_"):
            return comp
    return None


# ------------------------------------------------------------------ cells


def waveguide_cell(length: float, o: LayoutOptions = LayoutOptions(), footprint: float | None = None) -> gdstk.Cell:
    """Waveguide whose centre line is ``length`` um long, its ports ``footprint`` um apart (default: ``length``).

    o1 at x = 0, o2 at x = footprint. With ``footprint == length`` it is a
    straight (cell ``waveguide_L{length}``); a shorter footprint draws the
    extra length as one bump to the right of the direction of travel
    (-y; :func:`meander_centerline`), cell ``waveguide_L{length}_F{footprint}``.
    """
    length = float(snap(length))
    if footprint is None or abs(float(snap(footprint)) - length) < 5e-4:
        return make_cell(f"waveguide_L{fmt(length)}", [wg_shape(0, length, 0, o)], one_mode_ports(length))
    f = float(snap(footprint))
    pts, k = meander_centerline(f, length, o.bend_radius, o.arc_tolerance)
    # two polygons, split at the bottom of the bump (heading +x there), keep each under the GDSII point limit
    shapes = [("WG", path_polygon(pts[:k + 1], o.wg_width)), ("WG", path_polygon(pts[k:], o.wg_width))]
    return make_cell(f"waveguide_L{fmt(length)}_F{fmt(f)}", shapes, one_mode_ports(f))


def bend_cell(angle_deg: float = 90.0, o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Circular bend of ``o.bend_radius`` turning left by ``angle_deg`` (o1 at the origin, facing -x)."""
    a = math.radians(angle_deg)
    r = o.bend_radius
    pts = arc((0.0, r), r, -math.pi / 2, -math.pi / 2 + a, o.arc_tolerance)
    end = pts[-1]
    return make_cell(f"bend_R{fmt(r)}_A{fmt(angle_deg)}", [("WG", path_polygon(pts, o.wg_width))],
                      [("o1", 0.0, 0.0, math.pi), ("o2", end[0], end[1], a)])


def coupler_cell(lc: float, o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Directional coupler on a mode pair: S-bends from the pitch to the gap, coupling length ``lc``."""
    shapes, length = dc_shapes(o.pitch, float(snap(lc)), o)
    return make_cell(f"coupler_Lc{fmt(lc)}", shapes, two_mode_ports(length, o.pitch))


def phase_shifter_cell(o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Thermo-optic phase shifter: heater over the waveguide, its two M2 leads out to the input edge below it."""
    ls = section_length(o)
    heater, terms = heater_shapes(0.0, o)
    shapes = [wg_shape(0, ls, 0, o)] + heater + lead_shapes(terms, o)
    return make_cell("phase_shifter", shapes, one_mode_ports(ls))


def mzi_cell(lc1: float, lc2: float, o: LayoutOptions = LayoutOptions(), mirror: bool = False) -> gdstk.Cell:
    """MZI ``C(k2) P(theta) C(k1) P(phi)``: heater phi, coupler lc1, heater theta, coupler lc2.

    ``mirror=True`` draws the mirror image (``mirror: true`` in the netlist,
    the transposed matrix): the same geometry reflected left-right, heater
    phi at the output side. Its ports keep the netlist names where they are
    (``o1``, ``o2`` on the left, ``o3``, ``o4`` on the right), so the cell
    (named ``mzi_Lc{lc1}_{lc2}_mirror``) can be placed in any orientation and
    read back unambiguously.
    """
    p, ls = o.pitch, section_length(o)
    shapes: list[Shape] = []
    terms: list[float] = []
    x = 0.0
    for lc in (lc1, lc2):
        heater, t = heater_shapes(x, o)
        shapes += [wg_shape(x, x + ls, 0, o), wg_shape(x, x + ls, p, o)] + heater
        terms += t
        dc, dl = dc_shapes(p, float(snap(lc)), o)
        shapes += translate(dc, x + ls)
        x = float(snap(x + ls + dl))
    shapes += lead_shapes(terms, o)
    name = f"mzi_Lc{fmt(lc1)}_{fmt(lc2)}"
    if mirror:
        shapes, name = flip_x(shapes, x / 2), name + "_mirror"
    return make_cell(name, shapes, two_mode_ports(x, p))


def attenuator_cell(lc1: float, lc2: float, o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """MZI variable attenuator on one mode, then an output phase shifter.

    The mode's waveguide is row 0 of an MZI whose second arm runs
    ``attenuator_offset`` above it and ends in tapered terminators; heater
    theta sits on the mode's own arm (between the couplers), heater psi after
    the second coupler. Both heaters' leads run below the mode to the input edge.
    """
    d, ls, w = o.attenuator_offset, section_length(o), o.wg_width
    t = float(snap(o.terminator_length + 2.0))
    tip = o.terminator_tip

    def taper(xa: float, xb: float, wa: float, wb: float) -> Shape:
        return ("WG", snap([[xa, d - wa / 2], [xb, d - wb / 2], [xb, d + wb / 2], [xa, d + wa / 2]]))

    shapes: list[Shape] = [wg_shape(0, t, 0, o), taper(1.0, t, tip, w)]
    dc1, l1 = dc_shapes(d, float(snap(lc1)), o)
    shapes += translate(dc1, t)
    x = float(snap(t + l1))
    heater, terms = heater_shapes(x, o)
    shapes += [wg_shape(x, x + ls, 0, o), wg_shape(x, x + ls, d, o)] + heater
    x = float(snap(x + ls))
    dc2, l2 = dc_shapes(d, float(snap(lc2)), o)
    shapes += translate(dc2, x)
    x = float(snap(x + l2))
    shapes += [wg_shape(x, x + t, 0, o), taper(x, x + t - 1.0, w, tip)]
    x = float(snap(x + t))
    heater, t = heater_shapes(x, o)
    shapes += [wg_shape(x, x + ls, 0, o)] + heater + lead_shapes(terms + t, o)
    x = float(snap(x + ls))
    return make_cell(f"attenuator_Lc{fmt(lc1)}_{fmt(lc2)}", shapes, one_mode_ports(x))


def grating_coupler_cell(o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Focusing grating coupler (full etch), port o1 at the origin facing +x, grating towards -x.

    A short straight, a sector taper of half-angle ``gc_half_angle_deg`` and
    radius ``gc_taper_length``, then ``gc_teeth`` concentric teeth of period
    ``gc_period`` and fill factor ``gc_fill``.
    """
    w, th = o.wg_width, math.radians(o.gc_half_angle_deg)
    stub = 1.0
    apex = -stub + (w / 2) / math.tan(th)  # where the taper's sides meet (x)
    r0 = o.gc_taper_length
    spread = math.radians(-1.0)  # the taper stops 1 degree short of the teeth: obtuse corners at its ends
    taper_arc = arc((apex, 0.0), r0, math.pi - th - spread, math.pi + th + spread, o.arc_tolerance)
    shapes: list[Shape] = [
        wg_shape(-stub, 0.0, 0, o),
        ("WG", snap(np.vstack([[[-stub, -w / 2], [-stub, w / 2]], taper_arc]))),
    ]
    etch = o.gc_period * (1 - o.gc_fill)
    for k in range(o.gc_teeth):
        ri = r0 + k * o.gc_period + etch
        ro = r0 + (k + 1) * o.gc_period
        inner = arc((apex, 0.0), ri, math.pi + th, math.pi - th, o.arc_tolerance)
        outer = arc((apex, 0.0), ro, math.pi - th, math.pi + th, o.arc_tolerance)
        tooth = ccw(np.vstack([inner, outer]))
        tooth = pointed_end(tooth, len(tooth) - 1, _TOOTH_BULGE)
        tooth = pointed_end(tooth, len(inner) - 1, _TOOTH_BULGE)
        shapes.append(("WG", snap(tooth)))
    return make_cell("grating_coupler", shapes, [("o1", 0.0, 0.0, 0.0)])
