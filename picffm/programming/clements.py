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
the previous one wrote), so they run in one compiled loop
(:func:`picffm.compiled.clements_null`; Python loops where that is not
loaded, see :class:`_Usage`), and each step skips the part of its two
rows/columns that is already zero. Pushing D through the rotations is affine in D's phases, so the
2x2 splits are computed for all rotations in one vectorised call and only
phase additions remain in the loop. O(N^3) flops in all.
"""

from __future__ import annotations

import cmath
import math
from functools import lru_cache

import numpy as np

from ..compiled import in_one_shot, kernel
from ..meshes import clements_layout
from .mzi2x2 import split_dt, wrap

__all__ = ["decompose_clements", "clements_cells"]


def clements_cells(n: int) -> list[tuple[int, int]]:
    """(column, lower mode) of the MZIs of :func:`picffm.meshes.clements` (column-major)."""
    return clements_layout(n) if n > 2 else [(0, 0)]


@lru_cache(maxsize=32)
def _plan(n: int):
    """Nulling sequence, and the MZI (layout index, lower mode) of each output-side rotation."""
    index = {cm: p for p, cm in enumerate(clements_cells(n))}
    ops = []  # (is_right, layout index or rotation number, first col/row, read row/col)
    left_pos, left_mode = [], []
    for i in range(n - 1):
        if i % 2 == 0:
            for j in range(i + 1):
                col = i - j
                ops.append((True, index[(j, col)], col, n - 1 - j))
        else:
            for k in range(i + 1):
                b = n - 2 - i + k
                ops.append((False, len(left_pos), b, k))
                left_pos.append(index[(n - 1 - k, b)])
                left_mode.append(b)
    push = tuple(zip(range(len(left_pos) - 1, -1, -1), reversed(left_pos), reversed(left_mode)))
    return tuple(ops), np.array(left_pos, dtype=int), push


@lru_cache(maxsize=32)
def _plan_arrays(n: int):
    """:func:`_plan`'s nulling sequence as the arrays of :func:`picffm.compiled.clements_null`."""
    ops = np.array(_plan(n)[0], dtype=np.int64).reshape(-1, 4)
    return ops[:, 0].astype(bool), ops[:, 1].copy(), ops[:, 2].copy(), ops[:, 3].copy()


@lru_cache(maxsize=32)
def _push_arrays(n: int):
    """:func:`_plan`'s push sequence ``(k, pos, b)`` as three arrays."""
    push = np.array(_plan(n)[2], dtype=np.int64).reshape(-1, 3)
    return push[:, 0].copy(), push[:, 1].copy(), push[:, 2].copy()


class _Usage:
    """Decomposition work so far in this process (up to N = 16, see :data:`COMPILE_AFTER`).

    Up to N = :data:`_LIST_MAX_N` the compiled nulling is loaded only once a
    process has done the work of :data:`COMPILE_AFTER` decompositions at
    N = 16 (work counted as N^3 per decomposition): a training run, which
    decomposes at every update, switches after its first few updates (16 at
    N = 16, 1024 at N = 4, where the list route takes microseconds). Above
    it the compiled route is the route. One-shot work
    (:func:`picffm.compiled.one_shot`: ``picffm program``) keeps to the
    list route up to :data:`ONE_SHOT_LIST_MAX_N`, whatever the work so far.
    The compiled and the list route give the same bits at every N (tested),
    so these switches change nothing but the speed; the numpy route, kept
    for machines without numba, rounds its row products differently, at the
    1e-14 level.
    """

    work = 0


#: decompositions at N = 16 (their N^3 work) in one process before the nulling runs compiled
COMPILE_AFTER = 16


def _null_compiled(fn, a: np.ndarray, theta: np.ndarray):
    """The nulling sequence by the compiled kernel ``fn``: same arithmetic as :func:`_null_lists`.

    Returns the rotations' ``G^H`` ``(K, 4)``, the diagonal left and the external phases (arrays).
    """
    n = a.shape[0]
    right, p, q, r = _plan_arrays(n)
    ph = np.zeros(theta.size)
    gh = np.zeros((len(_plan(n)[1]), 4), complex)
    fn(a, right, p, q, r, theta, ph, gh)
    return gh, a.diagonal().copy(), ph


#: up to this N the nulling runs on Python lists of complex numbers (no numpy
#: call per step: about 2-3x faster for the small cores of a training run) until
#: the compiled route takes over (:class:`_Usage`); above it the compiled route,
#: or without numba one numpy matmul per step over the rows/columns it changes
_LIST_MAX_N = 16


#: one-shot work (:func:`picffm.compiled.one_shot`: ``picffm program``) nulls on lists up to this N,
#: where the list route (about 0.2 s at N = 128, N^3 work) still costs less than loading numba
#: (0.4-0.5 s of CPU); it gives the compiled route's bits, so the choice changes only the speed
ONE_SHOT_LIST_MAX_N = 160


