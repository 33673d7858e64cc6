"""Figures of merit of a transfer matrix ``T[out, in]`` (pure functions).

* unitarity error ``||T T^H - I||_F`` (Frobenius norm; 0 for a lossless,
  unitary mesh, about ``sqrt(N) * (1 - 10**(-L/10))`` for a uniform loss L dB);
* symmetry error ``||T - T^T||_F`` (0 for a reciprocal symmetric core), and
  relative to ``||T||_F``;
* insertion loss per input ``-10 log10(sum_out |T[out, in]|^2)`` in dB: the
  power lost when all light enters that one input (column power).
"""

from __future__ import annotations

import numpy as np

from .errors import ParamsError

__all__ = ["unitarity_error", "symmetry_error", "relative_symmetry_error", "insertion_loss_db"]


def unitarity_error(t: np.ndarray) -> float:
    """Frobenius norm ``||T T^H - I||_F`` (T may be non-square: I is outputs x outputs)."""
    t = np.asarray(t)
    return float(np.linalg.norm(t @ t.conj().T - np.eye(t.shape[0]), "fro"))


def symmetry_error(t: np.ndarray) -> float | None:
    """Frobenius norm ``||T - T^T||_F``, or None for a non-square matrix."""
    t = np.asarray(t)
    if t.shape[0] != t.shape[1]:
        return None
    return float(np.linalg.norm(t - t.T, "fro"))


def relative_symmetry_error(m: np.ndarray) -> float:
    """``||M - M^T||_F / ||M||_F``: 0 for an exactly symmetric (or zero) matrix."""
    m = np.asarray(m)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ParamsError(f"symmetry needs a square matrix, got shape {m.shape}")
    nm = np.linalg.norm(m)
    return float(np.linalg.norm(m - m.T) / nm) if nm else 0.0


def insertion_loss_db(t: np.ndarray) -> np.ndarray:
    """Loss in dB for light entering each input (one value per column; inf if dark)."""
    power = np.sum(np.abs(np.asarray(t)) ** 2, axis=0)
    with np.errstate(divide="ignore"):
        return -10.0 * np.log10(power)
