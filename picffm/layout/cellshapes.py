"""A cell's polygons grouped by layer, and the polygons two placements bring near.

Shared by the design-rule check and the wiring check, which both compare
placed cells polygon against polygon in one cell's frame (um).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import layer_of

__all__ = ["CellShapes", "facing_subsets"]


@dataclass
class CellShapes:
    """Polygons of one cell (own or flattened), grouped by layer name."""

    polys: dict  # layer -> list[np.ndarray]
    boxes: dict  # layer -> (k, 4) array xmin, ymin, xmax, ymax
    unknown: list  # (layer/datatype, x, y)

    @classmethod
    def of(cls, polygons) -> "CellShapes":
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


def facing_subsets(sa: CellShapes, sb: CellShapes, layer: str, mrel: np.ndarray, trel: np.ndarray, s: float,
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
