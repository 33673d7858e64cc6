"""The MZI's algebra, written once: its 2x2 matrix and the fields at its phase shifters.

Both the matrix kernel (:func:`picffm.models.mzi`, every route) and the
monitor-tap kernel (:meth:`picffm.simulation.Circuit.taps`) take their
element coefficients from here, so the two cannot drift apart.

Conventions (docs/conventions.md §1-2): an MZI acts on a mode pair, row 0
being the lower mode, which carries both phase shifters. Forward order
``P(phi), C(kappa1), P(theta), C(kappa2)``, then the lumped loss
``10**(-loss_db/20)``; a mirrored MZI is the same elements traversed
backwards (loss first, then ``C(kappa2), P(theta), C(kappa1), P(phi)``),
whose matrix is the transpose. Phases in rad, loss in dB. All functions are
vectorised over the elements (1-D arrays of one length).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["coupler_amplitudes", "MziFactors", "mzi_factors", "mzi_5050", "mzi_general", "mzi_taps", "TAP_NAMES",
           "MziCouplers", "mzi_couplers", "mzi_phased"]

#: through and cross amplitudes of the ideal 50:50 coupler, ``cos(pi/4)`` and
#: ``sin(pi/4)``: their squares sum to 1 (``sqrt(0.5)`` squared twice gives
#: ``1 + 2**-52``, a bias of the same sign in every coupler)
_T50 = float(np.cos(np.pi / 4))
_K50 = float(np.sin(np.pi / 4))

#: the taps an MZI can report: the field on row 0 just before/after each shifter
TAP_NAMES = ("theta_before", "theta_after", "phi_before", "phi_after")


def coupler_amplitudes(kappa):
    """Through and cross field amplitudes ``(sqrt(1-kappa), sqrt(kappa))`` of a coupler.

    The 50:50 coupler (``kappa == 0.5`` exactly) gets ``(cos(pi/4),
    sin(pi/4))``, whose squares sum to 1 to the rounding of one cos/sin
    evaluation, so lossless meshes of ideal couplers stay unitary to rounding
    instead of gaining ``2**-52`` per coupler. Returns float arrays shaped
    like ``kappa``.
    """
    kappa = np.asarray(kappa, dtype=float)
    half = kappa == 0.5
    if not half.any():
        return np.sqrt(1.0 - kappa), np.sqrt(kappa)
    return np.where(half, _T50, np.sqrt(1.0 - kappa)), np.where(half, _K50, np.sqrt(kappa))


class MziFactors(NamedTuple):
    """Per-element factors every MZI coefficient is a product of.

    ``t1, k1`` / ``t2, k2``: through and cross amplitudes of the input and
    output couplers (:func:`coupler_amplitudes`); ``et = exp(1j theta)``,
    ``ep = exp(1j phi)``; ``amp = 10**(-loss_db/20)``.
    """

    t1: np.ndarray
    k1: np.ndarray
    t2: np.ndarray
    k2: np.ndarray
    et: np.ndarray
    ep: np.ndarray
    amp: np.ndarray


def mzi_factors(theta, phi, kappa1, kappa2, loss_db) -> MziFactors:
    """Evaluate the factors of :class:`MziFactors` once for every element."""
    t1, k1 = coupler_amplitudes(kappa1)
    t2, k2 = coupler_amplitudes(kappa2)
    amp = 10.0 ** (-np.asarray(loss_db, float) / 20.0)
    return MziFactors(t1, k1, t2, k2, np.exp(1j * np.asarray(theta, float)), np.exp(1j * np.asarray(phi, float)),
                      amp)


def mzi_5050(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Closed form ``i e^{i theta/2} [[e^{i phi} s, c], [e^{i phi} c, -s]]`` (both couplers 50:50).

    ``s, c = sin(theta/2), cos(theta/2)``; ``i e^{i theta/2}`` is formed from
    the same ``s, c`` (exactly what ``1j * exp(1j * theta/2)`` gives), so the
    columns are orthogonal exactly and of unit norm to the rounding of one
    cos/sin evaluation. Lossless, not mirrored; shape ``theta.shape + (2, 2)``.
    """
    half = 0.5 * theta
    s, c = np.sin(half), np.cos(half)
    g = np.empty(theta.shape, complex)
    g.real, g.imag = -s, c  # 1j * (c + 1j s)
    gp = g * np.exp(1j * phi)
    out = np.empty(theta.shape + (2, 2), dtype=complex)
    out[..., 0, 0] = gp * s
    out[..., 1, 0] = gp * c
    out[..., 0, 1] = g * c
    out[..., 1, 1] = -g * s
    return out


