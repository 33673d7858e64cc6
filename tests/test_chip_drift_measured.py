"""Drift measured through the protocol (Xue et al. Fig. 5c style) against planted drift."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.chip import ChipSpec, SimulatedChip
from picffm.chip.calibration import random_tied_settings
from picffm.chip.stats import drift_statistics
from picffm.meshes import symmetric_core


def _pair(spec, seed=0):
    """Two identical chips (same seed, same programming): one read through reveal(), one through the protocol."""
    out = []
    for _ in range(2):
        chip = SimulatedChip(symmetric_core(6), spec, np.random.default_rng(seed))
        chip.program(random_tied_settings(chip.schedule, np.random.default_rng(seed + 1), full_transmission=True))
        out.append(chip)
    return out


PLANTED = ChipSpec().replace(drift__model="ou", drift__sigma_rad=2e-3, drift__tau_s=100.0)


def test_noiseless_protocol_reads_the_planted_drift_exactly():
    a, b = _pair(PLANTED)
    true = drift_statistics(a, 300.0, 11)
    meas = drift_statistics(b, 300.0, 11, method="measured", elements=true.elements)
    assert true.mean_pct > 0.05  # the planted drift is visible
    assert_allclose(meas.rel_std_pct, true.rel_std_pct, rtol=1e-9)
    assert_allclose(meas.rel_std_abs_pct, true.rel_std_abs_pct, rtol=1e-9)
    assert b.passes == 11 * 6


NOISY = PLANTED.replace(detector__shot=0.01, modulator__noise=0.005)


@pytest.mark.parametrize("seed", [3, 6])
def test_noise_is_removed_in_aggregate_and_recovers_the_planted_drift(seed):
    # twin chips: the same drift path (its own stream), one read through reveal(), one through noisy probes
    a, b = _pair(NOISY, seed=seed)
    true = drift_statistics(a, 300.0, 11)
    meas = drift_statistics(b, 300.0, 11, method="measured", repeats=20, elements=true.elements)
    truth = float(np.sqrt(np.mean(true.rel_std_abs_pct ** 2)))  # the answer: drift alone, rms over elements
    raw, noise, drift = meas.raw_rms_pct, meas.noise_rms_pct, meas.drift_rms_pct
    assert noise > 0.3 * truth  # the noise is not negligible ...
    assert raw > 1.05 * truth  # ... so the raw figure overstates the drift
    assert drift == pytest.approx(truth, rel=0.1)  # removing the measured noise variance recovers it
    # a proper share: noise and drift add up to the total in quadrature, and neither exceeds it
    assert 0.0 <= drift <= raw and noise <= raw
    assert noise ** 2 + drift ** 2 == pytest.approx(raw ** 2, rel=1e-12)
    s = meas.summary()
    assert (s["rel_std_abs_pct_rms"], s["noise_abs_pct_rms"], s["drift_abs_pct_rms"]) == (raw, noise, drift)
    assert np.all(meas.corrected_abs_pct <= meas.rel_std_abs_pct)


def test_noise_floor_is_the_whole_figure_without_drift():
    # no drift at all: the raw figure is the noise floor and the drift left is (near) zero
    c, d = _pair(NOISY.replace(drift__model="none"), seed=3)
    still = drift_statistics(d, 300.0, 11, method="measured", repeats=20)
    assert drift_statistics(c, 300.0, 11).max_pct < 1e-10
    assert still.raw_rms_pct == pytest.approx(still.noise_rms_pct, rel=0.1)
    assert still.drift_rms_pct < 0.3 * still.noise_rms_pct
    assert d.passes == 11 * 20 * 6
    # one read per time: the noise cannot be separated, and nothing pretends it was
    one = drift_statistics(d, 300.0, 11, method="measured", repeats=1)
    assert one.noise_rms_pct is None and one.drift_rms_pct is None and "drift_abs_pct_rms" not in one.summary()
