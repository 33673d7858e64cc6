"""General route: S-matrix connection equations vs the schedule and hand results."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from picffm import models
from picffm.errors import CompileError, ParamsError
from picffm.meshes import clements, mzi_netlist, reck, symmetric_core
from picffm.netlist import Netlist
from picffm.simulation import Circuit
from picffm.smatrix import GeneralCircuit, circuit_smatrix, compile_any, transfer_matrix_general

GENERATORS = {"clements": clements, "reck": reck, "symmetric": symmetric_core}


def random_params(circ: Circuit, rng: np.random.Generator, kappa_std: float = 0.03, loss: bool = False) -> dict:
    """Random phases, coupler errors (and losses) for every element of a compiled mesh."""
    params = {}
    for name in circ.schedule.names.get("mzi", ()):
        params[name] = {"theta": rng.uniform(-np.pi, 3 * np.pi), "phi": rng.uniform(0, 2 * np.pi),
                        "kappa1": float(np.clip(0.5 + kappa_std * rng.normal(), 0, 1)),
                        "kappa2": float(np.clip(0.5 + kappa_std * rng.normal(), 0, 1))}
        if loss:
            params[name]["loss_db"] = rng.uniform(0, 0.5)
    for name in circ.schedule.names.get("phase_shifter", ()):
        params[name] = {"phi": rng.uniform(0, 2 * np.pi)}
    for name in circ.schedule.names.get("attenuator", ()):
        params[name] = {"theta": rng.uniform(0, 2 * np.pi), "psi": rng.uniform(0, 2 * np.pi)}
    return params


@settings(max_examples=12, deadline=None)
@given(kind=st.sampled_from(sorted(GENERATORS)), n=st.sampled_from([2, 3, 4, 5, 8, 9]),
       seed=st.integers(0, 2**32 - 1), loss=st.booleans())
def test_feed_forward_and_general_routes_agree(kind, n, seed, loss):
    net = GENERATORS[kind](n)
    circ = Circuit.from_netlist(net)
    params = random_params(circ, np.random.default_rng(seed), loss=loss)
    np.testing.assert_allclose(transfer_matrix_general(net, params), circ.matrix(params), rtol=0, atol=1e-12)


def test_routes_agree_on_clements_64():
    net = clements(64)
    circ = Circuit.from_netlist(net)
    params = random_params(circ, np.random.default_rng(64))
    np.testing.assert_allclose(GeneralCircuit(net).matrix(params), circ.matrix(params), rtol=0, atol=1e-12)


def test_single_mzi_smatrix_by_hand():
    net = mzi_netlist()
    s, names = circuit_smatrix(net, {"mzi_c0_m0": {"theta": 0.7, "phi": -1.1, "kappa1": 0.4}})
    t = models.mzi(theta=0.7, phi=-1.1, kappa1=0.4)
    assert names == ("in0", "in1", "out0", "out1")
    expected = np.zeros((4, 4), complex)
    expected[2:, :2] = t
    expected[:2, 2:] = t.T
    np.testing.assert_allclose(s, expected, atol=1e-15)


def ring(kappa: float, length_um: float, loss_db_per_cm: float = 0.0) -> Netlist:
    """All-pass ring: the coupler's mode-1 output loops back to its mode-1 input."""
    return Netlist.from_dict({
        "instances": {"dc": {"component": "coupler", "settings": {"kappa": kappa}},
                      "wg": {"component": "waveguide",
                             "settings": {"length_um": length_um, "loss_db_per_cm": loss_db_per_cm}}},
        "connections": {"dc,o3": "wg,o1", "wg,o2": "dc,o2"},
        "ports": {"in0": "dc,o1", "out0": "dc,o4"},
    })


@pytest.mark.parametrize("kappa, length, loss", [(0.1, 30.0, 10.0), (0.5, 12.3, 0.0), (0.02, 100.0, 3.0)])
def test_ring_all_pass_matches_formula(kappa, length, loss):
    compiled = compile_any(ring(kappa, length, loss))
    assert compiled.route == "general" and "loop" in compiled.reason
    g = models.waveguide(length_um=length, loss_db_per_cm=loss)
    t = np.sqrt(1 - kappa)
    expected = (t - g) / (1 - g * t)  # self-coupling t, cross i*sqrt(kappa)
    np.testing.assert_allclose(compiled.matrix()[0, 0], expected, rtol=1e-13)
    if loss == 0.0:
        assert abs(abs(compiled.matrix()[0, 0]) - 1) < 1e-13  # lossless all-pass


