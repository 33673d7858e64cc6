"""The diffractive system protocol and its ideal and simulated implementations.

A *stage* is, along the beam: a complex field generator and phase mask in one
plane (an amplitude SLM imaged one-to-one onto a phase SLM; the phase SLM
displays the input's phase plus the stage's mask), free space over ``z_um``,
and a camera. A monitor camera images the phase-SLM plane through a beam
splitter (it reads the field leaving the SLM). Both cameras read complex
fields by phase-shifting holography and are registered to the phase SLM's
pixels (a calibration every such setup makes). The stage maps an input ``x``
to ``y = P_z (t * x)`` with ``t = e^{i phi}`` the mask's transmission; the
propagation is symmetric (``P_z^T = P_z``).

What a trainer may do (:class:`DiffractiveSystem`), and nothing else:

* read the design: ``grid``, ``n_stages``, ``design``;
* ``program(masks)``: set the phase masks (n_stages, n, n) in rad;
* ``send(stage, fields, mask=True, monitor=False)``: display a batch of
  input fields (B, n, n) on the stage's field generator, with the stage's
  mask added (``mask=True``) or a flat mask, and read the output camera (and
  the monitor): a :class:`Reading` of complex fields;
* read ``passes``: fields sent so far (one field is one optical pass; each
  complex reading takes four camera frames, not counted separately).

A simulated system never exposes its hidden truth to a trainer; ``reveal()``
exists for evaluation and tests only. Nothing hidden changes between calls
(no drift in this model).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from .devices import AMPLITUDE_SLM, CAMERA, PHASE_SLM, SLM, Camera
from .errors import FreespaceError
from .grid import Grid
from .imperfections import NONE, Imperfections, SystemTruth, draw
from .propagation import Propagator

__all__ = ["DiffractiveDesign", "Reading", "DiffractiveSystem", "IdealSystem", "SimulatedSystem", "slm_transmission",
           "warp_matrix"]

TWO_PI = 2 * np.pi


@dataclass(frozen=True)
class DiffractiveDesign:
    """What was designed: grid, distance and devices of every stage.

    Args:
        grid: sampling grid (pitch = phase-SLM pixel pitch, um).
        z_um: propagation distance of a stage, SLM to camera (um).
        pad: zero-padding factor of the propagation FFTs.
        dtype: complex128 or complex64.
        phase_slm, amplitude_slm: the SLMs (bit depth, fill factor).
        camera: the cameras (output and monitor).
    """

    grid: Grid = field(default_factory=lambda: Grid(64, 8.0, 0.532))
    z_um: float = 10_000.0
    pad: float = 2.0
    dtype: str = "complex128"
    phase_slm: SLM = PHASE_SLM
    amplitude_slm: SLM = AMPLITUDE_SLM
    camera: Camera = CAMERA

    def __post_init__(self):
        if not (np.isfinite(self.z_um) and self.z_um > 0):
            raise FreespaceError(f"stage distance must be > 0 um, got {self.z_um!r}")


class Reading(NamedTuple):
    """Complex fields read in one ``send``: output camera, and the monitor (None unless asked)."""

    output: np.ndarray
    leaving: np.ndarray | None = None  # field leaving the phase SLM


@runtime_checkable
class DiffractiveSystem(Protocol):
    """What a trainer may touch (see the module docstring)."""

    grid: Grid
    n_stages: int
    design: DiffractiveDesign

    def program(self, masks: np.ndarray) -> None:
        """Set the phase masks (n_stages, n, n), rad."""

    def send(self, stage: int, fields: np.ndarray, *, mask: bool = True, monitor: bool = False) -> Reading:
        """Send fields (B, n, n) through stage ``stage``; read the cameras."""

    @property
    def passes(self) -> int:
        """Fields sent so far."""


class _Base:
    def __init__(self, design: DiffractiveDesign, n_stages: int):
        if not (isinstance(n_stages, (int, np.integer)) and 1 <= n_stages <= 16):
            raise FreespaceError(f"number of stages must be an integer in 1..16, got {n_stages!r}")
        self.design, self.grid, self.n_stages = design, design.grid, int(n_stages)
        self._masks = np.zeros((self.n_stages, *self.grid.shape))
        self._passes = 0

    @property
    def passes(self) -> int:
        return self._passes

    def get_state(self) -> dict:
        """What evolves while the system is used (pass counter; camera noise stream), as plain data.

        For checkpoints only (a real system cannot be checkpointed); with
        :meth:`set_state` on a system built from the same seed, every later
        reading is the same bit for bit.
        """
        return {"passes": int(self._passes)}

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned."""
        self._passes = int(state["passes"])

    @property
    def masks(self) -> np.ndarray:
        """The programmed phase settings (a copy; what the user asked for)."""
        return self._masks.copy()

    def program(self, masks: np.ndarray) -> None:
        m = np.asarray(masks, dtype=float)
        if m.shape != self._masks.shape:
            raise FreespaceError(f"masks must have shape {self._masks.shape}, got {m.shape}")
        if not np.all(np.isfinite(m)):
            raise FreespaceError("mask phases must be finite")
        self._masks = m.copy()

    def _check_send(self, stage, fields) -> np.ndarray:
        if not (isinstance(stage, (int, np.integer)) and 0 <= stage < self.n_stages):
            raise FreespaceError(f"stage must be 0..{self.n_stages - 1}, got {stage!r}")
        f = np.asarray(fields)
        if f.ndim != 3 or f.shape[1:] != self.grid.shape:
            raise FreespaceError(f"fields must have shape (B, {self.grid.n}, {self.grid.n}), got {f.shape}")
        if not np.all(np.isfinite(f)):
            raise FreespaceError("input fields must be finite")
        self._passes += f.shape[0]
        return f


