"""Drift of heater phase offsets in time: random walk and Ornstein-Uhlenbeck.

Every heater has a drift phase ``x(t)`` (rad), zero at ``t = 0`` (the moment
the chip was calibrated), advanced by exact discrete updates, so the result
does not depend on how a time span is cut into steps:

* ``random_walk``: ``x(t + dt) = x(t) + rate * sqrt(dt) * z``; the variance
  grows as ``rate**2 * t`` (``rate`` in rad/sqrt(s), a diffusion rate);
* ``ou`` (Ornstein-Uhlenbeck, mean-reverting, e.g. temperature held by a
  controller): ``x(t + dt) = x(t) e + sigma * sqrt(1 - e**2) * z`` with
  ``e = exp(-dt / tau)``; the variance tends to ``sigma**2`` and the
  correlation between times ``t`` and ``t + dt`` is ``exp(-dt / tau)``;
* ``none``: no drift.

``z`` are independent standard normals, except for mirror twins: the twin's
``z`` is ``sqrt(1 - a**2) * z_source + a * z_own`` (``a =
mirror_asymmetry``), so the twin's drift has the same law and is identical to
its source's at ``a = 0``.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParamsError
from .spec import DriftSpec

__all__ = ["DriftProcess", "mix_twins"]


def mix_twins(z: np.ndarray, src: np.ndarray, dst: np.ndarray, asymmetry: float) -> np.ndarray:
    """Correlate twin draws in place: ``z[dst] = sqrt(1 - a^2) z[src] + a z[dst]``.

    Works along the first axis. ``a = asymmetry`` in [0, 1] is the weight of
    the twin's own, independent part: at 0 the twins are exact copies, at 1
    independent; the marginal law of standard normals is preserved for any
    ``a``, and for small ``a`` the twin mismatch ``z[dst] - z[src]`` has std
    close to ``a``.
    """
    if src.size:
        if asymmetry == 0.0:
            z[dst] = z[src]
        elif asymmetry != 1.0:
            z[dst] = np.sqrt(1.0 - asymmetry * asymmetry) * z[src] + asymmetry * z[dst]
    return z


class DriftProcess:
    """Drift state of ``n`` heaters under a :class:`DriftSpec`.

    Args:
        spec: the drift model and its rates.
        n: number of heaters.
        twins: ``(src, dst)`` flat index arrays of mirror-twin heaters.
        asymmetry: the spec's ``mirror_asymmetry`` (see :func:`mix_twins`).
        rng: generator used for every increment (the chip's drift stream).
    """

    def __init__(self, spec: DriftSpec, n: int, twins: tuple[np.ndarray, np.ndarray], asymmetry: float,
                 rng: np.random.Generator):
        self.spec = spec
        self._x = np.zeros(n)
        self._src, self._dst = twins
        self._asym = float(asymmetry)
        self._rng = rng

    @property
    def active(self) -> bool:
        s = self.spec
        return (s.model == "random_walk" and s.rate_rad_per_sqrt_s > 0) or (s.model == "ou" and s.sigma_rad > 0)

    @property
    def state(self) -> np.ndarray:
        """Current drift phases (rad), a copy."""
        return self._x.copy()

    def get_state(self) -> dict:
        """Drift phases and the generator state (plain data; restored by :meth:`set_state`)."""
        return {"x": self._x.copy(), "rng": self._rng.bit_generator.state}

    def set_state(self, state: dict) -> None:
        x = np.array(state["x"], dtype=float)
        if x.shape != self._x.shape:
            raise ParamsError(f"drift state has {x.size} heaters, this chip {self._x.size}")
        self._x = x
        self._rng.bit_generator.state = state["rng"]

    def advance(self, dt_s: float) -> bool:
        """Evolve by ``dt_s`` seconds; returns True if the state changed."""
        if not dt_s >= 0 or not np.isfinite(dt_s):
            raise ParamsError(f"time step must be a finite number >= 0 s, got {dt_s}")
        if dt_s == 0 or not self.active or self._x.size == 0:
            return False
        z = mix_twins(self._rng.standard_normal(self._x.size), self._src, self._dst, self._asym)
        s = self.spec
        if s.model == "random_walk":
            self._x += s.rate_rad_per_sqrt_s * np.sqrt(dt_s) * z
        else:
            e = np.exp(-dt_s / s.tau_s)
            self._x = self._x * e + s.sigma_rad * np.sqrt(-np.expm1(-2.0 * dt_s / s.tau_s)) * z
        return True
