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


def test_noise_floor_is_measured_and_removed():
    noisy = PLANTED.replace(detector__shot=0.01, modulator__noise=0.005)
    a, b = _pair(noisy, seed=3)
    true = drift_statistics(a, 300.0, 11)
    meas = drift_statistics(b, 300.0, 11, method="measured", repeats=20, elements=true.elements)
    raw, floor, corr = (float(np.mean(v)) for v in (meas.rel_std_abs_pct, meas.noise_floor_abs_pct,
                                                    meas.corrected_abs_pct))
    truth = float(np.mean(true.rel_std_abs_pct))
    assert floor > 0.2 * truth  # the noise is not negligible ...
    assert raw > truth  # ... so the raw figure overstates the drift
    assert corr == pytest.approx(truth, rel=0.3)  # removing the measured noise variance recovers it
    # no drift at all: the raw figure is the noise floor and the corrected one is (near) zero
    c, d = _pair(noisy.replace(drift__model="none"), seed=3)
    still = drift_statistics(d, 300.0, 11, method="measured", repeats=20)
    assert drift_statistics(c, 300.0, 11).max_pct < 1e-10
    assert float(np.mean(still.rel_std_abs_pct)) == pytest.approx(float(np.mean(still.noise_floor_abs_pct)), rel=0.3)
    assert float(np.mean(still.corrected_abs_pct)) < 0.5 * float(np.mean(still.noise_floor_abs_pct))
    assert d.passes == 11 * 20 * 6
