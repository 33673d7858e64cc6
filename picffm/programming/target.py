"""Read a target matrix from ``.npy`` or ``.csv``: :func:`load_target`.

Accepted files:

* ``.npy``: any 2-D real or complex numpy array (``np.save``); no pickles.
* ``.csv``: one matrix row per line; entries separated by commas, or by
  whitespace when a line has no comma. An entry is a real number (``0.5``,
  ``-1e-3``) or a complex one as Python writes it, with or without
  parentheses (``0.5-0.25j``, ``(5e-01-2.5e-01j)``). This covers
  ``np.savetxt(path, a, delimiter=",")`` for real and complex arrays (and
  ``np.savetxt(path, a)`` with its default space delimiter), and
  :func:`picffm.matrix_io.save_matrix`. Blank lines and lines starting with
  ``#`` are ignored.

Every problem raises :class:`picffm.errors.ProgrammingError` naming the file
and, for CSV, the line and the entry.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import ProgrammingError
from ..matrix_io import MAX_MATRIX_ENTRIES, read_npy

__all__ = ["load_target", "TARGET_SUFFIXES"]

TARGET_SUFFIXES = (".npy", ".csv")


def load_target(path: str | os.PathLike) -> np.ndarray:
    """Read a 2-D target matrix from ``.npy`` or ``.csv``: complex128, or complex64 for a single-precision
    ``.npy`` (float16/float32/complex64), so that a unitary saved that way is checked to its own precision
    (:func:`picffm.programming.checks.unitary_tolerance`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TARGET_SUFFIXES:
        raise ProgrammingError(f"{path}: unknown target file type {suffix or '(none)'!r}; use .npy or .csv")
    if not path.exists():
        raise ProgrammingError(f"{path}: no such file")
    if path.is_dir():
        raise ProgrammingError(f"{path}: is a directory, not a matrix file")
    if suffix == ".npy":
        arr = read_npy(path, ProgrammingError)
        if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iufc":
            raise ProgrammingError(f"{path}: expected a numeric array (integer, real or complex), got dtype {getattr(arr, 'dtype', '?')}")
        if arr.ndim != 2:
            raise ProgrammingError(f"{path}: expected a 2-D matrix, got an array of shape {arr.shape}")
        single = arr.dtype in (np.float16, np.float32, np.complex64)
        return arr.astype(np.complex64 if single else complex)
    return _read_csv(path)


def _read_csv(path: Path) -> np.ndarray:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgrammingError(f"{path}: cannot read: {exc}") from None
    rows: list[list[complex]] = []
    width = None
    for lineno, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tokens = [t.strip() for t in line.split(",")] if "," in line else line.split()
        if tokens and tokens[-1] == "":  # trailing comma
            tokens.pop()
        row = []
        for col, tok in enumerate(tokens, 1):
            try:
                row.append(complex(tok.replace(" ", "")))
            except ValueError:
                raise ProgrammingError(
                    f"{path}: line {lineno}, entry {col}: cannot read {tok!r} as a number "
                    "(use 0.5, 1e-3 or complex 0.5-0.25j)"
                ) from None
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ProgrammingError(f"{path}: line {lineno} has {len(row)} entries but the first row has {width}")
        rows.append(row)
        if len(rows) * width > MAX_MATRIX_ENTRIES:
            raise ProgrammingError(f"{path}: line {lineno}: more than the limit of {MAX_MATRIX_ENTRIES} entries "
                                   "(4096 x 4096)")
    if not rows:
        raise ProgrammingError(f"{path}: no matrix rows (empty file or only comments)")
    return np.array(rows, dtype=complex)
