#!/usr/bin/env python3
"""Benchmark of picffm train: time per update of each method and the whole default run.

Prints, for one update on a batch of 35 through 2 layers of 16-port symmetric
cores (simulated ``typical`` chips): wall time and optical passes of every
method, beside a plain numpy baseline measured in the same run (exact
backpropagation of the same network with its 16 x 16 matrices held in
memory: what a digital model costs, no chip, no programming). The same at
N = 64, batch 64, in updates per second, for ideal, ffm and ffm-phase
(composed from the trainers' own calls; see :func:`per_update_n64`). Then the wall
time of the default ``picffm train iris`` (4 presets x 3 seeds x 3 folds, 100
epochs, the default methods) with ``--workers 1`` (serial, the baseline) and
with ``--workers 2`` (the default on a 2-core machine: one process per
core), against the 90 s target for a 2-core machine, and the accuracy and
gradient-error targets of that run beside Xue et al.'s figures (the same
block the default run prints, every target on ``phase-calibrated``:
:data:`~picffm.training.paper.TARGET_CHIP`), and the drift target (matrix
values measured through the protocol on the same chip). Times are the minimum over repeats (the
machine may be shared).

    python scripts/bench_train.py           # everything (about 3-5 minutes)
    python scripts/bench_train.py --quick   # per-update figures only
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits

from picffm.chip import preset
from picffm.training.config import TrainConfig
from picffm.training.network import loss_and_grad
from picffm.training.paper import TARGET_CHIP, TARGETS
from picffm.training.tables import format_targets
from picffm.training.run import DEFAULT_METHODS, DEFAULT_SPECS, Experiment, resolve_spec, run_experiment
from picffm.training.trainers import make_chips, make_dataset, make_trainer


def _min_time(fn, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _digital_update(ws, x, y, cfg):
    """Exact backprop through the same network with in-memory matrices (baseline)."""
    nl = cfg.electronics.nonlinearity
    a, z = [x], []
    for i, w in enumerate(ws):
        z.append(w @ a[-1])
        if i < len(ws) - 1:
            a.append(nl.forward(z[-1]))
    _, g, _ = loss_and_grad(z[-1], y, cfg.electronics)
    grads = []
    for i in range(len(ws) - 1, -1, -1):
        grads.append(g @ a[i].conj().T)
        if i > 0:
            g = nl.backward(z[i - 1], ws[i].conj().T @ g)
    return grads


def per_update(cfg: TrainConfig) -> list[list]:
    data = make_dataset(0, cfg)
    idx = np.arange(cfg.batch_size)
    rows = []
    rng = np.random.default_rng(0)
    ws = [(lambda a: (a + a.T) / 2)(rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))) for _ in range(2)]
    base = _min_time(lambda: _digital_update(ws, data.x_train[:, idx], data.y_train[idx], cfg), 50)
    rows.append(["numpy backprop (baseline, no chip)", f"{1e3 * base:.3f}", "-", "-"])
    for method, reps in (("ideal", 20), ("ffm", 20), ("ffm-phase", 20), ("spsa", 20), ("fd", 2)):
        spec = None if method == "ideal" else preset("typical")
        tr = make_trainer(method, make_chips(spec, 0, cfg.layers), data, cfg, 0)
        t = _min_time(lambda: tr.step(idx), reps)
        ppu = tr.train_passes / tr.updates
        rows.append([f"{method} one update", f"{1e3 * t:.2f}", f"{ppu:.0f}", f"{t / base:.0f}x"])
    return rows


def _n64_problem(n: int, batch: int, layers: int):
    """Two programmed symmetric cores of N modes (ideal model and ``typical`` chips), a batch, labels."""
    from picffm.chip import IdealChip, SimulatedChip
    from picffm.meshes import symmetric_core
    from picffm.training.gradients import sym
    from picffm.training.network import LayerState, core_map
    from picffm.training.reprogram import TrackingProgrammer

    rng = np.random.default_rng(1)
    net = symmetric_core(n)
    ws = [sym(rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))) for _ in range(layers)]
    x = rng.normal(size=(n, batch)) + 1j * rng.normal(size=(n, batch))
    x /= np.linalg.norm(x, axis=0)
    labels = rng.integers(0, 3, batch)
    out = {}
    for kind in ("ideal", "typical"):
        chips = [IdealChip(net) if kind == "ideal" else SimulatedChip(net, preset("typical"), np.random.default_rng(i))
                 for i in range(layers)]
        progs = [TrackingProgrammer(c.schedule) for c in chips]
        states = []
        for c, pr, w in zip(chips, progs, ws):
            settings, scale = pr(w)
            c.program(settings)
            states.append(LayerState(settings, scale))
        out[kind] = (chips, progs, states)
    return ws, x, labels, core_map(out["ideal"][0][0].schedule), out


def per_update_n64(cfg: TrainConfig, n: int = 64, batch: int = 64, layers: int = 2) -> list[list]:
    """One update of ideal / ffm / ffm-phase at N modes, batch B, beside the dense matmuls it implies.

    The updates are composed from the calls the trainers make (gradients from
    the chips, an Adam-sized step, reprogramming through the tracking
    programmer or setting the phases), since the trainers' network is Iris's
    16 modes. The baseline is the digital update of the same network: its
    ``L`` forward, ``L - 1`` error and ``L`` weight-gradient complex matmuls.
    """
    from picffm.training.gradients import matrix_gradients, phase_gradients
    from picffm.training.network import LayerState, program_network

    ws, x, labels, cmap, setup = _n64_problem(n, batch, layers)
    base = _min_time(lambda: _digital_update(ws, x, labels, cfg), 50)

    def matrix_update(kind):
        chips, progs, states = setup[kind]
        r = matrix_gradients(chips, states, x, labels, electronics=cfg.electronics)
        for c, pr, w, g in zip(chips, progs, ws, r.grads.blocks("w")):
            settings, scale = pr(w - 1e-3 * g)  # a small step: the tracking programmer follows it
            c.program(settings)

    def phase_update():
        chips, _, states = setup["typical"]
        r = phase_gradients(chips, states, cmap, x, labels, electronics=cfg.electronics)
        new = []
        for layer, st in enumerate(states):
            g = r.grads.layer(layer)
            t = cmap.untie(st.params)
            new.append(LayerState(cmap.tie(*(v - 1e-3 * g[k] for v, k in zip(t, ("u_theta", "u_phi", "att_theta",
                                                                                     "att_psi")))), st.gain))
        program_network(chips, new)

    rows = [[f"dense matmuls of the update (baseline, {2 * layers + layers - 1} of them)", f"{1e3 * base:.2f}",
             f"{1 / base:.0f}", "1x"]]
    for name, fn in (("ideal", lambda: matrix_update("ideal")), ("ffm", lambda: matrix_update("typical")),
                     ("ffm-phase", phase_update)):
        t = _min_time(fn, 30 if name != "ffm-phase" else 10)
        rows.append([f"{name} one update", f"{1e3 * t:.2f}", f"{1 / t:.0f}", f"{t / base:.1f}x"])
    for name, t in reprogramming_floor(ws):
        rows.append([name, f"{1e3 * t:.2f}", "-", f"{t / base:.1f}x"])
    t = realising(setup["typical"])
    rows.append([f"realising the {layers} typical chips' matrices after programming", f"{1e3 * t:.2f}", "-",
                 f"{t / base:.1f}x"])
    return rows


def realising(setup) -> float:
    """What a simulated chip costs per program before its first pass: true settings and realised matrix.

    Each chip is programmed alternately with two settings (so nothing is
    kept from the call before) and its realised matrix built: the heater
    model, the element matrices of its MZIs and attenuators and the compiled
    column walk, as in every matrix-level update.
    """
    chips, _, states = setup
    pairs = []
    for c, st in zip(chips, states):
        other = st.params.copy()
        other.programmable[:] += 1e-3
        pairs.append((c, st.params, other))
    flip = [0]

    def once():
        flip[0] ^= 1
        for c, a, b in pairs:
            c.program(b if flip[0] else a)
            c.realised_matrix()
    t = _min_time(once, 30)
    for c, a, _ in pairs:
        c.program(a)
    return t


def reprogramming_floor(ws) -> list[tuple[str, float]]:
    """What reprogramming the layers costs at least: numpy's own SVD / eigh of the same matrices.

    A matrix-level update (ideal, ffm) reprograms every layer from its new
    weight matrix, and any exact decomposition of a complex symmetric matrix
    is at least one dense O(N^3) factorisation per layer: numpy's complex
    SVD of each matrix (what picffm's Takagi starts from) and, beside it,
    numpy's eigh of the Hermitian ``W W^H`` (cheaper, but it squares the
    singular values, so it is not exact for small ones). Then picffm's whole
    reprogramming (Takagi + Clements + settings) of the same matrices.
    """
    from picffm.meshes import symmetric_core
    from picffm.programming import program_symmetric
    from picffm.schedule import compile_netlist

    sched = compile_netlist(symmetric_core(ws[0].shape[0]))
    svd = _min_time(lambda: [np.linalg.svd(w) for w in ws], 20)
    eigh = _min_time(lambda: [np.linalg.eigh(w @ w.conj().T) for w in ws], 20)
    prog = _min_time(lambda: [program_symmetric(sched, w) for w in ws], 10)
    n = len(ws)
    return [(f"floor: numpy SVD of the {n} weight matrices", svd),
            (f"(numpy eigh of the {n} Hermitian W W^H, not exact)", eigh),
            (f"picffm reprogramming of the {n} layers (Takagi + Clements)", prog)]


def full_run(workers: int = 1) -> tuple[float, dict]:
    """Wall time (s) and summary of the default experiment, with ``workers`` processes (1: serial)."""
    exp = Experiment(TrainConfig(), DEFAULT_METHODS, tuple(resolve_spec(s) for s in DEFAULT_SPECS), (0, 1, 2))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        summary = run_experiment(exp, tmp, progress=False, workers=workers)
        return time.perf_counter() - t, summary


def drift_row() -> list[str]:
    """The drift target: std over time of programmed matrix values measured through the protocol.

    On the target chip (:data:`~picffm.training.paper.TARGET_CHIP`, the chip
    every other target is read on), N = 16, one programmed matrix, 21 times
    over 600 s, 1000 probe reads averaged per time (``picffm chip inspect
    --chip phase-calibrated -n 16 --drift-repeats 1000``), amplitudes
    ``|M_ij|``; the noise-removed and the ``reveal()`` figures beside it.
    """
    from picffm.chip.stats import inspect_chip
    from picffm.training.paper import PAPER_DRIFT_PCT

    s = inspect_chip(preset(TARGET_CHIP), n=16, samples=1, seed=0, window_s=600.0, n_times=21,
                     drift_repeats=1000).summary()
    m, lo, hi = s["drift_measured"], *TARGETS["drift_pct"]
    raw = m["rel_std_abs_pct_mean"]
    return [f"drift through the protocol (noise removed {m['drift_abs_pct_rms']:.4f} % rms, reveal() "
            f"{s['drift']['rel_std_pct_mean']:.4f} %)", f"{raw:.4f} %",
            f"{PAPER_DRIFT_PCT[0]:.3f}-{PAPER_DRIFT_PCT[1]:.3f} %", f"{lo:g}-{hi:g} %",
            "yes" if lo <= raw <= hi else "no"]


def _print(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    cfg = TrainConfig()
    with threadpool_limits(1):
        rows = per_update(cfg)
        _print(rows, ["per update (batch 35, 2 layers, typical chip)", "ms", "passes", "vs baseline"])
        print()
        _print(per_update_n64(cfg), ["per update, N = 64, batch 64, 2 layers (typical chip)", "ms", "updates/s",
                                     "vs baseline"])
        print("target: the simulated ffm update at most 5x its dense matmuls; a matrix-level update reprograms\n"
              "every layer, so it cannot cost less than the floor row (one dense SVD per layer)")
        if "--quick" not in argv:
            (serial, _), (parallel, summary) = full_run(1), full_run(2)
            target = TARGETS["run_s"]
            print()
            _print([["picffm train iris --workers 1 (serial baseline)", f"{serial:.1f}", "-", f"{target:g}"],
                    ["picffm train iris --workers 2", f"{parallel:.1f}", f"{serial / parallel:.2f}x", f"{target:g}"]],
                   ["whole run (defaults)", "s", "speed-up", "target s"])
            print("\n".join(format_targets(summary)))
        print()
        _print([drift_row()], [f"{TARGET_CHIP}, N = 16, 600 s, 1000 reads per time", "picffm", "Xue et al.",
                               "target", "met"])


if __name__ == "__main__":
    main()
