"""Component models: pure, vectorised functions returning transfer matrices.

Conventions (docs/conventions.md §1-2), fixed here once and pinned by tests:

* Fields are complex amplitudes, power is ``|a|**2``; ``y = T @ x`` with
  ``T[out, in]``.
* A 2x2 element acts on a mode pair ``(m, m+1)`` in that order: row/column 0 is
  mode ``m`` (the lower-numbered mode), row/column 1 is mode ``m+1``. Phase
  shifters of an MZI sit on the arm of mode ``m`` (row 0): the first row of
  the matrices below, and the *lower* arm of the drawn layout (modes are
  numbered from the bottom; ``picffm layout`` puts the heaters on mode m).
* Directional coupler of power coupling ``kappa`` (0.5 ideal)::

      C(kappa) = [[sqrt(1-kappa), 1j*sqrt(kappa)],
                  [1j*sqrt(kappa), sqrt(1-kappa)]]

* Phase shifter on row 0: ``P(phi) = diag(exp(1j*phi), 1)``.
* MZI, internal phase ``theta`` and external (input-side) phase ``phi``, both
  in rad: ``T = C(kappa2) @ P(theta) @ C(kappa1) @ P(phi)``. Its mirror image
  (same elements, reverse order) is ``T.T``.

Every function is keyword-only, takes scalars or numpy arrays (broadcast
together) and returns an array of shape ``broadcast_shape + (2, 2)`` for
two-mode elements or ``broadcast_shape`` for single-mode transmissions. No
state, no randomness.

Wavelength. Every model takes ``wl_um``, the vacuum wavelength (um) at which
it is evaluated; ``None`` (the default) means the element's design
wavelength, where the settings hold exactly as written. Away from it:

* a waveguide's effective index follows its group index ``ng``, linearly in
  wavelength, ``neff(wl) = neff - (ng - neff) (wl - wl0) / wl0``, so that
  ``ng = neff - wl dneff/dwl`` holds exactly and the phase
  ``2 pi neff(wl) L / wl = 2 pi L (ng / wl - (ng - neff) / wl0)`` is linear in
  ``1/wl``: the free spectral range of a length difference dL is exactly
  ``d(1/wl) = 1 / (ng dL)``;
* a directional coupler's power coupling follows coupled-mode theory,
  ``kappa(wl) = sin(C(wl) L)**2`` with the shortest coupling length ``L`` that
  gives ``kappa`` at ``wl0``. The supermode coupling coefficient falls with the
  evanescent overlap across the gap ``g``,
  ``C(wl) = C(wl0) exp(gamma0 g (1 - wl0 / wl))``, where
  ``gamma0 = (2 pi / wl0) sqrt(n_core**2 - n_clad**2)`` is the field decay
  constant in the cladding (:data:`COUPLER_DECAY_PER_UM`, a 500 x 220 nm
  silicon strip in oxide at 1.55 um), so
  ``kappa(wl) = sin(asin(sqrt(kappa)) exp(gamma0 g (1 - wl0/wl)))**2``.
  ``gap_um = 0`` makes a coupler achromatic. The MZI's and the attenuator's
  couplers use :data:`DEFAULT_GAP_UM` at :data:`DESIGN_WAVELENGTH_UM`;
* phase shifters, MZI and attenuator phases are wavelength independent (the
  arms of a balanced MZI are equal; the thermo-optic phase is the set phase).
"""

from __future__ import annotations

import numpy as np

from .mzi_algebra import coupler_amplitudes, mzi_5050, mzi_factors, mzi_general

__all__ = [
    "DESIGN_WAVELENGTH_UM",
    "DEFAULT_GAP_UM",
    "COUPLER_DECAY_PER_UM",
    "coupler_kappa",
    "coupler",
    "phase_screen",
    "phase_shifter",
    "mzi",
    "waveguide",
    "attenuator",
    "terminator",
    "splitter",
    "coupler_amplitudes",
]

#: design wavelength of the couplers inside MZIs and attenuators (um)
DESIGN_WAVELENGTH_UM = 1.55
#: edge-to-edge gap of a directional coupler when none is given (um)
DEFAULT_GAP_UM = 0.2
#: evanescent field decay constant gamma0 = (2 pi / wl0) sqrt(n_core^2 - n_clad^2)
#: in the cladding, 1/um: n_core = 2.44 (effective index of a 500 x 220 nm
#: silicon strip at 1.55 um), n_clad = 1.444 (SiO2)
COUPLER_DECAY_PER_UM = 2.0 * np.pi / 1.55 * np.sqrt(2.44**2 - 1.444**2)


