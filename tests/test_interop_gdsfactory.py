"""gdsfactory netlists into picffm, checked with the real gdsfactory and sax.

Each netlist is produced by gdsfactory itself (generic PDK), converted with
:func:`picffm.interop.gdsfactory.from_gdsfactory`, and compared with sax
evaluating gdsfactory's own (hierarchical, rotated, mirrored) netlist with
the same models, and with analytic formulas.
"""

from __future__ import annotations

import json

import gdsfactory as gf
import numpy as np
import pytest
import sax
import yaml
from numpy.testing import assert_allclose

from picffm import NetlistError, compile_any, load_netlist
from picffm.cli.main import main
from picffm.interop.gdsfactory import from_gdsfactory, load_component_map, to_sax_netlist
from picffm.interop.sax import models
from picffm.interop.spectrum import sweep
from picffm.interop.touchstone import read_touchstone
from picffm.smatrix import GeneralCircuit

gf.gpdk.PDK.activate()


def _plain(netlist) -> dict:
    return json.loads(json.dumps(netlist, default=str))


def mesh4() -> gf.Component:
    """A 4x4 Clements mesh of gdsfactory mzi2x2_2x2 cells joined by gdsfactory routes."""
    c = gf.Component()
    cur, ins = {}, {}
    for ci, col in enumerate([[0, 2], [1], [0, 2], [1]]):
        for m in col:
            r = c.add_ref(gf.components.mzi2x2_2x2(), name=f"mzi_c{ci}_m{m}")
            r.move((250.0 * ci, (m + 0.5) * 60.0))
            for mode, pin, pout in ((m, "o1", "o4"), (m + 1, "o2", "o3")):
                if mode in cur:
                    gf.routing.route_single(c, cur[mode], r.ports[pin], cross_section="strip")
                else:
                    ins[mode] = r.ports[pin]
                cur[mode] = r.ports[pout]
    for m in range(4):
        c.add_port(f"in{m}", port=ins[m])
    for m in range(4):
        c.add_port(f"out{m}", port=cur[m])
    return c


@pytest.fixture(scope="module")
def mzi_doc():
    return _plain(gf.components.mzi2x2_2x2().get_netlist())


@pytest.fixture(scope="module")
def mesh_doc():
    return _plain(mesh4().get_netlist(recursive=True))


def _sax_t(doc, net, cmap=None, **kw):
    circuit, _ = sax.circuit(to_sax_netlist(doc, component_map=cmap), models=models())
    s = circuit(**kw)
    return np.array([[np.asarray(s[(i, o)]) for i in net.input_ports] for o in net.output_ports])


def _arm_length(doc, start):
    """Drawn length from an output of cp1 to cp2, following gdsfactory's nets."""
    links = {}
    for n in doc["nets"]:
        links[n["p1"]] = n["p2"]
        links[n["p2"]] = n["p1"]
    total, ref = 0.0, links[start]
    while not ref.startswith("cp2,"):
        inst, port = ref.split(",")
        total += doc["instances"][inst]["info"]["length"]
        ref = links[f"{inst},{'o2' if port == 'o1' else 'o1'}"]
    return total


