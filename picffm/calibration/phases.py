"""Heater calibration through monitor taps: phase sweeps, crosstalk, attenuators.

A chip with monitors (``chip.has_monitors``) reads the complex field just
before and just after every phase shifter (coherent taps,
:class:`picffm.simulation.Taps`). The ratio ``after / before`` of one tap
pair is that shifter's transmission ``exp(1j * phase)`` (times its loss for a
lone phase shifter), whatever the rest of the mesh does: this isolates every
MZI without programming the others to bar or cross. Each setting is probed
with the N unit vectors in one batch (N passes) and the ratio is the
power-weighted least-squares estimate ``sum conj(b) a / sum |b|^2`` over the
N reads, so every tap gets light. The per-pass reference jitter is common to
both taps of a pass and cancels in the ratio.

Procedures (heater ``i`` with drive ``q_i``: actual phase
``eff_i (q_i + sum_j X_ij q_j) + off_i``):

1. **phase sweep** (:func:`sweep_heaters`): every MZI and phase-shifter
   heater at the same drive ``s`` for ``s`` in ``K`` steps over ``[0, 2 pi)``
   (attenuators held at their design drive ``a``): the unwrapped phase of
   each tap pair is ``g_i s + b_i``, a straight line (the fringe of one
   shifter, read at the shifter), with slope ``g_i = eff_i (1 + sum_{j in S}
   X_ij)`` and intercept ``b_i = off_i + eff_i sum_{j in D} X_ij a_j``;
   the same "program a sweep, fit the fringe" as per-MZI calibration
   (e.g. Carolan et al., Science 349, 711 (2015), supplementary;
   Bandyopadhyay et al., Optica 8, 1247 (2021)) with the phase read
   directly instead of a power fringe;
2. **compressed crosstalk sweep** (:func:`fit_crosstalk`): ``K`` random
   drives of every heater at once; for heater ``i``,
   ``phase - b_i - g_i q_i = sum_j c_ij (q_j - q_i)`` over its candidate
   neighbours ``j`` (heaters of the design's geometry within 3/4 column and
   one mode, :func:`picffm.chip.heaters.crosstalk_matrix`'s pattern:
   thermal crosstalk is short range), solved by least squares for all heaters at
   once; ``c_ij = eff_i X_ij``, then ``eff_i = g_i - sum c_ij``. The
   residual is a few tenths of a rad at most, so no phase wraps;
3. **attenuators** (:func:`sweep_attenuators`): the attenuator's two heaters
   share one tap pair, whose ratio is ``amp e^{i psi}(t1 t2 e^{i theta} -
   k1 k2)``. Sweeping ``theta`` draws a circle ``C + D e^{i eff s}``:
   ``psi``'s offset is ``arg(-C)`` and ``theta``'s is ``arg(-D / C)``, the
   efficiency the best ``eff`` of a grid; then ``psi`` is swept at full
   transmission for its efficiency. Odd and even attenuators are swept in
   turn, the rest at zero drive, so no sweeping heater is a crosstalk
   neighbour of another (crosstalk *into* attenuator heaters is not
   fitted: their rows of ``X`` stay 0; the global fit and the measured
   refinement absorb the rest).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parameters import Params

__all__ = ["HeaterMap", "heater_map", "tap_ratios", "sweep_heaters", "fit_crosstalk", "sweep_attenuators",
           "fit_attenuator_crosstalk", "neighbour_pattern"]

TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class HeaterMap:
    """Which tap pair reads which heater.

    Attributes:
        direct: heater indices read directly by a tap pair (MZI theta/phi, lone phase shifters).
        att_theta, att_psi: heater indices of every attenuator's theta and psi (attenuator order).
        att_design: ``(n_att,)`` design drive of the attenuator theta heaters.
    """

    direct: np.ndarray
    att_theta: np.ndarray
    att_psi: np.ndarray
    att_design: np.ndarray


def heater_map(table) -> HeaterMap:
    direct = []
    for comp, key in (("mzi", "theta"), ("mzi", "phi"), ("phase_shifter", "phi")):
        if (comp, key) in table._block:
            b = table.block(comp, key)
            direct.append(np.arange(b.start, b.stop))
    if ("attenuator", "theta") in table._block:
        bt, bp = table.block("attenuator", "theta"), table.block("attenuator", "psi")
        at, ap = np.arange(bt.start, bt.stop), np.arange(bp.start, bp.stop)
        design = table.defaults[bt.start:bt.stop].copy()
    else:
        at = ap = np.zeros(0, int)
        design = np.zeros(0)
    return HeaterMap(np.concatenate(direct) if direct else np.zeros(0, int), at, ap, design)


def _ratio(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Power-weighted least-squares ratio ``after / before`` per row over the batch."""
    num = np.sum(np.conj(before) * after, axis=-1)
    den = np.sum(np.abs(before) ** 2, axis=-1)
    return num / np.maximum(den, 1e-300)


