"""Thermo-optic heaters and their M2 leads, as drawn inside the cells.

A heater is a HEATER strip on the waveguide at y = 0 with a contact square
and a VIA1 at each end (gdsfactory's generic PDK: HEATER - VIA1 - M2); every
terminal's M2 lead runs down below the waveguide and out to the cell's input
edge (x = 0), one level per terminal (:func:`lead_levels`), so no two cross.
Lengths in um, in the cell's frame.
"""

from __future__ import annotations

import numpy as np

from .cellparts import Shape
from .geometry import rect, snap
from .options import LayoutOptions

__all__ = ["heater_shapes", "lead_levels", "lead_shapes", "section_length"]


def heater_shapes(x0: float, o: LayoutOptions) -> tuple[list[Shape], list[float]]:
    """Heater on the waveguide at y = 0 from x0 + margin, a contact and a VIA1 at each end.

    Returns the shapes and the x of the two contact centres (the heater's
    **terminals**); :func:`lead_shapes` draws their M2 leads. The stack is
    gdsfactory's generic PDK: the HEATER strip (TiN) widens to a ``contact``
    square at each end; a VIA1 square (``via_enclosure`` inside the contact)
    joins it to the M2 lead above.
    """
    xa = x0 + o.heater_margin
    xb = xa + o.heater_length
    c, e, hw = o.contact, o.via_enclosure, o.heater_width / 2
    heater = np.array([  # one polygon: strip and both contact squares (no overlapping HEATER shapes)
        [xa, -c / 2], [xa + c, -c / 2], [xa + c, -hw], [xb - c, -hw], [xb - c, -c / 2], [xb, -c / 2],
        [xb, c / 2], [xb - c, c / 2], [xb - c, hw], [xa + c, hw], [xa + c, c / 2], [xa, c / 2],
    ])
    out: list[Shape] = [("HEATER", snap(heater))]
    for xl in (xa, xb - c):  # VIA1 in each contact
        out.append(("VIA1", rect(xl + e, -c / 2 + e, xl + c - e, c / 2 - e)))
    return out, [xa + c / 2, xb - c / 2]


def lead_levels(n: int, o: LayoutOptions) -> np.ndarray:
    """y (um, cell frame) of the horizontal M2 leads of ``n`` heater terminals, below the waveguide at y = 0."""
    return -(o.contact / 2 + o.lead_spacing + o.lead_width / 2 + np.arange(n) * (o.lead_width + o.lead_spacing))


def lead_shapes(terminals: list[float], o: LayoutOptions) -> list[Shape]:
    """M2 lead of every heater terminal: its contact square, down below the waveguide, then out to x = 0.

    The terminal k-th from the left runs at the k-th level below the
    waveguide (:func:`lead_levels`), so each lead passes below the leads of
    the terminals left of it and none cross. Each lead is one polygon ending
    on the cell's input edge (x = 0), where the chip's routing continues it
    to a bond pad (:mod:`picffm.layout.pads`).
    """
    c, lw = o.contact, o.lead_width
    out: list[Shape] = []
    for xc, y in zip(sorted(terminals), lead_levels(len(terminals), o)):
        pts = [[xc - c / 2, c / 2], [xc - c / 2, -c / 2], [xc - lw / 2, -c / 2], [xc - lw / 2, y + lw / 2],
               [0.0, y + lw / 2], [0.0, y - lw / 2], [xc + lw / 2, y - lw / 2], [xc + lw / 2, -c / 2],
               [xc + c / 2, -c / 2], [xc + c / 2, c / 2]]
        if lw == c:  # the lead is as wide as the contact: drop the two steps
            pts = [q for k, q in enumerate(pts) if k not in (1, 2, 7, 8)]
        out.append(("M2", snap(pts)))
    return out


def section_length(o: LayoutOptions) -> float:
    return float(snap(o.heater_length + 2 * o.heater_margin))
