"""The feed-forward compiler: stages, names, settings layout, refusals."""

from __future__ import annotations

import re

import numpy as np
import pytest

from picffm.errors import CompileError, ParamsError
from picffm.meshes import clements, clements_layout, mzi_netlist, reck, symmetric_core
from picffm.netlist import Netlist
from picffm.schedule import circuit_graph, compile_netlist


@pytest.mark.parametrize("gen, n", [(clements, 2), (clements, 5), (clements, 8), (reck, 5), (reck, 6),
                                    (symmetric_core, 4), (symmetric_core, 5)])
def test_every_instance_once_and_stages_disjoint(gen, n):
    net = gen(n)
    sched = compile_netlist(net)
    assert sched.n_modes == n
    assert sorted(sched.table.index) == sorted(net.instances)
    for comp, names in sched.names.items():
        assert all(net.instances[x].component == comp for x in names)
        assert [sched.table.position(x) for x in names] == [(comp, i) for i in range(len(names))]
    covered = {c: 0 for c in sched.names}
    cols = [st.column for st in sched.stages]
    assert cols == sorted(cols)
    for st in sched.stages:
        modes = st.modes.reshape(-1)
        assert len(set(modes.tolist())) == modes.size  # disjoint
        assert st.start == covered[st.component]
        covered[st.component] = st.stop
        if st.offset is not None:
            np.testing.assert_array_equal(modes, np.arange(st.offset, st.offset + modes.size))
    assert covered == {c: len(v) for c, v in sched.names.items()}
    np.testing.assert_array_equal(np.sort(sched.output_modes), np.arange(n))


def test_clements_columns_and_modes():
    n = 6
    sched = compile_netlist(clements(n))
    assert sched.n_columns == n + 1  # N MZI columns, then the phase screen
    mzi_stages = [st for st in sched.stages if st.component == "mzi"]
    assert [st.column for st in mzi_stages] == list(range(n))
    for c, st in enumerate(mzi_stages):
        expected = [(m, m + 1) for cc, m in clements_layout(n) if cc == c]
        assert st.modes.tolist() == [list(p) for p in expected]
        assert st.offset == c % 2
    # the output phase screen lines up in one column after the mesh
    ps = [st for st in sched.stages if st.component == "phase_shifter"]
    assert [st.column for st in ps] == [n] and ps[0].modes.tolist() == list(range(n))
    assert sched.input_ports == tuple(f"in{k}" for k in range(n))
    assert sched.output_ports == tuple(f"out{k}" for k in range(n))
    np.testing.assert_array_equal(sched.output_modes, np.arange(n))


def test_symmetric_core_structure():
    sched = compile_netlist(symmetric_core(4))
    att = [st for st in sched.stages if st.component == "attenuator"]
    assert sorted(np.concatenate([st.modes for st in att]).tolist()) == [0, 1, 2, 3]
    assert all(st.column <= 4 for st in att)
    assert sched.table.flags["mzi"]["mirror"].sum() == 6
    assert [n for n in sched.names["mzi"] if sched.table.flags["mzi"]["mirror"][sched.table.position(n)[1]]] == \
        [n for n in sched.names["mzi"] if n.startswith("ut_")]


def test_settings_and_to_params_round_trip():
    sched = compile_netlist(reck(4))
    rng = np.random.default_rng(0)
    params = {name: {"theta": float(rng.uniform(0, 6)), "phi": float(rng.uniform(0, 6))} for name in sched.names["mzi"]}
    p = sched.params(params)
    back = sched.params(p.to_mapping(programmable_only=False))
    np.testing.assert_array_equal(back.values, p.values)
    first = sched.names["mzi"][0]
    assert p.to_mapping()[first] == params[first]
    assert p.instance(first)["kappa1"] == 0.5
    # the netlist's values are not modified by params()
    assert np.all(sched.params().component("mzi")["theta"] == 0.0)


@pytest.mark.parametrize("params, message", [
    ({"nope": {"theta": 1.0}}, "parameter for unknown instance 'nope'"),
    ({"mzi_c0_m0": {"psi": 1.0}}, "has no setting 'psi'; valid: theta, phi, kappa1, kappa2, loss_db, mirror"),
    ({"mzi_c0_m0": {"theta": "1"}}, "must be a number"),
    ({"mzi_c0_m0": {"theta": np.inf}}, "out of range"),
    ({"mzi_c0_m0": {"kappa1": 1.01}}, "out of range; valid: kappa1"),
    ({"mzi_c0_m0": {"mirror": "yes"}}, "must be true or false"),
])
def test_bad_params(params, message):
    with pytest.raises(ParamsError, match=message.replace("(", r"\(")):
        compile_netlist(clements(3)).params(params)


