"""Free-space optics: propagation, devices, the system protocol and FFM gradients."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from picffm.freespace.devices import EXACT_CAMERA, SLM, Camera, encode
from picffm.freespace.errors import FreespaceError
from picffm.freespace.ffm import Readout, detector_masks, ffm_gradients, forward
from picffm.freespace.grid import Grid
from picffm.freespace.imperfections import NONE, TYPICAL, Imperfections
from picffm.freespace.propagation import Propagator, transfer_function
from picffm.freespace.system import DiffractiveDesign, DiffractiveSystem, IdealSystem, SimulatedSystem


def _matrix(prop: Propagator) -> np.ndarray:
    n = prop.grid.n
    return prop(np.eye(n * n).reshape(n * n, n, n)).reshape(n * n, n * n).T  # [out, in]


@pytest.mark.parametrize("n", [9, 12])
def test_propagation_is_symmetric_over_pixels(n):
    prop = Propagator(Grid(n, 8.0), 3000.0)
    m = _matrix(prop)
    assert np.abs(m).max() > 1e-3
    assert_allclose(m, m.T, atol=1e-15)


def test_propagation_matches_the_gaussian_beam():
    # independent calculation: the paraxial Gaussian beam (waist 40 um at z = 0, 532 nm)
    g = Grid(256, 4.0, 0.532)
    x, y = g.mesh_um()
    w0, z = 40.0, 8000.0
    u0 = np.exp(-(x ** 2 + y ** 2) / w0 ** 2)
    u = Propagator(g, z)(u0[None])[0]
    k = 2 * np.pi / g.wavelength_um
    zr = np.pi * w0 ** 2 / g.wavelength_um
    q = 1 + 1j * z / zr
    ref = np.exp(1j * k * z) / q * np.exp(-(x ** 2 + y ** 2) / (w0 ** 2 * q))
    assert np.max(np.abs(u - ref)) < 2e-3


def test_propagation_conserves_power_inside_the_window_and_composes():
    g = Grid(128, 4.0)
    x, y = g.mesh_um()
    u0 = np.exp(-(x ** 2 + y ** 2) / 30.0 ** 2)[None]
    a, b = Propagator(g, 1500.0), Propagator(g, 2500.0)
    u = a(u0)
    assert_allclose(np.sum(np.abs(u) ** 2), np.sum(np.abs(u0) ** 2), rtol=1e-6)
    assert_allclose(b(u), Propagator(g, 4000.0)(u0), atol=1e-6)
    assert_allclose(Propagator(g, 0.0)(u0), u0, atol=1e-14)


def test_band_limit_and_evanescent_cut():
    g = Grid(64, 0.2, 0.532)  # pitch below lambda / 2: evanescent frequencies exist
    h = transfer_function(g, 10.0, 128, band_limit=False)
    f = np.fft.fftfreq(128, d=0.2)
    f2 = f[:, None] ** 2 + f[None, :] ** 2
    assert np.all(h[f2 >= 1 / 0.532 ** 2] == 0)
    assert_allclose(np.abs(h[f2 < 1 / 0.532 ** 2]), 1.0)
    g = Grid(64, 8.0)
    h = transfer_function(g, 1e6, 128)  # long distance: the chirp aliases, the band is limited
    lim = 1 / (0.532 * np.sqrt((2 * 1e6 / (128 * 8.0)) ** 2 + 1))
    f = np.fft.fftfreq(128, d=8.0)
    assert np.all(h[np.abs(f) > lim, :] == 0) and np.all(h[:, np.abs(f) > lim] == 0)


def test_bad_propagation_input_is_named():
    with pytest.raises(FreespaceError, match="distance"):
        Propagator(Grid(8, 1.0), -1.0)
    with pytest.raises(FreespaceError, match="grid"):
        Propagator(Grid(8, 1.0), 1.0)(np.zeros((2, 7, 7)))
    with pytest.raises(FreespaceError, match="pitch"):
        Grid(8, 0.0)


def test_slm_levels():
    s = SLM("phase", 8.0, 3)
    q = s.quantise(np.linspace(-7, 7, 101))
    assert_allclose(np.unique(np.round(q / (2 * np.pi / 8), 9)) % 1, 0.0, atol=1e-9)
    assert np.all((q >= 0) & (q < 2 * np.pi))
    a = SLM("amplitude", 12.5, 2).quantise(np.array([-1, 0.1, 0.5, 0.9, 2]))
    assert_allclose(a, [0, 0, 2 / 3, 1, 1])
    with pytest.raises(FreespaceError, match="fill factor"):
        SLM(fill_factor=0)


def test_encode_round_trip_and_scale():
    rng = np.random.default_rng(1)
    f = rng.normal(size=(3, 6, 6)) + 1j * rng.normal(size=(3, 6, 6))
    enc, scale = encode(f, None, None)
    assert_allclose(enc * scale[:, None, None], f)
    enc8, _ = encode(f, SLM("amplitude", 12.5, 8), SLM("phase", 8.0, 8))
    assert np.max(np.abs(enc8 - enc)) < 2 * np.pi / 256 + 1 / 255


def test_holography_recovers_the_field_and_its_noise_shrinks_with_light():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(4, 16, 16)) + 1j * rng.normal(size=(4, 16, 16))
    exact = Camera(dark_noise_e=0.0, full_well_e=1e12, bit_depth=24).holography(y, rng)
    assert_allclose(exact, y, atol=1e-4 * np.abs(y).max())
    err = []
    for well in (1e3, 1e5):
        est = Camera(full_well_e=well, bit_depth=16).holography(y, np.random.default_rng(3))
        err.append(np.linalg.norm(est - y) / np.linalg.norm(y))
    assert err[1] < err[0] / 5  # shot noise ~ 1/sqrt(electrons)
    assert_allclose(EXACT_CAMERA.holography(y, rng), y)


def test_detector_masks_disjoint():
    m = detector_masks(Grid(60, 8.0), 10)
    assert m.shape == (10, 60, 60) and np.all(m.sum(axis=(1, 2)) == 36)
    assert m.sum(axis=0).max() == 1


def _fd(loss, m, v, h=1e-3):
    """Directional derivative by the fourth-order central difference."""
    return (8 * (loss(m + h * v) - loss(m - h * v)) - (loss(m + 2 * h * v) - loss(m - 2 * h * v))) / (12 * h)


@pytest.mark.parametrize("activation,stages", [("intensity", 1), ("intensity", 3), ("linear", 2)])
def test_ffm_gradient_is_exact_on_the_ideal_system(activation, stages):
    rng = np.random.default_rng(4)
    g = Grid(14, 8.0)
    system = IdealSystem(DiffractiveDesign(g, z_um=2000.0), stages)
    masks = rng.uniform(0, 2 * np.pi, (stages, 14, 14))
    system.program(masks)
    x = rng.uniform(0, 1, (5, 14, 14))
    labels = rng.integers(0, 4, 5)
    readout = Readout(detector_masks(g, 4, 3))
    loss, grads, _ = ffm_gradients(system, x, labels, readout, activation)
    assert system.passes == 5 * (stages + 2 * stages - 1)

    def loss_of(m):
        system.program(m)
        return readout.loss_and_grad(forward(system, x, activation)[1], labels)[0]

    for _ in range(3):
        v = rng.normal(size=masks.shape)
        fd = _fd(loss_of, masks, v)
        assert abs(np.sum(grads * v) - fd) <= 1e-9 * abs(fd)
    # one pixel of each stage as well
    for s in range(stages):
        e = np.zeros_like(masks)
        e[s, 7, 6] = 1
        assert_allclose(grads[s, 7, 6], _fd(loss_of, masks, e), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("effect,size", [("distance_error_um", 200.0), ("aberration_rms_rad", 1.0)])
def test_ffm_is_exact_under_distance_errors_and_slm_aberration(effect, size):
    """The error crosses the same free space as the data (a wrong distance costs FFM nothing), and the
    SLM's static phase, measured once through the monitor, is taken out of the displayed error."""
    from picffm.freespace.ffm import flat_response

    rng = np.random.default_rng(5)
    g = Grid(14, 8.0)
    exact = dict(camera=EXACT_CAMERA, phase_slm=SLM(bit_depth=None), amplitude_slm=SLM("amplitude", bit_depth=None))
    system = SimulatedSystem(DiffractiveDesign(g, z_um=2000.0, **exact), 2,
                             Imperfections(**{**NONE.as_dict(), effect: size}), 7)
    truth = system.reveal().stages[0]
    assert abs(truth.dz_um) > 1 or np.abs(truth.aberration_rad).max() > 0.5
    masks = rng.uniform(0, 2 * np.pi, (2, 14, 14))
    system.program(masks)
    x = rng.uniform(0, 1, (4, 14, 14))
    labels = rng.integers(0, 4, 4)
    readout = Readout(detector_masks(g, 4, 3))
    _, grads, _ = ffm_gradients(system, x, labels, readout, flat=flat_response(system))

    def loss_of(m):
        system.program(m)
        return readout.loss_and_grad(forward(system, x, "intensity")[1], labels)[0]

    v = rng.normal(size=masks.shape)
    fd = _fd(loss_of, masks, v)
    assert abs(np.sum(grads * v) - fd) <= 1e-8 * abs(fd)


