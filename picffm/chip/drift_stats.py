"""Drift statistics of programmed matrix elements, read through the oracle or through the protocol.

:func:`drift_statistics` reports drift in the form of Xue et al. (Nature 632,
280 (2024), Fig. 5): program a matrix, let time pass in equal steps over a
window, read the matrix at every step, and give the relative standard
deviation over time of the programmed elements, in %::

    rel_std[i, j] = 100 * std_t(M_ij(t)) / |mean_t M_ij(t)|

with the std of a complex series ``sqrt(mean_t |M_ij(t) - mean_t M_ij|^2)``
(``rel_std_abs`` uses ``|M_ij(t)|`` instead: amplitude only). By default the
matrix is read noiselessly through the evaluation-only oracle
(``method="true"``: drift alone); ``method="measured"`` probes it through the
protocol as an experiment would: at every time the N unit vectors are sent
``repeats`` times (``N * repeats`` passes) and the reads are averaged.

Through the protocol every read carries noise (detector, encoding noise,
reference jitter), so the raw figure is ``sqrt(drift**2 + noise**2 / repeats)``.
Because there are ``repeats`` reads at every time, the noise is also
*measured*: ``noise_floor`` is the std of the mean of the reads at one time,
estimated from their spread (``sqrt(mean_t var_within / repeats)``), relative
to ``|mean M_ij|``, in %. Noise and drift add in variance, so the noise is
removed in aggregate over the K elements followed::

    raw   = sqrt(mean_k rel_std_abs_k**2)                       (rms over elements)
    noise = sqrt((T - 1) / T * mean_k noise_floor_k**2)          (its expected share of raw**2)
    drift = sqrt(max(0, raw**2 - noise**2))                      (the drift an experiment can claim)

(``(T - 1) / T``: the std over the T times is taken with ``ddof=0``, which
sees that fraction of a noise variance.) So ``noise**2 + drift**2 = raw**2``
whenever the drift is not clipped at 0, and ``0 <= drift <= raw`` always.
Removing the noise element by element instead (``corrected_abs_pct``, kept
for inspection) is biased upwards on average: every element whose noise
estimate exceeds its raw figure is clipped to 0, the others are not, so the
mean of the corrected figures could exceed the share the noise leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParamsError

__all__ = ["DriftStatistics", "drift_statistics"]


@dataclass(frozen=True)
class DriftStatistics:
    """Result of :func:`drift_statistics`.

    Attributes:
        times_s: chip time of every read, shape (T,).
        elements: ``(K, 2)`` (row, column) of the elements followed.
        rel_std_pct: ``(K,)`` relative std over time of each complex element, %.
        rel_std_abs_pct: ``(K,)`` the same for the amplitude ``|M_ij|``, %.
        method: "true" (noiseless oracle) or "measured" (through the protocol).
        repeats: reads averaged per time (measured).
        noise_floor_abs_pct: ``(K,)`` measured only (repeats >= 2): noise of
            the averaged amplitude ``|M_ij|`` at one time, from the spread
            of the reads, % of ``|mean M_ij|``.
        corrected_abs_pct: ``(K,)`` measured only (repeats >= 2):
            ``sqrt(max(0, rel_std_abs**2 - (T-1)/T * noise_floor_abs**2))``,
            element by element (each one noisy; see :attr:`drift_rms_pct`
            for the aggregate figure).
    """

    times_s: np.ndarray
    elements: np.ndarray
    rel_std_pct: np.ndarray
    rel_std_abs_pct: np.ndarray
    method: str
    repeats: int = 1
    noise_floor_abs_pct: np.ndarray | None = None
    corrected_abs_pct: np.ndarray | None = None

    @property
    def mean_pct(self) -> float:
        return float(np.mean(self.rel_std_pct))

    @property
    def max_pct(self) -> float:
        return float(np.max(self.rel_std_pct))

    @property
    def raw_rms_pct(self) -> float:
        """Amplitude relative std, rms over the elements: ``sqrt(mean_k rel_std_abs_k**2)``, %."""
        return float(np.sqrt(np.mean(self.rel_std_abs_pct ** 2)))

    @property
    def noise_rms_pct(self) -> float | None:
        """The measured noise's share of :attr:`raw_rms_pct` (in quadrature), %; None without repeats."""
        if self.noise_floor_abs_pct is None:
            return None
        t = self.times_s.size
        return float(np.sqrt((t - 1) / t * np.mean(self.noise_floor_abs_pct ** 2)))

    @property
    def drift_rms_pct(self) -> float | None:
        """Drift with the noise removed in aggregate: ``sqrt(max(0, raw**2 - noise**2))``, in [0, raw], %."""
        noise = self.noise_rms_pct
        if noise is None:
            return None
        return float(np.sqrt(max(0.0, self.raw_rms_pct ** 2 - noise ** 2)))

    def summary(self) -> dict:
        out = {
            "method": self.method,
            "window_s": float(self.times_s[-1] - self.times_s[0]),
            "n_samples": int(self.times_s.size),
            "n_elements": int(self.elements.shape[0]),
            "repeats": int(self.repeats),
            "rel_std_pct_mean": self.mean_pct,
            "rel_std_pct_median": float(np.median(self.rel_std_pct)),
            "rel_std_pct_max": self.max_pct,
            "rel_std_abs_pct_mean": float(np.mean(self.rel_std_abs_pct)),
        }
        if self.corrected_abs_pct is not None:
            out["rel_std_abs_pct_rms"] = self.raw_rms_pct
            out["noise_abs_pct_rms"] = self.noise_rms_pct
            out["drift_abs_pct_rms"] = self.drift_rms_pct
        return out


