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

import os

import gdstk

from ..errors import PicffmError
from ..netlist import Netlist
from .extract import Extracted, ExtractedInstance, Port, extract, read_library
from .lvs_report import LvsIssue, LvsReport
from .options import LayoutOptions

__all__ = ["ExtractedInstance", "Extracted", "LvsIssue", "LvsReport", "extract", "check_lvs", "read_library"]


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
