"""The reciprocity-constrained probe fit: exact on reciprocal operators, half the additive noise, right ratios."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from picffm.chip.calibration import measure_matrix, random_tied_settings
from picffm.chip.presets import preset
from picffm.errors import ParamsError
from picffm.training.prepare import make_chips
from picffm.training.reciprocal_fit import (column_corrected, reciprocal_fit, reciprocal_fitted_matrices,
                                           reciprocal_ratios)

#: ``typical`` with every per-read noise off and identical mirror twins: its static transceiver errors stay
QUIET = dict(detector__shot=0.0, detector__thermal=0.0, detector__adc_bits=0, detector__phase_noise_rad=0.0,
             modulator__noise=0.0, mirror_asymmetry=0.0)


def _random_symmetric(rng, n):
    x = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return 0.5 * (x + x.T)


def _noiseless_chip(seed=1, n=16):
    chip = make_chips(preset("typical").replace(**QUIET), seed, 1, n)[0]
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(seed + 10)))
    return chip


@pytest.mark.parametrize("n", [5, 16])
def test_recovers_the_noiseless_chip_operator(n):
    chip = _noiseless_chip(n=n)
    truth = chip.effective_matrix()  # evaluation only: the fit itself sees the probe reads
    e, r = chip.reveal().input_factor, chip.reveal().output_factor
    assert np.max(np.abs(e - 1)) > 1e-3 and np.max(np.abs(r - 1)) > 1e-3  # the transceivers are not ideal
    asym = np.linalg.norm(truth - truth.T) / np.linalg.norm(truth)
    assert asym > 1e-3  # so A itself is not symmetric: the ratios matter
    passes = chip.passes
    model = reciprocal_fitted_matrices([chip])[0]
    assert chip.passes - passes == n  # the same N probe passes as the raw fit
    assert_allclose(model, truth, rtol=0, atol=1e-12)
    _, q = reciprocal_fit(measure_matrix(chip))
    assert_allclose(q / q[0], (r / e) / (r[0] / e[0]), rtol=0, atol=1e-12)


def test_ratios_against_a_direct_computation():
    # hand-made A = diag(q) S: q_i / q_0 = A_i0 / A_0i directly, for every port
    rng = np.random.default_rng(4)
    n = 6
    s = _random_symmetric(rng, n)
    q = (1 + 0.3 * rng.normal(size=n)) * np.exp(1j * rng.uniform(-3, 3, n))  # phases far beyond small-angle
    a = q[:, None] * s
    direct = a[:, 0] / a[0, :]
    model, q_fit = reciprocal_fit(a)
    assert_allclose(q_fit / q_fit[0], direct, rtol=1e-12)
    assert_allclose(model, a, rtol=0, atol=1e-12)
    assert q_fit[0].imag == 0 and q_fit[0].real > 0  # the stated phase convention
    p = reciprocal_ratios(a)
    assert np.linalg.norm(p) == pytest.approx(1.0)
    assert_allclose(p[:, None] * a, (p[:, None] * a).T, atol=1e-12)


def test_additive_noise_variance_about_halved():
    # iid circular noise on every entry: the projection keeps (N + 1) / (2N) of it, fitting q adds a little
    rng = np.random.default_rng(7)
    n = 16
    truth = _noiseless_chip(seed=3).effective_matrix()
    raw, fit = 0.0, 0.0
    for _ in range(200):
        z = 1e-3 * np.sqrt(0.5) * (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
        raw += np.sum(np.abs(z) ** 2)
        fit += np.sum(np.abs(reciprocal_fit(truth + z)[0] - truth) ** 2)
    ratio = fit / raw
    assert (n + 1) / (2 * n) - 0.02 < ratio < 0.68  # about 0.59 at N = 16; raw would be 1


def test_column_noise_passes_through():
    # a per-pass factor on a whole column is exactly of the model's form, so the fit keeps it
    rng = np.random.default_rng(5)
    n = 8
    a = np.exp(1j * rng.normal(size=n))[:, None] * _random_symmetric(rng, n)
    read = a * (1 + 0.01 * (rng.normal(size=n) + 1j * rng.normal(size=n)))[None, :]
    assert_allclose(reciprocal_fit(read)[0], read, atol=1e-12)


def test_undetermined_ratios_are_refused():
    a = np.zeros((4, 4), complex)
    a[:2, :2] = [[1, 0.5], [0.5j, 1]]
    a[2:, 2:] = [[1, 0.2], [0.3, 1]]
    with pytest.raises(ParamsError, match="uncoupled blocks"):
        reciprocal_fit(a)  # two blocks: their relative scale is undetermined
    with pytest.raises(ParamsError, match="square"):
        reciprocal_fit(np.ones((3, 2)))
    with pytest.raises(ParamsError, match="non-finite"):
        reciprocal_fit(np.full((3, 3), np.nan))


def test_column_correction_with_known_ratios_is_exact_up_to_one_factor():
    rng = np.random.default_rng(8)
    n = 7
    q = (1 + 0.2 * rng.normal(size=n)) * np.exp(1j * rng.uniform(-3, 3, n))
    a = q[:, None] * _random_symmetric(rng, n)
    c = 1 + 0.01 * (rng.normal(size=n) + 1j * rng.normal(size=n))  # one read's column factors
    first, m, k = column_corrected(a * c[None, :])
    assert k == 1  # the first read is kept as it is
    assert_array_equal(first, a * c[None, :])
    corrected, m2, k2 = column_corrected(a * c[None, :], q, 1000)
    assert_allclose(corrected, a * np.mean(c), rtol=0, atol=1e-12)  # the column noise is gone
    assert k2 == 1001 and m2.shape == (n,)
    with pytest.raises(ParamsError, match="ports"):
        column_corrected(a, q[:-1], 3)


def test_column_correction_removes_per_pass_noise_on_a_chip():
    # identical mirror halves, only the per-pass column noise (jitter, encoding) left on: later reads correct it
    spec = preset("typical").replace(detector__shot=0.0, detector__thermal=0.0, detector__adc_bits=0,
                                     mirror_asymmetry=0.0)
    chip = make_chips(spec, 4, 1)[0]
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(9)))
    truth = chip.effective_matrix()
    m, k, raw, fixed = None, 0, [], []
    for i in range(40):
        read = measure_matrix(chip)
        corrected, m, k = column_corrected(read, m, k)
        if i >= 20:
            raw.append(np.linalg.norm(read - truth) / np.linalg.norm(truth))
            fixed.append(np.linalg.norm(corrected - truth) / np.linalg.norm(truth))
    assert np.mean(raw) > 3e-3  # the column noise is there (about 0.6 %)
    assert np.mean(fixed) < 0.4 * np.mean(raw)  # what is left: one common factor per read (about 1/4 of it)


def test_corrected_fit_state_survives_a_checkpoint(tmp_path):
    # the column correction carries its ratio mean from probe to probe: a unit continued from a checkpoint
    # taken inside the gradient window (through a state file) gives the same gradient errors, bit for bit
    from picffm.runs.statefile import load_state, save_state
    from picffm.training.config import TrainConfig
    from picffm.training.units import train_unit

    cfg = TrainConfig(epochs=4, checkpoint_every=1, grad_probe_step=6, folds=1)  # window 1..12 of 12 updates
    spec = preset("typical")
    saved = {}

    def keep(state):
        if len(saved) == 0 and state["grad"].get("fit") is not None:
            save_state(tmp_path / "ck.npz", "test", state)
            saved["doc"] = load_state(tmp_path / "ck.npz", "test")

    full, _ = train_unit("ffm", "typical", spec, 0, cfg, checkpoint=keep)
    assert saved and full.grad["updates"] == 12 and full.grad["insilico"] is not None
    assert saved["doc"]["grad"]["fit"]["reads"] == [3, 3]  # one epoch of probes: the state is mid-window
    resumed, _ = train_unit("ffm", "typical", spec, 0, cfg, saved=saved["doc"])
    assert resumed.grad == full.grad
