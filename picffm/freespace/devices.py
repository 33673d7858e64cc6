"""Spatial light modulators and cameras: what a pixel can set and what a camera reads.

* :class:`SLM`: a phase-only or amplitude SLM with pixel pitch (um), bit depth
  (``None`` = continuous) and fill factor. Phase levels are ``k 2 pi / 2^b``;
  amplitude levels ``k / (2^b - 1)`` in [0, 1]. A pixel with fill factor
  ``ff`` < 1 modulates only that fraction of its area; the dead area passes
  light unmodulated, so on a grid of one sample per pixel its transmission
  is ``ff e^{i phi} + (1 - ff)`` (the zero-order model of pixel dead space).
* :func:`encode`: the complex field generator of a stage input (an amplitude
  SLM imaged one-to-one onto a phase SLM): each sample is scaled by its own
  peak amplitude (the scale goes to the electronics, optics is linear), then
  amplitude and phase are quantised to the two SLMs' levels.
* :class:`Camera`: quantum efficiency, dark and read noise (electrons rms),
  full well (electrons) and bit depth. :meth:`Camera.holography` reads a
  complex field by four-step phase-shifting holography against a reference
  beam from the same laser: frames ``I_k = |y + r e^{i k pi/2}|^2`` (k =
  0..3) give ``y = sum_k I_k e^{i k pi/2} / (4 r)``. The reference amplitude
  ``r`` equals the field's peak amplitude and the exposure puts the brightest
  frame pixel at 80 % of the full well (automatic exposure per field; the
  scale is known). :meth:`Camera.frames` simulates frames: photo-electrons
  Poisson (its normal approximation above 1000 electrons), dark and read
  noise Gaussian, the ADC rounds to ``2^b`` levels of the full well and
  clips; :meth:`Camera.holography` draws the same noise in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import FreespaceError

__all__ = ["SLM", "Camera", "encode", "PHASE_SLM", "AMPLITUDE_SLM", "CAMERA", "EXACT_CAMERA"]

TWO_PI = 2 * np.pi
#: mean photo-electron count above which shot noise is drawn as a normal distribution (skewness < 3 %)
POISSON_EXACT_BELOW = 1000.0


@dataclass(frozen=True)
class SLM:
    """A spatial light modulator.

    Args:
        kind: ``"phase"`` (phase-only, e^{i phi}) or ``"amplitude"`` (real in [0, 1]).
        pitch_um: pixel pitch (um).
        bit_depth: bits per pixel, or ``None`` for continuous settings.
        fill_factor: active fraction of the pixel area, (0, 1].
    """

    kind: str = "phase"
    pitch_um: float = 8.0
    bit_depth: int | None = 8
    fill_factor: float = 1.0

    def __post_init__(self):
        if self.kind not in ("phase", "amplitude"):
            raise FreespaceError(f"SLM kind must be 'phase' or 'amplitude', got {self.kind!r}")
        if not self.pitch_um > 0:
            raise FreespaceError(f"SLM pixel pitch must be > 0 um, got {self.pitch_um}")
        if self.bit_depth is not None and not (1 <= int(self.bit_depth) <= 16):
            raise FreespaceError(f"SLM bit depth must be 1..16 or None (continuous), got {self.bit_depth}")
        if not 0 < self.fill_factor <= 1:
            raise FreespaceError(f"SLM fill factor must be in (0, 1], got {self.fill_factor}")

    def quantise(self, values: np.ndarray) -> np.ndarray:
        """The settings the SLM actually applies: phases (rad, wrapped to [0, 2 pi)) or amplitudes in [0, 1]."""
        v = np.asarray(values, dtype=float)
        if self.kind == "phase":
            v = np.mod(v, TWO_PI)
            if self.bit_depth is None:
                return v
            levels = 2 ** int(self.bit_depth)
            return np.mod(np.round(v / TWO_PI * levels), levels) * (TWO_PI / levels)
        v = np.clip(v, 0.0, 1.0)
        if self.bit_depth is None:
            return v
        top = 2 ** int(self.bit_depth) - 1
        return np.round(v * top) / top


#: the paper's phase SLM (8 um pitch, 8 bit) and amplitude SLM (12.5 um, 8 bit)
PHASE_SLM = SLM("phase", 8.0, 8, 1.0)
AMPLITUDE_SLM = SLM("amplitude", 12.5, 8, 1.0)


def encode(fields: np.ndarray, amplitude_slm: SLM | None, phase_slm: SLM | None) -> tuple[np.ndarray, np.ndarray]:
    """Encode complex fields (B, n, n) on an amplitude SLM imaged onto a phase SLM.

    Returns ``(encoded, scale)``: ``encoded`` has peak amplitude <= 1 per sample
    and ``fields ~= scale[:, None, None] * encoded``. ``None`` SLMs encode exactly.
    """
    f = np.asarray(fields)
    peak = np.max(np.abs(f), axis=(-2, -1))
    scale = np.where(peak > 0, peak, 1.0)
    unit = f / scale[..., None, None]
    if amplitude_slm is None and phase_slm is None:
        return unit, scale
    amp = np.abs(unit) if amplitude_slm is None else amplitude_slm.quantise(np.abs(unit))
    ph = np.angle(unit) if phase_slm is None else phase_slm.quantise(np.angle(unit))
    return amp * np.exp(1j * ph), scale


@dataclass(frozen=True)
class Camera:
    """A camera for amplitude-and-phase detection (see module docstring).

    Args:
        quantum_efficiency: electrons per photon, (0, 1].
        dark_noise_e: dark noise (electrons rms per frame).
        read_noise_e: read noise (electrons rms per frame).
        full_well_e: full-well capacity (electrons).
        bit_depth: ADC bits.
        noise: ``False`` for an ideal camera that reads the exact field (no
            shot, dark or read noise, no ADC).
    """

    quantum_efficiency: float = 0.64
    dark_noise_e: float = 2.5
    read_noise_e: float = 0.0
    full_well_e: float = 10_000.0
    bit_depth: int = 12
    noise: bool = True

    def __post_init__(self):
        if not 0 < self.quantum_efficiency <= 1:
            raise FreespaceError(f"camera quantum efficiency must be in (0, 1], got {self.quantum_efficiency}")
        if self.dark_noise_e < 0 or self.read_noise_e < 0:
            raise FreespaceError("camera dark and read noise must be >= 0 electrons")
        if not self.full_well_e > 0:
            raise FreespaceError(f"camera full well must be > 0 electrons, got {self.full_well_e}")
        if not 1 <= int(self.bit_depth) <= 24:
            raise FreespaceError(f"camera bit depth must be 1..24, got {self.bit_depth}")

    def frames(self, intensity: np.ndarray, electrons_per_unit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Read intensities (..., n, n) exposed at ``electrons_per_unit`` (broadcast over the last two axes).

        Returns the measured intensity in the input's units (noise and ADC applied).
        """
        scale = np.asarray(electrons_per_unit, dtype=float)[..., None, None]
        mean_e = np.clip(intensity * scale, 0.0, None)
        sigma2 = self.dark_noise_e ** 2 + self.read_noise_e ** 2
        noise = rng.standard_normal(mean_e.shape)
        # shot noise: Poisson, drawn as its normal approximation above POISSON_EXACT_BELOW electrons
        electrons = mean_e + np.sqrt(mean_e + sigma2) * noise
        small = mean_e < POISSON_EXACT_BELOW
        if small.any():
            electrons[small] = rng.poisson(mean_e[small]) + np.sqrt(sigma2) * noise[small]
        top = 2 ** int(self.bit_depth) - 1
        counts = np.clip(np.round(electrons / self.full_well_e * top), 0, top)
        return counts * (self.full_well_e / top) / scale

    def holography(self, fields: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Complex fields (B, n, n) as read by four-step phase-shifting holography (4 frames each).

        The noise is drawn in closed form instead of frame by frame: the
        estimate's real part is ``(I_0 - I_2) / (4 r)`` and its imaginary part
        ``(I_1 - I_3) / (4 r)``, and in both pairs the frames' mean intensities
        add up to ``2 (|y|^2 + r^2)``; with the shot noise's normal
        approximation (variance = mean electrons), dark and read noise and the
        ADC's rounding (variance step^2 / 12) per frame, each part carries
        independent normal noise of variance
        ``(2 (|y|^2 + r^2) e + 2 sigma^2 + step^2 / 6) / (16 r^2 e^2)`` (``e``
        electrons per unit intensity, ``step`` = full well / (2^bits - 1)).
        """
        y = np.asarray(fields)
        if not self.noise:
            return y.copy()
        r = np.max(np.abs(y), axis=(-2, -1))
        r = np.where(r > 0, r, 1.0)[..., None, None]
        e = 0.8 * self.full_well_e / (4 * r ** 2)  # brightest frame pixel |y| + r <= 2 r at 80 % of the well
        step = self.full_well_e / (2 ** int(self.bit_depth) - 1)
        sigma2 = self.dark_noise_e ** 2 + self.read_noise_e ** 2
        var = (2 * (np.abs(y) ** 2 + r ** 2) * e + 2 * sigma2 + step ** 2 / 6) / (16 * r ** 2 * e ** 2)
        noise = rng.standard_normal((2, *y.shape), dtype=np.float32)
        std = np.sqrt(var).astype(np.float32)
        out = y + std * (noise[0] + 1j * noise[1])
        return out.astype(y.dtype if np.iscomplexobj(y) else complex)

    def intensity(self, fields: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Intensities ``|y|^2`` (B, n, n) by direct detection (one frame, peak at 80 % of the full well)."""
        i = np.abs(np.asarray(fields)) ** 2
        if not self.noise:
            return i
        peak = np.max(i, axis=(-2, -1))
        e_per_unit = 0.8 * self.full_well_e / np.where(peak > 0, peak, 1.0)
        return self.frames(i, e_per_unit, rng)


#: the paper's cameras: quantum efficiency 64 %, dark noise 2.5 e-
CAMERA = Camera()

#: an ideal camera: reads exact fields
EXACT_CAMERA = Camera(noise=False)
