"""build_layout and mesh_component take a Netlist or a netlist file path, and refuse anything else by name."""

import pytest

from picffm import clements, save_netlist
from picffm.layout import build_layout


def test_build_layout_loads_a_path_to_the_same_layout(tmp_path):
    net = clements(3)
    path = tmp_path / "mesh.pic.yml"
    save_netlist(net, path)
    for source in (path, str(path)):
        assert build_layout(source).stats() == build_layout(net).stats()


@pytest.mark.parametrize("bad", [{"instances": {}}, 42, None])
def test_build_layout_refuses_other_types_by_name(bad):
    with pytest.raises(TypeError) as exc:
        build_layout(bad)
    msg = str(exc.value)
    assert msg.startswith("build_layout source: expected a Netlist, a Schedule or a netlist file path, got ")
    assert type(bad).__name__ in msg
    if isinstance(bad, dict):
        assert "Netlist.from_dict" in msg


def test_mesh_component_loads_a_path_and_refuses_a_dict(tmp_path):
    import gdsfactory as gf

    from picffm.interop.gf_cells import mesh_component

    gf.gpdk.PDK.activate()

    net = clements(2)
    path = tmp_path / "mesh.pic.yml"
    save_netlist(net, path)
    comp = mesh_component(str(path), name="from_path")
    ref = mesh_component(net, name="from_netlist")
    assert [p.name for p in comp.ports] == [p.name for p in ref.ports] == list(net.ports)
    assert [tuple(p.center) for p in comp.ports] == [tuple(p.center) for p in ref.ports]
    assert comp.area(layer=(1, 0)) == pytest.approx(ref.area(layer=(1, 0)))
    with pytest.raises(TypeError, match=r"^mesh_component netlist: expected a Netlist or a netlist file path, got dict"):
        mesh_component(net.to_dict())