def tap_ratios(chip, params: Params, hmap: HeaterMap) -> tuple[np.ndarray, np.ndarray]:
    """Program ``params``, probe with the N unit vectors (N passes); ``(direct ratios (H,), attenuator ratios)``.

    Entry ``i`` of the first array is the measured transmission of heater
    ``i``'s shifter (NaN for heaters not read directly).
    """
    chip.program(params)
    _, taps = chip.monitors(np.eye(chip.n_modes, dtype=complex), read="all")
    table = params.table
    out = np.full(table.n_programmable, np.nan + 0j)
    for comp, key, b_name, a_name in (("mzi", "theta", "theta_before", "theta_after"),
                                      ("mzi", "phi", "phi_before", "phi_after")):
        if (comp, key) in table._block:
            b = table.block(comp, key)
            out[b.start:b.stop] = _ratio(getattr(taps, b_name), getattr(taps, a_name))
    if "phase_shifter" in taps.single_in:
        b = table.block("phase_shifter", "phi")
        out[b.start:b.stop] = _ratio(taps.single_in["phase_shifter"], taps.single_out["phase_shifter"])
    att = (_ratio(taps.single_in["attenuator"], taps.single_out["attenuator"])
           if "attenuator" in taps.single_in else np.zeros(0, complex))
    return out, att


def _base(table, hmap: HeaterMap) -> Params:
    p = Params(table)
    p.programmable[:] = 0.0
    p.programmable[hmap.att_theta] = hmap.att_design
    return p


def sweep_heaters(chip, table, hmap: HeaterMap, steps: int = 12) -> tuple[np.ndarray, np.ndarray, float]:
    """Procedure 1: ``(slope g (H,), intercept b (H,), phase noise rms)`` of the direct heaters."""
    s = TWO_PI * np.arange(steps) / steps
    phases = np.empty((steps, hmap.direct.size))
    p = _base(table, hmap)
    for k, sk in enumerate(s):
        p.programmable[hmap.direct] = sk
        r, _ = tap_ratios(chip, p, hmap)
        phases[k] = np.angle(r[hmap.direct])
    un = np.unwrap(phases, axis=0)
    a = np.stack([s, np.ones_like(s)], axis=1)
    coef, *_ = np.linalg.lstsq(a, un, rcond=None)
    resid = un - a @ coef
    g = np.zeros(table.n_programmable)
    b = np.zeros(table.n_programmable)
    g[hmap.direct], b[hmap.direct] = coef[0], coef[1]
    return g, b, float(np.sqrt(np.mean(resid ** 2)))


def neighbour_pattern(schedule):
    """The candidate crosstalk pattern of the design's heaters: scipy.sparse (H, H) of ones."""
    from ..chip.heaters import crosstalk_matrix, heater_layout

    x = crosstalk_matrix(heater_layout(schedule), 1.0, 1.0).tocsr()
    x.data[:] = 1.0
    return x