def test_simulated_system_protocol():
    g = Grid(16, 8.0)
    d = DiffractiveDesign(g, z_um=1000.0)
    s = SimulatedSystem(d, 2, TYPICAL, np.random.default_rng(0))
    assert isinstance(s, DiffractiveSystem) and isinstance(IdealSystem(d, 2), DiffractiveSystem)
    assert not hasattr(s, "truth") and s.reveal().stages[1].aberration_rad.shape == (16, 16)
    with pytest.raises(FreespaceError, match="shape"):
        s.program(np.zeros((1, 16, 16)))
    with pytest.raises(FreespaceError, match="finite"):
        s.program(np.full((2, 16, 16), np.nan))
    with pytest.raises(FreespaceError, match="stage"):
        s.send(2, np.ones((1, 16, 16)))
    r = s.send(0, np.ones((3, 16, 16)), monitor=True)
    assert r.output.shape == r.leaving.shape == (3, 16, 16) and s.passes == 3
    # same seed, same system and same camera noise; a different seed, a different system
    r2 = SimulatedSystem(d, 2, TYPICAL, np.random.default_rng(0)).send(0, np.ones((3, 16, 16)), monitor=True)
    assert_allclose(r2.output, r.output)
    other = SimulatedSystem(d, 2, TYPICAL, 1).reveal().stages[0].shift_um
    assert other != s.reveal().stages[0].shift_um
    with pytest.raises(FreespaceError, match="misalignment_um"):
        Imperfections(misalignment_um=-1)


