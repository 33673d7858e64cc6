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
from typing import Iterable

import gdstk
import numpy as np

from .geometry import arc, path_polygon, pointed_end, rect, sbend, snap
from .layers import LAYERS
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

Shape = tuple[str, np.ndarray]

_TOOTH_BULGE = 0.01  # um: the ends of grating teeth bulge out by this much (obtuse corners on the grid)


def _ccw(p: np.ndarray) -> np.ndarray:
    area = np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1))
    return p if area >= 0 else p[::-1]


def fmt(v: float) -> str:
    """Number for a cell name: 12.5 -> '12p5', 10.0 -> '10'."""
    s = f"{float(v):.3f}".rstrip("0").rstrip(".")
    return s.replace("-", "m").replace(".", "p")


def coupling_length(kappa, o: LayoutOptions) -> np.ndarray:
    """Coupling length (um) of a directional coupler of power coupling ``kappa``.

    Coupled-mode theory: ``kappa = sin^2(pi/2 * Lc / crossover_length)``.
    """
    k = np.clip(np.asarray(kappa, dtype=float), 0.0, 1.0)
    return snap(o.crossover_length * 2.0 / math.pi * np.arcsin(np.sqrt(k)))


def component_of_cell(name: str) -> str | None:
    """The netlist component a cell name stands for (None for other cells)."""
    for comp in CELL_COMPONENTS + ("grating_coupler",):
        if name == comp or name.startswith(comp + "_"):
            return comp
    return None


# ----------------------------------------------------------------- shapes


def _translate(shapes: Iterable[Shape], dx: float, dy: float = 0.0) -> list[Shape]:
    return [(ly, snap(p + (dx, dy))) for ly, p in shapes]


def _flip_y(shapes: Iterable[Shape], y0: float) -> list[Shape]:
    """Mirror about the line y = y0 (the outline order reverses orientation)."""
    out = []
    for ly, p in shapes:
        q = p.copy()
        q[:, 1] = 2 * y0 - q[:, 1]
        out.append((ly, snap(q[::-1])))
    return out


def _flip_x(shapes: Iterable[Shape], x0: float) -> list[Shape]:
    """Mirror about the line x = x0 (the outline order reverses orientation)."""
    out = []
    for ly, p in shapes:
        q = p.copy()
        q[:, 0] = 2 * x0 - q[:, 0]
        out.append((ly, snap(q[::-1])))
    return out


def _sbend_shape(h: float, o: LayoutOptions) -> tuple[np.ndarray, float]:
    pts, dx = sbend(h, o.bend_radius, math.radians(o.max_bend_angle_deg), o.arc_tolerance)
    return pts, dx


def _dc_shapes(separation: float, lc: float, o: LayoutOptions) -> tuple[list[Shape], float]:
    """Directional coupler between arms at y = 0 and y = separation; returns (shapes, length)."""
    w = o.wg_width
    h = (separation - o.gap - w) / 2
    pts, dx = _sbend_shape(h, o)
    down, _ = _sbend_shape(-h, o)
    lower: list[Shape] = [("WG", path_polygon(pts, w))]
    if lc > 0:
        lower.append(("WG", rect(dx, h - w / 2, dx + lc, h + w / 2)))
    lower.append(("WG", path_polygon(down + (dx + lc, h), w)))
    return lower + _flip_y(lower, separation / 2), float(snap(2 * dx + lc))


def _heater_shapes(x0: float, o: LayoutOptions) -> tuple[list[Shape], list[float]]:
    """Heater on the waveguide at y = 0 from x0 + margin, a contact and a VIA1 at each end.

    Returns the shapes and the x of the two contact centres (the heater's
    **terminals**); :func:`_lead_shapes` draws their M2 leads. The stack is
    gdsfactory's generic PDK: the HEATER strip (TiN) widens to a ``contact``
    square at each end; a VIA1 square (``via_enclosure`` inside the contact)
    joins it to the M2 lead above.
    """
    xa = x0 + o.heater_margin
    xb = xa + o.heater_length
    c, e, hw = o.contact, o.via_enclosure, o.heater_width / 2
    heater = np.array([  # one polygon: strip and both contact squares (no overlapping HEATER shapes)
        [xa, -c / 2], [xa + c, -c / 2], [xa + c, -hw], [xb - c, -hw], [xb - c, -c / 2], [xb, -c / 2],
        [xb, c / 2], [xb - c, c / 2], [xb - c, hw], [xa + c, hw], [xa + c, c / 2], [xa, c / 2],
    ])
    out: list[Shape] = [("HEATER", snap(heater))]
    for xl in (xa, xb - c):  # VIA1 in each contact
        out.append(("VIA1", rect(xl + e, -c / 2 + e, xl + c - e, c / 2 - e)))
    return out, [xa + c / 2, xb - c / 2]


