"""Chip statistics: what ``picffm chip inspect`` reports (programming fidelity, errors, drift).

:func:`inspect_chip` programs random complex symmetric matrices on a
simulated symmetric core and gathers fidelity, errors, insertion loss,
symmetry error, a probe measurement and drift statistics
(:mod:`picffm.chip.drift_stats`, re-exported here) into a
:class:`ChipReport`; :func:`protocol_fidelity` is the fidelity measured
through the protocol alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParamsError
from ..meshes import symmetric_core
from .calibration import fidelity, insertion_loss_db, measure_matrix, relative_error, relative_symmetry_error
from .drift_stats import DriftStatistics, drift_statistics
from .ideal import IdealChip
from .simulated import SimulatedChip
from .spec import ChipSpec

__all__ = ["DriftStatistics", "drift_statistics", "ChipReport", "inspect_chip", "random_symmetric",
           "protocol_fidelity"]


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