def fit_crosstalk(chip, schedule, hmap: HeaterMap, g: np.ndarray, b: np.ndarray, rng: np.random.Generator,
                  settings: int = 24):
    """Procedure 2: ``(efficiency (H,), offset (H,), X sparse (H, H), drives (K, H), attenuator ratios (K, A))``.

    Attenuator heaters get efficiency 1, offset 0 and no crosstalk row here
    (:func:`sweep_attenuators` and :func:`fit_attenuator_crosstalk` measure
    them from the returned drives and attenuator ratios).
    """
    import scipy.sparse as sp

    table = schedule.table
    h = table.n_programmable
    pattern = neighbour_pattern(schedule)
    base = _base(table, hmap).programmable.copy()  # drives of stage 1 at s = 0
    q = np.empty((settings, h))
    y = np.empty((settings, hmap.direct.size))
    att = np.empty((settings, hmap.att_theta.size), complex)
    p = Params(table)
    for k in range(settings):
        q[k] = rng.uniform(0.0, np.pi, h)
        p.programmable[:] = q[k]
        r, att[k] = tap_ratios(chip, p, hmap)
        d = hmap.direct
        y[k] = np.angle(r[d] * np.exp(-1j * (b[d] + g[d] * q[k, d])))  # wrapped residual
    is_direct = np.zeros(h, bool)
    is_direct[hmap.direct] = True
    pat = pattern[hmap.direct].tocsr()
    counts = np.diff(pat.indptr)
    width = max(int(counts.max()) if counts.size else 0, 1)
    rows = np.repeat(np.arange(hmap.direct.size), counts)
    slot = np.arange(pat.indices.size) - np.repeat(pat.indptr[:-1], counts)
    nbr = np.full((hmap.direct.size, width), -1)
    nbr[rows, slot] = pat.indices
    valid = nbr >= 0
    j = np.where(valid, nbr, 0)
    # features (H_d, K, width): q_j - q_i for direct neighbours, q_j - base_j for the others
    qi = q[:, hmap.direct].T[:, :, None]
    qj = q.T[j]  # (H_d, width, K)
    qj = np.swapaxes(qj, 1, 2)
    ref = np.where(is_direct[j], 0.0, base[j])[:, None, :]
    feat = np.where(is_direct[j][:, None, :], qj - qi, qj - ref) * valid[:, None, :]
    ata = np.einsum("hkw,hkv->hwv", feat, feat) + 1e-9 * np.eye(width)
    atb = np.einsum("hkw,hk->hw", feat, y.T)
    c = np.linalg.solve(ata, atb[..., None])[..., 0] * valid  # (H_d, width) = eff_i X_ij
    eff = np.ones(h)
    off = np.zeros(h)
    d = hmap.direct
    csum_direct = np.sum(c * is_direct[j], axis=1)
    eff[d] = g[d] - csum_direct
    off[d] = b[d] - np.sum(c * (~is_direct[j]) * base[j], axis=1)
    xrows = np.repeat(d, width)[valid.ravel()]
    xcols = j.ravel()[valid.ravel()]
    xvals = (c / eff[d][:, None]).ravel()[valid.ravel()]
    x = sp.csr_matrix((xvals, (xrows, xcols)), shape=(h, h))
    return eff, np.mod(off + np.pi, TWO_PI) - np.pi, x, q, att


def fit_attenuator_crosstalk(schedule, hmap: HeaterMap, eff: np.ndarray, off: np.ndarray, amp_bar: np.ndarray,
                             amp_cross: np.ndarray, q: np.ndarray, att: np.ndarray, iterations: int = 4):
    """Crosstalk into the attenuator heaters from the compressed sweep's reads; ``(rows, cols, values)``.

    Model of attenuator ``a``'s tap ratio at drives ``q``:
    ``exp(1j psi) (A exp(1j theta) - B)`` with ``theta``/``psi`` from the
    heater model (``A = |D|``, ``B = |C|`` of the theta sweep's circle) and the
    unknown rows of ``X``; Gauss-Newton on all attenuators at once (the
    model is nearly linear in ``X``: crosstalk moves phases by tenths of a rad).
    """
    pattern = neighbour_pattern(schedule).tocsr()
    n_att = hmap.att_theta.size
    if n_att == 0:
        z = np.zeros(0, int)
        return z, z, np.zeros(0)
    recv = np.concatenate([hmap.att_theta, hmap.att_psi])  # (2A,) receivers
    sub = pattern[recv]
    counts = np.diff(sub.indptr)
    width = max(int(counts.max()), 1)
    slot = np.arange(sub.indices.size) - np.repeat(sub.indptr[:-1], counts)
    nbr = np.full((recv.size, width), -1)
    nbr[np.repeat(np.arange(recv.size), counts), slot] = sub.indices
    valid = nbr >= 0
    j = np.where(valid, nbr, 0)
    qn = np.swapaxes(q.T[j], 1, 2) * valid[:, None, :]  # (2A, K, W) neighbour drives
    th, ps = hmap.att_theta, hmap.att_psi
    coef = np.zeros((recv.size, width))  # X entries
    for _ in range(iterations):
        dphi = np.einsum("rkw,rw->rk", qn, coef)  # (2A, K) sum_j X q_j
        theta = (eff[th][:, None] * (q[:, th].T + dphi[:n_att]) + off[th][:, None])
        psi = (eff[ps][:, None] * (q[:, ps].T + dphi[n_att:]) + off[ps][:, None])
        bar = amp_bar[:, None] * np.exp(1j * theta)
        pred = np.exp(1j * psi) * (bar - amp_cross[:, None])
        res = att.T - pred  # (A, K)
        d_theta = 1j * np.exp(1j * psi) * bar * eff[th][:, None]  # d pred / d (sum X q) of theta
        d_psi = 1j * pred * eff[ps][:, None]
        jt = d_theta[:, :, None] * qn[:n_att]  # (A, K, W)
        jp = d_psi[:, :, None] * qn[n_att:]
        jac = np.concatenate([jt, jp], axis=2)  # (A, K, 2W)
        jr = np.concatenate([jac.real, jac.imag], axis=1)  # (A, 2K, 2W)
        rr = np.concatenate([res.real, res.imag], axis=1)
        ata = np.einsum("akw,akv->awv", jr, jr) + 1e-9 * np.eye(2 * width)
        step = np.linalg.solve(ata, np.einsum("akw,ak->aw", jr, rr)[..., None])[..., 0]
        coef[:n_att] += step[:, :width] * valid[:n_att]
        coef[n_att:] += step[:, width:] * valid[n_att:]
    rows = np.repeat(recv, width)[valid.ravel()]
    return rows, j.ravel()[valid.ravel()], coef.ravel()[valid.ravel()]


