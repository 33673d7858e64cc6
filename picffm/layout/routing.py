"""Waveguide routes between two ports: straight, S-bend, L-turn, U-turn.

Pure geometry (um, numpy). A port is a position and the unit direction in
which light *leaves* its cell through it (an axis direction: cells are
placed at multiples of 90 degrees). A route's centre line starts at port A
heading out of A and ends at port B heading into B; every bend is a circular
arc of ``bend_radius`` (so the DRC bend-radius rule holds whenever the
options do). Which route is drawn follows from the two directions:

==================  ==========================================================
directions          route
==================  ==========================================================
facing, aligned     straight
facing, offset      S-bend (two arcs of at most ``max_bend_angle_deg``,
                    straight leads before and after it)
perpendicular       L-turn: one 90 degree arc at the corner
same direction      U-turn (a ring's feedback path): out beyond the farther
                    port by one radius, a 90 degree arc, across, a 90
                    degree arc, back into the other port
==================  ==========================================================

Geometry that cannot be routed with these (ports too close for the bends,
ports facing away from each other) raises :class:`RouteError` saying what
distance is missing; the caller names the connection.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import LayoutError
from .geometry import arc, sbend, snap

__all__ = ["RouteError", "route_centerline", "route_kind", "path_length"]

_EPS = 1e-6  # um: below the 1 nm grid


class RouteError(LayoutError):
    """Two ports that cannot be joined by the routes this module draws."""


def path_length(points) -> float:
    """Length (um) of a centre line: the sum of its segments (arcs as their chords)."""
    p = np.asarray(points, float)
    if len(p) < 2:
        return 0.0
    d = np.diff(p, axis=0)
    return float(np.sum(np.hypot(d[:, 0], d[:, 1])))


def _unit(d) -> np.ndarray:
    d = np.asarray(d, float)
    n = math.hypot(d[0], d[1])
    u = np.round(d / n)
    if n == 0 or abs(abs(u[0]) + abs(u[1]) - 1) > 0 or np.hypot(*(d / n - u)) > 1e-6:
        raise RouteError(f"port direction {tuple(d)} is not along x or y")
    return u + 0.0


def route_kind(da, db) -> str:
    """'facing', 'same' or 'perpendicular' for port directions da, db."""
    a, b = _unit(da), _unit(db)
    dot = float(a @ b)
    return "facing" if dot < -0.5 else "same" if dot > 0.5 else "perpendicular"


def _rounded(way: np.ndarray, radius: float, tol: float) -> np.ndarray:
    """Axis-parallel waypoints with every corner replaced by a 90 degree arc of ``radius``."""
    pts = [way[0]]
    for k in range(1, len(way) - 1):
        u = way[k] - way[k - 1]
        w = way[k + 1] - way[k]
        u, w = u / np.hypot(*u), w / np.hypot(*w)
        start, end = way[k] - radius * u, way[k] + radius * w
        centre = start + radius * w
        a0 = math.atan2(start[1] - centre[1], start[0] - centre[0])
        turn = math.copysign(math.pi / 2, u[0] * w[1] - u[1] * w[0])
        pts.extend(arc(centre, radius, a0, a0 + turn, tol))
    pts.append(way[-1])
    return np.asarray(pts, float)


def route_centerline(pa, da, pb, db, bend_radius: float, max_bend_angle_deg: float = 45.0,
                     tol: float = 1e-3) -> np.ndarray:
    """Centre line (k, 2) of a waveguide from port A (pa, leaving along da) to port B (pb, leaving along db).

    The first point is exactly ``pa`` and the last exactly ``pb``; see the
    module docstring for the shapes. Raises :class:`RouteError` if the ports
    are too close for the bends or face away from each other.
    """
    pa, pb = np.asarray(pa, float), np.asarray(pb, float)
    u, ub = _unit(da), _unit(db)
    v = np.array([-u[1], u[0]])  # left of the direction of travel
    d = pb - pa
    f, h = float(d @ u), float(d @ v)  # ahead, to the left (in A's frame)
    r = bend_radius
    if abs(f) < _EPS:
        f = 0.0
    if abs(h) < _EPS:
        h = 0.0

    def world(local: np.ndarray) -> np.ndarray:
        return pa + np.outer(local[:, 0], u) + np.outer(local[:, 1], v)

    kind = route_kind(u, ub)
    if kind == "facing":
        if f <= 0:
            raise RouteError(f"the ports face away from each other ({-f:g} um behind); a route would need "
                             "four bends: move or rotate an instance so that they face each other")
        if h == 0:
            line = np.array([[0.0, 0.0], [f, 0.0]])
        else:
            s, dx = sbend(h, r, math.radians(max_bend_angle_deg), tol)
            if dx > f + _EPS:
                raise RouteError(f"the ports are {f:g} um apart along the route and {abs(h):g} um apart across "
                                 f"it; an S-bend of radius {r:g} um needs {dx:g} um: move them apart")
            lead = float(snap((f - dx) / 2))
            line = np.vstack([[[0.0, 0.0]], s + (lead, 0.0), [[f, h]]])
    elif kind == "same":
        if abs(h) < 2 * r - _EPS:
            raise RouteError(f"the ports face the same way {abs(h):g} um apart; a U-turn of two bends of radius "
                             f"{r:g} um needs >= {2 * r:g} um between them")
        t = max(0.0, f) + r
        line = _rounded(np.array([[0.0, 0.0], [t, 0.0], [t, h], [f, h]]), r, tol)
    else:  # perpendicular: one corner where A's line meets B's line
        back = float(-(d @ ub))  # how far the corner lies out of B along db
        if f < r - _EPS or back < r - _EPS:
            raise RouteError(f"the ports are at right angles and the corner lies {f:g} um ahead of the first "
                             f"and {back:g} um ahead of the second; one bend of radius {r:g} um needs >= {r:g} "
                             "um on both")
        line = _rounded(np.array([[0.0, 0.0], [f, 0.0], [f, h]]), r, tol)
    out = world(line)
    out[0], out[-1] = pa, pb
    return out
