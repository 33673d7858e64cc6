"""Drawn against simulated optical path lengths, per ``waveguide`` instance.

The simulator gives a ``waveguide`` instance exactly ``length_um`` of
propagation and every connection zero length. What light travels in the
drawing between the element before a waveguide and the element after it is
the waveguide's cell plus the routed waveguides at its two ports; that sum is
the instance's **drawn optical path** (centre lines; arcs are drawn as
polygons within ``arc_tolerance`` of the true arc, so their lengths agree
with the true arcs' to better than 1e-4 relative).

:func:`check_lengths` reports every instance whose drawn path differs from
``length_um`` by more than ``LENGTH_TOL_UM + LENGTH_TOL_REL * length_um``
(10 nm + 1e-4 of the length), naming it, with both lengths and where it is.

**Drawing the lengths** (:func:`fit_waveguides`, run by both planners): a
waveguide's cell is first placed as a straight of its footprint,
``min(length_um, 4 bend_radius)``; once every route is known, its cell is
redrawn with the same ports and a centre line of ``length_um`` minus the
routes at its ports, the extra over the footprint in one bump
(:func:`picffm.layout.meander.meander_centerline`). A waveguide whose routes
alone (with the straight) are already longer than ``length_um`` cannot be
drawn at these placements: the check names it and the shortest length
drawable there. A route between two waveguides counts half for each.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Iterable, Mapping

from ..netlist import Netlist
from .cellset import CellSet
from .listing import listing
from .plan import LayoutPlan, Placed, Route

__all__ = ["LENGTH_TOL_UM", "LENGTH_TOL_REL", "LengthIssue", "LengthReport", "drawn_paths", "check_lengths",
           "fit_waveguides", "used_cells"]

LENGTH_TOL_UM = 0.01
LENGTH_TOL_REL = 1e-4


@dataclass(frozen=True)
class LengthIssue:
    """A waveguide instance drawn longer or shorter than it is simulated (um)."""

    instance: str
    simulated_um: float
    drawn_um: float
    cell_um: float
    routed_um: float
    x: float
    y: float

    def __str__(self) -> str:
        if self.drawn_um > self.simulated_um:  # cells are drawn to length: only a too short one is left
            return (f"waveguide {self.instance!r}: length_um = {self.simulated_um:g} um is below the shortest path "
                    f"drawable here, {self.drawn_um:.3f} um (a straight cell of {self.cell_um:.3f} + routes "
                    f"{self.routed_um:.3f}) at ({self.x:.3f}, {self.y:.3f}) um: use length_um >= "
                    f"{self.drawn_um:.3f} or place its neighbours closer")
        return (f"waveguide {self.instance!r}: drawn optical path {self.drawn_um:.3f} um (cell {self.cell_um:.3f} + "
                f"routes {self.routed_um:.3f}) but length_um = {self.simulated_um:g} um is simulated "
                f"({self.drawn_um - self.simulated_um:+.3f} um) at ({self.x:.3f}, {self.y:.3f}) um")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LengthReport:
    issues: tuple[LengthIssue, ...]
    waveguides: int

    @property
    def ok(self) -> bool:
        return not self.issues

    def summary(self) -> str:
        if self.ok:
            return (f"lengths clean ({self.waveguides} waveguide(s) drawn as long as simulated, within "
                    f"{LENGTH_TOL_UM * 1e3:g} nm + {LENGTH_TOL_REL:g} of the length)")
        return listing(f"lengths: {len(self.issues)} waveguide(s) drawn with another length than simulated", self.issues)

    def to_dict(self, limit: int = 100) -> dict:
        return {"ok": self.ok, "differences": len(self.issues), "waveguides": self.waveguides,
                "tolerance_um": LENGTH_TOL_UM, "tolerance_rel": LENGTH_TOL_REL,
                "first": [i.to_dict() for i in self.issues[:limit]]}


def drawn_paths(plan: LayoutPlan, net: Netlist) -> dict[str, dict[str, float]]:
    """Per ``waveguide`` instance: simulated ``length_um``, its cell's length, the routes at its ports and their sum (um).

    ``routed_um`` sums the routes that end at the instance (a route
    between two waveguides counts half for each); ``cell_um`` is the
    length of the cell's centre line as drawn.
    """
    at = _routed(plan.routes, {pl.name for pl in plan.instances if pl.component == "waveguide"})
    out: dict[str, dict[str, float]] = {}
    for pl in plan.instances:
        if pl.component != "waveguide":
            continue
        cell = float(plan.paths.get(pl.cell, pl.length))
        routed = at.get(pl.name, 0.0)
        out[pl.name] = {"simulated_um": float(net.instances[pl.name].full_settings()["length_um"]),
                        "cell_um": round(cell, 3), "routed_um": round(routed, 3),
                        "drawn_um": round(cell + routed, 3)}
    return out


def _routed(routes: Iterable[Route], waveguides: set[str]) -> dict[str, float]:
    """Route length at every waveguide instance's ports (um); a route between two waveguides, half to each."""
    at: dict[str, float] = {}
    for r in routes:
        ends = {r.a[0], r.b[0]} & waveguides
        for end in ends:
            at[end] = at.get(end, 0.0) + r.length / len(ends)
    return at


def fit_waveguides(instances: Iterable[Placed], routes: Iterable[Route], cells: CellSet,
                   net: Netlist) -> tuple[Placed, ...]:
    """Every waveguide instance redrawn so that its cell plus its routes is ``length_um`` (module docstring).

    The cell keeps its ports (its footprint), so no route moves; one that
    is already too long with a straight cell is left as it is, for
    :func:`check_lengths` to report.
    """
    instances = tuple(instances)
    names = {pl.name for pl in instances if pl.component == "waveguide"}
    if not names:
        return instances
    at = _routed(routes, names)
    out = []
    for pl in instances:
        if pl.name in names:
            want = float(net.instances[pl.name].full_settings()["length_um"]) - at.get(pl.name, 0.0)
            foot = cells.length(pl.cell)
            if want > foot + 5e-4:
                pl = replace(pl, cell=cells.waveguide(want, foot))
        out.append(pl)
    return tuple(out)


def used_cells(cells: Mapping, *placed: Iterable[Placed]) -> dict:
    """The cells (name -> cell, in their order) that some placed reference uses."""
    names = {pl.cell for group in placed for pl in group}
    return {k: v for k, v in cells.items() if k in names}


def check_lengths(plan: LayoutPlan, net: Netlist) -> LengthReport:
    """Every waveguide instance whose drawn optical path is not its simulated ``length_um`` (module docstring)."""
    where = {pl.name: pl for pl in plan.instances}
    issues = []
    paths = drawn_paths(plan, net)
    for name, d in paths.items():
        if abs(d["drawn_um"] - d["simulated_um"]) > LENGTH_TOL_UM + LENGTH_TOL_REL * d["simulated_um"]:
            pl = where[name]
            x, y = pl.at if pl.at is not None else (pl.x, pl.y)
            issues.append(LengthIssue(name, d["simulated_um"], d["drawn_um"], d["cell_um"], d["routed_um"],
                                      float(x), float(y)))
    return LengthReport(tuple(issues), len(paths))
