"""One set of cells per layout: each distinct geometry built once, kept by name."""

from __future__ import annotations

from typing import Mapping

import gdstk
import numpy as np

from ..netlist import Netlist
from ..errors import LayoutError
from .cellparts import cell_ports, coupling_length, fmt
from .cells import CELL_COMPONENTS, attenuator_cell, coupler_cell, mzi_cell, phase_shifter_cell, waveguide_cell
from .geometry import snap
from .layers import LAYERS
from .options import LayoutOptions

__all__ = ["CellSet", "check_drawable", "waveguide_footprint"]


def waveguide_footprint(o: LayoutOptions) -> float:
    """Largest distance (um) between a waveguide cell's ports: four bend radii hold one bump of any length."""
    return 4.0 * o.bend_radius


def check_drawable(netlist: Netlist) -> None:
    """Raise LayoutError for an instance whose component has no cell."""
    for name, inst in netlist.instances.items():
        if inst.component not in CELL_COMPONENTS:
            raise LayoutError(
                f"{netlist.source + ': ' if netlist.source else ''}instance {name!r}: component "
                f"{inst.component!r} has no layout cell; drawable components: {', '.join(CELL_COMPONENTS)}"
            )


class CellSet:
    """Builds each distinct cell once and keeps it by name (insertion order = GDS order)."""

    def __init__(self, o: LayoutOptions):
        self.o = o
        self.cells: dict[str, gdstk.Cell] = {}
        self._ports: dict[str, dict] = {}
        self._length: dict[str, float] = {}
        self._leads: dict[str, int] = {}
        self.paths: dict[str, float] = {}  # drawn centre-line length of every waveguide cell (um)

    def get(self, name: str, build) -> str:
        if name not in self.cells:
            cell = build()
            if cell.name != name:  # pragma: no cover - a naming bug, not user input
                raise RuntimeError(f"cell built as {cell.name!r}, expected {name!r}")
            self.cells[name] = cell
            ports = cell_ports(cell)
            self._ports[name] = ports
            self._length[name] = max(p[0] for p in ports.values())
            m2 = LAYERS["M2"]
            self._leads[name] = sum(1 for q in cell.polygons if (q.layer, q.datatype) == m2.spec)
        return name

    def waveguide(self, length: float, footprint: float) -> str:
        """Cell of a waveguide ``length`` um long with its ports ``footprint`` um apart (a bump if longer)."""
        length, footprint = float(snap(length)), float(snap(footprint))
        straight = abs(length - footprint) < 5e-4
        name = f"waveguide_L{fmt(length)}" + ("" if straight else f"_F{fmt(footprint)}")
        name = self.get(name, lambda: waveguide_cell(length, self.o, None if straight else footprint))
        self.paths[name] = length
        return name

    def leads(self, name: str) -> int:
        """Number of heater leads (M2 polygons) of a cell; each leaves it at its input edge."""
        return self._leads[name]

    def length(self, name: str) -> float:
        return self._length[name]

    def ports(self, name: str) -> dict:
        return self._ports[name]

    def for_stage(self, component: str, settings: Mapping[str, np.ndarray], names) -> list[str]:
        """Cell name of every element of a stage (vectorised over the stage's settings)."""
        o = self.o
        if component in ("mzi", "attenuator"):
            mirror = np.asarray(settings.get("mirror", np.zeros(len(names), bool)), bool).reshape(-1)
            lc = np.column_stack([coupling_length(settings["kappa1"], o), coupling_length(settings["kappa2"], o),
                                  mirror])
            uniq, inv = np.unique(lc, axis=0, return_inverse=True)
            cn = []
            for a, b, m in uniq:
                if component == "mzi":
                    name = f"mzi_Lc{fmt(a)}_{fmt(b)}" + ("_mirror" if m else "")
                    cn.append(self.get(name, lambda a=a, b=b, m=m: mzi_cell(a, b, o, mirror=bool(m))))
                else:
                    cn.append(self.get(f"attenuator_Lc{fmt(a)}_{fmt(b)}", lambda a=a, b=b: attenuator_cell(a, b, o)))
            return [cn[i] for i in np.asarray(inv).reshape(-1)]
        if component == "coupler":
            lc = coupling_length(settings["kappa"], o)
            uniq, inv = np.unique(lc, return_inverse=True)
            cn = [self.get(f"coupler_Lc{fmt(a)}", lambda a=a: coupler_cell(a, o)) for a in uniq]
            return [cn[i] for i in np.asarray(inv).reshape(-1)]
        if component == "phase_shifter":
            n = self.get("phase_shifter", lambda: phase_shifter_cell(o))
            return [n] * len(names)
        if component == "waveguide":
            lengths = snap(settings["length_um"])
            bad = np.flatnonzero(lengths <= 0)
            if bad.size:
                raise LayoutError(
                    f"instance {names[bad[0]]!r} (waveguide): length_um = {float(settings['length_um'][bad[0]]):g} "
                    "cannot be drawn; valid: length_um >= 0.001 um"
                )
            # first drawn as a straight of its footprint, min(length, 4 bend radii): the room one bump of
            # extra length needs; picffm.layout.lengths.fit_waveguides then draws each to its length
            uniq, inv = np.unique(snap(np.minimum(lengths, waveguide_footprint(o))), return_inverse=True)
            cn = [self.waveguide(a, a) for a in uniq]
            return [cn[i] for i in np.asarray(inv).reshape(-1)]
        raise LayoutError(f"component {component!r} has no layout cell; drawable: {', '.join(CELL_COMPONENTS)}")
