"""FFM gradients against finite differences, and against the chip's true gradient."""

import numpy as np
import pytest

from picffm.chip import preset
from picffm.errors import ConfigError
from picffm.training.config import TrainConfig
from picffm.training.gradients import PHASE_KEYS, matrix_gradients, network_loss, phase_gradients, sym
from picffm.training.network import LayerState, core_map, program_network
from picffm.training.optim import SGD, Adam
from picffm.training.reprogram import TrackingProgrammer
from picffm.training.trainers import initial_states, make_chips, make_dataset
from picffm.training.units import deploy
from picffm.training.truth import (flat_phase_grads, matrix_gradients_exact,
                                   phase_gradients_exact, relative_error, true_circuits)

CFG = TrainConfig(folds=1)  # the batches these tests were written for (one 105/45 split)
KW = dict(electronics=CFG.electronics)


@pytest.fixture(scope="module")
def batch():
    data = make_dataset(1, CFG)
    return data.x_train[:, :12], data.y_train[:12]


def _matrix_states(chips, ws):
    states = []
    for chip, w in zip(chips, ws):
        settings, scale = TrackingProgrammer(chip.schedule)(w)
        chip.program(settings)
        states.append(LayerState(settings, scale))
    return states


def test_matrix_ffm_equals_finite_differences_on_ideal_chip(batch):
    x, y = batch
    chips = make_chips(None, 0, 2)
    rng = np.random.default_rng(5)
    ws = [3.0 * sym(rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16))) / 6 for _ in range(2)]
    g = matrix_gradients(chips, _matrix_states(chips, ws), x, y, **KW).grads

    def loss(ws_):
        return network_loss(chips, _matrix_states(chips, ws_), x, y, **KW)

    eps = 1e-5
    for layer in range(2):
        for _ in range(3):
            d = sym(rng.normal(size=(16, 16)) + 1j * rng.normal(size=(16, 16)))
            plus = [w + (eps * d if i == layer else 0) for i, w in enumerate(ws)]
            minus = [w - (eps * d if i == layer else 0) for i, w in enumerate(ws)]
            fd = (loss(plus) - loss(minus)) / (2 * eps)
            # dL = 2 Re sum conj(G) dW for a symmetric dW
            analytic = 2 * np.real(np.sum(np.conj(g.view(layer, "w")) * d))
            assert fd == pytest.approx(analytic, rel=1e-6)


def test_phase_ffm_equals_finite_differences_on_ideal_chip(batch):
    x, y = batch
    chips = make_chips(None, 0, 2)
    cmap = core_map(chips[0].schedule)
    states = initial_states(2, CFG, cmap)
    program_network(chips, states)
    got = phase_gradients(chips, states, cmap, x, y, **KW).grads
    params = [list(cmap.untie(s.params)) + [np.array([s.gain])] for s in states]

    def loss(p):
        sts = [LayerState(cmap.tie(*q[:4]), float(q[4][0])) for q in p]
        program_network(chips, sts)
        return network_loss(chips, sts, x, y, **KW)

    rng = np.random.default_rng(0)
    eps = 1e-6
    fd, an = [], []
    for layer in range(2):
        for k, key in enumerate(PHASE_KEYS + ("gain",)):
            size = params[layer][k].size
            for j in rng.choice(size, size=min(size, 6), replace=False):
                vals = []
                for sign in (1, -1):
                    p = [[a.copy() for a in q] for q in params]
                    p[layer][k][j] += sign * eps
                    vals.append(loss(p))
                fd.append((vals[0] - vals[1]) / (2 * eps))
                an.append(got.view(layer, key)[j])
    np.testing.assert_allclose(an, fd, rtol=1e-6, atol=1e-6 * np.max(np.abs(fd)))


def _clean(spec):
    """No detector noise and ideal IQ modulators and receivers (MZI losses stay: a mirror twin carries
    its loss at its input, so the tied formula is exact on a lossy chip too)."""
    return spec.replace(detector__shot=0.0, detector__thermal=0.0, detector__adc_bits=0,
                        detector__phase_offset_std_rad=0.0, detector__phase_noise_rad=0.0,
                        modulator__gain_std=0.0, modulator__phase_std_rad=0.0, modulator__noise=0.0)


