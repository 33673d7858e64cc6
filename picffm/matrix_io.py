"""Read and write complex matrices as ``.npy`` or ``.csv`` (chosen by extension).

* ``.npy``: numpy's binary format (``np.load(path)`` reads it back exactly).
* ``.csv``: one matrix row per line, entries separated by commas, each entry
  a Python/numpy complex literal with full precision, e.g.
  ``0.7071067811865476+0j,-0.5-0.5j``. Lines starting with ``#`` are comments.
  Read it back with ``np.loadtxt(path, delimiter=",", dtype=complex)`` (exact
  round trip) or with :func:`load_matrix`.

Writes are atomic (temporary file, then rename).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from .errors import PicffmError
from .netlist import atomic_write_bytes, atomic_write_text

__all__ = ["MATRIX_SUFFIXES", "MAX_MATRIX_ENTRIES", "MatrixFileError", "save_matrix", "load_matrix",
           "check_matrix_path", "read_npy"]

MATRIX_SUFFIXES = (".npy", ".csv")
#: most entries of a matrix read from a file (4096 x 4096; 256 MiB as complex128)
MAX_MATRIX_ENTRIES = 4096 * 4096


class MatrixFileError(PicffmError):
    """A matrix file has an unknown type or cannot be read."""


def check_matrix_path(path: str | os.PathLike) -> str:
    """Return the suffix of a matrix file path, or raise with the valid choices."""
    suffix = Path(path).suffix.lower()
    if suffix not in MATRIX_SUFFIXES:
        raise MatrixFileError(
            f"{path}: unknown matrix file type {suffix or '(none)'!r}; use {' or '.join(MATRIX_SUFFIXES)}"
        )
    parent = Path(path).parent
    if not parent.is_dir():
        raise MatrixFileError(f"{path}: directory {str(parent)!r} does not exist")
    return suffix


def read_npy(path: str | os.PathLike, error: type[PicffmError]) -> np.ndarray:
    """Read a numeric ``.npy`` array, checking its header before allocating.

    The header's shape must hold at most :data:`MAX_MATRIX_ENTRIES` entries
    and the file must be as long as the header says (a header claiming a huge
    shape is refused without allocating it); object arrays (pickles) are
    refused, and so are booleans (a mask is not a matrix). Problems raise
    ``error`` naming the file.
    """
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f".npy format version {version[0]}.{version[1]} is not supported; "
                                 "write it with numpy.save")
            data_at = fh.tell()
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    except Exception as exc:  # noqa: BLE001 - numpy parses the header as a Python literal: any error is a bad file
        raise error(f"{path}: cannot read as .npy: damaged header ({' '.join(str(exc).split())[:120]})") from None
    if dtype.hasobject or dtype.kind not in "iufc":
        raise error(f"{path}: expected a numeric array (integer, real or complex), got dtype {dtype}")
    entries = 1
    for d in shape:
        entries *= int(d)
    if entries > MAX_MATRIX_ENTRIES:
        raise error(f"{path}: the header claims shape {shape} ({entries} entries), beyond the limit of "
                    f"{MAX_MATRIX_ENTRIES} entries (4096 x 4096)")
    if size - data_at < entries * dtype.itemsize:
        raise error(f"{path}: truncated: the header claims shape {shape} of {dtype} "
                    f"({entries * dtype.itemsize} bytes) but the file holds {size - data_at}")
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise error(f"{path}: cannot read as .npy: {' '.join(str(exc).split())}") from None


def _entry(z: complex) -> str:
    re, im = float(z.real), float(z.imag)
    sign = "" if repr(im).startswith("-") else "+"
    return f"{re!r}{sign}{im!r}j"


def save_matrix(path: str | os.PathLike, matrix: np.ndarray, comment: str | None = None) -> None:
    """Write a 2-D complex matrix to ``.npy`` or ``.csv`` (exact round trip).

    Args:
        comment: for ``.csv``, written first as ``# comment`` lines.
    """
    suffix = check_matrix_path(path)
    m = np.asarray(matrix, dtype=complex)
    if m.ndim != 2:
        raise MatrixFileError(f"{path}: expected a 2-D matrix, got shape {m.shape}")
    if suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, m, allow_pickle=False)
        atomic_write_bytes(path, buf.getvalue())
        return
    lines = [f"# {c}" for c in (comment or "").splitlines()]
    lines += [",".join(_entry(z) for z in row) for row in m]
    atomic_write_text(path, "\n".join(lines) + "\n")


def load_matrix(path: str | os.PathLike) -> np.ndarray:
    """Read a complex (or real) 2-D matrix from ``.npy`` or ``.csv``."""
    suffix = Path(path).suffix.lower()
    if suffix not in MATRIX_SUFFIXES:
        raise MatrixFileError(
            f"{path}: unknown matrix file type {suffix or '(none)'!r}; use {' or '.join(MATRIX_SUFFIXES)}"
        )
    if not Path(path).is_file():
        raise MatrixFileError(f"{path}: no such file")
    try:
        if suffix == ".npy":
            m = read_npy(path, MatrixFileError)
        else:
            m = np.loadtxt(path, delimiter=",", dtype=complex, ndmin=2)
    except (ValueError, OSError, EOFError) as exc:
        raise MatrixFileError(f"{path}: cannot read a matrix: {' '.join(str(exc).split())}") from None
    if m.ndim != 2 or m.dtype.kind not in "iufc":
        raise MatrixFileError(f"{path}: expected a 2-D numeric matrix, got shape {m.shape} of {m.dtype}")
    return m
