"""Design-rule check: minimum width, spacing, notch and bend radius per layer; vertices on the grid.

Rules come from :mod:`picffm.layout.rules`. The check is hierarchical, so an
N = 64 mesh (2016 references to one MZI cell) takes a fraction of a second:

* every cell's own polygons are checked once: **width** of each polygon
  (distance between facing edges, measured through the polygon), **bend
  radius** of each smoothly curved edge run, **spacing** between polygons of
  one layer that neither touch nor overlap;
* in a cell with references (the top cell), every pair of placed objects
  (references, own polygons) whose bounding boxes come within the spacing
  rule is checked polygon against polygon, in the first object's frame; pairs
  with the same relative geometry are checked once (a regular mesh repeats a
  handful of configurations thousands of times).

Touching or overlapping polygons form one shape: they are not checked for
spacing against each other but for **notches** (two of their edges facing
each other across empty space closer than the spacing rule: a crack where two
polygons were meant to join); width is checked per polygon. Every vertex and
reference origin must lie on the 1 nm grid, and references may only turn by
multiples of 90 degrees (**off_grid**). Edge runs of fewer
than three vertices, or turning by more than 20 degrees at one vertex, are
corners, not bends. Polygons on layers outside the layer map are reported.
Every violation carries the coordinates (um, top-cell frame) of the spot.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import gdstk
import numpy as np

from ..errors import LayoutError
from .geometry import GRID
from .layers import layer_of
from .rules import DEFAULT_RULES, Rules

__all__ = ["Violation", "DrcReport", "check_drc", "polygon_width", "edge_spacing", "edge_radius", "touching"]

_TOUCH = 2e-4  # um: polygons closer than this touch (same shape)
_TOL = 5e-4  # um: measurement tolerance (half the 1 nm grid)
_CORNER = math.radians(20.0)
_LONGEST_EDGE = 50.0  # um: longer edges are cut into pieces for the pair search
_SWEEP_ONLY = 4096  # fewer boxes than this: a plain x sweep beats the binned one
_GRID_TOL = 1e-6  # um: a vertex further than this from the 1 nm grid is off it


@dataclass(frozen=True)
class Violation:
    """One rule violation at (x, y) um in the top cell's frame."""

    rule: str  # "width", "spacing", "notch", "off_grid", "bend_radius" or "layer"
    layer: str
    x: float
    y: float
    value: float
    limit: float
    cell: str

    def __str__(self) -> str:
        where = f"at ({self.x:.3f}, {self.y:.3f}) um"
        if self.rule == "layer":
            return f"polygon on layer {self.layer}, which is not in the layer map, {where} (cell {self.cell})"
        if self.rule == "off_grid":
            return (f"{self.layer} vertex off the {self.limit * 1e3:g} nm grid by {self.value * 1e3:.3g} nm {where} "
                    f"(cell {self.cell})")
        what = {"width": "width", "spacing": "spacing", "notch": "notch (gap inside one shape)",
                "bend_radius": "edge radius"}[self.rule]
        return (f"{self.layer} {what} {self.value:.3f} um < {self.limit:g} um {where} "
                f"(cell {self.cell})")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DrcReport:
    """Result of :func:`check_drc`."""

    violations: tuple[Violation, ...]
    cells: int
    polygons: int
    pairs: int

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        if self.ok:
            return f"DRC clean ({self.cells} cells, {self.polygons} polygons, {self.pairs} placement pairs)"
        lines = [f"DRC: {len(self.violations)} violation(s)"]
        lines += [f"  {v}" for v in self.violations[:20]]
        if len(self.violations) > 20:
            lines.append(f"  ... and {len(self.violations) - 20} more")
        return "\n".join(lines)

    def to_dict(self, limit: int = 100) -> dict:
        return {"ok": self.ok, "violations": len(self.violations), "cells": self.cells,
                "polygons": self.polygons, "pairs": self.pairs,
                "first": [v.to_dict() for v in self.violations[:limit]]}


# ------------------------------------------------------------ measurements


def _ccw(p: np.ndarray) -> np.ndarray:
    x, y = p[:, 0], p[:, 1]
    area = np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))
    return p if area >= 0 else p[::-1]


