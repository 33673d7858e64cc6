#!/usr/bin/env python3
"""One-shot ``picffm compile`` of big mesh netlists (YAML and JSON), beside plain parsers of the same file.

Writes Clements netlists (``picffm mesh clements -n N``; 256 modes: 32896
instances, 4.8 MB of YAML, 6.2 MB of JSON) into a temporary directory, then
for each file:

* runs ``picffm compile FILE`` in a fresh interpreter, as a user does
  (wall and CPU time of the child, minimum over repeats);
* times the stages in this process: read (parse + document limits), validate
  (the :class:`~picffm.netlist.Netlist`), compile (schedule) and the matrix;
* beside baselines on the same file, measured in the same run: PyYAML's
  ``yaml.load(text, Loader=yaml.CSafeLoader)`` (libyaml, no checks at all)
  and its pure-Python ``yaml.SafeLoader`` (``--pure``, slow), or
  ``json.loads``.

CPU times (``time.process_time``) are the steadier figures on a shared machine.

    python scripts/bench_compile.py [--sizes 64,256] [--repeat 3] [--pure]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from picffm.cli.main import main as picffm  # noqa: E402
from picffm.compiled import one_shot  # noqa: E402
from picffm.documents import read_document  # noqa: E402
from picffm.netlist import Netlist  # noqa: E402
from picffm.smatrix import compile_any  # noqa: E402


def cpu(fn) -> tuple[float, object]:
    t0 = time.process_time()
    out = fn()
    return time.process_time() - t0, out


def child(argv: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``python -m picffm ARGV`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "picffm", *argv], env=env, cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stages(path: Path) -> dict[str, float]:
    t_read, doc = cpu(lambda: read_document(path, "netlist"))
    t_check, net = cpu(lambda: Netlist.from_dict(doc, source=str(path)))
    t_compile, compiled = cpu(lambda: compile_any(net))
    with one_shot():  # the walk a one-shot command uses (numpy below 512 modes)
        t_matrix, _ = cpu(compiled.matrix)
    return {"read": t_read, "validate": t_check, "compile": t_compile, "matrix": t_matrix}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,256")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pure", action="store_true", help="also time PyYAML's pure-Python SafeLoader (slow)")
    args = ap.parse_args()
    print(f"libyaml: {getattr(yaml, '__with_libyaml__', False)}; CPU seconds, minimum of {args.repeat} runs")
    print(f"{'file':<20} {'MB':>5} | {'picffm compile':>14} {'(wall)':>7} | {'read':>6} {'valid.':>6} "
          f"{'compile':>7} {'matrix':>6} | baselines on the same text")
    with tempfile.TemporaryDirectory() as d:
        for n in (int(s) for s in args.sizes.split(",")):
            for suffix in (".pic.yml", ".json"):
                path = Path(d) / f"clements_{n}{suffix}"
                with contextlib.redirect_stdout(io.StringIO()):
                    assert picffm(["mesh", "clements", "-n", str(n), "-o", str(path)]) == 0
                runs = [child(["compile", str(path)]) for _ in range(args.repeat)]
                parts = [stages(path) for _ in range(args.repeat)]
                best = {k: min(p[k] for p in parts) for k in parts[0]}
                text = path.read_text()
                if suffix == ".json":
                    base = f"json.loads {min(cpu(lambda: json.loads(text))[0] for _ in range(args.repeat)):.3f}"
                else:
                    c = min(cpu(lambda: yaml.load(text, Loader=yaml.CSafeLoader))[0] for _ in range(args.repeat))
                    base = f"yaml CSafeLoader {c:.3f}"
                    if args.pure:
                        base += f", pure-Python SafeLoader {cpu(lambda: yaml.load(text, Loader=yaml.SafeLoader))[0]:.3f}"
                print(f"{path.name:<20} {path.stat().st_size / 1e6:>5.1f} | {min(r[1] for r in runs):>14.3f} "
                      f"{min(r[0] for r in runs):>7.3f} | {best['read']:>6.3f} {best['validate']:>6.3f} "
                      f"{best['compile']:>7.3f} {best['matrix']:>6.3f} | {base}", flush=True)
    print("(picffm compile: the whole command in a fresh interpreter, imports included; "
          "python -c 'import numpy' alone costs about 0.1 s)")


if __name__ == "__main__":
    main()
