"""Takagi (Autonne-Takagi) factorisation of complex symmetric matrices.

``W = V @ diag(s) @ V.T`` with V unitary and s >= 0 (the singular values of W,
in descending order).

Two exact routes; :func:`takagi` uses the first, and the second where the
first declines.

**SVD route** (default, about half the cost). A complex SVD ``W = U S Vh``
gives the left singular vectors U. Since U is unitary, ``W = U M U^T``
exactly, with the symmetric ``M = U^H W conj(U) = S Vh conj(U)``, and for a symmetric W the
matrix M is diagonal up to a small symmetric ``E`` (exactly diagonal between
distinct singular values; numerically ``|E_ij|`` is about eps ||W|| / gap).
The phase fix-up ``P = diag(e^{-i alpha_k / 2})``, ``alpha_k = arg M_kk``,
makes the diagonal of ``M' = P M P`` real and equal to s. The rest is exact
perturbation theory: ``M' = (I + K) S (I + K)^T`` to first order with K
anti-Hermitian, that is ``E'_ij = K_ij s_j - s_i conj(K_ij)``, so

    Re K_ij = Re E'_ij / (s_j - s_i),   Im K_ij = Im E'_ij / (s_i + s_j),

and ``V = U conj(P) (I + K)``. What first order leaves out is of order
``|K|^2 s`` (in the reconstruction and in the unitarity of V), so every pair
with ``|K_ij| > K_TOL`` (1e-8: a neglected 1e-16) is instead *coupled*: the
coupled indices form contiguous blocks (repeated or close singular values,
the null space), each block is factorised exactly by the eigenvalue route,
and the first-order step is applied once more between the blocks. If a pair
is still coupled after that, the eigenvalue route does the whole matrix.
Cost: one complex N x N SVD, two matmuls and O(N^2) work.

**Eigenvalue route** (the fallback, robust by construction). With
``W = A + iB`` (A, B real symmetric), the real symmetric 2N x 2N matrix
``H = [[A, B], [B, -A]]`` satisfies ``H (x; y) = s (x; y)`` exactly when
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

Both routes give a Takagi factorisation to rounding (reconstruction and
unitarity about 1e-15 relative); the vectors themselves may differ by the
freedom the factorisation has (a sign per vector, a real orthogonal mixing
inside a repeated singular value).
"""

from __future__ import annotations

import numpy as np

__all__ = ["takagi", "takagi_svd", "takagi_eigh", "TAKAGI_METHODS", "K_TOL"]

#: ``method`` values of :func:`takagi`
TAKAGI_METHODS = ("auto", "eigh")
#: first-order rotations larger than this couple two singular vectors (module docstring)
K_TOL = 1e-8


def takagi(w: np.ndarray, *, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """Takagi factorisation ``W = V diag(s) V^T`` of a complex symmetric matrix.

    Args:
        w: N x N complex symmetric matrix. Only its symmetric part
            ``(W + W.T)/2`` is used (checking symmetry is the caller's job,
            see :func:`picffm.programming.program_symmetric`).
        method: ``"auto"``: the SVD route (:func:`takagi_svd`), or the
            eigenvalue route where that one declines; ``"eigh"``: the
            eigenvalue route only (:func:`takagi_eigh`). See the module docstring.

    Returns:
        ``(V, s)``: V unitary (N x N), s >= 0 descending (N,).
    """
    if method not in TAKAGI_METHODS:
        raise ValueError(f"takagi method must be one of {', '.join(TAKAGI_METHODS)}; got {method!r}")
    w = np.asarray(w, dtype=complex)
    w = 0.5 * (w + w.T)
    if method == "auto":
        got = takagi_svd(w)
        if got is not None:
            return got
    return takagi_eigh(w)


def takagi_svd(w: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The SVD route on an exactly symmetric ``w``: ``(V, s)``, or ``None`` where it declines."""
    n = w.shape[0]
    u, sv, vh = np.linalg.svd(w)
    m = vh @ u.conj()
    m *= sv[:, None]  # U^H W conj(U) = S Vh conj(U), with W = U S Vh
    m = 0.5 * (m + m.T)
    q = None  # the block factors, where some pairs are coupled
    for attempt in range(2):
        z = np.diagonal(m)
        s = np.abs(z)
        p = np.where(s > 0.0, np.sqrt(np.conj(z) / np.where(s > 0.0, s, 1.0)), 1.0)  # e^{-i alpha / 2}
        e = m * p[:, None]
        e *= p[None, :]
        diff = s[None, :] - s[:, None]
        tot = s[None, :] + s[:, None]
        er, ei = e.real, e.imag
        coupled = (np.abs(er) > K_TOL * np.abs(diff)) | (np.abs(ei) > K_TOL * tot)
        np.fill_diagonal(coupled, False)
        if q is not None:  # inside a block the eigenvalue route is exact: its leftovers are rounding
            coupled &= ~inside
        if not coupled.any():
            free = ~np.eye(n, dtype=bool) if q is None else ~(inside | np.eye(n, dtype=bool))
            k = np.zeros((n, n), complex)
            np.divide(er, diff, out=k.real, where=free & (diff != 0.0))
            np.divide(ei, tot, out=k.imag, where=free & (tot != 0.0))
            k[np.diag_indices(n)] += 1.0
            base = u * np.conj(p) if q is None else (u @ q) * np.conj(p)
            v = base @ k
            order = np.argsort(-s, kind="stable")
            return v[:, order], s[order]
        if q is not None:
            return None
        q = np.eye(n, dtype=complex)
        inside = np.zeros((n, n), dtype=bool)
        for lo, hi in _blocks(coupled):
            if hi - lo > 1:
                q[lo:hi, lo:hi] = takagi_eigh(m[lo:hi, lo:hi])[0]
                inside[lo:hi, lo:hi] = True
        m = (q.conj().T @ m) @ q.conj()
        m = 0.5 * (m + m.T)
    return None


def _blocks(coupled: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous index blocks ``[lo, hi)`` closed under the symmetric coupling mask ``coupled``."""
    n = coupled.shape[0]
    idx = np.arange(n)
    far = np.where(coupled.any(axis=1), n - 1 - np.argmax(coupled[:, ::-1], axis=1), idx)
    reach = np.maximum.accumulate(np.maximum(far, idx))
    ends = np.flatnonzero(reach == idx) + 1
    return list(zip(np.concatenate(([0], ends[:-1])).tolist(), ends.tolist()))


def takagi_eigh(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The eigenvalue route on an exactly symmetric ``w`` (always succeeds)."""
    n = w.shape[0]
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
