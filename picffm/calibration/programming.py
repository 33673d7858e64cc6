"""Error-aware programming: through the twin, then refined with measurements on the chip.

:func:`program_twin` (no chip needed):

1. the ideal decomposition (:func:`picffm.programming.program_matrix`:
   Takagi + Clements for a symmetric core) gives the *actual* phases an ideal
   chip would need and the scale ``||target||_2``;
2. **per-gate correction** (Bandyopadhyay, Hamerly & Englund, Optica 8, 1247
   (2021)): each MZI's internal phase is changed so that its splitting
   ratio with the *fitted* couplers equals the ideal gate's,
   ``(1-k1)(1-k2) + k1 k2 - 2 sqrt(k1 k2 (1-k1)(1-k2)) cos theta' =
   sin^2(theta / 2)`` (clipped where the imperfect MZI cannot reach it);
3. the heater model is inverted (offset, efficiency, crosstalk;
   :meth:`picffm.calibration.Twin.actual_phases`) by a fixed-point iteration;
4. a least-squares polish on the twin (projected Levenberg-Marquardt, :func:`projected_lm`,
   Jacobian by formula) over every heater and a complex gain ``a``:
   ``min ||M_twin(p) - a T||``, ``T = target / scale``, which corrects the
   output phases the per-gate step leaves and the losses.

:func:`program_through_twin` then runs ``iterations`` measured refinement
rounds on the chip: the transceiver-corrected matrix
``decode(chip.run(encode(I)))`` is measured (``N * repeats`` passes), and a
damped Gauss-Newton step with the *twin's* Jacobian and the *measured*
residual ``M_meas - a T`` is taken (kept only if the re-measured residual
shrinks; halved otherwise), as in closed-loop calibration of Pai et al.
(Science 380, 398 (2023)) and the recalibration of the drift study.
Fidelity is :func:`picffm.chip.calibration.fidelity` against ``T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..chip.calibration import fidelity
from ..parameters import Params
from ..programming import program_matrix
from .jacobian import matrix_jacobian

TWO_PI = 2.0 * np.pi
#: rad: the fit keeps every drive this far below 2 pi (a drive that rounds to 2 pi on a DAC wraps to 0)
_EDGE = 1e-3

# (no import of .twin: Twin.program imports this module; a twin is used here only through its methods)
__all__ = ["program_twin", "program_through_twin", "refine_on_chip", "TwinProgramResult", "measure_corrected",
           "projected_lm"]


@dataclass(frozen=True, eq=False)
class TwinProgramResult:
    """Result of :func:`program_through_twin`.

    Attributes:
        params: programmed settings (the chip is left programmed with them).
        scale: the chip realises about ``target / scale`` (``||target||_2``
            divided by the realised transmission ``|a|``).
        fidelity: measured through the protocol after the refinement
            (transceiver corrected by the twin), against ``target``.
        fidelity_twin_only: the same before any measured iteration.
        fidelities: after each measured iteration (first entry: twin only).
        passes: optical passes the refinement used.
    """

    params: Params
    scale: float
    fidelity: float
    fidelity_twin_only: float
    fidelities: tuple
    passes: int


def _invert_heaters(twin: "Twin", actual: np.ndarray, iterations: int = 30) -> np.ndarray:
    """Programmed phases whose twin actual phases equal ``actual`` (mod 2 pi) where reachable."""
    eff = np.maximum(twin.efficiency, 1e-6)
    period = TWO_PI / eff
    u = actual - twin.offset_rad
    q = np.mod(u / eff, period)
    for _ in range(iterations):
        q = np.mod(u / eff - twin.crosstalk @ q, period)
        over = q >= TWO_PI  # unreachable with a 2 pi heater range: nearest end of the range
        q = np.where(over & (q - TWO_PI > period - q), 0.0, np.where(over, TWO_PI * (1 - 1e-12), q))
    return q


def _per_gate(twin: "Twin", actual: np.ndarray) -> np.ndarray:
    """Per-gate correction of every MZI's internal phase for the fitted couplers."""
    table = twin.table
    if ("mzi", "theta") not in table._block:
        return actual
    out = actual.copy()
    b = table.block("mzi", "theta")
    h = table.n_programmable
    k1 = twin.fixed[table.block("mzi", "kappa1").start - h:table.block("mzi", "kappa1").stop - h]
    k2 = twin.fixed[table.block("mzi", "kappa2").start - h:table.block("mzi", "kappa2").stop - h]
    theta = np.mod(actual[b.start:b.stop], TWO_PI)
    want = np.sin(theta / 2) ** 2
    a = (1 - k1) * (1 - k2) + k1 * k2
    c = 2 * np.sqrt(np.maximum(k1 * k2 * (1 - k1) * (1 - k2), 1e-300))
    new = np.arccos(np.clip((a - want) / c, -1.0, 1.0))
    out[b.start:b.stop] = np.where(theta <= np.pi, new, TWO_PI - new)
    return out


