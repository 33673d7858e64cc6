"""Calibration through the chip protocol: the twin recovers what was planted, programming through it."""

import numpy as np
import pytest

from picffm.calibration import CalibrationReport, Twin, calibrate, program_through_twin, program_twin
from picffm.calibration.jacobian import matrix_jacobian
from picffm.chip import SimulatedChip, preset
from picffm.chip.calibration import fidelity, measure_matrix, random_tied_settings
from picffm.chip.stats import random_symmetric
from picffm.errors import CalibrationError
from picffm.meshes import clements, symmetric_core
from picffm.parameters import Params
from picffm.programming import program_symmetric
from picffm.simulation import Circuit

from _protocol import ProtocolOnly


def quiet(spec, factor=0.0):
    """``spec`` with its read noise scaled by ``factor`` (0: noiseless) and no drift."""
    d, m = spec.detector, spec.modulator
    return spec.replace(detector__shot=d.shot * factor, detector__thermal=d.thermal * factor,
                        detector__phase_noise_rad=d.phase_noise_rad * factor, modulator__noise=m.noise * factor,
                        detector__adc_bits=d.adc_bits if factor else 0, drift__model="none")


def prediction_error(chip, twin, rng, samples=3):
    """Largest relative error of the twin's effective matrix at random settings (evaluation via reveal)."""
    out = []
    for _ in range(samples):
        p = Params(chip.schedule.table)
        p.programmable[:] = rng.uniform(0, 2 * np.pi, p.programmable.size)
        chip.program(p)
        true = chip.effective_matrix()
        out.append(np.linalg.norm(twin.effective_matrix(p) - true) / np.linalg.norm(true))
    return max(out)


@pytest.fixture(scope="module")
def noiseless():
    """A noiseless as-fabricated 6-mode core and its twin."""
    chip = SimulatedChip(symmetric_core(6), quiet(preset("fabricated")), np.random.default_rng(3))
    return chip, calibrate(ProtocolOnly(chip), rng=np.random.default_rng(4))


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(0)
    circ = Circuit.from_netlist(symmetric_core(5))
    p = random_tied_settings(circ.schedule, rng)
    p.fixed[:] += rng.normal(0, 0.01, p.fixed.size)
    entries = np.arange(0, p.table.size, 2)
    jac = matrix_jacobian(circ, p, entries)
    h = 1e-6
    for j, k in enumerate(entries):
        a, b = p.copy(), p.copy()
        a.values[k] += h
        b.values[k] -= h
        np.testing.assert_allclose(jac[j], (circ.matrix(a) - circ.matrix(b)) / (2 * h), atol=1e-8)


def test_twin_recovers_planted_values_on_a_noiseless_chip(noiseless):
    chip, twin = noiseless
    fab, table = chip._fab, chip.schedule.table  # the planted truth (test only)
    h = table.n_programmable
    off = np.angle(np.exp(1j * (twin.offset_rad - fab.offset_rad)))
    assert np.abs(off).max() < 1e-3  # rad, from offsets of std pi
    assert np.abs(twin.efficiency - fab.efficiency).max() < 1e-3  # from a 5 % spread
    x_true = chip._heaters.crosstalk.toarray()
    assert np.abs(twin.crosstalk.toarray() - x_true).max() < 2e-4  # from entries of 0.01 and 0.03
    for key in ("kappa1", "kappa2"):
        b = table.block("mzi", key)
        err = twin.fixed[b.start - h:b.stop - h] - fab.fixed[b.start - h:b.stop - h]
        assert np.abs(err).max() < 1e-3  # from a 3 % spread
    assert prediction_error(chip, twin, np.random.default_rng(5)) < 2e-3
    assert twin.report.noise_floor < 1e-12


