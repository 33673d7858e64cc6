"""Global refinement of a twin on unit-vector probe matrices (scipy.optimize.least_squares).

The chip is programmed with ``K`` random settings and each effective matrix
is measured with unit-vector probes (:func:`picffm.chip.calibration.measure_matrix`,
``N * repeats`` passes each). The twin's prediction ``diag(r) M_k diag(e)``
(:meth:`picffm.calibration.Twin.effective_matrix`) is fitted to all of them
at once by ``scipy.optimize.least_squares`` (trust-region reflective, the
Jacobian by formula: :func:`picffm.calibration.jacobian.matrix_jacobian`),
over:

* every coupler's power coupling (``kappa1``/``kappa2``; the splitting
  ratios) and every element's ``loss_db`` (insertion loss);
* the transceiver factors ``e`` (inputs) and ``r`` (outputs), complex;
* the offsets and efficiencies of the heaters listed in ``heaters``
  (the attenuators', whose tap pair the monitor procedures cannot separate,
  and every heater on a chip without monitors).

A weak prior (``prior`` times the distance to the starting values) keeps the
directions the probes cannot see (a common loss of all elements against the
transceiver gains; a phase on a mode against ``e`` and ``r``) where they
started; it does not bias the visible ones measurably. ``e`` and ``r`` start
from their closed-form least-squares estimate (alternating, per row and
column) given the starting model.
"""

from __future__ import annotations

import numpy as np

from ..parameters import Params
from .jacobian import matrix_jacobian
from .twin import Twin

__all__ = ["fixed_fit_entries", "transceiver_estimate", "global_fit"]

_FIT_KEYS = ("kappa", "kappa1", "kappa2", "loss_db")


def fixed_fit_entries(table) -> np.ndarray:
    """Value-vector entries of every coupling ratio and loss (the fixed part calibration fits)."""
    out = [np.arange(b.start, b.stop) for b in table.blocks if not b.programmable and b.key in _FIT_KEYS]
    return np.concatenate(out) if out else np.zeros(0, int)


def transceiver_estimate(models: np.ndarray, measured: np.ndarray, iterations: int = 20):
    """``(e, r)`` minimising ``sum_k ||diag(r) M_k diag(e) - T_k||^2`` by alternating closed forms."""
    n = models.shape[1]
    e = np.ones(n, complex)
    r = np.ones(n, complex)
    for _ in range(iterations):
        a = models * e[None, None, :]
        r = np.einsum("kij,kij->i", np.conj(a), measured) / np.maximum(np.einsum("kij->i", np.abs(a) ** 2), 1e-300)
        b = r[None, :, None] * models
        e = np.einsum("kij,kij->j", np.conj(b), measured) / np.maximum(np.einsum("kij->j", np.abs(b) ** 2), 1e-300)
    return e, r


def _with_uniform_mzi_loss(twin: Twin, settings, measured, fent) -> Twin:
    """``twin`` with every fitted MZI loss set to the level that makes ``|e| |r|`` about 1 (see :func:`global_fit`)."""
    table = twin.table
    if ("mzi", "loss_db") not in table._block:
        return twin
    b = table.block("mzi", "loss_db")
    hp = table.n_programmable
    idx = np.arange(b.start, b.stop)
    if not np.all(np.isin(idx, fent)):
        return twin
    m0 = np.stack([twin.matrix(s) for s in settings])
    e0, r0 = transceiver_estimate(m0, measured)
    gain = float(np.exp(np.mean(np.log(np.maximum(np.abs(e0) * np.abs(r0), 1e-300)))))
    per_path = 2.0 * idx.size / twin.n_modes
    fixed = twin.fixed.copy()
    fixed[idx - hp] += -20.0 * np.log10(gain) / per_path
    return Twin(twin.netlist, fixed, twin.offset_rad, twin.efficiency, twin.crosstalk, chip_identity=twin.chip_identity,
                report=twin.report, circuit=twin.circuit)


