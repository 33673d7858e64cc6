"""Layout: cells pass DRC, meshes pass DRC and layout-versus-netlist, GDS read-back,
determinism, broken layouts are caught, bad input gives clear errors."""

from __future__ import annotations

import hashlib
import importlib.util
import math
from pathlib import Path

import gdstk
import numpy as np
import pytest

from picffm import LayoutError, Netlist, clements, mzi_netlist, reck, symmetric_core
from picffm.cli.main import main
from picffm.layout import (
    LAYERS,
    LayoutOptions,
    attenuator_cell,
    bend_cell,
    build_layout,
    check_options,
    coupler_cell,
    grating_coupler_cell,
    mzi_cell,
    options_from_dict,
    phase_shifter_cell,
    rules_from_dict,
    waveguide_cell,
    write_gds,
)
from picffm.layout.cells import cell_ports, coupling_length
from picffm.layout.drc import check_drc, edge_radius, polygon_width
from picffm.layout.lvs import check_lvs, extract
from picffm.schedule import compile_netlist

ROOT = Path(__file__).resolve().parent.parent

ALL_CELLS = [
    waveguide_cell(12.5), bend_cell(90.0), bend_cell(30.0), coupler_cell(10.0), coupler_cell(0.0),
    phase_shifter_cell(), mzi_cell(10.0, 10.0), mzi_cell(4.1, 17.3), attenuator_cell(10.0, 10.0),
    grating_coupler_cell(),
]


@pytest.mark.parametrize("cell", ALL_CELLS, ids=lambda c: c.name)
def test_every_cell_passes_drc(cell):
    report = check_drc(cell)
    assert report.ok, report.summary()
    assert report.polygons == len(cell.polygons)


@pytest.mark.parametrize("cell", ALL_CELLS, ids=lambda c: c.name)
def test_cell_ports_sit_on_waveguide_ends(cell):
    # every port is on the edge of a WG polygon: a probe 10 nm inside is covered, 10 nm outside is not
    wg = [p for p in cell.polygons if (p.layer, p.datatype) == LAYERS["WG"].spec]
    for name, (x, y, a) in cell_ports(cell).items():
        d = np.array([math.cos(a), math.sin(a)])
        inside = np.array([x, y]) - 0.01 * d
        outside = np.array([x, y]) + 0.01 * d
        assert any(gdstk.inside([inside], p)[0] for p in wg), (cell.name, name)
        assert not any(gdstk.inside([outside], p)[0] for p in wg), (cell.name, name)


def test_cell_geometry_matches_parameters():
    o = LayoutOptions()
    # MZI length = 2 heater sections + 2 couplers; ports at the pitch
    ports = cell_ports(mzi_cell(10.0, 10.0))
    assert ports["o2"][1] == pytest.approx(o.pitch) and ports["o3"][1] == pytest.approx(o.pitch)
    assert ports["o1"][:2] == (0.0, 0.0)
    dc = cell_ports(coupler_cell(10.0))["o4"][0]
    ls = o.heater_length + 2 * o.heater_margin
    assert ports["o4"][0] == pytest.approx(2 * ls + 2 * dc, abs=2e-3)
    # coupling length from kappa: 0 -> 0, 1/2 -> half the cross-over length, 1 -> cross-over length
    np.testing.assert_allclose(coupling_length([0.0, 0.5, 1.0], o), [0.0, o.crossover_length / 2, o.crossover_length])
    # the coupler's narrowest WG gap is the option's gap
    c = coupler_cell(10.0)
    wg = [p.points for p in c.polygons]
    ys = np.concatenate(wg)[:, 1]
    mid = o.pitch / 2
    inner_low = ys[ys < mid].max()
    inner_high = ys[ys > mid].min()
    assert inner_high - inner_low == pytest.approx(o.gap, abs=1e-3)


def test_drc_measures_width_spacing_radius():
    rect = np.array([[0, 0], [10, 0], [10, 0.5], [0, 0.5]], float)
    assert polygon_width(rect)[0] == pytest.approx(0.5)
    t = np.linspace(0, np.pi / 2, 60)
    r = 7.0
    arc = np.column_stack([r * np.cos(t), r * np.sin(t)])
    ring = np.vstack([arc * (r + 0.25) / r, arc[::-1] * (r - 0.25) / r])
    assert edge_radius(ring)[0] == pytest.approx(r - 0.25, rel=2e-3)
    cell = gdstk.Cell("bad")
    wg = dict(layer=1, datatype=0)
    cell.add(gdstk.rectangle((0, 0), (10, 0.5), **wg), gdstk.rectangle((0, 0.6), (10, 1.1), **wg))  # 0.1 gap
    cell.add(gdstk.rectangle((0, 5), (10, 5.1), **wg))  # 0.1 wide
    cell.add(gdstk.Polygon(np.round(np.vstack([arc * 3.25 / r, arc[::-1] * 2.75 / r]) + (0, 20), 3), **wg))  # R = 3
    cell.add(gdstk.rectangle((0, 30), (5, 35), layer=5))  # not in the layer map
    rep = check_drc(cell)
    kinds = sorted((v.rule, v.layer) for v in rep.violations)
    assert kinds == [("bend_radius", "WG"), ("layer", "5/0"), ("spacing", "WG"), ("width", "WG")]
    sp = next(v for v in rep.violations if v.rule == "spacing")
    assert sp.value == pytest.approx(0.1) and sp.y == pytest.approx(0.55) and 0 <= sp.x <= 10
    wd = next(v for v in rep.violations if v.rule == "width")
    assert wd.value == pytest.approx(0.1) and wd.y == pytest.approx(5.05)
    assert "0.100 um < 0.15 um" in str(sp)


