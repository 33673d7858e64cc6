"""EVALUATION SIDE: fits of a matrix read with the N unit-vector probes that use the core's reciprocity.

What a noiseless probe of a symmetric core reads is the effective operator
``A = s diag(r) M diag(e)`` with ``M = U^T D U`` symmetric (reciprocity) and
``r``, ``e`` the static receiver and IQ-modulator factors. It factorises
exactly as

    ``A = diag(q) S``,  ``q = r / e``,  ``S = s diag(e) M diag(e)`` symmetric,

so of the ``N^2`` complex entries only ``N (N + 1) / 2 + N - 1`` are free. The
*raw* probe fit (:func:`picffm.chip.calibration.measure_matrix`) takes the N
reads as they are; :func:`reciprocal_fit` projects them onto that set:

1. **the ratios** ``q`` (up to one complex scale, which ``S`` absorbs): for
   every pair ``i < j`` the noiseless entries obey ``A_ij / q_i = A_ji / q_j``.
   With ``p = 1 / q`` this is linear, ``A_ij p_i - A_ji p_j = 0``; the fit
   minimises ``sum_{i<j} |A_ij p_i - A_ji p_j|^2`` over ``||p|| = 1``, whose
   minimiser is the eigenvector of the smallest eigenvalue of the Hermitian
   ``N x N`` matrix ``L`` with ``L_ii = sum_{j != i} |A_ij|^2`` and
   ``L_ij = -conj(A_ij) A_ji`` (a total-least-squares fit of all
   ``N (N - 1) / 2`` pairs, weighted by the entries' powers; no logarithm, so
   no phase wrapping however large the transceivers' phases are);
2. **the symmetric part** ``S = sym(diag(p) A)``, ``sym(X) = (X + X^T) / 2``:
   the orthogonal projection onto symmetric matrices;
3. **the model** ``diag(q) S``.

With additive read noise of the same variance on every entry the projection
halves the noise variance of the off-diagonal entries (their antisymmetric
half is removed) and leaves the diagonal's: the model's noise variance is
about ``(N + 1) / (2 N)`` of the raw read's, plus the small cost of fitting
``q``. Noise that multiplies a whole *column* (a per-pass factor: the
receivers' shared reference jitter, the modulator's encoding noise of a unit
vector) is of the form ``A diag(c) = diag(q / c) (diag(c) S diag(c))``: it is
exactly representable and passes through unchanged. A core whose mirror half
differs from the first (``mirror_asymmetry > 0``) has a non-symmetric ``M``,
which the model cannot represent: its antisymmetric part becomes model error.
``docs/training.md`` ("Gradient error") reports which effect wins on the
presets.

:func:`column_corrected` uses reciprocity the other way round, against that
column noise. Every read gives ratios ``q / c`` (its own column factors
``c`` times the static ``q = r / e``, which does not change from read to
read); their running mean over the earlier reads of the same chip estimates
``q``, so a new read's ``c`` follows, up to one common factor, as the ratio
of that mean to the read's own ratios, and the read is divided by it,
column by column. Nothing is symmetrised: the model keeps whatever
asymmetry the chip's core has; only what changes from read to read in the
port ratios is removed. The mirror halves' asymmetry also moves the fitted
ratios, by an amount that depends on the settings: where the settings change
little between reads (late in training) the running mean absorbs it, where
they change a lot it is mistaken for column noise.

It reads only what the chip protocol returns (the N probe outputs); it never
calls ``reveal()``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..chip.calibration import measure_matrix
from ..errors import ParamsError

__all__ = ["reciprocal_ratios", "reciprocal_fit", "reciprocal_fitted_matrices", "column_corrected"]


def _square(a) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
        raise ParamsError(f"reciprocal fit needs a square matrix of at least 2 x 2, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ParamsError("reciprocal fit: the matrix has non-finite entries")
    return a.astype(complex, copy=False)


def reciprocal_ratios(a: np.ndarray) -> np.ndarray:
    """``p = 1 / q`` (up to one complex scale, ``||p|| = 1``) such that ``diag(p) a`` is as symmetric as it can be.

    See the module docstring, step 1. Raises
    :class:`~picffm.errors.ParamsError` when the pairs do not determine the
    ratios: the probed matrix splits into blocks with no coupling between
    them (the smallest eigenvalue of ``L`` is degenerate), or one port is
    coupled to no other.
    """
    a = _square(a)
    n = a.shape[0]
    power = np.abs(a) ** 2
    np.fill_diagonal(power, 0.0)
    lap = -np.conj(a) * a.T
    lap[np.diag_indices(n)] = power.sum(axis=1)
    w, v = np.linalg.eigh(lap)
    scale = max(float(w[-1]), np.finfo(float).tiny)
    if w[1] - w[0] <= 1e-12 * scale:
        raise ParamsError("reciprocal fit: the probe reads do not determine the port ratios (the matrix splits "
                          "into uncoupled blocks); use the raw probe fit for such a matrix")
    p = v[:, 0]
    if np.min(np.abs(p)) <= 1e-9 * np.max(np.abs(p)):
        raise ParamsError("reciprocal fit: a port is coupled to no other, its ratio is undetermined")
    return p * (np.conj(p[0]) / abs(p[0]))  # a fixed phase convention: p[0] real and positive


def reciprocal_fit(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(model, q)``: the matrix ``diag(q) S`` with ``S`` symmetric nearest ``a`` (module docstring).

    ``a``: a probed matrix ``T[out, in]`` (column ``k`` = the response to
    input ``k``). ``q``: the fitted ratios ``r / e`` up to one complex scale
    (normalised so that ``q[0]`` is real and positive). Exact (to rounding)
    when ``a`` already has that form.
    """
    a = _square(a)
    p = reciprocal_ratios(a)
    s = p[:, None] * a
    s = 0.5 * (s + s.T)
    q = 1.0 / p
    return q[:, None] * s, q