def test_calibration_uses_only_the_protocol_and_counts_its_passes():
    chip = SimulatedChip(symmetric_core(4), "typical", np.random.default_rng(1))
    proxy = ProtocolOnly(chip)
    twin = calibrate(proxy, rng=np.random.default_rng(2))
    assert {"program", "run", "monitors"} <= proxy.touched
    assert twin.report.passes == chip.passes == sum(twin.report.stages.values())
    # the estimated chip time is the time model's sum over what the calibration did; the drift clock never moved
    t = chip.spec.timing
    assert twin.report.chip_time_s == pytest.approx(chip.passes * t.pass_s + proxy.programs * t.program_s, rel=1e-12)
    assert twin.report.chip_time_s > 0 and chip.time_s == 0.0
    assert prediction_error(chip, twin, np.random.default_rng(6)) < 0.01  # noise floor 0.006 per read


def test_twin_degrades_gracefully_with_noise():
    errs, floors = [], []
    for factor in (0.0, 1.0, 4.0):
        chip = SimulatedChip(symmetric_core(4), quiet(preset("fabricated"), factor), np.random.default_rng(8))
        twin = calibrate(chip, rng=np.random.default_rng(9), settings=4, repeats=2)
        errs.append(prediction_error(chip, twin, np.random.default_rng(10)))
        floors.append(twin.report.noise_floor)
    assert floors[0] < 1e-12 < floors[1] < floors[2]
    assert errs[0] < errs[1] < errs[2] < 0.1  # worse with noise, still a usable model
    assert errs[2] < 10 * floors[2]  # of the order of the noise, not a failed fit


def test_calibration_without_monitors_fits_heaters_globally():
    chip = SimulatedChip(symmetric_core(4), quiet(preset("typical")), np.random.default_rng(2))

    class NoMonitors(ProtocolOnly):
        has_monitors = False

    twin = calibrate(NoMonitors(chip), rng=np.random.default_rng(3), settings=8)
    assert "phase sweeps" not in twin.report.stages
    h = chip.schedule.table.n_programmable
    design = Twin(chip.netlist, chip.schedule.table.defaults[h:], np.zeros(h), np.ones(h))
    before = prediction_error(chip, design, np.random.default_rng(4))
    after = prediction_error(chip, twin, np.random.default_rng(4))
    assert after < 0.1 * before and after < 0.025  # crosstalk is not fitted without monitors


def test_twin_file_round_trip_and_refusals(tmp_path, noiseless):
    chip, twin = noiseless
    path = tmp_path / "twin.json"
    twin.save(path)
    back = Twin.load(path, chip.netlist)
    p = random_tied_settings(chip.schedule, np.random.default_rng(1))
    np.testing.assert_array_equal(back.effective_matrix(p), twin.effective_matrix(p))
    assert back.report == twin.report
    with pytest.raises(CalibrationError, match="not on this netlist"):
        Twin.load(path, symmetric_core(4))
    bad = tmp_path / "bad.json"
    for text, match in (("{", "invalid JSON"), ('{"format": "x"}', "not a picffm twin file"),
                        ('{"format": "picffm-twin-1"}', "no 'netlist' record")):
        bad.write_text(text)
        with pytest.raises(CalibrationError, match=match) as exc:
            Twin.load(bad, chip.netlist)
        assert "\n" not in str(exc.value) and str(bad) in str(exc.value)
    doc = twin.to_dict()
    doc["offset_rad"] = doc["offset_rad"][:-1]
    with pytest.raises(CalibrationError, match="offset_rad"):
        Twin.from_dict(doc, chip.netlist)
    with pytest.raises(CalibrationError, match="JSON"):
        twin.save(tmp_path / "twin.yml")


def test_twin_keeps_structure_settings_and_fitted_values_apart(noiseless):
    chip, twin = noiseless
    p = random_tied_settings(chip.schedule, np.random.default_rng(2))
    actual = twin.params(p)
    assert actual.table is twin.circuit.table and np.array_equal(actual.fixed, twin.fixed)
    assert np.array_equal(p.programmable, random_tied_settings(chip.schedule, np.random.default_rng(2)).programmable)
    x = np.random.default_rng(3).normal(size=(6, 2)) + 0j
    np.testing.assert_allclose(twin.propagate(x, p), twin.effective_matrix(p) @ x, atol=1e-12)
    np.testing.assert_allclose(twin.decode(twin.effective_matrix(p) @ twin.encode(x)), twin.matrix(p) @ x,
                               atol=1e-12)
    # d actual / d programmed by formula equals a finite difference of the heater model
    j = twin.phase_jacobian(p).toarray()
    q = p.copy()
    q.programmable[0] += 1e-6
    np.testing.assert_allclose((twin.actual_phases(q) - twin.actual_phases(p)) / 1e-6, j[:, 0], atol=1e-6)