def test_mzi2x2_2x2_agrees_with_sax_and_the_analytic_mzi(mzi_doc):
    assert any(p["rotation"] == 180 and p["mirror"] for p in mzi_doc["placements"].values())  # cp2 turned round
    net = from_gdsfactory(mzi_doc)
    assert net.input_ports == ("o1", "o2") and net.output_ports == ("o3", "o4")
    compiled = compile_any(net)
    assert compiled.route == "feed-forward"
    wl = np.array([1.5, 1.55, 1.6])
    t = sweep(compiled, wl).matrix
    assert_allclose(np.moveaxis(_sax_t(mzi_doc, net, wl=wl), 2, 0), t, atol=1e-12)
    # analytic: achromatic 50:50 MMIs around arms of drawn lengths L_a, L_b (neff 2.4, ng 4.2, 2 dB/cm)
    la, lb = _arm_length(mzi_doc, "cp1,o3"), _arm_length(mzi_doc, "cp1,o4")
    assert abs(la - lb) > 1.0
    phase = lambda L: 2 * np.pi * L * (4.2 / wl - 1.8 / 1.55)  # noqa: E731
    amp = lambda L: 10 ** (-2.0 * L * 1e-4 / 20)  # noqa: E731
    fa, fb = amp(la) * np.exp(1j * phase(la)), amp(lb) * np.exp(1j * phase(lb))
    assert_allclose(np.abs(t[:, 1, 0]) ** 2 + np.abs(t[:, 0, 0]) ** 2, (amp(la) ** 2 + amp(lb) ** 2) / 2, rtol=1e-12)
    assert_allclose(sorted(np.abs(t[1, :, 0]) ** 2), sorted([abs(fa[1] - fb[1]) ** 2 / 4, abs(fa[1] + fb[1]) ** 2 / 4]),
                    rtol=1e-10, atol=1e-14)


def test_mesh_built_in_gdsfactory_agrees_with_sax(mesh_doc):
    net = from_gdsfactory(mesh_doc)
    assert net.input_ports == ("in0", "in1", "in2", "in3") and len(net.instances) > 100
    assert sum(1 for i in net.instances.values() if i.info.get("reversed")) >= 6  # every cp2
    compiled = compile_any(net)
    assert compiled.route == "feed-forward"
    wl = np.array([1.53, 1.55, 1.57])
    t = sweep(compiled, wl).matrix
    assert_allclose(np.moveaxis(_sax_t(mesh_doc, net, wl=wl), 2, 0), t, atol=1e-12)
    assert_allclose(t[1], compiled.matrix(), atol=1e-12)
    assert_allclose(GeneralCircuit(net).matrix(), compiled.matrix(), atol=1e-12)


def test_gdsfactory_mzi_with_1x2_mmis_is_a_splitter_and_a_combiner():
    doc = _plain(gf.components.mzi().get_netlist(recursive=True))  # mmi1x2 splitter, turned-round combiner
    net = from_gdsfactory(doc)
    assert (net.instances["cp1"].component, net.instances["cp2"].component) == ("splitter", "combiner")
    assert net.input_ports == ("o1",) and net.output_ports == ("o2",)
    wl = np.linspace(1.5, 1.6, 7)
    t = sweep(net, wl).matrix[:, 0, 0]
    assert_allclose(_sax_t(doc, net, wl=wl)[0, 0], t, atol=1e-12)
    inner = doc["mzi"]
    la, lb = _arm_length(inner, "cp1,o2"), _arm_length(inner, "cp1,o3")
    f = [10 ** (-2.0 * L * 1e-4 / 20) * np.exp(2j * np.pi * L * (4.2 / wl - 1.8 / 1.55)) for L in (la, lb)]
    assert_allclose(t, (f[0] + f[1]) / 2, atol=1e-12)  # 1/sqrt(2) split, in-phase combination


def test_inputs_from_the_other_side_give_the_transpose(mzi_doc):
    fwd = compile_any(from_gdsfactory(mzi_doc)).matrix()
    back = from_gdsfactory(mzi_doc, inputs=["o3", "o4"])
    assert back.input_ports == ("o3", "o4") and back.output_ports == ("o1", "o2")
    assert_allclose(compile_any(back).matrix(), fwd.T, atol=1e-15)  # reciprocity
    swapped = from_gdsfactory(mzi_doc, inputs=["o2", "o1"], outputs=["o4", "o3"])
    assert_allclose(compile_any(swapped).matrix(), fwd[::-1, ::-1], atol=1e-15)
    with pytest.raises(NetlistError, match="'o3' cannot be an input"):
        from_gdsfactory(mzi_doc, inputs=["o1", "o3"])
    with pytest.raises(NetlistError, match="no chip port 'o9'"):
        from_gdsfactory(mzi_doc, inputs=["o9"])