def test_ideal_and_imperfect_systems_differ_where_expected():
    g = Grid(16, 8.0)
    exact = dict(camera=EXACT_CAMERA, phase_slm=SLM(bit_depth=None), amplitude_slm=SLM("amplitude", bit_depth=None))
    d = DiffractiveDesign(g, z_um=1000.0, **exact)
    x = np.random.default_rng(0).uniform(0, 1, (2, 16, 16))
    ideal = IdealSystem(d, 1).send(0, x).output
    assert_allclose(SimulatedSystem(d, 1, NONE, 0).send(0, x).output, ideal, atol=1e-12)
    assert np.abs(SimulatedSystem(d, 1, TYPICAL, 0).send(0, x).output - ideal).max() > 1e-2 * np.abs(ideal).max()


def test_closed_form_holography_noise_matches_four_simulated_frames():
    rng = np.random.default_rng(6)
    cam = Camera(full_well_e=2000.0, dark_noise_e=2.5, read_noise_e=1.0, bit_depth=10)
    y0 = rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6))
    y = np.broadcast_to(y0, (4000, 6, 6))
    closed = cam.holography(y, np.random.default_rng(7))
    # frame by frame: Poisson photo-electrons, Gaussian dark/read noise, ADC rounding, then the 4-step formula
    r = np.abs(y0).max()
    steps = np.exp(1j * np.pi / 2 * np.arange(4))
    frames = np.abs(y[:, None] + r * steps[None, :, None, None]) ** 2
    e = np.full(len(y), 0.8 * cam.full_well_e / (4 * r ** 2))
    meas = cam.frames(frames, e[:, None], np.random.default_rng(8))
    framed = np.einsum("bkij,k->bij", meas, steps) / (4 * r)
    assert_allclose(closed.mean(axis=0), y0, atol=0.01 * r)
    assert_allclose(framed.mean(axis=0), y0, atol=0.01 * r)
    assert_allclose(closed.real.std(axis=0), framed.real.std(axis=0), rtol=0.1)
    assert_allclose(closed.imag.std(axis=0), framed.imag.std(axis=0), rtol=0.1)


def test_warp_matrix_matches_scipy_ndimage():
    import scipy.ndimage as ndi

    from picffm.freespace.system import warp_matrix

    n, (dx, dy), rot = 12, (0.3, -0.7), 0.05
    a = np.random.default_rng(9).random((n, n))
    c, s = np.cos(rot), np.sin(rot)
    m2 = np.array([[c, -s], [s, c]]).T
    ctr, d = np.full(2, (n - 1) / 2), np.array([dy, dx])
    ref = ndi.affine_transform(a, m2, offset=ctr - m2 @ (ctr + d), order=1, mode="grid-constant", cval=0.0)
    assert_allclose((warp_matrix(n, (dx, dy), rot) @ a.ravel()).reshape(n, n), ref, atol=1e-12)
