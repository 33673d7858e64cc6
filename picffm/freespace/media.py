"""Thin scattering media: a random phase plate and adhesive tape, drawn from an explicit generator.

Both are thin screens (complex transmission on the grid):

* ``phase-plate``: a strong diffuser, phase uniform in [0, 2 pi) with
  correlation length ``corr_um`` (the phase of Gaussian-filtered complex
  white noise), unit amplitude;
* ``tape``: a weak, smoother diffuser (office adhesive tape): Gaussian phase
  of ``tape_phase_rad`` rms with correlation ``2 corr_um``, amplitude
  ``1 - 0.1 |noise|`` (a little absorption and scattering loss).
"""

from __future__ import annotations

import numpy as np

from .errors import FreespaceError
from .grid import Grid

__all__ = ["MEDIA", "medium"]

MEDIA = ("phase-plate", "tape")


def medium(kind: str, grid: Grid, rng: np.random.Generator, *, corr_um: float = 64.0,
           tape_phase_rad: float = 2.0) -> np.ndarray:
    """Complex transmission (n, n) of a scattering medium of ``kind`` (see module docstring)."""
    if kind not in MEDIA:
        raise FreespaceError(f"unknown medium {kind!r}; valid: {', '.join(MEDIA)}")
    import scipy.ndimage as ndi  # here, not at import: the CLI reads MEDIA without loading scipy.ndimage
    sigma = corr_um / grid.pitch_um / 2
    if kind == "phase-plate":
        w = rng.normal(size=grid.shape) + 1j * rng.normal(size=grid.shape)
        w = ndi.gaussian_filter(w.real, sigma, mode="wrap") + 1j * ndi.gaussian_filter(w.imag, sigma, mode="wrap")
        return np.exp(1j * np.angle(w))
    ph = ndi.gaussian_filter(rng.normal(size=grid.shape), 2 * sigma, mode="wrap")
    ph *= tape_phase_rad / ph.std()
    a = ndi.gaussian_filter(rng.normal(size=grid.shape), 2 * sigma, mode="wrap")
    amp = 1 - 0.1 * np.abs(a) / np.abs(a).max()
    return amp * np.exp(1j * ph)
