"""Heater layout of a compiled circuit: positions, mirror twins, crosstalk.

Every programmable setting (:attr:`picffm.components.Setting.programmable`)
is one thermo-optic heater. Heater ``i`` is entry ``i`` of the programmable
part of the circuit's value vector (:attr:`picffm.parameters.Params.programmable`),
so the heater vector *is* that slice: nothing gathers or scatters.

**Positions.** A heater sits on the arm of its element's row-0 mode ``m``
(transverse coordinate ``y = m``) at a position ``x`` along the propagation
direction, in column units. An element's column is the schedule's
(:attr:`picffm.elements.ElementTable.column`), the same column the layout
draws it in: for a mirror-symmetric circuit it places ``ut_X`` at the mirror
image of ``u_X`` and the attenuator column D on the axis. Within an MZI at column ``p`` the
external heater is at ``p - 1/4`` and the internal one at ``p + 1/4``
(swapped for a mirrored MZI, whose elements are traversed in reverse order);
a single-mode element's heaters sit at ``p`` (an attenuator's two heaters
share that site).

**Thermal crosstalk** (:func:`crosstalk_matrix`): heat from heater ``j``
shifts the phase of heater ``i`` by ``X[i, j]`` times heater ``j``'s drive:

* ``crosstalk_same_column`` to the nearest heater above and the nearest below
  at the same ``x`` (the neighbouring MZI of a Clements column, two modes
  away; the neighbouring attenuator in D);
* ``crosstalk_next_column`` to heaters at ``0 < |dx| <= 3/4`` on the same mode
  or an adjacent one (the other heater of the same MZI arm, the diagonal
  neighbours of the staggered mesh, and D's neighbours on both sides).

Heat spreading is set by geometry, which is identical in both mirror halves,
so ``X`` is mirror-symmetric: ``X[twin(i), twin(j)] == X[i, j]``. Longer-range
coupling (a few per mille and below in published measurements) is neglected.
``X`` is a sparse matrix with at most ~8 entries per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schedule import Schedule

__all__ = ["HeaterLayout", "heater_layout", "crosstalk_matrix"]


@dataclass(frozen=True, eq=False)
class HeaterLayout:
    """Geometry of the heaters of a schedule (heater ``i`` = programmable entry ``i``).

    Attributes:
        x4: ``(H,)`` position along the propagation direction in quarter
            columns (``x = x4 / 4``).
        mode: ``(H,)`` transverse position (mode of the heater's arm).
        twin_src, twin_dst: heater indices of mirror-twin pairs (heater
            ``twin_dst[k]`` on a mirror copy mirrors ``twin_src[k]``).
    """

    x4: np.ndarray
    mode: np.ndarray
    twin_src: np.ndarray
    twin_dst: np.ndarray

    @property
    def n(self) -> int:
        return int(self.x4.size)


def heater_layout(schedule: Schedule) -> HeaterLayout:
    """Place the heaters of ``schedule`` (see module docstring)."""
    table = schedule.table
    h = table.n_programmable
    x4 = np.zeros(h, dtype=int)
    mode = np.zeros(h, dtype=int)
    for st in schedule.stages:
        keys = table.keys(st.component, programmable=True)
        if not keys:
            continue
        elems = np.arange(st.start, st.stop) + table.elements(st.component).start
        centre = 4 * table.column[elems]  # quarter columns
        if st.modes.ndim == 2:  # a two-mode element: MZI external / internal heaters
            mirror = np.asarray(table.flags.get(st.component, {}).get("mirror", np.zeros(0, bool))
                                [st.start:st.stop], dtype=bool)
            m = st.modes[:, 0]
            side = {"phi": np.where(mirror, 1, -1), "theta": np.where(mirror, -1, 1)}
            for key in keys:
                hh = table.block(st.component, key).start + np.arange(st.start, st.stop)
                x4[hh] = centre + side.get(key, 0)
                mode[hh] = m
        else:
            for key in keys:
                hh = table.block(st.component, key).start + np.arange(st.start, st.stop)
                x4[hh] = centre
                mode[hh] = st.modes
    src, dst = table.twin_entries
    return HeaterLayout(x4, mode, src, dst)


def crosstalk_matrix(layout: HeaterLayout, same_column: float, next_column: float) -> "sp.csr_matrix":
    """Sparse ``(H, H)`` thermal crosstalk matrix (zero diagonal); see module docstring."""
    import scipy.sparse as sp  # on first use: ``import picffm`` stays light

    h = layout.n
    if h == 0 or (same_column == 0 and next_column == 0):
        return sp.csr_matrix((h, h))
    span = int(layout.mode.max()) + 3
    key = layout.x4.astype(np.int64) * span + (layout.mode + 1)
    sites, site_of = np.unique(key, return_inverse=True)  # sorted by (x, mode)
    s_x4, s_mode = sites // span, sites % span - 1
    rows, cols, vals = [], [], []
    if same_column:
        # consecutive sites in sorted order at one x: nearest above/below
        a = np.nonzero(s_x4[1:] == s_x4[:-1])[0]
        rows += [a, a + 1]
        cols += [a + 1, a]
        vals += [np.full(a.size, same_column)] * 2
    if next_column:
        for dx in (1, 2, 3):  # quarter columns: 0 < dx <= 3/4
            for dm in (-1, 0, 1):
                target = (s_x4 + dx) * span + (s_mode + dm + 1)
                pos = np.searchsorted(sites, target)
                pos_c = np.minimum(pos, sites.size - 1)
                ok = (pos < sites.size) & (sites[pos_c] == target) & (s_mode + dm >= 0)
                a, b = np.nonzero(ok)[0], pos_c[ok]
                rows += [a, b]
                cols += [b, a]
                vals += [np.full(a.size, next_column)] * 2
    if not rows:
        return sp.csr_matrix((h, h))
    n_sites = sites.size
    adj = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                        shape=(n_sites, n_sites))
    inc = sp.csr_matrix((np.ones(h), (np.arange(h), site_of)), shape=(h, n_sites))
    return (inc @ adj @ inc.T).tocsr()
