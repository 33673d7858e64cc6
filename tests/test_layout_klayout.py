"""Every example layout checked with KLayout's own region checks (an independent DRC engine).

For each netlist in ``netlists/`` that can be drawn, the GDS picffm writes
is read by ``klayout.db`` and, on every drawn layer with a rule, the merged
shapes are checked for width, space and notch (space inside one shape:
cracks and slivers where two polygons should join), for overlap between
polygons (two polygons covering the same area; abutting polygons share an
edge and do not count) and for vertices off the 1 nm grid. All must be zero.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

kdb = pytest.importorskip("klayout.db")

from picffm.errors import LayoutError  # noqa: E402
from picffm.layout import build_layout, write_gds  # noqa: E402
from picffm.netlist import load_netlist  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ALL_EXAMPLES = sorted(p for p in list((ROOT / "netlists").glob("*.pic.yml")) + list((ROOT / "netlists").glob("*.json"))
                      if not p.name.endswith(".params.yml"))
EXAMPLES = [p for p in ALL_EXAMPLES if p.name != "clements_64.pic.yml"]
_spec = importlib.util.spec_from_file_location("klayout_check", ROOT / "scripts" / "klayout_check.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
klayout_counts = _mod.klayout_counts


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_layout_is_clean_under_klayout(path, tmp_path):
    net = load_netlist(path)
    try:
        layout = build_layout(net)
    except LayoutError:
        pytest.skip(f"{path.name} cannot be drawn")  # none today; listed so a new example is seen
    gds = tmp_path / "chip.gds"
    write_gds(layout.library, gds)
    counts = klayout_counts(gds)
    assert "WG" in counts
    bad = {ly: {k: v for k, v in c.items() if v} for ly, c in counts.items() if any(c.values())}
    assert not bad, f"{path.name}: KLayout finds {bad}"


def test_klayout_check_sees_a_crack(tmp_path):
    # two waveguide halves 3 nm apart (the old bend-to-straight joint) are a space/notch violation
    import gdstk

    lib = gdstk.Library("t", unit=1e-6, precision=1e-9)
    c = lib.new_cell("top")
    c.add(gdstk.rectangle((0, -0.25), (10, 0.25), layer=1), gdstk.rectangle((10.003, -0.25), (20, 0.25), layer=1))
    c.add(gdstk.rectangle((30, -0.25), (40, 0.25), layer=1), gdstk.rectangle((39.997, -0.25), (50, 0.25), layer=1))
    lib.write_gds(tmp_path / "t.gds")
    counts = klayout_counts(tmp_path / "t.gds")["WG"]
    assert counts["space"] >= 1 and counts["overlap"] == 1


@pytest.mark.parametrize("mirror,rotation,xref", [(True, 90.0, False), (False, 270.0, True)])
def test_placed_mzi_pad_wiring_is_clean_under_klayout(mirror, rotation, xref, tmp_path):
    # the pad column beside a placed MZI (a mirror-image one too: its leads leave at the right edge), turned
    # and reflected: no width, space, notch, overlap or off-grid finding on the metal layers either
    from picffm import Netlist, mzi_netlist

    doc = mzi_netlist().to_dict()
    (name,) = doc["instances"]
    doc["instances"][name]["settings"]["mirror"] = mirror
    doc["placements"] = {name: {"x": 300.0, "y": 40.0, "rotation": rotation, "mirror": xref}}
    layout = build_layout(Netlist.from_dict(doc))
    assert len(layout.plan.wiring) == 1
    gds = tmp_path / "m.gds"
    write_gds(layout.library, gds)
    counts = klayout_counts(gds)
    assert {"WG", "M2", "MTOP"} <= set(counts)
    bad = {ly: {k: v for k, v in c.items() if v} for ly, c in counts.items() if any(c.values())}
    assert not bad, f"KLayout finds {bad}"