def _net(instances, connections, ports):
    return Netlist.from_dict({"instances": instances, "connections": connections, "ports": ports})


def test_refuses_reflection_loop_terminator_and_non_square():
    mzi = {"component": "mzi"}
    refl = _net({"a": mzi, "b": mzi}, {"a,o4": "b,o4", "a,o3": "b,o3"},
                {"i0": "a,o1", "i1": "a,o2", "j0": "b,o1", "j1": "b,o2"})
    with pytest.raises(CompileError, match="joins two outputs"):
        compile_netlist(refl)
    with pytest.raises(CompileError, match="joins two outputs"):
        circuit_graph(refl)
    loop = _net({"a": mzi, "w": {"component": "waveguide"}}, {"a,o3": "w,o1", "w,o2": "a,o2"},
                {"i0": "a,o1", "o0": "a,o4"})
    with pytest.raises(CompileError, match="loop through"):
        compile_netlist(loop)
    term = _net({"a": mzi, "t": {"component": "terminator"}}, {"a,o3": "t,o1"},
                {"i0": "a,o1", "i1": "a,o2", "o0": "a,o4"})
    with pytest.raises(CompileError, match="instance 't' is a terminator"):
        compile_netlist(term)


def test_compile_error_names_the_file(tmp_path):
    from picffm.netlist import load_netlist, save_netlist

    loop = _net({"a": {"component": "mzi"}, "w": {"component": "waveguide"}}, {"a,o3": "w,o1", "w,o2": "a,o2"},
                {"i0": "a,o1", "o0": "a,o4"})
    save_netlist(loop, tmp_path / "loop.pic.yml")
    with pytest.raises(CompileError, match=f"^{tmp_path / 'loop.pic.yml'}: the circuit has a loop"):
        compile_netlist(load_netlist(tmp_path / "loop.pic.yml"))


def test_crossed_outputs_permute_modes():
    """Outputs listed in another order than the modes: output_modes records it."""
    net = mzi_netlist().to_dict()
    net["ports"] = {"in0": net["ports"]["in0"], "in1": net["ports"]["in1"],
                    "out0": net["ports"]["out1"], "out1": net["ports"]["out0"]}
    sched = compile_netlist(Netlist.from_dict(net))
    np.testing.assert_array_equal(sched.output_modes, [1, 0])


def test_two_mzis_stacked_on_one_pair_compile_to_their_product():
    # Both outputs of the first MZI feed the second: two parallel graph edges.
    from picffm import Circuit, Netlist, models

    net = Netlist.from_dict({
        "instances": {"a": {"component": "mzi", "settings": {"theta": 0.3, "phi": 1.2}},
                      "b": {"component": "mzi", "settings": {"theta": 2.1, "phi": -0.4}}},
        "connections": {"a,o4": "b,o1", "a,o3": "b,o2"},
        "ports": {"in0": "a,o1", "in1": "a,o2", "out0": "b,o4", "out1": "b,o3"},
    })
    expected = models.mzi(theta=2.1, phi=-0.4) @ models.mzi(theta=0.3, phi=1.2)
    np.testing.assert_allclose(Circuit.from_netlist(net).matrix(), expected, atol=1e-14)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 8])
def test_symmetric_core_schedule_is_mirror_symmetric_with_one_attenuator_column(n):
    sched = compile_netlist(symmetric_core(n))
    col = {name: st.column for st in sched.stages for name in sched.names[st.component][st.start:st.stop]}
    last = sched.n_columns - 1
    att = [st for st in sched.stages if st.component == "attenuator"]
    assert len(att) == 1 and att[0].column == last // 2 and last % 2 == 0  # D alone, on the axis
    assert att[0].offset == 0  # all N modes, contiguous
    for name, c in col.items():
        if name.startswith("u_"):
            assert col["ut_" + name[2:]] == last - c, name


