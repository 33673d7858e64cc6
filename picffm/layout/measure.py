"""Measurements of single polygons and segments: width between facing edges, radius of curved edge runs, distances.

Pure numpy on (k, 2) vertex arrays in um; polygons may be given in either
orientation. The design-rule check (:mod:`picffm.layout.drc`) compares these
figures with the rules.
"""

from __future__ import annotations

import math

import numpy as np

from .boxpairs import box_pairs
from .geometry import ccw

__all__ = ["polygon_width", "edge_radius", "point_seg", "seg_seg", "segments_cross", "TOUCH", "TOL"]

TOUCH = 2e-4  # um: polygons closer than this touch (same shape)
TOL = 5e-4  # um: measurement tolerance (half the 1 nm grid)
_CORNER = math.radians(20.0)


def point_seg(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from points p to segments ab (broadcast) and the closest points."""
    d = b - a
    dd = np.sum(d * d, axis=-1)
    t = np.clip(np.sum((p - a) * d, axis=-1) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    q = a + t[..., None] * d
    return np.sqrt(np.sum((p - q) ** 2, axis=-1)), q


def polygon_width(points, reach: float = math.inf) -> tuple[float, tuple[float, float]]:
    """Narrowest width of a polygon and where: the smallest distance between two
    facing edges (directions more than 120 degrees apart), measured through the
    polygon's inside. Only widths below ``reach`` are looked for; returns
    (inf, ...) if there is none."""
    p = ccw(np.asarray(points, float))
    a, b = p, np.roll(p, -1, axis=0)
    d = b - a
    ln = np.hypot(d[:, 0], d[:, 1])
    ok = ln > 1e-9
    a, b, d, ln = a[ok], b[ok], d[ok], ln[ok]
    u = d / ln[:, None]
    if math.isinf(reach):
        i, j = np.triu_indices(len(a), 1)
    else:
        i, j = box_pairs(np.column_stack([np.minimum(a, b), np.maximum(a, b)]), reach)
    facing = np.sum(u[i] * u[j], axis=1) < -0.5
    i, j = i[facing], j[facing]
    if i.size == 0:
        return math.inf, (float(p[0, 0]), float(p[0, 1]))
    dist, pi_, qj = seg_seg(a[i], b[i], a[j], b[j])
    # inside: the point on j lies left of edge i and the point on i left of edge j (CCW polygon)
    left_i = u[i][None, :, 0] * (qj[..., 1] - a[i][None, :, 1]) - u[i][None, :, 1] * (qj[..., 0] - a[i][None, :, 0])
    left_j = u[j][None, :, 0] * (pi_[..., 1] - a[j][None, :, 1]) - u[j][None, :, 1] * (pi_[..., 0] - a[j][None, :, 0])
    valid = (left_i > -TOL) & (left_j > -TOL) & (dist > TOUCH)
    if not valid.any():
        return math.inf, (float(p[0, 0]), float(p[0, 1]))
    dist = np.where(valid, dist, np.inf)
    k = np.unravel_index(np.argmin(dist), dist.shape)
    mid = (pi_[k] + qj[k]) / 2
    return float(dist[k]), (float(mid[0]), float(mid[1]))


def seg_seg(a1, a2, b1, b2):
    """The four end-point-to-segment distances of segment pairs (a, b): arrays
    (4, k) of distances, points on a, points on b."""
    out_d, out_p, out_q = [], [], []
    for pp, sa, sb, on_a in ((a1, b1, b2, True), (a2, b1, b2, True), (b1, a1, a2, False), (b2, a1, a2, False)):
        dist, q = point_seg(pp, sa, sb)
        out_d.append(dist)
        out_p.append(pp if on_a else q)
        out_q.append(q if on_a else pp)
    return np.stack(out_d), np.stack(out_p), np.stack(out_q)


def segments_cross(a1, a2, b1, b2) -> np.ndarray:
    def cross(o, p, q):
        return (p[..., 0] - o[..., 0]) * (q[..., 1] - o[..., 1]) - (p[..., 1] - o[..., 1]) * (q[..., 0] - o[..., 0])
    d1, d2 = cross(b1, b2, a1), cross(b1, b2, a2)
    d3, d4 = cross(a1, a2, b1), cross(a1, a2, b2)
    return (d1 * d2 < 0) & (d3 * d4 < 0)


def edge_radius(points) -> tuple[float, tuple[float, float]]:
    """Smallest radius of curvature over the smoothly curved edge runs of a polygon.

    A run is a stretch of at least three consecutive vertices turning the same
    way by less than 20 degrees each, cut where an edge is more than 3 times
    the run's median edge (a straight between two arcs turning the same way,
    as in a U-turn, is not part of a bend); its radius is its length over its
    turn. Returns (inf, ...) for polygons without curved runs.
    """
    p = np.asarray(points, float)
    keep = np.any(np.abs(p - np.roll(p, 1, axis=0)) > 1e-9, axis=1)
    p = p[keep]
    n = len(p)
    if n < 5:
        return math.inf, (0.0, 0.0)
    e_in = p - np.roll(p, 1, axis=0)
    e_out = np.roll(p, -1, axis=0) - p
    turn = np.arctan2(e_in[:, 0] * e_out[:, 1] - e_in[:, 1] * e_out[:, 0], np.sum(e_in * e_out, axis=1))
    chord = np.hypot(e_out[:, 0], e_out[:, 1])  # chord from vertex k to k+1
    sign = np.where(np.abs(turn) < 1e-7, 0, np.sign(turn)).astype(int)
    smooth = (sign != 0) & (np.abs(turn) < _CORNER)
    key = np.where(smooth, sign, 0)
    if not smooth.any():
        return math.inf, (0.0, 0.0)
    # rotate so that the sequence starts at a break (a non-smooth vertex or a sign change)
    brk = np.flatnonzero(key != np.roll(key, 1))
    start = int(brk[0]) if brk.size else 0
    idx = np.roll(np.arange(n), -start)
    key_r = key[idx]
    best = (math.inf, (0.0, 0.0))
    bounds = np.flatnonzero(np.diff(np.concatenate([[0], (key_r != 0).astype(int), [0]])) != 0)
    for s, e in zip(bounds[:-1:2], bounds[1::2]):
        seg = idx[s:e]
        # split runs where the sign changes
        sub = np.split(seg, np.flatnonzero(np.diff(key[seg]) != 0) + 1)
        sub = [piece for run in sub for piece in _split_long(run, chord)]
        for run in sub:
            if len(run) < 3:
                continue
            total_turn = np.sum(np.abs(turn[run[1:-1]]))
            length = np.sum(chord[run[:-1]]) - 0.5 * (chord[run[0]] + chord[run[-2]])
            if total_turn <= 0:
                continue
            r = length / total_turn
            if r < best[0]:
                mid = p[run[len(run) // 2]]
                best = (float(r), (float(mid[0]), float(mid[1])))
    return best


def _split_long(run: np.ndarray, chord: np.ndarray) -> list[np.ndarray]:
    """Cut a run of vertices at edges more than 3 times its median edge (straights between arcs)."""
    if len(run) < 3:
        return [run]
    c = chord[run[:-1]]  # edge from run[i] to run[i + 1]
    cut = np.flatnonzero(c > 3.0 * np.median(c))
    return np.split(run, cut + 1) if cut.size else [run]
