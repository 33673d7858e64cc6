"""The accuracy statistics of the training table: corrected resampled-t interval and paired differences."""

import numpy as np
import pytest
import scipy.stats

from picffm.training.accuracy import paired_difference, replicate_stats, verdict
from picffm.training.report import holdout_ratio
from picffm.training.config import TrainConfig


def test_corrected_interval_on_a_hand_computed_case():
    s = replicate_stats([90.0, 92.0, 94.0, 96.0], test_train_ratio=0.5)
    # mean 93, s^2 = (9 + 1 + 1 + 9) / 3 = 20/3; variance of the mean (1/4 + 1/2) 20/3 = 5;
    # t_{0.975, 3} = 3.182446305284263 (table value); half width 3.182446305284263 * sqrt(5)
    half = 3.182446305284263 * np.sqrt(5.0)
    assert s["mean"] == 93.0 and s["n"] == 4
    assert s["std"] == pytest.approx(np.sqrt(20 / 3), rel=1e-12)
    assert s["ci"] == pytest.approx([93.0 - half, 93.0 + half], rel=1e-12)


def test_without_the_correction_it_is_the_plain_t_interval():
    vals = np.random.default_rng(5).normal(90, 3, size=9)
    s = replicate_stats(vals, test_train_ratio=0.0, level=0.9)
    lo, hi = scipy.stats.t.interval(0.9, 8, loc=vals.mean(), scale=scipy.stats.sem(vals))
    assert s["ci"] == pytest.approx([lo, hi], rel=1e-12)
    wider = replicate_stats(vals, test_train_ratio=0.5, level=0.9)["ci"]
    assert wider[0] < lo and wider[1] > hi  # the correction only widens it


def test_one_value_has_no_interval_and_bad_arguments_are_refused():
    assert replicate_stats([95.0], 0.5)["ci"] is None and replicate_stats([], 0.5) is None
    assert replicate_stats([None, float("nan"), 90.0, 92.0], 0.5)["n"] == 2
    with pytest.raises(ValueError, match="level"):
        replicate_stats([1.0, 2.0], 0.5, level=1.0)
    with pytest.raises(ValueError, match="test_train_ratio"):
        replicate_stats([1.0, 2.0], -0.1)


def test_paired_difference_matches_replicates_and_gives_the_verdict():
    ideal = {(0, 0): 94.0, (0, 1): 96.0, (1, 0): 92.0, (1, 1): 98.0}
    same = paired_difference(dict(ideal), ideal, 0.5)
    assert same["mean"] == 0.0 and same["std"] == 0.0 and verdict(same) == "within"
    # a constant offset is known exactly (zero spread): beyond any interval
    up = paired_difference({k: v + 2.0 for k, v in ideal.items()}, ideal, 0.5)
    assert up["mean"] == pytest.approx(2.0) and verdict(up) == "above"
    down = paired_difference({k: v - 2.0 + 0.1 * k[1] for k, v in ideal.items()}, ideal, 0.5)
    assert verdict(down) == "below"
    # only replicates both sides hold are paired
    part = paired_difference({(0, 0): 95.0, (9, 9): 10.0}, ideal, 0.5)
    assert part["n"] == 1 and part["mean"] == 1.0 and verdict(part) == "unknown"
    noisy = paired_difference({(0, 0): 96.0, (0, 1): 94.0, (1, 0): 93.0, (1, 1): 97.0}, ideal, 0.5)
    assert verdict(noisy) == "within"


def test_holdout_ratio_of_the_splits():
    assert holdout_ratio(TrainConfig()) == 0.5  # 3 folds: 50 test / 100 train
    assert holdout_ratio(TrainConfig(folds=5)) == 0.25
    assert holdout_ratio(TrainConfig(folds=1)) == pytest.approx(45 / 105)


def test_interval_uses_the_t_quantile_without_importing_scipy_stats():
    import subprocess
    import sys

    from scipy.stats import t as student_t

    from picffm.training.accuracy import replicate_stats

    vals = [0.91, 0.95, 0.93, 0.97]
    got = replicate_stats(vals, 0.5, level=0.9)
    half = student_t.ppf(0.95, 3) * np.sqrt((1 / 4 + 0.5) * np.std(vals, ddof=1) ** 2)
    assert got["ci"] == [got["mean"] - half, got["mean"] + half]  # the same number, bit for bit
    code = ("import sys; from picffm.training.accuracy import replicate_stats; replicate_stats([1, 2, 4], 0.2); "
            "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported'")
    subprocess.run([sys.executable, "-c", code], check=True)