def _circle_fit(t: np.ndarray, s: np.ndarray, g: np.ndarray):
    """Least squares ``t[:, a] ~ C + D exp(i g[a, c] s)`` for every attenuator ``a`` and candidate ``c``.

    Returns ``(residual, C, D)``, each ``(A, G)``.
    """
    e = np.exp(1j * g[:, :, None] * s[None, None, :])  # (A, G, K)
    k = s.size
    se = e.sum(axis=2)
    tt = t.T[:, None, :]  # (A, 1, K)
    st = tt.sum(axis=2)
    sct = np.sum(np.conj(e) * tt, axis=2)
    # normal equations [[K, se], [conj(se), K]] [C, D] = [st, sct]
    det = k * k - np.abs(se) ** 2
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    c = (k * st - se * sct) / det
    d = (k * sct - np.conj(se) * st) / det
    res = np.sum(np.abs(tt - c[..., None] - d[..., None] * e) ** 2, axis=2)
    return res, c, d


def sweep_attenuators(chip, table, hmap: HeaterMap, steps: int = 12):
    """Procedure 3: ``(eff_theta, off_theta, eff_psi, off_psi)`` per attenuator, plus ``|C|, |D|``."""
    n_att = hmap.att_theta.size
    if n_att == 0:
        z = np.zeros(0)
        return z, z, z, z, z, z
    s = TWO_PI * np.arange(steps) / steps
    t = np.empty((steps, n_att), complex)
    t_psi = np.empty((steps, n_att), complex)
    groups = [np.arange(0, n_att, 2), np.arange(1, n_att, 2)]
    p = Params(table)
    for grp in groups:
        for k, sk in enumerate(s):
            p.programmable[:] = 0.0
            p.programmable[hmap.att_theta[grp]] = sk
            _, att = tap_ratios(chip, p, hmap)
            t[k, grp] = att[grp]
    # fit t_k = C + D exp(i g s_k): closed-form (C, D) for each candidate g, the best g kept; the grid is
    # refined twice around it (steps 5e-3, 2.5e-4, 1.25e-5)
    geff = np.ones(n_att)
    width = 0.4
    for level in range(3):
        cand = geff[:, None] + np.linspace(-width, width, 81 if level == 0 else 41)[None, :]  # (A, G)
        res, c_all, d_all = _circle_fit(t, s, cand)
        best = np.argmin(res, axis=1)
        pick = np.arange(n_att)
        geff, cc, dd = cand[pick, best], c_all[pick, best], d_all[pick, best]
        width = 2.0 * (cand[0, 1] - cand[0, 0])
    off_psi = np.angle(-cc)
    off_theta = np.angle(-dd / cc)
    # psi sweep at full transmission (actual theta = pi)
    q_full = np.mod((np.pi - off_theta) / geff, TWO_PI)
    for grp in groups:
        for k, sk in enumerate(s):
            p.programmable[:] = 0.0
            p.programmable[hmap.att_theta[grp]] = q_full[grp]
            p.programmable[hmap.att_psi[grp]] = sk
            _, att = tap_ratios(chip, p, hmap)
            t_psi[k, grp] = att[grp]
    un = np.unwrap(np.angle(t_psi), axis=0)
    a = np.stack([s, np.ones_like(s)], axis=1)
    coef, *_ = np.linalg.lstsq(a, un, rcond=None)
    return geff, off_theta, coef[0], off_psi, np.abs(cc), np.abs(dd)
