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


import gdstk
import numpy as np

from ..errors import LayoutError
from .boxpairs import box_pairs
from .cellshapes import CellShapes, facing_subsets
from .drc_report import DrcReport, Violation
from .geometry import GRID, quarter_turns, reference_transform
from .layers import layer_of
from .measure import TOL, edge_radius, polygon_width
from .rules import DEFAULT_RULES, Rules
from .spacing import edge_spacing, own_spacing, touching

__all__ = ["Violation", "DrcReport", "check_drc", "polygon_width", "edge_spacing", "edge_radius", "touching"]

_GRID_TOL = 1e-6  # um: a vertex further than this from the 1 nm grid is off it


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
                if w < rule.min_width - TOL:
                    hit.append(("width", x, y, w, rule.min_width))
            if rule.min_edge_radius is not None:
                r, (x, y) = edge_radius(pts - pts[0])
                if r < rule.min_edge_radius - TOL:
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
            place[name] = reference_transform(ref)

    def to_top(cellname: str, x: float, y: float) -> tuple[float, float]:
        m, t = place.get(cellname, (np.eye(2), np.zeros(2)))
        v = m @ np.array([x, y]) + t
        return float(np.round(v[0], 3)), float(np.round(v[1], 3))

    own: dict[str, CellShapes] = {}
    for cell in cells:
        found += _off_grid(cell, to_top)
        sh = CellShapes.of(cell.polygons)
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
        name = ref.cell.name if isinstance(ref.cell, gdstk.Cell) else str(ref.cell)
        if (dev > _GRID_TOL or quarter_turns(ref.rotation) is None
                or abs((ref.magnification or 1.0) - 1.0) > 1e-12):
            out.append(Violation("off_grid", f"reference to {name}", *to_top(cell.name, *origin), dev, GRID,
                                 cell.name))
    return out


def _check_placements(cell: gdstk.Cell, own: CellShapes, chk: _Checker, to_top, progress: bool = False) -> list[Violation]:
    """Spacing between the objects placed in ``cell``: its references and its own polygons."""
    flat: dict[str, CellShapes] = {}
    refs = []
    for ref in cell.references:
        if not isinstance(ref.cell, gdstk.Cell):
            continue
        name = ref.cell.name
        if name not in flat:
            flat[name] = CellShapes.of(ref.cell.get_polygons())
        m, t = reference_transform(ref)
        (x0, y0), (x1, y1) = ref.cell.bounding_box() or ((0, 0), (0, 0))
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]) @ m.T + t
        refs.append((name, m, t, [*corners.min(0), *corners.max(0)]))
    objs_box = [r[3] for r in refs]
    own_list = [(layer, pts) for layer, lst in own.polys.items() for pts in lst if layer in chk.spacings]
    objs_box += [[*pts.min(0), *pts.max(0)] for _, pts in own_list]
    if not objs_box:
        return []
    ii, jj = box_pairs(np.array(objs_box, float), chk.grow)
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
                        pa, pb = facing_subsets(sa, sb, layer, mrel, trel, chk.spacings[layer])
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