class IdealSystem(_Base):
    """The design itself: exact propagation, continuous SLMs with full fill factor, exact cameras."""

    def __init__(self, design: DiffractiveDesign, n_stages: int):
        super().__init__(design, n_stages)
        self._prop = Propagator(design.grid, design.z_um, design.pad, dtype=design.dtype)

    def send(self, stage: int, fields: np.ndarray, *, mask: bool = True, monitor: bool = False) -> Reading:
        f = self._check_send(stage, fields).astype(self.design.dtype)
        leaving = f * np.exp(1j * self._masks[stage]).astype(self.design.dtype) if mask else f
        out = self._prop(leaving)
        return Reading(out, leaving) if monitor else Reading(out)


def warp_matrix(n: int, shift_px: tuple[float, float], rotation: float):
    """Sparse (n^2, n^2) bilinear-interpolation matrix of an image shift by ``(dx, dy)`` pixels and a
    rotation (rad) about the grid centre: ``out.ravel() = W @ img.ravel()``, zero outside the image."""
    import scipy.sparse as sp

    c, s = np.cos(rotation), np.sin(rotation)
    ctr = (n - 1) / 2
    oy, ox = np.meshgrid(np.arange(n, dtype=float), np.arange(n, dtype=float), indexing="ij")
    # source = R^T (o - c - d) + c on (row, col), R = [[c, -s], [s, c]] (scipy.ndimage's convention)
    px, py = ox - ctr - shift_px[0], oy - ctr - shift_px[1]
    sy, sx = c * py + s * px + ctr, -s * py + c * px + ctr
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = sx - x0, sy - y0
    rows, cols, vals = [], [], []
    out = np.arange(n * n).reshape(n, n)
    for dy, dx, w in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)), (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        ok = (xi >= 0) & (xi < n) & (yi >= 0) & (yi < n) & (w > 0)
        rows.append(out[ok])
        cols.append(yi[ok] * n + xi[ok])
        vals.append(w[ok])
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n * n, n * n))


def slm_transmission(phi: np.ndarray, slm: SLM, truth: SystemTruth, aberration_rad: np.ndarray,
                     *, block: int = 1, grid_pitch_um: float | None = None) -> np.ndarray:
    """Transmission (..., n, n) of a phase SLM displaying phases ``phi`` (rad) on the real system.

    Quantisation -> phase response ``2 pi s (phi / 2 pi)^gamma`` -> pixel
    crosstalk (Gaussian blur of the displayed phase, ``truth.crosstalk_px``
    SLM pixels) -> fill factor (dead area passes light unmodulated) -> static
    aberration. ``phi`` may be given per block of ``block x block`` grid
    pixels (segments); ``grid_pitch_um`` (default the SLM pitch) converts the
    crosstalk width to grid pixels.
    """
    phi = slm.quantise(phi)
    sigma_px = truth.crosstalk_px * slm.pitch_um / (grid_pitch_um or slm.pitch_um)
    ff = slm.fill_factor
    if truth.gamma != 1.0 or truth.stroke != 1.0:
        phi = TWO_PI * truth.stroke * (phi / TWO_PI) ** truth.gamma
    if int(4 * sigma_px + 0.5) < 1:  # the blur's kernel is one pixel wide: no crosstalk on this grid
        t = ff * np.exp(1j * phi) + (1 - ff)
        if block > 1:
            t = np.repeat(np.repeat(t, block, axis=-2), block, axis=-1)
        return t * np.exp(1j * aberration_rad)
    if block > 1:
        phi = np.repeat(np.repeat(phi, block, axis=-2), block, axis=-1)
    sigma = (0,) * (phi.ndim - 2) + (sigma_px, sigma_px)
    import scipy.ndimage as ndi  # on first use, not with the module (the CLI imports this module to list choices)

    phi = ndi.gaussian_filter(phi, sigma, mode="nearest")
    return (ff * np.exp(1j * phi) + (1 - ff)) * np.exp(1j * aberration_rad)