def lead_levels(n: int, o: LayoutOptions) -> np.ndarray:
    """y (um, cell frame) of the horizontal M2 leads of ``n`` heater terminals, below the waveguide at y = 0."""
    return -(o.contact / 2 + o.lead_spacing + o.lead_width / 2 + np.arange(n) * (o.lead_width + o.lead_spacing))


def _lead_shapes(terminals: list[float], o: LayoutOptions) -> list[Shape]:
    """M2 lead of every heater terminal: its contact square, down below the waveguide, then out to x = 0.

    The terminal k-th from the left runs at the k-th level below the
    waveguide (:func:`lead_levels`), so each lead passes below the leads of
    the terminals left of it and none cross. Each lead is one polygon ending
    on the cell's input edge (x = 0), where the chip's routing continues it
    to a bond pad (:mod:`picffm.layout.pads`).
    """
    c, lw = o.contact, o.lead_width
    out: list[Shape] = []
    for xc, y in zip(sorted(terminals), lead_levels(len(terminals), o)):
        pts = [[xc - c / 2, c / 2], [xc - c / 2, -c / 2], [xc - lw / 2, -c / 2], [xc - lw / 2, y + lw / 2],
               [0.0, y + lw / 2], [0.0, y - lw / 2], [xc + lw / 2, y - lw / 2], [xc + lw / 2, -c / 2],
               [xc + c / 2, -c / 2], [xc + c / 2, c / 2]]
        if lw == c:  # the lead is as wide as the contact: drop the two steps
            pts = [q for k, q in enumerate(pts) if k not in (1, 2, 7, 8)]
        out.append(("M2", snap(pts)))
    return out


def _section_length(o: LayoutOptions) -> float:
    return float(snap(o.heater_length + 2 * o.heater_margin))


def _wg(x0: float, x1: float, y: float, o: LayoutOptions) -> Shape:
    return ("WG", rect(x0, y - o.wg_width / 2, x1, y + o.wg_width / 2))


def _make_cell(name: str, shapes: Iterable[Shape], ports: Iterable[tuple[str, float, float, float]]) -> gdstk.Cell:
    cell = gdstk.Cell(name)
    for ly, pts in shapes:
        spec = LAYERS[ly]
        cell.add(gdstk.Polygon(pts, layer=spec.layer, datatype=spec.datatype))
    port = LAYERS["PORT"]
    for pname, x, y, angle in ports:
        cell.add(gdstk.Label(pname, (float(snap(x)), float(snap(y))), rotation=angle,
                             layer=port.layer, texttype=port.datatype))
    return cell


def _two_mode_ports(length: float, pitch: float):
    return [("o1", 0.0, 0.0, math.pi), ("o2", 0.0, pitch, math.pi),
            ("o3", length, pitch, 0.0), ("o4", length, 0.0, 0.0)]


def _one_mode_ports(length: float):
    return [("o1", 0.0, 0.0, math.pi), ("o2", length, 0.0, 0.0)]


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
        return _make_cell(f"waveguide_L{fmt(length)}", [_wg(0, length, 0, o)], _one_mode_ports(length))
    f = float(snap(footprint))
    pts, k = meander_centerline(f, length, o.bend_radius, o.arc_tolerance)
    # two polygons, split at the bottom of the bump (heading +x there), keep each under the GDSII point limit
    shapes = [("WG", path_polygon(pts[:k + 1], o.wg_width)), ("WG", path_polygon(pts[k:], o.wg_width))]
    return _make_cell(f"waveguide_L{fmt(length)}_F{fmt(f)}", shapes, _one_mode_ports(f))


def meander_extent(extra: float, radius: float) -> tuple[float, float]:
    """(footprint, depth) in um of the bump that adds ``extra`` um to a straight (:func:`meander_centerline`)."""
    theta, h = _bump_shape(extra, radius)
    return 4 * radius * math.sin(theta), 2 * radius * (1 - math.cos(theta)) + h


def _bump_shape(extra: float, r: float) -> tuple[float, float]:
    """Turn angle theta (rad) of the bump's four arcs and the length h (um) of its two legs."""
    from scipy.optimize import brentq

    full = (2 * math.pi - 4) * r  # four quarter turns, no legs
    if extra <= 0:
        return 0.0, 0.0
    if extra >= full:
        return math.pi / 2, (extra - full) / 2
    return brentq(lambda t: 4 * r * (t - math.sin(t)) - extra, 1e-9, math.pi / 2, xtol=1e-14), 0.0