def test_ring_through_a_user_component_map_matches_the_analytic_all_pass_ring(tmp_path):
    doc = _plain(gf.components.ring_single().get_netlist(recursive=True))
    with pytest.raises(NetlistError, match="no picffm component for gdsfactory cell 'coupler_ring'"):
        from_gdsfactory(doc)
    path = tmp_path / "map.yml"
    path.write_text("cells:\n  coupler_ring: {component: coupler, settings: {kappa: 0.05, gap_um: settings.gap}}\n")
    cmap = load_component_map(path)
    net = from_gdsfactory(doc, component_map=cmap)
    compiled = compile_any(net)
    assert compiled.route == "general"
    wl = np.linspace(1.549, 1.551, 5)
    t = sweep(compiled, wl).matrix[:, 0, 0]
    assert_allclose(_sax_t(doc, net, cmap, wl=wl)[0, 0], t, atol=1e-12)
    length = sum(i["info"]["length"] for n, i in doc["ring_single"]["instances"].items() if n != "coupler_ring")
    gamma0 = 2 * np.pi / 1.55 * np.sqrt(2.44**2 - 1.444**2)
    r = np.sqrt(1 - np.sin(np.arcsin(np.sqrt(0.05)) * np.exp(gamma0 * 0.2 * (1 - 1.55 / wl))) ** 2)
    e = 10 ** (-2.0 * length * 1e-4 / 20) * np.exp(2j * np.pi * length * (4.2 / wl - 1.8 / 1.55))
    assert_allclose(t, (r - e) / (1 - r * e), atol=1e-12)


def test_component_map_file_errors_name_the_cell(tmp_path):
    for text, msg in [
        ("cells:\n  x: {component: ring}\n", "cell 'x': unknown picffm component 'ring'"),
        ("cells:\n  x: {component: waveguide, settings: {lenght_um: 3.0}}\n", "has no setting 'lenght_um'"),
        ("cells:\n  x: {component: waveguide, settings: {length_um: length}}\n", "'settings.NAME' / 'info.NAME'"),
        ("cells:\n  x: {component: coupler, ports: {a: o7}}\n", "has no port 'o7'"),
        ("x: 1\n", "one key 'cells'"),
    ]:
        p = tmp_path / "m.yml"
        p.write_text(text)
        with pytest.raises(NetlistError, match=msg):
            load_component_map(p)


def test_cli_import_then_compile_to_touchstone(mzi_doc, tmp_path, capsys):
    src, out = tmp_path / "mzi2x2.yml", tmp_path / "mzi2x2.pic.yml"
    src.write_text(yaml.safe_dump(mzi_doc, sort_keys=False))
    assert main(["import", str(src), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "inputs: o1, o2; outputs: o3, o4" in text and "route: feed-forward" in text
    net = load_netlist(out)  # a plain picffm netlist now, gdsfactory cells kept in info
    assert net.instances["cp1"].info["gdsfactory_cell"] == "mmi2x2" and net.instances["cp2"].info["reversed"]
    assert net.placements["cp2"] == {"x": 81, "y": 0, "rotation": 180, "mirror": True}
    assert main(["compile", str(out), "-o", str(tmp_path / "m.s4p")]) == 0
    s = read_touchstone(tmp_path / "m.s4p").s[0]
    assert_allclose(s, GeneralCircuit(from_gdsfactory(mzi_doc)).smatrix(), atol=1e-12)
    capsys.readouterr()
    # an existing output is never replaced without --force; errors are one line, exit 2
    assert main(["import", str(src), "-o", str(out)]) == 2
    assert "file exists; pass --force" in capsys.readouterr().err
    assert main(["import", str(src), "-o", str(tmp_path / "x.pic.yml"), "--inputs", "o1,o3"]) == 2
    err = capsys.readouterr().err
    assert "'o3' cannot be an input" in err and err.count("\n") == 1
    assert not (tmp_path / "x.pic.yml").exists()