def test_drc_finds_notches_and_off_grid_vertices():
    # a straight and a bend end squared on its last chord: their end edges cross at the centre line,
    # a 3 nm crack on one half (a notch inside the merged shape), a 3 nm overlap on the other
    cell = gdstk.Cell("joints")
    wg = dict(layer=1, datatype=0)
    cell.add(gdstk.rectangle((0, -0.25), (10, 0.25), **wg))
    cell.add(gdstk.Polygon([(10.003, -0.25), (20, -0.25), (20, 0.25), (9.997, 0.25)], **wg))
    # abutting on a shared edge: one shape, no notch
    cell.add(gdstk.rectangle((0, 9.75), (10, 10.25), **wg), gdstk.rectangle((10, 9.75), (20, 10.25), **wg))
    cell.add(gdstk.rectangle((30, -0.25), (40.0004, 0.25), **wg))  # 0.4 nm off the grid
    rep = check_drc(cell)
    kinds = sorted((v.rule, v.layer) for v in rep.violations)
    assert kinds == [("notch", "WG"), ("off_grid", "WG")], rep.summary()
    notch = next(v for v in rep.violations if v.rule == "notch")
    assert notch.value == pytest.approx(0.003, abs=1e-4) and notch.x == pytest.approx(10.0015, abs=1e-3)
    assert notch.y == pytest.approx(-0.25)
    off = next(v for v in rep.violations if v.rule == "off_grid")
    assert (off.x, off.y) == (40.0, -0.25) and "off the 1 nm grid by 0.4 nm" in str(off)
    # a reference turned by 45 degrees puts its cell's vertices off the grid
    top = gdstk.Cell("top")
    top.add(gdstk.Reference(cell, (0, 0), rotation=np.pi / 4))
    assert any(v.rule == "off_grid" and v.layer == "reference to joints" for v in check_drc(top).violations)


MESHES = [(kind, n) for kind in ("clements", "reck", "symmetric") for n in (3, 4)]


def _mesh(kind, n):
    return {"clements": clements, "reck": reck, "symmetric": symmetric_core}[kind](n)


@pytest.mark.parametrize("kind,n", MESHES)
def test_meshes_pass_drc_and_lvs_after_read_back(kind, n, tmp_path):
    net = _mesh(kind, n)
    layout = build_layout(net)
    path = tmp_path / "chip.gds"
    write_gds(layout.library, path)
    drc = check_drc(gdstk.read_gds(str(path)))
    assert drc.ok, drc.summary()
    lvs = check_lvs(path, net)
    assert lvs.ok, lvs.summary()
    assert lvs.instances == len(net.instances)
    assert lvs.connections == len(net.connections)
    assert lvs.ports == 2 * n


@pytest.mark.parametrize("kind,n", MESHES)
def test_gds_reads_back_with_cells_labels_layers(kind, n, tmp_path):
    net = _mesh(kind, n)
    path = tmp_path / "chip.gds"
    write_gds(build_layout(net).library, path)
    lib = gdstk.read_gds(str(path))
    names = sorted(c.name for c in lib.cells)
    comps = {i.component for i in net.instances.values()}
    expected = {"picffm_chip", "grating_coupler"}
    expected |= {"mzi_Lc10_10"} if "mzi" in comps else set()
    expected |= {"phase_shifter"} if "phase_shifter" in comps else set()
    expected |= {"attenuator_Lc10_10"} if "attenuator" in comps else set()
    if any(i.settings.get("mirror") for i in net.instances.values()):
        expected |= {"mzi_Lc10_10_mirror"}  # the mirror image is a cell of its own
    wiring = {c for c in names if c.startswith("leads_")}  # heater leads and bond pads, one cell per kind of gap
    assert wiring and set(names) - wiring == expected
    (top,) = lib.top_level()
    texts = [lb.text for lb in top.labels if (lb.layer, lb.texttype) == LAYERS["TEXT"].spec]
    assert sorted(texts) == sorted(list(net.instances) + list(net.ports))  # one label per instance and chip port
    n_wiring = sum(1 for r in top.references if r.cell.name in wiring)
    assert len(top.references) - n_wiring == len(net.instances) + 2 * n
    layers = {(p.layer, p.datatype) for c in lib.cells for p in c.polygons}
    want = {LAYERS[k].spec for k in ("WG", "HEATER", "VIA1", "M2", "VIA2", "MTOP", "PADOPEN", "FLOORPLAN")}
    assert layers == want
    # one MZI cell, referenced once per MZI
    n_mzi = sum(1 for i in net.instances.values() if i.component == "mzi")
    assert sum(1 for r in top.references if r.cell.name.startswith("mzi_")) == n_mzi


