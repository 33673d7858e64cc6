"""Component models against 2x2 matrices written out by hand (DESIGN §2)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm import models

S = np.sqrt


def P(phi):
    return np.array([[np.exp(1j * phi), 0], [0, 1]])


def test_coupler_written_out():
    assert_allclose(models.coupler(kappa=0.5), np.array([[1, 1j], [1j, 1]]) / S(2), atol=1e-15)
    assert_allclose(models.coupler(kappa=0.2), [[S(0.8), 1j * S(0.2)], [1j * S(0.2), S(0.8)]], atol=1e-15)
    c = models.coupler(kappa=0.37)
    assert_allclose(c, c.T)  # reciprocal
    assert_allclose(c @ c.conj().T, np.eye(2), atol=1e-15)  # lossless


def test_phase_shifter_and_screen():
    assert_allclose(models.phase_shifter(phi=np.pi / 2), 1j, atol=1e-15)
    assert_allclose(models.phase_screen(phi=0.7), P(0.7))
    assert_allclose(abs(models.phase_shifter(phi=1.0, loss_db=3.0)) ** 2, 10 ** -0.3)


@pytest.mark.parametrize("theta,phi", [(0.0, 0.0), (np.pi, 0.3), (1.1, -2.0), (2.5, 4.0)])
def test_mzi_closed_form_5050(theta, phi):
    # i e^{i theta/2} [[e^{i phi} sin(theta/2), cos(theta/2)], [e^{i phi} cos(theta/2), -sin(theta/2)]]
    ep, s, c = np.exp(1j * phi), np.sin(theta / 2), np.cos(theta / 2)
    expected = 1j * np.exp(1j * theta / 2) * np.array([[ep * s, c], [ep * c, -s]])
    assert_allclose(models.mzi(theta=theta, phi=phi), expected, atol=1e-14)


def test_mzi_is_product_of_elements_and_mirror_is_transpose():
    t = models.mzi(theta=0.4, phi=1.3, kappa1=0.46, kappa2=0.53)
    ref = models.coupler(kappa=0.53) @ P(0.4) @ models.coupler(kappa=0.46) @ P(1.3)
    assert_allclose(t, ref, atol=1e-15)
    mirrored = P(1.3) @ models.coupler(kappa=0.46) @ P(0.4) @ models.coupler(kappa=0.53)
    assert_allclose(models.mzi(theta=0.4, phi=1.3, kappa1=0.46, kappa2=0.53, mirror=True), mirrored, atol=1e-15)
    assert_allclose(mirrored, t.T, atol=1e-15)


def test_mzi_vectorised_matches_scalar():
    th = np.array([0.1, 0.2, 3.0])
    ph = np.array([1.0, -1.0, 0.5])
    out = models.mzi(theta=th, phi=ph, mirror=np.array([False, True, False]))
    assert out.shape == (3, 2, 2)
    assert_allclose(out[1], models.mzi(theta=0.2, phi=-1.0).T)
    assert_allclose(out[2], models.mzi(theta=3.0, phi=0.5))


def test_mzi_bar_and_cross_states():
    assert_allclose(abs(models.mzi(theta=np.pi)) ** 2, np.eye(2), atol=1e-15)  # bar
    assert_allclose(abs(models.mzi(theta=0.0)) ** 2, [[0, 1], [1, 0]], atol=1e-15)  # cross


def test_waveguide():
    t = models.waveguide(length_um=10000.0, neff=2.0, loss_db_per_cm=3.0, wavelength_um=1.5)
    assert_allclose(abs(t) ** 2, 10 ** -0.3)
    assert_allclose(np.angle(t), np.angle(np.exp(1j * 2 * np.pi * 2.0 * 10000.0 / 1.5)), atol=1e-9)


def test_attenuator():
    assert_allclose(models.attenuator(theta=np.pi), -1.0, atol=1e-15)
    assert_allclose(models.attenuator(theta=0.0), 0.0, atol=1e-15)
    th, psi = 1.2, 0.4
    expected = 1j * np.exp(1j * th / 2) * np.sin(th / 2) * np.exp(1j * psi)
    assert_allclose(models.attenuator(theta=th, psi=psi), expected, atol=1e-15)
    assert_allclose(models.attenuator(theta=th, psi=psi, kappa1=0.45, kappa2=0.52),
                    models.mzi(theta=th, phi=0.0, kappa1=0.45, kappa2=0.52)[0, 0] * np.exp(1j * psi), atol=1e-15)


def test_5050_coupler_amplitudes_square_to_one():
    # sqrt(0.5)**2 * 2 = 1 + 2**-52: a bias of one sign that adds up over a mesh
    t, k = models.coupler_amplitudes(np.array([0.5, 0.3, 0.5]))
    assert t[0] ** 2 + k[0] ** 2 == 1.0
    assert_allclose([t[1], k[1]], [S(0.7), S(0.3)], rtol=0, atol=0)
    c = models.coupler(kappa=0.5)
    assert_allclose(c @ c.conj().T, np.eye(2), rtol=0, atol=2.3e-16)


def test_mzi_mixed_ideal_and_nonideal_couplers_match_elementwise():
    rng = np.random.default_rng(3)
    theta, phi = rng.uniform(0, 2 * np.pi, (2, 6))
    k1 = np.array([0.5, 0.47, 0.5, 0.5, 0.52, 0.5])
    k2 = np.array([0.5, 0.5, 0.49, 0.5, 0.55, 0.5])
    vec = models.mzi(theta=theta, phi=phi, kappa1=k1, kappa2=k2)
    for i in range(6):
        ref = models.coupler(kappa=k2[i]) @ P(theta[i]) @ models.coupler(kappa=k1[i]) @ P(phi[i])
        assert_allclose(vec[i], ref, atol=1e-15)
