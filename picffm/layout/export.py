"""Files: the GDS itself, a KLayout layer-properties file beside it, a PNG preview.

The GDS is written with a fixed timestamp (:data:`GDS_TIMESTAMP`) and through
a temporary file renamed into place, so the same netlist gives the same
bytes and an interrupted run never leaves half a file.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import gdstk
import numpy as np

from ..errors import LayoutError
from ..atomic import atomic_path, atomic_write_bytes, atomic_write_text
from .geometry import check_gds_extent
from .layers import LAYERS, layer_of

__all__ = ["GDS_TIMESTAMP", "write_gds", "lyp_text", "write_lyp", "write_png", "render_figure", "lyp_path",
           "scale_bar_um"]

#: stored in every GDS picffm writes (GDSII requires a date; a fixed one keeps files reproducible)
GDS_TIMESTAMP = datetime(2024, 1, 1, 0, 0, 0)


def write_gds(library: gdstk.Library, path: str | os.PathLike) -> None:
    """Write ``library`` to ``path`` (GDSII), deterministically and atomically.

    Refuses (:class:`~picffm.errors.LayoutError`) a library reaching beyond
    what GDSII stores at 1 nm (:data:`~picffm.layout.geometry.GDS_LIMIT_UM`),
    rather than writing coordinates that wrap around.
    """
    path = Path(path)
    if path.suffix.lower() != ".gds":
        raise LayoutError(f"{path}: a layout is written as GDSII; use a .gds file name")
    if not path.parent.is_dir():
        raise LayoutError(f"{path}: folder {str(path.parent)!r} does not exist")
    for top in library.top_level():  # a coordinate beyond 32 bits of 1 nm would wrap around silently
        box = top.bounding_box() if isinstance(top, gdstk.Cell) else None
        if box is not None:
            check_gds_extent(*box[0], *box[1], what=f"cell {top.name!r}")
    with atomic_path(path) as tmp:
        library.write_gds(tmp, timestamp=GDS_TIMESTAMP)


def lyp_path(gds_path: str | os.PathLike) -> Path:
    """The layer-properties file that goes beside a GDS (same stem, ``.lyp``)."""
    return Path(gds_path).with_suffix(".lyp")


_DITHER = {"WG": "I0", "HEATER": "I5", "VIA1": "I0", "M2": "I9", "VIA2": "I0", "MTOP": "I3"}


def lyp_text() -> str:
    """KLayout layer-properties XML for the layer map (names, colours, fill patterns)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<layer-properties>"]
    for ly in LAYERS.values():
        out += [
            " <properties>",
            f"  <frame-color>{ly.color}</frame-color>",
            f"  <fill-color>{ly.color}</fill-color>",
            "  <frame-brightness>0</frame-brightness>",
            "  <fill-brightness>0</fill-brightness>",
            f"  <dither-pattern>{_DITHER.get(ly.name, 'I1') if ly.fill else 'I1'}</dither-pattern>",
            "  <line-style/>",
            "  <valid>true</valid>",
            "  <visible>true</visible>",
            "  <transparent>false</transparent>",
            f"  <width>{1 if ly.fill else 2}</width>",
            "  <marked>false</marked>",
            "  <xfill>false</xfill>",
            "  <animation>0</animation>",
            f"  <name>{escape(ly.name)} {ly.layer}/{ly.datatype}</name>",
            f"  <source>{ly.layer}/{ly.datatype}@1</source>",
            " </properties>",
        ]
    out += [" <name/>", "</layer-properties>", ""]
    return "\n".join(out)


def write_lyp(path: str | os.PathLike) -> None:
    """Write the KLayout layer-properties file."""
    atomic_write_text(path, lyp_text())


_PNG_ORDER = ("FLOORPLAN", "WG", "HEATER", "VIA1", "M2", "VIA2", "MTOP", "PADOPEN")


def scale_bar_um(width_um: float) -> float:
    """Length of a scale bar for a drawing ``width_um`` wide: 1, 2 or 5 x 10^k um, about a tenth of it."""
    import math

    target = max(width_um, 1e-3) / 10
    k = math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * 10 ** k <= target:
            return float(m * 10 ** k)
    return float(10 ** k)  # pragma: no cover - m = 1 always fits


