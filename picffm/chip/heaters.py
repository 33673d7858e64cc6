"""Heater layout of a compiled circuit: flat heater index, positions, mirror twins, crosstalk.

Every programmable phase (:data:`picffm.chip.interface.PROGRAMMABLE`) is one
thermo-optic heater. Heaters are numbered flat, component by component and
setting by setting, in :attr:`Schedule.names` order (:class:`HeaterLayout`).

**Positions.** A heater sits on the arm of its element's row-0 mode ``m``
(transverse coordinate ``y = m``) at a position ``x`` along the propagation
direction, in column units. An element's column position is the mean of its
earliest (ASAP) and latest (ALAP) column in the circuit graph: for a
mirror-symmetric circuit this places ``ut_X`` exactly at the mirror image of
``u_X`` and the attenuator column D on the axis, whatever the longest-path
schedule does with the short edge modes. Within an MZI at column ``p`` the
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

from ..schedule import Schedule, flow_graph
from .interface import PROGRAMMABLE

__all__ = ["HeaterLayout", "heater_layout", "mirror_pairs", "crosstalk_matrix"]


@dataclass(frozen=True, eq=False)
class HeaterLayout:
    """Flat heater numbering and geometry of a schedule.

    Attributes:
        blocks: ``(component, setting, start, stop)`` of every heater block in
            the flat index; the block's heaters follow the component's
            element order.
        x4: ``(H,)`` position along the propagation direction in quarter
            columns (``x = x4 / 4``).
        mode: ``(H,)`` transverse position (mode of the heater's arm).
        twin_src, twin_dst: flat indices of mirror-twin heater pairs
            (``ut_X`` heater ``twin_dst[k]`` mirrors ``u_X`` heater ``twin_src[k]``).
    """

    blocks: tuple[tuple[str, str, int, int], ...]
    x4: np.ndarray
    mode: np.ndarray
    twin_src: np.ndarray
    twin_dst: np.ndarray

    @property
    def n(self) -> int:
        return int(self.x4.size)

    def gather(self, settings) -> np.ndarray:
        """Flat heater vector (rad) from a Settings set."""
        if not self.blocks:
            return np.zeros(0)
        return np.concatenate([np.asarray(settings[c][k], dtype=float) for c, k, _, _ in self.blocks])

    def scatter(self, flat: np.ndarray, settings) -> None:
        """Write a flat heater vector into a Settings set, in place."""
        for c, k, a, b in self.blocks:
            settings[c][k] = flat[a:b]


def mirror_pairs(schedule: Schedule) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Element index pairs (source, twin) per component, from ``info.mirror_prefix``.

    The symmetric core names the mirror twin of ``u_c0_m0`` ``ut_c0_m0``
    (``info: {mirror_prefix: {u: ut}}``). Netlists without that key have no
    twins.
    """
    prefixes = dict(schedule.netlist.info.get("mirror_prefix", {}) or {})
    out: dict[str, tuple[list[int], list[int]]] = {}
    for comp, names in schedule.names.items():
        for i, name in enumerate(names):
            for a, b in prefixes.items():
                if name.startswith(f"{a}_"):
                    twin = f"{b}{name[len(a):]}"
                    hit = schedule.index.get(twin)
                    if hit is not None and hit[0] == comp:
                        src, dst = out.setdefault(comp, ([], []))
                        src.append(i)
                        dst.append(hit[1])
    return {c: (np.array(s, dtype=int), np.array(d, dtype=int)) for c, (s, d) in out.items()}


def heater_layout(schedule: Schedule) -> HeaterLayout:
    """Number the heaters of ``schedule`` and place them (see module docstring)."""
    comps = [c for c in schedule.names if c in PROGRAMMABLE]
    blocks = []
    start = 0
    offset: dict[tuple[str, str], int] = {}
    for c in comps:
        n = len(schedule.names[c])
        for k in PROGRAMMABLE[c]:
            blocks.append((c, k, start, start + n))
            offset[(c, k)] = start
            start += n
    x4 = np.zeros(start, dtype=int)
    mode = np.zeros(start, dtype=int)
    pos2 = _column_positions2(schedule)  # component -> 2 * column position per element
    for st in schedule.stages:
        if st.component not in PROGRAMMABLE:
            continue
        idx = np.arange(st.start, st.stop)
        centre = 2 * pos2[st.component][idx]  # quarter columns
        if st.component == "mzi":
            mirror = np.asarray(schedule.defaults["mzi"]["mirror"][st.start:st.stop], dtype=bool)
            m = st.modes[:, 0]
            for key, d in (("phi", np.where(mirror, 1, -1)), ("theta", np.where(mirror, -1, 1))):
                h = offset[("mzi", key)] + idx
                x4[h] = centre + d
                mode[h] = m
        else:
            for key in PROGRAMMABLE[st.component]:
                h = offset[(st.component, key)] + idx
                x4[h] = centre
                mode[h] = st.modes

    pairs = mirror_pairs(schedule)
    src, dst = [], []
    for c, (s, d) in pairs.items():
        for k in PROGRAMMABLE.get(c, ()):
            src.append(offset[(c, k)] + s)
            dst.append(offset[(c, k)] + d)
    twin_src = np.concatenate(src) if src else np.zeros(0, dtype=int)
    twin_dst = np.concatenate(dst) if dst else np.zeros(0, dtype=int)
    return HeaterLayout(tuple(blocks), x4, mode, twin_src, twin_dst)


def _column_positions2(schedule: Schedule) -> dict[str, np.ndarray]:
    """Twice the (ASAP + ALAP) / 2 column position of every element, per component."""
    g = flow_graph(schedule.netlist)
    asap: dict[str, int] = {}
    for n in g.order:
        asap[n] = 1 + max((asap[p] for p in g.preds[n]), default=-1)
    tail: dict[str, int] = {}
    for n in reversed(g.order):
        tail[n] = 1 + max((tail[q] for _, q, _ in g.edges[n]), default=-1)
    depth = max(asap.values(), default=0)
    out = {}
    for comp, names in schedule.names.items():
        out[comp] = np.array([asap[n] + depth - tail[n] for n in names], dtype=int)
    return out


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
