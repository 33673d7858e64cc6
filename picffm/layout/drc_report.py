"""The result of a design-rule check: one :class:`Violation` per spot, gathered in a :class:`DrcReport`.

Coordinates are um in the top cell's frame; ``value`` and ``limit`` are um
(for ``off_grid``: the distance off the grid and the grid step).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .listing import listing

__all__ = ["Violation", "DrcReport"]


@dataclass(frozen=True)
class Violation:
    """One rule violation at (x, y) um in the top cell's frame."""

    rule: str  # "width", "spacing", "notch", "off_grid", "bend_radius" or "layer"
    layer: str
    x: float
    y: float
    value: float
    limit: float
    cell: str

    def __str__(self) -> str:
        where = f"at ({self.x:.3f}, {self.y:.3f}) um"
        if self.rule == "layer":
            return f"polygon on layer {self.layer}, which is not in the layer map, {where} (cell {self.cell})"
        if self.rule == "off_grid":
            return (f"{self.layer} vertex off the {self.limit * 1e3:g} nm grid by {self.value * 1e3:.3g} nm {where} "
                    f"(cell {self.cell})")
        what = {"width": "width", "spacing": "spacing", "notch": "notch (gap inside one shape)",
                "bend_radius": "edge radius"}[self.rule]
        return (f"{self.layer} {what} {self.value:.3f} um < {self.limit:g} um {where} "
                f"(cell {self.cell})")

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DrcReport:
    """Result of :func:`check_drc`."""

    violations: tuple[Violation, ...]
    cells: int
    polygons: int
    pairs: int

    @property
    def ok(self) -> bool:
        return not self.violations

    def summary(self) -> str:
        if self.ok:
            return f"DRC clean ({self.cells} cells, {self.polygons} polygons, {self.pairs} placement pairs)"
        return listing(f"DRC: {len(self.violations)} violation(s)", self.violations)

    def to_dict(self, limit: int = 100) -> dict:
        return {"ok": self.ok, "violations": len(self.violations), "cells": self.cells,
                "polygons": self.polygons, "pairs": self.pairs,
                "first": [v.to_dict() for v in self.violations[:limit]]}
