"""Layout from explicit placements (netlists that are not feed-forward, such as a ring):
routes, DRC and layout-versus-netlist on the ring and on rotated / mirrored copies of it,
broken layouts caught, bad placements named, drawn vs simulated lengths, determinism."""

from __future__ import annotations

import math
import re
from pathlib import Path

import gdstk
import numpy as np
import pytest

from picffm import LayoutError, Netlist, load_netlist, mzi_netlist
from picffm.layout import LAYERS, LayoutOptions, build_layout, write_gds
from picffm.layout.cells import cell_ports, coupler_cell, coupling_length
from picffm.layout.drc import check_drc, edge_radius
from picffm.layout.lengths import check_lengths, drawn_paths
from picffm.layout.lvs import check_lvs, extract
from picffm.layout.routing import RouteError, path_length, route_centerline, route_kind

ROOT = Path(__file__).resolve().parent.parent
RING = ROOT / "netlists" / "ring_allpass.pic.yml"
RING_HEATER = ROOT / "netlists" / "ring_heater.pic.yml"  # the same ring with a phase shifter in its loop
R = LayoutOptions().bend_radius


def _heading(p: np.ndarray, end: bool) -> np.ndarray:
    d = (p[-1] - p[-2]) if end else (p[1] - p[0])
    return d / np.hypot(*d)


# ------------------------------------------------------------------- routes


@pytest.mark.parametrize("pa,da,pb,db,kind,length", [
    ((0, 0), (1, 0), (30, 0), (-1, 0), "facing", 30.0),                         # straight
    ((0, 0), (0, 1), (0, 12.5), (0, -1), "facing", 12.5),                       # straight, vertical
    ((0, 0), (1, 0), (100, 30), (-1, 0), "facing", None),                       # S-bend
    ((0, 0), (1, 0), (40, 25), (0, -1), "perpendicular", 40 + 25 - 2 * R + math.pi * R / 2),  # L-turn
    ((0, 0), (1, 0), (-15, 30), (1, 0), "same", 0 + 10 + 15 + math.pi * R),    # U-turn, B behind A
    ((0, 0), (-1, 0), (20, -40), (-1, 0), "same", 0 + 20 + 20 + math.pi * R),    # U-turn, leftwards
])
def test_route_shapes_end_exactly_and_bend_at_the_radius(pa, da, pb, db, kind, length):
    assert route_kind(da, db) == kind
    pts = route_centerline(pa, da, pb, db, R)
    assert tuple(pts[0]) == pa and tuple(pts[-1]) == pb
    # leaves A along da, enters B against db
    np.testing.assert_allclose(_heading(pts, False), da, atol=1e-9)
    np.testing.assert_allclose(_heading(pts, True), -np.asarray(db, float), atol=1e-9)
    if length is not None:
        assert path_length(pts) == pytest.approx(length, abs=5e-3)  # arcs as chords: 45 per quarter turn
    # every bend is an arc of radius R: the waveguide's inner edge has radius R - w/2
    from picffm.layout.geometry import path_polygon

    poly = path_polygon(pts, 0.5)
    if len(pts) > 2:
        assert edge_radius(poly)[0] == pytest.approx(R - 0.25, rel=3e-3)


@pytest.mark.parametrize("pa,da,pb,db,match", [
    ((0, 0), (1, 0), (-5, 0), (1, 0), "U-turn of two bends of radius 10 um needs >= 20"),
    ((0, 0), (1, 0), (10, 30), (-1, 0), "an S-bend of radius 10 um needs"),
    ((0, 0), (1, 0), (-10, 0), (-1, 0), "face away from each other"),
    ((0, 0), (1, 0), (5, 30), (0, -1), "one bend of radius 10 um needs >= 10 um on both"),
])
def test_impossible_routes_say_what_is_missing(pa, da, pb, db, match):
    with pytest.raises(RouteError, match=match):
        route_centerline(pa, da, pb, db, R)


# --------------------------------------------------------------------- ring


