#!/usr/bin/env python3
"""Core speed: Clements matrices and batch propagation, netlist load + compile.

For Clements meshes of N = 16, 64, 128 it times, from new random phases,
building the full N x N matrix and propagating a batch of 1024 vectors, beside
baselines measured in the same run: the plain numpy column walk (one stacked
2x2 matmul per column, what picffm's matrix did before its compiled walk), a
naive Python loop over the MZIs (each 2x2 applied to its two rows) and one
N x N complex matmul. Run with ``OPENBLAS_NUM_THREADS=1``. Then it times
loading and compiling ``netlists/clements_64.pic.yml`` (2016 instances), with
the pure-Python YAML parser as a baseline. Every figure is the minimum over
repeated runs (the machine is shared). Targets are for a 2-core machine.

    python scripts/bench_core.py      (or: python scripts/bench.py core)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchtools import best  # noqa: E402
from picffm import models  # noqa: E402
from picffm.meshes import clements  # noqa: E402
from picffm.netlist import load_netlist  # noqa: E402
from picffm.schedule import compile_netlist  # noqa: E402
from picffm.simulation import COMPILED_MIN_MODES, Circuit, _run, element_matrices  # noqa: E402
from picffm.smatrix import GeneralCircuit  # noqa: E402

TARGETS_MS = {("matrix", 64): 0.3, ("matrix", 128): 1.5, ("batch", 64): 3.0}
LOAD_TARGET_S = 1.0
COMPILE_TARGET_US = 15.0
BATCH = 1024



def naive_loop(circ: Circuit, settings, state: np.ndarray) -> np.ndarray:
    """Baseline: one Python iteration per element, a 2x2 (or scalar) on its rows."""
    state = state.astype(complex, copy=True)
    sched = circ.schedule
    s = settings.component("mzi")
    ps = settings.component("phase_shifter")
    for st in sched.stages:
        for j, i in enumerate(range(st.start, st.stop)):
            if st.component == "mzi":
                t = models.mzi(theta=s["theta"][i], phi=s["phi"][i], kappa1=s["kappa1"][i], kappa2=s["kappa2"][i])
                a, b = st.modes[j]
                state[[a, b]] = t @ state[[a, b]]
            else:
                state[st.modes[j]] *= np.exp(1j * ps["phi"][i])
    return state


def numpy_walk(circ: Circuit, settings) -> np.ndarray:
    """Baseline: the plain numpy column walk (element matrices, then one stacked matmul per column)."""
    state = _run(circ.schedule.stages, element_matrices(circ.schedule, circ.params(settings)),
                 np.eye(circ.n, dtype=complex))
    return state[circ.schedule.output_modes]


def new_phases(circ: Circuit, rng: np.random.Generator, k: int = 8) -> list[dict]:
    out = []
    for _ in range(k):
        p = circ.params().copy()
        s = {c: p.component(c) for c in ("mzi", "phase_shifter")}
        s["mzi"]["theta"][:] = rng.uniform(0, 2 * np.pi, s["mzi"]["theta"].size)
        s["mzi"]["phi"][:] = rng.uniform(0, 2 * np.pi, s["mzi"]["phi"].size)
        s["phase_shifter"]["phi"][:] = rng.uniform(0, 2 * np.pi, s["phase_shifter"]["phi"].size)
        out.append(p)
    return out


def cycle(items):
    it = [0]

    def nxt():
        it[0] = (it[0] + 1) % len(items)
        return items[it[0]]
    return nxt


def main() -> None:
    rng = np.random.default_rng(0)
    rows = []
    for n in (16, 64, 128):
        circ = Circuit.from_netlist(clements(n))
        sets = cycle(new_phases(circ, rng))
        x = rng.normal(size=(n, BATCH)) + 1j * rng.normal(size=(n, BATCH))
        a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
        eye = np.eye(n, dtype=complex)
        # correctness of the baseline against picffm, once
        s0 = sets()
        assert np.allclose(naive_loop(circ, s0, eye), circ.matrix(s0), atol=1e-12)
        assert np.allclose(numpy_walk(circ, s0), circ.matrix(s0), rtol=0, atol=1e-12)
        t_mat = best(lambda: circ.matrix(sets()), repeat=21, min_time=0.02)
        t_walk = best(lambda: numpy_walk(circ, sets()), repeat=21, min_time=0.02)
        t_naive = best(lambda: naive_loop(circ, sets(), eye), repeat=3, min_time=0.05)
        t_mm = best(lambda: a @ a, repeat=21, min_time=0.02)
        t_batch = best(lambda: circ.propagate(x, sets()), repeat=7, min_time=0.05)
        t_naive_b = best(lambda: naive_loop(circ, sets(), x), repeat=3, min_time=0.05)
        t_mmb = best(lambda: a @ x, repeat=7, min_time=0.05)
        rows.append((f"matrix N={n}", t_mat, t_walk, t_naive, t_mm, TARGETS_MS.get(("matrix", n))))
        rows.append((f"batch 1024 N={n}", t_batch, None, t_naive_b, t_mmb, TARGETS_MS.get(("batch", n))))

    print("(BLAS matmuls -- the baseline, and picffm's batch = matrix then matmul -- slow down badly when\n"
          " OpenBLAS threads share the 2 cores with other jobs; OPENBLAS_NUM_THREADS=1 gives stable figures)")
    print(f"(picffm's matrix uses the compiled walk from N = {COMPILED_MIN_MODES}; 'numpy walk' is the plain column\n"
          " walk, one stacked 2x2 matmul per column, element matrices included)")
    print(f"{'task':<18} {'picffm':>10} {'numpy walk':>11} {'naive loop':>11} {'1 matmul':>10} {'target':>8}"
          "  (ms, min of runs)")
    for name, t, tw, tn, tm, target in rows:
        tgt = f"{target:g}" if target else "-"
        ok = "" if not target else ("  ok" if t * 1e3 <= target else "  MISSED")
        tws = f"{tw * 1e3:>11.3f}" if tw is not None else f"{'-':>11}"
        print(f"{name:<18} {t * 1e3:>10.3f} {tws} {tn * 1e3:>11.2f} {tm * 1e3:>10.3f} {tgt:>8}{ok}")

    path = ROOT / "netlists" / "clements_64.pic.yml"
    text = path.read_text()
    t_load = best(lambda: load_netlist(path), repeat=3)
    net = load_netlist(path)
    t_compile = best(lambda: compile_netlist(net), repeat=3)
    t_pyyaml = best(lambda: yaml.load(text, Loader=yaml.SafeLoader), repeat=2)
    total = t_load + t_compile
    print(f"\nclements_64.pic.yml ({len(net.instances)} instances): load {t_load:.3f} s + compile "
          f"{t_compile:.3f} s = {total:.3f} s (target {LOAD_TARGET_S:g} s{', ok' if total <= LOAD_TARGET_S else ', MISSED'}); "
          f"baseline pure-Python yaml.SafeLoader parse alone {t_pyyaml:.3f} s")
    gc = GeneralCircuit(net)
    t_general = best(lambda: gc.matrix(), repeat=3)
    t_sched = best(lambda: Circuit(compile_netlist(net)).matrix(), repeat=3)
    print(f"clements_64 matrix by the general route (sparse S-matrix solve): {t_general * 1e3:.1f} ms; "
          f"by the schedule (compile + evaluate) {t_sched * 1e3:.1f} ms")
    compile_scaling()
    unitarity()


def compile_scaling() -> None:
    """Compile cost per instance against N: the array route, beside the dict route it replaced and networkx."""
    from picffm.schedule import _compile_reference, circuit_graph

    print(f"\ncompile_netlist per instance (us; target <= {COMPILE_TARGET_US:g} at N = 256, flat in N)")
    print(f"{'N':>5} {'instances':>10} {'compile':>9} {'dict route (reference)':>23} "
          f"{'nx graph + topological sort':>28}")
    import gc

    import networkx as nx

    for n in (16, 64, 128, 256):
        net = clements(n)
        k = len(net.instances)
        t_c = best(lambda: compile_netlist(net), repeat=3)
        gc.disable()  # as compile_netlist runs (its allocations would otherwise trigger collections)
        try:
            t_r = best(lambda: _compile_reference(net), repeat=3)
        finally:
            gc.enable()
        t_nx = best(lambda: list(nx.topological_sort(circuit_graph(net))), repeat=3)
        print(f"{n:>5} {k:>10} {t_c / k * 1e6:>9.1f} {t_r / k * 1e6:>23.1f} {t_nx / k * 1e6:>28.1f}")


def unitarity() -> None:
    """||U U^H - I||_F of random lossless Clements meshes, beside the same mesh built with sqrt(0.5) couplers."""
    rng = np.random.default_rng(1)
    print("\n||U U^H - I||_F, random lossless Clements mesh (targets 2e-14 at N = 64, 1e-13 at N = 256)")
    print(f"{'N':>5} {'picffm':>10} {'sqrt(0.5) couplers':>19}")
    for n in (64, 256):
        circ = Circuit.from_netlist(clements(n))
        p = new_phases(circ, rng, k=1)[0]
        s = {c: p.component(c) for c in ("mzi", "phase_shifter")}
        u = circ.matrix(p)
        h = np.sqrt(0.5)
        c = np.array([[h, 1j * h], [1j * h, h]])
        th, ph = s["mzi"]["theta"], s["mzi"]["phi"]
        # C @ P(theta) @ C @ P(phi) with the rounded sqrt(0.5), as before the closed form
        p_t = np.zeros((th.size, 2, 2), complex)
        p_t[:, 0, 0], p_t[:, 1, 1] = np.exp(1j * th), 1
        p_p = np.zeros_like(p_t)
        p_p[:, 0, 0], p_p[:, 1, 1] = np.exp(1j * ph), 1
        mats = {"mzi": c @ p_t @ c @ p_p, "phase_shifter": models.phase_shifter(phi=s["phase_shifter"]["phi"])}
        v = _run(circ.schedule.stages, mats, np.eye(n, dtype=complex))
        err = [np.linalg.norm(m @ m.conj().T - np.eye(n)) for m in (u, v)]
        print(f"{n:>5} {err[0]:>10.2e} {err[1]:>19.2e}")


if __name__ == "__main__":
    main()
