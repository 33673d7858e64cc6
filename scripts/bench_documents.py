#!/usr/bin/env python3
"""Benchmark: writing and validating large mesh netlists as YAML and JSON.

For each N, ``picffm mesh clements -n N -o FILE`` (generate + write) and
``picffm validate FILE`` (read + check + compile) are timed in this process
for a ``.pic.yml`` and a ``.json`` file, beside a plain baseline measured in
the same run: the same document written with PyYAML's pure-Python SafeDumper
and parsed with its pure-Python SafeLoader (what picffm would cost without
libyaml's C emitter and parser). Also times the refusal of an alias bomb.
Figures: docs/limits.md.

    python scripts/bench_documents.py [--sizes 128,256,512]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import yaml

from picffm.cli.main import main as picffm
from picffm.documents import DocumentError, read_document
from picffm.meshes import clements


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def quiet(argv) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        assert picffm(argv) == 0, argv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="128,256,512")
    args = ap.parse_args()
    print(f"libyaml C emitter and parser: {getattr(yaml, '__with_libyaml__', False)}")
    print(f"{'N':>4} {'instances':>9} {'file':>9} {'MB':>6} {'write s':>8} {'validate s':>10}"
          f" {'pure-Python YAML write / parse s':>33}")
    with tempfile.TemporaryDirectory() as d:
        for n in (int(s) for s in args.sizes.split(",")):
            for suffix in (".pic.yml", ".json"):
                path = Path(d) / f"c{n}{suffix}"
                w = timed(lambda: quiet(["mesh", "clements", "-n", str(n), "-o", str(path)]))
                v = timed(lambda: quiet(["validate", str(path)]))
                extra = ""
                if suffix == ".pic.yml":
                    doc = clements(n).to_dict()
                    text = []
                    pw = timed(lambda: text.append(yaml.dump(doc, Dumper=yaml.SafeDumper, sort_keys=False)))
                    pr = timed(lambda: yaml.load(text[0], Loader=yaml.SafeLoader))
                    extra = f"{pw:>15.2f} / {pr:.2f}"
                size = path.stat().st_size / 1e6
                print(f"{n:>4} {n * (n - 1) // 2 + n:>9} {suffix:>9} {size:>6.1f} {w:>8.2f} {v:>10.2f} {extra}",
                      flush=True)
        bomb = Path(d) / "bomb.yml"
        lines = ["l0: &l0 [" + ",".join(['"x"'] * 9) + "]"]
        lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
        bomb.write_text("\n".join(lines) + "\n")

        def refuse():
            try:
                read_document(bomb)
            except DocumentError:
                return
            raise AssertionError("bomb accepted")

        print(f"alias bomb ({bomb.stat().st_size} bytes, 9**9 strings if expanded) refused in "
              f"{timed(refuse) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