def drift_statistics(chip, window_s: float, n_samples: int, *, elements=None, method: str = "true",
                     repeats: int = 1, min_fraction: float = 0.1) -> DriftStatistics:
    """Relative std over time of programmed matrix elements (see module docstring).

    The chip's current programming is kept; its clock advances by
    ``window_s`` (``n_samples - 1`` equal steps; the first read is now).

    Args:
        chip: a :class:`SimulatedChip` for ``method="true"``; any chip for
            ``method="measured"``.
        window_s: time window in s (> 0).
        n_samples: number of reads (>= 2).
        elements: ``(row, column)`` pairs to follow; default every element
            whose magnitude at the first read is at least ``min_fraction`` of
            the largest (tiny elements have meaningless relative std).
        method: "true" or "measured".
        repeats: averages per read for ``method="measured"``.
    """
    if method not in ("true", "measured"):
        raise ParamsError(f"unknown drift statistics method {method!r}; valid: true, measured")
    if not (np.isfinite(window_s) and window_s > 0):
        raise ParamsError(f"window must be > 0 s, got {window_s}")
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ParamsError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if method == "true" and not hasattr(chip, "reveal"):
        raise ParamsError("method 'true' needs a simulated chip (reveal()); use method 'measured'")
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ParamsError(f"repeats must be an integer >= 1, got {repeats!r}")
    n = chip.n_modes
    probe = np.tile(np.eye(n, dtype=complex), (1, int(repeats)))  # N * repeats passes in one batch

    def read():
        if method == "true":
            return chip.realised_matrix()[None]
        return chip.run(probe).reshape(n, int(repeats), n).transpose(1, 0, 2)  # (R, out, in)

    dt = window_s / (n_samples - 1)
    times, reads = [], []
    for k in range(n_samples):
        if k:
            chip.advance(dt)
        times.append(chip.time_s)
        reads.append(read())
    raw = np.array(reads)  # (T, R, N, N)
    stack = raw.mean(axis=1)  # (T, N, N)
    if elements is None:
        mag = np.abs(stack[0])
        elements = np.argwhere(mag >= min_fraction * mag.max())
    elements = np.asarray(elements, dtype=int).reshape(-1, 2)
    if elements.size == 0 or elements.min() < 0 or elements.max() >= n:
        raise ParamsError(f"elements must be (row, column) pairs in 0..{n - 1}")
    series = stack[:, elements[:, 0], elements[:, 1]]  # (T, K)
    mean = series.mean(axis=0)
    std = np.sqrt(np.mean(np.abs(series - mean) ** 2, axis=0))
    amp = np.abs(series)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = 100.0 * std / np.abs(mean)
        rel_abs = 100.0 * amp.std(axis=0) / amp.mean(axis=0)
    floor = corrected = None
    r = raw.shape[1]
    if method == "measured" and r >= 2:
        amps = np.abs(raw[:, :, elements[:, 0], elements[:, 1]])  # (T, R, K)
        noise_var = amps.var(axis=1, ddof=1).mean(axis=0) / r  # variance of the mean of R reads
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = 100.0 * np.sqrt(noise_var) / amp.mean(axis=0)
        t = raw.shape[0]
        corrected = np.sqrt(np.maximum(0.0, rel_abs ** 2 - (t - 1) / t * floor ** 2))
    return DriftStatistics(np.array(times), elements, rel, rel_abs, method, r, floor, corrected)
