"""Reck decomposition of an N x N unitary onto :func:`picffm.meshes.reck`.

Mesh (see :mod:`picffm.meshes`): diagonal k = 0..N-2 holds MZIs on (m, m+1)
for m = k, k-1, ..., 0 at column c = 2k - m, then the output phase screen
``ps_m*``: ``U = Phi @ L_{2N-4} @ ... @ L_0``.

Algorithm: the mesh is peeled from the output side. Diagonal k of the mesh
moves the light of column k+1 of U down to mode k+1, so a Givens rotation G on
rows (m, m+1) nulls ``U[m, k+1]`` for m = 0..k (Reck et al., PRL 73, 58
(1994)). Rotations that share no row commute, so a whole mesh column is nulled
in one vectorised step (2N-3 steps instead of N(N-1)/2); reading the columns
from the output (c = 2N-4) to the input reproduces the diagonal-by-diagonal
order on every pair of rows. What is left is a diagonal D; ``G^-1 @ D =
D' @ T(theta, phi)`` turns each rotation into an MZI while D moves to the
output phase screen: one vectorised 2x2 split for all rotations, then phase
additions one mesh column at a time.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..meshes import reck_layout
from .mzi2x2 import split_dt, wrap

__all__ = ["decompose_reck"]


@lru_cache(maxsize=32)
def _plan(n: int):
    """Per mesh column: layout indices, lower modes and nulled columns of U."""
    cells = reck_layout(n)
    cols = []
    for c in range(2 * n - 3):
        pos = np.array([p for p, (cc, _) in enumerate(cells) if cc == c])
        m = np.array([cells[p][1] for p in pos])
        cols.append((pos, m, (c + m) // 2 + 1))
    return tuple(cols)


def decompose_reck(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phases that make the Reck mesh of :func:`picffm.meshes.reck` implement ``u``.

    Args:
        u: N x N unitary (N >= 2), not checked here (see
            :func:`picffm.programming.program_unitary`).

    Returns:
        ``(theta, phi, screen)`` like :func:`~picffm.programming.decompose_clements`,
        MZIs in :func:`picffm.meshes.reck_layout` order (column-major).
    """
    a = np.array(u, dtype=complex)
    n = a.shape[0]
    plan = _plan(n)
    n_mzi = n * (n - 1) // 2
    gh = np.empty((n_mzi, 2, 2), complex)  # G^H per MZI, layout order
    for pos, m, k1 in reversed(plan):
        x, y = a[m, k1], a[m + 1, k1]
        nrm = np.sqrt(np.abs(x) ** 2 + np.abs(y) ** 2)
        zero = nrm == 0.0
        nrm[zero] = 1.0
        y = np.where(zero, 1.0, y)
        x, y = x / nrm, y / nrm
        r0, r1 = a[m], a[m + 1]
        # G = [[y, -x], [x*, y*]] sends (x, y) to (0, 1)
        a[m] = y[:, None] * r0 - x[:, None] * r1
        a[m + 1] = np.conj(x)[:, None] * r0 + np.conj(y)[:, None] * r1
        g = gh[pos]
        g[:, 0, 0], g[:, 0, 1] = np.conj(y), x
        g[:, 1, 0], g[:, 1, 1] = -np.conj(x), y
        gh[pos] = g
    # G_1^H ... G_K^H D = D' T_1 ... T_K, affine in the phases of D (see clements.py)
    theta, ph0, al, be = split_dt(gh)
    phi = np.empty(n_mzi)
    delta = np.angle(a.diagonal())
    for pos, m, _ in plan:  # innermost (input-side) columns first
        d0, d1 = delta[m], delta[m + 1]
        phi[pos] = ph0[pos] + d0 - d1
        delta[m] = d1 + al[pos]
        delta[m + 1] = d1 + be[pos]
    return theta, wrap(phi), wrap(delta)
