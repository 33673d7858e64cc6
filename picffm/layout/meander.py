"""The centre line of a waveguide longer than its footprint: one bump of four arcs (and two legs) below the line.

Pure geometry in um; :func:`~picffm.layout.cells.waveguide_cell` draws it.
"""

from __future__ import annotations

import math

import numpy as np

from .geometry import arc

__all__ = ["meander_centerline", "meander_extent"]


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
