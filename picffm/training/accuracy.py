"""Accuracy over cross-validation replicates: mean, std, a confidence interval, paired differences.

A *replicate* is one trained network of one method on one chip
configuration: a (seed, fold) pair. Its value is the test accuracy (%) on
that fold. The replicates of one seed share their data (the folds partition
it), and the training sets of different folds and seeds overlap, so the
replicates are not independent and the plain ``s / sqrt(n)`` standard error
is too small. The interval used here is the *corrected resampled t*
(Nadeau and Bengio, "Inference for the generalization error", Machine
Learning 52, 239-281 (2003); for repeated k-fold cross-validation:
Bouckaert and Frank, PAKDD 2004, LNCS 3056, 3-12):

    variance of the mean = (1 / n + n_test / n_train) * s**2
    CI = mean +- t_{(1 + level) / 2, n - 1} * sqrt(variance of the mean)

with ``s`` the sample std (ddof = 1) over the ``n`` replicates and
``n_test / n_train`` the test-to-train size ratio of one split (0.5 for
3-fold cross-validation). Differences between two methods are taken per
replicate (same seed, same fold: same data, same start, same chips) and get
the same interval (a paired test).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["replicate_stats", "paired_difference", "verdict"]


def replicate_stats(values: Sequence[float], test_train_ratio: float, level: float = 0.95) -> dict | None:
    """Mean, std (ddof = 1) and corrected resampled-t confidence interval of per-replicate values.

    Args:
        values: one value per replicate (``None`` and non-finite values are dropped).
        test_train_ratio: ``n_test / n_train`` of one split (>= 0).
        level: confidence level of the interval, in (0, 1).

    Returns ``{"mean", "std", "n", "ci": [lo, hi] or None, "level", "values"}``
    (``ci`` is None for fewer than 2 values), or None without values.
    """
    from scipy.special import stdtrit  # Student's t quantile: what scipy.stats.t.ppf calls (same value), without
    # importing scipy.stats (about 1 s at start-up, for this one number)

    if not 0 < level < 1:
        raise ValueError(f"level = {level!r} is invalid; valid: a number in (0, 1)")
    if not test_train_ratio >= 0:
        raise ValueError(f"test_train_ratio = {test_train_ratio!r} is invalid; valid: a number >= 0")
    vals = np.array([float(v) for v in values if v is not None and np.isfinite(v)])
    if vals.size == 0:
        return None
    n = int(vals.size)
    mean = float(vals.mean())
    std = float(vals.std(ddof=1)) if n > 1 else 0.0
    ci = None
    if n > 1:
        half = float(stdtrit(n - 1, (1 + level) / 2) * np.sqrt((1 / n + test_train_ratio) * std ** 2))
        ci = [mean - half, mean + half]
    return {"mean": mean, "std": std, "n": n, "ci": ci, "level": level, "values": vals.tolist()}


def paired_difference(a: dict, b: dict, test_train_ratio: float, level: float = 0.95) -> dict | None:
    """Statistics of ``a[r] - b[r]`` over the replicates ``r`` both mappings hold (see :func:`replicate_stats`)."""
    common = [r for r in a if r in b and a[r] is not None and b[r] is not None]
    return replicate_stats([a[r] - b[r] for r in common], test_train_ratio, level)


def verdict(diff: dict | None) -> str:
    """``above``, ``below`` or ``within``: where 0 lies against the difference's interval."""
    if diff is None or diff["ci"] is None:
        return "unknown"
    lo, hi = diff["ci"]
    if lo > 0:
        return "above"
    if hi < 0:
        return "below"
    return "within"