def test_ffm_equals_true_gradient_on_symmetric_imperfect_chip(batch):
    x, y = batch
    spec = _clean(preset("typical")).replace(mirror_asymmetry=0.0)
    chips = make_chips(spec, 4, 2)
    cmap = core_map(chips[0].schedule)
    states = initial_states(4, CFG, cmap)
    program_network(chips, states)
    gains = [s.gain for s in states]
    true = true_circuits(chips)
    model = true_circuits(deploy(states, None, 4, CFG))  # the ideal model with the same settings
    # phase level: every MZI phase and attenuator psi exactly; attenuator theta uses the design ratio r
    ffm = phase_gradients(chips, states, cmap, x, y, **KW).grads
    _, exact = phase_gradients_exact(true, cmap, gains, x, y, **KW)
    _, silico = phase_gradients_exact(model, cmap, gains, x, y, **KW)
    for f, e, s in zip((ffm.layer(i) for i in range(2)), exact, silico):
        for key in ("u_theta", "u_phi", "att_psi"):
            np.testing.assert_allclose(f[key], e[key], rtol=1e-9, atol=1e-12 * np.abs(e[key]).max())
        assert relative_error(f["att_theta"], e["att_theta"]) < 0.3
        assert relative_error(flat_phase_grads(s), flat_phase_grads(e)) > 0.05
    # matrix level
    program_network(chips, states)
    ffm_m = matrix_gradients(chips, states, x, y, **KW).grads
    _, exact_m = matrix_gradients_exact(true, gains, x, y, **KW)
    _, silico_m = matrix_gradients_exact(model, gains, x, y, **KW)
    for f, e, s in zip(ffm_m.blocks("w"), exact_m, silico_m):
        assert relative_error(f, e) < 1e-9
        assert relative_error(s, e) > 0.05


def test_true_phase_gradient_matches_finite_differences_on_asymmetric_lossy_chip(batch):
    """The evaluation-only truth (transposed circuit) against plain FD."""
    x, y = batch
    spec = preset("typical").replace(mirror_asymmetry=0.5)
    chips = make_chips(spec, 6, 2)
    cmap = core_map(chips[0].schedule)
    states = initial_states(6, CFG, cmap)
    program_network(chips, states)
    gains = [s.gain for s in states]
    layers = true_circuits(chips)
    _, exact = phase_gradients_exact(layers, cmap, gains, x, y, **KW)
    ffm = phase_gradients(chips, states, cmap, x, y, **KW).grads
    assert relative_error(ffm.layer_vector(0, exclude=("gain",)), flat_phase_grads(exact[0])) > 1e-3  # asymmetry shows

    def loss(lays):
        return matrix_gradients_exact(lays, gains, x, y, **KW)[0]

    eps = 1e-6
    for layer in range(2):
        for comp, key, gkey in (("mzi", "theta", "u_theta"), ("mzi", "phi", "u_phi"),
                                ("attenuator", "theta", "att_theta"), ("attenuator", "psi", "att_psi")):
            for j in (0, 7):
                vals = []
                for sign in (1, -1):
                    lays = [(c, s.copy()) for c, s in layers]
                    arr = lays[layer][1].component(comp)[key]
                    if comp == "mzi":
                        arr[cmap.u[j]] += sign * eps
                        arr[cmap.ut[j]] += sign * eps
                    else:
                        arr[j] += sign * eps
                    vals.append(loss(lays))
                fd = (vals[0] - vals[1]) / (2 * eps)
                assert exact[layer][gkey][j] == pytest.approx(fd, rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("make", [lambda: Adam(0.05), lambda: SGD(0.02)], ids=["adam", "sgd"])
def test_optimisers_minimise_a_complex_and_a_real_quadratic(make):
    # L = |w - t|^2: Wirtinger dL/dw* = w - t; L = (r - s)^2: real dL/dr = 2 (r - s)
    for target, grad in ((np.array([1.0 + 2.0j, -0.5j]), lambda w, t: w - t),
                         (np.array([0.3, -1.2]), lambda r, t: 2 * (r - t))):
        opt, params = make(), np.zeros_like(target)
        for _ in range(600):
            params = opt.step(params, grad(params, target))
        np.testing.assert_allclose(params, target, atol=1e-2)
        state = opt.state_dict()
        again = make()
        again.load_state_dict(state)
        g = grad(params, target)
        assert np.array_equal(again.step(params, g), opt.step(params, g))  # the state is all of it


def test_optimiser_refuses_mismatched_vectors():
    with pytest.raises(ConfigError, match="one vector of the same length"):
        Adam(0.1).step(np.zeros(3), np.zeros(2))


def test_cosine_similarity_by_hand():
    from picffm.training.truth import cosine

    assert cosine(np.array([1.0, 0.0]), np.array([2.0, 0.0])) == pytest.approx(1.0)
    assert cosine(np.array([0.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(0.0)
    assert cosine(np.array([1j, 1.0]), np.array([-1j, -1.0])) == pytest.approx(-1.0)
    assert np.isnan(cosine(np.zeros(2), np.ones(2)))
