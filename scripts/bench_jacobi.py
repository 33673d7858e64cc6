#!/usr/bin/env python3
"""Would a warm-started Jacobi Takagi beat numpy's SVD at N = 64? A lower bound of one sweep, beside the SVD.

A warm start from the previous update's Takagi vectors ``V0`` makes
``M = V0^H W conj(V0)`` nearly diagonal; a cyclic Jacobi method then applies
one complex plane rotation per index pair ``(p, q)`` and sweep, updating two
columns and two rows of ``M`` and two columns of the vectors, until the
off-diagonal part is below 1e-14 (quadratic convergence: a step of 1e-3
needs about three sweeps). This times one sweep of those O(N) updates alone,
compiled with numba, with a fixed rotation (the angles of each pair are not
even computed), so it is a lower bound of a real sweep, beside numpy's SVD
of the same matrix and the two matmuls of the warm start, in the same run.

    OPENBLAS_NUM_THREADS=1 python scripts/bench_jacobi.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numba
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchtools import best  # noqa: E402


@numba.njit(nogil=True)
def sweep(mr, mi, vr, vi, c, sr, si):
    """One cyclic sweep of rotations ``R = [[c, -conj(s)], [s, c]]`` on M's columns and rows and V's columns."""
    n = mr.shape[0]
    for p in range(n - 1):
        for q in range(p + 1, n):
            for k in range(n):  # M R: columns p, q
                apr, api, aqr, aqi = mr[k, p], mi[k, p], mr[k, q], mi[k, q]
                mr[k, p] = c * apr + (sr * aqr - si * aqi)
                mi[k, p] = c * api + (sr * aqi + si * aqr)
                mr[k, q] = c * aqr - (sr * apr + si * api)
                mi[k, q] = c * aqi - (sr * api - si * apr)
            for k in range(n):  # R^T M: rows p, q
                apr, api, aqr, aqi = mr[p, k], mi[p, k], mr[q, k], mi[q, k]
                mr[p, k] = c * apr + (sr * aqr - si * aqi)
                mi[p, k] = c * api + (sr * aqi + si * aqr)
                mr[q, k] = c * aqr - (sr * apr + si * api)
                mi[q, k] = c * aqi - (sr * api - si * apr)
            for k in range(n):  # V R: columns p, q
                apr, api, aqr, aqi = vr[k, p], vi[k, p], vr[k, q], vi[k, q]
                vr[k, p] = c * apr + (sr * aqr - si * aqi)
                vi[k, p] = c * api + (sr * aqi + si * aqr)
                vr[k, q] = c * aqr - (sr * apr + si * api)
                vi[k, q] = c * aqi - (sr * api - si * apr)


def main(n: int = 64) -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    w = w + w.T
    v0 = np.linalg.svd(w)[0]
    m = v0.conj().T @ w @ v0.conj()
    args = [np.ascontiguousarray(m.real), np.ascontiguousarray(m.imag), np.ascontiguousarray(v0.real),
            np.ascontiguousarray(v0.imag), np.cos(1e-3), np.sin(1e-3), 0.0]
    sweep(*args)  # compile
    with threadpool_limits(1):
        t_svd = best(lambda: np.linalg.svd(w), repeat=21, min_time=0.02)
        t_warm = best(lambda: v0.conj().T @ w @ v0.conj(), repeat=21, min_time=0.02)
        t_sweep = best(lambda: sweep(*args), repeat=21, min_time=0.02)
    print(f"N = {n}, ms (min of runs)")
    print(f"numpy SVD (what picffm's Takagi starts from)          {t_svd * 1e3:.3f}")
    print(f"warm start V0^H W conj(V0) (two matmuls)              {t_warm * 1e3:.3f}")
    print(f"one Jacobi sweep, rotation updates only (lower bound) {t_sweep * 1e3:.3f}")
    print(f"three sweeps + warm start, at least                   {(3 * t_sweep + t_warm) * 1e3:.3f}")


if __name__ == "__main__":
    main()