def _right_rotation(x: complex, y: complex):
    """The input-side rotation that nulls ``x`` against ``y`` (columns ``q, q+1``): ``(theta, phi, T^-1 entries)``.

    ``theta = 2 atan2(|y|, |x|)``, ``phi = arg x - arg y - pi`` (rad) and the
    entries ``(m00, m01, m10, m11)`` of ``T^-1`` as Python complex numbers;
    one arithmetic for the list and the numpy routes (the compiled kernel
    repeats it in numba).
    """
    ax, ay = abs(x), abs(y)
    nrm = abs(complex(ax, ay))  # C hypot, as the compiled route (math.hypot rounds its own way)
    s, c = (ay / nrm, ax / nrm) if nrm > 0.0 else (0.0, 1.0)
    ph = cmath.phase(x) - cmath.phase(y) - math.pi
    g = -s - 1j * c  # -i e^{-i theta/2}
    ge = g * cmath.exp(-1j * ph)
    return 2.0 * math.atan2(ay, ax), ph, (ge * s, ge * c, g * c, -g * s)


def _left_rotation(x: complex, y: complex):
    """The output-side rotation that nulls ``y`` against ``x`` (rows ``q, q+1``): ``(x, y, x*, y*)`` normalised.

    ``G = [[x*, y*], [-y, x]]`` for the normalised pair (the identity if both are zero).
    """
    nrm = abs(complex(abs(x), abs(y)))
    if nrm > 0.0:
        x, y = x / nrm, y / nrm
    else:
        x, y = 1.0 + 0j, 0j
    return x, y, x.conjugate(), y.conjugate()


def _null_numpy(a: np.ndarray, ops, theta: np.ndarray, phi: list):
    """The nulling sequence on ``a`` in place; returns the rotations' ``G^H`` and the diagonal left."""
    gh = []  # G^H of each output-side rotation, flattened
    item, array = a.item, np.array
    for right, p, q, rk in ops:
        if right:  # U <- U T^-1 on columns (q, q+1), nulls U[rk, q]; rows > rk are already 0 there
            theta[p], phi[p], (m00, m01, m10, m11) = _right_rotation(item(rk, q), item(rk, q + 1))
            a[:rk + 1, q:q + 2] = a[:rk + 1, q:q + 2] @ array(((m00, m01), (m10, m11)))
        else:  # U <- G U on rows (q, q+1), nulls U[q+1, rk]; columns < rk are already 0 there
            x, y, xc, yc = _left_rotation(item(q, rk), item(q + 1, rk))
            gh.append((x, -yc, y, xc))
            a[q:q + 2, rk:] = array(((xc, yc), (-y, x))) @ a[q:q + 2, rk:]
    return gh, a.diagonal()


def _null_lists(a: np.ndarray, ops, theta: np.ndarray, phi: list):
    """:func:`_null_numpy` with the matrix as Python lists (same arithmetic, no numpy call per step)."""
    rows = a.tolist()
    n = len(rows)
    gh = []
    for right, p, q, rk in ops:
        if right:
            theta[p], phi[p], (m00, m01, m10, m11) = _right_rotation(rows[rk][q], rows[rk][q + 1])
            for r in range(rk + 1):
                row = rows[r]
                u0, u1 = row[q], row[q + 1]
                row[q] = u0 * m00 + u1 * m10
                row[q + 1] = u0 * m01 + u1 * m11
        else:
            r0, r1 = rows[q], rows[q + 1]
            x, y, xc, yc = _left_rotation(r0[rk], r1[rk])
            gh.append((x, -yc, y, xc))
            for col in range(rk, n):
                u0, u1 = r0[col], r1[col]
                r0[col] = xc * u0 + yc * u1
                r1[col] = x * u1 - y * u0
    return gh, np.array([rows[i][i] for i in range(n)])


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
    ops, left_pos, push = _plan(n)
    n_mzi = n * (n - 1) // 2
    theta = np.zeros(n_mzi)
    _Usage.work += n ** 3
    if in_one_shot():  # done once: compiled only where the list route costs more than loading numba
        list_max, repeated = ONE_SHOT_LIST_MAX_N, False
    else:
        list_max, repeated = _LIST_MAX_N, _Usage.work > COMPILE_AFTER * _LIST_MAX_N ** 3
    fn = kernel("clements_null") if n > list_max or repeated else None
    # G_1^H ... G_K^H D = D' T_1 ... T_K. split_dt is affine in the phases of D:
    # G^H diag(e^{i d0}, e^{i d1}) = diag(e^{i(d1+alpha)}, e^{i(d1+beta)}) T(theta, phi + d0 - d1)
    if fn is not None:  # arrays throughout: the list route's numbers without round trips through lists
        gh, diag, phi = _null_compiled(fn, a, theta)
        delta = np.angle(diag)
        if len(gh):
            th, ph0, al, be = split_dt(gh.reshape(-1, 2, 2))
            theta[left_pos] = th
            kernel("clements_push")(*_push_arrays(n), ph0, al, be, delta, phi)  # the same additions, compiled
        return theta, wrap(phi), wrap(delta)
    phi = [0.0] * n_mzi
    null = _null_lists if n <= list_max else _null_numpy
    gh, diag = null(a, ops, theta, phi)
    delta = np.angle(diag).tolist()
    if len(gh):
        th, ph0, al, be = split_dt(np.array(gh).reshape(-1, 2, 2))
        theta[left_pos] = th
        ph0, al, be = ph0.tolist(), al.tolist(), be.tolist()
        for k, pos, b in push:  # innermost rotation first
            d0, d1 = delta[b], delta[b + 1]
            phi[pos] = ph0[k] + d0 - d1
            delta[b] = d1 + al[k]
            delta[b + 1] = d1 + be[k]
    return theta, wrap(np.array(phi)), wrap(np.array(delta))
