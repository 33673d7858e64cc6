"""Heater leads routed to rows of bond pads along the top and bottom chip edges.

Every heater terminal's M2 lead leaves its cell at the cell's input edge
(:func:`picffm.layout.heaters.lead_levels`: a horizontal run in the free
channel below the cell's mode pair) into the gap beside the column. There
each lead turns onto a vertical **track** of its own and runs up (leads in
the upper half of the mesh) or down (the lower half) past the mesh to a
bond pad of its own:

* **pads** are squares of ``pad`` um at ``pad_pitch`` (100 um) along rows at
  the top and bottom chip edges, ``pad_pitch`` between rows, at most
  ``pad_rows`` rows per edge; a gap's pads sit in *pad columns* straight
  above (below) it, so a gap is as wide as its pad columns
  (``ceil(tracks / pad_rows)`` of them, ``pad_pitch`` each);
* **tracks**: the lead to row 0 (nearest the mesh) rises under its pad's
  centre and enters it from below; the lead to row r >= 1 runs in the
  channel right of its pad column (the k-th track ``lead_spacing`` +
  (k-1) lead pitches from the pad) past the pads of rows 0..r-1 and turns
  into its pad's side;
* **no crossings**: in a gap, the up-going leads are taken from the top
  down and each takes the free track nearest the side it comes from (leads
  from the column on the right take tracks from the right, leads from the
  mirrored column on the left from the left), so a lead's horizontal run
  never passes a track already going up past it; down-going leads do the
  same from the bottom up, on the same tracks (their y ranges do not
  meet).

All on M2 (the routing metal); each pad is an M2 landing with VIA2 up to
the pad metal MTOP and a PADOPEN inset in it. Every gap's leads and pads
are one cell (``leads_<hash>``), so gaps with the same leads (the even and
the odd columns of a mesh) share it, and DRC and LVS check it once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import gdstk
import numpy as np

from .geometry import path_polygon, rect, snap
from .layers import LAYERS
from .options import LayoutOptions

__all__ = ["LeadSet", "slots_per_gap", "gap_widths", "plan_wiring", "pad_stack", "WIRING_PREFIX"]

WIRING_PREFIX = "leads_"


@dataclass(frozen=True)
class LeadSet:
    """Lead exits of the placed cells (arrays, one entry per heater terminal; um, top frame).

    ``gap``: the gap the lead enters (left of its column, or right of it
    for a mirrored cell); ``side``: +1 if it comes from the gap's right
    (the column after it), -1 from its left; ``y``: its level; ``up``: it
    goes to the top pad rows.
    """

    gap: np.ndarray
    side: np.ndarray
    y: np.ndarray
    up: np.ndarray
    x: np.ndarray | None = None  # exit x, once the columns are placed


def slots_per_gap(leads: LeadSet, n_gaps: int) -> np.ndarray:
    """Tracks a gap needs: the larger of its up-going and down-going lead counts."""
    up = np.bincount(leads.gap[leads.up], minlength=n_gaps)
    down = np.bincount(leads.gap[~leads.up], minlength=n_gaps)
    return np.maximum(up, down)


def gap_widths(slots: np.ndarray, o: LayoutOptions) -> np.ndarray:
    """Width of every gap (um): its pad columns, at least ``column_gap``."""
    cols = -(-slots // o.pad_rows)
    return snap(np.maximum(o.column_gap, cols * o.pad_pitch))


def _assign(gap: np.ndarray, side: np.ndarray, key: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Track of every lead of one direction: in order of ``key`` (per gap), left comers from the left, right from the right."""
    order = np.lexsort((key, gap))
    g, s = gap[order], side[order]
    out = np.empty(len(gap), np.int64)
    for sgn in (-1, 1):
        sel = s == sgn
        gg = g[sel]
        # rank among the same-side leads of its gap, in processing order
        start = np.searchsorted(gg, gg, side="left")
        rank = np.arange(len(gg)) - start
        out[order[sel]] = rank if sgn < 0 else slots[gg] - 1 - rank
    return out


