#!/usr/bin/env python3
"""Layout benchmark: Clements N = 64 (2016 MZIs with heaters, pads, routing, labels).

Prints, min over repeats: picffm building the layout and writing the GDS,
beside gdstk writing the same number of bare polygons (rectangles, one flat
cell) measured in the same run; then the DRC and the layout-versus-netlist
check (which reads the GDS back) on the same chip.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchtools import best

REPEATS = 5
TARGET_BUILD_WRITE_S = 0.5



def main() -> None:
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

    print(f"Clements N=64: {stats['references']} references ({stats['references'] - 128} instances + 128 grating "
          f"couplers), {stats['polygons']} polygons flattened, {stats['labels']} labels, "
          f"{stats['cells']} cells, GDS {size / 1e3:.0f} kB, chip {stats['chip_um'][0]:.0f} x "
          f"{stats['chip_um'][1]:.0f} um")
    rows = [
        ("picffm build + write GDS", t_build_write, f"<= {TARGET_BUILD_WRITE_S} s"),
        ("  of which build (plan + cells + refs)", t_build, ""),
        (f"gdstk write {n_poly} bare rectangles (baseline)", t_bare, ""),
        (f"DRC ({'clean' if drc.ok else 'VIOLATIONS'})", t_drc, "a few s"),
        (f"LVS, GDS read back ({'clean' if lvs.ok else 'DIFFERENCES'})", t_lvs, "a few s"),
    ]
    w = max(len(r[0]) for r in rows)
    print(f"{'step':<{w}}  {'time (min of repeats)':>22}  target")
    for name, t, target in rows:
        print(f"{name:<{w}}  {t * 1e3:>19.1f} ms  {target}")
    verdict = "met" if t_build_write <= TARGET_BUILD_WRITE_S else "MISSED"
    print(f"target build + write <= {TARGET_BUILD_WRITE_S} s: {verdict} "
          f"({t_build_write / t_bare:.2f}x the bare-polygon write)")


if __name__ == "__main__":
    main()
