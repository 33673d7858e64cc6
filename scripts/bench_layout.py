#!/usr/bin/env python3
"""Layout benchmark: Clements N = 64 (2016 MZIs, heater leads routed to bond pads at the chip edge, labels), then large meshes.

Prints, min over repeats: picffm building the layout and writing the GDS,
beside gdstk writing the same number of bare polygons (rectangles, one flat
cell) measured in the same run; then the DRC and the layout-versus-netlist
check (which reads the GDS back) on the same chip. Then, each in a fresh
process so that its peak memory (ru_maxrss) is its own: Clements N = 256
(and N = 512 with ``--n512``) built, written, DRC- and LVS-checked, with
wall time and peak memory beside the targets. With the default bond pads
(100 um pitch, 6 rows) Clements N = 512 would be 4.6 m wide, beyond what
GDSII stores at 1 nm (2147 mm), and is refused; it is measured with denser
pads (:data:`DENSE_512`: 300 um pitch, 48 rows, 2 um leads; 1.9 m).

    python scripts/bench_layout.py [--n512]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from benchtools import best

REPEATS = 5
TARGET_BUILD_WRITE_S = 0.5
TARGET_DRC_S = 1.0
TARGETS_LARGE = {256: (60.0, 2.0), 512: (None, 4.0)}  # N: (s, GB)
DENSE_512 = {"pad_pitch": 300.0, "pad_rows": 48, "lead_width": 2.0}  # N = 512 fits GDSII with these


def large(n: int) -> dict:
    """Build + write + DRC + LVS of Clements-n in this process; times (s) and peak memory (GB)."""
    import resource
    import time

    from picffm import clements
    from picffm.layout import LayoutOptions, build_layout, write_gds
    from picffm.layout.drc import check_drc
    from picffm.layout.lvs import check_lvs

    net = clements(n)
    o = LayoutOptions(**DENSE_512) if n == 512 else LayoutOptions()
    with tempfile.TemporaryDirectory() as tmp:
        gds = Path(tmp) / "chip.gds"
        t0 = time.perf_counter()
        layout = build_layout(net, o)
        write_gds(layout.library, gds)
        t1 = time.perf_counter()
        drc = check_drc(layout.library)
        t2 = time.perf_counter()
        lvs = check_lvs(gds, net, o)
        t3 = time.perf_counter()
    return {"n": n, "build_write_s": t1 - t0, "drc_s": t2 - t1, "lvs_s": t3 - t2, "total_s": t3 - t0,
            "drc_ok": drc.ok, "lvs_ok": lvs.ok, "polygons": layout.stats()["polygons"],
            "chip_mm": [round(v / 1e3, 1) for v in layout.size_um],
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}


def main(argv: list[str] | None = None) -> None:
    argv = list(argv or [])
    if argv[:1] == ["--large"]:
        print(json.dumps(large(int(argv[1]))))
        return
    import gdstk
    import numpy as np

    from picffm import clements
    from picffm.layout import build_layout, write_gds
    from picffm.layout.drc import check_drc
    from picffm.layout.lvs import check_lvs

    net = clements(64)
    with tempfile.TemporaryDirectory() as tmp:
        gds = Path(tmp) / "clements_64.gds"
        bare = Path(tmp) / "bare.gds"

        def build_write():
            write_gds(build_layout(net).library, gds)

        t_build_write = best(build_write, repeat=REPEATS)
        t_build = best(lambda: build_layout(net), repeat=REPEATS)
        layout = build_layout(net)
        stats = layout.stats()
        n_poly = stats["polygons"]

        def bare_write():
            lib = gdstk.Library("bare", unit=1e-6, precision=1e-9)
            cell = lib.new_cell("bare")
            xy = np.random.default_rng(0).uniform(0, 20000, size=(n_poly, 2))
            cell.add(*(gdstk.rectangle((x, y), (x + 10, y + 0.5), layer=1) for x, y in xy))
            lib.write_gds(bare)

        t_bare = best(bare_write, repeat=REPEATS)
        t_drc = best(lambda: check_drc(layout.library), repeat=3)
        t_lvs = best(lambda: check_lvs(gds, net), repeat=3)
        drc, lvs = check_drc(layout.library), check_lvs(gds, net)
        size = gds.stat().st_size

    n_inst = len(net.instances)
    print(f"Clements N=64: {stats['references']} references ({n_inst} instances + 128 grating couplers + "
          f"{stats['references'] - n_inst - 128} gaps of heater leads and pads), {stats['polygons']} polygons "
          f"flattened, {stats['labels']} labels, "
          f"{stats['cells']} cells, GDS {size / 1e3:.0f} kB, chip {stats['chip_um'][0]:.0f} x "
          f"{stats['chip_um'][1]:.0f} um")
    rows = [
        ("picffm build + write GDS", t_build_write, f"<= {TARGET_BUILD_WRITE_S} s"),
        ("  of which build (plan + cells + refs)", t_build, ""),
        (f"gdstk write {n_poly} bare rectangles (baseline)", t_bare, ""),
        (f"DRC ({'clean' if drc.ok else 'VIOLATIONS'})", t_drc, f"<= {TARGET_DRC_S} s"),
        (f"LVS, GDS read back ({'clean' if lvs.ok else 'DIFFERENCES'})", t_lvs, ""),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'time (min of repeats)':>22}  target")
    for name, t, target in rows:
        print(f"{name:<{w}}  {t * 1e3:>19.1f} ms  {target}")
    for label, t, target in (("build + write", t_build_write, TARGET_BUILD_WRITE_S), ("DRC", t_drc, TARGET_DRC_S)):
        print(f"target {label} <= {target} s: {'met' if t <= target else 'MISSED'} ({t:.3f} s)")
    print(f"build + write = {t_build_write / t_bare:.2f}x the bare-polygon write")

    sizes = [256] + ([512] if "--n512" in argv else [])
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--large", str(n)], capture_output=True, text=True,
                             check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        t_max, gb_max = TARGETS_LARGE[n]
        ok = (t_max is None or r["total_s"] <= t_max) and r["peak_gb"] <= gb_max
        pads = ", pads " + ", ".join(f"{k} {v:g}" for k, v in DENSE_512.items()) if n == 512 else ""
        print(f"Clements N={n} ({r['polygons']} polygons, chip {r['chip_mm'][0]:g} x {r['chip_mm'][1]:g} mm{pads}): "
              f"build + write {r['build_write_s']:.1f} s, DRC "
              f"{r['drc_s']:.1f} s ({'clean' if r['drc_ok'] else 'VIOLATIONS'}), LVS {r['lvs_s']:.1f} s "
              f"({'clean' if r['lvs_ok'] else 'DIFFERENCES'}); total {r['total_s']:.1f} s, peak {r['peak_gb']:.2f} GB; "
              f"target {'%g s and ' % t_max if t_max else ''}{gb_max:g} GB: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main(sys.argv[1:])
