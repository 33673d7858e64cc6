"""Iris data shipped with picffm, the stratified split and the optical encoding."""

import numpy as np
import pytest

from picffm.errors import ConfigError
from picffm.training.config import TrainConfig
from picffm.training.encoding import N_MODES, fit_encoder
from picffm.training.iris import CLASSES, load_iris, stratified_folds, stratified_split
from picffm.training.trainers import make_dataset


def test_iris_is_the_fisher_data():
    iris = load_iris()
    assert iris.features.shape == (150, 4)
    assert np.bincount(iris.labels).tolist() == [50, 50, 50]
    # column means of Fisher's data (UCI file with its two known corrections)
    np.testing.assert_allclose(iris.features.mean(axis=0), [5.8433, 3.0573, 3.7580, 1.1993], atol=5e-4)
    # well-known rows: first sample, sample 35 and 38 (corrected), first versicolor, last virginica
    np.testing.assert_array_equal(iris.features[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_array_equal(iris.features[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(iris.features[37], [4.9, 3.6, 1.4, 0.1])
    np.testing.assert_array_equal(iris.features[50], [7.0, 3.2, 4.7, 1.4])
    np.testing.assert_array_equal(iris.features[149], [5.9, 3.0, 5.1, 1.8])
    assert [CLASSES[c] for c in iris.labels[[0, 50, 100]]] == ["setosa", "versicolor", "virginica"]
    assert not iris.features.flags.writeable


def test_split_is_stratified_seeded_and_disjoint():
    labels = load_iris().labels
    tr, te = stratified_split(labels, 15, np.random.default_rng(3))
    assert tr.size == 105 and te.size == 45
    assert np.bincount(labels[te]).tolist() == [15, 15, 15]
    assert not set(tr) & set(te)
    tr2, te2 = stratified_split(labels, 15, np.random.default_rng(3))
    np.testing.assert_array_equal(te, te2)
    _, te3 = stratified_split(labels, 15, np.random.default_rng(4))
    assert not np.array_equal(te, te3)
    with pytest.raises(ConfigError, match="test_per_class"):
        stratified_split(labels, 50, np.random.default_rng(0))


@pytest.mark.parametrize("folds", [3, 5])
def test_folds_are_stratified_disjoint_and_cover_every_sample(folds):
    labels = load_iris().labels
    parts = stratified_folds(labels, folds, np.random.default_rng(7))
    assert len(parts) == folds
    tests = [te for _, te in parts]
    np.testing.assert_array_equal(np.sort(np.concatenate(tests)), np.arange(labels.size))  # each sample once
    for tr, te in parts:
        assert not set(tr) & set(te) and tr.size + te.size == labels.size
        counts = np.bincount(labels[te], minlength=3)
        assert counts.max() - counts.min() <= 1 and abs(counts - 50 / folds).max() < 1  # stratified
    again = stratified_folds(labels, folds, np.random.default_rng(7))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(parts, again))  # seeded
    other = stratified_folds(labels, folds, np.random.default_rng(8))
    assert not np.array_equal(parts[0][1], other[0][1])
    for bad in (1, 51, True):
        with pytest.raises(ConfigError, match="folds"):
            stratified_folds(labels, bad, np.random.default_rng(0))


def test_make_dataset_fold_is_the_seeds_fold():
    cfg = TrainConfig()
    assert cfg.folds == 3 and cfg.n_test() == 50
    data = [make_dataset(4, cfg, f) for f in range(cfg.folds)]
    np.testing.assert_array_equal(np.sort(np.concatenate([d.test_index for d in data])), np.arange(150))
    assert all(d.x_train.shape == (N_MODES, 100) and d.x_test.shape == (N_MODES, 50) for d in data)
    np.testing.assert_array_equal(make_dataset(4, cfg, 1).test_index, data[1].test_index)
    assert not np.array_equal(make_dataset(5, cfg, 1).test_index, data[1].test_index)  # another seed, another split
    with pytest.raises(ConfigError, match="fold = 3 is invalid"):
        make_dataset(4, cfg, 3)


def test_encoding_uses_train_statistics_and_unit_power():
    data = make_dataset(0, TrainConfig(folds=1))
    iris = load_iris()
    np.testing.assert_allclose(data.encoder.mean, iris.features[data.train_index].mean(axis=0))
    assert data.x_train.shape == (N_MODES, 105) and data.x_test.shape == (N_MODES, 45)
    np.testing.assert_allclose(np.linalg.norm(data.x_test, axis=0), 1.0, atol=1e-12)
    # the amplitude channel is the standardised feature, scaled by the common norm
    enc = fit_encoder(iris.features[data.train_index])
    z = (iris.features[data.test_index] - enc.mean) / enc.std
    ratio = data.x_test[:4].real.T / (z / 2)
    np.testing.assert_allclose(ratio, ratio[:, :1] * np.ones((1, 4)), rtol=1e-10)
    with pytest.raises(ConfigError, match="shape"):
        enc.encode(np.ones((3, 5)))
