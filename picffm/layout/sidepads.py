"""Bond pads beside each placed instance: the heater wiring of a netlist drawn from placements.

A netlist with ``placements`` puts its cells anywhere, in any of the eight
orientations, so its heater leads cannot all run to pad rows at the chip
edge without a general router. Each instance with heaters gets a pad
column of its own instead, drawn in the instance's frame (one wiring cell
per cell geometry, placed with the instance's own origin, rotation and
mirror): wherever the instance goes, its pads go with it, as the probe pads
beside a ring's heater on a test chip.

In the cell frame, with the leads leaving the cell's input edge (x = 0,
heading -x; a mirror-image cell's at its right edge, heading +x, drawn as
the mirror image of this) at the levels of
:func:`~picffm.layout.heaters.lead_levels` below the row-0 waveguide:

* lead ``i`` (``i = 0`` nearest the waveguide) runs out to its own vertical
  track, ``lead_spacing`` + ``k - 1 - i`` lead pitches beyond the edge (the
  lowest lead turns first), then down;
* the pads (``pad`` um squares, ``pad_pitch`` apart) stand in one column
  ``lead_spacing`` beyond the outermost track, the top one ``pad_pitch -
  pad`` below the lowest lead; lead ``i`` turns into the side of pad ``i``.
  So no two leads cross: a lead's horizontal runs pass below the ends of the
  tracks further out.

Each pad is the same stack as at the chip edge (:func:`~picffm.layout.pads.pad_stack`: M2
landing, VIA2, MTOP, PADOPEN). The wiring cells are named ``leads_side..``,
so layout versus netlist checks them electrically, like the chip-edge ones;
pads of two instances that come too close are what DRC (spacing) and LVS
(shorts) then report.
"""

from __future__ import annotations

import gdstk
import numpy as np

from .cellparts import fmt
from .cellset import CellSet
from .geometry import path_polygon, snap
from .heaters import lead_levels
from .layers import LAYERS
from .options import LayoutOptions
from .pads import WIRING_PREFIX, pad_stack
from .plan import Placed

__all__ = ["side_wiring_cell", "plan_side_pads"]


def side_wiring_cell(k: int, o: LayoutOptions, mirror_at: float | None = None) -> gdstk.Cell:
    """The leads and pad column of a cell with ``k`` heater terminals (see the module docstring).

    ``mirror_at``: the cell's length, for a mirror-image cell whose leads
    leave at its right edge (x = length); the wiring is then reflected about
    x = length / 2.
    """
    lw, ls = o.lead_width, o.lead_spacing
    pitch = lw + ls
    levels = lead_levels(k, o)
    track = -(ls + lw / 2 + (k - 1 - np.arange(k)) * pitch)  # lead i's vertical track (x < 0)
    right = float(track[0]) - lw / 2 - ls  # the pads' right edge
    top = float(levels[-1]) - lw / 2 - (o.pad_pitch - o.pad)  # the top pad's upper edge
    shapes: list[tuple[str, np.ndarray]] = []
    for i in range(k):
        y_pad = top - o.pad - i * o.pad_pitch  # pad i's lower edge
        yc = y_pad + o.pad / 2
        shapes.append(("M2", path_polygon([[0.0, levels[i]], [track[i], levels[i]], [track[i], yc], [right, yc]], lw)))
        shapes += pad_stack(right - o.pad, y_pad, o)
    name = f"{WIRING_PREFIX}side{k}"
    if mirror_at is not None:
        name += f"_mirror_L{fmt(mirror_at)}"
        shapes = [(ly, np.column_stack([mirror_at - p[:, 0], p[:, 1]])[::-1]) for ly, p in shapes]
    cell = gdstk.Cell(name)
    for ly, p in shapes:
        cell.add(gdstk.Polygon(snap(p), layer=LAYERS[ly].layer, datatype=LAYERS[ly].datatype))
    return cell


def plan_side_pads(placed: list[Placed], cells: CellSet, o: LayoutOptions) -> list[Placed]:
    """A pad column beside every placed instance with heaters; its wiring cells are added to ``cells.cells``.

    Returns the wiring references, each at its instance's origin, rotation and reflection.
    """
    wiring = []
    for pl in placed:
        k = cells.leads(pl.cell)
        if not k:
            continue
        mirror_at = cells.length(pl.cell) if pl.cell.endswith("_mirror") else None
        cell = side_wiring_cell(k, o, mirror_at)
        cells.cells.setdefault(cell.name, cell)
        wiring.append(Placed(cell.name, "leads", cell.name, pl.x, pl.y, 0.0, at=pl.at, rotation=pl.rotation,
                             xref=pl.xref))
    return wiring
