"""Hidden imperfections of a diffractive system, drawn from an explicit generator.

:class:`Imperfections` holds the *spread* of each effect (what a user sets);
:func:`draw` turns it into one system's hidden truth (:class:`StageTruth`
per stage), which only the simulated system and its evaluation-only
``reveal()`` ever see.

Per stage:

* layer misalignment: the image of the amplitude SLM relayed onto the
  stage's phase SLM is shifted by ``(dx, dy)`` (um, normal with std
  ``misalignment_um``) and rotated by ``rotation`` (rad, std
  ``rotation_mrad``) about the grid centre relative to the phase SLM's pixels;
* distance error: the stage's propagation region is ``dz`` (um, std
  ``distance_error_um``) longer than designed;
* aberration: a static phase screen at the phase-SLM plane (backplane
  curvature, relay-lens aberrations), a random sum of the Zernike-like modes
  defocus, two astigmatisms, two comas and spherical on the grid's square
  aperture (``x, y`` in [-1, 1]), scaled to ``aberration_rms_rad``;

for the whole system (one SLM model):

* pixel crosstalk (fringing fields): the applied phase pattern is blurred by
  a Gaussian of ``crosstalk_px`` pixels std;
* phase-response nonlinearity: a setting ``phi`` in [0, 2 pi) produces
  ``2 pi s (phi / 2 pi)^gamma`` with ``gamma = 1 + N(0, gamma_std)`` and
  stroke ``s = 1 + N(0, stroke_std)`` (a miscalibrated look-up table).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .errors import FreespaceError
from .grid import Grid

__all__ = ["Imperfections", "StageTruth", "SystemTruth", "draw", "aberration_screen", "NONE", "TYPICAL"]


@dataclass(frozen=True)
class Imperfections:
    """Spread of each hidden imperfection (std values; 0 turns an effect off)."""

    misalignment_um: float = 1.0
    rotation_mrad: float = 1.0
    distance_error_um: float = 1000.0
    crosstalk_px: float = 0.3
    gamma_std: float = 0.05
    stroke_std: float = 0.03
    aberration_rms_rad: float = 1.0

    def __post_init__(self):
        for k, v in asdict(self).items():
            if not (np.isfinite(v) and v >= 0):
                raise FreespaceError(f"imperfection {k} must be a finite value >= 0, got {v!r}")

    def as_dict(self) -> dict:
        return asdict(self)


NONE = Imperfections(0, 0, 0, 0, 0, 0, 0)
TYPICAL = Imperfections()


@dataclass(frozen=True)
class StageTruth:
    """The hidden truth of one stage (see module docstring)."""

    shift_um: tuple[float, float]
    rotation_rad: float
    dz_um: float
    aberration_rad: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class SystemTruth:
    """The hidden truth of a whole system."""

    stages: tuple[StageTruth, ...]
    crosstalk_px: float
    gamma: float
    stroke: float


def aberration_screen(grid: Grid, rms_rad: float, rng: np.random.Generator) -> np.ndarray:
    """A random smooth phase screen (n, n) of rms ``rms_rad`` (rad) from six low-order modes."""
    if rms_rad == 0:
        return np.zeros(grid.shape)
    c = np.linspace(-1, 1, grid.n)
    x, y = np.meshgrid(c, c, indexing="xy")
    r2 = x ** 2 + y ** 2
    modes = np.stack([2 * r2 - 1, x ** 2 - y ** 2, 2 * x * y, (3 * r2 - 2) * x, (3 * r2 - 2) * y,
                      6 * r2 ** 2 - 6 * r2 + 1])
    screen = np.tensordot(rng.normal(size=len(modes)), modes, axes=1)
    screen -= screen.mean()
    rms = np.sqrt(np.mean(screen ** 2))
    return screen * (rms_rad / rms) if rms > 0 else screen


def draw(spec: Imperfections, grid: Grid, n_stages: int, rng: np.random.Generator) -> SystemTruth:
    """One system's hidden truth for ``n_stages`` stages, from ``rng`` (fabrication/assembly stream)."""
    stages = []
    for _ in range(n_stages):
        dx, dy = rng.normal(0.0, spec.misalignment_um, size=2)
        rot = rng.normal(0.0, spec.rotation_mrad * 1e-3)
        dz = rng.normal(0.0, spec.distance_error_um)
        stages.append(StageTruth((float(dx), float(dy)), float(rot), float(dz),
                                 aberration_screen(grid, spec.aberration_rms_rad, rng)))
    gamma = 1.0 + rng.normal(0.0, spec.gamma_std)
    stroke = 1.0 + rng.normal(0.0, spec.stroke_std)
    return SystemTruth(tuple(stages), float(spec.crosstalk_px), float(max(gamma, 0.1)), float(stroke))
