"""The sampling grid of a free-space system: square, real-size, one pixel pitch.

Fields are complex amplitudes sampled on an ``n x n`` grid of pitch
``pitch_um`` (um) at the wavelength ``wavelength_um`` (um), stored as arrays
``(..., n, n)`` indexed ``[..., row (y), column (x)]``; the leading axes are a
batch. Pixel centres sit at ``(i - (n - 1) / 2) * pitch_um``, so the optical
axis is the centre of the grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import FreespaceError

__all__ = ["Grid"]


@dataclass(frozen=True)
class Grid:
    """An ``n x n`` grid of pitch ``pitch_um`` (um) at ``wavelength_um`` (um)."""

    n: int
    pitch_um: float
    wavelength_um: float = 0.532

    def __post_init__(self):
        if not (isinstance(self.n, (int, np.integer)) and 2 <= self.n <= 4096):
            raise FreespaceError(f"grid size n must be an integer in [2, 4096], got {self.n!r}")
        if not (np.isfinite(self.pitch_um) and self.pitch_um > 0):
            raise FreespaceError(f"pixel pitch must be > 0 um, got {self.pitch_um!r}")
        if not (np.isfinite(self.wavelength_um) and self.wavelength_um > 0):
            raise FreespaceError(f"wavelength must be > 0 um, got {self.wavelength_um!r}")

    @property
    def size_um(self) -> float:
        """Side length of the grid (um)."""
        return self.n * self.pitch_um

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n, self.n)

    def coords_um(self) -> np.ndarray:
        """Pixel-centre coordinates along one axis (um), centred on the optical axis."""
        return (np.arange(self.n) - (self.n - 1) / 2) * self.pitch_um

    def mesh_um(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` coordinate arrays (n, n) in um (x along columns, y along rows)."""
        c = self.coords_um()
        return np.meshgrid(c, c, indexing="xy")
