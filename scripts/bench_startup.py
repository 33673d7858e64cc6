#!/usr/bin/env python3
"""Start-up of one-shot commands: ``picffm --help``, ``picffm compile`` and ``picffm program`` of a 64-mode mesh.

Each command runs in a fresh interpreter (as a user runs it), beside two
baselines measured in the same run: the bare interpreter (``python -c
pass``) and ``python -c "import numpy"``, the least any command costs.
Prints wall time, CPU time (user + system of the child) and whether the
command loaded numba; the minimum over repeats (the machine may be shared:
CPU time is the steadier figure). ``python -X importtime -m picffm ...``
shows where a command's import time goes.

    python scripts/bench_startup.py     (or: python scripts/bench.py startup)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NETLIST = ROOT / "netlists" / "clements_64.pic.yml"
PROBE = ("import runpy, sys\n"
         "sys.argv = ['picffm'] + sys.argv[1:]\n"
         "try:\n"
         "    runpy.run_module('picffm', run_name='__main__')\n"
         "except SystemExit:\n"
         "    pass\n"
         "print('numba' in sys.modules, file=sys.stderr)\n")


def _run(args: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds of one child process, and its last stderr line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, (out.stderr.strip().splitlines() or [""])[-1]


def _best(args: list[str], repeat: int) -> tuple[float, float, str]:
    runs = [_run(args) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def main(repeat: int = 5) -> None:
    import numpy as np

    rows = [("python -c pass (baseline)", *_best(["-c", "pass"], repeat)[:2], "-"),
            ("python -c 'import numpy' (baseline)", *_best(["-c", "import numpy"], repeat)[:2], "-")]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "u64.npy"  # a random 64 x 64 unitary (QR of a complex Gaussian matrix)
        g = np.random.default_rng(0).standard_normal((2, 64, 64))
        q, r = np.linalg.qr(g[0] + 1j * g[1])
        np.save(target, q * (np.diag(r) / abs(np.diag(r))))
        for name, argv in (("picffm --help", ["--help"]),
                           (f"picffm compile {NETLIST.name}", ["compile", str(NETLIST)]),
                           (f"picffm program {NETLIST.name}", ["program", str(NETLIST), str(target),
                                                               "-o", str(Path(tmp) / "p.json")])):
            wall, cpu, numba = _best(["-c", PROBE, *argv], repeat)
            rows.append((name, wall, cpu, "yes" if numba == "True" else "no"))
    print(f"{'one-shot command (fresh interpreter)':<40} {'wall s':>7} {'CPU s':>7}  numba loaded")
    for name, wall, cpu, numba in rows:
        print(f"{name:<40} {wall:>7.3f} {cpu:>7.3f}  {numba}")
    print("(python -X importtime -m picffm COMMAND ... lists what a command imports and what each import costs)")


if __name__ == "__main__":
    main()