def test_twin_heater_model_is_the_chips_formula_with_a_continuous_drive():
    """A twin holding a chip's true heater factors predicts its phases: bit for bit without a DAC, else within
    the DAC's half step times the heaters' gain (the twin's drive is continuous)."""
    net = symmetric_core(5)
    for bits in (0, 6):
        spec = preset("typical").replace(heater__dac_bits=bits, heater__crosstalk_same_column=0.02,
                                         heater__crosstalk_next_column=0.01, heater__efficiency_std=0.05)
        chip = SimulatedChip(net, spec, np.random.default_rng(7))
        hd = chip._heaters  # hidden truth, read here by the test only
        twin = Twin(net, chip._fab.fixed, hd.offset_rad, hd.efficiency, hd.crosstalk, circuit=chip._circuit)
        p, rng, step = chip.params(), np.random.default_rng(8), spec.heater.range_rad / 2 ** max(bits, 1)
        # drives kept half a step below 2 pi: one that rounds up wraps to 0 (why programming keeps them below)
        p.programmable[:] = (rng.uniform(0, 2 * np.pi - step, p.programmable.size)
                             + 2 * np.pi * rng.integers(-1, 2, p.programmable.size))
        true = hd.apply(p.programmable, np.empty(p.programmable.size))
        got = twin.actual_phases(p)
        if bits == 0:
            assert np.array_equal(got, true)
        else:
            gain = np.max(hd.efficiency) * (1 + abs(hd.crosstalk).sum(axis=1).max())
            err = np.abs(got - true)
            assert 0.1 * step < err.max() <= gain * step / 2 + 1e-12


def test_programming_through_the_twin_on_an_as_fabricated_chip():
    chip = SimulatedChip(symmetric_core(6), "fabricated", np.random.default_rng(11))
    twin = calibrate(chip, rng=np.random.default_rng(12))
    w = random_symmetric(6, np.random.default_rng(13))
    settings, scale = program_symmetric(chip.schedule, w)
    chip.program(settings)
    before = fidelity(measure_matrix(chip), w / scale)
    p0 = chip.passes
    res = program_through_twin(chip, twin, w, iterations=2)
    assert res.passes == chip.passes - p0 > 0
    assert before < 0.5 and res.fidelity > 0.995 and res.fidelity >= res.fidelity_twin_only
    core = fidelity(chip.realised_matrix(), w / scale)  # evaluation only: the chip's own core
    assert core > 0.99
    p_only, _ = program_twin(twin, w)
    assert fidelity(twin.matrix(p_only), w / scale) > 0.999


def test_program_through_twin_on_a_unitary_mesh():
    chip = SimulatedChip(clements(4), quiet(preset("harsh"), 1.0), np.random.default_rng(5))
    twin = calibrate(chip, rng=np.random.default_rng(6))
    from scipy.stats import unitary_group

    u = unitary_group.rvs(4, random_state=np.random.default_rng(7))
    res = program_through_twin(chip, twin, u, iterations=1)
    assert res.fidelity > 0.995


def test_bad_calibration_options_are_refused():
    chip = SimulatedChip(symmetric_core(2), "typical", np.random.default_rng(0))
    for kw in ({"settings": 0}, {"repeats": 1.5}, {"sweep_steps": 2}):
        with pytest.raises(CalibrationError, match=next(iter(kw))):
            calibrate(chip, **kw)
    assert isinstance(CalibrationReport().to_dict(), dict)
