"""2x2 algebra shared by the mesh decompositions (ideal 50:50 MZIs).

With 50:50 couplers the MZI of :func:`picffm.models.mzi` (the one place its
matrix is computed) is::

    T(theta, phi) = i e^{i theta/2} [[e^{i phi} sin(theta/2),  cos(theta/2)],
                                     [e^{i phi} cos(theta/2), -sin(theta/2)]]

Every 2x2 unitary ``X`` can be written ``X = diag(e^{i alpha}, e^{i beta}) @
T(theta, phi)`` (:func:`split_dt`), which is how a nulling step applied from
the output side becomes a real MZI once the diagonal is pushed to the output
phase screen (Clements et al., Optica 3, 1460 (2016)).

Phases come out in [0, 2 pi) (thermo-optic heaters only add phase), internal
phases theta in [0, pi].
"""

from __future__ import annotations

import numpy as np

from ..wrapping import mod_positive

__all__ = ["wrap", "split_dt", "attenuator_settings", "TWO_PI"]

TWO_PI = 2.0 * np.pi


def wrap(x):
    """Phase(s) wrapped to [0, 2 pi) (rad): ``numpy.mod(x, 2 pi)``, bit for bit (a new array or float)."""
    if np.ndim(x) == 0:
        return np.mod(x, TWO_PI)
    return mod_positive(np.asarray(x, dtype=float), TWO_PI)


def attenuator_settings(s: np.ndarray, phase: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Attenuator column realising ``diag(s) e^{i phase} / scale`` with ``scale = max(s)``.

    The one conversion from singular values to attenuator settings (50:50
    couplers, :func:`picffm.models.attenuator`: transmission
    ``i e^{i theta/2} sin(theta/2) e^{i psi}``): ``theta = 2 arcsin(s / scale)``
    in [0, pi] and ``psi = phase - pi/2 - theta/2`` wrapped to [0, 2 pi).

    Returns:
        ``(theta, psi, scale)``; for s = 0 the scale is 0 and every attenuator
        blocks (theta = 0).
    """
    s = np.asarray(s, dtype=float)
    scale = float(s.max()) if s.size else 0.0
    r = np.clip(s / scale, 0.0, 1.0) if scale > 0 else np.zeros_like(s)
    theta = 2.0 * np.arcsin(r)
    return theta, wrap(np.asarray(phase, float) - 0.5 * np.pi - 0.5 * theta), scale


def split_dt(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Write 2x2 unitaries as ``diag(e^{i alpha}, e^{i beta}) @ T(theta, phi)``.

    Args:
        x: array ``(K, 2, 2)`` of unitary matrices.

    Returns:
        ``(theta, phi, alpha, beta)``, each of shape ``(K,)``, theta in [0, pi]
        and the others unwrapped (rad). Degenerate cases (theta = 0 or pi, where
        phi is redundant) choose phi = 0; the formulas never divide by a
        vanishing entry.
    """
    x00, x01, x10, x11 = x[:, 0, 0], x[:, 0, 1], x[:, 1, 0], x[:, 1, 1]
    theta = 2.0 * np.arctan2(np.abs(x00), np.abs(x01))
    phi = np.angle(x00 * np.conj(x01))
    ephi = np.exp(-1j * phi)
    half = 0.5 * theta + 0.5 * np.pi
    # X01 + X00 e^{-i phi} = i e^{i theta/2} e^{i alpha} (c + s): never zero
    alpha = np.angle(x01 + x00 * ephi) - half
    # X10 e^{-i phi} - X11 = i e^{i theta/2} e^{i beta} (c + s)
    beta = np.angle(x10 * ephi - x11) - half
    return theta, phi, alpha, beta
