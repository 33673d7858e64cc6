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
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..netlist import Netlist
from .plan import LayoutPlan

__all__ = ["LENGTH_TOL_UM", "LENGTH_TOL_REL", "LengthIssue", "LengthReport", "drawn_paths", "check_lengths"]

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
        lines = [f"lengths: {len(self.issues)} waveguide(s) drawn with another length than simulated"]
        lines += [f"  {i}" for i in self.issues[:20]]
        if len(self.issues) > 20:
            lines.append(f"  ... and {len(self.issues) - 20} more")
        return "\n".join(lines)

    def to_dict(self, limit: int = 100) -> dict:
        return {"ok": self.ok, "differences": len(self.issues), "waveguides": self.waveguides,
                "tolerance_um": LENGTH_TOL_UM, "tolerance_rel": LENGTH_TOL_REL,
                "first": [i.to_dict() for i in self.issues[:limit]]}


def drawn_paths(plan: LayoutPlan, net: Netlist) -> dict[str, dict[str, float]]:
    """Per ``waveguide`` instance: simulated ``length_um``, its cell's length, the routes at its ports and their sum (um).

    ``routed_um`` sums the routes that end at the instance (each route's
    full length; a route between two waveguides counts for both).
    """
    at: dict[str, float] = {}
    for r in plan.routes:
        for end in {r.a[0], r.b[0]}:
            at[end] = at.get(end, 0.0) + r.length
    out: dict[str, dict[str, float]] = {}
    for pl in plan.instances:
        if pl.component != "waveguide":
            continue
        routed = round(at.get(pl.name, 0.0), 3)
        out[pl.name] = {"simulated_um": float(net.instances[pl.name].full_settings()["length_um"]),
                        "cell_um": float(pl.length), "routed_um": routed,
                        "drawn_um": round(float(pl.length) + routed, 3)}
    return out


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
