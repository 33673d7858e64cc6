"""Layout versus netlist: extract the circuit back from a GDS and compare.

Extraction reads only what is in the file:

* **instances**: every reference in the top cell; its component from the
  cell name (``mzi_Lc10_10`` -> ``mzi``), its name from the TEXT label at the
  centre of its bounding box, ``mirror`` from the cell (an MZI drawn as its
  mirror image is the cell ``mzi_Lc.._.._mirror``);
* **ports**: the PORT-layer labels inside each referenced cell, moved by the
  reference (any rotation or reflection: a label keeps its name wherever the
  reference puts it);
* **connectivity**: every waveguide polygon of the top cell joins the ports
  whose probe point (10 nm outside the port, along its direction) lies inside
  it; two ports at the same spot facing each other are joined directly; a
  route ending at a grating coupler binds the chip port named by the grating's
  label.

* **heaters** (:mod:`picffm.layout.electrical`): through the via stack and
  the routed leads (cells ``leads_*``, :mod:`picffm.layout.pads`), each
  heater's two ends reach bond pads of their own; no net joins two heater
  ends.

The comparison reports missing, extra, renamed or mis-drawn instances (wrong
component, mirror or coupler geometry), missing or extra connections and
chip ports, waveguides that end nowhere, and labels on no instance, each with
coordinates in um.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass, field

import gdstk
import numpy as np

from ..errors import LayoutError, PicffmError
from ..netlist import Netlist
from .cells import component_of_cell
from .electrical import electrical_issues
from .pads import WIRING_PREFIX
from .layers import LAYERS
from .options import LayoutOptions

__all__ = ["ExtractedInstance", "Extracted", "LvsIssue", "LvsReport", "extract", "check_lvs", "read_library"]

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


@dataclass(frozen=True)
class LvsIssue:
    kind: str
    message: str
    x: float | None = None
    y: float | None = None

    def __str__(self) -> str:
        at = f" at ({self.x:.3f}, {self.y:.3f}) um" if self.x is not None else ""
        return f"{self.message}{at}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LvsReport:
    issues: tuple[LvsIssue, ...]
    instances: int
    connections: int
    ports: int
    heater_ends: int = 0

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> str:
        if self.ok:
            pads = f"; {self.heater_ends} heater ends on bond pads of their own" if self.heater_ends else ""
            return (f"LVS clean ({self.instances} instances, {self.connections} connections, "
                    f"{self.ports} chip ports match the netlist{pads})")
        lines = [f"LVS: {len(self.issues)} difference(s)"]
        lines += [f"  {i}" for i in self.issues[:20]]
        if len(self.issues) > 20:
            lines.append(f"  ... and {len(self.issues) - 20} more")
        return "\n".join(lines)

    def to_dict(self, limit: int = 100) -> dict:
        return {"ok": self.ok, "differences": len(self.issues), "instances": self.instances,
                "connections": self.connections, "ports": self.ports, "heater_ends": self.heater_ends,
                "first": [i.to_dict() for i in self.issues[:limit]]}


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
        c, s = math.cos(ref.rotation), math.sin(ref.rotation)
        m = np.array([[c, -s], [s, c]])
        if ref.x_reflection:
            m = m @ np.diag([1.0, -1.0])
        t = np.asarray(ref.origin, float)
        corners = np.array([[bb[0, 0], bb[0, 1]], [bb[1, 0], bb[1, 1]]]) @ m.T + t
        cx, cy = _r(corners[:, 0].mean()), _r(corners[:, 1].mean())
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
            (bx0, by0), (bx1, by1) = ref.cell.bounding_box() or ((0.0, 0.0), (0.0, 0.0))
            m, t = _ref_matrix(ref)
            cs = np.array([[bx0, by0], [bx1, by1]]) @ m.T + t
            key = _near(labels, _r(cs[:, 0].mean()), _r(cs[:, 1].mean()))
            ref_name[k] = labels[key][0] if key else ref.cell.name
    e_issues, heater_ends = electrical_issues(top, ref_name, progress)
    for msg, x, y in e_issues:
        kind = "short" if msg.startswith("short") or "top cell" in msg else "heater"
        issues.append(LvsIssue(kind, msg, _r(x), _r(y)))
    return Extracted(instances, frozenset(conns), chip_ports, port_xy, tuple(issues), heater_ends)


def _ref_matrix(ref) -> tuple[np.ndarray, np.ndarray]:
    c, s = math.cos(ref.rotation), math.sin(ref.rotation)
    m = np.array([[c, -s], [s, c]])
    if ref.x_reflection:
        m = m @ np.diag([1.0, -1.0])
    return m, np.asarray(ref.origin, float)


def _fmt_port(p: Port) -> str:
    return f"{p[0]},{p[1]}"


def check_lvs(source: gdstk.Library | str | os.PathLike, netlist: Netlist,
              options: LayoutOptions | None = None, *, plan=None, progress: bool = False) -> LvsReport:
    """Compare a layout (library or GDS path) with ``netlist``; see the module docstring.

    ``options`` (the ones the layout was drawn with) give the expected cell of
    every instance and the expected place of missing ones. ``plan``: the
    layout plan it was drawn from, if the caller has it (saves compiling and
    planning again); otherwise it is planned from ``netlist`` and ``options``.
    """
    lib = source if isinstance(source, gdstk.Library) else read_library(source)
    ex = extract(lib, progress)
    issues = list(ex.issues)
    if plan is None:
        try:
            from .place import plan_layout

            plan = plan_layout(netlist, options or LayoutOptions())
        except PicffmError:
            pass
    expected_cell = {p.name: p for p in plan.instances} if plan else {}

    for name, inst in netlist.instances.items():
        got = ex.instances.get(name)
        if got is None:
            pos = expected_cell.get(name)
            issues.append(LvsIssue("missing_instance", f"instance {name!r} ({inst.component}) is not in the layout"
                                   + (" (expected here)" if pos else ""),
                                   *((pos.x, pos.y) if pos else (None, None))))
            continue
        if got.component != inst.component:
            issues.append(LvsIssue("component", f"instance {name!r} is a {inst.component} in the netlist but "
                                   f"drawn as {got.component} (cell {got.cell})", got.x, got.y))
            continue
        want_mirror = bool(inst.full_settings().get("mirror", False))
        if got.mirror != want_mirror:
            issues.append(LvsIssue("mirror", f"instance {name!r} has mirror: {str(want_mirror).lower()} in the "
                                   f"netlist but is drawn {'mirrored' if got.mirror else 'unmirrored'}", got.x, got.y))
        pl = expected_cell.get(name)
        if pl is not None and pl.cell.removesuffix("_mirror") != got.cell.removesuffix("_mirror"):  # mirror: above
            issues.append(LvsIssue("geometry", f"instance {name!r} is drawn as cell {got.cell}; its settings "
                                   f"give cell {pl.cell}", got.x, got.y))
    for name, got in ex.instances.items():
        if name not in netlist.instances:
            issues.append(LvsIssue("extra_instance", f"layout instance {name!r} ({got.component}) is not in the "
                                   "netlist", got.x, got.y))

    want = {frozenset(((a.split(",")[0], a.split(",")[1]), (b.split(",")[0], b.split(",")[1])))
            for a, b in netlist.connections.items()}
    for c in sorted(want - ex.connections, key=lambda c: sorted(c)):
        a, b = sorted(c)
        xy = ex.port_xy.get(a) or ex.port_xy.get(b) or (None, None)
        issues.append(LvsIssue("missing_connection", f"netlist connects {_fmt_port(a)} to {_fmt_port(b)}; "
                               "the layout does not", *xy))
    for c in sorted(ex.connections - want, key=lambda c: sorted(c)):
        a, b = sorted(c)
        issues.append(LvsIssue("extra_connection", f"layout connects {_fmt_port(a)} to {_fmt_port(b)}; "
                               "the netlist does not", *ex.port_xy.get(a, (None, None))))
    for pname, ref in netlist.ports.items():
        inst, port = ref.split(",")
        got = ex.ports.get(pname)
        if got is None:
            xy = ex.port_xy.get((inst, port), (None, None))
            issues.append(LvsIssue("missing_port", f"chip port {pname!r} ({ref}) is not routed to a grating "
                                   "coupler in the layout", *xy))
        elif got != (inst, port):
            issues.append(LvsIssue("port", f"chip port {pname!r} reaches {_fmt_port(got)} in the layout but "
                                   f"{ref} in the netlist", *ex.port_xy.get(got, (None, None))))
    for pname, got in ex.ports.items():
        if pname not in netlist.ports:
            issues.append(LvsIssue("extra_port", f"layout chip port {pname!r} is not in the netlist",
                                   *ex.port_xy.get((pname, "o1"), (None, None))))
    return LvsReport(tuple(issues), len(ex.instances), len(ex.connections), len(ex.ports), ex.heater_ends)