def _track_x(slot: np.ndarray, o: LayoutOptions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pad column, row, track x relative to the gap start) of track ``slot``."""
    col, row = slot // o.pad_rows, slot % o.pad_rows
    pitch = o.lead_width + o.lead_spacing
    x = col * o.pad_pitch + np.where(row == 0, o.pad / 2,
                                     o.pad + o.lead_spacing + o.lead_width / 2 + (row - 1) * pitch)
    return col, row, x


def plan_wiring(leads: LeadSet, gap_x0: np.ndarray, gap_w: np.ndarray, slots: np.ndarray, y_top: float,
                y_bottom: float, o: LayoutOptions) -> tuple[dict[str, gdstk.Cell], list[tuple[str, float]], tuple]:
    """Cells of the gaps' leads and pads and where they go.

    ``gap_x0``: where every gap starts (um); ``y_top`` / ``y_bottom``: the
    top and bottom of everything drawn so far (the pad rows start one
    between-pad gap beyond). Returns (cells by name, [(cell name, gap x0)]
    per gap with leads, (lowest, highest) y of the pads).
    """
    up = leads.up
    slot = np.empty(len(up), np.int64)
    if up.any():
        slot[up] = _assign(leads.gap[up], leads.side[up], -leads.y[up], slots)
    if (~up).any():
        slot[~up] = _assign(leads.gap[~up], leads.side[~up], leads.y[~up], slots)
    col, row, xt = _track_x(slot, o)
    clear = o.pad_pitch - o.pad
    yf_top, yf_bot = y_top + clear, y_bottom - clear  # the pad edges nearest the mesh, row 0
    cells: dict[str, gdstk.Cell] = {}
    placed: list[tuple[str, float]] = []
    lo_y, hi_y = y_bottom, y_top
    for g in np.unique(leads.gap):
        k = np.flatnonzero(leads.gap == g)
        k = k[np.lexsort((leads.y[k], up[k], slot[k]))]
        x0 = float(gap_x0[g])
        rel = np.column_stack([snap(leads.x[k] - x0), leads.y[k], up[k], slot[k]])
        key = hashlib.sha1(np.ascontiguousarray(rel).tobytes() + np.float64(yf_top).tobytes()
                           + np.float64(yf_bot).tobytes()).hexdigest()[:10]
        name = WIRING_PREFIX + key
        if name not in cells:
            cells[name] = _wiring_cell(name, leads.x[k] - x0, leads.y[k], up[k], col[k], row[k], xt[k],
                                       yf_top, yf_bot, o)
        placed.append((name, x0))
        r_up = row[k][up[k]]
        r_dn = row[k][~up[k]]
        if r_up.size:
            hi_y = max(hi_y, yf_top + int(r_up.max()) * o.pad_pitch + o.pad)
        if r_dn.size:
            lo_y = min(lo_y, yf_bot - int(r_dn.max()) * o.pad_pitch - o.pad)
    return cells, placed, (float(lo_y), float(hi_y))


def _wiring_cell(name: str, xe, y, up, col, row, xt, yf_top: float, yf_bot: float, o: LayoutOptions) -> gdstk.Cell:
    """One gap's leads (exit -> track -> pad) and their pads, in the gap's frame (x from the gap start)."""
    m2 = LAYERS["M2"]
    cell = gdstk.Cell(name)
    p = o.pad
    for xe_, y_, up_, c_, r_, xt_ in zip(xe, y, up, col, row, xt):
        s = 1.0 if up_ else -1.0
        edge = yf_top if up_ else yf_bot  # row 0's pad edge nearest the mesh
        px = c_ * o.pad_pitch  # pad's left edge
        y0 = edge + s * r_ * o.pad_pitch  # pad's edge nearest the mesh
        yc = y0 + s * p / 2
        if r_ == 0:
            pts = [[xe_, y_], [xt_, y_], [xt_, y0]]
        else:
            pts = [[xe_, y_], [xt_, y_], [xt_, yc], [px + p, yc]]
        cell.add(gdstk.Polygon(path_polygon(pts, o.lead_width), layer=m2.layer, datatype=m2.datatype))
        for ly, pts in pad_stack(px, y0 if up_ else y0 - p, o):
            cell.add(gdstk.Polygon(pts, layer=LAYERS[ly].layer, datatype=LAYERS[ly].datatype))
    return cell


def pad_stack(x0: float, y0: float, o: LayoutOptions) -> list[tuple[str, np.ndarray]]:
    """One bond pad of side ``o.pad`` with its lower-left corner at (x0, y0) um, as (layer name, outline):
    the M2 landing, a VIA2 ``via_enclosure`` inside it, the MTOP pad metal and the PADOPEN ``pad_inset`` inside."""
    p, e, ins = o.pad, o.via_enclosure, o.pad_inset
    return [(ly, rect(x0 + a, y0 + a, x0 + p - a, y0 + p - a))
            for ly, a in (("M2", 0.0), ("VIA2", e), ("MTOP", 0.0), ("PADOPEN", ins))]