def test_placement_follows_the_schedule():
    net = symmetric_core(4)
    sched = compile_netlist(net)
    layout = build_layout(net)
    plan = layout.plan
    placed = {p.name: p for p in plan.instances}
    o = layout.options
    for st in sched.stages:
        for j, name in enumerate(sched.names[st.component][st.start:st.stop]):
            p = placed[name]
            assert p.x == pytest.approx(plan.column_x[st.column])
            modes = np.atleast_1d(st.modes[j])
            assert p.y == pytest.approx(min(modes) * o.pitch)
    # columns strictly increase along x; mirrored MZIs (ut_*) use the mirror-image cell, heaters at the output
    assert np.all(np.diff(plan.column_x) > 0)
    assert all(p.cell.endswith("_mirror") == p.name.startswith("ut_") for p in plan.instances
               if p.component == "mzi")
    refs = {lb.text: lb for lb in layout.top.labels}
    ref = next(r for r in layout.top.references if r.cell.name.startswith("mzi_")
               and abs(r.origin[0] - placed["ut_c0_m0"].x) < 1e-6 and abs(r.origin[1] - placed["ut_c0_m0"].y) < 1e-6)
    assert ref.cell.name == "mzi_Lc10_10_mirror" and not ref.x_reflection and ref.rotation == 0
    assert "ut_c0_m0" in refs
    # the mirror cell is the plain one reflected left-right, with the port labels in place
    plain, mirrored = mzi_cell(10.0, 10.0), mzi_cell(10.0, 10.0, mirror=True)
    assert cell_ports(plain) == cell_ports(mirrored)
    length = cell_ports(plain)["o4"][0]
    heat = [p.points for p in plain.polygons if (p.layer, p.datatype) == LAYERS["HEATER"].spec]
    heat_m = [p.points for p in mirrored.polygons if (p.layer, p.datatype) == LAYERS["HEATER"].spec]
    flipped = sorted(tuple(np.round([length - q[:, 0].max(), q[:, 1].min()], 3)) for q in heat)
    assert flipped == sorted(tuple(np.round([q[:, 0].min(), q[:, 1].min()], 3)) for q in heat_m)


def test_crossed_pair_is_drawn_flipped_and_passes_lvs(tmp_path):
    # row 0 (o1) of the MZI on the upper mode: the cell is flipped up-down
    net = Netlist.from_dict({
        "instances": {"a": {"component": "mzi", "settings": {}}, "b": {"component": "mzi", "settings": {}}},
        "connections": {"a,o3": "b,o2"},
        "ports": {"in0": "a,o1", "in1": "a,o2", "in2": "b,o1", "out0": "a,o4", "out1": "b,o3", "out2": "b,o4"},
    })
    layout = build_layout(net)
    flips = {p.name: p.flip for p in layout.plan.instances}
    assert flips == {"a": False, "b": True}
    path = tmp_path / "x.gds"
    write_gds(layout.library, path)
    assert check_drc(layout.library).ok
    assert check_lvs(path, net).ok


def test_deterministic_bytes(tmp_path):
    a, b = tmp_path / "a.gds", tmp_path / "b.gds"
    write_gds(build_layout(symmetric_core(3)).library, a)
    write_gds(build_layout(symmetric_core(3)).library, b)
    assert a.read_bytes() == b.read_bytes()


# ------------------------------------------------------------------ broken


def test_lvs_catches_moved_and_deleted_waveguides_and_missing_instance(tmp_path):
    net = clements(4)
    layout = build_layout(net)
    top = layout.top
    routes = [p for p in top.polygons if (p.layer, p.datatype) == LAYERS["WG"].spec]
    # which route joins which ports: find one between two MZIs
    inner = next(r for r in layout.plan.routes if r.a[0].startswith("mzi") and r.b[0].startswith("mzi"))
    k = layout.plan.routes.index(inner)
    routes[k].translate(0, 1.0)  # moved off its ports
    path = tmp_path / "moved.gds"
    write_gds(layout.library, path)
    rep = check_lvs(path, net)
    assert not rep.ok
    kinds = {i.kind for i in rep.issues}
    assert {"missing_connection", "dangling"} <= kinds
    miss = next(i for i in rep.issues if i.kind == "missing_connection")
    assert f"{inner.a[0]},{inner.a[1]}" in miss.message and f"{inner.b[0]},{inner.b[1]}" in miss.message
    assert miss.x == pytest.approx(inner.points[0][0]) and miss.y == pytest.approx(inner.points[0][1])

    layout = build_layout(net)
    victim = next(r for r in layout.top.references if r.cell.name.startswith("mzi_"))
    layout.top.remove(victim)
    rep = check_lvs(layout.library, net)
    kinds = {i.kind for i in rep.issues}
    assert {"missing_instance", "stray_label", "missing_connection"} <= kinds
    missing = next(i for i in rep.issues if i.kind == "missing_instance")
    assert missing.x == pytest.approx(victim.origin[0]) and missing.y == pytest.approx(victim.origin[1])

    layout = build_layout(net)
    wg = [p for p in layout.top.polygons if (p.layer, p.datatype) == LAYERS["WG"].spec]
    layout.top.remove(wg[0])  # the fan-in of in0
    rep = check_lvs(layout.library, net)
    assert any(i.kind == "missing_port" and "'in0'" in i.message for i in rep.issues)


