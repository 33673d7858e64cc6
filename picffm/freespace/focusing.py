"""Focusing through a scattering medium: the system, its protocol, and three optimisers.

Along the beam: a collimated laser fills the phase SLM (a square aperture
``D = n pitch``), free space over ``z_medium_um``, a thin scattering medium,
free space over ``z_camera_um``, a camera. The SLM is driven in *segments* of
``segment x segment`` grid pixels (the controlled degrees of freedom).

The protocol (:class:`FocusSystem`):

* ``program(masks)``: segment phases (S, S) in rad, or a sequence (K, S, S)
  that the SLM shows one after the other;
* ``fields()``: the camera's complex fields (K, n, n) for the programmed
  masks (phase-shifting holography; K passes);
* ``intensities()``: direct-detection camera images (K, n, n) (K passes);
* ``error_pass(fields)``: display fields (B, n, n) on a field generator at
  the camera plane and read, with a monitor camera at the SLM plane, the
  field that arrives there (B passes);
* ``passes``.

The error pass uses reciprocity: light from the camera plane to the SLM plane
through the same medium has the transposed transfer matrix, ``T^T``. So the
FFM gradient of a focusing loss is exact without any model of the medium:
with ``g = dL/dy*`` at the camera and ``a`` the field leaving the SLM,
``dL/dphi_j = 2 Re[i a_j (T^T conj(g))_j]``; the field leaving the SLM is the
illumination times the SLM's transmission, read by the monitor in the data
pass. A segment's gradient is the sum over its pixels.

The loss is ``L = -ln(P_spot / P_camera)``: the fraction of the camera's
power inside a square of side ``lambda z_camera / D`` (the diffraction limit)
centred on the target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..training.optim import Adam
from .devices import CAMERA, PHASE_SLM, SLM, Camera
from .errors import FreespaceError
from .grid import Grid
from .imperfections import NONE, Imperfections, draw
from .media import medium
from .propagation import Propagator
from .system import slm_transmission

__all__ = ["FocusDesign", "FocusSystem", "SpotLoss", "run_ffm", "run_pso", "run_random_search"]


@dataclass(frozen=True)
class FocusDesign:
    """Geometry and devices of the focusing experiment (defaults: the paper's 3.2 mm, 0.388 m, 532 nm).

    The default grid samples the 3.2 mm aperture with 80 pixels of 40 um:
    the 8 um phase SLM driven in 5 x 5 macro-pixels, in segments of 2 x 2
    macro-pixels (1600 segments of 80 um).
    """

    grid: Grid = field(default_factory=lambda: Grid(80, 40.0, 0.532))
    z_medium_um: float = 20_000.0
    z_camera_um: float = 388_000.0
    segment: int = 2
    medium: str = "phase-plate"
    pad: float = 2.0
    dtype: str = "complex64"
    phase_slm: SLM = PHASE_SLM
    camera: Camera = CAMERA

    def __post_init__(self):
        if not (isinstance(self.segment, (int, np.integer)) and self.segment >= 1 and self.grid.n % self.segment == 0):
            raise FreespaceError(f"segment must be a divisor of the grid size {self.grid.n}, got {self.segment!r}")
        for k in ("z_medium_um", "z_camera_um"):
            if not getattr(self, k) > 0:
                raise FreespaceError(f"{k} must be > 0 um, got {getattr(self, k)}")

    @property
    def n_segments(self) -> int:
        return self.grid.n // self.segment

    @property
    def aperture_um(self) -> float:
        return self.grid.size_um

    @property
    def diffraction_limit_um(self) -> float:
        """``lambda z / D`` at the camera (um)."""
        return self.grid.wavelength_um * self.z_camera_um / self.aperture_um


class FocusSystem:
    """A focusing experiment with a hidden medium (and, optionally, hidden SLM errors).

    Args:
        design: the design.
        seed_or_rng: seed or generator; independent streams are spawned for
            the medium, the SLM's hidden errors and camera noise.
        imperfections: SLM and distance errors (``gamma_std``, ``stroke_std``,
            ``crosstalk_px``, ``aberration_rms_rad``, ``distance_error_um``).
        with_medium: ``False`` for the clear system (the diffraction-limited reference).
    """

    def __init__(self, design: FocusDesign, seed_or_rng=0, imperfections: Imperfections = NONE,
                 *, with_medium: bool = True):
        rng = seed_or_rng if isinstance(seed_or_rng, np.random.Generator) else np.random.default_rng(seed_or_rng)
        med_rng, build_rng, self._noise = rng.spawn(3)
        self.design, self.grid = design, design.grid
        self._truth = draw(imperfections, design.grid, 1, build_rng)
        st = self._truth.stages[0]
        self._medium = medium(design.medium, design.grid, med_rng) if with_medium else np.ones(design.grid.shape)
        self._medium = self._medium.astype(design.dtype)
        self._p1 = Propagator(design.grid, design.z_medium_um + st.dz_um, design.pad, dtype=design.dtype)
        self._p2 = Propagator(design.grid, design.z_camera_um, design.pad, dtype=design.dtype)
        self._masks = np.zeros((1, design.n_segments, design.n_segments))
        self._passes = 0

    @property
    def passes(self) -> int:
        return self._passes

    def program(self, masks: np.ndarray) -> None:
        m = np.asarray(masks, dtype=float)
        s = self.design.n_segments
        if m.shape[-2:] != (s, s) or m.ndim not in (2, 3):
            raise FreespaceError(f"masks must have shape ({s}, {s}) or (K, {s}, {s}), got {m.shape}")
        if not np.all(np.isfinite(m)):
            raise FreespaceError("mask phases must be finite")
        self._masks = m.reshape(-1, s, s).copy()

    def _leaving(self) -> np.ndarray:
        d = self.design
        t = slm_transmission(self._masks, d.phase_slm, self._truth, self._truth.stages[0].aberration_rad,
                             block=d.segment, grid_pitch_um=d.grid.pitch_um)
        return t.astype(d.dtype)  # unit plane-wave illumination

    def _forward(self, a: np.ndarray) -> np.ndarray:
        return self._p2(self._p1(a) * self._medium)

    def fields(self, *, monitor: bool = False):
        """Camera fields (K, n, n) of the programmed masks; with ``monitor``, also the fields leaving the SLM."""
        a = self._leaving()
        self._passes += len(a)
        cam = self.design.camera
        y = cam.holography(self._forward(a), self._noise)
        return (y, cam.holography(a, self._noise)) if monitor else y

    def intensities(self) -> np.ndarray:
        """Camera images (K, n, n) of the programmed masks by direct detection."""
        a = self._leaving()
        self._passes += len(a)
        return self.design.camera.intensity(self._forward(a), self._noise)

    def error_pass(self, fields: np.ndarray) -> np.ndarray:
        """Fields (B, n, n) sent from the camera plane; returns what the SLM-plane monitor reads."""
        f = np.asarray(fields)
        if f.ndim != 3 or f.shape[1:] != self.grid.shape:
            raise FreespaceError(f"fields must have shape (B, {self.grid.n}, {self.grid.n}), got {f.shape}")
        self._passes += len(f)
        peak = np.max(np.abs(f), axis=(1, 2))
        scale = np.where(peak > 0, peak, 1.0)[:, None, None]
        back = self._p1(self._p2((f / scale).astype(self.design.dtype)) * self._medium)  # T^T: reverse order
        return self.design.camera.holography(back, self._noise) * scale

    def reveal(self) -> np.ndarray:
        """The medium's transmission. For evaluation and tests only."""
        return self._medium.copy()


@dataclass(frozen=True)
class SpotLoss:
    """``L = -ln(P_spot / P_total)`` for a target spot (a boolean window on the camera grid)."""

    window: np.ndarray

    @classmethod
    def at(cls, design: FocusDesign, target_um: tuple[float, float] = (0.0, 0.0)) -> "SpotLoss":
        x, y = design.grid.mesh_um()
        half = design.diffraction_limit_um / 2
        w = (np.abs(x - target_um[0]) <= half) & (np.abs(y - target_um[1]) <= half)
        if not w.any():
            raise FreespaceError(f"target {target_um} um is outside the camera window")
        return cls(w)

    def __call__(self, intensity: np.ndarray) -> np.ndarray:
        """Loss per image (K,) from intensities (K, n, n)."""
        tot = intensity.sum(axis=(1, 2))
        spot = (intensity * self.window).sum(axis=(1, 2))
        return -np.log(np.maximum(spot, 1e-30) / np.maximum(tot, 1e-30))

    def grad(self, y: np.ndarray) -> np.ndarray:
        """``dL/dy*`` (K, n, n) for camera fields ``y``."""
        i = np.abs(y) ** 2
        tot = i.sum(axis=(1, 2))[:, None, None]
        spot = (i * self.window).sum(axis=(1, 2))[:, None, None]
        return y * (1 / tot - self.window / np.maximum(spot, 1e-30))


def _segment_sum(g: np.ndarray, k: int) -> np.ndarray:
    n = g.shape[-1] // k
    return g.reshape(*g.shape[:-2], n, k, n, k).sum(axis=(-3, -1))


def run_ffm(system: FocusSystem, loss: SpotLoss, iterations: int, *, lr: float = 0.2, snapshots=()):
    """FFM: per iteration one data pass and one error pass; Adam on the segment phases.

    Returns ``(history, masks, images)``: loss per iteration (measured in the
    data pass, before the step), final phases, and camera intensities at the
    requested ``snapshots`` iterations.
    """
    s = system.design.n_segments
    phases = np.zeros((s, s))
    opt = Adam(lr)
    history, images = [], {}
    for it in range(iterations + 1):
        system.program(phases)
        y, a = system.fields(monitor=True)
        inten = np.abs(y) ** 2
        history.append(float(loss(inten)[0]))
        if it in snapshots:
            images[it] = inten[0]
        if it == iterations:
            break
        v = system.error_pass(np.conj(loss.grad(y)))
        grad = _segment_sum(np.real(2j * a[0] * v[0]), system.design.segment)
        phases = opt.step(phases.ravel(), np.ravel(grad)).reshape(phases.shape)
    return np.array(history), phases, images


def run_pso(system: FocusSystem, loss: SpotLoss, iterations: int, rng: np.random.Generator, *,
            particles: int = 20, inertia: float = 0.7, c_personal: float = 1.5, c_global: float = 1.5):
    """Particle swarm optimisation (global best) of the segment phases, camera intensities only.

    Returns ``(history, best phases)``: the swarm's best loss after each
    iteration (iteration 0 = the initial swarm, flat mask included).
    """
    s = system.design.n_segments
    x = rng.uniform(0, 2 * np.pi, (particles, s, s))
    x[0] = 0
    v = rng.normal(0, 0.5, x.shape)
    system.program(x)
    f = loss(system.intensities())
    pbest, pval = x.copy(), f.copy()
    g = int(np.argmin(f))
    history = [float(pval[g])]
    for _ in range(iterations):
        r1, r2 = rng.uniform(size=x.shape), rng.uniform(size=x.shape)
        v = inertia * v + c_personal * r1 * (pbest - x) + c_global * r2 * (pbest[g] - x)
        v = np.clip(v, -np.pi, np.pi)
        x = x + v
        system.program(x)
        f = loss(system.intensities())
        better = f < pval
        pbest[better], pval[better] = x[better], f[better]
        g = int(np.argmin(pval))
        history.append(float(pval[g]))
    return np.array(history), pbest[g]


def run_random_search(system: FocusSystem, loss: SpotLoss, iterations: int, rng: np.random.Generator, *,
                      candidates: int = 1):
    """Random-partition wavefront shaping (Vellekoop and Mosk, Opt. Commun. 281, 3071 (2008)): per
    iteration, ``candidates`` random halves of the segments get a random common phase step; the best
    candidate is kept if it lowers the loss (camera intensities only).
    """
    s = system.design.n_segments
    phases = np.zeros((s, s))
    system.program(phases)
    best = float(loss(system.intensities())[0])
    history = [best]
    for _ in range(iterations):
        half = rng.uniform(size=(candidates, s, s)) < 0.5
        step = rng.uniform(-np.pi, np.pi, (candidates, 1, 1))
        trial = phases + half * step
        system.program(trial)
        f = loss(system.intensities())
        k = int(np.argmin(f))
        if f[k] < best:
            best, phases = float(f[k]), trial[k]
        history.append(best)
    return np.array(history), phases
