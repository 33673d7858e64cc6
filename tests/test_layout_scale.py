"""Layouts at the edge of what GDSII can hold: coordinates are 32-bit integers of 1 nm.

Clements N = 512 with the default bond pads is 4.6 m wide; written as it
was, its coordinates wrapped around 2^31 nm and the layout-versus-netlist
check read columns 482.. on top of columns 0.. (one waveguide joining four
ports). The same cause, at a small size: a ring placed 2.2 m from the origin.
"""

from __future__ import annotations

from pathlib import Path

import gdstk
import pytest

from picffm import LayoutError, Netlist, load_netlist
from picffm.layout import LAYERS, build_layout, write_gds
from picffm.layout.geometry import GDS_LIMIT_UM

ROOT = Path(__file__).resolve().parent.parent
RING = ROOT / "netlists" / "ring_allpass.pic.yml"


def _ring_at(x0: float) -> Netlist:
    doc = load_netlist(RING).to_dict()
    doc["placements"] = {k: {**v, "x": v["x"] + x0} for k, v in doc["placements"].items()}
    return Netlist.from_dict(doc)


def test_gdsii_coordinates_wrap_beyond_2_31_nm_so_the_limit_is_real(tmp_path):
    # gdstk itself writes the wrapped value without a word: that is the bug the check prevents
    lib = gdstk.Library(unit=1e-6, precision=1e-9)
    lib.new_cell("a").add(gdstk.rectangle((GDS_LIMIT_UM + 10.0, 0.0), (GDS_LIMIT_UM + 20.0, 1.0)))
    lib.write_gds(tmp_path / "raw.gds")
    xs = gdstk.read_gds(tmp_path / "raw.gds").cells[0].polygons[0].points[:, 0]
    assert xs.max() < 0  # wrapped to the far negative side


def test_write_gds_refuses_a_library_beyond_the_limit_and_writes_nothing(tmp_path):
    wg = LAYERS["WG"]
    for x, ok in ((GDS_LIMIT_UM - 20.0, True), (GDS_LIMIT_UM + 10.0, False)):
        lib = gdstk.Library(unit=1e-6, precision=1e-9)
        lib.new_cell("top").add(gdstk.rectangle((x, 0.0), (x + 10.0, 1.0), layer=wg.layer, datatype=wg.datatype))
        out = tmp_path / f"x{int(ok)}.gds"
        if ok:
            write_gds(lib, out)
            pts = gdstk.read_gds(out).cells[0].polygons[0].points
            assert pts[:, 0].min() == pytest.approx(x, abs=1e-3)  # just inside: exact round trip
        else:
            with pytest.raises(LayoutError, match=r"cell 'top' would be .* 2147\.484 mm .* wrap around"):
                write_gds(lib, out)
            assert not out.exists()


def test_a_layout_beyond_the_limit_is_refused_before_drawing():
    build_layout(_ring_at(2.0e6))  # 2 m from the origin: fine
    with pytest.raises(LayoutError, match=r"the chip would be .* mm, reaching 2200\.\d mm from the origin; GDSII .*"
                                          r"move the netlist's placements"):  # a placed ring has no pads
        build_layout(_ring_at(2.2e6))


def test_the_cli_says_so_in_one_line_exit_2(tmp_path, capsys):
    from picffm.cli.main import main
    from picffm.netlist import save_netlist

    path = tmp_path / "far.pic.yml"
    save_netlist(_ring_at(2.2e6), path)
    assert main(["layout", str(path), "-o", str(tmp_path / "far.gds")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "far.pic.yml" in err and "32-bit integers of 1 nm" in err
    assert not (tmp_path / "far.gds").exists()


@pytest.mark.parametrize("chunk", [7, 1 << 21])
def test_binned_pair_search_finds_exactly_the_near_pairs_in_any_chunking(monkeypatch, chunk):
    # against all pairs by brute force: thin wide strips (a mesh's straights), tall boxes (a gap's leads)
    # and small squares, mixed, enough to take the binned path; tiny chunks force many rounds of candidates
    import numpy as np

    from picffm.layout import boxpairs

    monkeypatch.setattr(boxpairs, "_CHUNK", chunk)
    rng = np.random.default_rng(512)
    n = boxpairs.SWEEP_ONLY + 500
    x0, y0 = rng.uniform(0, 3000, n), rng.uniform(0, 3000, n)
    kind = rng.integers(0, 3, n)
    w = np.choose(kind, [rng.uniform(100, 800, n), rng.uniform(1, 5, n), rng.uniform(5, 40, n)])
    h = np.choose(kind, [np.full(n, 0.5), rng.uniform(500, 3000, n), rng.uniform(5, 40, n)])
    boxes = np.column_stack([x0, y0, x0 + w, y0 + h])
    grow = 0.3
    i, j = boxpairs.box_pairs(boxes, grow)
    got = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist())}
    assert len(got) == len(i)  # each pair once
    near = ((boxes[:, None, 0] <= boxes[None, :, 2] + grow) & (boxes[None, :, 0] <= boxes[:, None, 2] + grow)
            & (boxes[:, None, 1] <= boxes[None, :, 3] + grow) & (boxes[None, :, 1] <= boxes[:, None, 3] + grow))
    a, b = np.nonzero(np.triu(near, 1))
    assert got == set(zip(a.tolist(), b.tolist()))
