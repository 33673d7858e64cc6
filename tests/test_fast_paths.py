"""The fast paths of a reprogrammed chip give the same bits as the plain formulas they replace."""

from __future__ import annotations

import numpy as np
import pytest

from picffm.chip import SimulatedChip, preset
from picffm.meshes import symmetric_core
from picffm.models import mzi
from picffm.mzi_algebra import mzi_couplers, mzi_phased
from picffm.programming.mzi2x2 import wrap
from picffm.simulation import Circuit, element_matrices
from picffm.wrapping import mod_positive


def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("ideal_fraction", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("mirror_fraction", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("lossy", [False, True])
def test_mzi_phased_is_the_model_bit_for_bit(ideal_fraction, mirror_fraction, lossy):
    rng = np.random.default_rng(7)
    n = 257
    k1 = np.where(rng.random(n) < ideal_fraction, 0.5, 0.5 + 0.02 * rng.normal(size=n))
    k2 = np.where(rng.random(n) < ideal_fraction, 0.5, 0.5 + 0.02 * rng.normal(size=n))
    if 0 < ideal_fraction < 1:
        k1[:5], k2[:5] = 0.5, 0.48  # one coupler ideal: not a 50:50 MZI
    loss = rng.uniform(0, 0.3, n) * lossy
    mirror = rng.random(n) < mirror_fraction
    fixed = mzi_couplers(k1, k2, loss, mirror)
    for _ in range(3):  # the fixed part serves any phases
        theta, phi = rng.uniform(-7, 14, n), rng.uniform(-7, 14, n)
        _same_bits(mzi_phased(fixed, theta, phi), mzi(theta=theta, phi=phi, kappa1=k1, kappa2=k2, loss_db=loss,
                                                     mirror=mirror))


def test_fast_mod_is_numpy_mod_bit_for_bit():
    rng = np.random.default_rng(0)
    r = 2 * np.pi
    x = np.concatenate([30 * rng.normal(size=2000), [0.0, -0.0, r, -r, 2 * r, -3 * r, 1e-300, -1e-300, 5e-324,
                                                     -5e-324, np.nextafter(r, 0), -np.nextafter(r, 0), 1e300,
                                                     -1e300, -1e-17]])
    _same_bits(mod_positive(x, r, np.empty_like(x)), np.mod(x, r))
    _same_bits(mod_positive(x, 0.3), np.mod(x, 0.3))
    _same_bits(wrap(x), np.mod(x, 2 * np.pi))
    assert wrap(-0.5) == np.mod(-0.5, 2 * np.pi)


@pytest.mark.parametrize("spec", ["typical", "fabricated"])
def test_circuit_element_matrices_keep_the_fabrication_and_follow_it(spec):
    chip = SimulatedChip(symmetric_core(6), preset(spec), np.random.default_rng(2))
    truth = chip.reveal().params
    circ = Circuit(chip.schedule)
    rng = np.random.default_rng(3)
    for _ in range(2):  # new phases, the same fabrication: the kept part is reused
        truth.programmable[:] = rng.uniform(0, 2 * np.pi, truth.programmable.size)
        got, want = circ.element_matrices(truth), element_matrices(chip.schedule, truth)
        assert got.keys() == want.keys()
        for comp in want:
            _same_bits(got[comp], want[comp])
    mzi_kappa = truth.component("mzi")["kappa1"]
    mzi_kappa[:] = 0.5  # another fabrication: the kept part is rebuilt
    _same_bits(circ.element_matrices(truth)["mzi"], element_matrices(chip.schedule, truth)["mzi"])


def test_true_settings_are_the_heater_formula():
    """``typical``: DAC, crosstalk, efficiency, offsets and drift, written out with numpy's own operations."""
    spec = preset("typical")
    chip = SimulatedChip(symmetric_core(5), spec, np.random.default_rng(4))
    p = chip.params()
    p.programmable[:] = np.random.default_rng(5).uniform(-8, 8, p.programmable.size)
    chip.program(p)
    chip.advance(30.0)
    h = spec.heater
    step = h.range_rad / 2 ** h.dac_bits
    q = np.mod(np.round(np.mod(p.programmable, h.range_rad) / step) * step, h.range_rad)
    q = q + chip._heaters.crosstalk @ q
    want = chip._fab.efficiency * q + chip._fab.offset_rad + chip._drift.state
    _same_bits(chip.reveal().params.programmable, want)
    _same_bits(chip.reveal().params.fixed, chip._fab.fixed)
