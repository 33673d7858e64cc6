#!/usr/bin/env python3
"""Benchmark: decomposition speed (picffm.programming) beside a dense baseline.

The baseline is the textbook Clements algorithm written straightforwardly:
every nulling step builds the full N x N MZI matrix and multiplies the whole
N x N target by it (N(N-1)/2 dense matrix products). Both run in the same
process on the same Haar-random unitaries; times are the minimum of several
runs. Targets (2-core machine): N = 64 <= 20 ms, N = 128 <= 100 ms. The
"uncompiled" column is the same decomposition without the compiled kernels
(:mod:`picffm.compiled`): Python lists up to N = 16, one numpy matmul per
nulling step above.
"""

from __future__ import annotations


import numpy as np
from scipy.stats import unitary_group

from benchtools import best

from picffm.meshes import symmetric_core
from picffm.programming import decompose_clements, decompose_reck, program_symmetric
from picffm.programming.clements import COMPILE_AFTER
from picffm.schedule import compile_netlist

TARGETS_MS = {64: 20.0, 128: 100.0}


def uncompiled(fn):
    """``fn`` with the compiled Clements kernels switched off (the numpy / Python-list routes)."""
    from picffm.programming import clements as cl

    def run():
        saved = cl.kernel
        cl.kernel = lambda name: None
        try:
            return fn()
        finally:
            cl.kernel = saved
    return run


def dense_clements(u: np.ndarray) -> np.ndarray:
    """Baseline: same nulling order, full N x N products (returns the final diagonal)."""
    u = np.array(u, dtype=complex)
    n = u.shape[0]
    left = []
    for i in range(n - 1):
        if i % 2 == 0:
            for j in range(i + 1):
                r, c = n - 1 - j, i - j
                x, y = u[r, c], u[r, c + 1]
                nrm = np.hypot(abs(x), abs(y)) or 1.0
                g = np.eye(n, dtype=complex)  # column rotation nulling u[r, c]
                g[c:c + 2, c:c + 2] = [[y / nrm, np.conj(x) / nrm], [-x / nrm, np.conj(y) / nrm]]
                u = u @ g
        else:
            for k in range(i + 1):
                r = n - 1 - i + k
                x, y = u[r - 1, k], u[r, k]
                nrm = np.hypot(abs(x), abs(y)) or 1.0
                g = np.eye(n, dtype=complex)
                g[r - 1:r + 1, r - 1:r + 1] = [[np.conj(x) / nrm, np.conj(y) / nrm], [-y / nrm, x / nrm]]
                u = g @ u
                left.append(g)
    return np.diagonal(u)



def main() -> None:
    rng = np.random.default_rng(0)
    print("decomposition time, ms (min of repeated runs)")
    print(f"{'N':>5} {'clements':>10} {'uncompiled':>11} {'reck':>10} {'dense baseline':>15} {'speed-up':>9} "
          f"{'target':>8}")
    for n in (16, 64, 128, 256):
        u = unitary_group.rvs(n, random_state=rng)
        rep = {16: 30, 64: 10, 128: 5, 256: 3}[n]
        for _ in range(COMPILE_AFTER + 1):  # a process's first decompositions of N <= 16 run uncompiled
            decompose_clements(u)
        t_c = 1e3 * best(lambda: decompose_clements(u), repeat=rep)
        t_u = 1e3 * best(uncompiled(lambda: decompose_clements(u)), repeat=rep)
        t_r = 1e3 * best(lambda: decompose_reck(u), repeat=rep)
        t_d = 1e3 * best(lambda: dense_clements(u), repeat=1 if n >= 128 else 3) if n <= 128 else float("nan")
        target = TARGETS_MS.get(n)
        dense = f"{t_d:>15.1f} {t_d / t_c:>8.0f}x" if t_d == t_d else f"{'-':>15} {'-':>9}"
        print(f"{n:>5} {t_c:>10.2f} {t_u:>11.2f} {t_r:>10.2f} {dense} {'<= %g' % target if target else '-':>8}")
    print("(dense baseline skipped at N = 256: N(N-1)/2 = 32640 products of 256 x 256 matrices)")
    sched = compile_netlist(symmetric_core(16))
    a = rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))
    w = a + a.T
    t_s = 1e3 * best(lambda: program_symmetric(sched, w), repeat=200)
    t_svd = 1e3 * best(lambda: np.linalg.svd(w), repeat=200)
    print(f"program_symmetric N = 16 (Takagi + Clements + settings): {t_s:.3f} ms "
          f"(numpy SVD of the same matrix: {t_svd:.3f} ms; target: well under 1 ms)")


if __name__ == "__main__":
    main()
