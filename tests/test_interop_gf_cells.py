"""picffm cells and meshes as gdsfactory Components, used by the real gdsfactory."""

from __future__ import annotations

import math
import warnings

import gdsfactory as gf
import gdstk
import numpy as np
import pytest

from picffm import clements, symmetric_core
from picffm.interop.gf_cells import cell_component, mesh_component

gf.gpdk.PDK.activate()


def _wg_polygons(comp):
    return [p for p in comp.get_polygons_points(by="tuple").get((1, 0), [])]


def _inward_inside(comp, port, step=0.05):
    """A point just inside the port (against its orientation) lies on a waveguide polygon."""
    a = math.radians(port.orientation)
    x, y = port.center
    pt = (x - step * math.cos(a), y - step * math.sin(a))
    return any(gdstk.inside([pt], gdstk.Polygon(np.asarray(p)))[0] for p in _wg_polygons(comp))


@pytest.mark.parametrize("net", [clements(4), symmetric_core(3)], ids=["clements_4", "symmetric_3"])
def test_mesh_component_ports_sit_on_waveguide_ends(net):
    comp = mesh_component(net)
    names = [p.name for p in comp.ports]
    assert names == list(net.ports)
    for p in comp.ports:
        assert p.port_type == "optical" and p.width == 0.5
        assert p.orientation == (180.0 if p.name.startswith("in") else 0.0)
        assert _inward_inside(comp, p), p.name
        a = math.radians(p.orientation)  # and nothing drawn just outside it
        x, y = p.center
        out = (x + 0.05 * math.cos(a), y + 0.05 * math.sin(a))
        assert not any(gdstk.inside([out], gdstk.Polygon(np.asarray(q)))[0] for q in _wg_polygons(comp))


def test_gdsfactory_places_and_connects_a_picffm_mesh(tmp_path):
    chip = gf.Component()
    mc = mesh_component(clements(4), name="picffm_clements4")
    mesh = chip << mc
    gc = chip << gf.components.grating_coupler_elliptical()
    gc.connect("o1", mesh.ports["in0"])
    wg = chip << gf.components.straight(length=20)
    wg.connect("o1", mesh.ports["out3"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gdsfactory warns about the unconnected ports
        nets = chip.get_netlist()["nets"]
    pairs = {frozenset((n["p1"], n["p2"])) for n in nets}
    assert frozenset(("grating_coupler_elliptical,o1", "picffm_clements4,in0")) in pairs
    assert frozenset(("picffm_clements4,out3", "straight,o1")) in pairs
    path = chip.write_gds(tmp_path / "chip.gds")
    lib = gdstk.read_gds(str(path))
    layers = {(p.layer, p.datatype) for c in lib.cells for p in c.polygons}
    from picffm.layout import LAYERS

    ours = {(v.layer, v.datatype) for v in LAYERS.values()}
    assert {(LAYERS[k].layer, LAYERS[k].datatype) for k in ("WG", "HEATER")} <= layers
    assert set(mc.get_polygons_points(by="tuple")) <= ours  # the mesh brings picffm's layers only


def test_cell_components_have_picffm_ports():
    mzi = cell_component("mzi", kappa1=0.4)
    assert [p.name for p in mzi.ports] == ["o1", "o2", "o3", "o4"]
    assert mzi.ports["o1"].center == (0.0, 0.0) and mzi.ports["o1"].orientation == 180.0
    assert mzi.ports["o4"].orientation == 0.0 and mzi.ports["o4"].center[1] == 0.0
    for p in mzi.ports:
        assert _inward_inside(mzi, p)
    ps = cell_component("phase_shifter")
    assert [p.name for p in ps.ports] == ["o1", "o2"]
    with pytest.raises(ValueError, match="no picffm cell for 'ring'"):
        cell_component("ring")


def test_meshes_of_one_kind_and_other_sizes_coexist_and_a_repeat_is_the_same_component():
    # every Clements mesh was named 'picffm_clements': the second size in a session raised gdsfactory's
    # 'Cellname picffm_clements already exists', and so did asking for the same cell twice
    from picffm import reck

    meshes = [mesh_component(clements(n)) for n in (2, 3, 5)] + [mesh_component(reck(3)), mesh_component(reck(5))]
    assert len({m.name for m in meshes}) == 5
    assert [len(m.ports) for m in meshes] == [4, 6, 10, 6, 10]
    assert meshes[1].name.startswith("picffm_clements3_") and meshes[4].name.startswith("picffm_reck5_")
    assert mesh_component(clements(3)) is meshes[1]  # the same geometry: the same Component, as @gf.cell does
    assert cell_component("mzi", kappa1=0.45) is cell_component("mzi", kappa1=0.45)
    chip = gf.Component()  # both sizes in one chip
    a, b = chip << meshes[0], chip << meshes[2]
    b.movey(-2000)
    assert {a.cell.name, b.cell.name} == {meshes[0].name, meshes[2].name}
    mine = mesh_component(clements(4), name="picffm_test_mine")
    assert mesh_component(clements(4), name="picffm_test_mine") is mine
    with pytest.raises(ValueError, match="'picffm_test_mine' is taken by another picffm geometry"):
        mesh_component(clements(6), name="picffm_test_mine")
