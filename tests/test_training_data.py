"""Iris data shipped with picffm, the stratified split and the optical encoding."""

import numpy as np
import pytest

from picffm.errors import ConfigError
from picffm.training.config import TrainConfig
from picffm.training.encoding import N_MODES, fit_encoder
from picffm.training.iris import CLASSES, load_iris, stratified_split
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


def test_encoding_uses_train_statistics_and_unit_power():
    data = make_dataset(0, TrainConfig())
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
