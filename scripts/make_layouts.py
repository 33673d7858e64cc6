#!/usr/bin/env python3
"""Regenerate the example layouts in ``layouts/`` from the example netlists.

For every netlist in ``netlists/`` (feed-forward ones from their schedule,
the ring from its placements):
``layouts/<name>.gds`` (only if under ``MAX_GDS_BYTES``, to keep the
repository small), a PNG preview ``layouts/<name>.png`` and, once,
``layouts/picffm.lyp`` (KLayout layer properties). ``layouts/SHA256SUMS``
records the hash of every GDS, committed or not, so a test can check that the
layouts still come out byte for byte the same. Every layout is checked (picffm's DRC,
layout versus netlist and KLayout's own region checks,
``scripts/klayout_check.py``) before it is written.

    python scripts/make_layouts.py            # write
    python scripts/make_layouts.py --check    # compare with layouts/, exit 1 on a difference
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
NETLISTS = ROOT / "netlists"
LAYOUTS = ROOT / "layouts"
MAX_GDS_BYTES = 200_000
PNG = ("mzi", "clements_4", "reck_4", "symmetric_core_4", "symmetric_core_16", "svd_4", "clements_64", "ring_allpass",
       "ring_heater")


def example_netlists() -> list[Path]:
    files = sorted(NETLISTS.glob("*.pic.yml")) + sorted(NETLISTS.glob("*.json"))
    return [f for f in files if not f.name.endswith(".params.yml")]


def stem(path: Path) -> str:
    return path.name.split(".")[0]


def gds_bytes(path: Path) -> bytes | None:
    """The GDS bytes of a netlist's layout (None if it cannot be drawn); checks DRC, LVS and KLayout's checks."""
    from klayout_check import klayout_counts

    from picffm.errors import LayoutError
    from picffm.layout import build_layout, write_gds
    from picffm.layout.drc import check_drc
    from picffm.layout.lvs import check_lvs
    from picffm.netlist import load_netlist

    net = load_netlist(path)
    try:
        layout = build_layout(net)
    except LayoutError:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "x.gds"
        write_gds(layout.library, out)
        drc, lvs = check_drc(layout.library), check_lvs(out, net)
        if not (drc.ok and lvs.ok):
            raise SystemExit(f"{path.name}: {drc.summary()}\n{lvs.summary()}")
        counts = klayout_counts(out)
        if any(any(c.values()) for c in counts.values()):
            raise SystemExit(f"{path.name}: KLayout's region checks find {counts}")
        return out.read_bytes()


def main(argv: list[str]) -> int:
    from picffm.layout import build_layout, lyp_text, write_png
    from picffm.netlist import load_netlist

    check = "--check" in argv
    sums = []
    bad = 0
    for path in example_netlists():
        data = gds_bytes(path)
        if data is None:
            print(f"{path.name}: not drawable (skipped)")
            continue
        name = stem(path)
        digest = hashlib.sha256(data).hexdigest()
        sums.append(f"{digest}  {name}.gds")
        gds = LAYOUTS / f"{name}.gds"
        if check:
            if gds.exists() and gds.read_bytes() != data:
                print(f"{gds.name}: differs from a fresh layout")
                bad += 1
            continue
        if len(data) <= MAX_GDS_BYTES:
            gds.write_bytes(data)
        if name in PNG:
            layout = build_layout(load_netlist(path))
            write_png(layout.top, LAYOUTS / f"{name}.png", title=path.name,
                      width_in=8.0 if name in ("mzi", "ring_allpass") else 14.0)
        print(f"{name}: {len(data)} bytes{' (GDS not committed: too large)' if len(data) > MAX_GDS_BYTES else ''}")
    text = "\n".join(sums) + "\n"
    if check:
        old = (LAYOUTS / "SHA256SUMS").read_text() if (LAYOUTS / "SHA256SUMS").exists() else ""
        if old != text:
            print("SHA256SUMS differs from fresh layouts")
            bad += 1
        return 1 if bad else 0
    (LAYOUTS / "SHA256SUMS").write_text(text)
    (LAYOUTS / "picffm.lyp").write_text(lyp_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
