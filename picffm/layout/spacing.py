"""Spacing between polygons of one layer: gaps between separate shapes, notches inside touching ones, touching pairs.

Edges are cut into short pieces and paired through :func:`~picffm.layout.boxpairs.box_pairs`,
so the work grows with the number of near edges, not with the square of the
polygon count. Violations are tuples (kind, x, y, distance, limit) in um.
"""

from __future__ import annotations

import numpy as np

from .boxpairs import box_pairs
from .measure import TOL, TOUCH, point_seg, seg_seg, segments_cross

__all__ = ["own_spacing", "edge_spacing", "touching"]

_LONGEST_EDGE = 50.0  # um: longer edges are cut into pieces for the pair search


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
    i, j = box_pairs(boxes, s)
    if i.size == 0:
        return []
    rect = np.array([_is_rect(p) for p in polys], bool)
    lo = np.maximum(boxes[i, :2], boxes[j, :2])  # overlap interval (lo < hi) or the gap (lo > hi) per axis
    hi = np.minimum(boxes[i, 2:], boxes[j, 2:])
    gap = np.maximum(lo - hi, 0.0)
    d = np.hypot(gap[:, 0], gap[:, 1])
    simple = rect[i] & rect[j] & (d > TOUCH)
    general = np.zeros(len(polys), bool)
    general[i[~simple]] = general[j[~simple]] = True
    simple &= ~(general[i] & general[j])  # pairs inside the general set are measured there
    out = []
    bad = simple & (d < s - TOL)
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
    i, j = box_pairs(boxes, s)
    keep = own[i] != own[j]
    if b is not None:
        keep &= (own[i] < len(a)) != (own[j] < len(a))
    i, j = i[keep], j[keep]
    if i.size == 0:
        return []
    dist, pp, qq = seg_seg(p1[i], p2[i], p1[j], p2[j])
    k = np.argmin(dist, axis=0)
    col = np.arange(i.size)
    d = dist[k, col]
    mid = (pp[k, col] + qq[k, col]) / 2
    d = np.where(segments_cross(p1[i], p2[i], p1[j], p2[j]), 0.0, d)
    lo, hi = np.minimum(own[i], own[j]), np.maximum(own[i], own[j])
    pair = lo * (len(a) + (len(b) if b is not None else 0) + 1) + hi  # one code per polygon pair
    order = np.lexsort((d, pair))
    pair, d, mid = pair[order], d[order], mid[order]
    first = np.ones(pair.size, bool)
    first[1:] = pair[1:] != pair[:-1]
    # the smallest distance of each polygon pair comes first
    d0, mid0 = d[first], mid[first]
    bad = (d0 > TOUCH) & (d0 < s - TOL)
    out = [("spacing", float(x), float(y), float(dd), s) for dd, (x, y) in zip(d0[bad], mid0[bad])]
    touching = pair[first][d0 <= TOUCH]
    if touching.size:
        out += _notches(p1[i][order], p2[i][order], p1[j][order], p2[j][order], pair, touching, s)
    return out


def touching(a: list, b: list | None = None, tol: float = TOUCH) -> tuple[np.ndarray, np.ndarray]:
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
    i, j = box_pairs(np.column_stack([np.minimum(p1, p2), np.maximum(p1, p2)]), tol)
    keep = own[i] != own[j]
    if b is not None:
        keep &= (own[i] < len(a)) != (own[j] < len(a))
    i, j = i[keep], j[keep]
    if i.size == 0:
        return empty
    dist, _, _ = seg_seg(p1[i], p2[i], p1[j], p2[j])
    hit = (dist.min(axis=0) <= tol) | segments_cross(p1[i], p2[i], p1[j], p2[j])
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
        return u[:, 0] * (q[:, 1] - o[:, 1]) - u[:, 1] * (q[:, 0] - o[:, 0]) < -TOL

    hits_d, hits_xy, hits_pair = [], [], []
    for pt, o1, o2, uo, o_self, u_self in ((a1, b1, b2, ub, a1, ua), (a2, b1, b2, ub, a1, ua),
                                           (b1, a1, a2, ua, b1, ub), (b2, a1, a2, ua, b1, ub)):
        dist, q = point_seg(pt, o1, o2)
        ok = (dist > TOUCH) & (dist < s - TOL) & right_of(uo, o1, pt) & right_of(u_self, o_self, q)
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