class SimulatedSystem(_Base):
    """A built system: hidden imperfections, quantised SLMs with fill factor, noisy cameras.

    What happens to a sent field (B, n, n), in order: each sample is scaled to
    peak amplitude 1 (the scale is electronic and undone at the cameras); its
    amplitude is quantised by the amplitude SLM and lands on the phase SLM
    misaligned (shift, rotation); the phase SLM displays the input's phase plus
    the mask, quantised, through the SLM's phase response (gamma, stroke) and
    pixel crosstalk (Gaussian blur of the displayed phase); the pixel's dead
    area (fill factor) passes light unmodulated; the SLM's static aberration is
    added; the field propagates over the stage's true distance; the cameras add
    their noise.

    Args:
        design: the design.
        n_stages: number of stages.
        imperfections: spread of the hidden imperfections.
        seed_or_rng: a seed or a ``numpy.random.Generator``; two independent
            streams are spawned from it, one drawing the hidden truth (once,
            here) and one for camera noise.
    """

    def __init__(self, design: DiffractiveDesign, n_stages: int, imperfections: Imperfections = NONE,
                 seed_or_rng: int | np.random.Generator = 0):
        super().__init__(design, n_stages)
        rng = seed_or_rng if isinstance(seed_or_rng, np.random.Generator) else np.random.default_rng(seed_or_rng)
        build_rng, self._noise = rng.spawn(2)
        self.imperfections = imperfections
        self._truth = draw(imperfections, design.grid, self.n_stages, build_rng)
        self._prop = [Propagator(design.grid, design.z_um + s.dz_um, design.pad, dtype=design.dtype)
                      for s in self._truth.stages]
        p, n = design.grid.pitch_um, design.grid.n
        self._warp = [None if (s.shift_um == (0.0, 0.0) and s.rotation_rad == 0.0) else
                      warp_matrix(n, (s.shift_um[0] / p, s.shift_um[1] / p), s.rotation_rad).T.tocsr()
                      for s in self._truth.stages]

    def _leaving(self, stage: int, unit: np.ndarray, mask: bool) -> np.ndarray:
        d, tr = self.design, self._truth
        st = tr.stages[stage]
        amp = d.amplitude_slm.quantise(np.abs(unit))
        if self._warp[stage] is not None:
            b, n = amp.shape[0], d.grid.n
            amp = (amp.reshape(b, n * n) @ self._warp[stage]).reshape(b, n, n)
        phi = np.angle(unit) + (self._masks[stage] if mask else 0.0)
        return (amp * slm_transmission(phi, d.phase_slm, tr, st.aberration_rad)).astype(d.dtype)

    def send(self, stage: int, fields: np.ndarray, *, mask: bool = True, monitor: bool = False) -> Reading:
        f = self._check_send(stage, fields)
        peak = np.max(np.abs(f), axis=(1, 2))
        scale = np.where(peak > 0, peak, 1.0)[:, None, None]
        leaving = self._leaving(stage, f / scale, mask)
        out = self._prop[stage](leaving)
        cam = self.design.camera
        out = cam.holography(out, self._noise) * scale
        if not monitor:
            return Reading(out)
        return Reading(out, cam.holography(leaving, self._noise) * scale)

    def get_state(self) -> dict:
        return {**super().get_state(), "noise_rng": self._noise.bit_generator.state}

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self._noise.bit_generator.state = state["noise_rng"]

    def reveal(self) -> SystemTruth:
        """The hidden truth. For evaluation and tests only: a trainer must never call this."""
        return self._truth