def _point_seg(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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
    p = _ccw(np.asarray(points, float))
    a, b = p, np.roll(p, -1, axis=0)
    d = b - a
    ln = np.hypot(d[:, 0], d[:, 1])
    ok = ln > 1e-9
    a, b, d, ln = a[ok], b[ok], d[ok], ln[ok]
    u = d / ln[:, None]
    if math.isinf(reach):
        i, j = np.triu_indices(len(a), 1)
    else:
        i, j = _pairs(np.column_stack([np.minimum(a, b), np.maximum(a, b)]), reach)
    facing = np.sum(u[i] * u[j], axis=1) < -0.5
    i, j = i[facing], j[facing]
    if i.size == 0:
        return math.inf, (float(p[0, 0]), float(p[0, 1]))
    dist, pi_, qj = _seg_seg(a[i], b[i], a[j], b[j])
    # inside: the point on j lies left of edge i and the point on i left of edge j (CCW polygon)
    left_i = u[i][None, :, 0] * (qj[..., 1] - a[i][None, :, 1]) - u[i][None, :, 1] * (qj[..., 0] - a[i][None, :, 0])
    left_j = u[j][None, :, 0] * (pi_[..., 1] - a[j][None, :, 1]) - u[j][None, :, 1] * (pi_[..., 0] - a[j][None, :, 0])
    valid = (left_i > -_TOL) & (left_j > -_TOL) & (dist > _TOUCH)
    if not valid.any():
        return math.inf, (float(p[0, 0]), float(p[0, 1]))
    dist = np.where(valid, dist, np.inf)
    k = np.unravel_index(np.argmin(dist), dist.shape)
    mid = (pi_[k] + qj[k]) / 2
    return float(dist[k]), (float(mid[0]), float(mid[1]))


def _seg_seg(a1, a2, b1, b2):
    """The four end-point-to-segment distances of segment pairs (a, b): arrays
    (4, k) of distances, points on a, points on b."""
    out_d, out_p, out_q = [], [], []
    for pp, sa, sb, on_a in ((a1, b1, b2, True), (a2, b1, b2, True), (b1, a1, a2, False), (b2, a1, a2, False)):
        dist, q = _point_seg(pp, sa, sb)
        out_d.append(dist)
        out_p.append(pp if on_a else q)
        out_q.append(q if on_a else pp)
    return np.stack(out_d), np.stack(out_p), np.stack(out_q)


def _segments_cross(a1, a2, b1, b2) -> np.ndarray:
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


# --------------------------------------------------------------- hierarchy


@dataclass
class _Shapes:
    """Polygons of one cell (own or flattened), grouped by layer name."""

    polys: dict  # layer -> list[np.ndarray]
    boxes: dict  # layer -> (k, 4) array xmin, ymin, xmax, ymax
    unknown: list  # (layer/datatype, x, y)

    @classmethod
    def of(cls, polygons) -> "_Shapes":
        polys: dict[str, list] = {}
        unknown = []
        for pg in polygons:
            ly = layer_of(pg.layer, pg.datatype)
            if ly is None:
                unknown.append((f"{pg.layer}/{pg.datatype}", float(pg.points[0, 0]), float(pg.points[0, 1])))
                continue
            polys.setdefault(ly.name, []).append(np.asarray(pg.points, float))
        boxes = {k: np.array([[*v.min(0), *v.max(0)] for v in lst]) for k, lst in polys.items()}
        return cls(polys, boxes, unknown)


def _matrix(ref) -> tuple[np.ndarray, np.ndarray]:
    c, s = math.cos(ref.rotation), math.sin(ref.rotation)
    m = np.array([[c, -s], [s, c]]) * (ref.magnification or 1.0)
    if ref.x_reflection:
        m = m @ np.diag([1.0, -1.0])
    return np.round(m, 12), np.asarray(ref.origin, float)


def _pairs(boxes: np.ndarray, grow: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j), i != j, each pair once, of boxes (xmin, ymin, xmax, ymax) within ``grow`` of each other.

    Binned sweep: the boxes are cut into horizontal bands (a box spanning
    several bands is listed in each), and within every band a sweep along x
    pairs the boxes whose x ranges come within ``grow``. The bands keep the
    work proportional to the number of near pairs: a plain x sweep would pair
    every waveguide of a column gap with every other one of that gap (all N
    modes share its x range), N^2 pairs per column.
    """
    n = len(boxes)
    if n < 2:
        return np.zeros(0, int), np.zeros(0, int)
    boxes = np.asarray(boxes, float)
    if n < _SWEEP_ONLY:
        return _sweep(boxes, grow)
    # a typical box that is not a thin horizontal strip spans one or two bands; thin strips (the straights
    # along the modes) are many and wide, and a band sized by them would hold many modes' straights, whose
    # x ranges all meet (at N = 128: 1.4 s for the candidates against 0.03 s with bands of a few pitches)
    height = boxes[:, 3] - boxes[:, 1]
    tall = height[height > 4.0 * grow]
    size = tall if tall.size else np.maximum(boxes[:, 2] - boxes[:, 0], height)
    band = max(float(np.median(size)) * 2.0, 4.0 * grow, 1e-3)
    y0 = float(boxes[:, 1].min())
    b_lo = np.floor((boxes[:, 1] - grow / 2 - y0) / band).astype(np.int64)
    b_hi = np.floor((boxes[:, 3] + grow / 2 - y0) / band).astype(np.int64)
    reps = b_hi - b_lo + 1
    span = float(boxes[:, 2].max() - boxes[:, 0].min()) + 2 * grow + 1.0
    k0, k1, ids = _sorted_keys(boxes, b_lo, reps, span, grow)
    hi = np.searchsorted(k0, k1, side="right")
    counts = np.maximum(hi - np.arange(len(k0)) - 1, 0)
    del hi, k0, k1
    # candidates in chunks of at most _CHUNK pairs: a band of wide boxes (the straights of a column gap) holds
    # many candidates that the y test then drops; all at once they took gigabytes at N = 512
    ends = np.cumsum(counts)
    found_a, found_c = [], []
    row = 0
    while row < len(counts):
        stop = int(np.searchsorted(ends, (ends[row - 1] if row else 0) + _CHUNK, side="right"))
        stop = max(stop, row + 1)
        cnt = counts[row:stop]
        i = np.repeat(np.arange(row, stop), cnt)
        j = i + 1 + (np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt))
        a, c = ids[i], ids[j]
        bi, bj = boxes[a], boxes[c]
        keep = ((a != c) & (bj[:, 1] <= bi[:, 3] + grow) & (bi[:, 1] <= bj[:, 3] + grow)
                & (bj[:, 0] <= bi[:, 2] + grow) & (bi[:, 0] <= bj[:, 2] + grow))
        found_a.append(a[keep])
        found_c.append(c[keep])
        row = stop
    a, c = np.concatenate(found_a), np.concatenate(found_c)
    if reps.max() == 1:  # every box in one band: each pair was found once
        return a, c
    lo, hi_ = np.minimum(a, c), np.maximum(a, c)
    code = np.unique(lo * n + hi_)
    return code // n, code % n


_CHUNK = 1 << 21  # candidate pairs measured at once by _pairs


def _sorted_keys(boxes: np.ndarray, b_lo: np.ndarray, reps: np.ndarray, span: float, grow: float):
    """Sweep keys of every (box, band) entry, sorted: band k's x values are shifted past band k-1's."""
    n = len(boxes)
    idx = np.repeat(np.arange(n), reps)
    bnd = np.repeat(b_lo, reps) + (np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps))
    x0 = boxes[:, 0].min()
    key0 = bnd * span + (boxes[idx, 0] - x0)
    order = np.argsort(key0, kind="stable")
    key0 = key0[order]
    bnd, idx = bnd[order], idx[order]
    key1 = bnd * span + (boxes[idx, 2] - x0) + grow
    return key0, key1, idx


def _sweep(boxes: np.ndarray, grow: float) -> tuple[np.ndarray, np.ndarray]:
    """Plain sweep along x for a few boxes (the pairs of :func:`_pairs`)."""
    order = np.argsort(boxes[:, 0], kind="stable")
    b = boxes[order]
    hi = np.searchsorted(b[:, 0], b[:, 2] + grow, side="right")
    counts = np.maximum(hi - np.arange(len(b)) - 1, 0)
    i = np.repeat(np.arange(len(b)), counts)
    off = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    j = i + 1 + off
    keep = (b[j, 1] <= b[i, 3] + grow) & (b[i, 1] <= b[j, 3] + grow)
    return order[i[keep]], order[j[keep]]


class _Checker:
    def __init__(self, rules: Rules):
        self.rules = rules
        self.shape_cache: dict = {}
        self.pair_cache: dict = {}
        self.spacings = {k: r.min_spacing for k, r in rules.items() if r.min_spacing}
        self.grow = max(self.spacings.values(), default=0.0)
        self.polygons = 0
        self.pairs = 0

    # one polygon: width and bend radius, in its own frame (cached by shape)
    def single(self, layer: str, pts: np.ndarray) -> list[tuple[str, float, float, float, float]]:
        rule = self.rules.get(layer)
        if rule is None:
            return []
        self.polygons += 1
        key = (layer, np.round(pts - pts[0], 3).tobytes())
        hit = self.shape_cache.get(key)
        if hit is None:
            hit = []
            if rule.min_width is not None:
                w, (x, y) = polygon_width(pts - pts[0], rule.min_width)
                if w < rule.min_width - _TOL:
                    hit.append(("width", x, y, w, rule.min_width))
            if rule.min_edge_radius is not None:
                r, (x, y) = edge_radius(pts - pts[0])
                if r < rule.min_edge_radius - _TOL:
                    hit.append(("bend_radius", x, y, r, rule.min_edge_radius))
            self.shape_cache[key] = hit
        x0, y0 = pts[0]
        return [(k, x + x0, y + y0, v, lim) for k, x, y, v, lim in hit]

    def spacing(self, layer: str, a: list, b: list, same: bool) -> list[tuple[str, float, float, float, float]]:
        """Spacing and notch violations between polygon lists a and b of one layer (same: a is b)."""
        s = self.spacings.get(layer)
        if not s or not a or not b or (same and len(a) < 2):
            return []
        return own_spacing(a, s) if same else edge_spacing(a, b, s)


def _is_rect(p: np.ndarray) -> bool:
    return len(p) == 4 and all(p[k, 0] == p[(k + 1) % 4, 0] or p[k, 1] == p[(k + 1) % 4, 1] for k in range(4))


def own_spacing(polys: list, s: float) -> list[tuple[str, float, float, float, float]]:
    """:func:`edge_spacing` among ``polys``, with axis-aligned rectangles apart from everything measured box to box.

    Two rectangles that neither touch nor overlap are exactly as far apart as
    their boxes; only polygons near a polygon of another shape, or touching
    one, go through the edge-by-edge check. (A chip's top cell is mostly the
    straight waveguides between columns.)
    """
    boxes = np.array([[*p.min(0), *p.max(0)] for p in polys])
    i, j = _pairs(boxes, s)
    if i.size == 0:
        return []
    rect = np.array([_is_rect(p) for p in polys], bool)
    lo = np.maximum(boxes[i, :2], boxes[j, :2])  # overlap interval (lo < hi) or the gap (lo > hi) per axis
    hi = np.minimum(boxes[i, 2:], boxes[j, 2:])
    gap = np.maximum(lo - hi, 0.0)
    d = np.hypot(gap[:, 0], gap[:, 1])
    simple = rect[i] & rect[j] & (d > _TOUCH)
    general = np.zeros(len(polys), bool)
    general[i[~simple]] = general[j[~simple]] = True
    simple &= ~(general[i] & general[j])  # pairs inside the general set are measured there
    out = []
    bad = simple & (d < s - _TOL)
    mid = (lo + hi) / 2
    out += [("spacing", float(x), float(y), float(dd), s) for dd, (x, y) in zip(d[bad], mid[bad])]
    if general.sum() >= 2:
        out += edge_spacing([polys[k] for k in np.flatnonzero(general)], None, s)
    return out


def _edges(polys: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All edges (start, end, owner) of a list of polygons, each oriented counter-clockwise (outside on the right)."""
    sizes = np.array([len(p) for p in polys])
    p1 = np.concatenate(polys).astype(float, copy=False)
    start = np.cumsum(sizes) - sizes
    nxt = np.arange(len(p1)) + 1
    nxt[start + sizes - 1] = start
    p2 = p1[nxt]
    owner = np.repeat(np.arange(len(polys)), sizes)
    cross = p1[:, 0] * p2[:, 1] - p1[:, 1] * p2[:, 0]
    cw = np.add.reduceat(cross, start) < 0
    flip = cw[owner]
    if flip.any():  # a clockwise polygon's edges, reversed, are its counter-clockwise edges
        p1, p2 = np.where(flip[:, None], p2, p1), np.where(flip[:, None], p1, p2)
    return p1, p2, owner


def _split_edges(p1, p2, own, longest: float):
    """Edges cut into collinear pieces at most ``longest`` um tall (same owner; distances unchanged).

    A long diagonal edge (the straight of a fan-out S-bend) has a bounding
    box that overlaps every other such edge; in pieces, each meets only its
    neighbours. Wide, flat edges stay whole: the pair search cuts the plane
    into horizontal bands, so a flat box meets only the boxes of its band
    that it overlaps along x.
    """
    ln = np.abs(p2[:, 1] - p1[:, 1])  # the pair search bins in y: only tall edges need cutting
    k = np.maximum(np.ceil(ln / longest).astype(np.int64), 1)
    if np.all(k == 1):
        return p1, p2, own
    idx = np.repeat(np.arange(len(p1)), k)
    t = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
    d = (p2 - p1)[idx] / k[idx, None]
    a = p1[idx] + t[:, None] * d
    b = np.where((t + 1 == k[idx])[:, None], p2[idx], a + d)  # the last piece ends exactly on the vertex
    return a, b, own[idx]


def _near_pieces(p1, p2, own, lo, hi):
    """Edges cut into pieces (:func:`_split_edges`), keeping the pieces that reach the box [lo, hi]."""
    near = np.all((np.maximum(p1, p2) >= lo) & (np.minimum(p1, p2) <= hi), axis=1)
    p1, p2, own = _split_edges(p1[near], p2[near], own[near], _LONGEST_EDGE)
    near = np.all((np.maximum(p1, p2) >= lo) & (np.minimum(p1, p2) <= hi), axis=1)
    return p1[near], p2[near], own[near]


def edge_spacing(a: list, b: list | None, s: float) -> list[tuple[str, float, float, float, float]]:
    """Spacing and notch violations (kind, x, y, distance, s) between polygons closer than ``s``.

    ``b`` None: between the polygons of ``a``; else between a polygon of ``a``
    and one of ``b``. Polygons that neither touch nor overlap are checked for
    **spacing** (one violation per pair, at its closest spot). Touching,
    overlapping or crossing polygons form one shape: they are checked for
    **notches**, two of their edges facing each other across empty space
    (outside both polygons) closer than ``s``, such as a crack a few nm wide
    where a bend meets a straight on a chord instead of its tangent.
    """
    if b is not None:  # keep only what lies near the other side's bounding box (both ways)
        lo = np.min([p.min(0) for p in b], axis=0) - s
        hi = np.max([p.max(0) for p in b], axis=0) + s
        idx = [k for k, p in enumerate(a) if np.all(p.max(0) >= lo) and np.all(p.min(0) <= hi)]
        if not idx:
            return []
        a = [a[k] for k in idx]
        lo_a = np.min([p.min(0) for p in a], axis=0) - s
        hi_a = np.max([p.max(0) for p in a], axis=0) + s
        b = [p for p in b if np.all(p.max(0) >= lo_a) and np.all(p.min(0) <= hi_a)]
        if not b:
            return []
    a1, a2, oa = _edges(a)
    if b is None:
        p1, p2, own = _split_edges(a1, a2, oa, _LONGEST_EDGE)
    else:
        a1, a2, oa = _near_pieces(a1, a2, oa, lo, hi)
        b1, b2, ob = _near_pieces(*_edges(b), lo_a, hi_a)
        if a1.size == 0 or b1.size == 0:
            return []
        p1, p2 = np.concatenate([a1, b1]), np.concatenate([a2, b2])
        own = np.concatenate([oa, ob + len(a)])
    boxes = np.column_stack([np.minimum(p1, p2), np.maximum(p1, p2)])
    i, j = _pairs(boxes, s)
    keep = own[i] != own[j]
    if b is not None:
        keep &= (own[i] < len(a)) != (own[j] < len(a))
    i, j = i[keep], j[keep]
    if i.size == 0:
        return []
    dist, pp, qq = _seg_seg(p1[i], p2[i], p1[j], p2[j])
    k = np.argmin(dist, axis=0)
    col = np.arange(i.size)
    d = dist[k, col]
    mid = (pp[k, col] + qq[k, col]) / 2
    d = np.where(_segments_cross(p1[i], p2[i], p1[j], p2[j]), 0.0, d)
    lo, hi = np.minimum(own[i], own[j]), np.maximum(own[i], own[j])
    pair = lo * (len(a) + (len(b) if b is not None else 0) + 1) + hi  # one code per polygon pair
    order = np.lexsort((d, pair))
    pair, d, mid = pair[order], d[order], mid[order]
    first = np.ones(pair.size, bool)
    first[1:] = pair[1:] != pair[:-1]
    # the smallest distance of each polygon pair comes first
    d0, mid0 = d[first], mid[first]
    bad = (d0 > _TOUCH) & (d0 < s - _TOL)
    out = [("spacing", float(x), float(y), float(dd), s) for dd, (x, y) in zip(d0[bad], mid0[bad])]
    touching = pair[first][d0 <= _TOUCH]
    if touching.size:
        out += _notches(p1[i][order], p2[i][order], p1[j][order], p2[j][order], pair, touching, s)
    return out


def touching(a: list, b: list | None = None, tol: float = _TOUCH) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of polygons that touch, overlap or cross (edges within ``tol`` um), each pair once.

    ``b`` None: pairs (i, j), i < j, among ``a``; else pairs (i in a, j in b).
    The edges are binned as for the spacing check (:func:`edge_spacing`), so
    the work grows with the number of near edges. (A polygon lying wholly
    inside another, edges apart, is not found: metal drawn that way is also
    what the overlap checks flag.)
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    if not a or (b is not None and not b) or (b is None and len(a) < 2):
        return empty
    a1, a2, oa = _edges(a)
    if b is None:
        p1, p2, own = _split_edges(a1, a2, oa, _LONGEST_EDGE)
    else:  # only the edge pieces that reach the other side's box can touch it
        lo_b = np.min([p.min(0) for p in b], axis=0) - tol
        hi_b = np.max([p.max(0) for p in b], axis=0) + tol
        lo_a = np.min([p.min(0) for p in a], axis=0) - tol
        hi_a = np.max([p.max(0) for p in a], axis=0) + tol
        a1, a2, oa = _near_pieces(a1, a2, oa, lo_b, hi_b)
        b1, b2, ob = _near_pieces(*_edges(b), lo_a, hi_a)
        if a1.size == 0 or b1.size == 0:
            return empty
        p1, p2, own = np.concatenate([a1, b1]), np.concatenate([a2, b2]), np.concatenate([oa, ob + len(a)])
    i, j = _pairs(np.column_stack([np.minimum(p1, p2), np.maximum(p1, p2)]), tol)
    keep = own[i] != own[j]
    if b is not None:
        keep &= (own[i] < len(a)) != (own[j] < len(a))
    i, j = i[keep], j[keep]
    if i.size == 0:
        return empty
    dist, _, _ = _seg_seg(p1[i], p2[i], p1[j], p2[j])
    hit = (dist.min(axis=0) <= tol) | _segments_cross(p1[i], p2[i], p1[j], p2[j])
    lo, hi = np.minimum(own[i][hit], own[j][hit]), np.maximum(own[i][hit], own[j][hit])
    base = len(a) + (len(b) if b is not None else 0) + 1  # polygon indices (pieces may be fewer)
    code = np.unique(lo * base + hi)
    lo, hi = code // base, code % base
    if b is not None:
        hi = hi - len(a)
    return lo.astype(np.int64), hi.astype(np.int64)


def _notches(a1, a2, b1, b2, pair, touching, s) -> list[tuple[str, float, float, float, float]]:
    """Notches among the edge pairs of touching polygon pairs (edges of CCW polygons: outside on the right).

    Two facing edges (directions more than 120 degrees apart) make a notch
    where an end point of one lies outside the other's polygon, closer than
    ``s`` to its edge, with the closest point of that edge outside the first
    polygon too: the empty sliver between them. That also finds the wedge of
    two end edges that cross at a small angle (a bend squared on its last
    chord against a straight): crossing edges touch, but one half of the
    joint is open.
    """
    sel = np.isin(pair, touching)
    if not sel.any():
        return []
    a1, a2, b1, b2, pair = a1[sel], a2[sel], b1[sel], b2[sel], pair[sel]
    ua = (a2 - a1) / np.hypot(*(a2 - a1).T)[:, None]
    ub = (b2 - b1) / np.hypot(*(b2 - b1).T)[:, None]
    facing = np.sum(ua * ub, axis=1) < -0.5
    if not facing.any():
        return []
    a1, a2, b1, b2, ua, ub, pair = (v[facing] for v in (a1, a2, b1, b2, ua, ub, pair))

    def right_of(u, o, q):  # q strictly on the outer (right) side of the line through o along u
        return u[:, 0] * (q[:, 1] - o[:, 1]) - u[:, 1] * (q[:, 0] - o[:, 0]) < -_TOL

    hits_d, hits_xy, hits_pair = [], [], []
    for pt, o1, o2, uo, o_self, u_self in ((a1, b1, b2, ub, a1, ua), (a2, b1, b2, ub, a1, ua),
                                           (b1, a1, a2, ua, b1, ub), (b2, a1, a2, ua, b1, ub)):
        dist, q = _point_seg(pt, o1, o2)
        ok = (dist > _TOUCH) & (dist < s - _TOL) & right_of(uo, o1, pt) & right_of(u_self, o_self, q)
        hits_d.append(dist[ok])
        hits_xy.append((pt[ok] + q[ok]) / 2)
        hits_pair.append(pair[ok])
    d, mid, pair = np.concatenate(hits_d), np.concatenate(hits_xy), np.concatenate(hits_pair)
    if not d.size:
        return []
    order = np.lexsort((d, pair))
    pair, d, mid = pair[order], d[order], mid[order]
    first = np.ones(pair.size, bool)
    first[1:] = pair[1:] != pair[:-1]
    return [("notch", float(x), float(y), float(dd), s) for dd, (x, y) in zip(d[first], mid[first])]


def _top_cells(lib: gdstk.Library) -> list[gdstk.Cell]:
    tops = lib.top_level()
    return [c for c in tops if isinstance(c, gdstk.Cell)]


def check_drc(source, rules: Rules = DEFAULT_RULES, *, progress: bool = False) -> DrcReport:
    """Check a gdstk Library (or Cell) against ``rules``; see the module docstring.

    The library must have exactly one top cell; violations inside a
    referenced cell are reported once, at that cell's first placement.
    ``progress=True`` shows a tqdm bar over the placement pairs (stderr).
    """
    if isinstance(source, gdstk.Cell):
        top = source
        cells = [top] + list(top.dependencies(True))
    elif isinstance(source, gdstk.Library):
        tops = _top_cells(source)
        if len(tops) != 1:
            raise LayoutError(f"DRC needs exactly one top cell; found {len(tops)}: "
                              f"{', '.join(sorted(c.name for c in tops)) or 'none'}")
        top = tops[0]
        cells = [top] + list(top.dependencies(True))
    else:
        raise LayoutError(f"DRC checks a gdstk Library or Cell, not {type(source).__name__}")
    chk = _Checker(rules)
    found: list[Violation] = []
    # first placement of every cell in the top frame, to report cell-level violations there
    place: dict[str, tuple[np.ndarray, np.ndarray]] = {top.name: (np.eye(2), np.zeros(2))}
    for ref in top.references:
        name = ref.cell.name if hasattr(ref.cell, "name") else str(ref.cell)
        if name not in place:
            place[name] = _matrix(ref)

    def to_top(cellname: str, x: float, y: float) -> tuple[float, float]:
        m, t = place.get(cellname, (np.eye(2), np.zeros(2)))
        v = m @ np.array([x, y]) + t
        return float(np.round(v[0], 3)), float(np.round(v[1], 3))

    own: dict[str, _Shapes] = {}
    for cell in cells:
        found += _off_grid(cell, to_top)
        sh = _Shapes.of(cell.polygons)
        own[cell.name] = sh
        for lay, x, y in sh.unknown:
            found.append(Violation("layer", lay, *to_top(cell.name, x, y), 0.0, 0.0, cell.name))
        for layer, lst in sh.polys.items():
            for pts in lst:
                for rule, x, y, v, lim in chk.single(layer, pts):
                    found.append(Violation(rule, layer, *to_top(cell.name, x, y), v, lim, cell.name))
            for kind, x, y, d, s in chk.spacing(layer, lst, lst, same=True):
                found.append(Violation(kind, layer, *to_top(cell.name, x, y), d, s, cell.name))
    for cell in cells:
        if cell.references:
            found += _check_placements(cell, own[cell.name], chk, to_top, progress)
    unique = {(v.rule, v.layer, v.x, v.y, v.cell): v for v in found}  # one report per spot
    found = sorted(unique.values(), key=lambda v: (v.rule, v.layer, v.x, v.y))
    return DrcReport(tuple(found), len(cells), chk.polygons, chk.pairs)


def _off_grid(cell: gdstk.Cell, to_top) -> list[Violation]:
    """Vertices and reference origins off the database grid, and references that would move them off it.

    A reference rotated by other than a multiple of 90 degrees, or magnified,
    puts the vertices of its cell off the grid once flattened (a foundry's
    fracturing then moves them).
    """
    out = []
    for pg in cell.polygons:
        dev = np.abs(pg.points / GRID - np.round(pg.points / GRID)) * GRID
        worst = int(np.argmax(dev.max(axis=1)))
        if dev[worst].max() > _GRID_TOL:
            ly = layer_of(pg.layer, pg.datatype)
            name = ly.name if ly else f"{pg.layer}/{pg.datatype}"
            out.append(Violation("off_grid", name, *to_top(cell.name, *pg.points[worst]), float(dev[worst].max()),
                                 GRID, cell.name))
    for ref in cell.references:
        origin = np.asarray(ref.origin, float)
        dev = float(np.max(np.abs(origin / GRID - np.round(origin / GRID)))) * GRID
        quarter = ref.rotation / (math.pi / 2)
        name = ref.cell.name if isinstance(ref.cell, gdstk.Cell) else str(ref.cell)
        if (dev > _GRID_TOL or abs(quarter - round(quarter)) > 1e-9
                or abs((ref.magnification or 1.0) - 1.0) > 1e-12):
            out.append(Violation("off_grid", f"reference to {name}", *to_top(cell.name, *origin), dev, GRID,
                                 cell.name))
    return out


def _facing_subsets(sa: _Shapes, sb: _Shapes, layer: str, mrel: np.ndarray, trel: np.ndarray, s: float,
                    indices: bool = False):
    """The polygons of ``sa`` and of ``sb`` (moved by mrel, trel) on ``layer`` whose boxes come within ``s`` of the other side's.

    Filtering on the cells' box arrays first keeps a tall cell (a column
    gap's leads) against a small one (an MZI beside it) to the few polygons
    near the small one, before any polygon is moved.
    """
    ba = sa.boxes[layer]
    cb = np.stack([sb.boxes[layer][:, [0, 1]], sb.boxes[layer][:, [2, 1]], sb.boxes[layer][:, [0, 3]],
                   sb.boxes[layer][:, [2, 3]]], axis=1) @ mrel.T + trel  # (k, 4, 2) corners, moved
    bb = np.column_stack([cb.min(1), cb.max(1)])

    def near(boxes, lo, hi):
        return np.flatnonzero(np.all(boxes[:, 2:] >= lo - s, axis=1) & np.all(boxes[:, :2] <= hi + s, axis=1))

    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), [], []) if indices else ([], [])
    kb = near(bb, ba[:, :2].min(0), ba[:, 2:].max(0))
    if kb.size == 0:
        return none
    ka = near(ba, bb[kb, :2].min(0), bb[kb, 2:].max(0))
    if ka.size == 0:
        return none
    kb = kb[near(bb[kb], ba[ka, :2].min(0), ba[ka, 2:].max(0))]
    pa = [sa.polys[layer][k] for k in ka]
    pb = [sb.polys[layer][k] @ mrel.T + trel for k in kb]
    return (ka, kb, pa, pb) if indices else (pa, pb)


