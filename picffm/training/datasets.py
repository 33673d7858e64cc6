"""Data sets as data: the built-in Iris and digits, and any CSV/TSV table with a header.

A :class:`Table` is what training reads: ``(n, F)`` float features, ``(n,)``
integer labels ``0 .. C-1`` and the names of both. A :class:`DataSource` is
the plain description of where a table comes from (saved with a run, so a
resumed or re-evaluated run reads the same data):

* ``iris``: Fisher's 150 samples, 4 features (cm), 3 classes, shipped as
  ``picffm/data/iris.csv`` (:mod:`picffm.training.iris`);
* ``digits``: the 1797 8x8 handwritten digits shipped inside scikit-learn
  (``sklearn.datasets.load_digits``, UCI "Optical Recognition of Handwritten
  Digits", no download): 64 features (pixel values 0..16), 10 classes;
* ``csv``: a table file with a header row, comma-separated (``.csv``) or
  tab-separated (``.tsv``/``.tab``, or a header with tabs and no commas).
  One column holds the labels (text or integers), the feature columns
  (default: every other column) must be numbers. Lines starting with ``#``
  and blank lines are skipped. Classes are numbered in sorted order of
  their labels (numerically if every label is a number). The file's
  SHA-256 is recorded: a run refuses a file that changed under it;
* ``arrays``: features and labels given in memory (the Python API,
  :func:`picffm.training.api.train`); only their SHA-256 is recorded.

Every problem with a file is one :class:`~picffm.errors.DataError` line that
names the file, the line and the column.
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import DataError

__all__ = ["Table", "DataSource", "load_table", "read_table", "BUILTIN", "MAX_ROWS", "MAX_FEATURES",
           "MAX_CLASSES", "MIN_PER_CLASS", "MAX_ABS_FEATURE"]

#: built-in data sets
BUILTIN = ("iris", "digits")
#: most rows, feature columns and classes a table may have (docs/limits.md)
MAX_ROWS = 1_000_000
MAX_FEATURES = 1024
MAX_CLASSES = 256
#: fewest samples of each class: one to test, one to train
MIN_PER_CLASS = 2
#: largest feature magnitude: the standardisation squares differences of features, which must stay finite in
#: float64 (about 1.8e308); 1e150 leaves room for any mean and spread
MAX_ABS_FEATURE = 1e150
_MISSING = {"", "nan", "na", "n/a", "null", "none", "?"}


@dataclass(frozen=True, eq=False)
class Table:
    """A labelled table of numeric features.

    Attributes:
        name: what the table is (``iris``, ``digits`` or the file name).
        features: ``(n, F)`` float, read-only.
        labels: ``(n,)`` int class indices ``0 .. C-1``, read-only.
        feature_names: ``F`` column names.
        class_names: ``C`` label values, in class-index order.
    """

    name: str
    features: np.ndarray
    labels: np.ndarray
    feature_names: tuple
    class_names: tuple

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def __len__(self) -> int:
        return int(self.labels.size)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=self.n_classes)


@dataclass(frozen=True)
class DataSource:
    """Where a :class:`Table` comes from (plain data; saved in a run's ``config.json``).

    Attributes:
        name: ``iris``, ``digits``, ``csv`` or ``arrays``.
        path: the table file (``csv`` only; absolute).
        label: the label column (``csv`` only).
        features: the feature columns (``csv`` only; empty: every other column).
        sha256: the file's SHA-256 (``csv``; ``arrays``: of the features and labels).
    """

    name: str = "iris"
    path: str = ""
    label: str = ""
    features: tuple = ()
    sha256: str = ""

    def __post_init__(self):
        if self.name not in BUILTIN + ("csv", "arrays"):
            raise DataError(f"unknown data set {self.name!r}; valid: {', '.join(BUILTIN)}, csv")
        if self.name == "csv" and (not self.path or not self.label):
            raise DataError("a csv data source needs a file and a label column")
        if self.name in BUILTIN and (self.path or self.label or self.features or self.sha256):
            raise DataError(f"the built-in data set {self.name!r} takes no file, label or feature columns")
        object.__setattr__(self, "features", tuple(self.features))

    @classmethod
    def csv(cls, path, label: str, features=()) -> "DataSource":
        """A CSV/TSV source with its file's current SHA-256."""
        p = Path(path)
        return cls("csv", str(p.resolve()), str(label), tuple(features), _sha256(p))

    @classmethod
    def arrays(cls, features: np.ndarray, labels: np.ndarray) -> "DataSource":
        """In-memory arrays, identified by the SHA-256 of their bytes."""
        h = hashlib.sha256(np.ascontiguousarray(features, float).tobytes())
        h.update(np.ascontiguousarray(labels).astype(str).astype("U").tobytes())
        return cls("arrays", sha256=h.hexdigest())

    def to_dict(self) -> dict:
        if self.name in BUILTIN:
            return {"name": self.name}
        if self.name == "arrays":
            return {"name": "arrays", "sha256": self.sha256}
        return {"name": "csv", "path": self.path, "label": self.label, "features": list(self.features),
                "sha256": self.sha256}

    @classmethod
    def from_dict(cls, doc) -> "DataSource":
        if isinstance(doc, DataSource):
            return doc
        if not isinstance(doc, dict):
            raise DataError(f"a data source must be a mapping, got {type(doc).__name__}")
        valid = ("name", "path", "label", "features", "sha256")
        for key in doc:
            if key not in valid:
                raise DataError(f"unknown data-source key {key!r}; valid: {', '.join(valid)}")
        return cls(**doc)

    def describe(self) -> str:
        if self.name == "csv":
            return f"{Path(self.path).name} (label {self.label!r})"
        return "in-memory arrays" if self.name == "arrays" else self.name


def load_table(source: DataSource | str = "iris") -> Table:
    """The :class:`Table` of ``source`` (a :class:`DataSource` or a built-in name); cached."""
    if isinstance(source, str):
        source = DataSource(source)
    return _load(source)


@lru_cache(maxsize=8)
def _load(source: DataSource) -> Table:
    if source.name == "iris":
        from .iris import CLASSES, FEATURES, load_iris

        iris = load_iris()
        return Table("iris", iris.features, iris.labels, FEATURES, CLASSES)
    if source.name == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        f, y = np.asarray(d.data, float), np.asarray(d.target, int)
        f.setflags(write=False)
        y.setflags(write=False)
        return Table("digits", f, y, tuple(f"pixel_{i // 8}_{i % 8}" for i in range(64)),
                     tuple(str(c) for c in range(10)))
    if source.name == "arrays":
        raise DataError("the data were in-memory arrays: pass the features and labels again")
    path = Path(source.path)
    if source.sha256 and _sha256(path) != source.sha256:
        raise DataError(f"{path}: the file changed since the run started (its SHA-256 differs); restore it or "
                        "start a new run")
    return read_table(path, source.label, source.features or None)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, not a table file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _delimiter(path: Path, header: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    if path.suffix.lower() == ".csv":
        return ","
    return "\t" if "\t" in header and "," not in header else ","


def read_table(path, label: str, features=None, *, min_per_class: int = MIN_PER_CLASS) -> Table:
    """Read a CSV/TSV file with a header (see the module docstring).

    Args:
        path: the file.
        label: name of the label column.
        features: names of the feature columns (default: every column but ``label``).
        min_per_class: fewest samples of each class.

    Raises:
        DataError: one line naming the file, line and column at fault.
    """
    path = Path(path)
    _sha256(path)  # existence and readability, with the file's own message
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file (byte {exc.start})") from None
    lines = [(i + 1, ln) for i, ln in enumerate(text.splitlines()) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise DataError(f"{path}: empty file; expected a header row and one row per sample")
    if len(lines) - 1 > MAX_ROWS:
        raise DataError(f"{path}: {len(lines) - 1} rows is beyond the limit of {MAX_ROWS}")
    delim = _delimiter(path, lines[0][1])
    rows = list(csv.reader([ln for _, ln in lines], delimiter=delim))
    header = [h.strip() for h in rows[0]]
    # a separator ending every line (spreadsheet exports write one) is an empty last column: dropped
    while len(header) > 1 and not header[-1] and all(len(r) == len(header) and not r[-1].strip() for r in rows[1:]):
        header.pop()
        rows = [r[:-1] for r in rows]
    for j, h in enumerate(header):
        if not h:
            raise DataError(f"{path}: line {lines[0][0]}: column {j + 1} has no name in the header")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataError(f"{path}: line {lines[0][0]}: column {dup[0]!r} appears more than once in the header")
    cols = ", ".join(f'"{h}"' if "," in h else h for h in header)  # a name holding a comma: quoted, as --features takes it
    if label not in header:
        if len(header) == 1 and (";" in header[0] or "|" in header[0]):
            sep = ";" if ";" in header[0] else "|"
            raise DataError(f"{path}: the header is one column {header[0]!r}: the file seems to use {sep!r} "
                            "as separator; picffm reads comma-separated .csv and tab-separated .tsv files")
        if all(_is_number(h) for h in header):
            raise DataError(f"{path}: line {lines[0][0]}: the first row {', '.join(header)} is all numbers, so the "
                            f"file seems to have no header row; add one naming the columns (the label column "
                            f"{label!r} among them)")
        raise DataError(f"{path}: no label column {label!r}; columns: {cols}")
    names = [h for h in header if h != label] if not features else list(features)
    for f in names:
        if f not in header:
            raise DataError(f"{path}: no feature column {f!r}; columns: {cols}")
        if f == label:
            raise DataError(f"{path}: column {label!r} is the label; it cannot also be a feature")
    if len(set(names)) != len(names):
        raise DataError(f"{path}: a feature column is listed twice in {', '.join(names)}")
    if not names:
        raise DataError(f"{path}: no feature column besides the label {label!r}")
    if len(names) > MAX_FEATURES:
        raise DataError(f"{path}: {len(names)} feature columns is beyond the limit of {MAX_FEATURES}")
    if len(rows) < 2:
        raise DataError(f"{path}: no data rows below the header")
    li, fi = header.index(label), [header.index(f) for f in names]
    feats = np.empty((len(rows) - 1, len(names)))
    labels = []
    for r, ((lineno, _), row) in enumerate(zip(lines[1:], rows[1:])):
        if len(row) != len(header):
            raise DataError(f"{path}: line {lineno}: {len(row)} fields, the header has {len(header)}")
        lab = row[li].strip()
        if lab.lower() in _MISSING:
            raise DataError(f"{path}: line {lineno}: column {label!r}: missing label")
        labels.append(lab)
        for k, j in enumerate(fi):
            v = row[j].strip()
            if v.lower() in _MISSING:
                raise DataError(f"{path}: line {lineno}: column {header[j]!r}: missing value ({v!r}); every "
                                "feature must be a number")
            try:
                x = float(v)
            except ValueError:
                raise DataError(f"{path}: line {lineno}: column {header[j]!r}: {v!r} is not a number") from None
            if not math.isfinite(x):
                raise DataError(f"{path}: line {lineno}: column {header[j]!r}: {v!r} is not a finite number")
            if abs(x) > MAX_ABS_FEATURE:
                raise DataError(f"{path}: line {lineno}: column {header[j]!r}: {v!r} is beyond the limit of "
                                f"{MAX_ABS_FEATURE:g} in magnitude (standardising it would overflow); rescale "
                                "the column")
            feats[r, k] = x
    key = _label_key(labels)
    classes = sorted(set(labels), key=lambda v: (key(v), v))  # the text breaks ties: a deterministic message
    if key is not str:
        for a, b in zip(classes, classes[1:]):
            if key(a) == key(b):
                raise DataError(f"{path}: column {label!r}: the labels {a!r} and {b!r} are the same number written "
                                "two ways; write every label of a class the same way")
    if len(classes) < 2:
        raise DataError(f"{path}: column {label!r} has a single class {classes[0]!r}; need at least 2")
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{path}: column {label!r} has {len(classes)} classes, beyond the limit of {MAX_CLASSES}")
    index = {c: i for i, c in enumerate(classes)}
    y = np.array([index[lab] for lab in labels], dtype=int)
    counts = np.bincount(y, minlength=len(classes))
    if counts.min() < min_per_class:
        c = classes[int(np.argmin(counts))]
        raise DataError(f"{path}: class {c!r} has {int(counts.min())} sample(s); every class needs at least "
                        f"{min_per_class} (one to train, one to test)")
    feats.setflags(write=False)
    y.setflags(write=False)
    return Table(path.name, feats, y, tuple(names), tuple(classes))


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _label_key(labels):
    """How classes sort: numerically when every label is a finite number (``int`` when all are integers),
    else as text."""
    try:
        [int(v) for v in labels]
    except ValueError:
        return float if all(_is_number(v) for v in set(labels)) else str
    return int
