"""Building blocks of the cells: layer-tagged outlines, their moves and mirror images, couplers, ports.

A shape is ``(layer name, (k, 2) outline in um)``; :func:`make_cell` turns a
list of them into a gdstk cell with its ports as PORT-layer labels (text
``o1``.., rotation = the direction in which light leaves the cell), which
:func:`cell_ports` reads back. Every coordinate is snapped to the 1 nm grid.
"""

from __future__ import annotations

import math
from typing import Iterable

import gdstk
import numpy as np

from .geometry import path_polygon, rect, sbend, snap
from .layers import LAYERS
from .options import LayoutOptions

__all__ = ["Shape", "fmt", "coupling_length", "translate", "flip_x", "flip_y", "dc_shapes", "wg_shape", "make_cell",
           "two_mode_ports", "one_mode_ports", "cell_ports"]

Shape = tuple[str, np.ndarray]


def fmt(v: float) -> str:
    """Number for a cell name: 12.5 -> '12p5', 10.0 -> '10'."""
    s = f"{float(v):.3f}".rstrip("0").rstrip(".")
    return s.replace("-", "m").replace(".", "p")


def coupling_length(kappa, o: LayoutOptions) -> np.ndarray:
    """Coupling length (um) of a directional coupler of power coupling ``kappa``.

    Coupled-mode theory: ``kappa = sin^2(pi/2 * Lc / crossover_length)``.
    """
    k = np.clip(np.asarray(kappa, dtype=float), 0.0, 1.0)
    return snap(o.crossover_length * 2.0 / math.pi * np.arcsin(np.sqrt(k)))



def translate(shapes: Iterable[Shape], dx: float, dy: float = 0.0) -> list[Shape]:
    return [(ly, snap(p + (dx, dy))) for ly, p in shapes]


def _mirror(shapes: Iterable[Shape], axis: int, c: float) -> list[Shape]:
    """Mirror about the line (x or y, by ``axis``) = c; the outline order reverses, keeping each orientation."""
    out = []
    for ly, p in shapes:
        q = p.copy()
        q[:, axis] = 2 * c - q[:, axis]
        out.append((ly, snap(q[::-1])))
    return out


def flip_y(shapes: Iterable[Shape], y0: float) -> list[Shape]:
    """Mirror about the line y = y0 (the outline order reverses orientation)."""
    return _mirror(shapes, 1, y0)


def flip_x(shapes: Iterable[Shape], x0: float) -> list[Shape]:
    """Mirror about the line x = x0 (the outline order reverses orientation)."""
    return _mirror(shapes, 0, x0)


def _sbend_shape(h: float, o: LayoutOptions) -> tuple[np.ndarray, float]:
    pts, dx = sbend(h, o.bend_radius, math.radians(o.max_bend_angle_deg), o.arc_tolerance)
    return pts, dx


def dc_shapes(separation: float, lc: float, o: LayoutOptions) -> tuple[list[Shape], float]:
    """Directional coupler between arms at y = 0 and y = separation; returns (shapes, length)."""
    w = o.wg_width
    h = (separation - o.gap - w) / 2
    pts, dx = _sbend_shape(h, o)
    down, _ = _sbend_shape(-h, o)
    lower: list[Shape] = [("WG", path_polygon(pts, w))]
    if lc > 0:
        lower.append(("WG", rect(dx, h - w / 2, dx + lc, h + w / 2)))
    lower.append(("WG", path_polygon(down + (dx + lc, h), w)))
    return lower + flip_y(lower, separation / 2), float(snap(2 * dx + lc))



def wg_shape(x0: float, x1: float, y: float, o: LayoutOptions) -> Shape:
    return ("WG", rect(x0, y - o.wg_width / 2, x1, y + o.wg_width / 2))


def make_cell(name: str, shapes: Iterable[Shape], ports: Iterable[tuple[str, float, float, float]]) -> gdstk.Cell:
    cell = gdstk.Cell(name)
    for ly, pts in shapes:
        spec = LAYERS[ly]
        cell.add(gdstk.Polygon(pts, layer=spec.layer, datatype=spec.datatype))
    port = LAYERS["PORT"]
    for pname, x, y, angle in ports:
        cell.add(gdstk.Label(pname, (float(snap(x)), float(snap(y))), rotation=angle,
                             layer=port.layer, texttype=port.datatype))
    return cell


def two_mode_ports(length: float, pitch: float):
    return [("o1", 0.0, 0.0, math.pi), ("o2", 0.0, pitch, math.pi),
            ("o3", length, pitch, 0.0), ("o4", length, 0.0, 0.0)]


def one_mode_ports(length: float):
    return [("o1", 0.0, 0.0, math.pi), ("o2", length, 0.0, 0.0)]


def cell_ports(cell: gdstk.Cell) -> dict[str, tuple[float, float, float]]:
    """Ports of a cell from its PORT-layer labels: name -> (x, y, angle)."""
    port = LAYERS["PORT"]
    return {
        lb.text: (float(lb.origin[0]), float(lb.origin[1]), float(lb.rotation))
        for lb in cell.labels
        if lb.layer == port.layer and lb.texttype == port.datatype
    }