def _programmed_jacobian(twin: "Twin", p: Params) -> np.ndarray:
    """``(2 N^2, H)`` real Jacobian of the twin's core matrix with respect to the programmed phases."""
    h = twin.table.n_programmable
    ja = matrix_jacobian(twin.circuit, twin.params(p), np.arange(h)).reshape(h, -1)  # d M / d actual
    jp = twin.phase_jacobian(p).T @ ja  # (H, N^2): d M / d programmed
    return np.concatenate([jp.real, jp.imag], axis=1).T


def program_twin(twin: "Twin", target, *, symmetrize: bool = False, fix_phase: bool = False,
                 max_iter: int = 30) -> tuple[Params, float]:
    """Error-aware programming on the twin alone: ``(params, scale)`` (see module docstring).

    ``twin.matrix(params)`` is then about ``target / scale`` up to a global
    phase (none with ``fix_phase``).
    """
    p, scale, _ = _program_twin(twin, target, symmetrize, max_iter, fix_phase=fix_phase)
    return p, scale


def projected_lm(fun, jac, x0, lo, hi, *, max_iter: int = 60, rtol: float = 1e-10):
    """Levenberg-Marquardt with the steps projected onto the box ``[lo, hi]``; the final ``x``.

    Normal equations with Marquardt's diagonal scaling, the damping divided
    by 3 after an accepted step and multiplied by 4 after a rejected one;
    stops when a step lowers the cost by less than ``rtol`` relative.
    """
    x = np.clip(x0, lo, hi)
    r = fun(x)
    cost = float(r @ r)
    lam = 1e-3
    for _ in range(max_iter):
        j = jac(x)
        a = j.T @ j
        g = j.T @ r
        d = np.maximum(np.diag(a), 1e-12 * max(np.max(np.diag(a)), 1e-300))
        for _ in range(12):
            x_new = np.clip(x - np.linalg.solve(a + lam * np.diag(d), g), lo, hi)
            r_new = fun(x_new)
            c_new = float(r_new @ r_new)
            if c_new < cost:
                break
            lam *= 4.0
        else:
            return x
        gain = (cost - c_new) / max(cost, 1e-300)
        x, r, cost, lam = x_new, r_new, c_new, max(lam / 3.0, 1e-9)
        if gain < rtol:
            break
    return x


def _program_twin(twin: "Twin", target, symmetrize: bool, max_iter: int, restarts: int = 2, fix_phase: bool = False):
    res = program_matrix(twin.circuit.schedule, target, symmetrize=symmetrize)
    goal = res.matrix()  # target / scale (symmetrized if asked), to the decomposition's rounding
    actual = _per_gate(twin, res.params.programmable.copy())
    p = res.params.copy()
    p.programmable[:] = _invert_heaters(twin, actual)
    h = p.table.n_programmable
    a0 = np.vdot(goal, twin.matrix(p)) / np.vdot(goal, goal).real
    # the gain's magnitude is held at the start's transmission: with a free magnitude the fit could
    # lower ||M - a T|| by dimming the whole matrix (attenuators closing) instead of matching it
    amp = abs(a0)
    g = goal.ravel()

    def fun(x):
        p.programmable[:] = x[:h]
        r = (twin.matrix(p) - amp * np.exp(1j * x[h]) * goal).ravel()
        return np.concatenate([r.real, r.imag])

    def jac(x):
        p.programmable[:] = x[:h]
        d = -1j * amp * np.exp(1j * x[h]) * g
        if fix_phase:
            d = 0 * d
        return np.concatenate([_programmed_jacobian(twin, p), np.concatenate([d.real, d.imag])[:, None]], axis=1)

    # the heater drive is bounded to [0, 2 pi) (the chip wraps a programmed phase into its range, a jump
    # the fit must not cross); a heater whose wanted phase is out of reach stays at a bound and the
    # others compensate
    x0 = np.concatenate([np.clip(p.programmable, _EDGE, TWO_PI - _EDGE), [0.0 if fix_phase else np.angle(a0)]])
    lo = np.concatenate([np.zeros(h), [-np.inf]])
    hi = np.concatenate([np.full(h, TWO_PI - _EDGE), [np.inf]])
    x = projected_lm(fun, jac, x0, lo, hi, max_iter=max_iter)
    # a heater held at a bound would rather be across the 2 pi wrap: move it to the same actual phase
    # near the other end of its range and polish again (kept if better)
    cost = float(np.sum(fun(x) ** 2))
    for _ in range(restarts):
        stuck = (x[:h] <= lo[:h] + 1e-9) | (x[:h] >= hi[:h] - 1e-9)
        if not stuck.any():
            break
        eff = np.maximum(twin.efficiency[stuck], 1e-6)
        y = x.copy()
        y[:h][stuck] = np.clip(np.where(x[:h][stuck] > np.pi, x[:h][stuck] - TWO_PI / eff,
                                        x[:h][stuck] + TWO_PI / eff), _EDGE, TWO_PI - 2 * _EDGE)
        y = projected_lm(fun, jac, y, lo, hi, max_iter=max_iter)
        c = float(np.sum(fun(y) ** 2))
        if c >= cost:
            break
        x, cost = y, c
    p.programmable[:] = x[:h]
    a = abs(np.vdot(goal, twin.matrix(p)) / np.vdot(goal, goal).real)
    return p, float(res.scale / max(a, 1e-300)), goal