def test_ring_layout_passes_drc_and_lvs_with_its_loop(tmp_path):
    net = load_netlist(RING)
    layout = build_layout(net)
    path = tmp_path / "ring.gds"
    write_gds(layout.library, path)
    lib = gdstk.read_gds(str(path))
    drc = check_drc(lib)
    assert drc.ok, drc.summary()
    lvs = check_lvs(path, net)
    assert lvs.ok, lvs.summary()
    ex = extract(lib)
    assert set(ex.instances) == {"dc", "ring"}
    assert ex.instances["dc"].component == "coupler" and ex.instances["ring"].component == "waveguide"
    assert ex.connections == {frozenset({("dc", "o3"), ("ring", "o1")}), frozenset({("ring", "o2"), ("dc", "o2")})}
    assert ex.ports == {"in0": ("dc", "o1"), "out0": ("dc", "o4")}
    # the instances sit at their placements: dc's o1 at (0, 0); the ring, rotated 180 deg, has o1 at (80, 70)
    assert ex.port_xy[("dc", "o1")] == (0.0, 0.0)
    assert ex.port_xy[("ring", "o1")] == (80.0, 70.0) and ex.port_xy[("ring", "o2")] == (40.0, 70.0)
    # both loop connections are U-turns
    loop = [r for r in layout.plan.routes if r.a[0] in net.instances and r.b[0] in net.instances]
    assert len(loop) == 2
    for r in loop:
        ya, yb = r.points[0][1], r.points[-1][1]
        assert {ya, yb} == {40.0, 70.0}
        xs = r.points[:, 0]
        assert xs.max() > max(r.points[0][0], r.points[-1][0]) or xs.min() < min(r.points[0][0], r.points[-1][0])
    labels = sorted(lb.text for lb in layout.top.labels)
    assert labels == ["dc", "in0", "out0", "ring"]


def _loop_routes() -> float:
    """The ring's two U-turns, worked out by hand (um): its cell spans 4 R = 40 um from (80, 70) to (40, 70)."""
    L = cell_ports(coupler_cell(float(coupling_length(0.1, LayoutOptions()))))["o3"][0]
    u1 = (80 - L) + (30 - 2 * R) + math.pi * R  # dc's o3 at (L, 40) -> ring o1 at (80, 70): out to x = 80 + R
    u2 = 40 + (30 - 2 * R) + math.pi * R  # ring o2 at (40, 70) -> dc o2 at (0, 40): out to x = -R
    return u1 + u2


def test_ring_loop_is_drawn_as_long_as_simulated():
    net = load_netlist(RING)
    layout = build_layout(net)
    lengths = drawn_paths(layout.plan, net)
    assert set(lengths) == {"ring"}
    d = lengths["ring"]
    assert d["simulated_um"] == 200.0
    assert d["routed_um"] == pytest.approx(_loop_routes(), abs=0.01)
    assert d["drawn_um"] == pytest.approx(200.0, abs=1e-3)
    assert check_lengths(layout.plan, net).ok
    # independent of the centre lines: a waveguide polygon's area is its width times its length (mitred
    # joins), so the loop's WG area (the ring's cell and the two U-turn routes) / width is the drawn loop
    wg = LAYERS["WG"].spec
    cell = layout.library[next(pl.cell for pl in layout.plan.instances if pl.name == "ring")]
    area = sum(p.area() for p in cell.polygons if (p.layer, p.datatype) == wg)
    uturns = [p for p in layout.top.polygons if (p.layer, p.datatype) == wg and p.bounding_box()[1][1] > 60]
    assert len(uturns) == 2
    area += sum(p.area() for p in uturns)
    assert area / LayoutOptions().wg_width == pytest.approx(200.0, abs=0.01 + 1e-4 * 200)


def test_ring_shorter_than_its_shortest_loop_is_named_with_the_minimum(tmp_path, capsys):
    from picffm.cli.main import main
    from picffm.netlist import save_netlist

    doc = load_netlist(RING).to_dict()
    doc["instances"]["ring"]["settings"]["length_um"] = 150.0
    path = tmp_path / "short.pic.yml"
    save_netlist(Netlist.from_dict(doc), path)
    assert main(["layout", str(path), "-o", str(tmp_path / "s.gds"), "--check"]) == 1
    out = capsys.readouterr().out
    minimum = 4 * R + _loop_routes()
    lines = [ln for ln in out.splitlines() if "waveguide 'ring'" in ln]
    assert len(lines) == 1
    got = re.search(r"length_um = 150 um is below the shortest path drawable here, ([0-9.]+) um", lines[0])
    assert got and float(got.group(1)) == pytest.approx(minimum, abs=0.01)  # arcs drawn as polygons: +7 nm
    assert f"use length_um >= {got.group(1)}" in lines[0]
    assert "DRC clean" in out and "LVS clean" in out