@pytest.mark.parametrize("gen", [clements, reck])
@pytest.mark.parametrize("n", [3, 4, 6])
def test_phase_screen_lines_up_at_the_output(gen, n):
    sched = compile_netlist(gen(n))
    screens = [st for st in sched.stages if st.component == "phase_shifter"]
    assert len(screens) == 1 and screens[0].column == sched.n_columns - 1 and len(screens[0]) == n


@pytest.mark.parametrize("kind,n", [("clements", 7), ("symmetric", 6), ("reck", 5)])
def test_flow_graph_is_a_topological_order_of_the_networkx_graph(kind, n):
    import networkx as nx

    from picffm.meshes import clements, reck, symmetric_core
    from picffm.schedule import flow_graph

    net = {"clements": clements, "symmetric": symmetric_core, "reck": reck}[kind](n)
    g, fg = circuit_graph(net), flow_graph(net)
    assert sorted(fg.order) == sorted(g.nodes)
    pos = {v: i for i, v in enumerate(fg.order)}
    assert all(pos[a] < pos[b] for a, b in g.edges())
    for v in g.nodes:
        assert sorted(fg.preds[v]) == sorted(u for u, _ in g.in_edges(v))
        assert sorted(fg.edges[v]) == sorted((d["src_port"], w, d["dst_port"]) for _, w, d in g.out_edges(v, data=True))
    assert nx.is_directed_acyclic_graph(g)


def test_compiling_and_simulating_import_no_heavy_library():
    import subprocess
    import sys

    code = ("import sys, numpy as np, picffm\n"
            "c = picffm.Circuit.from_netlist(picffm.symmetric_core(4)); c.matrix(); c.taps(np.eye(4))\n"
            "heavy = [m for m in ('networkx', 'matplotlib', 'scipy.sparse', 'tqdm', 'gdstk') if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_netlist_hash_is_computed_on_first_use_and_survives_pickling():
    import pickle

    from picffm.elements import netlist_identity
    from picffm.meshes import symmetric_core

    net = symmetric_core(6)
    table = compile_netlist(net).table
    assert "_netlist_hash" not in table.__dict__  # compiling does not hash the netlist
    assert table.netlist_hash == netlist_identity(net)[1]
    back = pickle.loads(pickle.dumps(compile_netlist(net).table))
    assert back.netlist is None and back.netlist_hash == table.netlist_hash
    assert back.compatible(table) and table.compatible(back)


def _assert_same_schedule(a, b):
    assert (a.n_modes, a.input_ports, a.output_ports) == (b.n_modes, b.input_ports, b.output_ports)
    np.testing.assert_array_equal(a.output_modes, b.output_modes)
    assert len(a.stages) == len(b.stages)
    for x, y in zip(a.stages, b.stages):
        assert (x.component, x.start, x.stop, x.column, x.offset) == (y.component, y.start, y.stop, y.column, y.offset)
        assert x.modes.shape == y.modes.shape and x.modes.dtype == y.modes.dtype
        np.testing.assert_array_equal(x.modes, y.modes)
    assert a.table.names == b.table.names
    np.testing.assert_array_equal(a.table.column, b.table.column)
    np.testing.assert_array_equal(a.table.defaults, b.table.defaults)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 11])
def test_array_compile_equals_the_dict_reference(n):
    # the array route (picffm.flow) and the dict route give the same schedule, also for netlists
    # listed in any order with connections written either way round
    from picffm.schedule import _compile, _compile_reference
    from test_parameters import _shuffled

    rng = np.random.default_rng(n)
    for net in (clements(n), reck(n), symmetric_core(n)):
        for candidate in (net, _shuffled(net, rng)):
            _assert_same_schedule(_compile(candidate), _compile_reference(candidate))


def test_array_compile_of_the_example_netlists_equals_the_reference():
    from pathlib import Path

    from picffm.netlist import load_netlist
    from picffm.schedule import _compile, _compile_reference

    root = Path(__file__).resolve().parents[1] / "netlists"
    done = 0
    for path in sorted(root.glob("*.pic.yml")) + sorted(root.glob("*.json")):
        net = load_netlist(path)
        try:
            ref = _compile_reference(net)
        except CompileError as exc:
            with pytest.raises(CompileError, match=re.escape(str(exc))):
                _compile(net)
            continue
        _assert_same_schedule(_compile(net), ref)
        done += 1
    assert done >= 8