def _bump_points(f: float, theta: float, h: float, r: float, tol: float) -> tuple[np.ndarray, int]:
    c, s = math.cos(theta), math.sin(theta)
    a = (f - 4 * r * s) / 2  # straight lead before and after the bump
    pts = [np.array([[0.0, 0.0], [a, 0.0]])]
    p = np.array([a, 0.0])
    a1 = arc((a, -r), r, math.pi / 2, math.pi / 2 - theta, tol)  # turn right by theta, heading down
    p = a1[-1] + h * np.array([c, -s])
    c2 = p + r * np.array([s, c])
    a2 = arc(c2, r, -math.pi / 2 - theta, -math.pi / 2, tol)  # turn left back to +x: the bottom
    bottom = a2[-1]
    a3 = arc(bottom + (0.0, r), r, -math.pi / 2, -math.pi / 2 + theta, tol)  # turn left, heading up
    p = a3[-1] + h * np.array([c, s])
    c4 = p + r * np.array([s, -c])
    a4 = arc(c4, r, math.pi / 2 + theta, math.pi / 2, tol)  # turn right back to +x
    half = np.vstack(pts + [a1, a2])
    out = np.vstack([half, a3, a4, [[f, 0.0]]])
    keep = np.ones(len(out), bool)  # consecutive duplicates (an arc starting where a lead of 0 ends) dropped
    keep[1:] = np.any(np.abs(np.diff(out, axis=0)) > 1e-12, axis=1)
    out = out[keep]
    out[-1] = (f, 0.0)  # exactly, not the last arc's rounded end
    return out, int(np.count_nonzero(keep[:len(half)])) - 1


def meander_centerline(footprint: float, length: float, radius: float, tol: float) -> tuple[np.ndarray, int]:
    """Centre line from (0, 0) to (footprint, 0), heading +x at both ends, ``length`` um long as drawn.

    A straight lead, then one bump below the line: an arc of ``radius``
    turning right by theta, a leg of h, an arc turning back to +x, the
    mirror image of the two rising again, a straight lead. Its extra length
    over the footprint is 4 r (theta - sin theta) + 2 h: theta grows from 0
    to 90 degrees (no legs) up to (2 pi - 4) r = 22.8 um at r = 10 um, then
    the legs grow. The footprint must be >= 4 r sin(theta) (4 r always
    holds one). Arcs are drawn as polygons (:func:`picffm.layout.geometry.arc`);
    theta or h is corrected until the drawn centre line is ``length`` long
    to 1e-9 um. Returns (points, index of the bump's bottom, where the
    heading is +x).
    """
    from .routing import path_length

    r, f, target = float(radius), float(footprint), float(length)
    extra = target - f
    theta, h = _bump_shape(extra, r)
    if 4 * r * math.sin(theta) > f + 1e-9:
        raise ValueError(f"a bump adding {extra:g} um needs a footprint of {4 * r * math.sin(theta):g} um, "
                         f"not {f:g}")
    for _ in range(8):  # the polygon arcs are a little longer than the true ones: correct on the drawn length
        pts, k = _bump_points(f, theta, h, r, tol)
        err = target - path_length(pts)
        if abs(err) < 1e-9:
            break
        if (h > 0 or theta >= math.pi / 2 - 1e-12) and h + err / 2 >= 0:
            h += err / 2  # the legs take the difference
        else:  # no legs: the turn angle does (d extra / d theta = 4 r (1 - cos theta))
            h = 0.0
            theta = min(math.pi / 2, theta + err / (4 * r * (1 - math.cos(theta))))
    return pts, k


