"""Pair search over axis-aligned boxes: every pair of boxes within a distance of each other, vectorised.

Used by the design-rule and wiring checks to find the few near pairs among
many polygons, edges or placed cells; boxes are rows (xmin, ymin, xmax, ymax)
in um.
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_pairs", "SWEEP_ONLY"]

SWEEP_ONLY = 4096  # fewer boxes than this: a plain x sweep beats the binned one


def box_pairs(boxes: np.ndarray, grow: float) -> tuple[np.ndarray, np.ndarray]:
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
    if n < SWEEP_ONLY:
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


_CHUNK = 1 << 21  # candidate pairs measured at once by box_pairs


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
    """Plain sweep along x for a few boxes (the pairs of :func:`box_pairs`)."""
    order = np.argsort(boxes[:, 0], kind="stable")
    b = boxes[order]
    hi = np.searchsorted(b[:, 0], b[:, 2] + grow, side="right")
    counts = np.maximum(hi - np.arange(len(b)) - 1, 0)
    i = np.repeat(np.arange(len(b)), counts)
    off = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    j = i + 1 + off
    keep = (b[j, 1] <= b[i, 3] + grow) & (b[i, 1] <= b[j, 3] + grow)
    return order[i[keep]], order[j[keep]]

