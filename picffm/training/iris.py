"""The Iris data set shipped with picffm, and a seeded stratified split.

``picffm/data/iris.csv`` holds the 150 samples of R. A. Fisher, "The use of
multiple measurements in taxonomic problems", Annals of Eugenics 7, 179-188
(1936), as distributed by the UCI Machine Learning Repository ("Iris",
doi:10.24432/C56C76, CC BY 4.0). The values follow Fisher's paper: samples 35
and 38 carry the two known corrections to the UCI file (the same values as
scikit-learn's copy). Features are in cm: sepal length, sepal width, petal
length, petal width. Classes: 0 setosa, 1 versicolor, 2 virginica (50 each).

Nothing is downloaded: the file is package data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..errors import ConfigError

__all__ = ["IrisData", "load_iris", "stratified_split", "stratified_folds", "FEATURES", "CLASSES"]

FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
CLASSES = ("setosa", "versicolor", "virginica")


@dataclass(frozen=True, eq=False)
class IrisData:
    """The Iris samples.

    Attributes:
        features: ``(150, 4)`` float, cm, columns :data:`FEATURES`.
        labels: ``(150,)`` int class index into :data:`CLASSES`.
    """

    features: np.ndarray
    labels: np.ndarray

    def __len__(self) -> int:
        return int(self.labels.size)


@lru_cache(maxsize=1)
def _read() -> tuple[np.ndarray, np.ndarray]:
    text = resources.files("picffm").joinpath("data/iris.csv").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    header = tuple(lines[0].split(","))
    if header != FEATURES + ("species",):  # pragma: no cover - guards the shipped file
        raise RuntimeError(f"picffm/data/iris.csv: unexpected header {header}")
    rows = [ln.split(",") for ln in lines[1:]]
    features = np.array([[float(v) for v in r[:4]] for r in rows])
    labels = np.array([CLASSES.index(r[4]) for r in rows], dtype=int)
    features.setflags(write=False)
    labels.setflags(write=False)
    return features, labels


def load_iris() -> IrisData:
    """The 150 Iris samples (read-only arrays)."""
    features, labels = _read()
    return IrisData(features, labels)


def stratified_split(labels: np.ndarray, test_per_class, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Seeded stratified split: ``test_per_class`` random samples of each class go to test.

    ``test_per_class``: one count for every class, or one count per class (in
    class order). Returns ``(train_index, test_index)``, each sorted. Raises
    :class:`ConfigError` if a class has too few samples.
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    counts = [test_per_class] * classes.size if np.ndim(test_per_class) == 0 else list(test_per_class)
    train, test = [], []
    for c, k in zip(classes, counts, strict=True):
        idx = np.flatnonzero(labels == c)
        if not 0 < k < idx.size:
            raise ConfigError(f"test_per_class = {k} is invalid; valid: 1..{idx.size - 1} "
                              f"(class {int(c)} has {idx.size} samples)")
        perm = rng.permutation(idx)
        test.append(perm[:k])
        train.append(perm[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def stratified_folds(labels: np.ndarray, folds: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    """Seeded stratified k-fold partition: ``[(train_index, test_index), ...]``, one pair per fold.

    scikit-learn's ``StratifiedKFold`` (shuffled; its seed is drawn from
    ``rng``): the test folds are disjoint, together hold every sample once,
    and each holds every class in proportion (50 Iris samples per class, 3
    folds: 50 test samples each, 16 or 17 of each class). Indices are sorted. Raises
    :class:`ConfigError` if a class has fewer than ``folds`` samples.
    """
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(labels)
    smallest = int(np.bincount(labels).min()) if labels.size else 0
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= smallest:
        raise ConfigError(f"folds = {folds!r} is invalid; valid: an integer in [2, {smallest}] "
                          "(the smallest class's sample count)")
    kfold = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=int(rng.integers(2 ** 31 - 1)))
    return [(np.sort(tr), np.sort(te)) for tr, te in kfold.split(np.zeros(labels.size), labels)]