def test_ring_layout_is_deterministic(tmp_path):
    a, b = tmp_path / "a.gds", tmp_path / "b.gds"
    write_gds(build_layout(load_netlist(RING)).library, a)
    write_gds(build_layout(load_netlist(RING)).library, b)
    assert a.read_bytes() == b.read_bytes()


def test_ring_with_a_deleted_or_moved_route_is_caught(tmp_path):
    net = load_netlist(RING)
    layout = build_layout(net)
    k = next(i for i, r in enumerate(layout.plan.routes) if {r.a[0], r.b[0]} == {"dc", "ring"})
    route = layout.plan.routes[k]
    wg = [p for p in layout.top.polygons if (p.layer, p.datatype) == LAYERS["WG"].spec]
    layout.top.remove(wg[k])
    path = tmp_path / "broken.gds"
    write_gds(layout.library, path)
    rep = check_lvs(path, net)
    assert [i.kind for i in rep.issues] == ["missing_connection"]
    msg = rep.issues[0].message
    assert f"{route.a[0]},{route.a[1]}" in msg and f"{route.b[0]},{route.b[1]}" in msg
    assert (rep.issues[0].x, rep.issues[0].y) in {tuple(route.points[0]), tuple(route.points[-1])}

    layout = build_layout(net)
    wg = [p for p in layout.top.polygons if (p.layer, p.datatype) == LAYERS["WG"].spec]
    wg[k].translate(0.0, 0.4)  # off its ports and 0.1 um from... nothing: LVS, not DRC
    rep = check_lvs(layout.library, net)
    kinds = {i.kind for i in rep.issues}
    assert "missing_connection" in kinds and "dangling" in kinds

    # the ring's reference deleted: its instance and both loop connections are missing
    layout = build_layout(net)
    victim = next(r for r in layout.top.references if r.cell.name.startswith("waveguide_"))
    layout.top.remove(victim)
    layout.library.remove(victim.cell)
    kinds = [i.kind for i in check_lvs(layout.library, net).issues]
    assert "missing_instance" in kinds and kinds.count("missing_connection") == 2


def _transformed(doc: dict, turns: int, mirror: bool) -> dict:
    """The same circuit turned by 90 deg * turns about the origin, then reflected left-right."""
    c, s = [1, 0, -1, 0][turns % 4], [0, 1, 0, -1][turns % 4]
    out = {}
    for name, p in doc["placements"].items():
        x, y = c * p["x"] - s * p["y"], s * p["x"] + c * p["y"]
        rot, mir = p.get("rotation", 0.0) + 90 * turns, p.get("mirror", False)
        if mirror:
            x, rot, mir = -x, -rot, not mir
        out[name] = {"x": x, "y": y, "rotation": rot, "mirror": mir}
    return {**doc, "placements": out}


def _turned_and_checked(path: Path, turns: int, mirror: bool, tmp_path: Path):
    """The example at ``path`` turned and reflected (:func:`_transformed`), drawn, written, DRC clean; with its LVS report."""
    net = Netlist.from_dict(_transformed(load_netlist(path).to_dict(), turns, mirror))
    layout = build_layout(net)
    gds = tmp_path / "r.gds"
    write_gds(layout.library, gds)
    assert check_drc(layout.library).ok
    return net, layout, check_lvs(gds, net)


@pytest.mark.parametrize("turns,mirror", [(1, False), (2, False), (3, False), (0, True), (1, True)])
def test_rotated_and_mirrored_ring_still_passes(turns, mirror, tmp_path):
    net, layout, rep = _turned_and_checked(RING, turns, mirror, tmp_path)
    assert rep.ok, rep.summary()
    # the drawn routes are the same length whatever the orientation
    base = drawn_paths(build_layout(load_netlist(RING)).plan, load_netlist(RING))
    assert drawn_paths(layout.plan, net)["ring"]["routed_um"] == pytest.approx(base["ring"]["routed_um"], abs=2e-3)