def global_fit(twin: Twin, settings: list[Params], measured: np.ndarray, heaters: np.ndarray,
               crosstalk: tuple[np.ndarray, np.ndarray] | None = None, *, skip: tuple[str, ...] = (),
               calibrated_transceivers: bool = False, prior: float = 1e-3,
               max_nfev: int = 30) -> tuple[Twin, float]:
    """Fit ``twin`` to the measured effective matrices; ``(fitted twin, relative residual)``.

    ``heaters``: heaters whose offset and efficiency are fitted;
    ``crosstalk``: ``(rows, cols)`` entries of ``X`` that are fitted too;
    ``skip``: components whose couplers and losses stay as they are (measured
    by another procedure).
    """
    import scipy.sparse as sp
    from scipy.optimize import least_squares

    circ = twin.circuit
    table = twin.table
    hp = table.n_programmable
    n = circ.n
    k_set = len(settings)
    fent = fixed_fit_entries(table)
    if skip:
        fent = np.setdiff1d(fent, np.concatenate([np.arange(b.start, b.stop) for b in table.blocks
                                                  if b.component in skip] or [np.zeros(0, int)]))
    heaters = np.asarray(heaters, int)
    drives = np.stack([twin.drive(s) for s in settings])  # (K, H)
    xr, xc = (np.zeros(0, int), np.zeros(0, int)) if crosstalk is None else map(np.asarray, crosstalk)
    keep = sp.csr_matrix(twin.crosstalk, copy=True)
    if xr.size:  # the fitted entries leave the fixed part
        mask = sp.csr_matrix((np.ones(xr.size), (xr, xc)), shape=keep.shape)
        keep = keep - keep.multiply(mask)
        x_start = np.asarray(twin.crosstalk[xr, xc]).ravel()
    else:
        x_start = np.zeros(0)
    fixed_xq = drives + (keep @ drives.T).T  # (K, H): q + X_fixed q
    nf, nh, nx = fent.size, heaters.size, xr.size

    def xq_of(xv):
        out = fixed_xq.copy()
        if nx:
            np.add.at(out, (slice(None), xr), xv[None, :] * drives[:, xc])
        return out

    def unpack(x):
        fixed = twin.fixed.copy()
        fixed[fent - hp] = x[:nf]
        off = twin.offset_rad.copy()
        eff = twin.efficiency.copy()
        off[heaters] = x[nf:nf + nh]
        eff[heaters] = x[nf + nh:nf + 2 * nh]
        xv = x[nf + 2 * nh:nf + 2 * nh + nx]
        z = x[nf + 2 * nh + nx:]
        e = z[:n] + 1j * z[n:2 * n]
        r = z[2 * n:3 * n] + 1j * z[3 * n:]
        return fixed, off, eff, xv, e, r

    def model_params(x):
        fixed, off, eff, xv, e, r = unpack(x)
        xq = xq_of(xv)
        phases = eff[None, :] * xq + off[None, :]
        return [Params(table, np.concatenate([phases[k], fixed])) for k in range(k_set)], e, r, xq, eff

    # starting point: transceiver in closed form given the starting model. Probes cannot tell a common
    # loss of the core from the transceiver gains; by default the transceiver gains carry it (the twin's
    # core keeps the design's loss level); with ``calibrated_transceivers`` the gauge is fixed by taking
    # (geometric mean |e| |r| = 1) and giving the rest to a uniform MZI loss (per path about
    # 2 n_mzi / N MZIs), then the transceiver estimate is redone
    if calibrated_transceivers:
        twin = _with_uniform_mzi_loss(twin, settings, measured, fent)
    m0 = np.stack([twin.matrix(s) for s in settings])
    e0, r0 = transceiver_estimate(m0, measured)
    x0 = np.concatenate([twin.fixed[fent - hp], twin.offset_rad[heaters], twin.efficiency[heaters], x_start,
                         e0.real, e0.imag, r0.real, r0.imag])
    scale = np.sqrt(np.mean(np.abs(measured) ** 2))

    def residual(x):
        ps, e, r, _, _ = model_params(x)
        res = np.stack([r[:, None] * circ.matrix(p) * e[None, :] for p in ps]) - measured
        res = res.ravel() / scale
        return np.concatenate([res.real, res.imag, prior * (x - x0)])

    def jac(x):
        ps, e, r, xq, eff = model_params(x)
        ents, inv = np.unique(np.concatenate([fent, heaters, xr]), return_inverse=True)
        blocks = []
        for k, p in enumerate(ps):
            d = matrix_jacobian(circ, p, ents)[inv]  # (nf + nh + nx, N, N) dM
            m = circ.matrix(p)
            dt = r[None, :, None] * d * e[None, None, :]
            dh = dt[nf:nf + nh]
            cols = [dt[:nf], dh, dh * xq[k, heaters][:, None, None],
                    dt[nf + nh:] * (eff[xr] * drives[k, xc])[:, None, None]]
            rm = r[:, None] * m  # d/d e_j: column j of r M
            de = np.zeros((n, n, n), complex)
            de[np.arange(n), :, np.arange(n)] = rm.T
            me = m * e[None, :]
            dr = np.zeros((n, n, n), complex)
            dr[np.arange(n), np.arange(n), :] = me
            cols += [de, 1j * de, dr, 1j * dr]
            blocks.append(np.concatenate(cols).reshape(x.size, n * n))  # (P, N^2)
        j = np.concatenate(blocks, axis=1).T / scale  # (K N^2, P)
        return np.concatenate([j.real, j.imag, prior * np.eye(x.size)])

    sol = least_squares(residual, x0, jac=jac, method="trf", x_scale="jac", max_nfev=max_nfev, tr_solver="lsmr",
                        xtol=1e-10, ftol=1e-10, gtol=1e-10)
    fixed, off, eff, xv, e, r = unpack(sol.x)
    # the fit may drift a coupling outside [0, 1] or a loss below 0 in unseen directions: clip to physics
    kap = np.isin(fent, np.concatenate([np.arange(b.start, b.stop) for b in table.blocks
                                         if b.key != "loss_db" and b.key in _FIT_KEYS] or [np.zeros(0, int)]))
    fixed[fent[kap] - hp] = np.clip(fixed[fent[kap] - hp], 0.0, 1.0)
    xt = keep + sp.csr_matrix((xv, (xr, xc)), shape=keep.shape) if nx else twin.crosstalk
    fitted = Twin(twin.netlist, fixed, off, eff, xt, e, r, chip_identity=twin.chip_identity,
                  report=twin.report, circuit=circ)
    pred = np.stack([fitted.effective_matrix(s) for s in settings])
    rel = float(np.linalg.norm(pred - measured) / np.linalg.norm(measured))
    return fitted, rel
