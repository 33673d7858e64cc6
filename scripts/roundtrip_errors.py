#!/usr/bin/env python3
"""Measure the programming round-trip error ``||M - target/scale||_F / ||target/scale||_F``.

For each mesh kind and size, programs seeded random targets (Haar unitaries
for Clements and Reck, complex Gaussian symmetric matrices for the symmetric
core, complex Gaussian matrices for the SVD mesh) with
:func:`picffm.programming.program_matrix`, which compiles the mesh with the
phases found and compares its ideal matrix with the target. Prints the
median and the largest error over the seeds. The README quotes this output.

    python scripts/roundtrip_errors.py [--sizes 4,16,64,128,256] [--seeds 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy.stats import unitary_group

from picffm.meshes import mesh_netlist
from picffm.programming import program_matrix


def target(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    if kind in ("clements", "reck"):
        return unitary_group.rvs(n, random_state=rng)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.T if kind == "symmetric" else a


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="4,16,64,128,256")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--kinds", default="clements,reck,symmetric,svd")
    args = ap.parse_args()
    print(f"{'mesh':<10} {'N':>4} {'median error':>13} {'max error':>10} {'time/target':>12}")
    for kind in args.kinds.split(","):
        for n in (int(s) for s in args.sizes.split(",")):
            net = mesh_netlist(kind, n)
            errors = []
            t0 = time.perf_counter()
            for seed in range(args.seeds):
                res = program_matrix(net, target(kind, n, np.random.default_rng(seed)))
                errors.append(res.error)
            dt = (time.perf_counter() - t0) / args.seeds
            print(f"{kind:<10} {n:>4} {np.median(errors):>13.2e} {max(errors):>10.2e} {dt:>11.2f}s", flush=True)


if __name__ == "__main__":
    main()
