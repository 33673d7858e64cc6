"""Backward light and in-situ backpropagation: fields, reciprocity, exact gradients, pass counts."""

from __future__ import annotations

import numpy as np
import pytest

from picffm.chip import IdealChip, SimulatedChip
from picffm.chip.adjoint import heater_fields, phase_gradient
from picffm.chip.spec import spec_from_dict
from picffm.meshes import symmetric_core
from picffm.simulation import Circuit
from picffm.training.config import TrainConfig
from picffm.training.gradmetric import phase_gradients_true
from picffm.training.insitu import insitu_gradients, passes_insitu
from picffm.training.network import core_map, program_network
from picffm.training.trainers import design_netlist, initial_states, make_dataset
from picffm.training.truth import flat_phase_grads


def _lossy_circuit(n, rng):
    c = Circuit.from_netlist(symmetric_core(n))
    p = c.params()
    p.programmable[:] = rng.uniform(0, 2 * np.pi, p.programmable.size)
    for comp in ("mzi", "attenuator"):
        d = p.component(comp)
        for k in ("kappa1", "kappa2"):
            d[k][:] = 0.5 + 0.05 * rng.standard_normal(d[k].size)
        d["loss_db"][:] = rng.uniform(0, 0.3, d["loss_db"].size)
    return c, p


