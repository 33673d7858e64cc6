#!/usr/bin/env python3
"""KLayout's own region checks on a GDS, as an independent DRC engine.

On every layer with a rule in picffm's rule set, the merged shapes (read
hierarchically by ``klayout.db``) are checked for width, space and notch
(space inside one shape: cracks and slivers where polygons should join),
polygons overlapping each other (abutting polygons share an edge and do
not count) and vertices off the 1 nm grid.

    python scripts/klayout_check.py chip.gds [more.gds ...]   # exit 1 on any violation
"""

from __future__ import annotations

import sys
from pathlib import Path

DBU_UM = 1e-3


def klayout_counts(gds: Path) -> dict[str, dict[str, int]]:
    """Per rule layer present in the GDS: KLayout violation counts (width, space, notch, overlap, off_grid)."""
    import klayout.db as kdb

    from picffm.layout import DEFAULT_RULES, LAYERS

    ly = kdb.Layout()
    ly.read(str(gds))
    assert abs(ly.dbu - DBU_UM) < 1e-12
    top = ly.top_cell()
    dss = kdb.DeepShapeStore()  # hierarchical: every cell checked once, like a foundry deck
    out = {}
    for name, rule in DEFAULT_RULES.items():
        spec = LAYERS[name]
        li = ly.find_layer(spec.layer, spec.datatype)
        if li is None:
            continue
        raw = kdb.Region(top.begin_shapes_rec(li), dss)
        merged = raw.merged()
        w = round((rule.min_width or 0) / DBU_UM)
        s = round((rule.min_spacing or 0) / DBU_UM)
        out[name] = {
            "width": merged.width_check(w).count() if w else 0,
            "space": merged.space_check(s).count() if s else 0,
            "notch": merged.notch_check(s).count() if s else 0,
            "overlap": raw.merged(False, 2).count(),
            "off_grid": merged.grid_check(1, 1).count(),
        }
    return out



def main(argv: list[str]) -> int:
    bad = 0
    for f in argv:
        counts = klayout_counts(Path(f))
        worst = {ly: {k: v for k, v in c.items() if v} for ly, c in counts.items() if any(c.values())}
        print(f"{f}: {'clean' if not worst else worst} (layers {', '.join(counts)})")
        bad += bool(worst)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