def reciprocal_fitted_matrices(chips: Sequence, repeats: int = 1) -> list[np.ndarray]:
    """Each layer's matrix measured with the N unit-vector probes (``N * repeats`` passes), then
    :func:`reciprocal_fit`: the same passes as the raw probe fit."""
    return [reciprocal_fit(measure_matrix(c, repeats))[0] for c in chips]


def column_corrected(read: np.ndarray, mean_q: np.ndarray | None = None, reads: int = 0
                     ) -> tuple[np.ndarray, np.ndarray, int]:
    """``(corrected, mean_q, reads)``: ``read`` with its column factors removed against the earlier reads' ratios.

    ``read``: one probed matrix of a chip (column ``k`` = the response to
    input ``k``). ``mean_q``, ``reads``: the running mean of the port ratios
    ``q`` of that chip's earlier reads and their number (``None``, ``0``
    before the first read); the returned pair includes this read, to pass
    with the next one. With ``q_k`` this read's ratios (:func:`reciprocal_fit`)
    and ``m`` the earlier reads' mean, the column factors are ``c = m / q_k``
    scaled to mean 1, and ``corrected = read / c`` (column by column). The
    first read is returned as it is. Each read's ratios are scaled by the
    least-squares complex factor onto ``m`` before they join the mean (the
    ratios are defined up to one scale).
    """
    read = _square(read)
    q = 1.0 / reciprocal_ratios(read)
    if mean_q is None or reads < 1:
        return read.copy(), q, 1
    mean_q = np.asarray(mean_q, dtype=complex)
    if mean_q.shape != q.shape:
        raise ParamsError(f"column_corrected: mean_q has shape {mean_q.shape}, the read has {q.size} ports")
    c = mean_q / q
    c /= np.mean(c)
    aligned = q * (np.vdot(q, mean_q) / np.vdot(q, q))
    return read / c[None, :], (mean_q * reads + aligned) / (reads + 1), int(reads) + 1
