"""Clements and Reck decompositions: round trips through the compiled mesh (picffm.simulation)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose
from scipy.stats import unitary_group

from picffm import models
from picffm.errors import ProgrammingError
from picffm.meshes import clements, clements_layout, mesh_netlist, mzi_netlist, reck, reck_layout, symmetric_core
from picffm.netlist import Netlist
from picffm.programming import (
    decompose_clements, decompose_reck, program_matrix, program_unitary, unitarity_error,
)
from picffm.schedule import compile_netlist
from picffm.simulation import Circuit

GEN = {"clements": clements, "reck": reck}
DEC = {"clements": decompose_clements, "reck": decompose_reck}


def haar(n, seed):
    return unitary_group.rvs(n, random_state=np.random.default_rng(seed))


def rel(m, t):
    return np.linalg.norm(m - t) / np.linalg.norm(t)


def compiled_error(kind, u):
    sched = compile_netlist(GEN[kind](u.shape[0]))
    return rel(Circuit(sched).matrix(program_unitary(sched, u)), u)


def product_from_phases(kind, theta, phi, screen):
    """Independent rebuild: plain matrix product of models.mzi in column order, then the screen."""
    n = screen.size
    cells = clements_layout(n) if kind == "clements" and n > 2 else (reck_layout(n) if kind == "reck" else [(0, 0)])
    m = np.eye(n, dtype=complex)
    for p, (_, mode) in enumerate(cells):  # layout order is column-major: a valid propagation order
        e = np.eye(n, dtype=complex)
        e[mode:mode + 2, mode:mode + 2] = models.mzi(theta=theta[p], phi=phi[p])
        m = e @ m
    return np.exp(1j * screen)[:, None] * m


@pytest.mark.parametrize("kind", ["clements", "reck"])
@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 9, 16, 17])
def test_round_trip_random_unitary(kind, n):
    assert compiled_error(kind, haar(n, 100 + n)) <= 1e-12


@pytest.mark.parametrize("kind,n", [("clements", 256), ("reck", 64), ("clements", 63)])
def test_round_trip_large(kind, n):
    assert compiled_error(kind, haar(n, n)) <= 1e-10


@pytest.mark.parametrize("kind", ["clements", "reck"])
@pytest.mark.parametrize("n", [2, 5, 6])
def test_phases_rebuild_independently_and_ranges(kind, n):
    u = haar(n, 7 * n)
    theta, phi, screen = DEC[kind](u)
    assert theta.shape == phi.shape == (n * (n - 1) // 2,) and screen.shape == (n,)
    assert np.all((theta >= 0) & (theta <= np.pi))
    assert np.all((phi >= 0) & (phi < 2 * np.pi)) and np.all((screen >= 0) & (screen < 2 * np.pi))
    assert rel(product_from_phases(kind, theta, phi, screen), u) <= 1e-12


def _edge_cases(n):
    rng = np.random.default_rng(n)
    perm = np.eye(n)[rng.permutation(n)]
    dft = np.exp(-2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n) / np.sqrt(n)
    return {
        "identity": np.eye(n),
        "permutation": perm,
        "reversal": np.eye(n)[::-1],
        "diagonal": np.diag(np.exp(1j * rng.uniform(0, 2 * np.pi, n))),
        "minus_identity": -np.eye(n),
        "dft": dft,
        "real_orthogonal": np.linalg.qr(rng.normal(size=(n, n)))[0],
    }


@pytest.mark.parametrize("kind", ["clements", "reck"])
@pytest.mark.parametrize("n", [2, 3, 4, 7])
@pytest.mark.parametrize("case", ["identity", "permutation", "reversal", "diagonal", "minus_identity", "dft",
                                  "real_orthogonal"])
def test_edge_cases(kind, n, case):
    u = _edge_cases(n)[case]
    assert compiled_error(kind, u) <= 1e-12


def test_identity_programs_bar_free_mesh():
    """The identity needs no light to cross over: every MZI ends up in a cross/bar setting (theta 0 or pi)."""
    theta, _, _ = decompose_clements(np.eye(6))
    assert np.all(np.isclose(theta, 0) | np.isclose(theta, np.pi))


@settings(max_examples=25, deadline=None)
@given(kind=st.sampled_from(["clements", "reck"]), n=st.integers(2, 12), seed=st.integers(0, 2**32 - 1))
def test_hypothesis_random_unitaries(kind, n, seed):
    assert compiled_error(kind, haar(n, seed)) <= 1e-11


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 9), seed=st.integers(0, 2**32 - 1), zeros=st.integers(0, 3))
def test_hypothesis_sparse_unitaries(n, seed, zeros):
    """Unitaries with exact zeros (block permutations of small unitaries) hit the degenerate nulling branches."""
    rng = np.random.default_rng(seed)
    blocks = [unitary_group.rvs(2, random_state=rng) if zeros and k % 2 == 0 else np.exp(1j * rng.uniform()) * np.eye(1)
              for k in range(n)]
    u = np.zeros((0, 0), complex)
    for b in blocks:
        u = np.block([[u, np.zeros((u.shape[0], b.shape[1]))], [np.zeros((b.shape[0], u.shape[1])), b]])
    u = u[:n, :n] if u.shape[0] > n else u
    if unitarity_error(u) > 1e-12:  # a block was cut at the edge
        u = np.eye(n)[rng.permutation(n)]
    for kind in ("clements", "reck"):
        assert compiled_error(kind, u) <= 1e-12


def test_schedule_or_netlist_and_full_settings():
    u = haar(4, 1)
    net = clements(4)
    s1 = program_unitary(net, u)
    s2 = program_unitary(compile_netlist(net), u)
    assert_allclose(s1.values, s2.values)
    assert set(s1.component("mzi")) == {"theta", "phi", "kappa1", "kappa2", "loss_db", "mirror"}


def test_kind_inferred_from_names_without_info():
    doc = reck(5).to_dict()
    del doc["info"]
    u = haar(5, 3)
    sched = compile_netlist(Netlist.from_dict(doc))
    assert rel(Circuit(sched).matrix(program_unitary(sched, u)), u) <= 1e-12
    assert program_matrix(sched, u).kind in ("reck", "clements")


def test_program_matrix_result_and_params_round_trip():
    u = haar(5, 9)
    res = program_matrix(clements(5), u)
    assert res.kind == "clements" and res.scale == 1.0 and res.error <= 1e-12
    params = res.params.to_mapping()
    assert set(params) == set(compile_netlist(clements(5)).table.index)
    assert set(params["ps_m0"]) == {"phi"} and set(params["mzi_c0_m0"]) == {"theta", "phi"}
    assert rel(Circuit.from_netlist(clements(5)).matrix(params), u) <= 1e-12
    assert rel(res.matrix(), u) <= 1e-12


@pytest.mark.parametrize("target,match", [
    (np.ones((3, 3)), r"not unitary: \|\|U U\^H - I\|\|_F = 8\.12"),  # sqrt(4*3 + 9*6)
    (np.eye(4), r"4x4 but the netlist has N = 3 modes: expected 3x3"),
    (np.eye(3)[:2], r"square matrix, got shape \(2, 3\); the netlist needs 3x3"),
    (np.where(np.eye(3) > 0, np.nan, 0), r"non-finite entry .* at row 0, column 0"),
    (np.array([["a"] * 3] * 3), r"numeric"),
])
def test_bad_targets(target, match):
    with pytest.raises(ProgrammingError, match=match):
        program_unitary(clements(3), target)


def test_general_target_on_unitary_mesh_suggests_other_routes():
    with pytest.raises(ProgrammingError, match="SVD mesh .* symmetric core"):
        program_matrix(clements(3), 0.5 * np.eye(3))


def test_wrong_mesh_kinds():
    with pytest.raises(ProgrammingError, match="symmetric mesh: use program_symmetric"):
        program_unitary(symmetric_core(3), np.eye(3))
    with pytest.raises(ProgrammingError, match="cannot program this netlist \\(kind 'mzi'\\)"):
        program_unitary(mzi_netlist(), np.eye(2))
    doc = mesh_netlist("clements", 3).to_dict()
    doc["instances"]["mzi_c1_m1"]["settings"]["theta"] = 0.1  # still fine
    doc = {**doc, "info": {"kind": "reck", "n": 3}}
    program_unitary(Netlist.from_dict(doc), np.eye(3))  # N = 3: Reck and Clements coincide
    doc4 = clements(4).to_dict()
    doc4["info"] = {"kind": "reck", "n": 4}
    with pytest.raises(ProgrammingError, match="netlist says kind 'reck' but its MZIs on modes .* do not follow the layout"):
        program_unitary(Netlist.from_dict(doc4), np.eye(4))


@pytest.mark.parametrize("n", [2, 3, 7, 16, 17])
def test_clements_list_and_numpy_nulling_agree(n, monkeypatch):
    # small cores null on Python lists, large ones with numpy: same arithmetic, same phases
    import picffm.programming.clements as cl

    u = unitary_group.rvs(n, random_state=100 + n)
    monkeypatch.setattr(cl, "_LIST_MAX_N", 10**6)
    lists = cl.decompose_clements(u)
    monkeypatch.setattr(cl, "_LIST_MAX_N", 0)
    dense = cl.decompose_clements(u)
    for a, b in zip(lists, dense):
        assert np.max(np.abs(np.angle(np.exp(1j * (a - b))))) < 1e-12
    circ = Circuit.from_netlist(clements(n))
    th, ph, sc = lists
    names = circ.schedule.names
    params = {m: {"theta": float(t), "phi": float(p)} for m, t, p in zip(names["mzi"], th, ph)}
    params.update({m: {"phi": float(p)} for m, p in zip(names.get("phase_shifter", ()), sc)})
    assert_allclose(circ.matrix(params), u, atol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 16, 17, 40])
def test_clements_routes_agree(n, monkeypatch):
    # the compiled nulling against the Python-list route (same bits up to N = 16) and the numpy route (N > 16)
    from picffm.programming import clements as cl

    rng = np.random.default_rng(n)
    for _ in range(20 if n <= 16 else 3):
        u = unitary_group.rvs(n, random_state=rng)
        monkeypatch.setattr(cl._Usage, "work", (cl.COMPILE_AFTER + 1) * cl._LIST_MAX_N ** 3)  # compiled from now on
        fast = cl.decompose_clements(u)
        monkeypatch.setattr(cl, "kernel", lambda name: None)  # as without numba
        slow = cl.decompose_clements(u)
        monkeypatch.undo()
        for a, b in zip(fast, slow):
            if n <= cl._LIST_MAX_N:
                np.testing.assert_array_equal(a, b)
            else:
                np.testing.assert_allclose(np.exp(1j * a), np.exp(1j * b), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [5, 24])
def test_compiled_clements_null_is_its_python_source(n):
    # the split real/imaginary kernel, compiled and interpreted: the same bits (no fused multiply-adds)
    from picffm.compiled import clements_null, kernel
    from picffm.programming.clements import _plan, _plan_arrays

    u = unitary_group.rvs(n, random_state=np.random.default_rng(n))
    outs = []
    for fn in (kernel("clements_null"), clements_null):
        a = np.array(u, dtype=complex, order="C")
        theta, phi = np.zeros(n * (n - 1) // 2), np.zeros(n * (n - 1) // 2)
        gh = np.zeros((len(_plan(n)[1]), 4), complex)
        fn(a, *_plan_arrays(n), theta, phi, gh)
        outs.append((a, theta, phi, gh))
    for x, y in zip(*outs):
        np.testing.assert_array_equal(x, y)
