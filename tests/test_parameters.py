"""One parameter type: element table + flat vector, on both routes, chips and files."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from picffm.chip import IdealChip, SimulatedChip
from picffm.chip.heaters import heater_layout
from picffm.cli.main import main
from picffm.errors import ParamsError
from picffm.meshes import clements, reck, symmetric_core
from picffm.netlist import Netlist, save_netlist
from picffm.parameters import Params, params_from_file
from picffm.programming import program_matrix
from picffm.schedule import compile_netlist, element_table
from picffm.simulation import Circuit
from picffm.smatrix import GeneralCircuit


def _shuffled(net: Netlist, rng: np.random.Generator) -> Netlist:
    """The same circuit with instances, connections (and their direction) and ports listed in random order."""
    doc = net.to_dict()
    names = list(doc["instances"])
    rng.shuffle(names)
    pairs = list(doc["connections"].items())
    rng.shuffle(pairs)
    ports = list(doc["ports"].items())
    ins = [p for p in ports if p[0].startswith("in")]
    outs = [p for p in ports if not p[0].startswith("in")]
    return Netlist.from_dict({**doc, "instances": {n: doc["instances"][n] for n in names},
                              "connections": dict((b, a) if rng.random() < 0.5 else (a, b) for a, b in pairs),
                              "ports": dict(outs + ins)})


def _random_values(table, rng: np.random.Generator) -> np.ndarray:
    """Random phases and slightly unbalanced, lossy fabrication values (in range)."""
    v = table.defaults.copy()
    v[:table.n_programmable] = rng.uniform(0, 2 * np.pi, table.n_programmable)
    for b in table.blocks:
        if b.key.startswith("kappa"):
            v[b.start:b.stop] = rng.uniform(0.4, 0.6, b.stop - b.start)
        elif b.key == "loss_db":
            v[b.start:b.stop] = rng.uniform(0.0, 0.3, b.stop - b.start)
    return v


def _ring() -> Netlist:
    return Netlist.from_dict({
        "instances": {"dc": {"component": "coupler", "settings": {"kappa": 0.2}},
                      "wg": {"component": "waveguide", "settings": {"length_um": 30.0}},
                      "ps": {"component": "phase_shifter"}},
        "connections": {"dc,o3": "wg,o1", "wg,o2": "ps,o1", "ps,o2": "dc,o2"},
        "ports": {"in0": "dc,o1", "out0": "dc,o4"},
    })


# ------------------------------------------------------------- route independence
@pytest.mark.parametrize("gen, n", [(clements, 5), (reck, 4), (symmetric_core, 4), (symmetric_core, 5)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_vector_same_matrix_on_both_routes_whatever_the_file_order(gen, n, seed):
    rng = np.random.default_rng(seed)
    net = gen(n)
    shuffled = _shuffled(net, rng)
    assert list(shuffled.instances) != list(net.instances)
    tables = [compile_netlist(net).table, compile_netlist(shuffled).table,
              GeneralCircuit(net).table, GeneralCircuit(shuffled).table]
    assert all(t.names == tables[0].names for t in tables)  # one element order everywhere
    assert all(t.netlist_hash == tables[0].netlist_hash for t in tables)
    values = _random_values(tables[0], rng)
    ref = Circuit.from_netlist(net).matrix(Params(tables[0], values))
    for circuit in (Circuit.from_netlist(shuffled), GeneralCircuit(net), GeneralCircuit(shuffled)):
        assert_allclose(circuit.matrix(Params(circuit.table, values)), ref, atol=1e-12)


@pytest.mark.parametrize("seed", [3, 4])
def test_general_only_netlist_has_one_order_too(seed):
    rng = np.random.default_rng(seed)
    net, shuffled = _ring(), _shuffled(_ring(), rng)
    a, b = element_table(net), element_table(shuffled)
    assert a.names == b.names == ("dc", "ps", "wg")  # component registry order, then name
    assert np.all(a.column == -1)
    values = _random_values(a, rng)
    assert_allclose(GeneralCircuit(shuffled).matrix(Params(b, values)),
                    GeneralCircuit(net).matrix(Params(a, values)), atol=1e-13)


# ------------------------------------------------------------------------- views
def test_views_write_through_and_tied_view_sets_both_twins():
    sched = compile_netlist(symmetric_core(4))
    t = sched.table
    p = sched.params()
    rng = np.random.default_rng(5)
    tied = rng.uniform(0, 2 * np.pi, t.n_tied)
    p.set_tied(tied)
    assert_array_equal(p.tied(), tied)
    src, dst = t.twin_pairs("mzi")
    mzi = p.component("mzi")
    for key in ("theta", "phi"):
        assert_array_equal(mzi[key][dst], mzi[key][src])
        assert not np.array_equal(mzi[key][src], np.zeros_like(mzi[key][src]))
    assert t.n_tied == t.n_programmable - 2 * src.size  # theta and phi of every mirror copy are tied
    # component and instance views are the one vector
    mzi["kappa1"][0] = 0.45
    name = sched.names["mzi"][0]
    assert p.instance(name)["kappa1"] == 0.45 == p.values[t.entry(name, "kappa1")]
    p.update({name: {"theta": 1.25}})
    assert mzi["theta"][0] == 1.25 == p.programmable[t.entry(name, "theta")]
    # the programmable slice is the heater vector of a chip, in the same order
    assert heater_layout(sched).n == t.n_programmable
    assert_array_equal(mzi["mirror"], t.is_copy[t.elements("mzi")])  # the copies are the mirrored MZIs


def test_instance_named_like_a_component_with_a_0d_value():
    net = Netlist.from_dict({"instances": {"mzi": {"component": "mzi"}},
                             "ports": {"in0": "mzi,o1", "in1": "mzi,o2", "out0": "mzi,o4", "out1": "mzi,o3"}})
    circ = Circuit.from_netlist(net)
    for value in (np.float64(1.1), np.array(1.1), 1.1):
        assert_allclose(circ.matrix({"mzi": {"theta": value}}), circ.matrix({"mzi": {"theta": 1.1}}), atol=0)
    with pytest.raises(ParamsError, match="instance 'mzi': setting 'theta' must be a number"):
        circ.matrix({"mzi": {"theta": np.ones(2)}})
    with pytest.raises(ParamsError, match="expected Params, a parameter file or a mapping"):
        circ.matrix(np.zeros(3))


# ------------------------------------------------------------------- files
@pytest.mark.parametrize("suffix", [".yml", ".json"])
def test_vector_parameter_file_round_trip(tmp_path, suffix):
    sched = compile_netlist(reck(5))
    rng = np.random.default_rng(6)
    p = Params(sched.table, _random_values(sched.table, rng))
    path = tmp_path / f"p{suffix}"
    pf = p.save(path, info={"note": "round trip"}, programmable_only=False)
    assert pf.netlist == {"name": "reck_5", "sha256": sched.table.netlist_hash}
    back = params_from_file(sched.table, path)
    assert_array_equal(back.values, p.values)  # exact: floats are written in full
    only = tmp_path / f"q{suffix}"
    p.save(only)
    back = sched.params(only)
    assert_array_equal(back.programmable, p.programmable)
    assert_array_equal(back.fixed, sched.table.defaults[sched.table.n_programmable:])


def test_parameter_file_of_another_netlist_is_refused_in_one_line(tmp_path, capsys):
    path = tmp_path / "clements.yml"
    program_matrix(clements(4), np.eye(4)).params.save(path)
    with pytest.raises(ParamsError) as err:
        compile_netlist(reck(4)).params(path)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"{path}: written for netlist 'clements_4' (sha256 ")
    assert "not for this netlist 'reck_4'" in msg
    with pytest.raises(ParamsError, match="written for netlist 'clements_4'"):
        IdealChip(reck(4)).program(path)
    # the same circuit listed in another order, with other phases, is the same netlist
    other = _shuffled(clements(4).with_settings({"ps_m0": {"phi": 1.0}}), np.random.default_rng(7))
    assert compile_netlist(other).table.netlist_hash == compile_netlist(clements(4)).table.netlist_hash
    compile_netlist(other).params(path)
    # a different coupler is another netlist
    changed = clements(4).with_settings({"mzi_c0_m0": {"kappa1": 0.4}})
    assert compile_netlist(changed).table.netlist_hash != compile_netlist(clements(4)).table.netlist_hash
    # the CLI says the same in one line, exit 2
    save_netlist(reck(4), tmp_path / "reck.yml")
    assert main(["compile", str(tmp_path / "reck.yml"), "--params", str(path)]) == 2
    err_text = capsys.readouterr().err.strip()
    assert len(err_text.splitlines()) == 1 and "written for netlist 'clements_4'" in err_text


# ------------------------------------------------------- programming -> chip
@pytest.mark.parametrize("gen", [clements, symmetric_core])
def test_program_result_goes_straight_into_a_chip(gen, tmp_path):
    n = 4
    rng = np.random.default_rng(8)
    w = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    w = np.linalg.qr(w)[0] if gen is clements else w + w.T
    net = gen(n)
    res = program_matrix(net, w)
    chip = SimulatedChip(net, "ideal", np.random.default_rng(9))
    chip.program(res.params)
    x = rng.normal(size=(n, 3)) + 1j * rng.normal(size=(n, 3))
    assert_allclose(chip.run(x) * res.scale, w @ x, atol=1e-10)
    # a parameter file works the same, and so does the chip's own netlist compiled again
    res.params.save(tmp_path / "p.json")
    other = IdealChip(net)
    other.program(tmp_path / "p.json")
    assert_allclose(other.run(x), chip.run(x), atol=1e-13)


def test_heaters_sit_in_the_columns_the_layout_draws():
    # one column-position rule: the schedule's column, which the layout places cells by
    for net in (clements(16), reck(16), symmetric_core(6)):
        sched = compile_netlist(net)
        lay = heater_layout(sched)
        t = sched.table
        for st in sched.stages:
            for key in t.keys(st.component, programmable=True):
                h = t.block(st.component, key).start + np.arange(st.start, st.stop)
                assert np.all(np.abs(lay.x4[h] - 4 * st.column) <= 1)
