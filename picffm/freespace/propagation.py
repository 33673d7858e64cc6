"""Band-limited angular-spectrum propagation between parallel planes.

``P_z = C F^-1 H_z F Z``: the field (n x n) is zero-padded to ``n_pad x n_pad``
(``Z``, default ``n_pad = 2 n`` so the circular convolution of the FFT is a
linear one), Fourier transformed, multiplied by

    H_z(fx, fy) = exp(i 2 pi z sqrt(1/lambda^2 - fx^2 - fy^2))

and transformed back, and the ``n x n`` window is kept (``C = Z^T``: the
apertures of the planes are the grid). Evanescent components
(``fx^2 + fy^2 >= 1/lambda^2``) are cut. The transfer function is also
band-limited as in Matsushima and Shimobaba, Opt. Express 17, 19662 (2009):
``|fx|, |fy| <= 1 / (lambda sqrt((2 df z)^2 + 1))`` with ``df = 1/(n_pad
pitch)``, the frequencies beyond which the sampled chirp of ``H_z`` aliases.

Symmetry: ``H_z`` depends on ``fx^2 + fy^2`` only, and numpy's FFT frequency
grid holds ``-f`` for every ``f`` (the Nyquist bin is its own negative), so the
circulant ``F^-1 H_z F`` is a symmetric matrix over pixels; cropping keeps it
symmetric. Hence ``P_z^T = P_z`` to rounding: the transpose of a propagation
(light travelling the other way) is the same propagation, which is what lets
the error of fully forward mode training travel forward. ``P_z`` is not
unitary (light leaving the window is lost; evanescent and aliasing bands are
cut), so the gradient formulas never assume it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import FreespaceError
from .grid import Grid

__all__ = ["transfer_function", "Propagator"]


def transfer_function(grid: Grid, z_um: float, n_pad: int, *, band_limit: bool = True) -> np.ndarray:
    """``H_z`` on the ``n_pad x n_pad`` FFT frequency grid (complex128, numpy FFT order).

    Args:
        grid: the sampling grid (pitch and wavelength, um).
        z_um: propagation distance (um, >= 0).
        n_pad: FFT size (>= grid.n).
        band_limit: apply the Matsushima-Shimobaba band limit (default True).
    """
    if not (np.isfinite(z_um) and z_um >= 0):
        raise FreespaceError(f"propagation distance must be >= 0 um, got {z_um!r}")
    import scipy.fft as sfft  # on first use (scipy.fft loads in about 0.1 s; the CLI imports this package)

    f = sfft.fftfreq(n_pad, d=grid.pitch_um)  # cycles/um
    f2 = f[:, None] ** 2 + f[None, :] ** 2
    arg = 1.0 / grid.wavelength_um ** 2 - f2
    keep = arg > 0
    kz = 2 * np.pi * np.sqrt(np.where(keep, arg, 0.0))
    if band_limit and z_um > 0:
        df = 1.0 / (n_pad * grid.pitch_um)
        f_lim = 1.0 / (grid.wavelength_um * np.sqrt((2 * df * z_um) ** 2 + 1))
        ok = np.abs(f) <= f_lim
        keep &= ok[:, None] & ok[None, :]
    return np.where(keep, np.exp(1j * kz * z_um), 0.0)


@dataclass(frozen=True)
class Propagator:
    """Propagation over ``z_um`` on ``grid``, applied to batches ``(..., n, n)``.

    ``dtype`` is complex128 (default, exact tests) or complex64 (twice as fast,
    ~1e-7 relative rounding). ``workers`` is passed to :mod:`scipy.fft`.
    """

    grid: Grid
    z_um: float
    pad: float = 2.0
    band_limit: bool = True
    dtype: str = "complex128"
    workers: int = 1
    _h: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if not (self.pad >= 1):
            raise FreespaceError(f"padding factor must be >= 1, got {self.pad}")
        if self.dtype not in ("complex64", "complex128"):
            raise FreespaceError(f"dtype must be complex64 or complex128, got {self.dtype!r}")
        import scipy.fft as sfft

        n_pad = sfft.next_fast_len(int(np.ceil(self.grid.n * self.pad)))
        h = transfer_function(self.grid, self.z_um, n_pad, band_limit=self.band_limit)
        object.__setattr__(self, "_h", h.astype(self.dtype))

    @property
    def n_pad(self) -> int:
        return self._h.shape[0]

    @property
    def transfer(self) -> np.ndarray:
        """The transfer function ``H_z`` (n_pad, n_pad), FFT order (a copy)."""
        return self._h.copy()

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Propagate fields ``u`` (..., n, n) over ``z_um``; returns (..., n, n) of ``dtype``."""
        import scipy.fft as sfft

        u = np.asarray(u, dtype=self.dtype)
        n, p = self.grid.n, self.n_pad
        if u.shape[-2:] != (n, n):
            raise FreespaceError(f"field shape {u.shape[-2:]} does not match the {n} x {n} grid")
        spec = sfft.fft2(u, s=(p, p), axes=(-2, -1), workers=self.workers)
        spec *= self._h
        return sfft.ifft2(spec, axes=(-2, -1), workers=self.workers, overwrite_x=True)[..., :n, :n]
