"""Electrical layout versus netlist: every heater end reaches a bond pad of its own, nothing is shorted.

Read from the GDS only, with the via stack of :mod:`picffm.layout.layers`
(HEATER - VIA1 - M2 - VIA2 - MTOP, PADOPEN over the pads):

* inside every referenced cell (once per cell): each HEATER polygon is a
  heater; each VIA1 lying inside it is one of its **terminals**, on the M2
  polygon that contains the via; each MTOP polygon with a VIA2 inside is a
  **pad**, on the M2 polygon (its landing) that contains that via, and needs
  a PADOPEN inside it;
* **nets**: M2 polygons that touch, overlap or cross are one net, inside a
  cell and between placed cells (found pair by pair for the references
  whose metal boxes meet, each relative placement measured once); pads
  whose MTOP touch join their landings' nets;
* every net may hold at most one terminal (two are a short: two heaters on
  one lead or pad, or a heater's two ends joined), and every terminal's net
  must reach a pad. The top cell itself holds no metal.

A heater therefore counts as wired when both of its ends reach pads, each
on a net of its own: with the leads of :mod:`picffm.layout.pads`, two bond
pads per heater at the chip edge.
"""

from __future__ import annotations

import gdstk
import numpy as np

from .layers import LAYERS

__all__ = ["heater_count", "electrical_issues", "CellWiring", "cell_wiring"]


def _on(cell: gdstk.Cell, name: str) -> list[gdstk.Polygon]:
    ly = LAYERS[name]
    return [p for p in cell.polygons if p.layer == ly.layer and p.datatype == ly.datatype]


def heater_count(cell: gdstk.Cell) -> int:
    return len(_on(cell, "HEATER"))


def _boxes(polys: list[gdstk.Polygon]) -> np.ndarray:
    if not polys:
        return np.zeros((0, 4))
    return np.array([[*p.points.min(0), *p.points.max(0)] for p in polys])


def _containers(inner: list[gdstk.Polygon], outer: list[gdstk.Polygon]) -> np.ndarray:
    """For every inner polygon, the index of the first outer polygon containing it wholly (-1 if none)."""
    out = np.full(len(inner), -1, np.int64)
    for i, j in _containments(inner, outer)[::-1]:
        out[i] = j
    return out


def _containments(inner: list[gdstk.Polygon], outer: list[gdstk.Polygon]) -> list[tuple[int, int]]:
    """Every (inner, outer) index pair with the inner polygon wholly inside the outer one, in order.

    Boxes narrow the candidates (vectorised); each candidate is then tested
    exactly, vertex by vertex.
    """
    out: list[tuple[int, int]] = []
    if not inner or not outer:
        return out
    bi, bo = _boxes(inner), _boxes(outer)
    tol = 1e-6
    for a in range(0, len(inner), 512):  # chunks keep the candidate matrix small
        blk = bi[a:a + 512]
        cand = ((bo[None, :, 0] <= blk[:, None, 0] + tol) & (bo[None, :, 1] <= blk[:, None, 1] + tol)
                & (bo[None, :, 2] >= blk[:, None, 2] - tol) & (bo[None, :, 3] >= blk[:, None, 3] - tol))
        for i, j in zip(*np.nonzero(cand)):
            k = a + int(i)
            if np.all(gdstk.inside(inner[k].points, outer[int(j)])):
                out.append((k, int(j)))
    return out