def coupler_kappa(*, kappa=0.5, wl_um=None, gap_um=DEFAULT_GAP_UM, wavelength_um=DESIGN_WAVELENGTH_UM):
    """Power coupling of a directional coupler at wavelength ``wl_um`` (um).

    ``kappa`` is the power coupling at the design wavelength ``wavelength_um``;
    ``kappa(wl) = sin(asin(sqrt(kappa)) * exp(gamma0 * gap_um * (1 - wl0 / wl)))**2``
    (see the module docstring). ``wl_um=None`` returns ``kappa`` itself.
    """
    kappa = np.asarray(kappa, dtype=float)
    if wl_um is None:
        return kappa
    wl0 = np.asarray(wavelength_um, dtype=float)
    growth = np.exp(COUPLER_DECAY_PER_UM * np.asarray(gap_um, float) * (1.0 - wl0 / np.asarray(wl_um, float)))
    return np.sin(np.arcsin(np.sqrt(kappa)) * growth) ** 2


def coupler(*, kappa=0.5, loss_db=0.0, gap_um=DEFAULT_GAP_UM, wavelength_um=DESIGN_WAVELENGTH_UM,
            wl_um=None) -> np.ndarray:
    """Directional coupler 2x2 matrix.

    Args:
        kappa: power coupling ratio in [0, 1] at the design wavelength (0.5 is
            a 50:50 splitter).
        loss_db: excess insertion loss in dB (applied to both outputs).
        gap_um: edge-to-edge gap (um); sets the dispersion of the coupling.
        wavelength_um: design wavelength (um), where the coupling is ``kappa``.
        wl_um: wavelength of evaluation (um); None = the design wavelength.
    """
    kappa = coupler_kappa(kappa=kappa, wl_um=wl_um, gap_um=gap_um, wavelength_um=wavelength_um)
    t, k = coupler_amplitudes(kappa)
    k = 1j * k
    out = np.empty(kappa.shape + (2, 2), dtype=complex)
    out[..., 0, 0] = t
    out[..., 1, 1] = t
    out[..., 0, 1] = k
    out[..., 1, 0] = k
    if np.any(loss_db):
        out *= _amplitude(loss_db)[..., None, None]
    return out


def phase_shifter(*, phi=0.0, loss_db=0.0, wl_um=None) -> np.ndarray:
    """Single-mode phase shifter: transmission ``exp(1j*phi)`` (phi in rad, any wavelength)."""
    return _amplitude(loss_db) * np.exp(1j * np.asarray(phi, dtype=float))


def phase_screen(*, phi) -> np.ndarray:
    """The 2x2 matrix ``P(phi) = diag(exp(1j*phi), 1)`` of docs/conventions.md §1-2."""
    phi = np.asarray(phi, dtype=float)
    out = np.zeros(phi.shape + (2, 2), dtype=complex)
    out[..., 0, 0] = np.exp(1j * phi)
    out[..., 1, 1] = 1.0
    return out


def mzi(*, theta=0.0, phi=0.0, kappa1=0.5, kappa2=0.5, loss_db=0.0, mirror=False, wl_um=None) -> np.ndarray:
    """Mach-Zehnder interferometer ``C(kappa2) P(theta) C(kappa1) P(phi)``.

    Args:
        theta: internal phase (rad), between the two couplers, on row 0.
        phi: external phase (rad), at the input, on row 0.
        kappa1, kappa2: power coupling of the input and output couplers.
        loss_db: insertion loss of the whole MZI in dB.
        mirror: if true, the mirror image (elements in reverse order), whose
            matrix is exactly the transpose.
        wl_um: wavelength of evaluation (um); the couplers disperse as
            :func:`coupler_kappa` with the default gap, the phases do not.

    Written out for kappa1 = kappa2 = 1/2::

        T = 1/2 [[e^{i phi}(e^{i theta} - 1),  i(e^{i theta} + 1)],
                 [i e^{i phi}(e^{i theta} + 1), 1 - e^{i theta}]]
          = i e^{i theta/2} [[e^{i phi} sin(theta/2),  cos(theta/2)],
                             [e^{i phi} cos(theta/2), -sin(theta/2)]]

    MZIs with both couplers exactly 50:50 are evaluated with this closed
    form (its columns are orthogonal exactly and of unit norm to the rounding
    of a cos/sin evaluation); the others with :func:`coupler_amplitudes`.
    Both come from :mod:`picffm.mzi_algebra`, which also gives the monitor
    taps of :meth:`picffm.simulation.Circuit.taps`.
    """
    theta, phi, kappa1, kappa2, loss_db, mirror = np.broadcast_arrays(
        np.asarray(theta, float), np.asarray(phi, float), coupler_kappa(kappa=kappa1, wl_um=wl_um),
        coupler_kappa(kappa=kappa2, wl_um=wl_um), np.asarray(loss_db, float), np.asarray(mirror, bool),
    )
    ideal = (kappa1 == 0.5) & (kappa2 == 0.5)
    if ideal.all():
        out = mzi_5050(theta, phi)
    else:
        out = mzi_general(mzi_factors(theta, phi, kappa1, kappa2, 0.0))
        if ideal.any():
            out[ideal] = mzi_5050(theta[ideal], phi[ideal])
    if np.any(mirror):
        if mirror.ndim:  # transpose the mirrored elements in place (out is this call's own array)
            idx = np.flatnonzero(mirror.ravel())
            flat = out.reshape(-1, 2, 2)
            upper = flat[idx, 0, 1]
            flat[idx, 0, 1] = flat[idx, 1, 0]
            flat[idx, 1, 0] = upper
        else:
            out = np.swapaxes(out, -1, -2).copy()
    if np.any(loss_db):
        out *= _amplitude(loss_db)[..., None, None]
    return out


