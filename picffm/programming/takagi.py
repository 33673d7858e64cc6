"""Takagi (Autonne-Takagi) factorisation of complex symmetric matrices.

``W = V @ diag(s) @ V.T`` with V unitary and s >= 0 (the singular values of W,
in descending order).

Method: with ``W = A + iB`` (A, B real symmetric), the real symmetric 2N x 2N
matrix ``H = [[A, B], [B, -A]]`` satisfies ``H (x; y) = s (x; y)`` exactly when
``v = x + iy`` satisfies ``W conj(v) = s v``. Its eigenvalues come in pairs
+-s_k, and ``J (x; y) = (-y; x)`` maps the +s eigenspace onto the -s one, so
the eigenvectors of the N largest eigenvalues from ``numpy.linalg.eigh``
(orthonormal in R^{2N}, and orthogonal to their J images whenever s > 0) are
orthonormal complex Takagi vectors, even inside a block of repeated singular
values: no clustering tolerance is needed. Only a (near-)zero singular value
shares its eigenspace with its J partner, so eigh may return both ``u`` and
``Ju``; a QR step (column order = descending s, phases kept) re-orthonormalises
V, which leaves the vectors of the nonzero singular values unchanged up to
rounding and fills the null space with any orthonormal basis (any basis is
exact there since s = 0). Cost: one real 2N x 2N eigh and one N x N QR.
"""

from __future__ import annotations

import numpy as np

__all__ = ["takagi"]


def takagi(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Takagi factorisation ``W = V diag(s) V^T`` of a complex symmetric matrix.

    Args:
        w: N x N complex symmetric matrix. Only its symmetric part
            ``(W + W.T)/2`` is used (checking symmetry is the caller's job,
            see :func:`picffm.programming.program_symmetric`).

    Returns:
        ``(V, s)``: V unitary (N x N), s >= 0 descending (N,).
    """
    w = np.asarray(w, dtype=complex)
    n = w.shape[0]
    w = 0.5 * (w + w.T)
    a, b = w.real, w.imag
    h = np.empty((2 * n, 2 * n))
    h[:n, :n] = a
    h[:n, n:] = b
    h[n:, :n] = b
    h[n:, n:] = -a
    lam, vec = np.linalg.eigh(h)
    top = vec[:, :n - 1:-1]  # eigenvectors of the N largest eigenvalues, descending
    s = np.maximum(lam[:n - 1:-1], 0.0)
    v = top[:n] + 1j * top[n:]
    q, r = np.linalg.qr(v)
    ph = np.diagonal(r).copy()
    mag = np.abs(ph)
    ph = np.where(mag > 0, ph / np.where(mag > 0, mag, 1.0), 1.0)
    return q * ph, s