def mzi_general(f: MziFactors) -> np.ndarray:
    """``C(kappa2) P(theta) C(kappa1) P(phi)`` for any couplings (lossless, not mirrored)."""
    t1, k1, t2, k2, et, ep = f.t1, f.k1, f.t2, f.k2, f.et, f.ep
    out = np.empty(np.shape(et) + (2, 2), dtype=complex)
    # C2 @ P(theta) @ C1, then the input phase multiplies column 0.
    out[..., 0, 0] = (t2 * et * t1 - k2 * k1) * ep
    out[..., 1, 0] = 1j * (k2 * et * t1 + t2 * k1) * ep
    out[..., 0, 1] = 1j * (t2 * et * k1 + k2 * t1)
    out[..., 1, 1] = -k2 * et * k1 + t2 * t1
    return out


def mzi_taps(f: MziFactors, mirror: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Every requested tap of every MZI as a row ``(alpha, beta)``: tap = ``alpha x0 + beta x1``.

    ``x0, x1`` are the MZI's input fields (rows 0 and 1). ``names`` are of
    :data:`TAP_NAMES`, or ``"theta"``/``"phi"``: the field just after the
    shifter of a forward MZI and just before it for a mirrored one (what the
    tied-pair phase gradient reads). Forward MZIs: ``phi_before = x0``,
    ``phi_after = ep x0``, ``theta_before = t1 ep x0 + i k1 x1``,
    ``theta_after = et * theta_before``. Mirrored MZIs:
    ``theta_before = amp (t2 x0 + i k2 x1)``, ``theta_after = et * that``,
    ``phi_before = amp [(t1 t2 et - k1 k2) x0 + i (t1 k2 et + k1 t2) x1]``,
    ``phi_after = ep * that``. Each name is evaluated with only the formula
    its elements need (forward, mirrored, or both where the kinds mix).
    Returns ``(n, len(names), 2)`` complex.
    """
    mir = np.asarray(mirror, bool)
    n = mir.size
    out = np.empty((n, len(names), 2), complex)
    groups = []
    if not mir.all():
        groups.append((_forward_taps, slice(None) if not mir.any() else np.flatnonzero(~mir)))
    if mir.any():
        groups.append((_mirror_taps, slice(None) if mir.all() else np.flatnonzero(mir)))
    for rule, idx in groups:
        sub = MziFactors(*(np.broadcast_to(v, (n,))[idx] for v in f))
        for j, name in enumerate(names):
            a, b = rule(sub, name)
            out[idx, j, 0] = a
            out[idx, j, 1] = b
    return out


def _forward_taps(f: MziFactors, name: str):
    """``(alpha, beta)`` of tap ``name`` for forward MZIs (P(phi), C1, P(theta), C2, loss)."""
    if name in ("phi", "phi_after"):
        return f.ep, 0.0
    if name == "phi_before":
        return 1.0, 0.0
    if name in ("theta", "theta_after"):
        return f.et * f.t1 * f.ep, f.et * (1j * f.k1)
    return f.t1 * f.ep, 1j * f.k1  # theta_before


def _mirror_taps(f: MziFactors, name: str):
    """``(alpha, beta)`` of tap ``name`` for mirrored MZIs (loss, C2, P(theta), C1, P(phi))."""
    if name.startswith("theta"):
        a, b = f.amp * f.t2, f.amp * 1j * f.k2  # theta_before
        return (f.et * a, f.et * b) if name == "theta_after" else (a, b)
    a = f.amp * (f.t1 * f.t2 * f.et - f.k1 * f.k2)  # phi_before
    b = f.amp * 1j * (f.t1 * f.k2 * f.et + f.k1 * f.t2)
    return (f.ep * a, f.ep * b) if name == "phi_after" else (a, b)


class MziCouplers(NamedTuple):
    """What an MZI column's matrices take from its fabrication alone (no phases), evaluated once.

    Built by :func:`mzi_couplers` from ``kappa1, kappa2, loss_db, mirror``;
    :func:`mzi_phased` then gives, for any phases, exactly the matrices
    :func:`picffm.models.mzi` computes from all six arrays (the same
    floating-point operations in the same order on the same values, so the
    same bits). ``general`` indexes the MZIs with a coupler other than
    exactly 50:50 (``None``: all of them; an empty array: none), ``c`` holds
    their factors ``(t1, k1, t2, k2, -k2, k2 k1, t2 k1, k2 t1, t2 t1)``,
    ``mirror`` the mirrored MZIs (``None``: none) and ``amp`` the loss
    amplitude ``(n, 1, 1)`` (``None`` when no MZI has loss).
    """

    n: int
    general: np.ndarray | None
    c: tuple
    mirror: np.ndarray | None
    amp: np.ndarray | None


def mzi_couplers(kappa1, kappa2, loss_db, mirror) -> MziCouplers:
    """The fixed part of :func:`mzi_phased` for 1-D ``kappa1, kappa2, loss_db, mirror`` (one length)."""
    kappa1, kappa2, loss_db, mirror = np.broadcast_arrays(np.asarray(kappa1, float), np.asarray(kappa2, float),
                                                          np.asarray(loss_db, float), np.asarray(mirror, bool))
    ideal = (kappa1 == 0.5) & (kappa2 == 0.5)
    general = None if not ideal.any() else np.flatnonzero(~ideal)
    sub = slice(None) if general is None else general
    t1, k1 = coupler_amplitudes(kappa1[sub])
    t2, k2 = coupler_amplitudes(kappa2[sub])
    c = (t1, k1, t2, k2, -k2, k2 * k1, t2 * k1, k2 * t1, t2 * t1)
    amp = (10.0 ** (-loss_db / 20.0))[:, None, None] if np.any(loss_db) else None
    return MziCouplers(kappa1.size, general, c, np.flatnonzero(mirror) if mirror.any() else None, amp)


def mzi_phased(fixed: MziCouplers, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``(n, 2, 2)`` matrices of MZIs with the fabrication ``fixed`` and phases ``theta, phi`` (rad).

    The same bits as :func:`picffm.models.mzi` at the design wavelength
    (tested): the closed form :func:`mzi_5050` for 50:50 MZIs,
    :func:`mzi_general`'s products for the others (with their phase-free
    factors taken from ``fixed``), then the mirrored ones transposed and the
    loss applied.
    """
    theta = np.asarray(theta, float)
    phi = np.asarray(phi, float)
    g = fixed.general
    if g is not None and g.size == 0:
        out = mzi_5050(theta, phi)
    else:
        out = np.empty((fixed.n, 2, 2), dtype=complex)
        t1, k1, t2, k2, neg_k2, k2k1, t2k1, k2t1, t2t1 = fixed.c
        th, ph = (theta, phi) if g is None else (theta[g], phi[g])
        et, ep = np.exp(1j * th), np.exp(1j * ph)
        sub = out if g is None else np.empty((g.size, 2, 2), dtype=complex)
        a = t2 * et
        a *= t1
        a -= k2k1
        a *= ep
        sub[:, 0, 0] = a
        a = k2 * et
        a *= t1
        a += t2k1
        sub[:, 1, 0] = (1j * a) * ep
        a = t2 * et
        a *= k1
        a += k2t1
        sub[:, 0, 1] = 1j * a
        a = neg_k2 * et
        a *= k1
        a += t2t1
        sub[:, 1, 1] = a
        if g is not None:
            out[g] = sub
            ideal = np.ones(fixed.n, bool)
            ideal[g] = False
            out[ideal] = mzi_5050(theta[ideal], phi[ideal])
    if fixed.mirror is not None:
        idx = fixed.mirror
        upper = out[idx, 0, 1]
        out[idx, 0, 1] = out[idx, 1, 0]
        out[idx, 1, 0] = upper
    if fixed.amp is not None:
        out *= fixed.amp
    return out
