"""Plane geometry for the cells and routes: arcs, S-bends, waveguide outlines.

Pure numpy; lengths in um, angles in rad. Every coordinate that ends in a GDS
is snapped to the 1 nm database grid (:func:`snap`), so polygons that are
meant to abut share their end points exactly.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GRID", "GDS_LIMIT_UM", "check_gds_extent", "snap", "arc", "sbend", "path_polygon", "rect", "orientation", "ref_matrix",
           "quarter_turns", "reference_transform", "placed_center",
           "MAX_ARC_SEGMENTS", "pointed_end", "ccw"]

GRID = 1e-3  # um: the GDS database unit (1 nm)
#: um: GDSII stores every coordinate as a signed 32-bit integer of database units, so nothing
#: can lie further than (2**31 - 1) nm = 2147.483647 mm from the origin (beyond it the value wraps)
GDS_LIMIT_UM = (2**31 - 1) * GRID


#: what to change when a chip placed from a schedule is too large (its pad rows set its width)
PAD_HINT = ("draw fewer pad columns (a wider pad_pitch with more pad_rows, e.g. pad_pitch 300, pad_rows 48, "
            "lead_width 2) or a smaller circuit")
#: what to change when a chip drawn from a netlist's placements is too large
PLACEMENT_HINT = "move the netlist's placements (x, y in um) closer to the origin"


def check_gds_extent(x0: float, y0: float, x1: float, y1: float, what: str = "the chip",
                     hint: str = PAD_HINT) -> None:
    """Refuse a box (um) that GDSII cannot store at 1 nm: its coordinates would wrap around silently.

    Raises :class:`~picffm.errors.LayoutError` naming the size and ``hint``, what to change.
    """
    from ..errors import LayoutError

    far = max(abs(x0), abs(y0), abs(x1), abs(y1))
    if far > GDS_LIMIT_UM:
        raise LayoutError(
            f"{what} would be {(x1 - x0) / 1e3:.1f} x {(y1 - y0) / 1e3:.1f} mm, reaching {far / 1e3:.1f} mm from "
            f"the origin; GDSII stores coordinates as 32-bit integers of 1 nm, at most {GDS_LIMIT_UM / 1e3:.3f} mm "
            f"(beyond that they wrap around): {hint}")
MAX_ARC_SEGMENTS = 44  # keeps every routed waveguide polygon under the GDSII 199-point limit


def snap(a) -> np.ndarray:
    """Round coordinates to the 1 nm grid."""
    return np.round(np.asarray(a, dtype=float), 3) + 0.0  # + 0.0 turns -0.0 into 0.0


def _segments(angle: float, radius: float, tol: float) -> int:
    step = 2.0 * math.acos(max(-1.0, 1.0 - tol / radius))
    return int(min(MAX_ARC_SEGMENTS, max(2, math.ceil(abs(angle) / step))))


def arc(center, radius: float, a0: float, a1: float, tol: float) -> np.ndarray:
    """Points of the arc of ``radius`` about ``center`` from angle a0 to a1, ending on its true tangents.

    The polygon is the one whose edges are tangent to the circle at ``n + 1``
    equally spaced angles (``n`` steps of delta): the end points lie on the
    arc at a0 and a1, the interior vertices at the half steps, at radius
    ``radius / cos(delta/2)``. So the first and last edges run exactly along
    the arc's end tangents: a straight that continues the arc continues its
    last edge, its outline (:func:`path_polygon`) ends square to the true
    tangent, and an arc cut off by a radial edge (a grating tooth) meets it at
    90 degrees. Every edge stays within ``tol`` of the true arc.
    """
    n = _segments(a1 - a0, radius, tol)
    step = (a1 - a0) / n
    t = np.concatenate([[a0], a0 + step * (np.arange(n) + 0.5), [a1]])
    r = np.full(n + 2, float(radius))
    r[1:-1] /= math.cos(step / 2)
    return np.column_stack([center[0] + r * np.cos(t), center[1] + r * np.sin(t)])


def sbend(h: float, radius: float, max_angle: float, tol: float) -> tuple[np.ndarray, float]:
    """Centre line of an S-bend from (0, 0) to (dx, h), heading +x at both ends.

    Two arcs of ``radius`` turning by alpha, joined by a straight at angle
    alpha when |h| needs more than ``max_angle``. Returns (points, dx); dx is
    snapped to the grid and the last point is exactly (dx, h).
    """
    if h == 0:
        return np.array([[0.0, 0.0]]), 0.0
    s = math.copysign(1.0, h)
    a = abs(h)
    alpha = math.acos(max(-1.0, 1.0 - a / (2 * radius)))
    straight = 0.0
    if alpha > max_angle:
        alpha = max_angle
        straight = (a - 2 * radius * (1 - math.cos(alpha))) / math.sin(alpha)
    dx = 2 * radius * math.sin(alpha) + straight * math.cos(alpha)
    first = arc((0.0, radius), radius, -math.pi / 2, -math.pi / 2 + alpha, tol)
    second = arc((dx, a - radius), radius, math.pi / 2 + alpha, math.pi / 2, tol)
    pts = np.vstack([first, second])
    pts[:, 1] *= s
    dx = float(snap(dx))
    pts[-1] = (dx, h)
    return pts, dx


def path_polygon(points, width: float) -> np.ndarray:
    """Outline (counter-clockwise) of a waveguide of ``width`` along a centre line.

    Mitred joins: at an interior vertex the edges sit on the bisector at
    ``width/2 / cos(half turn)``, so the edges of a discretised arc are again
    discretised concentric arcs. Consecutive duplicate points are dropped.
    """
    p = np.asarray(points, dtype=float)
    keep = np.ones(len(p), bool)
    keep[1:] = np.any(np.abs(np.diff(p, axis=0)) > 1e-9, axis=1)
    p = p[keep]
    if len(p) < 2:
        raise ValueError("a path needs two distinct points")
    d = np.diff(p, axis=0)
    d /= np.hypot(d[:, 0], d[:, 1])[:, None]
    n = np.column_stack([-d[:, 1], d[:, 0]])  # left normals of the segments
    m = np.empty_like(p)
    m[0], m[-1] = n[0], n[-1]
    if len(p) > 2:
        s = n[:-1] + n[1:]
        m[1:-1] = s / (1.0 + np.sum(n[:-1] * n[1:], axis=1))[:, None]
    half = width / 2
    right = p - half * m
    left = p + half * m
    return snap(np.vstack([right, left[::-1]]))


def pointed_end(points, k: int, bulge: float) -> np.ndarray:
    """Replace the straight edge from vertex k to k+1 by two edges through its midpoint pushed out by ``bulge`` um.

    A right-angled corner between an arc's end tangent and a straight edge
    (the end of a grating tooth) can come out a fraction of a degree acute
    once both are snapped to the grid, which a width check flags; pushing the
    end edge's middle outwards makes both corners obtuse by atan(2 bulge /
    edge length), a margin the grid cannot undo.
    """
    p = np.asarray(points, float)
    a, b = p[k], p[(k + 1) % len(p)]
    d = b - a
    mid = (a + b) / 2 + bulge * np.array([d[1], -d[0]]) / math.hypot(d[0], d[1])  # right of a -> b: outside (CCW)
    return np.insert(p, k + 1, mid, axis=0)


def ccw(p: np.ndarray) -> np.ndarray:
    """The outline ``p`` (k, 2) counter-clockwise: as given, or reversed if its signed area is negative."""
    area = np.dot(p[:, 0], np.roll(p[:, 1], -1)) - np.dot(p[:, 1], np.roll(p[:, 0], -1))
    return p if area >= 0 else p[::-1]


def rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Axis-aligned rectangle, counter-clockwise."""
    return snap([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def orientation(mirror: bool, flip: bool) -> tuple[float, bool]:
    """gdstk (rotation, x_reflection) of a cell drawn mirrored left-right and/or flipped up-down.

    The reference origin then goes at the cell's (x0 + length if mirror,
    y_top if flip) corner so that the cell again spans [x0, x0 + length].
    """
    if mirror and flip:
        return math.pi, False
    if mirror:
        return math.pi, True
    if flip:
        return 0.0, True
    return 0.0, False


def quarter_turns(rotation: float) -> int | None:
    """``rotation`` (rad) as a number of quarter turns in 0..3, or None if it is not a multiple of 90 degrees."""
    q = rotation / (math.pi / 2)
    return int(round(q)) % 4 if abs(q - round(q)) <= 1e-9 else None


def ref_matrix(rotation: float, x_reflection: bool = False, magnification: float = 1.0) -> np.ndarray:
    """2x2 matrix of a gdstk reference: reflect y -> -y first (``x_reflection``), scale, then rotate (rad).

    A multiple of 90 degrees gives exact 0 and +-1 entries (in floating point
    cos(pi/2) is 6e-17, which would move a placed point off the grid); any
    other angle has its entries rounded to 1e-12. This is the one transform
    of a placed cell that layout, checks and export all use.
    """
    k = quarter_turns(rotation)
    if k is not None:
        c, s = (1.0, 0.0, -1.0, 0.0)[k], (0.0, 1.0, 0.0, -1.0)[k]
    else:
        c, s = round(math.cos(rotation), 12), round(math.sin(rotation), 12)
    m = np.array([[c, -s], [s, c]]) * float(magnification)
    if x_reflection:
        m[:, 1] = -m[:, 1]
    return m + 0.0


def reference_transform(ref) -> tuple[np.ndarray, np.ndarray]:
    """(matrix, origin) of a gdstk Reference: a point p of its cell lands at ``matrix @ p + origin`` (um)."""
    return ref_matrix(ref.rotation, ref.x_reflection, ref.magnification or 1.0), np.asarray(ref.origin, float)


def placed_center(bbox, rotation: float, x_reflection: bool, origin, magnification: float = 1.0) -> tuple[float, float]:
    """Centre (um, on the 1 nm grid) of a cell's bounding box ``((x0, y0), (x1, y1))`` placed by a reference.

    For a quarter turn without magnification (every reference picffm draws)
    it is computed in integer database units: twice the centre is an exact
    integer, and a centre half-way between two grid points (a box an odd
    number of nm wide) goes away from zero, as gdstk (``llround``) and KLayout
    round a coordinate to the database grid. So the answer does not depend on
    floating-point noise or on the order of rounding, and the layout writer
    (which puts each instance's name label there) and the extractor (which
    looks for it there) agree exactly. Any other reference is computed in
    floating point and rounded to the grid.
    """
    k = quarter_turns(rotation)
    if k is None or abs(float(magnification) - 1.0) > 1e-12:
        lo, hi = np.asarray(bbox, float)
        c = ref_matrix(rotation, x_reflection, magnification) @ ((lo + hi) / 2) + np.asarray(origin, float)
        return (round(float(c[0]), 3) + 0.0, round(float(c[1]), 3) + 0.0)
    (x0, y0), (x1, y1) = bbox
    sx = round(float(x0) / GRID) + round(float(x1) / GRID)  # twice the centre, Python ints: exact
    sy = round(float(y0) / GRID) + round(float(y1) / GRID)
    if x_reflection:
        sy = -sy
    c, s = (1, 0, -1, 0)[k], (0, 1, 0, -1)[k]
    tx = c * sx - s * sy + 2 * round(float(origin[0]) / GRID)
    ty = s * sx + c * sy + 2 * round(float(origin[1]) / GRID)
    x, y = ((abs(v) + 1) // 2 * (1 if v >= 0 else -1) for v in (int(tx), int(ty)))  # halves away from zero
    return (round(x * GRID, 3) + 0.0, round(y * GRID, 3) + 0.0)
