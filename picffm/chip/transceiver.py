"""IQ modulators (input side) and coherent receivers' phase reference (detection side).

A chip is driven and read through electronics that have their own errors, on
top of the mesh's (docs/conventions.md §7). Both act on *every* vector sent through
the chip, the data vectors and the error vectors of FFM alike:

* **IQ encoding** of input port ``k``: the field actually launched is
  ``x_k * e_k * (1 + noise * n)`` with a static complex factor
  ``e_k = (1 + gain_std * z) * exp(1j * phase_std_rad * z')`` (the residual
  of calibrating that port's modulator, drawn once) and ``n`` a circular
  complex standard normal drawn anew for every field of every pass (DAC and
  driver noise).
* **Phase reference** of the coherent receiver on output port ``j``: the
  field read is ``y_j * exp(1j * (r_j + phase_noise_rad * w_b))`` with a
  static reference-path error ``r_j`` (``phase_offset_std_rad * z``, drawn
  once) and a jitter ``w_b`` (standard normal) drawn once per optical pass
  ``b`` and shared by every output and monitor field read in that pass: the
  laser's phase against its own delayed copy moves as a whole. Monitor taps
  get the jitter but no static offset (their reference paths are not
  modelled). Direct detection (powers) sees neither.

The static factors make the chip's effective operator ``diag(r) M diag(e)``,
which is *not* symmetric even when the core ``M`` is: this, not drift, is
what limits FFM's gradient on a calibrated chip whose matrices are stable to
0.01 %. Randomness: the static factors come from their own stream (drawn once
at construction, always the same number of normals), the per-pass terms from
the chip's noise stream, drawn only when their std is non-zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import ChipSpec

__all__ = ["Transceiver", "draw_transceiver"]


def _complex_normal(rng: np.random.Generator, shape) -> np.ndarray:
    """Circular complex standard normal, ``E|z|^2 = 1`` (a new array: one draw, scaled in place)."""
    z = rng.standard_normal(tuple(shape) + (2,)).view(complex)[..., 0]
    z *= np.sqrt(0.5)
    return z


@dataclass(frozen=True, eq=False)
class Transceiver:
    """Static input and output factors of one chip plus the per-pass error stds.

    Attributes:
        input_factor: ``(N,)`` complex ``e_k`` of every input port's IQ modulator.
        output_factor: ``(N,)`` complex ``exp(1j r_j)`` of every output receiver.
        noise: per-pass relative encoding noise std.
        phase_noise_rad: per-pass reference jitter std (rad).
    """

    input_factor: np.ndarray
    output_factor: np.ndarray
    noise: float
    phase_noise_rad: float

    @property
    def static_ideal(self) -> bool:
        return bool(np.all(self.input_factor == 1) and np.all(self.output_factor == 1))

    def encode(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The fields launched for the requested inputs ``x`` ``(N,)`` or ``(N, B)``."""
        x = np.asarray(x, dtype=complex)
        if (self.static_ideal and self.noise == 0) or x.ndim not in (1, 2) or x.shape[0] != self.input_factor.size:
            return x  # nothing to do, or a bad shape the circuit reports
        f = self.input_factor if x.ndim == 1 else self.input_factor[:, None]
        out = x * f
        if self.noise:  # x f (1 + noise n), each step in place (the same numbers as written out)
            z = _complex_normal(rng, x.shape)
            z *= self.noise
            z += 1.0
            out *= z
        return out

    def pass_phases(self, batch_shape: tuple, rng: np.random.Generator) -> np.ndarray | None:
        """Per-pass reference jitter ``exp(1j * phase_noise_rad * w)`` (``None`` without jitter).

        ``batch_shape`` is ``()`` for one input vector or ``(B,)``.
        """
        if not self.phase_noise_rad:
            return None
        return np.exp(1j * self.phase_noise_rad * rng.standard_normal(batch_shape))

    def receive(self, y: np.ndarray, jitter: np.ndarray | None, *, static: bool = True,
                in_place: bool = False) -> np.ndarray:
        """Apply the receivers' static reference phases (if ``static``) and the jitter to fields ``(N[, B])``.

        With ``in_place`` (and ``static=False``) the jitter is applied to
        ``y`` itself, which is returned (the same numbers, no new array).
        """
        if static and not np.all(self.output_factor == 1) and y.shape[0] == self.output_factor.size:
            y = y * (self.output_factor if y.ndim == 1 else self.output_factor[:, None])
        if jitter is not None:
            if in_place and not static:
                np.multiply(y, jitter, out=y)
            else:
                y = y * jitter
        return y


def draw_transceiver(n_modes: int, spec: ChipSpec, rng: np.random.Generator) -> Transceiver:
    """Draw the static modulator and receiver errors of one chip (3 N standard normals)."""
    m, d = spec.modulator, spec.detector
    z = rng.standard_normal((3, n_modes))
    gain = np.maximum(0.0, 1.0 + m.gain_std * z[0])
    e = gain * np.exp(1j * m.phase_std_rad * z[1]) if (m.gain_std or m.phase_std_rad) else np.ones(n_modes, complex)
    r = np.exp(1j * d.phase_offset_std_rad * z[2]) if d.phase_offset_std_rad else np.ones(n_modes, complex)
    return Transceiver(e, r, float(m.noise), float(d.phase_noise_rad))
