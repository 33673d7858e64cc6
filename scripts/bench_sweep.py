#!/usr/bin/env python3
"""Wavelength-sweep benchmark: 1001 points of clements_16 (120 MZIs, random phases).

Prints, min over repeats: the vectorised sweep (``picffm.interop.spectrum.sweep``,
wavelength as a batch axis) beside a plain loop that evaluates the compiled
schedule once per wavelength (``Circuit`` with the element models at that
wavelength), measured in the same run, and the target (1 s on 2 cores).
Also the ring (general route) for scale. Both results are checked equal.
"""

from __future__ import annotations

from pathlib import Path

from benchtools import best

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0
POINTS = 1001


def main() -> None:
    import numpy as np

    from picffm import compile_any, load_netlist
    from picffm.components import COMPONENTS
    from picffm.interop.spectrum import sweep
    from picffm.simulation import _run

    net = load_netlist(ROOT / "netlists" / "clements_16.pic.yml")
    rng = np.random.default_rng(0)
    params = {n: {"theta": float(rng.uniform(0, 2 * np.pi)), "phi": float(rng.uniform(0, 2 * np.pi))}
              for n, i in net.instances.items() if i.component == "mzi"}
    compiled = compile_any(net)
    settings = compiled.params(params)
    wl = np.linspace(1.5, 1.6, POINTS)
    sched = compiled.backend.schedule

    def loop():  # one schedule evaluation per wavelength
        out = np.empty((wl.size, sched.n_modes, sched.n_modes), complex)
        for k, w in enumerate(wl):
            mats = {c: np.broadcast_to(COMPONENTS[c].model(**settings.component(c), wl_um=w),
                                       (len(sched.names[c]),) + ((2, 2) if COMPONENTS[c].n_modes == 2 else ()))
                    for c in sched.names}
            out[k] = _run(sched.stages, mats, np.eye(sched.n_modes, dtype=complex))[sched.output_modes]
        return out

    vec = sweep(compiled, wl, settings).matrix
    assert np.abs(vec - loop()).max() < 1e-12
    t_vec = best(lambda: sweep(compiled, wl, settings), repeat=5)
    t_loop = best(loop, repeat=3)
    print(f"clements_16, {POINTS} wavelengths: vectorised sweep {t_vec * 1e3:.1f} ms "
          f"(target {TARGET_S:.0f} s), per-wavelength loop {t_loop * 1e3:.1f} ms ({t_loop / t_vec:.1f}x)")
    ring = compile_any(load_netlist(ROOT / "netlists" / "ring_allpass.pic.yml"))
    t_ring = best(lambda: sweep(ring, wl), repeat=5)
    print(f"ring_allpass (general route), {POINTS} wavelengths: {t_ring * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
