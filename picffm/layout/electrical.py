"""Electrical layout versus netlist: every heater reaches two pads of its own, nothing is shorted.

Read from the GDS only, with the via stack of :mod:`picffm.layout.layers`
(HEATER - VIA1 - M2 - VIA2 - MTOP, PADOPEN over the pads):

* inside every referenced cell (once per cell): each HEATER polygon is a
  heater; each VIA1 lying inside a heater is one of its **terminals**; a
  terminal's net runs through the M2 polygons that contain its via, the VIA2
  vias inside those, and the MTOP pads that contain them. Every heater must
  have two terminals, each reaching at least one pad with a PADOPEN over
  it, and no net may hold two terminals (a short: two heaters on one pad, or
  a heater's two ends joined);
* across the top cell: no M2 or MTOP polygon of one placed cell may touch or
  overlap metal of another (checked pair by pair for the references whose
  metal boxes meet), and the top cell itself holds no metal.

Heaters therefore count one per heater of the netlist's instances (two per
``mzi``, one per ``phase_shifter``, two per ``attenuator``).
"""

from __future__ import annotations

import math

import gdstk
import numpy as np

from .layers import LAYERS

__all__ = ["cell_heater_issues", "top_metal_issues", "heater_count"]

_METAL = ("M2", "MTOP")


def _on(cell: gdstk.Cell, name: str) -> list[gdstk.Polygon]:
    ly = LAYERS[name]
    return [p for p in cell.polygons if p.layer == ly.layer and p.datatype == ly.datatype]


def _inside(inner: gdstk.Polygon, outer: gdstk.Polygon) -> bool:
    return bool(np.all(gdstk.inside(inner.points, outer)))


def heater_count(cell: gdstk.Cell) -> int:
    return len(_on(cell, "HEATER"))


def cell_heater_issues(cell: gdstk.Cell) -> list[tuple[str, float, float]]:
    """Problems of one cell's heaters: (message, x, y) in the cell's frame."""
    heaters, via1, m2, via2, mtop, opening = (_on(cell, k) for k in ("HEATER", "VIA1", "M2", "VIA2", "MTOP",
                                                                      "PADOPEN"))
    out = []
    owner_of_pad: dict[int, tuple[int, int]] = {}
    for h, heater in enumerate(heaters):
        terms = [v for v in via1 if _inside(v, heater)]
        hx, hy = (float(c) for c in heater.points.mean(axis=0))
        if len(terms) != 2:
            out.append((f"heater {h} of cell {cell.name} has {len(terms)} VIA1 contact(s); a heater needs two, "
                        "one at each end", hx, hy))
            continue
        for t, via in enumerate(terms):
            leads = [k for k, m in enumerate(m2) if _inside(via, m)]
            pads = sorted({p for k in leads for v in via2 if _inside(v, m2[k])
                           for p, pad in enumerate(mtop) if _inside(v, pad)})
            vx, vy = (float(c) for c in via.points.mean(axis=0))
            if not pads:
                out.append((f"heater {h} of cell {cell.name}: its end at VIA1 ({vx:.3f}, {vy:.3f}) reaches no pad "
                            "(no M2 lead with a VIA2 to an MTOP pad)", vx, vy))
            for p in pads:
                if p in owner_of_pad and owner_of_pad[p] != (h, t):
                    oh, _ = owner_of_pad[p]
                    what = "both ends of heater" if oh == h else f"heaters {oh} and"
                    px, py = (float(c) for c in mtop[p].points.mean(axis=0))
                    out.append((f"short in cell {cell.name}: {what} {h} share the pad at ({px:.3f}, {py:.3f})", px, py))
                owner_of_pad[p] = (h, t)
                if not any(_inside(op, mtop[p]) for op in opening):
                    px, py = (float(c) for c in mtop[p].points.mean(axis=0))
                    out.append((f"pad of heater {h} in cell {cell.name} has no PADOPEN over it", px, py))
    return out


def _matrix(ref) -> tuple[np.ndarray, np.ndarray]:
    c, s = math.cos(ref.rotation), math.sin(ref.rotation)
    m = np.array([[c, -s], [s, c]])
    if ref.x_reflection:
        m = m @ np.diag([1.0, -1.0])
    return np.round(m, 12), np.asarray(ref.origin, float)


def top_metal_issues(top: gdstk.Cell, names: dict[int, str]) -> list[tuple[str, float, float]]:
    """Metal of two placed cells touching (a short between their heaters), or metal drawn in the top cell.

    ``names``: reference index -> instance name, for the messages.
    """
    from .drc import _pairs  # the binned box-pair search

    out = []
    for name in _METAL:
        for p in _on(top, name):
            x, y = (float(c) for c in p.points[0])
            out.append((f"{name} polygon in the top cell, on no instance (wires no heater)", x, y))
    metal: dict[str, dict[str, list[np.ndarray]]] = {}
    boxes, refs = [], []
    for k, ref in enumerate(top.references):
        cell = ref.cell
        if not isinstance(cell, gdstk.Cell):
            continue
        if cell.name not in metal:
            metal[cell.name] = {n: [p.points for p in _on(cell, n)] for n in _METAL}
        pts = [q for n in _METAL for q in metal[cell.name][n]]
        if not pts:
            continue
        m, t = _matrix(ref)
        allp = np.vstack(pts) @ m.T + t
        boxes.append([*allp.min(0), *allp.max(0)])
        refs.append((k, cell.name, m, t))
    if len(boxes) < 2:
        return out
    ii, jj = _pairs(np.array(boxes, float), 1e-3)
    cache: dict = {}
    for i, j in zip(ii, jj):
        (ka, ca, ma, ta), (kb, cb, mb, tb) = refs[i], refs[j]
        key = (ca, cb, np.round(ma.T @ mb, 9).tobytes(), np.round(ma.T @ (tb - ta), 3).tobytes())
        hit = cache.get(key)
        if hit is None:
            hit = None
            for n in _METAL:
                a = [gdstk.Polygon(q) for q in metal[ca][n]]
                b = [gdstk.Polygon(q @ (ma.T @ mb).T + ma.T @ (tb - ta)) for q in metal[cb][n]]
                if a and b:
                    inter = gdstk.boolean(a, [bb for bb in b], "and", precision=1e-4)
                    grown = gdstk.offset(a, 5e-4, precision=1e-4)
                    touch = gdstk.boolean(grown, b, "and", precision=1e-4)
                    if inter or touch:
                        q = (inter or touch)[0].points[0]
                        hit = (n, ma @ q + ta)
                        break
            cache[key] = hit if hit is not None else False
        if hit:
            n, (x, y) = hit
            out.append((f"short: {n} of {names.get(ka, '?')} touches {n} of {names.get(kb, '?')}", float(x), float(y)))
    return out