def _cplx(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize("n", [4, 5])
def test_heater_fields_propagate_both_ways(n):
    rng = np.random.default_rng(3)
    c, p = _lossy_circuit(n, rng)
    t = c.matrix(p)
    x, v = _cplx(rng, n, 3), _cplx(rng, n, 3)
    y, _ = heater_fields(c, p, x)
    yb, _ = heater_fields(c, p, v, backward=True)
    np.testing.assert_allclose(y, t @ x, atol=1e-13)
    np.testing.assert_allclose(yb, t.T @ v, atol=1e-13)


def test_adjoint_phase_gradient_equals_finite_differences_on_a_lossy_asymmetric_circuit():
    rng = np.random.default_rng(4)
    c, p = _lossy_circuit(4, rng)
    x, target = _cplx(rng, 4, 3), _cplx(rng, 4, 3)

    def loss(q):
        return float(np.sum(np.abs(c.matrix(q) @ x - target) ** 2))

    _, f = heater_fields(c, p, x)
    g = c.matrix(p) @ x - target  # dL/dy*
    _, b = heater_fields(c, p, np.conj(g), backward=True)
    grad = phase_gradient(f, b)
    eps, fd = 1e-6, np.zeros_like(grad)
    for i in range(grad.size):
        qp, qm = p.copy(), p.copy()
        qp.programmable[i] += eps
        qm.programmable[i] -= eps
        fd[i] = (loss(qp) - loss(qm)) / (2 * eps)
    np.testing.assert_allclose(grad, fd, atol=1e-7 * np.abs(fd).max())


def test_backward_light_is_the_transpose_of_the_true_forward_matrix():
    spec = spec_from_dict({"mirror_asymmetry": 1.0, "coupler": {"kappa_std": 0.03}, "phase": {"offset_std_rad": 0.3},
                           "loss": {"mzi_db": 0.2, "mzi_db_std": 0.05}}, name="t")
    chip = SimulatedChip(symmetric_core(6), spec, np.random.default_rng(7))
    truth = chip.reveal()
    eye = np.eye(6, dtype=complex)
    before = chip.passes
    back = chip.run_backward(eye)
    fwd = chip.run(eye)
    assert chip.passes - before == 12
    np.testing.assert_allclose(back, fwd.T, atol=1e-13)
    np.testing.assert_allclose(back, truth.matrix().T, atol=1e-13)
    y, p = chip.heater_powers(eye[:, :2], backward=True)
    _, f = heater_fields(truth.circuit, truth.params, eye[:, :2], backward=True)
    np.testing.assert_allclose(p, np.abs(f) ** 2, atol=1e-13)
    assert chip.passes - before == 14


def test_backward_reads_are_noisy_like_the_other_detectors():
    chip = SimulatedChip(symmetric_core(4), "typical", np.random.default_rng(1))
    x = np.eye(4, dtype=complex)
    a, b = chip.run_backward(x), chip.run_backward(x)
    assert 0 < np.abs(a - b).max() < 0.05
    (_, pa), (_, pb) = chip.heater_powers(x), chip.heater_powers(x)
    assert 0 < np.abs(pa - pb).max() < 0.05


def _setup(spec, layers=2, batch=20):
    cfg = TrainConfig(layers=layers)
    data = make_dataset(0, cfg)
    net = design_netlist()
    chips = [SimulatedChip(net, spec, r) for r in np.random.default_rng(5).spawn(layers)]
    cmap = core_map(chips[0].schedule)
    states = initial_states(0, cfg, cmap)
    program_network(chips, states)
    return chips, cmap, states, data.x_train[:, :batch], data.y_train[:batch]


@pytest.mark.parametrize("name, spec, keys", [
    ("ideal", {}, ("u_theta", "u_phi", "att_theta", "att_psi")),
    ("lossless, asymmetric", {"mirror_asymmetry": 1.0, "coupler": {"kappa_std": 0.03},
                              "phase": {"offset_std_rad": 0.5}, "heater": {"efficiency_std": 0.05}},
     ("u_theta", "u_phi", "att_psi")),
])
def test_insitu_gradient_is_exact_on_a_lossless_noiseless_chip(name, spec, keys):
    chips, cmap, states, x, y = _setup(spec_from_dict(spec, name="t"))
    r = insitu_gradients(chips, states, cmap, x, y, electronics=TrainConfig().electronics)
    _, true = phase_gradients_true(chips, cmap, [s.gain for s in states], x, y, electronics=TrainConfig().electronics)
    for got, want in zip(r.grads, true):
        for k in keys + ("gain",):
            np.testing.assert_allclose(got[k], want[k], atol=1e-9 * np.abs(flat_phase_grads(want)).max())


def test_insitu_gradient_on_a_calibrated_lossy_noisy_chip_points_the_right_way():
    chips, cmap, states, x, y = _setup("typical")
    r = insitu_gradients(chips, states, cmap, x, y, electronics=TrainConfig().electronics)
    _, true = phase_gradients_true(chips, cmap, [s.gain for s in states], x, y, electronics=TrainConfig().electronics)
    for got, want in zip(r.grads, true):
        a, b = flat_phase_grads(got), flat_phase_grads(want)
        assert a @ b / (np.linalg.norm(a) * np.linalg.norm(b)) > 0.9


@pytest.mark.parametrize("layers, batch", [(1, 7), (2, 20)])
def test_insitu_pass_count_agrees_with_the_chips_counters(layers, batch):
    chips, cmap, states, x, y = _setup("typical", layers, batch)
    before = sum(c.passes for c in chips)
    insitu_gradients(chips, states, cmap, x, y, electronics=TrainConfig().electronics)
    assert sum(c.passes for c in chips) - before == passes_insitu(layers, batch)


def test_ideal_chip_reads_backward_light_like_the_ideal_simulated_chip():
    net = symmetric_core(4)
    ideal, sim = IdealChip(net), SimulatedChip(net, None, np.random.default_rng(0))
    rng = np.random.default_rng(2)
    p = ideal.params()
    p.programmable[:] = rng.uniform(0, 2 * np.pi, p.programmable.size)
    ideal.program(p)
    sim.program(p)
    v = _cplx(rng, 4, 3)
    np.testing.assert_allclose(ideal.run_backward(v), sim.run_backward(v), atol=1e-13)
    for back in (False, True):
        (ya, pa), (yb, pb) = ideal.heater_powers(v, backward=back), sim.heater_powers(v, backward=back)
        np.testing.assert_allclose(ya, yb, atol=1e-13)
        np.testing.assert_allclose(pa, pb, atol=1e-13)