def test_lvs_catches_wrong_mirror_component_and_names():
    net = symmetric_core(3)
    layout = build_layout(net)
    ex = extract(layout.library)
    assert ex.instances["ut_c0_m0"].mirror and not ex.instances["u_c0_m0"].mirror
    # a netlist that disagrees: u_c0_m0 mirrored, a renamed instance
    doc = net.to_dict()
    doc["instances"]["u_c0_m0"]["settings"]["mirror"] = True
    rep = check_lvs(layout.library, Netlist.from_dict(doc))
    assert [i.kind for i in rep.issues] == ["mirror"]
    # a label renamed in the layout: the instance goes missing, an extra appears
    lb = next(lb for lb in layout.top.labels if lb.text == "d_m1")
    lb.text = "d_mX"
    kinds = {i.kind for i in check_lvs(layout.library, net).issues}
    assert kinds == {"extra_instance", "missing_instance", "missing_connection", "extra_connection"}


def test_lvs_catches_coupler_geometry_that_disagrees_with_kappa():
    net = mzi_netlist()
    layout = build_layout(net)
    doc = net.to_dict()
    doc["instances"]["mzi_c0_m0"]["settings"]["kappa1"] = 0.3
    rep = check_lvs(layout.library, Netlist.from_dict(doc))
    assert [i.kind for i in rep.issues] == ["geometry"]
    assert "mzi_Lc" in rep.issues[0].message


def test_drc_catches_a_waveguide_moved_next_to_another(tmp_path):
    layout = build_layout(clements(4))
    wg = [p for p in layout.top.polygons if (p.layer, p.datatype) == LAYERS["WG"].spec]
    # a straight route between columns, moved to 0.1 um from its neighbour's arm ... take any inner route
    k = next(i for i, r in enumerate(layout.plan.routes) if len(r.points) == 2)
    y = layout.plan.routes[k].points[0][1]
    wg[k].translate(0, 0.6)  # its edge now 0.1 um from where the route's own port waveguides are
    rep = check_drc(layout.library)
    assert not rep.ok
    v = rep.violations[0]
    assert v.rule == "spacing" and v.layer == "WG" and v.value == pytest.approx(0.1, abs=2e-3)
    assert v.y == pytest.approx(y + 0.3, abs=0.01)


# ----------------------------------------------------------------- bad input


def test_component_without_cell_names_the_instance():
    net = Netlist.from_dict({
        "instances": {"wg": {"component": "waveguide", "settings": {}}, "t": {"component": "terminator"}},
        "connections": {"wg,o2": "t,o1"},
        "ports": {"in0": "wg,o1"},
    })
    with pytest.raises(LayoutError, match=r"instance 't'.*'terminator' has no layout cell; drawable"):
        build_layout(net)


def test_loop_netlist_without_placements_is_a_layout_error():
    from picffm import load_netlist

    doc = load_netlist(ROOT / "netlists" / "ring_allpass.pic.yml").to_dict()
    del doc["placements"]
    with pytest.raises(LayoutError, match="loop.*cannot be drawn: give every instance a placement"):
        build_layout(Netlist.from_dict(doc))


def test_non_adjacent_pair_and_zero_length_waveguide():
    net = Netlist.from_dict({
        "instances": {"ps": {"component": "phase_shifter"}, "c": {"component": "coupler"},
                      "w": {"component": "waveguide"}},
        "connections": {"ps,o2": "w,o1", "w,o2": "c,o2"},
        "ports": {"in0": "c,o1", "in1": "ps,o1", "in2": "x"} if False else
        {"in0": "c,o1", "in1": "ps,o1", "out0": "c,o4", "out1": "c,o3"},
    })
    assert build_layout(net).plan.n_modes == 2  # adjacent: fine
    three = Netlist.from_dict({
        "instances": {"a": {"component": "phase_shifter"}, "b": {"component": "phase_shifter"},
                      "c": {"component": "coupler"}},
        "connections": {},
        "ports": {"in0": "c,o1", "in1": "a,o1", "in2": "c,o2", "out0": "c,o4", "out1": "a,o2", "out2": "c,o3"}
        | {"in3": "b,o1", "out3": "b,o2"},
    })
    with pytest.raises(LayoutError, match=r"instance 'c' \(coupler\) couples modes 0 and 2, which are not adjacent"):
        build_layout(three)
    zero = Netlist.from_dict({
        "instances": {"w": {"component": "waveguide", "settings": {"length_um": 0.0}}},
        "connections": {}, "ports": {"in0": "w,o1", "out0": "w,o2"},
    })
    with pytest.raises(LayoutError, match=r"instance 'w' \(waveguide\): length_um = 0 cannot be drawn"):
        build_layout(zero)


