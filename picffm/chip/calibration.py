"""Calibration: measure a chip's transfer matrix, compare realised and target matrices.

* :func:`measure_matrix` probes any :class:`~picffm.chip.interface.Chip` with
  the N unit vectors in one batch (N optical passes per repeat) and reads the
  outputs by coherent detection: column ``k`` of the result is the measured
  response to input ``k``. A trainer may use it to build a calibrated digital
  twin; it goes through the protocol only, noise included.
* :func:`fidelity` and :func:`relative_error` compare a realised matrix with
  its target; :func:`relative_symmetry_error` says how far a matrix is from
  symmetric.
* :func:`random_tied_settings` draws random phases for a symmetric core with
  every mirror twin set equal to its source, so the ideal model realises a
  symmetric matrix: a way to program "random symmetric matrices" without a
  decomposition.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParamsError
from ..matrix_metrics import relative_symmetry_error  # noqa: F401 (re-exported)
from ..parameters import Params
from ..schedule import Schedule

__all__ = [
    "measure_matrix",
    "fidelity",
    "relative_error",
    "relative_symmetry_error",
    "insertion_loss_db",
    "random_tied_settings",
]


def measure_matrix(chip, repeats: int = 1) -> np.ndarray:
    """The chip's transfer matrix ``T[out, in]`` measured by probing (``N * repeats`` passes).

    Each repeat sends the N unit vectors as one batch and reads the complex
    outputs (coherent detection, with the chip's detector noise); repeats are
    averaged, which divides the noise variance by ``repeats``.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 1:
        raise ParamsError(f"repeats must be an integer >= 1, got {repeats!r}")
    n = chip.n_modes
    probe = np.eye(n, dtype=complex)
    total = np.zeros((n, n), dtype=complex)
    for _ in range(int(repeats)):
        total += chip.run(probe)
    return total / repeats


def fidelity(realised: np.ndarray, target: np.ndarray) -> float:
    """Programming fidelity ``|Tr(A^H B)|^2 / (||A||_F^2 ||B||_F^2)`` in [0, 1].

    ``A`` realised, ``B`` target. 1 means equal up to a global complex factor
    (overall loss and phase do not count: they go to the electronic gain);
    it is the squared cosine of the angle between the matrices seen as vectors.
    """
    a, b = np.asarray(realised), np.asarray(target)
    _same_shape(a, b)
    na, nb = np.vdot(a, a).real, np.vdot(b, b).real
    if na == 0 or nb == 0:
        return 0.0
    return float(abs(np.vdot(a, b)) ** 2 / (na * nb))


def relative_error(realised: np.ndarray, target: np.ndarray) -> float:
    """Relative Frobenius error ``||A - B||_F / ||B||_F`` (loss and phase count)."""
    a, b = np.asarray(realised), np.asarray(target)
    _same_shape(a, b)
    nb = np.linalg.norm(b)
    if nb == 0:
        raise ParamsError("target matrix is zero: relative error undefined")
    return float(np.linalg.norm(a - b) / nb)


def insertion_loss_db(realised: np.ndarray, reference: np.ndarray) -> float:
    """Excess insertion loss ``-10 log10(||A||_F^2 / ||B||_F^2)`` in dB of A against B.

    With a lossless reference this is the chip's average insertion loss over
    all input ports.
    """
    a, b = np.asarray(realised), np.asarray(reference)
    _same_shape(a, b)
    return float(-10.0 * np.log10(np.vdot(a, a).real / np.vdot(b, b).real)) + 0.0  # no -0.0


def random_tied_settings(schedule: Schedule, rng: np.random.Generator, *,
                         full_transmission: bool = False) -> Params:
    """Random programmable settings with mirror twins tied (a symmetric matrix on the ideal model).

    Every phase is uniform in [0, 2 pi), drawn component by component and
    setting by setting; the mirror copy of each element (``ut_X`` of ``u_X``,
    :attr:`picffm.elements.ElementTable.twin`) gets its source's values.
    Attenuator ``theta`` is uniform too (a random amplitude
    ``|sin(theta/2)|``) unless ``full_transmission``, which sets it to pi.
    """
    p = schedule.params()
    table = schedule.table
    for comp, names in schedule.names.items():
        for key in table.keys(comp, programmable=True):
            b = table.block(comp, key)
            v = rng.uniform(0.0, 2 * np.pi, len(names))
            if comp == "attenuator" and key == "theta" and full_transmission:
                v = np.full(len(names), np.pi)
            p.values[b.start:b.stop] = v
    return p.set_tied(p.tied())


def _same_shape(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ParamsError(f"matrices differ in shape: {a.shape} vs {b.shape}")