def write_png(cell: gdstk.Cell, path: str | os.PathLike, *, labels: int = 80, width_in: float = 12.0,
              dpi: int = 110, title: str | None = None) -> None:
    """Render ``cell`` (flattened) to a PNG with matplotlib, coloured by the layer map.

    The view is the whole drawing (chip outline included) with a margin of 3 %
    of its size on every side; a scale bar in um sits in the lower left
    corner. Labels of the top cell are drawn (when there are at most
    ``labels`` of them) in the TEXT colour with a white outline, readable on
    the drawing and on the background; each is kept inside the frame, and one
    that would cover a bond pad, the scale bar or a label drawn before it is
    left out of the picture (the GDS has every label).
    """
    import io

    import numpy as np
    from matplotlib import patheffects
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    path = Path(path)
    if path.suffix.lower() != ".png":
        raise LayoutError(f"{path}: the preview is a PNG; use a .png file name")
    fig = render_figure(cell, labels=labels, width_in=width_in, dpi=dpi, title=title,
                        _mods=(np, patheffects, FigureCanvasAgg, PolyCollection, Figure))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    atomic_write_bytes(path, buf.getvalue())


def _box(t) -> np.ndarray:
    """Display-space box [[x0, y0], [x1, y1]] of a text artist (its outline stroke included)."""
    bb = t.get_window_extent()
    return np.array([[bb.x0 - 1, bb.y0 - 1], [bb.x1 + 1, bb.y1 + 1]])


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0, 0] < b[1, 0] and b[0, 0] < a[1, 0] and a[0, 1] < b[1, 1] and b[0, 1] < a[1, 1])


def render_figure(cell: gdstk.Cell, *, labels: int = 80, width_in: float = 12.0, dpi: int = 110,
                  title: str | None = None, _mods=None):
    """The matplotlib Figure :func:`write_png` saves (for tests that inspect where things landed)."""
    if _mods is None:
        import numpy as np
        from matplotlib import patheffects
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.collections import PolyCollection
        from matplotlib.figure import Figure
    else:
        np, patheffects, FigureCanvasAgg, PolyCollection, Figure = _mods
    by_layer: dict[str, list] = {}
    for poly in cell.get_polygons():
        ly = layer_of(poly.layer, poly.datatype)
        if ly is not None:
            by_layer.setdefault(ly.name, []).append(poly.points)
    (x0, y0), (x1, y1) = cell.bounding_box()
    pad = 0.03 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    aspect = (y1 - y0) / max(x1 - x0, 1e-9)
    top_frac = 0.93 if title else 0.98
    height_in = float(np.clip(width_in * aspect / top_frac, 2.5, 16.0))
    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, top_frac - 0.01))
    for name in _PNG_ORDER:
        if name not in by_layer:
            continue
        ly = LAYERS[name]
        coll = PolyCollection(by_layer[name], facecolors=ly.color if ly.fill else "none",
                              edgecolors=ly.color, linewidths=0.3 if ly.fill else 0.8,
                              alpha=0.85 if ly.fill else 1.0)
        ax.add_collection(coll)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    text = LAYERS["TEXT"]
    outline = [patheffects.withStroke(linewidth=1.8, foreground="white")]
    fig.canvas.draw()
    frame = ax.get_window_extent()
    pads = [np.vstack([ax.transData.transform(p.min(0)), ax.transData.transform(p.max(0))])
            for p in by_layer.get("MTOP", [])]
    taken = [np.array([[q[:, 0].min(), q[:, 1].min()], [q[:, 0].max(), q[:, 1].max()]]) for q in pads]
    bar = scale_bar_um(x1 - x0)
    bx, by = x0 + pad * 0.6, y0 + pad * 0.5
    ax.plot([bx, bx + bar], [by, by], color="black", linewidth=2.5, solid_capstyle="butt",
            path_effects=[patheffects.withStroke(linewidth=4, foreground="white")])
    t = ax.text(bx + bar / 2, by + pad * 0.15, f"{bar:g} um", fontsize=7, ha="center", va="bottom", color="black",
                path_effects=outline)
    taken.append(_box(t))
    lbs = [lb for lb in cell.labels if lb.layer == text.layer and lb.texttype == text.datatype]
    if len(lbs) <= labels:
        inv = ax.transData.inverted()
        for lb in lbs:
            t = ax.text(lb.origin[0], lb.origin[1], lb.text, fontsize=6, ha="center", va="center",
                        color=text.color, path_effects=outline, clip_on=False)
            bb = t.get_window_extent()
            dx = max(0.0, frame.x0 + 2 - bb.x0) - max(0.0, bb.x1 - (frame.x1 - 2))
            dy = max(0.0, frame.y0 + 2 - bb.y0) - max(0.0, bb.y1 - (frame.y1 - 2))
            if dx or dy:  # keep the whole label inside the frame
                cx, cy = ax.transData.transform(lb.origin)
                t.set_position(inv.transform((cx + dx, cy + dy)))
            box = _box(t)
            if any(_overlap(box, o) for o in taken):
                t.remove()  # it would cover a pad or another label: the GDS has it, the preview leaves it out
                continue
            taken.append(box)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