def test_placed_feed_forward_netlist_and_mirrored_mzi(tmp_path):
    # a feed-forward netlist with placements is drawn from them; a mirror-image MZI turned by 180 deg
    # keeps its port names (the mirror image is its own cell), so LVS reads it back right
    doc = mzi_netlist().to_dict()
    (name,) = doc["instances"]
    doc["instances"][name]["settings"]["mirror"] = True
    doc["placements"] = {name: {"x": 300.0, "y": 40.0, "rotation": 180.0}}
    net = Netlist.from_dict(doc)
    layout = build_layout(net)
    (pl,) = layout.plan.instances
    assert pl.cell.endswith("_mirror") and pl.origin == (300.0, 40.0)
    path = tmp_path / "m.gds"
    write_gds(layout.library, path)
    assert check_drc(layout.library).ok
    rep = check_lvs(path, net)
    # optically the same circuit; its two heaters' four ends reach pads beside the turned cell
    assert rep.ok and rep.heater_ends == 4, rep.summary()
    ex = extract(layout.library)
    assert ex.instances[name].mirror
    assert ex.port_xy[(name, "o1")] == (300.0, 40.0)  # o1 at the placement, the cell turned around it
    assert ex.port_xy[(name, "o2")] == (300.0, 0.0)
    # the same netlist with mirror: false disagrees with the drawing
    doc["instances"][name]["settings"]["mirror"] = False
    assert [i.kind for i in check_lvs(path, Netlist.from_dict(doc)).issues if i.kind != "heater"] == ["mirror"]


# ----------------------------------------------------------------- heaters


def _pad_centres(layout) -> list[tuple[float, float]]:
    """Centres (um, top frame) of every PADOPEN in the layout, flattened."""
    opening = LAYERS["PADOPEN"]
    return sorted((round(float(pg.points[:, 0].mean()), 3), round(float(pg.points[:, 1].mean()), 3))
                  for pg in layout.top.get_polygons(layer=opening.layer, datatype=opening.datatype))


def test_ring_heater_reaches_pads_beside_it(tmp_path):
    net = load_netlist(RING_HEATER)
    layout = build_layout(net)
    path = tmp_path / "rh.gds"
    write_gds(layout.library, path)
    assert check_drc(layout.library).ok
    rep = check_lvs(path, net)
    assert rep.ok and rep.heater_ends == 2, rep.summary()  # one heater, both ends on pads of their own
    assert check_lengths(layout.plan, net).ok
    (w,) = layout.plan.wiring  # one wiring cell, at the heater's placement
    heater = next(pl for pl in layout.plan.instances if pl.name == "heater")
    assert (w.at, w.rotation, w.xref) == (heater.at, heater.rotation, heater.xref)
    # the pad column stands beside the heater's input edge (x = 80 um), below its lead channel, pad_pitch apart
    o = LayoutOptions()
    (x0, y0), (x1, y1) = _pad_centres(layout)
    assert x0 == x1 and x0 + o.pad / 2 < 80.0 - o.lead_spacing
    assert y1 - y0 == pytest.approx(o.pad_pitch, abs=1e-3) and y1 + o.pad / 2 < 40.0


@pytest.mark.parametrize("turns,mirror", [(1, False), (2, False), (3, False), (0, True), (3, True)])
def test_ring_heater_pads_follow_any_orientation(turns, mirror, tmp_path):
    base = build_layout(load_netlist(RING_HEATER))
    net, layout, rep = _turned_and_checked(RING_HEATER, turns, mirror, tmp_path)
    assert rep.ok and rep.heater_ends == 2, rep.summary()
    # the pads are the base layout's pads, turned and reflected with everything else
    c, s = [1, 0, -1, 0][turns % 4], [0, 1, 0, -1][turns % 4]
    want = [(c * x - s * y, s * x + c * y) for x, y in _pad_centres(base)]
    want = sorted((round(-x if mirror else x, 3) + 0.0, round(y, 3) + 0.0) for x, y in want)
    assert _pad_centres(layout) == want


def test_unwired_heater_is_named_by_lvs():
    # the ring's pad wiring deleted: both heater ends reach no pad, and LVS says there are none at all
    net = load_netlist(RING_HEATER)
    layout = build_layout(net)
    for ref in [r for r in layout.top.references if r.cell.name.startswith("leads_")]:
        layout.top.remove(ref)
        layout.library.remove(ref.cell)
    rep = check_lvs(layout.library, net)
    assert [i.kind for i in rep.issues] == ["heater", "heater"], rep.summary()
    assert all("heater" in i.message and "reaches no bond pad (the layout has no bond pads at all)" in i.message
               for i in rep.issues)


# -------------------------------------------------------------- bad input


def _ring_doc(**placements) -> dict:
    doc = load_netlist(RING).to_dict()
    doc["placements"] = {k: v for k, v in {**doc["placements"], **placements}.items() if v is not None}
    return doc