class CellWiring:
    """The electrical content of one cell, in its own frame (see the module docstring)."""

    def __init__(self, cell: gdstk.Cell):
        from .cellshapes import CellShapes
        from .spacing import touching

        heaters, via1, m2, via2, mtop, opening = (_on(cell, k) for k in ("HEATER", "VIA1", "M2", "VIA2", "MTOP",
                                                                           "PADOPEN"))
        self.name = cell.name
        self.shapes = CellShapes.of([p for p in cell.polygons if (p.layer, p.datatype) in
                                  (LAYERS["M2"].spec, LAYERS["MTOP"].spec)])
        self.n_m2 = len(m2)
        self.issues: list[tuple[str, float, float]] = []
        self.terminals: list[tuple[int, int, int, float, float]] = []  # (heater, end, M2 index, x, y)
        on_heater: dict[int, list[int]] = {}
        for v, h in _containments(via1, heaters):  # a via under two heaters belongs to both (a short)
            on_heater.setdefault(h, []).append(v)
        via_lead = _containers(via1, m2)
        for h, heater in enumerate(heaters):
            vias = on_heater.get(h, [])
            hx, hy = (float(c) for c in heater.points.mean(axis=0))
            if len(vias) != 2:
                self.issues.append((f"heater {h} of cell {cell.name} has {len(vias)} VIA1 contact(s); a heater needs "
                                    "two, one at each end", hx, hy))
                continue
            for t, v in enumerate(vias):
                vx, vy = (float(c) for c in via1[v].points.mean(axis=0))
                k = int(via_lead[v])
                if k < 0:
                    self.issues.append((f"heater {h} of cell {cell.name}: its VIA1 at ({vx:.3f}, {vy:.3f}) is under "
                                        "no M2 lead", vx, vy))
                    continue
                self.terminals.append((h, t, k, vx, vy))
        self.pads: list[int] = []  # M2 landing index of every pad
        self.pad_of_mtop: dict[int, int] = {}
        via_pad = _containers(via2, mtop)
        via_land = _containers(via2, m2)
        open_pad = set(_containers(opening, mtop).tolist())
        first_via = {}
        for v in np.argsort(via_pad, kind="stable"):
            if via_pad[v] >= 0:
                first_via.setdefault(int(via_pad[v]), int(v))
        for j, pad in enumerate(mtop):
            if j not in first_via:
                continue  # pad metal joined to no lead: no net to check
            px, py = (float(c) for c in pad.points.mean(axis=0))
            k = int(via_land[first_via[j]])
            if k < 0:
                self.issues.append((f"pad at ({px:.3f}, {py:.3f}) in cell {cell.name}: its VIA2 lands on no M2", px, py))
                continue
            if j not in open_pad:
                self.issues.append((f"pad at ({px:.3f}, {py:.3f}) in cell {cell.name} has no PADOPEN over it", px, py))
            self.pads.append(k)
            self.pad_of_mtop[j] = k
        i, j = touching([p.points for p in m2])
        edges = [np.column_stack([i, j])]
        mi, mj = touching([p.points for p in mtop])
        edges += [np.array([[self.pad_of_mtop[a], self.pad_of_mtop[b]]]) for a, b in zip(mi, mj)
                  if a in self.pad_of_mtop and b in self.pad_of_mtop]
        self.edges = np.concatenate(edges).astype(np.int64) if edges else np.zeros((0, 2), np.int64)


def cell_wiring(cell: gdstk.Cell, cache: dict) -> CellWiring:
    if cell.name not in cache:
        cache[cell.name] = CellWiring(cell)
    return cache[cell.name]


def _mtop_to_m2(w: CellWiring, idx: np.ndarray) -> np.ndarray:
    """Node (M2 index) of MTOP polygons by their index among the cell's MTOP polygons (-1: not a pad)."""
    return np.array([w.pad_of_mtop.get(int(k), -1) for k in idx], np.int64)


