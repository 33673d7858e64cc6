"""Extraction: the circuit read back from a GDS, from what is in the file only.

Instances from the top cell's references (component from the cell name, name
from the TEXT label at the centre of its box (computed in integer database
units, exactly as the layout writer places it), ``mirror`` from the cell), ports
from the PORT labels of each cell moved by its reference, connectivity from
abutting ports and from the waveguide polygons that contain two ports' probe
points, chip ports from the routes to grating couplers, heaters through
:mod:`picffm.layout.electrical`. Positions in um on the 1 nm grid.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import gdstk
import numpy as np

from ..errors import LayoutError
from .cells import component_of_cell
from .electrical import electrical_issues
from .geometry import placed_center, reference_transform
from .layers import LAYERS
from .lvs_report import LvsIssue
from .pads import WIRING_PREFIX

__all__ = ["ExtractedInstance", "Extracted", "Port", "extract", "read_library"]

_PROBE = 0.01  # um

Port = tuple[str, str]  # (instance or chip-port name, port)


@dataclass(frozen=True)
class ExtractedInstance:
    name: str
    component: str
    cell: str
    mirror: bool
    x: float  # centre of the reference's bounding box (um)
    y: float


@dataclass(frozen=True)
class Extracted:
    """The circuit read back from a layout."""

    instances: dict[str, ExtractedInstance]
    connections: frozenset  # frozenset of frozenset({(inst, port), (inst, port)})
    ports: dict[str, Port]  # chip port name -> (instance, port)
    port_xy: dict[Port, tuple[float, float]]
    issues: tuple = field(default=())  # problems found while extracting
    heater_ends: int = 0  # heater terminals found (two per heater), each to reach a pad of its own


def read_library(path: str | os.PathLike) -> gdstk.Library:
    """Read a GDS file, with a clear error if it is missing or not GDSII."""
    if not os.path.exists(path):
        raise LayoutError(f"{path}: no such file")
    try:
        return gdstk.read_gds(str(path))
    except Exception as exc:  # gdstk raises plain errors for corrupt files
        raise LayoutError(f"{path}: not a readable GDSII file ({exc})") from None


def _top(lib: gdstk.Library) -> gdstk.Cell:
    tops = [c for c in lib.top_level() if isinstance(c, gdstk.Cell)]
    if len(tops) != 1:
        raise LayoutError(f"layout-versus-netlist needs exactly one top cell; found {len(tops)}: "
                          f"{', '.join(sorted(c.name for c in tops)) or 'none'}")
    return tops[0]


def _r(v) -> float:
    return round(float(v), 3) + 0.0  # to the 1 nm grid (Python's round: a fraction of numpy's cost per scalar)


def _near(labels: dict, x: float, y: float, tol: float = 0.003) -> tuple[float, float] | None:
    """Position of the label within ``tol`` um of (x, y) (rounding may differ by a grid step)."""
    if (x, y) in labels:
        return (x, y)
    steps = np.round(np.arange(-3, 4) * 1e-3, 3)
    for dx in steps:
        for dy in steps:
            k = (_r(x + dx), _r(y + dy))
            if k in labels and abs(k[0] - x) <= tol and abs(k[1] - y) <= tol:
                return k
    return None


def extract(lib: gdstk.Library, progress: bool = False) -> Extracted:
    """Instances, connectivity and chip ports of a layout (see the module docstring)."""
    top = _top(lib)
    text, port_ly, wg = LAYERS["TEXT"], LAYERS["PORT"], LAYERS["WG"]
    issues: list[LvsIssue] = []
    labels: dict[tuple[float, float], list[str]] = {}
    for lb in top.labels:
        if lb.layer == text.layer and lb.texttype == text.datatype:
            labels.setdefault((_r(lb.origin[0]), _r(lb.origin[1])), []).append(lb.text)
    used_labels: set[tuple[float, float]] = set()

    instances: dict[str, ExtractedInstance] = {}
    gratings: set[str] = set()
    ports: list[tuple[Port, float, float, float, float]] = []  # (owner, port), x, y, dx, dy
    cell_info: dict[str, tuple] = {}
    for ref in top.references:
        cell = ref.cell
        if not isinstance(cell, gdstk.Cell):
            issues.append(LvsIssue("unknown_cell", f"reference to missing cell {cell!r}", *map(_r, ref.origin)))
            continue
        if cell.name.startswith(WIRING_PREFIX):
            continue  # heater leads and bond pads: checked electrically below
        if cell.name not in cell_info:
            bb = cell.bounding_box() or ((0.0, 0.0), (0.0, 0.0))
            pl = {lb.text: (lb.origin[0], lb.origin[1], lb.rotation) for lb in cell.labels
                  if lb.layer == port_ly.layer and lb.texttype == port_ly.datatype}
            cell_info[cell.name] = (np.array(bb, float), pl, component_of_cell(cell.name))
        bb, plabels, comp = cell_info[cell.name]
        m, t = reference_transform(ref)
        cx, cy = placed_center(bb, ref.rotation, ref.x_reflection, ref.origin, ref.magnification or 1.0)
        if comp is None:
            issues.append(LvsIssue("unknown_cell", f"cell {cell.name!r} is not a picffm cell", cx, cy))
            continue
        key = _near(labels, cx, cy)
        names = labels.get(key) if key else None
        if not names:
            issues.append(LvsIssue("unnamed_instance", f"{comp} (cell {cell.name}) has no name label", cx, cy))
            continue
        used_labels.add(key)
        name = names[0]
        if name in instances or name in gratings:
            issues.append(LvsIssue("duplicate_name", f"two instances are named {name!r}", cx, cy))
            continue
        for pname, (px, py, ang) in plabels.items():
            pos = m @ np.array([px, py]) + t
            d = m @ np.array([math.cos(ang), math.sin(ang)])
            ports.append(((name, pname), _r(pos[0]), _r(pos[1]), d[0], d[1]))
        if comp == "grating_coupler":
            gratings.add(name)
        else:
            instances[name] = ExtractedInstance(name, comp, cell.name, cell.name.endswith("_mirror"), cx, cy)
    for pos, names in labels.items():
        if pos not in used_labels:
            for nm in names:
                issues.append(LvsIssue("stray_label", f"label {nm!r} is on no instance", *pos))

    port_xy = {p: (x, y) for p, x, y, _, _ in ports}
    conns: set[frozenset] = set()
    chip_ports: dict[str, Port] = {}

    def connect(a: Port, b: Port, x: float, y: float) -> None:
        ga, gb = a[0] in gratings, b[0] in gratings
        if ga and gb:
            issues.append(LvsIssue("short", f"chip ports {a[0]!r} and {b[0]!r} are joined directly", x, y))
        elif ga or gb:
            g, other = (a, b) if ga else (b, a)
            chip_ports[g[0]] = other
        else:
            conns.add(frozenset((a, b)))

    # ports joined by abutment
    by_pos: dict[tuple[float, float], list[int]] = {}
    for k, (_, x, y, _, _) in enumerate(ports):
        by_pos.setdefault((x, y), []).append(k)
    for (x, y), ks in by_pos.items():
        if len(ks) == 2:
            a, b = ports[ks[0]], ports[ks[1]]
            if a[3] * b[3] + a[4] * b[4] < -0.5:
                connect(a[0], b[0], x, y)

    # ports joined by routed waveguides
    if ports:
        probes = np.array([[x + _PROBE * dx, y + _PROBE * dy] for _, x, y, dx, dy in ports])
        order = np.argsort(probes[:, 0], kind="stable")
        px = probes[order, 0]
        from tqdm import tqdm

        for poly in tqdm(top.polygons, desc="LVS waveguides", unit="polygon", disable=not progress, leave=False,
                         mininterval=0.5):
            if poly.layer != wg.layer or poly.datatype != wg.datatype:
                continue
            (x0, y0), (x1, y1) = poly.bounding_box()
            lo, hi = np.searchsorted(px, x0), np.searchsorted(px, x1, side="right")
            cand = order[lo:hi]
            cand = cand[(probes[cand, 1] >= y0) & (probes[cand, 1] <= y1)]
            hits = [int(k) for k, inside in zip(cand, gdstk.inside(probes[cand], poly)) if inside] if cand.size else []
            mx, my = _r(poly.points[0, 0]), _r(poly.points[0, 1])
            if len(hits) == 2:
                connect(ports[hits[0]][0], ports[hits[1]][0], mx, my)
            elif len(hits) == 1:
                a = ports[hits[0]][0]
                issues.append(LvsIssue("dangling", f"waveguide from {a[0]},{a[1]} ends at no port", mx, my))
            elif not hits:
                issues.append(LvsIssue("dangling", "waveguide joins no port", mx, my))
            else:
                joined = ", ".join(f"{ports[k][0][0]},{ports[k][0][1]}" for k in hits)
                issues.append(LvsIssue("short", f"one waveguide joins {len(hits)} ports: {joined}", mx, my))
    # electrical: every heater end reaches a bond pad of its own; nothing shorted
    ref_name: dict[int, str] = {}
    for k, ref in enumerate(top.references):
        if isinstance(ref.cell, gdstk.Cell) and not ref.cell.name.startswith(WIRING_PREFIX):
            bb = ref.cell.bounding_box() or ((0.0, 0.0), (0.0, 0.0))
            key = _near(labels, *placed_center(bb, ref.rotation, ref.x_reflection, ref.origin, ref.magnification or 1.0))
            ref_name[k] = labels[key][0] if key else ref.cell.name
    e_issues, heater_ends = electrical_issues(top, ref_name, progress)
    for msg, x, y in e_issues:
        kind = "short" if msg.startswith("short") or "top cell" in msg else "heater"
        issues.append(LvsIssue(kind, msg, _r(x), _r(y)))
    return Extracted(instances, frozenset(conns), chip_ports, port_xy, tuple(issues), heater_ends)

