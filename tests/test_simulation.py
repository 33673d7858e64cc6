"""Simulation of compiled schedules: matrices, propagation, fields and taps."""

from __future__ import annotations

import numpy as np
import pytest
from _core_reference import mesh_matrix, random_mesh_params, tie_mirror
from hypothesis import example, given, settings
from hypothesis import strategies as st

from picffm import models
from picffm.components import COMPONENTS
from picffm.errors import ParamsError
from picffm.meshes import clements, reck, symmetric_core
from picffm.netlist import Netlist
from picffm.simulation import Circuit

GENERATORS = {"clements": clements, "reck": reck, "symmetric": symmetric_core}
SIZES = [2, 3, 4, 5, 8, 9, 16, 17, 33, 64]


def compiled(kind: str, n: int) -> Circuit:
    return Circuit.from_netlist(GENERATORS[kind](n))


@settings(max_examples=14, deadline=None)
@given(kind=st.sampled_from(["clements", "reck"]), n=st.sampled_from(SIZES), seed=st.integers(0, 2**32 - 1))
@example(kind="clements", n=64, seed=64)
@example(kind="reck", n=64, seed=64)
@example(kind="clements", n=63, seed=63)
def test_lossless_meshes_are_unitary(kind, n, seed):
    circ = compiled(kind, n)
    params = random_mesh_params(circ.schedule.names, np.random.default_rng(seed), kappa_std=0.05)
    u = circ.matrix(params)
    np.testing.assert_allclose(u @ u.conj().T, np.eye(n), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n,bound", [(64, 2e-14), (128, 5e-14)])
def test_ideal_lossless_clements_is_unitary_to_rounding(n, bound):
    # 50:50 couplers in closed form: no same-sign bias that grows over the columns
    circ = compiled("clements", n)
    rng = np.random.default_rng(n)
    params = {name: {"theta": rng.uniform(0, 2 * np.pi), "phi": rng.uniform(0, 2 * np.pi)}
              for name in circ.schedule.names["mzi"]}
    params.update({name: {"phi": rng.uniform(0, 2 * np.pi)} for name in circ.schedule.names["phase_shifter"]})
    u = circ.matrix(params)
    assert np.linalg.norm(u @ u.conj().T - np.eye(n)) <= bound


@settings(max_examples=12, deadline=None)
@given(kind=st.sampled_from(sorted(GENERATORS)), n=st.sampled_from([2, 3, 4, 5, 8, 9]),
       seed=st.integers(0, 2**32 - 1), kappa_std=st.sampled_from([0.0, 0.05]),
       loss=st.sampled_from([0.0, 0.3]))
def test_matrix_matches_naive_per_mzi_product(kind, n, seed, kappa_std, loss):
    circ = compiled(kind, n)
    params = random_mesh_params(circ.schedule.names, np.random.default_rng(seed), kappa_std=kappa_std, loss_db=loss)
    np.testing.assert_allclose(circ.matrix(params), mesh_matrix(kind, n, params), rtol=0, atol=1e-12)


@settings(max_examples=12, deadline=None)
@given(n=st.sampled_from([2, 3, 4, 5, 8, 9, 16]), seed=st.integers(0, 2**32 - 1),
       kappa_std=st.sampled_from([0.0, 0.02, 0.1]), loss=st.sampled_from([0.0, 0.5]))
def test_symmetric_core_is_symmetric_for_tied_settings(n, seed, kappa_std, loss):
    circ = compiled("symmetric", n)
    params = tie_mirror(random_mesh_params(circ.schedule.names, np.random.default_rng(seed),
                                           kappa_std=kappa_std, loss_db=loss))
    m = circ.matrix(params)
    np.testing.assert_allclose(m, m.T, rtol=0, atol=1e-12)


def test_untied_mirror_breaks_symmetry():
    circ = compiled("symmetric", 4)
    rng = np.random.default_rng(5)
    params = tie_mirror(random_mesh_params(circ.schedule.names, rng, kappa_std=0.05))
    params["ut_c1_m1"] = dict(params["ut_c1_m1"], kappa1=0.4)
    m = circ.matrix(params)
    assert np.linalg.norm(m - m.T) > 1e-3


# --------------------------------------------------------------- mirror image

_SWAP = {2: {"o1": "o4", "o2": "o3", "o3": "o2", "o4": "o1"}, 1: {"o1": "o2", "o2": "o1"}}


def mirror_image(net: Netlist) -> Netlist:
    """The circuit traversed backwards: every element mirrored, inputs and outputs swapped."""
    doc = net.to_dict()
    swap = {name: _SWAP[COMPONENTS[inst["component"]].n_modes] for name, inst in doc["instances"].items()}
    for inst in doc["instances"].values():
        if inst["component"] == "mzi":
            inst["settings"]["mirror"] = not inst["settings"].get("mirror", False)

    def flip(ref: str) -> str:
        i, p = ref.split(",")
        return f"{i},{swap[i][p]}"

    conns = {flip(b): flip(a) for a, b in doc["connections"].items()}
    ports = {}
    for name, ref in doc["ports"].items():
        new = ("out" + name[2:]) if name.startswith("in") else ("in" + name[3:])
        ports[new] = flip(ref)
    ports = {k: ports[k] for k in sorted(ports, key=lambda s: (s.startswith("out"), int(s.lstrip("inout"))))}
    return Netlist.from_dict({"instances": doc["instances"], "connections": conns, "ports": ports})


@settings(max_examples=10, deadline=None)
@given(kind=st.sampled_from(sorted(GENERATORS)), n=st.sampled_from([2, 3, 4, 5, 8]),
       seed=st.integers(0, 2**32 - 1), loss=st.sampled_from([0.0, 0.4]))
def test_mirror_image_compiles_to_the_transpose(kind, n, seed, loss):
    net = GENERATORS[kind](n)
    circ = Circuit.from_netlist(net)
    params = random_mesh_params(circ.schedule.names, np.random.default_rng(seed), kappa_std=0.05, loss_db=loss)
    net = net.with_settings(params)
    t = Circuit.from_netlist(net).matrix()
    tm = Circuit.from_netlist(mirror_image(net)).matrix()
    np.testing.assert_allclose(tm, t.T, rtol=0, atol=1e-12)


# ------------------------------------------------- propagate, fields and taps

@pytest.fixture(params=[("clements", 5), ("reck", 4), ("symmetric", 4), ("symmetric", 3)])
def lossy_case(request):
    kind, n = request.param
    circ = compiled(kind, n)
    rng = np.random.default_rng(11)
    params = random_mesh_params(circ.schedule.names, rng, kappa_std=0.05, loss_db=0.3)
    return circ, params, rng


def _cplx(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


@pytest.mark.parametrize("batch", [None, 1, 2, 7])
def test_propagate_and_transpose_match_the_matrix(lossy_case, batch):
    circ, params, rng = lossy_case
    n = circ.n
    x = _cplx(rng, n) if batch is None else _cplx(rng, n, batch)
    m = circ.matrix(params)
    np.testing.assert_allclose(circ.propagate(x, params), m @ x, atol=1e-13)
    np.testing.assert_allclose(circ.propagate(x, params, transpose=True), m.T @ x, atol=1e-13)
    assert circ.propagate(x, params).shape == x.shape
    x0 = x.copy()
    circ.propagate(x, params)
    np.testing.assert_array_equal(x, x0)  # input untouched


def test_fields_are_consistent_with_the_matrix(lossy_case):
    circ, params, rng = lossy_case
    x = _cplx(rng, circ.n, 3)
    allf = circ.fields(x, params)
    stages = circ.schedule.stages
    assert len(allf) == len(stages) + 1
    np.testing.assert_array_equal(allf[0], x)
    np.testing.assert_allclose(allf[-1][circ.schedule.output_modes], circ.matrix(params) @ x, atol=1e-13)
    picked = circ.fields(x, params, after=[2, -1, 0])
    for got, i in zip(picked, [2, -1, 0]):
        np.testing.assert_array_equal(got, allf[i + 1])
    # each stage only touches its own modes, elementwise by its 2x2 (or 1x1) matrices
    for i, st in enumerate(stages):
        before, after = allf[i], allf[i + 1]
        touched = np.unique(st.modes)
        untouched = np.setdiff1d(np.arange(circ.n), touched)
        np.testing.assert_array_equal(after[untouched], before[untouched])
    single = circ.fields(x[:, 0], params, after=[len(stages) - 1])[0]
    np.testing.assert_allclose(single, allf[-1][:, 0], atol=1e-14)
    with pytest.raises(ParamsError, match="monitor stage index"):
        circ.fields(x, params, after=[len(stages)])


def test_taps_are_consistent_with_fields(lossy_case):
    circ, params, rng = lossy_case
    sched = circ.schedule
    x = _cplx(rng, circ.n, 4)
    y, taps = circ.taps(x, params)
    np.testing.assert_allclose(y, circ.matrix(params) @ x, atol=1e-13)
    allf = circ.fields(x, params)
    settings_ = circ.params(params)
    for i, st in enumerate(sched.stages):
        sl = slice(st.start, st.stop)
        if st.component == "mzi":
            s = {k: v[sl, None] for k, v in settings_.component("mzi").items()}
            a, b = st.modes[:, 0], st.modes[:, 1]
            fin = allf[i]
            # field entering the MZI on each arm, and the one leaving
            mir = s["mirror"]
            np.testing.assert_allclose(taps.phi_after[sl], np.exp(1j * s["phi"]) * taps.phi_before[sl], atol=1e-14)
            np.testing.assert_allclose(taps.theta_after[sl], np.exp(1j * s["theta"]) * taps.theta_before[sl],
                                       atol=1e-14)
            fwd_in = np.where(mir, np.nan, fin[a])
            np.testing.assert_allclose(taps.phi_before[sl][~mir[:, 0]], fwd_in[~mir[:, 0]], atol=1e-14)
            # mirrored: the external shifter is the last element, its output leaves on row 0
            # (a mirror image carries its lumped loss at its input, so nothing follows the tap)
            np.testing.assert_allclose(taps.phi_after[sl][mir[:, 0]], allf[i + 1][a][mir[:, 0]], atol=1e-13)
            # forward: theta_before = row 0 of C(k1) P(phi) x
            c1 = models.coupler(kappa=s["kappa1"][:, 0])
            v0 = c1[:, 0, 0, None] * np.exp(1j * s["phi"]) * fin[a] + c1[:, 0, 1, None] * fin[b]
            np.testing.assert_allclose(taps.theta_before[sl][~mir[:, 0]], v0[~mir[:, 0]], atol=1e-13)
        elif st.component in taps.single_in:
            np.testing.assert_allclose(taps.single_in[st.component][sl], allf[i][st.modes], atol=1e-14)


def test_taps_of_mirror_mzi_by_hand():
    net = Netlist.from_dict({"instances": {"m": {"component": "mzi", "settings": {
        "theta": 0.7, "phi": 1.9, "kappa1": 0.45, "kappa2": 0.55, "mirror": True}}},
        "ports": {"i0": "m,o1", "i1": "m,o2", "o0": "m,o4", "o1": "m,o3"}})
    circ = Circuit.from_netlist(net)
    x = np.array([0.3 + 0.2j, -0.8j])
    y, taps = circ.taps(x)
    c1, c2 = models.coupler(kappa=0.45), models.coupler(kappa=0.55)
    v = c2 @ x  # mirror order: C(k2), P(theta), C(k1), P(phi)
    w = np.diag([np.exp(0.7j), 1]) @ v
    u = c1 @ w
    np.testing.assert_allclose(taps.theta_before[0, 0], v[0])
    np.testing.assert_allclose(taps.theta_after[0, 0], w[0])
    np.testing.assert_allclose(taps.phi_before[0, 0], u[0])
    np.testing.assert_allclose(taps.phi_after[0, 0], np.exp(1.9j) * u[0])
    np.testing.assert_allclose(y[:, 0], models.mzi(theta=0.7, phi=1.9, kappa1=0.45, kappa2=0.55).T @ x)


def test_lossy_mirror_mzi_taps_are_the_mirror_image():
    # Loss sits at the output of an MZI and at the input of its mirror image, so
    # the field at each tap of the mirror twin equals the field at the same
    # point of the forward MZI traversed backwards: reciprocity, taps included.
    settings = {"theta": 0.7, "phi": 1.9, "kappa1": 0.45, "kappa2": 0.55, "loss_db": 0.8}
    ports = {"i0": "m,o1", "i1": "m,o2", "o0": "m,o4", "o1": "m,o3"}
    fwd = Circuit.from_netlist(Netlist.from_dict({"instances": {"m": {"component": "mzi", "settings": settings}},
                                                  "ports": ports}))
    mir = Circuit.from_netlist(Netlist.from_dict({"instances": {"m": {"component": "mzi", "settings": {
        **settings, "mirror": True}}}, "ports": ports}))
    x = np.array([0.3 + 0.2j, -0.8j])
    amp = 10 ** (-0.8 / 20)
    _, t = mir.taps(x)
    c1, c2 = models.coupler(kappa=0.45), models.coupler(kappa=0.55)
    v = c2 @ (amp * x)  # loss first, then C(k2), P(theta), C(k1), P(phi)
    np.testing.assert_allclose(t.theta_before[0, 0], v[0])
    np.testing.assert_allclose(t.phi_after[0, 0], np.exp(1.9j) * (c1 @ np.diag([np.exp(0.7j), 1]) @ v)[0])


def test_tied_pair_gradient_formula_holds_with_lossy_mzis():
    # DESIGN section 4: dL/dtheta = 2 Re[1j (c_e a_d + c_d a_e)] for an MZI and
    # its mirror twin, fields from two forward passes; exact with lumped loss.
    def core(theta):
        s = {"theta": theta, "phi": 0.4, "kappa1": 0.43, "kappa2": 0.56, "loss_db": 0.7}
        return Circuit.from_netlist(Netlist.from_dict({
            "instances": {"u": {"component": "mzi", "settings": s},
                          "ut": {"component": "mzi", "settings": {**s, "mirror": True}}},
            "connections": {"u,o4": "ut,o1", "u,o3": "ut,o2"},
            "ports": {"i0": "u,o1", "i1": "u,o2", "o0": "ut,o4", "o1": "ut,o3"}}))

    x = np.array([0.3 + 0.2j, -0.8j])
    target = np.array([0.2j, 0.5])

    def loss(theta):
        return float(np.sum(np.abs(core(theta).propagate(x) - target) ** 2))

    circ = core(1.3)
    i_u, i_ut = circ.table.position("u")[1], circ.table.position("ut")[1]
    z, td = circ.taps(x)
    g = z[:, 0] - target  # dL/dz*
    _, te = circ.taps(np.conj(g))
    grad = 2 * np.real(1j * (te.theta_before[i_ut, 0] * td.theta_after[i_u, 0]
                             + td.theta_before[i_ut, 0] * te.theta_after[i_u, 0]))
    h = 1e-6
    np.testing.assert_allclose(grad, (loss(1.3 + h) - loss(1.3 - h)) / (2 * h), rtol=1e-7)


def test_settings_forms_are_equivalent():
    circ = compiled("clements", 4)
    params = random_mesh_params(circ.schedule.names, np.random.default_rng(2))
    s = circ.schedule.params(params)
    np.testing.assert_array_equal(circ.matrix(params), circ.matrix(s))
    np.testing.assert_array_equal(circ.matrix(params), circ.matrix(s.copy()))
    assert np.array_equal(circ.matrix(), circ.matrix(None))


def test_bad_input_shape():
    circ = compiled("clements", 3)
    with pytest.raises(ParamsError, match=r"shape \(3,\) or \(3, B\)"):
        circ.propagate(np.ones(4))


def test_fields_with_no_monitor_is_empty():
    assert compiled("clements", 3).fields(np.ones(3), after=[]) == []


@pytest.mark.parametrize("read", ["all", "gradient"])
def test_taps_read_modes_agree_with_the_full_record(lossy_case, read):
    circ, params, rng = lossy_case
    x = _cplx(rng, circ.n, 5)
    y_all, full = circ.taps(x, params)
    y, part = circ.taps(x, params, read=read)
    np.testing.assert_allclose(y, y_all, rtol=0, atol=1e-15)
    mirror = np.asarray(circ.params(params).component("mzi")["mirror"], bool)
    for name in ("theta_before", "theta_after", "phi_before", "phi_after"):
        rows = part.read_rows(name)
        expect = np.arange(len(mirror)) if read == "all" else \
            np.flatnonzero(mirror if name.endswith("before") else ~mirror)
        np.testing.assert_array_equal(np.arange(len(mirror))[rows], expect)
        np.testing.assert_allclose(getattr(part, name)[rows], getattr(full, name)[rows], rtol=0, atol=1e-15)
    for comp in full.single_in:
        np.testing.assert_array_equal(part.single_in[comp], full.single_in[comp])
        np.testing.assert_array_equal(part.single_out[comp], full.single_out[comp])
    with pytest.raises(ParamsError, match="read='some'.*valid: all, gradient"):
        circ.taps(x, params, read="some")


def test_gradient_taps_of_symmetric_core_are_contiguous_views():
    circ = compiled("symmetric", 6)
    _, taps = circ.taps(np.eye(6), read="gradient")
    cmap_rows = {name: taps.read_rows(name) for name in ("theta_after", "theta_before")}
    assert all(isinstance(r, slice) for r in cmap_rows.values())  # first half forward, mirror half after it
    assert cmap_rows["theta_after"].stop == cmap_rows["theta_before"].start


def test_taps_reuse_buffers_only_when_no_result_holds_them():
    circ = compiled("symmetric", 8)
    rng = np.random.default_rng(11)
    xs = [rng.normal(size=(8, 3)) + 1j * rng.normal(size=(8, 3)) for _ in range(5)]
    held = [circ.taps(x, read="gradient")[1] for x in xs]  # more than the pool keeps, all alive
    fresh = [circ.taps(x, read="gradient")[1] for x in xs]
    for a, b in zip(held, fresh):  # no later pass wrote into an earlier result
        np.testing.assert_array_equal(a.theta_after, b.theta_after)
        np.testing.assert_array_equal(a.phi_before, b.phi_before)
    base = held[0].theta_after.base
    del held, fresh, a, b
    _, again = circ.taps(xs[0], read="gradient")
    # a freed buffer is written again, with the same result as a fresh one
    assert any(again.theta_after.base is buf for buf in circ._tap_buffers._bufs) and base is not None
    np.testing.assert_array_equal(again.theta_after, Circuit(circ.schedule).taps(xs[0], read="gradient")[1].theta_after)


def test_taps_coefficients_follow_every_change_of_the_settings():
    # coefficients are kept between passes through equal settings: any changed value must be seen,
    # whether it comes as a new Params or as the same object written in place
    circ = compiled("symmetric", 6)
    rng = np.random.default_rng(12)
    x = rng.normal(size=(6, 4)) + 1j * rng.normal(size=(6, 4))
    p = circ.params()
    p.programmable[:] = rng.uniform(0, 2 * np.pi, p.programmable.size)
    for read in ("gradient", "all", "gradient"):
        for _ in range(3):
            y, t = circ.taps(x, p, read=read)
            fresh = Circuit(circ.schedule)  # nothing kept
            y0, t0 = fresh.taps(x, p.copy(), read=read)
            np.testing.assert_array_equal(y, y0)
            np.testing.assert_array_equal(t.stacked, t0.stacked)
            p.programmable[rng.integers(p.programmable.size)] += 0.3  # in place, same object
    p2 = p.copy()
    p2.values[-1] += 0.01  # a fixed value (not programmable) changes too
    np.testing.assert_array_equal(circ.taps(x, p2)[1].stacked, Circuit(circ.schedule).taps(x, p2)[1].stacked)


def test_taps_and_matrix_share_the_mzi_algebra():
    # the tap coefficients of the last tap before the output rebuild row 0 of the MZI matrix
    from picffm.mzi_algebra import mzi_factors, mzi_taps

    rng = np.random.default_rng(5)
    n = 6
    th, ph = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 2 * np.pi, n)
    k1, k2 = rng.uniform(0.3, 0.7, n), np.full(n, 0.5)
    f = mzi_factors(th, ph, k1, k2, 0.0)
    t = models.mzi(theta=th, phi=ph, kappa1=k1, kappa2=k2)
    c = mzi_taps(f, np.zeros(n, bool), ("theta_after",))[:, 0]
    # row 0 of T = C2 row 0 applied to (theta_after, the other arm after C1)
    other = np.stack([1j * np.sqrt(k1) * np.exp(1j * ph), np.sqrt(1 - k1) + 0j], axis=1)  # i k1 ep x0 + t1 x1
    row0 = np.sqrt(0.5) * c + 1j * np.sqrt(0.5) * other
    np.testing.assert_allclose(row0, t[:, 0, :], rtol=0, atol=1e-15)
    # a mirrored MZI's phi_after is the whole row 0 of its matrix, T.T
    cm = mzi_taps(f, np.ones(n, bool), ("phi_after",))[:, 0]
    np.testing.assert_allclose(cm, np.swapaxes(t, 1, 2)[:, 0, :], rtol=0, atol=1e-15)


def _numpy_walk(circ: Circuit, params) -> np.ndarray:
    from picffm.simulation import _run, element_matrices

    state = _run(circ.schedule.stages, element_matrices(circ.schedule, circ.params(params)),
                 np.eye(circ.n, dtype=complex))
    return state[circ.schedule.output_modes]


@pytest.mark.parametrize("kind,n", [("clements", 33), ("reck", 40), ("symmetric", 32), ("clements", 64),
                                    ("clements", 128)])
def test_compiled_matrix_walk_agrees_with_the_numpy_walk(kind, n):
    from picffm.simulation import COMPILED_MIN_MODES

    assert n >= COMPILED_MIN_MODES  # Circuit.matrix takes the compiled route here
    circ = compiled(kind, n)
    params = random_mesh_params(circ.schedule.names, np.random.default_rng(n), kappa_std=0.05, loss_db=0.3)
    if kind == "symmetric":
        params = tie_mirror(params)
    np.testing.assert_allclose(circ.matrix(params), _numpy_walk(circ, params), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["mzi", "clements_5", "reck_4", "svd_4", "symmetric_core_16"])
def test_compiled_walk_on_every_example_netlist(name):
    # the kernel itself, below the size where Circuit.matrix uses it: every component kind and stage layout
    from pathlib import Path

    from picffm.compiled import kernel
    from picffm.netlist import load_netlist
    from picffm.simulation import _stacked

    root = Path(__file__).resolve().parents[1] / "netlists"
    circ = Circuit.from_netlist(load_netlist(root / f"{name}.pic.yml"))
    p = circ.params().copy()
    p.programmable[:] = np.random.default_rng(7).uniform(0, 2 * np.pi, p.programmable.size)
    from picffm.simulation import element_matrices

    walk = kernel("matrix_walk")
    args = (circ.n, *circ._element_ops(), *_stacked(circ.schedule, element_matrices(circ.schedule, p)))
    got = walk(*args)
    np.testing.assert_allclose(got[circ.schedule.output_modes], _numpy_walk(circ, p), rtol=0, atol=1e-13)
    # the compiled kernel (vectorised split real/imaginary loops) is its own Python source, bit for bit
    from picffm.compiled import matrix_walk

    np.testing.assert_array_equal(got, matrix_walk(*args))
