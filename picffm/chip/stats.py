"""Chip statistics: drift of programmed matrix elements, programming fidelity.

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

:func:`inspect_chip` gathers what ``picffm chip inspect`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParamsError
from ..meshes import symmetric_core
from .calibration import fidelity, insertion_loss_db, measure_matrix, relative_error, relative_symmetry_error
from .ideal import IdealChip
from .simulated import SimulatedChip
from .spec import ChipSpec

__all__ = ["DriftStatistics", "drift_statistics", "ChipReport", "inspect_chip", "random_symmetric",
           "protocol_fidelity"]


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


@dataclass(frozen=True)
class ChipReport:
    """What ``picffm chip inspect`` reports for one spec (see :func:`inspect_chip`).

    Per sample (arrays): ``fidelity`` and ``rel_error`` of the chip's realised
    matrix against the target ``W / scale``; ``ideal_rel_error`` of the ideal
    model against the same target (the decomposition's own error, ~1e-15);
    ``insertion_loss_db`` of the realised matrix against the target;
    ``symmetry_error`` of the realised matrix; ``measured_rel_error`` of the
    matrix measured through the protocol against the chip's noiseless
    effective matrix (detector noise, encoding noise and reference jitter);
    ``measured_fidelity`` of the matrix measured through the protocol (one
    unit-vector probe, N passes) against the target: what an experimenter
    reports as programming fidelity, transceiver errors included.
    """

    spec: str
    n: int
    samples: int
    seed: int
    fidelity: np.ndarray
    rel_error: np.ndarray
    ideal_rel_error: np.ndarray
    insertion_loss_db: np.ndarray
    symmetry_error: np.ndarray
    measured_rel_error: np.ndarray
    drift: DriftStatistics
    passes: int
    measured_fidelity: np.ndarray | None = None
    drift_measured: DriftStatistics | None = None
    busy_s: float = 0.0

    def summary(self) -> dict:
        def ms(v):
            v = np.asarray(v, dtype=float)
            return {"mean": float(v.mean()), "std": float(v.std()), "min": float(v.min()), "max": float(v.max())}

        return {
            "spec": self.spec,
            "n": self.n,
            "samples": self.samples,
            "seed": self.seed,
            "fidelity": ms(self.fidelity),
            "infidelity": ms(1.0 - self.fidelity),
            "rel_error": ms(self.rel_error),
            "ideal_rel_error": ms(self.ideal_rel_error),
            "insertion_loss_db": ms(self.insertion_loss_db),
            "symmetry_error": ms(self.symmetry_error),
            "measured_rel_error": ms(self.measured_rel_error),
            "measured_fidelity": ms(self.fidelity if self.measured_fidelity is None else self.measured_fidelity),
            "drift": self.drift.summary(),
            "drift_measured": None if self.drift_measured is None else self.drift_measured.summary(),
            "passes": self.passes,
            "busy_s": self.busy_s,
        }


def random_symmetric(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random complex symmetric matrix ``(G + G^T) / 2``, G complex Gaussian."""
    g = rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))
    return (g + g.T) / 2


def inspect_chip(spec: ChipSpec, n: int = 8, samples: int = 8, seed: int = 0, *,
                 window_s: float = 600.0, n_times: int = 21, drift_repeats: int = 0) -> ChipReport:
    """Program random symmetric matrices onto an N-mode symmetric core with ``spec``.

    One chip is fabricated from ``numpy.random.default_rng(seed)``; each
    sample draws a random complex symmetric ``W`` (:func:`random_symmetric`),
    programs it with :func:`picffm.programming.program_symmetric` (target
    ``W / scale``) and records fidelity, errors, insertion loss, symmetry
    error and one probe measurement (N passes) of the realised matrix. Drift
    statistics then follow the last programmed matrix over ``window_s``
    (``n_times`` noiseless reads); with ``drift_repeats`` R > 0 the next
    window of the same length is then measured through the protocol
    (``n_times`` times ``N * R`` passes, :func:`drift_statistics` with
    ``method="measured"``).
    """
    from ..programming import program_symmetric

    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ParamsError(f"samples must be an integer >= 1, got {samples!r}")
    net = symmetric_core(n)
    rng = np.random.default_rng(seed)
    chip_rng, prog_rng = rng.spawn(2)
    chip = SimulatedChip(net, spec, chip_rng)
    ideal = IdealChip(net)
    fid, err, ierr, loss, sym, merr, mfid = ([] for _ in range(7))
    for _ in range(samples):
        w = random_symmetric(n, prog_rng)
        settings, scale = program_symmetric(chip.schedule, w)
        chip.program(settings)
        ideal.program(settings)
        real, target = chip.realised_matrix(), w / scale
        fid.append(fidelity(real, target))
        err.append(relative_error(real, target))
        ierr.append(relative_error(ideal.matrix(), target))
        loss.append(insertion_loss_db(real, target))
        sym.append(relative_symmetry_error(real))
        measured = measure_matrix(chip)
        merr.append(relative_error(measured, chip.effective_matrix()))
        mfid.append(fidelity(measured, target))
    drift = drift_statistics(chip, window_s, n_times)
    measured = None
    if drift_repeats:
        measured = drift_statistics(chip, window_s, n_times, elements=drift.elements, method="measured",
                                    repeats=drift_repeats)
    return ChipReport(spec.name, n, samples, seed, np.array(fid), np.array(err), np.array(ierr), np.array(loss),
                      np.array(sym), np.array(merr), drift, chip.passes, np.array(mfid), measured, chip.busy_s)


def protocol_fidelity(spec: ChipSpec, n: int = 16, samples: int = 4, seed: int = 0) -> np.ndarray:
    """Programming fidelity of ``spec`` measured through the protocol, one value per sample.

    One chip from ``default_rng(seed)`` (the same draw as :func:`inspect_chip`);
    each sample programs a random complex symmetric ``W``
    (:func:`random_symmetric`) with :func:`~picffm.programming.program_symmetric`,
    probes it with the N unit vectors (N passes: :func:`measure_matrix`)
    and returns ``fidelity(measured, W / ||W||_2)``.
    """
    from ..programming import program_symmetric

    chip_rng, prog_rng = np.random.default_rng(seed).spawn(2)
    chip = SimulatedChip(symmetric_core(n), spec, chip_rng)
    out = []
    for _ in range(int(samples)):
        w = random_symmetric(n, prog_rng)
        settings, scale = program_symmetric(chip.schedule, w)
        chip.program(settings)
        out.append(fidelity(measure_matrix(chip), w / scale))
    return np.array(out)
