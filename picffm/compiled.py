"""Compiled kernels for the loops numpy cannot vectorise well (numba, compiled once and cached).

Two loops are call-overhead or dependency bound in numpy:

* the **full transfer matrix** of a large mesh, a walk over thousands of
  2x2 elements on an N x N state (:func:`matrix_walk`). From the identity,
  after c columns an input has reached at most the modes within c of its
  own, so each element updates only the input columns that can be non-zero
  on its two rows (the light cone), which numpy's stacked matmuls cannot
  skip;
* the **Clements nulling sequence** (:func:`clements_null`), N(N-1)/2 steps
  that each read what the previous one wrote, and the phase additions that
  push the diagonal left over through the rotations (:func:`clements_push`).

**Loading.** Importing numba is deferred to the first :func:`kernel` call
(``import picffm`` and every command that needs no kernel never import it;
tested), and callers use these kernels only where they pay (large meshes;
many decompositions in one process). numba compiles each kernel on first use
and keeps the machine code in its on-disk cache, looked for in numba's order:
``NUMBA_CACHE_DIR`` if set, else ``__pycache__`` beside this file, else
numba's user cache directory (``~/.cache/numba``); numba re-compiles when this
file changes. A first process pays the compilation (about 1 s of CPU for
:func:`matrix_walk`), later ones load the code (numba's import, about 0.4 s,
stays). Where no cache directory is writable (a read-only install and home)
the kernel is compiled in memory for the process, silently. :func:`kernel`
returns ``None`` when numba cannot be imported, and callers then use their
numpy route, which the tests compare with these kernels (a second algorithm).

**One-shot work.** Loading numba costs about 0.4-0.5 s of CPU, which a
command that evaluates one matrix never earns back at the sizes people use:
at N = 64 the numpy walk takes about 1 ms. Inside :func:`one_shot` (the CLI
wraps ``validate``, ``compile``, ``import`` and ``program`` in it) the matrix
walk runs compiled only from :data:`ONE_SHOT_MIN_MODES` modes on, where one
numpy walk costs about what loading numba does (0.4 s at N = 512); outside
it, from ``picffm.simulation.COMPILED_MIN_MODES`` (32) on, for work that
repeats (training, studies, the library). The rule depends on the size of
the call and on the command, never on what ran before, so a command gives
the same bits every time. The Clements nulling of ``picffm program`` has its
own one-shot threshold
(:data:`picffm.programming.clements.ONE_SHOT_LIST_MAX_N`), where its list
route, which gives the compiled bits, costs what loading numba does.
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np

__all__ = ["kernel", "matrix_walk", "clements_null", "clements_push", "one_shot", "in_one_shot", "min_modes",
           "ONE_SHOT_MIN_MODES"]

_COMPILED: dict[str, object] = {}
_MISSING = object()
#: from this many modes on, one-shot work (:func:`one_shot`) walks a matrix compiled (module docstring)
ONE_SHOT_MIN_MODES = 512
_ONE_SHOT = [0]  # depth of nested one_shot() blocks


@contextmanager
def one_shot():
    """Within this block, work is one-shot: :func:`min_modes` is at least :data:`ONE_SHOT_MIN_MODES`."""
    _ONE_SHOT[0] += 1
    try:
        yield
    finally:
        _ONE_SHOT[0] -= 1


def in_one_shot() -> bool:
    """Whether the caller runs inside :func:`one_shot` (work done once: loading numba may not pay)."""
    return _ONE_SHOT[0] > 0


def min_modes(default: int) -> int:
    """The mode count from which a kernel pays: ``default``, or :data:`ONE_SHOT_MIN_MODES` in :func:`one_shot`."""
    return max(default, ONE_SHOT_MIN_MODES) if _ONE_SHOT[0] else default


def kernel(name: str):
    """The compiled kernel ``name`` (a function of this module), or None without numba."""
    fn = _COMPILED.get(name)
    if fn is None:
        try:
            import numba
        except ImportError:  # numba is a declared dependency; stay usable without it
            fn = _MISSING
        else:
            _compile_helpers(numba)
            fn = _jit(numba, _PYTHON[name])
        _COMPILED[name] = fn
    return None if fn is _MISSING else fn


def _compile_helpers(numba) -> None:
    """Replace the row helpers the kernels call by their compiled versions (numba resolves globals when compiling)."""
    g = globals()
    for name in _HELPERS:
        if not isinstance(g[name], numba.core.dispatcher.Dispatcher):
            g[name] = numba.njit(inline="always", nogil=True)(g[name])  # inlined: each kernel is one function


def _jit(numba, py_func):
    """``numba.njit`` with the on-disk cache, or in memory where no cache directory is writable."""
    try:
        return numba.njit(cache=True, nogil=True)(py_func)
    except RuntimeError:  # "cannot cache function ...: no locator available": nowhere to write
        return numba.njit(cache=False, nogil=True)(py_func)


def _mix_pair(ar: np.ndarray, ai: np.ndarray, br: np.ndarray, bi: np.ndarray, m00r: float, m00i: float,
             m01r: float, m01i: float, m10r: float, m10i: float, m11r: float, m11i: float, sub: bool) -> None:
    """``(a, b) <- (m00 a + m01 b, m10 a + m11 b)`` over equal-length 1-D views, in place; ``sub``: ``m11 b - m10 a``.

    ``a`` and ``b`` are held as real (``ar``, ``br``) and imaginary (``ai``,
    ``bi``) parts; each complex product is written out in the order numpy
    evaluates it (no fused multiply-adds), so the result has the bits of the
    complex expression. With ``sub`` the second row is the difference
    ``m11 b - m10 a`` as such (not a sum with a negated ``m10``, which could
    turn an exact zero's sign). The row kernel of :func:`matrix_walk` and of
    the row steps of :func:`clements_null`: over zero-based contiguous views
    the compiler vectorises it. Compiled with ``inline="always"``, so each
    kernel is still one function (as a called function it made the walk about 1.5x slower).
    """
    for j in range(ar.size):
        xar = ar[j]
        xai = ai[j]
        xbr = br[j]
        xbi = bi[j]
        ar[j] = (m00r * xar - m00i * xai) + (m01r * xbr - m01i * xbi)
        ai[j] = (m00r * xai + m00i * xar) + (m01r * xbi + m01i * xbr)
        if sub:
            br[j] = (m11r * xbr - m11i * xbi) - (m10r * xar - m10i * xai)
            bi[j] = (m11r * xbi + m11i * xbr) - (m10r * xai + m10i * xar)
        else:
            br[j] = (m10r * xar - m10i * xai) + (m11r * xbr - m11i * xbi)
            bi[j] = (m10r * xai + m10i * xar) + (m11r * xbi + m11i * xbr)


def _join_complex(xr: np.ndarray, xi: np.ndarray, out: np.ndarray) -> None:
    """``out[r, j] = complex(xr[r, j], xi[r, j])`` (2-D, in place)."""
    for r in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[r, j] = complex(xr[r, j], xi[r, j])


_HELPERS = ("_mix_pair", "_join_complex")


def matrix_walk(n: int, op_a: np.ndarray, op_b: np.ndarray, op_k: np.ndarray, two: np.ndarray,
                one: np.ndarray) -> np.ndarray:
    """Transfer matrix (mode order) of a sequence of elements applied to the N x N identity.

    Element ``e`` acts on modes ``op_a[e]`` and ``op_b[e]`` with the 2x2
    matrix ``two[op_k[e]]``, or, when ``op_b[e] < 0``, multiplies mode
    ``op_a[e]`` by ``one[op_k[e]]``. Elements run in the given order (a
    schedule's stage order; elements of one stage commute). Each element
    updates only the input columns within the light cone of its two modes
    (``lo[m] <= column < hi[m]``), the others being zero.

    The state is held as separate real and imaginary N x N arrays, and each
    element's loop runs over zero-based views of its two rows, so the
    compiler vectorises it (about 3.5x at N = 128 against complex scalars);
    the arithmetic is the complex products written out in the order numpy
    evaluates them (no fused multiply-adds), so the result is the same bits
    as ``m00 * xa + m01 * xb`` in complex arithmetic.
    """
    xr = np.zeros((n, n))
    xi = np.zeros((n, n))
    lo = np.arange(n)
    hi = np.arange(n) + 1
    for r in range(n):
        xr[r, r] = 1.0
    for e in range(op_a.size):
        a = op_a[e]
        b = op_b[e]
        k = op_k[e]
        if b < 0:
            vr = one[k].real
            vi = one[k].imag
            l_a = lo[a]
            h_a = hi[a]
            pr = xr[a, l_a:h_a]
            pi = xi[a, l_a:h_a]
            for j in range(h_a - l_a):
                ur = pr[j]
                ui = pi[j]
                pr[j] = ur * vr - ui * vi
                pi[j] = ur * vi + ui * vr
            continue
        lo_ab = min(lo[a], lo[b])
        hi_ab = max(hi[a], hi[b])
        lo[a] = lo_ab
        lo[b] = lo_ab
        hi[a] = hi_ab
        hi[b] = hi_ab
        m = two[k]
        _mix_pair(xr[a, lo_ab:hi_ab], xi[a, lo_ab:hi_ab], xr[b, lo_ab:hi_ab], xi[b, lo_ab:hi_ab],
                 m[0, 0].real, m[0, 0].imag, m[0, 1].real, m[0, 1].imag, m[1, 0].real, m[1, 0].imag,
                 m[1, 1].real, m[1, 1].imag, False)
    x = np.empty((n, n), np.complex128)
    _join_complex(xr, xi, x)
    return x


def clements_null(a: np.ndarray, op_right: np.ndarray, op_p: np.ndarray, op_q: np.ndarray, op_r: np.ndarray,
                  theta: np.ndarray, phi: np.ndarray, gh: np.ndarray) -> None:
    """The Clements nulling sequence on ``a`` (N x N, in place), the arithmetic of the list route.

    Step ``s`` with ``op_right[s]`` multiplies columns ``(q, q+1)`` by
    ``T^-1`` to null ``a[r, q]`` and writes the MZI phases ``theta[p]``,
    ``phi[p]``; otherwise it mixes rows ``(q, q+1)`` with a Givens rotation
    that nulls ``a[q+1, r]`` and writes its ``G^H`` to ``gh[p]`` (flattened
    2x2). See :mod:`picffm.programming.clements` for the derivation; the
    operations and their order are those of its Python-list route.

    The matrix is worked on as separate real and imaginary arrays, with each
    complex product written out in numpy's order (no fused multiply-adds):
    the row steps then run vectorised over zero-based row views, with the
    same bits as complex arithmetic (the column steps stay strided).
    """
    n = a.shape[0]
    ar = np.ascontiguousarray(a.real)
    ai = np.ascontiguousarray(a.imag)
    for s in range(op_right.size):
        p = op_p[s]
        q = op_q[s]
        rk = op_r[s]
        if op_right[s]:
            x = complex(ar[rk, q], ai[rk, q])
            y = complex(ar[rk, q + 1], ai[rk, q + 1])
            ax = abs(x)
            ay = abs(y)
            nrm = abs(complex(ax, ay))
            if nrm > 0.0:
                sn = ay / nrm
                cs = ax / nrm
            else:
                sn = 0.0
                cs = 1.0
            ph = math.atan2(x.imag, x.real) - math.atan2(y.imag, y.real) - math.pi
            theta[p] = 2.0 * math.atan2(ay, ax)
            phi[p] = ph
            g = complex(-sn, -cs)
            ge = g * complex(math.cos(-ph), math.sin(-ph))
            m00 = ge * sn
            m01 = ge * cs
            m10 = g * cs
            m11 = -g * sn
            # columns (u0, u1) <- (u0 m00 + u1 m10, u0 m01 + u1 m11): the transposed matrix on the column pair
            m00r, m00i, m01r, m01i = m00.real, m00.imag, m01.real, m01.imag
            m10r, m10i, m11r, m11i = m10.real, m10.imag, m11.real, m11.imag
            # written out, not _mix_pair on column views: slicing four strided views per step made the nulling
            # 10-20 % slower (N = 64, 128); the arithmetic is _mix_pair's with the transposed matrix
            for r in range(rk + 1):  # u0 * m00 + u1 * m10, u0 * m01 + u1 * m11
                u0r = ar[r, q]
                u0i = ai[r, q]
                u1r = ar[r, q + 1]
                u1i = ai[r, q + 1]
                ar[r, q] = (u0r * m00r - u0i * m00i) + (u1r * m10r - u1i * m10i)
                ai[r, q] = (u0r * m00i + u0i * m00r) + (u1r * m10i + u1i * m10r)
                ar[r, q + 1] = (u0r * m01r - u0i * m01i) + (u1r * m11r - u1i * m11i)
                ai[r, q + 1] = (u0r * m01i + u0i * m01r) + (u1r * m11i + u1i * m11r)
        else:
            x = complex(ar[q, rk], ai[q, rk])
            y = complex(ar[q + 1, rk], ai[q + 1, rk])
            nrm = abs(complex(abs(x), abs(y)))
            if nrm > 0.0:
                x = x / nrm
                y = y / nrm
            else:
                x = 1.0 + 0j
                y = 0j
            xc = x.conjugate()
            yc = y.conjugate()
            gh[p, 0] = x
            gh[p, 1] = -yc
            gh[p, 2] = y
            gh[p, 3] = xc
            # rows (u0, u1) <- (xc u0 + yc u1, x u1 - y u0)
            _mix_pair(ar[q, rk:], ai[q, rk:], ar[q + 1, rk:], ai[q + 1, rk:], xc.real, xc.imag, yc.real, yc.imag,
                     y.real, y.imag, x.real, x.imag, True)
    _join_complex(ar, ai, a)


def clements_push(push_k: np.ndarray, push_pos: np.ndarray, push_b: np.ndarray, ph0: np.ndarray, al: np.ndarray,
                  be: np.ndarray, delta: np.ndarray, phi: np.ndarray) -> None:
    """Push the diagonal phases ``delta`` through the output-side rotations (in place in ``delta``, ``phi``).

    Rotation ``k`` at MZI ``pos`` on modes ``(b, b+1)``, innermost first: the
    phase additions of :func:`picffm.programming.clements.decompose_clements`,
    in the same order.
    """
    for i in range(push_k.size):
        k = push_k[i]
        b = push_b[i]
        d0 = delta[b]
        d1 = delta[b + 1]
        phi[push_pos[i]] = ph0[k] + d0 - d1
        delta[b] = d1 + al[k]
        delta[b + 1] = d1 + be[k]


_PYTHON = {"matrix_walk": matrix_walk, "clements_null": clements_null, "clements_push": clements_push}
