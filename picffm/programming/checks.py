"""Validation of target matrices at the programming boundary.

Every check raises :class:`picffm.errors.ProgrammingError` with a one-line
message naming what is wrong (shape against the netlist's N, the first
non-finite entry, how far from unitary or symmetric the target is).
"""

from __future__ import annotations

import numpy as np

from ..errors import ProgrammingError
from ..matrix_metrics import relative_symmetry_error, unitarity_error  # noqa: F401 (re-exported)

__all__ = ["as_target", "unitarity_error", "relative_symmetry_error", "check_unitary", "unitary_tolerance",
           "UNITARY_TOL"]

#: default tolerance on ||U U^H - I||_F for targets of unitary meshes
UNITARY_TOL = 1e-8
#: range of the largest entry magnitude of a nonzero target: the decompositions
#: square and sum entries, which overflows near 1e154 and loses every digit to
#: subnormals near 1e-154; the mesh implements target/scale, so rescale instead
TARGET_MAGNITUDE = (1e-100, 1e100)


def as_target(target, n: int, what: str = "target") -> np.ndarray:
    """``target`` as a complex N x N array, or a ProgrammingError saying why not."""
    try:
        arr = np.asarray(target)
    except Exception as exc:  # ragged nested lists and the like
        raise ProgrammingError(f"{what} is not a matrix: {exc}") from None
    if arr.dtype.kind not in "iufc":  # booleans are masks, not matrices
        raise ProgrammingError(f"{what} must be a numeric (integer, real or complex) matrix, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ProgrammingError(f"{what} must be a square matrix, got shape {arr.shape}; the netlist needs {n}x{n}")
    if arr.shape[0] != n:
        raise ProgrammingError(
            f"{what} is {arr.shape[0]}x{arr.shape[1]} but the netlist has N = {n} modes: expected {n}x{n}"
        )
    arr = arr.astype(complex, copy=False)
    if not np.all(np.isfinite(arr)):
        i, j = np.argwhere(~np.isfinite(arr))[0]
        raise ProgrammingError(f"{what} has a non-finite entry {arr[i, j]} at row {i}, column {j}")
    peak = float(np.max(np.abs(arr))) if arr.size else 0.0
    low, high = TARGET_MAGNITUDE
    if peak != 0.0 and not low <= peak <= high:
        raise ProgrammingError(f"{what}'s largest entry magnitude {peak:.3g} is outside the supported range "
                               f"{low:g} .. {high:g}; rescale the target (a symmetric or SVD mesh implements "
                               "target / ||target||_2 anyway)")
    return arr


def unitary_tolerance(target, tol: float = UNITARY_TOL) -> float:
    """The tolerance on ``||U U^H - I||_F`` for ``target`` as given: ``tol``, or ``4 N eps`` of the target's
    own floating-point type when that is larger.

    A unitary stored in single precision (``float32``/``complex64``, as many
    tools save arrays) is unitary only to its rounding: about
    ``0.2 sqrt(N) eps`` (3.9e-8 at N = 2, 5.7e-7 at N = 256, with
    eps = 1.2e-7), above the double-precision default of 1e-8. ``4 N eps``
    accepts every such rounding with room; for float64 it is below 1e-8
    for every N up to the limit, so ``tol`` stands.
    """
    dtype = getattr(target, "dtype", None)
    if dtype is None or dtype.kind not in "fc":
        return tol
    arr = np.asarray(target)
    n = arr.shape[0] if arr.ndim == 2 else 1
    return max(tol, 4.0 * n * float(np.finfo(dtype).eps))


def check_unitary(u: np.ndarray, tol: float = UNITARY_TOL, mesh: str = "unitary") -> float:
    """Raise unless ``||U U^H - I||_F <= tol``; returns that distance."""
    err = unitarity_error(u)
    if not err <= tol:
        raise ProgrammingError(
            f"target is not unitary: ||U U^H - I||_F = {err:.3g} > {tol:g}; a {mesh} mesh implements unitary "
            "matrices only (program a symmetric matrix on a symmetric core, or a general one on an SVD mesh)"
        )
    return err