@pytest.mark.parametrize("opts,match", [
    ({"gap": 0.0}, r"gap = 0.0 is impossible"),
    ({"gap": -1.0}, r"gap = -1.0 is impossible"),
    ({"gap": 0.1}, r"coupler gap = 0.1 um is below the WG minimum spacing 0.15"),
    ({"bend_radius": 3.0}, r"bend_radius = 3 um is below the WG minimum bend radius 5"),
    ({"pitch": 20.0}, r"pitch = 20 um cannot hold four heater leads"),
    ({"pad_pitch": 65.0}, r"pad_pitch = 65 um leaves 5 um between 60 um pads"),
    ({"pad_rows": 8}, r"pad_rows = 8 needs 7 leads between two pads, but 40 um between pads holds 6"),
    ({"pitch": 0.6}, r"pitch = 0.6 um leaves no room for the coupler"),
    ({"heater_length": 10.0}, r"heater_length = 10 um is too short"),
    ({"wg_width": 0.1}, r"wg_width = 0.1 um is below the WG minimum width"),
])
def test_impossible_geometry(opts, match):
    with pytest.raises(LayoutError, match=match):
        check_options(options_from_dict(opts))
    with pytest.raises(LayoutError, match=match):
        build_layout(clements(3), options_from_dict(opts))


def test_unknown_option_layer_and_rule_key():
    with pytest.raises(LayoutError, match="unknown layout option 'pich'; valid options: wg_width, pitch"):
        options_from_dict({"pich": 30})
    with pytest.raises(LayoutError, match="unknown layer 'SLAB'; valid layers: WG, PORT, HEATER"):
        rules_from_dict({"SLAB": {"min_width": 1.0}})
    with pytest.raises(LayoutError, match="unknown key 'min_widht'"):
        rules_from_dict({"WG": {"min_widht": 1.0}})
    # a stricter rule set makes the default geometry fail, naming the rule
    strict = rules_from_dict({"WG": {"min_spacing": 0.25}})
    with pytest.raises(LayoutError, match="below the WG minimum spacing 0.25"):
        build_layout(clements(3), rules=strict)


def test_other_options_still_pass_drc_and_lvs(tmp_path):
    o = options_from_dict({"pitch": 60.0, "bend_radius": 25.0, "gap": 0.3, "column_gap": 5.0, "heater_length": 80})
    net = symmetric_core(3)
    layout = build_layout(net, o)
    path = tmp_path / "x.gds"
    write_gds(layout.library, path)
    assert check_drc(layout.library).ok
    assert check_lvs(path, net, o).ok
    assert layout.plan.instances[0].length > build_layout(net).plan.instances[0].length


# ----------------------------------------------------------------------- CLI


def test_cli_layout_check_json(tmp_path, capsys):
    out = tmp_path / "s.gds"
    png = tmp_path / "s.png"
    rc = main(["layout", str(ROOT / "netlists" / "symmetric_core_4.json"), "-o", str(out), "--png", str(png),
               "--check", "--json"])
    assert rc == 0
    import json

    rep = json.loads(capsys.readouterr().out)
    assert rep["drc"]["ok"] and rep["lvs"]["ok"]
    # mzi, its mirror image, attenuator, phase shifter... and the gaps' leads and pads
    assert rep["cells"] > 5 and rep["references"] > 16 + 8 and rep["labels"] == 24
    assert rep["lvs"]["instances"] == 16 and rep["lvs"]["connections"] == 24
    assert out.exists() and out.with_suffix(".lyp").exists() and png.read_bytes()[:4] == b"\x89PNG"
    assert "<layer-properties>" in out.with_suffix(".lyp").read_text()
    w, h = rep["chip_um"]
    assert w > 0 and h > 0


