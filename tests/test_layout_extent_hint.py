"""A chip too large for GDSII says what to change: pads for a scheduled mesh, placements for a placed netlist."""

import os

import yaml

from _cli import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_placement_beyond_the_gds_range_names_the_placements_not_the_pads(tmp_path, capsys):
    with open(os.path.join(ROOT, "netlists", "ring_allpass.pic.yml")) as f:
        doc = yaml.safe_load(f)
    doc["placements"]["ring"]["x"] = 1e12  # um: far beyond 2147 mm
    src = tmp_path / "far.pic.yml"
    src.write_text(yaml.safe_dump(doc))
    out = tmp_path / "far.gds"
    code, _, err = run(["layout", str(src), "-o", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "GDSII stores coordinates as 32-bit integers" in err
    assert "move the netlist's placements" in err and "pad_pitch" not in err
    assert not out.exists()
