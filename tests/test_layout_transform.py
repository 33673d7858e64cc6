"""The one transform of a placed cell (picffm.layout.geometry) against independent calculations.

Layout writer and extractor use :func:`placed_center` for a reference's
centre: it must be exact in integer database units, the same in every
orientation, and agree with KLayout's own integer transform of the
instance box, with halves rounded away from zero as gdstk and KLayout
round a coordinate to the grid.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from pathlib import Path

import gdstk
import numpy as np
import pytest
from numpy.testing import assert_array_equal

from picffm.layout import build_layout, write_gds
from picffm.layout.extract import extract
from picffm.layout.geometry import placed_center, quarter_turns, ref_matrix, reference_transform
from picffm.netlist import Netlist, load_netlist

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_layout_placed import _transformed  # noqa: E402


def _half_away(f: Fraction) -> int:
    return int(math.copysign(math.floor(abs(f) + Fraction(1, 2)), f))


def test_quarter_turn_matrices_are_exact_and_match_gdstk():
    # a unit point moved by gdstk itself (a flattened reference) lands where ref_matrix puts it
    for k in range(-4, 8):
        for xref in (False, True):
            rot = k * math.pi / 2
            m = ref_matrix(rot, xref)
            assert set(np.unique(m)) <= {-1.0, 0.0, 1.0} and quarter_turns(rot) == k % 4
            cell = gdstk.Cell("c")
            cell.add(gdstk.Polygon([(3.0, 1.0), (4.0, 1.0), (3.0, 2.0)]))
            top = gdstk.Cell("t")
            ref = gdstk.Reference(cell, (10.0, -5.0), rotation=rot, x_reflection=xref)
            top.add(ref)
            got = top.flatten().polygons[0].points
            mm, t = reference_transform(ref)
            assert_array_equal(mm, m)
            assert np.abs(got - (np.array([(3.0, 1.0), (4.0, 1.0), (3.0, 2.0)]) @ m.T + t)).max() < 1e-12
    assert quarter_turns(math.pi / 4) is None
    assert np.abs(ref_matrix(math.pi / 4, False, 2.0) - math.sqrt(2) * np.array([[1, -1], [1, 1]])).max() < 1e-11


def test_half_nm_centres_round_away_from_zero_in_every_orientation():
    # a box 0.005 um = 5 nm wide: its centre is half-way between grid points in x, never in y
    bbox = ((0.001, 0.0), (0.006, 0.002))
    for k in range(4):
        for xref in (False, True):
            for origin in ((0.0, 0.0), (-7.003, 11.0), (2000000.0, -2000000.0)):
                lo, hi = np.rint(np.asarray(bbox) * 1000).astype(int)
                m = ref_matrix(k * math.pi / 2, xref).astype(int)
                twice = m @ (lo + hi) + 2 * np.rint(np.asarray(origin) * 1000).astype(int)
                want = tuple(round(_half_away(Fraction(int(v), 2)) * 1e-3, 3) + 0.0 for v in twice)
                assert placed_center(bbox, k * math.pi / 2, xref, origin) == want
    # floating-point noise in the inputs does not move the answer
    assert placed_center(((0.1 + 0.2, 0.0), (0.6, 0.0)), 0.0, False, (0.0, 0.0)) == (0.45, 0.0)
    assert placed_center(((0.0, 0.0), (0.005, 0.0)), math.pi, False, (0.0, 0.0)) == (-0.003, 0.0)


@pytest.mark.parametrize("turns,mirror", [(t, m) for t in range(4) for m in (False, True)])
def test_extracted_centres_are_the_labels_and_klayouts_integer_boxes(turns, mirror, tmp_path):
    # the ring example has a coupler 34.965 um wide: its centre is a half-nm tie in every orientation
    kdb = pytest.importorskip("klayout.db")
    net = Netlist.from_dict(_transformed(load_netlist(ROOT / "netlists" / "ring_allpass.pic.yml").to_dict(), turns,
                                         mirror))
    gds = tmp_path / "r.gds"
    write_gds(build_layout(net).library, gds)
    ex = extract(gdstk.read_gds(str(gds)))
    lay = kdb.Layout()
    lay.read(str(gds))
    top = lay.top_cell()
    text = {}
    for layer in lay.layer_indexes():
        for sh in top.shapes(layer).each(kdb.Shapes.STexts):
            text[sh.text.string] = (sh.text.x, sh.text.y)  # integer database units
    seen = 0
    for inst in top.each_inst():
        box = inst.bbox()  # KLayout's own integer transform of the cell box
        name = next((n for n, (x, y) in text.items() if box.contains(kdb.Point(x, y)) and n in ex.instances), None)
        if name is None:
            continue
        want = tuple(_half_away(Fraction(a + b, 2)) for a, b in ((box.left, box.right), (box.bottom, box.top)))
        got = ex.instances[name]
        assert (round(got.x * 1000), round(got.y * 1000)) == want == text[name], name
        seen += 1
    assert seen == len(ex.instances) == 2
