"""Clements decomposition of an N x N unitary onto :func:`picffm.meshes.clements`.

Mesh (see :mod:`picffm.meshes`): N columns, column c holds MZIs on the pairs
(m, m+1) with m = c mod 2, then the output phase screen ``ps_m*``::

    U = Phi @ L_{N-1} @ ... @ L_0,   Phi = diag(e^{i screen})

Algorithm (Clements et al., Optica 3, 1460 (2016)), written for this mesh's
conventions: the strictly lower triangle of U is nulled anti-diagonal by
anti-diagonal, starting at the bottom-left corner. Even anti-diagonals i are
nulled from the input side, ``U <- U @ T^-1`` mixing columns (i-j, i-j+1): that
is directly the MZI in mesh column j on modes (i-j, i-j+1). Odd anti-diagonals
are nulled from the output side with plain Givens rotations G mixing rows;
what is left is a diagonal D, and ``G^-1 @ D = D' @ T(theta, phi)`` turns each
rotation into a real MZI while D moves to the output, where it becomes the
phase screen (:func:`picffm.programming.mzi2x2.split_dt`).

Speed: the N(N-1)/2 nulling steps form one dependency chain (each reads what
the previous one wrote), so they run in a Python loop, but each step skips
the part of its two rows/columns that is already zero, as one small matrix
product. Pushing D through the rotations is
vectorised over each mesh column. The whole run is O(N^3 / 3) flops.
"""

from __future__ import annotations

import cmath
import math
from functools import lru_cache

import numpy as np

from ..meshes import clements_layout
from .mzi2x2 import split_dt, wrap

__all__ = ["decompose_clements", "clements_cells"]


def clements_cells(n: int) -> list[tuple[int, int]]:
    """(column, lower mode) of the MZIs of :func:`picffm.meshes.clements` (column-major)."""
    return clements_layout(n) if n > 2 else [(0, 0)]


@lru_cache(maxsize=32)
def _plan(n: int):
    """Nulling sequence and the grouping of output-side rotations by mesh column."""
    index = {cm: p for p, cm in enumerate(clements_cells(n))}
    ops = []  # (is_right, layout index, first col/row, read row/col)
    left = []  # (mesh column, layout index, lower mode, position in the left list)
    for i in range(n - 1):
        if i % 2 == 0:
            for j in range(i + 1):
                col = i - j
                ops.append((True, index[(j, col)], col, n - 1 - j))
        else:
            for k in range(i + 1):
                b = n - 2 - i + k
                left.append((n - 1 - k, index[(n - 1 - k, b)], b, len(left)))
                ops.append((False, len(left) - 1, b, k))
    groups = []
    for c in sorted({c for c, *_ in left}):
        sel = [t for t in left if t[0] == c]
        groups.append((np.array([t[3] for t in sel]), np.array([t[1] for t in sel]),
                       np.array([t[2] for t in sel])))
    return tuple(ops), len(left), tuple(groups)


def decompose_clements(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phases that make the Clements mesh of :func:`picffm.meshes.clements` implement ``u``.

    Args:
        u: N x N unitary (N >= 2). Not checked here: see
            :func:`picffm.programming.program_unitary` for validated input.

    Returns:
        ``(theta, phi, screen)``: internal and external phases of the
        N(N-1)/2 MZIs in :func:`picffm.meshes.clements_layout` order (column
        by column, lower mode ascending), and the N output phases of
        ``ps_m0..ps_m{N-1}``; all in rad, theta in [0, pi], the others in
        [0, 2 pi). Ideal 50:50 couplers and no loss are assumed.
    """
    a = np.array(u, dtype=complex, order="C")
    n = a.shape[0]
    ops, n_left, groups = _plan(n)
    n_mzi = n * (n - 1) // 2
    theta = np.zeros(n_mzi)
    phi = np.zeros(n_mzi)
    gh = np.empty((n_left, 2, 2), complex)  # G^H of each output-side rotation
    atan2, hypot, phase, cexp, pi = math.atan2, math.hypot, cmath.phase, cmath.exp, math.pi
    item = a.item
    for right, p, q, rk in ops:
        if right:  # U <- U T^-1 on columns (q, q+1), nulls U[rk, q]
            x, y = item(rk, q), item(rk, q + 1)
            ax, ay = abs(x), abs(y)
            nrm = hypot(ax, ay)
            s, c = (ay / nrm, ax / nrm) if nrm > 0.0 else (0.0, 1.0)
            ph = phase(x) - phase(y) - pi
            theta[p] = 2.0 * atan2(ay, ax)
            phi[p] = ph
            e = cexp(-1j * ph)
            g = -s - 1j * c  # -i e^{-i theta/2}
            ge = g * e
            m = np.array(((ge * s, ge * c), (g * c, -g * s)))
            a[:rk + 1, q:q + 2] = a[:rk + 1, q:q + 2] @ m
        else:  # U <- G U on rows (q, q+1), nulls U[q+1, rk]
            x, y = item(q, rk), item(q + 1, rk)
            nrm = hypot(abs(x), abs(y))
            if nrm > 0.0:
                x, y = x / nrm, y / nrm
            else:
                x, y = 1.0 + 0j, 0j
            xc, yc = x.conjugate(), y.conjugate()
            gh[p] = ((x, -yc), (y, xc))
            a[q:q + 2, rk:] = np.array(((xc, yc), (-y, x))) @ a[q:q + 2, rk:]
    d = a.diagonal().copy()
    # G_1^H ... G_K^H D: push D to the output, innermost rotations (low columns) first
    for sel, pos, b in groups:
        x = gh[sel].copy()
        x[:, :, 0] *= d[b, None]
        x[:, :, 1] *= d[b + 1, None]
        th, ph, al, be = split_dt(x)
        theta[pos] = th
        phi[pos] = ph
        d[b] = np.exp(1j * al)
        d[b + 1] = np.exp(1j * be)
    return theta, wrap(phi), wrap(np.angle(d))