@pytest.mark.parametrize("placements,match", [
    ({"ring": None}, r"instance 'ring' has no placement"),
    ({"ring": {"x": 80.0, "y": 70.0, "rotation": 45.0}}, r"placements of 'ring': rotation = 45 deg cannot be drawn; "
                                                         r"valid: a multiple of 90"),
    ({"ring": {"x": 80.0}}, r"placements of 'ring' have no 'y'"),
    ({"ring": {"x": 80.0, "y": 55.0, "rotation": 180.0}},
     r"connection dc,o3 -> ring,o1 .*U-turn of two bends of radius 10 um needs >= 20 um"),
    ({"ring": {"x": 80.0, "y": 70.0}}, r"connection dc,o3 -> ring,o1 .*an S-bend of radius 10 um needs 38.284 um"),
])
def test_bad_placements_name_the_instance(placements, match):
    with pytest.raises(LayoutError, match=match):
        build_layout(Netlist.from_dict(_ring_doc(**placements)))


def test_bad_placement_from_the_cli_is_one_line(tmp_path, capsys):
    from picffm.cli.main import main
    from picffm.netlist import save_netlist

    path = tmp_path / "bad.pic.yml"
    save_netlist(Netlist.from_dict(_ring_doc(ring={"x": 80.0, "y": 70.0, "rotation": 30.0})), path)
    assert main(["layout", str(path), "-o", str(tmp_path / "x.gds")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.pic.yml" in err and "'ring'" in err and "rotation = 30" in err


def test_drc_measures_a_polygon_beside_a_quarter_turned_reference():
    # a waveguide cell turned by 90 deg (it runs up from the origin) and a top-cell waveguide 0.1 um to its
    # right: one spacing violation, where it is; the same polygon 5 um away is clean
    from picffm.layout import waveguide_cell

    wg = LAYERS["WG"]
    for gap, ok in ((0.1, False), (5.0, True)):
        cell = waveguide_cell(30.0)
        top = gdstk.Cell("top")
        top.add(gdstk.Reference(cell, (0.0, 0.0), rotation=math.pi / 2))
        x0 = 0.25 + gap
        top.add(gdstk.rectangle((x0, 5.0), (x0 + 0.5, 25.0), layer=wg.layer, datatype=wg.datatype))
        lib = gdstk.Library()
        lib.add(cell, top)
        rep = check_drc(lib)
        assert rep.ok == ok, rep.summary()
        if not ok:
            (v,) = {(v.rule, round(v.value, 3)) for v in rep.violations}
            assert v == ("spacing", 0.1)
            assert all(0.2 <= w.x <= 0.4 and 5.0 <= w.y <= 25.0 for w in rep.violations)


# ------------------------------------------------------------ drawn lengths


def test_meander_is_drawn_to_length_with_exact_ends_and_bends_at_the_radius():
    from picffm.layout.cells import meander_centerline, meander_extent, waveguide_cell

    rng = np.random.default_rng(15)
    extras = np.concatenate([[1e-3, 0.5, (2 * math.pi - 4) * R, 22.9], rng.uniform(0.01, 300.0, 6)])
    for extra in extras:
        f = 4 * R
        pts, k = meander_centerline(f, f + extra, R, 1e-3)
        assert path_length(pts) == pytest.approx(f + extra, abs=1e-9)
        assert tuple(pts[0]) == (0.0, 0.0) and tuple(pts[-1]) == (f, 0.0)
        np.testing.assert_allclose(_heading(pts, False), (1, 0), atol=1e-7)  # well below the 1 nm grid
        np.testing.assert_allclose(_heading(pts, True), (1, 0), atol=1e-7)
        np.testing.assert_allclose(_heading(pts[: k + 1], True), (1, 0), atol=1e-7)  # the split: heading +x
        assert pts[:, 1].max() <= 1e-12 and -pts[:, 1].min() == pytest.approx(meander_extent(extra, R)[1], rel=0.1, abs=2e-3)
        cell = waveguide_cell(f + extra, LayoutOptions(), footprint=f)
        assert all(len(p.points) < 199 for p in cell.polygons)  # GDSII's polygon limit, never fractured
        lib = gdstk.Library()
        lib.add(cell)
        rep = check_drc(lib)
        assert rep.ok, (extra, rep.summary())
        if extra > 1.0:  # shallow bumps have too few vertices per run to measure a radius
            assert min(edge_radius(p.points)[0] for p in cell.polygons) == pytest.approx(R - 0.25, rel=3e-3)
    with pytest.raises(ValueError, match="needs a footprint"):
        meander_centerline(30.0, 60.0, R, 1e-3)  # a full bump needs 4 R = 40 um