def measure_corrected(chip, twin: "Twin", repeats: int = 1) -> np.ndarray:
    """``decode(chip.run(encode(I)))`` averaged over ``repeats`` (``N * repeats`` passes)."""
    n = chip.n_modes
    probe = np.tile(twin.encode(np.eye(n, dtype=complex)), (1, repeats))
    return twin.decode(chip.run(probe).reshape(n, repeats, n).mean(axis=1))


def refine_on_chip(chip, twin: "Twin", goal: np.ndarray, params: Params, *, iterations: int = 3, repeats: int = 4,
                   fix_phase: bool = False, damping: float = 1e-2, max_halvings: int = 3):
    """Measured refinement rounds toward ``goal`` (the matrix wanted, ``target / scale``).

    Returns ``(params, a, fidelities)``: the best settings found (the chip is
    left programmed with them), the measured complex gain ``a`` (the chip
    realises about ``a * goal``) and the fidelity after each round (first:
    before any). Each round measures ``decode(run(encode(I)))`` (``N *
    repeats`` passes, more for halved steps); the gain's magnitude is held at
    the first measurement's and, with ``fix_phase``, its phase at 0.
    """
    gg = np.vdot(goal, goal).real
    amp = None

    def measure(p):
        chip.program(p)
        m = measure_corrected(chip, twin, repeats)
        c = np.vdot(goal, m) / gg
        a = (abs(c) if amp is None else amp) * (1.0 if fix_phase else np.exp(1j * np.angle(c)))
        r = (m - a * goal).ravel()
        return np.concatenate([r.real, r.imag]), float(np.linalg.norm(r)), c, fidelity(m, goal)

    p = params.copy()
    resid, err, a, fid = measure(p)
    amp = abs(a)
    fids = [fid]
    for _ in range(iterations):
        j = _programmed_jacobian(twin, p)
        jtj = j.T @ j
        lam = damping * np.trace(jtj) / jtj.shape[0]
        dp = -np.linalg.solve(jtj + lam * np.eye(jtj.shape[0]), j.T @ resid)
        for k in range(max_halvings + 1):
            trial = p.copy()
            trial.programmable[:] = np.clip(p.programmable + dp / 2 ** k, 0.0, TWO_PI - _EDGE)
            r_t, e_t, a_t, f_t = measure(trial)
            if e_t < err:
                p, resid, err, a, fid = trial, r_t, e_t, a_t, f_t
                break
        fids.append(fid)
    chip.program(p)
    return p, a, fids


def program_through_twin(chip, twin: "Twin", target, *, iterations: int = 3, repeats: int = 4,
                         symmetrize: bool = False, fix_phase: bool = False, damping: float = 1e-2,
                         max_halvings: int = 3) -> TwinProgramResult:
    """Program ``target`` on ``chip`` through ``twin``, then refine with measurements (module docstring).

    ``fix_phase``: realise ``target / scale`` with no global phase (a network
    whose nonlinearity acts on the quadratures needs it; fidelity does not
    see it).
    """
    p, scale0, goal = _program_twin(twin, target, symmetrize, 30, fix_phase=fix_phase)
    norm = scale0 * abs(np.vdot(goal, twin.matrix(p)) / np.vdot(goal, goal).real)  # ||target||_2
    start = chip.passes
    p, a, fids = refine_on_chip(chip, twin, goal, p, iterations=iterations, repeats=repeats, fix_phase=fix_phase,
                                damping=damping, max_halvings=max_halvings)
    return TwinProgramResult(p, float(norm / max(abs(a), 1e-300)), fids[-1], fids[0], tuple(fids),
                             chip.passes - start)