def bend_cell(angle_deg: float = 90.0, o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Circular bend of ``o.bend_radius`` turning left by ``angle_deg`` (o1 at the origin, facing -x)."""
    a = math.radians(angle_deg)
    r = o.bend_radius
    pts = arc((0.0, r), r, -math.pi / 2, -math.pi / 2 + a, o.arc_tolerance)
    end = pts[-1]
    return _make_cell(f"bend_R{fmt(r)}_A{fmt(angle_deg)}", [("WG", path_polygon(pts, o.wg_width))],
                      [("o1", 0.0, 0.0, math.pi), ("o2", end[0], end[1], a)])


def coupler_cell(lc: float, o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Directional coupler on a mode pair: S-bends from the pitch to the gap, coupling length ``lc``."""
    shapes, length = _dc_shapes(o.pitch, float(snap(lc)), o)
    return _make_cell(f"coupler_Lc{fmt(lc)}", shapes, _two_mode_ports(length, o.pitch))


def phase_shifter_cell(o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """Thermo-optic phase shifter: heater over the waveguide, its two M2 leads out to the input edge below it."""
    ls = _section_length(o)
    heater, terms = _heater_shapes(0.0, o)
    shapes = [_wg(0, ls, 0, o)] + heater + _lead_shapes(terms, o)
    return _make_cell("phase_shifter", shapes, _one_mode_ports(ls))


def mzi_cell(lc1: float, lc2: float, o: LayoutOptions = LayoutOptions(), mirror: bool = False) -> gdstk.Cell:
    """MZI ``C(k2) P(theta) C(k1) P(phi)``: heater phi, coupler lc1, heater theta, coupler lc2.

    ``mirror=True`` draws the mirror image (``mirror: true`` in the netlist,
    the transposed matrix): the same geometry reflected left-right, heater
    phi at the output side. Its ports keep the netlist names where they are
    (``o1``, ``o2`` on the left, ``o3``, ``o4`` on the right), so the cell
    (named ``mzi_Lc{lc1}_{lc2}_mirror``) can be placed in any orientation and
    read back unambiguously.
    """
    p, ls = o.pitch, _section_length(o)
    shapes: list[Shape] = []
    terms: list[float] = []
    x = 0.0
    for lc in (lc1, lc2):
        heater, t = _heater_shapes(x, o)
        shapes += [_wg(x, x + ls, 0, o), _wg(x, x + ls, p, o)] + heater
        terms += t
        dc, dl = _dc_shapes(p, float(snap(lc)), o)
        shapes += _translate(dc, x + ls)
        x = float(snap(x + ls + dl))
    shapes += _lead_shapes(terms, o)
    name = f"mzi_Lc{fmt(lc1)}_{fmt(lc2)}"
    if mirror:
        shapes, name = _flip_x(shapes, x / 2), name + "_mirror"
    return _make_cell(name, shapes, _two_mode_ports(x, p))


def attenuator_cell(lc1: float, lc2: float, o: LayoutOptions = LayoutOptions()) -> gdstk.Cell:
    """MZI variable attenuator on one mode, then an output phase shifter.

    The mode's waveguide is row 0 of an MZI whose second arm runs
    ``attenuator_offset`` above it and ends in tapered terminators; heater
    theta sits on the mode's own arm (between the couplers), heater psi after
    the second coupler. Both heaters' leads run below the mode to the input edge.
    """
    d, ls, w = o.attenuator_offset, _section_length(o), o.wg_width
    t = float(snap(o.terminator_length + 2.0))
    tip = o.terminator_tip

    def taper(xa: float, xb: float, wa: float, wb: float) -> Shape:
        return ("WG", snap([[xa, d - wa / 2], [xb, d - wb / 2], [xb, d + wb / 2], [xa, d + wa / 2]]))

    shapes: list[Shape] = [_wg(0, t, 0, o), taper(1.0, t, tip, w)]
    dc1, l1 = _dc_shapes(d, float(snap(lc1)), o)
    shapes += _translate(dc1, t)
    x = float(snap(t + l1))
    heater, terms = _heater_shapes(x, o)
    shapes += [_wg(x, x + ls, 0, o), _wg(x, x + ls, d, o)] + heater
    x = float(snap(x + ls))
    dc2, l2 = _dc_shapes(d, float(snap(lc2)), o)
    shapes += _translate(dc2, x)
    x = float(snap(x + l2))
    shapes += [_wg(x, x + t, 0, o), taper(x, x + t - 1.0, w, tip)]
    x = float(snap(x + t))
    heater, t = _heater_shapes(x, o)
    shapes += [_wg(x, x + ls, 0, o)] + heater + _lead_shapes(terms + t, o)
    x = float(snap(x + ls))
    return _make_cell(f"attenuator_Lc{fmt(lc1)}_{fmt(lc2)}", shapes, _one_mode_ports(x))


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
        _wg(-stub, 0.0, 0, o),
        ("WG", snap(np.vstack([[[-stub, -w / 2], [-stub, w / 2]], taper_arc]))),
    ]
    etch = o.gc_period * (1 - o.gc_fill)
    for k in range(o.gc_teeth):
        ri = r0 + k * o.gc_period + etch
        ro = r0 + (k + 1) * o.gc_period
        inner = arc((apex, 0.0), ri, math.pi + th, math.pi - th, o.arc_tolerance)
        outer = arc((apex, 0.0), ro, math.pi - th, math.pi + th, o.arc_tolerance)
        tooth = _ccw(np.vstack([inner, outer]))
        tooth = pointed_end(tooth, len(tooth) - 1, _TOOTH_BULGE)
        tooth = pointed_end(tooth, len(inner) - 1, _TOOTH_BULGE)
        shapes.append(("WG", snap(tooth)))
    return _make_cell("grating_coupler", shapes, [("o1", 0.0, 0.0, 0.0)])


# -------------------------------------------------------------------- ports


def cell_ports(cell: gdstk.Cell) -> dict[str, tuple[float, float, float]]:
    """Ports of a cell from its PORT-layer labels: name -> (x, y, angle)."""
    port = LAYERS["PORT"]
    return {
        lb.text: (float(lb.origin[0]), float(lb.origin[1]), float(lb.rotation))
        for lb in cell.labels
        if lb.layer == port.layer and lb.texttype == port.datatype
    }