def test_reflection_back_to_back_couplers():
    net = Netlist.from_dict({
        "instances": {"a": {"component": "coupler", "settings": {"kappa": 0.3}},
                      "b": {"component": "coupler", "settings": {"kappa": 0.6}}},
        "connections": {"a,o4": "b,o4", "a,o3": "b,o3"},
        "ports": {"p0": "a,o1", "p1": "a,o2", "q0": "b,o1", "q1": "b,o2"},
    })
    compiled = compile_any(net)
    assert compiled.route == "general" and "joins two outputs" in compiled.reason
    s, names = circuit_smatrix(net)
    ca, cb = models.coupler(kappa=0.3), models.coupler(kappa=0.6)
    np.testing.assert_allclose(s[2:, :2], cb.T @ ca, atol=1e-15)  # b traversed backwards
    np.testing.assert_allclose(s, s.T, atol=1e-15)
    np.testing.assert_allclose(s[:2, :2], 0, atol=1e-15)  # nothing reflects
    np.testing.assert_allclose(s.conj().T @ s, np.eye(4), atol=1e-14)  # lossless


def test_terminator_makes_a_non_square_transfer_matrix():
    net = Netlist.from_dict({
        "instances": {"m": {"component": "mzi", "settings": {"theta": 0.9, "phi": 0.2}},
                      "t": {"component": "terminator"}},
        "connections": {"m,o3": "t,o1"},
        "ports": {"in0": "m,o1", "in1": "m,o2", "out0": "m,o4"},
    })
    compiled = compile_any(net)
    assert compiled.route == "general" and "terminator" in compiled.reason
    np.testing.assert_allclose(compiled.matrix(), models.mzi(theta=0.9, phi=0.2)[:1], atol=1e-15)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.sampled_from([3, 4]))
def test_lossless_mesh_with_loop_is_unitary_and_reciprocal(seed, n):
    """Feed a Clements mesh's last output back into its first input through a waveguide."""
    rng = np.random.default_rng(seed)
    doc = clements(n).to_dict()
    for inst in doc["instances"].values():
        if inst["component"] == "mzi":
            inst["settings"] = {"theta": float(rng.uniform(0, 6)), "phi": float(rng.uniform(0, 6))}
    doc["instances"]["fb"] = {"component": "waveguide", "settings": {"length_um": float(rng.uniform(1, 50)),
                                                                      "loss_db_per_cm": 0.0}}
    doc["connections"][doc["ports"].pop(f"out{n - 1}")] = "fb,o1"
    doc["connections"]["fb,o2"] = doc["ports"].pop("in0")
    net = Netlist.from_dict(doc)
    compiled = compile_any(net)
    assert compiled.route == "general"
    s, _ = circuit_smatrix(net)
    np.testing.assert_allclose(s, s.T, atol=1e-12)
    np.testing.assert_allclose(s.conj().T @ s, np.eye(s.shape[0]), atol=1e-12)


def test_compile_any_uses_the_schedule_for_meshes():
    compiled = compile_any(clements(5))
    assert compiled.route == "feed-forward" and compiled.reason is None
    assert compiled.input_ports == tuple(f"in{k}" for k in range(5))
    assert isinstance(compiled.backend, Circuit)


def test_singular_loop_is_a_compile_error():
    with pytest.raises(CompileError, match="singular"):
        compile_any(ring(0.0, 0.0)).matrix()


def test_general_route_validates_params_like_the_schedule():
    gc = GeneralCircuit(ring(0.1, 10.0))
    with pytest.raises(ParamsError, match="unknown instance 'nope'"):
        gc.matrix({"nope": {"kappa": 0.2}})
    with pytest.raises(ParamsError, match="has no setting 'theta'"):
        gc.matrix({"dc": {"theta": 0.2}})
    with pytest.raises(ParamsError, match="out of range"):
        gc.matrix({"dc": {"kappa": 2.0}})
    settings_ = gc.params({"dc": {"kappa": 0.3}})
    assert settings_.component("coupler")["kappa"][0] == 0.3
    np.testing.assert_array_equal(gc.matrix(settings_), gc.matrix({"dc": {"kappa": 0.3}}))
    np.testing.assert_array_equal(gc.params().component("coupler")["kappa"], [0.1])  # defaults untouched
