"""The gradient-error metric (per layer, window of updates, fitted in-silico model) on hand-made cases."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.chip import ChipSpec
from picffm.training.config import TrainConfig
from picffm.training.gradients import matrix_gradients
from picffm.training.gradmetric import (GradientWindow, carrying_samples, fitted_matrices, layer_errors,
                                        matrix_gradients_through, true_matrices)
from picffm.training.network import core_map, program_network
from picffm.training.trainers import initial_states, make_chips, make_dataset

CFG = TrainConfig(folds=1)  # the batches these tests were written for (one 105/45 split)
KW = dict(electronics=CFG.electronics)


def test_layer_errors_of_known_perturbations():
    rng = np.random.default_rng(0)
    t = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    errs, coss = layer_errors([1.03 * t], [t])  # 3 % too long, same direction
    assert errs[0] == pytest.approx(0.03) and coss[0] == pytest.approx(1.0)
    q = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    q -= np.vdot(t, q) / np.vdot(t, t) * t  # orthogonal to t (complex inner product)
    q *= 0.04 * np.linalg.norm(t) / np.linalg.norm(q)
    errs, coss = layer_errors([t + q, -t], [t, t])
    assert errs[0] == pytest.approx(0.04) and coss[0] == pytest.approx(1 / np.sqrt(1 + 0.04 ** 2))
    assert errs[1] == pytest.approx(2.0) and coss[1] == pytest.approx(-1.0)


def test_window_averages_updates_then_seeds():
    w = GradientWindow(70, 90)
    w.add("ffm", 0, 69, [9.0, 9.0], [0.0, 0.0])  # outside the window: ignored
    w.add("ffm", 0, 70, [0.02, 0.04], [1.0, 0.9])
    w.add("ffm", 0, 90, [0.04, 0.06], [1.0, 0.7])
    w.add("ffm", 1, 80, [0.01, 0.01], [1.0, 1.0])
    w.add("ffm", 1, 91, [9.0, 9.0], [0.0, 0.0])
    s = w.summary("ffm")
    assert s["seeds"] == 2 and s["updates_per_seed"] == [2, 1]
    # seed 0: layers 3 % and 5 % (overall 4 %); seed 1: 1 % and 1 % (overall 1 %)
    assert_allclose(s["layers_error_pct_mean"], [2.0, 3.0])
    assert s["error_pct_mean"] == pytest.approx(2.5) and s["error_pct_std"] == pytest.approx(1.5)
    assert_allclose(s["seeds_error_pct"], [4.0, 1.0])
    assert s["cos_mean"] == pytest.approx((1.0 + 0.8 + 1.0 + 1.0) / 4)
    assert GradientWindow().summary("none") == {"seeds": 0}


def test_carrying_samples_counts_the_unsaturated():
    logits = np.array([[20.0, 0.0, 1.0], [0.0, 20.0, 1.0], [0.0, 0.0, 1.0]])
    assert carrying_samples(logits, np.array([0, 1, 2])) == 1  # two confident, one at p = 1/3


def _setup(spec, seed=2):
    data = make_dataset(seed, CFG)
    chips = make_chips(spec, seed, 2)
    states = initial_states(seed, CFG, core_map(chips[0].schedule))
    program_network(chips, states)
    return data.x_train[:, :20], data.y_train[:20], chips, states


def test_symmetric_noiseless_chip_ffm_is_exact_and_fitted_model_is_exact():
    # imperfect but symmetric core (twins identical), ideal transceivers, no noise: FFM is exact
    spec = ChipSpec().replace(coupler__kappa_std=0.03, phase__offset_std_rad=0.05, loss__mzi_db=0.2)
    x, y, chips, states = _setup(spec)
    gains = [s.gain for s in states]
    _, true = matrix_gradients_through(true_matrices(chips), gains, x, y, **KW)
    ffm = matrix_gradients(chips, states, x, y, **KW).grads.blocks("w")
    errs, coss = layer_errors(ffm, true)
    assert max(errs) < 1e-9 and min(coss) > 1 - 1e-12
    # the fitted model (unit-vector probes, N passes per layer) of a noiseless chip is the chip
    before = sum(c.passes for c in chips)
    _, fit = matrix_gradients_through(fitted_matrices(chips), gains, x, y, **KW)
    assert sum(c.passes for c in chips) - before == 2 * 16
    assert max(layer_errors(fit, true)[0]) < 1e-9


def test_static_modulator_errors_break_ffm_but_not_the_fitted_model():
    # the same chip with static IQ-modulator and receiver errors: the operator is diag(r) M diag(e),
    # not symmetric, so FFM's forward error pass is no longer the transpose; a fitted model still is exact
    spec = ChipSpec().replace(modulator__gain_std=0.02, modulator__phase_std_rad=0.02,
                              detector__phase_offset_std_rad=0.02)
    x, y, chips, states = _setup(spec)
    gains = [s.gain for s in states]
    _, true = matrix_gradients_through(true_matrices(chips), gains, x, y, **KW)
    errs, coss = layer_errors(matrix_gradients(chips, states, x, y, **KW).grads.blocks("w"), true)
    assert errs[0] > 1e-3 and max(errs) < 0.5 and min(coss) > 0.8  # first layer sees layer 2's error pass
    _, fit = matrix_gradients_through(fitted_matrices(chips), gains, x, y, **KW)
    assert max(layer_errors(fit, true)[0]) < 1e-9


def test_true_phase_gradient_with_transceivers_matches_finite_differences():
    from picffm.training.gradmetric import phase_gradients_true
    from picffm.training.network import LayerState
    from picffm.training.truth import flat_phase_grads

    spec = ChipSpec().replace(coupler__kappa_std=0.03, phase__offset_std_rad=0.05, mirror_asymmetry=0.3,
                              modulator__gain_std=0.05, modulator__phase_std_rad=0.1,
                              detector__phase_offset_std_rad=0.1)
    x, y, chips, states = _setup(spec, seed=5)
    x, y = x[:, :6], y[:6]
    cmap = core_map(chips[0].schedule)
    gains = [s.gain for s in states]
    _, g = phase_gradients_true(chips, cmap, gains, x, y, **KW)

    def loss(u_theta0):
        st = [LayerState(cmap.tie(u_theta0, *cmap.untie(states[0].params)[1:]), gains[0]), states[1]]
        program_network(chips, st)
        return matrix_gradients_through(true_matrices(chips), gains, x, y, **KW)[0]

    base = cmap.untie(states[0].params)[0]
    eps = 1e-6
    fd = []
    for j in (0, 7, 30):
        d = np.zeros_like(base)
        d[j] = eps
        fd.append((loss(base + d) - loss(base - d)) / (2 * eps))
    program_network(chips, states)
    assert_allclose(g[0]["u_theta"][[0, 7, 30]], fd, rtol=1e-5, atol=1e-8)
    assert np.all(np.isfinite(flat_phase_grads(g[1])))


def test_twin_model_gradient_exact_for_an_exact_twin_and_calibration_spends_passes_once():
    from picffm.calibration import Twin
    from picffm.training.gradmetric import calibrated_twins, twin_matrices

    # couplers and losses off the design, phases applied as programmed, ideal transceivers, no noise
    spec = ChipSpec().replace(coupler__kappa_std=0.03, loss__mzi_db=0.2, loss__mzi_db_std=0.05)
    x, y, chips, states = _setup(spec)
    gains = [s.gain for s in states]
    _, true = matrix_gradients_through(true_matrices(chips), gains, x, y, **KW)
    h = chips[0].schedule.table.n_programmable
    exact = [Twin(c.netlist, c.reveal().params.values[h:], np.zeros(h), np.ones(h)) for c in chips]
    _, g = matrix_gradients_through(twin_matrices(exact, states), gains, x, y, **KW)
    assert max(layer_errors(g, true)[0]) < 1e-9
    # the design as a "twin" (50:50 couplers, no loss) is a wrong model: its gradient is off
    design = [Twin(c.netlist, c.schedule.table.defaults[h:], np.zeros(h), np.ones(h)) for c in chips]
    _, g = matrix_gradients_through(twin_matrices(design, states), gains, x, y, **KW)
    assert min(layer_errors(g, true)[0]) > 0.05
    # calibrated twins of the seed's chips (4-port cores: a fast calibration): passes counted, the
    # trainer's chips untouched (a rebuilt copy of the same fabrication draw is calibrated), close to the truth
    from picffm.parameters import Params
    from picffm.training.network import LayerState

    small = make_chips(spec, 2, 2, 4)
    rng = np.random.default_rng(7)
    st = []
    for c in small:
        p = Params(c.schedule.table)
        p.programmable[:] = rng.uniform(0, 2 * np.pi, p.programmable.size)
        c.program(p)
        st.append(LayerState(p, 1.0))
    before = [c.passes for c in small]
    twins, passes = calibrated_twins(spec, 2, 2, 4, {"settings": 2, "repeats": 1})
    assert passes > 0 and [c.passes for c in small] == before
    h4 = small[0].schedule.table.n_programmable
    design4 = [Twin(c.netlist, c.schedule.table.defaults[h4:], np.zeros(h4), np.ones(h4)) for c in small]
    for a, d, b in zip(twin_matrices(twins, st), twin_matrices(design4, st), true_matrices(small)):
        err, err_design = (np.linalg.norm(m - b) / np.linalg.norm(b) for m in (a, d))
        assert err < 0.2 * err_design  # a short calibration: several times closer than the design
