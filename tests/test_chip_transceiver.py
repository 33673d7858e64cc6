"""IQ-modulator encoding error and receiver phase reference of the simulated chip."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.chip import ChipSpec, SimulatedChip, preset
from picffm.chip.calibration import measure_matrix, random_tied_settings, relative_symmetry_error
from picffm.chip.stats import inspect_chip, protocol_fidelity
from picffm.meshes import symmetric_core


def _chip(spec, n=6, seed=0):
    chip = SimulatedChip(symmetric_core(n), spec, np.random.default_rng(seed))
    chip.program(random_tied_settings(chip.schedule, np.random.default_rng(seed + 1)))
    return chip


STATIC = ChipSpec().replace(modulator__gain_std=0.05, modulator__phase_std_rad=0.1,
                            detector__phase_offset_std_rad=0.2)


def test_static_errors_make_the_effective_operator_diag_r_m_diag_e():
    chip = _chip(STATIC)
    truth = chip.reveal()
    m = truth.matrix()
    e, r = truth.input_factor, truth.output_factor
    assert_allclose(np.abs(r), 1.0)
    assert np.std(np.abs(e)) > 0.01 and np.std(np.angle(e)) > 0.02
    assert_allclose(chip.effective_matrix(), np.diag(r) @ m @ np.diag(e), atol=1e-14)
    # no noise: a unit-vector probe through the protocol reads exactly the effective matrix
    assert_allclose(measure_matrix(chip), chip.effective_matrix(), atol=1e-14)
    # the core stays symmetric (twins identical) but the operator the trainer sees does not
    assert relative_symmetry_error(m) < 1e-13
    assert relative_symmetry_error(chip.effective_matrix()) > 0.01
    # direct detection sees the modulator but not the receivers' phases
    x = np.random.default_rng(3).standard_normal((6, 4))
    assert_allclose(chip.intensities(x), np.abs(m @ (e[:, None] * x)) ** 2, atol=1e-13)


def test_reference_jitter_is_one_phase_per_pass_shared_by_outputs_and_taps():
    sigma = 0.05
    spec = ChipSpec().replace(detector__phase_noise_rad=sigma)
    chip = _chip(spec)
    x = np.random.default_rng(5).standard_normal((6, 4000)) + 0j
    truth = chip.reveal()
    y_true = truth.matrix() @ x
    y, taps = chip.monitors(x)
    ratio = y / y_true
    assert_allclose(np.abs(ratio), 1.0, atol=1e-12)
    ph = np.angle(ratio)
    assert_allclose(ph, np.broadcast_to(ph[0], ph.shape), atol=1e-12)  # common to every output of a pass
    assert np.std(ph[0]) == pytest.approx(sigma, rel=0.05)
    _, taps_true = truth.circuit.taps(x, truth.params)
    tap_ph = np.angle(taps.theta_after / taps_true.theta_after)
    assert_allclose(np.angle(np.exp(1j * (tap_ph - ph[0]))), 0.0, atol=1e-9)


def test_encoding_noise_is_relative_and_fresh_each_pass():
    spec = ChipSpec().replace(modulator__noise=0.02)
    chip = _chip(spec, n=4)
    x = np.zeros((4, 20000), complex)
    x[1] = 1.0
    y = chip.run(x)
    col = chip.realised_matrix()[:, 1][:, None]
    rel = y / col - 1.0  # the launched field error scales the whole column
    assert_allclose(rel, np.broadcast_to(rel[0], rel.shape), atol=1e-10)
    assert np.sqrt(np.mean(np.abs(rel[0]) ** 2)) == pytest.approx(0.02, rel=0.03)
    assert abs(np.corrcoef(rel[0, :-1].real, rel[0, 1:].real)[0, 1]) < 0.03
    assert np.all(chip.run(np.zeros((4, 3))) == 0)  # relative: no light in, no light out


def test_transceiver_draw_does_not_change_the_mesh_fabrication():
    base = preset("typical").replace(modulator__gain_std=0.0, modulator__phase_std_rad=0.0, modulator__noise=0.0,
                                     detector__phase_offset_std_rad=0.0, detector__phase_noise_rad=0.0)
    a = _chip(base, seed=4).reveal()
    b = _chip(preset("typical"), seed=4).reveal()
    assert_allclose(a.matrix(), b.matrix(), atol=0)
    assert np.all(a.input_factor == 1) and not np.all(b.input_factor == 1)


def test_presets_report_protocol_fidelity_in_order():
    fids = {n: protocol_fidelity(preset(n), n=8, samples=2).mean() for n in ("ideal", "typical", "fabricated")}
    assert fids["ideal"] == pytest.approx(1.0, abs=1e-12)
    assert 0.9 < fids["typical"] < 1.0
    assert fids["fabricated"] < 0.5
    rep = inspect_chip(preset("typical"), n=8, samples=2)
    # with the protocol's noise the measured fidelity is a little below, close to the noiseless one
    assert_allclose(rep.measured_fidelity, rep.fidelity, atol=0.02)