def _components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes joined by ``edges`` (k, 2): the smallest node of its component.

    Vectorised label propagation with pointer jumping; nets here are short
    chains (a heater lead, a gap's lead, a pad's landing), so it settles in
    a few rounds.
    """
    label = np.arange(n, dtype=np.int64)
    if len(edges) == 0:
        return label
    a, b = edges[:, 0], edges[:, 1]
    while True:
        m = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, m)
        np.minimum.at(new, b, m)
        while True:  # pointer jumping: every node to its label's label
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, label):
            return label
        label = new


def electrical_issues(top: gdstk.Cell, names: dict[int, str],
                      progress: bool = False) -> tuple[list[tuple[str, float, float]], int]:
    """Unwired heater ends, shorts and metal in the top cell: ((message, x, y) in the top frame, heater ends).

    ``names``: reference index -> instance name, for the messages. The
    count is of the heater ends found (two per heater).
    """
    from .boxpairs import box_pairs
    from .cellshapes import facing_subsets
    from .geometry import reference_transform
    from .spacing import touching

    out: list[tuple[str, float, float]] = []
    for name in ("M2", "MTOP"):
        for p in _on(top, name):
            x, y = (float(c) for c in p.points[0])
            out.append((f"{name} polygon in the top cell, on no instance (wires no heater)", x, y))
    cache: dict[str, CellWiring] = {}
    refs = []  # (ref index, wiring, matrix, origin, node base)
    boxes = []
    base = 0
    for k, ref in enumerate(top.references):
        if not isinstance(ref.cell, gdstk.Cell):
            continue
        w = cell_wiring(ref.cell, cache)
        if not w.shapes.polys:
            continue
        m, t = reference_transform(ref)
        allp = np.vstack([b.reshape(-1, 2) for b in w.shapes.boxes.values()]) @ m.T + t
        boxes.append([*allp.min(0), *allp.max(0)])
        refs.append((k, w, m, t, base))
        base += w.n_m2
    seen: set[str] = set()
    for k, w, m, t, _ in refs:  # each cell's own problems, once, at its first placement
        if w.name in seen:
            continue
        seen.add(w.name)
        for msg, x, y in w.issues:
            gx, gy = m @ np.array([x, y]) + t
            out.append((f"{msg} (first placed as {names.get(k, w.name)})", float(gx), float(gy)))
    if not refs:
        return out, 0
    edges = [np.column_stack([w.edges[:, 0] + b, w.edges[:, 1] + b]) for _, w, _, _, b in refs if len(w.edges)]
    # metal of two placed cells that touches: the same net
    ii, jj = box_pairs(np.array(boxes, float), 1e-3)
    pair_cache: dict = {}
    from tqdm import tqdm

    for i, j in tqdm(zip(ii, jj), total=len(ii), desc="LVS metal pairs", unit="pair", disable=not progress,
                     leave=False, mininterval=0.5):
        _, wa, ma, ta, ba = refs[i]
        _, wb, mb, tb, bb = refs[j]
        mrel, trel = np.round(ma.T @ mb, 9), np.round(ma.T @ (tb - ta), 3)
        key = (wa.name, wb.name, mrel.tobytes(), trel.tobytes())
        hit = pair_cache.get(key)
        if hit is None:
            found = []
            for layer in ("M2", "MTOP"):
                if layer in wa.shapes.polys and layer in wb.shapes.polys:
                    ka, kb, pa, pb = facing_subsets(wa.shapes, wb.shapes, layer, mrel, trel, 1e-3, indices=True)
                    if pa and pb:
                        x, y = touching(pa, pb)
                        ia, ib = ka[x], kb[y]
                        if layer == "MTOP":  # touching pad metal joins the pads' landings
                            ia, ib = _mtop_to_m2(wa, ia), _mtop_to_m2(wb, ib)
                            ok = (ia >= 0) & (ib >= 0)
                            ia, ib = ia[ok], ib[ok]
                        found.append(np.column_stack([ia, ib]))
            hit = np.concatenate(found) if found else np.zeros((0, 2), np.int64)
            pair_cache[key] = hit
        if len(hit):
            edges.append(np.column_stack([hit[:, 0] + ba, hit[:, 1] + bb]))
    e = np.concatenate(edges) if edges else np.zeros((0, 2), np.int64)
    label = _components(base, e)

    # terminals and pads, with their nets
    t_net, t_info = [], []
    pad_nets = []
    for k, w, m, t, b in refs:
        for h, end, node, x, y in w.terminals:
            t_net.append(label[node + b])
            gx, gy = m @ np.array([x, y]) + t
            t_info.append((names.get(k, w.name), h, end, float(gx), float(gy)))
        pad_nets.extend(label[np.asarray(w.pads, np.int64) + b])
    t_net = np.asarray(t_net, np.int64)
    has_pad = np.isin(t_net, np.asarray(pad_nets, np.int64))
    why = "" if pad_nets else " (the layout has no bond pads at all)"
    for idx in np.flatnonzero(~has_pad):
        inst, h, end, x, y = t_info[idx]
        out.append((f"heater {h} of {inst}, end {end}: reaches no bond pad{why}", x, y))
    order = np.argsort(t_net, kind="stable")
    nets = t_net[order]
    dup = np.flatnonzero(nets[1:] == nets[:-1])
    for d in dup:
        (ia, ha, ea, x, y), (ib, hb, eb, _, _) = t_info[order[d]], t_info[order[d + 1]]
        what = (f"both ends of heater {ha} of {ia} are joined" if (ia, ha) == (ib, hb)
                else f"heater {ha} of {ia} and heater {hb} of {ib} share one net (a lead or a pad)")
        out.append((f"short: {what}", x, y))
    return out, len(t_net)
