"""Figures of merit of a focus: FWHM (band-limited interpolation), PSNR against the diffraction-limited spot.

* :func:`fwhm_um`: the camera field is band-limited by the propagation, so
  zero-padding its spectrum interpolates it exactly (``upsample`` x); the
  FWHM is read on the x and y cuts through the brightest interpolated pixel
  (linear interpolation at half maximum) and averaged.
* :func:`psnr_db`: ``10 log10(1 / mean((I / max I - R / max R)^2))`` over the
  camera window, with ``R`` the focus of the clear system (no medium) under
  phase conjugation, the best phase-only focus the optics can make.
"""

from __future__ import annotations

import numpy as np
import scipy.fft as sfft

__all__ = ["upsample_field", "fwhm_um", "psnr_db"]


def upsample_field(y: np.ndarray, factor: int) -> np.ndarray:
    """Band-limited (Fourier) interpolation of a field (n, n) to (factor n, factor n)."""
    n = y.shape[-1]
    m = n * factor
    spec = sfft.fftshift(sfft.fft2(y))
    big = np.zeros((m, m), dtype=complex)
    o = (m - n) // 2
    big[o:o + n, o:o + n] = spec
    return sfft.ifft2(sfft.ifftshift(big)) * factor ** 2


def _width(profile: np.ndarray, k: int, step: float) -> float:
    half = profile[k] / 2
    left = k
    while left > 0 and profile[left] > half:
        left -= 1
    right = k
    while right < len(profile) - 1 and profile[right] > half:
        right += 1
    if profile[left] > half or profile[right] > half:
        return float("nan")  # the spot touches the edge of the window
    xl = left + (half - profile[left]) / (profile[left + 1] - profile[left])
    xr = right - 1 + (profile[right - 1] - half) / (profile[right - 1] - profile[right])
    return float((xr - xl) * step)


def fwhm_um(y: np.ndarray, pitch_um: float, upsample: int = 8) -> float:
    """FWHM (um) of the brightest spot of a camera field (n, n), mean of its x and y cuts."""
    i = np.abs(upsample_field(y, upsample)) ** 2
    r, c = np.unravel_index(np.argmax(i), i.shape)
    step = pitch_um / upsample
    return float(np.mean([_width(i[r, :], c, step), _width(i[:, c], r, step)]))


def psnr_db(image: np.ndarray, reference: np.ndarray) -> float:
    """PSNR (dB) of an intensity image against a reference, both normalised to their peak."""
    a = image / image.max()
    b = reference / reference.max()
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))