def waveguide(*, length_um=10.0, neff=2.4, loss_db_per_cm=2.0, wavelength_um=1.55, ng=4.2,
              wl_um=None) -> np.ndarray:
    """Straight waveguide transmission ``10**(-loss/20) * exp(1j 2 pi neff(wl) L / wl)``.

    Args:
        length_um: length in um.
        neff: effective index at the design wavelength (dimensionless).
        loss_db_per_cm: propagation loss in dB/cm (wavelength independent).
        wavelength_um: design wavelength in um, where the index is ``neff``.
        ng: group index ``neff - wl dneff/dwl`` (dimensionless); 4.2 is a
            500 x 220 nm silicon strip at 1.55 um.
        wl_um: wavelength of evaluation (um); None = the design wavelength.
    """
    length_um = np.asarray(length_um, dtype=float)
    neff = np.asarray(neff, float)
    wl0 = np.asarray(wavelength_um, float)
    if wl_um is None:
        phase = 2.0 * np.pi * neff * length_um / wl0
    else:  # linear in 1/wl: exact group index ng (module docstring)
        ng = np.asarray(ng, float)
        phase = 2.0 * np.pi * length_um * (ng / np.asarray(wl_um, float) - (ng - neff) / wl0)
    loss_db = np.asarray(loss_db_per_cm, float) * length_um * 1e-4
    return _amplitude(loss_db) * np.exp(1j * phase)


def attenuator(*, theta=np.pi, psi=0.0, kappa1=0.5, kappa2=0.5, loss_db=0.0, wl_um=None) -> np.ndarray:
    """Variable attenuator with phase: an MZI used between its row-0 ports.

    Light enters the MZI on row 0 and leaves on row 0 (bar path); the other
    input is unused and the other output is dumped. A phase shifter ``psi``
    (rad) follows. Transmission::

        t = T_mzi(theta, 0)[0, 0] * exp(1j*psi)
          = i e^{i theta/2} sin(theta/2) e^{i psi}   (kappa1 = kappa2 = 1/2)

    so ``|t| = |sin(theta/2)|``: theta = pi passes everything, theta = 0 blocks.
    The couplers disperse with ``wl_um`` as in :func:`mzi`.
    """
    theta = np.asarray(theta, dtype=float)
    kappa1 = coupler_kappa(kappa=kappa1, wl_um=wl_um)
    kappa2 = coupler_kappa(kappa=kappa2, wl_um=wl_um)
    t1, k1 = coupler_amplitudes(kappa1)
    t2, k2 = coupler_amplitudes(kappa2)
    bar = t2 * np.exp(1j * theta) * t1 - k2 * k1
    return _amplitude(loss_db) * bar * np.exp(1j * np.asarray(psi, float))


def splitter(*, loss_db=0.0, wl_um=None) -> np.ndarray:
    """Ideal 1x2 splitter (Y-branch, 1x2 MMI): field transmissions ``(t_o2, t_o3)`` from ``o1``.

    Both are ``10**(-loss_db/20) / sqrt(2)``, in phase, at every wavelength;
    the two outputs do not couple to each other (``S[o2, o3] = 0``) and no
    port reflects, so light entering both outputs out of phase is radiated.
    Used backwards it is the combiner. Returns shape ``broadcast + (2,)``.
    """
    amp = _amplitude(loss_db) / np.sqrt(2.0)
    return np.stack([amp, amp], axis=-1).astype(complex)


def terminator(*, wl_um=None) -> np.ndarray:
    """Absorbing termination: reflection 0 (one port, nothing comes back)."""
    return np.zeros((1, 1), dtype=complex)


def _amplitude(loss_db) -> np.ndarray:
    """Field amplitude factor of a power loss given in dB."""
    return 10.0 ** (-np.asarray(loss_db, dtype=float) / 20.0)
