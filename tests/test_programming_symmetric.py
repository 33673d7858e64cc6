"""Takagi factorisation, symmetric-core programming and the SVD mesh."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose
from scipy.stats import unitary_group

from picffm.errors import ProgrammingError
from picffm.meshes import clements, symmetric_core
from picffm.programming import program_matrix, program_svd, program_symmetric, svd_mesh, takagi
from picffm.programming.plans import mesh_plan
from picffm.schedule import compile_netlist
from picffm.simulation import Circuit


def rel(m, t):
    return np.linalg.norm(m - t) / np.linalg.norm(t)


def sym_from(s, seed):
    """V0 diag(s) V0^T with a Haar V0: a symmetric matrix with prescribed singular values."""
    v0 = unitary_group.rvs(len(s), random_state=np.random.default_rng(seed))
    return v0 @ np.diag(s) @ v0.T


def random_sym(n, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.T


def check_takagi(w):
    v, s = takagi(w)
    n = w.shape[0]
    assert_allclose(v @ v.conj().T, np.eye(n), atol=1e-12)
    assert np.all(s >= 0) and np.all(np.diff(s) <= 1e-15)
    assert_allclose(s, np.linalg.svd(w, compute_uv=False), atol=1e-12 * max(1.0, s[0]))
    scale = max(np.linalg.norm(w), 1e-300)
    assert np.linalg.norm(v @ np.diag(s) @ v.T - w) / scale <= 1e-12


DEGENERATE = {
    "identity": np.eye(5),
    "zero": np.zeros((4, 4)),
    "all_repeated": sym_from([2, 2, 2, 2, 2], 1),
    "repeated_and_rank_deficient": sym_from([1, 1, 1, 0.5, 0, 0], 2),
    "rank_one": sym_from([3, 0, 0, 0], 3),
    "tiny_singular_values": sym_from([1, 1e-13, 1e-14, 1e-15, 0], 4),
    "swap_n2": np.array([[0, 1], [1, 0]], complex),
    "symmetric_permutation": np.eye(6)[[1, 0, 3, 2, 5, 4]],
    "complex_diagonal": np.diag([1j, -1, 2, 0, 0, 3]),
    "repeated_pairs": np.kron(np.eye(2), random_sym(3, 5)),
    "real_symmetric": random_sym(5, 6).real,
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
def test_takagi_degenerate(case):
    check_takagi(DEGENERATE[case])


@pytest.mark.parametrize("n", [2, 3, 8, 33])
def test_takagi_random(n):
    check_takagi(random_sym(n, n))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 8), seed=st.integers(0, 2**32 - 1),
       values=st.lists(st.sampled_from([0.0, 0.3, 1.0, 2.5]), min_size=8, max_size=8))
def test_hypothesis_takagi_repeated_and_zero(n, seed, values):
    check_takagi(sym_from(sorted(values[:n], reverse=True), seed))


def core_error(w, **kw):
    sched = compile_netlist(symmetric_core(w.shape[0]))
    settings_, scale = program_symmetric(sched, w, **kw)
    m = Circuit(sched).matrix(settings_)
    return m, scale, settings_, sched


@pytest.mark.parametrize("n", [2, 3, 4, 7, 16, 64])
def test_symmetric_core_round_trip(n):
    w = random_sym(n, 10 + n)
    m, scale, s, sched = core_error(w)
    assert_allclose(scale, np.linalg.norm(w, 2), rtol=1e-12)
    assert rel(m * scale, w) <= 1e-10
    assert_allclose(m, m.T, atol=1e-13)  # symmetric by construction
    plan = mesh_plan(sched)
    for key in ("theta", "phi"):  # the mirror half is tied to the first half
        assert_allclose(s.component("mzi")[key][plan.mzi["ut"]], s.component("mzi")[key][plan.mzi["u"]],
                        rtol=0, atol=0)
    att = s.component("attenuator")["theta"]
    assert np.all((att >= 0) & (att <= np.pi + 1e-15))
    assert np.isclose(att.max(), np.pi)  # the largest singular value passes fully


@pytest.mark.parametrize("case", sorted(set(DEGENERATE) - {"zero"}))
def test_symmetric_core_degenerate(case):
    w = DEGENERATE[case]
    m, scale, _, _ = core_error(w)
    assert rel(m * scale, w) <= 1e-10


def test_symmetric_core_zero_matrix_blocks_everything():
    m, scale, s, _ = core_error(np.zeros((3, 3)))
    assert scale == 0.0
    assert_allclose(m, 0, atol=1e-15)
    assert_allclose(s.component("attenuator")["theta"], 0)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 9), seed=st.integers(0, 2**32 - 1),
       values=st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.7]), min_size=9, max_size=9))
def test_hypothesis_symmetric_core(n, seed, values):
    s = sorted(values[:n], reverse=True)
    if s[0] == 0:
        s[0] = 1.0
    w = sym_from(s, seed)
    m, scale, _, _ = core_error(w)
    assert rel(m * scale, w) <= 1e-10


def test_non_symmetric_rejected_with_distance_or_symmetrized():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    expected = np.linalg.norm(a - a.T) / np.linalg.norm(a)
    with pytest.raises(ProgrammingError, match=f"= {expected:.3g} > 1e-10"):
        program_symmetric(symmetric_core(4), a)
    m, scale, _, _ = core_error(a, symmetrize=True)
    assert rel(m * scale, (a + a.T) / 2) <= 1e-10
    res = program_matrix(symmetric_core(4), a, symmetrize=True)
    assert res.error <= 1e-10 and res.kind == "symmetric"


def test_rounding_level_asymmetry_accepted():
    w = random_sym(5, 3)
    w[0, 1] += 1e-14
    m, scale, _, _ = core_error(w)
    assert rel(m * scale, w) <= 1e-10


def test_program_symmetric_rejects_other_meshes_and_bad_input():
    with pytest.raises(ProgrammingError, match="needs a symmetric core; this netlist is a clements mesh"):
        program_symmetric(clements(3), np.eye(3))
    with pytest.raises(ProgrammingError, match="expected 3x3"):
        program_symmetric(symmetric_core(3), np.eye(2))
    with pytest.raises(ProgrammingError, match="non-finite"):
        program_symmetric(symmetric_core(2), np.array([[1, np.inf], [np.inf, 1]]))


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_svd_mesh_general_matrices(n):
    rng = np.random.default_rng(n)
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    res = program_matrix(svd_mesh(n), a)
    assert res.kind == "svd" and res.error <= 1e-10
    assert_allclose(res.scale, np.linalg.norm(a, 2), rtol=1e-12)
    # independent check through a fresh compile of the parameter-file form
    m = Circuit.from_netlist(svd_mesh(n)).matrix(res.params.to_mapping())
    assert rel(m * res.scale, a) <= 1e-10


def test_svd_mesh_rank_deficient_and_zero():
    a = np.outer([1, 2j, 0], [1, 0, 1])
    settings_, scale = program_svd(svd_mesh(3), a)
    m = Circuit.from_netlist(svd_mesh(3)).matrix(settings_)
    assert rel(m * scale, a) <= 1e-10
    res = program_matrix(svd_mesh(3), np.zeros((3, 3)))
    assert res.scale == 0.0 and res.error <= 1e-15


def test_svd_mesh_netlist_structure():
    net = svd_mesh(4)
    names = set(net.instances)
    assert {"vh_c0_m0", "u_c3_m1", "s_m0", "ps_m3"} <= names and len(names) == 2 * 6 + 4 + 4
    assert net.info["kind"] == "svd"
    with pytest.raises(ProgrammingError, match="needs an SVD mesh"):
        program_svd(clements(4), np.eye(4))


# ------------------------------------------------------- the two Takagi routes
def _routes(w):
    from picffm.programming.takagi import takagi_eigh, takagi_svd

    w = np.asarray(w, complex)
    w = 0.5 * (w + w.T)
    return takagi_svd(w), takagi_eigh(w)


def _check_factorisation(w, v, s, tol=1e-12):
    n = w.shape[0]
    assert np.linalg.norm(v @ v.conj().T - np.eye(n)) <= tol
    assert np.all(s >= 0) and np.all(np.diff(s) <= 0)
    assert np.linalg.norm(v @ np.diag(s) @ v.T - w) <= tol * max(np.linalg.norm(w), 1e-300)


@pytest.mark.parametrize("case", sorted(DEGENERATE))
def test_takagi_svd_route_exact_on_degenerate_cases(case):
    # repeated, zero and tiny singular values: the SVD route handles them itself (blocks) or declines
    w = np.asarray(DEGENERATE[case], complex)
    fast, robust = _routes(w)
    _check_factorisation(w, *robust)
    if fast is not None:
        _check_factorisation(w, *fast)
        np.testing.assert_allclose(fast[1], robust[1], rtol=0, atol=1e-12 * max(1.0, robust[1][0]))


@pytest.mark.parametrize("n", [1, 2, 5, 16, 64])
def test_takagi_routes_agree_on_random_matrices(n):
    # distinct singular values: Takagi vectors are unique up to a sign each, so the routes agree to that
    w = random_sym(n, 100 + n)
    fast, robust = _routes(w)
    assert fast is not None
    _check_factorisation(w, *fast)
    np.testing.assert_allclose(fast[1], robust[1], rtol=1e-12, atol=0)
    signs = np.sign(np.real(np.sum(robust[0].conj() * fast[0], axis=0)))
    np.testing.assert_allclose(fast[0] * signs, robust[0], rtol=0, atol=1e-10)


@pytest.mark.parametrize("gap", [1e-3, 1e-7, 1e-10, 1e-13, 0.0])
def test_takagi_svd_route_close_singular_values(gap):
    # close pairs are coupled into blocks that the eigenvalue route factorises; the rest is first order
    w = sym_from([2.0, 2.0 * (1 + gap), 1.0, 1.0 + gap, 0.5, 1e-9, 0.0, 0.0], 11)
    fast, robust = _routes(w)
    assert fast is not None
    _check_factorisation(w, *fast)
    np.testing.assert_allclose(fast[1], robust[1], rtol=0, atol=1e-12)


def test_takagi_svd_route_second_round_and_decline(monkeypatch):
    # a tolerance so strict that every pair couples: one block, the second round finds nothing left
    import importlib

    tk = importlib.import_module("picffm.programming.takagi")  # the module (the package exports the function)
    w = random_sym(6, 3)
    monkeypatch.setattr(tk, "K_TOL", 0.0)
    v, s = tk.takagi_svd(w)
    _check_factorisation(w, v, s)
    # pairs still coupled between blocks after the first round (forced: every pair couples, blocks of one):
    # the route declines and takagi falls back to the eigenvalue route
    monkeypatch.setattr(tk, "K_TOL", -1.0)
    monkeypatch.setattr(tk, "_blocks", lambda coupled: [(i, i + 1) for i in range(coupled.shape[0])])
    assert tk.takagi_svd(w) is None
    _check_factorisation(w, *tk.takagi(w))


def test_takagi_method_names():
    w = random_sym(4, 1)
    _check_factorisation(w, *takagi(w, method="eigh"))
    with pytest.raises(ValueError, match="auto, eigh"):
        takagi(w, method="qr")