def _check_placements(cell: gdstk.Cell, own: _Shapes, chk: _Checker, to_top, progress: bool = False) -> list[Violation]:
    """Spacing between the objects placed in ``cell``: its references and its own polygons."""
    flat: dict[str, _Shapes] = {}
    refs = []
    for ref in cell.references:
        if not isinstance(ref.cell, gdstk.Cell):
            continue
        name = ref.cell.name
        if name not in flat:
            flat[name] = _Shapes.of(ref.cell.get_polygons())
        m, t = _matrix(ref)
        (x0, y0), (x1, y1) = ref.cell.bounding_box() or ((0, 0), (0, 0))
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) @ m.T + t
        refs.append((name, m, t, [*corners.min(0), *corners.max(0)]))
    objs_box = [r[3] for r in refs]
    own_list = [(layer, pts) for layer, lst in own.polys.items() for pts in lst if layer in chk.spacings]
    objs_box += [[*pts.min(0), *pts.max(0)] for _, pts in own_list]
    if not objs_box:
        return []
    ii, jj = _pairs(np.array(objs_box, float), chk.grow)
    nref = len(refs)
    edge_boxes = [np.column_stack([np.minimum(p, np.roll(p, -1, 0)), np.maximum(p, np.roll(p, -1, 0))])
                  for _, p in own_list]
    out: list[Violation] = []
    g = chk.grow
    from tqdm import tqdm

    for i, j in tqdm(zip(ii, jj), total=len(ii), desc="DRC placement pairs", unit="pair", disable=not progress,
                     leave=False, mininterval=0.5):
        if i >= nref and j >= nref:
            continue  # own-own pairs were checked with the cell itself
        if i >= nref:
            i, j = j, i
        name_a, ma, ta, box = refs[i]
        if j >= nref and own_list[j - nref][0] not in flat[name_a].polys:
            continue  # nothing of that layer in the reference (a route across a gap's leads and pads)
        if j < nref and not (flat[name_a].polys.keys() & flat[refs[j][0]].polys.keys() & chk.spacings.keys()):
            continue  # no layer with a spacing rule in common
        if j >= nref:  # a long polygon (a fan-out route) may pass a reference's box only in its bounding box
            eb = edge_boxes[j - nref]
            if not np.any((eb[:, 0] <= box[2] + g) & (eb[:, 2] >= box[0] - g)
                          & (eb[:, 1] <= box[3] + g) & (eb[:, 3] >= box[1] - g)):
                continue
        inv = ma.T  # rotations/reflections: the inverse is the transpose (magnification 1)
        if j < nref:
            name_b, mb, tb, _ = refs[j]
            mrel = np.round(inv @ mb, 9)
            trel = np.round(inv @ (tb - ta), 3)
            key = ("rr", name_a, name_b, mrel.tobytes(), trel.tobytes())
            other = None
        else:
            layer_b, pts_b = own_list[j - nref]
            local = np.round((pts_b - ta) @ ma, 3)  # rows: (M^-1 v)^T = v^T M for an orthogonal M
            key = ("rp", name_a, layer_b, local.tobytes())
            other = (layer_b, local)
        chk.pairs += 1
        hit = chk.pair_cache.get(key)
        if hit is None:
            hit = []
            sa = flat[name_a]
            if other is None:
                sb = flat[name_b]
                for layer in chk.spacings:
                    if layer in sa.polys and layer in sb.polys:
                        pa, pb = _facing_subsets(sa, sb, layer, mrel, trel, chk.spacings[layer])
                        if pa and pb:
                            hit += [(layer,) + v for v in chk.spacing(layer, pa, pb, same=False)]
            else:
                layer_b, local = other
                if layer_b in sa.polys:
                    hit += [(layer_b,) + v for v in chk.spacing(layer_b, sa.polys[layer_b], [local], same=False)]
            chk.pair_cache[key] = hit
        for layer, kind, x, y, d, s in hit:
            gx, gy = ma @ np.array([x, y]) + ta
            out.append(Violation(kind, layer, *to_top(cell.name, gx, gy), d, s, cell.name))
    return out
