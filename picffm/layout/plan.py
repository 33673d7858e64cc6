"""Layout plans as plain data: where every cell reference and routed waveguide goes (um).

Built by :func:`picffm.layout.place.plan_layout` (from a schedule) or
:func:`picffm.layout.explicit.plan_placed` (from a netlist's placements) and
turned into a gdstk library by :mod:`picffm.layout.build`. This module holds
no planning logic, so the two planners and the builder share it without
depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import gdstk
import numpy as np

from .geometry import orientation
from .routing import path_length

__all__ = ["Placed", "Route", "LayoutPlan", "ref_params"]


@dataclass(frozen=True)
class Placed:
    """One placed cell reference.

    ``x``, ``y``: lower-left corner of the span it occupies ([x, x + length] by
    the modes it covers); ``mirror``: reflected left-right; ``flip``:
    reflected up-down. ``name`` is the instance name (or the chip port name for
    grating couplers, whose ``component`` is ``grating_coupler``).
    """

    name: str
    component: str
    cell: str
    x: float
    y: float
    length: float
    mirror: bool = False
    flip: bool = False
    span: float = 0.0  # height between the cell's port rows (pitch for two-mode cells)
    at: tuple[float, float] | None = None  # explicit placement: the reference origin ...
    rotation: float = 0.0  # ... its rotation (rad) ...
    xref: bool = False  # ... and x reflection (gdstk convention: y -> -y before rotating)

    @property
    def origin(self) -> tuple[float, float]:
        if self.at is not None:
            return self.at
        return (round(self.x + (self.length if self.mirror else 0.0), 3) + 0.0,
                round(self.y + (self.span if self.flip else 0.0), 3) + 0.0)


@dataclass(frozen=True)
class Route:
    """A routed waveguide: its centre line and the two ports it joins ((inst, port) or (port name, 'o1'))."""

    a: tuple[str, str]
    b: tuple[str, str]
    points: np.ndarray

    @property
    def length(self) -> float:
        """Drawn length of the centre line (um)."""
        return path_length(self.points)


@dataclass(frozen=True)
class LayoutPlan:
    """Where everything goes (um); pure data, built by :func:`plan_layout`."""

    n_modes: int
    column_x: np.ndarray
    column_width: np.ndarray
    instances: tuple[Placed, ...]
    gratings: tuple[Placed, ...]
    routes: tuple[Route, ...]
    outline: tuple[float, float, float, float]
    cells: Mapping[str, gdstk.Cell] = field(repr=False)
    wiring: tuple[Placed, ...] = ()  # one cell of heater leads and bond pads per column gap (:mod:`.pads`)
    paths: Mapping[str, float] = field(default_factory=dict)  # waveguide cell -> drawn centre-line length (um)

    def expected_position(self, name: str) -> tuple[float, float] | None:
        for p in self.instances:
            if p.name == name:
                return (p.x, p.y)
        return None


def ref_params(pl: Placed) -> tuple[tuple[float, float], float, bool]:
    """gdstk Reference (origin, rotation, x_reflection) of a placed cell."""
    if pl.at is not None:
        return pl.at, pl.rotation, pl.xref
    rot, xref = orientation(pl.mirror, pl.flip)
    return pl.origin, rot, xref