def test_cli_layout_text_and_errors(tmp_path, capsys):
    out = tmp_path / "m.gds"
    assert main(["layout", str(ROOT / "netlists" / "mzi.pic.yml"), "-o", str(out), "--check"]) == 0
    text = capsys.readouterr().out
    assert "DRC clean" in text and "LVS clean" in text and "wrote" in text
    ring = tmp_path / "ring.pic.yml"
    ring.write_text((ROOT / "netlists" / "ring_allpass.pic.yml").read_text().split("placements:")[0])
    assert main(["layout", str(ring), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "ring.pic.yml" in err and "cannot be drawn" in err and "Traceback" not in err
    # the example ring is drawn clean, its loop as long as simulated
    assert main(["layout", str(ROOT / "netlists" / "ring_allpass.pic.yml"), "-o", str(out), "--check"]) == 0
    text = capsys.readouterr().out
    assert "DRC clean" in text and "LVS clean (2 instances, 2 connections, 2 chip ports" in text
    assert "waveguide ring: simulated length_um 200, drawn 200 um" in text
    assert "lengths clean (1 waveguide(s) drawn as long as simulated" in text
    assert main(["layout", str(ROOT / "netlists" / "mzi.pic.yml"), "-o", str(tmp_path / "m.txt")]) == 2
    assert "use a .gds file name" in capsys.readouterr().err
    opts = tmp_path / "o.yml"
    opts.write_text("gap: 0\n")
    assert main(["layout", str(ROOT / "netlists" / "mzi.pic.yml"), "-o", str(out), "--options", str(opts)]) == 2
    err = capsys.readouterr().err
    assert "o.yml" in err and "gap = 0.0 is impossible" in err and "Traceback" not in err


def _unbalanced_mzi(top_um: float, bottom_um: float) -> Netlist:
    wg = {"component": "waveguide"}
    return Netlist.from_dict({
        "instances": {"dc1": {"component": "coupler"}, "dc2": {"component": "coupler"},
                      "arm_top": {**wg, "settings": {"length_um": top_um}},
                      "arm_bot": {**wg, "settings": {"length_um": bottom_um}}},
        "connections": {"dc1,o4": "arm_bot,o1", "dc1,o3": "arm_top,o1", "arm_bot,o2": "dc2,o1",
                        "arm_top,o2": "dc2,o2"},
        "ports": {"in0": "dc1,o1", "in1": "dc1,o2", "out0": "dc2,o4", "out1": "dc2,o3"},
    })


def test_unbalanced_mzi_arms_are_drawn_to_length_or_named_with_their_minimum(tmp_path, capsys):
    from picffm.layout import check_lengths, drawn_paths
    from picffm.netlist import save_netlist

    o = LayoutOptions()
    # arms of 300 and 100 um: both drawn to length (the upper arm's bump up, the lower one's down), clean
    net = _unbalanced_mzi(300.0, 100.0)
    layout = build_layout(net)
    paths = drawn_paths(layout.plan, net)
    for name, sim in (("arm_top", 300.0), ("arm_bot", 100.0)):
        d = paths[name]
        assert d["drawn_um"] == pytest.approx(sim, abs=0.01 + 1e-4 * sim)
        # independent: the column is 4 bend radii wide, joined to the couplers by one column gap each side
        assert d["routed_um"] == pytest.approx(2 * o.column_gap, abs=1e-9)
        assert d["cell_um"] == pytest.approx(sim - 2 * o.column_gap, abs=1e-3)
    assert check_lengths(layout.plan, net).ok
    assert check_drc(layout.library).ok, check_drc(layout.library).summary()
    # arms of 100 and 10 um: the 10 um arm's column (40 um, the other arm's footprint) and gaps take 80 um
    net = _unbalanced_mzi(100.0, 10.0)
    rep = check_lengths(build_layout(net).plan, net)
    assert [i.instance for i in rep.issues] == ["arm_bot"]
    minimum = 4 * o.bend_radius + 2 * o.column_gap
    assert f"length_um = 10 um is below the shortest path drawable here, {minimum:.3f} um" in str(rep.issues[0])
    path = tmp_path / "umzi.pic.yml"
    save_netlist(net, path)
    assert main(["layout", str(path), "-o", str(tmp_path / "u.gds"), "--check", "--json"]) == 1
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["drc"]["ok"] and doc["lvs"]["ok"] and not doc["lengths"]["ok"]
    assert {i["instance"] for i in doc["lengths"]["first"]} == {"arm_bot"}
    assert doc["waveguides"]["arm_top"]["drawn_um"] == pytest.approx(100.0, abs=0.02)


def test_lvs_against_another_netlist_fails(tmp_path):
    out = tmp_path / "c.gds"
    assert main(["layout", str(ROOT / "netlists" / "clements_4.pic.yml"), "-o", str(out)]) == 0
    rep = check_lvs(out, reck(4))
    assert not rep.ok and any(i.kind == "missing_connection" for i in rep.issues)


# ---------------------------------------------------------- example layouts


def test_example_layouts_are_up_to_date(tmp_path):
    spec = importlib.util.spec_from_file_location("make_layouts", ROOT / "scripts" / "make_layouts.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sums = dict(line.split()[::-1] for line in (ROOT / "layouts" / "SHA256SUMS").read_text().splitlines())
    assert "clements_64.gds" in sums and "symmetric_core_4.gds" in sums
    # every example netlist is drawn (the ring from its placements), none skipped
    assert {mod.stem(p) + ".gds" for p in mod.example_netlists()} == set(sums)
    for path in mod.example_netlists():
        name = mod.stem(path) + ".gds"
        if name not in sums:
            continue
        layout = build_layout(__import__("picffm").load_netlist(path))
        write_gds(layout.library, tmp_path / name)
        data = (tmp_path / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sums[name], f"{name}: run scripts/make_layouts.py"
        committed = ROOT / "layouts" / name
        if committed.exists():
            assert committed.read_bytes() == data


def test_preview_shows_whole_outline_labels_inside_and_scale_bar():
    from picffm.layout.export import lyp_text, render_figure, scale_bar_um

    layout = build_layout(mzi_netlist())
    fig = render_figure(layout.top, title="mzi", width_in=8.0)
    fig.canvas.draw()
    ax = fig.axes[0]
    x0, y0, x1, y1 = layout.plan.outline
    (gx0, gx1), (gy0, gy1) = ax.get_xlim(), ax.get_ylim()
    assert gx0 < x0 and gy0 < y0 and gx1 > x1 and gy1 > y1  # the outline with room around it
    frame = fig.bbox
    texts = [t for t in ax.texts]
    names = {t.get_text() for t in texts}
    assert {lb.text for lb in layout.top.labels} <= names  # every label drawn, none dropped
    for t in texts:
        bb = t.get_window_extent()
        assert bb.x0 >= frame.x0 and bb.x1 <= frame.x1 and bb.y0 >= frame.y0 and bb.y1 <= frame.y1, t.get_text()
    bar = scale_bar_um(gx1 - gx0)
    assert f"{bar:g} um" in names and str(int(bar))[0] in "125"
    assert [scale_bar_um(w) for w in (9.0, 120.0, 2600.0, 40000.0)] == [0.5, 10.0, 200.0, 2000.0]
    # the TEXT colour is neither black nor white: readable on KLayout's dark and light backgrounds
    assert "<frame-color>#e91e63</frame-color>" in lyp_text() and "#000000" not in lyp_text().split("TEXT")[0][-400:]


@pytest.mark.parametrize("name", ["mzi.pic.yml", "clements_4.pic.yml", "symmetric_core_4.json", "svd_4.pic.yml",
                                  "symmetric_core_16.pic.yml", "ring_allpass.pic.yml"])
def test_preview_labels_never_overlap_pads_or_each_other_and_stay_inside(name):
    from picffm.layout.export import render_figure
    from picffm.netlist import load_netlist

    layout = build_layout(load_netlist(ROOT / "netlists" / name))
    fig = render_figure(layout.top, title=name, width_in=14.0)
    fig.canvas.draw()
    ax = fig.axes[0]
    frame = ax.get_window_extent()
    boxes = []
    for t in ax.texts:  # instance and port labels and the scale bar's
        bb = t.get_window_extent()
        assert frame.x0 <= bb.x0 and bb.x1 <= frame.x1 and frame.y0 <= bb.y0 and bb.y1 <= frame.y1, t.get_text()
        boxes.append((t.get_text(), np.array([[bb.x0, bb.y0], [bb.x1, bb.y1]])))
    pads = [p.points for p in layout.top.get_polygons() if (p.layer, p.datatype) == LAYERS["MTOP"].spec]
    pad_boxes = [ax.transData.transform(np.array([q.min(0), q.max(0)])) for q in pads]

    def hit(a, b):
        return a[0, 0] < b[1, 0] and b[0, 0] < a[1, 0] and a[0, 1] < b[1, 1] and b[0, 1] < a[1, 1]

    for k, (ta, a) in enumerate(boxes):
        assert not any(hit(a, p) for p in pad_boxes), f"label {ta!r} covers a pad"
        for tb, b in boxes[k + 1:]:
            assert not hit(a, b), f"labels {ta!r} and {tb!r} overlap"
    # labels are dropped only where they would collide: the port labels of the small examples all stay
    names = {t for t, _ in boxes}
    if name in ("mzi.pic.yml", "clements_4.pic.yml", "ring_allpass.pic.yml"):
        assert {lb.text for lb in layout.top.labels} <= names


def _wiring_cells(lib):
    return [c for c in lib.cells if c.name.startswith("leads_")]


def _m2(cell):
    return [p for p in cell.polygons if (p.layer, p.datatype) == LAYERS["M2"].spec]


def test_every_heater_end_reaches_a_pad_of_its_own_at_the_chip_edge(tmp_path):
    from picffm.layout.electrical import heater_count

    net = clements(4)
    layout = build_layout(net)
    lib = layout.library
    mzi = next(c for c in lib.cells if c.name.startswith("mzi_"))
    assert heater_count(mzi) == 2
    # every pad (MTOP) lies in a row beyond the mesh and the grating couplers, the rows at the pad pitch
    o = layout.options
    flat = layout.top.get_polygons()
    pads = np.array([p.points.mean(axis=0) for p in flat if (p.layer, p.datatype) == LAYERS["MTOP"].spec])
    wg = np.concatenate([p.points for p in flat if (p.layer, p.datatype) == LAYERS["WG"].spec])
    assert len(pads) == 2 * sum(heater_count(r.cell) for r in layout.top.references)  # two pads per heater
    above, below = pads[:, 1] > wg[:, 1].max(), pads[:, 1] < wg[:, 1].min()
    assert np.all(above | below) and above.any() and below.any()
    for side in (above, below):
        ys = np.unique(np.round(pads[side, 1], 3))
        np.testing.assert_allclose(np.diff(ys), o.pad_pitch)
        for y in ys:  # in a row, pads on one grid of the pad pitch (a probe card's), some places empty
            xs = np.sort(pads[side][np.isclose(pads[side, 1], y), 0]) - o.pad / 2
            np.testing.assert_allclose(np.round(xs / o.pad_pitch) * o.pad_pitch, xs, atol=1e-6)
    x0, y0, x1, y1 = layout.plan.outline
    assert pads[:, 1].max() + o.pad / 2 + o.margin == pytest.approx(y1)  # the outer row at the chip edge
    assert pads[:, 1].min() - o.pad / 2 - o.margin == pytest.approx(y0)
    path = tmp_path / "c4.gds"
    write_gds(lib, path)
    assert check_lvs(path, net).ok
    assert check_drc(lib).ok


def test_lvs_finds_an_unrouted_lead_and_shorted_heaters(tmp_path):
    net = clements(4)
    path = tmp_path / "c4.gds"
    write_gds(build_layout(net).library, path)
    # one lead taken out of a gap's wiring: the heater end it served reaches no pad (in every gap of that kind)
    lib = gdstk.read_gds(str(path))
    cell = _wiring_cells(lib)[0]
    users = sum(1 for r in next(iter(lib.top_level())).references if r.cell.name == cell.name)
    leads = [p for p in _m2(cell) if len(p.points) > 4]  # the pads' landings are squares
    cell.remove(leads[0])
    rep = check_lvs(lib, net)
    assert [i.kind for i in rep.issues] == ["heater"] * users
    assert all("reaches no bond pad" in i.message for i in rep.issues)
    # a bar of M2 across two tracks: the two heater ends they serve share a net
    lib = gdstk.read_gds(str(path))
    cell = _wiring_cells(lib)[0]
    a, b = sorted((p for p in _m2(cell) if len(p.points) > 4), key=lambda p: p.bounding_box()[1][1])[-2:]
    (ax0, _), (ax1, ay1) = a.bounding_box()
    (bx0, _), (bx1, by1) = b.bounding_box()
    y = min(ay1, by1) - 10.0
    m2 = LAYERS["M2"]
    cell.add(gdstk.rectangle((min(ax0, bx0), y), (max(ax1, bx1), y + 3.0), layer=m2.layer, datatype=m2.datatype))
    rep = check_lvs(lib, net)
    assert rep.issues and all(i.kind == "short" and ("share one net" in i.message or "are joined" in i.message)
                              for i in rep.issues), rep.summary()
    # a second heater on the same contacts as the first: both share its leads
    lib = gdstk.read_gds(str(path))
    mzi = next(c for c in lib.cells if c.name.startswith("mzi_"))
    h = next(p for p in mzi.polygons if (p.layer, p.datatype) == LAYERS["HEATER"].spec)
    mzi.add(gdstk.Polygon(h.points, layer=h.layer, datatype=h.datatype))
    rep = check_lvs(lib, net)
    assert any(i.kind == "short" and "share one net" in i.message for i in rep.issues), rep.summary()
    # metal of two placed cells touching: a short between instances
    lib2 = gdstk.read_gds(str(path))
    top = next(c for c in lib2.top_level())
    ref = next(r for r in top.references if r.cell.name.startswith("mzi_"))
    top.add(gdstk.Reference(ref.cell, (ref.origin[0] + 1.0, ref.origin[1]), rotation=ref.rotation,
                            x_reflection=ref.x_reflection))
    rep = check_lvs(lib2, net)
    assert any(i.kind == "short" for i in rep.issues)
    # a pad without its opening
    lib3 = gdstk.read_gds(str(path))
    cell = _wiring_cells(lib3)[0]
    cell.remove(next(p for p in cell.polygons if (p.layer, p.datatype) == LAYERS["PADOPEN"].spec))
    assert any("no PADOPEN" in i.message for i in check_lvs(lib3, net).issues)


def test_net_components_match_scipy_on_random_graphs():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from picffm.layout.electrical import _components

    rng = np.random.default_rng(15)
    for _ in range(30):
        n, k = int(rng.integers(1, 300)), int(rng.integers(0, 400))
        e = rng.integers(0, n, size=(k, 2))
        label = _components(n, e)
        _, ref = connected_components(coo_matrix((np.ones(k), (e[:, 0], e[:, 1])), shape=(n, n)), directed=False)
        assert len(set(zip(label, ref))) == len(set(label)) == len(set(ref))  # the same partition
        assert np.all(label <= np.arange(n))  # labelled by the smallest node of each component
